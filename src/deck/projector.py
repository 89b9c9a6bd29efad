"""Slides for a projector: a chart restyled for the back of a seminar room, and slide text without file paths
or series codes.

Why this module: the Claims page's charts are drawn for a screen read at arm's length (15 px text, the source
line inside the figure, event labels written along the data). A slide is read from ten metres on a 1024x768
projector, so the deck draws a copy of each chart with every text at least PROJECTOR_TEXT_PX, the source line
moved out of the figure (the slide prints it once under the chart) and rotated event labels dropped (the event
periods stay shaded). Slide text comes from the claim checker, written for analysts: it may name a declared file
("data/catalogue/events.csv") or a series code ("SH.DYN.MORT"), which mean nothing to a seminar audience.
Pure: plotly figures and strings in, the same out; the original figure is never changed.
"""

from __future__ import annotations

import re

import plotly.graph_objects as go

from src.charts.claims import ClaimChartStyle
from src.charts.common import as_figure, axis_names, inner_px, panel_axes, panel_count, respace_end_labels
from src.charts.plain_words import plain_words  # noqa: F401 (re-exported for the deck)

# Smallest text on a projected chart: the chart conventions ask for at least 18 px on a 1024x768 slide.
PROJECTOR_TEXT_PX = 18
# A claim chart on a slide: projector-size text; the focus country, the median and benchmarks labelled at their
# line ends, peers named on hover (seven labels per panel print over each other at 18 px); no legend (the lines
# are labelled). Every panel the Claims page draws (a slide shows its card's chart), stacked tighter.
SLIDE_CHART_STYLE = ClaimChartStyle(text_size=PROJECTOR_TEXT_PX, label_peers=False, legend=False,
                                    short_benchmarks=True)

# A claim id opening a chart title ("C1.1: Military spending ..."): the slide already says which claim it is.
_CLAIM_PREFIX = re.compile(r"^\s*[A-Z]+\d+(?:\.\d+)*\s*:\s*")
# Sentence ends: a full stop after a word or a bracket, then a capital (never the point in "2.7%").
_SENTENCE_END = re.compile(r"(?<=[a-z0-9%)\]])\.\s+(?=[A-Z])")


def split_verdict(sentence: str) -> tuple[str, str]:
    """(first sentence, the rest): the first carries the key number, the rest the details a slide folds away."""
    parts = _SENTENCE_END.split(sentence.strip(), maxsplit=1)
    if len(parts) == 1:
        return parts[0], ""
    return parts[0] + ".", parts[1]


def projector_figure(figure: go.Figure, *, height: int | None = None, text_px: int = PROJECTOR_TEXT_PX) -> go.Figure:
    """A copy of the chart for a projected slide: all text at least `text_px`, no source line or event labels
    inside (nor in `layout.meta`: the slide prints Slide.source_line once), the claim id off the title, a tight
    frame; `height` in pixels (None keeps the figure's own).

    Args:
        figure: a chart as src.charts draws it.
        height: the height the slide gives the chart.
        text_px: the smallest text size in pixels.
    """
    return as_figure(projector_spec(figure, height=height, text_px=text_px))


