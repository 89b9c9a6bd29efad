"""What every run does first: read the data keys once, make sure app.py lays the page out, show start banners.

Why this module: with a `pages/` folder beside app.py, Streamlit runs a fresh server's first deep link
(`/explorer?...`) in its old multipage mode, the page alone without app.py's page config and grouped menu. Calling
the public st.navigation switches that mode off for the process, so a page reached without app.py registers the
menu (hidden) and reruns, which then goes through app.py. A page run on its own (a test, `streamlit run
pages/x.py`) tries that once per session and then draws itself.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from src.app import data, navigation, show, url

# Set by app.py (`run_page`) to the URL path of the page it runs in the same script run; the page takes it.
THROUGH_APP = "_run_through_app"
_TRIED_NAVIGATION = "_page_registered_navigation"
FAVICON = Path(__file__).with_name("favicon.svg")


def start_app_run() -> None:
    """app.py, first thing every run: read the data keys and set the page up (`run_page` then runs the page)."""
    data.begin_run()
    page_config()


def page_config() -> None:
    """The study's title, a wide layout and a favicon drawn locally.

    Without a favicon of our own Streamlit uses the current page's Material icon and fetches it from Google's font
    CDN (the app must work offline; tests/test_browser.py checks). Also set before a page registers the menu
    itself, since that too would otherwise show the page's icon. An SVG file, not an emoji: Streamlit sends it
    inline as a data URL, while an emoji favicon makes it load its emoji table (~0.1 s of a cold start).
    """
    st.set_page_config(page_title=data.get_study().defaults.title, page_icon=str(FAVICON), layout="wide")


def run_page(page) -> None:
    """app.py, after st.navigation: run the page it chose, telling the page its URL path."""
    st.session_state[THROUGH_APP] = page.url_path
    page.run()


def enter_page() -> None:
    """Every page, first thing: rerun through app.py when the run did not come through it, then show the
    banners about changed snapshot files and unreadable sources."""
    through = st.session_state.pop(THROUGH_APP, None)  # the page's URL path ("" for the default page)
    url.page_shown(through if isinstance(through, str) else None)
    if through is None:
        data.begin_run()
        if not st.session_state.get(_TRIED_NAVIGATION):
            st.session_state[_TRIED_NAVIGATION] = True
            page_config()
            st.navigation(navigation.pages(), position="hidden")
            st.rerun()
    show.banners()
