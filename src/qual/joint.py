"""The joint display: each claim the data can test, its verdict and key numbers beside the interviewees and
coded excerpts that speak to it (claims x interviewees, each cell the excerpts). The mixed-methods view no QDA tool
offers against public data; a pure function on tables, so the page shows it and the CSV download is the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
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
    values, years = evidence["value"].to_numpy(), evidence["year"].to_numpy()
    if values.dtype.kind == "f" and years.dtype.kind in "iu":
        latest = _latest_focus_rows(evidence, values, years)
    else:  # years with gaps or values of another type: pandas' own way
        rows = evidence[evidence["role"] == "focus"] if "role" in evidence else evidence
        rows = rows[["indicator", "value", "year"]]
        rows = rows.dropna(subset=["value"]).sort_values("year").groupby("indicator", sort=False).tail(1)
        latest = list(rows.itertuples(index=False, name=None))
    parts = [f"{indicator} {value:.3g} ({int(year)})" for indicator, value, year in latest]
    return "; ".join(parts[:limit])


def _latest_focus_rows(evidence: pd.DataFrame, values: np.ndarray, years: np.ndarray) -> list[tuple]:
    """(indicator, value, year) of each indicator's latest focus row with a value, as
    `rows.dropna(subset=["value"]).sort_values("year").groupby("indicator", sort=False).tail(1)` gives them (the
    same quicksort of the years, so rows of one year keep pandas' order; rows without an indicator left out), from
    arrays: a dozen pandas calls were most of a joint display."""
    kept = ~np.isnan(values)
    if "role" in evidence:
        kept &= (evidence["role"] == "focus").to_numpy(dtype=bool, na_value=False)
    positions = np.flatnonzero(kept)
    order = positions[years[positions].argsort(kind="quicksort")].tolist()
    indicators = evidence["indicator"].tolist()
    last = {}
    for position in order:
        if not _is_na(indicators[position]):
            last[indicators[position]] = position
    chosen = set(last.values())
    values_list, years_list = values.tolist(), years.tolist()
    return [(indicators[p], values_list[p], years_list[p]) for p in order if p in chosen]


# What tells one coded excerpt from another (the interviewee first), and what its text shows.
_EXCERPT_FIELDS = ("interviewee", "document", "code_path", "excerpt", "position")
_NA = object()  # one key for every missing value, as pandas' drop_duplicates treats them


def _is_na(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


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
    themes = mapped["theme_id"].fillna("").tolist()
    # Each coding once, as itertuples gives it, with its duplicate key (NA values alike, as drop_duplicates has
    # them); each claim then picks its rows in file order, instead of filtering, de-duplicating and grouping frames.
    codings = list(mapped[list(_EXCERPT_FIELDS)].itertuples(index=False, name="Coding"))
    keys = [tuple(_NA if _is_na(value) else value for value in coding) for coding in codings]
    rows = []
    for claim in claims:
        wanted = {*getattr(claim, "indicators", ()), *getattr(claim, "preferred", ())}
        seen: set[tuple] = set()
        excerpts: dict[Any, list[str]] = {}
        for position, coding in enumerate(codings):
            if themes[position] != claim.theme and not indicator_sets[position] & wanted:
                continue
            if keys[position] in seen:
                continue  # the same excerpt under the same code again (drop_duplicates keeps the first)
            seen.add(keys[position])
            if not _is_na(coding.interviewee):  # groupby leaves out rows with no interviewee
                excerpts.setdefault(coding.interviewee, []).append(_excerpt_text(coding))
        cells = {person: EXCERPT_SEPARATOR.join(texts) for person, texts in excerpts.items()}
        if only_with_excerpts and not cells:
            continue
        verdict = verdicts.get(claim.id)
        rows.append({"claim_id": claim.id, "theme_id": claim.theme, "claim": claim.paraphrase,
                     "verdict": _label(verdict), "key_numbers": key_numbers(verdict), "interviewees": len(cells),
                     **{person: cells.get(person, "") for person in people}})
    frame = pd.DataFrame(rows, columns=[*FIXED_COLUMNS, *people])
    return frame.astype({"interviewees": "int64"})
