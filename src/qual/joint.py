"""The joint display: each claim the data can test, its verdict and key numbers beside the interviewees and
coded excerpts that speak to it (claims x interviewees, each cell the excerpts). The mixed-methods view no QDA tool
offers against public data; a pure function on tables, so the page shows it and the CSV download is the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from src.qual.mapping import _split_ids, apply_mapping
from src.qual.model import QualImport

FIXED_COLUMNS = ["claim_id", "theme_id", "claim", "verdict", "key_numbers", "interviewees"]
EXCERPT_SEPARATOR = "\n\n"
NOT_CHECKED = "not checked"


def _label(verdict: Any) -> str:
    if verdict is None:
        return NOT_CHECKED
    label = getattr(verdict, "label", None) or getattr(verdict, "status", "")
    headline = getattr(verdict, "headline", "")
    return f"{label}: {headline}" if headline else str(label)


def key_numbers(verdict: Any, limit: int = 4) -> str:
    """The focus country's latest value of each indicator behind a verdict: 'wdi_mil_gdp 2.8 (2022); ...'."""
    evidence = getattr(verdict, "evidence", None)
    needed = {"indicator", "value", "year"}
    if evidence is None or not isinstance(evidence, pd.DataFrame) or evidence.empty or not needed <= set(evidence):
        return ""
    rows = evidence[evidence["role"] == "focus"] if "role" in evidence else evidence
    rows = rows.dropna(subset=["value"]).sort_values("year").groupby("indicator", sort=False).tail(1)
    parts = [f"{row.indicator} {row.value:.3g} ({int(row.year)})" for row in rows.itertuples(index=False)]
    return "; ".join(parts[:limit])


def _excerpt_text(row) -> str:
    text = row.excerpt or f"(no text in the file: {row.position or 'no position'} of {row.document})"
    return f"{text} [{row.code_path}]"


def joint_display(
    claims: Iterable[Any], verdicts: Mapping[str, Any], coding: QualImport | pd.DataFrame, mapping: pd.DataFrame,
    *, only_with_excerpts: bool = False,
) -> pd.DataFrame:
    """Claims x interviewees.

    Args:
        claims: objects with `id`, `theme`, `paraphrase`, `indicators` and optionally `preferred` (the codebook's
            claims).
        verdicts: claim id -> verdict with `label`/`status`, `headline` and `evidence` (ui.get_verdicts); a claim
            without one is shown as "not checked".
        coding, mapping: the import and its mapping (src.qual.mapping); an excerpt speaks to a claim when its code
            maps to the claim's theme or to one of its indicators.
        only_with_excerpts: leave out claims no interviewee spoke to.
    Returns:
        One row per claim: FIXED_COLUMNS (`interviewees` = how many spoke to it), then one column per interviewee
        holding that person's excerpts (each with its code in brackets), '' where none.
    """
    mapped = apply_mapping(coding, mapping)
    people = sorted(mapped["interviewee"].unique())
    indicator_sets = [set(_split_ids(ids)) for ids in mapped["indicator_ids"].fillna("")]
    rows = []
    for claim in claims:
        wanted = {*getattr(claim, "indicators", ()), *getattr(claim, "preferred", ())}
        by_indicator = pd.Series([bool(ids & wanted) for ids in indicator_sets], index=mapped.index, dtype=bool)
        by_theme = (mapped["theme_id"].fillna("") == claim.theme).astype(bool)
        found = mapped[by_theme | by_indicator].drop_duplicates(
            ["interviewee", "document", "code_path", "excerpt", "position"])
        cells = {person: EXCERPT_SEPARATOR.join(_excerpt_text(r) for r in group.itertuples(index=False))
                 for person, group in found.groupby("interviewee", sort=True)}
        if only_with_excerpts and not cells:
            continue
        verdict = verdicts.get(claim.id)
        rows.append({"claim_id": claim.id, "theme_id": claim.theme, "claim": claim.paraphrase,
                     "verdict": _label(verdict), "key_numbers": key_numbers(verdict), "interviewees": len(cells),
                     **{person: cells.get(person, "") for person in people}})
    frame = pd.DataFrame(rows, columns=[*FIXED_COLUMNS, *people])
    return frame.astype({"interviewees": "int64"})
