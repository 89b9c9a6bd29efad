"""No verdict claims more than its evidence (issue 12): a table of claims x settings x focus countries.

Invariants hold for every claim, focus (Pakistan, India, Bangladesh, Nigeria, Norway and data-poor Somalia) and
setting; the issue's own cases are recomputed here from the shipped raw files (data/snapshots, data/catalogue,
data/codebook) with plain pandas/yaml, never typed in.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from src.claims.evaluate import EvaluationCache, Settings, evaluate, evaluate_all
from src.claims.prose import format_pair, format_value
from src.claims.verdicts import PART_OUTCOMES, PART_STYLES, STATUSES, VERDICT_STYLES
from src.study.yaml_io import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "data" / "snapshots"
CATALOGUE = ROOT / "data" / "catalogue"
CLAIMS = parse_yaml((ROOT / "data" / "codebook" / "claims.yaml").read_text(encoding="utf-8"))
BENCHMARKS = parse_yaml((CATALOGUE / "benchmarks.yaml").read_text(encoding="utf-8"))
FOCUSES = ["PAK", "IND", "BGD", "NGA", "NOR", "SOM"]
SETTINGS = [("south_asia", (2015, 2025)), ("lmic", (2015, 2025)), ("south_asia", (2005, 2015)),
            ("muslim_populous", (2018, 2023))]


@pytest.fixture(scope="module")
def store(shipped_store):
    return shipped_store


@pytest.fixture(scope="module")
def table(store, study) -> dict:
    """Every claim's verdict for every focus and setting, keyed (focus, group, window)."""
    cache = EvaluationCache()
    return {
        (focus, group, window): evaluate_all(
            study, store, Settings.default(study.defaults, focus=focus, peer_group=group, window=window), cache=cache)
        for focus in FOCUSES for group, window in SETTINGS
    }


def counted(verdict):
    return [p for p in verdict.parts if not p.context]


def with_role(evidence: pd.DataFrame, role: str, column: str) -> list:
    """The `column` values (missing ones left out) of the evidence rows with this `role`: what
    `evidence.loc[evidence["role"] == role, column].dropna()` holds, read as numpy arrays since the table has
    over a thousand parts (the pandas way was most of the invariant tests' time)."""
    values = evidence[column].to_numpy()[evidence["role"].to_numpy() == role]
    return list(values[pd.notna(values)])


# --- the invariants, over the whole table ------------------------------------------------------------------------


def test_supported_means_every_counted_part_was_checked_and_holds(table):
    for key, verdicts in table.items():
        for claim_id, verdict in verdicts.items():
            outcomes = [p.outcome for p in counted(verdict)]
            assert verdict.status in STATUSES, (key, claim_id)
            if verdict.status == "supported":
                assert outcomes.count("holds") >= 1 and "unchecked" not in outcomes, (key, claim_id)
            if verdict.status == "partly_supported":
                # "Partly" means some checked part fails, never only that a part could not be checked.
                assert "fails" in outcomes and ("holds" in outcomes or "too_close" in outcomes), (key, claim_id)
            if "unchecked" in outcomes:
                assert verdict.status != "supported" and "could not be checked" in verdict.headline, (key, claim_id)


def test_a_proxy_never_decides(table, study):
    for key, verdicts in table.items():
        for claim_id, verdict in verdicts.items():
            proxies = set(study.codebook.claims[claim_id].proxies)
            for part in counted(verdict):
                focus_series = set(with_role(part.evidence, "focus", "indicator"))
                if focus_series & proxies:
                    assert part.outcome == "unchecked", (key, claim_id)
                    if part.proxies:  # the proxy gave a finding: kept, labelled, as context
                        assert "Proxy, shown for context only" in part.sentence, (key, claim_id)


def test_a_checked_median_rests_on_at_least_three_peers_and_says_how_many(table):
    for key, verdicts in table.items():
        for claim_id, verdict in verdicts.items():
            for part in verdict.parts:
                if part.rule != "peer_median" or part.params.get("reference") or part.outcome == "unchecked":
                    continue
                peers = len(set(with_role(part.evidence, "peer", "iso3")))
                assert peers >= 3, (key, claim_id)
                assert re.search(rf"computed over {peers} of \d+ peers", part.sentence), (key, claim_id, part.sentence)


def test_text_names_the_focus_country_and_captions_who_the_experts_spoke_of(table, store, study):
    for (focus, _, _), verdicts in table.items():
        name = store.name(focus)
        for claim_id, verdict in verdicts.items():
            claim = study.codebook.claims[claim_id]
            assert "{" not in verdict.title + verdict.question, claim_id
            if "{country}" in CLAIMS_ENTRY[claim_id].get("title", ""):
                assert name in verdict.title, (focus, claim_id)
            if "{country}" in CLAIMS_ENTRY[claim_id]["question"]:
                assert name in verdict.question, (focus, claim_id)
            if focus != "PAK":
                assert "Pakistan" not in verdict.question, (focus, claim_id)
            if claim.said_of:
                said_of = store.name(claim.said_of)
                assert said_of in verdict.caption and (focus == claim.said_of or name in verdict.caption)


