"""Parser for the World Bank WDI per-indicator bulk CSVs (data/snapshots/wdi/API_<code>_DS2_*/).

Each data file has four preamble lines, then a wide table: Country Name, Country Code, Indicator Name,
Indicator Code, one column per year. Empty cells mean no data. The file holds countries and the World Bank's
published aggregates (SAS, LMC, WLD...), all kept with their codes. The Metadata_* files beside it are read by
src/ingest/countries.py, not here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from src.ingest.parsers._common import (
    concat_tidy,
    find_files,
    indicators_by_code,
    read_csv,
    snapshot_relative,
    tidy_rows,
    to_numbers,
    years_from_columns,
)
from src.schema import ParseError
from src.study.catalogue import Indicator

SOURCE = "wdi"
PREAMBLE_LINES = 4
ID_COLUMNS = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")
MISSING_MARKERS = ("",)


def parse_file(path: Path, folder: Path, catalogue: dict[str, Indicator], source: str = SOURCE) -> pd.DataFrame:
    """Turn one WDI bulk data CSV into tidy rows of the catalogue indicator whose `code` it holds.

    Raises:
        ParseError: wrong layout, no year columns, several or undeclared indicator codes, or non-numeric cells.
    """
    table = read_csv(path, expected_columns=ID_COLUMNS, skiprows=PREAMBLE_LINES)
    years = years_from_columns(table.columns)
    if not years:
        raise ParseError(f"{path}: no year columns (1960, 1961, ...) after the {PREAMBLE_LINES} preamble lines")
    codes = sorted(set(table["Indicator Code"].str.strip()))
    if len(codes) != 1:
        raise ParseError(f"{path}: expected one indicator code per file, found {codes}")
    by_code = indicators_by_code(catalogue, source)
    if codes[0] not in by_code:
        raise ParseError(
            f"{path}: indicator code {codes[0]!r} is not declared for source {source!r} in "
            "data/catalogue/indicators/*.yaml; declare it so the store holds it"
        )
    # Year after year, each with every row of the file in its order: what `melt` gives, built with numpy (melt
    # takes several times as long on text columns).
    cells = table[years].to_numpy(dtype=object).ravel(order="F")
    long = pd.DataFrame(
        {
            "iso3": np.tile(table["Country Code"].to_numpy(dtype=object), len(years)),
            "country": np.tile(table["Country Name"].to_numpy(dtype=object), len(years)),
            "year": np.repeat(np.array(years, dtype=object), len(table)),
            "value": to_numbers(pd.Series(cells, dtype=object), path, "year columns", MISSING_MARKERS).to_numpy(),
        }
    )
    return tidy_rows(long, by_code[codes[0]], file=snapshot_relative(path, folder))


def parse(folder: Path, catalogue: dict[str, Indicator]) -> pd.DataFrame:
    """Every API_*.csv data file in the WDI folder, as one tidy table."""
    files = find_files(folder, "API_*.csv")
    return concat_tidy([parse_file(p, folder, catalogue) for p in files], str(folder))
