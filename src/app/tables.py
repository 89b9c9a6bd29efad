"""Tables that fit the page: declared text wraps in an HTML table; long numeric tables scroll down, never sideways.

Why this module: Streamlit's data grid sizes each column to its longest text and then scrolls sideways, which cut
every wide table at the right on a laptop (1024 px leaves the main column ~530 px). Text tables therefore go
through st.table, which wraps; grids get pixel widths that add up to less than the column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import pyarrow as pa
import streamlit as st

from src.app import data

# st.table renders Markdown: declared text such as `wdi_mil_gdp` must show as typed, not in italics.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$])")
NO_VALUE = "no value"
# Pixels a grid column gets: narrow for codes and years, wide for names. Sums stay under ~520 px for 4-5 columns.
WIDTHS = {"small": 70, "medium": 120, "large": 200}


def plain(value) -> str:
    """A cell as literal text: missing values say so, floats keep the precision that matters, Markdown escaped."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return NO_VALUE
    if isinstance(value, float):
        value = f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return _MARKDOWN.sub(r"\\\1", str(value))


_LONG_TOKEN = re.compile(r"\S{16,}")
BREAK = "\u200b"  # zero-width space: where a long code may wrap


def breakable(text: str) -> str:
    """Long unbroken tokens (ids, publisher codes, file names) get wrap points after their separators, so a
    narrow column wraps them instead of pushing the table past the page."""
    return _LONG_TOKEN.sub(lambda m: re.sub(r"([_./-])", r"\1" + BREAK, m.group(0)), text)


def text_frame(rows: pd.DataFrame | Sequence[Mapping], *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Declared text as the literal, wrapping table text_table shows (first column as the row heading); empty when
    there is nothing to show."""
    frame = pd.DataFrame(rows)
    if columns is not None:
        frame = frame[list(columns)]
    if frame.empty:
        return frame
    shown = frame.map(lambda value: plain(breakable(value) if isinstance(value, str) else value))
    shown.columns = [plain(c) for c in shown.columns]
    shown = shown.set_index(shown.columns[0])
    shown.index.name = None
    return shown


def text_table(rows: pd.DataFrame | Sequence[Mapping] | Callable[[], pd.DataFrame | Sequence[Mapping]], *,
               columns: Sequence[str] | None = None, cache_key=None, container=None) -> None:
    """Show declared text (sources, codes, indicators) as a wrapping table; the first column heads each row.

    With `cache_key` (every input of `rows` besides the data version; `rows` may then be a function making them),
    the table is prepared once and shared by every rerun and session: escaping each cell and converting the frame
    to Arrow cost ~5-10 ms a table on every rerun otherwise. It is held as the Arrow table st.table would make from
    the frame (pandas index metadata included), so what is sent is the same.
    """
    if cache_key is None:
        shown = text_frame(rows() if callable(rows) else rows, columns=columns)
    else:
        shown = data.cached_build("text-table", (cache_key, tuple(columns or ())), lambda: _as_arrow(
            text_frame(rows() if callable(rows) else rows, columns=columns)))
    if shown is None or (isinstance(shown, pd.DataFrame) and shown.empty):
        (container or st).caption("Nothing to show.")
        return
    # The first column is the index (each row's heading), so it shows; saying so spares st.table converting an
    # Arrow table back to pandas only to find that out.
    (container or st).table(shown, hide_index=False)


def _as_arrow(frame: pd.DataFrame):
    return None if frame.empty else pa.Table.from_pandas(frame)


def grid(frame: pd.DataFrame, *, widths: Mapping[str, str | int] | None = None, labels: Mapping[str, str] | None = None,
         formats: Mapping[str, str] | None = None, height: int | None = None, container=None) -> None:
    """A scrolling grid of many rows (numbers, uploaded text) whose columns fit the page width.

    Args:
        widths: column -> "small" | "medium" | "large" | pixels; unlisted columns are "medium".
        labels: column -> header shown.
        formats: column -> printf format for number columns (e.g. "%.3f").
    """
    widths, labels, formats = dict(widths or {}), dict(labels or {}), dict(formats or {})
    config = {}
    for column in frame.columns:
        width = widths.get(column, "medium")
        pixels = WIDTHS.get(width, width) if isinstance(width, str) else int(width)
        label = labels.get(column, str(column))
        if column in formats:
            config[column] = st.column_config.NumberColumn(label, width=pixels, format=formats[column])
        else:
            config[column] = st.column_config.Column(label, width=pixels)
    kwargs = {"height": height} if height else {}
    # A year without a published value reads "no data" (Streamlit would print "None"); nothing is filled in.
    (container or st).dataframe(frame, hide_index=True, width="stretch", column_config=config, placeholder="no data",
                                **kwargs)
