"""Issue 15 as attacks on the refresh: hostile or drifted answers are refused, named, and change no file.

The bombs and the schema drift are served by bench/mock_server.py (a real HTTPS server bound to 127.0.0.1, each
hostile answer bounded in size and time); `responses` (tests/conftest.py) lets only that address through. The
network failures are `responses` ConnectionErrors: nothing leaves the machine. Every run works on a copy of the
shipped snapshot folders a one-source refresh reads, in a temporary folder, and the module checks that data/ itself
is byte-identical after.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import responses

from bench.mock_server import BOMB_INFLATED_BYTES, FLOOD_LIMIT_BYTES, LOCALHOST, Fault, serving
from bench.refresh_mock import Setting, copy_snapshot, midway_target, pointed_at, tree_md5, trusting_session
from src.ingest import fetch
from src.ingest.refresh import Outcome, refresh, shipped_known_codes, summary
from src.ingest.snapshot import OLD_STAGING_NAME, STAGING_PREFIX, data_files
from src.paths import PROCESSED_DIR, SNAPSHOT_DIR
from src.study.catalogue import load_indicators, load_sources
from tests.conftest import FIXTURES, MOCK_API_SERIES_FOLDER

WB_CODE = "MS.MIL.XPND.GD.ZS"
# Every code the shipped country metadata knows, read on first use and then shared by this module's runs: each
# snapshot copy holds the same metadata files, and reading them (the UNDP CSV among them) takes a while.
SHIPPED_KNOWN_CODES = shipped_known_codes(SNAPSHOT_DIR)


@pytest.fixture(scope="module", autouse=True)
def data_untouched():
    """Whatever the attacks do, the shipped snapshot and processed store stay byte for byte as they were."""
    before = {folder: tree_md5(folder) for folder in (SNAPSHOT_DIR, PROCESSED_DIR)}
    yield
    assert {folder: tree_md5(folder) for folder in (SNAPSHOT_DIR, PROCESSED_DIR)} == before


@pytest.fixture(scope="module")
def setting(mock_setting) -> Setting:
    """The shipped catalogue and the mock's bodies (tests/conftest.py: one API series, the direct downloads)."""
    return mock_setting


@pytest.fixture
def local_only(no_network):
    no_network.add_passthru(f"https://{LOCALHOST}")
    return no_network


def one_wdi_series(setting: Setting) -> dict:
    """The catalogue entry of one WDI series (military spending, % of GDP), so a run makes one request."""
    return {i.id: i for i in setting.catalogue.values() if i.source == "wdi" and i.code == WB_CODE}


# What a run of the one WDI series or of UNDP reads from the snapshot: its own folder, the API download folder,
# and the country metadata (a WDI Metadata_Country file and the UNDP CSV). Copying only these spares each run
# parsing the six other WDI bulk files as "previous rows" (twice: they are not in a one-series catalogue).
RUN_FOLDERS = (f"wdi/{MOCK_API_SERIES_FOLDER}", "wb_api", "undp_hdr")


@contextmanager
def snapshot_copy() -> Iterator[Path]:
    """A throwaway copy of the RUN_FOLDERS of data/snapshots/."""
    with tempfile.TemporaryDirectory(prefix="attack-refresh-") as folder:
        copy = Path(folder) / "snapshots"
        for name in RUN_FOLDERS:
            copy_snapshot(copy / name, SNAPSHOT_DIR / name)
        assert data_files(copy / "wdi") and data_files(copy / "undp_hdr")
        yield copy


@dataclasses.dataclass
class Run:
    outcome: Outcome
    changed: bool
    seconds: float
    progress: list[str]


@functools.cache
def decoded_page(body: bytes) -> tuple[dict, list[dict]]:
    """An API page as JSON, decoded once per body (each rewrite gets its own copy of every row to change)."""
    return tuple(json.loads(body))


@contextmanager
def mock_publisher(
    setting: Setting, *, faults=(), rewrite: Callable[[dict], dict] | None = None, refresh_changes: dict | None = None
) -> Iterator[Callable[[str], Run]]:
    """Yield `run(source_id)`, refreshing a fresh snapshot copy through the mock.

    rewrite: applied to every API row the mock serves (the schema drift); refresh_changes: overrides of the
    sources' `refresh` block (tighter limits for a test).
    """

    def body_for(target: str) -> bytes | None:
        body = setting.bodies.body_for(target)
        if rewrite is None or body is None or not target.startswith("/v2/"):
            return body
        meta, rows = decoded_page(body)
        return json.dumps([meta, [rewrite(dict(row)) for row in rows or []]]).encode()

    with snapshot_copy() as copy, serving(body_for, list(faults)) as (server, cert):
        assert server.server_address[0] == LOCALHOST
        session = trusting_session(cert)
        local = pointed_at(setting.sources, server.server_address[1])
        if refresh_changes:
            local = {k: dataclasses.replace(s, refresh={**s.refresh, **refresh_changes}) for k, s in local.items()}

        def run(source_id: str, catalogue: dict | None = None) -> Run:
            before, lines = tree_md5(copy), []
            started = time.perf_counter()
            (outcome,) = refresh([source_id], session=session, snapshot_dir=copy, sources=local,
                                 catalogue=catalogue or setting.catalogue, ranges=setting.ranges,
                                 known_codes=SHIPPED_KNOWN_CODES, progress=lines.append)
            return Run(outcome, tree_md5(copy) != before, time.perf_counter() - started, lines)

        yield run


