"""The shipped declared study (`src.study.load_study()` on data/), read once per test process.

Modules that need it at import (module constants, parametrize lists) or in helpers called by many tests take it
from here: each `load_study()` costs about 0.1 s, in every xdist worker that imports such a module. The pieces
are the very objects `load_study()` returns (`load_indicators()`, `load_sources()` and `load_codebook(...)` on the
shipped files give equal values). Read-only: never modify what these return; copy what a test changes.
Tests of the loaders themselves (tests/test_study.py, tests/test_codebook.py) still load their own copies.
"""

from __future__ import annotations

from functools import cache


@cache
def shipped_study():
    """The shipped Study, loaded on first use."""
    from src.study import load_study  # imported here: importing this module costs nothing until it is used

    return load_study()


def shipped_indicators() -> dict:
    """Indicator id -> Indicator from data/catalogue/indicators/*.yaml (as `load_indicators()`)."""
    return shipped_study().indicators


def shipped_sources() -> dict:
    """Source id -> Source from data/catalogue/sources.yaml (as `load_sources()`)."""
    return shipped_study().sources


def shipped_codebook():
    """The shipped Codebook (as `load_codebook(catalogue=load_indicators())`)."""
    return shipped_study().codebook
