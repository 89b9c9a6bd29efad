"""Robustness: does a claim's verdict survive the other reasonable settings a reader might have chosen?

Each peer group, three windows ending in the user's end year, earlier end years, each end of any benchmark band
the claim uses, and each alternative series of the claim's slots; the focus country stays the user's. Every
variant's outcome is one of: it holds (same status), it flips (another status, the setting that flips it named),
or it cannot be checked (insufficient data under that setting).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from src.claims.evaluate import Declared, EvaluationCache, Settings, evaluate
from src.claims.verdicts import STATUS_LABELS
from src.study import Study
from src.study.codebook import Benchmark, Claim
from src.study.peers import CUSTOM, group_label
from src.study.rule_specs import RULE_SPECS_BY_KEY, slot_ids

# Windows tried, as years back from the window's end; the user's own window is always included.
ROBUSTNESS_SPANS = (15, 10, 5)
# End years tried, as years before the user's end year (the user's window length kept).
ROBUSTNESS_END_SHIFTS = (1, 2, 3)


@dataclass(frozen=True)
class Robustness:
    """holds/flips/unchecked: (variant settings, status, what was changed) for each variant tried.

    Indexing keeps the old tuple shape: r[0] holds count, r[1] total, r[2] [(settings, status), ...]."""

    base: str
    holds: tuple[tuple[Settings, str, str], ...]
    flips: tuple[tuple[Settings, str, str], ...]
    unchecked: tuple[tuple[Settings, str, str], ...]

    @property
    def total(self) -> int:
        return len(self.holds) + len(self.flips) + len(self.unchecked)

    @property
    def results(self) -> list[tuple[Settings, str]]:
        return [(s, status) for s, status, _ in (*self.holds, *self.flips, *self.unchecked)]

    def __getitem__(self, index):
        return (len(self.holds), self.total, self.results)[index]

    def __iter__(self):
        return iter((len(self.holds), self.total, self.results))

    def summary(self) -> str:
        """'Holds under 20 of 24 settings; flips to Partly supported with peer group lmic; 2 cannot be checked.'"""
        text = f"The verdict ({STATUS_LABELS.get(self.base, self.base)}) holds under {len(self.holds)} of {self.total} settings"
        if self.flips:
            named = "; ".join(f"{STATUS_LABELS.get(status, status)} with {change}" for _, status, change in self.flips[:4])
            more = f" and {len(self.flips) - 4} more" if len(self.flips) > 4 else ""
            text += f"; it flips under {len(self.flips)}: {named}{more}"
        if self.unchecked:
            text += f"; {len(self.unchecked)} cannot be checked (insufficient data)"
        return text + "."


def _band_benchmarks(claim: Claim, codebook) -> list[Benchmark]:
    ids = [t.params["benchmark"] for t in claim.tests if t.rule == "benchmark"]
    used = [codebook.benchmarks[i] for i in dict.fromkeys(ids)]
    return [b for b in used if b.low != b.high]


def _alternative_series(claim: Claim) -> list[str]:
    """Each series that is first in a slot with alternatives: skipping it tries the next one."""
    firsts = []
    for test in claim.tests:
        for name, param in RULE_SPECS_BY_KEY[test.rule].params.items():
            if name not in test.params:
                continue
            slots = [test.params[name]] if param.kind == "slot" else test.params[name] if param.kind == "slots" else []
            firsts.extend(slot_ids(slot)[0] for slot in slots if len(slot_ids(slot)) > 1)
    return list(dict.fromkeys(firsts))


def robustness_variants(claim: Claim, settings: Settings, study: Study) -> list[Settings]:
    """The reasonable settings to try: each peer group x three windows ending at the user's end year x each end
    of any benchmark band the claim uses; then the user's settings with an earlier end year, and with each
    alternative series. The focus country stays the user's."""
    codebook = study.codebook
    groups = list(study.peer_groups)
    if settings.peer_group == CUSTOM:
        groups.append(CUSTOM)
    start, end = int(settings.window[0]), int(settings.window[1])
    windows = list(dict.fromkeys([(end - span + 1, end) for span in ROBUSTNESS_SPANS] + [tuple(settings.window)]))
    bands = _band_benchmarks(claim, codebook)
    benchmark_choices: list[tuple[tuple[str, float], ...]] = [settings.benchmarks]
    if bands:
        benchmark_choices = [tuple((b.id, b.low) for b in bands), tuple((b.id, b.high) for b in bands)]
    variants = [
        replace(settings, peer_group=group, window=window, benchmarks=choice)
        for group in groups
        for window in windows
        for choice in benchmark_choices
    ]
    variants += [replace(settings, window=(start - shift, end - shift)) for shift in ROBUSTNESS_END_SHIFTS]
    variants += [replace(settings, skip_series=(*settings.skip_series, series))
                 for series in _alternative_series(claim) if series not in settings.skip_series]
    return list(dict.fromkeys(variants))


def describe_change(base: Settings, variant: Settings, study: Study) -> str:
    """What differs from the user's settings, in words: 'peer group Lower middle income, window 2011-2025'."""
    changes = []
    if variant.peer_group != base.peer_group:
        changes.append(f"peer group {group_label(variant.peer_group, study.peer_groups)}")
    if variant.window != base.window:
        if variant.window[1] != base.window[1]:
            changes.append(f"end year {variant.window[1]} (window {variant.window[0]}-{variant.window[1]})")
        else:
            changes.append(f"window {variant.window[0]}-{variant.window[1]}")
    if variant.benchmarks != base.benchmarks:
        changes.append("benchmark " + ", ".join(f"{k}={v:g}" for k, v in variant.benchmarks))
    extra = [s for s in variant.skip_series if s not in base.skip_series]
    if extra:
        changes.append("the alternative series in place of " + ", ".join(extra))
    return ", ".join(changes) or "the same settings"


def robustness(
    claim: Claim, store, settings: Settings, study: Study, *, cache: EvaluationCache | None = None
) -> Robustness:
    """How the verdict fares under the other reasonable settings.

    Args:
        cache: reused (and filled) when given; otherwise one lives for this call only, so the variants share
            the checks that do not depend on what they vary.

    Returns:
        A Robustness: which variants hold, flip (naming the setting) or cannot be checked. It still unpacks as
        (holds, total, [(variant settings, status), ...]).
    """
    cache = EvaluationCache() if cache is None else cache
    # Declared depends on the settings through their benchmark values only: one per benchmark choice, shared by
    # the variants (its cache-key parts, the events table's among them, are made once, not once per variant).
    declared: dict[tuple, Declared] = {}

    def verdict_status(variant: Settings) -> str:
        if variant.benchmarks not in declared:
            declared[variant.benchmarks] = Declared(study, variant)
        return evaluate(claim, store, variant, study, cache=cache, declared=declared[variant.benchmarks]).status

    base = verdict_status(settings)
    holds, flips, unchecked = [], [], []
    for variant in robustness_variants(claim, settings, study):
        status = verdict_status(variant)
        entry = (variant, status, describe_change(settings, variant, study))
        if status == base:
            holds.append(entry)
        elif status == "insufficient_data":
            unchecked.append(entry)
        else:
            flips.append(entry)
    return Robustness(base, tuple(holds), tuple(flips), tuple(unchecked))