CLAIMS_ENTRY = {entry["id"]: entry for entry in CLAIMS["claims"]}


def test_below_and_above_never_print_equal_numbers(table):
    pattern = re.compile(r"(-?[\d.,]+)(%[^,(]*|[^,(]*?), (?:below|above) (?:the [^,]*? median of |its [^(]*\()?"
                         r"(-?[\d.,]+)\2")
    for key, verdicts in table.items():
        for claim_id, verdict in verdicts.items():
            for match in pattern.finditer(verdict.sentence):
                assert match.group(1) != match.group(3), (key, claim_id, match.group(0))


@pytest.mark.parametrize("value, reference, unit", [(1.62, 1.58, "%"), (1.6049, 1.6001, "% of GDP"),
                                                    (0.5401, 0.5399, "index"), (2.0, 2.0, "%")])
def test_format_pair_adds_decimals_until_two_different_values_differ(value, reference, unit):
    mine, theirs = format_pair(value, reference, unit)
    assert (mine != theirs) == (value != reference)
    if format_value(value, unit) != format_value(reference, unit):
        assert (mine, theirs) == (format_value(value, unit), format_value(reference, unit))


# --- the cases, recomputed from the raw files -------------------------------------------------------------


def gapminder(fragment: str) -> pd.DataFrame:
    path = next((SNAPSHOTS / "gapminder_sg").glob(f"*{fragment}*--by--geo--time.csv"))
    frame = pd.read_csv(path)
    return frame.set_axis(["geo", "year", "value"], axis=1)


def test_somalias_tiny_debt_change_is_not_a_rise(store, study):
    """Somalia's debt service moved from ~0.0 to <1 point over the last years: never 'rising', and a proxy anyway."""
    claim = study.codebook.claims["C2.2"]
    window = (2021, 2024)
    debt = gapminder("debt_servicing_costs")
    somalia = debt[(debt["geo"] == "som") & debt["year"].between(*window)].sort_values("year")
    change = float(somalia["value"].iloc[-1] - somalia["value"].iloc[0])
    trend = next(t for t in claim.tests if t.rule == "trend")
    verdict = evaluate(claim, store, Settings.default(study.defaults, focus="SOM", window=window), study)
    part = verdict.parts[claim.tests.index(trend)]
    assert part.outcome == "unchecked"  # the proxy never decides
    if abs(change) <= trend.params["min_change"]:
        assert "too close to call a trend" in part.sentence
    assert verdict.status != "supported"


def test_a_window_ending_before_the_count_starts_is_insufficient_not_negative(store, study):
    since = next(t.params["since"] for t in study.codebook.claims["C1.3"].tests)
    verdict = evaluate(study.codebook.claims["C1.3"], store,
                       Settings.default(study.defaults, window=(since - 60, since - 10)), study)
    assert verdict.status == "insufficient_data"
    assert str(since) in verdict.missing[0] and not re.search(r"of the -\d+ years", verdict.sentence)


def test_a_benchmark_override_outside_its_range_is_refused_and_said(store, study):
    entry = next(b for b in BENCHMARKS if b["id"] == "tax_gdp")
    refused = entry["allowed"][0] - 20
    claim = study.codebook.claims["C2.3"]
    verdict = evaluate(claim, store, Settings.default(study.defaults, benchmarks=(("tax_gdp", refused),)), study)
    assert any("not used" in n and f"{refused:g}" in n for n in verdict.notes)
    declared = len(f"{float(entry['value']):g}".partition(".")[2]) or None
    assert format_value(float(entry["value"]), "% of GDP", declared) in verdict.sentence
    assert "the value you chose" not in verdict.sentence
    accepted = (entry["allowed"][0] + entry["value"]) / 2
    verdict = evaluate(claim, store, Settings.default(study.defaults, benchmarks=(("tax_gdp", accepted),)), study)
    assert "the value you chose" in verdict.sentence and format_value(accepted, "% of GDP") in verdict.sentence


def test_norway_is_not_partly_supported_for_a_small_health_and_education_share(table):
    verdict = table[("NOR", "south_asia", (2015, 2025))]["C2.1"]
    outcomes = [p.outcome for p in counted(verdict)]
    assert verdict.status != "supported"
    if verdict.status == "partly_supported":
        assert "fails" in outcomes and "holds" in outcomes


