"""The World Bank API JSON parser (src/ingest/parsers/wb_api_json.py) on pages in the API's format.

Pages come from tests/fixtures/http/ (made from the shipped WDI CSV, see its README) or are built here from the
shipped WGI CSV, so every expected value is read from data/snapshots/ in the test.
"""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from src.ingest.parsers import wb_api_json
from src.paths import SNAPSHOT_DIR
from src.schema import TIDY_COLUMNS, ParseError
from tests.conftest import FIXTURES
from tests.shipped import shipped_indicators, shipped_sources

SOURCES = shipped_sources()
CATALOGUE = shipped_indicators()
WB_CODE = "MS.MIL.XPND.GD.ZS"
PAGES = [json.loads((FIXTURES / "http" / f"wb_{WB_CODE}_page{n}.json").read_bytes()) for n in (1, 2)]


def write(folder, name: str, document) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps(document), encoding="utf-8")


def test_a_file_of_pages_becomes_tidy_rows_without_the_missing_values(tmp_path):
    write(tmp_path / "wb_api", f"{WB_CODE}.json", PAGES)
    frame = wb_api_json.parse(tmp_path / "wb_api", CATALOGUE, SOURCES)
    published = [row for _, rows in PAGES for row in rows if row["value"] is not None]
    assert list(frame.columns) == list(TIDY_COLUMNS)
    assert len(frame) == len(published) > 0
    assert set(frame["indicator"]) == {"wdi_mil_gdp"}
    assert set(frame["file"]) == {f"wb_api/{WB_CODE}.json"}
    pak = {int(r["date"]): r["value"] for r in published if r["countryiso3code"] == "PAK"}
    got = frame[frame["iso3"] == "PAK"].set_index("year")["value"].to_dict()
    assert got == pytest.approx(pak)


def test_a_single_page_as_returned_by_the_api_is_read_too(tmp_path):
    write(tmp_path / "wb_api", f"{WB_CODE}.json", PAGES[0])
    frame = wb_api_json.parse(tmp_path / "wb_api", CATALOGUE, SOURCES)
    assert len(frame) == sum(1 for row in PAGES[0][1] if row["value"] is not None)


def test_wgi_series_fetched_under_the_api_name_land_on_the_catalogue_id(tmp_path):
    # Build an API page for GOV_WGI_PV.EST from Pakistan's rows in the shipped WGI CSV.
    with open(SNAPSHOT_DIR / "wgi" / "wgidataset.csv", encoding="utf-8-sig", newline="") as handle:
        published = [r for r in csv.DictReader(handle) if r["code"] == "PAK" and r["indicator"] == "pv"]
    rows = [
        {
            "indicator": {"id": "GOV_WGI_PV.EST", "value": "Political Stability"},
            "country": {"id": "PK", "value": "Pakistan"},
            "countryiso3code": "PAK",
            "date": r["year"],
            "value": None if r["estimate"] == ".." else float(r["estimate"]),
        }
        for r in published
    ]
    meta = {"page": 1, "pages": 1, "per_page": 20000, "total": len(rows), "sourceid": "3", "lastupdated": ""}
    write(tmp_path / "wb_api", "GOV_WGI_PV.EST.json", [[meta, rows]])
    frame = wb_api_json.parse(tmp_path / "wb_api", CATALOGUE, SOURCES)
    expected = {int(r["year"]): float(r["estimate"]) for r in published if r["estimate"] != ".."}
    assert set(frame["indicator"]) == {"wgi_pv_est"}
    assert set(frame["source"]) == {"wb_api"} and set(frame["code"]) == {"PV.EST"}
    assert frame.set_index("year")["value"].to_dict() == pytest.approx(expected)


def test_an_undeclared_code_is_an_error_naming_the_file(tmp_path):
    meta, rows = PAGES[0]
    write(tmp_path / "wb_api", "X.json", [[meta, [{**rows[0], "indicator": {"id": "NOT.DECLARED", "value": ""}}]]])
    with pytest.raises(ParseError, match=r"wb_api/X.json .*NOT.DECLARED"):
        wb_api_json.parse(tmp_path / "wb_api", CATALOGUE, SOURCES)


@pytest.mark.parametrize(
    "change, reason",
    [({"value": "1.5"}, "is not a number"), ({"date": "2020Q1"}, "is not a year")],
)
def test_a_bad_cell_is_an_error_naming_the_row(tmp_path, change, reason):
    meta, rows = PAGES[0]
    write(tmp_path / "wb_api", f"{WB_CODE}.json", [[meta, [{**rows[0], **change}]]])
    with pytest.raises(ParseError, match=f"page 1 row 1: .*{reason}"):
        wb_api_json.parse(tmp_path / "wb_api", CATALOGUE, SOURCES)


def test_an_api_error_saved_as_a_file_is_an_error(tmp_path):
    (tmp_path / "wb_api").mkdir()
    shutil.copy(FIXTURES / "http" / "wb_error_120.json", tmp_path / "wb_api" / "X.json")
    with pytest.raises(ParseError, match="Invalid value"):
        wb_api_json.parse(tmp_path / "wb_api", CATALOGUE, SOURCES)


def test_the_shipped_folder_parses(tmp_path):
    # Empty until a refresh: it must give an empty tidy table, not an error.
    frame = wb_api_json.parse(SNAPSHOT_DIR / "wb_api", CATALOGUE, SOURCES)
    assert list(frame.columns) == list(TIDY_COLUMNS)
    assert frame.empty == (not list((SNAPSHOT_DIR / "wb_api").glob("*.json")))
