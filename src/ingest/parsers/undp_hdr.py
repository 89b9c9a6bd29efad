"""Parser for UNDP's Human Development Report composite indices time series (data/snapshots/undp_hdr/).

The CSV (UTF-8 with a byte-order mark) is wide: one row per country or UNDP aggregate (ZZA.VHHD ... ZZK.WORLD,
kept with their codes), one column per series and year named `<prefix>_<year>` (hdi_1990, le_f_2022, ...).
Each prefix is one catalogue indicator (`code` = prefix). The official rank `hdi_rank_2022` exists for the
latest year only, so this parser also ranks countries by HDI value for every year, labelled as computed.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from src.ingest.parsers._common import (
    concat_tidy,
    indicators_by_code,
    non_numeric_cells,
    read_csv,
    require_unique,
    single_file,
    snapshot_relative,
    tidy_blocks,
    tidy_rows,
    to_numbers,
)
from src.schema import ParseError
from src.study.catalogue import Indicator

SOURCE = "undp_hdr"
DATA_FILES = "HDR*_Composite_indices_complete_time_series.csv"
ID_COLUMNS = ("iso3", "country", "hdicode", "region")
SERIES_COLUMN = re.compile(r"(?P<prefix>[a-z][a-z0-9_]*?)_(?P<year>\d{4})")
# Empty cells mean no data; the 2023/24 file also has one literal "NaN" (Rwanda, diff_hdi_phdi_1994).
MISSING_MARKERS = ("", "NaN")
HDI_PREFIX = "hdi"
COMPUTED_RANK_ID = "undp_hdi_rank_computed"
# Countries have ISO3 codes; UNDP's aggregates have dotted codes like ZZI.SA and are never ranked.
COUNTRY_CODE = r"[A-Z]{3}"


def _series_columns(columns: list[str], path: Path) -> dict[str, list[tuple[str, int]]]:
    """prefix -> [(column, year)] for every `<prefix>_<year>` column; any other unknown column is an error."""
    series: dict[str, list[tuple[str, int]]] = {}
    unknown = []
    for column in columns:
        if column in ID_COLUMNS:
            continue
        match = SERIES_COLUMN.fullmatch(column)
        if match is None:
            unknown.append(column)
            continue
        series.setdefault(match["prefix"], []).append((column, int(match["year"])))
    if unknown:
        raise ParseError(f"{path}: columns {unknown[:10]} are neither {list(ID_COLUMNS)} nor <series>_<year>")
    if HDI_PREFIX not in series:
        raise ParseError(f"{path}: no hdi_<year> columns; is this the composite indices time series?")
    return series


def _long_values(table: pd.DataFrame, series: dict[str, list[tuple[str, int]]], path: Path) -> pd.DataFrame:
    """All series columns as long rows (iso3, country, prefix, year, value), empty cells as NaN.

    Column after column, each with every row of the file in its order: what `melt` gives, built with numpy
    (melt walks the ~220,000 text cells one by one).
    """
    where = [(column, prefix, year) for prefix, columns in series.items() for column, year in columns]
    cells = pd.Series(table[[column for column, _, _ in where]].to_numpy(dtype=object).ravel(order="F"), dtype=object)
    try:
        values = to_numbers(cells, path, "<series>_<year> columns", MISSING_MARKERS)
    except ParseError:
        # Convert column by column only on failure, so the error names the column: from the first column holding
        # a bad cell (cell i is in column i // rows), as the earlier ones convert cleanly.
        bad_cells = np.flatnonzero(non_numeric_cells(cells, MISSING_MARKERS))
        first = int(bad_cells[0]) // len(table) if len(bad_cells) else 0
        for column, _, _ in where[first:]:
            to_numbers(table[column], path, column, MISSING_MARKERS)
        raise
    count = len(table)
    # Each code and name made text once, then repeated per column by position (not 220,000 cells converted).
    every_column = np.tile(np.arange(count), len(where))

    def repeated(column: str) -> pd.api.extensions.ExtensionArray:
        return pd.array(table[column].to_numpy(dtype=object), dtype="string").take(every_column)

    return pd.DataFrame(
        {
            "iso3": repeated("iso3"),
            "country": repeated("country"),
            "prefix": np.repeat([prefix for _, prefix, _ in where], count),
            "year": np.repeat(np.array([year for _, _, year in where], dtype="int64"), count),
            "value": values.to_numpy(),
        }
    )


def computed_hdi_rank(hdi: pd.DataFrame, indicator: Indicator, file: str) -> pd.DataFrame:
    """Rank countries (not aggregates) by HDI within each year: 1 = highest, ties share the best rank.

    `hdi` has columns iso3, country, year, value (HDI values). Each year's note names how many countries
    were ranked, so a rank is never read without its field size.
    """
    is_country = hdi["iso3"].astype("string").str.fullmatch(COUNTRY_CODE).fillna(False).astype(bool)
    # Years ascending, each year's rows in file order, as one frame: a tidy frame per year costs more.
    countries = hdi[is_country & hdi["value"].notna()].sort_values("year", kind="stable")
    ranked = countries[["iso3", "country", "year"]].copy()
    ranked["value"] = countries.groupby("year")["value"].rank(ascending=False, method="min")
    notes = {
        year: (
            f"Computed by this dashboard, not an official UNDP rank: computed from HDI values among "
            f"{size} countries with data in {year} (1 = highest; equal values share the best rank)."
        )
        for year, size in countries.groupby("year")["value"].size().items()
    }
    return tidy_rows(ranked, indicator, file=file, note=ranked["year"].map(notes), computed=True)


def parse(folder: Path, catalogue: dict[str, Indicator]) -> pd.DataFrame:
    """Every series in the HDR time-series CSV as tidy rows, plus the computed yearly HDI rank.

    Raises:
        ParseError: missing id columns, unexpected columns, non-numeric cells, repeated country codes, or a
            series prefix the catalogue (data/catalogue/indicators/undp_hdr.yaml) does not declare.
    """
    path = single_file(folder, DATA_FILES)
    table = read_csv(path, expected_columns=ID_COLUMNS, encoding="utf-8-sig", as_objects=True)
    table["iso3"] = table["iso3"].str.strip()
    table["country"] = table["country"].str.strip()
    require_unique(table, ["iso3"], str(path))
    series = _series_columns(list(table.columns), path)
    by_code = indicators_by_code(catalogue, SOURCE)
    undeclared = sorted(set(series) - set(by_code))
    if undeclared:
        raise ParseError(
            f"{path}: series {undeclared} are not declared for source {SOURCE!r} in "
            "data/catalogue/indicators/undp_hdr.yaml (code = the column prefix); declare them"
        )
    if COMPUTED_RANK_ID not in catalogue:
        raise ParseError(f"{path}: the catalogue lacks {COMPUTED_RANK_ID!r}, which this parser computes")
    file = snapshot_relative(path, folder)
    long = _long_values(table, series, path)
    # Each series' rows are one block of `long`; the computed rank's rows follow the HDI block's.
    blocks = [(by_code[prefix], len(columns) * len(table)) for prefix, columns in series.items()]
    hdi = list(series).index(HDI_PREFIX)
    hdi_end = sum(rows for _, rows in blocks[: hdi + 1])
    hdi_rows = long.iloc[hdi_end - blocks[hdi][1] : hdi_end]
    frames = [
        *tidy_blocks(long.iloc[:hdi_end], blocks[: hdi + 1], file=file),
        computed_hdi_rank(hdi_rows, catalogue[COMPUTED_RANK_ID], file),
        *tidy_blocks(long.iloc[hdi_end:], blocks[hdi + 1 :], file=file),
    ]
    return concat_tidy(frames, str(path))
