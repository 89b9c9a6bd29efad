"""The declared study files load, cross-check, and name the file and entry at fault when broken.

Covers data/codebook/*.yaml (src/study/codebook.py), data/catalogue/peer_groups.yaml (src/study/peers.py),
data/catalogue/events.csv (src/study/events.py) and data/catalogue/benchmarks.yaml.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from src.paths import CODEBOOK_DIR
from src.study.codebook import BENCHMARKS_FILE, CodebookError, load_codebook
from src.study.events import EVENTS_FILE, EventsError, load_events
from src.study.peers import PEER_GROUPS_FILE, PeerGroupError, load_peer_groups, load_published_aggregates, members
from src.study.rule_specs import RULE_SPECS_BY_KEY, indicator_ids_in
from src.study.yaml_io import dump_yaml, parse_yaml

BRIEF = Path(__file__).resolve().parents[2] / "shared" / "design" / "claims.md"  # ../shared beside the checkout
BRIEF_CLAIM_IDS = ["C1.1", "C1.2", "C1.3", "C2.1", "C2.2", "C2.3", "C2.4", "C2.5", "C3.1", "C3.2", "A2.1", "A2.2",
                   "A3.1", "A3.2"]
# Checkable claims the paper makes that the brief's table missed (issue 12): coups, gender, inequality.
ADDED_FROM_THE_PAPER = ["C3.3", "A2.3", "A2.4"]


@pytest.fixture(scope="module")
def book(codebook):
    return codebook


def test_shipped_codebook_loads_with_all_themes_and_claims(book):
    assert set(book.themes) == {"A1", "A2", "A3", "C1", "C2", "C3"}
    assert set(book.claims) == set(BRIEF_CLAIM_IDS) | set(ADDED_FROM_THE_PAPER)
    assert [c for c in book.claims if c in BRIEF_CLAIM_IDS] == BRIEF_CLAIM_IDS
    assert {u.theme for u in book.unsettled.values()} == {"A1", "A2", "A3", "C1", "C2"}
    for claim in book.claims.values():
        assert "?" in claim.question, claim.id
        assert claim.theme in book.themes and claim.section and claim.paraphrase


def test_claim_ids_match_the_brief_table():
    if not BRIEF.exists():
        pytest.skip(f"the product brief is not beside the checkout ({BRIEF} is absent)")
    in_brief = re.findall(r"^\| ([ACU]\d\.\d) \|", BRIEF.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert sorted(in_brief) == sorted(BRIEF_CLAIM_IDS)


def test_coding_chain_keeps_the_papers_worked_examples(book):
    chain = book.codes["from_territorial_to_human"]
    assert chain.keywords == ("expanded security", "focus on human needs")
    assert chain.initial_theme == "expansion of concept of security" and chain.theme == "A1"
    assert book.codes["recognition_at_international_level"].theme == "A3"
    assert {c.id for c in book.codes.values() if c.origin == "paper_first_pass"} == {
        "health", "education", "budget", "resources"
    }
    assert {c.theme for c in book.codes.values()} == set(book.themes)


def test_refresh_only_series_are_listed_as_preferred_with_a_snapshot_fallback(book, catalogue):
    for claim in book.claims.values():
        for test in claim.tests:
            for name, spec in RULE_SPECS_BY_KEY[test.rule].params.items():
                if spec.kind != "slot" or name not in test.params:
                    continue
                ids = [test.params[name]] if isinstance(test.params[name], str) else test.params[name]
                refresh_only = [i for i in ids if not catalogue[i].in_snapshot]
                assert set(refresh_only) <= set(claim.preferred), (claim.id, refresh_only)
    c22 = book.claims["C2.2"]
    assert "wdi_interest_revenue" in c22.preferred and "gm_debt_service_exports" in c22.proxies


def test_benchmarks_carry_values_and_citations(book):
    raw = parse_yaml(BENCHMARKS_FILE.read_text(encoding="utf-8"))
    for entry in raw:
        loaded = book.benchmarks[entry["id"]]
        assert loaded.low == entry.get("low", entry.get("value"))
        assert loaded.high == entry.get("high", entry.get("value"))
        assert loaded.source


# --- broken codebooks: each error names the file and the entry --------------------------------------------------


def copy_codebook(tmp_path: Path) -> Path:
    target = tmp_path / "codebook"
    shutil.copytree(CODEBOOK_DIR, target)
    return target


def edit_claims(directory: Path, change) -> None:
    path = directory / "claims.yaml"
    document = parse_yaml(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(dump_yaml(document, sort_keys=False), encoding="utf-8")


def first_claim(document):
    return document["claims"][0]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: first_claim(d)["tests"][0]["params"].update(indicator="wdi_no_such_series"), "unknown indicator"),
        (lambda d: first_claim(d).update(theme="Z9"), "unknown theme 'Z9'"),
        (lambda d: d["claims"].append(dict(first_claim(d))), "duplicate id"),
        (lambda d: first_claim(d)["tests"][0].update(rule="vibes"), "unknown rule 'vibes'"),
        (lambda d: first_claim(d)["tests"][0]["params"].pop("indicator"), "missing parameter 'indicator'"),
        (lambda d: first_claim(d).update(combine="most"), "combine='most'"),
        (lambda d: first_claim(d).update(indicators=[]), "does not list them"),
        (lambda d: first_claim(d).update(codes=["no_such_code"]), "unknown code"),
        (lambda d: first_claim(d).pop("question"), "lacks ['question']"),
    ],
)
def test_broken_claims_name_file_and_claim(catalogue, tmp_path, change, message):
    directory = copy_codebook(tmp_path)
    edit_claims(directory, change)
    with pytest.raises(CodebookError) as error:
        load_codebook(directory, catalogue=catalogue)
    text = str(error.value)
    assert message in text and "claims.yaml" in text
    assert "'C1.1'" in text


def test_unknown_benchmark_is_named(catalogue, tmp_path):
    directory = copy_codebook(tmp_path)

    def change(document):
        claim = next(c for c in document["claims"] if c["id"] == "C2.3")
        next(t for t in claim["tests"] if t["rule"] == "benchmark")["params"]["benchmark"] = "moonshot"

    edit_claims(directory, change)
    with pytest.raises(CodebookError, match=r"claim 'C2.3'.*unknown benchmark 'moonshot'"):
        load_codebook(directory, catalogue=catalogue)


def test_unknown_theme_in_codes_is_named(catalogue, tmp_path):
    directory = copy_codebook(tmp_path)
    codes = parse_yaml((directory / "codes.yaml").read_text(encoding="utf-8"))
    codes[0]["theme"] = "B7"
    (directory / "codes.yaml").write_text(dump_yaml(codes), encoding="utf-8")
    with pytest.raises(CodebookError, match=r"codes.yaml: code 'from_territorial_to_human' names unknown theme 'B7'"):
        load_codebook(directory, catalogue=catalogue)


def test_unreadable_yaml_is_a_clear_error(catalogue, tmp_path):
    directory = copy_codebook(tmp_path)
    (directory / "themes.yaml").write_text("- id: [unclosed", encoding="utf-8")
    with pytest.raises(CodebookError, match="themes.yaml: cannot be read as YAML"):
        load_codebook(directory, catalogue=catalogue)


def test_unsettled_claims_list_why_and_known_context(book, catalogue):
    for claim in book.unsettled.values():
        assert claim.why and claim.context
        assert all(i in catalogue for i in claim.context)


def test_every_test_names_only_catalogue_indicators(book, catalogue):
    for claim in book.claims.values():
        for test in claim.tests:
            assert set(indicator_ids_in(RULE_SPECS_BY_KEY[test.rule], test.params)) <= set(catalogue), claim.id


# --- peer groups ------------------------------------------------------------------------------------------------


def test_peer_groups_file_loads():
    raw = parse_yaml(PEER_GROUPS_FILE.read_text(encoding="utf-8"))
    groups = load_peer_groups()
    assert list(groups) == [g["id"] for g in raw["groups"]]
    assert groups["south_asia"].members == tuple(next(g for g in raw["groups"] if g["id"] == "south_asia")["members"])
    assert [a.iso3 for a in load_published_aggregates()] == [a["iso3"] for a in raw["aggregates"]]


@pytest.fixture(scope="module")
def fixture_store():
    folder = Path(__file__).resolve().parent / "fixtures" / "claims"
    values = pd.read_csv(folder / "tidy.csv")
    countries = pd.read_csv(folder / "countries.csv")
    countries["is_aggregate"] = countries["is_aggregate"].astype(bool)
    return SimpleNamespace(values=values, countries=countries)


def test_members_by_income_group_and_hdi_band(study, fixture_store):
    countries = fixture_store.countries
    expected_lmic = sorted(countries.loc[(countries.income_group == "Lower middle income") & ~countries.is_aggregate,
                                         "iso3"])
    assert members("lmic", fixture_store, "AAA", groups=study.peer_groups) == expected_lmic
    hdi = fixture_store.values[(fixture_store.values.indicator == "undp_hdi") & (fixture_store.values.iso3 != "WLD")]
    own = hdi.loc[hdi.iso3 == "AAA", "value"].iloc[0]
    close = sorted(hdi.loc[(hdi.value - own).abs() <= study.peer_groups["similar_hdi"].width + 1e-9, "iso3"])
    assert members("similar_hdi", fixture_store, "AAA", groups=study.peer_groups) == close
    assert members("custom", fixture_store, "AAA", ["bbb", "CCC"], groups=study.peer_groups) == ["BBB", "CCC"]


def test_similar_hdi_falls_back_to_the_hdi_tier(study, fixture_store):
    # Country ZZZ has no HDI value; give it a tier so the fallback has something to use.
    countries = pd.concat([fixture_store.countries, pd.DataFrame([{"iso3": "ZZZ", "name": "Z", "is_aggregate": False,
                                                                     "hdi_tier": "Low"}])], ignore_index=True)
    store = SimpleNamespace(values=fixture_store.values, countries=countries)
    expected = sorted(countries.loc[(countries.hdi_tier == "Low") & ~countries.is_aggregate.astype(bool), "iso3"])
    assert members("similar_hdi", store, "ZZZ", groups=study.peer_groups) == expected


def test_unknown_peer_group_is_named(study, fixture_store):
    with pytest.raises(PeerGroupError, match="no peer group 'martians'"):
        members("martians", fixture_store, "AAA", groups=study.peer_groups)


def test_broken_peer_groups_file_names_the_group(tmp_path):
    path = tmp_path / "peer_groups.yaml"
    path.write_text("groups:\n  - {id: x, label: X, kind: list}\n", encoding="utf-8")
    with pytest.raises(PeerGroupError, match=r"group 'x' of kind 'list' needs `members`"):
        load_peer_groups(path)


# --- events ----------------------------------------------------------------------------------------------------


def test_events_file_loads_with_sources():
    raw = pd.read_csv(EVENTS_FILE)
    events = load_events()
    assert len(events) == len(raw)
    assert events["source"].str.len().min() > 0
    rule = events[events.kind == "military_rule"]
    assert list(zip(rule.start_year, rule.end_year)) == list(
        zip(raw.loc[raw.kind == "military_rule", "start_year"], raw.loc[raw.kind == "military_rule", "end_year"])
    )
    assert {"military_rule", "disaster", "policy", "imf_programme"} <= set(events.kind)


@pytest.mark.parametrize(
    "line, message",
    [
        ("1990,1980,Backwards,military_rule,PAK,a source", "ends (1980) before it starts (1990)"),
        ("nineteen,1980,Bad year,military_rule,PAK,a source", "start_year='nineteen'"),
        ("1990,1991,No source,military_rule,PAK,", "has no source"),
        ("1990,1991,No country,military_rule,,a source", "names no country"),
    ],
)
def test_broken_events_name_the_line(tmp_path, line, message):
    path = tmp_path / "events.csv"
    path.write_text("start_year,end_year,label,kind,countries,source\n" + line + "\n", encoding="utf-8")
    with pytest.raises(EventsError) as error:
        load_events(path)
    assert message in str(error.value) and "line 2" in str(error.value)
