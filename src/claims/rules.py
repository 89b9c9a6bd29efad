"""The declared set of rules a claim's tests are made of, each with a check and a plain-language sentence.

Claims in data/codebook/claims.yaml combine these rules with parameters; no claim has its own code path, so a
researcher can add or change a claim without touching Python, and every verdict can be re-run and explained.
A rule's check reads only the evidence it is given (`RuleContext`) and returns a `RuleResult`: holds True/False,
or None with what is missing. Missing data is a result, never an exception and never a shortened comparison.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from src.schema import TIDY_COLUMNS

REFRESH_COMMAND = "python -m src.ingest.refresh"
EVIDENCE_COLUMNS = [*TIDY_COLUMNS, "role"]


# ---------------------------------------------------------------------------------------------------------------
# Evidence access: the store's rows, sliced per indicator once, and the labels sentences need.
# ---------------------------------------------------------------------------------------------------------------


class _IndicatorRows:
    """One indicator's rows sorted by country and year, with each country's row span, for fast look-ups.

    Boolean masks over a wide frame cost ~1 ms each; robustness runs do thousands, so positions are found with
    numpy on the year column and rows are taken once per call.
    """

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame.sort_values(["iso3", "year"], kind="stable").reset_index(drop=True)
        self.years = self.frame["year"].to_numpy()
        codes = self.frame["iso3"].astype(str).to_numpy()
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.array([], dtype=int)
        stops = np.r_[starts[1:], len(codes)] if len(codes) else np.array([], dtype=int)
        self.spans = {codes[a]: (int(a), int(b)) for a, b in zip(starts, stops)}

    def positions(self, iso3s, years, latest_only: bool) -> list[int]:
        found: list[int] = []
        for iso3 in self.spans if iso3s is None else iso3s:
            span = self.spans.get(iso3)
            if span is None:
                continue
            low, high = span
            if years is not None:
                chunk = self.years[low:high]
                low, high = low + int(np.searchsorted(chunk, years[0], "left")), low + int(
                    np.searchsorted(chunk, years[1], "right"))
            if high > low:
                found.extend([high - 1] if latest_only else range(low, high))
        return found


class EvidenceData:
    """The store's values grouped by indicator (sliced once, reused by every rule) plus names and aggregates."""

    def __init__(self, store, catalogue: Mapping):
        values = store.values
        self.catalogue = catalogue
        self._by_indicator = {key: _IndicatorRows(rows) for key, rows in values.groupby("indicator", sort=False)}
        self._empty = pd.DataFrame(columns=list(TIDY_COLUMNS))
        countries = getattr(store, "countries", None)
        names: dict[str, str] = {}
        self.aggregates: set[str] = set()
        if countries is not None and not countries.empty:
            names.update(zip(countries["iso3"].astype(str), countries["name"].astype(str)))
            if "is_aggregate" in countries:
                self.aggregates = set(countries.loc[countries["is_aggregate"].fillna(False).astype(bool), "iso3"])
        # Names the publisher gave, for codes the country table lacks.
        firsts = values.drop_duplicates("iso3")
        for iso3, country in zip(firsts["iso3"].astype(str), firsts["country"].astype(str)):
            names.setdefault(iso3, country)
        self.names = names

    def name(self, iso3: str) -> str:
        return self.names.get(iso3, iso3)

    def has(self, indicator: str) -> bool:
        """True when the store holds any row of `indicator` (false for refresh-only series not yet downloaded)."""
        return indicator in self._by_indicator

    def rows(self, indicator: str, iso3s=None, years: tuple[int, int] | None = None) -> pd.DataFrame:
        """Tidy rows of one indicator, optionally for some countries and an inclusive year range."""
        series = self._by_indicator.get(indicator)
        if series is None:
            return self._empty
        if iso3s is None and years is None:
            return series.frame
        return series.frame.iloc[series.positions(iso3s, years, latest_only=False)]

    def latest(self, indicator: str, iso3s, years: tuple[int, int]) -> pd.DataFrame:
        """One row per country: its own latest value within `years` (countries without one are absent)."""
        series = self._by_indicator.get(indicator)
        if series is None:
            return self._empty
        return series.frame.iloc[series.positions(iso3s, years, latest_only=True)]

    def countries_only(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Drop published aggregates (regions, income groups, world) so they never count as peers."""
        return rows[~rows["iso3"].isin(self.aggregates)]


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule may look at, fixed by the user's settings.

    peers never includes the focus; benchmarks maps benchmark id -> object with low, high, label, unit, source
    (and threshold, the value the user chose, or None); proxies maps indicator id -> label naming it a proxy.
    """

    data: EvidenceData
    focus: str
    peers: tuple[str, ...]
    peer_label: str
    window: tuple[int, int]
    benchmarks: Mapping = field(default_factory=dict)
    events: pd.DataFrame | None = None
    proxies: Mapping[str, str] = field(default_factory=dict)

    @property
    def focus_name(self) -> str:
        return self.data.name(self.focus)


@dataclass(frozen=True)
class RuleResult:
    """One test's outcome. holds: True/False, or None when data is missing (then `missing` says what)."""

    rule: str
    holds: bool | None
    sentence: str
    evidence: pd.DataFrame
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    params: Mapping = field(default_factory=dict)
    context: bool = False


@dataclass(frozen=True)
class Param:
    """One parameter of a rule: kind is slot (an indicator id or a list of alternatives), slots (a list of slots),
    choice, number, int, str or bool."""

    kind: str
    required: bool = True
    choices: tuple[str, ...] = ()
    default: object = None
    help: str = ""


@dataclass(frozen=True)
class Rule:
    key: str
    title: str
    human: str
    params: Mapping[str, Param]
    check: Callable[[Mapping, RuleContext], RuleResult]


# ---------------------------------------------------------------------------------------------------------------
# Formatting helpers: numbers with units, indicator names, year ranges.
# ---------------------------------------------------------------------------------------------------------------


def format_number(value: float) -> str:
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


def format_value(value: float, unit: str) -> str:
    """A value with its unit for a sentence: (9.87, '% of GDP') -> '9.9% of GDP'; (0.54, 'index') -> '0.540'."""
    unit = (unit or "").strip()
    if unit.startswith("%"):
        return f"{value:.1f}{unit}"
    if unit.startswith("percentile"):
        return f"{value:.1f} (percentile rank)"
    number = format_number(value)
    if not unit or unit.lower().startswith(("index", "score", "rank", "estimate")):
        return number
    return f"{number} {unit}"


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


def unit_of(indicator_id: str, catalogue: Mapping, rows: pd.DataFrame | None = None) -> str:
    if rows is not None and not rows.empty and "unit" in rows:
        return str(rows["unit"].iloc[0])
    return str(getattr(catalogue.get(indicator_id), "unit", "") or "")


def year_span(years) -> str:
    years = sorted({int(y) for y in years})
    if not years:
        return ""
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}-{years[-1]}"


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def with_role(rows: pd.DataFrame, role: str) -> pd.DataFrame:
    rows = rows.copy()
    rows["role"] = role
    return rows.reindex(columns=EVIDENCE_COLUMNS)


