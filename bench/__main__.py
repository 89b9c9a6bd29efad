"""Speed, load and fault figures for this machine: `python -m bench [--only SECTION ...] [--sessions N]`.

Prints each figure beside its target. Nothing here is asserted: tests check behaviour, this reports time.
Sections: store, pages, coldstart, load, course, refresh, qual, probe (the bare-page probe and the Claims page's
ratios to it).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.server import ROOT

TARGETS = {
    "store_warm_ms": 50,
    "page_warm_ms": 150,
    "cold_start_s": 2.0,
    "load_p95_s": 1.5,
    "load_own_comparison_p95_s": 2.0,  # issue 16: each session its own focus country and peer group
    "load_memory_mb": 600,
    "course_p95_s": 3.0,
}


def report(label: str, value: float, unit: str, target: float | None = None, lower_is_better: bool = True) -> None:
    verdict = ""
    if target is not None:
        met = value <= target if lower_is_better else value >= target
        verdict = f"  target {target:g} {unit}: {'met' if met else 'MISSED'}"
    print(f"  {label:<72} {value:>10.1f} {unit}{verdict}", flush=True)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_store(repeats: int = 10) -> None:
    print("Store load", flush=True)
    cold = subprocess.run(
        [sys.executable, "-c", "import time; t=time.perf_counter(); from src.ingest.store import load_store; "
         "load_store(); print(time.perf_counter()-t)"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    report("cold: fresh process, imports + processed store read", float(cold.stdout.strip()) * 1000, "ms")
    from src.ingest.store import load_store

    load_store()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        load_store()
        samples.append(time.perf_counter() - started)
    report(f"load_store() again in the same process, re-reading the parquet (median of {repeats})", median_ms(samples),
           "ms")
    # What a page pays on every rerun: the app's cached loader (checks the snapshot fingerprint, returns the store).
    from streamlit.testing.v1 import AppTest

    probe = AppTest.from_string(CACHED_STORE_PROBE, default_timeout=120)
    probe.run()
    report(f"warm in the app: data.get_store() cache hit (median of {repeats})", probe.session_state["warm_ms"], "ms",
           TARGETS["store_warm_ms"])
    from src.ingest.store import build_store

    started = time.perf_counter()
    build_store()
    report("full rebuild from the raw files (what the processed store saves)", (time.perf_counter() - started) * 1000,
           "ms")


CACHED_STORE_PROBE = f"""
import statistics, sys, time
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from src.app import data
data.get_store()
samples = []
for _ in range(10):
    started = time.perf_counter()
    data.get_store()
    samples.append(time.perf_counter() - started)
