"""Seminar decks (src/deck/): the deck holds the chosen claims, its state survives the URL, and the exported HTML
file is self-contained and steps through its slides in a real headless Chromium with the network blocked.

The shipped codebook is used throughout. Where a test is about the deck rather than the verdicts,
`stand_in_evaluate` returns a verdict-shaped object whose sentence names the claim, and the chart is drawn from the
shipped WDI military-spending file, read here with plain pandas.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import warnings
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from src import deck
from src.charts.claims import chart_indicators, claim_benchmarks
from src.claims.evaluate import Settings
from src.deck import PngExportUnavailable, Slide, UnknownClaimError
from src.views import make_comparison
from tests.shipped import shipped_study

ROOT = Path(__file__).resolve().parent.parent
WDI_MILITARY = next((ROOT / "data/snapshots/wdi").glob("API_MS.MIL.XPND.GD.ZS_*/API_MS.MIL.XPND.GD.ZS_*.csv"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() == "true"


STUDY = shipped_study()
CODEBOOK = STUDY.codebook
DEFAULTS = STUDY.defaults
TITLE = DEFAULTS.deck_title


def stand_in_evaluate(claim, store, settings):
    return SimpleNamespace(status="insufficient_data", sentence=f"verdict sentence of {claim.id}")


def failing_evaluate(claim, store, settings):
    raise KeyError(f"no data for {claim.id}")


SETTINGS = Settings.default(DEFAULTS, window=(2000, 2023))


def military_figure() -> go.Figure:
    """Pakistan's military spending (% of GDP) as the shipped WDI file has it, with its source in layout.meta."""
    wide = pd.read_csv(WDI_MILITARY, skiprows=4)
    row = wide[wide["Country Code"] == "PAK"].iloc[0]
    years = [c for c in wide.columns if c.isdigit() and pd.notna(row[c])]
    fig = go.Figure(go.Scatter(x=[int(y) for y in years], y=[row[y] for y in years], name="Pakistan"))
    fig.update_layout(
        title="Military expenditure (% of GDP), Pakistan", meta={"source_line": "Source: World Bank WDI."}
    )
    return fig


# --- building ------------------------------------------------------------------------------------------------


def test_deck_holds_every_selected_claim_grouped_by_theme_in_the_chosen_order():
    chosen = ["C2.3", "C1.2", "C2.1"]
    slides = deck.build_deck(CODEBOOK, None, SETTINGS, chosen, evaluate=stand_in_evaluate, title=TITLE)
    assert [s.kind for s in slides] == ["title", "theme", "claim", "claim", "theme", "claim"]
    assert [s.claim_id for s in slides if s.kind == "claim"] == ["C2.3", "C2.1", "C1.2"]
    assert [s.theme_id for s in slides if s.kind == "theme"] == ["C2", "C1"]
    third = slides[3]
    assert third.sentence == "verdict sentence of C2.1"
    assert third.question == CODEBOOK.claims["C2.1"].question and third.question
    assert third.status == "insufficient_data"
    assert slides[1].text == CODEBOOK.themes["C2"].summary and CODEBOOK.themes["C2"].label in slides[1].title
    assert slides[0].title == TITLE
    assert slides[0].settings_line == f"Compared: {SETTINGS.describe()}."
    assert all(s.settings_line == slides[0].settings_line for s in slides if s.kind == "claim")


def test_no_claim_ids_means_every_claim_of_the_codebook():
    slides = deck.build_deck(CODEBOOK, None, SETTINGS, None, evaluate=stand_in_evaluate, title=TITLE)
    assert sorted(s.claim_id for s in slides if s.kind == "claim") == sorted(CODEBOOK.claims)


def test_unknown_claim_ids_are_listed_in_a_clear_error():
    with pytest.raises(UnknownClaimError) as error:
        deck.build_deck(CODEBOOK, None, SETTINGS, ["C1.1", "X9", "Z1"], evaluate=stand_in_evaluate, title=TITLE)
    assert error.value.unknown == ["X9", "Z1"]
    assert "X9, Z1" in str(error.value) and "C2.3" in str(error.value)


