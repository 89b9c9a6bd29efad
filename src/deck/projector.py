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

# Smallest text on a projected chart: the chart conventions ask for at least 18 px on a 1024x768 slide.
PROJECTOR_TEXT_PX = 18
# The chart's own title on a slide: a step above its other text, below the slide's heading.
PROJECTOR_TITLE_PX = 22

# A declared file, with or without its folder: data/catalogue/events.csv, benchmarks.yaml.
_FILE_PATH = re.compile(r"\b(?:[\w-]+/)*([\w-]+)\.(?:csv|tsv|ya?ml|json|xlsx?|parquet|txt)\b")
# A catalogue id (snake_case with an underscore) or a publisher's dotted code (SH.DYN.MORT, MS.MIL.XPND.GD.ZS).
_CODE = r"(?:\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\b[A-Z][A-Z0-9]{1,}(?:\.[A-Z0-9]+){2,}\b)"
# A bracket that holds nothing but codes: "(gm_poverty_300, extreme_poverty_percent_people_below_300_a_day)".
_CODES_IN_BRACKETS = re.compile(rf"\s*\(\s*{_CODE}(?:\s*[,;/]\s*{_CODE})*\s*\)")
_LOOSE_CODE = re.compile(_CODE)
# A claim id opening a chart title ("C1.1: Military spending ..."): the slide already says which claim it is.
_CLAIM_PREFIX = re.compile(r"^\s*[A-Z]+\d+(?:\.\d+)*\s*:\s*")
# Sentence ends: a full stop after a word or a bracket, then a capital (never the point in "2.7%").
_SENTENCE_END = re.compile(r"(?<=[a-z0-9%)\]])\.\s+(?=[A-Z])")


def plain_words(text: str) -> str:
    """The text as a seminar audience reads it: a declared file becomes "the study's <name> list" and codes in
    brackets (catalogue ids, publisher codes) are left out; a code outside brackets is left out too."""
    if not text:
        return ""
    text = _FILE_PATH.sub(lambda m: f"the study's {m.group(1).replace('_', ' ').replace('-', ' ')} list", text)
    text = _CODES_IN_BRACKETS.sub("", text)
    text = _LOOSE_CODE.sub("", text)
    return re.sub(r"\s{2,}", " ", re.sub(r"\s+([,.;:)])", r"\1", text)).strip()


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
    fig = go.Figure(figure)
    kept = []
    for note in fig.layout.annotations:
        name = note.name or ""
        if name == "source" or name.startswith("event label"):
            continue  # the source is printed under the chart; event labels would sit on the data at this size
        note.font.size = max(note.font.size or 0, text_px)
        kept.append(note)
    fig.layout.annotations = kept
    title = _CLAIM_PREFIX.sub("", str(fig.layout.title.text or ""))
    title = title[:1].upper() + title[1:]
    subplot_titles = any(not (a.name or "") and a.yref == "paper" and a.y is not None and a.y > 0.9 for a in kept)
    fig.update_layout(
        title={"text": title, "font": {"size": max(PROJECTOR_TITLE_PX, text_px)}, "x": 0, "xanchor": "left",
               "y": 0.99 if title else None, "yanchor": "top"},
        font={"size": text_px},
        legend={"font": {"size": text_px}, "tracegroupgap": 0},
        hoverlabel={"font": {"size": text_px}},
        margin={"t": (40 if title else 10) + (28 if subplot_titles else 0), "b": 40, "l": 80,
                "r": _legend_room(fig, text_px)},
    )
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
    meta.pop("source_line", None)  # the slide prints it (Slide.source_line); a page would print it twice
    fig.layout.meta = meta or None
    if height is not None:
        fig.update_layout(height=height, autosize=True)
    fig.update_xaxes(tickfont={"size": text_px}, title={"text": None})  # years need no "Year" under them
    # Fewer ticks: at this size the labels of a short panel would print over each other.
    fig.update_yaxes(tickfont={"size": text_px}, title={"font": {"size": text_px}}, nticks=4)
    return fig


def _legend_room(fig: go.Figure, text_px: int) -> int:
    """Right margin wide enough for the longest legend entry at this text size (about 0.55 em per letter)."""
    names = [str(t.name or "") for t in fig.data if t.showlegend is not False and t.name]
    if not names or fig.layout.showlegend is False:
        return 20
    return min(420, 60 + int(max(map(len, names)) * text_px * 0.55))
