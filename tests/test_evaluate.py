"""Claim verdicts on the real store, checked against the shipped raw files read here independently with pandas.

Every expectation (values, years, medians, percentiles, shares of years) is computed in this file from
data/snapshots/ and data/catalogue/ with plain pandas/csv, never typed in and never taken from src/ parsers.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from src.claims.evaluate import STATUSES, Settings, combine, evaluate, evaluate_all
from src.claims.evidence import RuleResult
from src.claims.prose import format_value
from src.claims.robustness import robustness, robustness_variants
from src.study.defaults import load_study_defaults
from src.study.yaml_io import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "data" / "snapshots"
CATALOGUE = ROOT / "data" / "catalogue"
PEER_FILE = parse_yaml((CATALOGUE / "peer_groups.yaml").read_text(encoding="utf-8"))
SOUTH_ASIA = next(g["members"] for g in PEER_FILE["groups"] if g["id"] == "south_asia")
MUSLIM_POPULOUS = next(g["members"] for g in PEER_FILE["groups"] if g["id"] == "muslim_populous")
WINDOWS = [(2015, 2025), (2020, 2025), (2005, 2015)]
DEFAULTS = load_study_defaults()  # data/study.yaml: the settings a user starts from
CLAIMS_FILE = parse_yaml((ROOT / "data" / "codebook" / "claims.yaml").read_text(encoding="utf-8"))
TOLERANCES = CLAIMS_FILE.get("tolerances") or {}


def declared_tolerance(indicator_id: str) -> float:
    """The absolute tolerance claims.yaml declares for an indicator (0 when none)."""
    return float((TOLERANCES.get(indicator_id) or {}).get("absolute", 0.0))


# --- independent readers of the shipped raw files -------------------------------------------------------------
# Each reads its file once per run (functools.cache): the frames are only read, never changed, by the tests.


def wdi_folder(code: str) -> Path:
    return next((SNAPSHOTS / "wdi").glob(f"API_{code}_DS2_*"))


@functools.cache
def wdi_long(code: str) -> pd.DataFrame:
    folder = wdi_folder(code)
    wide = pd.read_csv(folder / f"{folder.name}.csv", skiprows=4)
    years = [c for c in wide.columns if c.isdigit()]
    long = wide.melt(id_vars=["Country Code"], value_vars=years, var_name="year").dropna(subset=["value"])
    return pd.DataFrame({"iso3": long["Country Code"], "year": long["year"].astype(int), "value": long["value"]})


def wdi_updated(folder: Path) -> str:
    for line in (folder / f"{folder.name}.csv").read_text(encoding="utf-8-sig").splitlines()[:4]:
        if line.startswith('"Last Updated Date"'):
            return line.split(",")[1].strip('"')
    return ""


@functools.cache
def wdi_country_metadata() -> pd.DataFrame:
    """Region/income group from the newest WDI release's Metadata_Country file (the World Bank reclassifies yearly)."""
    folders = sorted((SNAPSHOTS / "wdi").glob("API_*"), key=wdi_updated)
    return pd.read_csv(folders[-1] / f"Metadata_Country_{folders[-1].name}.csv")


def wdi_aggregates() -> set[str]:
    meta = wdi_country_metadata()
    return set(meta.loc[meta["Region"].isna(), "Country Code"])


def lower_middle_income() -> list[str]:
    meta = wdi_country_metadata()
    return sorted(meta.loc[meta["IncomeGroup"] == "Lower middle income", "Country Code"])


