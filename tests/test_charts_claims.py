"""The study-page figures (src/charts/claims.py), checked on their traces, shapes and text.

Expected values are read here, independently, from the shipped WDI bulk CSV with plain pandas.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from src.catalogue import indicators as indicator_catalogue
from src.catalogue import sources as source_catalogue
from src.charts.claims import (
    Benchmark,
    as_benchmark,
    claim_chart,
    coding_chain_figure,
    peer_median,
    verdict_counts,
)

ROOT = Path(__file__).resolve().parent.parent
MILITARY_CSV = next((ROOT / "data/snapshots/wdi").glob("API_MS.MIL.XPND.GD.ZS_*/API_MS.MIL.XPND.GD.ZS_*.csv"))
SOUTH_ASIA = ["AFG", "BGD", "BTN", "IND", "LKA", "MDV", "NPL", "PAK"]
YEARS = (1990, 2024)


@pytest.fixture(scope="module")
def military() -> pd.DataFrame:
    """WDI military spending % GDP for South Asia and its published aggregate, as tidy rows."""
    wide = pd.read_csv(MILITARY_CSV, skiprows=4)
    wide = wide[wide["Country Code"].isin(SOUTH_ASIA + ["SAS"])]
    year_columns = [c for c in wide.columns if c.isdigit()]
    long = wide.melt(id_vars=["Country Code", "Country Name"], value_vars=year_columns, var_name="year")
    long = long.dropna(subset=["value"]).rename(columns={"Country Code": "iso3", "Country Name": "country"})
    long["year"] = long["year"].astype(int)
    return long.assign(
        indicator="wdi_mil_gdp",
        unit="% of GDP",
        source="wdi",
        code="MS.MIL.XPND.GD.ZS",
        file=str(MILITARY_CSV.relative_to(ROOT / "data/snapshots")),
        note="",
        computed=False,
    )


EVENTS = pd.DataFrame(
    # Shaped like data/catalogue/events.csv rows; the dates are the periods named in docs (claims.md).
    [
        {"label": "Military rule (Musharraf)", "kind": "military_rule", "start": "1999-10-12", "end": "2008-08-18",
         "source": "test"},
        {"label": "2010 floods", "kind": "disaster", "start": "2010-07-01", "end": "", "source": "test"},
        {"label": "Military rule (Ayub Khan)", "kind": "military_rule", "start": "1958", "end": "1971",
         "source": "test"},
    ]
)


def build(military, **overrides):
    options = dict(
        claim_id="C1.2",
        indicator_ids=["wdi_mil_gdp"],
        indicators=indicator_catalogue(),
        focus="PAK",
        peers=SOUTH_ASIA,
        years=YEARS,
        names={"PAK": "Pakistan", "IND": "India", "SAS": "South Asia"},
        aggregates=["SAS"],
        peer_label="South Asia",
        events=EVENTS,
        sources=source_catalogue(),
    )
    options.update(overrides)
    return claim_chart(military, **options)


def trace(fig, name):
    matches = [t for t in fig.data if t.name == name]
    assert len(matches) == 1, [t.name for t in fig.data]
    return matches[0]


def test_focus_trace_shows_each_published_value_in_its_own_year(military):
    fig = build(military)
    pakistan = trace(fig, "Pakistan")
    expected = military[(military["iso3"] == "PAK") & military["year"].between(*YEARS)].set_index("year")["value"]
    drawn = pd.Series(list(pakistan.y), index=list(pakistan.x), dtype="float64").dropna()
    pd.testing.assert_series_equal(drawn, expected.astype("float64"), check_names=False, check_index_type=False)
    assert pakistan.connectgaps is False
    assert "Year %{x}" in pakistan.hovertemplate


def test_years_without_data_stay_empty_rather_than_filled(military):
    fig = build(military)
    afghanistan = trace(fig, "AFG")
    published_years = set(military.loc[military["iso3"] == "AFG", "year"])
    for year, value in zip(afghanistan.x, afghanistan.y):
        assert (value is not None and not pd.isna(value)) == (year in published_years)


def test_peer_median_is_labelled_computed_and_matches_the_peers(military):
    fig = build(military)
    median = trace(fig, "Median of South Asia (computed)")
    peers = military[military["iso3"].isin([p for p in SOUTH_ASIA if p != "PAK"])]
    expected = peers.groupby("year")["value"].median()
    for year, value in zip(median.x, median.y):
        if year in expected.index:
            assert value == pytest.approx(expected[year])
    assert "computed" in fig.layout.meta["source_line"].lower()


def test_published_aggregate_is_drawn_as_published(military):
    fig = build(military)
    aggregate = trace(fig, "South Asia (as published)")
    expected = military[(military["iso3"] == "SAS") & military["year"].between(*YEARS)]
    assert sorted(v for v in aggregate.y if v is not None and not pd.isna(v)) == sorted(expected["value"])
    assert aggregate.line.dash == "dot"


def test_title_states_claim_indicator_country_peers_and_years(military):
    title = build(military).layout.title.text
    for part in ("C1.2", "Military spending", "Pakistan", "South Asia", "1990", "2024"):
        assert part in title


def test_source_annotation_cites_the_publisher(military):
    fig = build(military)
    source_notes = [a for a in fig.layout.annotations if a.name == "source"]
    assert len(source_notes) == 1
    assert source_notes[0].text.startswith("Source: World Bank (2026). World Development Indicators")


def test_military_rule_is_shaded_and_other_events_are_lines(military):
    fig = build(military)
    shapes = {s.name: s for s in fig.layout.shapes}
    musharraf = shapes["event: Military rule (Musharraf)"]
    assert (musharraf.type, musharraf.x0, musharraf.x1) == ("rect", 1998.5, 2008.5)
    flood = shapes["event: 2010 floods"]
    assert (flood.type, flood.x0, flood.x1) == ("line", 2010, 2010)
    # Ayub Khan's rule ended before 1990, so it is not drawn.
    assert "event: Military rule (Ayub Khan)" not in shapes


def test_benchmark_line_and_band(military):
    line = build(military, benchmarks=[{"indicator": "wdi_mil_gdp", "value": 2.0, "label": "2 % line"}])
    (shape,) = [s for s in line.layout.shapes if s.name == "benchmark: 2 % line"]
    assert (shape.type, shape.y0, shape.y1) == ("line", 2.0, 2.0)
    band = build(military, benchmarks=[Benchmark("wdi_mil_gdp", 4.0, 6.0, "4-6 %")])
    (shape,) = [s for s in band.layout.shapes if s.name == "benchmark: 4-6 %"]
    assert (shape.type, shape.y0, shape.y1) == ("rect", 4.0, 6.0)


def test_benchmark_without_value_is_refused():
    with pytest.raises(ValueError, match="tipping"):
        as_benchmark({"label": "tipping point"})


def test_indicator_without_rows_gets_an_empty_panel_that_says_so(military):
    fig = build(military, indicator_ids=["wdi_mil_gdp", "wdi_tax_gdp"])
    assert {a.name for a in fig.layout.annotations} >= {"no-data", "source"}
    assert "Tax revenue" in fig.layout.title.text


def test_peer_median_counts_only_peers_with_data(military):
    median = peer_median(military, ["IND", "AFG"]).set_index("year")
    # Afghanistan has no values before the 2000s in WDI; those years are the median of India alone.
    india_only = set(military.loc[military["iso3"] == "IND", "year"]) - set(military.loc[military["iso3"] == "AFG", "year"])
    assert india_only
    assert (median.loc[sorted(india_only), "n"] == 1).all()


def test_verdict_counts_tally_by_theme():
    verdicts = [
        SimpleNamespace(claim_id="C2.1", status="supported"),
        SimpleNamespace(claim_id="C2.3", status="supported"),
        SimpleNamespace(claim=SimpleNamespace(id="C3.1"), status="insufficient_data"),
        SimpleNamespace(claim_id="X9.9", status="supported"),
    ]
    counts = verdict_counts(verdicts, {"C2.1": "C2", "C2.3": "C2", "C3.1": "C3", "A1.1": "A1"}).set_index("theme")
    assert counts.loc["C2", "supported"] == 2
    assert counts.loc["C3", "insufficient_data"] == 1
    assert counts.loc["A1", "total"] == 0
    assert list(counts.index) == ["C2", "C3", "A1"]


def test_coding_chain_links_each_stage_in_order():
    chain = pd.DataFrame(
        # The worked examples of the paper's method section.
        [
            {"keyword": "expanded security", "code": "from territorial to human",
             "initial_theme": "expansion of concept of security", "theme": "A1"},
            {"keyword": "focus on human needs", "code": "from territorial to human",
             "initial_theme": "expansion of concept of security", "theme": "A1"},
            {"keyword": "soft power gain", "code": "recognition at international level", "initial_theme": "",
             "theme": "A3"},
        ]
    )
    fig = coding_chain_figure(chain, theme_labels={"A1": "Broadening the scope of security"})
    sankey = fig.data[0]
    labels = list(sankey.node.label)
    assert "Broadening the scope of security" in labels and "A3" in labels
    assert dict(zip(labels, sankey.node.customdata))["from territorial to human"] == "Code"
    links = {(labels[s], labels[t]): v for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value)}
    assert links[("from territorial to human", "expansion of concept of security")] == 2
    assert links[("recognition at international level", "A3")] == 1
    assert "keywords" in fig.layout.title.text
