"""Figures for the study pages: one claim's evidence over time, the paper's coding chain, verdict tallies.

Pure builders (data in, plotly figure or DataFrame out; no Streamlit, no I/O) so the Claims, Overview and
Themes pages stay thin and every figure can be tested on its traces and layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from src.charts.common import (
    AGGREGATE_COLOUR,
    BENCHMARK_COLOUR,
    BODY_TEXT_PX,
    COMPUTED_SUFFIX,
    FOCUS_COLOUR,
    PALETTE,
    PUBLISHED_SUFFIX,
    add_benchmark,
    add_events,
    add_layout_items,
    add_traces,
    as_figure,
    benchmark_text,
    display_name,
    figure_spec,
    finish,
    label_line_ends,
    line_end_label,
    line_trace_props,
    merge,
    no_data_note,
    source_line,
    split_by_country,
    update_axes,
    year_values,
)
from src.claims.prose import indicator_phrase
from src.claims.verdicts import STATUS_LABELS, STATUSES, VERDICT_COLOURS  # noqa: F401 (re-exported)

# The verdict vocabulary (labels, colours, icons) is declared once, in src/claims/verdicts.py.
VERDICT_STATUSES = STATUSES
VERDICT_LABELS = STATUS_LABELS
PEER_COLOUR = "#767676"  # single peers of a large group, on request: the lightest grey that keeps 4.5:1
MEDIAN_COLOUR = PALETTE[-1]  # Tol's purple
BAND_COLOUR = "rgba(170, 68, 153, 0.16)"  # the median's hue, light: the middle half of a large peer group
WINDOW_TINT = "rgba(0, 114, 178, 0.05)"
# The palette without the median's colour, so no peer line looks like the median.
PEER_PALETTE = tuple(colour for colour in PALETTE if colour != MEDIAN_COLOUR)
# More peers with data than this are drawn as a band: South Asia's seven peers still get a line and label each.
MAX_PEER_LINES = 7


@dataclass(frozen=True)
class ClaimChartStyle:
    """How a claim chart is drawn where it is shown: the Claims page's defaults, or a projected slide's (larger
    text, fewer labels and panels). `options()` are claim_chart's keyword arguments; `max_panels` is
    chart_indicators'."""

    text_size: int = BODY_TEXT_PX
    label_peers: bool = True
    legend: bool = True
    short_benchmarks: bool = False
    max_panels: int = 4

    def options(self) -> dict:
        return {"text_size": self.text_size, "label_peers": self.label_peers, "legend": self.legend,
                "short_benchmarks": self.short_benchmarks}


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


