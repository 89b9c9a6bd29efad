"""The UNDP HDR, SIPRI, TI CPI and IMF WoRLD parsers on the shipped files and on broken copies of them.

Real-file tests read each raw file again here, independently (csv module for the UNDP CSV, plain
pandas + calamine for the workbooks), and compare Pakistan and two peers (India, Bangladesh) value by value,
plus row counts, so no published value is lost or invented. Broken inputs are made in tmp_path from the
shipped files (renamed header, dropped column, emptied, re-encoded, a text file named .xlsx); workbook
shape errors are made by altering the real sheets after reading them (no xlsx writer is installed). No data
value is typed into this file.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from src.ingest.parsers import get_parser, imf_world, sipri_milex, ti_cpi, undp_hdr
from src.ingest.parsers._common import read_workbook_sheets
from src.ingest.snapshot import md5_of
from src.paths import CATALOGUE_DIR, SNAPSHOT_DIR
from src.schema import TIDY_COLUMNS, ParseError
from src.study.catalogue import default_for_concept, load_indicators
from src.study.yaml_io import parse_yaml
from tests.columns import distinct

COUNTRIES = ("PAK", "IND", "BGD")
UNDP_DIR = SNAPSHOT_DIR / "undp_hdr"
UNDP_FILE = UNDP_DIR / "HDR23-24_Composite_indices_complete_time_series.csv"
SIPRI_DIR = SNAPSHOT_DIR / "sipri"
SIPRI_FILE = SIPRI_DIR / "SIPRI-Milex-data-1949-2023.xlsx"
CPI_DIR = SNAPSHOT_DIR / "cpi"
CPI_FILE = CPI_DIR / "CPI2023_GlobalResultsTrends.xlsx"
IMF_DIR = SNAPSHOT_DIR / "imf_world"
IMF_FILE = IMF_DIR / "world-imf2026.xlsx"
SIPRI_ALIASES = CATALOGUE_DIR / "aliases" / "sipri.csv"


@pytest.fixture(scope="module")
def catalogue():
    return load_indicators()


@pytest.fixture(scope="module")
def undp_values(shipped_parse):
    return shipped_parse("undp_hdr")  # the parser on the shipped folder (tests/conftest.py)


@pytest.fixture(scope="module")
def sipri_values(shipped_parse):
    return shipped_parse("sipri")  # the parser on the shipped folder (tests/conftest.py)


@pytest.fixture(scope="module")
def cpi_values(shipped_parse):
    return shipped_parse("cpi")  # the parser on the shipped folder (tests/conftest.py)


@pytest.fixture(scope="module")
def imf_values(shipped_parse):
    return shipped_parse("imf_world")  # the parser on the shipped folder (tests/conftest.py)


@pytest.fixture(scope="module")
def undp_raw() -> list[dict[str, str]]:
    with open(UNDP_FILE, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def lookup(tidy: pd.DataFrame, indicator: str) -> dict[tuple[str, int], float]:
    rows = tidy[tidy["indicator"] == indicator]
    # As lists: iterating the text columns cell by cell through pandas costs more than the comparisons.
    return dict(zip(zip(rows["iso3"].tolist(), rows["year"].tolist()), rows["value"].tolist(), strict=True))


def by_code(catalogue, source: str) -> dict:
    return {i.code: i for i in catalogue.values() if i.source == source}


def sipri_aliases() -> dict[str, str]:
    return pd.read_csv(SIPRI_ALIASES).set_index("publisher_name")["iso3"].to_dict()


@cache
def _raw_sheet_once(path: Path, sheet: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=sheet, header=None, engine="calamine", dtype=object)


def raw_sheet(path: Path, sheet: str) -> pd.DataFrame:
    """The sheet's cells as published (read once per module; each caller gets its own copy to alter)."""
    return _raw_sheet_once(path, sheet).copy()