@functools.cache
def imf_tax() -> pd.DataFrame:
    """The WoRLD sheet's ISO3, year and TaxRev where TaxRev has a value, labelled by the sheet row (as
    read_excel(...).dropna(subset=["TaxRev"]) labels them). Read with python-calamine itself: pandas converts
    all 40 columns cell by cell, which took twice as long for three of them."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(SNAPSHOTS / "imf_world" / "world-imf2026.xlsx")
    header, *rows = book.get_sheet_by_name("Data").to_python()
    iso3, year, tax = (header.index(name) for name in ("ISO3", "year", "TaxRev"))
    kept = [n for n, row in enumerate(rows) if row[tax] != ""]  # an empty cell is "" here, NaN in read_excel
    return pd.DataFrame({"iso3": pd.array([rows[n][iso3] for n in kept], dtype="str"),
                         "year": [int(rows[n][year]) for n in kept],
                         "value": [float(rows[n][tax]) for n in kept]}, index=kept)


@functools.cache
def wgi(indicator: str, column: str) -> pd.DataFrame:
    data = pd.read_csv(SNAPSHOTS / "wgi" / "wgidataset.csv", encoding="utf-8-sig", na_values=[".."])
    data = data[(data["indicator"] == indicator)].dropna(subset=[column])
    return pd.DataFrame({"iso3": data["code"], "year": data["year"].astype(int), "value": data[column].astype(float)})


@functools.cache
def undp_hdi() -> pd.DataFrame:
    wide = pd.read_csv(SNAPSHOTS / "undp_hdr" / "HDR23-24_Composite_indices_complete_time_series.csv",
                       encoding="utf-8-sig")
    columns = [c for c in wide.columns if c.startswith("hdi_") and c[4:].isdigit()]
    long = wide.melt(id_vars=["iso3"], value_vars=columns, var_name="year").dropna(subset=["value"])
    long["year"] = long["year"].str[4:].astype(int)
    return long[~long["iso3"].str.startswith("ZZ")]


def latest(frame: pd.DataFrame, iso3s, window) -> pd.DataFrame:
    rows = frame[frame["iso3"].isin(list(iso3s)) & frame["year"].between(*window)]
    return rows.sort_values("year").groupby("iso3").tail(1)


def expected_peer_median(frame, focus, peers, window, direction, exclude=()):
    own = latest(frame, [focus], window)
    others = latest(frame, [p for p in peers if p != focus and p not in exclude], window)
    if own.empty or len(others) < 3:
        return None, None
    own_value, median = float(own["value"].iloc[0]), float(others["value"].median())
    return (own_value > median if direction == "above" else own_value < median), (own, median)


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(shipped_store):
    return shipped_store


@pytest.fixture(scope="module")
def book(codebook):
    return codebook


def part(study, store, claim_id, index, settings) -> RuleResult:
    return evaluate(study.codebook.claims[claim_id], store, settings, study).parts[index]


# --- claims x settings ----------------------------------------------------------------------------------------

PEER_SETTINGS = [("south_asia", SOUTH_ASIA), ("muslim_populous", MUSLIM_POPULOUS), ("lmic", None)]


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("group, listed", PEER_SETTINGS)
def test_military_spending_vs_peer_median(store, book, study, group, listed, window):
    """C1.2 part 1: WDI military spending % of GDP against the peer median (read from the WDI bulk CSV)."""
    peers = listed if listed is not None else lower_middle_income()
    expected, detail = expected_peer_median(wdi_long("MS.MIL.XPND.GD.ZS"), "PAK", peers, window, "above",
                                            exclude=wdi_aggregates())
    result = part(study, store, "C1.2", 0, Settings.default(DEFAULTS, peer_group=group, window=window))
    assert result.holds == expected
    if expected is not None:
        own, median = detail
        assert f"in {own['year'].iloc[0]}" in result.sentence
        assert format_value(median, "% of GDP") in result.sentence


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("claim_id, index, code", [("C1.2", 1, "MS.MIL.XPND.GD.ZS"), ("A2.2", 1, "SP.POP.GROW")])
def test_against_the_published_world_aggregate(store, book, study, claim_id, index, code, window):
    frame = wdi_long(code)
    own, world = latest(frame, ["PAK"], window), latest(frame, ["WLD"], window)
    result = part(study, store, claim_id, index, Settings.default(DEFAULTS, window=window))
    own_value, world_value = float(own["value"].iloc[0]), float(world["value"].iloc[0])
    indicator = result.evidence.loc[result.evidence["role"] == "focus", "indicator"].iloc[0]
    if abs(own_value - world_value) <= declared_tolerance(indicator):
        assert result.holds is None and result.outcome == "too_close"
    else:
        assert result.holds == (own_value > world_value)
    assert f"({format_value(world_value, result.evidence['unit'].iloc[0])}, latest " \
           f"{world['year'].iloc[0]})" in result.sentence


@pytest.mark.parametrize("window", WINDOWS[:2])
@pytest.mark.parametrize("focus", ["PAK", "IND", "BGD"])
def test_tax_uses_imf_world_for_focus_and_peers(store, book, study, focus, window):
    """C2.3: IMF WoRLD tax revenue against the South Asia median and the 15%-of-GDP benchmark."""
    tax = imf_tax()
    settings = Settings.default(DEFAULTS, focus=focus, window=window)
    verdict = evaluate(book.claims["C2.3"], store, settings, study)
    expected, _ = expected_peer_median(tax, focus, SOUTH_ASIA, window, "below")
    assert verdict.parts[0].holds == expected
    benchmark = parse_yaml((CATALOGUE / "benchmarks.yaml").read_text(encoding="utf-8"))
    threshold = next(b["value"] for b in benchmark if b["id"] == "tax_gdp")
    own = latest(tax, [focus], window)
    assert verdict.parts[1].holds == (float(own["value"].iloc[0]) < threshold)
    assert set(verdict.evidence["indicator"]) == {"imf_tax_gdp"}


@pytest.mark.parametrize("benchmark_value", [None, 8.0, 12.0])
def test_user_benchmark_moves_the_verdict(store, book, study, benchmark_value):
    settings = Settings.default(DEFAULTS, benchmarks=() if benchmark_value is None else (("tax_gdp", benchmark_value),))
    result = part(study, store, "C2.3", 1, settings)
    raw = parse_yaml((CATALOGUE / "benchmarks.yaml").read_text(encoding="utf-8"))
    shipped = next(b["value"] for b in raw if b["id"] == "tax_gdp")
    threshold = benchmark_value if benchmark_value is not None else shipped
    own = latest(imf_tax(), ["PAK"], settings.window)
    assert result.holds == (float(own["value"].iloc[0]) < threshold)
    # The shipped threshold prints with the decimals it was declared with (12.75); a user's value as usual.
    declared = len(f"{threshold:g}".partition(".")[2]) if benchmark_value is None else 0
    assert format_value(threshold, "% of GDP", declared or None) in result.sentence


@pytest.mark.parametrize("focus", SOUTH_ASIA)
def test_political_stability_percentile_as_published(store, book, study, focus):
    """C3.1 part 1: WGI percentile rank (pctrank column of the WGI CSV) in the bottom third."""
    window = Settings.default(DEFAULTS).window
    own = latest(wgi("pv", "pctrank"), [focus], window)
    result = part(study, store, "C3.1", 0, Settings.default(DEFAULTS, focus=focus))
    band = book.claims["C3.1"].tests[0].params
    if own.empty:
        assert result.holds is None
        return
    year, value = int(own["year"].iloc[0]), float(own["value"].iloc[0])
    # WGI's own 90% interval of the rank: when it reaches across the band's inner edge the part is too close.
    lower = wgi("pv", "pctranklower").query("iso3 == @focus and year == @year")["value"]
    upper = wgi("pv", "pctrankupper").query("iso3 == @focus and year == @year")["value"]
    half_width = max(value - float(lower.iloc[0]), float(upper.iloc[0]) - value) if len(lower) and len(upper) else 0
    edges = [e for e in (band["low"], band["high"]) if 0 < e < 100]
    if any(abs(value - edge) <= half_width for edge in edges):
        assert result.holds is None and result.outcome == "too_close" and "too close" in result.sentence
    else:
        assert result.holds == (band["low"] <= value <= band["high"])
    assert str(year) in result.sentence


@pytest.mark.parametrize("focus", ["PAK", "IND", "LKA", "NPL"])
def test_hdi_percentile_computed_from_undp_values(store, book, study, focus):
    """A3.1 part 1: share of other countries with a lower HDI in the focus's latest year."""
    hdi = undp_hdi()
    own = latest(hdi, [focus], Settings.default(DEFAULTS).window)
    year, value = int(own["year"].iloc[0]), float(own["value"].iloc[0])
    others = hdi[(hdi["year"] == year) & (hdi["iso3"] != focus)]
    percentile = 100 * (others["value"] < value).sum() / len(others)
    result = part(study, store, "A3.1", 0, Settings.default(DEFAULTS, focus=focus))
    band = book.claims["A3.1"].tests[0].params
    assert result.holds == (band["low"] <= percentile <= band["high"])
    assert f"percentile {percentile:.1f}" in result.sentence


