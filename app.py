"""Entry point of the dashboard: page set-up and navigation only (no data logic here).

Run with `.venv/bin/python -m streamlit run app.py`. Each page file keeps its default URL path
(its file name), so links such as `/claims?claim=C2.3&focus=IND` reproduce a view.
"""

import streamlit as st

# An emoji favicon is drawn locally; without it Streamlit uses the current page's Material icon as the
# favicon and fetches that from Google's font CDN (the app must work offline; tests/test_browser.py checks).
st.set_page_config(page_title="Human security in Pakistan: claims and data", page_icon="🛡️", layout="wide")

PAGES = {
    "Study": [
        st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
        st.Page("pages/claims.py", title="Claims", icon=":material/fact_check:"),
        st.Page("pages/themes.py", title="Themes", icon=":material/account_tree:"),
    ],
    "Evidence": [
        st.Page("pages/guns_vs_butter.py", title="Guns vs butter", icon=":material/balance:"),
        st.Page("pages/hdi.py", title="Human Development Index", icon=":material/trending_up:"),
        st.Page("pages/explorer.py", title="Explorer", icon=":material/query_stats:"),
    ],
    "Present": [st.Page("pages/presentation.py", title="Seminar mode", icon=":material/slideshow:")],
    "Your data": [st.Page("pages/interviews.py", title="Interviews", icon=":material/upload_file:")],
    "About": [st.Page("pages/sources.py", title="Sources", icon=":material/menu_book:")],
}

st.navigation(PAGES).run()
