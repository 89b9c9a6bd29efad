"""The declared set of rules a claim's tests are made of, each with a check and a plain-language sentence.

Claims in data/codebook/claims.yaml combine these rules with parameters; no claim has its own code path, so a
researcher can add or change a claim without touching Python, and every verdict can be re-run and explained.
A rule's check reads only the evidence it is given (`RuleContext`, whose store answers every query) and returns a
`RuleResult`: holds True/False, or None with what is missing. Missing data is a result, never an exception and
never a shortened comparison. Sentences are built with src/claims/prose.py, queries with src/claims/evidence.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from src.claims.evidence import (
    EVIDENCE_COLUMNS,
    Evidence,
    RuleContext,
    RuleResult,
    Tagged,
    countries_found,
    enough_peers,
    judge,
    latest_common_year,
    missing_result,
    resolve_slot,
    rule_years,
    stacked,
    tagged,
    tolerance_for,
    unit_found,
    with_role,
)
from src.claims.prose import (
    REFRESH_COMMAND,
    format_pair,
    format_value,
    indicator_phrase,
    possessive,
    side_of,
    unit_of,
    year_span,
    years_note,
)
from src.study.rule_specs import RULE_SPECS, Param, RuleSpec, indicator_ids_in, param_problems, slot_ids

__all__ = [
    "REFRESH_COMMAND", "RULES", "RULES_BY_KEY", "Param", "Rule", "RuleContext", "RuleResult", "format_value",
    "indicator_ids_in", "param_problems", "slot_ids",
]

# How a note about a benchmark nobody checked against its source begins (the verdict's caption repeats it).
UNVERIFIED_BENCHMARK = "Unverified benchmark:"


@dataclass(frozen=True)
class Rule(RuleSpec):
    """A declared rule (src/study/rule_specs.py) paired with the check that runs it."""

    check: Callable[[Mapping, RuleContext], RuleResult]


@dataclass(frozen=True)
class Opening:
    """What every check starts from: the years it uses, the series chosen for each slot, the notes so far, the
    proxy series among them, and `missing`, the result to return at once when a slot has no series with a value
    for the focus."""

    years: tuple[int, int]
    indicator_ids: tuple[str, ...]
    notes: tuple[str, ...]
    missing: RuleResult | None = None
    proxies: tuple[str, ...] = ()


def open_check(key: str, params: Mapping, ctx: RuleContext, slots=None) -> Opening:
    """Resolve the test's slots (`params["indicator"]` by default) in its years, stopping at the first missing."""
    years = rule_years(params, ctx)
    notes: list[str] = []
    chosen: list[str] = []
    for slot in [params["indicator"]] if slots is None else slots:
        indicator_id, slot_notes, missing = resolve_slot(slot, ctx, years)
        notes.extend(slot_notes)
        if indicator_id is None:
            return Opening(years, tuple(chosen), tuple(notes), missing_result(key, params, missing, notes))
        chosen.append(indicator_id)
    return Opening(years, tuple(chosen), tuple(notes), proxies=tuple(i for i in chosen if i in ctx.proxies))


def result_of(key: str, params: Mapping, start: Opening, verdict: tuple[bool | None, bool], sentence: str,
              evidence: pd.DataFrame | Evidence, key_fact: str = "") -> RuleResult:
    holds, too_close = verdict
    return RuleResult(key, holds, sentence, evidence, notes=tuple(start.notes), params=dict(params),
                      too_close=too_close, proxies=start.proxies, key_fact=key_fact)


def fact(value: float, unit: str, year) -> str:
    """The key number as the pages show it: '14.5% of government spending (2023)'."""
    return f"{format_value(value, unit)} ({year})"


def compared(value: float, reference: float, unit: str, verdict: tuple[bool | None, bool], how: str) -> str:
    """'above 3.1% of GDP' or, when too close, 'within <how> of 3.1% of GDP (too close to call)', with enough
    decimals that the two values never print alike."""
    mine, theirs = format_pair(value, reference, unit)
    if verdict[1]:
        return f"{mine}, within {how} of {theirs} (too close to call)"
    return f"{mine}, {side_of(value, reference)} {theirs}"


