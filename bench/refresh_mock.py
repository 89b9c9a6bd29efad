"""Benchmark section `refresh`: the refresh command against a mock of the publishers on 127.0.0.1.

Why: the refresh must be quick enough to run before a seminar and must never lose the snapshot. This times
`src.ingest.refresh.refresh()` for every source the mock can serve in its real format (bench/mock_bodies.py), then
injects one fault mid-run per scenario (a 503 burst longer than the retries, a stalled connection, a body cut
short of its Content-Length) and checks that every file of the snapshot copy is byte for byte unchanged and
that the outcome names the failed source. Always on a copy of data/snapshots/ in a temporary folder; no traffic
leaves 127.0.0.1. Retry back-off sleeps for real here (urllib3's schedule from src.ingest.fetch.make_session()).
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.mock_bodies import MockBodies, build_bodies
from bench.mock_server import LOCALHOST, Fault, MockPublisher, serving
from src.ingest.fetch import make_session
from src.ingest.refresh import Outcome, api_series, load_ranges, refresh, summary
from src.ingest.snapshot import verify
from src.paths import SNAPSHOT_DIR
from src.study.catalogue import Indicator, Source, load_indicators, load_sources

Report = Callable[..., None]
# The stall scenario's client timeout (connect, read): long enough for a local answer, short enough to wait for.
STALL_TIMEOUT = (2, 2)


def copy_snapshot(destination: Path, snapshot_dir: Path = SNAPSHOT_DIR) -> Path:
    """Copy every file of the snapshot into `destination` (contents only: the shipped files are read-only)."""
    for path in snapshot_dir.rglob("*"):
        if path.is_file():
            target = destination / path.relative_to(snapshot_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return destination


def tree_md5(folder: Path) -> dict[str, str]:
    """Relative path -> md5 of every file under `folder`."""
    return {
        str(p.relative_to(folder)): hashlib.md5(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def changed_files(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Files added, removed or rewritten between two `tree_md5` results."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def pointed_at(sources: dict[str, Source], port: int) -> dict[str, Source]:
    """The catalogue's sources with each refresh URL moved to https://127.0.0.1:<port> and that host allowed."""
    moved = {}
    for source_id, source in sources.items():
        url = source.refresh.get("url")
        if url is None:
            moved[source_id] = source
            continue
        local = url.replace(f"//{urlsplit(url).hostname}", f"//{LOCALHOST}:{port}", 1)
        moved[source_id] = dataclasses.replace(source, refresh={**source.refresh, "url": local}, hosts=(LOCALHOST,))
    return moved


def trusting_session(cert: Path, timeout: tuple[float, float] | None = None):
    """src.ingest.fetch.make_session() that trusts only the mock's certificate, optionally with a shorter timeout.

    The timeout is forced at the adapter because the fetch functions pass their own DEFAULT_TIMEOUT on every
    call, which a session default cannot override.
    """
    session = make_session()
    session.verify = str(cert)
    # Otherwise requests prefers REQUESTS_CA_BUNDLE (and proxies) from the environment over session.verify.
    session.trust_env = False
    if timeout is not None:
        adapter = session.get_adapter(f"https://{LOCALHOST}")
        send = adapter.send

        def send_with_timeout(request, **kwargs):
            return send(request, **{**kwargs, "timeout": timeout})

        adapter.send = send_with_timeout
    return session


def retry_policy(session):
    """The session's urllib3 Retry for https: `total` retries, `backoff_factor`."""
    return session.get_adapter(f"https://{LOCALHOST}").max_retries


def servable(sources: dict[str, Source], catalogue: dict[str, Indicator], bodies: MockBodies) -> tuple[list[str], dict]:
    """(sources the mock serves in full, {source: why not} for the other refreshable ones)."""
    served, left_out = [], {}
    for source in sources.values():
        method = source.refresh.get("method")
        if method == "none":
            continue
        if method == "wb_api":
            codes = list(api_series(source, catalogue))
            missing = [code for code in codes if code not in bodies.api]
            if missing:
                left_out[source.id] = f"no shipped file holds {len(missing)} of its {len(codes)} series"
                continue
        served.append(source.id)
    return served, left_out


