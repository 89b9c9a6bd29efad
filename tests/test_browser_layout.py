"""Every page of the app in a real browser, opened once; the data pages are checked at 1024x768 and then, resized,
at 1400x900.

At 1400x900: the page ran without an error box, a traceback or a script error, drew its charts, and asked
nothing of any host but our own server (works offline: no CDN, no map tiles). On the data pages, at both sizes:
nothing is wider than its container; at 1400x900 axe-core finds no violation from our own markup.

Streamlit lays a page out again when the window changes, without rerunning it, so one load serves both sizes.
The pages are visited in one tab per pytest process, each after the first by clicking its link in the app's own
menu (browser_support.AppTab: a page switch inside the running frontend instead of starting it again); opening
pages by URL is checked in tests/test_browser.py.
Screenshots go to artifacts/screenshots/: <page>.png (the window at 1400x900) and, for the layout pages,
layout_<page>_1024.png (the whole page at 1024 px, up to 5,000 px tall: the width where a cut shows first; look at
them after a change). A whole-page screenshot lays the page out again at its full height, so it is taken at one
width only.

axe-core (the standard accessibility rule engine) comes with the pinned axe-playwright-python package
(requirements-dev.txt); its axe.min.js is injected into the page (tests/browser_support.py `axe_violations`).
Streamlit's own navigation menu is excluded by selector: its list/listitem findings come from Streamlit's markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.browser_support import (
    ERROR_BOXES,
    SCREENSHOTS,
    SMALL,
    WIDE,
    AppTab,
    axe_script,
    axe_violations,
    full_screenshot,
    resize,
    screenshot,
)

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api")
axe_script()  # skips the module when axe-playwright-python is missing

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
# The pages measured for width and checked by axe here (Claims and Seminar: tests/test_browser_claims.py and
# tests/test_browser_seminar.py).
LAYOUT_PAGES = ("", "themes", "hdi", "explorer", "guns_vs_butter", "sources")
SIZES = (WIDE, SMALL)

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


def size_id(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


@dataclass
class Visit:
    """What one load of a page showed: error boxes, charts, other hosts asked, script errors, and for the layout
    pages the elements cut at the right at each size and axe's findings at 1400x900."""

    errors: list[str]
    charts: int
    outside: list[str]
    script_errors: list[str]
    cut: dict[str, list] = field(default_factory=dict)
    axe: list = field(default_factory=list)


def visit(tab: AppTab, path: str) -> Visit:
    """Show the page once: a layout page at 1024x768 first, then resized to 1400x900 (a grid takes its width from
    the window it is first drawn in and keeps it when the window shrinks, so the small size is measured as drawn)."""
    name = path or "overview"
    sizes = (SMALL, WIDE) if path in LAYOUT_PAGES else (WIDE,)
    opened = tab.show(path, wants_chart=PAGES[path], size=sizes[0])
    page = opened.page
    try:
        result = Visit(errors=[], charts=0, outside=opened.outside, script_errors=opened.script_errors)
        for size in sizes:
            if size != sizes[0]:
                resize(page, size)
            if path in LAYOUT_PAGES:
                result.cut[size_id(size)] = page.evaluate(OVERFLOW_JS)
            if size == WIDE:
                result.charts = len(page.query_selector_all(".js-plotly-plot .main-svg"))
                screenshot(page, SCREENSHOTS / f"{name}.png")
                if path in LAYOUT_PAGES:  # axe at 1400x900, as the issue asks
                    result.axe = axe_violations(page)
            if path in LAYOUT_PAGES and size == SMALL:  # left at the page's height: the next size follows at once
                full_screenshot(page, SCREENSHOTS / f"layout_{name}_{size[0]}.png", restore=False)
        # Error boxes last: one that shows late is seen too.
        result.errors = [box.inner_text()[:300] for box in page.query_selector_all(ERROR_BOXES)]
        return result
    except BaseException:
        tab.discard()  # the next page starts from a fresh load
        raise


def shared_visit(shared) -> Visit:
    """The Claims page's Visit from the load tests/test_browser_claims.py shares (conftest.py `claims_page`), as
    it was first drawn at 1400x900 (its claims.png taken then); its other hosts and script errors are those seen
    while it is open."""
    opened = shared.opened
    return Visit(errors=shared.error_boxes, charts=shared.charts, outside=opened.outside,
                 script_errors=opened.script_errors)


@pytest.fixture(scope="session")
def visits(server, browser_context, request):
    """path -> Visit, each page shown once in this process however many tests read it, all in one tab (Claims:
    its own load, shared with tests/test_browser_claims.py)."""
    done: dict[str, Visit | Exception] = {}
    tab = AppTab(browser_context, server)

    def get(path: str) -> Visit:
        if path not in done:
            try:
                if path == "claims":
                    done[path] = shared_visit(request.getfixturevalue("claims_page"))
                else:
                    done[path] = visit(tab, path)
            except Exception as failure:  # every test of the page fails with it, without loading it again
                done[path] = failure
        if isinstance(done[path], Exception):
            raise done[path]
        return done[path]

    yield get
    tab.discard()


def per_page(paths, *sizes):
    """One parameter set per page (and size); the id starts with the page, so each page's tests go to one xdist
    worker together (tests/conftest.py SPLIT_FILES) and share its one load."""
    params = []
    for path in paths:
        name = path or "overview"
        if sizes:
            params += [pytest.param(path, size, id=f"{name}-{size_id(size)}") for size in sizes]
        else:
            params.append(pytest.param(path, id=name))
    return params


@pytest.mark.parametrize("path", per_page(PAGES))
def test_every_page_renders_in_a_real_browser_without_errors(visits, path):
    seen = visits(path)
    assert not seen.errors, f"error shown on /{path}: {seen.errors}"
    assert not seen.script_errors, f"script errors on /{path}: {seen.script_errors}"
    if PAGES[path]:
        assert seen.charts, f"no chart rendered on /{path}"
    assert not seen.outside, f"/{path} asked other hosts: {seen.outside[:5]}"


@pytest.mark.parametrize(("path", "size"), per_page(LAYOUT_PAGES, *SIZES))
def test_nothing_is_wider_than_its_container(visits, path, size):
    cut = visits(path).cut[size_id(size)]
    assert not cut, f"/{path} cut at the right at {size_id(size)}: {cut}"


@pytest.mark.parametrize("path", per_page(LAYOUT_PAGES))
def test_axe_finds_nothing_at_1400x900(visits, path):
    violations = visits(path).axe
    assert not violations, f"axe-core violations on /{path}: {violations}"
