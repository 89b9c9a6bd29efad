"""End to end: the real server in a real browser (Debian's chromium, headless, driven by playwright).

Starts `streamlit run app.py` on a free port, opens every page, and checks that the page ran (a title), that
its charts rendered (plotly's SVG in the DOM), that no error box or traceback shows, and that the page asked
nothing of any host but our own server (works offline: no CDN, no map tiles). Screenshots go to
artifacts/screenshots/. The browser is the one the deck's PNG export uses (`src.deck.find_browser`, via the
`chromium_path` fixture in conftest.py): without one the tests skip locally and fail under CI=true.
"""

from __future__ import annotations

import pytest

from tests.browser_support import CHROMIUM_ARGS, ROOT, SCREENSHOTS  # noqa: F401 - others import them from here

# url path -> does the page draw at least one plotly chart with the shipped data?
PAGES = {
    "": False,  # overview (default page)
    "claims": False,  # the full list draws charts when a box is opened (tests/test_browser_claims.py)
    "themes": True,
    "guns_vs_butter": True,
    "hdi": True,
    "explorer": True,
    "presentation": False,
    "interviews": False,
    "sources": False,
}
ERROR_BOXES = '[data-testid="stException"], [data-testid="stAlertContentError"]'

pytestmark = pytest.mark.browser

pytest.importorskip("playwright.sync_api")


def open_page(browser, base: str, path: str, *, wants_chart: bool):
    """Open a page, wait until the script has finished, and return (page, outside requests)."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    outside: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(base) else outside.append(request.url))
    page.goto(f"{base}/{path}", wait_until="domcontentloaded", timeout=90_000)
    # Some pages (seminar mode) draw their own headings, so wait for any element, not for an h1.
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=\"stMain\"]')?.innerText || '').trim().length > 0",
        timeout=90_000,
        polling=250,
    )
    if wants_chart:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90_000)
    # The status widget shows while the script runs; wait until it is gone so the page is complete.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000, polling=250
    )
    page.wait_for_timeout(2000)  # tables and code blocks draw a moment after the script ends
    return page, outside


def test_a_shared_link_reproduces_the_view(server, browser):
    # First in this file on purpose: a deep link as a fresh server's first request must still get app.py's
    # layout and grouped menu (see src/app/boot.py).
    page, outside = open_page(
        browser, server, "explorer?indicator=wdi_inflation&countries=PAK,IND&start=2000&end=2020", wants_chart=True
    )
    try:
        page.screenshot(path=str(SCREENSHOTS / "explorer_shared_link.png"), full_page=True)
        title = page.query_selector(".js-plotly-plot .gtitle").text_content()
        assert title.startswith("Inflation") and "2000-2020" in title
        legend = " ".join(item.text_content() for item in page.query_selector_all(".js-plotly-plot .legendtext"))
        assert "Pakistan" in legend and "India" in legend
        assert not page.query_selector_all(ERROR_BOXES)
        assert not outside
        menu = page.inner_text('[data-testid="stSidebarNav"]')
        assert "Evidence" in menu and "Guns vs butter" in menu
    finally:
        page.close()


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_renders_in_a_real_browser_without_errors(server, browser, path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page, outside = open_page(browser, server, path, wants_chart=PAGES[path])
    try:
        page.screenshot(path=str(SCREENSHOTS / f"{path or 'overview'}.png"), full_page=True)
        boxes = [box.inner_text()[:300] for box in page.query_selector_all(ERROR_BOXES)]
        assert not boxes, f"error shown on /{path}: {boxes}"
        if PAGES[path]:
            assert page.query_selector_all(".js-plotly-plot .main-svg"), f"no chart rendered on /{path}"
        assert not outside, f"/{path} asked other hosts: {outside[:5]}"
    finally:
        page.close()


def test_an_unknown_country_in_a_link_shows_a_clear_message_not_a_traceback(server, browser):
    page, _ = open_page(browser, server, "guns_vs_butter?focus=ATLANTIS", wants_chart=True)
    try:
        page.screenshot(path=str(SCREENSHOTS / "guns_vs_butter_bad_link.png"), full_page=True)
        messages = " ".join(box.inner_text() for box in page.query_selector_all('[data-testid="stAlertContentError"]'))
        assert "focus=ATLANTIS" in messages
        assert not page.query_selector_all('[data-testid="stException"]')
    finally:
        page.close()


# A link whose value tries to break out of the message's markdown: a live link and an image that the browser
# would fetch. The "attacker" host is another port on this machine, so a failure never sends traffic anywhere.
INJECTION = "x`[CLICK HERE](http://127.0.0.1:9/phish)![t](http://127.0.0.1:9/track.png)`y"


@pytest.mark.parametrize(("path", "param"), [("claims", "focus"), ("explorer", "countries")])
def test_a_hostile_link_value_shows_as_text_never_as_a_link_or_an_image(server, browser, path, param):
    from urllib.parse import quote

    page, outside = open_page(browser, server, f"{path}?{param}={quote(INJECTION)}", wants_chart=False)
    try:
        page.screenshot(path=str(SCREENSHOTS / f"{path}_hostile_link.png"), full_page=True)
        body = page.query_selector("body")
        hrefs = [a.get_attribute("href") or "" for a in body.query_selector_all("a")]
        images = [img.get_attribute("src") or "" for img in body.query_selector_all("img")]
        assert not [h for h in hrefs if "127.0.0.1:9" in h], hrefs
        assert not [s for s in images if "127.0.0.1:9" in s], images
        assert not outside, f"the page asked other hosts: {outside[:5]}"
        assert not page.query_selector_all('[data-testid="stException"]')
        assert "CLICK HERE" in body.inner_text()  # the value is named in the message, as text
    finally:
        page.close()
