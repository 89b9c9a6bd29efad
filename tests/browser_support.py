"""What every browser test shares: the real app served on a free local port, headless Chromium to open it, and
the waits and measurements the browser test files use.

The fixtures `server`, `browser` and `browser_context` (tests/conftest.py) use these. The browser is made once per
pytest process; the server once per run (`shared_app`): the first xdist worker to need it starts it and opens its
first page, the deep link, and the other uses its address, so a second server's start and cold caches (~12 s CPU)
are not paid, and no test pays the cold caches. Tests about a page rather than a URL show it in an `AppTab`, a tab
whose Streamlit frontend, once started, moves between pages and slides without starting again.

Waits are for conditions, never fixed sleeps: a page is drawn when Streamlit's script run has finished (no status
widget, no placeholder skeleton), its charts are in the DOM, and then nothing in the page has changed for a
moment (`settled`).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import signal
import subprocess
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import pytest

from deploy.cluster import free_port, stop, streamlit_command, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# Without the background-networking flags Chromium tries Google's hosts at every start (no network here).
# --process-per-site: every tab of the app (and every file: deck) shares one renderer process, which then compiles
# Streamlit's and plotly's scripts once instead of once per tab: a third less CPU per page load.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--process-per-site",
    "--disable-extensions",
    "--mute-audio",
]
ERROR_BOXES = '[data-testid="stException"], [data-testid="stAlertContentError"]'
# The first page a fresh server is asked for: a deep link (tests/test_browser.py checks what it shows).
SHARED_LINK = "explorer?indicator=wdi_inflation&countries=PAK,IND&start=2000&end=2020"
WIDE, SMALL = (1400, 900), (1024, 768)
LONG = 90_000  # ms: a cold page on a busy machine
# A full-height screenshot stops here: the pages are read at the top, and the tallest would be 10,000+ px.
SCREENSHOT_MAX_HEIGHT = 5_000

# Some pages (seminar mode) draw their own headings, so the run has shown something when stMain has any text.
SCRIPT_DONE_JS = """() => (document.querySelector('[data-testid="stMain"]')?.innerText || '').trim().length > 0
    && !document.querySelector('[data-testid="stSkeleton"], [data-testid="stStatusWidget"]')"""
# Resolves once nothing in the page has changed for `quiet` ms and two frames have been drawn after that (grids
# paint their canvas, plotly lays out again after a resize); gives up after `limit` ms and says so.
SETTLED_JS = """([quiet, limit]) => new Promise((resolve) => {
  let timer = null;
  const finish = (calm) => { observer.disconnect(); clearTimeout(timer); clearTimeout(cap);
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(calm))); };
  const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(() => finish(true), quiet); });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  timer = setTimeout(() => finish(true), quiet);
  const cap = setTimeout(() => finish(false), limit);
})"""


def start_app(log_dir: Path) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free port, answering; returns the process and its base URL (stopped on failure)."""
    port = free_port()
    log_path = log_dir / "streamlit.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(streamlit_command(ROOT / "app.py", port), cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, timeout=120)
    except (RuntimeError, TimeoutError):
        stop(process)
        pytest.fail(f"the server did not start; its log:\n{log_path.read_text()[-3000:]}")
    return process, base


@dataclass
class FirstPage:
    """What the fresh server's first page (SHARED_LINK) showed, read when it was drawn, by whichever pytest process
    started the server (tests/test_browser.py checks it): its chart title and legend, how many error boxes, the
    other hosts it asked, its script errors and the navigation menu. Its screenshot is SHARED_LINK_SCREENSHOT."""

    title: str
    legend: str
    error_boxes: int
    outside: list[str]
    script_errors: list[str]
    menu: str


SHARED_LINK_SCREENSHOT = SCREENSHOTS / "explorer_shared_link.png"


def look_at_first_page(opened: OpenedPage) -> FirstPage:
    """Screenshot the server's first page (SHARED_LINK, opened) and read what tests/test_browser.py checks."""
    page = opened.page
    SHARED_LINK_SCREENSHOT.unlink(missing_ok=True)  # so a file there was taken by this run (tests/test_browser.py)
    screenshot(page, SHARED_LINK_SCREENSHOT)
    title = page.query_selector(".js-plotly-plot .gtitle")
    return FirstPage(
        title=title.text_content() if title else "",
        legend=" ".join(item.text_content() for item in page.query_selector_all(".js-plotly-plot .legendtext")),
        error_boxes=len(page.query_selector_all(ERROR_BOXES)),
        outside=list(opened.outside),
        script_errors=list(opened.script_errors),
        menu=page.inner_text('[data-testid="stSidebarNav"]'),
    )


