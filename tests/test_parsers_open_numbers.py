"""The Open Numbers copy of WDI (data/snapshots/open_numbers_wdi/): shipped byte for byte, parsed into the WDI ids.

Expectations are read from the raw CSVs with the csv module, independently of the parser; the copy is compared
with the shared raw folder it was taken from when that folder is there.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from functools import cache
from pathlib import Path

import pytest

from src.ingest.parsers import open_numbers_wdi
from src.ingest.snapshot import read_sidecar
from src.paths import SNAPSHOT_DIR
from src.schema import ParseError
from tests.columns import distinct
from tests.shipped import shipped_indicators, shipped_sources

FOLDER = SNAPSHOT_DIR / "open_numbers_wdi"
SHARED_RAW = Path(__file__).resolve().parents[2] / "shared/data/raw/open_numbers_wdi"  # ../shared beside the checkout
SOURCES = shipped_sources()
CATALOGUE = shipped_indicators()
OURS = {i.code: i for i in CATALOGUE.values() if i.source == "open_numbers_wdi"}
DATAPOINTS = sorted(FOLDER.glob("ddf--datapoints--*--by--geo--time.csv"))
ALIASES = {row["publisher_code"]: row["iso3"] for row in csv.DictReader(open(open_numbers_wdi.ALIAS_FILE))}


@cache
def raw_rows(code: str) -> list[dict]:
    """The raw file of a WDI code, read with the csv module (no pandas, no parser code); read once, never modify."""
    path = FOLDER / f"ddf--datapoints--{code.lower().replace('.', '_')}--by--geo--time.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def parsed(shipped_parse):
    # open_numbers_wdi.parse(FOLDER, CATALOGUE), made once per worker (tests/conftest.py; the store build shares it)
    return shipped_parse("open_numbers_wdi")


def test_every_file_has_a_sidecar_whose_md5_and_size_match():
    files = [p for p in FOLDER.iterdir() if p.suffix == ".csv"]
    assert len(files) == 14
    for path in files:
        outs = read_sidecar(path)["outs"]
        data = path.read_bytes()
        assert (outs["md5"], outs["size"]) == (hashlib.md5(data).hexdigest(), len(data)), path.name


def test_sidecars_name_the_original_producer_and_the_distributors():
    producers = {}
    for path in DATAPOINTS:
        origin = read_sidecar(path)["origin"]
        assert "World Bank" in origin["distributor"] and "Open Numbers" in origin["distributor"]
        assert "01a34e8b54d76160a61b0325d74254e22db06b93" in origin["taken_from"]
        producers[open_numbers_wdi.concept_of(path)[:2]] = origin["producer"]
    assert "International Monetary Fund" in producers["gc"] and "World Health Organization" in producers["sh"]
    assert "UNESCO" in producers["se"] and "SIPRI" in producers["ms"] and "Debt Statistics" in producers["dt"]


@pytest.mark.skipif(not SHARED_RAW.is_dir(), reason="the shared raw folder is not on this machine")
def test_the_shipped_files_are_the_shared_raw_files_byte_for_byte():
    for path in FOLDER.glob("*.csv"):
        assert path.read_bytes() == (SHARED_RAW / path.name).read_bytes(), path.name


def test_every_declared_series_matches_the_raw_file(parsed):
    for code, indicator in OURS.items():
        raw = raw_rows(code)
        rows = parsed[parsed["indicator"] == indicator.id]
        assert len(rows) == len(raw), code
        expected = {(ALIASES.get(r["geo"], r["geo"].upper()), int(r["time"])): float(r[next(iter(r.keys() - {"geo", "time"}))])
                    for r in raw}
        got = {(i, y): v for i, y, v in zip(rows["iso3"].tolist(), rows["year"].tolist(), rows["value"].tolist())}
        assert got == pytest.approx(expected), code
        assert distinct(rows["source"]) == {"open_numbers_wdi"} and distinct(rows["code"]) == {code}
        assert rows["file"].str.startswith("open_numbers_wdi/ddf--datapoints--").all()
        assert not rows["computed"].any()


def test_open_numbers_codes_are_mapped_explicitly_never_by_upper_casing(parsed):
    raw_geos = {r["geo"] for code in OURS for r in raw_rows(code)}
    assert {"kos", "nld_curacao"} <= raw_geos
    parsed_codes = set(parsed["iso3"].unique())
    assert "KOS" not in parsed_codes and "NLD_CURACAO" not in parsed_codes
    assert {"XKX", "CUW"} <= parsed_codes
    assert parsed["iso3"].str.fullmatch(r"[A-Z]{3}").all()


def test_an_unknown_open_numbers_code_is_an_error(tmp_path):
    copy = tmp_path / "open_numbers_wdi"
    shutil.copytree(FOLDER, copy)
    target = copy / "ddf--datapoints--ms_mil_xpnd_zs--by--geo--time.csv"
    target.write_text(target.read_text().replace("\npak,", "\npak_punjab,", 1))
    with pytest.raises(ParseError, match="pak_punjab"):
        open_numbers_wdi.parse(copy, CATALOGUE)


def test_an_undeclared_file_is_an_error_and_a_series_shipped_elsewhere_is_not_read(tmp_path, parsed):
    copy = tmp_path / "open_numbers_wdi"
    shutil.copytree(FOLDER, copy)
    # GC.TAX.TOTL.GD.ZS comes from the newer WDI bulk CSV, so the copy's tax file adds no rows.
    assert CATALOGUE["wdi_tax_gdp"].source == "wdi"
    assert "wdi_tax_gdp" not in distinct(parsed["indicator"])
    (copy / "ddf--datapoints--ny_gdp_mktp_cd--by--geo--time.csv").write_text("geo,time,ny_gdp_mktp_cd\npak,2020,1\n")
    with pytest.raises(ParseError, match="ny_gdp_mktp_cd"):
        open_numbers_wdi.parse(copy, CATALOGUE)


def test_the_store_has_pakistans_seven_series_and_lacks_the_four(shipped_store):
    with_values = ["wdi_mil_gov_share", "wdi_health_gov_gdp", "wdi_health_gov_share", "wdi_edu_gdp",
                   "wdi_edu_gov_share", "wdi_debt_service_gni", "wdi_expense_gdp"]
    without = ["wdi_interest_revenue", "wdi_interest_expense", "wdi_revenue_gdp", "wdi_tax_gdp"]
    for indicator in with_values:
        raw = [r for r in raw_rows(CATALOGUE[indicator].code) if r["geo"] == "pak"]
        latest = max(raw, key=lambda r: int(r["time"]))
        rows = shipped_store.series(indicator, "PAK")
        assert len(rows) == len(raw) > 0, indicator
        last = rows.iloc[-1]
        assert (int(last["year"]), last["source"]) == (int(latest["time"]), "open_numbers_wdi"), indicator
        assert last["value"] == pytest.approx(float(latest[next(iter(latest.keys() - {"geo", "time"}))]))
    for indicator in without:
        assert shipped_store.has(indicator), f"{indicator}: the peers' rows should be there"
        assert shipped_store.series(indicator, "PAK").empty, indicator


def test_each_better_series_is_the_default_of_its_concept_and_says_why():
    for indicator_id in ("wdi_health_gov_gdp", "wdi_health_gov_share", "wdi_edu_gdp", "wdi_edu_gov_share"):
        indicator = CATALOGUE[indicator_id]
        assert indicator.default and indicator.why_default, indicator_id
        others = [i for i in CATALOGUE.values() if i.concept == indicator.concept and i.id != indicator_id]
        assert others and not any(i.default for i in others)
    # The original producer's own file stays the default where the WDI copy republishes the same figures.
    assert CATALOGUE["sipri_mil_gov_share"].default and not CATALOGUE["wdi_mil_gov_share"].default


def test_the_refresh_brings_the_same_codes_from_the_world_bank_api():
    source = SOURCES["open_numbers_wdi"]
    assert source.refresh["method"] == "wb_api" and source.hosts == ("api.worldbank.org",)
    from src.ingest.parsers.wb_api_json import api_code_map

    mapped = api_code_map(CATALOGUE, SOURCES)
    assert all(mapped[code].id == indicator.id for code, indicator in OURS.items())