@pytest.mark.parametrize("window", [(2015, 2025), (2015, 2000 + 60), (2015, 1990)])
def test_military_rule_share_of_years(store, book, study, window):
    """C1.3: years of military rule since 1947 from events.csv, divided by the years to the window's end."""
    events = pd.read_csv(CATALOGUE / "events.csv")
    rule = events[(events["kind"] == "military_rule") & events["countries"].str.contains("PAK")]
    until = window[1]
    params = book.claims["C1.3"].tests[0].params
    since = params["since"]
    years = sum(max(0, min(int(r.end_year), until) - max(int(r.start_year), since)) for r in rule.itertuples())
    share = years / (until - since)
    verdict = evaluate(book.claims["C1.3"], store, Settings.default(DEFAULTS, window=window), study)
    assert verdict.parts[0].holds == (params["low"] <= share <= params["high"])
    assert f"{years} of the {until - since} years" in verdict.sentence


# --- every claim, every South Asian focus -----------------------------------------------------------------------


@pytest.mark.parametrize("focus", SOUTH_ASIA)
def test_every_claim_evaluates_for_each_south_asian_country(shipped_verdicts, book, focus):
    verdicts = shipped_verdicts(Settings.default(DEFAULTS, focus=focus))
    assert list(verdicts) == list(book.claims)
    for claim_id, verdict in verdicts.items():
        assert verdict.status in STATUSES, claim_id
        assert verdict.sentence and verdict.settings.focus == focus
        assert focus not in verdict.peers
        if verdict.status == "insufficient_data":
            assert verdict.missing, claim_id
        if not verdict.evidence.empty:
            assert {"year", "source", "file", "code", "role"} <= set(verdict.evidence.columns)
            assert verdict.evidence["year"].notna().all()


