"""The app's one cache: the declared study, the store, verdicts, robustness and built figures.

Why this module: every `st.cache_*` of the dashboard lives here, keyed on file CONTENT, so an edit to any declared
file (src.study.declared_files) or a refreshed snapshot shows on the next rerun without a restart, and no other
module keeps a copy. The keys are read once per run: src.app.boot computes them when a run starts
(`begin_run`); outside a page run (a test script, the bench) each call reads them afresh.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import pandas as pd
import streamlit as st
import yaml

from src.ingest.snapshot import (
    SnapshotError,
    changed_snapshot_files,
    read_sidecars,
    snapshot_files_table,
    snapshot_fingerprint,
)
from src.paths import CATALOGUE_DIR, SNAPSHOT_DIR
from src.study import catalogue_files, content_key, content_keys, declared_files
from src.study.yaml_io import parse_yaml

# Errors a broken data, catalogue or codebook file raises; each message names the file at fault.
DATA_ERRORS = (ValueError, KeyError, OSError, SnapshotError)
# The plausible value range per unit (also what the refresh checks downloads against); bounds benchmark overrides.
RANGES_FILE = CATALOGUE_DIR / "plausible_ranges.yaml"

_RUN_KEYS = "_data_keys_of_this_run"
# The study, store and picker options this run already took from the caches: a page asks for them dozens of times
# and each cache look-up hashes its arguments (~0.3-1 ms); emptied when the next run reads the keys.
_RUN_OBJECTS = "_data_objects_of_this_run"


# --- keys ----------------------------------------------------------------------------------------------------


def _read_keys() -> dict[str, str]:
    catalogue, study = content_keys(catalogue_files(), declared_files())
    return {"snapshot": snapshot_fingerprint(SNAPSHOT_DIR), "catalogue": catalogue, "study": study}


def begin_run() -> None:
    """Read the content keys for this run (called by src.app.boot before a page draws anything)."""
    st.session_state[_RUN_KEYS] = _read_keys()
    st.session_state[_RUN_OBJECTS] = {}


def _this_run(name: str, key, load: Callable):
    """`load()`'s result, taken once per run for the same `key` (outside a page run: every time)."""
    taken = st.session_state.get(_RUN_OBJECTS)
    if taken is None:
        return load()
    if name in taken and taken[name][0] == key:
        return taken[name][1]
    value = load()
    taken[name] = (key, value)
    return value


def _keys() -> dict[str, str]:
    keys = st.session_state.get(_RUN_KEYS)
    return keys if keys is not None else _read_keys()


def store_key() -> tuple[str, str]:
    """(snapshot fingerprint, catalogue content key): the store also depends on the catalogue (ids, scales)."""
    keys = _keys()
    return keys["snapshot"], keys["catalogue"]


def study_key() -> str:
    """md5 of every declared file's bytes."""
    return _keys()["study"]


def load_or_stop(load: Callable, *args, what: str):
    """Run a loader; on a broken or missing file show a clear error naming it and stop the page (no traceback)."""
    try:
        return load(*args)
    except ImportError as exc:
        st.error(f"{what.capitalize()} is not available in this version of the dashboard yet ({exc}).")
    except DATA_ERRORS as exc:
        st.error(f"Could not load {what}: {exc}")
    st.stop()


# --- the declared study and the store ------------------------------------------------------------------------


@st.cache_resource(max_entries=2)
def _study(study_key: str):
    from src.study import load_study

    return load_study()


def get_study():
    """The declared study (src.study.Study): catalogues, codebook, peer groups, events, defaults. Never modify it."""
    key = study_key()
    return _this_run("study", key, lambda: load_or_stop(_study, key, what="the study's declared files"))


@st.cache_resource(show_spinner="Loading the data snapshot...", max_entries=2)
def _store(fingerprint: str, catalogue_key: str):
    from src.ingest.store import load_store

    return load_store()


def get_store():
    """The processed store (src.ingest.store.Store), reloaded when the snapshot or catalogue changes. Never modify it."""
    key = store_key()
    return _this_run("store", key, lambda: load_or_stop(_store, *key, what="the data store"))


def get_sources() -> dict:
    """Source id -> src.study.catalogue.Source."""
    return get_study().sources


def get_indicators() -> dict:
    """Indicator id -> src.study.catalogue.Indicator."""
    return get_study().indicators


