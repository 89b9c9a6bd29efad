"""The claim view (src/views/claim_view.py) is what both the Claims page and the seminar deck show of a claim.

Every shipped claim is checked on the shipped study and store: a deck slide carries exactly the charts the view
builds (same traces, same years), the chart each test gets is the one its rule spec declares, and a claim that
counts periods (a `share_of_years` test, C1.3-style) gets its periods chart on its slide. One AppTest pair checks
the two pages themselves draw the same chart. Expectations come from the shipped files, never typed in.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from src import deck
from src.charts.common import DRAWN_TRACE_TYPES
from src.claims.evaluate import Settings
from src.study.peers import members
from src.study.rule_specs import RULE_SPECS_BY_KEY
from src.views import Comparison, build_claim_view, chart_kinds, make_comparison, shown_aggregates
from tests.figure_checks import unchecked_differences
from tests.shipped import shipped_study

ROOT = Path(__file__).resolve().parent.parent
STUDY = shipped_study()
DEFAULTS = STUDY.defaults
CLAIM_IDS = list(STUDY.codebook.claims)
PERIOD_CLAIMS = [c.id for c in STUDY.codebook.claims.values() if any(t.rule == "share_of_years" for t in c.tests)]


@pytest.fixture(scope="module")
def shipped(shipped_store, shipped_verdicts):
    """The default comparison, as the Seminar mode page builds it, with every claim's verdict and its slide (the
    verdicts taken from evaluate_all, as the page takes them from the app's cache)."""
    store = shipped_store
    settings = Settings.default(DEFAULTS)
    verdicts = shipped_verdicts(settings)
    group = STUDY.peer_groups[DEFAULTS.peer_group]
    peers = members(DEFAULTS.peer_group, store, settings.focus, groups=STUDY.peer_groups)
    available = set(store.values["iso3"].unique())
    aggregates = shown_aggregates([group.aggregate] if group.aggregate else [], available)
    comparison = make_comparison(settings, peers=peers, peer_label=group.label, aggregates=aggregates,
                                 chart_start=DEFAULTS.chart_start)
    slides = deck.build_deck(STUDY.codebook, store, settings, None,
                             evaluate=lambda claim, _store, _settings: verdicts[claim.id],
                             title=DEFAULTS.deck_title, chart=deck.claim_view_builder(store, STUDY, comparison))
    by_claim = {s.claim_id: s for s in slides if s.kind == "claim"}
    return store, comparison, by_claim


def _values(values) -> tuple:
    """Trace values comparable with ==: a gap (NaN) becomes None, since NaN never equals NaN."""
    return tuple(None if v != v else v for v in (values if values is not None else ()))


def traces(figure) -> list[tuple]:
    return [(t.type, t.name, _values(t.x), _values(t.y)) for t in figure.data]


def x_ranges(figure) -> list[tuple]:
    """The fixed x range of each x axis that has one."""
    layout = figure.layout.to_plotly_json()
    return sorted((name, tuple(axis["range"])) for name, axis in layout.items()
                  if name.startswith("xaxis") and isinstance(axis, dict) and "range" in axis)


def unwrapped(text) -> str:
    return " ".join(str(text or "").replace("<br>", " ").split())


def test_the_default_comparison_shows_the_study_years_from_chart_start(shipped):
    _, comparison, _ = shipped
    assert comparison.window == DEFAULTS.window
    assert comparison.chart_years == (min(DEFAULTS.chart_start, DEFAULTS.window[0]), DEFAULTS.window[1])
    assert comparison.focus == DEFAULTS.focus and comparison.focus not in comparison.peers


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_the_slide_shows_the_same_charts_as_the_claim_card(shipped, claim_id):
    store, comparison, by_claim = shipped
    slide = by_claim[claim_id]
    view = build_claim_view(STUDY.codebook.claims[claim_id], slide.verdict, store, STUDY, comparison)
    assert len(slide.figures) == len(view.figures)
    for on_slide, on_card in zip(slide.figures, view.figures):
        assert traces(on_slide) == traces(on_card.figure)
        assert x_ranges(on_slide) == x_ranges(on_card.figure)
        # The slide's larger text wraps the same title at other places.
        assert unwrapped(on_slide.layout.title.text) == unwrapped(on_card.figure.layout.title.text)
    kinds = chart_kinds(slide.verdict)
    assert kinds == list(dict.fromkeys(RULE_SPECS_BY_KEY[t.rule].chart for t in STUDY.codebook.claims[claim_id].tests))
    for chart in view.figures:
        if chart.name == "lines":
            # Line charts run over the comparison's chart years (the deck used to draw only the verdict window).
            years = {int(x) for t in chart.figure.data for x in _values(t.x) if isinstance(x, (int, float))}
            assert years and min(years) < comparison.window[0] and max(years) <= comparison.chart_years[1]