st.session_state["warm_ms"] = statistics.median(samples) * 1000
"""


def page_files() -> list[Path]:
    return sorted((ROOT / "pages").glob("*.py"))


def bench_pages(repeats: int = 5) -> None:
    from streamlit.testing.v1 import AppTest

    from src.study.peers import load_peer_groups

    print("Page scripts under AppTest (first run includes the cached store/codebook loads on the first page)",
          flush=True)
    for page in page_files():
        at = AppTest.from_file(str(page), default_timeout=120)
        started = time.perf_counter()
        at.run()
        first = time.perf_counter() - started
        if at.exception:
            print(f"  {page.name}: raised {at.exception[0].value}", flush=True)
            continue
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            at.run()
            samples.append(time.perf_counter() - started)
        changed = float("nan")
        peers = [box for box in at.selectbox if box.key == "peers"]
        if peers:
            # AppTest's select_index cannot map labels back through a dict-based format_func: set the id itself.
            other_group = next(g for g in load_peer_groups() if g != peers[0].value)
            started = time.perf_counter()
            peers[0].set_value(other_group).run()
            changed = time.perf_counter() - started
        report(f"{page.stem}: first run", first * 1000, "ms")
        report(f"{page.stem}: warm rerun (median of {repeats})", median_ms(samples), "ms", TARGETS["page_warm_ms"])
        if changed == changed:  # a comparison this session has not opened yet: not a warm rerun, so no warm target
            report(f"{page.stem}: rerun after changing the peer group", changed * 1000, "ms")


def bench_cold_start() -> None:
    from bench.server import running_server, wait_until_healthy
    from bench.ws_session import StreamlitSession

    print("Cold start: server process start to the first rendered default page", flush=True)
    with running_server() as (base_url, _process, started_at):
        wait_until_healthy(base_url)
        session = StreamlitSession(base_url)
        result = session.run(page_name="")
        session.close()
        total = time.perf_counter() - started_at
    report(f"server start + first page run ({result.elements} elements, finished={result.finished})", total, "s",
           TARGETS["cold_start_s"])
    report("of which the first page run itself", result.seconds, "s")


def bench_load(sessions: int, query: str, page: str = "claims", time_limit: float = 300.0) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from bench.course import comparisons
    from bench.server import rss_megabytes, running_server, wait_until_healthy
    from bench.ws_session import StreamlitSession, change_selectbox

    # A query with {focus} and {peers} gives each session its own comparison; a fixed one is a shared link.
    pairs = comparisons(sessions)
    print(f"Load: {sessions} concurrent sessions on 127.0.0.1, each opens '{page}?{query}' then changes the peer "
          "group", flush=True)
    timings: list[float] = []
    errors: list[str] = []
    peak_memory = 0.0

    def one_user(number: int) -> None:
        session = None
        try:
            session = StreamlitSession(base_url, timeout=120)
            focus, peers = pairs[number]
            session_query = query.format(focus=focus, peers=peers)
            first = session.run(page_name=page, query_string=session_query)
            timings.append(first.seconds)
            errors.extend(first.exceptions)
            if not first.finished:
                errors.append(f"session {number}: first run did not finish")
                return
            change = change_selectbox(first, "peers")
            second = session.run(page_name=page, query_string=session_query, widgets=change)
            timings.append(second.seconds)
            errors.extend(second.exceptions)
            if not change:
                errors.append(f"session {number}: no peer-group selectbox found to change")
        except Exception as exc:  # noqa: BLE001 - every failure is a figure to report, not a crash
            errors.append(f"session {number}: {type(exc).__name__}: {exc}")
        finally:
            if session:
                session.close()

    with running_server() as (base_url, process, _started):
        wait_until_healthy(base_url)
        warm = StreamlitSession(base_url)
        warm.run(page_name=page)  # the first run fills the caches; a seminar room arrives after the presenter
        warm.close()
        deadline = time.perf_counter() + time_limit
        with ThreadPoolExecutor(max_workers=sessions) as pool:
            futures = [pool.submit(one_user, n) for n in range(sessions)]
            while any(not f.done() for f in futures) and time.perf_counter() < deadline:
                peak_memory = max(peak_memory, rss_megabytes(process.pid))
                time.sleep(0.2)
        peak_memory = max(peak_memory, rss_megabytes(process.pid))
    if timings:
        ordered = sorted(timings)
        p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
        report(f"median time to a finished run ({len(timings)} runs)", statistics.median(timings), "s")
        own_comparison = "{focus}" in query or "{peers}" in query
        report("p95 time to a finished run", p95, "s",
               TARGETS["load_own_comparison_p95_s" if own_comparison else "load_p95_s"])
    report("errors", len(errors), "", 0)
    for error in errors[:5]:
        print(f"    {error}")
    report("server peak resident memory", peak_memory, "MB", TARGETS["load_memory_mb"])


def bench_course(args) -> None:
    from bench.course import run_course

    run_course(report, sessions=args.course_sessions, over_seconds=args.course_seconds, processes=args.processes,
               p95_target=TARGETS["course_p95_s"])


def bench_refresh() -> None:
    try:
        from bench.refresh_mock import run_refresh_benchmark
    except ImportError as exc:
        print(f"Refresh: not available ({exc})")
        return
    run_refresh_benchmark(report)


def bench_probe() -> None:
    from bench.probe import run_probe

    run_probe(report)


def bench_qual(interviews: int = 1000) -> None:
    try:
        from bench.qual_import import run_qual_benchmark
    except ImportError as exc:
        print(f"Qualitative import: not available ({exc})")
        return
    run_qual_benchmark(report, interviews)


SECTIONS = {
    "store": lambda args: bench_store(),
    "pages": lambda args: bench_pages(),
    "coldstart": lambda args: bench_cold_start(),
    "load": lambda args: [bench_load(args.sessions, query) for query in args.query],
    "course": bench_course,
    "refresh": lambda args: bench_refresh(),
    "qual": lambda args: bench_qual(),
    "probe": lambda args: bench_probe(),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(SECTIONS), help="run only these sections")
    parser.add_argument("--sessions", type=int, default=25, help="concurrent sessions in the load test (25)")
    parser.add_argument(
        "--query", nargs="+", default=["claim=C1.1&focus=PAK&peers=south_asia", "focus={focus}&peers={peers}"],
        help="Claims page URL queries the load test opens, one run each; {focus} and {peers} become each session's "
        "own country and declared peer group (default: a shared single-claim link, then the full list of claims "
        "with a different comparison per session)",
    )
    parser.add_argument("--course-sessions", type=int, default=100, help="sessions in the course section (100)")
    parser.add_argument("--course-seconds", type=float, default=30, help="the course's arrivals spread (30 s)")
    parser.add_argument("--processes", type=int, nargs="+", default=[3],
                        help="Streamlit processes behind HAProxy in the course section, one run each (3)")
    args = parser.parse_args(argv)
    print(f"Benchmark on {sys.platform}, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}")
    for name in args.only or list(SECTIONS):
        SECTIONS[name](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
