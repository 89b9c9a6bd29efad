"""A seminar deck as data: a title slide, then per theme a theme slide and its chosen claims' slides.

Each claim slide shows the same ClaimView as the claim's card on the Claims page (src/views/claim_view.py), so a
slide and its card draw the same chart over the same years. Plain data, no Streamlit: the Seminar mode page and
the HTML export (src/deck/export.py) both show these slides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import plotly.graph_objects as go

from src.deck.projector import SLIDE_CHART_STYLE, plain_words, split_verdict
from src.views.claim_view import ClaimView, build_claim_view
from src.views.comparison import Comparison

SLIDE_KINDS = ("title", "theme", "claim")


class UnknownClaimError(ValueError):
    """The deck asks for claim ids the codebook does not have; the message lists them and the known ones."""

    def __init__(self, unknown: Sequence[str], known: Sequence[str]):
        self.unknown = list(unknown)
        self.known = list(known)
        super().__init__(
            f"The deck asks for claim(s) the codebook does not have: {', '.join(self.unknown)}. "
            f"Known claims: {', '.join(self.known)}."
        )


@dataclass(frozen=True, eq=False)
class Slide:
    """One slide: a title slide, a theme slide or a claim slide.

    `title` is the heading in plain words (the claim's title, never its id); `kicker` the small line above it
    ("Claim C1.1 · Financial constraints"); `text` is the study summary (title), the theme's summary (theme) or
    the claim's paraphrase (claim); `question` is the guess-first question (claims; "" when the codebook gives
    none); `caption` what the experts said of the focus country (when the verdict has one); `figures` are the
    claim's charts (its ClaimView's, once drawn); `sentence` and `source_line` are in plain words (no file paths
    or series codes, src.deck.projector.plain_words); `settings_line` says which comparison produced the
    verdict; `verdict` is the claim checker's Verdict (None on other slides).
    """

    kind: str
    title: str
    text: str = ""
    question: str = ""
    figures: tuple[go.Figure, ...] = ()
    sentence: str = ""
    status: str = ""
    source_line: str = ""
    claim_id: str = ""
    theme_id: str = ""
    settings_line: str = ""
    verdict: object = None
    kicker: str = ""
    caption: str = ""

    def __post_init__(self):
        if self.kind not in SLIDE_KINDS:
            raise ValueError(f"slide kind {self.kind!r} is not one of {SLIDE_KINDS}")

    @property
    def figure(self) -> go.Figure | None:
        """The slide's first chart (the one a PNG export saves), or None."""
        return self.figures[0] if self.figures else None

    @property
    def checks(self) -> str:
        """How many of the verdict's parts hold ("1 of 2 parts hold; 1 could not be checked"), or "".

        The headline's reasons in brackets are left to `more`: on a projected slide they would push the chart away.
        """
        return str(getattr(self.verdict, "tally", "") or self._headline)

    @property
    def _headline(self) -> str:
        return str(getattr(self.verdict, "headline", "") or "")

    @property
    def key_sentence(self) -> str:
        """The verdict's first sentence: the key number and its year, what the slide shows in large type."""
        return split_verdict(self.sentence)[0]

    @property
    def more(self) -> str:
        """The rest of the verdict, which the slide folds away so the chart keeps its room."""
        reasons = self._headline[len(self.checks):].strip()
        rest = split_verdict(self.sentence)[1]
        return " ".join(part for part in (plain_words(reasons.removeprefix("(").removesuffix(")")), rest) if part)


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
# (claim, verdict) -> the claim's ClaimView (claim_view_builder), or one figure, or None for no chart.
ChartBuilder = Callable[[object, object], "ClaimView | go.Figure | None"]


def settings_line(settings, names: Mapping[str, str] | None = None, groups: Mapping | None = None) -> str:
    """The comparison behind the verdicts in words (src.claims.evaluate.Settings.describe: focus, peers, years);
    `groups` (the declared peer groups) gives the group's label."""
    return f"Compared: {settings.describe(names, groups)}."


def build_deck(
    codebook,
    store,
    settings,
    claim_ids: Sequence[str] | None = None,
    *,
    evaluate: Evaluator,
    title: str,
    chart: ChartBuilder | None = None,
    summary: str = "",
    names: Mapping[str, str] | None = None,
    groups: Mapping | None = None,
) -> list[Slide]:
    """The slides: a title slide, then for each theme (in the order its first chosen claim comes) a theme slide
    followed by its chosen claims in the chosen order.

    Args:
        codebook: src.study.codebook's codebook (themes and claims; a claim's `question` feeds the guess-first step).
        store: src.ingest.store.Store handed to `evaluate`.
        settings: src.claims.evaluate.Settings (focus, peer group, window, benchmarks).
        claim_ids: the claims to show, in order; None or empty means every claim of the codebook.
        evaluate: (claim, store, settings) -> Verdict, e.g. study_evaluator(study).
        title: the title slide's heading (the study's deck_title).
        chart: (claim, verdict) -> ClaimView (claim_view_builder) or figure or None; None draws no charts (the
            verdict still shows). Drawing is the slow part: the page builds the deck without charts and draws
            the slide on screen with draw_slide(); the HTML export draws them all.
        summary: the title slide's text.
        names: ISO3 -> display name, for the comparison line under each slide.
        groups: the declared peer groups (Study.peer_groups), for the group's label in that line.

    Returns:
        The slides, title slide first.

    Raises:
        UnknownClaimError: a claim id is not in the codebook (the message lists them).
    """
    chosen = check_claim_ids(codebook, claim_ids or list(codebook.claims))
    comparison = settings_line(settings, names, groups)
    slides = [Slide("title", title, text=summary, settings_line=comparison)]
    by_theme: dict[str, list[str]] = {}
    for claim_id in chosen:
        by_theme.setdefault(codebook.claims[claim_id].theme, []).append(claim_id)
    for theme_id, theme_claims in by_theme.items():
        theme = codebook.themes[theme_id]
        kicker = f"Theme {theme.id} · {theme.kind}"
        slides.append(Slide("theme", theme.label, text=theme.summary, theme_id=theme_id, kicker=kicker))
        slides.extend(
            _claim_slide(codebook.claims[c], theme.label, store, settings, evaluate, comparison) for c in theme_claims
        )
    return draw_slides(slides, codebook, chart) if chart is not None else slides


