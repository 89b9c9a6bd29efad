"""Imported interview excerpts appear beside the claims they bear on (issue 7), as data, never as HTML.

Input: the shipped invented example (data/examples/interviews_example.csv), read by the same function the
Interviews page calls; expectations are computed from that file with the mapping the import suggests.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from src.qual.mapping import apply_mapping, excerpts_for_claim
from src.qual.session import SESSION_KEY, import_files
from tests.shipped import shipped_codebook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data" / "examples" / "interviews_example.csv"


CODEBOOK = shipped_codebook()


def example_session():
    themes = {theme.id: theme.label for theme in CODEBOOK.themes.values()}
    session, error = import_files(None, [(EXAMPLE.name, EXAMPLE.read_bytes())], None, themes)
    assert error is None
    return session


def test_excerpts_for_a_claim_are_those_mapped_to_its_theme_each_once():
    session = example_session()
    mapped = apply_mapping(session.coding, session.mapping)
    expected = mapped[mapped["theme_id"] == "C2"].drop_duplicates(["interviewee", "code_path", "excerpt"])
    assert len(expected) > 0, "the example maps some codes to the Financial constraints theme"
    found = excerpts_for_claim("C2", ["imf_tax_gdp"], session.coding, session.mapping)
    assert sorted(found["excerpt"]) == sorted(expected["excerpt"])
    assert found["matched_by"].str.contains("theme C2").all()


def test_no_excerpts_when_nothing_maps_to_the_claim():
    session = example_session()
    empty_mapping = session.mapping.assign(theme_id="", indicator_ids="")
    assert excerpts_for_claim("A1", ["undp_hdi"], session.coding, empty_mapping).empty


def test_the_claims_page_shows_the_imported_excerpts_beside_the_claim():
    session = example_session()
    at = AppTest.from_file(str(ROOT / "pages" / "claims.py"), default_timeout=120)
    at.session_state[SESSION_KEY] = session
    at.query_params["claim"] = "C2.3"
    at.run()
    assert not at.exception
    label = next(e.label for e in at.expander if "Your imported interviews on C2.3" in e.label)
    expected = excerpts_for_claim("C2", [*CODEBOOK.claims["C2.3"].indicators, *CODEBOOK.claims["C2.3"].preferred],
                                  session.coding, session.mapping)
    assert f"{len(expected)} excerpt(s)" in label
    shown = [frame.value for frame in at.dataframe if "excerpt" in getattr(frame.value, "columns", [])]
    assert shown and isinstance(shown[0], pd.DataFrame)
    assert sorted(shown[0]["excerpt"]) == sorted(expected["excerpt"])
    assert not any("INVENTED EXAMPLE" in m.value for m in at.markdown)  # data, never markdown


def test_without_an_import_the_claims_page_shows_no_interview_box():
    at = AppTest.from_file(str(ROOT / "pages" / "claims.py"), default_timeout=120)
    at.query_params["claim"] = "C2.3"
    at.run()
    assert not at.exception
    assert not [e for e in at.expander if "imported interviews" in e.label]
