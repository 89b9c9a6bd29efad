"""Figures for the study pages: one claim's evidence over time, the paper's coding chain, verdict tallies.

Pure builders (data in, plotly figure or DataFrame out; no Streamlit, no I/O) so the Claims, Overview and
Themes pages stay thin and every figure can be tested on its traces and layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from src.charts.common import (
    AGGREGATE_COLOUR,
    FOCUS_COLOUR,
    PUBLISHED_SUFFIX,
    add_benchmark,
    add_events,
    display_name,
    finish,
    line_trace,
    no_data_note,
    source_line,
)

VERDICT_STATUSES = ("supported", "partly_supported", "not_supported", "insufficient_data")
VERDICT_LABELS = {
    "supported": "Supported",
    "partly_supported": "Partly supported",
    "not_supported": "Not supported",
    "insufficient_data": "Insufficient data",
}
# Colour-blind-safe (Okabe-Ito) colours, also used for the badges on the pages.
VERDICT_COLOURS = {
    "supported": "#009E73",
    "partly_supported": "#E69F00",
    "not_supported": "#D55E00",
    "insufficient_data": "#7F7F7F",
}
PEER_COLOUR = "#A8A8A8"
MEDIAN_COLOUR = "#CC79A7"


@dataclass(frozen=True)
class Benchmark:
    """A reference value or band on one indicator (e.g. education 4-6 % of GDP), with where it comes from."""

    indicator: str
    low: float
    high: float
    label: str
    source: str = ""


def as_benchmark(entry) -> Benchmark:
    """Read a benchmark from a codebook entry (dataclass or mapping) with `value` or `low`/`high`.

    Raises:
        ValueError: the entry has neither a value nor a low/high pair.
    """
    if isinstance(entry, Benchmark):
        return entry
    get = entry.get if isinstance(entry, Mapping) else lambda key, default=None: getattr(entry, key, default)
    low, high = get("low"), get("high")
    if low is None and high is None:
        low = high = get("value")
    if low is None or high is None:
        raise ValueError(f"benchmark {get('label') or get('id')!r} needs `value`, or both `low` and `high`")
    return Benchmark(
        indicator=str(get("indicator") or ""),
        low=float(low),
        high=float(high),
        label=str(get("label") or get("id") or "benchmark"),
        source=str(get("source") or ""),
    )


def peer_median(series: pd.DataFrame, peers: Sequence[str]) -> pd.DataFrame:
    """Median of the peers' values per year, over the peers with data that year (a computed value).

    Returns:
        Columns year, value, n (how many peers had a value that year), computed (True).
    """
    rows = series[series["iso3"].isin(list(peers))]
    grouped = rows.groupby("year")["value"]
    median = pd.DataFrame({"value": grouped.median(), "n": grouped.count()}).reset_index()
    return median.assign(computed=True)


def claim_chart(
    series: pd.DataFrame,
    *,
    claim_id: str,
    indicator_ids: Sequence[str],
    indicators: Mapping,
    focus: str,
    peers: Sequence[str],
    years: tuple[int, int],
    names: Mapping[str, str] | None = None,
    aggregates: Sequence[str] = (),
    peer_label: str = "peers",
    benchmarks: Iterable = (),
    events=None,
    sources: Mapping | None = None,
) -> go.Figure:
    """One claim's evidence: the focus country against its peers over time, one panel per indicator.

    Args:
        series: tidy rows (src.schema.TIDY_COLUMNS) for the claim's indicators; rows outside `years` are ignored.
        claim_id: shown in the title.
        indicator_ids: the panels, top to bottom; an indicator with no rows gets an empty panel that says so.
        indicators: the indicator catalogue (id -> Indicator) for names and units.
        focus: ISO3 of the focus country (thick blue line).
        peers: ISO3 codes of the peer countries (thin grey lines and their computed median).
        years: (first, last) year drawn; a missing year is a break in the line.
        names: ISO3 -> display name.
        aggregates: published aggregate codes (e.g. SAS, WLD) drawn as published, dotted.
        peer_label: the peer group's name, for the title and the median's legend entry.
        benchmarks: Benchmark objects or codebook entries; drawn on their indicator's panel as a line or a band.
        events: an events table (label, start, end) as src.charts.common.add_events takes it; periods shaded.
        sources: source catalogue (id -> Source) for the citation under the chart.

    Returns:
        The figure; `layout.meta` holds {"claim": claim_id, "source_line": ...} for the page caption.
    """
    indicator_ids = list(indicator_ids)
    shown = series[series["year"].between(*years) & series["indicator"].isin(indicator_ids)]
    peers = [p for p in peers if p != focus]
    panel_titles = [_panel_title(indicators, i) for i in indicator_ids]
    several = len(indicator_ids) > 1
    fig = make_subplots(
        rows=max(len(indicator_ids), 1),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12 if several else 0.05,
        subplot_titles=panel_titles if several else None,
    )
    for row, indicator_id in enumerate(indicator_ids, start=1):
        rows = shown[shown["indicator"] == indicator_id]
        unit = getattr(indicators.get(indicator_id), "unit", "") or (str(rows["unit"].iloc[0]) if len(rows) else "")
        _add_indicator_panel(
            fig, rows, row=row, unit=unit, focus=focus, peers=peers, years=years, names=names,
            aggregates=aggregates, peer_label=peer_label, first_panel=row == 1,
        )
    for bench in map(as_benchmark, benchmarks):
        if bench.indicator in indicator_ids:
            add_benchmark(fig, bench.low, bench.high, bench.label, row=indicator_ids.index(bench.indicator) + 1, col=1)
    add_events(fig, events, years)
    computed_note = (
        f"The median of {peer_label} is computed by us each year from the peers with data that year."
        if not shown[shown["iso3"].isin(peers)].empty
        else ""
    )
    what = " and ".join(getattr(indicators.get(i), "short_name", i) for i in indicator_ids) or "no indicator"
    fig = finish(
        fig,
        title=f"{claim_id}: {what}, {display_name(focus, names)} against {peer_label}, {years[0]}-{years[1]}",
        source_text=source_line(shown, sources, computed_note=computed_note),
        height=420 + 280 * max(len(indicator_ids) - 1, 0),
    )
    if not several and panel_titles:
        fig.update_yaxes(title_text=panel_titles[0])
    # A fixed range keeps an empty panel from squeezing the shared axis, and shows where the window ends.
    fig.update_xaxes(range=[years[0] - 0.5, years[1] + 0.5])
    fig.update_layout(meta={**fig.layout.meta, "claim": claim_id})
    return fig


def _panel_title(indicators: Mapping, indicator_id: str) -> str:
    indicator = indicators.get(indicator_id)
    if indicator is None:
        return indicator_id
    short, unit = getattr(indicator, "short_name", indicator_id), getattr(indicator, "unit", "")
    return short if not unit or unit in short else f"{short} ({unit})"


def _add_indicator_panel(fig, rows, *, row, unit, focus, peers, years, names, aggregates, peer_label, first_panel):
    """Peers (grey), published aggregates (dotted), the peers' median (dashed) and the focus country (blue)."""
    where = {"row": row, "col": 1}
    if rows.empty:
        axis = str(row) if row > 1 else ""
        no_data_note(fig, "No data for this indicator in the chosen countries and years", f"x{axis} domain",
                     f"y{axis} domain")
        # Plotly leaves a subplot with no traces undrawn: an empty placeholder trace (no points) keeps it visible.
        fig.add_trace(
            go.Scatter(x=list(years), y=[None, None], mode="lines", showlegend=False, hoverinfo="skip", name="no data"),
            **where,
        )
        fig.update_yaxes(range=[0, 1], showticklabels=False, **where)
        return
    legend = {"showlegend": first_panel}
    for iso3 in peers:
        peer_rows = rows[rows["iso3"] == iso3]
        if not peer_rows.empty:
            name = display_name(iso3, names)
            trace = line_trace(peer_rows, name=name, unit=unit, colour=PEER_COLOUR, years=years, width=1.2,
                               legendgroup=iso3, **legend)
            fig.add_trace(trace, **where)
    for iso3 in aggregates:
        agg_rows = rows[rows["iso3"] == iso3]
        if not agg_rows.empty:
            name = display_name(iso3, names) + PUBLISHED_SUFFIX
            trace = line_trace(agg_rows, name=name, unit=unit, colour=AGGREGATE_COLOUR, years=years, width=1.8,
                               dash="dot", legendgroup=iso3, **legend)
            fig.add_trace(trace, **where)
    median = peer_median(rows, peers)
    if not median.empty:
        trace = line_trace(median, name=f"Median of {peer_label}", unit=unit, colour=MEDIAN_COLOUR, years=years,
                           width=2.4, dash="dash", legendgroup="peer-median",
                           extra_hover=" (median of %{customdata} with data)", **legend)
        counts = dict(zip(median["year"], median["n"]))
        trace.customdata = [counts.get(year, 0) for year in trace.x]
        fig.add_trace(trace, **where)
    focus_rows = rows[rows["iso3"] == focus]
    if not focus_rows.empty:
        trace = line_trace(focus_rows, name=display_name(focus, names), unit=unit, colour=FOCUS_COLOUR, years=years,
                           width=4, legendgroup=focus, **legend)
        fig.add_trace(trace, **where)


