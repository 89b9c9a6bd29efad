"""The Claims page's verdict board: one row per claim (id, title, verdict, key number with its year), and the split
of a claim's notes into what a reader needs beside the verdict and the method notes kept for "How this was checked".

Why this module: the page used to print every note (series codes, preferred series, refresh commands) as grey text
under each claim, which made it 28,000 px tall; the board lets a reader see every verdict at once and open only the
detail they want. Pure: no Streamlit. The verdict engine may supply `title` and `key_fact` itself; until it does,
both are computed here from the claim and the verdict's focus evidence rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from src.charts.claims import evidence_table
from src.charts.plain_words import plain_words
from src.claims.prose import format_value, year_span


@dataclass(frozen=True)
class BoardRow:
    """One claim on the board: `anchor` is the id of its detail heading on the same page."""

    claim_id: str
    title: str
    status: str
    key_fact: str
    anchor: str


def claim_anchor(claim_id: str) -> str:
    """The HTML id of a claim's detail heading: 'C2.3' -> 'C2-3' (a dot would read as a CSS class selector)."""
    return claim_id.replace(".", "-")


def claim_title(claim, verdict) -> str:
    """The verdict's own title when the engine gives one, else the claim's paraphrase."""
    return str(getattr(verdict, "title", "") or claim.paraphrase)


def key_fact(claim, verdict, indicators: Mapping) -> str:
    """The verdict's key number with its year: the engine's `key_fact` when it gives one, else the focus country's
    latest value of the first of the claim's series in its evidence, e.g. 'Tax revenue: 9.9% of GDP (2024)'. Rows
    counted from events (no catalogue entry, e.g. periods of military rule) are summed over their span.
    '' when the verdict has no focus rows."""
    given = str(getattr(verdict, "key_fact", "") or "")
    if given:
        return given
    evidence = getattr(verdict, "evidence", None)
    if evidence is None or not len(evidence):
        return ""
    focus = evidence[evidence["role"] == "focus"] if "role" in evidence else evidence
    focus = focus.dropna(subset=["value"])
    if not len(focus):
        return ""
    present = set(focus["indicator"].unique())  # once, not once per series of the claim
    ordered = [i for i in [*claim.indicators, *getattr(claim, "preferred", ())] if i in present]
    indicator_id = ordered[0] if ordered else str(focus["indicator"].iloc[0])
    rows = focus[focus["indicator"] == indicator_id]
    unit = str(rows["unit"].iloc[0] or "")
    entry = indicators.get(indicator_id)
    if entry is None:
        what = indicator_id.split(":", 1)[-1].replace("_", " ")
        total = format_value(float(rows["value"].sum()), unit)
        return f"{what}: {total} ({len(rows)} period(s) starting {year_span(rows['year'])})"
    latest = rows.sort_values("year").iloc[-1]
    # The value carries its unit, so the name drops its own "(unit)".
    name = re.sub(r"\s*\([^)]*\)$", "", entry.short_name) or entry.short_name
    return f"{name}: {format_value(float(latest['value']), unit)} ({int(latest['year'])})"


def board_rows(claims: Iterable, verdicts: Mapping, indicators: Mapping) -> list[BoardRow]:
    """One BoardRow per claim that has a verdict, in the order given."""
    return [
        BoardRow(
            claim_id=claim.id,
            title=claim_title(claim, verdicts[claim.id]),
            status=verdicts[claim.id].status,
            key_fact=key_fact(claim, verdicts[claim.id], indicators),
            anchor=claim_anchor(claim.id),
        )
        for claim in claims
        if claim.id in verdicts
    ]


def _missing_note(verdict) -> str:
    return "Could not be checked: " + "; ".join(verdict.missing) + "." if getattr(verdict, "missing", ()) else ""


def reader_notes(claim, verdict) -> list[str]:
    """What a reader must see beside the verdict, in plain words (no series codes or file paths; those are in
    method_notes): the parts that could not be checked, the claim's caveat and what the data does not cover."""
    notes = [_missing_note(verdict)]
    if getattr(claim, "caveat", ""):
        notes.append(f"Keep in mind: {claim.caveat}")
    if getattr(claim, "gaps", ""):
        notes.append(f"Not covered by the data: {claim.gaps}")
    return [plain_words(note) for note in notes if note]


def method_notes(claim, verdict) -> list[str]:
    """How the verdict was reached, for the "How this was checked" box: the series that could not be found (with
    their codes), series used instead of preferred ones, refresh hints, proxies (with the series codes)."""
    missing = _missing_note(verdict)
    notes = [missing] if missing and plain_words(missing) != missing else []
    notes += list(getattr(verdict, "notes", ()))
    for indicator_id, label in (getattr(claim, "proxies", None) or {}).items():
        notes.append(f"{indicator_id} is a {label}")
    return notes


def page_source_ids(verdicts: Iterable) -> tuple[str, ...]:
    """The source ids behind every shown verdict's evidence, each once, sorted: the page's one sources block."""
    ids = set()
    for verdict in verdicts:
        evidence = getattr(verdict, "evidence", None)
        if evidence is not None and "source" in evidence and len(evidence):
            ids.update(str(s) for s in evidence["source"].dropna().unique())
    return tuple(sorted(ids))


def evidence_for_reading(verdict) -> pd.DataFrame:
    """The verdict's evidence rows as the page's table shows them (the same table the claim view carries), without
    building the claim's charts."""
    return evidence_table(verdict.evidence)
