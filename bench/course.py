"""A whole course: many sessions arriving evenly, each its own comparison, through HAProxy and N Streamlit
processes (deploy/cluster.py), and the same arrivals against one process without the proxy for comparison.

Each simulated student does what a browser does: GET the page (HAProxy sets its sticky cookie), open the
websocket with that cookie, run the full Claims page for a focus country and a declared peer group, and keep the
tab open until the course is over. The time reported is from arrival (the GET) to the finished run.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bench.server import rss_megabytes

Report = Callable[..., None]


def comparisons(count: int, offset: int = 0) -> list[tuple[str, str]]:
    """`count` (focus country, peer group id) pairs: countries with data spread over the whole list (from
    position `offset`), each with the next declared peer group in turn (data/catalogue/peer_groups.yaml), so no
    two sessions share one."""
    from src.ingest.store import load_store
    from src.study.peers import load_peer_groups

    countries, _aggregates = load_store().countries_with_data()
    groups = list(load_peer_groups())
    step = max(1, len(countries) // max(1, count))
    return [(countries[(offset + n * step) % len(countries)], groups[n % len(groups)]) for n in range(count)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cost_of_a_new_comparison(url: str, pid: int, pairs: list[tuple[str, str]], page: str = "claims") -> list[float]:
    """Server CPU seconds of one session opening a comparison nobody asked for yet, one session at a time: what
    each arriving student costs, whatever else the machine is doing."""
    from bench.ws_session import StreamlitSession

    costs = []
    for focus, peers in pairs:
        session = StreamlitSession(url, timeout=300)
        before = cpu_seconds(pid)
        session.run(page_name=page, query_string=f"focus={focus}&peers={peers}")
        costs.append(cpu_seconds(pid) - before)
        session.close()
    return costs


@dataclass
class Arrivals:
    """What the sessions of one run saw."""

    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    served_by: Counter = field(default_factory=Counter)
    peak_memory_mb: float = 0.0
    elapsed: float = 0.0  # first arrival to the last finished run
    server_cpu: float = 0.0  # CPU seconds the app processes used meanwhile
    lock: threading.Lock = field(default_factory=threading.Lock)

    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def warm(url: str, page: str) -> None:
    """One run per process before the course arrives (the presenter opened the page): fills its caches."""
    from bench.ws_session import StreamlitSession

    session = StreamlitSession(url, timeout=120)
    session.run(page_name=page)
    session.close()


def drive(url: str, pairs: list[tuple[str, str]], over_seconds: float, pids: list[int], *, page: str = "claims",
          sticky: bool = False, timeout: float = 300.0) -> Arrivals:
    """Sessions arriving evenly over `over_seconds` at `url`, one per (focus, peers) pair; sample the summed
    resident memory of `pids` meanwhile. With `sticky`, check each websocket reached its cookie's process."""
    from bench.ws_session import StreamlitSession, first_page_cookies

    outcome = Arrivals()
    sessions: list[StreamlitSession] = []
    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    started = time.perf_counter()
    interval = over_seconds / max(1, len(pairs))

    def student(number: int, focus: str, peers: str) -> None:
        time.sleep(max(0.0, started + number * interval - time.perf_counter()))
        arrived = time.perf_counter()
        try:
            cookie = first_page_cookies(url, timeout=timeout)
            session = StreamlitSession(url, timeout=timeout, cookie=cookie)
            with outcome.lock:
                sessions.append(session)
            result = session.run(page_name=page, query_string=f"focus={focus}&peers={peers}")
            elapsed = time.perf_counter() - arrived
            with outcome.lock:
                outcome.seconds.append(elapsed)
                outcome.errors.extend(f"session {number} ({focus}, {peers}): {e}" for e in result.exceptions)
                if not result.finished:
                    outcome.errors.append(f"session {number} ({focus}, {peers}): run did not finish")
                if sticky:
                    pinned = dict(part.split("=", 1) for part in cookie.split("; ") if "=" in part)
                    pinned_to = pinned.get("STREAMLIT_PROCESS")
                    outcome.served_by[session.served_by] += 1
                    if pinned_to is None or pinned_to != session.served_by:
                        outcome.errors.append(f"session {number}: cookie pins {pinned_to}, websocket reached "
                                              f"{session.served_by}")
        except Exception as exc:  # noqa: BLE001 - every failure is a figure to report, not a crash
            with outcome.lock:
                outcome.errors.append(f"session {number} ({focus}, {peers}): {type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
        futures = [pool.submit(student, n, focus, peers) for n, (focus, peers) in enumerate(pairs)]
        while any(not f.done() for f in futures):
            outcome.peak_memory_mb = max(outcome.peak_memory_mb, sum(rss_megabytes(pid) for pid in pids))
            time.sleep(0.2)
    outcome.peak_memory_mb = max(outcome.peak_memory_mb, sum(rss_megabytes(pid) for pid in pids))
    outcome.elapsed = time.perf_counter() - started
    outcome.server_cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    for session in sessions:  # the course is over: every tab closes
        session.close()
    return outcome


def print_arrivals(report: Report, outcome: Arrivals, p95_target: float) -> None:
    if outcome.seconds:
        report(f"median, arrival to finished Claims page ({len(outcome.seconds)} sessions)",
               statistics.median(outcome.seconds), "s")
        report("p95, arrival to finished Claims page", outcome.p95(), "s", p95_target)
    report("errors (exceptions, unfinished runs, sessions off their sticky process)", len(outcome.errors), "", 0)
    for error in outcome.errors[:5]:
        print(f"    {error}", flush=True)
    cores = os.cpu_count() or 1
    # Below 100 % the app processes waited for the CPU (other work on the machine) or for each other, not for it.
    print(f"    app processes used {outcome.server_cpu:.0f} CPU s in {outcome.elapsed:.0f} s: "
          f"{100 * outcome.server_cpu / (outcome.elapsed * cores):.0f} % of {cores} cores; "
          f"load average {os.getloadavg()[0]:.1f} after the run", flush=True)


def run_course(report: Report, *, sessions: int, over_seconds: float, processes: list[int],
               p95_target: float) -> None:
    from deploy.cluster import INSTALL_HINT, haproxy_path

    pairs = comparisons(sessions)
    print(f"Course: {sessions} sessions arriving evenly over {over_seconds:g} s, each its own focus country and "
          f"declared peer group ({len({f for f, _ in pairs})} countries), full Claims page", flush=True)
    if haproxy_path() is None:
        print(f"  through HAProxy: skipped ({INSTALL_HINT})", flush=True)
    else:
        for count in processes:
            run_through_proxy(report, pairs, over_seconds, count, p95_target)
    run_on_one_process(report, pairs, over_seconds, p95_target)


def run_through_proxy(report: Report, pairs: list[tuple[str, str]], over_seconds: float, processes: int,
                      p95_target: float) -> None:
    from deploy.cluster import running_cluster

    print(f"  through HAProxy, {processes} Streamlit processes, sticky cookie", flush=True)
    with running_cluster(processes) as cluster:
        for backend in cluster.backends:
            warm(backend.url, "claims")
        before = {name: int(row["stot"]) for name, row in cluster.server_stats().items()}
        outcome = drive(cluster.url, pairs, over_seconds, [b.process.pid for b in cluster.backends], sticky=True)
        after = {name: int(row["stot"]) for name, row in cluster.server_stats().items()}
    print_arrivals(report, outcome, p95_target)
    report(f"app processes' total peak resident memory ({processes} processes)", outcome.peak_memory_mb, "MB")
    spread = ", ".join(f"{name}: {outcome.served_by.get(name, 0)} sessions, {after[name] - before[name]} "
                       "connections" for name in sorted(after))
    print(f"    per process (websocket X-Served-By; HAProxy stot, page GET + websocket each): {spread}", flush=True)


def run_on_one_process(report: Report, pairs: list[tuple[str, str]], over_seconds: float, p95_target: float) -> None:
    from bench.server import running_server, wait_until_healthy

    sessions = len(pairs)
    print("  the same arrivals against ONE Streamlit process, no proxy", flush=True)
    with running_server() as (url, process, _started):
        wait_until_healthy(url)
        warm(url, "claims")
        outcome = drive(url, pairs, over_seconds, [process.pid])
        untouched = [pair for pair in comparisons(sessions, offset=1) if pair not in set(pairs)]
        costs = cost_of_a_new_comparison(url, process.pid, untouched[:5])
    print_arrivals(report, outcome, p95_target)
    report("server peak resident memory (1 process)", outcome.peak_memory_mb, "MB")
    cost = statistics.median(costs)
    cores = os.cpu_count() or 1
    report("server CPU per session opening a new comparison, one at a time (median of 5)", cost, "CPU s")
    # Arrivals faster than the cores can serve them queue, whatever the number of processes: the ceiling.
    report(f"sessions per second {cores} cores can serve at that cost (the course asks {sessions / over_seconds:.1f})",
           cores / cost if cost else float("inf"), "/s", sessions / over_seconds, lower_is_better=False)
