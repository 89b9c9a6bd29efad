"""The app shell and the data pages (Guns vs butter, HDI, Explorer, Sources) under Streamlit's AppTest.

Each page: runs with no exception, shows its key elements, survives a change of each main widget, opens the
view a link asks for (query parameters set before the first run), and answers an unknown country or indicator
in the link with a clear st.error. Expected values are read here from the shipped files with plain pandas/yaml.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from src.study.yaml_io import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = parse_yaml((ROOT / "data/catalogue/sources.yaml").read_text(encoding="utf-8"))
PEER_GROUPS = parse_yaml((ROOT / "data/catalogue/peer_groups.yaml").read_text(encoding="utf-8"))["groups"]


def run(page: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def titles(at: AppTest) -> list[str]:
    """Each figure's title as a reader reads it (plotly titles wrap with <br>)."""
    return [figure["layout"]["title"]["text"].replace("<br>", " ") for figure in figures(at)]


def trace_names(at: AppTest) -> list[str]:
    return [trace.get("name") for figure in figures(at) for trace in figure["data"]]


def assert_clean(at: AppTest, title: str) -> None:
    # A page that fails to compile raises nothing in AppTest, so the title proves the page really ran.
    assert not at.exception, [e.message for e in at.exception]
    assert [t.value for t in at.title] == [title]
    assert not at.error, [e.value for e in at.error]


def errors(at: AppTest) -> str:
    assert not at.exception, [e.message for e in at.exception]
    return " ".join(e.value for e in at.error)


def wdi_latest_year(code: str, iso3: str) -> int:
    path = next((ROOT / "data/snapshots/wdi").glob(f"API_{code}_*/API_{code}_*.csv"))
    row = pd.read_csv(path, skiprows=4).set_index("Country Code").loc[iso3]
    return max(int(year) for year, value in row.items() if str(year).isdigit() and pd.notna(value))


# --- app shell -----------------------------------------------------------------------------------------------


def test_app_lists_every_page_and_opens_each_data_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert at.title, "the default page shows a title"
    for page, title in [
        ("pages/guns_vs_butter.py", "Guns vs butter"),
        ("pages/hdi.py", "Human Development Index"),
        ("pages/explorer.py", "Explorer"),
        ("pages/sources.py", "Sources"),
    ]:
        at.switch_page(page).run()
        assert_clean(at, title)
    # The menu is declared once (src/app/navigation.py) and lists every page file, each under its default path.
    from src.app.navigation import MENU

    declared = [path for entries in MENU.values() for path, _title, _icon in entries]
    assert sorted(declared) == sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))


def test_config_sets_theme_upload_limit_and_no_usage_statistics():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit/config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["headless"] is True
    assert config["server"]["maxUploadSize"] > 0
    assert config["theme"]["baseFontSize"] >= 16


# --- Explorer ------------------------------------------------------------------------------------------------


def test_explorer_default_view_has_a_chart_a_table_and_a_download():
    at = run("pages/explorer.py")
    assert_clean(at, "Explorer")
    assert titles(at)[0].startswith("Military spending (% of GDP)")
    assert "Pakistan" in trace_names(at)
    assert at.get("download_button")
    assert at.dataframe[0].value["iso3"].isin(at.multiselect(key="countries").value).all()


def test_explorer_follows_each_widget():
    at = run("pages/explorer.py")
    at.selectbox(key="indicator").select("wdi_inflation").run()
    assert titles(at)[0].startswith("Inflation")
    at.multiselect(key="countries").set_value(["IND", "BGD"]).run()
    assert set(trace_names(at)) == {"India", "Bangladesh"}
    at.number_input(key="start").set_value(2010).run()
    assert ", 2010-" in titles(at)[0]
    at.toggle(key="log").set_value(True).run()
    assert figures(at)[0]["layout"]["yaxis"]["type"] == "log"
    at.toggle(key="relative").set_value(True).run()
    assert all(name.endswith("(computed)") for name in trace_names(at))
    at.button_group(key="chart").set_value("bar").run()
    assert "latest value per country" in titles(at)[0]
    at.button_group(key="chart").set_value("scatter").run()
    assert " against " in titles(at)[0]
    assert not at.exception and not at.error


