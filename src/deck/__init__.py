"""Seminar decks: the study as a sequence of slides, their state in the URL, and an offline HTML/PNG export.

Why this module: presenters show the dashboard on projectors with poor or no internet. The deck is built here from
the codebook, the store and the claim checker's settings as plain data (no Streamlit), so the Seminar mode page
stays thin, the same slides can be written to ONE self-contained HTML file (plotly.js inlined, nothing fetched),
and everything is tested without a running app.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import plotly.graph_objects as go

from src.charts.claims import VERDICT_COLOURS, VERDICT_LABELS, chart_indicators, claim_benchmarks, claim_chart

SLIDE_KINDS = ("title", "theme", "claim")
DECK_TITLE = "Human security in Pakistan: the experts' claims beside the data"

# URL parameter names (the shared names of the dashboard, plus `guess` for the guess-first step).
SLIDE_PARAM = "slide"
DECK_PARAM = "deck"
FOCUS_PARAM = "focus"
PEERS_PARAM = "peers"
CUSTOM_PARAM = "custom"
GUESS_PARAM = "guess"
DEFAULT_FOCUS = "PAK"
DEFAULT_PEERS = "south_asia"
CUSTOM_GROUP = "custom"

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


class UnknownClaimError(ValueError):
    """The deck asks for claim ids the codebook does not have; the message lists them and the known ones."""

    def __init__(self, unknown: Sequence[str], known: Sequence[str]):
        self.unknown = list(unknown)
        self.known = list(known)
        super().__init__(
            f"The deck asks for claim(s) the codebook does not have: {', '.join(self.unknown)}. "
            f"Known claims: {', '.join(self.known)}."
        )


class PngExportUnavailable(RuntimeError):
    """No browser for kaleido (or kaleido failed): the chart's own camera button is the way to save a PNG."""


@dataclass(frozen=True, eq=False)
class Slide:
    """One slide: a title slide, a theme slide or a claim slide.

    `text` is the study summary (title), the theme's summary (theme) or the claim's paraphrase (claim);
    `question` is the guess-first question (claims; "" when the codebook gives none); `settings_line` says which
    comparison produced the verdict; `verdict` is the claim checker's Verdict (None on other slides).
    """

    kind: str
    title: str
    text: str = ""
    question: str = ""
    figure: go.Figure | None = None
    sentence: str = ""
    status: str = ""
    source_line: str = ""
    claim_id: str = ""
    theme_id: str = ""
    settings_line: str = ""
    verdict: object = None

    def __post_init__(self):
        if self.kind not in SLIDE_KINDS:
            raise ValueError(f"slide kind {self.kind!r} is not one of {SLIDE_KINDS}")


# --- choosing the claims ------------------------------------------------------------------------------------


def default_claim_ids(codebook) -> list[str]:
    """The default deck: every claim of the codebook (src.study.codebook.Codebook), in its order."""
    return list(codebook.claims)


def check_claim_ids(codebook, claim_ids: Iterable[str]) -> list[str]:
    """The claim ids in the given order without repeats; raises UnknownClaimError listing any the codebook lacks."""
    wanted = list(dict.fromkeys(str(c) for c in claim_ids))
    unknown = [c for c in wanted if c not in codebook.claims]
    if unknown:
        raise UnknownClaimError(unknown, list(codebook.claims))
    return wanted


# --- building the deck ---------------------------------------------------------------------------------------

Evaluator = Callable[[object, object, object], object]
ChartBuilder = Callable[[object, object], "go.Figure | None"]


def _default_evaluate(claim, store, settings):
    from src.claims.evaluate import evaluate  # imported late: the claim checker is its own module

    return evaluate(claim, store, settings)


def settings_line(settings, names: Mapping[str, str] | None = None) -> str:
    """The comparison behind the verdicts in words (src.claims.evaluate.Settings.describe: focus, peers, years)."""
    return f"Compared: {settings.describe(names)}."


