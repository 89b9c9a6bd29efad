"""The processed store: holds every shipped series, answers series()/latest() honestly, and is rebuilt exactly
when its inputs change.

Expectations come from the shipped raw files read here with plain pandas, or from the store itself where the
test is about the store's own logic (latest year per country). The store-level tests relabel real rows rather
than type values.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import json
import shutil

import pandas as pd
import pytest

import src.ingest.store as store_module
from src.ingest.snapshot import data_files
from src.ingest.store import Store, build_store, load_store, prefer_newer_downloads, read_processed
from src.paths import SNAPSHOT_DIR
from src.schema import TIDY_COLUMNS, ParseError
from tests.columns import distinct
from tests.shipped import shipped_indicators, shipped_sources
from tests.stores import fresh_copy
from tests.stores import written_once as written_once_for

PEERS = ("PAK", "IND", "BGD")


SOURCES = shipped_sources()
INDICATORS = shipped_indicators()


@pytest.fixture(scope="module")
def store(shipped_build) -> Store:
    """`build_store()` of the shipped snapshot, from raw (tests/conftest.py: each parser's call is shared with the
    parser tests of the worker, so no source is parsed twice)."""
    return shipped_build


def parser_exists(source_id: str) -> bool:
    return importlib.util.find_spec(f"src.ingest.parsers.{SOURCES[source_id].parser}") is not None


SHIPPED = [i for i in INDICATORS.values() if i.in_snapshot]


@pytest.fixture(scope="module")
def held(store) -> dict[str, tuple[int, set, set]]:
    """Indicator id -> (its rows in the store, their sources, their units), counted once for the module: one
    filter of the ~680,000 rows per shipped indicator took longer than the checks below."""
    values = store.values
    rows = values["indicator"].value_counts()
    rows = dict(zip(rows.index.astype(str).tolist(), rows.tolist(), strict=True))
    pairs = values[["indicator", "source", "unit"]].drop_duplicates()
    found: dict[str, tuple[int, set, set]] = {}
    for indicator, source, unit in zip(*(pairs[c].astype(str).tolist() for c in pairs.columns), strict=True):
        count, sources, units = found.setdefault(indicator, (rows[indicator], set(), set()))
        sources.add(source)
        units.add(unit)
    return found


@pytest.mark.parametrize("indicator", SHIPPED, ids=lambda i: i.id)
def test_store_holds_every_shipped_catalogue_indicator(indicator, held):
    # Marked: indicators of sources whose parser is still being written are skipped, not passed.
    if not parser_exists(indicator.source):
        pytest.skip(f"src/ingest/parsers/{SOURCES[indicator.source].parser}.py not written yet")
    rows, sources, units = held.get(indicator.id, (0, set(), set()))
    assert rows > 0
    assert sources == {indicator.source}
    assert units == {indicator.unit}


def test_store_values_are_tidy_and_unique(store):
    assert list(store.values.columns) == list(TIDY_COLUMNS)
    assert not store.values.duplicated(["iso3", "year", "indicator"]).any()
    assert store.values["value"].notna().all()


def test_store_has_rows_from_every_source_with_data_and_a_parser(store):
    expected = {s.id for s in SOURCES.values() if parser_exists(s.id) and data_files(SNAPSHOT_DIR / s.folder)}
    assert "wb_api" not in expected  # empty in the shipped snapshot, filled by the refresh
    assert expected <= distinct(store.values["source"])


def test_latest_gives_each_country_its_own_latest_year(store):
    latest = store.latest("gm_poverty_300")
    all_rows = store.values[store.values["indicator"] == "gm_poverty_300"]
    own_last_year = all_rows.groupby("iso3")["year"].max()
    assert latest["year"].nunique() > 1  # years really differ between countries, so the check below means something
    assert len(latest) == len(own_last_year)
    # Each (code, year)'s first row's value, looked up by both (a filter of the indicator's rows per country cost
    # more than the checks): filled from the last row to the first, so the first row's value is the one kept.
    keys = list(zip(all_rows["iso3"].tolist(), all_rows["year"].tolist(), strict=True))
    value_of = dict(zip(reversed(keys), reversed(all_rows["value"].tolist()), strict=True))
    for row in latest.itertuples(index=False):
        assert row.year == own_last_year[row.iso3]
        assert row.value == value_of[(row.iso3, row.year)]


def test_latest_respects_the_year_window(store):
    pak = store.series("wdi_mil_gdp", "PAK")
    cutoff = int(pak["year"].median())
    latest = store.latest("wdi_mil_gdp", ["PAK"], max_year=cutoff)
    assert latest["year"].tolist() == [pak.loc[pak["year"] <= cutoff, "year"].max()]
    earliest_allowed = int(pak["year"].max()) + 1
    assert store.latest("wdi_mil_gdp", ["PAK"], min_year=earliest_allowed).empty


def test_latest_leaves_out_a_country_with_no_value_instead_of_filling(store):
    raw_file = next((SNAPSHOT_DIR / "wdi").glob("API_GC.TAX*/API_*.csv"))
    raw = pd.read_csv(raw_file, skiprows=4).set_index("Country Code")
    years = [c for c in raw.columns if c.isdigit()]
    assert raw.loc["PAK", years].isna().all()  # this vintage publishes no Pakistan tax values
    latest = store.latest("wdi_tax_gdp", list(PEERS))
    assert "PAK" not in set(latest["iso3"])
    assert {"IND", "BGD"} <= set(latest["iso3"])


def test_series_filters_countries_and_inclusive_years_in_order(store):
    rows = store.series("wdi_life_expectancy", ["PAK", "IND"], years=(2000, 2010))
    assert set(rows["iso3"]) == {"IND", "PAK"}
    assert rows["year"].between(2000, 2010).all()
    assert rows.groupby("iso3")["year"].apply(lambda y: (y.min(), y.max())).tolist() == [(2000, 2010)] * 2
    assert rows.equals(rows.sort_values(["indicator", "iso3", "year"]).reset_index(drop=True))


def last_updated(metadata_file) -> str:
    """The 'Last Updated Date' row of the WDI data file beside a Metadata_Country file."""
    data_file = metadata_file.with_name(metadata_file.name.removeprefix("Metadata_Country_"))
    with open(data_file, encoding="utf-8-sig", newline="") as handle:
        return next(row[1] for row in csv.reader(handle) if row and row[0] == "Last Updated Date")


def test_countries_come_from_the_newest_wdi_metadata_and_undp(store):
    newest = max((SNAPSHOT_DIR / "wdi").glob("*/Metadata_Country_*.csv"), key=last_updated)
    wdi = pd.read_csv(newest, encoding="utf-8-sig").set_index("Country Code")
    undp = pd.read_csv(
        next((SNAPSHOT_DIR / "undp_hdr").glob("*.csv")), encoding="utf-8-sig", usecols=["iso3", "hdicode", "region"]
    ).set_index("iso3")
    countries = store.countries.set_index("iso3")
    # Releases disagree on a few income groups (reclassifications): the newest release must win for every code.
    for column, published in (("region", "Region"), ("income_group", "IncomeGroup")):
        ours = countries.loc[wdi.index, column].astype(object).where(lambda c: c.notna(), None)
        theirs = wdi[published].astype(object).where(lambda c: c.notna(), None)
        assert ours.tolist() == theirs.tolist()
    for iso3 in PEERS:
        assert countries.loc[iso3, "region"] == wdi.loc[iso3, "Region"]
        assert countries.loc[iso3, "income_group"] == wdi.loc[iso3, "IncomeGroup"]
        assert countries.loc[iso3, "hdi_tier"] == undp.loc[iso3, "hdicode"]
        assert countries.loc[iso3, "undp_region"] == undp.loc[iso3, "region"]
        assert not countries.loc[iso3, "is_aggregate"]
    for aggregate in ["SAS", "LMC", "WLD", *[c for c in undp.index if c.startswith("ZZ")]]:
        assert countries.loc[aggregate, "is_aggregate"]


def test_every_code_in_the_values_has_a_country_row_and_a_name(store):
    assert distinct(store.values["iso3"]) <= distinct(store.countries["iso3"])
    gapminder = store.values[store.values["source"] == "gapminder_sg"]
    assert (gapminder.loc[gapminder["iso3"] == "PAK", "country"] == "Pakistan").all()


def test_a_world_bank_api_download_supersedes_the_same_indicator_from_older_files(store):
    bulk = store.series("wdi_mil_gdp", list(PEERS))
    # Real rows relabelled as if the refresh had downloaded the same series through the API.
    downloaded = bulk[bulk["iso3"] == "PAK"].assign(source="wb_api", file="wb_api/MS.MIL.XPND.GD.ZS.json")
    other = store.series("wdi_life_expectancy", list(PEERS))
    merged = prefer_newer_downloads(pd.concat([bulk, downloaded, other], ignore_index=True))
    mil = merged[merged["indicator"] == "wdi_mil_gdp"]
    assert set(mil["source"]) == {"wb_api"}
    assert len(mil) == len(downloaded)
    assert len(merged[merged["indicator"] == "wdi_life_expectancy"]) == len(other)


# --- the processed files and the manifest ---------------------------------------------------------------------


@pytest.fixture
def no_rebuild(monkeypatch):
    """Make any rebuild fail loudly, to prove a load came from the parquet."""

    def refuse(*args, **kwargs):
        raise AssertionError("load_store rebuilt although the manifest matched")

    monkeypatch.setattr(store_module, "build_store", refuse)


@pytest.fixture(scope="module")
def rebuilt(store) -> Store:
    """What the counted rebuilds below return: the built store's first 2,000 rows (building is tested above; what
    `load_store` does with a rebuilt store is tested here, and writing all ~680,000 rows took ~0.4 s a test)."""
    return Store(store.values.head(2000), store.countries, store.fingerprint)


@pytest.fixture
def counted_rebuilds(monkeypatch, rebuilt):
    """Count rebuilds; each returns `rebuilt`."""
    calls = []

    def counted(*args, **kwargs):
        calls.append(args)
        return rebuilt

    monkeypatch.setattr(store_module, "build_store", counted)
    return calls


@pytest.fixture(scope="module")
def written_once(tmp_path_factory, store):
    """The built store written by `write_store` once for the module (writing takes about half a second)."""
    return written_once_for(tmp_path_factory, store, "written_store")


@pytest.fixture
def written(tmp_path, written_once):
    """A copy of the written store's folder (store.parquet, countries.parquet, manifest.json) for one test to alter."""
    return fresh_copy(written_once, tmp_path / "processed")