def _claim_slide(claim, theme_label: str, store, settings, evaluate, comparison) -> Slide:
    """One claim's slide; a claim that cannot be evaluated still gets a slide that says why (nothing is lost).

    The verdict's own title, question and caption (written for the focus country) win over the codebook's."""
    base = Slide(
        "claim",
        claim.paraphrase,
        text=claim.paraphrase,
        question=claim.question or "",
        claim_id=claim.id,
        theme_id=claim.theme,
        settings_line=comparison,
        kicker=f"Claim {claim.id} · {theme_label}",
    )
    try:
        verdict = evaluate(claim, store, settings)
    except (ValueError, KeyError, LookupError) as exc:
        return replace(base, sentence=f"This claim could not be checked with the current settings: {exc}")
    return replace(
        base,
        title=getattr(verdict, "title", None) or base.title,
        question=getattr(verdict, "question", None) or base.question,
        caption=plain_words(getattr(verdict, "caption", None) or ""),
        sentence=plain_words(verdict.sentence),
        status=verdict.status,
        verdict=verdict,
    )


def _figures_of(drawn) -> tuple[go.Figure, ...]:
    if drawn is None:
        return ()
    if isinstance(drawn, ClaimView):
        return tuple(f.figure for f in drawn.figures)
    return (drawn,)


def _source_line(figure: go.Figure) -> str:
    meta = figure.layout.meta if isinstance(figure.layout.meta, dict) else {}
    return str(meta.get("source_line") or "")


def draw_slide(slide: Slide, claim, chart: ChartBuilder) -> Slide:
    """The slide with its claim's charts and their source line(s) (a chart that fails says why instead)."""
    if slide.kind != "claim" or slide.verdict is None or slide.figures:
        return slide
    try:
        figures = _figures_of(chart(claim, slide.verdict))
    except (ValueError, KeyError, LookupError) as exc:
        return replace(slide, source_line=f"The chart could not be drawn: {exc}")
    lines = dict.fromkeys(plain_words(line) for line in map(_source_line, figures) if line)
    return replace(slide, figures=figures, source_line=" ".join(lines))


def draw_slides(slides: Sequence[Slide], codebook, chart: ChartBuilder) -> list[Slide]:
    """Every claim slide with its charts (draw_slide); the other slides as they are."""
    return [draw_slide(s, codebook.claims[s.claim_id], chart) if s.kind == "claim" else s for s in slides]


def claim_slide_index(slides: Sequence[Slide], claim_id: str) -> int | None:
    """1-based slide number of a claim's slide, or None when the deck does not hold it."""
    for number, slide in enumerate(slides, start=1):
        if slide.kind == "claim" and slide.claim_id == claim_id:
            return number
    return None


def claim_view_builder(
    store,
    study,
    comparison: Comparison,
    *,
    events=None,
    names: Mapping[str, str] | None = None,
    with_data: Iterable[str] | None = None,
) -> ChartBuilder:
    """A `chart` for build_deck: each claim's ClaimView, the same the Claims page shows for this comparison.

    `with_data` (indicator ids with values) is computed from the store once here when not given.
    """
    available = frozenset(with_data if with_data is not None else store.values["indicator"].unique())

    def build(claim, verdict) -> ClaimView:
        # Drawn for a slide by the chart builder itself: projector-size text, the focus and median labelled.
        return build_claim_view(
            claim, verdict, store, study, comparison, events=events, names=names, with_data=available,
            style=SLIDE_CHART_STYLE,
        )

    return build


def make_settings(defaults, focus: str, peer_group: str, custom_peers: Sequence[str] = ()):
    """The claim checker's settings for a deck: its focus country and peers, the study's defaults otherwise.

    Args:
        defaults: the study's defaults (src.study.defaults.StudyDefaults), for the window.
    """
    from src.claims.evaluate import Settings  # imported late: the claim checker is its own module

    return Settings.default(defaults, focus=focus, peer_group=peer_group, custom_peers=tuple(custom_peers))


def study_evaluator(study) -> Evaluator:
    """The claim checker (src.claims.evaluate.evaluate) with the declared study bound, as build_deck takes it."""
    from src.claims.evaluate import evaluate  # imported late: the claim checker is its own module

    def run(claim, store, settings):
        return evaluate(claim, store, settings, study)

    return run