def build_deck(
    codebook,
    store,
    settings,
    claim_ids: Sequence[str] | None = None,
    *,
    evaluate: Evaluator | None = None,
    chart: ChartBuilder | None = None,
    title: str = DECK_TITLE,
    summary: str = "",
    names: Mapping[str, str] | None = None,
) -> list[Slide]:
    """The slides: a title slide, then for each theme (in the order its first chosen claim comes) a theme slide
    followed by its chosen claims in the chosen order.

    Args:
        codebook: src.study.codebook's codebook (themes and claims; a claim's `question` feeds the guess-first step).
        store: src.ingest.store.Store handed to `evaluate`.
        settings: src.claims.evaluate.Settings (focus, peer group, window, benchmarks).
        claim_ids: the claims to show, in order; None or empty means every claim of the codebook.
        evaluate: (claim, store, settings) -> Verdict; defaults to src.claims.evaluate.evaluate.
        chart: (claim, verdict) -> plotly figure or None; None draws no charts (the verdict still shows).
            Drawing is the slow part: the page builds the deck without charts and draws the slide on screen
            with draw_slide(); the HTML export draws them all.
        title, summary: the title slide's heading and text.
        names: ISO3 -> display name, for the comparison line under each slide.

    Returns:
        The slides, title slide first.

    Raises:
        UnknownClaimError: a claim id is not in the codebook (the message lists them).
    """
    evaluate = evaluate or _default_evaluate
    chosen = check_claim_ids(codebook, claim_ids or list(codebook.claims))
    comparison = settings_line(settings, names)
    slides = [Slide("title", title, text=summary, settings_line=comparison)]
    by_theme: dict[str, list[str]] = {}
    for claim_id in chosen:
        by_theme.setdefault(codebook.claims[claim_id].theme, []).append(claim_id)
    for theme_id, theme_claims in by_theme.items():
        theme = codebook.themes[theme_id]
        title_text = f"{theme.id}: {theme.label} ({theme.kind})"
        slides.append(Slide("theme", title_text, text=theme.summary, theme_id=theme_id))
        slides.extend(_claim_slide(codebook.claims[c], store, settings, evaluate, comparison) for c in theme_claims)
    return draw_slides(slides, codebook, chart) if chart is not None else slides


def _claim_slide(claim, store, settings, evaluate, comparison) -> Slide:
    """One claim's slide; a claim that cannot be evaluated still gets a slide that says why (nothing is lost)."""
    base = Slide(
        "claim",
        f"{claim.id}: {claim.paraphrase}",
        text=claim.paraphrase,
        question=claim.question or "",
        claim_id=claim.id,
        theme_id=claim.theme,
        settings_line=comparison,
    )
    try:
        verdict = evaluate(claim, store, settings)
    except (ValueError, KeyError, LookupError) as exc:
        return replace(base, sentence=f"This claim could not be checked with the current settings: {exc}")
    return replace(base, sentence=verdict.sentence, status=verdict.status, verdict=verdict)


def draw_slide(slide: Slide, claim, chart: ChartBuilder) -> Slide:
    """The slide with its claim's chart and the chart's source line (a chart that fails says why instead)."""
    if slide.kind != "claim" or slide.verdict is None or slide.figure is not None:
        return slide
    try:
        figure = chart(claim, slide.verdict)
    except (ValueError, KeyError, LookupError) as exc:
        return replace(slide, source_line=f"The chart could not be drawn: {exc}")
    meta = figure.layout.meta if figure is not None and isinstance(figure.layout.meta, dict) else {}
    return replace(slide, figure=figure, source_line=str(meta.get("source_line") or ""))


def draw_slides(slides: Sequence[Slide], codebook, chart: ChartBuilder) -> list[Slide]:
    """Every claim slide with its chart (draw_slide); the other slides as they are."""
    return [draw_slide(s, codebook.claims[s.claim_id], chart) if s.kind == "claim" else s for s in slides]


def claim_slide_index(slides: Sequence[Slide], claim_id: str) -> int | None:
    """1-based slide number of a claim's slide, or None when the deck does not hold it."""
    for number, slide in enumerate(slides, start=1):
        if slide.kind == "claim" and slide.claim_id == claim_id:
            return number
    return None


def make_settings(focus: str, peer_group: str, custom_peers: Sequence[str] = ()):
    """The claim checker's settings for a deck: its focus country and peers, the checker's defaults otherwise."""
    from src.claims.evaluate import Settings  # imported late: the claim checker is its own module

    return Settings(focus=focus, peer_group=peer_group, custom_peers=tuple(custom_peers))


