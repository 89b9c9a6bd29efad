"""Entry point of the dashboard: page set-up and navigation only (no data logic here).

Run with `.venv/bin/python -m streamlit run app.py`. The pages and their menu are declared in
src/app/navigation.py; each page keeps its default URL path (its file name), so links such as
`/claims?claim=C2.3&focus=IND` reproduce a view.
"""

import streamlit as st

from src.app import boot, navigation

boot.start_app_run()  # data keys for this run, page title and favicon
boot.run_page(st.navigation(navigation.pages()))
