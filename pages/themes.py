"""Themes: how the paper got from interview keywords to its six themes, and what each theme claims and measures.

The coding chain (keywords -> codes -> initial themes -> final themes) is drawn from data/codebook/codes.yaml; the
theme filter lives in the URL (`?theme=C2`) so a link opens the same theme.
"""

import streamlit as st

from src.app import boot, data, show, tables, url, widgets
from src.charts.claims import codes_table, coding_chain_figure, coding_chain_rows, theme_indicators

boot.enter_page()

st.title("Themes: from interview keywords to findings")
st.markdown(
    "The authors coded the interviews in steps: they marked **keywords**, grouped them into **codes**, grouped codes "
    "into **initial themes** and settled on six **final themes**, three advantages and three constraints. The chart "
    "follows that chain from left to right; codes marked as ours were derived by us from each theme's section."
)

codebook = data.get_codebook()
theme_id = widgets.theme_picker(codebook)
url.share_link({url.params().theme: theme_id})
codes = [c for c in codebook.codes.values() if not theme_id or c.theme == theme_id]
themes = [t for t in codebook.themes.values() if not theme_id or t.id == theme_id]

# Built once per theme filter and data version (a few hundred ms), then shared by every rerun and session.
chain = data.cached_build("coding-chain", (theme_id,), lambda: coding_chain_figure(
    coding_chain_rows(codes), theme_labels={t.id: t.label for t in codebook.themes.values()},
    theme_kinds={t.id: t.kind for t in codebook.themes.values()},
))
show.show_figure(chain, "Source: Sharif & Ullah (2026), Method and Analysis sections; codes.yaml in this project.")


def theme_indicator_rows(of_theme: str):
    """The theme's indicators with whether the shipped data has them, in words."""
    table = theme_indicators(codebook.claims.values(), of_theme, data.get_indicators(), data.choices()["indicators"])
    table["In the shipped data"] = table["In the shipped data"].map({True: "yes", False: "no (refresh)"})
    return table


for theme in themes:
    with st.container(border=True):
        show.theme_kind_badge(theme.kind)
        st.header(f"{theme.id}: {theme.label}", anchor=theme.id)
        st.write(theme.summary)
        st.caption(f"Paper section: {theme.section}")
        if theme.folded:
            st.caption("Also folded into this theme: " + ", ".join(theme.folded) + ".")
        st.subheader("Codes", anchor=False)
        tables.text_table(lambda: codes_table(codes, theme.id), cache_key=("theme-codes", theme_id, theme.id))
        st.subheader("Claims", anchor=False)
        for claim in codebook.claims_for(theme.id):
            show.page_link_or_url(
                "pages/claims.py", f"{claim.id}: {claim.paraphrase}", {url.params().claim: claim.id}, icon=":material/fact_check:"
            )
        for unsettled in (u for u in codebook.unsettled.values() if u.theme == theme.id):
            st.markdown(f"- {unsettled.id}: {unsettled.paraphrase} *(cannot be settled with indicators)*")
        st.subheader("Indicators", anchor=False)
        # Id and unit are on the Sources page; these four columns fit a laptop screen.
        tables.text_table(lambda: theme_indicator_rows(theme.id), cache_key=("theme-indicators", theme.id),
                          columns=["Indicator", "Source", "Claims", "Use", "In the shipped data"])