def peer_band(series: pd.DataFrame, peers: Sequence[str]) -> pd.DataFrame:
    """The peers' interquartile range per year (25th and 75th percentile), over the peers with data that year.

    Returns:
        Columns year, low, high, n (how many peers had a value that year).
    """
    rows = series[series["iso3"].isin(list(peers))]
    grouped = rows.groupby("year")["value"]
    band = pd.DataFrame({"low": grouped.quantile(0.25), "high": grouped.quantile(0.75), "n": grouped.count()})
    return band.reset_index()


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
    window: tuple[int, int] | None = None,
    text_size: int = BODY_TEXT_PX,
    max_peer_lines: int = MAX_PEER_LINES,
    label_peers: bool = True,
    legend: bool = True,
    short_benchmarks: bool = False,
) -> go.Figure:
    """One claim's evidence: the focus country against its peers over time, one panel per indicator.

    A handful of peers (at most `max_peer_lines` with data) are lines in their own colours, labelled at their line
    ends; a larger group is its interquartile band and median, its single countries on request (one legend entry).

    Args:
        series: tidy rows (src.schema.TIDY_COLUMNS) for the claim's indicators; rows outside `years` are ignored.
        claim_id: kept in `layout.meta["claim"]` (the title says what is shown, not a code).
        indicator_ids: the panels, top to bottom; an indicator with no rows gets an empty panel that says so.
        indicators: the indicator catalogue (id -> Indicator) for names, definitions and units.
        focus: ISO3 of the focus country (thick blue line, labelled with its latest value and year).
        peers: ISO3 codes of the peer countries.
        years: (first, last) year drawn; a missing year is a break in the line.
        names: ISO3 -> display name.
        aggregates: published aggregate codes (e.g. SAS, WLD) drawn as published, dotted.
        peer_label: the peer group's name, for the title and the median's legend entry.
        benchmarks: Benchmark objects or codebook entries; drawn on their indicator's panel as a line or a band.
        events: an events table (label, start, end) as src.charts.common.add_events takes it: markers on the time
            axis, periods as light bands.
        sources: source catalogue (id -> Source) for the source line.
        window: the years the verdict looks at, a subtle band on the time axis.
        text_size: chart text in pixels (14 on the page; the deck passes 18 for a projector).
        max_peer_lines: more peers with data than this are drawn as a band.
        label_peers: label each peer and aggregate at its line end; without, only the focus country and the
            median are labelled and the others are named on hover (a slide has no room for more).
        legend: draw the legend (a slide, labelling its lines directly, does without).
        short_benchmarks: label a benchmark by its value only ("Benchmark 15-20%"), not its whole description.

    Returns:
        The figure; `layout.meta` holds claim, source_line and alt_text (title and latest values with years).
    """
    indicator_ids = list(indicator_ids)
    shown = series[series["year"].between(*years) & series["indicator"].isin(indicator_ids)]
    peers = [p for p in peers if p != focus]
    with_rows = set(shown["iso3"].unique())  # once: a large group has dozens of peers
    peers_with_data = [p for p in peers if p in with_rows]
    as_band = len(peers_with_data) > max_peer_lines
    # Unlabelled peers (a slide's) are one muted grey: without a label or a legend their colours would say nothing.
    colours = {iso3: PEER_PALETTE[position % len(PEER_PALETTE)] if label_peers else PEER_COLOUR
               for position, iso3 in enumerate(peers_with_data)}
    several = len(indicator_ids) > 1
    labels = [_indicator_label(indicators, i) for i in indicator_ids]
    units = [_indicator_unit(indicators, i, shown) for i in indicator_ids]
    panel_titles = [f"{label} ({unit})" if unit else label for label, unit in zip(labels, units)]
    panels = max(len(indicator_ids), 1)
    plot_height = 400 + 300 * (panels - 1) + 10 * (text_size - BODY_TEXT_PX) * panels
    # Room between panels for the next panel's title, no more.
    spacing = text_size * 3.2 / plot_height if several else 0.05
    # Built as one figure dict, checked by plotly once at the end (see figure_spec).
    fig = figure_spec(rows=panels, cols=1, shared_xaxes=True, vertical_spacing=spacing,
                      subplot_titles=panel_titles if several else None)
    group_name = f"{len(peers_with_data)} {peer_label}" if as_band else peer_label
    traces, trace_rows, panel_labels, panel_values, latest = [], [], [], [], []
    by_indicator = dict(tuple(shown.groupby("indicator", sort=False, observed=True)))
    bench_list = [b for b in map(as_benchmark, benchmarks) if b.indicator in indicator_ids]
    for row, indicator_id in enumerate(indicator_ids, start=1):
        rows = by_indicator.get(indicator_id, shown.iloc[0:0])
        panel = _Panel(row=row, unit=units[row - 1], first=row == 1 and legend)
        _indicator_panel(fig, panel, rows, focus=focus, peers=peers_with_data, years=years, names=names,
                         aggregates=aggregates, group_name=group_name, as_band=as_band, colours=colours,
                         label_peers=label_peers)
        for bench in bench_list:
            if bench.indicator == indicator_id:
                panel.values += [bench.low, bench.high]
                text = (_short_benchmark(bench, panel.unit) if short_benchmarks
                        else benchmark_text(_benchmark_label(bench.label)))
                panel.labels.append(((bench.low + bench.high) / 2, text, BENCHMARK_COLOUR))
        traces += panel.traces
        trace_rows += [row] * len(panel.traces)
        panel_labels.append(panel.labels)
        panel_values.append(panel.values)
        latest.append((labels[row - 1], panel.latest))
    for trace, row in zip(traces, trace_rows):
        add_traces(fig, [trace], row=row)
    for bench in bench_list:
        add_benchmark(fig, bench.low, bench.high, _benchmark_label(bench.label), text_size=text_size,
                      row=indicator_ids.index(bench.indicator) + 1, col=1, with_label=False)
    add_events(fig, events, years, text_size=text_size, bottom_panel=panels)
    if window is not None:
        _mark_window(fig, window, years, panels=panels)
    computed_note = (
        f"Median{' and interquartile range' if as_band else ''} of {peer_label} computed by us each year from the "
        "peers with data that year."
        if peers_with_data else ""
    )
    comparison = f"{display_name(focus, names)} against {peer_label}, {years[0]}-{years[1]}"
    what = _join(labels) if labels else "No indicator"
    title = f"{what}: {comparison}"
    subtitle = _subtitle(indicators, indicator_ids, labels, units, window, years, several)
    finish(
        fig, title=title, source_text=source_line(shown, sources, computed_note=computed_note),
        height=plot_height, subtitle=subtitle, text_size=text_size, alt_text=_alt_text(title, latest),
    )
    update_axes(fig, "x", {"range": [years[0] - 0.5, years[1] + 0.5]})
    if not legend:
        fig["layout"]["showlegend"] = False
    label_line_ends(fig, {row: (labels_here, values) for row, (labels_here, values) in
                          enumerate(zip(panel_labels, panel_values), start=1)}, text_size=text_size)
    fig["layout"]["meta"] = {**fig["layout"]["meta"], "claim": claim_id}
    return as_figure(fig)


