"""What every browser test shares: the real app served on a free local port, and headless Chromium to open it.

The fixtures `server` and `browser` (tests/conftest.py) use these; each test module gets its own server, so the
modules can run on different pytest-xdist workers at once.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# Without the background-networking flags Chromium tries Google's hosts at every start (no network here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Streamlit's navigation list (stSidebarNav) nests its list items in wrappers: axe's list/listitem rules flag it.
# Excluded by selector: those findings come from Streamlit's markup, not ours.
AXE_EXCLUDED = ['[data-testid="stSidebarNav"]']
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, exclude: list[str] = AXE_EXCLUDED) -> list:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now: [(rule id, first three targets)].

    axe-core (the standard accessibility rule engine) comes with the pinned axe-playwright-python package
    (requirements-dev.txt); its axe.min.js is injected into the page. Skips the test when it is not installed.
    """
    axe_package = pytest.importorskip("axe_playwright_python")
    page.add_script_tag(content=(Path(axe_package.__file__).parent / "axe.min.js").read_text(encoding="utf-8"))
    result = page.evaluate(
        "async ([exclude, tags]) => await axe.run({exclude: exclude.map(s => [s])}, "
        "{runOnly: {type: 'tag', values: tags}})",
        [exclude, AXE_TAGS],
    )
    checked = {rule["id"] for kind in ("passes", "violations", "incomplete") for rule in result[kind]}
    assert "color-contrast" in checked, "axe-core checked no text's contrast: is the page drawn?"
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served_app(log_dir: Path):
    """`streamlit run app.py` on a free port until the block ends; yields its base URL. Always stopped."""
    port = free_port()
    log_path = log_dir / "streamlit.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start; its log:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
