"""The evidence figures (src/charts/evidence.py, src/charts/common.py) on real shipped data.

Every expectation is computed here from the raw files under data/snapshots/, read with plain pandas and yaml
(not with the project's parsers), so the tests check the figures against the publishers' numbers.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from src.charts import common, evidence
from src.study.yaml_io import parse_yaml
from tests.figure_checks import unchecked_differences

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "data" / "snapshots"
SOURCES = {entry["id"]: entry for entry in parse_yaml((ROOT / "data/catalogue/sources.yaml").read_text())}


class Source:
    """Just the fields the charts read from a src.study.catalogue.Source, filled from sources.yaml."""

    def __init__(self, entry: dict):
        self.title, self.licence, self.citation = entry["title"], entry["licence"], entry["citation"]


class Indicator:
    """Just the fields the charts read from a src.study.catalogue.Indicator."""

    def __init__(self, short_name: str, unit: str):
        self.short_name, self.unit, self.name = short_name, unit, short_name


CATALOGUE = {source_id: Source(entry) for source_id, entry in SOURCES.items()}
MILITARY = Indicator("Military spending (% of GDP)", "% of GDP")


def tidy(frame: pd.DataFrame, *, indicator: str, unit: str, source: str, note: str = "") -> pd.DataFrame:
    """Rows iso3, year, value -> the tidy columns the store hands to the charts."""
    return frame.assign(
        country=frame["iso3"], indicator=indicator, unit=unit, source=source, code="", file="", note=note,
        computed=False,
    )


def wdi(code: str, countries: list[str]) -> pd.DataFrame:
    """One WDI bulk CSV (4 preamble lines, wide years) as tidy rows for `countries`."""
    path = next(SNAPSHOTS.glob(f"wdi/API_{code}_*/API_{code}_*.csv"))
    wide = pd.read_csv(path, skiprows=4)
    wide = wide[wide["Country Code"].isin(countries)]
    years = [c for c in wide.columns if c.isdigit()]
    long = wide.melt(id_vars=["Country Code"], value_vars=years, var_name="year", value_name="value").dropna()
    long = long.rename(columns={"Country Code": "iso3"}).astype({"year": int})
    return tidy(long, indicator=code, unit="% of GDP", source="wdi").sort_values(["iso3", "year"])


def undp_hdi(countries: list[str] | None = None) -> pd.DataFrame:
    """UNDP HDI values (hdi_<year> columns) as tidy rows; None = every row of the file."""
    wide = next(SNAPSHOTS.glob("undp_hdr/*.csv"))
    wide = pd.read_csv(wide, encoding="utf-8-sig")
    if countries is not None:
        wide = wide[wide["iso3"].isin(countries)]
    years = [c for c in wide.columns if c.startswith("hdi_") and c[4:].isdigit()]
    long = wide.melt(id_vars=["iso3"], value_vars=years, var_name="year", value_name="value").dropna()
    long["year"] = long["year"].str[4:].astype(int)
    return tidy(long, indicator="undp_hdi", unit="index", source="undp_hdr")


@pytest.fixture(scope="module")
def military():
    return wdi("MS.MIL.XPND.GD.ZS", ["PAK", "IND", "BGD", "AFG", "SAS"])


def source_annotation(fig) -> str:
    """The source line: in the figure's meta only (the page prints it under the chart), never drawn inside."""
    assert not [a for a in fig.layout.annotations if a.name == "source"]
    return fig.layout.meta["source_line"]


def test_a_missing_year_is_a_break_in_the_line_not_a_bridge(military):
    afghanistan = military[military["iso3"] == "AFG"]
    years = (1970, 2020)
    present = set(afghanistan["year"].between(*years).pipe(lambda m: afghanistan.loc[m, "year"]))
    assert len(present) < years[1] - years[0] + 1, "the shipped AFG series should have gaps in 1970-2020"
    fig = evidence.time_series_figure(afghanistan, indicator=MILITARY, focus="AFG", years=years)
    trace = fig.data[0]
    assert list(trace.x) == list(range(years[0], years[1] + 1))
    assert trace.connectgaps is False
    by_year = dict(zip(afghanistan["year"], afghanistan["value"]))
    for year, value in zip(trace.x, trace.y):
        if year in present:
            assert value == pytest.approx(by_year[year])
        else:
            assert value is None or math.isnan(value)


