"""Parser for Transparency International's CPI workbook (data/snapshots/cpi/CPI*_GlobalResultsTrends.xlsx).

The sheet "CPI Historical (internal)" is long: a few title lines, a header row (found by its "ISO3" cell),
then one row per country and year with the score, the rank and the underlying sources. Each catalogue
indicator of source `cpi` names its column in `code`. A rank only means something next to the number of
countries ranked, which changes by year, so each rank row's note says how many were scored that year.
The file is CC BY-ND 4.0: this parser only reads it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from src.ingest.parsers._common import (
    cells_to_numbers,
    coded_rows,
    concat_tidy,
    header_row,
    indicators_by_code,
    read_workbook_sheets,
    require_columns,
    single_file,
    snapshot_relative,
    tidy_rows,
    with_header,
)
from src.study.catalogue import Indicator

SOURCE = "cpi"
DATA_FILES = "CPI*_GlobalResultsTrends.xlsx"
SHEET = "CPI Historical (internal)"
ISO3, COUNTRY, YEAR, SCORE, RANK = "ISO3", "Country / Territory", "Year", "CPI score", "Rank"


def _rank_note(year: int, scored: int) -> str:
    return f"Rank among the {scored} countries and territories scored in {year}."


def parse(folder: Path, catalogue: dict[str, Indicator]) -> pd.DataFrame:
    """The CPI score and rank (and any other column the catalogue names) for every country and year.

    Raises:
        ParseError: missing sheet or header row, missing columns, a bad ISO3 code or year, a non-numeric
            value, or a country listed twice for one year.
    """
    path = single_file(folder, DATA_FILES)
    origin = f"{path} sheet {SHEET!r}"
    table = read_workbook_sheets(path, [SHEET])[SHEET]
    body = with_header(table, header_row(table, ISO3, origin))
    by_column = indicators_by_code(catalogue, SOURCE)
    require_columns(body, [COUNTRY, ISO3, YEAR, SCORE, *by_column], origin)
    rows = coded_rows(body, iso3=ISO3, country=COUNTRY, year=YEAR, origin=origin)
    body = body.loc[rows.index]
    scored_per_year = cells_to_numbers(body[SCORE], f"{origin} column {SCORE!r}").notna().groupby(rows["year"]).sum()
    file = snapshot_relative(path, folder)
    frames = []
    for column, indicator in by_column.items():
        values = rows.assign(value=cells_to_numbers(body[column], f"{origin} column {column!r}"))
        if column != RANK:
            frames.append(tidy_rows(values, indicator, file=file))
            continue
        for year, group in values.groupby("year", sort=True):
            note = _rank_note(int(year), int(scored_per_year[year]))
            frames.append(tidy_rows(group, indicator, file=file, note=note))
    return concat_tidy(frames, origin)
