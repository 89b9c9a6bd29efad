"""The bare-page probe: a minimal Streamlit page (one cached 240k-row frame, one plotly chart) timed the same way
as the Claims page in the same run, so each Claims figure is printed as a ratio to it (issue 16).

Both are timed with bench.ws_session (Streamlit's own websocket protocol): seconds from the rerun request to the
server's "script finished", which includes every element and chart the run sends. The probe's frame is random
numbers shaped like the store (country x indicator x year), generated once per process, so the probe costs what
Streamlit costs, not what our data costs.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from bench.server import running_server, wait_until_healthy

# Targets from issue 16: multiples of the bare page measured in the same run.
TARGET_RATIOS = {"default": 1.5, "new_comparison": 2.0}
PROBE_ROWS = 240_000

PROBE_SCRIPT = f'''
import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st


@st.cache_data
def frame() -> pd.DataFrame:
    rows = {PROBE_ROWS}
    generator = np.random.default_rng(0)
    return pd.DataFrame({{
        "iso3": pd.Categorical(generator.integers(0, 240, rows).astype(str)),
        "indicator": pd.Categorical(generator.integers(0, 40, rows).astype(str)),
        "year": generator.integers(1960, 2025, rows),
        "value": generator.normal(size=rows),
    }})


st.title("Bare page")
values = frame()
yearly = values[values["indicator"] == "0"].groupby(["year", "iso3"], observed=True)["value"].mean().reset_index()
yearly = yearly[yearly["iso3"].isin([str(i) for i in range(8)])]
st.plotly_chart(px.line(yearly, x="year", y="value", color="iso3"))
st.caption(f"{{len(values):,}} rows")
'''


@contextmanager
def running_script(script: Path):
    """Yield the base URL of a headless Streamlit server running `script` on 127.0.0.1, once healthy; always stop it."""
    with running_server(script=script) as (base_url, _process, _started):
        wait_until_healthy(base_url)
        yield base_url


def fresh_session_seconds(base_url: str, page: str = "", query: str = "") -> float:
    """Seconds a brand-new session (a new browser tab) waits for its first finished run of `page?query`."""
    from bench.ws_session import StreamlitSession

    session = StreamlitSession(base_url, timeout=120)
    try:
        result = session.run(page_name=page, query_string=query)
    finally:
        session.close()
    if not result.finished or result.exceptions:
        raise RuntimeError(f"{page}?{query} did not finish cleanly: {result.exceptions[:2]}")
    return result.seconds


@contextmanager
def bare_page_server():
    """Yield the base URL of a server running the bare-page probe."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "bare_page.py"
        script.write_text(PROBE_SCRIPT, encoding="utf-8")
        with running_script(script) as base_url:
            yield base_url


def paired(bare_url: str, app_url: str, queries: list[str]) -> tuple[list[float], list[float]]:
    """(bare-page seconds, Claims seconds), one bare-page session right before each Claims session, so both see
    the same load on a shared machine."""
    bare, claims = [], []
    for query in queries:
        bare.append(fresh_session_seconds(bare_url))
        claims.append(fresh_session_seconds(app_url, "claims", query))
    return bare, claims


def new_comparisons(defaults, groups: list[str], countries: list[str], count: int) -> list[str]:
    """`count` Claims-page queries with comparisons nobody opened yet: the default focus with each other declared
    peer group first, then other focus countries."""
    queries = [f"focus={defaults.focus}&peers={g}" for g in groups if g != defaults.peer_group]
    queries += [f"focus={c}&peers={groups[i % len(groups)]}" for i, c in enumerate(countries) if c != defaults.focus]
    return queries[:count]


def run_probe(report: Callable, repeats: int = 7, new: int = 5) -> None:
    from bench.server import running_server
    from src.ingest.store import load_store
    from src.study import load_study

    study = load_study()
    countries = load_store().picker_options()["countries"]
    print(f"Bare-page probe ({PROBE_ROWS:,}-row cached frame, one plotly chart) and the Claims page, each timed "
          "from a new websocket session to its finished run, taken in turns", flush=True)
    with bare_page_server() as bare_url, running_server() as (app_url, _process, _started):
        wait_until_healthy(app_url)
        bare_cold = fresh_session_seconds(bare_url)
        cold = fresh_session_seconds(app_url, "claims")
        bare_default, default = paired(bare_url, app_url, [""] * repeats)
        bare_new, fresh = paired(bare_url, app_url,
                                 new_comparisons(study.defaults, list(study.peer_groups), countries, new))
    bare = statistics.median(bare_default + bare_new)
    report("bare page: first session on a fresh server", bare_cold * 1000, "ms")
    report(f"bare page: new session, frame cached (median of {len(bare_default + bare_new)})", bare * 1000, "ms")
    report("claims, default comparison: first session on a fresh server", cold * 1000, "ms")
    report("  as a multiple of the bare page's first session", cold / bare_cold, "x")
    report(f"claims, default comparison: new session (median of {repeats})", statistics.median(default) * 1000, "ms")
    report("  as a multiple of the bare page (median of the paired ratios)",
           statistics.median(c / b for b, c in zip(bare_default, default)), "x", TARGET_RATIOS["default"])
    report(f"claims, a comparison nobody opened yet: new session (median of {len(fresh)})",
           statistics.median(fresh) * 1000, "ms")
    report("  as a multiple of the bare page (median of the paired ratios)",
           statistics.median(c / b for b, c in zip(bare_new, fresh)), "x", TARGET_RATIOS["new_comparison"])
    evaluation = evaluation_seconds(study, new_comparisons(study.defaults, list(study.peer_groups), countries, new))
    report(f"  of which evaluating the claims alone (evaluate_all in this process, median of {len(evaluation)})",
           statistics.median(evaluation) * 1000, "ms")
    report("  evaluation alone as a multiple of the bare page", statistics.median(evaluation) / bare, "x")


def evaluation_seconds(study, queries: list[str]) -> list[float]:
    """Seconds evaluate_all takes for each query's comparison on a warm store: the floor of a new comparison."""
    from urllib.parse import parse_qs

    from src.claims.evaluate import EvaluationCache, Settings, evaluate_all
    from src.ingest.store import load_store

    store = load_store()
    cache = EvaluationCache()
    evaluate_all(study, store, Settings.default(study.defaults), cache=cache)  # builds the store's index
    seconds = []
    for query in queries:
        asked = {k: v[0] for k, v in parse_qs(query).items()}
        settings = Settings.default(study.defaults, focus=asked["focus"], peer_group=asked["peers"])
        started = time.perf_counter()
        evaluate_all(study, store, settings, cache=cache)
        seconds.append(time.perf_counter() - started)
    return seconds


if __name__ == "__main__":
    from bench.__main__ import report as print_report

    started = time.perf_counter()
    run_probe(print_report)
    print(f"  ({time.perf_counter() - started:.0f} s)")
