"""Shared test set-up: no test touches the network, and retries never really sleep."""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import responses
import urllib3.util.retry

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# pytest rewrites every test module's asserts on import and caches the result beside it in __pycache__, unless
# bytecode writing is off (PYTHONDONTWRITEBYTECODE, set on some machines): then all 58 modules are parsed and
# rewritten again in every worker of every run, about 3 s each. The cache is pytest's own and keyed on the source.
sys.dont_write_bytecode = False


def pytest_sessionstart(session):
    """Bring data/processed/ up to date once, before any test (in the main process, not in each xdist worker).

    A stale processed store is rewritten by the first `load_store()`; with tests in parallel that could happen
    while another test checks that data/ stays byte for byte unchanged (tests/test_ingest_attacks.py).
    """
    if hasattr(session.config, "workerinput"):
        return
    from src.ingest.build_key import build_inputs_digest, read_manifest  # no pandas: ~0.8 s less before the workers

    manifest, _problem = read_manifest()
    if manifest is None or manifest["build_key"] != build_inputs_digest():
        from src.ingest.store import load_store

        load_store()


@pytest.fixture(autouse=True)
def no_network():
    """Any HTTP call through `requests` that a test did not register fails loudly instead of going out."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """Retry back-off must not slow the suite: urllib3's Retry records its sleeps instead of sleeping.

    Only urllib3's own `time` is replaced: patching `time.sleep` everywhere would turn Streamlit AppTest's
    polling wait into a busy loop and slow every page test several times over.
    """
    slept: list[float] = []
    recording_time = SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("_")})
    recording_time.sleep = slept.append
    monkeypatch.setattr(urllib3.util.retry, "time", recording_time)
    return slept


@pytest.fixture(scope="session")
def study():
    """The shipped declared study (src.study.load_study on data/), loaded once per process and shared with the
    modules that read it at import (tests/shipped.py); never modify it."""
    from tests.shipped import shipped_study

    return shipped_study()


@pytest.fixture(scope="session")
def catalogue(study):
    """Indicator id -> Indicator from the shipped data/catalogue/indicators/*.yaml."""
    return study.indicators


@pytest.fixture(scope="session")
def codebook(study):
    """The shipped codebook (data/codebook/*.yaml and data/catalogue/benchmarks.yaml)."""
    return study.codebook


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium every browser test drives: the one the deck's PNG export finds (`src.deck.find_browser`).

    Locally a missing browser skips the test with the reason; under CI=true it fails, since .ci/run installs one.
    """
    from src.deck import BROWSER_NAMES, find_browser  # imported here: most tests never need the deck

    path = find_browser()
    if path is None:
        reason = (
            f"no Chromium or Chrome found (looked for $BROWSER_PATH and {', '.join(BROWSER_NAMES)} on PATH); "
            "apt-get install -y chromium"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}: .ci/run should have installed it", pytrace=False)
        pytest.skip(reason)
    return path


# The refresh tests' mock publisher serves this one World Bank series (plus the direct downloads): building the
# API pages of every shipped series takes seconds, and no test asks for another one.
MOCK_API_SERIES_FOLDER = "API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211"


@pytest.fixture(scope="session")
def mock_setting(tmp_path_factory):
    """bench.refresh_mock.Setting for the shipped catalogue, serving the shipped UNDP CSV and SIPRI workbook and
    the WDI military-spending series (MS.MIL.XPND.GD.ZS) as API pages; any other API series is "unknown"."""
    from bench.mock_bodies import MockBodies, direct_files, wdi_bulk_series
    from bench.refresh_mock import Setting
    from src.ingest.refresh import load_ranges
    from src.paths import SNAPSHOT_DIR
    from src.study.catalogue import load_indicators, load_sources

    one_series = tmp_path_factory.mktemp("wdi_one_series")
    (one_series / MOCK_API_SERIES_FOLDER).symlink_to(SNAPSHOT_DIR / "wdi" / MOCK_API_SERIES_FOLDER)
    sources = load_sources()
    bodies = MockBodies(api=wdi_bulk_series(one_series), files=direct_files(sources))
    return Setting(sources, load_indicators(sources=sources), load_ranges(), bodies)


@pytest.fixture(scope="session")
def shipped_parse():
    """`parse(source_id)`: that source's parser output on the shipped data/snapshots/ folder with the shipped
    catalogue, parsed once per session (several test files check the same parse); never modify what it returns."""
    from functools import cache

    from src.ingest.parsers import get_parser
    from src.paths import SNAPSHOT_DIR
    from tests.shipped import shipped_indicators, shipped_sources

    sources = shipped_sources()
    indicators = shipped_indicators()

    @cache
    def parse(source_id: str):
        source = sources[source_id]
        return get_parser(source.parser)(SNAPSHOT_DIR / source.folder, indicators)

    return parse


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Headless Chromium (playwright), one per pytest process (each xdist worker has its own)."""
    pytest.importorskip("playwright.sync_api")
    from tests.browser_support import headless_chromium

    with headless_chromium(chromium_path) as chromium:
        yield chromium


@pytest.fixture(scope="session")
def browser_context(browser, tmp_path_factory):
    """One browser context for the session's app pages (a new tab is cheap, a new context is not); downloads on.

    It asks for reduced motion, as a person may (Streamlit then skips its entrance animations and transitions):
    Chromium then draws fewer frames while a page waits for its script run, and no screenshot (browser_support
    `screenshot`, which does not stop animations itself) catches an element halfway through a transition.
    A blank local file stays open in a tab meanwhile, so the renderer the exported decks (file: pages) share keeps
    their inlined plotly.js compiled between tests (browser_support.keep_renderer; the app's is kept by
    `fresh_server`)."""
    from tests.browser_support import keep_renderer

    context = browser.new_context(accept_downloads=True, reduced_motion="reduce")
    blank = tmp_path_factory.mktemp("blank") / "blank.html"
    blank.write_text("<!doctype html><title>blank</title>", encoding="utf-8")
    keeper = keep_renderer(context, blank.as_uri())
    yield context
    keeper.close()
    context.close()


@pytest.fixture(scope="session")
def deck_file(tmp_path_factory) -> Path:
    """Where this pytest process writes every exported deck it opens: one address for all of them. Chromium keeps a
    script it compiled for the address of the page that holds it, so decks opened from one address (in the renderer
    the context's blank file: tab keeps) compile their inlined plotly.js once: 0.7 CPU-s a deck load, 2.5 s from a
    new address. Each test writes its own deck there before opening it; tests in one process run one at a time."""
    return tmp_path_factory.mktemp("decks") / "deck.html"


def run_temp_dir(tmp_path_factory) -> Path:
    """The run's temporary folder: an xdist worker's is a subfolder of the controller's, which all workers share."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def fresh_server(tmp_path_factory, chromium_path, browser_context):
    """The real app on a free local port, one per run, shared by the xdist workers (browser_support.shared_app):
    the first worker to need it starts it and opens its first page; tests take `server`."""
    from tests.browser_support import shared_app

    with shared_app(run_temp_dir(tmp_path_factory), tmp_path_factory.mktemp("server"), browser_context) as app:
        yield app


@pytest.fixture(scope="session")
def first_deep_link(fresh_server):
    """What the fresh server's first page, the deep link SHARED_LINK, showed (browser_support.FirstPage;
    tests/test_browser.py checks it: a fresh server's first request must still get app.py's layout and menu,
    src/app/boot.py). Opening it also filled the server's caches, so no test pays them."""
    return fresh_server.first_page


@pytest.fixture(scope="session")
def server(fresh_server):
    """Base URL of the real app (one server per run), warmed by its first page."""
    return fresh_server.url


@pytest.fixture(scope="session")
def claims_page(server, browser_context, study):
    """The Claims page opened once (browser_support.ClaimsPage) for tests/test_browser_layout.py's render check and
    tests/test_browser_claims.py's board tests; the scheduler sends them to one worker together (`work_unit`)."""
    from tests.browser_support import open_claims_page

    shared = open_claims_page(browser_context, server, len(study.codebook.claims))
    yield shared
    shared.opened.close()


def pytest_sessionfinish(session):
    """A shared app server that no worker stopped (one died holding it) stops with the run."""
    # The run's temporary folder, if this run made one (asking for it otherwise would make one).
    run_dir = getattr(getattr(session.config, "_tmp_path_factory", None), "_basetemp", None)
    if hasattr(session.config, "workerinput") or run_dir is None:
        return
    from tests.browser_support import stop_left_app

    stop_left_app(run_dir)


# Browser files handed to the workers in parts rather than whole, since they are the longest work: "page" sends
# each page's tests together (the test id starts with the page; they share its one load), "test" each test
# function with its parameters (module fixtures used by one function only are still made once).
SPLIT_FILES = {"tests/test_browser_layout.py": "page", "tests/test_browser_seminar.py": "test"}


# A page of a "page" file whose one load (a session fixture) another file's tests share: its tests go with that file.
SHARED_PAGE_LOADS = {("tests/test_browser_layout.py", "claims"): "tests/test_browser_claims.py"}


# Files that read the same session fixture made once per worker (`shipped_parse`: every shipped source parsed, ~3.5 s
# CPU) go to one worker together, so no source is parsed in two workers.
SHARED_PARSE_FILES = {"tests/test_store.py", "tests/test_parsers_other.py", "tests/test_parsers_wb.py",
                      "tests/test_parsers_open_numbers.py"}


def work_unit(nodeid: str) -> str:
    """The part of the run a test goes to a worker with: its file, its page or test in SPLIT_FILES, or the group
    of SHARED_PARSE_FILES."""
    path, _, test = nodeid.partition("::")
    if path in SHARED_PARSE_FILES:
        return "shipped parses"
    split = SPLIT_FILES.get(path)
    if split == "page" and "[" in test:
        page = test.split('[', 1)[1].split('-')[0].rstrip(']')
        return SHARED_PAGE_LOADS.get((path, page), f"{path}[{page}]")
    if split == "test":
        return f"{path}::{test.split('[', 1)[0]}"
    return path


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile` (pyproject.toml), except that SPLIT_FILES go in parts (`work_unit`).

    A file's module fixtures (a store build, the mock publisher) are still made once. (xdist_group marks with
    `--dist loadgroup` would say the same, but xdist 3.8 cannot rename test ids under pytest 9.)
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileOrPartScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return FileOrPartScheduling(config, log)


# --- quick loop: fixtures and patches that keep the non-browser tests fast ----------------------------------


_component_scan: dict = {}


@pytest.fixture(autouse=True)
def installed_components_scanned_once():
    """Every new AppTest scans all installed packages' metadata for Streamlit v2 components (0.5-1.5 s each, most
    of a page test); the installed packages do not change during a run, so the scan runs once per worker.

    Only where Streamlit is already imported (by a page test module): importing it here would cost every other
    test file's worker a second or more.
    """
    if "streamlit" in sys.modules and not _component_scan:
        try:
            from streamlit.components.v2 import manifest_scanner
        except ImportError:  # another Streamlit release: nothing to share
            _component_scan["patched"] = False
            return
        scan = manifest_scanner.scan_component_manifests
        found: list = []

        def scanned_once(*args, **kwargs):
            if not found:
                found.append(scan(*args, **kwargs))
            return list(found[0])

        manifest_scanner.scan_component_manifests = scanned_once
        _component_scan["patched"] = True


@pytest.fixture(scope="session")
def shipped_store():
    """The shipped store as the app loads it (`load_store()`: data/processed/, rebuilt first when stale), loaded
    once per worker with its look-up index; never modify it (copy what a test changes)."""
    from src.ingest.store import load_store

    return load_store()


# --- quick loop: the longest non-browser files first ----------------------------------------------------------------

FILE_SECONDS_KEY = "quick_loop/file_seconds"


class LongestFilesFirst:
    """The order work is handed out in (`--no-loadscope-reorder`, pyproject.toml): files with browser tests first,
    so the two workers start on the long work (except that the second starts on quick work while the first starts
    the app server: `quick_files_while_the_server_starts`), then the other files longest first, by the seconds each
    took in earlier runs (pytest's cache, .pytest_cache/): a long file handed out last leaves one worker idle while the
    other finishes it. Files with no record keep their place after the known ones. The cache's record is laid over
    the one committed in FILE_SECONDS_FILE, which a fresh clone (as CI runs) has alone (written by a run given
    `--record-file-seconds`; a stale one only hands work out in a worse order, never changes a result). Every worker
    reads the same record, so all of them collect the same order, as xdist requires.
    """

    def __init__(self, config):
        self.config = config
        self.seconds: dict[str, float] = {}

    def pytest_collection_modifyitems(self, config, items):
        cache = getattr(config, "cache", None)
        known = {**committed_file_seconds(), **(cache.get(FILE_SECONDS_KEY, {}) if cache is not None else {})}
        browser_files = {item.path for item in items if item.get_closest_marker("browser")}

        def key(item):
            if item.path in browser_files:
                return (0, 0.0)
            return (1, -known.get(item.nodeid.partition("::")[0], 0.0))

        items.sort(key=key)  # stable: browser files and each file's tests keep their order
        if config.option.markexpr.strip() != QUICK_LOOP:
            items[:] = quick_files_while_the_server_starts(items, browser_files, known)

    def pytest_runtest_logreport(self, report):
        path = report.nodeid.partition("::")[0]
        self.seconds[path] = self.seconds.get(path, 0.0) + report.duration

    def pytest_sessionfinish(self, session):
        if hasattr(self.config, "workerinput") or not self.seconds:
            return  # the controller (or a run without workers) records what the workers reported
        cache = getattr(self.config, "cache", None)
        if cache is not None:
            cache.set(FILE_SECONDS_KEY, {**cache.get(FILE_SECONDS_KEY, {}), **self.seconds})
        if self.config.getoption("record_file_seconds"):
            rounded = {path: round(seconds, 1) for path, seconds in sorted(self.seconds.items())}
            FILE_SECONDS_FILE.write_text(json.dumps(rounded, indent=1) + "\n", encoding="utf-8")


FILE_SECONDS_FILE = Path(__file__).with_name("file_seconds.json")
# Roughly how long the first browser file waits for the run's app server to start and draw its first page; the
# other workers' browser tests would wait as long for it (browser_support.shared_app).
SERVER_START_SECONDS = 8.0


def quick_files_while_the_server_starts(items: list, browser_files: set, known: dict[str, float]) -> list:
    """`items` with the longest quick work units (about SERVER_START_SECONDS of them) moved to just after the first
    browser file: the first worker starts the app server with that file while the next starts on quick work
    instead of waiting for the server (xdist hands each worker its first unit in queue order)."""
    def quick_unit(item) -> str | None:
        return None if item.path in browser_files else work_unit(item.nodeid.partition("::")[0])

    unit_seconds: dict[str, float] = {}
    for file_id in {item.nodeid.partition("::")[0] for item in items if item.path not in browser_files}:
        unit = work_unit(file_id)
        unit_seconds[unit] = unit_seconds.get(unit, 0.0) + known.get(file_id, 0.0)
    early, total = set(), 0.0
    for unit, seconds in sorted(unit_seconds.items(), key=lambda pair: -pair[1]):
        if total >= SERVER_START_SECONDS or not seconds:
            break
        early.add(unit)
        total += seconds
    if not browser_files or not early:
        return items
    first_browser = items[0].path
    head = [item for item in items if item.path == first_browser]
    moved = [item for item in items if quick_unit(item) in early]
    rest = [item for item in items if item.path != first_browser and quick_unit(item) not in early]
    return head + moved + rest


def committed_file_seconds() -> dict[str, float]:
    """The committed record of each file's seconds (LongestFilesFirst); empty when it is missing or unreadable."""
    try:
        record = json.loads(FILE_SECONDS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def pytest_addoption(parser):
    parser.addoption("--record-file-seconds", action="store_true",
                     help="write each test file's seconds to tests/file_seconds.json (the order a fresh clone "
                          "hands work out in); run it on the whole suite, idle")


def pytest_configure(config):
    config.pluginmanager.register(LongestFilesFirst(config), "longest-files-first")


def pytest_collection_finish(session):
    """What collection imported (streamlit, pandas, plotly, every test module) stays for the whole run: frozen,
    Python's full garbage collections no longer walk it (measured over the quick loop: 2.9 instead of 3.7 s of
    collector time in the two workers)."""
    gc.collect()
    gc.freeze()


QUICK_LOOP = "not browser"
BROWSER_ONLY = "\npytestmark = pytest.mark.browser\n"


def pytest_ignore_collect(collection_path, config):
    """The quick loop (`-m "not browser"`) does not import the files whose every test is a browser test (playwright,
    axe and their module-level set-up, ~0.6 s a worker) only to deselect all of them."""
    if config.option.markexpr.strip() != QUICK_LOOP or collection_path.suffix != ".py":
        return None
    if not collection_path.name.startswith("test_"):
        return None
    try:
        return True if BROWSER_ONLY in collection_path.read_text(encoding="utf-8") else None
    except OSError:
        return None


@pytest.fixture(scope="session")
def shipped_verdicts(study, shipped_store):
    """`verdicts(settings)`: every claim's verdict (`evaluate_all`, no evaluation cache) on the shipped study and
    store under `settings`, computed once per worker for each settings: several files check the default comparison
    and the same few others. Never modify what it returns."""
    from functools import cache

    from src.claims.evaluate import evaluate_all

    @cache
    def verdicts(settings):
        return evaluate_all(study, shipped_store, settings)

    return verdicts


APP_TEST_POLL_SECONDS = 0.01
_app_test_poll: dict = {}


@pytest.fixture(autouse=True)
def app_test_polls_every_10_ms():
    """AppTest's runner waits for a script run by waking every 1 ms to scan its events; each wake takes the GIL
    from the script it waits for. Waking every 10 ms instead measured 7-12% less CPU on the Claims page tests,
    and adds at most 10 ms to a run. Only its own `time` module is replaced (as in `no_sleep`), and only where a
    page test module has already imported it.
    """
    runner = sys.modules.get("streamlit.testing.v1.local_script_runner")
    if runner is None or _app_test_poll:
        return
    polling_time = SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("_")})
    polling_time.sleep = lambda seconds: time.sleep(max(seconds, APP_TEST_POLL_SECONDS))
    runner.time = polling_time
    _app_test_poll["patched"] = True


# --- quick loop, page tests: page scripts compiled once per worker ---------------------------------------------

_compiled_pages: dict = {}
_page_compiling: dict = {}


@pytest.fixture(autouse=True)
def page_scripts_compiled_once():
    """Every AppTest run makes a new, empty ScriptCache, so each run parses the page, rewrites it for Streamlit's
    "magic" and compiles it again: 5-25 ms a page, a fifth to a third of a warm page run. The compiled code is
    shared between runs here, keyed on the page's path, its bytes and the magic option (an edited page is compiled
    afresh). Only where a page test module has already imported Streamlit.
    """
    if "streamlit" not in sys.modules or _page_compiling:
        return
    from streamlit import config
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    compile_page = ScriptCache.get_bytecode

    def compiled_once(self, script_path):
        path = os.path.abspath(script_path)
        key = (path, Path(path).read_bytes(), config.get_option("runner.magicEnabled"))
        if key not in _compiled_pages:
            _compiled_pages[key] = compile_page(self, script_path)
        return _compiled_pages[key]

    ScriptCache.get_bytecode = compiled_once
    _page_compiling["patched"] = True


@pytest.fixture(autouse=True)
def no_direct_execution_hint():
    """Streamlit's first element in a process decides whether to print "use `streamlit run`" by inspecting the
    whole call stack, which reads the source of every frame's module (0.1-0.2 s with a page test's imports). The
    hint is for people running a script with plain python, never for AppTest, so it counts as shown already."""
    generator = sys.modules.get("streamlit.delta_generator")
    if generator is not None and hasattr(generator, "_use_warning_has_been_displayed"):
        generator._use_warning_has_been_displayed = True


# --- quick loop, store tests: the shipped store built from the session's shipped parses ----------


@pytest.fixture(scope="session")
def shipped_build(shipped_parse):
    """`build_store()` of the shipped snapshot with the shipped catalogue, built once per worker; never modify it.

    Every step of the build runs as it does for the app (folder and parser checks, concatenation, supersession,
    the country table, names, order, categoricals), except that each parser call on a shipped folder with the
    shipped catalogue takes `shipped_parse`'s result: the very same call, made once per worker for the build
    and for the parser tests (before, a worker running both parsed every source twice, ~3.5 s).
    """
    import src.ingest.store as store_module
    from src.paths import SNAPSHOT_DIR
    from tests.shipped import shipped_indicators, shipped_sources

    sources, indicators = shipped_sources(), shipped_indicators()
    source_of_folder = {SNAPSHOT_DIR / source.folder: source_id for source_id, source in sources.items()}
    real_get_parser = store_module.get_parser

    def get_parser(name: str):
        parse = real_get_parser(name)  # a missing parser raises here, as it does for the build

        def parse_once(folder, catalogue):
            source_id = source_of_folder.get(folder)
            if catalogue is indicators and source_id is not None and sources[source_id].parser == name:
                return shipped_parse(source_id)
            return parse(folder, catalogue)

        return parse_once

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store_module, "get_parser", get_parser)
        return store_module.build_store(SNAPSHOT_DIR, sources=sources, catalogue=indicators)
