"""The deck taken offline: ONE self-contained HTML file (plotly.js inlined, nothing fetched) and a chart as PNG.

The page's look and its stepping script are static files beside this module (static/deck.css, static/deck.js),
read when a deck is exported, so they can be edited and linted as CSS and JavaScript.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from src.claims.verdicts import style_of
from src.deck.projector import projector_spec
from src.deck.slides import Slide

STATIC_DIR = Path(__file__).resolve().parent / "static"
CSS_FILE = STATIC_DIR / "deck.css"
JS_FILE = STATIC_DIR / "deck.js"
# The Seminar mode page's own look, and what its presentation view hides.
PAGE_CSS_FILE = STATIC_DIR / "page.css"
PRESENT_CSS_FILE = STATIC_DIR / "present.css"

# Browsers kaleido can drive, in the order we look for them (Debian names its package `chromium`).
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

# What each exported chart may do: no link to plotly's cloud, no logo; the camera button saves a PNG locally.
EXPORT_PLOTLY_CONFIG = {
    "displaylogo": False,
    "showLink": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "plotlyServerURL": "",
    "responsive": True,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


class PngExportUnavailable(RuntimeError):
    """No browser for kaleido (or kaleido failed): the chart's own camera button is the way to save a PNG."""


def _script_json(text: str) -> str:
    """JSON text that can sit inside a <script> element (no `</script>` in a label can close it early)."""
    return text.replace("</", "<\\/")


def page_css(*, presenting: bool = False) -> str:
    """The Seminar mode page's <style> element (static/page.css, plus static/present.css when presenting)."""
    files = [PAGE_CSS_FILE, PRESENT_CSS_FILE] if presenting else [PAGE_CSS_FILE]
    return "<style>\n" + "\n".join(f.read_text(encoding="utf-8") for f in files) + "</style>"


def badge_html(status: str, css_class: str = "badge") -> str:
    """The verdict as a coloured label (the dashboard's colour-blind-safe verdict colours); "" without a status."""
    if not status:
        return ""
    style = style_of(status)
    return f'<span class="{css_class}" style="background:{style.colour}">{html.escape(style.label)}</span>'


# A little under the height a chart gets on a 1024x768 slide with a two-line heading (about 270 px: deck.css lays it
# out; deck.js draws it at the room it has):
# the line-end labels are placed apart for this smallest room, so a larger window only spreads them further.
SLIDE_CHART_PX = 260


