"""Which verdicts a data change turned, and why: the same claims evaluated on an old and a new store, and the
reason read from their evidence rows (a newer year, a revised value, a series added or gone).

Why this module: after `python -m src.ingest.refresh` a researcher must know which verdicts moved before they
present them; "C2.3: Supported -> Too close to call (newer year: Pakistan's tax revenue now 2025, was 2024)" says
what to look at. Pure: stores, study and settings in, plain records out; src/claims/refresh_report.py prints them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from src.claims.evaluate import EvaluationCache, Settings, evaluate_all
from src.claims.prose import format_value
from src.claims.verdicts import STATUS_LABELS
from src.study.peers import CUSTOM

# Per reason kind, how many examples a line names; the rest are counted.
EXAMPLES = 3
_KEY = ["iso3", "indicator", "role", "year"]


@dataclass(frozen=True)
class VerdictChange:
    """One claim whose status differs between the old and the new store under `settings`."""

    claim_id: str
    settings: Settings
    old: str
    new: str
    reasons: tuple[str, ...]

    def line(self, names=None, groups=None) -> str:
        why = "; ".join(self.reasons)
        return (f"{self.claim_id}: {STATUS_LABELS.get(self.old, self.old)} -> "
                f"{STATUS_LABELS.get(self.new, self.new)} ({self.settings.describe(names, groups)}): {why}")


def _rows(evidence: pd.DataFrame) -> pd.DataFrame:
    """The evidence rows as plain columns (categoricals off), one per country, series, role and year."""
    if evidence is None or evidence.empty:
        return pd.DataFrame(columns=[*_KEY, "value", "country", "unit"])
    rows = evidence.dropna(subset=["indicator"]).copy()
    for column in ("iso3", "indicator", "role", "country", "unit"):
        if column in rows:
            rows[column] = rows[column].astype(object).fillna("").astype(str)
    rows["year"] = rows["year"].astype(int)
    rows["value"] = rows["value"].astype(float)
    return rows.drop_duplicates(_KEY, keep="last")


def _examples(items: list[str]) -> str:
    shown = ", ".join(items[:EXAMPLES])
    return shown + (f" and {len(items) - EXAMPLES} more" if len(items) > EXAMPLES else "")


def evidence_reasons(old: pd.DataFrame, new: pd.DataFrame) -> tuple[str, ...]:
    """Why two verdicts' evidence differ: series added or gone, newer (or dropped) years, revised values.

    Rows are matched on country, series, role and year. A series only in one is added/removed; a country's
    latest year that moved is a new (or lost) year; a matched row whose value changed is a revision; peers that
    had no value of a series before are named too.
    """
    before, after = _rows(old), _rows(new)
    reasons: list[str] = []
    added = sorted(set(after["indicator"]) - set(before["indicator"]))
    gone = sorted(set(before["indicator"]) - set(after["indicator"]))
    if added:
        reasons.append(f"new series: {_examples(added)}")
    if gone:
        reasons.append(f"series no longer used: {_examples(gone)}")
    shared = sorted(set(before["indicator"]) & set(after["indicator"]))
    moved, revised, lost, more_peers = [], [], [], []
    for indicator in shared:
        b, a = before[before["indicator"] == indicator], after[after["indicator"] == indicator]
        latest_b = b.groupby(["iso3", "role"])["year"].max()
        latest_a = a.groupby(["iso3", "role"])["year"].max()
        for (iso3, role), year in latest_a.items():
            was = latest_b.get((iso3, role))
            if was is not None and year > was:
                moved.append(f"{_name(a, iso3)}'s {indicator} now {year} (was {was})")
            elif was is not None and year < was:
                lost.append(f"{_name(a, iso3)}'s {indicator} now {year} (was {was})")
        joined = b.merge(a, on=_KEY, suffixes=("_old", "_new"))
        changed = joined[(joined["value_old"] - joined["value_new"]).abs() > 1e-9]
        for row in changed.itertuples(index=False):
            unit = getattr(row, "unit_new", "") or ""
            revised.append(f"{_name(a, row.iso3)}'s {indicator} {row.year} was {format_value(row.value_old, unit)}, "
                           f"now {format_value(row.value_new, unit)}")
        peers_b = set(b.loc[b["role"] == "peer", "iso3"])
        peers_a = set(a.loc[a["role"] == "peer", "iso3"])
        if peers_a - peers_b:
            more_peers.append(f"{indicator}: {_examples(sorted(peers_a - peers_b))}")
    if moved:
        reasons.append(f"newer year: {_examples(moved)}")
    if lost:
        reasons.append(f"latest year dropped: {_examples(lost)}")
    if revised:
        reasons.append(f"revised value: {_examples(revised)}")
    if more_peers:
        reasons.append(f"peers with a value now: {_examples(more_peers)}")
    if not reasons:
        reasons.append("the evidence rows are the same; a declared file or rule changed")
    return tuple(reasons)


def _name(rows: pd.DataFrame, iso3: str) -> str:
    names = rows.loc[rows["iso3"] == iso3, "country"] if "country" in rows else pd.Series(dtype=str)
    return str(names.iloc[0]) if len(names) and str(names.iloc[0]) not in ("", "nan") else iso3


def verdict_changes(old_store, new_store, study, settings_list: Iterable[Settings]) -> list[VerdictChange]:
    """Every claim whose status differs between the two stores, under each of `settings_list` (in order)."""
    old_cache, new_cache = EvaluationCache(), EvaluationCache()
    changes: list[VerdictChange] = []
    for settings in settings_list:
        before = evaluate_all(study, old_store, settings, cache=old_cache)
        after = evaluate_all(study, new_store, settings, cache=new_cache)
        for claim_id, verdict in after.items():
            was = before.get(claim_id)
            if was is None or was.status == verdict.status:
                continue
            changes.append(VerdictChange(claim_id, settings, was.status, verdict.status,
                                         evidence_reasons(was.evidence, verdict.evidence)))
    return changes


def comparisons(study, *, every_group: bool = True) -> list[Settings]:
    """The study's default comparison (data/study.yaml) and, with `every_group`, the focus against every other
    declared peer group (the custom group, which has no members of its own, is left out)."""
    default = Settings.default(study.defaults)
    if not every_group:
        return [default]
    others = [g for g in study.peer_groups if g not in (default.peer_group, CUSTOM)]
    return [default, *(Settings.default(study.defaults, peer_group=g) for g in others)]
