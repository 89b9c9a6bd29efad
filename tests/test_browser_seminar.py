"""Seminar mode on a projector, measured in a real browser: every claim slide fits 1024x768 (and 1400x900) with no
scrolling, in the app's presentation view and in the exported HTML deck.

What a person in the room sees is measured, not the code: the verdict's bounding box (after "Reveal" where
guess-first asks the question first) and the Previous / Next buttons lie inside the window, nothing sits under the
navigation, "Previous" is not cut, no chart legend scrolls, no text shows a file path (`data/`, `.csv`), and every chart text is at least
18 px (the SVG text plotly draws). The app is checked on three representative slides (the first claim, the claim
with the most panels, the claim counting years from the events list); the deck the page offers for download is
checked on every slide (title and theme slides: their text inside the slide, above the navigation). Screenshots of what the window shows go to artifacts/screenshots/seminar_*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from src import deck
from src.study.yaml_io import parse_yaml
from tests.browser_support import AppTab, axe_violations, resize, screenshot, settled
from tests.shipped import shipped_study

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORTS = [(1024, 768), (1400, 900)]
URL_NAMES = parse_yaml((ROOT / "data" / "study.yaml").read_text(encoding="utf-8"))["params"]
PATH_LIKE = re.compile(r"data/|\.csv\b")

pytestmark = pytest.mark.browser

pytest.importorskip("playwright.sync_api")


def stand_in_evaluate(claim, store, settings):
    """Slide numbers depend on the codebook only, so the deck's order is built without evaluating anything."""
    return SimpleNamespace(status="", sentence="")


STUDY = shipped_study()
CODEBOOK = STUDY.codebook


def default_deck_order() -> list[deck.Slide]:
    settings = deck.make_settings(STUDY.defaults, STUDY.defaults.focus, STUDY.defaults.peer_group)
    return deck.build_deck(CODEBOOK, None, settings, None, evaluate=stand_in_evaluate, title="")


def representative_claims() -> list[str]:
    """The first claim, the one drawing the most indicators, the one counting years of listed periods."""
    claims = list(CODEBOOK.claims.values())
    most_panels = max(claims, key=lambda c: len(c.indicators))
    periods = next(c for c in claims if any(t.rule == "share_of_years" for t in c.tests))
    return list(dict.fromkeys([claims[0].id, most_panels.id, periods.id]))


# Everything measured in one call: boxes in viewport pixels, the chart texts' sizes, the visible text.
MEASURE = """([verdictSel, buttonSels, navSel, textSel]) => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height}; };
  const visible = (el) => el && el.getClientRects().length > 0;
  const verdicts = Array.from(document.querySelectorAll(verdictSel)).filter(visible);
  const buttons = buttonSels.map((sel) => { const el = document.querySelector(sel);
    return {sel, box: box(el), cut: el ? el.scrollWidth > el.clientWidth + 1 : null, text: el ? el.innerText : null}; });
  const texts = Array.from(document.querySelectorAll('.js-plotly-plot svg text')).filter(
    (t) => visible(t) && t.textContent.trim() && !t.closest('.hoverlayer'));
  const sizes = texts.map((t) => [t.textContent.trim().slice(0, 40), parseFloat(getComputedStyle(t).fontSize)]);
  const nav = navSel ? document.querySelector(navSel) : null;
  const legendScrolls = Array.from(document.querySelectorAll('.js-plotly-plot .legend .scrollbar')).some(
    (bar) => parseFloat(bar.getAttribute('height') || '0') > 0 && visible(bar));
  return {verdict: verdicts.length ? box(verdicts[0]) : null, buttons, sizes, charts: texts.length,
    nav: box(nav), legendScrolls, text: (document.querySelector(textSel) || document.body).innerText,
    width: window.innerWidth, height: window.innerHeight,
    scrolls: document.scrollingElement.scrollHeight > window.innerHeight + 1};
}"""


