"""Figures for the evidence pages (Guns vs butter, HDI, Explorer), built on src.charts.common.

Each builder takes tidy rows (src.schema.TIDY_COLUMNS, as `Store.series()` / `Store.latest()` return them) and
keyword options, and returns a plotly figure whose title says what it shows and whose footer cites the sources.
The table helpers (`relative_change`, `match_pairs`, `guns_vs_butter_table`) are the numbers the figures draw,
so pages can show and download exactly what is plotted. Signatures are kept stable: other builders use them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from src.charts.common import (
    FOCUS_COLOUR,
    PALETTE,
    PUBLISHED_SUFFIX,
    add_benchmark,
    add_events,
    add_traces,
    as_figure,
    colour_for,
    display_name,
    event_source_note,
    figure_spec,
    finish,
    format_amount,
    label_line_ends,
    line_end_label,
    line_trace_props,
    merge,
    no_data_note,
    source_line,
    split_by_country,
    trace_value,
    update_axes,
)

# More lines than this and only the focus country and published aggregates are labelled at their line ends (the
# others by the legend and on hover): the chart conventions label "a handful of peers directly". A South Asia
# comparison (seven peers, two published groups and the focus) is labelled in full.
MAX_LABELLED_LINES = 10


def _labelled(traces: Sequence[tuple[str, object]], *, focus: str | None, always=()) -> list[bool]:
    """Which of a panel's (key, trace) lines are labelled at their ends: the focus country, the `always` ones
    (aggregates), and every line when there are few enough."""
    few = len(traces) <= MAX_LABELLED_LINES
    return [few or key == focus or key in always for key, _ in traces]


def _direct_labels_replace_legend(traces, *, focus: str | None, always=()) -> None:
    """A line labelled at its end needs no legend entry as well (and a shorter legend keeps the plot's height
    what the labels were spaced for). Called before `finish`, which sizes the legend's room."""
    for (_, trace), labelled in zip(traces, _labelled(traces, focus=focus, always=always)):
        if labelled:
            trace["showlegend"] = False


def _end_labels(traces: Sequence[tuple[str, object]], *, focus: str | None, unit: str, always=(),
                names: Mapping[str, str] | None = None) -> tuple:
    """(labels, values) for label_line_ends: the `_labelled` lines with value and year, the focus country in bold.
    `traces`: (iso3 or series key, trace) pairs of one panel; `names`: a shorter label than the trace's name
    (the panel's title already says what the lines are)."""
    labels, values = [], []
    for (key, trace), labelled in zip(traces, _labelled(traces, focus=focus, always=always)):
        values += [y for y in (trace_value(trace, "y") or ()) if y is not None and y == y]
        if labelled:
            name = (names or {}).get(key, trace_value(trace, "name"))
            name = f"<b>{name}</b>" if key == focus else name
            label = line_end_label(trace, name, unit)
            if label is not None:
                labels.append(label)
    return labels, values


def _short_name(indicator, fallback: str = "") -> str:
    return getattr(indicator, "short_name", None) or getattr(indicator, "name", None) or fallback


def _unit(indicator, rows: pd.DataFrame) -> str:
    unit = getattr(indicator, "unit", None)
    if unit:
        return unit
    return str(rows["unit"].iloc[0]) if "unit" in rows and len(rows) else ""


def _span(rows: pd.DataFrame, years: tuple[int, int] | None) -> tuple[int, int] | None:
    if years is not None:
        return int(years[0]), int(years[1])
    if rows.empty:
        return None
    return int(rows["year"].min()), int(rows["year"].max())


def relative_change(rows: pd.DataFrame, start_year: int) -> pd.DataFrame:
    """Each country's values as % change from its own first value in or after `start_year` (computed).

    Returns:
        The rows from each country's base year on, with `value` replaced by the % change, `unit` set to
        "% change from base year", `base_year` and `base_value` added and `computed` True. A country with no
        value in or after `start_year` is left out.
    """
    later = rows[rows["year"] >= start_year].sort_values(["iso3", "year"])
    if later.empty:
        return later.assign(base_year=pd.Series(dtype="int64"), base_value=pd.Series(dtype="float64"))
    base = later.groupby("iso3", as_index=False).first()[["iso3", "year", "value"]]
    base = base.rename(columns={"year": "base_year", "value": "base_value"})
    out = later.merge(base, on="iso3")
    out = out[out["base_value"] != 0].copy()
    out["value"] = (out["value"] / out["base_value"] - 1.0) * 100.0
    out["unit"] = "% change from base year"
    out["computed"] = True
    out["note"] = "Relative change computed from each country's first value in or after " + str(start_year) + "."
    return out.reset_index(drop=True)


