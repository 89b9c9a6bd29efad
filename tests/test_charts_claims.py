"""The study-page figures (src/charts/claims.py), checked on their traces, shapes and text.

Expected values are read here, independently, from the shipped WDI bulk CSV with plain pandas.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from src.charts.claims import (
    Benchmark,
    as_benchmark,
    chart_indicators,
    claim_benchmarks,
    claim_chart,
    claim_notes,
    codes_table,
    coding_chain_figure,
    coding_chain_rows,
    evidence_table,
    peer_median,
    period_timeline_figure,
    source_freshness,
    theme_indicators,
    verdict_counts,
)
from src.claims.prose import indicator_phrase
from src.study.yaml_io import parse_yaml
from tests.figure_checks import unchecked_differences
from tests.shipped import shipped_codebook, shipped_indicators, shipped_sources

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


# The shipped events table, read independently (start_year, end_year, label, kind, countries, source).
EVENTS = pd.read_csv(ROOT / "data/catalogue/events.csv", dtype={"end_year": "Int64"})


@pytest.fixture(scope="module")
def military_chart(military):
    """`build(military)` with no overrides, made once: seven checks below read this same chart, none changes it."""
    return build(military)


def build(military, **overrides):
    options = dict(
        claim_id="C1.2",
        indicator_ids=["wdi_mil_gdp"],
        indicators=shipped_indicators(),
        focus="PAK",
        peers=SOUTH_ASIA,
        years=YEARS,
        names={"PAK": "Pakistan", "IND": "India", "SAS": "South Asia"},
        aggregates=["SAS"],
        peer_label="South Asia",
        events=EVENTS,
        sources=shipped_sources(),
    )
    options.update(overrides)
    return claim_chart(military, **options)


def trace(fig, name):
    matches = [t for t in fig.data if t.name == name]
    assert len(matches) == 1, [t.name for t in fig.data]
    return matches[0]


def test_focus_trace_shows_each_published_value_in_its_own_year(military, military_chart):
    fig = military_chart
    pakistan = trace(fig, "Pakistan")
    expected = military[(military["iso3"] == "PAK") & military["year"].between(*YEARS)].set_index("year")["value"]
    drawn = pd.Series(list(pakistan.y), index=list(pakistan.x), dtype="float64").dropna()
    pd.testing.assert_series_equal(drawn, expected.astype("float64"), check_names=False, check_index_type=False)
    assert pakistan.connectgaps is False
    assert "Year %{x}" in pakistan.hovertemplate


def test_years_without_data_stay_empty_rather_than_filled(military, military_chart):
    fig = military_chart
    afghanistan = trace(fig, "AFG")
    published_years = set(military.loc[military["iso3"] == "AFG", "year"])
    for year, value in zip(afghanistan.x, afghanistan.y):
        assert (value is not None and not pd.isna(value)) == (year in published_years)


def test_peer_median_is_labelled_computed_and_matches_the_peers(military, military_chart):
    fig = military_chart
    median = trace(fig, "Median of South Asia (computed)")
    peers = military[military["iso3"].isin([p for p in SOUTH_ASIA if p != "PAK"])]
    expected = peers.groupby("year")["value"].median()
    for year, value in zip(median.x, median.y):
        if year in expected.index:
            assert value == pytest.approx(expected[year])
    assert "computed" in fig.layout.meta["source_line"].lower()


def test_published_aggregate_is_drawn_as_published(military, military_chart):
    fig = military_chart
    aggregate = trace(fig, "South Asia (as published)")
    expected = military[(military["iso3"] == "SAS") & military["year"].between(*YEARS)]
    assert sorted(v for v in aggregate.y if v is not None and not pd.isna(v)) == sorted(expected["value"])
    assert aggregate.line.dash == "dot"


def test_title_says_what_is_shown_not_the_claim_code(military_chart):
    fig = military_chart
    title = fig.layout.title.text
    label = indicator_phrase("wdi_mil_gdp", shipped_indicators())
    for part in (label[0].upper() + label[1:], "Pakistan", "South Asia", "1990", "2024"):
        assert part in title
    assert "C1.2" not in title and fig.layout.meta["claim"] == "C1.2"


def test_source_line_cites_the_publisher_once_outside_the_figure(military_chart):
    fig = military_chart
    assert not [a for a in fig.layout.annotations if a.name == "source"]
    assert fig.layout.meta["source_line"].startswith("Source: World Bank (2026). World Development Indicators")


def test_periods_are_light_bands_and_every_event_a_marker_on_the_time_axis(military_chart):
    fig = military_chart
    (markers,) = [t for t in fig.data if t.name == "Events"]
    assert set(markers.y) == {0} and fig.layout.yaxis99.range == (0, 1)  # the invisible axis over the time axis
    for event in EVENTS.to_dict("records"):
        end = event["start_year"] if pd.isna(event["end_year"]) else event["end_year"]
        bands = [s.x0 for s in fig.layout.shapes if s.name == f"event: {event['label']}"]
        hovers = [text for text in markers.text if event["label"] in text]
        if end < YEARS[0]:
            assert bands == [] and hovers == []
            continue
        assert hovers, event["label"]
        if end > event["start_year"]:
            assert max(event["start_year"], YEARS[0]) - 0.5 in bands
        else:  # a single year is a marker only, never a band
            assert event["start_year"] - 0.5 not in bands
    assert any(e < YEARS[0] for e in EVENTS["end_year"].dropna())  # the table has an event before the window
    # No event text on the data: nothing rotated, no event annotation.
    assert not [a for a in fig.layout.annotations if (a.name or "").startswith("event")]


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
    assert "no-data" in {a.name for a in fig.layout.annotations}
    panel_titles = [a.text for a in fig.layout.annotations]
    catalogue = shipped_indicators()
    for indicator_id in ("wdi_tax_gdp", "wdi_mil_gdp"):
        label = indicator_phrase(indicator_id, catalogue)
        assert f"{label[0].upper() + label[1:]} ({catalogue[indicator_id].unit})" in panel_titles


def test_peer_median_counts_only_peers_with_data(military):
    median = peer_median(military, ["IND", "AFG"]).set_index("year")
    # Afghanistan has no values before the 2000s in WDI; those years are the median of India alone.
    years_of = {iso3: set(military.loc[military["iso3"] == iso3, "year"]) for iso3 in ("IND", "AFG")}
    india_only = years_of["IND"] - years_of["AFG"]
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

    codes = parse_yaml((ROOT / "data/codebook/codes.yaml").read_text(encoding="utf-8"))
    themes = parse_yaml((ROOT / "data/codebook/themes.yaml").read_text(encoding="utf-8"))
    fig = coding_chain_figure(coding_chain_rows(codes), theme_labels={t["id"]: t["label"] for t in themes})
    sankey = fig.data[0]
    labels = [label.replace("<br>", " ") for label in sankey.node.label]  # wrapped to fit a column
    stage_of = dict(zip(labels, sankey.node.customdata))
    links = {(labels[s], labels[t]): v for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value)}
    theme_label = {t["id"]: t["label"] for t in themes}
    for code in codes:
        assert stage_of[code["label"]] in ("Code", "Keyword")
        target = code["initial_theme"] or theme_label[code["theme"]]
        assert links[(code["label"], target)] >= len(code["keywords"])
        for keyword in code["keywords"]:
            assert (keyword, code["label"]) in links
    assert {stage_of[label] for label in theme_label.values()} == {"Final theme"}
    assert "keywords" in fig.layout.title.text
    assert unchecked_differences(fig) == []  # what plotly's checks would make of the chart's dict


# --- helpers the study pages use ---------------------------------------------------------------------------------

CODEBOOK_DIR = ROOT / "data/codebook"


@functools.cache
def shipped_yaml(path: Path):
    """A shipped YAML file's plain values, parsed once per module (claims.yaml is read by two tests); read-only."""
    return parse_yaml(path.read_text(encoding="utf-8"))


