"""HDI: the focus country's Human Development Index value and rank over time, against its peers and the
published HDI groups. UNDP publishes a rank for the latest year only; the yearly rank is computed and says so."""

import streamlit as st

from src.app import boot, data, downloads, show, tables, url, widgets
from src.charts import evidence
from src.charts.common import format_value

boot.enter_page()

HDI, OFFICIAL_RANK, COMPUTED_RANK = "undp_hdi", "undp_hdi_rank", "undp_hdi_rank_computed"

st.title("Human Development Index")
st.markdown(
    "The experts say Pakistan ranks low on the Human Development Index (claim A3.1). The HDI combines a long "
    "and healthy life, knowledge and a decent standard of living into one number from 0 to 1. "
    "UNDP publishes the official rank for its latest year only; the rank for earlier years is computed here "
    "from each year's HDI values, among the countries that have a value that year."
)

store = data.get_store()
sources = data.get_sources()
names = data.country_names()
if HDI not in data.choices()["indicators"]:
    st.warning("The data store has no HDI values (the UNDP file could not be read); see the Sources page.")
    st.stop()

all_hdi = data.cached_build("hdi-all", (), lambda: store.series(HDI))
hdi_years, with_hdi = all_hdi["year"], set(all_hdi["iso3"].unique())  # the distinct codes, not every row
undp_groups = [a for a in data.choices()["aggregates"] if a in with_hdi]

with st.sidebar:
    focus = widgets.focus_country_picker()
    peers = widgets.peer_group_picker(focus)
    start, end = widgets.year_range(
        bounds=(int(hdi_years.min()), int(hdi_years.max())), default=(int(hdi_years.min()), int(hdi_years.max()))
    )
    # Default groups, as UNDP publishes them: the focus country's own HDI tier and its UNDP region.
    about = store.countries.set_index("iso3")
    tier, region = about["hdi_tier"].get(focus), about["undp_region"].get(focus)
    default_groups = [
        a for a in undp_groups
        if names.get(a, "").lower() == f"{tier} human development".lower() or a.split(".")[-1] == region
    ]
    groups = widgets.countries_picker(key="groups", label="Published groups", options=undp_groups, default=default_groups)

countries = list(dict.fromkeys([focus, *peers.members, *groups]))


def hdi_view():
    """The rows and the figure of this view (cached: every rerun would otherwise slice the store again)."""
    table = store.series([HDI, OFFICIAL_RANK, COMPUTED_RANK], countries, (start, end))
    hdi = table[table["indicator"] == HDI].reset_index(drop=True)
    computed = table[(table["indicator"] == COMPUTED_RANK) & (table["iso3"] == focus)].reset_index(drop=True)
    official = store.series(OFFICIAL_RANK, [focus])  # any year: UNDP publishes it for its latest year only
    fig = evidence.hdi_figure(
        hdi, focus=focus, official_rank=official, computed_rank=computed, peers=peers.members, tiers=groups,
        names=names, years=(start, end), sources=sources,
    )
    return store.latest(HDI, [focus], max_year=end), official, computed, fig, table


latest, official, computed, fig, table = data.cached_build(
    "hdi", (focus, peers.members, tuple(groups), start, end), hdi_view
)
columns = st.columns(3)
if latest.empty:
    columns[0].metric("HDI", "no value")
else:
    row = latest.iloc[0]
    columns[0].metric(f"HDI, {int(row['year'])}", format_value(row["value"]))
countries_only = set(data.choices()["countries"])


def ranked_in(indicator: str, year: int) -> int:
    """How many countries (not aggregates) have a value of `indicator` in `year`: the N of "rank r of N"."""
    frame = all_hdi if indicator == HDI else data.cached_build("hdi-ranks", (indicator,), lambda: store.series(indicator))
    return int(frame.loc[(frame["year"] == year) & frame["iso3"].isin(countries_only), "iso3"].nunique())


if official.empty:
    columns[1].metric("Official rank", "not published")
else:
    row = official.iloc[-1]
    year = int(row["year"])
    columns[1].metric(f"Official UNDP rank, {year}", f"{row['value']:.0f} of {ranked_in(OFFICIAL_RANK, year)}",
                      help="UNDP's published rank; N counts the countries UNDP ranked that year (1 = highest HDI).")
if computed.empty:
    columns[2].metric("Computed rank", "no value")
else:
    row = computed.iloc[-1]
    year = int(row["year"])
    columns[2].metric(f"Computed rank, {year}", f"{row['value']:.0f} of {ranked_in(HDI, year)}",
                      help=f"{row['note']} N counts the countries with an HDI value that year.")

show.show_figure(fig)
param = url.params()
url.share_link(
    {param.focus: focus, param.peers: peers.group_id, param.start: start, param.end: end, "groups": ",".join(groups),
     **({param.custom: ",".join(peers.custom_members)} if peers.custom_members else {})}
)

with st.expander("Table of the values drawn"):
    tables.grid(
        table[["country", "year", "indicator", "value", "computed"]],
        widths={"country": "large", "year": "small", "indicator": 150, "value": "small", "computed": "small"},
        formats={"value": "%.3f"},
    )
downloads.download_buttons(
    table, f"hdi_{focus}_{start}-{end}", title=f"Human Development Index: {names.get(focus, focus)} and peers",
    filters={"focus": focus, "peers": peers.group_id, "years": f"{start}-{end}", "groups": ", ".join(groups)},
)
