"""How numbers, series and years read in a sentence or a chart label: one formatter, so a value prints the same
everywhere (a verdict's sentence, a bar's label, a page's metric).

Pure functions on plain values and the indicator catalogue; no data access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# The command that downloads the series the shipped snapshot lacks, named in notes and missing-data sentences.
REFRESH_COMMAND = "python -m src.ingest.refresh"


def format_number(value: float) -> str:
    """A number as people read it: 2.35 billion, 4.1 million, 12,345, 45.7, 3.14, 0.540."""
    magnitude = abs(value)
    if magnitude >= 1e9:
        return f"{value / 1e9:.2f} billion"
    if magnitude >= 1e6:
        return f"{value / 1e6:.1f} million"
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def format_amount(value: float, unit: str = "", decimals: int | None = None) -> str:
    """The number exactly as `format_value` prints it, without the unit's words (for chart labels, whose axis
    names the unit): percentages and percentile ranks to one decimal, everything else by `format_number`;
    `decimals` forces that many decimals (see `format_pair`)."""
    unit = (unit or "").strip()
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    if unit.startswith(("%", "percentile")):
        return f"{value:.1f}"
    return format_number(value)


def format_value(value: float, unit: str = "", decimals: int | None = None) -> str:
    """A value with its unit: (9.87, '% of GDP') -> '9.9% of GDP'; (0.54, 'index') -> '0.540'; (0.54,) -> '0.540'."""
    unit = (unit or "").strip()
    number = format_amount(value, unit, decimals)
    if unit.startswith("%"):
        return f"{number}{unit}"
    if unit.startswith("percentile"):
        return f"{number} (percentile rank)"
    if not unit or unit.lower().startswith(("index", "score", "rank", "estimate")):
        return number
    return f"{number} {unit}"


def format_pair(value: float, reference: float, unit: str = "") -> tuple[str, str]:
    """Both values with their unit, with enough decimals that two different values never print the same (so
    "below" never reads "1.6% below 1.6%"); the usual format when it already tells them apart."""
    first, second = format_value(value, unit), format_value(reference, unit)
    if first != second or value == reference:
        return first, second
    for decimals in range(1, 7):
        first, second = format_value(value, unit, decimals), format_value(reference, unit, decimals)
        if first != second:
            break
    return first, second


def indicator_phrase(indicator_id: str, catalogue: Mapping) -> str:
    """'tax revenue' from 'Tax revenue (% of GDP)': a name that reads well inside a sentence."""
    entry = catalogue.get(indicator_id)
    name = getattr(entry, "short_name", "") or indicator_id
    name = re.sub(r"\s*\([^)]*\)", "", name).strip() or name
    if " " not in name and entry is not None:
        # One word ('Military') reads badly in a sentence: use the full name up to its first comma instead.
        name = re.sub(r"\s*\([^)]*\)", "", entry.name.split(",")[0]).strip() or name
    words = name.split()
    # Lower-case a common noun ('Tax revenue'), not a proper name ('Human Development Index') or acronym ('HDI').
    if len(name) > 1 and not name[:2].isupper() and not any(w[:1].isupper() for w in words[1:]):
        name = name[0].lower() + name[1:]
    return name


def named_series(indicator_ids: Iterable[str], catalogue: Mapping) -> str:
    """'interest payments (wdi_interest_revenue, GC.XPN.INTP.RV.ZS)' for one or more series, joined by 'or'."""
    return " or ".join(
        f"{indicator_phrase(i, catalogue)} ({i}, {getattr(catalogue.get(i), 'code', '?')})" for i in indicator_ids
    )


def unit_of(indicator_id: str, catalogue: Mapping) -> str:
    """The catalogue's unit of a series ('' when it declares none)."""
    return str(getattr(catalogue.get(indicator_id), "unit", "") or "")


def year_span(years) -> str:
    """'2015-2024' for several years, '2019' for one, '' for none."""
    years = sorted({int(y) for y in years})
    if not years:
        return ""
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}-{years[-1]}"


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def capitalised(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


def side_of(value: float, reference: float) -> str:
    if value > reference:
        return "above"
    if value < reference:
        return "below"
    return "equal to"


def years_note(focus_year: int, peer_years) -> str:
    """' Years differ across countries (2019-2022); each uses its latest.' when they do, else ''."""
    years = {int(y) for y in peer_years} | {int(focus_year)}
    return "" if len(years) == 1 else f" Years differ across countries ({year_span(years)}); each uses its latest."