@dataclass
class _Panel:
    """What one panel collects while its traces are built: the traces, the line-end labels, every drawn value
    (for the fixed value range) and the latest values (for the text alternative)."""

    row: int
    unit: str
    first: bool  # the panel whose traces carry the legend entries (none when the chart has no legend)
    traces: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    values: list = field(default_factory=list)
    latest: list = field(default_factory=list)

    def add_line(self, trace: dict, *, label: str | None, colour: str, describe: str, lead: bool = False) -> None:
        """Keep a line trace; label its last value at the line end (when `label`) and note it for the alt text."""
        self.traces.append(trace)
        self.values += [y for y in trace["y"] if y is not None and not pd.isna(y)]
        said = line_end_label(trace, describe, self.unit)
        if said is not None:
            self.latest.insert(0 if lead else len(self.latest), said[1])
            if label is not None:
                self.labels.append(line_end_label(trace, label, self.unit)[:2] + (colour,))


def _indicator_panel(fig, panel, rows, *, focus, peers, years, names, aggregates, group_name, as_band, colours,
                     label_peers=True):
    """One panel's traces, as dicts: peers (own colours, or a band with single countries on request), published
    aggregates (dotted), the peers' median (dashed) and the focus country (blue, on top). An empty panel gets a
    note and an empty placeholder trace."""
    unit = panel.unit
    if rows.empty:
        axis = str(panel.row) if panel.row > 1 else ""
        no_data_note(fig, "No data for this indicator in the chosen countries and years", f"x{axis} domain",
                     f"y{axis} domain")
        merge(fig["layout"].setdefault(f"yaxis{axis}", {}), {"range": [0, 1], "showticklabels": False})
        # Plotly leaves a subplot with no traces undrawn: an empty placeholder trace (no points) keeps it visible.
        panel.traces.append({"type": "scatter", "x": list(years), "y": [None, None], "mode": "lines",
                             "showlegend": False, "hoverinfo": "skip", "name": "no data"})
        return
    legend = panel.first
    by_country = split_by_country(rows)
    present = [p for p in peers if p in by_country]
    if as_band:
        _band_traces(panel, rows, present, years=years, group_name=group_name, legend=legend)
        # Single countries on request: hidden, one legend entry shows them all.
        for iso3 in present:
            trace = line_trace_props(by_country[iso3], name=display_name(iso3, names), unit=unit, colour=PEER_COLOUR,
                                     years=years, width=1, legendgroup="single-peers", showlegend=False)
            panel.traces.append({**trace, "visible": "legendonly"})
        if present:
            panel.traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "lines",
                                 "name": f"Each of the {group_name}", "legendgroup": "single-peers",
                                 "visible": "legendonly", "showlegend": legend, "hoverinfo": "skip",
                                 "line": {"color": PEER_COLOUR, "width": 1}})
    else:
        for iso3 in present:
            trace = line_trace_props(by_country[iso3], name=display_name(iso3, names), unit=unit, colour=colours[iso3],
                                     years=years, width=1.6, legendgroup=iso3, showlegend=False)
            panel.add_line(trace, label=trace["name"] if label_peers else None, colour=colours[iso3],
                           describe=trace["name"])
    for iso3 in aggregates:
        if iso3 in by_country:
            name = display_name(iso3, names) + PUBLISHED_SUFFIX
            trace = line_trace_props(by_country[iso3], name=name, unit=unit, colour=AGGREGATE_COLOUR, years=years,
                                     width=1.8, dash="dot", legendgroup=iso3, showlegend=legend)
            panel.add_line(trace, label=name if label_peers else None, colour=AGGREGATE_COLOUR, describe=name)
    median = peer_median(rows, present)
    if not median.empty:
        trace = line_trace_props(median, name=f"Median of {group_name}", unit=unit, colour=MEDIAN_COLOUR, years=years,
                                 width=2.4, dash="dash", legendgroup="peer-median",
                                 extra_hover=" (median of %{customdata} with data)", showlegend=legend)
        counts = dict(zip(median["year"], median["n"]))
        trace["customdata"] = [counts.get(year, 0) for year in trace["x"]]
        panel.add_line(trace, label="Median" + COMPUTED_SUFFIX, colour=MEDIAN_COLOUR, describe=trace["name"])
    if focus in by_country:
        name = display_name(focus, names)
        trace = line_trace_props(by_country[focus], name=name, unit=unit, colour=FOCUS_COLOUR, years=years, width=4,
                                 legendgroup=focus, showlegend=legend)
        panel.add_line(trace, label=f"<b>{name}</b>", colour=FOCUS_COLOUR, describe=name, lead=True)


