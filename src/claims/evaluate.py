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
from functools import cached_property

import pandas as pd

from src.claims.evidence import Evidence, RuleContext, RuleResult, frame_of, verdict_evidence
from src.claims.rules import RULES_BY_KEY, UNVERIFIED_BENCHMARK
from src.claims.verdicts import STATUS_LABELS, STATUSES
from src.study import Study
from src.study.codebook import Benchmark, Claim
from src.study.defaults import StudyDefaults
from src.study.peers import CUSTOM, group_label, members
from src.study.rule_specs import indicator_ids_in

__all__ = [
    "STATUSES", "STATUS_LABELS", "EvaluationCache", "Settings", "Verdict", "benchmark_overrides", "combine",
    "evaluate", "evaluate_all", "peer_list", "resolved_benchmarks",
]


@dataclass(frozen=True)
class Settings:
    """What the user can change. Frozen and hashable, so it can key caches and sit in a URL.

    benchmarks: (benchmark id, value to test) pairs overriding the shipped default (a band's low end for
    'below' tests, high end for 'above'); a value outside the benchmark's declared range is not used, and the
    verdict says so. skip_series: series treated as absent, so a slot falls back to its next alternative
    (robustness uses it to try the alternative series).
    """

    focus: str
    peer_group: str
    window: tuple[int, int]
    custom_peers: tuple[str, ...] = ()
    benchmarks: tuple[tuple[str, float], ...] = ()
    skip_series: tuple[str, ...] = ()

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
        object.__setattr__(self, "skip_series", tuple(str(s) for s in self.skip_series))

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
        if self.skip_series:
            text += ", without: " + ", ".join(self.skip_series)
        return text


@dataclass(frozen=True)
class Verdict:
    """A claim's verdict under one set of settings.

    status: one of STATUSES. sentence: the counted checks' sentences with numbers, units and years.
    headline: a short summary ('2 of 3 parts hold; 1 could not be checked: ...'). evidence: tidy rows used (with
    a `role`: focus, peer, aggregate). parts: every test's RuleResult (context ones flagged; `part.outcome` is
    holds / fails / too_close / unchecked). missing: what could not be checked. notes: refresh, proxy and
    benchmark-override notes. peers: the peer countries (focus excluded).
    title, question, caption: the claim's text rendered for the focus country (caption: who the experts said it
    of). key_fact: the key number with unit and year ('14.5% of government spending (2023)'), '' when none.
    tally: the headline without its reasons ('1 of 2 parts hold; 1 could not be checked').
    evidence_rows: the evidence as given (`Evidence`, taken from the store on first read of `.evidence`).
    """

    claim_id: str
    status: str
    sentence: str
    headline: str
    evidence_rows: pd.DataFrame | Evidence
    settings: Settings
    parts: tuple[RuleResult, ...]
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    caveat: str = ""
    peers: tuple[str, ...] = ()
    peer_label: str = ""
    title: str = ""
    question: str = ""
    caption: str = ""
    key_fact: str = ""
    tally: str = ""

    @property
    def evidence(self) -> pd.DataFrame:
        """Tidy rows used, with their `role` (made on first read, then kept)."""
        return frame_of(self.evidence_rows)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def unchecked(self) -> tuple[RuleResult, ...]:
        """The counted parts that could not be checked."""
        return tuple(p for p in self.parts if not p.context and p.outcome == "unchecked")


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
    # Plain tuples (name=None): the same values, without a new namedtuple class made for every call.
    return tuple(table.columns), tuple(tuple(map(str, row)) for row in table.itertuples(index=False, name=None))


def benchmark_overrides(benchmarks: Mapping[str, Benchmark], settings: Settings) -> tuple[dict, tuple[str, ...]]:
    """(benchmark id -> the user's valid value, notes on the values refused and why)."""
    chosen, notes = {}, []
    for key, value in settings.benchmarks:
        benchmark = benchmarks.get(key)
        if benchmark is None:
            notes.append(f"Your benchmark setting {key}={value:g} names no benchmark of data/catalogue/benchmarks.yaml "
                         f"and was not used.")
            continue
        problem = benchmark.override_problem(value)
        if problem:
            notes.append(f"Your value for {benchmark.label} was not used: {problem}; the shipped value applies.")
        else:
            chosen[key] = float(value)
    return chosen, tuple(notes)


def resolved_benchmarks(benchmarks: Mapping[str, Benchmark], settings: Settings) -> dict[str, Benchmark]:
    """The benchmarks with the user's valid values as `threshold` (refused values leave the shipped one)."""
    chosen, _ = benchmark_overrides(benchmarks, settings)
    return {key: replace(b, threshold=chosen.get(key)) for key, b in benchmarks.items()}


