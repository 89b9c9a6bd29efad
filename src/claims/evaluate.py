"""Claim verdicts anyone can re-run: evaluate(claim, store, settings) -> Verdict.

A verdict is the claim's declared tests (src/claims/rules.py) run on the store under the user's settings (focus country,
peer group, year window, benchmark values) and combined as the claim says (all / any / majority). It carries the
sentence, the evidence rows with each value's own year and source, the settings that produced it, and what was
missing. `robustness()` re-runs a claim under the other reasonable settings and counts how often the verdict holds.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from src.study.catalogue import indicators as indicator_catalogue
from src.study.codebook import Benchmark, Claim, Codebook
from src.study.codebook import codebook as shipped_codebook
from src.study.events import events as shipped_events
from src.study.peers import CUSTOM, group_label, members, peer_groups
from src.claims.rules import RULES_BY_KEY, EvidenceData, RuleContext, RuleResult, evidence_of

STATUSES = ("supported", "partly_supported", "not_supported", "insufficient_data")
STATUS_LABELS = {
    "supported": "Supported",
    "partly_supported": "Partly supported",
    "not_supported": "Not supported",
    "insufficient_data": "Insufficient data",
}
DEFAULT_WINDOW = (2015, 2025)
# Windows tried by robustness(), as (years back from the window's end); the user's own window is always included.
ROBUSTNESS_SPANS = (15, 10, 5)


@dataclass(frozen=True)
class Settings:
    """What the user can change. Frozen and hashable, so it can key caches and sit in a URL.

    benchmarks: (benchmark id, value to test) pairs overriding the shipped default (a band's low end for
    'below' tests, high end for 'above').
    """

    focus: str = "PAK"
    peer_group: str = "south_asia"
    custom_peers: tuple[str, ...] = ()
    window: tuple[int, int] = DEFAULT_WINDOW
    benchmarks: tuple[tuple[str, float], ...] = ()

    def __post_init__(self):
        # Normalise lists from widgets or URLs to tuples, so settings stay hashable and compare equal.
        object.__setattr__(self, "focus", str(self.focus).upper())
        object.__setattr__(self, "custom_peers", tuple(str(c).upper() for c in self.custom_peers))
        object.__setattr__(self, "window", (int(self.window[0]), int(self.window[1])))
        object.__setattr__(self, "benchmarks", tuple((str(k), float(v)) for k, v in self.benchmarks))

    def benchmark_value(self, benchmark_id: str) -> float | None:
        return next((float(v) for k, v in self.benchmarks if k == benchmark_id), None)

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        """'Pakistan vs South Asia, 2015-2025, benchmarks: tax_gdp=15' (plain text for captions)."""
        focus = (names or {}).get(self.focus, self.focus)
        peers = group_label(self.peer_group) if self.peer_group != CUSTOM else f"{', '.join(self.custom_peers)}"
        text = f"{focus} vs {peers}, {self.window[0]}-{self.window[1]}"
        if self.benchmarks:
            text += ", benchmarks: " + ", ".join(f"{k}={v:g}" for k, v in self.benchmarks)
        return text


@dataclass(frozen=True)
class Verdict:
    """A claim's verdict under one set of settings.

    status: one of STATUSES. sentence: the counted checks' sentences with numbers, units and years.
    headline: a short summary ('2 of 3 checks hold; 1 could not be run'). evidence: tidy rows used (with a
    `role`: focus, peer, aggregate). parts: every test's RuleResult (context ones flagged). missing: what could
    not be checked. notes: refresh/proxy notes. peers: the peer countries (focus excluded).
    """

    claim_id: str
    status: str
    sentence: str
    headline: str
    evidence: pd.DataFrame
    settings: Settings
    parts: tuple[RuleResult, ...]
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    caveat: str = ""
    peers: tuple[str, ...] = ()
    peer_label: str = ""

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class _StoreCache:
    data: EvidenceData
    members: dict = field(default_factory=dict)
    # (rule, params, focus, peers, window, benchmarks, proxies, events) -> RuleResult: robustness variants share
    # most checks (a largest_share test does not depend on the peer group), so each runs once per store.
    results: dict = field(default_factory=dict)


MAX_CACHED_RESULTS = 20_000


_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cache(store, catalogue) -> _StoreCache:
    """Per-store slices and peer lists, so robustness runs do not re-slice half a million rows each time."""
    try:
        cached = _CACHES.get(store)
    except TypeError:  # an object that cannot be weakly referenced: no caching
        return _StoreCache(EvidenceData(store, catalogue))
    if cached is None or cached.data.catalogue is not catalogue:
        cached = _StoreCache(EvidenceData(store, catalogue))
        _CACHES[store] = cached
    return cached


def peer_list(store, settings: Settings, cache: _StoreCache | None = None) -> tuple[str, ...]:
    """The settings' peer countries, focus excluded."""
    key = (settings.peer_group, settings.focus, tuple(settings.custom_peers))
    if cache is not None and key in cache.members:
        return cache.members[key]
    group = members(settings.peer_group, store, settings.focus, settings.custom_peers)
    found = tuple(m for m in group if m != settings.focus)
    if cache is not None:
        cache.members[key] = found
    return found


def resolved_benchmarks(benchmarks: Mapping[str, Benchmark], settings: Settings) -> dict[str, Benchmark]:
    return {key: replace(b, threshold=settings.benchmark_value(key)) for key, b in benchmarks.items()}