def first_row_with(table: pd.DataFrame, label: str, column: int | None = None) -> int:
    cells = table if column is None else table.iloc[:, [column]]
    return next(i for i, row in enumerate(cells.itertuples(index=False)) if any(str(c).strip() == label for c in row))


# --- all four: shape and registry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "source"),
    [("undp_values", "undp_hdr"), ("sipri_values", "sipri"), ("cpi_values", "cpi"), ("imf_values", "imf_world")],
)
def test_each_parser_returns_the_tidy_columns_with_values_of_its_own_source(fixture, source, request):
    tidy = request.getfixturevalue(fixture)
    assert list(tidy.columns) == list(TIDY_COLUMNS)
    assert len(tidy) > 0
    assert not tidy["value"].isna().any()
    assert distinct(tidy["source"]) == {source}
    assert not tidy.duplicated(["iso3", "year", "indicator"]).any()


def test_sources_yaml_names_find_these_four_parsers():
    assert get_parser("undp_hdr") is undp_hdr.parse
    assert get_parser("sipri_milex") is sipri_milex.parse
    assert get_parser("ti_cpi") is ti_cpi.parse
    assert get_parser("imf_world") is imf_world.parse


def test_catalogue_validates_and_picks_the_agreed_defaults():
    catalogue = load_indicators()
    assert default_for_concept("tax_gdp", catalogue).id == "imf_tax_gdp"
    assert default_for_concept("military_gov_share", catalogue).id == "sipri_mil_gov_share"
    assert default_for_concept("military_gdp", catalogue).id != "sipri_mil_gdp"
    assert default_for_concept("life_expectancy", catalogue).id != "undp_le"
    assert default_for_concept("population", catalogue).id != "undp_pop_total"
    assert catalogue["undp_hdi_rank"].concept != catalogue["undp_hdi_rank_computed"].concept


# --- UNDP HDR -----------------------------------------------------------------------------------------------


def test_undp_every_published_cell_of_pakistan_and_peers_is_read_scaled_by_catalogue(undp_values, undp_raw, catalogue):
    codes = by_code(catalogue, "undp_hdr")
    published = undp_values[~undp_values["computed"]]
    keys = zip(published["indicator"].tolist(), published["iso3"].tolist(), published["year"].tolist())
    parsed = dict(zip(keys, published["value"].tolist(), strict=True))
    compared = 0
    for row in (r for r in undp_raw if r["iso3"] in COUNTRIES):
        for column, text in row.items():
            match = re.fullmatch(r"(.+)_(\d{4})", column)
            if not match or not text.strip():
                continue
            indicator = codes[match[1]]
            assert parsed[(indicator.id, row["iso3"], int(match[2]))] == pytest.approx(float(text) * indicator.scale)
            compared += 1
    assert compared > 1000


def test_undp_keeps_every_non_empty_cell_including_aggregates(undp_values, undp_raw):
    series_columns = [column for column in undp_raw[0] if re.fullmatch(r".+_\d{4}", column)]
    cells = [
        (row["iso3"], column)
        for row in undp_raw
        for column in series_columns
        if row[column].strip() and row[column].strip() != "NaN"
    ]
    published = undp_values[~undp_values["computed"]]
    assert len(published) == len(cells)
    aggregates = {row["iso3"] for row in undp_raw if not re.fullmatch(r"[A-Z]{3}", row["iso3"])}
    assert aggregates and aggregates <= distinct(published["iso3"])


def test_undp_catalogue_declares_every_prefix_in_the_file(undp_raw, catalogue):
    prefixes = {m[1] for m in (re.fullmatch(r"(.+)_(\d{4})", c) for c in undp_raw[0]) if m}
    assert prefixes <= set(by_code(catalogue, "undp_hdr"))


def test_undp_official_rank_is_the_published_2022_rank_not_computed(undp_values, undp_raw):
    official = undp_values[undp_values["indicator"] == "undp_hdi_rank"]
    assert set(official["year"]) == {2022}
    assert not official["computed"].any()
    published = {r["iso3"]: float(r["hdi_rank_2022"]) for r in undp_raw if r["hdi_rank_2022"].strip()}
    assert dict(zip(official["iso3"], official["value"], strict=True)) == published


