"""Excerpts from the reader's own imported interviews (the Interviews page) beside the claims they speak to."""

from __future__ import annotations

import pandas as pd
import streamlit as st


def imported_excerpts(theme_id: str, indicator_ids) -> pd.DataFrame | None:
    """Excerpts mapped to this theme or these indicators; None when nothing was imported this session.

    Render them as data (st.dataframe), never as markdown or HTML: they are the reader's uploaded text.
    """
    from src.qual.session import SESSION_KEY

    session = st.session_state.get(SESSION_KEY)
    if session is None:
        return None
    return session.excerpts_for_claim(theme_id, indicator_ids)
