"""The dashboard's pages and their menu groups, declared once: app.py shows them, and a page reached without
app.py (the first deep link a fresh server gets) registers them through src.app.boot before it reruns."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]

# Menu group -> (page file, title, Material icon); the first page is the default. Each page keeps its default URL
# path (the file name), so shared links such as /claims?claim=C2.3 stay valid.
MENU: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Study": (
        ("pages/overview.py", "Overview", ":material/home:"),
        ("pages/claims.py", "Claims", ":material/fact_check:"),
        ("pages/themes.py", "Themes", ":material/account_tree:"),
    ),
    "Evidence": (
        ("pages/guns_vs_butter.py", "Guns vs butter", ":material/balance:"),
        ("pages/hdi.py", "Human Development Index", ":material/trending_up:"),
        ("pages/explorer.py", "Explorer", ":material/query_stats:"),
    ),
    "Present": (("pages/presentation.py", "Seminar mode", ":material/slideshow:"),),
    "Your data": (("pages/interviews.py", "Interviews", ":material/upload_file:"),),
    "About": (("pages/sources.py", "Sources", ":material/menu_book:"),),
}


def pages() -> dict[str, list]:
    """The menu as st.Page objects for st.navigation (absolute paths, so it works whichever script runs)."""
    first = next(iter(MENU.values()))[0][0]
    return {
        group: [
            st.Page(ROOT / path, title=title, icon=icon, default=path == first)
            for path, title, icon in entries
        ]
        for group, entries in MENU.items()
    }