def test_a_claim_that_cannot_be_checked_still_gets_a_slide_saying_why():
    slides = deck.build_deck(CODEBOOK, None, SETTINGS, ["C1.1"], evaluate=failing_evaluate, title=TITLE)
    assert slides[-1].claim_id == "C1.1"
    assert "could not be checked" in slides[-1].sentence and "no data for C1.1" in slides[-1].sentence


def test_the_chart_and_its_source_line_reach_the_slide():
    figure = military_figure()
    slides = deck.build_deck(
        CODEBOOK, None, SETTINGS, ["C1.1"], evaluate=stand_in_evaluate, title=TITLE, chart=lambda c, v: figure
    )
    assert slides[-1].figure is figure and slides[-1].figures == (figure,)
    assert slides[-1].source_line == "Source: World Bank WDI."
    assert deck.claim_slide_index(slides, "C1.1") == len(slides)
    assert deck.claim_slide_index(slides, "C2.1") is None


@pytest.fixture(scope="module")
def study(shipped_store):
    """The shipped study and store, with the claim checker's default settings and the claim checker itself."""
    return SimpleNamespace(
        study=STUDY,
        codebook=CODEBOOK,
        store=shipped_store,
        settings=Settings.default(DEFAULTS),
        evaluate=deck.study_evaluator(STUDY),
    )


def test_the_default_study_deck_holds_every_claim(study):
    """The real codebook, store and claim checker: every claim of the default study gets exactly one slide."""
    claim_ids = deck.default_claim_ids(study.codebook)
    slides = deck.build_deck(study.codebook, study.store, study.settings, None, evaluate=study.evaluate, title=TITLE)
    shown = [s.claim_id for s in slides if s.kind == "claim"]
    assert claim_ids == list(study.codebook.claims)
    assert sorted(shown) == sorted(claim_ids) and len(shown) == len(set(shown))
    assert all(s.sentence and s.status and s.verdict.claim_id == s.claim_id for s in slides if s.kind == "claim")
    themes_in_order = list(dict.fromkeys(c.theme for c in study.codebook.claims.values()))
    assert [s.theme_id for s in slides if s.kind == "theme"] == themes_in_order
    # Every theme slide comes right before the first of its claims.
    for number, slide in enumerate(slides[:-1]):
        if slide.kind == "theme":
            assert slides[number + 1].theme_id == slide.theme_id


def study_chart(study, peers):
    """The deck's chart builder for the default settings against `peers` (a test's own small group)."""
    comparison = make_comparison(
        study.settings, peers=peers, peer_label="the chosen peers", chart_start=DEFAULTS.chart_start
    )
    return deck.claim_view_builder(study.store, study.study, comparison, names={})


def test_a_claim_slide_draws_the_series_its_verdict_used_with_the_benchmark(study):
    """C2.1 (health and education spending): the chart shows the focus country's values from the store."""
    claim = study.codebook.claims["C2.1"]
    slides = deck.build_deck(study.codebook, study.store, study.settings, ["C2.1"], evaluate=study.evaluate,
                             title=TITLE)
    assert slides[-1].figure is None  # built without a chart: the page draws only the slide on screen
    drawn = deck.draw_slide(slides[-1], claim, study_chart(study, ["IND", "BGD"]))
    used = set(slides[-1].verdict.evidence["indicator"])
    with_data = set(study.store.values["indicator"].unique())
    expected = [i for i in chart_indicators(claim, slides[-1].verdict, with_data) if i in used]
    assert expected, "the chart draws the series the verdict used"
    focus_traces = [t for t in drawn.figure.data if t.legendgroup == study.settings.focus]
    assert focus_traces
    chart_years = (min(DEFAULTS.chart_start, study.settings.window[0]), study.settings.window[1])
    first = study.store.series(expected[0], [study.settings.focus], chart_years)
    drawn_values = [v for v in focus_traces[0].y if v is not None and v == v]
    assert drawn_values == first["value"].tolist()
    # The slide says the chart's source line in plain words (no series codes on a projected slide).
    assert drawn.source_line == deck.plain_words(drawn.figure.layout.meta["source_line"])
    assert drawn.source_line.startswith("Source:")
    # The education benchmark (a codebook entry) is drawn on the education-as-%-of-GDP panel.
    benchmarks = claim_benchmarks(study.codebook.benchmarks, study.study.indicators, expected)
    assert any(b.label == study.codebook.benchmarks["edu_gdp"].label for b in benchmarks)