def test_chart_draws_what_the_verdict_used_in_declared_order():
    claim = SimpleNamespace(indicators=("wdi_mil_gdp", "sipri_mil_gdp"), context=("wdi_inflation",))
    verdict = SimpleNamespace(evidence=pd.DataFrame({"indicator": ["wdi_inflation", "wdi_mil_gdp", "wdi_mil_gdp"]}))
    available = {"wdi_mil_gdp", "sipri_mil_gdp", "wdi_inflation"}
    assert chart_indicators(claim, verdict, available) == ["wdi_mil_gdp", "wdi_inflation"]
    # No evidence (e.g. insufficient data): the first declared series that has data.
    empty = SimpleNamespace(evidence=pd.DataFrame({"indicator": []}))
    assert chart_indicators(claim, empty, {"sipri_mil_gdp"}) == ["sipri_mil_gdp"]


def test_benchmarks_match_drawn_indicators_by_concept():
    shipped = {b["id"]: b for b in shipped_yaml(ROOT / "data/catalogue/benchmarks.yaml")}
    catalogue = shipped_indicators()
    benchmarks = shipped_codebook().benchmarks
    found = claim_benchmarks(benchmarks, catalogue, ["owid_edu_gdp", "wdi_mil_gdp"])
    assert [(b.indicator, b.low, b.high) for b in found] == [
        ("owid_edu_gdp", shipped["edu_gdp"]["low"], shipped["edu_gdp"]["high"]),
        ("wdi_mil_gdp", shipped["mil_gdp"]["value"], shipped["mil_gdp"]["value"]),
    ]
    (chosen,) = claim_benchmarks(benchmarks, catalogue, ["owid_edu_gdp"],
                                 [("edu_gdp", 5.5)])
    assert (chosen.low, chosen.high) == (5.5, 5.5) and "your value" in chosen.label