def evidence_of(*frames: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and not f.empty]
    if not frames:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    return pd.concat(frames, ignore_index=True).reindex(columns=EVIDENCE_COLUMNS)


def missing_result(key: str, params: Mapping, what: str, notes=(), evidence=None) -> RuleResult:
    return RuleResult(
        rule=key,
        holds=None,
        sentence=f"Insufficient data: {what}.",
        evidence=evidence if evidence is not None else evidence_of(),
        missing=(what,),
        notes=tuple(notes),
        params=dict(params),
    )


# ---------------------------------------------------------------------------------------------------------------
# Indicator slots: one id, or [preferred, fallback, ...]. The first series with a value for the focus wins.
# ---------------------------------------------------------------------------------------------------------------


def slot_ids(slot) -> list[str]:
    return [slot] if isinstance(slot, str) else [str(item) for item in slot]


def resolve_slot(slot, ctx: RuleContext, years: tuple[int, int]) -> tuple[str | None, tuple[str, ...], str]:
    """Pick the series to use for one indicator slot.

    Returns:
        (indicator id or None, notes for the reader, what is missing ('' when found)).
        Notes say when a preferred series is absent because only the refresh brings it, and when the series
        used is a proxy for another concept.
    """
    catalogue = ctx.data.catalogue
    skipped: list[str] = []
    refresh_only: list[str] = []
    for indicator_id in slot_ids(slot):
        if not ctx.data.rows(indicator_id, [ctx.focus], years).empty:
            notes = []
            if skipped:
                why = (
                    f"is not in the shipped snapshot (run `{REFRESH_COMMAND}` to download it)"
                    if skipped == refresh_only
                    else f"has no value for {ctx.focus_name} in {year_span(years)}"
                )
                notes.append(f"The preferred series {_named(skipped, catalogue)} {why}; using "
                             f"{_named([indicator_id], catalogue)} instead.")
            if indicator_id in ctx.proxies:
                label = indicator_phrase(indicator_id, catalogue)
                notes.append(f"{label[0].upper() + label[1:]} is a {ctx.proxies[indicator_id]}.")
            return indicator_id, tuple(notes), ""
        entry = catalogue.get(indicator_id)
        if entry is not None and not getattr(entry, "in_snapshot", True) and not ctx.data.has(indicator_id):
            refresh_only.append(indicator_id)
        skipped.append(indicator_id)
    notes = ()
    if refresh_only:
        notes = (f"The series {_named(refresh_only, catalogue)} is not in the shipped snapshot; run "
                 f"`{REFRESH_COMMAND}` to download it.",)
    return None, notes, f"no value of {_named(skipped, catalogue)} for {ctx.focus_name} in {year_span(years)}"