def test_time_series_draws_each_country_with_its_real_values_and_cites_the_source(military):
    names = {"PAK": "Pakistan", "IND": "India", "SAS": "South Asia"}
    fig = evidence.time_series_figure(
        military, indicator=MILITARY, countries=["PAK", "IND", "SAS", "XKX"], focus="PAK", names=names,
        aggregates=["SAS"], years=(2000, 2020), sources=CATALOGUE,
    )
    assert [t.name for t in fig.data] == ["Pakistan", "India", "South Asia (as published)"]
    pakistan = military[(military["iso3"] == "PAK") & military["year"].between(2000, 2020)]
    assert list(fig.data[0].y) == pytest.approx(pakistan["value"].tolist())
    assert fig.data[0].line.width > fig.data[1].line.width
    assert fig.data[2].line.dash == "dot"
    assert "Year %{x}" in fig.data[0].hovertemplate
    assert fig.layout.title.text.startswith("Military spending (% of GDP), 2000-2020")
    footer = source_annotation(fig)
    assert SOURCES["wdi"]["citation"].split(".")[0] in footer
    assert "No data in these years for: XKX" in footer
    assert fig.layout.meta["source_line"].startswith("Source: " + SOURCES["wdi"]["citation"].rstrip(". "))


def test_benchmark_events_and_log_scale_are_drawn_and_labelled(military):
    events = pd.DataFrame(
        {"start_year": [1999, 2010], "end_year": [2008, 2010], "label": ["rule", "floods"], "source": ["A", "B"]}
    )
    fig = evidence.time_series_figure(
        military[military["iso3"] == "PAK"], indicator=MILITARY, focus="PAK", years=(2000, 2020),
        benchmark=(2.0, 2.0, "2 % line"), events=events, log_y=True,
    )
    shapes = {s.name: s for s in fig.layout.shapes}
    assert shapes["benchmark: 2 % line"].y0 == 2.0
    assert shapes["event: rule"].x0 == pytest.approx(1999.5)  # clipped to the window's first year, 2000
    (markers,) = [t for t in fig.data if t.name == "Events"]
    assert list(markers.x) == [2000, 2010] and markers.text[1] == "floods (2010)"
    assert fig.layout.yaxis.type == "log"
    assert "Events: A; B." in source_annotation(fig)
    assert unchecked_differences(fig) == []  # what plotly's checks would make of the chart's dict


def test_events_in_the_same_year_share_one_line_and_label(military):
    events = pd.DataFrame(
        {"start_year": [2022, 2022, 1958], "end_year": [2022, 2022, 1971], "label": ["floods", "policy", "rule"],
         "source": ["A", "B", "C"]}
    )
    fig = evidence.time_series_figure(military[military["iso3"] == "PAK"], focus="PAK", years=(1990, 2024),
                                      events=events)
    (markers,) = [t for t in fig.data if t.name == "Events"]
    assert list(markers.text) == ["floods; policy (2022)"], "the 1958-1971 period lies outside the window"
    assert "Events: A; B." in source_annotation(fig)


def test_relative_change_is_from_each_countrys_own_base_year_and_labelled_computed(military):
    rows = military[military["iso3"].isin(["PAK", "IND"])]
    change = evidence.relative_change(rows, 2005)
    for iso3 in ("PAK", "IND"):
        own = rows[(rows["iso3"] == iso3) & (rows["year"] >= 2005)].sort_values("year")
        base = own.iloc[0]
        mine = change[change["iso3"] == iso3].set_index("year")["value"]
        assert mine.loc[int(base["year"])] == pytest.approx(0.0)
        last = own.iloc[-1]
        assert mine.loc[int(last["year"])] == pytest.approx((last["value"] / base["value"] - 1) * 100)
    assert change["computed"].all()
    fig = evidence.time_series_figure(change, countries=["PAK", "IND"], focus="PAK")
    assert all(t.name.endswith("(computed)") for t in fig.data)
    assert "base year %{customdata}" in fig.data[0].hovertemplate
    assert "computed by us" in source_annotation(fig)
    assert unchecked_differences(fig) == []  # what plotly's checks would make of the chart's dict


def test_latest_bar_is_sorted_and_shows_each_bars_own_year(military):
    latest = military.sort_values("year").groupby("iso3").tail(1)
    fig = evidence.latest_bar_figure(latest, indicator=MILITARY, focus="PAK", names={"PAK": "Pakistan"})
    bar = fig.data[0]
    assert list(bar.x) == sorted(latest["value"])
    for label, text, year in zip(bar.y, bar.text, bar.customdata):
        iso3 = "PAK" if label == "Pakistan" else label
        row = latest[latest["iso3"] == iso3].iloc[0]
        assert year == row["year"] and text.endswith(f"({int(row['year'])})")
    assert bar.marker.color[list(bar.y).index("Pakistan")] == common.FOCUS_COLOUR
    assert "latest value per country" in fig.layout.title.text.replace("<br>", " ")
    assert unchecked_differences(fig) == []  # what plotly's checks would make of the chart's dict


