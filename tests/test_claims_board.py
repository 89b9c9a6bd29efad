"""The Claims page's verdict board (src/views/board.py, src/app/show.verdict_board) and its short layout.

Every shipped claim is checked under the study's default comparison: it has one board row with its verdict and its
key number (the year of the value it shows), a detail with one "How this was checked" box that holds the method
notes (series codes, preferred series, refresh hints), and the page lists its citations once. Expectations come
from the shipped files through the same loaders and the verdict engine, never typed in.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from src.claims.evaluate import Settings
from src.claims.verdicts import style_of
from src.views import board_rows, claim_anchor, key_fact, method_notes, page_source_ids, reader_notes
from tests.shipped import shipped_study

ROOT = Path(__file__).resolve().parent.parent
STUDY = shipped_study()
CLAIMS = list(STUDY.codebook.claims.values())
HEADING = "The numbers and marked events on this page come from:"


@pytest.fixture(scope="module")
def verdicts(shipped_verdicts):
    return shipped_verdicts(Settings.default(STUDY.defaults))


@pytest.fixture(scope="module")
def page():
    at = AppTest.from_file(str(ROOT / "pages" / "claims.py"), default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def focus_years(verdict) -> set[str]:
    rows = verdict.evidence[verdict.evidence["role"] == "focus"]
    return {str(int(y)) for y in rows["year"]}


def test_every_claim_has_a_board_row_with_its_verdict_and_a_dated_key_number(verdicts):
    rows = board_rows(CLAIMS, verdicts, STUDY.indicators)
    assert [r.claim_id for r in rows] == [c.id for c in CLAIMS]
    for row in rows:
        verdict = verdicts[row.claim_id]
        assert row.status == verdict.status
        assert row.anchor == claim_anchor(row.claim_id) and "." not in row.anchor
        if focus_years(verdict):
            years = set(re.findall(r"\b(?:19|20)\d\d\b", row.key_fact))
            # A count over the years (military rule, coups) names the span it counted: its `since` and window end.
            spans = {str(y) for p in verdict.parts for y in (p.params.get("since"),) if y} | {
                str(y) for y in verdict.settings.window}
            assert years and years <= focus_years(verdict) | spans, (row.claim_id, row.key_fact)


def test_the_engine_key_fact_wins_over_the_computed_one(verdicts):
    claim = CLAIMS[0]

    class WithKeyFact:
        key_fact = "an engine's own key number (fixture)"
        evidence = verdicts[claim.id].evidence

    assert key_fact(claim, WithKeyFact(), STUDY.indicators) == WithKeyFact.key_fact


def test_method_notes_stay_out_of_the_reader_notes(verdicts):
    noted = [c for c in CLAIMS if verdicts[c.id].notes]
    assert noted, "the shipped snapshot lacks some preferred series, so some verdicts carry refresh notes"
    for claim in noted:
        verdict = verdicts[claim.id]
        assert set(verdict.notes) <= set(method_notes(claim, verdict))
        assert not set(verdict.notes) & set(reader_notes(claim, verdict))


def test_the_board_shows_every_claim_its_verdict_and_key_number(page, verdicts):
    (board,) = [m.value for m in page.markdown if m.value.startswith("| Claim |")]
    lines = board.splitlines()[2:]
    assert len(lines) == len(CLAIMS)
    for line, row in zip(lines, board_rows(CLAIMS, verdicts, STUDY.indicators)):
        assert f"[{row.claim_id}](#{row.anchor})" in line
        assert f"{style_of(row.status).label}]" in line
        assert row.key_fact.replace("|", "\\|") in line


def test_every_detail_is_on_the_page_with_one_method_box_and_no_method_notes_outside(page, verdicts):
    anchors = [s.proto.anchor for s in page.subheader]
    assert [a for a in anchors if a in {claim_anchor(c.id) for c in CLAIMS}] == [claim_anchor(c.id) for c in CLAIMS]
    assert [e.label for e in page.expander].count("How this was checked") == len(CLAIMS)
    outside = "\n".join(str(e.value) for kind in ("markdown", "caption") for e in page.get(kind))
    for claim in CLAIMS:
        for note in verdicts[claim.id].notes:
            assert note not in outside  # the method box is closed, so its notes are not drawn yet


def test_the_page_lists_its_citations_once_at_the_end(page, verdicts):
    blocks = [m.value for m in page.markdown if HEADING in m.value]
    assert len(blocks) == 1 and page.markdown[-1].value == blocks[0]
    assert not [m.value for m in page.markdown if m.value.startswith("**Sources**")]
    lines = blocks[0].splitlines()[1:]
    assert len(lines) == len(set(lines))
    for source_id in page_source_ids(verdicts.values()):
        # A catalogued source shows its citation; an event row carries its own citation as its source.
        assert getattr(STUDY.sources.get(source_id), "citation", source_id) in blocks[0]


def test_opening_a_method_box_shows_its_notes_and_evidence(verdicts):
    claim = next(c for c in CLAIMS if verdicts[c.id].notes)
    at = AppTest.from_file(str(ROOT / "pages" / "claims.py"), default_timeout=180)
    at.session_state[f"checked-open-{claim.id}"] = True
    at.run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    for note in verdicts[claim.id].notes:
        assert note in captions
    (table,) = [d.value for d in at.dataframe]
    assert len(table) == len(verdicts[claim.id].evidence)