def assert_same_frame(loaded: pd.DataFrame, built: pd.DataFrame) -> None:
    """Same columns, dtypes, index and values, naming the first column that differs.

    `assert_frame_equal` proves the same but takes ~100 s over the 633k categorical rows of the store; per-column
    `Series.equals` (dtype-strict, NaN equal to NaN, categoricals compared by categories and codes) takes ms.
    """
    assert list(loaded.columns) == list(built.columns)
    assert loaded.index.equals(built.index)
    for column in built.columns:
        assert loaded[column].dtype == built[column].dtype, column
        assert loaded[column].equals(built[column]), f"column {column!r} differs after the round trip"


def test_load_store_reads_the_parquet_when_the_manifest_matches(written, store, monkeypatch, no_rebuild):
    loaded = load_store(processed_dir=written)
    assert_same_frame(loaded.values, store.values)
    assert_same_frame(loaded.countries, store.countries)
    assert loaded.fingerprint == store.fingerprint


def test_the_frame_comparison_catches_a_changed_value_dtype_or_category(store):
    # The fast comparison above must still fail where assert_frame_equal would: one changed cell of each kind.
    built = store.values.head(1000)
    changed_value = built.assign(value=built["value"].where(built.index != built.index[-1], built["value"] + 1))
    changed_dtype = built.assign(year=built["year"].astype("float64"))
    renamed_category = built.assign(iso3=built["iso3"].cat.rename_categories(lambda code: code + "_"))
    for changed in (changed_value, changed_dtype, renamed_category):
        with pytest.raises(AssertionError):
            assert_same_frame(changed, built)
    assert_same_frame(built.copy(), built)


