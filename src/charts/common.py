"""What every chart shares, so each one is honest the same way.

- Each value keeps its own year: hover says "Year 2019: 3.1 % of GDP"; a missing year is a break in the line
  (a NaN row and `connectgaps=False`), never a bridge or a filled value.
- Values we computed are labelled "(computed)" in the legend and explained in the source line.
- Every figure carries a title that states what it shows and a source line (from the source catalogue)
  as an annotation under the plot; `layout.meta["source_line"]` holds the same text for the page caption.

Pure functions: data in, plotly objects or DataFrames out; no Streamlit, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# The one number formatter (verdict sentences use it too), re-exported for the chart builders and pages.
from src.claims.prose import format_amount, format_value  # noqa: F401

# Okabe-Ito colours (colour-blind safe); the focus country is always the strong blue.
FOCUS_COLOUR = "#0072B2"
PALETTE = ("#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D1F", "#000000", "#999999")
AGGREGATE_COLOUR = "#555555"
BENCHMARK_COLOUR = "#009E73"
EVENT_SHADE = "rgba(120, 120, 120, 0.15)"
FONT = {"size": 15, "family": "Source Sans Pro, Arial, sans-serif", "color": "#111111"}
COMPUTED_SUFFIX = " (computed)"
PUBLISHED_SUFFIX = " (as published)"


def display_name(iso3: str, names: Mapping[str, str] | None) -> str:
    return str((names or {}).get(iso3, iso3))


def fill_year_gaps(rows: pd.DataFrame, years: tuple[int, int] | None = None) -> pd.DataFrame:
    """One row per year, sorted, with NaN values where the data has none, so a drawn line breaks there.

    Args:
        rows: one series (one country, one indicator) with a `year` column and any others.
        years: (first, last) year to cover; defaults to the series' own first and last year.

    Returns:
        The rows merged onto every year of the span; added rows have NaN in every other column.
    """
    if rows.empty and years is None:
        return rows.copy()
    first, last = years if years is not None else (int(rows["year"].min()), int(rows["year"].max()))
    inside = rows[rows["year"].between(first, last)]
    full = pd.DataFrame({"year": range(int(first), int(last) + 1)})
    return full.merge(inside, on="year", how="left").sort_values("year").reset_index(drop=True)


def hover_template(name: str, unit: str, extra: str = "") -> str:
    """Hover text naming the series, the value's own year, the value and its unit."""
    return f"<b>{name}</b><br>Year %{{x}}: %{{y:.3~g}} {unit}{extra}<extra></extra>"


def split_by_country(rows: pd.DataFrame) -> dict[str, dict[str, np.ndarray]]:
    """ISO3 -> that country's `year`, `value` (and `computed`) columns as arrays: one split of a panel's rows,
    instead of filtering the frame once per country. `year_values` and `line_trace_props` take either form."""
    columns = {
        "year": rows["year"].to_numpy(dtype="int64"),
        "value": rows["value"].to_numpy(dtype="float64", na_value=np.nan),
    }
    if "computed" in rows:
        columns["computed"] = rows["computed"].to_numpy(dtype=bool, na_value=False)
    groups = rows.groupby("iso3", sort=False, observed=True).indices
    return {str(iso3): {name: column[where] for name, column in columns.items()} for iso3, where in groups.items()}


def _array(column, dtype: str, missing) -> np.ndarray:
    """A frame column or an array (from `split_by_country`) as a numpy array, missing values as `missing`."""
    if isinstance(column, pd.Series):
        return column.to_numpy(dtype=dtype, na_value=missing)
    return np.asarray(column, dtype=dtype)


def year_values(rows, years: tuple[int, int] | None = None) -> tuple[list[int], list[float]]:
    """Every year of the span and the series' value in it, NaN where it has none (what `fill_year_gaps` gives,
    as two lists, without building a frame: a chart may draw hundreds of series).

    Args:
        rows: one series (one country, one indicator): a frame, or a `split_by_country` entry, with `year` and
            `value` columns.
        years: (first, last) year to cover; defaults to the series' own first and last year.
    """
    year, value = _array(rows["year"], "int64", 0), _array(rows["value"], "float64", np.nan)
    if not len(year) and years is None:
        return [], []
    first, last = (int(years[0]), int(years[1])) if years is not None else (int(year.min()), int(year.max()))
    if len(np.unique(year)) < len(year):  # a year twice: keep every row, as the frame-based fill does
        full = fill_year_gaps(pd.DataFrame({"year": year, "value": value}), (first, last))
        return full["year"].tolist(), full["value"].tolist()
    inside = (year >= first) & (year <= last)
    filled = np.full(max(last - first + 1, 0), np.nan)
    filled[year[inside] - first] = value[inside]
    return list(range(first, last + 1)), filled.tolist()