def _named(indicator_ids: list[str], catalogue: Mapping) -> str:
    """'interest payments (wdi_interest_revenue, GC.XPN.INTP.RV.ZS)' for one or more series."""
    return " or ".join(
        f"{indicator_phrase(i, catalogue)} ({i}, {getattr(catalogue.get(i), 'code', '?')})" for i in indicator_ids
    )


def rule_years(params: Mapping, ctx: RuleContext) -> tuple[int, int]:
    """The settings' window, or its last `recent_years` years when the test asks for recent data only."""
    start, end = ctx.window
    recent = params.get("recent_years")
    if recent:
        start = max(start, end - int(recent) + 1)
    return start, end


def peer_latest(indicator_id: str, ctx: RuleContext, years: tuple[int, int]) -> pd.DataFrame:
    peers = [p for p in ctx.peers if p != ctx.focus]
    return ctx.data.countries_only(ctx.data.latest(indicator_id, peers, years))


def years_note(focus_year: int, peer_years) -> str:
    years = {int(y) for y in peer_years} | {int(focus_year)}
    return "" if len(years) == 1 else f" Years differ across countries ({year_span(years)}); each uses its latest."


def enough_peers(params: Mapping, wanted: int) -> int:
    """Peers needed for a fair median: `min_peers` (default 3), or all of a smaller group, and never zero."""
    return max(1, min(int(params.get("min_peers") or 3), wanted))



def compare(value: float, reference: float, direction: str) -> bool:
    return value > reference if direction == "above" else value < reference


def side_of(value: float, reference: float) -> str:
    if value > reference:
        return "above"
    if value < reference:
        return "below"
    return "equal to"


# ---------------------------------------------------------------------------------------------------------------
# The rules.
# ---------------------------------------------------------------------------------------------------------------


