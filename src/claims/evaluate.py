"""Claim verdicts anyone can re-run: evaluate(claim, store, settings, study) -> Verdict.

A verdict is the claim's declared tests (src/claims/rules.py) run on the store under the user's settings (focus country,
peer group, year window, benchmark values) and combined as the claim says (all / any / majority). It carries the
sentence, the evidence rows with each value's own year and source, the settings that produced it, and what was
missing. `robustness()` (src/claims/robustness.py, importable from here too) re-runs a claim under the other
reasonable settings and counts how often the verdict holds.

Nothing here is cached at module level: a caller that evaluates many times on one store (the app, robustness)
passes an `EvaluationCache`, whose keys hold every input of a check, so an edited declared file is never stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd

from src.claims.evidence import RuleContext, RuleResult, evidence_of
from src.claims.rules import RULES_BY_KEY
from src.claims.verdicts import STATUS_LABELS, STATUSES
from src.study import Study
from src.study.codebook import Benchmark, Claim
from src.study.defaults import StudyDefaults
from src.study.peers import CUSTOM, group_label, members
from src.study.rule_specs import indicator_ids_in

__all__ = [
    "STATUSES", "STATUS_LABELS", "EvaluationCache", "Settings", "Verdict", "combine", "evaluate", "evaluate_all",
    "peer_list", "resolved_benchmarks",
]


@dataclass(frozen=True)
class Settings:
    """What the user can change. Frozen and hashable, so it can key caches and sit in a URL.

    benchmarks: (benchmark id, value to test) pairs overriding the shipped default (a band's low end for
    'below' tests, high end for 'above').
    """

    focus: str
    peer_group: str
    window: tuple[int, int]
    custom_peers: tuple[str, ...] = ()
    benchmarks: tuple[tuple[str, float], ...] = ()

    @classmethod
    def default(cls, defaults: StudyDefaults, **changes) -> Settings:
        """The study's declared defaults (data/study.yaml), with `changes` (focus=, window=, ...) applied."""
        return cls(**{"focus": defaults.focus, "peer_group": defaults.peer_group, "window": defaults.window,
                      **changes})

    def __post_init__(self):
        # Normalise lists from widgets or URLs to tuples, so settings stay hashable and compare equal.
        object.__setattr__(self, "focus", str(self.focus).upper())
        object.__setattr__(self, "custom_peers", tuple(str(c).upper() for c in self.custom_peers))
        object.__setattr__(self, "window", (int(self.window[0]), int(self.window[1])))
        object.__setattr__(self, "benchmarks", tuple((str(k), float(v)) for k, v in self.benchmarks))

    def benchmark_value(self, benchmark_id: str) -> float | None:
        return next((float(v) for k, v in self.benchmarks if k == benchmark_id), None)

    def describe(self, names: Mapping[str, str] | None = None, groups: Mapping | None = None) -> str:
        """'Pakistan vs South Asia, 2015-2025, benchmarks: tax_gdp=15' (plain text for captions).

        groups: the declared peer groups, for the group's label (without them the group id is shown).
        """
        focus = (names or {}).get(self.focus, self.focus)
        custom = ", ".join(self.custom_peers)
        peers = group_label(self.peer_group, groups or {}) if self.peer_group != CUSTOM else custom
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


class EvaluationCache:
    """Peer lists and per-check results to reuse across evaluate() calls on one store (robustness variants share
    most checks: a largest_share test does not depend on the peer group, so each runs once).

    Every key holds the values of everything its entry was computed from: for a check, the rule, its parameters,
    focus, peers and their label, window, the resolved benchmarks, the catalogue entries it names, the claim's
    proxies and the events table; for a peer list, the group's declared definition, focus and custom peers. An
    edited declared file therefore misses the cache instead of hitting a stale entry. The cache belongs to one
    store (it starts afresh when given another). Callers own it: the app layer keeps one per (store, study).
    """

    def __init__(self, max_results: int = 20_000):
        self.max_results = max_results
        self.members: dict = {}
        self.results: dict = {}
        self._store = None

    def for_store(self, store) -> EvaluationCache:
        """This cache, emptied first if its entries came from another store."""
        if self._store is not store:
            self.members.clear()
            self.results.clear()
            self._store = store
        return self

    def check(self, key: tuple, run) -> RuleResult:
        """The result stored under `key`, else `run()`'s (then stored)."""
        result = self.results.get(key)
        if result is None:
            result = run()
            if len(self.results) >= self.max_results:
                self.results.clear()
            self.results[key] = result
        return result