def test_a_claim_counting_periods_gets_its_periods_chart(study):
    """A share_of_years claim (C1.3-style: years of military rule) rests on the events table, not on a series: its
    slide draws the periods its verdict counted, as the Claims page does."""
    claim_id = next(c.id for c in study.codebook.claims.values() if any(t.rule == "share_of_years" for t in c.tests))
    slides = deck.build_deck(study.codebook, study.store, study.settings, [claim_id], evaluate=study.evaluate,
                             title=TITLE, chart=study_chart(study, []))
    counted = next(p.evidence for p in slides[-1].verdict.parts if p.rule == "share_of_years")
    assert slides[-1].sentence and len(slides[-1].figures) == 1
    bars = slides[-1].figure.data[0]
    assert bars.type == "bar" and list(bars.base) == counted.sort_values("year")["year"].astype(int).tolist()
    assert slides[-1].source_line == deck.plain_words(slides[-1].figure.layout.meta["source_line"])


def test_the_exported_study_deck_is_self_contained(study):
    chosen = ["C2.3", "C1.2"]
    slides = deck.build_deck(study.codebook, study.store, study.settings, chosen, evaluate=study.evaluate,
                             title=TITLE, chart=study_chart(study, ["IND"]))
    page = deck.export_html(slides, title=TITLE, guess_first=True)
    parser = ExternalReferences()
    parser.feed(page)
    assert parser.loaded == []
    assert page.count('class="figure"') == 2
    assert page.count('class="slide claim guessing"') == sum(bool(study.codebook.claims[c].question) for c in chosen)


# --- URL state -----------------------------------------------------------------------------------------------


DEFAULT_STATE = deck.default_state(DEFAULTS)
OTHER_GROUP = next(g for g in STUDY.peer_groups if g != DEFAULTS.peer_group)
NAMES = DEFAULTS.params


@pytest.mark.parametrize(
    "state",
    [
        DEFAULT_STATE,
        dataclasses.replace(DEFAULT_STATE, claim_ids=("C2.3", "C1.1"), slide=3, focus="IND", peers=OTHER_GROUP,
                            guess=True),
        dataclasses.replace(DEFAULT_STATE, claim_ids=("A3.1",), slide=12, peers="custom", custom=("BGD", "NPL")),
    ],
)
def test_deck_state_round_trips_through_the_url(state):
    params = deck.state_to_params(state, DEFAULTS)
    assert all(isinstance(v, str) for v in params.values())
    back, problems = deck.state_from_params(params, DEFAULTS)
    assert back == state
    assert problems == []


def test_default_state_is_the_study_default_and_leaves_the_url_empty():
    assert (DEFAULT_STATE.focus, DEFAULT_STATE.peers) == (DEFAULTS.focus, DEFAULTS.peer_group)
    assert deck.state_to_params(DEFAULT_STATE, DEFAULTS) == {}
    assert deck.state_from_params({}, DEFAULTS) == (DEFAULT_STATE, [])


def test_the_study_parameter_names_are_written():
    state = dataclasses.replace(DEFAULT_STATE, claim_ids=("C2.3", "C1.1"), slide=2, guess=True)
    params = deck.state_to_params(state, DEFAULTS)
    assert params == {NAMES.slide: "2", NAMES.deck: "C2.3,C1.1", NAMES.guess: "1"}