@pytest.mark.parametrize("year", [1990, 2010, 2022])
def test_undp_computed_rank_ranks_countries_by_hdi_that_year_and_says_how_many(undp_values, undp_raw, year):
    hdi = {
        r["iso3"]: float(r[f"hdi_{year}"])
        for r in undp_raw
        if re.fullmatch(r"[A-Z]{3}", r["iso3"]) and r[f"hdi_{year}"].strip()
    }
    expected = pd.Series(hdi).rank(ascending=False, method="min")
    ranks = undp_values[(undp_values["indicator"] == "undp_hdi_rank_computed") & (undp_values["year"] == year)]
    assert dict(zip(ranks["iso3"], ranks["value"], strict=True)) == expected.to_dict()
    assert ranks["computed"].all()
    assert set(ranks["note"]) == {ranks["note"].iloc[0]}
    assert f"among {len(hdi)} countries with data in {year}" in ranks["note"].iloc[0]


def test_undp_computed_2022_rank_reproduces_the_official_rank(undp_values):
    official = lookup(undp_values, "undp_hdi_rank")
    computed = lookup(undp_values, "undp_hdi_rank_computed")
    assert official and all(computed[key] == value for key, value in official.items())


def test_undp_renamed_header_is_a_clear_error(tmp_path, catalogue):
    lines = UNDP_FILE.read_text(encoding="utf-8-sig").splitlines()[:6]
    lines[0] = lines[0].replace("iso3", "iso_code", 1)
    (tmp_path / UNDP_FILE.name).write_text("\n".join(lines), encoding="utf-8-sig")
    with pytest.raises(ParseError, match=r"HDR23-24.*\['iso3'\] are missing"):
        undp_hdr.parse(tmp_path, catalogue)


@cache
def _undp_head_once() -> tuple[tuple[str, ...], ...]:
    with open(UNDP_FILE, encoding="utf-8-sig", newline="") as handle:
        return tuple(tuple(row) for row in itertools.islice(csv.reader(handle), 6))


def undp_head() -> list[list[str]]:
    """The shipped file's header row and first 5 rows as text cells (read once per module by the csv module: pandas
    took ~0.1 s to read or write its 1,076 columns; each caller gets its own lists to alter)."""
    return [list(row) for row in _undp_head_once()]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> None:
    """Rows written as pandas' `to_csv(index=False)` writes text cells (the csv module, minimal quoting, \\n)."""
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_undp_missing_column_and_unknown_series_are_clear_errors(tmp_path, catalogue):
    table = undp_head()
    country = table[0].index("country")
    without_country = [row[:country] + row[country + 1 :] for row in table]
    write_csv(tmp_path / UNDP_FILE.name, without_country, encoding="utf-8-sig")
    with pytest.raises(ParseError, match=r"\['country'\] are missing"):
        undp_hdr.parse(tmp_path, catalogue)
    table[0][table[0].index("hdi_1990")] = "newindex_1990"
    write_csv(tmp_path / UNDP_FILE.name, table)
    with pytest.raises(ParseError, match=r"series \['newindex'\] are not declared.*undp_hdr.yaml"):
        undp_hdr.parse(tmp_path, catalogue)


def test_undp_unknown_text_in_a_value_cell_names_the_column(tmp_path, catalogue):
    table = undp_head()
    table[1][table[0].index("le_2000")] = "n/a"
    write_csv(tmp_path / UNDP_FILE.name, table, encoding="utf-8-sig")
    with pytest.raises(ParseError, match=r"column 'le_2000'.*'n/a'"):
        undp_hdr.parse(tmp_path, catalogue)


def test_undp_empty_file_is_a_clear_error(tmp_path, catalogue):
    (tmp_path / UNDP_FILE.name).write_bytes(b"")
    with pytest.raises(ParseError, match="empty"):
        undp_hdr.parse(tmp_path, catalogue)