def test_explorer_opens_the_view_a_link_asks_for():
    at = run("pages/explorer.py", indicator="wdi_life_expectancy", countries="PAK,IND", start="2000", end="2020",
             chart="bar")
    assert_clean(at, "Explorer")
    assert at.multiselect(key="countries").value == ["PAK", "IND"]
    bar = figures(at)[0]["data"][0]
    year = wdi_latest_year("SP.DYN.LE00.IN", "PAK")
    assert f"({min(year, 2020)})" in bar["text"][bar["y"].index("Pakistan")]
    share = " ".join(code.value for code in at.code)
    assert "?indicator=wdi_life_expectancy&countries=PAK,IND&start=2000&end=2020&chart=bar" in share
    # The next run keeps the linked view; a reader's own change then wins over the link.
    at.run()
    assert at.multiselect(key="countries").value == ["PAK", "IND"]
    at.multiselect(key="countries").set_value(["BGD"]).run()
    assert at.multiselect(key="countries").value == ["BGD"]
    assert figures(at)[0]["data"][0]["y"] == ["Bangladesh"]


def test_explorer_says_clearly_when_a_link_names_an_unknown_country_or_indicator():
    at = run("pages/explorer.py", indicator="no_such_indicator", countries="PAK,XYZ")
    message = errors(at)
    assert "indicator=no_such_indicator" in message and "countries=XYZ" in message
    assert at.multiselect(key="countries").value == ["PAK"]
    assert len(figures(at)) == 1


# --- Guns vs butter ------------------------------------------------------------------------------------------


def test_guns_vs_butter_default_and_widgets():
    at = run("pages/guns_vs_butter.py")
    assert_clean(at, "Guns vs butter")
    assert titles(at)[0].startswith("Guns vs butter (% of GDP): Pakistan")
    assert "Military" in trace_names(at) and "Pakistan ratio (computed)" in trace_names(at)
    # The year-by-year grid leaves a missing value missing (no filling) and says so in words, not Streamlit's "None".
    grid = at.dataframe[0]
    assert grid.value.isna().any().any(), "the default table has years without a value"
    assert grid.proto.placeholder == "no data"
    at.button_group(key="basis").set_value("government spending").run()
    assert titles(at)[0].startswith("Guns vs butter (% of government spending)")
    at.selectbox(key="focus").select("BGD").run()
    assert "Bangladesh" in titles(at)[0]
    other_group = next(g["id"] for g in PEER_GROUPS if g["id"] != "south_asia")
    at.selectbox(key="peers").select(other_group).run()
    at.number_input(key="end").set_value(2015).run()
    assert titles(at)[0].endswith("-2015")
    assert not at.exception and not at.error


def test_guns_vs_butter_from_a_link_with_a_custom_group():
    at = run("pages/guns_vs_butter.py", focus="IND", peers="custom", custom="PAK,BGD", basis="GDP")
    assert_clean(at, "Guns vs butter")
    assert "India" in titles(at)[0]
    assert at.multiselect(key="custom").value == ["PAK", "BGD"]
    assert {"Pakistan ratio (computed)", "Bangladesh ratio (computed)"} <= set(trace_names(at))


def test_guns_vs_butter_unknown_country_in_the_link():
    at = run("pages/guns_vs_butter.py", focus="ATLANTIS")
    assert "focus=ATLANTIS" in errors(at)
    assert "Pakistan" in titles(at)[0]


# --- HDI -----------------------------------------------------------------------------------------------------


def undp_raw() -> pd.DataFrame:
    """The UNDP CSV's code and 2022 rank columns (all the checks below read)."""
    return pd.read_csv(next((ROOT / "data/snapshots/undp_hdr").glob("*.csv")), encoding="utf-8-sig",
                       usecols=["iso3", "hdi_rank_2022"])