def line_trace_props(
    rows,
    *,
    name: str,
    unit: str,
    colour: str,
    years: tuple[int, int] | None = None,
    width: float = 2.0,
    dash: str = "solid",
    legendgroup: str | None = None,
    showlegend: bool = True,
    extra_hover: str = "",
) -> dict:
    """`line_trace` as a plain dict, for adding many traces in one `fig.add_traces` call (plotly validates a
    trace object twice when it is added, a dict once). `rows`: a frame or a `split_by_country` entry."""
    computed = "computed" in rows and bool(_array(rows["computed"], "bool", False).any())
    if computed and not name.endswith(COMPUTED_SUFFIX):
        name += COMPUTED_SUFFIX
    x, y = year_values(rows, years)
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "name": name,
        "mode": "lines+markers",
        "connectgaps": False,
        "line": {"color": colour, "width": width, "dash": dash},
        "marker": {"size": 6 if width < 3 else 8, "color": colour},
        "legendgroup": legendgroup or name,
        "showlegend": showlegend,
        "hovertemplate": hover_template(name, unit, extra_hover),
    }


def line_trace(rows: pd.DataFrame, **options) -> go.Scatter:
    """A line with markers for one series; breaks at missing years; "(computed)" added when the rows are computed.

    Options: name, unit, colour (required); years, width, dash, legendgroup, showlegend, extra_hover
    (see `line_trace_props`).
    """
    return go.Scatter(line_trace_props(rows, **options))


def colour_for(iso3: str, position: int, focus: str | None, aggregates: Sequence[str] = ()) -> str:
    if iso3 == focus:
        return FOCUS_COLOUR
    if iso3 in aggregates:
        return AGGREGATE_COLOUR
    return PALETTE[position % len(PALETTE)]


def source_line(rows: pd.DataFrame, sources: Mapping | None, *, computed_note: str = "") -> str:
    """'Source: <citation>; ...' for every source behind the rows, plus their notes and what we computed.

    Args:
        rows: tidy rows drawn (columns source, note, computed are used when present).
        sources: source id -> src.study.catalogue.Source (its `citation`); an unknown id is named as is.
        computed_note: what the chart itself computed (e.g. a ratio), said after the sources.
    """
    source_ids = sorted(rows["source"].dropna().astype(str).unique()) if "source" in rows and len(rows) else []
    citations = [getattr((sources or {}).get(s), "citation", None) or s for s in source_ids]
    cited = "; ".join(c.rstrip(". ") for c in citations) + "." if citations else "no data in this selection."
    text = "Source: " + cited
    notes = sorted({str(n).strip() for n in rows.get("note", pd.Series(dtype=str)).dropna() if str(n).strip()})
    if notes:
        text += " Note: " + " ".join(n if n.endswith(".") else n + "." for n in notes)
    computed = rows["computed"].fillna(False).astype(bool) if "computed" in rows else pd.Series(dtype=bool)
    if computed.any():
        text += " Values marked (computed) were computed by us from published figures, as the note says."
    if computed_note:
        text += " " + computed_note
    return text


def wrap(text: str, width: int = 140) -> str:
    """Break a long line for a plotly annotation, which does not wrap by itself."""
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + len(word) + 1 > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return "<br>".join(lines)


def finish(
    fig: go.Figure,
    *,
    title: str,
    source_text: str,
    y_title: str | None = None,
    x_title: str | None = "Year",
    height: int = 520,
) -> go.Figure:
    """Title, readable fonts, legend below, and the source line as an annotation under the plot."""
    footer_lines = wrap(source_text).count("<br>") + 1
    bottom = 80 + 17 * footer_lines
    fig.update_layout(
        title={"text": title, "font": {"size": 20}, "x": 0, "xanchor": "left"},
        font=FONT,
        template="plotly_white",
        height=height + bottom,
        margin={"l": 70, "r": 30, "t": 80, "b": bottom},
        hovermode="closest",
        # Legend on the right: it never collides with the axis title or the source line under the plot.
        legend={"orientation": "v", "yanchor": "top", "y": 1, "x": 1.01, "xanchor": "left"},
        meta={"source_line": source_text},
    )
    # Figures with subplots title their own axes.
    if fig._grid_ref is None:
        fig.update_yaxes(title_text=y_title)
        fig.update_xaxes(title_text=x_title)
    fig.add_annotation(
        text=wrap(source_text),
        name="source",
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-(bottom - 17 * footer_lines - 10),
        showarrow=False,
        align="left",
        xanchor="left",
        yanchor="top",
        font={"size": 12, "color": "#444444"},
    )
    return fig


def add_benchmark(fig: go.Figure, low: float, high: float, label: str, **where) -> None:
    """A benchmark as a dashed line (low == high) or a shaded band, labelled; `where` is row/col for subplots."""
    if high != low:
        fig.add_hrect(
            y0=low, y1=high, fillcolor=BENCHMARK_COLOUR, opacity=0.12, line_width=0, name=f"benchmark: {label}",
            annotation_text=f"Benchmark: {label}", annotation_position="top left", **where,
        )
    else:
        fig.add_hline(
            y=low, line={"color": BENCHMARK_COLOUR, "dash": "dash", "width": 2}, name=f"benchmark: {label}",
            annotation_text=f"Benchmark: {label}", annotation_position="top left", **where,
        )