def get_codebook():
    """The study's codebook: themes, codes, claims, unsettled claims, benchmarks."""
    return get_study().codebook


def get_peer_groups() -> dict:
    """Peer group id -> group."""
    return get_study().peer_groups


def get_events() -> pd.DataFrame | None:
    """Dated events (military rule, floods, ...) from data/catalogue/events.csv."""
    return get_study().events


@st.cache_resource(max_entries=2)
def _choices(fingerprint: str, catalogue_key: str) -> dict:
    return _store(fingerprint, catalogue_key).picker_options()


def choices() -> dict:
    """Picker options (src.ingest.store.Store.picker_options): names, countries, aggregates, indicators with data."""
    get_store()  # stops the page with a clear message when the store cannot be loaded
    key = store_key()
    return _this_run("choices", key, lambda: _choices(*key))


@st.cache_resource(max_entries=2)
def _year_bounds(fingerprint: str, catalogue_key: str) -> tuple[int, int]:
    return _store(fingerprint, catalogue_key).year_bounds()


def year_bounds() -> tuple[int, int]:
    """First and last year with any value in the store."""
    get_store()
    return load_or_stop(_year_bounds, *store_key(), what="the years of the data")


def concept_indicator(concept: str) -> str | None:
    """The indicator for a concept: its declared default when the store has data for it, else the first other
    member with data; None when none has."""
    with_data = choices()["indicators"]
    members = sorted(
        (i for i in get_indicators().values() if i.concept == concept and i.id in with_data),
        key=lambda i: not i.default,
    )
    return members[0].id if members else None


def chart_events(focus: str) -> pd.DataFrame | None:
    """The focus country's events worth marking on claim charts (all but IMF programmes, which would cover most
    recent years), or None when there are none."""
    events = get_events()
    if events is None:
        return None
    from src.study.events import events_for

    def marked() -> pd.DataFrame:
        mine = events_for(events, focus)
        return mine[mine["kind"] != "imf_programme"]

    # Filtered once per focus and study version (10-40 ms a run otherwise); shared, so never modified.
    return cached_build("chart-events", (focus,), marked)


def country_names() -> dict[str, str]:
    """ISO3 (or published aggregate code) -> display name."""
    return choices()["names"]


def country_labeller() -> Callable[[str], str]:
    """A fast `iso3 -> "Name (ISO3)"` for widgets' format_func."""
    names = country_names()
    return lambda iso3: f"{names.get(iso3, iso3)} ({iso3})"


def country_label(iso3: str) -> str:
    """'Pakistan (PAK)'."""
    return country_labeller()(iso3)


def indicator_labeller() -> Callable[[str], str]:
    """A fast `id -> "Short name [source]"` for widgets' format_func."""
    catalogue = get_indicators()

    def label(indicator_id: str) -> str:
        indicator = catalogue.get(indicator_id)
        return f"{indicator.short_name} [{indicator.source}]" if indicator else indicator_id

    return label


def indicator_label(indicator_id: str) -> str:
    """'Military spending (% of GDP) [wdi]'."""
    return indicator_labeller()(indicator_id)


# --- snapshot files and their health -------------------------------------------------------------------------


@st.cache_resource(max_entries=2)
def _sidecars(fingerprint: str) -> dict:
    # Read once per snapshot version for both users below (the fingerprint is over the sidecars' bytes).
    return read_sidecars(SNAPSHOT_DIR)


@st.cache_resource(max_entries=2)
def _snapshot_files(fingerprint: str) -> pd.DataFrame:
    return snapshot_files_table(SNAPSHOT_DIR, _sidecars(fingerprint))


def get_snapshot_files() -> pd.DataFrame:
    """One row per raw data file (src.ingest.snapshot.snapshot_files_table)."""
    return load_or_stop(_snapshot_files, store_key()[0], what="the snapshot sidecars")


@st.cache_resource(max_entries=2, show_spinner="Checking the snapshot files...")
def _changed_files(fingerprint: str) -> tuple:
    # Reads every data file (~13 MB): once per process and snapshot version.
    return tuple(changed_snapshot_files(SNAPSHOT_DIR, _sidecars(fingerprint)))


def store_problems() -> tuple[str, ...]:
    """The sources the store could not parse (src.ingest.store.Store.problems), each naming its file."""
    return tuple(_store(*store_key()).problems)


def changed_files() -> tuple:
    """(file, recorded md5, actual md5) for each snapshot file whose bytes differ from its sidecar."""
    return _changed_files(store_key()[0])