def keep_renderer(context, url: str):
    """A tab left open on `url` (a light page of a site) while the session lasts: with --process-per-site the
    site's renderer process ends with its last tab, and the next page would compile Streamlit's and plotly's
    scripts again (~5 s CPU); kept alive, it keeps them compiled. Returns the tab, to close at the end."""
    tab = context.new_page()
    tab.goto(url, wait_until="domcontentloaded", timeout=LONG)
    return tab


@dataclass
class SharedApp:
    """The run's one app server: its base URL and what its first page showed."""

    url: str
    first_page: FirstPage


@contextmanager
def _locked(path: Path):
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stop_pid(pid: int) -> None:
    """Stop a server another pytest process started (it cannot be waited for here): TERM, then KILL after 10 s."""
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return  # exited; its parent (or init) reaps it
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, FileNotFoundError):
        pass


def app_state_path(run_dir: Path) -> Path:
    return run_dir / "app_server.json"


@contextmanager
def shared_app(run_dir: Path, log_dir: Path, context) -> SharedApp:
    """The run's app server, shared by every pytest process whose temporary folders are under `run_dir`.

    Under a lock (`app_server.lock`), the first process to come starts the server, opens its first page with
    `context` (`look_at_first_page`) and writes the address, pid and what the page showed to `app_server.json`;
    the others read it. Each counts itself a user there; the last to leave stops the server and removes the file,
    so a process that comes after that starts a fresh one. (conftest.py's session end stops one left running.)
    Each process keeps a tab of the server's health page open meanwhile (`keep_renderer`).
    """
    lock, state_path = run_dir / "app_server.lock", app_state_path(run_dir)
    started = None
    with _locked(lock):
        state = json.loads(state_path.read_text()) if state_path.exists() else None
        if state is None:
            started, base = start_app(log_dir)
            try:
                opened = open_page(context, base, SHARED_LINK, wants_chart=True)
                first = look_at_first_page(opened)
                keeper = keep_renderer(context, f"{base}/_stcore/health")  # before the first page closes
                opened.close()
            except BaseException:
                stop(started)
                raise
            state = {"url": base, "pid": started.pid, "users": 0, "first_page": asdict(first)}
        else:
            keeper = keep_renderer(context, f"{state['url']}/_stcore/health")
        state["users"] += 1
        state_path.write_text(json.dumps(state))
    try:
        yield SharedApp(state["url"], FirstPage(**state["first_page"]))
    finally:
        keeper.close()
        with _locked(lock):
            state = json.loads(state_path.read_text())
            state["users"] -= 1
            if state["users"] > 0:
                state_path.write_text(json.dumps(state))
            else:
                state_path.unlink()
                if started is not None and started.pid == state["pid"]:
                    stop(started)
                else:
                    _stop_pid(state["pid"])
        if started is not None:
            started.poll()  # reap it if another process stopped it


def stop_left_app(run_dir: Path) -> None:
    """Stop a shared server that no process stopped (one died holding it); its state file goes too."""
    state_path = app_state_path(run_dir)
    if state_path.exists():
        pid = json.loads(state_path.read_text())["pid"]
        try:
            ours = b"streamlit" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            ours = False
        if ours:
            _stop_pid(pid)
        state_path.unlink()