def claim_chart_builder(
    store,
    *,
    indicators: Mapping,
    sources: Mapping,
    names: Mapping[str, str],
    focus: str,
    peers: Sequence[str],
    peer_label: str,
    years: tuple[int, int],
    aggregates: Sequence[str] = (),
    benchmarks: Mapping | None = None,
    events=None,
) -> ChartBuilder:
    """A `chart` for build_deck: the claim's series for the focus country against its peers (src.charts.claims).

    A claim with no series (e.g. years of military rule) gets no chart; its verdict sentence carries it.
    """

    # The same series and benchmarks as the Claims page draws (src.charts.claims), so a slide matches its card.
    with_data = set(store.values["indicator"].unique())

    def build(claim, verdict) -> go.Figure | None:
        indicator_ids = chart_indicators(claim, verdict, with_data)
        if not indicator_ids:
            return None
        places = list(dict.fromkeys([focus, *peers, *aggregates]))
        return claim_chart(
            store.series(indicator_ids, places, years),
            claim_id=claim.id,
            indicator_ids=indicator_ids,
            indicators=indicators,
            focus=focus,
            peers=list(peers),
            years=years,
            names=names,
            aggregates=aggregates,
            peer_label=peer_label,
            benchmarks=claim_benchmarks(benchmarks or {}, indicators, indicator_ids),
            events=events,
            sources=sources,
        )

    return build


# --- deck state <-> URL --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeckState:
    """What a link to a slide holds. `claim_ids` empty means the default deck (every claim); slides count from 1."""

    claim_ids: tuple[str, ...] = ()
    slide: int = 1
    focus: str = DEFAULT_FOCUS
    peers: str = DEFAULT_PEERS
    custom: tuple[str, ...] = ()
    guess: bool = False


def state_to_params(state: DeckState) -> dict[str, str]:
    """URL parameters for a deck state; values equal to the default are left out (as Streamlit does)."""
    params: dict[str, str] = {}
    if state.slide != 1:
        params[SLIDE_PARAM] = str(state.slide)
    if state.claim_ids:
        params[DECK_PARAM] = ",".join(state.claim_ids)
    if state.focus != DEFAULT_FOCUS:
        params[FOCUS_PARAM] = state.focus
    if state.peers != DEFAULT_PEERS:
        params[PEERS_PARAM] = state.peers
    if state.peers == CUSTOM_GROUP and state.custom:
        params[CUSTOM_PARAM] = ",".join(state.custom)
    if state.guess:
        params[GUESS_PARAM] = "1"
    return params


def _values(params: Mapping, name: str) -> list[str]:
    """All values of a parameter, accepting `?x=A,B` and `?x=A&x=B` (Streamlit writes the repeated form)."""
    raw = params.get(name)
    if raw is None:
        return []
    raw = [raw] if isinstance(raw, str) else list(raw)
    return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]


def _last(params: Mapping, name: str) -> str | None:
    raw = params.get(name)
    if raw is None or isinstance(raw, str):
        return raw
    raw = list(raw)
    return raw[-1] if raw else None


def parse_slide_number(raw: str | None) -> tuple[int, str | None]:
    """(slide number, problem): a missing value is slide 1; a value that is not a whole number >= 1 is a problem."""
    if raw is None or not str(raw).strip():
        return 1, None
    text = str(raw).strip()
    if text.isdigit() and int(text) >= 1:
        return int(text), None
    return 1, f"`{SLIDE_PARAM}={raw}` is not a slide number (use 1, 2, 3, ...); showing slide 1."


def state_from_params(params: Mapping) -> tuple[DeckState, list[str]]:
    """Read a deck state from URL parameters (a dict of str or list of str, e.g. st.query_params.to_dict()).

    Returns:
        (state, problems): problems are plain sentences about values that were ignored; the state then keeps
        the default for them. Claim ids are checked later against the codebook (check_claim_ids).
    """
    problems: list[str] = []
    slide, problem = parse_slide_number(_last(params, SLIDE_PARAM))
    if problem:
        problems.append(problem)
    guess_raw = (_last(params, GUESS_PARAM) or "").strip().lower()
    if guess_raw not in ("", "0", "1", "true", "false"):
        problems.append(f"`{GUESS_PARAM}={guess_raw}` should be 1 (guess first) or 0; guess-first is off.")
    state = DeckState(
        claim_ids=tuple(dict.fromkeys(_values(params, DECK_PARAM))),
        slide=slide,
        focus=(_last(params, FOCUS_PARAM) or DEFAULT_FOCUS).strip().upper() or DEFAULT_FOCUS,
        peers=(_last(params, PEERS_PARAM) or DEFAULT_PEERS).strip() or DEFAULT_PEERS,
        custom=tuple(dict.fromkeys(v.upper() for v in _values(params, CUSTOM_PARAM))),
        guess=guess_raw in ("1", "true"),
    )
    return state, problems