def test_evidence_table_lists_focus_first_with_year_source_file_and_code(military):
    evidence = military[military["iso3"].isin(["IND", "PAK"])].tail(4).assign(
        role=lambda rows: rows["iso3"].map({"PAK": "focus", "IND": "peer"})
    )
    table = evidence_table(evidence)
    assert table["Role"].iloc[0] == "focus"
    assert {"Year", "source", "File (data/snapshots/)", "Publisher's code"} <= set(table.columns)
    assert sorted(table["Year"]) == sorted(evidence["year"])


def test_claim_notes_say_what_is_missing_and_what_to_keep_in_mind():
    claims = {c["id"]: c for c in shipped_yaml(CODEBOOK_DIR / "claims.yaml")["claims"]}
    debt = SimpleNamespace(**claims["C2.2"])
    notes = claim_notes(debt, SimpleNamespace(missing=("interest payments",), notes=()))
    assert notes[0] == "Could not be checked: interest payments"
    assert any("gm_debt_service_exports is a proxy" in n for n in notes)
    tax = SimpleNamespace(**claims["C2.3"])
    assert claim_notes(tax, SimpleNamespace(missing=(), notes=())) == [f"Keep in mind: {claims['C2.3']['caveat']}"]


def test_period_timeline_draws_the_counted_periods():
    import csv

    with (ROOT / "data/catalogue/events.csv").open(encoding="utf-8") as handle:
        rule = [r for r in csv.DictReader(handle) if r["kind"] == "military_rule"]
    # Shaped as the share_of_years rule's evidence: year = start, value = years counted, code = label.
    evidence = pd.DataFrame(
        {
            "year": [int(r["start_year"]) for r in rule],
            "value": [float(int(r["end_year"]) - int(r["start_year"])) for r in rule],
            "code": [r["label"] for r in rule],
            "source": [r["source"] for r in rule],
            "note": "",
            "computed": True,
        }
    )
    fig = period_timeline_figure(evidence, what="military rule", since=1947, until=2025, country="Pakistan")
    (bars,) = fig.data
    assert list(bars.base) == [int(r["start_year"]) for r in rule]
    assert list(bars.x) == list(evidence["value"])
    assert "military rule" in fig.layout.title.text and "1947-2025" in fig.layout.title.text
    assert rule[0]["source"] in fig.layout.meta["source_line"]


def test_source_freshness_has_one_row_per_source_from_the_sidecars():
    sources = shipped_sources()
    files = []
    for meta in (ROOT / "data/snapshots").rglob("*.meta.yaml"):
        sidecar = shipped_yaml(meta)
        files.append(
            {
                "folder": meta.relative_to(ROOT / "data/snapshots").parts[0],
                "taken": str(sidecar["outs"].get("date_accessed", "")),
                "source_last_updated": str(sidecar["origin"].get("source_last_updated", "")),
                "problem": "",
            }
        )
    files = pd.DataFrame(files)
    table = source_freshness(files, sources).set_index("Source")
    assert len(table) == len(sources)
    wdi = sources["wdi"]
    assert table.loc[f"{wdi.producer}: {wdi.title}", "Files"] == (files["folder"] == "wdi").sum()
    empty = sources["wb_api"]
    assert table.loc[f"{empty.producer}: {empty.title}", "Our copy taken"].startswith("not in the snapshot")


def test_codebook_tables_follow_the_shipped_codes_and_claims():
    codebook = shipped_codebook()
    shipped_codes = shipped_yaml(CODEBOOK_DIR / "codes.yaml")
    rows = coding_chain_rows(codebook.codes.values())
    assert len(rows) == sum(len(c["keywords"]) for c in shipped_codes)
    table = codes_table(codebook.codes.values(), "A1")
    assert list(table["Code"]) == [c["label"] for c in shipped_codes if c["theme"] == "A1"]
    shipped_claims = [c for c in shipped_yaml(CODEBOOK_DIR / "claims.yaml")["claims"] if c["theme"] == "C3"]
    indicators = theme_indicators(codebook.claims.values(), "C3", shipped_indicators(), {"wgi_pv_pct"})
    expected = {i for c in shipped_claims for i in [*c["indicators"], *c.get("preferred", []), *c.get("context", [])]}
    assert set(indicators["id"]) == expected
    assert indicators.set_index("id").loc["wgi_pv_pct", "In the shipped data"]
