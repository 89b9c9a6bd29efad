"""Each declared rule on the tiny synthetic fixture (tests/fixtures/claims/, see its README).

Expectations are computed in the test from the fixture files read with plain pandas, never typed in.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from src.claims.rules import (
    REFRESH_COMMAND,
    RULES,
    RULES_BY_KEY,
    RuleContext,
    format_value,
    indicator_ids_in,
    param_problems,
)
from src.ingest.store import Store
from src.schema import check_tidy
from src.study.codebook import Benchmark
from src.study.events import load_events

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "claims"
WINDOW = (2015, 2024)
PEERS = ("BBB", "CCC", "DDD", "EEE")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "tidy.csv", dtype={"note": "string"}).fillna({"note": ""})


@pytest.fixture(scope="module")
def store(raw) -> Store:
    countries = pd.read_csv(FIXTURES / "countries.csv")
    countries["is_aggregate"] = countries["is_aggregate"].astype(bool)
    return Store(values=check_tidy(raw, "fixture"), countries=countries, fingerprint="fixture")


@pytest.fixture(scope="module")
def data(store, catalogue) -> dict:
    """What a check reads besides its parameters: the store (its look-ups) and the indicator catalogue."""
    return {"store": store, "catalogue": catalogue}


def benchmark(value_low: float, value_high: float, threshold=None) -> Benchmark:
    return Benchmark("bm", "c", "% of GDP", value_low, value_high, "a test benchmark", "test", threshold)


def make_context(data, focus="AAA", peers=PEERS, window=WINDOW, **extra) -> RuleContext:
    return RuleContext(**data, focus=focus, peers=tuple(peers), peer_label="Test peers", window=window, **extra)


def latest_in(raw, indicator, iso3s, window=WINDOW) -> pd.DataFrame:
    rows = raw[(raw.indicator == indicator) & raw.iso3.isin(iso3s) & raw.year.between(*window)]
    return rows.sort_values("year").groupby("iso3").tail(1)


def test_every_rule_has_a_sentence_and_params():
    assert {r.key for r in RULES} == {
        "peer_median", "benchmark", "other_indicator", "trend", "percentile_band", "largest_share", "share_of_years",
        "event_count",
    }
    for rule in RULES:
        assert rule.human and rule.title and rule.params, rule.key


def test_every_declared_rule_has_exactly_one_check_and_every_check_a_declared_rule():
    from src.claims.rules import CHECKS
    from src.study.rule_specs import CHART_KINDS, RULE_SPECS

    spec_keys = [spec.key for spec in RULE_SPECS]
    assert len(spec_keys) == len(set(spec_keys))
    assert set(CHECKS) == set(spec_keys)
    assert [rule.key for rule in RULES] == spec_keys
    for spec, rule in zip(RULE_SPECS, RULES):
        assert rule.check is CHECKS[spec.key] and rule.chart == spec.chart in CHART_KINDS
        assert (rule.title, rule.human, rule.params) == (spec.title, spec.human, spec.params)
    # The event-share rule has no indicator to draw: it gets the periods chart, every indicator rule the lines chart.
    for spec in RULE_SPECS:
        has_slot = any(param.kind in ("slot", "slots") for param in spec.params.values())
        assert spec.chart == ("lines" if has_slot else "periods"), spec.key


# --- peer_median -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["above", "below"])
@pytest.mark.parametrize("indicator", ["wdi_mil_gdp", "imf_tax_gdp", "gm_health_gov_gdp"])
def test_peer_median(data, raw, indicator, direction):
    result = RULES_BY_KEY["peer_median"].check({"indicator": indicator, "direction": direction}, make_context(data))
    own = latest_in(raw, indicator, ["AAA"]).iloc[0]
    peers = latest_in(raw, indicator, PEERS)
    median = peers["value"].median()
    expected = own.value > median if direction == "above" else own.value < median
    assert result.holds == expected
    assert str(own.year) in result.sentence and format_value(median, own.unit) in result.sentence
    assert set(result.evidence["iso3"]) == {"AAA", *peers["iso3"]}
    assert set(result.evidence.loc[result.evidence.role == "focus", "year"]) == {own.year}
    if peers["year"].nunique() > 1 or peers["year"].iloc[0] != own.year:
        assert "Years differ" in result.sentence


def test_peer_median_ignores_values_outside_the_window(data, raw):
    result = RULES_BY_KEY["peer_median"].check({"indicator": "wdi_mil_gdp", "direction": "above"}, make_context(data))
    outside = raw[(raw.indicator == "wdi_mil_gdp") & ~raw.year.between(*WINDOW)]["iso3"]
    assert not set(outside) & set(result.evidence["iso3"])
    assert "without a value" in result.sentence


def test_a_median_needs_three_peers_even_in_a_small_group(data, raw):
    """A two-country group cannot give a median: insufficient data, saying how many peers had a value."""
    result = RULES_BY_KEY["peer_median"].check({"indicator": "wdi_mil_gdp", "direction": "above"},
                                               make_context(data, peers=("BBB", "CCC")))
    with_value = latest_in(raw, "wdi_mil_gdp", ["BBB", "CCC"])
    assert result.holds is None
    assert f"only {len(with_value)} of the 2 peers" in result.missing[0] and "at least 3" in result.missing[0]


def test_peer_median_against_published_aggregate(data, raw):
    params = {"indicator": "wdi_mil_gdp", "direction": "above", "reference": "WLD"}
    result = RULES_BY_KEY["peer_median"].check(params, make_context(data))
    world = latest_in(raw, "wdi_mil_gdp", ["WLD"]).iloc[0]
    own = latest_in(raw, "wdi_mil_gdp", ["AAA"]).iloc[0]
    assert result.holds == (own.value > world.value)
    assert "as published" in result.sentence and str(world.year) in result.sentence
    assert list(result.evidence.loc[result.evidence.role == "aggregate", "iso3"]) == ["WLD"]


@pytest.mark.parametrize(
    "params, focus, peers, missing_word",
    [
        ({"indicator": "wdi_mil_gdp", "direction": "above"}, "ZZZ", PEERS, "no value"),
        ({"indicator": "wgi_pv_pct", "direction": "below"}, "AAA", PEERS, "at least 3"),
        ({"indicator": "wdi_mil_gdp", "direction": "above", "reference": "SAS"}, "AAA", PEERS, "no published"),
        ({"indicator": "wdi_mil_gdp", "direction": "above"}, "AAA", (), "at least 3"),
        ({"indicator": "wdi_mil_gdp", "direction": "above"}, "AAA", ("BBB", "EEE"), "at least 3"),
    ],
)
def test_peer_median_missing_data_is_a_result(data, params, focus, peers, missing_word):
    result = RULES_BY_KEY["peer_median"].check(params, make_context(data, focus=focus, peers=peers))
    assert result.holds is None
    assert result.missing and missing_word in result.missing[0]
    assert result.sentence.startswith("Could not be checked")


def test_a_preferred_series_without_values_falls_back_and_says_so(data, raw):
    params = {"indicator": ["wdi_interest_revenue", "gm_debt_service_exports"], "direction": "above"}
    proxies = {"gm_debt_service_exports": "proxy: debt service, not interest"}
    result = RULES_BY_KEY["peer_median"].check(params, make_context(data, proxies=proxies))
    assert result.holds is not None
    assert set(result.evidence["indicator"]) == {"gm_debt_service_exports"}
    joined = " ".join(result.notes)
    # The preferred series is shipped now (Open Numbers WDI) but has no value for the fixture's focus country.
    assert "wdi_interest_revenue" in joined and "has no value for" in joined and "proxy" in joined


def test_refresh_only_series_without_fallback_names_the_refresh_command(data):
    result = RULES_BY_KEY["peer_median"].check(
        {"indicator": "wdi_under5_mortality", "direction": "above"}, make_context(data)
    )
    assert result.holds is None
    assert any(REFRESH_COMMAND in note for note in result.notes)


# --- benchmark ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "indicator, low, high, threshold, direction",
    [
        ("imf_tax_gdp", 15, 15, None, "below"),
        ("imf_tax_gdp", 15, 15, None, "above"),
        ("imf_tax_gdp", 15, 15, 8, "below"),
        ("owid_edu_gdp", 4, 6, None, "below"),
        ("owid_edu_gdp", 4, 6, None, "above"),
        ("owid_edu_gdp", 4, 6, 1.5, "below"),
        ("owid_edu_gdp", 1, 3, None, "within"),
        ("owid_edu_gdp", 4, 6, None, "within"),
    ],
)
def test_benchmark(data, raw, indicator, low, high, threshold, direction):
    context = make_context(data, benchmarks={"bm": benchmark(low, high, threshold)})
    params = {"indicator": indicator, "benchmark": "bm", "direction": direction}
    result = RULES_BY_KEY["benchmark"].check(params, context)
    own = latest_in(raw, indicator, ["AAA"]).iloc[0]
    if direction == "within":
        expected = low <= own.value <= high
    else:
        tested = threshold if threshold is not None else (low if direction == "below" else high)
        expected = own.value < tested if direction == "below" else own.value > tested
        assert format_value(tested, own.unit) in result.sentence
    assert result.holds == expected
    assert str(own.year) in result.sentence and "a test benchmark" in result.sentence


def test_benchmark_unknown_id_is_missing(data):
    result = RULES_BY_KEY["benchmark"].check(
        {"indicator": "imf_tax_gdp", "benchmark": "nope", "direction": "below"}, make_context(data)
    )
    assert result.holds is None and "nope" in result.missing[0]


# --- other_indicator ------------------------------------------------------------------------------------------


def common_year_sum(raw, iso3, main, others, window=WINDOW):
    frames = [raw[(raw.indicator == i) & (raw.iso3 == iso3) & raw.year.between(*window)] for i in [main, *others]]
    years = set.intersection(*[set(f.year) for f in frames])
    if not years:
        return None
    year = max(years)
    values = [f.loc[f.year == year, "value"].iloc[0] for f in frames]
    return year, values[0], sum(values[1:])


@pytest.mark.parametrize("direction", ["above", "below"])
def test_other_indicator_self(data, raw, direction):
    params = {"indicator": "wdi_mil_gdp", "other": ["gm_health_gov_gdp", "owid_edu_gdp"], "direction": direction}
    result = RULES_BY_KEY["other_indicator"].check(params, make_context(data))
    year, main, other = common_year_sum(raw, "AAA", "wdi_mil_gdp", ["gm_health_gov_gdp", "owid_edu_gdp"])
    assert result.holds == (main > other if direction == "above" else main < other)
    assert f"In {year}" in result.sentence
    assert set(result.evidence["year"]) == {year}


def test_other_indicator_peer_ratio(data, raw):
    others = ["gm_health_gov_gdp", "owid_edu_gdp"]
    params = {"indicator": "wdi_mil_gdp", "other": others, "direction": "above", "versus": "peer_median"}
    result = RULES_BY_KEY["other_indicator"].check(params, make_context(data))
    _, main, other = common_year_sum(raw, "AAA", "wdi_mil_gdp", others)
    ratios = [r[1] / r[2] for r in (common_year_sum(raw, p, "wdi_mil_gdp", others) for p in PEERS) if r]
    assert result.holds == (main / other > pd.Series(ratios).median())
    assert f"{pd.Series(ratios).median():.2f}" in result.sentence and "computed" in result.sentence


def test_other_indicator_without_a_common_year_is_missing(data):
    params = {"indicator": "wdi_mil_gdp", "other": ["wgi_pv_pct"], "direction": "above"}
    result = RULES_BY_KEY["other_indicator"].check(params, make_context(data))
    assert result.holds is None and "no single year" in result.missing[0]


# --- trend ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "indicator, direction, window",
    [
        ("wdi_mil_gdp", "rising", WINDOW),
        ("wdi_mil_gdp", "falling", WINDOW),
        ("gm_debt_service_exports", "rising", WINDOW),
        ("wdi_mil_gdp", "rising", (2016, 2020)),
    ],
)
@pytest.mark.parametrize("min_change", [0.0, 0.5])
def test_trend(data, raw, indicator, direction, window, min_change):
    result = RULES_BY_KEY["trend"].check({"indicator": indicator, "direction": direction, "min_change": min_change},
                                         make_context(data, window=window))
    rows = raw[(raw.indicator == indicator) & (raw.iso3 == "AAA") & raw.year.between(*window)].sort_values("year")
    change = rows.value.iloc[-1] - rows.value.iloc[0]
    if abs(change) <= min_change:
        assert result.holds is None and result.outcome == "too_close" and "too close" in result.sentence
    else:
        assert result.holds == (change > 0 if direction == "rising" else change < 0)
    assert str(rows.year.iloc[0]) in result.sentence and str(rows.year.iloc[-1]) in result.sentence


@pytest.mark.parametrize("indicator, window", [("imf_tax_gdp", WINDOW), ("wdi_mil_gdp", (2019, 2024))])
def test_trend_needs_two_values_far_enough_apart(data, indicator, window):
    result = RULES_BY_KEY["trend"].check({"indicator": indicator, "direction": "rising", "min_change": 0.0},
                                         make_context(data, window=window))
    assert result.holds is None and "trend needs two" in result.missing[0]


# --- percentile_band ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("low, high", [(0, 33.3), (33.3, 66.7), (0, 100)])
def test_percentile_band_computed(data, raw, low, high):
    result = RULES_BY_KEY["percentile_band"].check({"indicator": "undp_hdi", "low": low, "high": high},
                                                   make_context(data))
    rows = raw[(raw.indicator == "undp_hdi") & (raw.iso3 != "WLD")]
    own = rows.loc[rows.iso3 == "AAA", "value"].iloc[0]
    others = rows[rows.iso3 != "AAA"]
    percentile = 100 * (others.value < own).sum() / len(others)
    assert result.holds == (low <= percentile <= high)
    assert f"{percentile:.1f}" in result.sentence and "computed" in result.sentence


def test_percentile_band_published(data, raw):
    result = RULES_BY_KEY["percentile_band"].check(
        {"indicator": "wgi_pv_pct", "low": 0, "high": 25, "published": True}, make_context(data)
    )
    own = latest_in(raw, "wgi_pv_pct", ["AAA"]).iloc[0]
    assert result.holds == (0 <= own.value <= 25)
    assert "as published" in result.sentence


def test_percentile_band_with_too_few_countries_is_missing(data):
    result = RULES_BY_KEY["percentile_band"].check({"indicator": "imf_tax_gdp", "low": 0, "high": 50},
                                                   make_context(data))
    assert result.holds is None and "to rank against" in result.missing[0]


# --- largest_share --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "main, others",
    [
        ("sipri_mil_gov_share", ["gm_health_gov_share", "owid_edu_gov_share"]),
        ("gm_health_gov_share", ["sipri_mil_gov_share", "owid_edu_gov_share"]),
    ],
)
def test_largest_share(data, raw, main, others):
    result = RULES_BY_KEY["largest_share"].check({"indicator": main, "others": others}, make_context(data))
    own = {i: latest_in(raw, i, ["AAA"]).iloc[0] for i in [main, *others]}
    assert result.holds == all(own[main].value > own[o].value for o in others)
    if len({row.year for row in own.values()}) > 1:
        assert "years differ" in result.sentence


# --- share_of_years -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("low, high", [(0.1, 0.3), (0.4, 0.6)])
def test_share_of_years(data, low, high):
    events = load_events(FIXTURES / "events.csv")
    context = make_context(data, events=events)
    params = {"kind": "military_rule", "since": 1947, "low": low, "high": high}
    result = RULES_BY_KEY["share_of_years"].check(params, context)
    raw_events = pd.read_csv(FIXTURES / "events.csv")
    mine = raw_events[(raw_events.kind == "military_rule") & (raw_events.countries.str.contains("AAA"))]
    share = (mine.end_year - mine.start_year).sum() / (WINDOW[1] - 1947)
    assert result.holds == (low <= share <= high)
    assert f"{share:.0%}" in result.sentence
    assert len(result.evidence) == len(mine)


def test_share_of_years_for_a_country_without_events_is_missing(data):
    context = make_context(data, focus="BBB", events=load_events(FIXTURES / "events.csv"))
    result = RULES_BY_KEY["share_of_years"].check({"kind": "military_rule", "since": 1947, "low": 0.4, "high": 0.6},
                                                  context)
    assert result.holds is None and "has no military rule" in result.missing[0]


# --- parameter validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, params, problem",
    [
        ("peer_median", {"direction": "above"}, "missing parameter 'indicator'"),
        ("peer_median", {"indicator": "x", "direction": "up"}, "'direction' is 'up'"),
        ("peer_median", {"indicator": "x", "direction": "above", "colour": 1}, "unknown parameter 'colour'"),
        ("percentile_band", {"indicator": "x", "low": "0", "high": 1}, "'low' must be a number"),
        ("largest_share", {"indicator": "x", "others": "y"}, "'others' must be a list"),
    ],
)
def test_param_problems(key, params, problem):
    assert any(problem in p for p in param_problems(RULES_BY_KEY[key], params))


def test_indicator_ids_in_lists_every_alternative():
    params = {"indicator": ["a", "b"], "other": [["c", "d"], "e"], "direction": "above"}
    assert indicator_ids_in(RULES_BY_KEY["other_indicator"], params) == ["a", "b", "c", "d", "e"]


def test_readme_claims_section_lists_every_rule_with_its_sentence():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- section: claims -->")[1].split("<!-- /section: claims -->")[0]
    for rule in RULES:
        assert f"`{rule.key}`" in section and rule.human in section, rule.key