def peer_list(store, settings: Settings, groups: Mapping, cache: EvaluationCache | None = None) -> tuple[str, ...]:
    """The settings' peer countries, focus excluded (groups: the declared peer groups)."""
    key = (settings.peer_group, repr(groups.get(settings.peer_group)), settings.focus, tuple(settings.custom_peers))
    if cache is not None:
        cache.for_store(store)
        if key in cache.members:
            return cache.members[key]
    group = members(settings.peer_group, store, settings.focus, settings.custom_peers, groups=groups)
    found = tuple(m for m in group if m != settings.focus)
    if cache is not None:
        cache.members[key] = found
    return found


def table_key(table: pd.DataFrame | None) -> tuple | None:
    """A declared table's content as a hashable value (the events table is a few dozen rows)."""
    if table is None:
        return None
    return tuple(table.columns), tuple(tuple(map(str, row)) for row in table.itertuples(index=False))


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
    claim: Claim, store, settings: Settings, study: Study, *, cache: EvaluationCache | None = None
) -> Verdict:
    """Run a claim's tests on `store` under `settings` and combine them into a verdict.

    Args:
        store: a src.ingest.store.Store (e.g. load_store()); checks read it through its look-ups.
        study: the declared study (src.study.load_study()): benchmarks, events, indicator catalogue, peer groups.
        cache: an EvaluationCache to reuse peer lists and check results from (and add to); none by default.

    Returns:
        A Verdict; missing data gives status 'insufficient_data' with `missing` saying what, never an exception.
        With a cache, its evidence frames are shared with later verdicts: treat them as read-only.
    """
    catalogue, codebook, events = study.indicators, study.codebook, study.events
    peers = peer_list(store, settings, study.peer_groups, cache)
    peer_label = group_label(settings.peer_group, study.peer_groups)
    context = RuleContext(
        store=store,
        catalogue=catalogue,
        focus=settings.focus,
        peers=peers,
        peer_label=peer_label,
        window=(int(settings.window[0]), int(settings.window[1])),
        benchmarks=resolved_benchmarks(codebook.benchmarks, settings),
        events=events,
        proxies=claim.proxies,
    )
    parts = []
    if cache is not None:
        # What every test of this claim shares, as values (never identities), computed once per call.
        shared = (settings.focus, peers, peer_label, context.window, repr(sorted(context.benchmarks.items())),
                  repr(sorted(claim.proxies.items())), table_key(events))
    for test in claim.tests:
        rule = RULES_BY_KEY[test.rule]
        if cache is None:
            result = rule.check(test.params, context)
        else:
            entries = repr([(i, catalogue.get(i)) for i in indicator_ids_in(rule, test.params)])
            key = (test.rule, repr(sorted(test.params.items())), entries, *shared)
            result = cache.check(key, lambda: rule.check(test.params, context))
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


def evaluate_all(
    study: Study, store, settings: Settings, *, cache: EvaluationCache | None = None
) -> dict[str, Verdict]:
    """Every checkable claim's verdict under `settings`, keyed by claim id (codebook order)."""
    claims = study.codebook.claims
    return {claim_id: evaluate(claim, store, settings, study, cache=cache) for claim_id, claim in claims.items()}


def __getattr__(name: str):
    # Robustness lives in its own module (it imports this one); its names stay importable from here.
    if name in ("robustness", "robustness_variants", "ROBUSTNESS_SPANS"):
        from src.claims import robustness as module

        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
