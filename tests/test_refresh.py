"""The refresh command (src/ingest/refresh.py): nothing is lost, every failure names its source, successes are recorded.

Each test copies part of the shipped data/snapshots/ to tmp_path and points the refresh at the copy; after a
failure the copy must be byte for byte what it was. HTTP bodies come from tests/fixtures/http/ (see its README).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import requests
import responses
from responses.registries import OrderedRegistry

from src.ingest import refresh as refresh_module
from src.ingest import snapshot
from src.ingest.parsers import get_parser, wb_api_json
from src.ingest.refresh import (
    Outcome,
    RefreshError,
    api_series,
    check_values,
    load_ranges,
    main,
    refresh,
    shipped_known_codes,
    summary,
)
from src.ingest.snapshot import SnapshotError, StagedFile, read_sidecar, replace_atomically, staging_area, verify
from src.paths import SNAPSHOT_DIR
from src.schema import empty_tidy
from src.study.yaml_io import parse_yaml
from tests.columns import distinct
from tests.conftest import FIXTURES
from tests.shipped import shipped_indicators, shipped_sources

HTTP = FIXTURES / "http"
SOURCES = shipped_sources()
CATALOGUE = shipped_indicators()
WB_CODE = "MS.MIL.XPND.GD.ZS"
# One WDI series (the catalogue entry as shipped), so the API fixture covers the whole `wdi` source.
ONE_WDI_SERIES = {i.id: i for i in CATALOGUE.values() if i.code == WB_CODE and i.source == "wdi"}
WDI_BULK = SNAPSHOT_DIR / "wdi/API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211/API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv"
UNDP_URL = SOURCES["undp_hdr"].refresh["url"]
SIPRI_URL = SOURCES["sipri"].refresh["url"]
UNDP_FILE = "undp_hdr/HDR23-24_Composite_indices_complete_time_series.csv"
# The copies below hold only the folders a refresh may write, so the codes a download may use come from the
# shipped country metadata (the refresh's own default reads it from the snapshot folder it refreshes).
SHIPPED_CODES = shipped_known_codes(SNAPSHOT_DIR)


def wb_url(page: int, code: str = WB_CODE) -> str:
    return SOURCES["wdi"].refresh["url"].format(code=code, page=page)


def page_body(page: int) -> bytes:
    return (HTTP / f"wb_{WB_CODE}_page{page}.json").read_bytes()


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path -> md5 of every file under `folder`."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): hashlib.md5(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture
def snapshots(tmp_path) -> Path:
    """A copy of the shipped folders the refresh may write (wb_api, undp_hdr, sipri)."""
    root = tmp_path / "snapshots"
    for folder in ("wb_api", "undp_hdr", "sipri"):
        shutil.copytree(SNAPSHOT_DIR / folder, root / folder)
    return root


def run(snapshots: Path, source_ids: list[str], catalogue=None, progress=None, **kwargs) -> list[Outcome]:
    """Refresh `source_ids` into the copy at `snapshots`; progress lines go to the `progress` list if given."""
    lines = [] if progress is None else progress
    return refresh(
        source_ids,
        snapshot_dir=snapshots,
        sources=SOURCES,
        catalogue=catalogue or CATALOGUE,
        progress=lines.append,
        **{"known_codes": SHIPPED_CODES, **kwargs},
    )


def assert_kept(outcome: Outcome, source: str, reason: str, before: dict, snapshots: Path) -> None:
    assert (outcome.source, outcome.status) == (source, "kept")
    assert reason in outcome.detail
    assert tree_digest(snapshots) == before
    assert not list(snapshots.parent.glob(snapshot.STAGING_PREFIX + "*")), "staging folder left behind"


# --- World Bank API sources -----------------------------------------------------------------------------------


def register_wdi_pages(mock, page2: bytes | None = None) -> None:
    mock.add(responses.GET, wb_url(1), body=page_body(1))
    mock.add(responses.GET, wb_url(2), body=page_body(2) if page2 is None else page2)


def test_wb_api_refresh_saves_every_page_with_a_sidecar_recording_what_it_did(no_network, snapshots):
    register_wdi_pages(no_network)
    [outcome] = run(snapshots, ["wdi"], catalogue=ONE_WDI_SERIES)
    saved = snapshots / "wb_api" / f"{WB_CODE}.json"
    assert (outcome.status, outcome.files) == ("updated", (f"wb_api/{WB_CODE}.json",))
    assert json.loads(saved.read_bytes()) == [json.loads(page_body(1)), json.loads(page_body(2))]
    meta = read_sidecar(saved)
    outs, origin = meta["outs"], meta["origin"]
    assert outs["md5"] == hashlib.md5(saved.read_bytes()).hexdigest()
    assert outs["size"] == saved.stat().st_size
    assert outs["bytes"] == len(page_body(1)) + len(page_body(2))
    assert outs["url"] == wb_url(1)
    assert outs["source_last_updated"] == json.loads(page_body(1))[0]["lastupdated"]
    assert outs["refreshed_at"] and outs["date_accessed"]
    assert (origin["producer"], origin["citation"]) == (SOURCES["wdi"].producer, SOURCES["wdi"].citation)
    assert meta["source"] == "wdi"
    assert verify(snapshots) == []


def test_refreshed_values_are_the_published_ones(no_network, snapshots):
    register_wdi_pages(no_network)
    run(snapshots, ["wdi"], catalogue=ONE_WDI_SERIES)
    parsed = wb_api_json.parse(snapshots / "wb_api", ONE_WDI_SERIES, SOURCES)
    # The fixture pages were made from the shipped bulk CSV, so the two must agree value for value.
    bulk = pd.read_csv(WDI_BULK, skiprows=4).set_index("Country Code")
    pak = parsed[parsed["iso3"] == "PAK"].set_index("year")["value"]
    assert not pak.empty
    for year, value in pak.items():
        assert value == pytest.approx(bulk.loc["PAK", str(year)])
    assert set(parsed["indicator"]) == set(ONE_WDI_SERIES)


def test_the_injected_session_is_used_for_the_refresh(no_network, snapshots):
    register_wdi_pages(no_network)
    session = refresh_module.make_session()
    session.headers["X-Injected"] = "refresh-session"
    run(snapshots, ["wdi"], catalogue=ONE_WDI_SERIES, session=session)
    assert [c.request.headers["X-Injected"] for c in no_network.calls] == ["refresh-session"] * 2


def test_503_then_success_updates(no_network, snapshots):
    no_network._set_registry(OrderedRegistry)
    no_network.add(responses.GET, wb_url(1), status=503)
    no_network.add(responses.GET, wb_url(1), body=page_body(1))
    no_network.add(responses.GET, wb_url(2), body=page_body(2))
    [outcome] = run(snapshots, ["wdi"], catalogue=ONE_WDI_SERIES)
    assert outcome.status == "updated"


@pytest.mark.parametrize(
    "page2, reason",
    [
        ((HTTP / "wb_malformed_page2.json").read_bytes(), "not valid JSON"),
        ((HTTP / "wb_error_120.json").read_bytes(), "The provided parameter value is not valid"),
        (requests.exceptions.ReadTimeout("read timed out"), "timed out"),
        (requests.exceptions.ConnectTimeout("connect timed out"), "timed out"),
    ],
    ids=["malformed-json-page", "api-error-message", "read-timeout", "connect-timeout"],
)
def test_a_bad_second_page_keeps_everything(no_network, snapshots, page2, reason):
    # Refresh once so there is a previous API file that a failed refresh must not touch.
    register_wdi_pages(no_network)
    run(snapshots, ["wdi"], catalogue=ONE_WDI_SERIES)
    before = tree_digest(snapshots)
    no_network.replace(responses.GET, wb_url(2), body=page2)
    lines: list[str] = []
    [outcome] = run(snapshots, ["wdi"], catalogue=ONE_WDI_SERIES, progress=lines)
    assert_kept(outcome, "wdi", reason, before, snapshots)
    assert any("FAILED" in line and "wdi" in line for line in lines)


def test_an_empty_result_keeps_everything(no_network, snapshots):
    before = tree_digest(snapshots)
    no_network.add(responses.GET, wb_url(1), body=(HTTP / "wb_empty.json").read_bytes())
    [outcome] = run(snapshots, ["wdi"], catalogue=ONE_WDI_SERIES)
    assert_kept(outcome, "wdi", "no rows", before, snapshots)


def test_values_in_the_wrong_unit_are_refused(no_network, snapshots):
    # The same pages with every value x1000, as if the publisher switched from percent to per-mille-of-percent.
    def scaled(page: int) -> str:
        meta, rows = json.loads(page_body(page))
        return json.dumps([meta, [{**r, "value": None if r["value"] is None else r["value"] * 1000} for r in rows]])

    before = tree_digest(snapshots)
    no_network.add(responses.GET, wb_url(1), body=scaled(1))
    no_network.add(responses.GET, wb_url(2), body=scaled(2))
    [outcome] = run(snapshots, ["wdi"], catalogue=ONE_WDI_SERIES)
    assert_kept(outcome, "wdi", "outside the plausible range", before, snapshots)


def test_every_series_of_a_source_must_arrive_or_none_is_kept(no_network, snapshots):
    # Two WDI series: the first downloads fine, the second 404s; the first must not be saved alone.
    two = {i.id: i for i in CATALOGUE.values() if i.source == "wdi"}
    second = [i for i in two.values() if i.code != WB_CODE][0]
    two = {k: v for k, v in two.items() if v.code in (WB_CODE, second.code)}
    register_wdi_pages(no_network)
    no_network.add(responses.GET, wb_url(1, second.code), status=404)
    before = tree_digest(snapshots)
    [outcome] = run(snapshots, ["wdi"], catalogue=two)
    assert_kept(outcome, "wdi", "HTTP 404", before, snapshots)


def test_dry_run_downloads_and_validates_but_changes_nothing(no_network, snapshots):
    register_wdi_pages(no_network)
    before = tree_digest(snapshots)
    [outcome] = run(snapshots, ["wdi"], catalogue=ONE_WDI_SERIES, dry_run=True)
    assert outcome.status == "would update"
    assert tree_digest(snapshots) == before


def test_progress_shows_pages_and_counts(no_network, snapshots):
    register_wdi_pages(no_network)
    lines: list[str] = []
    run(snapshots, ["wdi"], catalogue=ONE_WDI_SERIES, progress=lines)
    meta, rows1 = json.loads(page_body(1))
    assert f"  wdi: {WB_CODE} page 1/2, {len(rows1):,} rows, {len(page_body(1)):,} bytes" in lines
    assert any(f"page 2/2, {meta['total']:,} rows" in line for line in lines)


# --- direct downloads (UNDP CSV, SIPRI workbook) ------------------------------------------------------------


def test_undp_csv_with_a_changed_header_keeps_the_old_file(no_network, snapshots):
    pytest.importorskip("src.ingest.parsers.undp_hdr", reason="the UNDP parser (another engineer's file) checks the header")
    before = tree_digest(snapshots)
    no_network.add(responses.GET, UNDP_URL, body=(HTTP / "undp_hdr_changed_header.csv").read_bytes())
    [outcome] = run(snapshots, ["undp_hdr"])
    assert_kept(outcome, "undp_hdr", "", before, snapshots)
    assert "iso3" in outcome.detail  # the reason names the column that went missing


def test_a_source_whose_parser_is_missing_is_kept_not_trusted(no_network, snapshots, monkeypatch):
    monkeypatch.setitem(SOURCES, "undp_hdr", dataclasses.replace(SOURCES["undp_hdr"], parser="no_such_parser"))
    no_network.add(responses.GET, UNDP_URL, body=(HTTP / "undp_hdr_trimmed.csv").read_bytes())
    before = tree_digest(snapshots)
    [outcome] = run(snapshots, ["undp_hdr"])
    assert_kept(outcome, "undp_hdr", "no parser src/ingest/parsers/no_such_parser.py", before, snapshots)


def test_undp_csv_cut_short_keeps_the_old_file(no_network, snapshots):
    body = (HTTP / "undp_hdr_trimmed.csv").read_bytes()
    no_network.add(
        responses.GET, UNDP_URL, body=body[:1000], headers={"Content-Length": str(len(body))},
        auto_calculate_content_length=False,
    )
    before = tree_digest(snapshots)
    [outcome] = run(snapshots, ["undp_hdr"])
    assert_kept(outcome, "undp_hdr", "cut short", before, snapshots)


def test_undp_csv_refresh_replaces_the_file_and_keeps_the_hand_written_origin(no_network, snapshots, monkeypatch):
    pytest.importorskip("src.ingest.parsers.undp_hdr", reason="the UNDP parser is another engineer's file")
    body = (HTTP / "undp_hdr_trimmed.csv").read_bytes()
    # The fixture is trimmed to a few countries: tolerate every country the shipped file has vanishing from it.
    undp = SOURCES["undp_hdr"]
    tolerant = dataclasses.replace(undp, refresh={**undp.refresh, "max_vanished_codes": 10**6})
    monkeypatch.setitem(SOURCES, "undp_hdr", tolerant)
    no_network.add(responses.GET, UNDP_URL, body=body, headers={"Last-Modified": "Wed, 13 Mar 2024 10:00:00 GMT"})
    origin_before = read_sidecar(snapshots / UNDP_FILE)["origin"]
    [outcome] = run(snapshots, ["undp_hdr"])
    assert outcome.status == "updated", outcome.detail
    assert (snapshots / UNDP_FILE).read_bytes() == body
    meta = read_sidecar(snapshots / UNDP_FILE)
    assert meta["origin"] == origin_before
    assert meta["outs"]["source_last_updated"] == "Wed, 13 Mar 2024 10:00:00 GMT"
    assert verify(snapshots) == []


@pytest.fixture
def undp_parses(monkeypatch) -> list[Path]:
    """The folders the refresh runs the UNDP parser on (one counting wrapper per parser, as get_parser gives one
    function per parser)."""
    folders: list[Path] = []
    real = refresh_module.get_parser

    @functools.cache
    def counting(name: str):
        parse = real(name)
        if name != SOURCES["undp_hdr"].parser:
            return parse

        def counted(folder, entries):
            folders.append(folder)
            return parse(folder, entries)

        return counted

    monkeypatch.setattr(refresh_module, "get_parser", counting)
    return folders


def test_a_download_identical_to_the_previous_file_is_parsed_once(no_network, snapshots, undp_parses):
    # The fixture is both the previous file and the download: the publisher has changed nothing.
    body = (HTTP / "undp_hdr_trimmed.csv").read_bytes()
    (snapshots / UNDP_FILE).write_bytes(body)
    no_network.add(responses.GET, UNDP_URL, body=body)
    [outcome] = run(snapshots, ["undp_hdr"])
    assert outcome.status == "updated", outcome.detail
    assert [folder.parent.name.startswith(snapshot.STAGING_PREFIX) for folder in undp_parses] == [True]


def test_only_folders_with_the_same_files_count_as_unchanged(tmp_path):
    # Tiny made-up folders: what a parser reads is every file but the sidecars, by name and by byte.
    def folder(name: str, files: dict[str, bytes]) -> Path:
        for relative, content in files.items():
            (tmp_path / name / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name / relative).write_bytes(content)
        return tmp_path / name

    previous = folder("previous", {"a.csv": b"1,2\n", "sub/b.csv": b"3\n", "a.csv.meta.yaml": b"outs: {}\n"})
    assert refresh_module.same_files(previous, folder("same", {"a.csv": b"1,2\n", "sub/b.csv": b"3\n"}))
    assert not refresh_module.same_files(previous, folder("byte", {"a.csv": b"1,3\n", "sub/b.csv": b"3\n"}))
    assert not refresh_module.same_files(previous, folder("fewer", {"a.csv": b"1,2\n"}))
    assert not refresh_module.same_files(previous, folder("renamed", {"a.csv": b"1,2\n", "sub/c.csv": b"3\n"}))
    assert not refresh_module.same_files(
        previous, folder("more", {"a.csv": b"1,2\n", "sub/b.csv": b"3\n", ".gitkeep": b""})
    )


def test_sipri_404_keeps_the_workbook_and_names_the_source(no_network, snapshots):
    before = tree_digest(snapshots)
    no_network.add(responses.GET, SIPRI_URL, status=404)
    [outcome] = run(snapshots, ["sipri"])
    assert_kept(outcome, "sipri", "HTTP 404", before, snapshots)


def test_sources_without_a_stable_address_are_skipped_with_their_reason(snapshots):
    [outcome] = run(snapshots, ["cpi"])
    assert (outcome.status, outcome.detail) == ("skipped", SOURCES["cpi"].refresh["reason"])


def test_partial_success_reports_what_was_updated_and_what_was_kept(no_network, snapshots):
    register_wdi_pages(no_network)
    no_network.add(responses.GET, SIPRI_URL, status=503)
    outcomes = run(snapshots, ["wdi", "sipri", "imf_world"], catalogue=ONE_WDI_SERIES)
    assert [(o.source, o.status) for o in outcomes] == [("wdi", "updated"), ("sipri", "kept"), ("imf_world", "skipped")]
    text = "\n".join(summary(outcomes))
    assert "updated      wdi" in text and "kept         sipri" in text and "skipped      imf_world" in text


# --- the command line ---------------------------------------------------------------------------------------


def test_command_exits_non_zero_naming_the_failed_source(no_network, snapshots, capsys):
    no_network.add(responses.GET, SIPRI_URL, status=404)
    before = tree_digest(snapshots)
    assert main(["--source", "sipri", "--snapshot-dir", str(snapshots)]) == 1
    out, err = capsys.readouterr()
    assert "sipri" in err and "HTTP 404" in out
    assert tree_digest(snapshots) == before


def test_command_exits_zero_when_nothing_failed(snapshots, capsys):
    assert main(["--source", "cpi", "--source", "imf_world", "--snapshot-dir", str(snapshots)]) == 0
    assert "skipped" in capsys.readouterr().out


def test_command_refuses_an_unknown_source(snapshots):
    with pytest.raises(SystemExit) as exit_:
        main(["--source", "nope", "--snapshot-dir", str(snapshots)])
    assert exit_.value.code == 2


# --- atomic replacement and validation helpers --------------------------------------------------------------


def test_a_failure_while_moving_files_in_puts_the_previous_files_back(snapshots, monkeypatch):
    target = snapshots / UNDP_FILE
    before = tree_digest(snapshots)
    real_replace = snapshot.os.replace
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # the data file went in; its sidecar fails
            raise OSError("disk full")
        return real_replace(src, dst)

    with staging_area(snapshots) as staging:
        staged = snapshot.stage_bytes(staging, UNDP_FILE, (HTTP / "undp_hdr_trimmed.csv").read_bytes())
        item = StagedFile(staged, target, "undp_hdr", "test", {"url": UNDP_URL}, {})
        monkeypatch.setattr(snapshot.os, "replace", failing_replace)
        with pytest.raises(SnapshotError, match="previous files are back"):
            replace_atomically([item], staging)
        monkeypatch.setattr(snapshot.os, "replace", real_replace)
    assert tree_digest(snapshots) == before


def test_shipped_ranges_load_and_cover_every_unit_the_refresh_brings():
    ranges = load_ranges()
    refreshed = {i.unit for i in CATALOGUE.values() if SOURCES[i.source].refresh["method"] == "wb_api"}
    assert refreshed <= set(ranges)
    assert all(low < high for low, high in ranges.values())


def test_check_values_refuses_an_empty_download():
    with pytest.raises(RefreshError, match="no rows"):
        check_values(empty_tidy(), list(ONE_WDI_SERIES.values()), load_ranges())


def test_every_refreshable_source_declares_https_urls_on_its_own_hosts():
    for source in SOURCES.values():
        if source.refresh["method"] == "none":
            assert source.refresh["reason"], source.id
            continue
        url = source.refresh["url"]
        assert url.startswith("https://"), source.id
        assert url.split("/")[2] in source.hosts, source.id


def test_refreshed_sidecars_keep_yaml_that_verify_reads(no_network, snapshots):
    register_wdi_pages(no_network)
    run(snapshots, ["wdi"], catalogue=ONE_WDI_SERIES)
    text = (snapshots / "wb_api" / f"{WB_CODE}.json.meta.yaml").read_text(encoding="utf-8")
    assert set(parse_yaml(text)) == {"source", "description", "origin", "outs"}


# Sources refreshed over files that ship (wb_api and imf_weo start empty: only the refresh fills them).
REFRESHED_FROM_SHIPPED = [
    s.id for s in SOURCES.values()
    if s.refresh["method"] != "none" and s.id != "wb_api" and (SNAPSHOT_DIR / s.folder).is_dir()
]


@pytest.mark.parametrize("source_id", REFRESHED_FROM_SHIPPED)
def test_the_shipped_data_passes_the_checks_a_refresh_must_pass(source_id, shipped_store):
    # Guards against ranges so tight that a real new release would be refused.
    source = SOURCES[source_id]
    try:
        get_parser(source.parser)
    except ModuleNotFoundError:
        pytest.skip(f"src/ingest/parsers/{source.parser}.py is another engineer's file, not there yet")
    # The source's rows in the shipped store: its parser's rows of the shipped folder (the store is rebuilt when a
    # file, the catalogue or a parser changes; no API download ships to supersede any), in the store's order and
    # text categories. Read once per worker, where parsing these five sources again here took ~2.5 s.
    frame = shipped_store.values[shipped_store.values["source"] == source_id]
    expected = [i for i in CATALOGUE.values() if i.source == source_id and i.in_snapshot]
    assert check_values(frame, expected, load_ranges()) == []


def test_sipri_workbook_refresh_replaces_the_file(no_network, snapshots):
    pytest.importorskip("src.ingest.parsers.sipri_milex", reason="the SIPRI parser is another engineer's file")
    # Serve the shipped workbook itself: a refresh that finds the same release rewrites only the sidecar's outs.
    shipped = snapshots / "sipri" / "SIPRI-Milex-data-1949-2023.xlsx"
    no_network.add(responses.GET, SIPRI_URL, body=shipped.read_bytes())
    before = read_sidecar(shipped)
    [outcome] = run(snapshots, ["sipri"])
    after = read_sidecar(shipped)
    assert outcome.status == "updated", outcome.detail
    assert after["origin"] == before["origin"]
    assert (after["outs"]["md5"], after["outs"]["url"]) == (before["outs"]["md5"], SIPRI_URL)
    assert "refreshed_at" in after["outs"] and "refreshed_at" not in before["outs"]


def test_the_app_cache_key_changes_after_a_refresh_and_not_after_a_failure(no_network, snapshots):
    fingerprint = snapshot.snapshot_fingerprint(snapshots)
    no_network.add(responses.GET, SIPRI_URL, status=404)
    run(snapshots, ["sipri"])
    assert snapshot.snapshot_fingerprint(snapshots) == fingerprint
    register_wdi_pages(no_network)
    run(snapshots, ["wdi"], catalogue=ONE_WDI_SERIES)
    assert snapshot.snapshot_fingerprint(snapshots) != fingerprint


def test_the_store_uses_the_refreshed_series_instead_of_the_bulk_file(no_network, tmp_path, monkeypatch):
    store = pytest.importorskip("src.ingest.store", reason="the store is another engineer's file")
    # Only what this needs: the bulk file the download supersedes and one other WDI series (which must stay), the
    # API folder, and the country metadata (WDI and UNDP); parsing the other files would only cost time.
    other_series = next(f for f in sorted((SNAPSHOT_DIR / "wdi").glob("API_*")) if f != WDI_BULK.parent)
    copy = tmp_path / "snapshots"
    for folder in (WDI_BULK.parent, other_series, SNAPSHOT_DIR / "wb_api", SNAPSHOT_DIR / "undp_hdr"):
        shutil.copytree(folder, copy / folder.relative_to(SNAPSHOT_DIR))
    register_wdi_pages(no_network)
    # The fixture pages hold a few countries; the copy's bulk file has them all: tolerate the difference.
    wdi = SOURCES["wdi"]
    monkeypatch.setitem(SOURCES, "wdi", dataclasses.replace(wdi, refresh={**wdi.refresh, "max_vanished_codes": 10**6}))
    [outcome] = run(copy, ["wdi"], catalogue=ONE_WDI_SERIES)
    assert outcome.status == "updated", outcome.detail
    bulk_and_api = {source_id: SOURCES[source_id] for source_id in ("wdi", "wb_api")}
    values = store.build_store(copy, sources=bulk_and_api, catalogue=CATALOGUE).values
    assert distinct(values["source"]) == set(bulk_and_api)  # the bulk file's other series are still there
    refreshed = values[values["indicator"].isin(list(ONE_WDI_SERIES))]
    api_rows = [row for page in (1, 2) for row in json.loads(page_body(page))[1] if row["value"] is not None]
    assert distinct(refreshed["source"]) == {"wb_api"}
    assert len(refreshed) == len(api_rows)


def test_the_api_refresh_asks_for_every_series_the_issue_names():
    # Issue 3: interest payments, government health and education spending, military share of government spending.
    # Since issue 12 most of them ship from the Open Numbers copy of WDI, refreshed from the API under the same codes.
    asked = set(api_series(SOURCES["wb_api"], CATALOGUE)) | set(api_series(SOURCES["open_numbers_wdi"], CATALOGUE))
    issue_codes = {
        "GC.XPN.INTP.RV.ZS", "GC.XPN.INTP.ZS", "SH.XPD.GHED.GD.ZS", "SH.XPD.GHED.GE.ZS",
        "SE.XPD.TOTL.GD.ZS", "SE.XPD.TOTL.GB.ZS", "MS.MIL.XPND.ZS",
    }
    assert issue_codes <= asked
    assert set(api_series(SOURCES["wdi"], CATALOGUE)) == {i.code for i in CATALOGUE.values() if i.source == "wdi"}


def test_wgi_series_are_asked_for_under_the_apis_names():
    asked = api_series(SOURCES["wgi"], CATALOGUE)
    assert asked, "wgi.yaml declares no series"
    assert all(code == "GOV_WGI_" + indicator.code for code, indicator in asked.items())