def projector_spec(figure: go.Figure, *, height: int | None = None, text_px: int = PROJECTOR_TEXT_PX) -> dict:
    """`projector_figure` as a plain figure dict ({"data", "layout"}): the export writes it as JSON as it is.

    Why a dict: the chart is already checked by plotly, and editing a plotly copy property by property checks
    every property again (most of a deck export's time); the dict is edited, then checked once, or not at all.
    """
    spec = figure.to_plotly_json()
    layout = spec["layout"]
    kept = []
    for note in layout.get("annotations") or ():
        name = note.get("name") or ""
        if name == "source" or name.startswith("event label"):
            continue  # the source is printed under the chart; event labels would sit on the data at this size
        font = note.setdefault("font", {})
        font["size"] = max(font.get("size") or 0, text_px)
        kept.append(note)
    if kept:
        layout["annotations"] = kept
    else:
        layout.pop("annotations", None)  # plotly keeps no empty list
    # The chart was drawn at projector size (claim_chart's text_size), which placed its legend and line-end labels
    # for that size. On a slide the heading and question above already say what the chart shows, so the chart's
    # own title and subtitle go, and their room goes to the plot; whatever text is still smaller is lifted.
    multi_panel = panel_count(layout) > 1
    with_legend = layout.get("showlegend") is not False and any(t.get("showlegend") is not False for t in spec["data"])
    legend_rows = 2 if with_legend else 0
    top = round(text_px * legend_rows * 1.9 + (_panel_title_px(text_px) if multi_panel else text_px / 2) + 6)
    title = layout.setdefault("title", {})
    title["text"] = ""
    title.setdefault("subtitle", {})["text"] = ""
    font = layout.setdefault("font", {})
    font["size"] = max(font.get("size") or 0, text_px)
    legend = layout.setdefault("legend", {})
    legend_font = legend.setdefault("font", {})
    legend_font["size"] = max(legend_font.get("size") or 0, text_px)
    legend.update({"y": 1, "yanchor": "top", "yref": "container"})
    layout.setdefault("hoverlabel", {}).setdefault("font", {})["size"] = text_px
    layout.setdefault("margin", {})["t"] = top
    meta = dict(layout["meta"]) if isinstance(layout.get("meta"), dict) else {}
    meta.pop("source_line", None)  # the slide prints it (Slide.source_line); a page would print it twice
    if meta:
        layout["meta"] = meta
    else:
        layout.pop("meta", None)
    if height is not None:
        layout.update({"height": height, "autosize": True})
    # Every axis, "xaxis" and "yaxis" even when not set yet (plotly's update_xaxes would create them).
    for name in [*axis_names(layout, "x"), *axis_names(layout, "y")]:
        axis = layout.setdefault(name, {})
        axis.setdefault("tickfont", {})["size"] = text_px
        if name.startswith("x"):
            _drop(axis, "title", "text")  # years need no "Year" under them
        else:
            axis["nticks"] = 4  # fewer ticks: at this size the labels of a short panel would print over each other
    if multi_panel:
        _stack_panels(layout, gap_px=_panel_title_px(text_px))
    # The labels were placed for the chart's own height: placed again for the slide's.
    respace_end_labels(layout, text_px)
    return spec


def _drop(item: dict, key: str, inner: str) -> None:
    """Remove item[key][inner] (and item[key] when nothing is left), as plotly does when a property is set to None."""
    part = item.get(key)
    if isinstance(part, dict):
        part.pop(inner, None)
        if not part:
            item.pop(key)


def _panel_title_px(text_px: float) -> float:
    """Room above a panel for its one-line title."""
    return text_px * 1.5 + 4


def _stack_panels(layout: dict, *, gap_px: float) -> None:
    """Panels of equal height with just a title's room between them at the figure's height (the chart spaced them
    for its own, taller height), their titles moved with them."""
    names = sorted((n for n in panel_axes(layout) if (layout.get(n) or {}).get("domain")),
                   key=lambda n: -layout[n]["domain"][1])
    inner = max(inner_px(layout), 1)
    gap = min(gap_px / inner, 0.5 / max(len(names), 1))
    panel = (1 - gap * (len(names) - 1)) / len(names)
    titles = {round(layout[n]["domain"][1], 6): n for n in names}
    new_tops = {}
    for position, name in enumerate(names):
        top = 1 - position * (panel + gap)
        new_tops[name] = top
        layout[name]["domain"] = [max(top - panel, 0), top]
    for note in layout.get("annotations") or ():
        if note.get("xref") == "paper" and note.get("yref") == "paper" and note.get("yanchor") == "bottom":
            name = titles.get(round(note["y"], 6))
            if name:
                note["y"] = new_tops[name]