def test_the_repeated_form_streamlit_writes_is_read_too():
    state, problems = deck.state_from_params(
        {NAMES.deck: ["C2.3", "C1.1"], NAMES.slide: ["4"], NAMES.focus: "ind"}, DEFAULTS
    )
    assert state.claim_ids == ("C2.3", "C1.1")
    assert state.slide == 4 and state.focus == "IND"
    assert problems == []


@pytest.mark.parametrize("raw", ["0", "-2", "three", "2.5"])
def test_a_bad_slide_number_is_a_clear_problem_not_an_error(raw):
    state, problems = deck.state_from_params({NAMES.slide: raw}, DEFAULTS)
    assert state.slide == 1
    assert len(problems) == 1 and f"{NAMES.slide}={raw}" in str(problems[0])


def test_a_slide_past_the_end_is_clamped_with_a_message():
    assert deck.clamp_slide(3, 5) == (3, None)
    number, problem = deck.clamp_slide(9, 5)
    assert number == 5 and "5 slides" in problem and "slide 9" in problem


# --- HTML export ---------------------------------------------------------------------------------------------


class ExternalReferences(HTMLParser):
    """Collects every reference to a script, style, font or image the page would load from elsewhere."""

    def __init__(self):
        super().__init__()
        self.loaded: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for attribute in ("src", "href", "srcset", "data"):
            if tag in ("script", "link", "img", "iframe", "source", "embed", "object") and attrs.get(attribute):
                self.loaded.append(f"<{tag} {attribute}={attrs[attribute]}>")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def without_question(codebook, claim_id: str):
    """The codebook with one claim's guess-first question blanked, as a researcher may leave it."""
    claims = {**codebook.claims, claim_id: dataclasses.replace(codebook.claims[claim_id], question="")}
    return dataclasses.replace(codebook, claims=claims)


def exported_deck(guess_first: bool = False) -> tuple[list[Slide], str]:
    slides = deck.build_deck(
        without_question(CODEBOOK, "C1.2"),
        None,
        SETTINGS,
        ["C1.1", "C1.2", "C2.1"],
        evaluate=stand_in_evaluate,
        title=TITLE,
        chart=lambda claim, verdict: military_figure(),
    )
    return slides, deck.export_html(slides, title=TITLE, guess_first=guess_first)


def test_exported_html_loads_nothing_from_outside_the_file():
    from plotly.offline import get_plotlyjs

    slides, page = exported_deck()
    parser = ExternalReferences()
    parser.feed(page)
    assert parser.loaded == []
    css = "\n".join(parser.styles)
    assert "@import" not in css and "url(" not in css
    # plotly.js is inlined exactly once, whatever the number of charts.
    assert page.count(get_plotlyjs()[:2000]) == 1
    assert page.count('class="figure"') == sum(s.figure is not None for s in slides) == 3
    # Outside the inlined bundle, no http(s) address appears at all.
    assert not re.search(r"https?://", page.replace(get_plotlyjs(), ""))


def test_exported_html_holds_every_slide_with_its_verdict_and_source():
    slides, page = exported_deck()
    assert page.count('<section class="slide') == len(slides)
    for slide in slides:
        if slide.kind == "claim":
            assert f'data-claim="{slide.claim_id}"' in page
            assert slide.sentence in page
    assert "Source: World Bank WDI." in page


def test_exported_html_inlines_the_decks_static_css_and_script():
    from src.deck.export import CSS_FILE, JS_FILE

    _, page = exported_deck()
    assert CSS_FILE.read_text(encoding="utf-8") in page and JS_FILE.read_text(encoding="utf-8") in page
    assert f"<title>{TITLE}</title>".replace("'", "&#x27;") in page


# `browser_context`: the session's headless Chromium context (tests/conftest.py; skips without one locally, fails
# under CI=true). Its tabs share one renderer per site (browser_support.CHROMIUM_ARGS), so the decks' inlined
# plotly.js is compiled once, not once per test.