def time_series_figure(
    rows: pd.DataFrame,
    *,
    indicator=None,
    countries: Sequence[str] | None = None,
    focus: str | None = None,
    names: Mapping[str, str] | None = None,
    aggregates: Sequence[str] = (),
    years: tuple[int, int] | None = None,
    benchmark: tuple[float, float, str] | None = None,
    events=None,
    sources: Mapping | None = None,
    log_y: bool = False,
    title: str | None = None,
) -> go.Figure:
    """One indicator over time, one line per country; the focus country thick and blue.

    Args:
        rows: tidy rows of ONE indicator (e.g. `store.series(id, countries, years)` or `relative_change(...)`).
        indicator: its catalogue entry (src.study.catalogue.Indicator) for name and unit; None uses the rows' unit.
        countries: order of the lines (default: as they come in `rows`); a country with no rows is named in the
            footer as having no data.
        focus: ISO3 drawn thick and blue.
        names: ISO3 -> display name.
        aggregates: published aggregate codes drawn grey and dotted, labelled "(as published)".
        years: (first, last) year; missing years inside it are breaks in the line.
        benchmark: (low, high, label): a line (low == high) or band.
        events: (start, end, label) rows or an events DataFrame (start_year, end_year, label), shaded.
        sources: source catalogue (id -> Source) for the footer's citations.
        log_y: logarithmic value axis.
        title: replaces the default title.
    """
    countries = list(countries) if countries is not None else list(dict.fromkeys(rows["iso3"]))
    span = _span(rows, years)
    shown = rows[rows["year"].between(*span)] if span else rows
    unit = _unit(indicator, shown)
    what = _short_name(indicator, str(rows["indicator"].iloc[0]) if len(rows) else "Indicator")
    fig = figure_spec()  # built as a dict, checked by plotly once (see figure_spec)
    missing, keys = [], []
    for position, iso3 in enumerate(countries):
        series = shown[shown["iso3"] == iso3]
        if series.empty:
            missing.append(display_name(iso3, names))
            continue
        name = display_name(iso3, names) + (PUBLISHED_SUFFIX if iso3 in aggregates else "")
        extra = " (base year %{customdata})" if "base_year" in series else ""
        trace = line_trace_props(
            series,
            name=name,
            unit=unit,
            colour=colour_for(iso3, position, focus, aggregates),
            years=span,
            width=4 if iso3 == focus else 2,
            dash="dot" if iso3 in aggregates else "solid",
            extra_hover=extra,
        )
        if extra:
            trace["customdata"] = series["base_year"].iloc[:1].tolist() * len(trace["x"])  # a Python number
        fig["data"].append(trace)
        keys.append(iso3)
    # The Explorer keeps its legend (its countries are the reader's own picks, toggled there); its lines are
    # labelled at their ends too.
    if not fig["data"]:
        no_data_note(fig, "No data for these countries and years")
    if benchmark is not None:
        add_benchmark(fig, *benchmark)
    if span:
        add_events(fig, events, span)
    if log_y:
        update_axes(fig, "y", {"type": "log"})
    text = source_line(shown, sources) + (event_source_note(events, span) if span else "")
    if missing:
        text += f" No data in these years for: {', '.join(missing)}."
    period = f", {span[0]}-{span[1]}" if span else ""
    default_title = f"{what}{period}" + (f": {display_name(focus, names)} and others" if focus in countries else "")
    finish(
        fig,
        title=title or default_title,
        source_text=text,
        y_title=f"{unit} (log scale)" if log_y else unit,
    )
    if not log_y:  # a log axis's range is in powers of ten: its lines are named by the legend and on hover
        label_line_ends(fig, {1: _end_labels(list(zip(keys, fig["data"])), focus=focus, unit=unit,
                                             always=aggregates)})
    return as_figure(fig)