def assert_refused(run: Run, source: str, *reasons: str) -> None:
    assert (run.outcome.source, run.outcome.status) == (source, "kept"), run.outcome.detail
    for reason in reasons:
        assert reason in run.outcome.detail
    assert not run.changed, "a refused download changed the snapshot copy"


# --- data that does not fit what we know ----------------------------------------------------------------------


def test_schema_drift_without_countryiso3code_is_refused_naming_the_file(setting, local_only):
    with mock_publisher(setting, rewrite=lambda row: {k: v for k, v in row.items() if k != "countryiso3code"}) as run:
        result = run("wdi", one_wdi_series(setting))
    assert_refused(result, "wdi", f"wb_api/{WB_CODE}.json", "countryiso3code", "format changed")


def test_two_letter_codes_are_refused(setting, local_only):
    # Fixture: a distinct two-letter code per country (AA, AB, ...) stands in for the API's ISO2 `country.id`.
    two_letter: dict[str, str] = {}

    def as_two_letters(row: dict) -> dict:
        if row["countryiso3code"] not in two_letter:
            first, second = divmod(len(two_letter), 26)
            two_letter[row["countryiso3code"]] = chr(ord("A") + first) + chr(ord("A") + second)
        return {**row, "countryiso3code": two_letter[row["countryiso3code"]]}

    with mock_publisher(setting, rewrite=as_two_letters) as run:
        result = run("wdi", one_wdi_series(setting))
    assert_refused(result, "wdi", "neither ISO3 codes nor aggregates")


def test_countries_that_vanish_are_refused_beyond_the_declared_tolerance(setting, local_only):
    tolerance = setting.sources["wdi"].refresh["max_vanished_codes"]
    # The page as the mock serves it, decoded once: the rewrite below reads the same decoded rows (not altered here).
    _, published = decoded_page(setting.bodies.body_for(
        f"/v2/country/all/indicator/{WB_CODE}?format=json&per_page=20000&page=1"))
    with_values = sorted({row["countryiso3code"] for row in published if row["value"] is not None})
    dropped = set(with_values[: tolerance + 1])

    def drop(row: dict) -> dict:
        return {**row, "value": None} if row["countryiso3code"] in dropped else row

    with mock_publisher(setting, rewrite=drop) as run:
        result = run("wdi", one_wdi_series(setting))
    assert_refused(result, "wdi", f"{tolerance + 1} of", "max_vanished_codes")


def test_values_out_of_the_plausible_range_are_refused(setting, local_only):
    def as_fractions_of_a_thousand(row: dict) -> dict:
        return {**row, "value": None if row["value"] is None else row["value"] * 1000}

    with mock_publisher(setting, rewrite=as_fractions_of_a_thousand) as run:
        result = run("wdi", one_wdi_series(setting))
    assert_refused(result, "wdi", "outside the plausible range")


# --- bodies that never end, or end too late ---------------------------------------------------------------------


def undp_target(setting: Setting) -> str:
    return midway_target(setting.sources["undp_hdr"], setting.catalogue)


# A declared limit for the oversized bodies below: above the real body's size, far below what the mock sends, so
# the refusal comes as soon as it would at the shipped limit, only after 2 MB of zeros instead of 32 MB.
SMALL_MAX_BYTES = 2_000_000


def test_the_shipped_limit_refuses_the_mocks_oversized_bodies(setting):
    # What the test below would show at the shipped limit too: both bodies are bigger than it.
    limit = setting.sources["undp_hdr"].refresh["max_bytes"]
    assert len(setting.bodies.body_for(undp_target(setting))) <= SMALL_MAX_BYTES < limit
    assert limit < min(BOMB_INFLATED_BYTES, FLOOD_LIMIT_BYTES)


@pytest.mark.parametrize("kind", ["gzip_bomb", "flood"])
def test_a_body_bigger_than_the_declared_limit_is_refused_while_streaming(setting, local_only, kind):
    limit = SMALL_MAX_BYTES
    with mock_publisher(setting, faults=[Fault(kind, undp_target(setting))],
                        refresh_changes={"max_bytes": limit}) as run:
        result = run("undp_hdr")
    assert_refused(result, "undp_hdr", f"limit of {limit:,} bytes", "after decompression")


