"""Parser for the Worldwide Governance Indicators CSV (data/snapshots/wgi/wgidataset.csv).

The CSV is long: one row per country, year and dimension (va, pv, ge, rq, rl, cc), with the estimate, its
standard error, the number of sources and the percentile rank with its 90% interval. '..' means no data.
WGI keeps some old country codes (ROM, ZAR, TMP, ...): they are mapped to ISO3 by the declared alias file
data/catalogue/aliases/wgi.csv. Publisher codes follow the World Bank API (VA.EST, VA.PER.RNK, ...), so the
refresh command's API series land on the same catalogue ids.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from src.ingest.parsers._common import (
    ALIASES_DIR,
    concat_tidy,
    find_files,
    indicators_by_code,
    read_aliases,
    read_csv,
    snapshot_relative,
    tidy_blocks,
    to_numbers,
)
from src.schema import ParseError
from src.study.catalogue import Indicator

SOURCE = "wgi"
DATA_FILE = "wgidataset.csv"
ALIAS_FILE = ALIASES_DIR / "wgi.csv"
ID_COLUMNS = ("code", "countryname", "year", "indicator")
# WGI CSV column -> suffix of the World Bank API code (dimension prefix upper-cased: VA.EST, VA.PER.RNK...).
MEASURE_SUFFIX = {
    "estimate": "EST",
    "stddev": "STD.ERR",
    "nsource": "NO.SRC",
    "pctrank": "PER.RNK",
    "pctranklower": "PER.RNK.LOWER",
    "pctrankupper": "PER.RNK.UPPER",
}
MISSING_MARKERS = ("..", "")


def parse(folder: Path, catalogue: dict[str, Indicator], alias_file: Path = ALIAS_FILE) -> pd.DataFrame:
    """The WGI CSV as tidy rows, one catalogue indicator per dimension and measure.

    Raises:
        ParseError: missing columns, unknown dimensions, non-numeric cells, bad country codes, or a
            dimension/measure pair the catalogue does not declare.
    """
    path = find_files(folder, DATA_FILE)[0]
    table = read_csv(path, expected_columns=ID_COLUMNS + tuple(MEASURE_SUFFIX))
    aliases = read_aliases(alias_file, "publisher_code")
    table["iso3"] = table["code"].str.strip().replace(aliases)
    bad_codes = sorted(set(table.loc[~table["iso3"].str.fullmatch(r"[A-Z]{3}"), "iso3"]))
    if bad_codes:
        raise ParseError(f"{path}: country codes {bad_codes[:10]} are not three capital letters; add them to {alias_file}")
    table["country"] = table["countryname"].str.strip()
    table["year"] = to_numbers(table["year"], path, "year", ())
    table["dimension"] = table["indicator"].str.strip().str.upper()
    by_code = indicators_by_code(catalogue, SOURCE)
    file = snapshot_relative(path, folder)
    # Each dimension's rows (in file order, dimensions sorted, as groupby gives them) once per measure: one long
    # frame made tidy at once (tidy_blocks), not 36 frames each paying tidy_rows' fixed cost.
    dimensions, names = pd.factorize(table["dimension"], sort=True)
    positions, values, blocks = [], [], []
    for number, dimension in enumerate(names):
        rows = np.flatnonzero(dimensions == number)
        for column, suffix in MEASURE_SUFFIX.items():
            code = f"{dimension}.{suffix}"
            if code not in by_code:
                raise ParseError(
                    f"{path}: series {code} (dimension {dimension.lower()!r}, column {column!r}) is not declared "
                    f"for source {SOURCE!r} in data/catalogue/indicators/wgi.yaml"
                )
            values.append(to_numbers(table[column].take(rows), path, column, MISSING_MARKERS).to_numpy())
            positions.append(rows)
            blocks.append((by_code[code], len(rows)))
    at = np.concatenate(positions) if positions else np.array([], dtype=np.intp)
    long = pd.DataFrame({
        "iso3": table["iso3"].to_numpy(dtype=object)[at],
        "country": table["country"].to_numpy(dtype=object)[at],
        "year": table["year"].to_numpy()[at],
        "value": np.concatenate(values) if values else np.array([], dtype="float64"),
    })
    return concat_tidy(tidy_blocks(long, blocks, file=file), str(path))