def check_peer_median(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue = "peer_median", ctx.data.catalogue
    years = rule_years(params, ctx)
    indicator_id, notes, missing = resolve_slot(params["indicator"], ctx, years)
    if indicator_id is None:
        return missing_result(key, params, missing, notes)
    own = ctx.data.latest(indicator_id, [ctx.focus], years).iloc[0]
    unit = unit_of(indicator_id, catalogue, ctx.data.rows(indicator_id, [ctx.focus]))
    phrase = indicator_phrase(indicator_id, catalogue)
    focus_rows = with_role(ctx.data.latest(indicator_id, [ctx.focus], years), "focus")
    opening = f"{possessive(ctx.focus_name)} {phrase} was {format_value(own['value'], unit)} in {own['year']}"
    reference = params.get("reference") or "median"
    if reference != "median":
        published = ctx.data.latest(indicator_id, [reference], years)
        if published.empty:
            what = f"no published {ctx.data.name(reference)} ({reference}) value of {phrase} in {year_span(years)}"
            return missing_result(key, params, what, notes, focus_rows)
        row = published.iloc[0]
        holds = compare(own["value"], row["value"], params["direction"])
        sentence = (
            f"{opening}, {side_of(own['value'], row['value'])} the {ctx.data.name(reference)} figure as published "
            f"({format_value(row['value'], unit)} in {row['year']})."
        )
        if int(row["year"]) != int(own["year"]):
            sentence += " The two years differ."
        evidence = evidence_of(focus_rows, with_role(published, "aggregate"))
        return RuleResult(key, holds, sentence, evidence, notes=notes, params=dict(params))
    peers = peer_latest(indicator_id, ctx, years)
    wanted = len([p for p in ctx.peers if p != ctx.focus and p not in ctx.data.aggregates])
    needed = enough_peers(params, wanted)
    if len(peers) < needed:
        what = (
            f"only {len(peers)} of the {wanted} peers ({ctx.peer_label}) have a value of {phrase} in "
            f"{year_span(years)}; at least {needed} are needed for a median"
        )
        return missing_result(key, params, what, notes, evidence_of(focus_rows, with_role(peers, "peer")))
    median = float(peers["value"].median())
    holds = compare(own["value"], median, params["direction"])
    lacking = wanted - len(peers)
    sentence = (
        f"{opening}, {side_of(own['value'], median)} the {ctx.peer_label} median of {format_value(median, unit)} "
        f"(computed over {len(peers)} countries{f'; {lacking} without a value' if lacking else ''})."
        + years_note(own["year"], peers["year"])
    )
    evidence = evidence_of(focus_rows, with_role(peers, "peer"))
    return RuleResult(key, holds, sentence, evidence, notes=notes, params=dict(params))


def benchmark_threshold(benchmark, direction: str) -> float:
    """The value tested: the user's choice, else the band's low end for 'below' and high end for 'above'."""
    chosen = getattr(benchmark, "threshold", None)
    if chosen is not None:
        return float(chosen)
    return float(benchmark.low if direction == "below" else benchmark.high)


def check_benchmark(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue = "benchmark", ctx.data.catalogue
    benchmark = ctx.benchmarks.get(params["benchmark"])
    if benchmark is None:
        return missing_result(key, params, f"no benchmark {params['benchmark']!r} in data/catalogue/benchmarks.yaml")
    years = rule_years(params, ctx)
    indicator_id, notes, missing = resolve_slot(params["indicator"], ctx, years)
    if indicator_id is None:
        return missing_result(key, params, missing, notes)
    latest = ctx.data.latest(indicator_id, [ctx.focus], years)
    own = latest.iloc[0]
    unit = unit_of(indicator_id, catalogue, latest)
    direction = params["direction"]
    threshold = benchmark_threshold(benchmark, direction)
    if direction == "within":
        holds = bool(benchmark.low <= own["value"] <= benchmark.high)
        where = "inside" if holds else "outside"
        tested = f"{where} {benchmark.label}"
    else:
        holds = compare(own["value"], threshold, direction)
        tested = f"{side_of(own['value'], threshold)} {format_value(threshold, unit)} ({benchmark.label})"
    sentence = (
        f"{possessive(ctx.focus_name)} {indicator_phrase(indicator_id, catalogue)} was "
        f"{format_value(own['value'], unit)} in {own['year']}, {tested}."
    )
    return RuleResult(key, holds, sentence, with_role(latest, "focus"), notes=notes, params=dict(params))


def latest_common_year(ctx: RuleContext, iso3: str, years, indicator_ids) -> tuple[int, list[pd.DataFrame]] | None:
    """Latest year in `years` where `iso3` has every series: (year, one row per series that year), else None."""
    frames = [ctx.data.rows(i, [iso3], years) for i in indicator_ids]
    if any(f.empty for f in frames):
        return None
    common = set(frames[0]["year"])
    for frame in frames[1:]:
        common &= set(frame["year"])
    if not common:
        return None
    year = max(common)
    used = [f[f["year"] == year] for f in frames]
    return year, used


def check_other_indicator(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue = "other_indicator", ctx.data.catalogue
    years = rule_years(params, ctx)
    notes: list[str] = []
    chosen: list[str] = []
    for slot in [params["indicator"], *params["other"]]:
        indicator_id, slot_notes, missing = resolve_slot(slot, ctx, years)
        notes.extend(slot_notes)
        if indicator_id is None:
            return missing_result(key, params, missing, notes)
        chosen.append(indicator_id)
    main, others = chosen[0], chosen[1:]
    unit = unit_of(main, catalogue, ctx.data.rows(main, [ctx.focus]))
    main_phrase = indicator_phrase(main, catalogue)
    others_phrase = " plus ".join(indicator_phrase(i, catalogue) for i in others)

    def pair(iso3: str):
        found = latest_common_year(ctx, iso3, years, chosen)
        if found is None:
            return None
        year, used = found
        main_value = float(used[0]["value"].iloc[0])
        other_value = float(sum(float(u["value"].iloc[0]) for u in used[1:]))
        return year, main_value, other_value, used

    own = pair(ctx.focus)
    if own is None:
        what = f"no single year in {year_span(years)} with both {main_phrase} and {others_phrase} for {ctx.focus_name}"
        return missing_result(key, params, what, notes)
    year, main_value, other_value, used = own
    focus_rows = evidence_of(*[with_role(u, "focus") for u in used])
    parts = " + ".join(format_value(float(u["value"].iloc[0]), unit) for u in used[1:])
    if params.get("versus", "self") == "self":
        holds = compare(main_value, other_value, params["direction"])
        summed = f"{parts} = {format_value(other_value, unit)}" if len(used) > 2 else parts
        sentence = (
            f"In {year}, {possessive(ctx.focus_name)} {main_phrase} was {format_value(main_value, unit)}, "
            f"{side_of(main_value, other_value)} its {others_phrase} ({summed})."
        )
        return RuleResult(key, holds, sentence, focus_rows, notes=tuple(notes), params=dict(params))
    if other_value == 0:
        return missing_result(key, params, f"{others_phrase} is zero for {ctx.focus_name} in {year}", notes)
    ratio = main_value / other_value
    peer_rows, ratios, peer_years = [], [], []
    for iso3 in ctx.peers:
        if iso3 == ctx.focus or iso3 in ctx.data.aggregates:
            continue
        found = pair(iso3)
        if found is None or found[2] == 0:
            continue
        ratios.append(found[1] / found[2])
        peer_years.append(found[0])
        peer_rows.extend(with_role(u, "peer") for u in found[3])
    wanted = len([p for p in ctx.peers if p != ctx.focus and p not in ctx.data.aggregates])
    needed = enough_peers(params, wanted)
    if len(ratios) < needed:
        what = (
            f"only {len(ratios)} of the {wanted} peers ({ctx.peer_label}) have both {main_phrase} and "
            f"{others_phrase} in one year of {year_span(years)}; at least {needed} are needed"
        )
        return missing_result(key, params, what, notes, focus_rows)
    median = float(pd.Series(ratios).median())
    holds = compare(ratio, median, params["direction"])
    sentence = (
        f"In {year}, {possessive(ctx.focus_name)} {main_phrase} was {ratio:.2f} times its {others_phrase} "
        f"(computed), {side_of(ratio, median)} the {ctx.peer_label} median ratio of {median:.2f} "
        f"(computed over {len(ratios)} countries)." + years_note(year, peer_years)
    )
    evidence = evidence_of(focus_rows, *peer_rows)
    return RuleResult(key, holds, sentence, evidence, notes=tuple(notes), params=dict(params))


def check_trend(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue = "trend", ctx.data.catalogue
    years = rule_years(params, ctx)
    indicator_id, notes, missing = resolve_slot(params["indicator"], ctx, years)
    if indicator_id is None:
        return missing_result(key, params, missing, notes)
    rows = ctx.data.rows(indicator_id, [ctx.focus], years).sort_values("year")
    min_span = int(params.get("min_span") or 3)
    phrase = indicator_phrase(indicator_id, catalogue)
    if len(rows) < 2 or int(rows["year"].iloc[-1]) - int(rows["year"].iloc[0]) < min_span:
        what = (
            f"{ctx.focus_name} has {len(rows)} value(s) of {phrase} in {year_span(years)}; a trend needs two "
            f"at least {min_span} years apart"
        )
        return missing_result(key, params, what, notes, with_role(rows, "focus"))
    first, last = rows.iloc[0], rows.iloc[-1]
    change = float(last["value"] - first["value"])
    min_change = float(params.get("min_change") or 0.0)
    holds = change > min_change if params["direction"] == "rising" else change < -min_change
    unit = unit_of(indicator_id, catalogue, rows)
    moved = "rose" if change > 0 else "fell" if change < 0 else "stayed"
    sentence = (
        f"{possessive(ctx.focus_name)} {phrase} {moved} from {format_value(first['value'], unit)} in {first['year']} "
        f"to {format_value(last['value'], unit)} in {last['year']} (change {change:+.2f}"
        f"{'; gaps in between' if len(rows) < int(last['year']) - int(first['year']) + 1 else ''})."
    )
    return RuleResult(key, holds, sentence, with_role(rows, "focus"), notes=notes, params=dict(params))


def check_percentile_band(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue = "percentile_band", ctx.data.catalogue
    years = rule_years(params, ctx)
    indicator_id, notes, missing = resolve_slot(params["indicator"], ctx, years)
    if indicator_id is None:
        return missing_result(key, params, missing, notes)
    latest = ctx.data.latest(indicator_id, [ctx.focus], years)
    own = latest.iloc[0]
    low, high = float(params["low"]), float(params["high"])
    phrase = indicator_phrase(indicator_id, catalogue)
    evidence = with_role(latest, "focus")
    if params.get("published"):
        percentile = float(own["value"])
        how = f"at percentile {percentile:.1f} (as published)"
    else:
        same_year = ctx.data.countries_only(ctx.data.rows(indicator_id, years=(int(own["year"]), int(own["year"]))))
        others = same_year[same_year["iso3"] != ctx.focus]
        if len(others) < 10:
            what = f"only {len(others)} other countries have a value of {phrase} in {own['year']} to rank against"
            return missing_result(key, params, what, notes, evidence)
        lower = int((others["value"] < own["value"]).sum())
        percentile = 100.0 * lower / len(others)
        unit = unit_of(indicator_id, catalogue, latest)
        how = (
            f"{format_value(own['value'], unit)}, higher than {lower} of the {len(others)} other countries with a "
            f"value that year (percentile {percentile:.1f}, computed)"
        )
    holds = low <= percentile <= high
    inside = "inside" if holds else "outside"
    sentence = f"{possessive(ctx.focus_name)} {phrase} in {own['year']} was {how}, {inside} the {low:g}-{high:g} band."
    return RuleResult(key, holds, sentence, evidence, notes=notes, params=dict(params))


def check_largest_share(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue = "largest_share", ctx.data.catalogue
    years = rule_years(params, ctx)
    notes: list[str] = []
    chosen = []
    for slot in [params["indicator"], *params["others"]]:
        indicator_id, slot_notes, missing = resolve_slot(slot, ctx, years)
        notes.extend(slot_notes)
        if indicator_id is None:
            return missing_result(key, params, missing, notes)
        chosen.append((indicator_id, ctx.data.latest(indicator_id, [ctx.focus], years)))
    (main_id, main_rows), others = chosen[0], chosen[1:]
    main = main_rows.iloc[0]
    holds = all(main["value"] > rows.iloc[0]["value"] for _, rows in others)
    unit = unit_of(main_id, catalogue, main_rows)

    def said(indicator_id, row):
        value = format_value(row["value"], unit_of(indicator_id, catalogue))
        return f"{indicator_phrase(indicator_id, catalogue)} ({value} in {row['year']})"

    rest = " and ".join(said(i, rows.iloc[0]) for i, rows in others)
    largest = "larger than" if holds else "not larger than all of"
    sentence = f"{possessive(ctx.focus_name)} {said(main_id, main)} is {largest} {rest}."
    all_years = {int(rows.iloc[0]["year"]) for _, rows in chosen}
    if len(all_years) > 1:
        sentence += f" The years differ ({year_span(all_years)}); each is the latest available."
    evidence = evidence_of(*[with_role(rows, "focus") for _, rows in chosen])
    return RuleResult(key, holds, sentence, evidence, notes=tuple(notes), params=dict(params))


def check_share_of_years(params: Mapping, ctx: RuleContext) -> RuleResult:
    key = "share_of_years"
    kind, since, until = params["kind"], int(params["since"]), int(ctx.window[1])
    events = ctx.events
    if events is None or events.empty:
        return missing_result(key, params, "no events table (data/catalogue/events.csv) was given")
    mine = events[(events["kind"] == kind) & events["countries"].map(lambda c: ctx.focus in str(c).split())]
    label = kind.replace("_", " ")
    if mine.empty:
        what = (f"data/catalogue/events.csv lists no {label} periods for {ctx.focus_name}, "
                "so the share cannot be counted")
        return missing_result(key, params, what)
    spans, total_years = [], 0
    for event in mine.sort_values("start_year").to_dict("records"):
        end = until if pd.isna(event["end_year"]) else min(int(event["end_year"]), until)
        start = max(int(event["start_year"]), since)
        if end > start:
            total_years += end - start
            spans.append((start, end, event))
    period = until - since
    share = total_years / period if period > 0 else 0.0
    low, high = float(params["low"]), float(params["high"])
    holds = low <= share <= high
    listed = ", ".join(f"{s}-{e}" for s, e, _ in spans) or "none in the period"
    sentence = (
        f"{ctx.focus_name} was under {label} for {total_years} of the {period} years from {since} to {until} "
        f"({share:.0%}, counted from data/catalogue/events.csv: {listed}), "
        f"{'inside' if holds else 'outside'} the {low:.0%}-{high:.0%} range the claim implies."
    )
    evidence = pd.DataFrame(
        [
            {
                "iso3": ctx.focus,
                "country": ctx.focus_name,
                "year": start,
                "indicator": f"event:{kind}",
                "value": float(end - start),
                "unit": "years",
                "source": event["source"],
                "code": event["label"],
                "file": "data/catalogue/events.csv",
                "note": f"{start}-{end}",
                "computed": True,
                "role": "focus",
            }
            for start, end, event in spans
        ],
        columns=EVIDENCE_COLUMNS,
    )
    return RuleResult(key, holds, sentence, evidence, params=dict(params))


SLOT = Param("slot", help="indicator id, or [preferred, fallback, ...]")
DIRECTION = Param("choice", choices=("above", "below"))
RECENT = Param("int", required=False, help="use only the last N years of the window")
MIN_PEERS = Param("int", required=False, default=3, help="fewest peers with data for a median")

RULES: tuple[Rule, ...] = (
    Rule(
        key="peer_median",
        title="Compare with the peer median (or a published aggregate)",
        human="{focus}'s latest {indicator} is {direction} the median of its peers' latest values "
        "(or, with `reference`, the published aggregate such as World).",
        params={"indicator": SLOT, "direction": DIRECTION, "reference": Param("str", required=False, default="median"),
                "recent_years": RECENT, "min_peers": MIN_PEERS},
        check=check_peer_median,
    ),
    Rule(
        key="benchmark",
        title="Compare with a benchmark",
        human="{focus}'s latest {indicator} is {direction} the benchmark value "
        "(the user may move it within its range).",
        params={"indicator": SLOT, "benchmark": Param("str"),
                "direction": Param("choice", choices=("above", "below", "within")), "recent_years": RECENT},
        check=check_benchmark,
    ),
    Rule(
        key="other_indicator",
        title="Compare with another indicator",
        human="In the latest year with all series, {focus}'s {indicator} is {direction} the sum of the other "
        "series; with versus: peer_median, the ratio of the two is {direction} the peers' median ratio.",
        params={"indicator": SLOT, "other": Param("slots"), "direction": DIRECTION,
                "versus": Param("choice", required=False, choices=("self", "peer_median"), default="self"),
                "recent_years": RECENT, "min_peers": MIN_PEERS},
        check=check_other_indicator,
    ),
    Rule(
        key="trend",
        title="Trend over the window",
        human="{focus}'s {indicator} is {direction} between its first and last value in the window "
        "(at least `min_span` years apart).",
        params={"indicator": SLOT, "direction": Param("choice", choices=("rising", "falling")),
                "min_change": Param("number", required=False, default=0.0),
                "min_span": Param("int", required=False, default=3), "recent_years": RECENT},
        check=check_trend,
    ),
    Rule(
        key="percentile_band",
        title="Rank / percentile band",
        human="{focus}'s latest {indicator} sits in the percentile band low-high among all countries "
        "(as published for WGI percentile ranks, computed from the values otherwise).",
        params={"indicator": SLOT, "low": Param("number"), "high": Param("number"),
                "published": Param("bool", required=False, default=False), "recent_years": RECENT},
        check=check_percentile_band,
    ),
    Rule(
        key="largest_share",
        title="Largest of several shares",
        human="{focus}'s latest {indicator} is larger than each of the other shares (each at its own latest year).",
        params={"indicator": SLOT, "others": Param("slots"), "recent_years": RECENT},
        check=check_largest_share,
    ),
    Rule(
        key="share_of_years",
        title="Share of years with an event",
        human="The years of {kind} events for {focus} since {since}, divided by the years since then, "
        "fall in low-high.",
        params={"kind": Param("str"), "since": Param("int"), "low": Param("number"), "high": Param("number")},
        check=check_share_of_years,
    ),
)
RULES_BY_KEY: dict[str, Rule] = {rule.key: rule for rule in RULES}


def _is_slot(value) -> bool:
    """An indicator slot: one id, or a non-empty list of ids (preferred first)."""
    if isinstance(value, str):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def param_problems(rule: Rule, params: Mapping) -> list[str]:
    """What is wrong with `params` for `rule` (empty when fine): unknown or missing names, wrong kinds."""
    problems = [f"unknown parameter {name!r}" for name in params if name not in rule.params]
    for name, spec in rule.params.items():
        if name not in params:
            if spec.required:
                problems.append(f"missing parameter {name!r}")
            continue
        value = params[name]
        if spec.kind == "slot" and not _is_slot(value):
            problems.append(f"{name!r} must be an indicator id or a list of ids")
        elif spec.kind == "slots" and not (isinstance(value, list) and value and all(_is_slot(v) for v in value)):
            problems.append(f"{name!r} must be a list of indicator ids (or of lists of ids)")
        elif spec.kind == "choice" and value not in spec.choices:
            problems.append(f"{name!r} is {value!r}; use one of {list(spec.choices)}")
        elif spec.kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(f"{name!r} must be a number")
        elif spec.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"{name!r} must be a whole number")
        elif spec.kind == "bool" and not isinstance(value, bool):
            problems.append(f"{name!r} must be true or false")
        elif spec.kind == "str" and not isinstance(value, str):
            problems.append(f"{name!r} must be text")
    return problems


def indicator_ids_in(rule: Rule, params: Mapping) -> list[str]:
    """Every indicator id a test's parameters name (all alternatives of every slot)."""
    ids: list[str] = []
    for name, spec in rule.params.items():
        if name not in params:
            continue
        if spec.kind == "slot":
            ids.extend(slot_ids(params[name]))
        elif spec.kind == "slots":
            for slot in params[name]:
                ids.extend(slot_ids(slot))
    return ids