def _figure_html(div_id: str, figure: go.Figure, charts: int = 1) -> list[str]:
    # The projector's copy (>= 18 px text, no source inside), its labels placed for a 1024x768 slide.
    projected = projector_spec(figure, height=SLIDE_CHART_PX // max(charts, 1))
    # Written as it is: the chart was checked by plotly when drawn, and the projector only resized its text.
    figure_json = pio.to_json(projected, validate=False)
    spec = f'{{"figure": {figure_json}, "config": {json.dumps(EXPORT_PLOTLY_CONFIG)}}}'
    return [
        f'<div class="figure" id="{div_id}"></div>',
        f'<script type="application/json" id="{div_id}-spec">{_script_json(spec)}</script>',
    ]


def _head_html(slide: Slide, heading: str) -> list[str]:
    esc = html.escape
    parts = [f'<p class="kicker">{esc(slide.kicker)}</p>'] if slide.kicker else []
    parts.append(f"<{heading}>{esc(slide.title)}</{heading}>")
    return parts


def _slide_html(number: int, slide: Slide, guess_first: bool) -> str:
    esc = html.escape
    guessing = guess_first and slide.kind == "claim" and bool(slide.question)
    classes = " ".join(["slide", slide.kind] + (["guessing"] if guessing else []))
    parts = [f'<section class="{classes}" id="slide-{number}" data-kind="{slide.kind}"'
             f' data-claim="{esc(slide.claim_id)}">']
    if slide.kind == "title":
        parts.extend(_head_html(slide, "h1"))
        if slide.text:
            parts.append(f'<p class="text">{esc(slide.text)}</p>')
        if slide.settings_line:
            parts.append(f'<p class="settings">{esc(slide.settings_line)}</p>')
    elif slide.kind == "theme":
        parts.extend(_head_html(slide, "h2"))
        if slide.text:
            parts.append(f'<p class="text">{esc(slide.text)}</p>')
    else:
        parts.append('<div class="head">')
        parts.extend(_head_html(slide, "h2"))
        if slide.caption:
            parts.append(f'<p class="caption">{esc(slide.caption)}</p>')
        if slide.question:
            parts.append(f'<p class="question">{esc(slide.question)}</p>')
            parts.append('<button class="reveal" type="button">Reveal the number and the verdict</button>')
        parts.append('</div><div class="answer">')
        if slide.figures:
            parts.append(f'<div class="charts charts-{len(slide.figures)}">')
            for index, figure in enumerate(slide.figures):
                suffix = "" if index == 0 else f"-{index + 1}"
                parts.extend(_figure_html(f"figure-{number}{suffix}", figure, len(slide.figures)))
            parts.append("</div>")
        checks = f'<strong class="checks">{esc(slide.checks)}.</strong> ' if slide.checks else ""
        parts.append(f'<p class="verdict">{badge_html(slide.status)}{checks}{esc(slide.key_sentence)}</p>')
        footer = " ".join(line for line in (slide.settings_line, slide.source_line) if line)
        if slide.more or slide.source_line:
            # The whole verdict and sources, folded: opened, they take room from the chart, never from the navigation.
            parts.append('<details class="more"><summary>The whole verdict and its sources</summary>'
                         f"<p>{esc(slide.sentence)}</p><p>{esc(slide.source_line)}</p></details>")
        if footer:
            parts.append(f'<p class="source">{esc(footer)}</p>')
        parts.append("</div>")
    parts.append("</section>")
    return "\n".join(parts)


def export_html(slides: Sequence[Slide], *, title: str, guess_first: bool = False) -> str:
    """The deck as ONE self-contained HTML file: plotly.js inlined once, every chart's data inside, no fetches.

    Open it in any browser, offline: arrow keys, space, Page Up/Down or the buttons step through the slides, F (or
    the button) toggles full screen; the slide number is in the address (#3). Every slide fits the window (a
    1024x768 projector too): the chart takes the room the text leaves, the navigation has its own strip. With `guess_first`, a claim slide with a question shows the question first
    and the number and verdict after "Reveal" (or the next key press).

    Args:
        slides: the deck (build_deck, with charts drawn by draw_slides).
        title: the document's title (the study's deck_title).
        guess_first: ask each claim's question before showing its answer.
    """
    from plotly.offline import get_plotlyjs

    css = CSS_FILE.read_text(encoding="utf-8")
    script = JS_FILE.read_text(encoding="utf-8")
    body = "\n".join(_slide_html(n, s, guess_first) for n, s in enumerate(slides, start=1))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{css}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<main id="deck">
{body}
</main>
<nav><button id="prev" type="button" aria-label="Previous slide">&larr; Previous</button>
<span id="counter"></span>
<button id="next" type="button" aria-label="Next slide">Next &rarr;</button>
<button id="fullscreen" type="button" aria-label="Full screen (F)" title="Full screen (F)">Full screen (F)</button>
</nav>
<script type="text/javascript">{script}</script>
</body>
</html>
"""


def find_browser() -> str | None:
    """Path of a Chromium or Chrome kaleido can drive: $BROWSER_PATH when set and present, else the first on PATH."""
    configured = os.environ.get("BROWSER_PATH")
    if configured and os.path.isfile(configured) and os.access(configured, os.X_OK):
        return configured
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def export_png(
    fig: go.Figure, *, width: int = 1600, height: int | None = None, scale: float = 1, browser_path: str | None = None
) -> bytes:
    """The figure as PNG bytes, drawn by kaleido in the system Chromium (no MathJax, nothing fetched).

    `height` defaults to the figure's own (a chart with several panels is taller), else 900 pixels.

    Raises:
        PngExportUnavailable: no browser found, or kaleido failed; the message says to use the chart's camera button.
    """
    path = browser_path or find_browser()
    fallback = "Use the camera button at the top right of the chart to save it as PNG instead."
    if not path or not os.path.isfile(path):
        raise PngExportUnavailable(
            f"PNG export needs Chromium or Chrome (looked for {', '.join(BROWSER_NAMES)} and $BROWSER_PATH). {fallback}"
        )
    try:
        import kaleido

        # mathjax=False: kaleido would otherwise load MathJax from a CDN.
        return kaleido.calc_fig_sync(
            fig,
            opts={"format": "png", "width": width, "height": height or fig.layout.height or 900, "scale": scale},
            kopts={"path": path, "mathjax": False},
        )
    except Exception as exc:  # kaleido raises many kinds (browser crash, timeout); all mean "no PNG this way"
        raise PngExportUnavailable(f"PNG export with {path} failed ({exc}). {fallback}") from exc