def test_the_last_five_years_are_tested_over_them(store, study):
    """C2.4's inflation part averages the last five years for the focus (WDI bulk CSV read here)."""
    settings = Settings.default(study.defaults)
    start, end = settings.window[1] - 4, settings.window[1]
    folder = next((SNAPSHOTS / "wdi").glob("API_FP.CPI.TOTL.ZG_DS2_*"))
    wide = pd.read_csv(folder / f"{folder.name}.csv", skiprows=4)
    row = wide[wide["Country Code"] == "PAK"]
    values = [float(row[str(y)].iloc[0]) for y in range(start, end + 1) if str(y) in row and row[str(y)].notna().iloc[0]]
    verdict = evaluate(study.codebook.claims["C2.4"], store, settings, study)
    inflation = verdict.parts[0]
    assert f"Over {start}-{end}" in inflation.sentence
    assert format_value(sum(values) / len(values), "% per year") in inflation.sentence


def test_absolute_words_need_a_counted_benchmark(study):
    for claim in study.codebook.claims.values():
        if claim.absolute:
            assert any(t.rule == "benchmark" and not t.context for t in claim.tests), claim.id


def test_every_benchmark_declares_a_range_that_holds_its_value():
    for entry in BENCHMARKS:
        low, high = entry.get("low", entry.get("value")), entry.get("high", entry.get("value"))
        assert entry["allowed"][0] <= low <= high <= entry["allowed"][1], entry["id"]


def test_the_vocabulary_text_colours_pass_wcag_aa_on_white():
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for style in [*VERDICT_STYLES.values(), *PART_STYLES.values()]:
        assert 1.05 / (luminance(style.text) + 0.05) >= 4.5, style.label
    assert set(PART_OUTCOMES) == {"holds", "fails", "too_close", "unchecked"}
    assert len({s.colour for s in VERDICT_STYLES.values()}) == len(VERDICT_STYLES)


def test_robustness_names_what_flips_it(store, study):
    from src.claims.robustness import robustness

    report = robustness(study.codebook.claims["C2.5"], store, Settings.default(study.defaults), study)
    assert report.total == len(report.holds) + len(report.flips) + len(report.unchecked)
    summary = report.summary()
    assert f"holds under {len(report.holds)} of {report.total}" in summary
    for _, status, change in report.flips:
        assert change in summary or len(report.flips) > 4
    # End years and alternative series are varied too.
    changes = " ".join(change for _, _, change in (*report.holds, *report.flips, *report.unchecked))
    assert "end year" in changes and "alternative series" in changes


# --- the events table covers few countries; the benchmarks' citations were checked -------------------------------

EVENTS = pd.read_csv(CATALOGUE / "events.csv")


@pytest.mark.parametrize("focus", ["IND", "NGA", "NOR"])
def test_coups_for_a_country_the_events_table_does_not_cover_are_not_read_as_none(store, study, focus):
    """C3.3 counts coups from data/catalogue/events.csv; a focus the table has no coup rows for is insufficient
    data naming the countries it does cover, never "fewer than" (which would read as "no coups")."""
    claim = next(c for c in study.codebook.claims.values() if any(t.rule == "event_count" for t in c.tests))
    kind = next(t.params["kind"] for t in claim.tests if t.rule == "event_count")
    covered = {c for cell in EVENTS.loc[EVENTS["kind"] == kind, "countries"] for c in str(cell).split()}
    verdict = evaluate(claim, store, Settings.default(study.defaults, focus=focus), study)
    if focus in covered:
        pytest.skip(f"events.csv now lists {kind} events for {focus}")
    assert verdict.status == "insufficient_data"
    assert "fewer than" not in verdict.sentence
    assert all(store.name(c) in verdict.headline for c in covered) and "only" in verdict.headline
    assert store.name(focus) in verdict.headline


def test_every_shipped_benchmark_says_how_it_was_checked_and_an_unchecked_one_says_so_in_the_verdict(store, study):
    """Each entry of benchmarks.yaml carries `verified` (how its value was checked against the cited text). One
    without it is called unverified in the benchmark sentence and in the verdict's notes."""
    from dataclasses import replace

    assert all(str(entry.get("verified") or "").strip() for entry in BENCHMARKS), \
        [e["id"] for e in BENCHMARKS if not e.get("verified")]
    claim = study.codebook.claims["C2.3"]
    test = next(t for t in claim.tests if t.rule == "benchmark")
    shipped = study.codebook.benchmarks[test.params["benchmark"]]
    checked = evaluate(claim, store, Settings.default(study.defaults), study)
    assert "has not been checked" not in checked.sentence
    unchecked_book = replace(study.codebook, benchmarks={**study.codebook.benchmarks,
                                                         shipped.id: replace(shipped, verified="")})
    verdict = evaluate(claim, store, Settings.default(study.defaults), replace(study, codebook=unchecked_book))
    assert f"This benchmark ({shipped.label}) has not been checked against its cited source." in verdict.sentence
    assert any(n.startswith("Unverified benchmark") for n in verdict.notes)
    assert "Unverified benchmark" in verdict.caption and "Unverified benchmark" not in checked.caption
