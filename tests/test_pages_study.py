"""The study pages (Overview, Claims, Themes) under Streamlit's AppTest: they run, show their key elements, follow
each main widget and the URL, and answer a bad link with a clear message instead of a traceback.

Expectations come from the shipped codebook and catalogue files, read here with plain yaml.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from src.study.yaml_io import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
CLAIMS_FILE = parse_yaml((ROOT / "data/codebook/claims.yaml").read_text(encoding="utf-8"))
CLAIMS = CLAIMS_FILE["claims"]
UNSETTLED = CLAIMS_FILE["unsettled"]
THEMES = parse_yaml((ROOT / "data/codebook/themes.yaml").read_text(encoding="utf-8"))
SOURCES = parse_yaml((ROOT / "data/catalogue/sources.yaml").read_text(encoding="utf-8"))
TIMEOUT = 120


def run_page(name: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Everything the page wrote as text, in one string to search."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def claim_headings(at: AppTest) -> list[str]:
    return [s.value.split(":")[0] for s in at.subheader if s.value.split(":")[0] in {c["id"] for c in CLAIMS}]


def charts(at: AppTest) -> list:
    return at.get("plotly_chart")


# --- Overview ---------------------------------------------------------------------------------------------------


def test_overview_shows_every_theme_with_its_claims_and_every_source():
    at = run_page("overview")
    shown = texts(at)
    for theme in THEMES:
        assert theme["label"] in [s.value for s in at.subheader]
    for claim in CLAIMS:
        # Each theme card names the claim with its verdict; "at a glance" links to it (markdown when run alone).
        assert f"**{claim['id']}** (" in shown and f"): {claim['paraphrase']}" in shown
        assert f"](claims?claim={claim['id']})" in shown
    for unsettled in UNSETTLED:
        assert f"{unsettled['id']}: {unsettled['paraphrase']}" in shown
    metrics = {m.label: int(m.value) for m in at.metric}
    assert sum(metrics.values()) == len(CLAIMS)
    (freshness,) = [t.value for t in at.table]
    assert len(freshness) == len(SOURCES)
    assert not at.error


def test_overview_follows_the_focus_country():
    at = run_page("overview")
    at.selectbox(key="focus").set_value("IND").run()
    assert not at.exception
    assert "India (IND)" in texts(at)
    assert "focus=IND" in texts(at)  # the claim links carry the comparison


# --- Claims -----------------------------------------------------------------------------------------------------


def test_claims_page_shows_every_claim_with_verdict_and_draws_charts_on_request():
    at = run_page("claims")
    assert claim_headings(at) == [c["id"] for c in CLAIMS]
    # One verdict badge per claim in its detail, plus the board: one markdown table holding every badge.
    assert sum("-badge[" in m.value for m in at.markdown) == len(CLAIMS) + 1
    assert len([e for e in at.expander if e.label == "How this was checked"]) == len(CLAIMS)
    # The full list draws no chart and no evidence table until its box is opened.
    assert not charts(at) and not at.dataframe
    shown = texts(at)
    for unsettled in UNSETTLED:
        assert f"{unsettled['id']}: {unsettled['paraphrase']}" in shown
    first = CLAIMS[0]["id"]
    at.session_state[f"chart-open-{first}"] = True
    at.session_state[f"checked-open-{first}"] = True
    at.run()
    assert not at.exception
    assert len(charts(at)) == 1
    (evidence,) = [d.value for d in at.dataframe]
    assert {"Year", "Value", "source", "File (data/snapshots/)", "Publisher's code"} <= set(evidence.columns)
    # In the list, a claim's robustness is checked on request (it re-runs the claim ~20 times).
    assert "Robustness: the verdict stays" not in texts(at)
    at.toggle(key=f"robustness-{first}").set_value(True).run()
    assert not at.exception
    assert "Robustness: the verdict stays" in texts(at)


def test_claims_theme_filter_and_single_claim_view():
    at = run_page("claims")
    at.selectbox(key="theme").set_value("C2").run()
    assert not at.exception
    assert claim_headings(at) == [c["id"] for c in CLAIMS if c["theme"] == "C2"]
    # One theme's claims are few: their charts are drawn at once.
    assert len(charts(at)) >= len([c for c in CLAIMS if c["theme"] == "C2"])
    at.selectbox(key="claim").set_value("C2.3").run()
    assert not at.exception
    assert claim_headings(at) == ["C2.3"]
    assert "cannot settle" not in texts(at)
    assert "Robustness: the verdict stays" in texts(at)  # a single claim always shows it


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("focus", "IND", "India (IND) compared with"),
        ("peers", "lmic", "compared with Lower-middle-income countries"),
        ("start", 2005, "verdicts use 2005-2025"),
        ("end", 2020, "verdicts use 2015-2020"),
    ],
)
def test_claims_follow_each_comparison_widget(key, value, expected):
    at = run_page("claims", claim="C1.2")
    widget = at.selectbox(key=key) if key in ("focus", "peers") else at.number_input(key=key)
    widget.set_value(value).run()
    assert not at.exception
    assert expected in texts(at)
    assert claim_headings(at) == ["C1.2"]


def test_claims_custom_peer_group():
    at = run_page("claims", claim="C1.2")
    at.selectbox(key="peers").set_value("custom").run()
    at.multiselect(key="custom").set_value(["IND", "BGD"]).run()
    assert not at.exception
    figure = charts(at)[0].proto.spec
    assert "India" in figure and "Bangladesh" in figure and "Afghanistan" not in figure


def test_benchmark_value_changes_the_verdict_sentence():
    at = run_page("claims", claim="C2.3")
    tax = next(b for b in parse_yaml((ROOT / "data/catalogue/benchmarks.yaml").read_text()) if b["id"] == "tax_gdp")
    other = tax["value"] - 5
    at.number_input(key="bm_tax_gdp").set_value(other).run()
    assert not at.exception
    assert f"{other:.1f}% of GDP" in texts(at)
    assert "your value" in charts(at)[0].proto.spec


def test_claims_loaded_from_a_shared_link():
    at = run_page("claims", claim="C2.3", focus="IND", peers="lmic", start="2010", end="2020")
    assert claim_headings(at) == ["C2.3"]
    shown = texts(at)
    assert "India (IND) compared with Lower-middle-income countries; verdicts use 2010-2020" in shown
    assert not at.error
    # The copyable link reproduces the view in id form.
    (link,) = [c.value for c in at.code]
    for part in ("claim=C2.3", "focus=IND", "peers=lmic", "start=2010", "end=2020"):
        assert part in link


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"claim": "C9.9"}, "claim=C9.9"),
        ({"theme": "Z1"}, "theme=Z1"),
        ({"focus": "XXX"}, "focus=XXX"),
        ({"claim": "C2.3", "bm_tax_gdp": "lots"}, "bm_tax_gdp=lots"),
    ],
)
def test_unknown_link_values_get_a_clear_message(params, named):
    at = run_page("claims", **params)
    assert any(named in e.value for e in at.error)
    # The page still shows the default view below the message.
    assert claim_headings(at)


# --- Themes -----------------------------------------------------------------------------------------------------


def test_themes_page_draws_the_coding_chain_and_every_theme():
    at = run_page("themes")
    (chain,) = charts(at)
    assert '"type":"sankey"' in chain.proto.spec.replace(" ", "")
    headers = [h.value for h in at.header]
    assert headers == [f"{t['id']}: {t['label']}" for t in THEMES]
    assert "claims?claim=C2.3" in texts(at)


def test_themes_filter_from_widget_and_url():
    at = run_page("themes")
    at.selectbox(key="theme").set_value("C3").run()
    assert not at.exception
    assert [h.value for h in at.header] == ["C3: Political instability and bad governance"]
    linked = run_page("themes", theme="A1")
    assert [h.value for h in linked.header] == [f"A1: {THEMES[0]['label']}"]


def test_themes_unknown_theme_in_link():
    at = run_page("themes", theme="nonsense")
    assert any("theme=nonsense" in e.value for e in at.error)
    assert len(at.header) == len(THEMES)


def test_inside_the_app_the_overview_links_into_claims_and_themes():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    links = {(p.proto.page, p.proto.query_string) for p in at.get("page_link")}
    for claim in CLAIMS:
        assert ("claims", f"claim={claim['id']}") in links
    for theme in THEMES:
        assert ("themes", f"theme={theme['id']}") in links
    at.switch_page("pages/claims.py").run()
    assert not at.exception
    assert claim_headings(at) == [c["id"] for c in CLAIMS]


# --- caching shared by the pages ---------------------------------------------------------------------------------


def test_cached_build_builds_once_per_key_across_reruns():
    def script():
        import streamlit as st

        from src.app import data

        builds = st.session_state.setdefault("builds", [])
        for key in ("first", "first", "second"):
            st.text(data.cached_build("test-cached-build", (key,), lambda key=key: builds.append(key) or f"built {key}"))

    at = AppTest.from_function(script, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.text] == ["built first", "built first", "built second"]
    at.run()
    assert [t.value for t in at.text] == ["built first", "built first", "built second"]
    assert at.session_state["builds"] == ["first", "second"]
