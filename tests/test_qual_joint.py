"""The joint display (claims x interviewees beside verdicts) and neutralised CSV downloads (issue 14).

Inputs: the shipped invented example (data/examples/interviews_example.csv) with the mapping the import suggests,
the study's own claims (data/codebook), and stand-in verdicts built here (a test double: label, headline and an
evidence table), so no store is needed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from src.qual.cells import FORMULA_TRIGGERS, GUARD, clean_text, safe_csv_bytes
from src.qual.importer import read_coding_bytes
from src.qual.joint import FIXED_COLUMNS, NOT_CHECKED, joint_display, key_numbers
from src.qual.mapping import apply_mapping, mapping_from_csv, mapping_to_csv, suggest_mapping
from src.qual.session import import_files
from tests.shipped import shipped_codebook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data" / "examples" / "interviews_example.csv"
def codebook():
    """The study's declared codebook (data/codebook), read once per process (tests/shipped.py)."""
    return shipped_codebook()


HOSTILE = ["=HYPERLINK(\"http://example.invalid\",\"x\")", "+1+1", "-2", "@SUM(A1)", "\t=1", "\r=1"]


@dataclass(frozen=True)
class StandInVerdict:
    """A test double for src.claims.evaluate.Verdict: only what the joint display reads."""

    label: str
    headline: str
    evidence: pd.DataFrame


def coding_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    """A simple coding CSV (interviewee, theme, code, excerpt), written with the csv module so quotes are escaped."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["interviewee", "theme", "code", "excerpt"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def stand_in_verdicts(claims) -> dict:
    evidence = pd.DataFrame({"indicator": ["ind_a", "ind_a", "ind_b"], "value": [1.0, 2.0, 3.0],
                             "year": [2000, 2001, 2001], "role": ["focus", "focus", "peer"]})
    return {claim.id: StandInVerdict("stand-in label", f"stand-in headline for {claim.id}", evidence)
            for claim in claims}


@pytest.fixture(scope="module")
def session():
    themes = {theme.id: theme.label for theme in codebook().themes.values()}
    session, error = import_files(None, [(EXAMPLE.name, EXAMPLE.read_bytes())], None, themes)
    assert error is None
    return session


def test_joint_display_cells_are_each_interviewees_excerpts_for_the_claim(session):
    claims = list(codebook().claims.values())
    verdicts = stand_in_verdicts(claims[1:])  # the first claim has no verdict: shown as not checked
    joint = joint_display(claims, verdicts, session.coding, session.mapping)
    people = sorted(session.coding.codings["interviewee"].unique())
    assert list(joint.columns) == [*FIXED_COLUMNS, *people]
    assert list(joint["claim_id"]) == [c.id for c in claims]
    assert joint.loc[0, "verdict"] == NOT_CHECKED
    mapped = apply_mapping(session.coding, session.mapping)
    assert joint["interviewees"].sum() > 0, "the example maps some codes to the study's themes"
    for claim, row in zip(claims, joint.itertuples(index=False)):
        hits = mapped[mapped["theme_id"] == claim.theme]
        assert row.interviewees == hits["interviewee"].nunique()
        # Each interviewee's excerpts among the hits, grouped once rather than filtered once per person.
        excerpts_of = {person: list(excerpts) for person, excerpts in hits.groupby("interviewee")["excerpt"]}
        for person in people:
            cell = getattr(row, person) if person.isidentifier() else row[joint.columns.get_loc(person)]
            for excerpt in excerpts_of.get(person, []):
                assert excerpt in cell
            if person not in excerpts_of:
                assert cell == ""
        if claim.id in verdicts:
            assert verdicts[claim.id].headline in row.verdict


def test_only_claims_with_excerpts_can_be_kept(session):
    claims = list(codebook().claims.values())
    joint = joint_display(claims, stand_in_verdicts(claims), session.coding, session.mapping,
                          only_with_excerpts=True)
    assert len(joint) and (joint["interviewees"] > 0).all()


def test_key_numbers_are_the_focus_latest_values():
    verdict = stand_in_verdicts([codebook().claims[next(iter(codebook().claims))]]).popitem()[1]
    focus = verdict.evidence[verdict.evidence["role"] == "focus"].sort_values("year").iloc[-1]
    assert key_numbers(verdict) == f"{focus.indicator} {focus.value:.3g} ({focus.year})"


@pytest.mark.parametrize("cell", HOSTILE)
def test_safe_csv_neutralises_every_formula_trigger(cell):
    rows = list(csv.reader(io.StringIO(safe_csv_bytes(pd.DataFrame({"excerpt": [cell, "plain"]})).decode(),
                                       newline="")))
    assert rows[1][0] == GUARD + cell and rows[2][0] == "plain"
    assert cell.startswith(FORMULA_TRIGGERS)


def test_import_strip_keeps_a_guarded_carriage_return():
    assert clean_text("\r=HYPERLINK(1)") == "\r=HYPERLINK(1)"
    assert clean_text("  ordinary text \n") == "ordinary text"
    data = coding_csv([("A", "T", "c", cell) for cell in HOSTILE])
    qual = read_coding_bytes(data, "hostile.csv")
    assert not any(e.startswith("=") and not h.startswith("=") for e, h in zip(qual.codings["excerpt"], HOSTILE))
    downloaded = list(csv.DictReader(io.StringIO(safe_csv_bytes(qual.codings).decode(), newline="")))
    assert all(row["excerpt"].startswith(GUARD) for row in downloaded)


def test_mapping_download_is_neutralised_and_uploads_back(session):
    data = coding_csv([("A", cell, "c", "text") for cell in HOSTILE[:4]])
    qual = read_coding_bytes(data, "hostile.csv")
    mapping = suggest_mapping(qual.codes, {})
    written = mapping_to_csv(mapping)
    rows = list(csv.DictReader(io.StringIO(written.decode(), newline="")))
    assert all(row["code_path"].startswith(GUARD) for row in rows if row["code_path"][1:2] in "=+-@")
    uploaded = mapping_from_csv(written, "coding_mapping.csv", [], None)
    assert list(uploaded["code_path"]) == list(mapping["code_path"])


def test_joint_display_download_is_neutralised(session):
    data = coding_csv([("A", "Theme", "c", cell) for cell in HOSTILE])
    hostile, error = import_files(None, [("hostile.csv", data)], None, {})
    assert error is None
    claim = next(iter(codebook().claims.values()))
    mapping = hostile.mapping.assign(theme_id=claim.theme)
    joint = joint_display([claim], {}, hostile.coding, mapping)
    assert joint.loc[0, "A"].startswith(tuple("=+-@\t\r"))  # the first excerpt, as imported
    rows = list(csv.DictReader(io.StringIO(safe_csv_bytes(joint).decode(), newline="")))
    assert rows[0]["A"].startswith(GUARD)