@pytest.mark.parametrize("group", [g["id"] for g in PEER_FILE["groups"]])
def test_every_claim_evaluates_for_every_peer_group(shipped_verdicts, group):
    for verdict in shipped_verdicts(Settings.default(DEFAULTS, peer_group=group)).values():
        assert verdict.status in STATUSES and verdict.peer_label
        assert "PAK" not in verdict.peers


def test_pakistan_verdicts_under_default_settings_have_evidence(shipped_verdicts):
    for claim_id, verdict in shipped_verdicts(Settings.default(DEFAULTS)).items():
        if verdict.status != "insufficient_data":
            assert not verdict.evidence[verdict.evidence["role"] == "focus"].empty, claim_id
            # Each check's sentence names the focus value's own (latest) year.
            for checked in verdict.parts:
                focus_rows = checked.evidence[checked.evidence["role"] == "focus"]
                if checked.holds is not None and not focus_rows.empty:
                    assert str(focus_rows["year"].max()) in checked.sentence, (claim_id, checked.rule)


def test_military_rule_is_insufficient_for_a_country_without_events(store, book, study):
    events = pd.read_csv(CATALOGUE / "events.csv")
    assert not events["countries"].str.contains("IND").any()
    verdict = evaluate(book.claims["C1.3"], store, Settings.default(DEFAULTS, focus="IND"), study)
    assert verdict.status == "insufficient_data"
    assert "has no military rule events for India" in verdict.missing[0]


# --- missing data ---------------------------------------------------------------------------------------------