def _band_traces(panel, rows, present, *, years, group_name, legend) -> None:
    """The peers' interquartile range as a light band: an invisible lower edge, then the upper edge filled to it."""
    band = peer_band(rows, present)
    if band.empty:
        return
    x, low = year_values(band.rename(columns={"low": "value"}), years)
    _, high = year_values(band.rename(columns={"high": "value"}), years)
    counts = dict(zip(band["year"], band["n"]))
    name = f"Middle half of {group_name}{COMPUTED_SUFFIX}"
    common = {"type": "scatter", "x": x, "mode": "lines", "connectgaps": False, "legendgroup": "peer-band",
              "line": {"width": 0, "color": BAND_COLOUR}}
    panel.traces.append({**common, "y": low, "name": name + " (25th percentile)", "showlegend": False,
                         "hoverinfo": "skip"})
    panel.traces.append({
        **common, "y": high, "name": name, "fill": "tonexty", "fillcolor": BAND_COLOUR, "showlegend": legend,
        "customdata": [[lo, counts.get(year, 0)] for year, lo in zip(x, low)],
        "hovertemplate": (f"<b>{name}</b><br>Year %{{x}}: %{{customdata[0]:.3~g}} to %{{y:.3~g}} {panel.unit}"
                          " (of %{customdata[1]} with data)<extra></extra>"),
    })
    panel.values += [v for v in (*low, *high) if not pd.isna(v)]


def _indicator_label(indicators: Mapping, indicator_id: str) -> str:
    """The indicator's plain name with no unit in brackets ('Military expenditure'): the unit is said once, apart."""
    if indicators.get(indicator_id) is None:
        return indicator_id
    phrase = indicator_phrase(indicator_id, indicators)
    return phrase[:1].upper() + phrase[1:]


def _indicator_unit(indicators: Mapping, indicator_id: str, rows: pd.DataFrame) -> str:
    unit = getattr(indicators.get(indicator_id), "unit", "")
    if unit:
        return unit
    mine = rows[rows["indicator"] == indicator_id]
    return str(mine["unit"].iloc[0]) if len(mine) else ""


def _join(labels: Sequence[str]) -> str:
    """'A', 'A and b', 'A, b and c' (later names lower-cased unless they are acronyms)."""
    parts = [labels[0], *(label if label[:2].isupper() else label[:1].lower() + label[1:] for label in labels[1:])]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _subtitle(indicators, indicator_ids, labels, units, window, years, several) -> str:
    """Each series' definition and unit, once; and what the band on the time axis is."""
    parts = []
    for indicator_id, label, unit in zip(indicator_ids, labels, units):
        definition = str(getattr(indicators.get(indicator_id), "definition", "") or "").strip()
        if several:
            parts.append(f"{label}: {definition}" if definition else "")
        else:
            parts.append(" ".join(p for p in (definition, f"Unit: {unit}." if unit else "") if p))
    text = " ".join(p for p in parts if p)
    if window is not None:
        first, last = max(window[0], years[0]), min(window[1], years[1])
        text += f" The blue bar on the time axis marks the years the verdict uses ({first}-{last})."
    return text.strip()