class Declared:
    """What every claim evaluated under one settings shares, worked out once per `evaluate_all` call: the
    resolved benchmarks and the notes on refused values, and the cache-key parts made from declared values
    (benchmarks, tolerances, events table, each catalogue entry a test names)."""

    def __init__(self, study: Study, settings: Settings):
        self.study = study
        self.benchmarks = resolved_benchmarks(study.codebook.benchmarks, settings)
        self.benchmark_notes = benchmark_overrides(study.codebook.benchmarks, settings)[1]
        self._entry_keys: dict[str, str] = {}

    # The keys are made on first use: an evaluation without a cache needs none of them.
    @cached_property
    def benchmarks_key(self) -> str:
        return repr(sorted(self.benchmarks.items()))

    @cached_property
    def tolerances_key(self) -> str:
        return repr(sorted(self.study.codebook.tolerances.items()))

    @cached_property
    def events_key(self) -> tuple | None:
        return table_key(self.study.events)

    def entry_key(self, indicator_id: str) -> str:
        """The catalogue entry of `indicator_id` as a value (its repr), made once per call."""
        key = self._entry_keys.get(indicator_id)
        if key is None:
            key = self._entry_keys[indicator_id] = repr((indicator_id, self.study.indicators.get(indicator_id)))
        return key


def majority_outcome(holds: int, fails: int, close: int) -> str:
    """A majority claim's status when every counted part was checked: the too-close parts are never outvoted.

    Supported only if the parts that hold are more than half even when every too-close part is counted against
    the claim (2 hold and 1 too close of 3: still 2 of 3 if it failed, so supported). If the too-close parts
    could decide the majority either way, the claim is too close to call (1 holds, 1 fails, 1 too close). If no
    reading of them gives a majority, the holding parts make it partly supported, and none make it not supported.
    """
    total = holds + fails + close
    if 2 * holds > total:
        return "supported"
    if 2 * (holds + close) > total:
        return "too_close"
    return "partly_supported" if holds else "not_supported"


def close_parts_could_flip(holds: int, fails: int, close: int) -> bool:
    """Whether the too-close parts of a majority claim could turn its status (supported or not) around."""
    total = holds + fails + close
    return bool(close) and (2 * holds > total) != (2 * (holds + close) > total)


def combine(parts: list[RuleResult], mode: str) -> str:
    """Status from the counted parts' outcomes (holds, fails, too_close, unchecked).

    A claim with an unchecked part is never supported: unless the checked parts already show it false, it is
    insufficient data (and the headline names the part). With fewer than half the parts checked it is
    insufficient data. A part within its declared tolerance is too close to call, never a hold, and under
    `majority` it counts against the claim when deciding "supported" (`majority_outcome`).
    """
    counted = [p.outcome for p in parts if not p.context]
    total = len(counted)
    holds, fails = counted.count("holds"), counted.count("fails")
    close, unchecked = counted.count("too_close"), counted.count("unchecked")
    known = holds + fails + close
    if not known or 2 * known < total:
        return "insufficient_data"
    if mode == "any":
        if holds:
            return "supported"
        return "insufficient_data" if unchecked else "too_close" if close else "not_supported"
    if mode == "all":
        if fails:
            return "partly_supported" if holds or close else "not_supported"
        return "insufficient_data" if unchecked else "too_close" if close else "supported"
    # majority
    if unchecked:
        if 2 * fails >= total:
            return "partly_supported" if holds else "not_supported"
        return "insufficient_data"
    return majority_outcome(holds, fails, close)


def _headline(parts: list[RuleResult], mode: str = "all") -> str:
    """The tally with the reasons any part could not be checked ('1 of 2 parts hold; 1 could not be checked
    (no value of ...)')."""
    counted = [p for p in parts if not p.context]
    unchecked = [p for p in counted if p.outcome == "unchecked"]
    if not unchecked:
        return _tally(parts, mode)
    why = "; ".join(dict.fromkeys(p.missing[-1] if p.missing else p.sentence for p in unchecked))
    return f"{_tally(parts, mode)} ({why})"


def _tally(parts: list[RuleResult], mode: str = "all") -> str:
    """How the counted parts came out, without reasons: what a board row or a projected slide has room for.
    Under `majority`, too-close parts are said to decide the majority or not (see `majority_outcome`)."""
    counted = [p for p in parts if not p.context]
    outcomes = [p.outcome for p in counted]
    text = f"{outcomes.count('holds')} of {len(counted)} parts hold"
    if outcomes.count("fails"):
        text += f"; {outcomes.count('fails')} do not"
    if outcomes.count("too_close"):
        text += f"; {outcomes.count('too_close')} too close to call"
        if mode == "majority" and not outcomes.count("unchecked"):
            flips = close_parts_could_flip(outcomes.count("holds"), outcomes.count("fails"),
                                           outcomes.count("too_close"))
            text += " (could decide the majority)" if flips else " (cannot change the majority)"
    if outcomes.count("unchecked"):
        text += f"; {outcomes.count('unchecked')} could not be checked"
    return text