def open_offline(browser_context, path: Path):
    """A page that may read only local files: every other request is refused and recorded."""
    page = browser_context.new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    outside: list[str] = []

    def refuse_non_file(route):
        outside.append(route.request.url)
        route.abort()

    page.route(re.compile(r"^(?!file:).*"), refuse_non_file)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    return page, outside, errors


def active_slide(page) -> str:
    return page.evaluate("document.querySelector('.slide.active').id")


@pytest.mark.browser
def test_exported_deck_opens_offline_in_chromium_and_steps(browser_context, deck_file):
    slides, page_html = exported_deck()
    path = deck_file
    path.write_text(page_html, encoding="utf-8")
    page, outside, errors = open_offline(browser_context, path)
    assert active_slide(page) == "slide-1"
    page.keyboard.press("ArrowRight")
    assert active_slide(page) == "slide-2" and page.evaluate("location.hash") == "#2"
    page.keyboard.press("Space")
    page.wait_for_selector("#slide-3 .figure .main-svg")  # the claim's chart is drawn when its slide shows
    assert active_slide(page) == "slide-3"
    page.click("#prev")
    assert active_slide(page) == "slide-2"
    page.click("#next")
    page.keyboard.press("End")
    assert active_slide(page) == f"slide-{len(slides)}"
    assert page.inner_text("#counter") == f"{len(slides)} / {len(slides)}"
    page.keyboard.press("ArrowRight")  # past the end it stays on the last slide
    assert active_slide(page) == f"slide-{len(slides)}"
    assert outside == [] and errors == []
    page.close()


@pytest.mark.browser
def test_a_link_with_a_slide_number_opens_that_slide(browser_context, deck_file):
    slides, page_html = exported_deck()
    path = deck_file
    path.write_text(page_html, encoding="utf-8")
    page = browser_context.new_page()
    page.goto(path.as_uri() + "#3")
    assert active_slide(page) == "slide-3"
    page.close()


@pytest.mark.browser
def test_guess_first_shows_the_question_then_reveals_the_answer(browser_context, deck_file):
    slides, page_html = exported_deck(guess_first=True)
    path = deck_file
    path.write_text(page_html, encoding="utf-8")
    page, outside, errors = open_offline(browser_context, path)
    number = deck.claim_slide_index(slides, "C1.1")
    page.evaluate(f"window.deck.show({number})")
    slide = f"#slide-{number}"
    assert page.is_visible(f"{slide} .question")
    assert not page.is_visible(f"{slide} .verdict")
    page.keyboard.press("ArrowRight")  # the first "next" reveals, it does not move on
    assert active_slide(page) == f"slide-{number}"
    assert page.is_visible(f"{slide} .verdict")
    page.wait_for_selector(f"{slide} .figure .main-svg")
    # A claim without a question is shown whole at once.
    plain = deck.claim_slide_index(slides, "C1.2")
    page.keyboard.press("ArrowRight")
    assert active_slide(page) == f"slide-{plain}" and page.is_visible(f"#slide-{plain} .verdict")
    assert outside == [] and errors == []
    page.close()


# --- PNG export ----------------------------------------------------------------------------------------------


def test_png_export_without_a_browser_says_what_to_do_instead(tmp_path):
    with pytest.raises(PngExportUnavailable, match="camera button"):
        deck.export_png(military_figure(), browser_path=str(tmp_path / "no-such-browser"))


@pytest.fixture
def one_kaleido_chromium():
    """Both exports below in one kaleido Chromium (its sync server) rather than one each: a Chromium start and
    plotly.js load is ~5 s CPU. The server is started with the browser export_png finds, and export_png's own
    browser options are then unused (kaleido warns that it ignores them)."""
    if CHROMIUM is None and not IN_CI:
        pytest.skip("No chromium on PATH (apt-get install chromium); PNG export runs in CI")
    import kaleido

    kaleido.start_sync_server(path=deck.find_browser(), mathjax=False, silence_warnings=True)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*kopts.*ignored", category=UserWarning)
            yield
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