@st.cache_resource(max_entries=2)
def _plausible_ranges(ranges_key: str) -> dict[str, tuple[float, float]]:
    entries = parse_yaml(RANGES_FILE.read_text(encoding="utf-8")) or []
    return {str(e["unit"]): (float(e["min"]), float(e["max"])) for e in entries if isinstance(e, dict)}


def plausible_range(unit: str) -> tuple[float, float]:
    """(min, max) a value in `unit` may take (data/catalogue/plausible_ranges.yaml); any finite number when the
    unit is not listed or the file cannot be read."""
    try:
        # Read once per run: the Claims page asks once per benchmark.
        ranges = _this_run("plausible-ranges", None, lambda: _plausible_ranges(content_key([RANGES_FILE])))
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError):
        ranges = {}
    return ranges.get(unit, (-math.inf, math.inf))


# --- verdicts, robustness, built figures ---------------------------------------------------------------------


@st.cache_resource(max_entries=2)
def _evaluation_cache(store_key: tuple[str, str], study_key: str):
    # One per (store, study): the verdicts and the robustness runs of every session share its check results.
    from src.claims.evaluate import EvaluationCache

    return EvaluationCache()


@st.cache_resource(max_entries=16, show_spinner="Checking the claims...")
def _verdicts(store_key: tuple[str, str], study_key: str, settings_key, _settings) -> dict:
    from src.claims.evaluate import evaluate_all

    cache = _evaluation_cache(store_key, study_key)
    return evaluate_all(_study(study_key), _store(*store_key), _settings, cache=cache)


def get_verdicts(settings) -> dict:
    """Claim id -> src.claims.evaluate.Verdict for every checkable claim under `settings` (cached)."""
    get_study()
    get_store()
    # Keyed on the settings' text (text_key), which Streamlit hashes faster than the Settings object.
    return load_or_stop(_verdicts, store_key(), study_key(), text_key(settings), settings, what="the claim verdicts")


@st.cache_resource(max_entries=64)
def _robustness(store_key: tuple[str, str], study_key: str, claim_id: str, settings_key, _settings
                ) -> tuple[int, int]:
    from src.claims.robustness import robustness

    study = _study(study_key)
    cache = _evaluation_cache(store_key, study_key)
    return robustness(study.codebook.claims[claim_id], _store(*store_key), _settings, study, cache=cache)[:2]


def get_robustness(claim_id: str, settings) -> tuple[int, int]:
    """(holds, total): under how many reasonable settings the claim's verdict stays the same (cached).

    Raises:
        DATA_ERRORS: a declared file or the store could not be read.
    """
    return _robustness(store_key(), study_key(), claim_id, text_key(settings), settings)


# About 0.3-0.8 MB a claim chart (a lower-middle-income peer group has ~50 lines a panel); the boards, text tables,
# Explorer views and chart events also held here are a few KB to ~1 MB each: at most ~100 MB in all.
@st.cache_resource(max_entries=120, show_spinner=False)
def _built(what: str, key, data_key: tuple, _build: Callable):
    return _build()


def cached_build(what: str, key, build: Callable):
    """`build()`'s result (a figure, a table), built once per (`what`, `key`) and data version, then shared by
    every rerun and session.

    `key` must hold every input of `build` other than the snapshot and the declared files (their version is added
    here), e.g. the claim id and the StudyChoice. The result is shared: never modify it afterwards.
    """
    return _built(what, text_key(key), (*store_key(), study_key()), build)


PLAIN_TYPES = (str, int, float, bool, type(None))


class _NotPlain(Exception):
    pass


def text_key(key):
    """`key` as one string (its repr) when it holds only text, numbers, None, tuples and dataclasses of them (each
    dataclass named with its fields), else `key` itself: equal contents give equal strings and different ones
    different strings, and Streamlit hashes one string in a small part of the time it takes over the objects'
    reduced state (~1 ms a StudyChoice, paid by every cached build on every rerun)."""
    try:
        return repr(_plain(key))
    except _NotPlain:
        return key


def _plain(value):
    if type(value) in PLAIN_TYPES:
        return value
    if type(value) is tuple:
        return tuple(_plain(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        return (f"dataclass {kind.__module__}.{kind.__qualname__}",
                *((f.name, _plain(getattr(value, f.name))) for f in dataclasses.fields(value)))
    raise _NotPlain
