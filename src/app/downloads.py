"""Download buttons for a view: its CSV (with source columns) and a zip with README, metadata JSON and BibTeX.

Why this module: every page offers the same two downloads side by side, built only when clicked. Charts download
as PNG from their own toolbar (the camera icon; src.app.show.PLOTLY_CONFIG sets a 2x scale), which works offline.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from src.app import data, show
from src.views.downloads import bundle_zip


def download_buttons(rows: pd.DataFrame, stem: str, *, title: str, filters: Mapping[str, object] | None = None,
                     key: str | None = None) -> None:
    """A CSV button and a zip button (CSV + README + metadata.json + sources.bib) for the rows shown.

    Args:
        rows: the tidy rows the view draws.
        stem: file name without extension, e.g. "hdi_PAK_1990-2022".
        title: what the view shows, the README's heading.
        filters: the view's settings, written into the README and metadata.
    """
    settings = {str(k): str(v) for k, v in (filters or {}).items()}
    left, right = st.columns(2)
    with left:
        show.download_csv(rows, f"{stem}.csv", key=f"{key or stem}-csv")
    right.download_button(
        "Download with sources (zip)",
        data=lambda: bundle_zip(rows, title=title, sources=data.get_sources(), indicators=data.get_indicators(),
                                filters=settings),
        file_name=f"{stem}.zip",
        mime="application/zip",
        key=f"{key or stem}-zip",
        icon=":material/folder_zip:",
        on_click="ignore",
        help="The CSV with a README, a metadata JSON naming each original producer, licence and citation, and BibTeX.",
    )
    st.caption("Charts download as PNG from their toolbar (the camera icon at the top right of each chart).")