@contextmanager
def headless_chromium(chromium_path: str):
    """Playwright driving the system Chromium, headless; closed when the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class OpenedPage:
    """A page of the app, opened and drawn, with what it asked of other hosts and the script errors it raised."""

    def __init__(self, page, outside: list[str], script_errors: list[str]):
        self.page, self.outside, self.script_errors = page, outside, script_errors

    def close(self) -> None:
        self.page.close()


def settled(page, *, quiet_ms: int = 250, limit_ms: int = 15_000) -> bool:
    """Wait until the page has stopped changing (see SETTLED_JS); False when it still changed after `limit_ms`."""
    return page.evaluate(SETTLED_JS, [quiet_ms, limit_ms])


def wait_until_drawn(page, *, wants_chart: bool) -> None:
    """The script run has finished, its charts (when it draws any) are in the DOM, and the page has settled."""
    page.wait_for_function(SCRIPT_DONE_JS, timeout=LONG, polling=100)
    if wants_chart:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=LONG)
    settled(page)
    # A widget drawn late can start another short run: wait for that one too.
    page.wait_for_function(SCRIPT_DONE_JS, timeout=LONG, polling=100)


def open_page(context, base: str, path: str, *, wants_chart: bool, size: tuple[int, int] = WIDE) -> OpenedPage:
    """Open a page of the app in a new tab of `context` (a browser context) at `size` and wait until drawn."""
    page = context.new_page()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    outside: list[str] = []
    script_errors: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(base) else outside.append(request.url))
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    page.goto(f"{base}/{path}", wait_until="domcontentloaded", timeout=LONG)
    wait_until_drawn(page, wants_chart=wants_chart)
    return OpenedPage(page, outside, script_errors)


# Added to an AppTab's page before it loads: watches the messages Streamlit's server sends on the app's websocket
# (ForwardMsg protobufs, read field by field) without changing them. Every script run begins with a new_session
# message (field 4) and ends with script_finished (field 6; status 2 is "stopped early for another run"): after a
# finished run, window.__scriptRuns.finished is the number of the run that finished. (stApp's
# data-test-script-state cannot say it: a quick run's "running" and "notRunning" can be drawn in one frame.)
WATCH_RUNS_JS = """(() => {
  const runs = window.__scriptRuns = {started: 0, finished: 0};
  const read = (bytes) => {
    let i = 0;
    const varint = () => { let value = 0, shift = 0, byte;
      do { byte = bytes[i++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
      return value; };
    while (i < bytes.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag & 7;
      if (wire === 0) { const value = varint(); if (field === 6 && value !== 2) runs.finished = runs.started; }
      else if (wire === 2) { const length = varint(); if (field === 4) runs.started++; i += length; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return;
    }
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (event.data instanceof ArrayBuffer) read(new Uint8Array(event.data)); });
    }
  };
})()"""


# The address changes without a reload, and the app hears of it as it does of the browser's Back and Forward
# buttons (Streamlit's frontend reruns the page the address names, with its query, in the running frontend).
FOLLOW_ADDRESS_JS = """(address) => { history.pushState(null, '', address);
  window.dispatchEvent(new PopStateEvent('popstate', {state: null})); }"""


class AppTab:
    """One tab of the app whose frontend stays loaded: its first page is opened by URL, every later one inside the
    running frontend, no reload: `show` clicks the page's link in the app's own navigation menu, as a person moving
    between pages does; `go` changes the address as Back and Forward do. Streamlit's frontend starting is ~80% of a
    page load's renderer CPU, so this is for tests about a page, not about loading a URL (deep links and hostile
    links keep `open_page`).

    Each page shown gets its own record of the other hosts asked and the script errors raised from the moment it
    was asked for (`OpenedPage`; closing it leaves the tab open). A page that failed discards the tab, so the
    next one starts from a fresh load."""

    def __init__(self, context, base: str):
        self.context, self.base = context, base
        self.page = None
        self.current: OpenedPage | None = None

    def show(self, path: str, *, wants_chart: bool, size: tuple[int, int] = WIDE) -> OpenedPage:
        """Show the page at `path` (no query) at `size` in this tab, from its menu link (loaded, the first time);
        returns once a script run that started after that has finished on that page and the page is drawn."""
        link = f'[data-testid="stSidebarNav"] a[href="{self.base}/{path}"]'
        # A click event on the link, not the mouse: a pointer left over the menu would show its hover look (and the
        # sidebar's collapse button) in the screenshots.
        self._switch(path, size, lambda page: page.dispatch_event(link, "click", timeout=LONG))
        try:
            wait_until_drawn(self.page, wants_chart=wants_chart)
        except BaseException:
            self.discard()
            raise
        return self.current

    def go(self, address: str, *, size: tuple[int, int] | None = None) -> OpenedPage:
        """Open `address` (a path and query) in this tab, at `size` (None: the window as it is; WIDE in a new tab),
        and return once the run it starts has finished (its elements may still be drawing)."""
        self._switch(address, size, lambda page: page.evaluate(FOLLOW_ADDRESS_JS, f"/{address}"))
        return self.current

    def _switch(self, address: str, size: tuple[int, int] | None, switch) -> None:
        """Size the window, then load `address` (the first time) or `switch` to it, and wait until a script run
        that started after that has finished on its page."""
        try:
            if self.page is None:
                self.page = page = self.context.new_page()
                page.on("request", lambda request: None if request.url.startswith(self.base)
                        else self.current.outside.append(request.url))
                page.on("pageerror", lambda error: self.current.script_errors.append(str(error)))
                page.add_init_script(WATCH_RUNS_JS)
                started = 0
                self.current = OpenedPage(page, [], [])
                size = size or WIDE
                page.set_viewport_size({"width": size[0], "height": size[1]})
                page.goto(f"{self.base}/{address}", wait_until="domcontentloaded", timeout=LONG)
            else:
                page = self.page
                started = page.evaluate("() => window.__scriptRuns.started")
                self.current = OpenedPage(page, [], [])
                if size:  # before the switch: a grid takes its width from the window it is first drawn in
                    page.set_viewport_size({"width": size[0], "height": size[1]})
                switch(page)
            page.wait_for_function(
                "([started, path]) => window.__scriptRuns.finished > started && location.pathname === path",
                arg=[started, "/" + address.partition("?")[0]], timeout=LONG, polling=100)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Close the tab (the next page shown opens a fresh one)."""
        if self.page is not None:
            self.page.close()
        self.page = self.current = None


CLAIM_BOARD_ROWS = '[data-testid="stMarkdown"] table tbody tr'


