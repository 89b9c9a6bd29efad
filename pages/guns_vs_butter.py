"""Guns vs butter: defence spending beside health plus education spending for the focus country and its peers,
as % of GDP or % of government spending, with their ratio and, where the data has it, debt interest."""

import pandas as pd
import streamlit as st

from src.app import boot, data, downloads, show, tables, url, widgets
from src.charts import evidence

boot.enter_page()

# basis (as shown and as written into the URL) -> (unit, concepts of the military, health and education series,
# interest concept or None)
BASES = {
    "GDP": ("% of GDP", ("military_gdp", "health_gov_gdp", "edu_gdp"), None),
    "government spending": (
        "% of government spending",
        ("military_gov_share", "health_gov_share", "edu_gov_share"),
        "interest_expense",
    ),
}

st.title("Guns vs butter")
st.markdown(
    "The experts say a major share of Pakistan's budget goes to the military while health and education get "
    "little (claims C1.1, C2.1, C2.5). Here are the three side by side, and how many times larger military "
    "spending is than health and education spending together. A higher ratio means defence weighs more against "
    "human development spending; the chart shows priorities, not cause and effect."
)

store = data.get_store()
indicators = data.get_indicators()
sources = data.get_sources()
names = data.country_names()

with st.sidebar:
    focus = widgets.focus_country_picker()
    peers = widgets.peer_group_picker(focus)
    start, end = widgets.year_range(bounds=(1960, int(store.values["year"].max())), default=(1990, 2024))

url.check_choice("basis", list(BASES))
basis = st.segmented_control(
    "Spending as a share of", list(BASES), default="GDP", key="basis", bind="query-params"
) or "GDP"
label, concepts, interest_concept = BASES[basis]
series_ids = [data.concept_indicator(c) for c in concepts]
missing = [c for c, i in zip(concepts, series_ids) if i is None]
if missing:
    st.warning(
        f"The data have no series for {', '.join(missing)} yet; run `python -m src.ingest.refresh` to download the "
        "World Bank series. The chart shows what there is."
    )
countries = list(dict.fromkeys([focus, *peers.members]))
events = data.chart_events(focus)
interest_id = data.concept_indicator(interest_concept) if interest_concept else None


def spending_view():
    """The table, the rows behind it and the figure of this view (cached: every rerun would otherwise slice the
    store and build the figure again)."""
    parts = [store.series(i, countries, (start, end)) if i else store.values.iloc[0:0] for i in series_ids]
    table = evidence.guns_vs_butter_table(*parts)
    interest = store.series(interest_id, [focus], (start, end)) if interest_id else None
    used = pd.concat([*parts, *([interest] if interest is not None else [])], ignore_index=True)
    fig = evidence.guns_vs_butter_figure(
        table, focus=focus, peers=peers.members, basis=label, names=names, years=(start, end), interest=interest,
        interest_label=indicators[interest_id].short_name if interest_id else "Interest payments",
        events=events, source_rows=used, sources=sources,
    )
    return table, used, fig


table, used, fig = data.cached_build(
    "guns_vs_butter", (focus, peers.members, start, end, basis, tuple(series_ids), interest_id), spending_view
)
show.show_figure(fig)
param = url.params()
url.share_link(
    {param.focus: focus, param.peers: peers.group_id, param.start: start, param.end: end, "basis": basis,
     **({param.custom: ",".join(peers.custom_members)} if peers.custom_members else {})}
)

series_names = ", ".join(f"{indicators[i].short_name} [{i}]" for i in series_ids if i)
st.caption(f"Series used: {series_names}.")
if interest_concept and interest_id is None:
    st.info("Interest payments (% of government expense) come only with `python -m src.ingest.refresh`; not shown.")
elif not interest_concept:
    st.info("Debt interest is published as % of revenue or expense, not of GDP: switch to 'government spending' "
            "to see it beside the other shares (when the data has it).")

mine = table[table["iso3"] == focus].dropna(subset=["military", "health", "education"], how="all")
st.subheader(f"{names.get(focus, focus)}: the numbers, year by year")
numbers = [c for c in mine.columns if c not in ("iso3", "year")]
tables.grid(
    mine.drop(columns=["iso3"]),
    widths={"year": 60, **{c: 80 for c in numbers}},
    labels={"butter": "health + educ. (computed)", "ratio": "ratio (computed)"},
    formats={c: "%.2f" for c in numbers},
)
st.caption(f"All shares in {label}; ratio = military / (health + education), computed by us.")
downloads.download_buttons(
    used, f"guns_vs_butter_{basis.replace(' ', '_').lower()}_{focus}_{start}-{end}",
    title=f"Guns vs butter: {names.get(focus, focus)} and peers, {label}",
    filters={"focus": focus, "peers": peers.group_id, "years": f"{start}-{end}", "basis": basis},
)