def _benchmark_label(label: str) -> str:
    """'the IMF tax tipping point of 15% of GDP' -> 'IMF tax tipping point of 15% of GDP' (a label, not a phrase)."""
    return label[4:] if label.lower().startswith("the ") else label


def _short_benchmark(bench: Benchmark, unit: str) -> str:
    """'Benchmark 15-20%' or 'Benchmark 5%': the value only, where a slide has no room for the description."""
    percent = "%" if (unit or "").strip().startswith("%") else ""
    if bench.low == bench.high:
        return f"Benchmark {bench.low:g}{percent}"
    return f"Benchmark {bench.low:g}-{bench.high:g}{percent}"


def _alt_text(title: str, latest: Sequence[tuple[str, list[str]]]) -> str:
    """The chart in words: its title, then each panel's latest values with their years."""
    said = [f"{label}: {'; '.join(values)}." for label, values in latest if values]
    return f"{title}. Latest values: " + " ".join(said) if said else f"{title}. No values to show."


def _mark_window(fig, window: tuple[int, int], years: tuple[int, int], *, panels: int) -> None:
    """The verdict's years as a very light tint on each panel and a blue bar on the time axis; no label on the data
    (the subtitle says what the bar is)."""
    x0, x1 = max(window[0], years[0]) - 0.5, min(window[1], years[1]) + 0.5
    shapes = []
    for panel in range(1, max(panels, 1) + 1):
        axis = str(panel) if panel > 1 else ""
        shapes.append({
            "type": "rect", "xref": f"x{axis}", "yref": f"y{axis} domain", "x0": x0, "x1": x1, "y0": 0, "y1": 1,
            "fillcolor": WINDOW_TINT, "line": {"width": 0}, "layer": "below", "name": "verdict window",
        })
    axis = str(panels) if panels > 1 else ""
    shapes.append({
        "type": "rect", "xref": f"x{axis}", "yref": f"y{axis} domain", "x0": x0, "x1": x1, "y0": -0.012, "y1": 0.012,
        "fillcolor": FOCUS_COLOUR, "line": {"width": 0}, "layer": "above", "name": "verdict window on the axis",
    })
    add_layout_items(fig, shapes=shapes)


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


# One colour per theme kind (Okabe-Ito blue and vermillion: colour-blind safe, dark enough for text contrast).
THEME_KIND_COLOURS = {"advantage": "#0072B2", "constraint": "#B84A00"}
CHAIN_OTHER_COLOUR = "#666666"
# Where each stage's column sits (share of the plot's width). Plotly prints labels right of every column but the
# last, whose labels it prints to their left: the middle columns sit left of centre so the initial themes' labels
# and the final themes' labels share the widest gap and do not run into each other.
CHAIN_COLUMNS = {"keyword": 0.001, "code": 0.25, "initial_theme": 0.5, "theme": 0.999}
CHAIN_WRAP = {"keyword": 20, "code": 20, "initial_theme": 16, "theme": 22}


def _wrap_label(text: str, width: int) -> str:
    """Break a node label into lines of about `width` characters (a Sankey label never wraps by itself)."""
    lines, current = [], ""
    for word in str(text).split():
        if current and len(current) + len(word) + 1 > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return "<br>".join([*lines, current]) if current or lines else str(text)