@dataclass
class ClaimsPage:
    """The Claims page opened once at WIDE for the two files that check it (conftest.py `claims_page`): the open tab,
    and what the render check of tests/test_browser_layout.py reads, taken as the page was first drawn (its window
    screenshot claims.png too), since tests/test_browser_claims.py opens a chart in it afterwards."""

    opened: OpenedPage
    error_boxes: list[str]
    charts: int


def open_claims_page(context, base: str, claim_count: int) -> ClaimsPage:
    """Open /claims at WIDE, wait until all `claim_count` verdicts are in the board (the time it took is printed,
    never asserted) and the page is drawn, then take the render check's look."""
    page = context.new_page()
    page.set_viewport_size({"width": WIDE[0], "height": WIDE[1]})
    opened = OpenedPage(page, [], [])
    page.on("request", lambda request: None if request.url.startswith(base) else opened.outside.append(request.url))
    page.on("pageerror", lambda error: opened.script_errors.append(str(error)))
    try:
        started = time.perf_counter()
        page.goto(f"{base}/claims", wait_until="domcontentloaded", timeout=LONG)
        page.wait_for_function(f"() => document.querySelectorAll('{CLAIM_BOARD_ROWS}').length >= {claim_count}",
                               timeout=LONG, polling=100)
        print(f"\nevery verdict in the board after {time.perf_counter() - started:.2f} s")
        wait_until_drawn(page, wants_chart=False)
        charts = len(page.query_selector_all(".js-plotly-plot .main-svg"))
        screenshot(page, SCREENSHOTS / "claims.png")
        errors = [box.inner_text()[:300] for box in page.query_selector_all(ERROR_BOXES)]
        return ClaimsPage(opened, errors, charts)
    except BaseException:
        page.close()
        raise


def resize(page, size: tuple[int, int]) -> None:
    """Give the window a new size and wait until Streamlit and the charts have laid the page out again (no rerun)."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.wait_for_function("([w, h]) => window.innerWidth === w && window.innerHeight === h", arg=list(size),
                           timeout=LONG, polling="raf")
    settled(page)


def screenshot(page, path: Path) -> None:
    """What the window shows, as a PNG at `path`: Chromium's own capture (CDP Page.captureScreenshot) encoded with
    `optimizeForSpeed`, about half the CPU of `page.screenshot` (0.07 against 0.15 s a 1400x900 window, 0.26 against
    0.45 s a 1024x5000 one) for a file a fifth larger. Streamlit scrolls inside its main column and the deck fits
    its window, so the window is the whole page (`full_screenshot` makes the window as tall as the page first)."""
    session = page.context.new_cdp_session(page)
    try:
        shot = session.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True})
    finally:
        session.detach()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def full_screenshot(page, path: Path, *, restore: bool = True) -> None:
    """Streamlit scrolls inside its main column, so a full-page screenshot needs a window as tall as the page (up to
    SCREENSHOT_MAX_HEIGHT); the window gets its size back afterwards unless `restore` is False (last use)."""
    before = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    resize(page, (before["width"], min(int(height), SCREENSHOT_MAX_HEIGHT)))
    screenshot(page, path)
    if restore:
        resize(page, (before["width"], before["height"]))


# Streamlit's navigation list (stSidebarNav) nests its list items in wrappers: axe's list/listitem rules flag it.
AXE_EXCLUDED = ['[data-testid="stSidebarNav"]']
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def axe_script() -> str:
    """axe-core's axe.min.js from the pinned axe-playwright-python package (requirements-dev.txt)."""
    axe_package = pytest.importorskip("axe_playwright_python")
    return (Path(axe_package.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


AXE_RUN_JS = """async ([exclude, tags, selectors]) => await axe.run({exclude: exclude.map(s => [s])},
    {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'], selectors})"""


def axe_violations(page, exclude: list[str] = AXE_EXCLUDED) -> list:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now: [(rule id, first three targets)].

    `resultTypes: ['violations']` only spares axe listing every node that passed (the slow part); every rule runs.
    The first run makes no CSS selectors for the nodes it reports (`selectors: false`: ~12% less renderer CPU, measured
    on the Sources, Themes and Overview pages); only when it finds a violation does a second run name its targets."""
    if not page.evaluate("() => typeof window.axe === 'object'"):  # an AppTab's document keeps it between pages
        page.add_script_tag(content=axe_script())
    result = page.evaluate(AXE_RUN_JS, [exclude, AXE_TAGS, False])
    checked = {rule["id"] for kind in ("passes", "violations", "incomplete") for rule in result[kind]}
    assert "color-contrast" in checked, "axe-core checked no text's contrast: is the page drawn?"
    if result["violations"]:
        result = page.evaluate(AXE_RUN_JS, [exclude, AXE_TAGS, True])
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
