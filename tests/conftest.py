"""Shared test set-up: no test touches the network, and retries never really sleep."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import responses

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
    """Retry back-off must not slow the suite: record the sleeps instead of sleeping."""
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", lambda seconds: slept.append(seconds))
    return slept
