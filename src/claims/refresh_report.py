"""The refresh command's last words: which verdicts the new data changed, and why.

Why this module: src/ingest/refresh.py sits below the claims layer and may not import it, so the refresh calls
`report` through the hook it names (`AFTER_REFRESH` there) with the store from before and the store from after;
the evaluation and the diff (src/claims/changes.py) stay in this layer.
"""

from __future__ import annotations

from collections.abc import Callable

from src.claims.changes import comparisons, verdict_changes
from src.study import load_study


def report(old_store, new_store, *, study=None, every_group: bool = True) -> list[str]:
    """Lines naming each claim whose verdict differs between the stores, under the study's default comparison
    and each declared peer group for the default focus; one line saying so when none changed."""
    study = load_study() if study is None else study
    settings_list = comparisons(study, every_group=every_group)
    changes = verdict_changes(old_store, new_store, study, settings_list)
    names = {iso3: new_store.name(iso3) for iso3 in {s.focus for s in settings_list}}
    compared = (f"the default comparison and {len(settings_list) - 1} other peer group(s)" if every_group
                else "the default comparison")
    if not changes:
        return [f"Verdicts: none changed under {compared}."]
    lines = [f"Verdicts changed under {compared} ({len(changes)}):"]
    lines += [f"  {change.line(names, study.peer_groups)}" for change in changes]
    return lines


def print_report(old_store, new_store, progress: Callable[[str], None] = print) -> None:
    """`report`, line by line through `progress` (the refresh's hook)."""
    for line in report(old_store, new_store):
        progress(line)
