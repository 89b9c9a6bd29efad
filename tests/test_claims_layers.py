"""The claims layer's seams: one number formatter, one verdict vocabulary, evidence read only through the store's
look-ups, and an evaluation cache that can never serve a result computed from other declared data.

Rule-level fixtures are the hand-made files in tests/fixtures/claims/ (see its README); verdict-level tests use
the shipped store and study, with expectations computed from them here.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from src.charts import common as chart_common
from src.charts.claims import VERDICT_COLOURS, VERDICT_LABELS, VERDICT_STATUSES
from src.charts.evidence import latest_bar_figure
from src.claims import prose
from src.claims.evaluate import EvaluationCache, Settings, combine, evaluate, evaluate_all, resolved_benchmarks
from src.claims.evidence import RuleContext, RuleResult
from src.claims.rules import RULES_BY_KEY
from src.claims.verdicts import STATUS_LABELS, STATUSES, VERDICT_STYLES, style_of
from src.deck.export import badge_html
from src.ingest.store import Store
from src.schema import check_tidy

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "claims"
FIXTURE_WINDOW = (2015, 2024)
FIXTURE_FOCUS, FIXTURE_PEERS = "AAA", ("BBB", "CCC", "DDD", "EEE")
# Streamlit's badge / markdown colour names (st.badge `color`).
STREAMLIT_BADGE_COLOURS = {"blue", "green", "orange", "red", "violet", "gray", "grey", "rainbow", "primary"}


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "tidy.csv", dtype={"note": "string"}).fillna({"note": ""})


@pytest.fixture(scope="module")
def fixture_store(raw) -> Store:
    countries = pd.read_csv(FIXTURES / "countries.csv")
    countries["is_aggregate"] = countries["is_aggregate"].astype(bool)
    return Store(values=check_tidy(raw, "fixture"), countries=countries, fingerprint="fixture")


def fixture_context(store, catalogue, **extra) -> RuleContext:
    return RuleContext(store=store, catalogue=catalogue, focus=FIXTURE_FOCUS, peers=FIXTURE_PEERS,
                       peer_label="Test peers", window=FIXTURE_WINDOW, **extra)


def latest_in(raw, indicator, iso3s) -> pd.DataFrame:
    rows = raw[(raw.indicator == indicator) & raw.iso3.isin(iso3s) & raw.year.between(*FIXTURE_WINDOW)]
    return rows.sort_values("year").groupby("iso3").tail(1)


# --- one number formatter ---------------------------------------------------------------------------------------


def test_charts_use_the_sentences_formatter():
    assert chart_common.format_value is prose.format_value
    assert chart_common.format_amount is prose.format_amount


@pytest.mark.parametrize("rule, params", [
    ("peer_median", {"indicator": "wdi_mil_gdp", "direction": "above"}),
    ("percentile_band", {"indicator": "undp_hdi", "low": 0, "high": 100}),
])
def test_a_chart_label_and_a_sentence_print_the_same_value_alike(fixture_store, catalogue, raw, rule, params):
    """The focus's latest value reads the same in the verdict sentence and on its bar in the latest-value chart."""
    indicator = params["indicator"]
    result = RULES_BY_KEY[rule].check(params, fixture_context(fixture_store, catalogue))
    latest = fixture_store.latest(indicator, [FIXTURE_FOCUS, *FIXTURE_PEERS], *FIXTURE_WINDOW)
    figure = latest_bar_figure(latest, indicator=catalogue[indicator], focus=FIXTURE_FOCUS)
    own = latest_in(raw, indicator, [FIXTURE_FOCUS]).iloc[0]
    label = next(t for t, c in zip(figure.data[0].text, latest.sort_values("value")["iso3"]) if c == FIXTURE_FOCUS)
    amount = label.rsplit(" (", 1)[0]
    assert amount == prose.format_amount(own.value, own.unit)
    assert prose.format_value(own.value, own.unit) in result.sentence and amount in result.sentence


def test_format_value_is_the_amount_plus_the_unit(raw):
    """Every fixture value and unit: the unit-free amount is the start of the sentence form."""
    for value, unit in raw[["value", "unit"]].drop_duplicates().itertuples(index=False):
        assert prose.format_value(value, unit).startswith(prose.format_amount(value, unit)), (value, unit)
        assert prose.format_value(value) == prose.format_number(value)


