"""Explorer: any indicator in the store for any countries and years, as a line, a sorted bar or a scatter of two
indicators, with a table of exactly the values drawn and a CSV download. Every setting lives in the URL."""

import pandas as pd
import streamlit as st

from src.app import boot, data, downloads, show, tables, url, widgets
from src.charts import evidence

boot.enter_page()

# Plain words, because a bound widget writes the option as shown into the URL (?chart=bar).
CHART_KINDS = ("line", "bar", "scatter")

st.title("Explorer")
st.markdown(
    "Pick an indicator, countries and years; the first country you pick is drawn thick. Each point keeps its "
    "own year: a gap in a line is a year the source has no value for, and the bar chart shows each country's "
    "latest year in brackets. To share exactly this view, copy 'Link to this view' from the sidebar."
)

store = data.get_store()
indicators = data.get_indicators()
sources = data.get_sources()
names = data.country_names()
aggregates = data.choices()["aggregates"]

with st.sidebar:
    # The indicator box shows first but is filled after the countries, so it can say which series have no data.
    indicator_slot = st.container()
    countries = widgets.countries_picker(default=("PAK", "IND", "BGD", "LKA", "NPL", "SAS"))
    indicator_id = widgets.indicator_picker(container=indicator_slot, default="wdi_mil_gdp", data_for=countries)
    first, last = data.year_bounds()
    start, end = widgets.year_range(bounds=(first, last), default=(max(first, 1990), last))

url.check_choice("chart", CHART_KINDS)
for flag in ("log", "logx", "relative"):
    url.check_flag(flag)
kind = st.segmented_control(
    "Chart", CHART_KINDS, default="line", key="chart", bind="query-params",
    help="line: over time; bar: each country's latest value; scatter: two indicators against each other.",
) or "line"
indicator = indicators[indicator_id]
focus = countries[0] if countries else None

if not countries:
    st.info("Pick at least one country in the sidebar.")
    st.stop()


def line_view(log_y: bool, relative: bool):
    rows = store.series(indicator_id, countries, (start, end))
    drawn = evidence.relative_change(rows, start) if relative else rows
    title = f"{indicator.short_name}: % change from each country's first value since {start}" if relative else None
    present = set(drawn["iso3"].unique())  # once, not once per country
    with_rows = [c for c in countries if c in present]
    if not relative and focus not in with_rows and with_rows:
        # The default title would say "<focus> and others" though the focus draws nothing.
        title = f"{indicator.short_name}, {start}-{end} (no data for {names.get(focus, focus)})"
    elif not relative and with_rows == [focus]:
        title = f"{indicator.short_name}, {start}-{end}: {names.get(focus, focus)}"
    fig = evidence.time_series_figure(
        drawn, indicator=None if relative else indicator, countries=countries, focus=focus, names=names,
        aggregates=aggregates, years=(start, end), sources=sources, log_y=log_y and not relative, title=title,
    )
    return fig, drawn


def bar_view():
    drawn = store.latest(indicator_id, countries, min_year=start, max_year=end)
    fig = evidence.latest_bar_figure(
        drawn, indicator=indicator, focus=focus, names=names, aggregates=aggregates, sources=sources,
        title=f"{indicator.short_name}: latest value per country, {start}-{end}",
    )
    return fig, drawn


def scatter_view(second_id: str, log_x: bool, log_y: bool):
    x_rows = store.series(indicator_id, countries, (start, end))
    y_rows = store.series(second_id, countries, (start, end))
    fig = evidence.scatter_figure(
        x_rows, y_rows, x_indicator=indicator, y_indicator=indicators[second_id], focus=focus, names=names,
        sources=sources, log_x=log_x, log_y=log_y,
    )
    # The table and the CSV hold exactly the pairs drawn: both indicators, same country and year.
    drawn_keys = evidence.match_pairs(x_rows, y_rows)[["iso3", "year"]]
    return fig, pd.concat([x_rows.merge(drawn_keys), y_rows.merge(drawn_keys)], ignore_index=True)


# Each view (figure and the rows it draws) is built once per setting and data version, then shared by every rerun.
view_key = (kind, indicator_id, tuple(countries), start, end)
if kind == "line":
    options = st.columns(2)
    log_y = options[0].toggle("Log scale", key="log", bind="query-params")
    relative = options[1].toggle(
        f"Change since {start} (%)", key="relative", bind="query-params",
        help="Each country's values as % change from its own first value in or after the start year (computed).",
    )
    fig, drawn = data.cached_build("explorer", (*view_key, log_y, relative), lambda: line_view(log_y, relative))
    if log_y and relative:
        st.caption("Log scale is off for % change, which can be negative.")
elif kind == "bar":
    fig, drawn = data.cached_build("explorer", view_key, bar_view)
else:
    second_id = widgets.indicator_picker(
        container=st, key=url.params().indicator2, label="Second indicator (vertical axis)", default="wdi_life_expectancy",
        data_for=countries,
    )
    options = st.columns(2)
    log_x = options[0].toggle("Log scale (horizontal)", key="logx", bind="query-params")
    log_y = options[1].toggle("Log scale (vertical)", key="log", bind="query-params")
    fig, drawn = data.cached_build("explorer", (*view_key, second_id, log_x, log_y),
                                   lambda: scatter_view(second_id, log_x, log_y))

show.show_figure(fig)
param = url.params()
url.share_link(
    {
        param.indicator: indicator_id, param.countries: ",".join(countries), param.start: start, param.end: end,
        "chart": kind, **({param.indicator2: second_id} if kind == "scatter" else {}),
        **{name: "true" for name in ("log", "logx", "relative") if st.session_state.get(name)},
    }
)
st.markdown(f"**{indicator.short_name}**: {indicator.definition}")
if indicator.note:
    st.caption(indicator.note)

with st.expander("Table of the values drawn", expanded=False):
    columns = [c for c in ("country", "iso3", "year", "indicator", "value", "computed") if c in drawn]
    tables.grid(
        drawn[columns],
        widths={"country": 140, "iso3": 50, "year": 55, "indicator": 110, "value": 80, "computed": 75},
        formats={"value": "%.2f"},
    )
    st.caption("The downloads add unit, source, publisher's code, file and note to each row.")
downloads.download_buttons(
    drawn, f"{indicator_id}_{start}-{end}", title=f"{indicator.name}, {start}-{end}",
    filters={"indicator": indicator_id, "countries": ", ".join(countries), "years": f"{start}-{end}", "chart": kind},
)