# ---------------------------------------------------------------------------------------------------------------
# The rules.
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Summary:
    """One entry per country (in `iso3s`' order): its value, the latest year used and the years with a value.
    `found`: the store rows behind it (`Store.find`) when each value is a country's latest; None for means."""

    iso3s: list[str]
    values: np.ndarray
    years: np.ndarray
    n_years: np.ndarray
    found: object = None

    def __len__(self) -> int:
        return len(self.iso3s)

    def row(self, position: int) -> dict:
        return {"iso3": self.iso3s[position], "value": self.values[position], "year": self.years[position],
                "n_years": self.n_years[position]}

    def countries_only(self, store) -> Summary:
        """Without published aggregates (they never count as peers)."""
        if store.aggregates.isdisjoint(self.iso3s):
            return self
        keep = np.array([c not in store.aggregates for c in self.iso3s], dtype=bool)
        return Summary([c for c, k in zip(self.iso3s, keep) if k], self.values[keep], self.years[keep],
                       self.n_years[keep], None if self.found is None else self.found.subset(keep))


def summarised(indicator_id: str, iso3s, ctx: RuleContext, years, params) -> Summary:
    """Per country: its latest value in `years`, or (summary: mean) its mean over them, with `year` the latest
    year used and `n_years` the years with a value; countries with fewer than `min_years` are left out."""
    if (params.get("summary") or "latest") == "latest":
        found = ctx.store.find(indicator_id, list(iso3s), years, latest_only=True)
        return Summary(found.iso3s, found.values, found.years, np.ones(len(found), dtype=np.int64), found)
    iso3s = list(iso3s)
    needed = int(params.get("min_years") or min(3, years[1] - years[0] + 1))
    found = ctx.store.find(indicator_id, iso3s, years)
    if not len(found):
        return Summary([], np.array([], dtype=float), np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    if len(set(iso3s)) != len(iso3s):
        return pandas_means(found.frame(), needed)
    # The means are pandas' own groupby mean over the values in the order `rows.sort_values("year")` gives
    # (its sums depend on how the countries' rows interleave), so every digit matches the frame-based way.
    row_iso3s, row_years, row_values = found.iso3s, found.years, found.values
    starts = [0] + [i for i in range(1, len(row_iso3s)) if row_iso3s[i] != row_iso3s[i - 1]]
    stops = [*starts[1:], len(row_iso3s)]
    group_of_row = np.repeat(np.arange(len(starts)), np.diff([*starts, len(row_iso3s)]))
    by_year = np.argsort(row_years, kind="quicksort")  # what sort_values("year") uses
    means = pd.Series(row_values[by_year]).groupby(group_of_row[by_year]).mean().to_numpy()
    # Countries in the order their latest row comes in that sorted order (what groupby.tail gave).
    rank = np.empty(len(row_years), dtype=np.intp)
    rank[by_year] = np.arange(len(row_years))
    order = sorted(range(len(starts)), key=lambda g: int(rank[starts[g]:stops[g]].max()))
    kept = [g for g in order if stops[g] - starts[g] >= needed]
    return Summary([row_iso3s[starts[g]] for g in kept], means[kept].astype(float),
                   np.array([row_years[stops[g] - 1] for g in kept], dtype=row_years.dtype),
                   np.array([stops[g] - starts[g] for g in kept], dtype=np.int64))


def pandas_means(rows: pd.DataFrame, needed: int) -> Summary:
    """Per-country means the pandas way (kept for look-ups that name a country twice)."""
    grouped = rows.sort_values("year").groupby("iso3", observed=True)
    means = grouped.tail(1).set_index("iso3").copy()
    means["value"] = grouped["value"].mean()
    means["n_years"] = grouped["year"].nunique()
    means = means[means["n_years"] >= needed].reset_index()
    return Summary([str(c) for c in means["iso3"]], means["value"].to_numpy(), means["year"].to_numpy(),
                   means["n_years"].to_numpy())


def first_row(found) -> dict:
    """A look-up's first row's value and year."""
    return {"value": found.values[0], "year": found.years[0]}


def check_peer_median(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue, store = "peer_median", ctx.catalogue, ctx.store
    start = open_check(key, params, ctx)
    if start.missing:
        return start.missing
    (indicator_id,), years = start.indicator_ids, start.years
    notes = start.notes
    mean = (params.get("summary") or "latest") == "mean"
    unit = unit_found(indicator_id, catalogue, store.find(indicator_id, [ctx.focus]))
    phrase = indicator_phrase(indicator_id, catalogue)
    focus_rows = tagged(store, store.find(indicator_id, [ctx.focus], years, latest_only=not mean), "focus")
    own_summary = summarised(indicator_id, [ctx.focus], ctx, years, params)
    if not len(own_summary):
        what = (f"{ctx.focus_name} has too few years with a value of {phrase} in {year_span(years)} for an average "
                f"over them (at least {int(params.get('min_years') or 3)} needed)")
        return missing_result(key, params, what, notes, focus_rows)
    own = own_summary.row(0)
    if mean:
        opening = (f"Over {year_span(years)}, {possessive(ctx.focus_name)} {phrase} averaged "
                   f"{{value}} ({int(own['n_years'])} years with a value, latest {own['year']})")
    else:
        opening = f"{possessive(ctx.focus_name)} {phrase} was {{value}} in {own['year']}"
    tolerance, how = tolerance_for(indicator_id, params, ctx, ctx.focus, int(own["year"]), unit)
    key_fact = (f"{format_value(own['value'], unit)} (average {year_span(years)})" if mean
                else fact(own["value"], unit, own["year"]))
    reference = params.get("reference") or "median"
    if reference != "median":
        published = summarised(indicator_id, [reference], ctx, years, params)
        if not len(published):
            what = f"no published {store.name(reference)} ({reference}) value of {phrase} in {year_span(years)}"
            return missing_result(key, params, what, notes, focus_rows)
        row = published.row(0)
        verdict = judge(own["value"], row["value"], params["direction"], tolerance)
        mine, theirs = format_pair(own["value"], row["value"], unit)
        said = (f"within {how} of" if verdict[1] else side_of(own["value"], row["value"]))
        sentence = (f"{opening.format(value=mine)}, {said} the {store.name(reference)} figure as published "
                    f"({theirs}{' on average' if mean else ''}, latest {row['year']})"
                    f"{' (too close to call)' if verdict[1] else ''}.")
        if int(row["year"]) != int(own["year"]):
            sentence += " The two years differ."
        aggregate = store.find(indicator_id, [reference], years) if mean else published.found
        evidence = stacked(focus_rows, tagged(store, aggregate, "aggregate"))
        return result_of(key, params, start, verdict, sentence, evidence, key_fact)
    peers = summarised(indicator_id, ctx.peer_countries, ctx, years, params).countries_only(store)
    wanted = len(ctx.peer_countries)
    needed = enough_peers(params, wanted)
    peer_evidence = tagged(store, store.find(indicator_id, peers.iso3s, years) if mean else peers.found, "peer")
    if len(peers) < needed:
        what = (
            f"only {len(peers)} of the {wanted} peers ({ctx.peer_label}) have "
            f"{'enough years of ' if mean else 'a value of '}{phrase} in {year_span(years)}; a median needs at "
            f"least {needed}"
        )
        return missing_result(key, params, what, notes, stacked(focus_rows, peer_evidence))
    median = float(statistics.median(peers.values.tolist()))
    verdict = judge(own["value"], median, params["direction"], tolerance)
    mine, theirs = format_pair(own["value"], median, unit)
    said = f"within {how} of" if verdict[1] else side_of(own["value"], median)
    lacking = wanted - len(peers)
    sentence = (
        f"{opening.format(value=mine)}, {said} the {ctx.peer_label} median of {theirs}"
        + (" (of the peers' averages)" if mean else "") + " "
        f"(computed over {len(peers)} of {wanted} peers{f'; {lacking} without a value' if lacking else ''})"
        f"{' (too close to call)' if verdict[1] else ''}."
        + ("" if mean else years_note(own["year"], peers.years))
    )
    return result_of(key, params, start, verdict, sentence, stacked(focus_rows, peer_evidence), key_fact)


def benchmark_threshold(benchmark, direction: str) -> float:
    """The value tested: the user's choice, else the band's low end for 'below' and high end for 'above'."""
    chosen = getattr(benchmark, "threshold", None)
    if chosen is not None:
        return float(chosen)
    return float(benchmark.low if direction == "below" else benchmark.high)


def check_benchmark(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue = "benchmark", ctx.catalogue
    benchmark = ctx.benchmarks.get(params["benchmark"])
    if benchmark is None:
        return missing_result(key, params, f"no benchmark {params['benchmark']!r} in data/catalogue/benchmarks.yaml")
    start = open_check(key, params, ctx)
    if start.missing:
        return start.missing
    (indicator_id,), years = start.indicator_ids, start.years
    latest = ctx.store.find(indicator_id, [ctx.focus], years, latest_only=True)
    unit = unit_found(indicator_id, catalogue, latest)
    mean = (params.get("summary") or "latest") == "mean"
    summary = summarised(indicator_id, [ctx.focus], ctx, years, params)
    if not len(summary):
        what = (f"{ctx.focus_name} has too few years with a value of {indicator_phrase(indicator_id, catalogue)} in "
                f"{year_span(years)} for an average over them")
        return missing_result(key, params, what, start.notes, tagged(ctx.store, latest, "focus"))
    own = summary.row(0)
    if mean:
        latest = ctx.store.find(indicator_id, [ctx.focus], years)
    direction = params["direction"]
    threshold = benchmark_threshold(benchmark, direction)
    tolerance, how = tolerance_for(indicator_id, params, ctx, ctx.focus, int(own["year"]), unit)
    user_chose = getattr(benchmark, "threshold", None) is not None
    if direction == "within":
        inside = benchmark.low <= own["value"] <= benchmark.high
        near_edge = tolerance > 0 and min(abs(own["value"] - benchmark.low), abs(own["value"] - benchmark.high)) \
            <= tolerance
        verdict = (None, True) if near_edge else (bool(inside), False)
        tested = (f"{format_value(own['value'], unit)}, {'inside' if inside else 'outside'} {benchmark.label}"
                  f"{f' but within {how} of its edge (too close to call)' if near_edge else ''}")
    else:
        verdict = judge(own["value"], threshold, direction, tolerance)
        if user_chose:
            name = f"the value you chose, in place of {benchmark.label}"
        else:
            name = benchmark.label
        mine, theirs = format_pair(own["value"], threshold, unit)
        # The shipped threshold prints as declared (12.75, not 12.8), so the sentence quotes its source exactly.
        declared = len(f"{threshold:g}".partition(".")[2])
        if declared and not user_chose and f"{threshold:g}" not in theirs:
            theirs = format_value(threshold, unit, declared)
        said = f"within {how} of" if verdict[1] else side_of(own["value"], threshold)
        tested = f"{mine}, {said} {theirs} ({name}){' (too close to call)' if verdict[1] else ''}"
    phrase = indicator_phrase(indicator_id, catalogue)
    if mean:
        sentence = (f"Over {year_span(years)} ({int(own['n_years'])} years with a value), "
                    f"{possessive(ctx.focus_name)} {phrase} averaged {tested}.")
        key_fact = f"{format_value(own['value'], unit)} (average {year_span(years)})"
    else:
        sentence = f"{possessive(ctx.focus_name)} {phrase} was {tested} in {own['year']}."
        key_fact = fact(own["value"], unit, own["year"])
    if not benchmark.verified and not user_chose:
        # An unchecked citation may not carry a verdict silently: the sentence and the notes say so.
        sentence += f" This benchmark ({benchmark.label}) has not been checked against its cited source."
        start = replace(start, notes=(*start.notes, f"{UNVERIFIED_BENCHMARK} {benchmark.label} ({benchmark.source})."))
    return result_of(key, params, start, verdict, sentence, tagged(ctx.store, latest, "focus"), key_fact)


def check_other_indicator(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue = "other_indicator", ctx.catalogue
    start = open_check(key, params, ctx, [params["indicator"], *params["other"]])
    if start.missing:
        return start.missing
    chosen, notes, years = list(start.indicator_ids), start.notes, start.years
    main, others = chosen[0], chosen[1:]
    unit = unit_found(main, catalogue, ctx.store.find(main, [ctx.focus]))
    main_phrase = indicator_phrase(main, catalogue)
    others_phrase = " plus ".join(indicator_phrase(i, catalogue) for i in others)

    def pair(iso3: str):
        found = latest_common_year(ctx, iso3, years, chosen)
        if found is None:
            return None
        year, used = found
        main_value = float(used[0].values[0])
        other_value = float(sum(float(u.values[0]) for u in used[1:]))
        return year, main_value, other_value, used

    own = pair(ctx.focus)
    if own is None:
        what = f"no single year in {year_span(years)} with both {main_phrase} and {others_phrase} for {ctx.focus_name}"
        return missing_result(key, params, what, notes)
    year, main_value, other_value, used = own
    focus_rows = stacked(*[tagged(ctx.store, u, "focus") for u in used])
    if params.get("versus", "self") == "self":
        tolerance, how = tolerance_for(main, params, ctx, ctx.focus, year, unit)
        verdict = judge(main_value, other_value, params["direction"], tolerance)
        mine, theirs = format_pair(main_value, other_value, unit)
        parts = " + ".join(format_value(float(u.values[0]), unit) for u in used[1:])
        summed = f"{parts} = {theirs}" if len(used) > 2 else theirs
        said = f"within {how} of" if verdict[1] else side_of(main_value, other_value)
        sentence = (
            f"In {year}, {possessive(ctx.focus_name)} {main_phrase} was {mine}, {said} its {others_phrase} "
            f"({summed}, same year){' (too close to call)' if verdict[1] else ''}."
        )
        return result_of(key, params, start, verdict, sentence, focus_rows, fact(main_value, unit, year))
    if other_value == 0:
        return missing_result(key, params, f"{others_phrase} is zero for {ctx.focus_name} in {year}", notes)
    ratio = main_value / other_value
    peer_rows, ratios, peer_years = [], [], []
    for iso3 in ctx.peer_countries:
        found = pair(iso3)
        if found is None or found[2] == 0:
            continue
        ratios.append(found[1] / found[2])
        peer_years.append(found[0])
        peer_rows.extend(found[3])
    wanted = len(ctx.peer_countries)
    needed = enough_peers(params, wanted)
    if len(ratios) < needed:
        what = (
            f"only {len(ratios)} of the {wanted} peers ({ctx.peer_label}) have both {main_phrase} and "
            f"{others_phrase} in one year of {year_span(years)}; a median needs at least {needed}"
        )
        return missing_result(key, params, what, notes, focus_rows)
    median = float(pd.Series(ratios).median())
    relative = float(params.get("ratio_tolerance", 0.05) or 0.0)
    verdict = judge(ratio, median, params["direction"], relative * abs(median))
    mine, theirs = format_pair(ratio, median, "")
    said = f"within {relative:.0%} of" if verdict[1] else side_of(ratio, median)
    sentence = (
        f"In {year}, {possessive(ctx.focus_name)} {main_phrase} was {mine} times its {others_phrase} "
        f"(computed), {said} the {ctx.peer_label} median ratio of {theirs} "
        f"(computed over {len(ratios)} of {wanted} peers){' (too close to call)' if verdict[1] else ''}."
        + years_note(year, peer_years)
    )
    # The peers' rows tagged once, not row by row (the same evidence, a fraction of the frames).
    peer_evidence = Evidence(lambda: with_role(pd.concat([u.frame() for u in peer_rows], ignore_index=True), "peer"),
                             tuple(Tagged(ctx.store, u, "peer") for u in peer_rows))
    evidence = stacked(focus_rows, peer_evidence)
    return result_of(key, params, start, verdict, sentence, evidence, f"{mine} times ({year}, computed)")


def check_trend(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue = "trend", ctx.catalogue
    start = open_check(key, params, ctx)
    if start.missing:
        return start.missing
    (indicator_id,), notes, years = start.indicator_ids, start.notes, start.years
    # One country's rows come in year order; the frame (made only when shown) is sorted as it always was.
    rows = ctx.store.find(indicator_id, [ctx.focus], years)
    evidence = Evidence(lambda: with_role(rows.frame().sort_values("year"), "focus"), (Tagged(ctx.store, rows, "focus"),))
    min_span = int(params.get("min_span") or 3)
    phrase = indicator_phrase(indicator_id, catalogue)
    found_years, found_values = rows.years, rows.values
    if len(rows) < 2 or int(found_years[-1]) - int(found_years[0]) < min_span:
        what = (
            f"{ctx.focus_name} has {len(rows)} value(s) of {phrase} in {year_span(years)}; a trend needs two "
            f"at least {min_span} years apart"
        )
        return missing_result(key, params, what, notes, evidence)
    first = {"value": found_values[0], "year": found_years[0]}
    last = {"value": found_values[-1], "year": found_years[-1]}
    change = float(last["value"] - first["value"])
    min_change = float(params["min_change"])
    wanted = 1 if params["direction"] == "rising" else -1
    if abs(change) <= min_change:
        verdict: tuple[bool | None, bool] = (None, True)
    else:
        verdict = (change * wanted > 0, False)
    unit = unit_found(indicator_id, catalogue, rows)
    moved = "rose" if change > 0 else "fell" if change < 0 else "stayed"
    before, after = format_pair(first["value"], last["value"], unit)
    gaps = "; gaps in between" if len(rows) < int(last["year"]) - int(first["year"]) + 1 else ""
    sentence = (
        f"{possessive(ctx.focus_name)} {phrase} {moved} from {before} in {first['year']} to {after} in "
        f"{last['year']} (change {change:+.2f}{gaps})"
    )
    if verdict[1]:
        sentence += (f", no more than the declared minimum change of {format_value(min_change, unit)}: "
                     f"too close to call a trend.")
    else:
        sentence += f"; the declared minimum change is {format_value(min_change, unit)}."
    return result_of(key, params, start, verdict, sentence, evidence, fact(last["value"], unit, last["year"]))


def check_percentile_band(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue = "percentile_band", ctx.catalogue
    start = open_check(key, params, ctx)
    if start.missing:
        return start.missing
    (indicator_id,), notes, years = start.indicator_ids, start.notes, start.years
    latest = ctx.store.find(indicator_id, [ctx.focus], years, latest_only=True)
    own = first_row(latest)
    low, high = float(params["low"]), float(params["high"])
    phrase = indicator_phrase(indicator_id, catalogue)
    evidence = tagged(ctx.store, latest, "focus")
    tolerance, how = 0.0, ""
    if params.get("published"):
        percentile = float(own["value"])
        tolerance, how = tolerance_for(indicator_id, params, ctx, ctx.focus, int(own["year"]), "percentile")
        described = f"at percentile {percentile:.1f} (as published)"
    else:
        same_year = countries_found(ctx.store, ctx.store.find(indicator_id, years=(int(own["year"]), int(own["year"]))))
        others = same_year.values[same_year.column("iso3") != ctx.focus]
        if len(others) < 10:
            what = f"only {len(others)} other countries have a value of {phrase} in {own['year']} to rank against"
            return missing_result(key, params, what, notes, evidence)
        lower = int((others < own["value"]).sum())
        percentile = 100.0 * lower / len(others)
        if params.get("tolerance") is not None:
            tolerance = float(params["tolerance"])
            how = f"the test's declared tolerance of {tolerance:g} percentile points"
        unit = unit_found(indicator_id, catalogue, latest)
        described = (
            f"{format_value(own['value'], unit)}, higher than {lower} of the {len(others)} other countries with a "
            f"value that year (percentile {percentile:.1f}, computed)"
        )
    inside = low <= percentile <= high
    # A band edge at 0 or 100 cannot be crossed; only the inner edges can be too close.
    edges = [edge for edge in (low, high) if 0 < edge < 100]
    near = tolerance > 0 and any(abs(percentile - edge) <= tolerance for edge in edges)
    verdict = (None, True) if near else (inside, False)
    where = "inside" if inside else "outside"
    sentence = f"{possessive(ctx.focus_name)} {phrase} in {own['year']} was {described}, {where} the {low:g}-{high:g} band"
    sentence += f", but the edge is within {how} (too close to call)." if near else "."
    return result_of(key, params, start, verdict, sentence, evidence, f"percentile {percentile:.1f} ({own['year']})")


def check_largest_share(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue = "largest_share", ctx.catalogue
    start = open_check(key, params, ctx, [params["indicator"], *params["others"]])
    if start.missing:
        return start.missing
    years = start.years
    chosen = [(i, ctx.store.find(i, [ctx.focus], years, latest_only=True)) for i in start.indicator_ids]
    (main_id, main_rows), others = chosen[0], chosen[1:]
    main = first_row(main_rows)
    unit = unit_found(main_id, catalogue, main_rows)
    tolerance, how = tolerance_for(main_id, params, ctx, ctx.focus, int(main["year"]), unit)
    judged = [judge(main["value"], first_row(rows)["value"], "above", tolerance) for _, rows in others]
    if any(holds is False for holds, _ in judged):
        verdict: tuple[bool | None, bool] = (False, False)
    elif any(close for _, close in judged):
        verdict = (None, True)
    else:
        verdict = (True, False)

    def said(indicator_id, row):
        value = format_value(row["value"], unit_of(indicator_id, catalogue))
        return f"{indicator_phrase(indicator_id, catalogue)} ({value} in {row['year']})"

    rest = " and ".join(said(i, first_row(rows)) for i, rows in others)
    largest = {True: "larger than", False: "not larger than all of", None: f"within {how} of the largest of"}
    sentence = f"{possessive(ctx.focus_name)} {said(main_id, main)} is {largest[verdict[0]]} {rest}."
    all_years = {int(rows.years[0]) for _, rows in chosen}
    if len(all_years) > 1:
        sentence += f" The years differ ({year_span(all_years)}); each is the latest available."
    evidence = stacked(*[tagged(ctx.store, rows, "focus") for _, rows in chosen])
    return result_of(key, params, start, verdict, sentence, evidence, fact(main["value"], unit, main["year"]))


def focus_events(ctx: RuleContext, kind: str) -> tuple[list[dict] | None, str]:
    """The events table's rows (as records) of `kind` for the focus, or (None, what is missing)."""
    events = ctx.events
    label = kind.replace("_", " ")
    if events is None or events.empty:
        return None, "no events table (data/catalogue/events.csv) was given"
    # Records, not masks: the table is a few dozen rows, and each pandas mask cost more than the whole check.
    of_kind = [event for event in events.to_dict("records") if event["kind"] == kind]
    mine = [event for event in of_kind if ctx.focus in str(event["countries"]).split()]
    if not mine:
        covered = sorted({c for event in of_kind for c in str(event["countries"]).split()})
        names = ", ".join(ctx.store.name(c) for c in covered) or "no country"
        return None, (f"The study's events list has no {label} events for {ctx.focus_name} (it covers {names} "
                      f"only), so they cannot be counted")
    return mine, ""


def by_start_year(events: list[dict]) -> list[dict]:
    """The events in the order `sort_values("start_year")` gives (the same numpy sort, ties included)."""
    order = np.argsort(np.array([event["start_year"] for event in events], dtype=np.int64), kind="quicksort")
    return [events[i] for i in order]


def event_evidence(ctx: RuleContext, kind: str, spans) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "iso3": ctx.focus, "country": ctx.focus_name, "year": start, "indicator": f"event:{kind}",
                "value": float(end - start), "unit": "years", "source": event["source"], "code": event["label"],
                "file": "data/catalogue/events.csv", "note": f"{start}-{end}", "computed": True, "role": "focus",
            }
            for start, end, event in spans
        ],
        columns=EVIDENCE_COLUMNS,
    )


def check_share_of_years(params: Mapping, ctx: RuleContext) -> RuleResult:
    key = "share_of_years"
    kind, since, until = params["kind"], int(params["since"]), int(ctx.window[1])
    label = kind.replace("_", " ")
    if until <= since:
        what = f"the window ends in {until}, not after {since}, the year the count starts"
        return missing_result(key, params, what)
    mine, what = focus_events(ctx, kind)
    if mine is None:
        return missing_result(key, params, what)
    spans, total_years = [], 0
    for event in by_start_year(mine):
        end = until if pd.isna(event["end_year"]) else min(int(event["end_year"]), until)
        start = max(int(event["start_year"]), since)
        if end > start:
            total_years += end - start
            spans.append((start, end, event))
    period = until - since
    share = total_years / period
    low, high = float(params["low"]), float(params["high"])
    holds = low <= share <= high
    listed = ", ".join(f"{s}-{e}" for s, e, _ in spans) or "none in the period"
    sentence = (
        f"{ctx.focus_name} was under {label} for {total_years} of the {period} years from {since} to {until} "
        f"({share:.0%}, counted from the study's events list: {listed}), "
        f"{'inside' if holds else 'outside'} the {low:.0%}-{high:.0%} range the claim implies."
    )
    return RuleResult(key, holds, sentence, Evidence(lambda: event_evidence(ctx, kind, spans)), params=dict(params),
                      key_fact=f"{total_years} of {period} years ({share:.0%}, {since}-{until})")


def check_event_count(params: Mapping, ctx: RuleContext) -> RuleResult:
    key = "event_count"
    kind, since, until = params["kind"], int(params["since"]), int(ctx.window[1])
    label = kind.replace("_", " ")
    if until < since:
        return missing_result(key, params, f"the window ends in {until}, before {since}, the year the count starts")
    mine, what = focus_events(ctx, kind)
    if mine is None:
        return missing_result(key, params, what)
    counted = by_start_year([event for event in mine if since <= event["start_year"] <= until])
    spans = [(int(e["start_year"]), int(e["start_year"]), e) for e in counted]
    needed = int(params["at_least"])
    holds = len(counted) >= needed
    listed = "; ".join(f"{e['start_year']}: {e['label']}" for e in counted) or "none"
    sentence = (
        f"The study's events list has {len(counted)} {label} event(s) for {ctx.focus_name} from {since} to "
        f"{until} ({listed}), {'at least' if holds else 'fewer than'} the {needed} the claim's "
        f"\"frequent\" is read as."
    )
    return RuleResult(key, holds, sentence, Evidence(lambda: event_evidence(ctx, kind, spans)), params=dict(params),
                      key_fact=f"{len(counted)} {label} events ({since}-{until})")


# Each declared rule's check, by rule key; a test asserts the keys match RULE_SPECS one to one.
CHECKS: dict[str, Callable[[Mapping, RuleContext], RuleResult]] = {
    "peer_median": check_peer_median,
    "benchmark": check_benchmark,
    "other_indicator": check_other_indicator,
    "trend": check_trend,
    "percentile_band": check_percentile_band,
    "largest_share": check_largest_share,
    "share_of_years": check_share_of_years,
    "event_count": check_event_count,
}
RULES: tuple[Rule, ...] = tuple(
    Rule(**{f.name: getattr(spec, f.name) for f in fields(RuleSpec)}, check=CHECKS[spec.key]) for spec in RULE_SPECS
)
RULES_BY_KEY: dict[str, Rule] = {rule.key: rule for rule in RULES}