def verdict_counts(verdicts: Iterable, theme_of: Mapping[str, str]) -> pd.DataFrame:
    """How many claims of each theme got each verdict.

    Args:
        verdicts: objects with `.status` and a claim id (`.claim_id`, or `.claim.id`).
        theme_of: claim id -> theme id.

    Returns:
        One row per theme that has a claim in `theme_of`: theme, one column per status, total.
    """
    counts = {theme: dict.fromkeys(VERDICT_STATUSES, 0) for theme in dict.fromkeys(theme_of.values())}
    for verdict in verdicts:
        claim_id = verdict_claim_id(verdict)
        theme = theme_of.get(claim_id)
        if theme is None:
            continue
        status = verdict.status if verdict.status in VERDICT_STATUSES else "insufficient_data"
        counts[theme][status] += 1
    frame = pd.DataFrame.from_dict(counts, orient="index", columns=list(VERDICT_STATUSES))
    frame.index.name = "theme"
    frame = frame.reset_index()
    frame["total"] = frame[list(VERDICT_STATUSES)].sum(axis=1)
    return frame


def verdict_claim_id(verdict) -> str:
    claim = getattr(verdict, "claim", None)
    return getattr(verdict, "claim_id", None) or getattr(claim, "id", None) or str(claim)


def coding_chain_rows(codes: Iterable) -> pd.DataFrame:
    """The codebook's codes as one row per keyword: keyword, code, initial_theme, theme (final theme id).

    Args:
        codes: code entries (dataclasses or mappings) with label, keywords, initial_theme and theme.
    """
    rows = []
    for code in codes:
        get = code.get if isinstance(code, Mapping) else lambda key, default=None, c=code: getattr(c, key, default)
        label = str(get("label") or get("id"))
        for keyword in get("keywords") or [label]:
            rows.append(
                {
                    "keyword": str(keyword),
                    "code": label,
                    "initial_theme": str(get("initial_theme") or ""),
                    "theme": str(get("theme")),
                }
            )
    return pd.DataFrame(rows, columns=["keyword", "code", "initial_theme", "theme"])


