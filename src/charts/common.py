"""What every chart shares, so each one is honest the same way.

- Each value keeps its own year: hover says "Year 2019: 3.1 % of GDP"; a missing year is a break in the line
  (a NaN row and `connectgaps=False`), never a bridge or a filled value.
- Values we computed are labelled "(computed)" in the legend and explained in the source line.
- Every figure carries a title that states what it shows, a subtitle with definition and unit, and a source line
  (from the source catalogue) in `layout.meta["source_line"]` only: the page prints it once, under the chart.
- `layout.meta["alt_text"]` is the chart's text alternative (title and latest values with their years).
- Text is at least 14 px (`text_size`), in colours that pass WCAG AA on white.

Pure functions: data in, plotly objects or DataFrames out; no Streamlit, no I/O.

A chart is built as a plain figure dict (`figure_spec`: traces and layout as dicts) and made a go.Figure once at
the end: plotly checks every property each time a figure is updated, so building property by property cost most
of a chart's time. The helpers here (finish, label_line_ends, add_events, add_benchmark, no_data_note) edit that
dict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

# The one number formatter (verdict sentences use it too), re-exported for the chart builders and pages.
from src.claims.prose import format_amount, format_value  # noqa: F401

# The focus country is always the strong Okabe-Ito blue. Other lines take Paul Tol's "muted" hues (a set chosen to
# stay apart under every common colour-vision deficiency) without his sand and pale cyan, which no darkening keeps
# recognisable, and with Okabe-Ito's vermillion: each drawn at least 3:1 against white (WCAG 2.1 AA for graphics;
# `text_colour` gives the same hue at 4.5:1 for a label). Orange is left out: darkened for text it reads as brown.
# The charts' template: plotly_white's layout (font colour, grid, colourways) and its trace defaults for the
# trace types the charts draw. plotly_white also carries defaults for 22 other trace types (3-D, maps, polar...),
# and plotly copies and checks the whole template for every figure: 26 ms a figure against 12 ms, and about 4 KB
# more JSON for every chart a browser receives. A chart drawing another type adds it here
# (tests/test_views.py checks the trace types of every slide chart against this list).
DRAWN_TRACE_TYPES = ("scatter", "bar")
TEMPLATE = "dashboard_white"


def _register_template() -> None:
    white = pio.templates["plotly_white"]
    pio.templates[TEMPLATE] = go.layout.Template(
        layout=white.layout, data={kind: white.data[kind] for kind in DRAWN_TRACE_TYPES})


_register_template()


def as_figure(spec: dict) -> go.Figure:
    """The go.Figure of a figure dict built by the chart helpers (`figure_spec`), without plotly checking each
    property on the way in: that check was most of a chart's time (~35 of ~45 ms a claim chart), and the dicts
    hold only what the checks let through unchanged (tests/test_views.py compares every chart with
    `go.Figure(spec)`). Our template by name becomes a copy of its properties, as plotly's check makes it; later
    edits of the figure are checked as usual. A dict naming another template goes through `go.Figure(spec)`."""
    template = spec.get("layout", {}).get("template")
    if isinstance(template, str):
        if template != TEMPLATE:
            return go.Figure(spec)
        spec = {**spec, "layout": {**spec["layout"], "template": pio.templates[TEMPLATE].to_plotly_json()}}
    figure = go.Figure(spec, _validate=False)
    for part in (figure, figure.layout, *figure.data):
        part._validate = True  # what is set from here on is checked, as on any figure
    return figure


FOCUS_COLOUR = "#0072B2"
LINE_HUES = ("#D55E00", "#117733", "#882255", "#44AA99", "#332288", "#999933", "#CC6677", "#AA4499")
WCAG_AA_GRAPHICS = 3.0
AGGREGATE_COLOUR = "#555555"
BENCHMARK_COLOUR = "#009E73"
EVENT_SHADE = "rgba(120, 120, 120, 0.12)"
EVENT_MARKER_COLOUR = "#555555"
# Chart text: at least 14 px on screen (the deck asks for 18); colours pass WCAG AA (4.5:1) on white.
BODY_TEXT_PX = 14
WCAG_AA_TEXT = 4.5
TEXT_COLOUR = "#111111"
SUBTLE_TEXT_COLOUR = "#4D4D4D"
FONT = {"size": BODY_TEXT_PX, "family": "Source Sans Pro, Arial, sans-serif", "color": TEXT_COLOUR}
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
    """A line with markers for one series, as a plain dict for a figure dict (`figure_spec`; plotly checks it
    once, when the figure is made): breaks at missing years; "(computed)" added when the rows are computed.
    `rows`: a frame or a `split_by_country` entry."""
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
    # Distinct values first, then as text: the same ids and notes as from every row, without a pass over each row.
    source_ids = sorted({str(s) for s in rows["source"].dropna().unique()}) if "source" in rows and len(rows) else []
    citations = [getattr((sources or {}).get(s), "citation", None) or s for s in source_ids]
    cited = "; ".join(c.rstrip(". ") for c in citations) + "." if citations else "no data in this selection."
    text = "Source: " + cited
    notes = sorted({str(n).strip() for n in rows.get("note", pd.Series(dtype=str)).dropna().unique() if str(n).strip()})
    if notes:
        text += " Note: " + " ".join(n if n.endswith(".") else n + "." for n in notes)
    computed = rows["computed"].fillna(False).astype(bool) if "computed" in rows else pd.Series(dtype=bool)
    if computed.any():
        text += " Values marked (computed) were computed by us from published figures, as the note says."
    if computed_note:
        text += " " + computed_note
    return text


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #RRGGBB colour."""
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str = "#FFFFFF") -> float:
    """WCAG 2.1 contrast ratio of two #RRGGBB colours (1 to 21; AA asks 4.5 for body text)."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour(colour: str, minimum: float = WCAG_AA_TEXT) -> str:
    """`colour` darkened just enough for text on white to pass WCAG AA: a label keeps its line's hue, readably.
    (Okabe-Ito orange or sky blue drawn as text would be about 2:1.)"""
    red, green, blue = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    shade = colour.upper()
    factor = 1.0
    while contrast_ratio(shade) < minimum and factor > 0:
        factor -= 0.05
        shade = "#{:02X}{:02X}{:02X}".format(*(int(c * factor) for c in (red, green, blue)))
    return shade


# Every line colour but the focus's, drawn at least 3:1 against white (the teal and olive hues darkened a shade).
PALETTE = tuple(text_colour(hue, WCAG_AA_GRAPHICS) for hue in LINE_HUES)


def short_value(value: float, unit: str) -> str:
    """A value for a line-end label: '17.1%' for a percentage unit, else the number (the subtitle names the unit)."""
    amount = format_amount(value, unit)
    return f"{amount}%" if (unit or "").strip().startswith("%") else amount


def wrap(text: str, width: int = 140) -> str:
    """Break a long line for a plotly annotation or title, which does not wrap by itself."""
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + len(word) + 1 > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return "<br>".join(lines)


def text_width(text: str, size: float) -> float:
    """Rough width in pixels of one line of chart text (average glyph of a sans-serif is about 0.55 em)."""
    return max((len(line) for line in text.split("<br>")), default=0) * 0.55 * size


def legend_rows(names: Sequence[str], size: float, width: float = 900) -> int:
    """How many rows a horizontal legend of these entries takes at about `width` pixels (it wraps, never scrolls)."""
    rows, used = 1, 0.0
    for name in names:
        entry = text_width(name, size) + 50  # the line sample and the gap
        if used and used + entry > width:
            rows, used = rows + 1, 0.0
        used += entry
    return rows if names else 0


def figure_spec(**grid) -> dict:
    """A plain figure dict ({"data": [...], "layout": {...}}) to build a chart in, made a figure once at the end
    (`as_figure`): plotly checks every property again on each update of a figure, which made a chart cost tenths
    of a second. With `grid` (make_subplots' arguments: rows=, shared_xaxes=, subplot_titles=...), the layout of
    that subplot grid (without plotly's default template: `finish` names ours); else empty."""
    if not grid:
        return {"data": [], "layout": {}}
    receiver = _GridReceiver()
    make_subplots(**grid, figure=receiver)
    layout = receiver.grid_layout if receiver.grid_layout is not None else receiver.to_plotly_json()["layout"]
    layout.pop("template", None)
    return {"data": [], "layout": layout}


class _GridReceiver(go.Figure):
    """The figure make_subplots fills (its `figure=`): keeps the grid's layout as plotly built and checked it.

    make_subplots builds the grid in a checked Layout, then updates the figure from it; that update checks each of
    the Layout's hundred-odd properties again (80% of make_subplots' time). Here the Layout's own properties are
    taken as they are, the same dict; any other update is a figure's usual one."""

    grid_layout: dict | None = None

    def update_layout(self, dict1=None, overwrite=False, **kwargs):
        if isinstance(dict1, go.Layout) and not kwargs and self.grid_layout is None:
            self.grid_layout = dict1.to_plotly_json()
            return self
        return super().update_layout(dict1, overwrite, **kwargs)


def add_traces(spec: dict, traces: Iterable[dict], *, row: int | None = None) -> None:
    """Append trace dicts to the figure dict; `row` puts them on that panel of a subplot grid (its x and y axes,
    as make_subplots' add_trace(row=...) does)."""
    axes = {} if row is None else {"xaxis": "x" if row == 1 else f"x{row}", "yaxis": "y" if row == 1 else f"y{row}"}
    spec["data"].extend({**trace, **axes} for trace in traces)


def merge(target: dict, updates: Mapping) -> dict:
    """`updates` merged into `target` as plotly's `update` does: nested dicts merged, anything else replaced."""
    for key, value in updates.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = dict(value) if isinstance(value, Mapping) else value
    return target


def axis_names(layout: Mapping, letter: str) -> list[str]:
    """The layout's x (or y) axes, "xaxis" first even when not set yet (plotly's update_xaxes would make it)."""
    return list(dict.fromkeys([f"{letter}axis", *(n for n in layout if re.fullmatch(letter + r"axis\d*", n))]))


def update_axes(spec: dict, letter: str, updates: Mapping) -> None:
    """Every x (or y) axis of the figure dict updated, as plotly's update_xaxes / update_yaxes does."""
    layout = spec["layout"]
    for name in axis_names(layout, letter):
        merge(layout.setdefault(name, {}), updates)


def finish(
    spec: dict,
    *,
    title: str,
    source_text: str,
    y_title: str | None = None,
    x_title: str | None = None,
    height: int = 520,
    subtitle: str = "",
    text_size: int = BODY_TEXT_PX,
    right: int = 40,
    alt_text: str = "",
) -> dict:
    """Title and subtitle (definition and unit) at the top left, a horizontal legend under them, readable text.

    `spec`: the figure dict (`figure_spec`), finished in place and returned. The source line is NOT drawn inside
    the figure: it goes to `layout.meta["source_line"]`, which the page (and the deck) prints once under the chart.
    `layout.meta["alt_text"]` is the chart's text alternative (the title when `alt_text` is not given). `right`
    is the margin for labels at the line ends. Axis titles are for figures without subplots (those title their
    own axes).
    """
    title_size = round(text_size * 1.4)
    title_lines = wrap(title, _chars_per_line(title_size)).count("<br>") + 1
    wrapped_subtitle = wrap(subtitle, _chars_per_line(text_size)) if subtitle else ""
    subtitle_lines = wrapped_subtitle.count("<br>") + 1 if subtitle else 0
    rows = legend_rows(_legend_names(spec), text_size)
    # The title's pad pushes its first line down by the extra lines (plotly anchors a wrapped title by its last).
    heading = 14 + (2 * title_lines - 1) * title_size * 1.25 + subtitle_lines * text_size * 1.35
    panel_titles = text_size * 2 if panel_count(spec) > 1 else 8
    top = round(heading + rows * text_size * 1.9 + panel_titles + 6)
    bottom = round(text_size * 2.6)
    total = height + top
    layout = spec["layout"]
    merge(layout, {
        "title": {
            "text": wrap(title, _chars_per_line(title_size)),
            "font": {"size": title_size, "color": TEXT_COLOUR},
            "x": 0, "xanchor": "left", "xref": "container", "y": 1, "yanchor": "top",
            "yref": "container", "pad": {"l": 12, "t": round(12 + title_size * 1.25 * (title_lines - 1))},
            "subtitle": {"text": wrapped_subtitle, "font": {"size": text_size, "color": SUBTLE_TEXT_COLOUR}},
        },
        "font": {**FONT, "size": text_size},
        "hoverlabel": {"font": {"size": text_size}},
        # Named here, once: plotly copies a template each time one is set.
        "template": TEMPLATE,
        "height": total,
        "margin": {"l": round(text_size * 4.5), "r": right, "t": top, "b": bottom},
        "hovermode": "closest",
        # Under the title, horizontal: it wraps to another row instead of scrolling, and never covers a line.
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "xref": "container", "y": 1 - heading / total,
                   "yanchor": "top", "yref": "container", "font": {"size": text_size},
                   "itemclick": "toggle", "itemdoubleclick": "toggleothers"},
        "meta": {"source_line": source_text, "alt_text": alt_text or title},
    })
    readable = {"tickfont": {"size": text_size}, "title": {"font": {"size": text_size}}}
    update_axes(spec, "x", readable)
    update_axes(spec, "y", readable)
    for note in layout.get("annotations") or ():
        note.setdefault("font", {})["size"] = text_size
    if y_title is not None:
        update_axes(spec, "y", {"title": {"text": y_title}})
    if x_title is not None:
        update_axes(spec, "x", {"title": {"text": x_title}})
    return spec


def _legend_names(spec: dict) -> list[str]:
    """The legend's entries, once each: the named traces not left out of it."""
    return list(dict.fromkeys(t["name"] for t in spec["data"] if t.get("showlegend") is not False and t.get("name")))


def _chars_per_line(size: float, width: float = 560) -> int:
    """How many characters fit on one line of a chart about `width` pixels wide (so a title wraps, not clips).

    560 px: the main column of a 1024 px laptop window beside the sidebar; a figure does not know the width it is
    drawn at, so titles wrap for the narrowest common window (a second line on a wide one costs little)."""
    return max(int(width / (0.55 * size)), 20)


def spread_apart(wanted: Sequence[float], heights: Sequence[float], *, floor: float = 0.0,
                 ceiling: float | None = None) -> list[float]:
    """Centres for labels stacked in one column, each as near its wanted centre as it can be without overlapping.

    Pure geometry in one unit (pixels, y growing upwards): labels keep their order from top to bottom; the top one
    stays under `ceiling` and the stack is lifted where its lowest label would fall below `floor`. When the stack is
    taller than the room it runs over the ceiling rather than print one label over another.

    Args:
        wanted: each label's wanted centre (its line's last value, in pixels).
        heights: each label's height.
        floor, ceiling: the room's bottom and top (no ceiling: unbounded).

    Returns:
        The centres, in the order given.
    """
    order = sorted(range(len(wanted)), key=lambda i: -wanted[i])
    placed: dict[int, float] = {}
    above = None
    for i in order:  # top down: each label at most as high as the one above it allows
        top = ceiling if above is None else placed[above] - heights[above] / 2
        limit = top - heights[i] / 2 if top is not None else wanted[i]
        placed[i] = min(wanted[i], limit)
        above = i
    below = None
    for i in reversed(order):  # bottom up: lift what fell under the floor, and whatever it then pushes
        bottom = floor if below is None else placed[below] + heights[below] / 2
        placed[i] = max(placed[i], bottom + heights[i] / 2)
        below = i
    return [placed[i] for i in range(len(wanted))]


END_LABEL_PREFIX = "end label: "


def end_labels(
    spec: dict, labels: Sequence[tuple[float, str, str]], *, yref: str, y_range: tuple[float, float],
    panel_px: float, text_size: int,
) -> None:
    """Labels in the right margin at each line's last value, nudged apart (`spread_apart`) so none prints over
    another. Each label's value is kept in `layout.meta["end_labels"]`, so a copy drawn at another height (a
    slide) can place them again (`respace_end_labels`).

    Args:
        labels: (value, text, line colour); the text colour is the line's, darkened to pass WCAG AA.
        yref: the panel's y axis ("y", "y2", ...), whose fixed `y_range` converts between values and pixels.
        panel_px: the panel's height in pixels.
    """
    if not labels:
        return
    notes = [
        {"text": text, "name": f"{END_LABEL_PREFIX}{text}", "xref": f"{yref.replace('y', 'x')} domain", "x": 1,
         "xanchor": "left", "xshift": 6, "yref": yref, "y": value, "yanchor": "middle", "align": "left",
         "showarrow": False, "font": {"size": text_size, "color": text_colour(colour)}}
        for value, text, colour in labels
    ]
    _place_end_labels(notes, [value for value, _, _ in labels], y_range, panel_px, text_size)
    add_layout_items(spec, annotations=notes)
    layout = spec["layout"]
    meta = dict(layout["meta"]) if isinstance(layout.get("meta"), dict) else {}
    meta["end_labels"] = [*meta.get("end_labels", []), *(
        {"name": note["name"], "value": value, "yref": yref} for note, (value, _, _) in zip(notes, labels))]
    layout["meta"] = meta


def _place_end_labels(notes, values, y_range, panel_px: float, text_size: float, slack_px: float = 0.0) -> None:
    """Set each label's `y` (a value on its panel's axis) so the labels sit apart at this panel height; a stack may
    reach `slack_px` above and below the panel (half the gap to the next panel: never into its labels)."""
    low, high = y_range
    per_px = (high - low) / max(panel_px, 1.0)
    heights = [(str(_get(note, "text")).count("<br>") + 1) * text_size * 1.25 for note in notes]
    centres = spread_apart([(v - low) / per_px for v in values], heights, floor=-slack_px,
                           ceiling=panel_px + slack_px)
    for note, centre in zip(notes, centres):
        # Plotly hides an annotation whose value is off its axis: one pushed past the panel's edge stays on the
        # edge and is shifted the rest of the way in pixels.
        inside = min(max(centre, 0.0), panel_px)
        _set(note, "y", low + inside * per_px)
        _set(note, "yshift", centre - inside)


def _get(item, key):
    return item[key] if isinstance(item, dict) else getattr(item, key)


def _set(item, key, value) -> None:
    if isinstance(item, dict):
        item[key] = value
    else:
        setattr(item, key, value)


def _layout_of(fig) -> dict:
    """A figure's layout as a plain dict: a figure dict's own (edited in place), or a go.Figure's copy."""
    if isinstance(fig, go.Figure):
        return fig.layout.to_plotly_json()
    return fig["layout"] if "layout" in fig else fig


def inner_px(layout: Mapping) -> float:
    """The plotting height in pixels: the figure's height (plotly's default 450) less the top and bottom margins."""
    margin = layout.get("margin") or {}
    return (layout.get("height") or 450) - (margin.get("t") or 0) - (margin.get("b") or 0)


def panel_axes(layout: Mapping) -> list[str]:
    """The layout's own y axes ("yaxis", "yaxis2", ...; not one laid over another). Plotly always has "yaxis"."""
    names = [n for n in layout if re.fullmatch(r"yaxis\d*", n)]
    return [n for n in (names if "yaxis" in names else ["yaxis", *names]) if (layout.get(n) or {}).get("overlaying")
            is None]


def panel_heights(fig) -> dict[str, float]:
    """Each y axis ("y", "y2", ...) -> its panel's height in pixels at the figure's height and margins.

    `fig`: a go.Figure, a figure dict ({"data", "layout"}) or a layout dict."""
    layout = _layout_of(fig)
    inner = inner_px(layout)
    heights = {}
    for name in panel_axes(layout):
        domain = (layout.get(name) or {}).get("domain") or (0, 1)
        heights["y" + name[len("yaxis"):]] = inner * (domain[1] - domain[0])
    return heights


def panel_count(fig) -> int:
    """How many stacked panels the figure has (its y axes that are not laid over another), at least 1."""
    return max(len(panel_axes(_layout_of(fig))), 1)


def _half_gap_px(layout: Mapping) -> float:
    """Half the smallest gap between stacked panels, in pixels (0 for a single panel)."""
    domains = sorted((tuple(layout[n]["domain"]) for n in panel_axes(layout) if (layout.get(n) or {}).get("domain")),
                     reverse=True)
    gaps = [upper[0] - lower[1] for upper, lower in zip(domains, domains[1:])]
    return max(min(gaps), 0) * inner_px(layout) / 2 if gaps else 0.0


def respace_end_labels(fig: dict, text_size: float) -> None:
    """Place the line-end labels again for the figure's present height, margins and text size (see end_labels).

    `fig`: a figure dict ({"data", "layout"}, as `to_plotly_json()` gives) or its layout, edited in place."""
    layout = _layout_of(fig)
    meta = layout.get("meta") if isinstance(layout.get("meta"), dict) else {}
    values = {(entry["name"], entry["yref"]): entry["value"] for entry in meta.get("end_labels", [])}
    heights = panel_heights(layout)
    slack = _half_gap_px(layout)
    by_axis: dict[str, list] = {}
    for note in layout.get("annotations") or ():
        if (note.get("name"), note.get("yref")) in values:
            by_axis.setdefault(note["yref"], []).append(note)
    for yref, notes in by_axis.items():
        axis = layout.get("yaxis" + yref[1:]) or {}
        if axis.get("range") is None or yref not in heights:
            continue
        _place_end_labels(notes, [values[(n["name"], yref)] for n in notes], tuple(axis["range"]), heights[yref],
                          text_size, slack)


def last_point(trace) -> tuple[int, float] | None:
    """A line's last drawn (year, value), or None when it has no value."""
    xs, ys = trace_value(trace, "x"), trace_value(trace, "y")
    points = [(x, y) for x, y in zip(xs or (), ys or ()) if y is not None and not pd.isna(y)]
    return points[-1] if points else None


def trace_value(trace, key):
    """A trace's property, from a trace dict or a plotly trace."""
    return trace.get(key) if isinstance(trace, dict) else getattr(trace, key)


def line_end_label(trace, label: str, unit: str) -> tuple[float, str, str] | None:
    """(value, "<label> 14.5% (2023)", line colour) for a line's last value, as end_labels takes it; None without
    a value."""
    point = last_point(trace)
    if point is None:
        return None
    year, value = point
    line = trace_value(trace, "line")
    colour = (line.get("color") if isinstance(line, dict) else getattr(line, "color", None)) or TEXT_COLOUR
    return value, f"{label} {short_value(value, unit)} ({year})", colour


def value_range(values: Iterable[float]) -> tuple[float, float] | None:
    """A panel's fixed value range: every drawn value with a little room; shares and counts start at zero unless
    that would squash the lines into a strip. None when nothing is drawn."""
    finite = [v for v in values if v is not None and not pd.isna(v)]
    if not finite:
        return None
    low, high = min(finite), max(finite)
    pad = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
    low = 0.0 if low >= 0 and (low - pad < 0 or low <= 0.5 * high) else low - pad
    return low, high + pad


# A line-end label wraps after about this many characters; labels are spaced for a page about NARROW_PX wide.
LABEL_CHARS = 32
NARROW_PX = 450


def label_line_ends(spec: dict, panels: Mapping[int, tuple[Sequence, Iterable[float]]], *,
                    text_size: int = BODY_TEXT_PX) -> None:
    """The line-end labels of a finished figure (after `finish`), one implementation for every chart: each panel's
    value axis fixed (so the labels can be nudged apart in pixels), the right margin as wide as the longest
    label, the labels placed by `end_labels`.

    A long label wraps (a narrow page would otherwise give the labels the plot's room). The labels are spaced for
    a legend wrapped as on a narrow page (about 450 px): a wider page only spreads them a little further.

    Args:
        panels: panel row (1 = top) -> (labels as end_labels takes them, every value drawn on that panel).
    """
    panels = {row: ([(value, wrap(text, LABEL_CHARS), colour) for value, text, colour in labels], values)
              for row, (labels, values) in panels.items()}
    layout = spec["layout"]
    widths = [text_width(text, text_size) for labels, _ in panels.values() for _, text, _ in labels]
    if widths:
        layout.setdefault("margin", {})["r"] = round(max(max(widths), 40) + 16)
    margin = layout.get("margin") or {}
    in_legend = _legend_names(spec)
    shown = layout.get("showlegend") is not False and in_legend
    extra_rows = legend_rows(in_legend, text_size, NARROW_PX) - legend_rows(in_legend, text_size) if shown else 0
    inner = layout["height"] - margin["t"] - margin["b"] - extra_rows * text_size * 1.9
    for row, (labels, values) in panels.items():
        axis = "yaxis" if row == 1 else f"yaxis{row}"
        y_range = value_range(values)
        if y_range is None:
            continue
        domain = (layout.get(axis) or {}).get("domain") or (0, 1)
        layout.setdefault(axis, {})["range"] = list(y_range)
        end_labels(spec, labels, yref="y" if row == 1 else f"y{row}", y_range=y_range,
                   panel_px=inner * (domain[1] - domain[0]), text_size=text_size)


def add_benchmark(spec: dict, low: float, high: float, label: str, *, text_size: int = BODY_TEXT_PX,
                  row: int | None = None, col: int | None = None, with_label: bool = True) -> None:
    """A benchmark as a dashed line (low == high) or a light band, its label at the right edge, outside the data.

    `row`/`col` place it on one panel of a figure with subplots; `with_label=False` leaves the label to the
    caller (a claim chart nudges it among its line-end labels).
    """
    axis = "" if not row or row == 1 else str(row)
    name = f"benchmark: {label}"
    common = {"xref": f"x{axis} domain", "yref": f"y{axis}", "x0": 0, "x1": 1, "name": name, "layer": "below"}
    if high != low:
        shape = {"type": "rect", "y0": low, "y1": high, "fillcolor": BENCHMARK_COLOUR, "opacity": 0.12,
                 "line": {"width": 0}, **common}
    else:
        shape = {"type": "line", "y0": low, "y1": low, "line": {"color": BENCHMARK_COLOUR, "dash": "dash",
                                                                 "width": 2}, **common}
    text = benchmark_text(label)
    if not with_label:
        add_layout_items(spec, shapes=[shape])
        return
    add_layout_items(spec, shapes=[shape], annotations=[{
        "text": text, "name": f"benchmark label: {label}", "xref": f"x{axis} domain", "x": 1, "xanchor": "left",
        "xshift": 6, "yref": f"y{axis}", "y": (low + high) / 2, "yanchor": "middle", "align": "left",
        "showarrow": False, "font": {"size": text_size, "color": text_colour(BENCHMARK_COLOUR)},
    }])


def benchmark_text(label: str) -> str:
    """A benchmark's label at the right edge, wrapped to a narrow column."""
    return wrap(f"Benchmark: {label}", 30)


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
        else:  # one mark, one hover text for events in the same single year
            spans[same_year] = (start, end, f"{spans[same_year][2]}; {label}")
    return spans


def event_source_note(events, years: tuple[int, int]) -> str:
    """'Events: <their sources>.' for the events drawn, so marked events are cited like the data."""
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


EVENT_AXIS = "y99"  # an invisible 0-1 axis over the bottom panel, so event markers sit on the time axis


def add_events(spec: dict, events, years: tuple[int, int], *, text_size: int = BODY_TEXT_PX,
               bottom_panel: int = 1) -> None:
    """Events as small markers on the time axis, their text on hover; a period (e.g. military rule) is also a
    light band behind the data. No text is printed on the data.

    The markers sit on an invisible 0-1 axis laid over the bottom panel, so they stay on the time axis whatever
    the data's range; bands span the whole plotting height (`yref="paper"`), once for stacked panels.
    """
    spans = event_rows(events, years)
    if not spans:
        return
    axis = "" if bottom_panel == 1 else str(bottom_panel)
    shapes = [
        {"type": "rect", "xref": f"x{axis}", "yref": "paper", "x0": start - 0.5, "x1": end + 0.5, "y0": 0, "y1": 1,
         "fillcolor": EVENT_SHADE, "line": {"width": 0}, "layer": "below", "name": f"event: {label}"}
        for start, end, label in spans if end > start
    ]
    add_layout_items(spec, shapes=shapes)
    hover = [f"{label} ({start}-{end})" if end > start else f"{label} ({start})" for start, end, label in spans]
    spec["data"].append({
        "type": "scatter", "x": [start for start, _, _ in spans], "y": [0] * len(spans), "xaxis": f"x{axis}",
        "yaxis": EVENT_AXIS, "mode": "markers", "name": "Events", "showlegend": False, "cliponaxis": False,
        "text": hover, "marker": {"symbol": "triangle-up", "size": round(text_size * 0.9),
                                  "color": EVENT_MARKER_COLOUR, "line": {"color": "#FFFFFF", "width": 1}},
        "hovertemplate": "%{text}<extra>Event</extra>",
    })
    merge(spec["layout"], {EVENT_AXIS.replace("y", "yaxis"): {
        "overlaying": f"y{axis}", "range": [0, 1], "visible": False, "fixedrange": True, "showgrid": False}})


def add_layout_items(spec: dict, *, shapes: Sequence[dict] = (), annotations: Sequence[dict] = ()) -> None:
    """Append shapes and annotations to the figure dict's layout."""
    if shapes:
        spec["layout"].setdefault("shapes", []).extend(shapes)
    if annotations:
        spec["layout"].setdefault("annotations", []).extend(annotations)


def no_data_note(spec: dict, text: str = "No data for this selection", xref="paper", yref="paper") -> None:
    """Say so in the plot area when there is nothing to draw, rather than showing an empty frame."""
    add_layout_items(spec, annotations=[{
        "font": {"size": 16}, "name": "no-data", "showarrow": False, "text": text, "x": 0.5, "xref": xref,
        "y": 0.5, "yref": yref}])


def with_citation_columns(frame: pd.DataFrame, sources: Mapping) -> pd.DataFrame:
    """The rows with each row's source title, licence and citation added (for CSV downloads)."""
    table = frame.copy()
    ids = table["source"].astype(str) if "source" in table else pd.Series([""] * len(table), index=table.index)
    for column, attribute in (("source_title", "title"), ("licence", "licence"), ("citation", "citation")):
        table[column] = [getattr(sources.get(s), attribute, "") if s in sources else "" for s in ids]
    return table
