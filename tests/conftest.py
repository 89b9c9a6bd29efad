"""Shared test set-up: no test touches the network, and retries never really sleep."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import responses
import urllib3.util.retry

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def no_network():
    """Any HTTP call through `requests` that a test did not register fails loudly instead of going out."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """Retry back-off must not slow the suite: urllib3's Retry records its sleeps instead of sleeping.

    Only urllib3's own `time` is replaced: patching `time.sleep` everywhere would turn Streamlit AppTest's
    polling wait into a busy loop and slow every page test several times over.
    """
    slept: list[float] = []
    recording_time = SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("_")})
    recording_time.sleep = slept.append
    monkeypatch.setattr(urllib3.util.retry, "time", recording_time)
    return slept
