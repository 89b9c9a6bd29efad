"""Parser for the SIPRI Military Expenditure Database workbook (data/snapshots/sipri/SIPRI-Milex-data-*.xlsx).

Each series is one sheet (its name is the catalogue `code`): a few title lines, a header row starting with
"Country", then countries grouped under region and subregion heading rows (a name and no values). Years are
columns. SIPRI marks gaps with "...", ". ." (no data) and "xxx" (the country did not exist); any other text
in a value cell is an error. SIPRI names countries without codes, so the declared alias file
data/catalogue/aliases/sipri.csv maps every name to ISO3.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from src.ingest.parsers._common import (
    ALIASES_DIR,
    cells_to_numbers,
    concat_tidy,
    header_row,
    indicators_by_code,
    read_aliases,
    read_workbook_sheets,
    require_unique,
    single_file,
    snapshot_relative,
    tidy_rows,
    with_header,
    years_from_columns,
)
from src.schema import ParseError
from src.study.catalogue import Indicator

SOURCE = "sipri"
DATA_FILES = "SIPRI-Milex-data-*.xlsx"
ALIAS_FILE = ALIASES_DIR / "sipri.csv"
COUNTRY_HEADER = "Country"
REPORTING_YEAR = "Reporting year"
MISSING_MARKERS = ("...", ". .", "xxx")


def _is_blank(cell: object) -> bool:
    return pd.isna(cell) or (isinstance(cell, str) and not cell.strip())


def _blank_cells(cells: pd.DataFrame) -> np.ndarray:
    """`_is_blank` of every cell, as a boolean array (cell by cell through `DataFrame.map` cost a fifth of a parse)."""
    values = cells.to_numpy(dtype=object)
    blank_text = [isinstance(cell, str) and not cell.strip() for cell in values.ravel()]
    return pd.isna(values) | np.array(blank_text, dtype=bool).reshape(values.shape)


def _country_rows(body: pd.DataFrame, years: list[str], origin: str) -> pd.DataFrame:
    """The rows that are countries: a name and at least one value cell (region headings have no values)."""
    names = body[COUNTRY_HEADER].map(lambda cell: "" if _is_blank(cell) else str(cell).strip())
    has_values = pd.Series(~_blank_cells(body[years]).all(axis=1), index=body.index)
    orphans = body.index[has_values & (names == "")]
    if len(orphans):
        raise ParseError(f"{origin}: row {orphans[0] + 1} has values but no country name")
    rows = body[has_values].copy()
    rows[COUNTRY_HEADER] = names[has_values]
    return rows


def _reporting_note(indicator: Indicator, country: str, reporting_year: object) -> str:
    """The catalogue note, plus the country's reporting year when SIPRI states one."""
    if _is_blank(reporting_year):
        return indicator.note
    return f"{indicator.note} {country}: reporting year {str(reporting_year).strip()}.".strip()


def parse_sheet(
    table: pd.DataFrame, indicator: Indicator, aliases: dict[str, str], *, origin: str, file: str
) -> pd.DataFrame:
    """One SIPRI sheet (raw cells, header=None) as tidy rows of `indicator`.

    Raises:
        ParseError: no "Country" header row, no year columns, values without a country, a name missing from
            the alias file, non-numeric text that is not a SIPRI marker, or a country listed twice.
    """
    body = with_header(table, header_row(table, COUNTRY_HEADER, origin, first_column_only=True))
    years = years_from_columns(body.columns)
    if not years:
        raise ParseError(f"{origin}: the header row has no year columns (1988, 1989, ...)")
    rows = _country_rows(body, years, origin)
    unmapped = sorted(set(rows[COUNTRY_HEADER]) - set(aliases))
    if unmapped:
        raise ParseError(f"{origin}: countries {unmapped} are not in {ALIAS_FILE}; add each name with its ISO3 code")
    rows["iso3"] = rows[COUNTRY_HEADER].map(aliases)
    require_unique(rows, ["iso3"], origin)
    reporting = rows[REPORTING_YEAR] if REPORTING_YEAR in rows.columns else pd.Series(pd.NA, index=rows.index)
    rows["note"] = [_reporting_note(indicator, c, r) for c, r in zip(rows[COUNTRY_HEADER], reporting, strict=True)]
    # Year after year, each with every country in sheet order, built at once (a frame per year costs more).
    cells = rows[years].to_numpy(dtype=object).ravel(order="F")
    try:
        numbers = cells_to_numbers(pd.Series(cells, dtype=object), origin, MISSING_MARKERS)
    except ParseError:
        for year in years:  # convert year by year only on failure, so the error names the column and row
            cells_to_numbers(rows[year], f"{origin} column {year}", MISSING_MARKERS)
        raise
    values = pd.DataFrame(
        {
            "iso3": np.tile(rows["iso3"].to_numpy(dtype=object), len(years)),
            "country": np.tile(rows[COUNTRY_HEADER].to_numpy(dtype=object), len(years)),
            "note": np.tile(rows["note"].to_numpy(dtype=object), len(years)),
            "year": np.repeat(np.array([int(year) for year in years], dtype="int64"), len(rows)),
            "value": numbers.to_numpy(),
        }
    )
    return concat_tidy(
        [tidy_rows(group, indicator, file=file, note=note) for note, group in values.groupby("note", sort=False)],
        origin,
    )


def parse(folder: Path, catalogue: dict[str, Indicator], alias_file: Path = ALIAS_FILE) -> pd.DataFrame:
    """Every sheet the catalogue names for SIPRI, as one tidy table (shares scaled to % by the catalogue).

    Raises:
        ParseError: naming the file, the sheet and (where it applies) the row or name at fault.
    """
    path = single_file(folder, DATA_FILES)
    by_sheet = indicators_by_code(catalogue, SOURCE)
    sheets = read_workbook_sheets(path, by_sheet)
    aliases = read_aliases(alias_file, "publisher_name")
    file = snapshot_relative(path, folder)
    frames = [
        parse_sheet(table, by_sheet[name], aliases, origin=f"{path} sheet {name!r}", file=file)
        for name, table in sheets.items()
    ]
    return concat_tidy(frames, str(path))