def test_load_store_rebuilds_and_rewrites_when_the_manifest_does_not_match(written, rebuilt, counted_rebuilds):
    manifest_file = written / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["build_key"] = "built-from-other-inputs"
    manifest_file.write_text(json.dumps(manifest))
    loaded = load_store(processed_dir=written)
    assert len(counted_rebuilds) == 1
    assert len(loaded.values) == len(rebuilt.values)
    assert json.loads(manifest_file.read_text())["build_key"] == store_module.build_inputs_digest()


def test_load_store_builds_when_there_is_no_processed_store(tmp_path, counted_rebuilds):
    load_store(processed_dir=tmp_path / "processed")
    assert len(counted_rebuilds) == 1
    assert (tmp_path / "processed" / "store.parquet").is_file()


def test_load_store_still_returns_the_store_when_it_cannot_write(tmp_path, rebuilt, counted_rebuilds):
    not_a_directory = tmp_path / "occupied"
    not_a_directory.write_text("a file where the processed folder should be")
    loaded = load_store(processed_dir=not_a_directory)
    assert len(loaded.values) == len(rebuilt.values)


def test_a_corrupt_parquet_is_not_served(written):
    (written / "store.parquet").write_bytes(b"not parquet")
    assert read_processed(written, store_module.build_inputs_digest()) is None


