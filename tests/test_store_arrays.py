"""The store's array look-ups (`Store.find`, `Store.rows_at`, `Store.key_codes`) and the evidence made from them
give exactly what the frame look-ups (`Store.rows`, `Store.latest_rows`) and the pandas ways give (issue 16).

Every expectation is computed here from the shipped store through its frame look-ups; the countries, years and
indicators are drawn from the store itself, so nothing is typed in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from src.claims.evidence import EVIDENCE_COLUMNS, RuleContext, evidence_of, stacked, tagged, verdict_evidence, with_role
from src.claims.rules import pandas_means, summarised
from tests.columns import counts_of


@pytest.fixture(scope="module")
def store(shipped_store):
    return shipped_store


def busiest_indicator(store) -> str:
    return str(counts_of(store.values["indicator"]).index[0])


# Frames here hold the store's categoricals: assert_frame_equal's default compares them cell by cell through
# boxed category strings (seconds for one series); exact comparison checks the same cells as arrays (stricter too:
# floats must match to the last digit, as rows taken from the same frame do).
EXACT = {"check_exact": True}


def some_countries(store, indicator: str, count: int) -> list[str]:
    """The first `count` codes with a value of `indicator`, an aggregate among them when the store has one."""
    codes = list(dict.fromkeys(store.rows(indicator)["iso3"].astype(str)))
    aggregates = [c for c in codes if c in store.aggregates][:1]
    return [*codes[:count - len(aggregates)], *aggregates]


def make_look_ups(store):
    """(indicator, countries, years) look-ups: one country, several (reversed order, a code with no rows), all."""
    indicator = busiest_indicator(store)
    countries = some_countries(store, indicator, 6)
    middle = int(store.rows(indicator)["year"].median())
    return [
        (indicator, countries[:1], None),
        (indicator, countries[:1], (middle, None)),
        (indicator, [*reversed(countries), "NOT_A_CODE"], (middle - 5, middle + 5)),
        (indicator, None, (middle, middle)),
        (indicator, None, None),
        ("no_such_indicator", countries, None),
    ]


@pytest.fixture(scope="module")
def look_ups(store):
    """`make_look_ups` on the shipped store, made once for the module (finding the busiest series takes a while)."""
    return make_look_ups(store)


@pytest.mark.parametrize("latest_only", [False, True])
def test_found_frame_is_what_the_frame_look_ups_give(store, look_ups, latest_only):
    for indicator, countries, years in look_ups:
        expected = (store.latest_rows if latest_only else store.rows)(indicator, countries, years)
        found = store.find(indicator, countries, years, latest_only=latest_only)
        if countries is None and years is None and not latest_only:
            # The whole indicator: `rows` hands out the sorted frame itself.
            pd.testing.assert_frame_equal(found.frame(), expected, **EXACT)
        else:
            pd.testing.assert_frame_equal(found.frame(), expected, check_index_type=True, **EXACT)
        assert len(found) == len(expected) and found.empty == expected.empty
        assert found.values.tolist() == expected["value"].tolist()
        assert found.years.tolist() == expected["year"].tolist()
        assert found.iso3s == [str(c) for c in expected["iso3"]]
        assert found.column("unit").tolist() == [str(u) for u in expected["unit"]]


def test_every_country_in_some_years_is_what_a_plain_mask_gives(store, look_ups):
    indicator, _, years = look_ups[3]
    values = store.values
    mask = (values["indicator"] == indicator) & values["year"].between(*years)
    expected = values[mask].sort_values(["iso3", "year"], kind="stable")
    found = store.find(indicator, None, years)
    assert len(found) > 10
    assert list(zip(found.iso3s, found.years.tolist(), found.values.tolist())) == list(
        zip(expected["iso3"].astype(str), expected["year"], expected["value"]))


def test_found_subset_keeps_the_chosen_rows_in_order(store, look_ups):
    indicator, countries, years = look_ups[2]
    found = store.find(indicator, countries, years)
    keep = np.arange(len(found)) % 2 == 0
    expected = store.rows(indicator, countries, years)[keep]
    assert found.subset(keep).values.tolist() == expected["value"].tolist()
    assert found.subset(keep).iso3s == [str(c) for c in expected["iso3"]]


def test_rows_at_takes_the_found_rows_from_the_store(store, look_ups):
    for indicator, countries, years in look_ups[:4]:
        found = store.find(indicator, countries, years)
        expected = store.rows(indicator, countries, years).reset_index(drop=True)
        pd.testing.assert_frame_equal(store.rows_at(found.source_labels), expected, **EXACT)


def test_key_codes_tell_rows_apart_as_the_columns_do(store):
    iso3, indicator, year = store.key_codes
    sample = np.linspace(0, len(store.values) - 1, 400).astype(int)
    rows = store.values.iloc[sample]
    as_codes = list(zip(iso3[sample], indicator[sample], year[sample]))
    as_values = list(zip(rows["iso3"].astype(str), rows["indicator"].astype(str), rows["year"]))
    # Equal codes exactly where equal values: the pairing is one to one.
    assert len(set(as_codes)) == len(set(as_values)) == len(set(zip(as_codes, as_values)))


def test_verdict_evidence_in_one_take_equals_stacking_and_dropping_repeats(store, look_ups):
    indicator, countries, years = look_ups[2]
    focus = store.find(indicator, countries[:1], years, latest_only=True)
    peers = store.find(indicator, countries, years)
    parts = [tagged(store, focus, "focus"), stacked(tagged(store, focus, "focus"), tagged(store, peers, "peer"))]
    frames = [with_role(focus.frame(), "focus"),
              evidence_of(with_role(focus.frame(), "focus"), with_role(peers.frame(), "peer"))]
    for part, frame in zip(parts, frames):
        pd.testing.assert_frame_equal(part.frame, frame, check_index_type=True, **EXACT)
    expected = evidence_of(*frames).drop_duplicates(["iso3", "indicator", "year", "role"]).reset_index(drop=True)
    got = verdict_evidence(parts)
    assert list(got.columns) == EVIDENCE_COLUMNS and len(got) < sum(len(f) for f in frames)  # a repeat was dropped
    pd.testing.assert_frame_equal(got, expected, check_index_type=True, **EXACT)
    # A part given as a plain frame takes the pandas way, with the same answer.
    pd.testing.assert_frame_equal(verdict_evidence([frames[0], parts[1]]), expected, check_index_type=True, **EXACT)


def test_means_over_years_equal_the_pandas_groupby(store, look_ups):
    indicator, countries, years = look_ups[2]
    countries = [c for c in countries if c != "NOT_A_CODE"]
    context = RuleContext(store=store, catalogue={}, focus=countries[0], peers=(), peer_label="", window=years)
    for needed in (1, 3, 8):
        got = summarised(indicator, countries, context, years, {"summary": "mean", "min_years": needed})
        want = pandas_means(store.rows(indicator, countries, years), needed)
        assert got.iso3s == want.iso3s
        assert len(got) > 0 or needed > 1
        assert np.array_equal(got.values, want.values)  # every digit
        assert got.years.tolist() == want.years.tolist() and got.n_years.tolist() == want.n_years.tolist()


def test_the_sort_is_skipped_only_for_rows_already_in_country_and_year_order(store, look_ups):
    """Each shipped series' rows stand as the stable (iso3, year) sort would put them, so the index skips the sort;
    a shuffled copy or plain-text codes are not taken as sorted, and the index then sorts them."""
    from src.ingest.store import IndicatorRows, sorted_by_country_and_year

    indicator = look_ups[0][0]  # the busiest series
    rows = store.values[store.values["indicator"] == indicator]
    assert sorted_by_country_and_year(rows)
    assert rows.sort_values(["iso3", "year"], kind="stable").index.equals(rows.index)
    shuffled = rows.sample(frac=1, random_state=0)
    assert not sorted_by_country_and_year(shuffled)
    assert not sorted_by_country_and_year(rows.astype({"iso3": str}))
    built = IndicatorRows(shuffled)
    assert list(built.source_labels) == list(rows.index)
