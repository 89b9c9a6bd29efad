"""The four World Bank-family parsers (WDI bulk, WGI, OWID grapher, Gapminder DDF) on the shipped files and on
broken copies of them.

Real-file tests read the raw file again here with plain pandas/csv and compare Pakistan and two peers (India,
Bangladesh) value by value, and compare row counts so no published value is lost. Broken inputs are made in
tmp_path from the first lines of the shipped files (then renamed header, dropped column, emptied, re-encoded),
so no data value is typed into this file.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from src.ingest.parsers import gapminder_ddf, get_parser, owid_grapher, wdi_bulk, wgi
from src.paths import CATALOGUE_DIR, SNAPSHOT_DIR
from src.schema import TIDY_COLUMNS, ParseError
from src.study.catalogue import load_indicators
from tests.columns import distinct

COUNTRIES = ("PAK", "IND", "BGD")
WDI_DIR = SNAPSHOT_DIR / "wdi"
WGI_FILE = SNAPSHOT_DIR / "wgi" / "wgidataset.csv"
OWID_DIR = SNAPSHOT_DIR / "owid"
GAPMINDER_DIR = SNAPSHOT_DIR / "gapminder_sg"


@pytest.fixture(scope="module")
def catalogue():
    return load_indicators()


@pytest.fixture(scope="module")
def wdi_values(shipped_parse):
    return shipped_parse("wdi")  # the parser on the shipped folder (tests/conftest.py)


@pytest.fixture(scope="module")
def wgi_values(shipped_parse):
    return shipped_parse("wgi")  # the parser on the shipped folder (tests/conftest.py)


@pytest.fixture(scope="module")
def owid_values(shipped_parse):
    return shipped_parse("owid")  # the parser on the shipped folder (tests/conftest.py)


@pytest.fixture(scope="module")
def gapminder_values(shipped_parse):
    return shipped_parse("gapminder_sg")  # the parser on the shipped folder (tests/conftest.py)


def lookup(tidy: pd.DataFrame, indicator: str) -> dict[tuple[str, int], float]:
    rows = tidy[tidy["indicator"] == indicator]
    # As lists: iterating the text columns cell by cell through pandas costs more than the comparisons.
    return dict(zip(zip(rows["iso3"].tolist(), rows["year"].tolist()), rows["value"].tolist(), strict=True))


@pytest.fixture(scope="module")
def wgi_raw_rows() -> list[dict[str, str]]:
    """The WGI CSV's rows as the csv module reads them (read once for the module; never modified)."""
    with open(WGI_FILE, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def id_for(catalogue, source: str, code: str) -> str:
    return next(i.id for i in catalogue.values() if i.source == source and i.code == code)


# --- real files ---------------------------------------------------------------------------------------------


def test_get_parser_finds_each_parser_by_its_sources_yaml_name():
    assert get_parser("wdi_bulk") is wdi_bulk.parse
    assert get_parser("wgi") is wgi.parse
    with pytest.raises(ModuleNotFoundError):
        get_parser("no_such_parser")


@pytest.mark.parametrize("fixture", ["wdi_values", "wgi_values", "owid_values", "gapminder_values"])
def test_every_parser_returns_exactly_the_tidy_columns_without_empty_values(fixture, request):
    tidy = request.getfixturevalue(fixture)
    assert list(tidy.columns) == list(TIDY_COLUMNS)
    assert len(tidy) > 0
    assert tidy["value"].notna().all()
    assert not tidy.duplicated(["iso3", "year", "indicator"]).any()


@pytest.mark.parametrize("data_file", sorted(WDI_DIR.glob("API_*/API_*.csv")), ids=lambda p: p.parent.name)
def test_wdi_values_match_the_raw_file_for_pakistan_and_peers(data_file, wdi_values, catalogue):
    raw = pd.read_csv(data_file, skiprows=4, encoding="utf-8-sig")
    code = raw["Indicator Code"].iloc[0]
    parsed = lookup(wdi_values, id_for(catalogue, "wdi", code))
    year_columns = [c for c in raw.columns if c.isdigit()]
    published = raw.set_index("Country Code")[year_columns]
    # Every non-empty cell of the whole file is in the parsed table: nothing is lost, nothing is added.
    assert len(parsed) == int(published.notna().sum().sum())
    compared = 0
    for iso3 in COUNTRIES:
        for year, value in published.loc[iso3].dropna().items():
            assert parsed[(iso3, int(year))] == pytest.approx(value, rel=1e-12)
            compared += 1
    if code != "GC.TAX.TOTL.GD.ZS":  # this vintage publishes no Pakistan tax values (PROVENANCE.md)
        assert any(iso3 == "PAK" for iso3, _ in parsed)
    assert compared > 0


def test_wdi_keeps_the_published_aggregates_with_their_codes(wdi_values):
    mil = wdi_values[wdi_values["code"] == "MS.MIL.XPND.GD.ZS"]
    assert {"SAS", "LMC", "WLD"} <= distinct(mil["iso3"])


def test_wdi_file_column_names_the_raw_file_under_snapshots(wdi_values):
    for relative in wdi_values["file"].unique():
        assert (SNAPSHOT_DIR / relative).is_file()


@pytest.mark.parametrize(("column", "suffix"), [("estimate", "EST"), ("pctrank", "PER.RNK"), ("stddev", "STD.ERR")])
def test_wgi_values_match_the_raw_csv_for_pakistan_and_peers(column, suffix, wgi_values, catalogue, wgi_raw_rows):
    by_dimension: dict[str, list[dict[str, str]]] = {}
    for row in wgi_raw_rows:  # each dimension's rows in file order, in one pass
        by_dimension.setdefault(row["indicator"], []).append(row)
    compared = 0
    for dimension in ("va", "pv", "ge", "rq", "rl", "cc"):
        parsed = lookup(wgi_values, id_for(catalogue, "wgi", f"{dimension.upper()}.{suffix}"))
        published = [r for r in by_dimension.get(dimension, []) if r[column] != ".."]
        assert len(parsed) == len(published)
        for row in published:
            if row["code"] in COUNTRIES:
                assert parsed[(row["code"], int(row["year"]))] == pytest.approx(float(row[column]))
                compared += 1
    assert compared > 0


def test_wgi_old_codes_become_iso3_through_the_declared_alias_file(wgi_values, wgi_raw_rows):
    with open(CATALOGUE_DIR / "aliases" / "wgi.csv", encoding="utf-8", newline="") as handle:
        aliases = {row["publisher_code"]: row["iso3"] for row in csv.DictReader(handle)}
    raw_codes = {row["code"] for row in wgi_raw_rows}
    parsed_codes = set(wgi_values["iso3"].unique())  # unique first: 185,000 cells iterate slowly
    for old, iso3 in aliases.items():
        if old in raw_codes:
            assert old not in parsed_codes
            assert iso3 in parsed_codes


@pytest.mark.parametrize("data_file", sorted(OWID_DIR.glob("*.csv")), ids=lambda p: p.stem)
def test_owid_values_match_the_raw_file_and_keep_coded_aggregates(data_file, owid_values, catalogue):
    raw = pd.read_csv(data_file)
    value_column = raw.columns[3]
    coded = raw.dropna(subset=["Code"]).dropna(subset=[value_column])
    parsed = lookup(owid_values, id_for(catalogue, "owid", data_file.stem))
    assert len(parsed) == len(coded)
    assert "OWID_WRL" in {iso3 for iso3, _ in parsed}
    compared = 0
    for row in coded[coded["Code"].isin(COUNTRIES)].itertuples(index=False):
        assert parsed[(row.Code, row.Year)] == pytest.approx(getattr(row, "_3"))
        compared += 1
    assert compared > 0


@pytest.mark.parametrize(
    "data_file", sorted(GAPMINDER_DIR.glob("ddf--datapoints--*.csv")), ids=lambda p: p.name.split("--")[2]
)
def test_gapminder_values_match_the_raw_file_with_upper_case_codes(data_file, gapminder_values, catalogue):
    raw = pd.read_csv(data_file)
    concept = raw.columns[2]
    parsed = lookup(gapminder_values, id_for(catalogue, "gapminder_sg", concept))
    assert len(parsed) == int(raw[concept].notna().sum())
    compared = 0
    for row in raw[raw["geo"].isin([c.lower() for c in COUNTRIES])].dropna().itertuples(index=False):
        assert parsed[(row.geo.upper(), row.time)] == pytest.approx(row[2])
        compared += 1
    assert compared > 0


def test_gapminder_government_health_gdp_is_computed_from_its_two_inputs_and_labelled(gapminder_values):
    total = pd.read_csv(GAPMINDER_DIR / "ddf--datapoints--total_health_spending_percent_of_gdp--by--geo--time.csv")
    share = pd.read_csv(
        GAPMINDER_DIR / "ddf--datapoints--government_share_of_total_health_spending_percent--by--geo--time.csv"
    )
    both = total.merge(share, on=["geo", "time"]).dropna()
    expected = both["total_health_spending_percent_of_gdp"] * both["government_share_of_total_health_spending_percent"] / 100
    computed = gapminder_values[gapminder_values["indicator"] == "gm_health_gov_gdp"]
    assert len(computed) == len(both)
    assert computed["computed"].all()
    assert computed["note"].str.startswith("Computed").all()
    parsed = lookup(gapminder_values, "gm_health_gov_gdp")
    for geo, year, value in zip(both["geo"], both["time"], expected, strict=True):
        if geo.upper() in COUNTRIES:
            assert parsed[(geo.upper(), year)] == pytest.approx(value)
    read_rows = gapminder_values[gapminder_values["indicator"] != "gm_health_gov_gdp"]
    assert not read_rows["computed"].any()


# --- broken inputs ------------------------------------------------------------------------------------------


def head_of(path: Path, lines: int) -> str:
    """The first `lines` lines of a shipped file, as text (the seed of every broken fixture)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return "".join(handle.readline() for _ in range(lines))


def wdi_copy(tmp_path: Path, text: str | bytes) -> Path:
    """A WDI-shaped folder in tmp_path holding one data file with `text` as its content."""
    source = next(WDI_DIR.glob("API_MS.MIL*/API_*.csv"))
    folder = tmp_path / "wdi" / source.parent.name
    folder.mkdir(parents=True)
    target = folder / source.name
    target.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return tmp_path / "wdi"


def gapminder_copy(tmp_path: Path, text: str | bytes, catalogue) -> tuple[Path, dict]:
    """A Gapminder folder with one (broken) datapoint file, and a catalogue trimmed to that concept."""
    source = next(GAPMINDER_DIR.glob("ddf--datapoints--literacy*.csv"))
    folder = tmp_path / "gapminder_sg"
    folder.mkdir(parents=True)
    (folder / source.name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    trimmed = {k: v for k, v in catalogue.items() if v.source != "gapminder_sg" or k == "gm_literacy"}
    return folder, trimmed


def owid_copy(tmp_path: Path, text: str | bytes, catalogue) -> tuple[Path, dict]:
    source = OWID_DIR / "share-of-education-in-government-expenditure.csv"
    folder = tmp_path / "owid"
    folder.mkdir(parents=True)
    (folder / source.name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    trimmed = {k: v for k, v in catalogue.items() if v.source != "owid" or v.code == source.stem}
    return folder, trimmed


def wgi_copy(tmp_path: Path, text: str | bytes) -> Path:
    folder = tmp_path / "wgi"
    folder.mkdir(parents=True)
    (folder / WGI_FILE.name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return folder


def latin1_with_accent(text: str) -> bytes:
    """`text` saved as Latin-1 with one accented name, the classic 'opened and saved in Excel' breakage."""
    assert "Pakistan" in text, "the seed must contain a name to accent"
    return text.replace("Pakistan", "Pakistán").encode("latin-1")


def test_wdi_wrong_header_names_the_file_and_the_missing_columns(tmp_path, catalogue):
    text = head_of(next(WDI_DIR.glob("API_MS.MIL*/API_*.csv")), 12).replace('"Country Code"', '"Economy"')
    with pytest.raises(ParseError, match=r"API_MS\.MIL.*'Country Code'"):
        wdi_bulk.parse(wdi_copy(tmp_path, text), catalogue)


def test_wdi_missing_preamble_is_a_clear_error(tmp_path, catalogue):
    text = head_of(next(WDI_DIR.glob("API_MS.MIL*/API_*.csv")), 12).split("\n", 4)[4]
    with pytest.raises(ParseError, match="expected columns"):
        wdi_bulk.parse(wdi_copy(tmp_path, text), catalogue)


def test_wdi_empty_file_is_a_clear_error(tmp_path, catalogue):
    with pytest.raises(ParseError, match="empty"):
        wdi_bulk.parse(wdi_copy(tmp_path, b""), catalogue)


def test_wdi_non_utf8_file_is_a_clear_error(tmp_path, catalogue):
    text = head_of(next(WDI_DIR.glob("API_MS.MIL*/API_*.csv")), 200)
    with pytest.raises(ParseError, match="not valid utf-8"):
        wdi_bulk.parse(wdi_copy(tmp_path, latin1_with_accent(text)), catalogue)


def test_wdi_unknown_missing_marker_is_refused_not_dropped(tmp_path, catalogue):
    text = head_of(next(WDI_DIR.glob("API_MS.MIL*/API_*.csv")), 12).replace('""', '"n/a"', 1)
    with pytest.raises(ParseError, match=r"non-numeric cells \['n/a'\]"):
        wdi_bulk.parse(wdi_copy(tmp_path, text), catalogue)


def test_wdi_code_missing_from_the_catalogue_is_named(tmp_path, catalogue):
    text = head_of(next(WDI_DIR.glob("API_MS.MIL*/API_*.csv")), 12)
    without = {k: v for k, v in catalogue.items() if v.code != "MS.MIL.XPND.GD.ZS"}
    with pytest.raises(ParseError, match="MS.MIL.XPND.GD.ZS.*not declared"):
        wdi_bulk.parse(wdi_copy(tmp_path, text), without)


def test_wgi_missing_column_names_the_file_and_column(tmp_path, catalogue):
    frame = pd.read_csv(WGI_FILE, encoding="utf-8-sig", dtype=str, nrows=20).drop(columns=["pctrank"])
    with pytest.raises(ParseError, match=r"wgidataset\.csv.*'pctrank'"):
        wgi.parse(wgi_copy(tmp_path, frame.to_csv(index=False)), catalogue)


def test_wgi_wrong_header_is_a_clear_error(tmp_path, catalogue):
    text = head_of(WGI_FILE, 20).replace("countryname", "country_name", 1)
    with pytest.raises(ParseError, match="countryname"):
        wgi.parse(wgi_copy(tmp_path, text), catalogue)


def test_wgi_empty_and_non_utf8_files_are_clear_errors(tmp_path, catalogue):
    with pytest.raises(ParseError, match="empty"):
        wgi.parse(wgi_copy(tmp_path / "a", b""), catalogue)
    latin = latin1_with_accent(head_of(WGI_FILE, 400))
    with pytest.raises(ParseError, match="not valid utf-8"):
        wgi.parse(wgi_copy(tmp_path / "b", latin), catalogue)


def test_wgi_code_that_is_not_iso3_and_has_no_alias_is_named(tmp_path, catalogue):
    text = head_of(WGI_FILE, 3).replace(",AFG,", ",AFGX,")
    with pytest.raises(ParseError, match=r"\['AFGX'\].*aliases/wgi.csv"):
        wgi.parse(wgi_copy(tmp_path, text), catalogue)


def test_wgi_alias_file_that_repeats_a_code_is_refused(tmp_path, catalogue):
    alias_file = tmp_path / "aliases.csv"
    declared = (CATALOGUE_DIR / "aliases" / "wgi.csv").read_text(encoding="utf-8").splitlines()
    alias_file.write_text("\n".join(declared + declared[1:2]) + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match="more than once"):
        wgi.parse(wgi_copy(tmp_path, head_of(WGI_FILE, 3)), catalogue, alias_file=alias_file)


def test_wgi_without_any_file_names_the_folder(tmp_path, catalogue):
    (tmp_path / "wgi").mkdir()
    with pytest.raises(ParseError, match="no file matching"):
        wgi.parse(tmp_path / "wgi", catalogue)


def test_owid_wrong_header_and_extra_column_are_clear_errors(tmp_path, catalogue):
    text = head_of(OWID_DIR / "share-of-education-in-government-expenditure.csv", 10)
    folder, trimmed = owid_copy(tmp_path / "a", text.replace("Entity", "Country", 1), catalogue)
    with pytest.raises(ParseError, match="'Entity'"):
        owid_grapher.parse(folder, trimmed)
    lines = text.splitlines()
    widened = "\n".join([lines[0] + ",Extra"] + [line + ",1" for line in lines[1:]])
    folder, trimmed = owid_copy(tmp_path / "b", widened, catalogue)
    with pytest.raises(ParseError, match="exactly one value column"):
        owid_grapher.parse(folder, trimmed)


def test_owid_empty_non_utf8_and_undeclared_files_are_clear_errors(tmp_path, catalogue):
    folder, trimmed = owid_copy(tmp_path / "a", b"", catalogue)
    with pytest.raises(ParseError, match="empty"):
        owid_grapher.parse(folder, trimmed)
    text = head_of(OWID_DIR / "share-of-education-in-government-expenditure.csv", 3000)
    folder, trimmed = owid_copy(tmp_path / "b", latin1_with_accent(text), catalogue)
    with pytest.raises(ParseError, match="not valid utf-8"):
        owid_grapher.parse(folder, trimmed)
    folder, trimmed = owid_copy(tmp_path / "c", text, catalogue)
    shutil.copy(folder / "share-of-education-in-government-expenditure.csv", folder / "renamed.csv")
    with pytest.raises(ParseError, match="renamed.csv"):
        owid_grapher.parse(folder, trimmed)


def test_gapminder_wrong_header_missing_column_empty_and_non_utf8(tmp_path, catalogue):
    text = head_of(next(GAPMINDER_DIR.glob("ddf--datapoints--literacy*.csv")), 20)
    assert "\nabw," in text
    cases = {
        "wrong header": (text.replace("geo,", "country,", 1), "'geo'"),
        "missing column": ("\n".join(line.rsplit(",", 1)[0] for line in text.splitlines()), "literacy_rate"),
        "empty": (b"", "empty"),
        "non-utf8": (text.replace("\nabw", "\nábw").encode("latin-1"), "not valid utf-8"),
    }
    for case, (content, message) in cases.items():
        folder, trimmed = gapminder_copy(tmp_path / case.replace(" ", "_"), content, catalogue)
        with pytest.raises(ParseError, match=message):
            gapminder_ddf.parse(folder, trimmed)


def test_gapminder_computed_series_needs_both_inputs(tmp_path, catalogue):
    text = head_of(next(GAPMINDER_DIR.glob("ddf--datapoints--literacy*.csv")), 20)
    folder, trimmed = gapminder_copy(tmp_path, text, catalogue)
    trimmed["gm_health_gov_gdp"] = catalogue["gm_health_gov_gdp"]
    with pytest.raises(ParseError, match="gm_health_gov_gdp computed_from"):
        gapminder_ddf.parse(folder, trimmed)