def latest_bar_figure(
    latest: pd.DataFrame,
    *,
    indicator=None,
    focus: str | None = None,
    names: Mapping[str, str] | None = None,
    aggregates: Sequence[str] = (),
    sources: Mapping | None = None,
    title: str | None = None,
) -> go.Figure:
    """Each country's latest value as a horizontal bar, sorted, with that value's own year in its label.

    Args:
        latest: one row per country with its own latest year (as `store.latest(...)` returns it).
    """
    unit = _unit(indicator, latest)
    ordered = latest.sort_values("value", ascending=True)  # plotly draws the first bar at the bottom
    labels = [display_name(c, names) + (PUBLISHED_SUFFIX if c in aggregates else "") for c in ordered["iso3"]]
    colours = [
        FOCUS_COLOUR if c == focus else ("#8A8A8A" if c in aggregates else PALETTE[0]) for c in ordered["iso3"]
    ]
    fig = figure_spec()  # built as a dict, checked by plotly once (see figure_spec)
    fig["data"].append({
        "type": "bar",
        "x": ordered["value"].tolist(),
        "y": labels,
        "orientation": "h",
        "marker": {"color": colours},
        "text": [f"{format_amount(v, unit)} ({int(y)})" for v, y in zip(ordered["value"], ordered["year"])],
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": ordered["year"].tolist(),
        "hovertemplate": "<b>%{y}</b><br>Year %{customdata}: %{x:.3~g} " + unit + "<extra></extra>",
        "name": _short_name(indicator, "latest value"),
        "showlegend": False,
    })
    if ordered.empty:
        no_data_note(fig)
    years = sorted(set(ordered["year"].astype(int))) if len(ordered) else []
    when = "" if not years else (f" ({years[0]})" if len(years) == 1 else f" (years differ: {years[0]}-{years[-1]})")
    text = source_line(ordered, sources) + " Each bar shows its own latest year in brackets."
    return as_figure(finish(
        fig,
        title=title or f"{_short_name(indicator, 'Latest value')}: latest value per country{when}",
        source_text=text,
        y_title=None,
        x_title=unit,
        height=max(320, 34 * len(ordered) + 120),
    ))


