"""The fast look-ups and evidence stacking give exactly what the plain pandas ways give, and an EvaluationCache
never changes a verdict (issue 16: evaluating a new comparison fast, with identical verdicts).

Comparisons are drawn from the shipped store and the declared peer groups; the data-poor country is the one with
the fewest values in the store, so nothing here is typed in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from src.claims.evaluate import EvaluationCache, Settings, evaluate_all
from src.claims.evidence import EVIDENCE_COLUMNS, evidence_of, rows_with_role, with_role
from tests.columns import counts_of


@pytest.fixture(scope="module")
def store(shipped_store):
    return shipped_store


def data_poor_country(store) -> str:
    """The country (not an aggregate) with the fewest values in the store."""
    counts = counts_of(store.values["iso3"])
    listed = set(store.countries["iso3"])  # made once, not once per code
    countries = [c for c in counts.index if c not in store.aggregates and c in listed]
    return min(countries, key=lambda c: (counts[c], c))


def verdict_fields(verdict) -> tuple:
    return (verdict.status, verdict.headline, verdict.sentence, verdict.tally, verdict.key_fact, verdict.missing,
            verdict.notes, verdict.peers, verdict.caption, tuple(p.outcome for p in verdict.parts))


def comparisons(study, store) -> list[Settings]:
    groups = list(study.peer_groups)
    foci = [study.defaults.focus, "NOR", data_poor_country(store)]
    # Each focus with a different declared group, so every comparison is new to the cache.
    return [Settings.default(study.defaults, focus=f, peer_group=groups[i % len(groups)]) for i, f in enumerate(foci)]


def test_a_cache_warm_from_other_comparisons_changes_no_verdict(study, store, shipped_verdicts):
    cache = EvaluationCache()
    evaluate_all(study, store, Settings.default(study.defaults), cache=cache)  # warm from another comparison
    checked = 0
    for settings in comparisons(study, store):
        plain = shipped_verdicts(settings)  # evaluate_all without a cache, shared with other files' same settings
        cached = evaluate_all(study, store, settings, cache=cache)
        assert list(plain) == list(cached) == list(study.codebook.claims)
        for claim_id, verdict in plain.items():
            assert verdict_fields(cached[claim_id]) == verdict_fields(verdict), (settings, claim_id)
            pd.testing.assert_frame_equal(cached[claim_id].evidence, verdict.evidence)
            checked += 1
    assert checked == 3 * len(study.codebook.claims)


def test_stacked_evidence_equals_pandas_concat(study, store, shipped_verdicts):
    settings = comparisons(study, store)[0]
    frames = [p.evidence for v in shipped_verdicts(settings).values() for p in v.parts if len(p.evidence)]
    assert len(frames) > 5
    expected = pd.concat(frames, ignore_index=True).reindex(columns=EVIDENCE_COLUMNS)
    pd.testing.assert_frame_equal(evidence_of(*frames), expected)


def test_one_country_slice_equals_the_many_country_take(store):
    indicator = counts_of(store.values["indicator"]).index[0]
    countries = list(dict.fromkeys(store.rows(indicator)["iso3"].astype(str)))[:4]
    years = (2000, 2020)
    together = store.rows(indicator, countries, years)
    latest_together = store.latest_rows(indicator, countries, years)
    for iso3 in countries:
        alone = store.rows(indicator, [iso3], years)
        expected = together[together["iso3"] == iso3]
        pd.testing.assert_frame_equal(alone.reset_index(drop=True), expected.reset_index(drop=True))
        assert list(store.years_with_value(indicator, iso3, years)) == list(alone["year"])
        latest = store.latest_rows(indicator, [iso3], years)
        pd.testing.assert_frame_equal(latest.reset_index(drop=True),
                                      latest_together[latest_together["iso3"] == iso3].reset_index(drop=True))
    assert store.rows(indicator, ["NOT_A_CODE"], years).empty
    assert len(store.years_with_value(indicator, "NOT_A_CODE", years)) == 0


def test_tagging_rows_keeps_the_evidence_columns(store):
    indicator = str(store.values["indicator"].iloc[0])
    tagged = with_role(store.rows(indicator), "peer")
    assert list(tagged.columns) == EVIDENCE_COLUMNS
    assert set(tagged["role"]) == {"peer"}


def test_rows_taken_column_by_column_equal_the_frame_take(store):
    # Rows from across the store, some twice and out of order, each with a role; and a frame's own rows.
    labels = np.array([5, 0, len(store.values) - 1, 5, len(store.values) // 2], dtype=np.intp)
    roles = np.array(["focus", "peer", "aggregate", "peer", "focus"], dtype=object)
    expected = store.values.take(labels).reset_index(drop=True)
    expected["role"] = roles
    taken = rows_with_role(store.values, labels, roles)
    pd.testing.assert_frame_equal(taken, expected, check_exact=True)
    assert list(taken.dtypes) == list(expected.dtypes) and taken.columns.dtype == expected.columns.dtype
    found = store.find(store.values["indicator"].iloc[0], None, (2000, 2020)).frame()
    pd.testing.assert_frame_equal(with_role(found, "peer"), found.assign(role="peer"), check_exact=True)