def clamp_slide(number: int, total: int) -> tuple[int, str | None]:
    """Keep a slide number inside the deck; say so when it was outside."""
    if total < 1:
        return 1, None
    if 1 <= number <= total:
        return number, None
    return min(max(number, 1), total), (
        f"This deck has {total} slides, so there is no slide {number}; showing slide {min(max(number, 1), total)}."
    )


# --- self-contained HTML export ------------------------------------------------------------------------------

_CSS = """
html, body { margin: 0; height: 100%; background: #fff; color: #111;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.slide { display: none; box-sizing: border-box; min-height: 100vh; padding: 2.5vh 4vw 12vh; }
.slide.active { display: block; }
.slide h1 { font-size: 3.2rem; line-height: 1.15; margin: 18vh 0 2rem; }
.slide h2 { font-size: 2.2rem; line-height: 1.2; margin: 0 0 1rem; }
.slide.theme h2 { font-size: 3rem; margin-top: 25vh; }
.kicker { font-size: 1.3rem; color: #555; text-transform: uppercase; letter-spacing: .05em; }
.text, .settings { font-size: 1.6rem; line-height: 1.4; max-width: 70rem; }
.settings { color: #444; font-size: 1.3rem; }
.question { font-size: 2rem; font-weight: 600; color: #0b4f7a; margin: 1rem 0; }
.figure { width: 100%; min-height: 60vh; }
.verdict { font-size: 1.6rem; line-height: 1.35; margin: .8rem 0; }
.badge { display: inline-block; color: #fff; border-radius: .4rem; padding: .1rem .6rem; margin-right: .6rem;
  font-weight: 700; }
.source { font-size: 1rem; color: #444; margin-top: .5rem; }
.guessing .answer { display: none; }
.reveal { display: none; font-size: 1.5rem; padding: .5rem 1.4rem; margin: 1rem 0; cursor: pointer; }
.guessing .reveal { display: inline-block; }
nav { position: fixed; bottom: 0; left: 0; right: 0; display: flex; gap: 1rem; align-items: center;
  justify-content: center; padding: .6rem; background: rgba(255,255,255,.92); border-top: 1px solid #ddd; }
nav button { font-size: 1.3rem; padding: .3rem 1.2rem; cursor: pointer; }
#counter { font-size: 1.3rem; min-width: 7rem; text-align: center; }
"""

# Steps through the slides with buttons and keys; the slide number lives in location.hash (#3) so a link or a
# reload keeps the place. In guess-first mode the first "next" on a claim slide reveals the answer.
_JS = """
(function () {
  var slides = Array.prototype.slice.call(document.querySelectorAll('.slide'));
  var drawn = {};
  var current = 0;
  function fromHash() {
    var n = parseInt((location.hash || '').replace('#', ''), 10);
    return (isNaN(n) || n < 1) ? 1 : Math.min(n, slides.length);
  }
  function draw(slide) {
    var holder = slide.querySelector('.figure');
    if (!holder) { return; }
    if (drawn[holder.id]) { Plotly.Plots.resize(holder); return; }
    var spec = JSON.parse(document.getElementById(holder.id + '-spec').textContent);
    var layout = spec.figure.layout || {};
    // At least 60% of the screen; a chart with several panels keeps its own (taller) height and the slide scrolls.
    var height = Math.max(layout.height || 0, Math.round(window.innerHeight * 0.6));
    holder.style.height = height + 'px';
    layout.height = height; layout.width = undefined; layout.autosize = true;
    Plotly.newPlot(holder, spec.figure.data || [], layout, spec.config);
    drawn[holder.id] = true;
  }
  function show(n) {
    current = Math.max(1, Math.min(n, slides.length));
    slides.forEach(function (s, i) { s.classList.toggle('active', i === current - 1); });
    document.getElementById('counter').textContent = current + ' / ' + slides.length;
    var slide = slides[current - 1];
    if (!slide.classList.contains('guessing')) { draw(slide); }
    if (location.hash !== '#' + current) { history.replaceState(null, '', '#' + current); }
  }
  function reveal(slide) { slide.classList.remove('guessing'); draw(slide); }
  function next() {
    var slide = slides[current - 1];
    if (slide.classList.contains('guessing')) { reveal(slide); return; }
    show(current + 1);
  }
  function prev() { show(current - 1); }
  document.getElementById('next').addEventListener('click', next);
  document.getElementById('prev').addEventListener('click', prev);
  slides.forEach(function (s) {
    var button = s.querySelector('.reveal');
    if (button) { button.addEventListener('click', function () { reveal(s); }); }
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight' || e.key === 'PageDown' || e.key === ' ') { e.preventDefault(); next(); }
    else if (e.key === 'ArrowLeft' || e.key === 'PageUp') { e.preventDefault(); prev(); }
    else if (e.key === 'Home') { show(1); } else if (e.key === 'End') { show(slides.length); }
  });
  window.addEventListener('hashchange', function () { show(fromHash()); });
  window.deck = { show: show, next: next, prev: prev, current: function () { return current; } };
  show(fromHash());
})();
"""