def event_rows(events: pd.DataFrame | Iterable | None, years: tuple[int, int]) -> list[tuple[int, int, str]]:
    """Events as (start, end, label) inside `years` (clipped). Accepts (start, end, label) tuples or a DataFrame
    with start_year/end_year (or start/end) and label columns; an empty end means a single year."""
    if events is None:
        return []
    if isinstance(events, pd.DataFrame):
        start_col = "start_year" if "start_year" in events else "start"
        end_col = "end_year" if "end_year" in events else "end"
        records = [(r.get(start_col), r.get(end_col), r.get("label", "")) for r in events.to_dict("records")]
    else:
        records = [tuple(e) for e in events]
    spans: list[tuple[int, int, str]] = []
    for start, end, label in records:
        if pd.isna(start) or str(start).strip() == "":
            continue
        start = int(str(start).strip()[:4])
        end = start if end is None or pd.isna(end) or str(end).strip() == "" else int(str(end).strip()[:4])
        if end < years[0] or start > years[1]:
            continue
        start, end = max(start, years[0]), min(end, years[1])
        same_year = next((i for i, s in enumerate(spans) if start == end == s[0] == s[1]), None)
        if same_year is None:
            spans.append((start, end, str(label)))
        else:  # one line, one label for events in the same single year
            spans[same_year] = (start, end, f"{spans[same_year][2]}; {label}")
    return spans


def event_source_note(events, years: tuple[int, int]) -> str:
    """'Events: <their sources>.' for the events drawn, so shaded periods are cited like the data."""
    if not isinstance(events, pd.DataFrame) or "source" not in events:
        return ""
    cited = sorted(
        {
            str(row["source"]).strip()
            for _, row in events.iterrows()
            if event_rows(events.loc[[_]], years) and str(row["source"]).strip()
        }
    )
    return f" Events: {'; '.join(cited)}." if cited else ""


def add_events(fig: go.Figure, events, years: tuple[int, int]) -> None:
    """Shade periods (e.g. military rule) and mark single-year events with a dotted line, each labelled once.

    Shapes span the whole plotting height (`yref="paper"`), so a figure with stacked panels on one shared year
    axis gets one band or line across all of them and one label, not one per panel.
    """
    shapes, labels = [], []
    for start, end, label in event_rows(events, years):
        short = label if len(label) <= 45 else label[:44] + "…"
        if end > start:
            shapes.append({
                "type": "rect", "xref": "x", "yref": "paper", "x0": start - 0.5, "x1": end + 0.5, "y0": 0, "y1": 1,
                "fillcolor": EVENT_SHADE, "line": {"width": 0}, "layer": "below", "name": f"event: {label}",
            })
            labels.append({
                "text": short, "name": f"event label: {label}", "xref": "x", "yref": "paper", "x": start - 0.5, "y": 1,
                "xanchor": "left", "yanchor": "top", "showarrow": False, "font": {"size": 11, "color": "#555555"},
            })
        else:
            shapes.append({
                "type": "line", "xref": "x", "yref": "paper", "x0": start, "x1": start, "y0": 0, "y1": 1,
                "line": {"color": "#888888", "dash": "dot", "width": 1}, "name": f"event: {label}",
            })
            # Written up along the line, so neighbouring single-year events do not print over each other.
            labels.append({
                "text": short, "name": f"event label: {label}", "xref": "x", "yref": "paper", "x": start, "y": 0,
                "textangle": -90, "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                "font": {"size": 11, "color": "#555555"},
            })
    add_layout_items(fig, shapes=shapes, annotations=labels)


def add_layout_items(fig: go.Figure, *, shapes: Sequence[dict] = (), annotations: Sequence[dict] = ()) -> None:
    """Append shapes and annotations in one step: plotly's add_shape / add_annotation check every earlier one
    again each time, which adds up on a figure with many marks."""
    if shapes:
        fig.layout.shapes = (*fig.layout.shapes, *shapes)
    if annotations:
        fig.layout.annotations = (*fig.layout.annotations, *annotations)


def no_data_note(fig: go.Figure, text: str = "No data for this selection", xref="paper", yref="paper") -> None:
    """Say so in the plot area when there is nothing to draw, rather than showing an empty frame."""
    fig.add_annotation(
        text=text, name="no-data", showarrow=False, x=0.5, y=0.5, xref=xref, yref=yref, font={"size": 16}
    )


def with_citation_columns(frame: pd.DataFrame, sources: Mapping) -> pd.DataFrame:
    """The rows with each row's source title, licence and citation added (for CSV downloads)."""
    table = frame.copy()
    ids = table["source"].astype(str) if "source" in table else pd.Series([""] * len(table), index=table.index)
    for column, attribute in (("source_title", "title"), ("licence", "licence"), ("citation", "citation")):
        table[column] = [getattr(sources.get(s), attribute, "") if s in sources else "" for s in ids]
    return table