@pytest.mark.parametrize("encoding", ["utf-16", "gb18030"])
def test_undp_file_re_saved_in_another_encoding_is_a_clear_error(tmp_path, catalogue, encoding):
    # The shipped names include characters outside ASCII (the file's own spelling), which these encodings
    # write as bytes that are not UTF-8: a copy re-saved by a spreadsheet program.
    lines = UNDP_FILE.read_text(encoding="utf-8-sig").splitlines()
    sample = [lines[0], *[line for line in lines[1:] if not line.isascii()][:2]]
    assert len(sample) == 3
    (tmp_path / UNDP_FILE.name).write_text("\n".join(sample), encoding=encoding)
    with pytest.raises(ParseError, match="not valid utf-8-sig"):
        undp_hdr.parse(tmp_path, catalogue)


def test_undp_missing_file_is_a_clear_error(tmp_path, catalogue):
    with pytest.raises(ParseError, match="no file matching"):
        undp_hdr.parse(tmp_path, catalogue)


# --- SIPRI --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sipri_raw(catalogue) -> dict[str, pd.DataFrame]:
    """Each catalogue sheet read independently: header row found here by its first cell, body below it."""
    sheets = {}
    for sheet in by_code(catalogue, "sipri"):
        table = raw_sheet(SIPRI_FILE, sheet)
        header = first_row_with(table, "Country", column=0)
        body = table.iloc[header + 1 :].copy()
        body.columns = [str(c) for c in table.iloc[header]]
        sheets[sheet] = body
    return sheets


def test_sipri_values_of_pakistan_and_peers_match_the_workbook(sipri_values, sipri_raw, catalogue):
    aliases = sipri_aliases()
    compared = 0
    for sheet, body in sipri_raw.items():
        indicator = by_code(catalogue, "sipri")[sheet]
        parsed = lookup(sipri_values, indicator.id)
        years = [c for c in body.columns if c.isdigit()]
        for _, row in body[body["Country"].map(aliases).isin(COUNTRIES)].iterrows():
            iso3 = aliases[row["Country"]]
            for year in years:
                cell = row[year]
                if isinstance(cell, (int, float)) and not pd.isna(cell):
                    assert parsed[(iso3, int(year))] == pytest.approx(cell * indicator.scale)
                    compared += 1
                else:
                    assert (iso3, int(year)) not in parsed  # "...", "xxx" and blanks are gaps, never values
    assert compared > 300


def test_sipri_shares_are_shown_as_percentages(catalogue):
    for code, indicator in by_code(catalogue, "sipri").items():
        assert indicator.scale == (100 if code.startswith("Share of") else 1)
        assert indicator.unit.startswith("%") == code.startswith("Share of")


def test_sipri_keeps_every_numeric_cell_and_no_region_heading(sipri_values, sipri_raw, catalogue):
    for sheet, body in sipri_raw.items():
        years = [c for c in body.columns if c.isdigit()]
        numeric = body[years].map(lambda c: isinstance(c, (int, float)) and not pd.isna(c))
        rows = sipri_values[sipri_values["indicator"] == by_code(catalogue, "sipri")[sheet].id]
        assert len(rows) == int(numeric.to_numpy().sum())
        headings = set(body.loc[body[years].isna().all(axis=1), "Country"].dropna())
        assert headings and not headings & distinct(rows["country"])


