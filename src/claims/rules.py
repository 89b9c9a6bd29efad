"""The declared set of rules a claim's tests are made of, each with a check and a plain-language sentence.

Claims in data/codebook/claims.yaml combine these rules with parameters; no claim has its own code path, so a
researcher can add or change a claim without touching Python, and every verdict can be re-run and explained.
A rule's check reads only the evidence it is given (`RuleContext`, whose store answers every query) and returns a
`RuleResult`: holds True/False, or None with what is missing. Missing data is a result, never an exception and
never a shortened comparison. Sentences are built with src/claims/prose.py, queries with src/claims/evidence.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

import pandas as pd

from src.claims.evidence import (
    EVIDENCE_COLUMNS,
    RuleContext,
    RuleResult,
    countries_only,
    enough_peers,
    evidence_of,
    latest_common_year,
    missing_result,
    peers_latest,
    resolve_slot,
    rule_years,
    with_role,
)
from src.claims.prose import (
    REFRESH_COMMAND,
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

@dataclass(frozen=True)
class Rule(RuleSpec):
    """A declared rule (src/study/rule_specs.py) paired with the check that runs it."""

    check: Callable[[Mapping, RuleContext], RuleResult]


@dataclass(frozen=True)
class Opening:
    """What every check starts from: the years it uses, the series chosen for each slot, the notes so far, and
    `missing`, the result to return at once when a slot has no series with a value for the focus."""

    years: tuple[int, int]
    indicator_ids: tuple[str, ...]
    notes: tuple[str, ...]
    missing: RuleResult | None = None


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
    return Opening(years, tuple(chosen), tuple(notes))


def compare(value: float, reference: float, direction: str) -> bool:
    return value > reference if direction == "above" else value < reference


# ---------------------------------------------------------------------------------------------------------------
# The rules.
# ---------------------------------------------------------------------------------------------------------------


def check_peer_median(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue, store = "peer_median", ctx.catalogue, ctx.store
    start = open_check(key, params, ctx)
    if start.missing:
        return start.missing
    (indicator_id,), notes, years = start.indicator_ids, start.notes, start.years
    own = store.latest_rows(indicator_id, [ctx.focus], years).iloc[0]
    unit = unit_of(indicator_id, catalogue, store.rows(indicator_id, [ctx.focus]))
    phrase = indicator_phrase(indicator_id, catalogue)
    focus_rows = with_role(store.latest_rows(indicator_id, [ctx.focus], years), "focus")
    opening = f"{possessive(ctx.focus_name)} {phrase} was {format_value(own['value'], unit)} in {own['year']}"
    reference = params.get("reference") or "median"
    if reference != "median":
        published = store.latest_rows(indicator_id, [reference], years)
        if published.empty:
            what = f"no published {store.name(reference)} ({reference}) value of {phrase} in {year_span(years)}"
            return missing_result(key, params, what, notes, focus_rows)
        row = published.iloc[0]
        holds = compare(own["value"], row["value"], params["direction"])
        sentence = (
            f"{opening}, {side_of(own['value'], row['value'])} the {store.name(reference)} figure as published "
            f"({format_value(row['value'], unit)} in {row['year']})."
        )
        if int(row["year"]) != int(own["year"]):
            sentence += " The two years differ."
        evidence = evidence_of(focus_rows, with_role(published, "aggregate"))
        return RuleResult(key, holds, sentence, evidence, notes=notes, params=dict(params))
    peers = peers_latest(indicator_id, ctx, years)
    wanted = len(ctx.peer_countries)
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
    key, catalogue = "benchmark", ctx.catalogue
    benchmark = ctx.benchmarks.get(params["benchmark"])
    if benchmark is None:
        return missing_result(key, params, f"no benchmark {params['benchmark']!r} in data/catalogue/benchmarks.yaml")
    start = open_check(key, params, ctx)
    if start.missing:
        return start.missing
    (indicator_id,), notes, years = start.indicator_ids, start.notes, start.years
    latest = ctx.store.latest_rows(indicator_id, [ctx.focus], years)
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


def check_other_indicator(params: Mapping, ctx: RuleContext) -> RuleResult:
    key, catalogue = "other_indicator", ctx.catalogue
    start = open_check(key, params, ctx, [params["indicator"], *params["other"]])
    if start.missing:
        return start.missing
    chosen, notes, years = list(start.indicator_ids), start.notes, start.years
    main, others = chosen[0], chosen[1:]
    unit = unit_of(main, catalogue, ctx.store.rows(main, [ctx.focus]))
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
    for iso3 in ctx.peer_countries:
        found = pair(iso3)
        if found is None or found[2] == 0:
            continue
        ratios.append(found[1] / found[2])
        peer_years.append(found[0])
        peer_rows.extend(with_role(u, "peer") for u in found[3])
    wanted = len(ctx.peer_countries)
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
    key, catalogue = "trend", ctx.catalogue
    start = open_check(key, params, ctx)
    if start.missing:
        return start.missing
    (indicator_id,), notes, years = start.indicator_ids, start.notes, start.years
    rows = ctx.store.rows(indicator_id, [ctx.focus], years).sort_values("year")
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
    key, catalogue = "percentile_band", ctx.catalogue
    start = open_check(key, params, ctx)
    if start.missing:
        return start.missing
    (indicator_id,), notes, years = start.indicator_ids, start.notes, start.years
    latest = ctx.store.latest_rows(indicator_id, [ctx.focus], years)
    own = latest.iloc[0]
    low, high = float(params["low"]), float(params["high"])
    phrase = indicator_phrase(indicator_id, catalogue)
    evidence = with_role(latest, "focus")
    if params.get("published"):
        percentile = float(own["value"])
        how = f"at percentile {percentile:.1f} (as published)"
    else:
        same_year = countries_only(ctx.store, ctx.store.rows(indicator_id, years=(int(own["year"]), int(own["year"]))))
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
    key, catalogue = "largest_share", ctx.catalogue
    start = open_check(key, params, ctx, [params["indicator"], *params["others"]])
    if start.missing:
        return start.missing
    notes, years = start.notes, start.years
    chosen = [(i, ctx.store.latest_rows(i, [ctx.focus], years)) for i in start.indicator_ids]
    (main_id, main_rows), others = chosen[0], chosen[1:]
    main = main_rows.iloc[0]
    holds = all(main["value"] > rows.iloc[0]["value"] for _, rows in others)

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


# Each declared rule's check, by rule key; a test asserts the keys match RULE_SPECS one to one.
CHECKS: dict[str, Callable[[Mapping, RuleContext], RuleResult]] = {
    "peer_median": check_peer_median,
    "benchmark": check_benchmark,
    "other_indicator": check_other_indicator,
    "trend": check_trend,
    "percentile_band": check_percentile_band,
    "largest_share": check_largest_share,
    "share_of_years": check_share_of_years,
}
RULES: tuple[Rule, ...] = tuple(
    Rule(**{f.name: getattr(spec, f.name) for f in fields(RuleSpec)}, check=CHECKS[spec.key]) for spec in RULE_SPECS
)
RULES_BY_KEY: dict[str, Rule] = {rule.key: rule for rule in RULES}