def test_manifest_records_every_input_md5(written_once):
    manifest = json.loads((written_once / "manifest.json").read_text())
    shipped = {p.relative_to(SNAPSHOT_DIR).as_posix() for p in SNAPSHOT_DIR.rglob("*.meta.yaml")}
    assert {name + ".meta.yaml" for name in manifest["input_md5"]} == shipped
    assert all(manifest["input_md5"].values())


# --- a broken or missing source -------------------------------------------------------------------------------


# One shipped WDI series folder (its data file and country metadata): a build of it parses one file, not seven.
SMALL_WDI_FOLDER = sorted((SNAPSHOT_DIR / "wdi").glob("API_*"))[0].relative_to(SNAPSHOT_DIR)


@pytest.fixture
def small_snapshot(tmp_path):
    """A snapshot with one shipped WDI series folder and the UNDP folder (country metadata) and a WGI file cut to
    its header."""
    for folder in (SMALL_WDI_FOLDER, "undp_hdr", "wgi"):
        shutil.copytree(SNAPSHOT_DIR / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.xlsx*"))
    wgi_file = tmp_path / "wgi" / "wgidataset.csv"
    wgi_file.write_text(wgi_file.read_text(encoding="utf-8-sig").splitlines()[0] + "\n", encoding="utf-8")
    subset = {k: v for k, v in SOURCES.items() if k in ("wdi", "wgi")}
    return tmp_path, subset


def test_a_broken_source_fails_the_strict_build_naming_the_file(small_snapshot):
    snapshot, subset = small_snapshot
    with pytest.raises(ParseError, match="wgidataset.csv"):
        build_store(snapshot, sources=subset, catalogue=INDICATORS)


def test_a_broken_source_is_left_out_and_named_when_not_strict(small_snapshot):
    snapshot, subset = small_snapshot
    partial = build_store(snapshot, sources=subset, catalogue=INDICATORS, strict=False)
    assert len(partial.problems) == 1 and "wgidataset.csv" in partial.problems[0]
    assert distinct(partial.values["source"]) == {"wdi"}


def test_broken_country_metadata_is_named_and_codes_still_get_rows_when_not_strict(small_snapshot):
    snapshot, subset = small_snapshot
    wdi_only = {"wdi": subset["wdi"]}
    for metadata in (snapshot / "wdi").glob("*/Metadata_Country_*.csv"):
        metadata.write_bytes(b"")
    with pytest.raises(ParseError, match="Metadata_Country_.*empty"):
        build_store(snapshot, sources=wdi_only, catalogue=INDICATORS)
    partial = build_store(snapshot, sources=wdi_only, catalogue=INDICATORS, strict=False)
    assert any(problem.startswith("country metadata:") for problem in partial.problems)
    assert distinct(partial.values["iso3"]) <= distinct(partial.countries["iso3"])


def test_a_source_without_data_or_without_a_parser_is_skipped(small_snapshot):
    snapshot, subset = small_snapshot
    (snapshot / "wgi" / "wgidataset.csv").unlink()
    (snapshot / "wgi" / "wgidataset.csv.meta.yaml").unlink()
    unwritten = dataclasses.replace(SOURCES["wdi"], id="future", parser="not_written_yet")
    built = build_store(snapshot, sources={**subset, "future": unwritten}, catalogue=INDICATORS)
    assert distinct(built.values["source"]) == {"wdi"}
    assert built.problems == ()


def test_a_store_in_any_row_order_answers_as_the_sorted_one(store):
    # The per-indicator index is built lazily from the rows' positions: a stored (sorted) frame takes slices,
    # any other order a stable grouping. Both must answer alike: the ids with data for every indicator, rows and
    # latest values for a spread of about a dozen of them.
    shuffled = Store(store.values.sample(frac=1, random_state=0), store.countries, store.fingerprint)
    held = sorted(set(store.values["indicator"].unique().astype(str)))  # the distinct ids first: 600,000 cells convert slowly
    assert shuffled.indicators_with_data() == store.indicators_with_data() == frozenset(held)
    assert not shuffled.has("not-an-indicator")
    for indicator in held[:: max(1, len(held) // 12)]:
        assert shuffled.has(indicator)
        pd.testing.assert_frame_equal(shuffled.series(indicator, PEERS), store.series(indicator, PEERS))
        pd.testing.assert_frame_equal(shuffled.latest(indicator), store.latest(indicator))


def test_the_store_order_is_the_stable_text_sort_of_indicator_code_and_year():
    # Fixture: a small tidy frame with made-up codes and ids (upper and lower case, non-ASCII, missing keys), in a
    # random order: the build's lexsort of category codes must give what a stable sort of the texts gives.
    import numpy as np

    from src.ingest.store import STORE_ORDER, compact, compact_in_store_order
    from src.schema import check_tidy

    rng = np.random.default_rng(0)
    rows = 400
    frame = check_tidy(pd.DataFrame({
        "iso3": rng.choice(["PAK", "IND", "AFG", "ZZK.WORLD", "bgd", "Ä"], rows), "country": "fixture",
        "year": rng.integers(1990, 1996, rows), "indicator": rng.choice(["b", "a", "c_1", "C"], rows),
        "value": rng.random(rows), "unit": "u", "source": "s", "code": "c", "file": "f", "note": "", "computed": False,
    }), "fixture")
    missing = rng.random(rows) < 0.1
    for case in (frame, frame.assign(iso3=frame["iso3"].mask(missing)), frame.assign(indicator=frame["indicator"].mask(missing))):
        case = check_tidy(case, "fixture")
        by_text = compact(case.sort_values(list(STORE_ORDER), kind="stable").reset_index(drop=True))
        pd.testing.assert_frame_equal(compact_in_store_order(case), by_text, check_exact=True)