def test_a_drip_fed_body_is_cut_at_the_sources_deadline(setting, local_only):
    deadline = 1
    with mock_publisher(setting, faults=[Fault("drip", undp_target(setting))],
                        refresh_changes={"deadline_seconds": deadline}) as run:
        result = run("undp_hdr")
    assert_refused(result, "undp_hdr", "deadline")
    assert result.seconds < deadline + 3


def test_a_huge_retry_after_is_capped(setting, local_only, no_sleep):
    with mock_publisher(setting, faults=[Fault("retry_after", undp_target(setting))]) as run:
        result = run("undp_hdr")
    assert result.outcome.status == "updated", result.outcome.detail  # the mock answers normally after the 503
    assert no_sleep and max(no_sleep) <= fetch.RETRY_AFTER_CAP_SECONDS


def test_the_retry_policy_caps_retry_after_and_retries_no_connect_or_read_error():
    retry = fetch.make_session().get_adapter("https://api.worldbank.org/").max_retries
    answer = requests.models.Response()
    answer.headers["Retry-After"] = "86400"
    assert retry.get_retry_after(answer) == fetch.RETRY_AFTER_CAP_SECONDS
    assert (retry.connect, retry.read, retry.other) == (0, 0, 0)


# --- no network -----------------------------------------------------------------------------------------------


@pytest.fixture
def partial_copy(tmp_path) -> Path:
    """Copies of the folders a refresh of the shipped sources may write."""
    root = tmp_path / "snapshots"
    for folder in ("wb_api", "undp_hdr", "sipri"):
        for path in (SNAPSHOT_DIR / folder).rglob("*"):
            if path.is_file():
                target = root / path.relative_to(SNAPSHOT_DIR)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
    return root


@pytest.mark.parametrize("failure", ["Failed to resolve 'api.worldbank.org'", "Connection refused"])
def test_no_network_fails_fast_retries_once_and_says_so_first(no_network, partial_copy, failure):
    no_network.add(responses.GET, re.compile(r"https://.*"), body=requests.exceptions.ConnectionError(failure))
    before = tree_md5(partial_copy)
    lines: list[str] = []
    started = time.perf_counter()
    outcomes = refresh(None, snapshot_dir=partial_copy, known_codes=shipped_known_codes(SNAPSHOT_DIR),
                       progress=lines.append)
    seconds = time.perf_counter() - started
    assert len(no_network.calls) == fetch.CONNECT_ATTEMPTS == 2  # one probe, tried twice, then no other source
    assert seconds < 15
    tried = [o for o in outcomes if o.status != "skipped"]
    assert tried and all(o.status == "kept" and o.no_network for o in tried)
    assert failure in tried[0].detail and "no network" in tried[1].detail
    assert summary(outcomes)[0].startswith("No network:")
    assert any(line.startswith("NO NETWORK") for line in lines)
    assert tree_md5(partial_copy) == before


# --- messages and leftovers -----------------------------------------------------------------------------------


def test_a_huge_cell_is_not_repeated_in_the_message(no_network, partial_copy):
    meta, rows = json.loads((FIXTURES / "http" / f"wb_{WB_CODE}_page1.json").read_bytes())
    huge = "9" * 1_000_000 + "x"
    # As bytes: `responses` would otherwise scan the million-character text for non-ASCII before sending it.
    body = json.dumps([{**meta, "pages": 1, "total": 1}, [{**rows[0], "value": huge}]]).encode()
    sources = load_sources()
    catalogue = {i.id: i for i in load_indicators(sources=sources).values() if i.source == "wdi" and i.code == WB_CODE}
    no_network.add(responses.GET, sources["wdi"].refresh["url"].format(code=WB_CODE, page=1), body=body)
    (outcome,) = refresh(["wdi"], snapshot_dir=partial_copy, sources=sources, catalogue=catalogue,
                         known_codes=SHIPPED_KNOWN_CODES, progress=lambda line: None)
    assert outcome.status == "kept"
    assert len(outcome.detail) <= fetch.MESSAGE_CHARACTERS + 60


def test_staging_folders_of_interrupted_runs_are_removed_at_start(partial_copy):
    stale = [partial_copy.parent / f"{STAGING_PREFIX}interrupted", partial_copy.parent / OLD_STAGING_NAME]
    for folder in stale:
        (folder / "wb_api").mkdir(parents=True)
        (folder / "wb_api" / "half.json").write_bytes(b"[")
    lines: list[str] = []
    refresh(["cpi"], snapshot_dir=partial_copy, progress=lines.append)
    assert not any(folder.exists() for folder in stale)
    assert sum("interrupted earlier refresh" in line for line in lines) == len(stale)