def combine(parts: list[RuleResult], mode: str) -> str:
    """Status from the counted parts' results.

    Missing parts never count as holding or failing: with fewer than half the checks run the verdict is
    insufficient data; an 'all' claim with some checks missing can at best be partly supported.
    """
    counted = [p for p in parts if not p.context]
    known = [p for p in counted if p.holds is not None]
    if not known or 2 * len(known) < len(counted):
        return "insufficient_data"
    holding = sum(bool(p.holds) for p in known)
    if holding == 0:
        return "not_supported"
    if mode == "any":
        return "supported"
    if mode == "all":
        return "supported" if holding == len(counted) else "partly_supported"
    return "supported" if 2 * holding > len(counted) else "partly_supported"


def _headline(parts: list[RuleResult]) -> str:
    counted = [p for p in parts if not p.context]
    known = [p for p in counted if p.holds is not None]
    holding = sum(bool(p.holds) for p in known)
    text = f"{holding} of {len(counted)} checks hold"
    if len(known) < len(counted):
        text += f"; {len(counted) - len(known)} could not be run"
    return text


def evaluate(
    claim: Claim,
    store,
    settings: Settings = Settings(),
    *,
    codebook: Codebook | None = None,
    events: pd.DataFrame | None = None,
    catalogue: Mapping | None = None,
) -> Verdict:
    """Run a claim's tests on `store` under `settings` and combine them into a verdict.

    Args:
        store: anything with `values` (tidy DataFrame) and `countries` (e.g. src.ingest.store.load_store()).
        codebook: supplies the benchmarks (shipped codebook by default).
        events: the events table (data/catalogue/events.csv by default).
        catalogue: indicator id -> Indicator (shipped catalogue by default).

    Returns:
        A Verdict; missing data gives status 'insufficient_data' with `missing` saying what, never an exception.
        Its evidence frames are shared with a per-store cache: treat them as read-only.
    """
    catalogue = indicator_catalogue() if catalogue is None else catalogue
    codebook = shipped_codebook() if codebook is None else codebook
    events = shipped_events() if events is None else events
    cache = _cache(store, catalogue)
    peers = peer_list(store, settings, cache)
    peer_label = group_label(settings.peer_group)
    context = RuleContext(
        data=cache.data,
        focus=settings.focus,
        peers=peers,
        peer_label=peer_label,
        window=(int(settings.window[0]), int(settings.window[1])),
        benchmarks=resolved_benchmarks(codebook.benchmarks, settings),
        events=events,
        proxies=claim.proxies,
    )
    parts = []
    for test in claim.tests:
        key = (test.rule, repr(sorted(test.params.items())), settings.focus, peers, context.window,
               settings.benchmarks, repr(sorted(claim.proxies.items())), id(events))
        result = cache.results.get(key)
        if result is None:
            result = RULES_BY_KEY[test.rule].check(test.params, context)
            if len(cache.results) >= MAX_CACHED_RESULTS:
                cache.results.clear()
            cache.results[key] = result
        parts.append(replace(result, context=test.context))
    status = combine(parts, claim.combine)
    counted = [p for p in parts if not p.context]
    sentence = " ".join(p.sentence for p in counted)
    context_sentences = [f"For context (not counted): {p.sentence}" for p in parts if p.context]
    if context_sentences:
        sentence += " " + " ".join(context_sentences)
    missing = tuple(dict.fromkeys(m for p in parts for m in p.missing))
    notes = tuple(dict.fromkeys(n for p in parts for n in p.notes))
    evidence = evidence_of(*[p.evidence for p in parts]).drop_duplicates(["iso3", "indicator", "year", "role"])
    return Verdict(
        claim_id=claim.id,
        status=status,
        sentence=sentence,
        headline=_headline(parts),
        evidence=evidence.reset_index(drop=True),
        settings=settings,
        parts=tuple(parts),
        missing=missing,
        notes=notes,
        caveat=claim.caveat,
        peers=peers,
        peer_label=peer_label,
    )


def evaluate_all(codebook: Codebook, store, settings: Settings = Settings(), **kwargs) -> dict[str, Verdict]:
    """Every checkable claim's verdict under `settings`, keyed by claim id (codebook order)."""
    return {
        claim_id: evaluate(claim, store, settings, codebook=codebook, **kwargs)
        for claim_id, claim in codebook.claims.items()
    }


def _band_benchmarks(claim: Claim, codebook: Codebook) -> list[Benchmark]:
    ids = [t.params["benchmark"] for t in claim.tests if t.rule == "benchmark"]
    used = [codebook.benchmarks[i] for i in dict.fromkeys(ids)]
    return [b for b in used if b.low != b.high]


def robustness_variants(claim: Claim, settings: Settings, codebook: Codebook | None = None) -> list[Settings]:
    """The reasonable settings to try: each peer group x three windows ending at the user's end year x each end
    of any benchmark band the claim uses. The focus country stays the user's."""
    codebook = shipped_codebook() if codebook is None else codebook
    groups = list(peer_groups())
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
    claim: Claim, store, settings: Settings = Settings(), **kwargs
) -> tuple[int, int, list[tuple[Settings, str]]]:
    """Under how many reasonable settings the verdict is the same as under `settings`.

    Returns:
        (holds, total, [(variant settings, status), ...]).
    """
    base = evaluate(claim, store, settings, **kwargs).status
    results = [(variant, evaluate(claim, store, variant, **kwargs).status) for variant in robustness_variants(
        claim, settings, kwargs.get("codebook"))]
    holds = sum(status == base for _, status in results)
    return holds, len(results), results