# A slide's own content does not overflow it, and the slide ends above the navigation strip.
SLIDE_FITS = """(sel) => { const slide = document.querySelector(sel); const nav = document.querySelector('nav');
  return {inside: slide.scrollHeight <= slide.clientHeight + 1,
          aboveNav: slide.getBoundingClientRect().bottom <= nav.getBoundingClientRect().top + 1}; }"""


def assert_fits(seen: dict, where: str, *, nav_strip: bool) -> None:
    """The verdict and the buttons inside the window (and above the navigation strip), nothing cut, no paths,
    every chart text at least 18 px."""
    verdict = seen["verdict"]
    assert verdict is not None, f"{where}: no verdict shown"
    assert verdict["top"] >= 0 and verdict["bottom"] <= seen["height"], f"{where}: verdict at {verdict}"
    if nav_strip:
        assert verdict["bottom"] <= seen["nav"]["top"] + 1, f"{where}: verdict under the navigation {seen['nav']}"
    for button in seen["buttons"]:
        box = button["box"]
        assert box is not None, f"{where}: no {button['sel']}"
        assert box["top"] >= 0 and box["bottom"] <= seen["height"] and box["right"] <= seen["width"], (where, button)
        assert not button["cut"], f"{where}: {button['text']!r} is cut"
    assert not PATH_LIKE.search(seen["text"]), f"{where}: a file path shows: {PATH_LIKE.findall(seen['text'])}"
    assert not seen["legendScrolls"], f"{where}: a chart legend scrolls"
    small = [(text, size) for text, size in seen["sizes"] if size < deck.PROJECTOR_TEXT_PX]
    assert seen["charts"] and not small, f"{where}: chart text under {deck.PROJECTOR_TEXT_PX} px: {small[:8]}"


def wait_for_app(page) -> None:
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=\"stMain\"]')?.innerText || '').includes('Slide ')",
        timeout=90_000, polling=250)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000,
                           polling=250)


APP_BUTTONS = ['.st-key-previous button', '.st-key-next button']
# The slide asked for is on screen (its counter), with its answer or the button that reveals it.
SLIDE_SHOWN_JS = """(counter) => (document.querySelector('[data-testid="stMain"]')?.innerText || '').includes(counter)
    && (!!document.querySelector('.deck-verdict')
        || Array.from(document.querySelectorAll('button')).some((b) => b.innerText.includes('Reveal the number')))"""


def slide_address(number: int) -> str:
    """The presentation view of slide `number` of the default deck, guess-first on. The address does not name the
    deck: opened in the running frontend (as Back and Forward do), the page must keep the default deck (it once
    showed "Pick at least one claim" there)."""
    return f"presentation?present=1&{URL_NAMES['guess']}=1&{URL_NAMES['slide']}={number}"


def test_app_claim_slides_fit_the_projector_in_presentation_view(server, browser_context):
    """Each slide is opened once (a Streamlit run is the slow part) and measured at both window sizes. One tab: the
    first slide by its URL, the next ones by their address in the running frontend (browser_support.AppTab.go,
    as Back and Forward do: no second frontend start), each measured first at the size the last one ended at, so
    no slide is laid out again at a size it is not measured at."""
    order = default_deck_order()
    tab = AppTab(browser_context, server)  # the app's tabs share one renderer (compiled scripts): not a new context
    sizes = VIEWPORTS
    try:
        for claim_id in representative_claims():
            number = deck.claim_slide_index(order, claim_id)
            tab.go(slide_address(number), size=None if tab.page else sizes[0])
            page = tab.page
            wait_for_app(page)
            # This slide's run has finished; its elements may still be arriving: wait until its counter and the
            # answer or the button that reveals it are there, then decide.
            page.wait_for_function(SLIDE_SHOWN_JS, arg=f"Slide {number} of", timeout=90_000, polling=100)
            settled(page)
            reveal = page.query_selector('button:has-text("Reveal the number")')
            if reveal:  # guess-first: the question first, the answer after Reveal
                reveal.click()
                wait_for_app(page)
            page.wait_for_selector(".deck-verdict", timeout=60_000)
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
            for width, height in sizes:
                resize(page, (width, height))  # Streamlit lays the columns and the chart out again
                screenshot(page, SCREENSHOTS / f"seminar_app_{width}x{height}_{claim_id}.png")
                seen = page.evaluate(MEASURE, [".deck-verdict", APP_BUTTONS, None, '[data-testid="stMain"]'])
                assert_fits(seen, f"app {width}x{height} slide {number} ({claim_id})", nav_strip=False)
                if claim_id == representative_claims()[0] and width == 1400:
                    # WCAG 2.1 AA on the Seminar page (badge, verdict, captions), once, in this page load.
                    assert axe_violations(page) == [], f"axe-core on slide {number}"
            sizes = sizes[::-1]
    finally:
        tab.discard()