def test_scatter_pairs_values_from_the_same_country_and_year_only():
    military = wdi("MS.MIL.XPND.GD.ZS", ["PAK", "IND", "BGD"])
    life = wdi("SP.DYN.LE00.IN", ["PAK", "IND", "BGD"])
    pairs = evidence.match_pairs(military, life)
    for row in pairs.itertuples():
        expected_year = max(set(military[military.iso3 == row.iso3].year) & set(life[life.iso3 == row.iso3].year))
        assert row.year == expected_year
        assert row.x == pytest.approx(military[(military.iso3 == row.iso3) & (military.year == row.year)].value.item())
        assert row.y == pytest.approx(life[(life.iso3 == row.iso3) & (life.year == row.year)].value.item())
    fig = evidence.scatter_figure(military, life, focus="PAK", year=2015)
    points = {text.split()[0]: (x, y) for trace in fig.data for text, x, y in zip(trace.text, trace.x, trace.y)}
    assert set(points) == {"PAK", "IND", "BGD"}
    assert all(text.endswith(" 2015") for trace in fig.data for text in trace.text)
    assert "in 2015" in fig.layout.title.text
    assert unchecked_differences(fig) == []  # what plotly's checks would make of the chart's dict


def test_guns_vs_butter_table_and_figure_on_real_series():
    military = wdi("MS.MIL.XPND.GD.ZS", ["PAK"])
    health_file = next(SNAPSHOTS.glob("gapminder_sg/*total_health_spending_percent_of_gdp*.csv"))
    health = pd.read_csv(health_file).rename(columns={"geo": "iso3", "time": "year"})
    health = health[health["iso3"] == "pak"].assign(iso3="PAK")
    health = tidy(
        health.rename(columns={health.columns[-1]: "value"}), indicator="h", unit="% of GDP", source="gapminder_sg"
    )
    education = pd.read_csv(SNAPSHOTS / "owid/total-government-expenditure-on-education-gdp.csv")
    education = education[education["Code"] == "PAK"].rename(columns={"Code": "iso3", "Year": "year"})
    education = tidy(
        education.rename(columns={education.columns[-1]: "value"})[["iso3", "year", "value"]],
        indicator="e", unit="% of GDP", source="owid",
    )
    table = evidence.guns_vs_butter_table(military, health, education)
    complete = set(military.year) & set(health.year) & set(education.year)
    with_ratio = table.dropna(subset=["ratio"])
    assert set(with_ratio["year"]) == complete, "a ratio only where all three values exist, nothing filled"
    year = max(complete)
    row = with_ratio[with_ratio["year"] == year].iloc[0]
    expected = military[military.year == year].value.item() / (
        health[health.year == year].value.item() + education[education.year == year].value.item()
    )
    assert row["ratio"] == pytest.approx(expected)
    fig = evidence.guns_vs_butter_figure(
        table, focus="PAK", names={"PAK": "Pakistan"}, source_rows=pd.concat([military, health, education]),
        sources=CATALOGUE, years=(1990, 2022),
    )
    names = [t.name for t in fig.data]
    assert names[:3] == ["Military", "Health", "Education"]
    assert "Health + education (computed)" in names and "Pakistan ratio (computed)" in names
    assert fig.layout.title.text == "Guns vs butter (% of GDP): Pakistan, 1990-2022"
    footer = source_annotation(fig)
    assert "not cause and effect" in footer
    for source_id in ("wdi", "gapminder_sg", "owid"):
        assert SOURCES[source_id]["citation"][:30] in footer.replace("<br>", " ")
    assert unchecked_differences(fig) == []  # what plotly's checks would make of the chart's dict


def test_hdi_figure_shows_official_rank_apart_from_the_computed_yearly_rank():
    everyone = undp_hdi()
    countries = everyone[~everyone["iso3"].str.startswith("ZZ")]
    ranks = countries.assign(value=countries.groupby("year")["value"].rank(ascending=False, method="min"))
    ranks = ranks.assign(computed=True, note="computed from HDI values", indicator="undp_hdi_rank_computed")
    raw = pd.read_csv(next(SNAPSHOTS.glob("undp_hdr/*.csv")), encoding="utf-8-sig")
    official_value = raw.loc[raw["iso3"] == "PAK", "hdi_rank_2022"].item()
    official = tidy(pd.DataFrame({"iso3": ["PAK"], "year": [2022], "value": [official_value]}), indicator="r",
                    unit="rank", source="undp_hdr")
    fig = evidence.hdi_figure(
        everyone[everyone["iso3"].isin(["PAK", "IND", "ZZD.LHD"])], focus="PAK", official_rank=official,
        computed_rank=ranks, peers=["IND"], tiers=["ZZD.LHD"], names={"PAK": "Pakistan"}, sources=CATALOGUE,
    )
    by_name = {t.name: t for t in fig.data}
    star = by_name["Official rank (UNDP, latest year only)"]
    assert list(star.x) == [2022] and list(star.y) == [official_value] and star.marker.symbol == "star"
    line = by_name["Yearly rank (computed)"]
    pakistan_ranks = ranks[ranks["iso3"] == "PAK"].set_index("year")["value"]
    assert line.y[list(line.x).index(2000)] == pakistan_ranks.loc[2000]
    assert "ZZD.LHD (as published)" in by_name
    assert fig.layout.yaxis2.autorange == "reversed"
    assert unchecked_differences(fig) == []  # what plotly's checks would make of the chart's dict
    assert "computed by us" in source_annotation(fig)