def match_pairs(x_rows: pd.DataFrame, y_rows: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Pair two indicators by country AND year (never across years).

    Args:
        year: keep that year only; None keeps, per country, the latest year that has both values.

    Returns:
        Columns iso3, year, x, y (plus x_computed/y_computed flags), one row per country.
    """
    keep = ["iso3", "year", "value", "computed"]
    left = x_rows[[c for c in keep if c in x_rows]].rename(columns={"value": "x", "computed": "x_computed"})
    right = y_rows[[c for c in keep if c in y_rows]].rename(columns={"value": "y", "computed": "y_computed"})
    pairs = left.merge(right, on=["iso3", "year"], how="inner")
    if year is not None:
        pairs = pairs[pairs["year"] == year]
    else:
        pairs = pairs.sort_values("year").groupby("iso3", as_index=False).last()
    return pairs.sort_values("iso3").reset_index(drop=True)


def scatter_figure(
    x_rows: pd.DataFrame,
    y_rows: pd.DataFrame,
    *,
    x_indicator=None,
    y_indicator=None,
    focus: str | None = None,
    names: Mapping[str, str] | None = None,
    year: int | None = None,
    sources: Mapping | None = None,
    log_x: bool = False,
    log_y: bool = False,
    title: str | None = None,
) -> go.Figure:
    """Two indicators against each other, one point per country, each labelled with the year of its pair."""
    pairs = match_pairs(x_rows, y_rows, year)
    x_unit, y_unit = _unit(x_indicator, x_rows), _unit(y_indicator, y_rows)
    x_name, y_name = _short_name(x_indicator, "x"), _short_name(y_indicator, "y")
    fig = figure_spec()  # built as a dict, checked by plotly once (see figure_spec)
    for is_focus, part in pairs.groupby(pairs["iso3"] == focus, sort=True):
        fig["data"].append({
            "type": "scatter",
            "x": part["x"].tolist(),
            "y": part["y"].tolist(),
            "mode": "markers+text",
            "name": display_name(focus, names) if is_focus else "Other countries",
            "text": [f"{display_name(c, names)} {y}" for c, y in zip(part["iso3"], part["year"])],
            "textposition": "top center",
            "textfont": {"size": 12},
            "marker": {"size": 14 if is_focus else 10, "color": FOCUS_COLOUR if is_focus else PALETTE[0]},
            "customdata": part["year"].tolist(),
            "hovertemplate": (
                f"<b>%{{text}}</b><br>{x_name}: %{{x:.3~g}} {x_unit}<br>{y_name}: %{{y:.3~g}} {y_unit}"
                "<br>Both values from %{customdata}<extra></extra>"
            ),
        })
    if pairs.empty:
        no_data_note(fig, "No country has both values in the same year")
    if log_x:
        update_axes(fig, "x", {"type": "log"})
    if log_y:
        update_axes(fig, "y", {"type": "log"})
    used = pd.concat(
        [x_rows.merge(pairs[["iso3", "year"]], on=["iso3", "year"]), y_rows.merge(pairs[["iso3", "year"]])]
    )
    when = f"in {year}" if year is not None else "each country's latest year with both values"
    finish(
        fig,
        title=title or f"{y_name} against {x_name}, {when}",
        source_text=source_line(used, sources) + " Each point pairs two values from the same year, shown in its label.",
        y_title=y_unit,
        x_title=x_unit,
    )
    update_axes(fig, "x", {"title": {"text": f"{x_name} ({x_unit})"}})
    update_axes(fig, "y", {"title": {"text": f"{y_name} ({y_unit})"}})
    return as_figure(fig)


def guns_vs_butter_table(military: pd.DataFrame, health: pd.DataFrame, education: pd.DataFrame) -> pd.DataFrame:
    """Defence beside health and education, matched by country and year.

    Returns:
        Columns iso3, year, military, health, education, butter (health + education, only where both exist that
        year) and ratio (military / butter); one row per country-year with a military value or a butter value.
        butter and ratio are computed by us; nothing is filled across years.
    """

    def part(rows: pd.DataFrame, name: str) -> pd.DataFrame:
        return rows[["iso3", "year", "value"]].rename(columns={"value": name})

    table = part(military, "military").merge(part(health, "health"), on=["iso3", "year"], how="outer")
    table = table.merge(part(education, "education"), on=["iso3", "year"], how="outer")
    table["butter"] = table["health"] + table["education"]
    table["ratio"] = table["military"] / table["butter"]
    return table.sort_values(["iso3", "year"]).reset_index(drop=True)


def guns_vs_butter_figure(
    table: pd.DataFrame,
    *,
    focus: str,
    peers: Sequence[str] = (),
    basis: str = "% of GDP",
    names: Mapping[str, str] | None = None,
    years: tuple[int, int] | None = None,
    interest: pd.DataFrame | None = None,
    interest_label: str = "Interest payments",
    events=None,
    source_rows: pd.DataFrame | None = None,
    sources: Mapping | None = None,
) -> go.Figure:
    """Top: the focus country's military, health and education spending (and interest if given) over time.
    Bottom: military spending per unit of health + education spending, for the focus country and its peers.

    Args:
        table: `guns_vs_butter_table(...)` for the focus country and peers.
        basis: the unit of the three series ("% of GDP" or "% of government spending").
        interest: tidy rows of an interest/debt series for the focus country, drawn in the top panel.
        source_rows: all tidy rows behind the table (for the footer's citations and notes).
    """
    span = years or ((int(table["year"].min()), int(table["year"].max())) if len(table) else (2000, 2000))
    fig = figure_spec(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12, row_heights=[0.55, 0.45],
        subplot_titles=(
            f"{display_name(focus, names)}: spending ({basis})",
            "Ratio: military / (health + education), computed",
        ),
    )
    mine = table[table["iso3"] == focus]
    top: list[tuple[str, object]] = []
    series = (
        ("military", "Military", PALETTE[0]),
        ("health", "Health", PALETTE[1]),
        ("education", "Education", PALETTE[4]),
    )
    for column, label, colour in series:
        rows = mine[["year", column]].dropna().rename(columns={column: "value"})
        if not rows.empty:
            top.append((column, line_trace_props(rows, name=label, unit=basis, colour=colour, years=span, width=3)))
    butter = mine[["year", "butter"]].dropna().rename(columns={"butter": "value"}).assign(computed=True)
    if not butter.empty:
        top.append(("butter", line_trace_props(butter, name="Health + education", unit=basis, colour="#000000", years=span,
                                         dash="dash")))
    if interest is not None and not interest.empty:
        rows = interest[interest["iso3"] == focus]
        unit = str(rows["unit"].iloc[0]) if len(rows) else ""
        top.append(("interest", line_trace_props(rows, name=interest_label, unit=unit, colour=PALETTE[2], years=span,
                                           dash="dot")))
    add_traces(fig, [trace for _, trace in top], row=1)
    no_spending = not fig["data"]
    others = [p for p in peers if p != focus]
    ratios = table[["iso3", "year", "ratio"]].dropna().rename(columns={"ratio": "value"}).assign(computed=True)
    by_country = split_by_country(ratios)
    ratio_traces = [
        line_trace_props(
            by_country[iso3], name=f"{display_name(iso3, names)} ratio", unit="× (ratio)",
            colour=colour_for(iso3, position - 1, focus), years=span, width=4 if iso3 == focus else 1.5,
        )
        for position, iso3 in enumerate([focus, *others])
        if iso3 in by_country
    ]
    # One call for all the peers' lines: plotly checks a trace added alone twice.
    add_traces(fig, ratio_traces, row=2)
    top_keys = [key for key, _ in top]
    ratio_keys = [iso3 for iso3 in [focus, *others] if iso3 in by_country]
    _direct_labels_replace_legend(list(zip(top_keys, fig["data"])), focus=None, always=top_keys)
    _direct_labels_replace_legend(list(zip(ratio_keys, fig["data"][len(top):])), focus=focus)
    if no_spending:
        no_data_note(fig, f"No spending data for {display_name(focus, names)} in these years", "x domain", "y domain")
    if not ratio_traces:
        no_data_note(fig, "No year has military, health and education values together", "x2 domain", "y2 domain")
    add_events(fig, events, span)
    _axis_titles(fig, yaxis=basis, yaxis2="ratio", xaxis2="Year")
    note = (
        "Health + education and the ratio are computed by us, only for years where all the values exist. "
        "Drawn side by side they show priorities, not cause and effect."
    )
    rows_for_footer = source_rows if source_rows is not None else pd.DataFrame()
    finish(
        fig,
        title=f"Guns vs butter ({basis}): {display_name(focus, names)}, {span[0]}-{span[1]}",
        source_text=source_line(rows_for_footer, sources, computed_note=note) + event_source_note(events, span),
        height=760,
    )
    # The focus country's own series are each labelled; of the ratios, the focus's (and a few peers').
    label_line_ends(fig, {
        1: _end_labels(list(zip(top_keys, fig["data"])), focus=None, unit=basis, always=top_keys),
        2: _end_labels(list(zip(ratio_keys, fig["data"][len(top):])), focus=focus, unit="× (ratio)",
                       names={iso3: display_name(iso3, names) for iso3 in ratio_keys}),
    })
    return as_figure(fig)


def hdi_figure(
    hdi: pd.DataFrame,
    *,
    focus: str,
    official_rank: pd.DataFrame | None = None,
    computed_rank: pd.DataFrame | None = None,
    peers: Sequence[str] = (),
    tiers: Sequence[str] = (),
    names: Mapping[str, str] | None = None,
    years: tuple[int, int] | None = None,
    sources: Mapping | None = None,
) -> go.Figure:
    """Top: HDI value over time for the focus country, its peers and published HDI tiers.
    Bottom: the focus country's rank: yearly rank computed by us (line) and UNDP's official rank (star).

    Args:
        hdi: tidy undp_hdi rows for focus, peers and tiers.
        official_rank: tidy undp_hdi_rank rows (UNDP publishes the latest year's rank only).
        computed_rank: tidy undp_hdi_rank_computed rows (computed=True, note says among how many countries).
        tiers: published aggregate codes (e.g. ZZC.MHD) drawn dotted "(as published)".
    """
    span = _span(hdi, years) or (1990, 1990)
    fig = figure_spec(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12, row_heights=[0.6, 0.4],
        subplot_titles=("HDI value (0-1, higher is better)", f"{display_name(focus, names)}: HDI rank (1 = highest)"),
    )
    others = [p for p in peers if p != focus]
    by_country = split_by_country(hdi)
    # Published groups get their own colours too (dotted), so several stay apart.
    value_lines = [iso3 for iso3 in [*others, *tiers, focus] if iso3 in by_country]
    add_traces(
        fig,
        [
            line_trace_props(
                by_country[iso3], name=display_name(iso3, names) + (PUBLISHED_SUFFIX if iso3 in tiers else ""),
                unit="", colour=colour_for(iso3, position, focus), years=span,
                width=4 if iso3 == focus else 1.5, dash="dot" if iso3 in tiers else "solid",
            )
            for position, iso3 in enumerate([*others, *tiers, focus])
            if iso3 in by_country
        ],
        row=1,
    )
    _direct_labels_replace_legend(list(zip(value_lines, fig["data"])), focus=focus, always=tiers)
    no_values = not fig["data"]
    drawn_rank = False
    if computed_rank is not None:
        rows = computed_rank[(computed_rank["iso3"] == focus) & computed_rank["year"].between(*span)]
        if not rows.empty:
            drawn_rank = True
            trace = line_trace_props(
                rows.assign(computed=True), name="Yearly rank", unit="",
                colour=FOCUS_COLOUR, years=span, width=3, extra_hover="<br>%{customdata}",
            )
            notes = dict(zip(rows["year"], rows["note"].astype(str))) if "note" in rows else {}
            trace["customdata"] = [notes.get(x, "") for x in trace["x"]]
            add_traces(fig, [trace], row=2)
    if official_rank is not None:
        rows = official_rank[official_rank["iso3"] == focus]
        if not rows.empty:
            drawn_rank = True
            add_traces(fig, [{
                "type": "scatter", "x": rows["year"].tolist(), "y": rows["value"].tolist(), "mode": "markers+text",
                "name": "Official rank (UNDP, latest year only)",
                "text": [f"official: {v:.0f} ({y})" for v, y in zip(rows["value"], rows["year"])],
                "textposition": "middle left",
                "marker": {"symbol": "star", "size": 18, "color": "#D55E00"},
                "hovertemplate": "<b>Official UNDP rank</b><br>Year %{x}: %{y:.0f}<extra></extra>",
            }], row=2)
    if no_values:
        no_data_note(fig, "No HDI values for this selection", "x domain", "y domain")
    if not drawn_rank:
        no_data_note(fig, "No rank for this country", "x2 domain", "y2 domain")
    merge(fig["layout"].setdefault("yaxis2", {}), {"autorange": "reversed"})
    _axis_titles(fig, yaxis2="rank", yaxis="HDI", xaxis2="Year")
    # The computed rank's per-year notes ("among N countries ...") are in its hover, not repeated in the footer.
    ranks = computed_rank.assign(note="") if computed_rank is not None else None
    parts = [r for r in (hdi, official_rank, ranks) if r is not None and len(r)]
    used = pd.concat(parts) if parts else pd.DataFrame()
    note = (
        "The yearly rank is computed by us from each year's HDI values among the countries with data that year; "
        "UNDP's official rank exists for the latest year only."
    )
    finish(
        fig,
        title=f"Human Development Index: {display_name(focus, names)}, value and rank, {span[0]}-{span[1]}",
        source_text=source_line(used, sources, computed_note=note),
        height=760,
    )
    # The value panel's lines labelled at their ends; the rank panel (reversed) names its one line in its title.
    label_line_ends(fig, {1: _end_labels(list(zip(value_lines, fig["data"])), focus=focus, unit="", always=tiers)})
    return as_figure(fig)


def _axis_titles(spec: dict, **titles: str) -> None:
    """Title some axes of a figure dict: axis name ("yaxis2") -> its title."""
    for axis, text in titles.items():
        merge(spec["layout"].setdefault(axis, {}), {"title": {"text": text}})