def _script_json(text: str) -> str:
    """JSON text that can sit inside a <script> element (no `</script>` in a label can close it early)."""
    return text.replace("</", "<\\/")


def badge_html(status: str, css_class: str = "badge") -> str:
    """The verdict as a coloured label (the dashboard's colour-blind-safe verdict colours); "" without a status."""
    if not status:
        return ""
    colour = VERDICT_COLOURS.get(status, VERDICT_COLOURS["insufficient_data"])
    label = VERDICT_LABELS.get(status, status.replace("_", " ").capitalize())
    return f'<span class="{css_class}" style="background:{colour}">{html.escape(label)}</span>'


def _slide_html(number: int, slide: Slide, guess_first: bool) -> str:
    esc = html.escape
    guessing = guess_first and slide.kind == "claim" and bool(slide.question)
    classes = " ".join(["slide", slide.kind] + (["guessing"] if guessing else []))
    parts = [f'<section class="{classes}" id="slide-{number}" data-kind="{slide.kind}"'
             f' data-claim="{esc(slide.claim_id)}">']
    if slide.kind == "title":
        parts.append(f"<h1>{esc(slide.title)}</h1>")
        if slide.text:
            parts.append(f'<p class="text">{esc(slide.text)}</p>')
        if slide.settings_line:
            parts.append(f'<p class="settings">{esc(slide.settings_line)}</p>')
    elif slide.kind == "theme":
        parts.append(f'<p class="kicker">Theme</p><h2>{esc(slide.title)}</h2>')
        if slide.text:
            parts.append(f'<p class="text">{esc(slide.text)}</p>')
    else:
        parts.append(f"<h2>{esc(slide.title)}</h2>")
        if slide.question:
            parts.append(f'<p class="question">{esc(slide.question)}</p>')
            parts.append('<button class="reveal" type="button">Reveal the number and the verdict</button>')
        parts.append('<div class="answer">')
        if slide.figure is not None:
            div_id = f"figure-{number}"
            spec = f'{{"figure": {slide.figure.to_json()}, "config": {json.dumps(EXPORT_PLOTLY_CONFIG)}}}'
            parts.append(f'<div class="figure" id="{div_id}"></div>')
            parts.append(f'<script type="application/json" id="{div_id}-spec">{_script_json(spec)}</script>')
        parts.append(f'<p class="verdict">{badge_html(slide.status)}{esc(slide.sentence)}</p>')
        # A chart from src.charts carries its source line inside it; other slides show it as text.
        if slide.source_line and not _figure_cites(slide.figure, slide.source_line):
            parts.append(f'<p class="source">{esc(slide.source_line)}</p>')
        if slide.settings_line:
            parts.append(f'<p class="source">{esc(slide.settings_line)}</p>')
        parts.append("</div>")
    parts.append("</section>")
    return "\n".join(parts)


def _figure_cites(figure: go.Figure | None, line: str) -> bool:
    meta = figure.layout.meta if figure is not None and isinstance(figure.layout.meta, dict) else {}
    return bool(meta.get("source_line")) and meta.get("source_line") == line and any(
        a.name == "source" for a in figure.layout.annotations
    )


def export_html(slides: Sequence[Slide], *, title: str = DECK_TITLE, guess_first: bool = False) -> str:
    """The deck as ONE self-contained HTML file: plotly.js inlined once, every chart's data inside, no fetches.

    Open it in any browser, offline: arrow keys, space, Page Up/Down or the buttons step through the slides; the
    slide number is in the address (#3). With `guess_first`, a claim slide with a question shows the question first
    and the number and verdict after "Reveal" (or the next key press).
    """
    from plotly.offline import get_plotlyjs

    body = "\n".join(_slide_html(n, s, guess_first) for n, s in enumerate(slides, start=1))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
{body}
<nav><button id="prev" type="button" aria-label="Previous slide">&larr; Previous</button>
<span id="counter"></span>
<button id="next" type="button" aria-label="Next slide">Next &rarr;</button></nav>
<script type="text/javascript">{_JS}</script>
</body>
</html>
"""


# --- PNG export ----------------------------------------------------------------------------------------------


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
