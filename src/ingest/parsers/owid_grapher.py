"""Parser for Our World in Data grapher CSV exports (data/snapshots/owid/<slug>.csv).

Each file is long: Entity, Code, Year and one value column. The catalogue `code` of an OWID indicator is the
grapher slug (the file name without .csv). Rows with a code are kept, including OWID's published aggregates
(OWID_WRL = World); OWID's own regions without a code (e.g. "South Asia (WB)") are left out, since they
cannot be matched to a country or to a published aggregate code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from src.ingest.parsers._common import (
    concat_tidy,
    find_files,
    indicators_by_code,
    read_csv,
    snapshot_relative,
    tidy_rows,
    to_numbers,
)
from src.schema import ParseError
from src.study.catalogue import Indicator

SOURCE = "owid"
ID_COLUMNS = ("Entity", "Code", "Year")
MISSING_MARKERS = ("",)


def parse_file(path: Path, folder: Path, indicator: Indicator) -> pd.DataFrame:
    """One grapher CSV as tidy rows of `indicator`.

    Raises:
        ParseError: the header is not Entity, Code, Year plus exactly one value column, or cells are not numbers.
    """
    table = read_csv(path, expected_columns=ID_COLUMNS)
    value_columns = [c for c in table.columns if c not in ID_COLUMNS]
    if len(value_columns) != 1:
        raise ParseError(f"{path}: expected exactly one value column after {list(ID_COLUMNS)}, found {value_columns}")
    table = table[table["Code"].str.strip() != ""]
    values = pd.DataFrame(
        {
            "iso3": table["Code"].str.strip(),
            "country": table["Entity"].str.strip(),
            "year": to_numbers(table["Year"], path, "Year", ()),
            "value": to_numbers(table[value_columns[0]], path, value_columns[0], MISSING_MARKERS),
        }
    )
    return tidy_rows(values, indicator, file=snapshot_relative(path, folder))


def parse(folder: Path, catalogue: dict[str, Indicator]) -> pd.DataFrame:
    """Every grapher CSV in the folder, each matched to the catalogue indicator whose code is its slug.

    Raises:
        ParseError: a file whose slug the catalogue does not declare, or a declared slug with no file.
    """
    by_code = indicators_by_code(catalogue, SOURCE)
    files = find_files(folder, "*.csv")
    undeclared = [p.name for p in files if p.stem not in by_code]
    if undeclared:
        raise ParseError(f"{folder}: files {undeclared} are not declared (code = file name without .csv) in owid.yaml")
    missing = sorted(set(by_code) - {p.stem for p in files})
    if missing:
        raise ParseError(f"{folder}: no file for declared OWID series {missing}")
    return concat_tidy([parse_file(p, folder, by_code[p.stem]) for p in files], str(folder))