@pytest.mark.parametrize("claim_id", PERIOD_CLAIMS)
def test_a_claim_counting_periods_gets_its_periods_chart_on_its_slide(shipped, claim_id):
    _, comparison, by_claim = shipped
    slide = by_claim[claim_id]
    part = next(p for p in slide.verdict.parts if p.rule == "share_of_years")
    assert RULE_SPECS_BY_KEY["share_of_years"].chart == "periods"
    bars = slide.figure.data[0]
    assert bars.type == "bar"
    assert list(bars.base) == part.evidence.sort_values("year")["year"].astype(int).tolist()
    assert tuple(slide.figure.layout.xaxis.range) == (int(part.params["since"]), comparison.window[1])
    assert slide.source_line == slide.figure.layout.meta["source_line"]


def test_the_view_carries_the_notes_and_evidence_table(shipped):
    store, comparison, by_claim = shipped
    claim_id = next(c for c, s in by_claim.items() if len(s.verdict.evidence))
    view = build_claim_view(STUDY.codebook.claims[claim_id], by_claim[claim_id].verdict, store, STUDY, comparison)
    assert view.claim_id == claim_id
    assert len(view.evidence) == len(by_claim[claim_id].verdict.evidence)
    assert list(view.notes) == [n for n in view.notes if n]
    assert view.source_lines == tuple(dict.fromkeys(f.source_line for f in view.figures if f.source_line))


def test_a_study_choice_and_make_comparison_agree():
    """The Claims page's StudyChoice-shaped value (src.app.ui) gives the comparison make_comparison builds."""
    settings = Settings.default(DEFAULTS, benchmarks=(("edu_gdp", 4.0),))
    built = make_comparison(settings, peers=("IND", settings.focus), peer_label="peers", aggregates=("WLD",),
                            chart_start=DEFAULTS.chart_start)

    class Choice:  # the fields src.app.ui.StudyChoice carries
        peers, peer_label, aggregates, chart_years = built.peers, "peers", ("WLD",), built.chart_years
        focus, window = settings.focus, settings.window

    Choice.settings = settings
    assert Comparison.from_choice(Choice) == built
    assert built.peers == ("IND",) and built.benchmark_overrides == settings.benchmarks


# --- the two pages themselves (AppTest) ----------------------------------------------------------------------


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def spec_summary(spec: dict) -> tuple:
    data = [(t.get("type"), t.get("name"), _values(t.get("x")), _values(t.get("y"))) for t in spec["data"]]
    ranges = sorted((k, tuple(v["range"])) for k, v in spec["layout"].items()
                    if k.startswith("xaxis") and isinstance(v, dict) and "range" in v)
    return data, ranges


@pytest.mark.parametrize("claim_id", [CLAIM_IDS[0], *PERIOD_CLAIMS[:1]])
def test_the_claims_page_and_the_seminar_page_draw_the_same_chart(claim_id):
    card = AppTest.from_file(str(ROOT / "pages" / "claims.py"), default_timeout=180)
    card.query_params[DEFAULTS.params.claim] = claim_id
    card.run()
    slide = AppTest.from_file(str(ROOT / "pages" / "presentation.py"), default_timeout=180)
    slide.query_params[DEFAULTS.params.deck] = claim_id
    slide.query_params[DEFAULTS.params.slide] = "3"  # title, theme, then the claim
    slide.run()
    assert not card.exception and not slide.exception
    on_card, on_slide = plotly_specs(card), plotly_specs(slide)
    assert on_card and [spec_summary(s) for s in on_card] == [spec_summary(s) for s in on_slide]


def test_every_slide_chart_draws_only_trace_types_its_template_styles(shipped):
    """The charts' template keeps plotly_white's look but its trace defaults only for DRAWN_TRACE_TYPES
    (src/charts/common.py): a chart drawing another type that plotly_white styles would silently lose that style."""
    _, _, by_claim = shipped
    styled_by_plotly_white = set(pio.templates["plotly_white"].data.to_plotly_json())
    figures = [figure for slide in by_claim.values() for figure in slide.figures]
    drawn = {trace.type for figure in figures for trace in figure.data}
    assert drawn and drawn & styled_by_plotly_white <= set(DRAWN_TRACE_TYPES)
    assert all(figure.layout.template.layout == pio.templates["plotly_white"].layout for figure in figures)


def test_each_kind_of_chart_is_the_figure_plotly_checks_would_make_of_its_dict(shipped):
    """Charts become figures without plotly's property checks (src.charts.common.as_figure): the first claim of
    each chart kind, as its card and its slide draw it, is exactly what the checks would make of it."""
    store, comparison, by_claim = shipped
    first_of_kind: dict[str, str] = {}
    for claim_id, slide in by_claim.items():
        for kind in chart_kinds(slide.verdict):
            first_of_kind.setdefault(kind, claim_id)
    assert len(first_of_kind) > 1
    for kind, claim_id in first_of_kind.items():
        slide = by_claim[claim_id]
        view = build_claim_view(STUDY.codebook.claims[claim_id], slide.verdict, store, STUDY, comparison)
        figures = [*slide.figures, *(chart.figure for chart in view.figures)]
        assert figures
        for figure in figures:
            assert unchecked_differences(figure) == [], (kind, claim_id)