def undp_rank_2022(iso3: str) -> float:
    raw = undp_raw()
    return float(raw.loc[raw["iso3"] == iso3, "hdi_rank_2022"].item())


def undp_ranked_2022() -> int:
    """How many countries UNDP ranked in 2022: the N of the page's "rank r of N"."""
    return int(undp_raw()["hdi_rank_2022"].notna().sum())


def test_hdi_page_shows_value_official_rank_and_computed_rank():
    at = run("pages/hdi.py")
    assert_clean(at, "Human Development Index")
    assert titles(at)[0].startswith("Human Development Index: Pakistan")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Official UNDP rank, 2022"] == f"{undp_rank_2022('PAK'):.0f} of {undp_ranked_2022()}"
    assert "Official rank (UNDP, latest year only)" in trace_names(at)
    at.selectbox(key="focus").select("NPL").run()
    nepal = {m.label: m.value for m in at.metric}["Official UNDP rank, 2022"]
    assert nepal == f"{undp_rank_2022('NPL'):.0f} of {undp_ranked_2022()}"
    at.multiselect(key="groups").set_value([]).run()
    assert not any(name.endswith("(as published)") for name in trace_names(at))
    at.number_input(key="start").set_value(2000).run()
    assert ", 2000-" in titles(at)[0]
    assert not at.exception and not at.error


def test_hdi_from_a_link_and_with_an_unknown_country():
    at = run("pages/hdi.py", focus="LKA", start="2010")
    assert_clean(at, "Human Development Index")
    assert titles(at)[0].startswith("Human Development Index: Sri Lanka")
    assert ", 2010-" in titles(at)[0]
    at = run("pages/hdi.py", focus="QQQ", peers="no_such_group")
    message = errors(at)
    assert "focus=QQQ" in message and "peers=no_such_group" in message


# --- Sources -------------------------------------------------------------------------------------------------


def test_sources_page_lists_every_source_with_its_citation_and_file_checksums():
    at = run("pages/sources.py")
    assert_clean(at, "Sources")
    subheaders = [s.value for s in at.subheader]
    codes = [c.value for c in at.code]
    for source in SOURCES:
        assert source["title"] in subheaders
        assert source["citation"] in codes
    sidecar = next((ROOT / "data/snapshots/undp_hdr").glob("*.meta.yaml"))
    md5 = parse_yaml(sidecar.read_text(encoding="utf-8"))["outs"]["md5"]
    shown = pd.concat([frame.value for frame in at.dataframe if "md5" in frame.value.columns])
    assert md5 in set(shown["md5"])


@pytest.mark.parametrize("page", ["pages/guns_vs_butter.py", "pages/hdi.py", "pages/explorer.py"])
def test_a_bad_year_in_the_link_is_reported_not_raised(page):
    at = run(page, start="nineteen", end="3000")
    message = errors(at)
    assert "start=nineteen" in message and "end=3000" in message
    assert len(figures(at)) == 1


# --- bad input -----------------------------------------------------------------------------------------------


# The loaders in src/app/data.py cache across runs; a test that breaks a loader must not see a cached success. Each
# fixture below makes the broken loader run, without emptying every cache (the other tests would then rebuild the
# store, the study and every figure again).


@pytest.fixture
def unseen_catalogue_version(monkeypatch):
    """The runs see a catalogue version no cache holds, as after an edit: the store and everything built from it
    (keyed on the catalogue's content) are loaded afresh, the rest of the caches are kept."""
    from src.app import data

    read_keys = data._read_keys
    monkeypatch.setattr(data, "_read_keys", lambda: {**read_keys(), "catalogue": "unseen catalogue version"})


@pytest.fixture
def fresh_sidecar_caches():
    """The caches holding what the snapshot's sidecars said are emptied before and after the test (the store
    loader does not read sidecars when data/processed/ is current, as conftest.py makes it)."""
    from src.app import data

    caches = (data._sidecars, data._snapshot_files, data._changed_files)
    for cache in caches:
        cache.clear()
    yield
    for cache in caches:
        cache.clear()