def test_an_empty_selection_says_so_instead_of_drawing_an_empty_frame(military):
    fig = evidence.time_series_figure(military.iloc[0:0], indicator=MILITARY, countries=["PAK"], years=(2000, 2001))
    assert not fig.data
    assert any(a.name == "no-data" for a in fig.layout.annotations)
    assert unchecked_differences(fig) == []  # what plotly's checks would make of the chart's dict


def test_download_rows_carry_source_title_licence_and_citation(military):
    table = common.with_citation_columns(military.head(3), CATALOGUE)
    assert set(table["licence"]) == {SOURCES["wdi"]["licence"]}
    assert set(table["citation"]) == {SOURCES["wdi"]["citation"]}
    assert set(table["source_title"]) == {SOURCES["wdi"]["title"]}


def test_source_line_names_notes_and_computed_values():
    rows = pd.DataFrame(
        {"source": ["sipri", "undp_hdr"], "note": ["Fiscal years.", ""], "computed": [False, True]}
    )
    text = common.source_line(rows, CATALOGUE, computed_note="Ratio computed by us.")
    assert text.startswith("Source: " + SOURCES["sipri"]["citation"].rstrip(". ") + "; ")
    assert "Note: Fiscal years." in text and "computed by us from published figures" in text
    assert text.endswith("Ratio computed by us.")


def test_year_values_draw_what_fill_year_gaps_draws(military):
    """The list-based fill the charts use gives every year of the span and NaN where the publisher has none,
    exactly as the frame-based `fill_year_gaps` does, also when a year comes twice."""
    afghanistan = military[military["iso3"] == "AFG"]
    doubled = pd.concat([afghanistan, afghanistan.tail(1)])
    for rows, years in ((afghanistan, (1970, 2020)), (afghanistan, None), (doubled, (1990, 2024))):
        x, y = common.year_values(rows, years)
        full = common.fill_year_gaps(rows[["year", "value"]], years)
        assert x == full["year"].tolist()
        pd.testing.assert_series_equal(pd.Series(y, dtype="float64"), full["value"].astype("float64"),
                                       check_names=False)
    assert common.year_values(afghanistan.iloc[0:0]) == ([], [])


def end_label_texts(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations if (a.name or "").startswith(common.END_LABEL_PREFIX)]


def test_time_series_labels_line_ends_with_value_and_year_as_the_claim_charts_do(military):
    names = {"PAK": "Pakistan", "IND": "India", "SAS": "South Asia"}
    fig = evidence.time_series_figure(
        military, indicator=MILITARY, countries=["PAK", "IND", "SAS"], focus="PAK", names=names,
        aggregates=["SAS"], years=(2000, 2020), sources=CATALOGUE,
    )
    pakistan = military[(military["iso3"] == "PAK") & military["year"].between(2000, 2020)].dropna(subset=["value"])
    last = pakistan.sort_values("year").iloc[-1]
    expected = f"<b>Pakistan</b> {common.short_value(last['value'], MILITARY.unit)} ({int(last['year'])})"
    texts = end_label_texts(fig)
    assert expected in texts
    assert any(t.startswith("India ") for t in texts) and any(t.startswith("South Asia (as published) ") for t in texts)
    assert fig.layout.margin.r >= common.text_width(expected, common.BODY_TEXT_PX)


def test_a_crowded_time_series_labels_only_the_focus_country():
    path = next(SNAPSHOTS.glob("wdi/API_MS.MIL.XPND.GD.ZS_*/API_MS.MIL.XPND.GD.ZS_*.csv"))
    with_data = pd.read_csv(path, skiprows=4).dropna(subset=["2015"])["Country Code"].tolist()
    countries = with_data[: evidence.MAX_LABELLED_LINES + 2]
    focus = countries[0]
    rows = wdi("MS.MIL.XPND.GD.ZS", countries)
    fig = evidence.time_series_figure(rows, indicator=MILITARY, countries=countries, focus=focus, years=(2000, 2020))
    assert len(fig.data) > evidence.MAX_LABELLED_LINES
    texts = end_label_texts(fig)
    assert len(texts) == 1 and texts[0].startswith(f"<b>{focus}</b>")