def test_settings_from_widgets_are_normalised():
    group = DEFAULTS.peer_group
    settings = Settings(focus="pak", peer_group=group, custom_peers=["ind"], window=[2010, 2020],
                        benchmarks=[["tax_gdp", 12]])
    normalised = Settings(focus="PAK", peer_group=group, custom_peers=("IND",), window=(2010, 2020),
                          benchmarks=(("tax_gdp", 12.0),))
    assert settings == normalised and hash(settings) == hash(normalised)


def test_default_settings_come_from_study_yaml():
    declared = parse_yaml((ROOT / "data" / "study.yaml").read_text(encoding="utf-8"))["defaults"]
    settings = Settings.default(DEFAULTS)
    assert (settings.focus, settings.peer_group, settings.window) == (
        declared["focus"], declared["peer_group"], tuple(declared["window"]))
    assert Settings.default(DEFAULTS, focus="ind").focus == "IND"


def test_unknown_focus_gives_insufficient_data_not_an_exception(store, book, study):
    for verdict in evaluate_all(study, store, Settings.default(DEFAULTS, focus="XXX")).values():
        assert verdict.status == "insufficient_data" and verdict.missing


def test_window_before_any_data_gives_insufficient_data(store, book, study):
    verdict = evaluate(book.claims["C2.3"], store, Settings.default(DEFAULTS, window=(1900, 1920)), study)
    assert verdict.status == "insufficient_data"
    assert "1900-1920" in verdict.missing[0]


def test_poverty_outside_the_recent_window_is_named_not_dropped(store, book, study):
    """C2.4 tests the last five years; Pakistan's latest poverty value (Gapminder file) may be older."""
    path = next((SNAPSHOTS / "gapminder_sg").glob("*extreme_poverty*.csv"))
    poverty = pd.read_csv(path)
    last = int(poverty.loc[poverty["geo"] == "pak", "time"].max())
    settings = Settings.default(DEFAULTS)
    verdict = evaluate(book.claims["C2.4"], store, settings, study)
    if last < settings.window[1] - 4:
        assert verdict.parts[2].holds is None
        assert any("extreme poverty" in m for m in verdict.missing)
        assert "could not be checked" in verdict.headline
        assert verdict.status != "supported"
    else:
        assert verdict.parts[2].holds is not None


def test_debt_claim_names_its_missing_preferred_series_and_labels_the_proxy(store, book, study):
    verdict = evaluate(book.claims["C2.2"], store, Settings.default(DEFAULTS), study)
    focus_rows = store.series("wdi_interest_revenue", [DEFAULTS.focus], Settings.default(DEFAULTS).window)
    assert focus_rows.empty  # the shipped Open Numbers copy has no interest series for Pakistan
    assert (verdict.evidence["indicator"] == "wdi_interest_revenue").sum() == 0
    assert verdict.status == "insufficient_data"  # a proxy never decides
    notes = " ".join(verdict.notes)
    assert "wdi_interest_revenue" in notes and "has no value for" in notes
    assert "proxy" in notes and "exports" in notes
    shown = set(verdict.evidence.loc[~verdict.evidence["indicator"].isna(), "indicator"])
    assert "gm_debt_service_exports" in shown and "wdi_interest_revenue" not in shown  # the proxy, as context


def test_years_differing_across_countries_are_said(store, book, study):
    frame = wdi_long("MS.MIL.XPND.GD.ZS")
    window = Settings.default(DEFAULTS).window
    years = set(latest(frame, [p for p in SOUTH_ASIA], window)["year"])
    result = part(study, store, "C1.2", 0, Settings.default(DEFAULTS))
    assert ("Years differ" in result.sentence) == (len(years) > 1)


# --- combining and robustness ---------------------------------------------------------------------------------


def result(holds, context=False):
    return RuleResult("peer_median", holds, "s", pd.DataFrame(), context=context)