def test_sipri_alias_file_names_each_country_once_with_an_iso3_code(sipri_raw):
    aliases = pd.read_csv(SIPRI_ALIASES)
    assert not aliases["publisher_name"].duplicated().any()
    assert aliases["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    names = set()
    for body in sipri_raw.values():
        years = [c for c in body.columns if c.isdigit()]
        names |= set(body.loc[~body[years].isna().all(axis=1), "Country"])
    assert names == set(aliases["publisher_name"])


def test_sipri_government_share_says_it_is_on_reporting_years(sipri_values):
    share = sipri_values[sipri_values["indicator"] == "sipri_mil_gov_share"]
    assert len(share) > 0 and share["note"].str.contains("reporting (fiscal) year", regex=False).all()
    assert not sipri_values["computed"].any()


def test_sipri_unknown_text_names_sheet_row_and_value(catalogue):
    sheet = "Share of GDP"
    table = raw_sheet(SIPRI_FILE, sheet)
    row = first_row_with(table, "Pakistan", column=0)
    table.iloc[row, -1] = "n.a."
    with pytest.raises(ParseError, match=rf"sheet 'Share of GDP' column \d{{4}}: row {row + 1} holds 'n.a.'"):
        origin = f"{SIPRI_FILE} sheet '{sheet}'"
        sipri_milex.parse_sheet(table, catalogue["sipri_mil_gdp"], sipri_aliases(), origin=origin, file="sipri/x.xlsx")


def test_sipri_reporting_year_column_is_added_to_that_countrys_note(catalogue):
    # The shipped sheet leaves "Reporting year" empty for every country; fill one cell with a test label to
    # check it reaches that country's note and only that country's.
    sheet = "Share of Govt. spending"
    table = raw_sheet(SIPRI_FILE, sheet)
    header = first_row_with(table, "Country", column=0)
    column = list(table.iloc[header]).index("Reporting year")
    table.iloc[first_row_with(table, "Pakistan", column=0), column] = "test label"
    tidy = sipri_milex.parse_sheet(
        table, catalogue["sipri_mil_gov_share"], sipri_aliases(), origin=sheet, file="sipri/x.xlsx"
    )
    labelled = tidy[tidy["note"].str.endswith("Pakistan: reporting year test label.")]
    assert len(labelled) > 0 and distinct(labelled["iso3"]) == {"PAK"}
    assert distinct(tidy.loc[tidy["iso3"] != "PAK", "note"]) == {catalogue["sipri_mil_gov_share"].note}


def test_sipri_values_without_a_country_name_are_a_clear_error(catalogue):
    table = raw_sheet(SIPRI_FILE, "Current US$")
    row = first_row_with(table, "Pakistan", column=0)
    table.iloc[row, 0] = None
    with pytest.raises(ParseError, match=rf"Current US\$: row {row + 1} has values but no country name"):
        indicator = catalogue["sipri_mil_current_usd"]
        sipri_milex.parse_sheet(table, indicator, sipri_aliases(), origin="Current US$", file="sipri/x.xlsx")


def test_sipri_without_a_country_header_row_is_a_clear_error(catalogue):
    table = raw_sheet(SIPRI_FILE, "Per capita")
    table.iloc[first_row_with(table, "Country", column=0), 0] = "Nation"
    with pytest.raises(ParseError, match=r"no header row with 'Country'"):
        sipri_milex.parse_sheet(table, catalogue["sipri_mil_per_capita"], {}, origin="Per capita", file="sipri/x.xlsx")


def test_sipri_country_missing_from_alias_file_is_named(tmp_path, catalogue):
    aliases = pd.read_csv(SIPRI_ALIASES)
    aliases[aliases["iso3"] != "PAK"].to_csv(tmp_path / "sipri.csv", index=False)
    with pytest.raises(ParseError, match=r"\['Pakistan'\] are not in"):
        sipri_milex.parse(SIPRI_DIR, catalogue, alias_file=tmp_path / "sipri.csv")


def test_sipri_missing_sheet_names_the_sheets_found(catalogue):
    renamed = dict(catalogue)
    renamed["sipri_mil_gdp"] = dataclasses.replace(catalogue["sipri_mil_gdp"], code="Share of GNP")
    with pytest.raises(ParseError, match=r"\['Share of GNP'\] are missing; found \[.*'Share of GDP'"):
        sipri_milex.parse(SIPRI_DIR, renamed)


@pytest.mark.parametrize(
    ("content", "message"), [(b"", "empty"), (b"Country,1990\nPakistan,0.05\n", "cannot be read as an Excel workbook")]
)
def test_sipri_empty_or_not_a_workbook_is_a_clear_error(tmp_path, catalogue, content, message):
    (tmp_path / SIPRI_FILE.name).write_bytes(content)
    with pytest.raises(ParseError, match=message):
        sipri_milex.parse(tmp_path, catalogue)


# --- TI CPI -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cpi_raw() -> pd.DataFrame:
    table = raw_sheet(CPI_FILE, "CPI Historical (internal)")
    header = first_row_with(table, "ISO3")
    body = table.iloc[header + 1 :].copy()
    body.columns = list(table.iloc[header])
    return body


def test_cpi_score_and_rank_of_pakistan_and_peers_match_the_sheet(cpi_values, cpi_raw):
    scores, ranks = lookup(cpi_values, "cpi_score"), lookup(cpi_values, "cpi_rank")
    peers = cpi_raw[cpi_raw["ISO3"].isin(COUNTRIES)]
    assert len(peers) > 30
    for _, row in peers.iterrows():
        assert scores[(row["ISO3"], int(row["Year"]))] == row["CPI score"]
        assert ranks[(row["ISO3"], int(row["Year"]))] == row["Rank"]
    assert len(cpi_values) == 2 * len(cpi_raw.dropna(subset=["ISO3"]))


def test_cpi_rank_note_gives_the_number_of_countries_scored_that_year(cpi_values, cpi_raw):
    scored = cpi_raw.dropna(subset=["CPI score"]).groupby("Year").size()
    ranks = cpi_values[cpi_values["indicator"] == "cpi_rank"]
    for year, count in scored.items():
        notes = distinct(ranks.loc[ranks["year"] == year, "note"])
        assert notes == {f"Rank among the {count} countries and territories scored in {year}."}


def test_cpi_file_is_read_never_modified(cpi_values):
    sidecar = parse_yaml((CPI_DIR / (CPI_FILE.name + ".meta.yaml")).read_text(encoding="utf-8"))
    assert len(cpi_values) > 0
    assert md5_of(CPI_FILE) == sidecar["outs"]["md5"]


@cache
def _workbook_sheets_once(path: Path, sheets: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    return read_workbook_sheets(path, sheets)


def altered_sheets(monkeypatch, module, change):
    """Make `module` read the real workbook, then `change` one sheet, as a publisher's new layout would.

    The workbook is read (by the parsers' own `read_workbook_sheets`) once per module for the same sheets; each
    parse gets fresh copies to change.
    """

    def read(path, sheets):
        tables = {name: table.copy() for name, table in _workbook_sheets_once(path, tuple(sheets)).items()}
        change(tables)
        return tables

    monkeypatch.setattr(module, "read_workbook_sheets", read)


def test_cpi_renamed_iso3_header_is_a_clear_error(monkeypatch, catalogue):
    def rename(tables):
        table = tables["CPI Historical (internal)"]
        table.iloc[first_row_with(table, "ISO3")] = table.iloc[first_row_with(table, "ISO3")].replace("ISO3", "Code")

    altered_sheets(monkeypatch, ti_cpi, rename)
    with pytest.raises(ParseError, match=r"CPI Historical \(internal\)'.*no header row with 'ISO3'"):
        ti_cpi.parse(CPI_DIR, catalogue)


def test_cpi_missing_rank_column_and_bad_code_are_clear_errors(monkeypatch, catalogue):
    def drop_rank(tables):
        table = tables["CPI Historical (internal)"]
        rank_column = list(table.iloc[first_row_with(table, "ISO3")]).index("Rank")
        tables["CPI Historical (internal)"] = table.drop(columns=rank_column)

    altered_sheets(monkeypatch, ti_cpi, drop_rank)
    with pytest.raises(ParseError, match=r"\['Rank'\] are missing"):
        ti_cpi.parse(CPI_DIR, catalogue)

    def lower_case_code(tables):
        table = tables["CPI Historical (internal)"]
        iso3_column = list(table.iloc[first_row_with(table, "ISO3")]).index("ISO3")
        row = first_row_with(table, "PAK")
        table.iloc[row, iso3_column] = "pak"

    altered_sheets(monkeypatch, ti_cpi, lower_case_code)
    with pytest.raises(ParseError, match=r"row \d+ lacks a three-letter ISO3 code"):
        ti_cpi.parse(CPI_DIR, catalogue)


def test_cpi_text_file_named_xlsx_is_a_clear_error(tmp_path, catalogue):
    (tmp_path / CPI_FILE.name).write_text("ISO3,Year\nPAK,2023\n", encoding="utf-8")
    with pytest.raises(ParseError, match="cannot be read as an Excel workbook"):
        ti_cpi.parse(tmp_path, catalogue)


# --- IMF WoRLD ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imf_raw() -> pd.DataFrame:
    return pd.read_excel(IMF_FILE, sheet_name="Data", engine="calamine")


def test_imf_every_declared_series_of_pakistan_and_peers_matches_the_sheet(imf_values, imf_raw, catalogue):
    compared = 0
    for code, indicator in by_code(catalogue, "imf_world").items():
        parsed = lookup(imf_values, indicator.id)
        assert len(parsed) == imf_raw[code].notna().sum()
        published = imf_raw[imf_raw["ISO3"].isin(COUNTRIES) & imf_raw[code].notna()]
        # The three columns as lists: a Series per row (iterrows) took longer than the comparisons.
        cells = zip(published["ISO3"].tolist(), published["year"].tolist(), published[code].tolist(), strict=True)
        for iso3, year, value in cells:
            assert parsed[(iso3, int(year))] == pytest.approx(value)
            compared += 1
    assert compared > 1000


def test_imf_reads_every_numeric_summary_variable_and_skips_checks_and_labels(imf_values, catalogue):
    summary = raw_sheet(IMF_FILE, "Summary")
    header = first_row_with(summary, "Variable")
    column = list(summary.iloc[header]).index("Variable")
    listed = {str(v).strip() for v in summary.iloc[header + 1 :, column].dropna()}
    parsed_codes = distinct(imf_values["code"])
    assert parsed_codes == listed - set(imf_world.NOT_NUMERIC)
    assert not any(code.startswith("check_") for code in parsed_codes)
    assert {"Incomegroup", "Region", "SalGType"}.isdisjoint(parsed_codes)


def test_imf_summary_variable_missing_from_catalogue_is_named(monkeypatch, catalogue):
    without_grants = {key: value for key, value in catalogue.items() if value.code != "Grants"}
    altered_sheets(monkeypatch, imf_world, lambda tables: None)  # the real sheets, unchanged (read once)
    with pytest.raises(ParseError, match=r"variables \['Grants'\].*imf_world.yaml"):
        imf_world.parse(IMF_DIR, without_grants)


def test_imf_missing_data_column_and_text_value_are_clear_errors(monkeypatch, catalogue):
    def drop_tax_revenue(tables):
        table = tables["Data"]
        tables["Data"] = table.drop(columns=list(table.iloc[first_row_with(table, "ISO3")]).index("TaxRev"))

    altered_sheets(monkeypatch, imf_world, drop_tax_revenue)
    with pytest.raises(ParseError, match=r"sheet 'Data'.*\['TaxRev'\] are missing"):
        imf_world.parse(IMF_DIR, catalogue)

    def text_in_tax_revenue(tables):
        table = tables["Data"]
        column = list(table.iloc[first_row_with(table, "ISO3")]).index("TaxRev")
        table.iloc[first_row_with(table, "PAK"), column] = "about ten"

    altered_sheets(monkeypatch, imf_world, text_in_tax_revenue)
    with pytest.raises(ParseError, match=r"column 'TaxRev': row \d+ holds 'about ten'"):
        imf_world.parse(IMF_DIR, catalogue)