def demote_proxy(result: RuleResult, proxies: Mapping[str, str], catalogue: Mapping) -> RuleResult:
    """A part that rested on a proxy series: unchecked (the real series is missing), the proxy's finding kept
    as labelled context in its sentence. A proxy never decides a verdict."""
    if not result.proxies:
        return result
    from src.claims.prose import indicator_phrase

    named = ", ".join(f"{indicator_phrase(i, catalogue)} ({proxies[i]})" for i in result.proxies)
    what = f"the series this part needs has no value; only a proxy exists: {named}"
    sentence = f"Could not be checked: {what}. Proxy, shown for context only: {result.sentence}"
    return replace(result, holds=None, too_close=False, sentence=sentence, missing=(*result.missing, what))


def key_fact_of(parts: list[RuleResult]) -> str:
    """The first counted, checked part's key number; '' when no part has one."""
    for part in parts:
        if not part.context and part.outcome != "unchecked" and part.key_fact:
            return part.key_fact
    return ""


def evaluate(
    claim: Claim, store, settings: Settings, study: Study, *, cache: EvaluationCache | None = None,
    declared: Declared | None = None,
) -> Verdict:
    """Run a claim's tests on `store` under `settings` and combine them into a verdict.

    Args:
        store: a src.ingest.store.Store (e.g. load_store()); checks read it through its look-ups.
        study: the declared study (src.study.load_study()): benchmarks, events, indicator catalogue, peer groups.
        cache: an EvaluationCache to reuse peer lists and check results from (and add to); none by default.
        declared: `Declared(study, settings)` when the caller already has it (evaluate_all makes it once).

    Returns:
        A Verdict; missing data gives status 'insufficient_data' with `missing` saying what, never an exception.
        With a cache, its evidence frames are shared with later verdicts: treat them as read-only.
    """
    catalogue, codebook, events = study.indicators, study.codebook, study.events
    declared = Declared(study, settings) if declared is None else declared
    peers = peer_list(store, settings, study.peer_groups, cache)
    peer_label = group_label(settings.peer_group, study.peer_groups)
    context = RuleContext(
        store=store,
        catalogue=catalogue,
        focus=settings.focus,
        peers=peers,
        peer_label=peer_label,
        window=(int(settings.window[0]), int(settings.window[1])),
        benchmarks=declared.benchmarks,
        events=events,
        proxies=claim.proxies,
        tolerances=codebook.tolerances,
        skip_series=settings.skip_series,
    )
    parts = []
    if cache is not None:
        # What every test of this claim shares, as values (never identities), computed once per call.
        shared = (settings.focus, peers, peer_label, context.window, declared.benchmarks_key,
                  repr(sorted(claim.proxies.items())), declared.events_key, declared.tolerances_key,
                  settings.skip_series)
    for test in claim.tests:
        rule = RULES_BY_KEY[test.rule]
        if cache is None:
            result = rule.check(test.params, context)
        else:
            entries = tuple(declared.entry_key(i) for i in indicator_ids_in(rule, test.params))
            key = (test.rule, repr(sorted(test.params.items())), entries, *shared)
            result = cache.check(key, lambda: rule.check(test.params, context))
        parts.append(demote_proxy(replace(result, context=test.context), claim.proxies, catalogue))
    status = combine(parts, claim.combine)
    counted = [p for p in parts if not p.context]
    sentence = " ".join(p.sentence for p in counted)
    context_sentences = [f"For context (not counted): {p.sentence}" for p in parts if p.context]
    if context_sentences:
        sentence += " " + " ".join(context_sentences)
    missing = tuple(dict.fromkeys(m for p in parts for m in p.missing))
    notes = tuple(dict.fromkeys([*(n for p in parts for n in p.notes), *declared.benchmark_notes]))
    country = store.name(settings.focus)
    said_of_name = store.name(claim.said_of) if claim.said_of else ""
    part_rows = [p.evidence_rows for p in parts]
    return Verdict(
        claim_id=claim.id,
        status=status,
        sentence=sentence,
        headline=_headline(parts, claim.combine),
        tally=_tally(parts, claim.combine),
        evidence_rows=Evidence(lambda: verdict_evidence(part_rows)),
        settings=settings,
        parts=tuple(parts),
        missing=missing,
        notes=notes,
        caveat=claim.caveat,
        peers=peers,
        peer_label=peer_label,
        title=claim.title_for(country),
        question=claim.question_for(country),
        caption=" ".join(filter(None, [claim.caption_for(country, said_of_name), *(
            n for p in counted for n in p.notes if n.startswith(UNVERIFIED_BENCHMARK))])),
        key_fact=key_fact_of(parts),
    )


def evaluate_all(
    study: Study, store, settings: Settings, *, cache: EvaluationCache | None = None
) -> dict[str, Verdict]:
    """Every checkable claim's verdict under `settings`, keyed by claim id (codebook order)."""
    declared = Declared(study, settings)
    return {claim_id: evaluate(claim, store, settings, study, cache=cache, declared=declared)
            for claim_id, claim in study.codebook.claims.items()}


def __getattr__(name: str):
    # Robustness lives in its own module (it imports this one); its names stay importable from here.
    if name in ("robustness", "robustness_variants", "ROBUSTNESS_SPANS"):
        from src.claims import robustness as module

        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