@pytest.mark.parametrize(
    "holds, mode, status",
    [
        ([True, True], "all", "supported"),
        ([True, False], "all", "partly_supported"),
        ([False, False], "all", "not_supported"),
        ([True, False], "any", "supported"),
        ([True, True, False], "majority", "supported"),
        ([True, False, False], "majority", "partly_supported"),
        ([True, True, None], "all", "insufficient_data"),
        ([True, False, None], "all", "partly_supported"),
        ([True, None, None], "all", "insufficient_data"),
        ([None], "any", "insufficient_data"),
    ],
)
def test_combine(holds, mode, status):
    assert combine([result(h) for h in holds], mode) == status


def close_result():
    return RuleResult("peer_median", None, "s", pd.DataFrame(), too_close=True)


def parts_of(holds: int, fails: int, close: int) -> list[RuleResult]:
    return [result(True)] * holds + [result(False)] * fails + [close_result()] * close


@pytest.mark.parametrize(
    "holds, fails, close, status",
    [
        (2, 0, 1, "supported"),       # A3.2's shape: even if the close part failed, 2 of 3 still hold
        (1, 1, 1, "too_close"),       # the close part decides the majority
        (2, 1, 1, "too_close"),       # 2 of 4 is no majority; with the close part it would be 3 of 4
        (0, 1, 2, "too_close"),       # both close parts holding would make 2 of 3
        (1, 2, 1, "partly_supported"),  # no reading of the close part gives a majority
        (0, 2, 1, "not_supported"),
        (3, 1, 1, "supported"),
    ],
)
def test_a_too_close_part_is_never_outvoted_when_it_could_flip_the_majority(holds, fails, close, status):
    assert combine(parts_of(holds, fails, close), "majority") == status


def test_majority_rule_matches_its_definition_for_every_mix_of_outcomes():
    """Supported exactly when the holding parts are a majority with every close part counted against the claim;
    too close exactly when some reading of the close parts gives a majority and another does not."""
    for total in range(1, 6):
        for holds in range(total + 1):
            for close in range(total - holds + 1):
                fails = total - holds - close
                readings = {2 * (holds + k) > total for k in range(close + 1)}
                expected = ("supported" if readings == {True} else "too_close" if readings == {True, False}
                            else "partly_supported" if holds else "not_supported")
                assert combine(parts_of(holds, fails, close), "majority") == expected, (holds, fails, close)


def test_the_tally_says_whether_a_close_part_can_change_the_majority(store, book, study):
    """Whatever each shipped majority claim's parts come to for the default focus, the tally says it."""
    for claim in book.claims.values():
        if claim.combine != "majority":
            continue
        verdict = evaluate(claim, store, Settings.default(DEFAULTS), study)
        outcomes = [p.outcome for p in verdict.parts if not p.context]
        if "too_close" in outcomes and "unchecked" not in outcomes:
            could = verdict.status == "too_close"
            said = "(could decide the majority)" if could else "(cannot change the majority)"
            assert said in verdict.tally, (claim.id, verdict.tally)


def test_context_parts_do_not_count():
    assert combine([result(True), result(False, context=True)], "all") == "supported"


def test_robustness_counts_variants_with_the_same_status(store, book, study):
    claim = book.claims["C2.1"]
    report = robustness(claim, store, Settings.default(DEFAULTS), study)
    holds, total, results = report
    base = evaluate(claim, store, Settings.default(DEFAULTS), study).status
    assert total == len(results) == len(robustness_variants(claim, Settings.default(DEFAULTS), study))
    assert holds == sum(status == base for _, status in results) == len(report.holds)
    assert len(report.unchecked) == sum(status == "insufficient_data" != base for _, status in results)
    assert len(report.flips) == total - holds - len(report.unchecked)
    for variant, status, change in report.flips:
        assert status not in (base, "insufficient_data") and change and change != "the same settings"
    groups = {s.peer_group for s, _ in results}
    assert groups == {g["id"] for g in PEER_FILE["groups"]}
    # The education benchmark is a band: both of its ends are tried.
    raw = parse_yaml((CATALOGUE / "benchmarks.yaml").read_text(encoding="utf-8"))
    band = next(b for b in raw if b["id"] == "edu_gdp")
    tried = {dict(s.benchmarks).get("edu_gdp") for s, _ in results if s.benchmarks}
    assert tried == {band["low"], band["high"]}