def request_target(url: str) -> str:
    """What the client puts on its request line for `url`: path and query."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def midway_target(source: Source, catalogue: dict[str, Indicator]) -> str:
    """A request in the middle of the source's run: the middle series' first page, or the single file."""
    if source.refresh["method"] == "wb_api":
        codes = list(api_series(source, catalogue))
        return request_target(source.refresh["url"].format(code=codes[len(codes) // 2], page=1))
    return request_target(source.refresh["url"])


@dataclass(frozen=True)
class Setting:
    """What one run needs: the catalogue as shipped and the bodies the mock serves."""

    sources: dict[str, Source]
    catalogue: dict[str, Indicator]
    ranges: dict
    bodies: MockBodies

    @classmethod
    def load(cls) -> Setting:
        sources = load_sources()
        catalogue = load_indicators(sources=sources)
        return cls(sources, catalogue, load_ranges(), build_bodies(sources, catalogue))


@dataclass(frozen=True)
class FaultResult:
    """One fault scenario: what the refresh said, the request hit, which files changed, the time, how often it fired."""

    outcome: Outcome
    target: str
    changed: list[str]
    files_compared: int
    seconds: float
    fired: int
    progress: list[str]


@contextmanager
def snapshot_copy() -> Iterator[Path]:
    """A throwaway copy of data/snapshots/ (the refresh's staging folder is made beside it, inside the same temp)."""
    with tempfile.TemporaryDirectory(prefix="bench-refresh-") as folder:
        yield copy_snapshot(Path(folder) / "snapshots")


RefreshOne = Callable[[str, Path, Callable[[str], None]], Outcome]


@contextmanager
def publisher(setting: Setting, faults: list[Fault], timeout=None) -> Iterator[tuple[MockPublisher, RefreshOne]]:
    """Yield the running mock and `refresh_one(source_id, snapshot_dir, progress)`, which refreshes through it."""
    with serving(setting.bodies.body_for, faults) as (server, cert):
        session = trusting_session(cert, timeout)
        local = pointed_at(setting.sources, server.server_address[1])

        def refresh_one(source_id: str, snapshot_dir: Path, progress: Callable[[str], None]) -> Outcome:
            (outcome,) = refresh([source_id], session=session, snapshot_dir=snapshot_dir, sources=local,
                                 catalogue=setting.catalogue, ranges=setting.ranges, progress=progress)
            return outcome

        yield server, refresh_one


def run_fault(
    setting: Setting, source_id: str, kind: str | None, *, timeout=None, times: int | None = None
) -> FaultResult:
    """Refresh one source on a fresh snapshot copy while the mock injects `kind` into the middle of its run.

    `kind` None runs it with no fault (the control). `times` (503 only) defaults to one more than the
    session's retries, so the burst outlasts them.
    """
    target = midway_target(setting.sources[source_id], setting.catalogue)
    if times is None:
        times = retry_policy(make_session()).total + 1 if kind == "503" else 1
    faults = [] if kind is None else [Fault(kind, target, times)]
    lines: list[str] = []
    with snapshot_copy() as copy, publisher(setting, faults, timeout) as (server, refresh_one):
        before = tree_md5(copy)
        started = time.perf_counter()
        outcome = refresh_one(source_id, copy, lines.append)
        seconds = time.perf_counter() - started
        fired = server.fired(target) if faults else 0
        after = tree_md5(copy)
    return FaultResult(outcome, target, changed_files(before, after), len(before), seconds, fired, lines)


def served_bytes(server: MockPublisher, start: int) -> tuple[int, int]:
    """(requests, bytes) the server answered since log entry `start`."""
    entries = server.log[start:]
    return len(entries), sum(sent for _target, _status, sent in entries)


def bench_full_run(setting: Setting, report: Report) -> None:
    served, left_out = servable(setting.sources, setting.catalogue, setting.bodies)
    print(f"Refresh against a mock of the publishers on https://{LOCALHOST} (real formats, from the shipped files)")
    for source_id, why in left_out.items():
        print(f"  {source_id}: not timed: {why} (the mock will not invent values)")
    outcomes: list[Outcome] = []
    with snapshot_copy() as copy, publisher(setting, []) as (server, refresh_one):
        started = time.perf_counter()
        for source_id in served:
            first_entry = len(server.log)
            source_started = time.perf_counter()
            outcomes.append(refresh_one(source_id, copy, lambda line: None))
            seconds = time.perf_counter() - source_started
            requests_made, size = served_bytes(server, first_entry)
            report(f"{source_id}: {outcomes[-1].status} ({requests_made} requests, {size / 1e6:.1f} MB)", seconds, "s")
        report(f"total, {len(served)} sources one after the other", time.perf_counter() - started, "s")
        report("checksum problems in the copy after it (snapshot.verify)", len(verify(copy)), "", 0)
    for line in summary(outcomes):
        print(f"  {line}")


SCENARIOS = (
    # (label, source, fault kind, client timeout)
    ("503 burst longer than the retries", "wgi", "503", None),
    (f"stalled mid-body, {STALL_TIMEOUT[1]} s read timeout", "wdi", "stall", STALL_TIMEOUT),
    ("body cut short of its Content-Length", "undp_hdr", "truncate", None),
)
DETAIL_CHARACTERS = 160  # the reason is printed for reading, not in full


def bench_faults(setting: Setting, report: Report) -> None:
    print("Refresh faults injected mid-run (each on a fresh snapshot copy; every file's md5 compared before/after)")
    for label, source_id, kind, timeout in SCENARIOS:
        result = run_fault(setting, source_id, kind, timeout=timeout)
        outcome = result.outcome
        report(f"{label}: {source_id} run until it gives up", result.seconds, "s")
        print(f"    fault on {result.target}", flush=True)
        report(f"  files changed (of {result.files_compared}; fault served {result.fired}x)", len(result.changed),
               "files", 0)
        named = outcome.status == "kept" and outcome.source == source_id
        reason = outcome.detail.split(": ", 1)[-1]  # after the URL, which the fault's target already says
        print(f"    {'names the failed source' if named else 'DOES NOT NAME THE FAILED SOURCE'}"
              f" (a kept source makes `python -m src.ingest.refresh` exit 1): {outcome.status} {outcome.source}, "
              f"{reason[:DETAIL_CHARACTERS]}", flush=True)


def run_refresh_benchmark(report: Report) -> None:
    """Print the refresh figures through `report(label, value, unit, target=None)` (bench/__main__.py)."""
    setting = Setting.load()
    try:
        bench_full_run(setting, report)
        retry = retry_policy(make_session())
        print(f"  (503s are retried {retry.total} times, urllib3 back-off factor {retry.backoff_factor:g}, honouring"
              " Retry-After; the mock sends none, and the back-off sleeps are real here)")
        bench_faults(setting, report)
    except RuntimeError as exc:  # no openssl to make the mock's certificate: say so instead of a traceback
        print(f"Refresh: not available ({exc})")
