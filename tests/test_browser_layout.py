"""What a person sees at 1024x768 and 1400x900: nothing wider than its container, and no axe-core violation from our
own markup. Screenshots go to artifacts/screenshots/layout_<page>_<width>.png (look at them after a change).

axe-core (the standard accessibility rule engine) comes with the pinned axe-playwright-python package
(requirements-dev.txt); tests/browser_support.py injects it (axe_violations) and excludes Streamlit's own navigation
menu by selector: its list/listitem findings come from Streamlit's markup, not ours. The Claims and Seminar pages are
checked by their own browser tests, in the page loads those already make.
"""

from __future__ import annotations

import pytest

from tests.browser_support import SCREENSHOTS, axe_violations

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api")
pytest.importorskip("axe_playwright_python")

PAGES = ("", "themes", "hdi", "explorer", "guns_vs_butter", "sources")
CHART_PAGES = {"themes", "hdi", "explorer", "guns_vs_butter"}
SIZES = ((1400, 900), (1024, 768))

# Every element in the main column whose content scrolls sideways (a grid cut at the right) or whose right edge is
# past the main column's: [test id or tag, its width, how wide its content is, text].
OVERFLOW_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"] [data-testid="stMainBlockContainer"]')
            || document.querySelector('[data-testid="stMain"]');
  const right = main.getBoundingClientRect().right;
  const found = [];
  for (const el of main.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (!box.width || el.closest('.js-plotly-plot')) continue;
    const style = getComputedStyle(el);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
    if (scrolls || box.right > right + 1) {
      found.push([el.dataset.testid || el.tagName, Math.round(box.width), el.scrollWidth, (el.innerText || '').slice(0, 50)]);
    }
  }
  return found.slice(0, 10);
}"""


def open_at(browser, base: str, path: str, size: tuple[int, int]):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(f"{base}/{path}", wait_until="domcontentloaded", timeout=90_000)
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=\"stMain\"]')?.innerText || '').trim().length > 0",
        timeout=90_000, polling=250,
    )
    # The script has finished when the title is drawn, no placeholder skeleton is left and the status widget is gone.
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=90_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stSkeleton\"], [data-testid=\"stStatusWidget\"]')",
        timeout=90_000, polling=250,
    )
    if path in CHART_PAGES:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=90_000)
    page.wait_for_timeout(1500)  # grids and charts draw a moment after the script ends
    return page


def full_screenshot(page, name: str) -> None:
    """Streamlit scrolls inside its main column, so a full-page screenshot needs a viewport as tall as the page."""
    width = page.viewport_size["width"]
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(int(height), 5_000)})
    page.wait_for_timeout(500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"layout_{name or 'overview'}_{width}.png"), timeout=90_000)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_nothing_is_wider_than_its_container_and_axe_finds_nothing(server, browser, size):
    # One load per page and size (the machine is shared): axe runs at 1400x900, as the issue asks.
    cut, violations = {}, {}
    for path in PAGES:
        page = open_at(browser, server, path, size)
        try:
            name = path or "overview"
            if found := page.evaluate(OVERFLOW_JS):
                cut[name] = found
            if size == SIZES[0] and (found := axe_violations(page)):
                violations[name] = found
            full_screenshot(page, path)
        finally:
            page.close()
    assert not cut, f"cut at the right at {size}: {cut}"
    assert not violations, f"axe-core violations: {violations}"
