"""The one tidy table every parser returns and the store holds.

One row is one published (or clearly labelled computed) number: a country, a year, an indicator.
"""

from __future__ import annotations

import pandas as pd
from pandas.api.types import pandas_dtype

# Column -> meaning. Parsers return exactly these columns, in this order.
TIDY_COLUMNS = {
    "iso3": "ISO 3166 alpha-3 code, or the publisher's aggregate code (WLD, SAS, LMC, ZZI.SA...)",
    "country": "Country or aggregate name as the publisher spells it",
    "year": "Year the value refers to (int); SIPRI government-share years are fiscal years, see note",
    "indicator": "Our indicator id (data/catalogue/indicators/*.yaml)",
    "value": "The number, in `unit` (float); rows with no value are dropped, never filled",
    "unit": "Unit as shown to users, e.g. '% of GDP'",
    "source": "Source id (data/catalogue/sources.yaml)",
    "code": "The publisher's own code for the series (e.g. MS.MIL.XPND.GD.ZS, hdi, 'Share of GDP')",
    "file": "Path of the raw file under data/snapshots/ the value was read from",
    "note": "Anything a chart must say to be honest about this value ('' when nothing)",
    "computed": "True when we computed the value (e.g. a yearly HDI rank) rather than read it",
}
TIDY_DTYPES = {
    "iso3": "string",
    "country": "string",
    "year": "int64",
    "indicator": "string",
    "value": "float64",
    "unit": "string",
    "source": "string",
    "code": "string",
    "file": "string",
    "note": "string",
    "computed": "bool",
}

# The same dtypes as objects: "string" also equals other string storages when compared as text.
TIDY_PANDAS_DTYPES = {column: pandas_dtype(dtype) for column, dtype in TIDY_DTYPES.items()}
_TIDY_DTYPE_LIST = list(TIDY_PANDAS_DTYPES.values())


def has_tidy_layout(frame: pd.DataFrame) -> bool:
    """Exactly the tidy columns, in order, each in its tidy dtype: `check_tidy` would only copy such a frame (a
    parser that builds its rows so skips it, unless they hold an empty value)."""
    return list(frame.columns) == list(TIDY_COLUMNS) and list(frame.dtypes) == _TIDY_DTYPE_LIST


class ParseError(ValueError):
    """A raw file does not have the shape its parser expects. The message names the file and what is wrong."""


def empty_tidy() -> pd.DataFrame:
    return pd.DataFrame({col: pd.Series(dtype=dtype) for col, dtype in TIDY_DTYPES.items()})


def check_tidy(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Return `frame` with exactly the tidy columns and dtypes, or raise ParseError naming `origin`."""
    missing = [c for c in TIDY_COLUMNS if c not in frame.columns]
    if missing:
        raise ParseError(f"{origin}: parser output lacks columns {missing}")
    frame = frame[list(TIDY_COLUMNS)]
    # Convert only the columns not already in their tidy dtype: parsers check every frame they build, and a
    # no-op astype of ~600,000 rows costs time for nothing.
    wrong = {column: dtype for column, dtype in TIDY_PANDAS_DTYPES.items() if frame[column].dtype != dtype}
    if wrong:
        frame = frame.astype(wrong)
    if frame["value"].isna().any():
        raise ParseError(f"{origin}: parser output has empty values; drop them, do not fill them")
    return frame.reset_index(drop=True)
