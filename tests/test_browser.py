"""End to end: the real server in a real browser (Debian's chromium, headless, driven by playwright): links.

A shared link reproduces its view (and, as a fresh server's first request, still gets app.py's layout and menu);
an unknown country in a link shows a clear message, not a traceback; a hostile link value shows as text, never
as a live link or an image. Every page's own render check is in tests/test_browser_layout.py (one load per page).
Screenshots go to artifacts/screenshots/. The browser is the one the deck's PNG export uses
(`src.deck.find_browser`, via the `chromium_path` fixture in conftest.py): without one the tests skip locally and
fail under CI=true.
"""

from __future__ import annotations

import pytest

from tests.browser_support import (  # noqa: F401 - others import them from here
    CHROMIUM_ARGS,
    ERROR_BOXES,
    ROOT,
    SCREENSHOTS,
    SHARED_LINK_SCREENSHOT,
    WIDE,
    AppTab,
    open_page,
    screenshot,
    wait_until_drawn,
)

pytestmark = pytest.mark.browser

pytest.importorskip("playwright.sync_api")


def test_a_shared_link_reproduces_the_view(first_deep_link):
    # The run's server was asked for this deep link first (conftest.py `first_deep_link`, read as it was drawn and
    # saved as SHARED_LINK_SCREENSHOT): a fresh server's first request must still get app.py's layout and grouped
    # menu (see src/app/boot.py).
    seen = first_deep_link
    assert SHARED_LINK_SCREENSHOT.is_file()
    assert seen.title.startswith("Inflation") and "2000-2020" in seen.title
    assert "Pakistan" in seen.legend and "India" in seen.legend
    assert not seen.error_boxes
    assert not seen.outside
    assert not seen.script_errors
    assert "Evidence" in seen.menu and "Guns vs butter" in seen.menu


def error_messages(page) -> str:
    return " ".join(box.inner_text() for box in page.query_selector_all('[data-testid="stAlertContentError"]'))


def test_an_unknown_country_in_a_link_shows_a_clear_message_not_a_traceback(server, browser_context):
    tab = AppTab(browser_context, server)  # its first address is opened by URL, as a link is
    try:
        page = tab.go("guns_vs_butter?focus=ATLANTIS", size=WIDE).page
        wait_until_drawn(page, wants_chart=True)
        screenshot(page, SCREENSHOTS / "guns_vs_butter_bad_link.png")
        assert "focus=ATLANTIS" in error_messages(page)
        assert not page.query_selector_all('[data-testid="stException"]')
        # The reader goes on to Claims from the menu: that page was not opened by the link, so it says nothing of it
        # (it once repeated the message there).
        page = tab.show("claims", wants_chart=False).page
        assert "Claims checked" in page.inner_text('[data-testid="stMain"]')
        assert "ATLANTIS" not in error_messages(page)
    finally:
        tab.discard()


# A link whose value tries to break out of the message's markdown: a live link and an image that the browser
# would fetch. The "attacker" host is another port on this machine, so a failure never sends traffic anywhere.
INJECTION = "x`[CLICK HERE](http://127.0.0.1:9/phish)![t](http://127.0.0.1:9/track.png)`y"


@pytest.mark.parametrize(("path", "param"), [("claims", "focus"), ("explorer", "countries")])
def test_a_hostile_link_value_shows_as_text_never_as_a_link_or_an_image(server, browser_context, path, param):
    from urllib.parse import quote

    opened = open_page(browser_context, server, f"{path}?{param}={quote(INJECTION)}", wants_chart=False)
    page, outside = opened.page, opened.outside
    try:
        screenshot(page, SCREENSHOTS / f"{path}_hostile_link.png")
        body = page.query_selector("body")
        hrefs = [a.get_attribute("href") or "" for a in body.query_selector_all("a")]
        images = [img.get_attribute("src") or "" for img in body.query_selector_all("img")]
        assert not [h for h in hrefs if "127.0.0.1:9" in h], hrefs
        assert not [s for s in images if "127.0.0.1:9" in s], images
        assert not outside, f"the page asked other hosts: {outside[:5]}"
        assert not page.query_selector_all('[data-testid="stException"]')
        assert "CLICK HERE" in body.inner_text()  # the value is named in the message, as text
    finally:
        opened.close()