def coding_chain_figure(chain: pd.DataFrame, *, theme_labels: Mapping[str, str] | None = None) -> go.Figure:
    """The paper's coding chain drawn left to right as a Sankey: keywords -> codes -> initial themes -> final themes.

    Args:
        chain: one row per keyword with columns keyword, code, initial_theme, theme (final theme id);
            an empty initial_theme links the code straight to its final theme.
        theme_labels: final theme id -> label shown on the node.

    Returns:
        A Sankey figure; node labels are `customdata`-tagged with their stage for tests and hover.
    """
    stages = ("keyword", "code", "initial_theme", "theme")
    stage_names = {"keyword": "Keyword", "code": "Code", "initial_theme": "Initial theme", "theme": "Final theme"}
    labels: list[str] = []
    kinds: list[str] = []
    index: dict[tuple[str, str], int] = {}

    def node(stage: str, value: str) -> int:
        key = (stage, value)
        if key not in index:
            index[key] = len(labels)
            shown = (theme_labels or {}).get(value, value) if stage == "theme" else value
            labels.append(shown)
            kinds.append(stage_names[stage])
        return index[key]

    links: dict[tuple[int, int], int] = {}
    for row in chain.fillna("").to_dict("records"):
        path = [(s, str(row.get(s, "")).strip()) for s in stages]
        path = [(s, v) for s, v in path if v]
        for (s1, v1), (s2, v2) in zip(path, path[1:]):
            pair = (node(s1, v1), node(s2, v2))
            links[pair] = links.get(pair, 0) + 1
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                "customdata": kinds,
                "pad": 12,
                "hovertemplate": "%{customdata}: %{label}<extra></extra>",
            },
            link={
                "source": [s for s, _ in links],
                "target": [t for _, t in links],
                "value": list(links.values()),
            },
        )
    )
    fig.update_layout(
        title={"text": "How the paper coded the interviews: keywords -> codes -> initial themes -> final themes"},
        height=max(420, 28 * sum(k == "Keyword" for k in kinds)),
        font={"size": 13},
        meta={"stages": [stage_names[s] for s in stages]},
    )
    return fig