def _alpha(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def coding_chain_figure(
    chain: pd.DataFrame,
    *,
    theme_labels: Mapping[str, str] | None = None,
    theme_kinds: Mapping[str, str] | None = None,
) -> go.Figure:
    """The paper's coding chain drawn left to right as a Sankey: keywords -> codes -> initial themes -> final themes.

    Args:
        chain: one row per keyword with columns keyword, code, initial_theme, theme (final theme id);
            an empty initial_theme links the code straight to its final theme.
        theme_labels: final theme id -> label shown on the node.
        theme_kinds: final theme id -> kind ("advantage", "constraint"); each node and link takes its final
            theme's kind colour (one colour per kind, not one per node).

    Returns:
        A Sankey figure; each node is labelled once, wrapped to fit its column (`<br>` between lines), and tagged
        in `customdata` with its stage for tests and hover.
    """
    stages = ("keyword", "code", "initial_theme", "theme")
    stage_names = {"keyword": "Keyword", "code": "Code", "initial_theme": "Initial theme", "theme": "Final theme"}
    kinds_of_theme = dict(theme_kinds or {})
    labels: list[str] = []
    kinds: list[str] = []
    node_stage: list[str] = []
    node_theme: list[str] = []
    index: dict[tuple[str, str], int] = {}

    def node(stage: str, value: str, theme: str) -> int:
        key = (stage, value)
        if key not in index:
            index[key] = len(labels)
            shown = (theme_labels or {}).get(value, value) if stage == "theme" else value
            labels.append(_wrap_label(shown, CHAIN_WRAP[stage]))
            kinds.append(stage_names[stage])
            node_stage.append(stage)
            node_theme.append(theme)
        return index[key]

    links: dict[tuple[int, int], int] = {}
    for row in chain.fillna("").to_dict("records"):
        theme = str(row.get("theme", "")).strip()
        path = [(s, str(row.get(s, "")).strip()) for s in stages]
        path = [(s, v) for s, v in path if v]
        for (s1, v1), (s2, v2) in zip(path, path[1:]):
            pair = (node(s1, v1, theme), node(s2, v2, theme))
            links[pair] = links.get(pair, 0) + 1
    colours = [THEME_KIND_COLOURS.get(kinds_of_theme.get(t, ""), CHAIN_OTHER_COLOUR) for t in node_theme]
    # Fixed columns; within a column nodes keep the order of the final themes, spread over the height.
    order = {theme: position for position, theme in enumerate(dict.fromkeys(chain["theme"].astype(str)))}
    xs, ys = [0.0] * len(labels), [0.0] * len(labels)
    for stage in stages:
        members = sorted((i for i, s in enumerate(node_stage) if s == stage), key=lambda i: (order.get(node_theme[i], 0), i))
        for rank, i in enumerate(members):
            xs[i], ys[i] = CHAIN_COLUMNS[stage], (rank + 0.5) / len(members)
    # A figure dict, made a figure once (as_figure): adding each annotation to a plotly figure checks it again.
    annotations = [
        {"text": f"<b>{stage_names[stage]}s</b>", "x": CHAIN_COLUMNS[stage], "y": 1.02, "xref": "paper",
         "yref": "paper", "xanchor": "right" if CHAIN_COLUMNS[stage] > 0.9 else "left", "yanchor": "bottom",
         "showarrow": False, "font": {"size": 13, "color": "#1a1a1a"}, "name": f"stage: {stage_names[stage]}"}
        for stage in stages if stage_names[stage] in kinds
    ]
    annotations += [
        {"text": f"<span style='color:{colour}'>\u25a0</span> {kind}", "x": 0.999 - 0.12 * position, "y": -0.02,
         "xref": "paper", "yref": "paper", "xanchor": "right", "yanchor": "top", "showarrow": False,
         "font": {"size": 12, "color": "#1a1a1a"}, "name": f"kind: {kind}"}
        for position, (kind, colour) in enumerate(THEME_KIND_COLOURS.items()) if kind in kinds_of_theme.values()
    ]
    sankey = {
        "type": "sankey",
        "arrangement": "snap",
        "node": {
            "label": labels,
            "customdata": kinds,
            "x": xs,
            "y": ys,
            "color": colours,
            "line": {"width": 0},
            "pad": 10,
            "thickness": 14,
            "hovertemplate": "%{customdata}: %{label}<extra></extra>",
        },
        "link": {
            "source": [s for s, _ in links],
            "target": [t for _, t in links],
            "value": list(links.values()),
            "color": [_alpha(colours[s], 0.3) for s, _ in links],
        },
        "textfont": {"size": 12, "color": "#1a1a1a"},
    }
    layout = {
        **({"annotations": annotations} if annotations else {}),
        # Two title lines, so a laptop-wide chart does not cut the title or print it over the column headings.
        "title": {"text": "How the paper coded the interviews<br>"
                          "<span style='font-size:13px'>keywords -> codes -> initial themes -> final themes</span>",
                  "y": 0.99, "yanchor": "top"},
        "height": max(460, 26 * sum(k == "Keyword" for k in kinds)),
        "font": {"size": 12, "color": "#1a1a1a"},
        "margin": {"l": 10, "r": 10, "t": 110, "b": 40},
        "meta": {"stages": [stage_names[s] for s in stages]},
    }
    return as_figure({"data": [sankey], "layout": layout})


def chart_indicators(claim, verdict, available: Iterable[str], max_panels: int = 4) -> list[str]:
    """The indicators a claim's chart draws: those its verdict actually used, else its declared ones with data.

    Args:
        claim: a codebook Claim (`indicators`, `context`).
        verdict: its Verdict (`evidence` with an `indicator` column) or None.
        available: indicator ids with at least one value in the store.
        max_panels: more panels than this make the chart unreadable; the evidence table still lists all.
    """
    available = set(available)
    evidence = getattr(verdict, "evidence", None)
    used = list(dict.fromkeys(evidence["indicator"])) if evidence is not None and len(evidence) else []
    declared = [i for i in [*claim.indicators, *getattr(claim, "context", ())] if i in available]
    order = {indicator: position for position, indicator in enumerate(declared)}
    chosen = sorted((i for i in used if i in available), key=lambda i: order.get(i, len(order))) or declared[:1]
    return chosen[:max_panels]


def claim_benchmarks(benchmarks: Mapping, indicators: Mapping, drawn: Sequence[str], overrides=()) -> list[Benchmark]:
    """The codebook's benchmarks that apply to the drawn indicators (matched by concept), ready to draw.

    Args:
        benchmarks: benchmark id -> codebook Benchmark (concept, low, high, label, source).
        indicators: the indicator catalogue, to find each drawn indicator's concept.
        drawn: the chart's indicator ids.
        overrides: (benchmark id, value) pairs the user chose; drawn as a line at that value.
    """
    chosen = dict(overrides)
    found = []
    for indicator_id in drawn:
        concept = getattr(indicators.get(indicator_id), "concept", None)
        for bench_id, bench in benchmarks.items():
            if concept is None or getattr(bench, "concept", None) != concept:
                continue
            low, high, label = float(bench.low), float(bench.high), str(bench.label)
            if bench_id in chosen:
                low = high = float(chosen[bench_id])
                label = f"{label} (your value: {low:g})"
            found.append(Benchmark(indicator_id, low, high, label, str(getattr(bench, "source", ""))))
    return found


EVIDENCE_TABLE_COLUMNS = {
    "role": "Role",
    "country": "Country",
    "iso3": "ISO3",
    "indicator": "Indicator",
    "year": "Year",
    "value": "Value",
    "unit": "Unit",
    "computed": "Computed by us",
    "source": "source",
    "code": "Publisher's code",
    "file": "File (data/snapshots/)",
    "note": "Note",
}


def evidence_table(evidence: pd.DataFrame) -> pd.DataFrame:
    """A verdict's evidence rows for reading: focus first, each value with its own year, source, file and code.

    The `source` column keeps its id so a CSV download can add the citation and licence beside it.
    """
    present = [c for c in EVIDENCE_TABLE_COLUMNS if c in evidence.columns]
    order = {"focus": 0, "peer": 1, "aggregate": 2}
    table = evidence[present].copy()
    if "role" in table:
        table = table.assign(_order=table["role"].map(order).fillna(3)).sort_values(["_order", "indicator", "iso3"])
        table = table.drop(columns="_order")
    return table.rename(columns=EVIDENCE_TABLE_COLUMNS).reset_index(drop=True)


def claim_notes(claim, verdict) -> list[str]:
    """What a reader must know beside the verdict: missing series, proxies, refresh notes, caveat, gaps."""
    notes = []
    if getattr(verdict, "missing", ()):
        notes.append("Could not be checked: " + "; ".join(verdict.missing))
    notes.extend(getattr(verdict, "notes", ()))
    for indicator_id, label in (getattr(claim, "proxies", None) or {}).items():
        notes.append(f"{indicator_id} is a {label}")
    if getattr(claim, "caveat", ""):
        notes.append(f"Keep in mind: {claim.caveat}")
    if getattr(claim, "gaps", ""):
        notes.append(f"Not covered by the data: {claim.gaps}")
    return notes


def source_freshness(files: pd.DataFrame, sources: Mapping) -> pd.DataFrame:
    """One row per source: publisher, edition, when the publisher last updated it, when our copy was taken.

    Args:
        files: one row per snapshot file (folder, source, taken, source_last_updated, problem), as
            src.app.data.get_snapshot_files() returns it from the sidecars.
        sources: source id -> Source (producer, title, edition).
    """
    rows = []
    for source_id, source in sources.items():
        mine = files[files["folder"] == getattr(source, "folder", source_id)] if len(files) else files
        problems = [p for p in mine.get("problem", pd.Series(dtype=str)).fillna("") if p]
        taken = sorted(t for t in mine.get("taken", pd.Series(dtype=str)).fillna("") if t)
        updated = sorted({u for u in mine.get("source_last_updated", pd.Series(dtype=str)).fillna("") if u})
        rows.append(
            {
                "Source": f"{source.producer}: {source.title}",
                "Edition": source.edition,
                "Publisher last updated": ", ".join(updated) or source.last_updated,
                "Our copy taken": (taken[-1] if taken else "not in the snapshot (refresh brings it)"),
                "Files": len(mine),
                "Problems": "; ".join(problems) or "none",
            }
        )
    return pd.DataFrame(rows)


def period_timeline_figure(evidence: pd.DataFrame, *, what: str, since: int, until: int, country: str) -> go.Figure:
    """The periods a share-of-years verdict counted (e.g. military rule), as bars on a timeline.

    Drawn from the verdict's own evidence rows (year = start, value = years counted, code = the event's label,
    source = its citation), so the chart shows exactly what the verdict counted and never recounts.
    """
    periods = evidence.sort_values("year")
    starts = periods["year"].astype(int).tolist()
    lengths = periods["value"].astype(float).tolist()
    labels = [f"{label}: {start}-{start + int(length)}" for label, start, length in
              zip(periods["code"].astype(str), starts, lengths)]
    fig = figure_spec()
    add_traces(fig, [{
        "type": "bar",
        "x": lengths,
        "base": starts,
        "y": labels,
        "orientation": "h",
        "text": labels,
        "textposition": "none",
        "marker": {"color": "#7F7F7F"},
        "hovertemplate": "%{text} (%{x:.0f} years)<extra></extra>",
        "showlegend": False,
        "name": what,
    }])
    if periods.empty:
        no_data_note(fig, f"No {what} periods recorded for {country}")
    finish(
        fig,
        title=f"{country}: periods of {what} counted by the verdict, {since}-{until}",
        source_text=source_line(periods, None, computed_note="Years counted from the study's events list."),
        y_title=None,
        x_title="Year",
        height=160 + 40 * len(starts),
    )
    update_axes(fig, "x", {"range": [since, until]})
    update_axes(fig, "y", {"autorange": "reversed"})
    return as_figure(fig)


CODE_ORIGIN_LABELS = {
    "paper": "the paper's worked example",
    "paper_first_pass": "the paper's first-pass code (theme assigned by us)",
    "derived": "derived by us from the theme's section",
}


def codes_table(codes: Iterable, theme_id: str) -> pd.DataFrame:
    """A theme's codes for reading: code, its keywords, the initial theme, and where the code comes from."""
    rows = [
        {
            "Code": code.label,
            "Keywords": ", ".join(code.keywords),
            "Initial theme": code.initial_theme or "(not named in the paper)",
            "From": CODE_ORIGIN_LABELS.get(code.origin, code.origin),
        }
        for code in codes
        if code.theme == theme_id
    ]
    return pd.DataFrame(rows, columns=["Code", "Keywords", "Initial theme", "From"])


def theme_indicators(claims: Iterable, theme_id: str, catalogue: Mapping, with_data: Iterable[str]) -> pd.DataFrame:
    """Every indicator a theme's claims use (tested, preferred or context), with its source and whether the
    shipped data has values for it (refresh-only series do not until `python -m src.ingest.refresh` runs)."""
    with_data = set(with_data)
    rows: dict[str, dict] = {}
    for claim in claims:
        if claim.theme != theme_id:
            continue
        declared = [
            *[(i, "tested") for i in claim.indicators],
            *[(i, "preferred (refresh)") for i in getattr(claim, "preferred", ())],
            *[(i, "context") for i in getattr(claim, "context", ())],
        ]
        for indicator_id, use in declared:
            indicator = catalogue.get(indicator_id)
            row = rows.setdefault(
                indicator_id,
                {
                    "Indicator": getattr(indicator, "name", indicator_id),
                    "id": indicator_id,
                    "Unit": getattr(indicator, "unit", ""),
                    "Source": getattr(indicator, "source", ""),
                    "Claims": [],
                    "Use": use,
                    "In the shipped data": indicator_id in with_data,
                },
            )
            if claim.id not in row["Claims"]:
                row["Claims"].append(claim.id)
    table = pd.DataFrame(list(rows.values()), columns=["Indicator", "id", "Unit", "Source", "Claims", "Use",
                                                       "In the shipped data"])
    table["Claims"] = table["Claims"].map(", ".join)
    return table