@pytest.fixture(scope="module")
def exported_deck(server, browser_context, deck_file) -> Path:
    """The HTML deck exactly as the page offers it for download (default deck, guess-first on)."""
    page = browser_context.new_page()  # downloads on (conftest.py)
    page.set_viewport_size({"width": 1400, "height": 900})
    try:
        page.goto(f"{server}/presentation?{URL_NAMES['guess']}=1", wait_until="domcontentloaded", timeout=90_000)
        wait_for_app(page)
        with page.expect_download(timeout=120_000) as download:
            page.click('button:has-text("Download the deck")')
        download.value.save_as(deck_file)
        return deck_file
    finally:
        page.close()


CHARTS_FIT_JS = """(slide) => Array.from(document.querySelectorAll(slide + ' .figure')).every((holder) => {
  const svg = holder.querySelector('.main-svg');
  return svg && Math.abs(parseFloat(svg.getAttribute('width')) - Math.floor(holder.clientWidth)) <= 2;
})"""


@pytest.fixture(scope="module")
def deck_page(browser_context, exported_deck):
    """The exported deck opened once, offline (any request but file: is refused and listed); each size resizes it."""
    page = browser_context.new_page()
    outside: list[str] = []
    page.route(re.compile(r"^(?!file:).*"), lambda route: (outside.append(route.request.url), route.abort()))
    page.goto(exported_deck.as_uri())
    yield page, outside
    page.close()


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_every_slide_of_the_exported_deck_fits_the_projector(deck_page, width, height):
    order = default_deck_order()
    page, outside = deck_page
    resize(page, (width, height))
    for number, slide in enumerate(order, start=1):
        page.evaluate(f"window.deck.show({number})")
        if slide.kind != "claim":  # title and theme slides: their text inside the slide, above the navigation
            fits = page.evaluate(SLIDE_FITS, f"#slide-{number}")
            assert fits["inside"] and fits["aboveNav"], f"export {width}x{height} slide {number}: {fits}"
            continue
        if page.is_visible(f"#slide-{number} .reveal"):
            page.keyboard.press("ArrowRight")  # the first "next" reveals the answer
        # Drawn (or, on the page already walked at the other size, drawn again) at the width its slide gives it.
        # Polled every 50 ms, not every frame: each check reads every chart holder's width (a forced layout), and
        # polling on animation frames keeps the compositor drawing frames while plotly draws.
        page.wait_for_function(CHARTS_FIT_JS, arg=f"#slide-{number}", timeout=30_000, polling=50)
        if width == VIEWPORTS[0][0] or number == deck.claim_slide_index(order, representative_claims()[1]):
            screenshot(page, SCREENSHOTS / f"seminar_export_{width}x{height}_{slide.claim_id}.png")
        seen = page.evaluate(MEASURE, [f"#slide-{number} .verdict", ["#prev", "#next"], "nav", "#deck"])
        assert_fits(seen, f"export {width}x{height} slide {number} ({slide.claim_id})", nav_strip=True)
        assert not seen["scrolls"], f"export slide {number} scrolls"
    assert outside == []