# --- one verdict vocabulary -------------------------------------------------------------------------------------


def test_the_vocabulary_covers_every_status_combine_can_give():
    def part(outcome, context=False):
        holds = {"holds": True, "fails": False}.get(outcome)
        return RuleResult("peer_median", holds, "s", pd.DataFrame(), context=context, too_close=outcome == "too_close")

    given = {
        combine([part(o) for o in outcomes], mode)
        for n in (1, 2, 3)
        for outcomes in itertools.product(["holds", "fails", "too_close", "unchecked"], repeat=n)
        for mode in ("all", "any", "majority")
    }
    assert given == set(STATUSES) == set(VERDICT_STYLES)


@pytest.mark.parametrize("status", STATUSES)
def test_each_status_has_a_label_colour_badge_and_icon(status):
    style = VERDICT_STYLES[status]
    assert style.label and STATUS_LABELS[status] == VERDICT_LABELS[status] == style.label
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", style.colour) and VERDICT_COLOURS[status] == style.colour
    assert style.badge in STREAMLIT_BADGE_COLOURS
    assert re.fullmatch(r":material/[a-z_]+:", style.icon)
    badge = badge_html(status)
    assert style.colour in badge and style.label in badge


def test_styles_are_distinct_and_the_chart_order_is_the_vocabulary_order():
    assert tuple(VERDICT_STATUSES) == STATUSES
    for attribute in ("label", "colour", "badge", "icon"):
        values = [getattr(style, attribute) for style in VERDICT_STYLES.values()]
        assert len(set(values)) == len(values), attribute


def test_an_unknown_status_keeps_its_words_and_takes_the_fallback_look():
    style = style_of("under_review")
    assert style.label == "Under review" and style.colour in VERDICT_COLOURS.values()


# --- evidence only through the store's look-ups ------------------------------------------------------------------


class LookupsOnly:
    """A store that offers only the look-ups checks may use (no `values`, no `countries`)."""

    def __init__(self, store: Store):
        self.rows, self.latest_rows, self.has, self.name = store.rows, store.latest_rows, store.has, store.name
        self.years_with_value, self.find = store.years_with_value, store.find
        self.aggregates = store.aggregates


def test_every_shipped_check_runs_on_the_store_lookups_alone(shipped_store, shipped_verdicts, study):
    settings = Settings.default(study.defaults)
    for claim_id, verdict in shipped_verdicts(settings).items():  # evaluate_all without a cache
        claim = study.codebook.claims[claim_id]
        lookups = LookupsOnly(shipped_store)
        for test, checked in zip(claim.tests, verdict.parts):
            context = RuleContext(
                store=lookups, catalogue=study.indicators, focus=settings.focus, peers=verdict.peers,
                peer_label=verdict.peer_label, window=settings.window,
                benchmarks=resolved_benchmarks(study.codebook.benchmarks, settings),
                events=study.events, proxies=claim.proxies, tolerances=study.codebook.tolerances,
            )
            alone = RULES_BY_KEY[test.rule].check(test.params, context)
            if alone.proxies:
                # A proxy never decides: the evaluation keeps the proxy's sentence as context, undecided.
                assert checked.holds is None and alone.sentence in checked.sentence, (claim_id, test.rule)
                continue
            assert (alone.holds, alone.sentence) == (checked.holds, checked.sentence), (claim_id, test.rule)


@pytest.mark.parametrize("iso3s, years", [(None, None), (["CCC", "AAA", "ZZZ"], (2016, 2020)), (["AAA"], (None, 2019))])
def test_store_lookups_agree_with_plain_pandas(fixture_store, raw, iso3s, years):
    for indicator in raw["indicator"].unique():
        expected = raw[raw.indicator == indicator]
        if iso3s is not None:
            expected = expected[expected.iso3.isin(iso3s)]
        low, high = years or (None, None)
        expected = expected[expected.year.between(low or -10**6, high or 10**6)]
        rows = fixture_store.rows(indicator, iso3s, years)
        assert sorted(zip(rows.iso3, rows.year, rows.value)) == sorted(zip(expected.iso3, expected.year, expected.value))
        latest = fixture_store.latest_rows(indicator, iso3s, years)
        want = expected.sort_values("year").groupby("iso3").tail(1)
        assert sorted(zip(latest.iso3, latest.year)) == sorted(zip(want.iso3, want.year))
    assert not fixture_store.has("no_such_indicator") and fixture_store.rows("no_such_indicator").empty