@pytest.mark.browser
def test_png_export_draws_the_chart_with_the_system_chromium(one_kaleido_chromium):
    png = deck.export_png(military_figure(), width=800, height=450)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # Width and height sit in the IHDR chunk, big-endian, right after the signature and chunk header.
    assert int.from_bytes(png[16:20], "big") == 800 and int.from_bytes(png[20:24], "big") == 450
    # Without a height the chart keeps its own (a chart with several panels is taller than the default).
    tall = military_figure().update_layout(height=1000)
    assert int.from_bytes(deck.export_png(tall, width=600)[20:24], "big") == 1000


# --- projector -----------------------------------------------------------------------------------------------


def test_the_projector_copy_has_large_text_and_no_source_inside_and_leaves_the_chart_alone(study):
    claim = study.codebook.claims["C2.1"]
    slides = deck.build_deck(study.codebook, study.store, study.settings, ["C2.1"], evaluate=study.evaluate,
                             title=TITLE, chart=study_chart(study, ["IND", "BGD"]))
    original = slides[-1].figure
    before = [(a.name, a.font.size) for a in original.layout.annotations]
    projected = deck.projector_figure(original, height=400)
    # The Claims page's chart is untouched: same annotations, same sizes, its source line still inside.
    assert [(a.name, a.font.size) for a in original.layout.annotations] == before
    assert original.layout.meta["source_line"]  # the source line travels in meta; the page prints it
    assert projected.layout.height == 400 and projected.layout.font.size >= deck.PROJECTOR_TEXT_PX
    assert not any(a.name == "source" for a in projected.layout.annotations)
    assert all(a.font.size >= deck.PROJECTOR_TEXT_PX for a in projected.layout.annotations)
    assert not str(projected.layout.title.text).startswith(f"{claim.id}:")
    assert "source_line" not in (projected.layout.meta or {})


def test_the_exported_chart_is_the_projector_copy_the_page_shows(study):
    """The export writes the projector's figure dict without plotly checking it again: it must be the figure the
    Seminar page draws (projector_figure), property for property."""
    slides = deck.build_deck(study.codebook, study.store, study.settings, ["C2.1"], evaluate=study.evaluate,
                             title=TITLE, chart=study_chart(study, ["IND", "BGD"]))
    original = slides[-1].figure
    spec = deck.projector_spec(original, height=300)
    shown = deck.projector_figure(original, height=300)
    assert json.loads(pio.to_json(spec, validate=False)) == json.loads(shown.to_json())
    assert spec["layout"]["height"] == 300 and spec["layout"]["annotations"]


def test_slide_text_names_no_file_and_no_series_code(study):
    """A claim missing a series names its codes in brackets in the verdict; the slide drops them."""
    slides = deck.build_deck(study.codebook, study.store, study.settings, None, evaluate=study.evaluate, title=TITLE)
    raw = {s.claim_id: study.evaluate(study.codebook.claims[s.claim_id], study.store, study.settings).sentence
           for s in slides if s.kind == "claim"}
    # The check below is not vacuous: some verdict sentences name series ids or codes.
    assert any(re.search(r"\b[a-z]+_[a-z0-9_]+\b", text) for text in raw.values())
    for slide in slides:
        if slide.kind == "claim":
            assert "data/" not in slide.sentence and ".csv" not in slide.sentence
            assert not re.search(r"\b[a-z]+_[a-z0-9_]+\b", slide.sentence), slide.sentence
            assert slide.claim_id not in slide.title and slide.claim_id in slide.kicker


def test_the_verdict_splits_after_its_first_sentence_never_inside_a_number():
    first, rest = deck.split_verdict("Pakistan's share was 2.7% of GDP in 2024, above 1.4%. Years differ.")
    assert first == "Pakistan's share was 2.7% of GDP in 2024, above 1.4%." and rest == "Years differ."