def test_a_store_that_cannot_be_built_gives_a_message_naming_the_file(monkeypatch, unseen_catalogue_version):
    import src.ingest.store
    from src.schema import ParseError

    def broken(*args, **kwargs):
        raise ParseError("data/snapshots/wdi/API_X.csv: no 'Country Code' column")

    monkeypatch.setattr(src.ingest.store, "load_store", broken)
    at = run("pages/explorer.py")
    assert "Could not load the data store: data/snapshots/wdi/API_X.csv: no 'Country Code' column" in errors(at)
    assert not figures(at)


def test_a_broken_sidecar_is_reported_and_the_other_sources_still_listed(monkeypatch, fresh_sidecar_caches):
    import src.ingest.snapshot
    from src.ingest.snapshot import SnapshotError

    real = src.ingest.snapshot.read_sidecar

    def read_sidecar(path):
        if path.name.startswith("HDR23-24"):
            raise SnapshotError(f"{path}: no sidecar beside it")
        return real(path)

    monkeypatch.setattr(src.ingest.snapshot, "read_sidecar", read_sidecar)
    at = run("pages/sources.py")
    assert "HDR23-24_Composite_indices_complete_time_series.csv: no sidecar beside it" in errors(at)
    assert {s["title"] for s in SOURCES} <= {s.value for s in at.subheader}


def test_years_given_the_wrong_way_round_are_swapped_with_a_note():
    at = run("pages/explorer.py", start="2020", end="2000")
    assert_clean(at, "Explorer")
    assert any("showing 2000-2020" in w.value for w in at.warning)
    assert ", 2000-2020" in titles(at)[0]


# --- tables that fit, downloads, pickers that say where data is missing (issue 13) -------------------------------


def test_data_pages_offer_the_zip_with_sources_beside_the_csv():
    for page in ("pages/explorer.py", "pages/hdi.py", "pages/guns_vs_butter.py"):
        at = run(page)
        labels = [button.proto.label for button in at.get("download_button")]
        assert "Download with sources (zip)" in labels and "Download these data (CSV)" in labels, page


def test_explorer_lists_series_with_no_data_for_the_chosen_countries_last_and_says_so(shipped_store):
    store = shipped_store
    at = run("pages/explorer.py", countries="PAK")
    box = at.selectbox(key="indicator")
    covered = set(store.values.loc[store.values["iso3"] == "PAK", "indicator"])
    flags = [option.endswith("(no data for Pakistan)") for option in box.options]
    assert any(flags), "every shipped series has Pakistan data: the test needs one without"
    assert flags == sorted(flags)  # all the series with data come first
    assert sum(not f for f in flags) == len(covered & set(store.indicators_with_data()))


def test_overview_answers_at_a_glance_with_the_verdicts_numbers_and_years(study, shipped_store, shipped_verdicts):
    from src.claims.evaluate import Settings

    store = shipped_store
    defaults = study.defaults
    verdicts = shipped_verdicts(Settings.default(defaults))
    at = AppTest.from_file(str(ROOT / "pages/overview.py"), default_timeout=120).run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    for claim_id, verdict in verdicts.items():
        evidence = verdict.evidence
        focus = evidence[(evidence["role"] == "focus") & evidence["indicator"].isin(study.indicators)] if len(
            evidence) else evidence
        if focus.empty:
            continue
        latest = focus.sort_values("year").iloc[-1]
        assert f"({int(latest['year'])})" in shown, claim_id
    rank = store.latest("undp_hdi_rank", ["PAK"]).iloc[0]
    ranked = store.series("undp_hdi_rank", None, (int(rank["year"]), int(rank["year"])))
    countries = set(store.picker_options()["countries"])
    assert f"{rank['value']:.0f} of {ranked['iso3'].isin(countries).sum()} ({int(rank['year'])})" in shown