# --- the evaluation cache -----------------------------------------------------------------------------------------


def same_verdict(a, b) -> bool:
    return (a.status, a.sentence, a.headline, a.missing, a.notes, a.peers) == (
        b.status, b.sentence, b.headline, b.missing, b.notes, b.peers) and a.evidence.equals(b.evidence)


def test_a_cache_gives_the_same_verdicts_as_none(shipped_store, shipped_verdicts, study):
    cache = EvaluationCache()
    for settings in (Settings.default(study.defaults), Settings.default(study.defaults, window=(2005, 2015))):
        fresh = shipped_verdicts(settings)  # evaluate_all without a cache
        for _ in range(2):  # the second pass is served from the cache
            cached = evaluate_all(study, shipped_store, settings, cache=cache)
            assert all(same_verdict(cached[c], fresh[c]) for c in fresh)
    assert cache.results


def first_benchmark_test(study):
    """(claim, benchmark) of the first shipped claim with an above/below benchmark test."""
    for claim in study.codebook.claims.values():
        for test in claim.tests:
            if test.rule == "benchmark" and test.params["direction"] != "within":
                return claim, study.codebook.benchmarks[test.params["benchmark"]]
    pytest.skip("no shipped claim tests a benchmark")


def test_an_edited_benchmark_is_not_served_stale(shipped_store, study):
    claim, benchmark = first_benchmark_test(study)
    settings = Settings.default(study.defaults)
    cache = EvaluationCache()
    evaluate(claim, shipped_store, settings, study, cache=cache)
    # The researcher moves the benchmark (as an edit of benchmarks.yaml would); the settings stay the same.
    moved = replace(benchmark, low=benchmark.low * 2 + 1, high=benchmark.high * 2 + 1)
    benchmarks = {**study.codebook.benchmarks, benchmark.id: moved}
    edited = replace(study, codebook=replace(study.codebook, benchmarks=benchmarks))
    cached = evaluate(claim, shipped_store, settings, edited, cache=cache)
    assert same_verdict(cached, evaluate(claim, shipped_store, settings, edited))
    assert not same_verdict(cached, evaluate(claim, shipped_store, settings, study))


def test_an_edited_peer_group_is_not_served_stale(shipped_store, study):
    settings = Settings.default(study.defaults)
    group = study.peer_groups[settings.peer_group]
    cache = EvaluationCache()
    before = evaluate_all(study, shipped_store, settings, cache=cache)
    # Another group's members under this group's id and label, as an edit of peer_groups.yaml would give.
    other = next(g for g in study.peer_groups.values() if g.id != group.id and g.kind == "list")
    edited_groups = {**study.peer_groups, group.id: replace(other, id=group.id, label=group.label)}
    edited = replace(study, peer_groups=edited_groups)
    after = evaluate_all(edited, shipped_store, settings, cache=cache)
    fresh = evaluate_all(edited, shipped_store, settings)
    assert all(same_verdict(after[c], fresh[c]) for c in fresh)
    assert {v.peers for v in after.values()} != {v.peers for v in before.values()}


def test_a_cache_starts_afresh_for_another_store(fixture_store, shipped_store, study):
    cache = EvaluationCache()
    settings = Settings.default(study.defaults)
    evaluate_all(study, shipped_store, settings, cache=cache)
    on_fixture = evaluate_all(study, fixture_store, settings, cache=cache)
    fresh = evaluate_all(study, fixture_store, settings)
    assert all(same_verdict(on_fixture[c], fresh[c]) for c in fresh)


def test_robustness_stays_importable_from_evaluate():
    from src.claims import evaluate as evaluation
    from src.claims import robustness as robustness_module

    assert evaluation.robustness is robustness_module.robustness
    assert evaluation.robustness_variants is robustness_module.robustness_variants
