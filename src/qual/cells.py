"""Cell text in and out: imported cells cleaned without un-guarding formulas, downloaded cells neutralised.

Why: imported coding comes from strangers' files and goes back out as CSV that people open in a spreadsheet. A cell
that starts with `=`, `+`, `-`, `@`, a tab or a carriage return runs as a formula there (OWASP "CSV injection"), so
every download prefixes such a cell with `'`. On the way in, trimming must not strip a leading tab or carriage
return off a formula (`"\\r=HYPERLINK(...)"`) and so hand the next exporter a bare `=HYPERLINK(...)`.
"""

from __future__ import annotations

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def clean_text(value: object) -> str:
    """Trim a cell, except that whitespace in front of a formula trigger is kept as written."""
    text = "" if value is None else str(value)
    stripped = text.strip()
    if stripped.startswith(FORMULA_TRIGGERS[:4]) and text[: len(text) - len(text.lstrip())]:
        return text.rstrip()
    return stripped


def neutralise_cell(value: object) -> object:
    """`'` in front of a text cell a spreadsheet would run as a formula; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return GUARD + value
    return value


def unguard_cell(value: str) -> str:
    """Undo `neutralise_cell` (for our own downloads uploaded again, e.g. the mapping CSV)."""
    if value.startswith(GUARD) and value[1:2] and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and column name neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(neutralise_cell, na_action="ignore")
    safe.columns = [neutralise_cell(str(c)) for c in safe.columns]
    return safe


def safe_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV (no index) with formula cells neutralised: the only way imported data is downloaded.

    Lines end in CRLF (RFC 4180) so that a cell holding a lone carriage return is quoted, not split.
    """
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")
