"""Parser for the IMF World Revenue Longitudinal Data workbook (data/snapshots/imf_world/world-imf*.xlsx).

The sheet "Summary" lists and defines the published variables; the sheet "Data" is long, one row per
country and year, with one column per variable plus the IMF's own consistency checks (check_*) and
country classifications (income group, region, small island...). This parser reads every numeric variable
the Summary defines; the checks and classifications are not data series and are skipped. Each variable
must be declared in data/catalogue/indicators/imf_world.yaml (`code` = variable name), so a new variable in
a later release is named rather than silently dropped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
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
    tidy_blocks,
    with_header,
)
from src.schema import ParseError
from src.study.catalogue import Indicator

SOURCE = "imf_world"
DATA_FILES = "world-imf*.xlsx"
SUMMARY_SHEET, DATA_SHEET = "Summary", "Data"
VARIABLE, ISO3, YEAR, COUNTRY = "Variable", "ISO3", "year", "property_ShortForm_en_displayNam"
# Summary variables that are labels, not numbers.
NOT_NUMERIC = {"SalGType": "'VAT' when the country has a VAT, empty otherwise"}


def summary_variables(summary: pd.DataFrame, origin: str) -> list[str]:
    """The variable names listed under the Summary sheet's "Variable" header, in order."""
    listed = with_header(summary, header_row(summary, VARIABLE, origin))[VARIABLE]
    names = [str(cell).strip() for cell in listed if not pd.isna(cell) and str(cell).strip()]
    if not names:
        raise ParseError(f"{origin}: no variables listed under {VARIABLE!r}")
    return names


def parse(folder: Path, catalogue: dict[str, Indicator]) -> pd.DataFrame:
    """Every numeric WoRLD variable as tidy rows (all % of GDP except GDP_LCU).

    Raises:
        ParseError: missing sheets, header rows or columns; a Summary variable the catalogue does not
            declare; a bad ISO3 code or year; non-numeric values; a country repeated for one year.
    """
    path = single_file(folder, DATA_FILES)
    sheets = read_workbook_sheets(path, [SUMMARY_SHEET, DATA_SHEET])
    listed = summary_variables(sheets[SUMMARY_SHEET], f"{path} sheet {SUMMARY_SHEET!r}")
    variables = [v for v in listed if v not in NOT_NUMERIC]
    by_code = indicators_by_code(catalogue, SOURCE)
    undeclared = [v for v in variables if v not in by_code]
    if undeclared:
        raise ParseError(
            f"{path}: variables {undeclared} are defined in sheet {SUMMARY_SHEET!r} but not declared for source "
            f"{SOURCE!r} in data/catalogue/indicators/imf_world.yaml; declare them"
        )
    origin = f"{path} sheet {DATA_SHEET!r}"
    data = sheets[DATA_SHEET]
    body = with_header(data, header_row(data, ISO3, origin))
    require_columns(body, [COUNTRY, YEAR, ISO3, *by_code], origin)
    rows = coded_rows(body, iso3=ISO3, country=COUNTRY, year=YEAR, origin=origin)
    body = body.loc[rows.index]
    file = snapshot_relative(path, folder)
    # Every variable's column over the same rows, made tidy in one long frame (tidy_blocks): the same rows as a
    # tidy_rows frame per variable, without its fixed cost 22 times.
    values = [cells_to_numbers(body[code], f"{origin} column {code!r}").to_numpy() for code in by_code]
    repeats = len(values)
    long = pd.DataFrame({
        "iso3": np.tile(rows["iso3"].to_numpy(dtype=object), repeats),
        "country": np.tile(rows["country"].to_numpy(dtype=object), repeats),
        "year": np.tile(rows["year"].to_numpy(), repeats),
        "value": np.concatenate(values) if values else np.array([], dtype="float64"),
    })
    blocks = [(indicator, len(rows)) for indicator in by_code.values()]
    return concat_tidy(tidy_blocks(long, blocks, file=file), origin)
