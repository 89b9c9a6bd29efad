"""The Overview's "at a glance": each checkable claim with its verdict and the focus country's latest numbers.

Why this module: a student's first questions (military against health and education, debt, tax, HDI rank,
governance) are the study's claims, so the answers come from the verdicts' own evidence rows, each number with its
year, plus the HDI rank "r of N" from the store. Nothing here is typed in: claims, indicators and values are read
from the codebook, the catalogue, the verdicts and the store. No Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from src.claims.prose import format_number

# The concept of UNDP's published HDI rank in the indicator catalogue (data/catalogue/indicators/undp_hdr.yaml).
OFFICIAL_HDI_RANK_CONCEPT = "hdi_rank_official"


@dataclass(frozen=True)
class GlanceRow:
    """One claim at a glance: its id, paraphrase, verdict status and label, and its key numbers as text."""

    claim_id: str
    theme: str
    paraphrase: str
    status: str
    label: str
    numbers: tuple[str, ...]


def latest_focus_numbers(evidence: pd.DataFrame | None, indicators: Mapping, *, limit: int = 4) -> tuple[str, ...]:
    """'Military spending (% of government spending): 14.5 (2023)' for each indicator the verdict used for the
    focus country, its latest year only, in the order the verdict used them."""
    if evidence is None or evidence.empty or "role" not in evidence:
        return ()
    # A verdict's evidence is a few dozen rows: one pass over plain lists costs a fraction of pandas filtering,
    # sorting and grouping per claim (~0.1 s of the Overview's first run for 17 claims).
    computed = evidence["computed"].tolist() if "computed" in evidence else [False] * len(evidence)
    latest: dict[str, tuple] = {}  # indicator -> (year, value, computed), in the order the verdict used them
    columns = (evidence[c].tolist() for c in ("role", "indicator", "year", "value"))
    for role, indicator_id, year, value, is_computed in zip(*columns, computed):
        if role != "focus" or pd.isna(value):
            continue
        seen = latest.get(indicator_id)
        if seen is None or year >= seen[0]:  # the latest year; of equal years, the later row
            latest[indicator_id] = (year, value, is_computed)
    # Only catalogue series: a rule's own rows (e.g. counted years of military rule) have no short name to show.
    texts = []
    for indicator_id in [i for i in latest if i in indicators][:limit]:
        year, value, is_computed = latest[indicator_id]
        name = getattr(indicators.get(indicator_id), "short_name", indicator_id)
        shown = " (computed)" if bool(is_computed) else ""
        texts.append(f"{name}: {format_number(float(value))}{shown} ({int(year)})")
    return tuple(texts)


def hdi_rank_text(store, focus: str, indicators: Mapping, countries: Iterable[str]) -> str:
    """'UNDP HDI rank: 164 of 193 (2022)' from the latest published rank; '' when the store has none."""
    rank_ids = [i.id for i in indicators.values() if i.concept == OFFICIAL_HDI_RANK_CONCEPT and store.has(i.id)]
    if not rank_ids:
        return ""
    mine = store.latest(rank_ids[0], [focus])
    if mine.empty:
        return ""
    year = int(mine.iloc[0]["year"])
    ranked = store.series(rank_ids[0], None, (year, year))
    total = ranked.loc[ranked["iso3"].isin(set(countries)), "iso3"].nunique()
    return f"{indicators[rank_ids[0]].short_name}: {mine.iloc[0]['value']:.0f} of {total} ({year})"


def glance_rows(claims: Iterable, verdicts: Mapping, indicators: Mapping, *, extra: Mapping[str, str] | None = None,
                labels: Mapping[str, str]) -> list[GlanceRow]:
    """Every checkable claim in codebook order with its verdict and key numbers.

    Args:
        claims: the codebook's claims.
        verdicts: claim id -> Verdict (status, evidence).
        indicators: the indicator catalogue (short names).
        extra: claim id -> one more number to show first (the HDI rank for the HDI claim).
        labels: verdict status -> label.
    """
    rows = []
    for claim in claims:
        verdict = verdicts.get(claim.id)
        status = getattr(verdict, "status", "")
        numbers = latest_focus_numbers(getattr(verdict, "evidence", None), indicators)
        if extra and extra.get(claim.id):
            numbers = (extra[claim.id], *numbers)
        if not numbers and getattr(verdict, "sentence", ""):
            numbers = (str(verdict.sentence),)
        # The claim as the Claims board words it: for the focus country where the codebook gives a title.
        shown = getattr(verdict, "title", "") or claim.paraphrase
        rows.append(GlanceRow(claim.id, claim.theme, shown, status, labels.get(status, "not evaluated"),
                              numbers))
    return rows


def claims_on_concept(claims: Iterable, indicators: Mapping, concept: str) -> list[str]:
    """The ids of claims that test an indicator of `concept` (e.g. the HDI claim, which gets the rank shown)."""
    return [c.id for c in claims if any(getattr(indicators.get(i), "concept", "") == concept for i in c.indicators)]
