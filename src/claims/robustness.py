"""Robustness: does a claim's verdict survive the other reasonable settings a reader might have chosen?

Each peer group, three windows ending in the user's end year, and each end of any benchmark band the claim uses;
the focus country stays the user's.
"""

from __future__ import annotations

from dataclasses import replace

from src.claims.evaluate import EvaluationCache, Settings, evaluate
from src.study import Study
from src.study.codebook import Benchmark, Claim
from src.study.peers import CUSTOM

# Windows tried, as years back from the window's end; the user's own window is always included.
ROBUSTNESS_SPANS = (15, 10, 5)


def _band_benchmarks(claim: Claim, codebook) -> list[Benchmark]:
    ids = [t.params["benchmark"] for t in claim.tests if t.rule == "benchmark"]
    used = [codebook.benchmarks[i] for i in dict.fromkeys(ids)]
    return [b for b in used if b.low != b.high]


def robustness_variants(claim: Claim, settings: Settings, study: Study) -> list[Settings]:
    """The reasonable settings to try: each peer group x three windows ending at the user's end year x each end
    of any benchmark band the claim uses. The focus country stays the user's."""
    codebook = study.codebook
    groups = list(study.peer_groups)
    if settings.peer_group == CUSTOM:
        groups.append(CUSTOM)
    end = int(settings.window[1])
    windows = list(dict.fromkeys([(end - span + 1, end) for span in ROBUSTNESS_SPANS] + [tuple(settings.window)]))
    bands = _band_benchmarks(claim, codebook)
    benchmark_choices: list[tuple[tuple[str, float], ...]] = [settings.benchmarks]
    if bands:
        benchmark_choices = [tuple((b.id, b.low) for b in bands), tuple((b.id, b.high) for b in bands)]
    return [
        replace(settings, peer_group=group, window=window, benchmarks=choice)
        for group in groups
        for window in windows
        for choice in benchmark_choices
    ]


def robustness(
    claim: Claim, store, settings: Settings, study: Study, *, cache: EvaluationCache | None = None
) -> tuple[int, int, list[tuple[Settings, str]]]:
    """Under how many reasonable settings the verdict is the same as under `settings`.

    Args:
        cache: reused (and filled) when given; otherwise one lives for this call only, so the variants share
            the checks that do not depend on what they vary.

    Returns:
        (holds, total, [(variant settings, status), ...]).
    """
    cache = EvaluationCache() if cache is None else cache
    base = evaluate(claim, store, settings, study, cache=cache).status
    results = [(variant, evaluate(claim, store, variant, study, cache=cache).status)
               for variant in robustness_variants(claim, settings, study)]
    holds = sum(status == base for _, status in results)
    return holds, len(results), results
