"""Captions and slides speak plain words: no file paths, series codes or commands (src/charts/plain_words.py); the
codes stay in the "How this was checked" notes (src/views/board.py method_notes).

The shipped codebook, store and claim checker are used: some of their verdicts do name codes and files.
"""

from __future__ import annotations

import re

import pytest

from src.charts.plain_words import plain_words
from src.claims.evaluate import Settings
from src.views import method_notes, reader_notes
from tests.shipped import shipped_study

STUDY = shipped_study()
# What a reader should never meet in a caption: a catalogue id, a publisher's dotted code, a file, a command.
DEVELOPER_TEXT = re.compile(
    r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\b[A-Z][A-Z0-9]+(?:\.[A-Z0-9]+){2,}\b|\bdata/|\.csv\b|\.ya?ml\b|python -m")


@pytest.fixture(scope="module")
def verdicts(shipped_verdicts):
    return shipped_verdicts(Settings.default(STUDY.defaults))


def test_plain_words_names_a_file_by_what_it_lists_and_drops_codes():
    said = plain_words("Counts the years listed in data/catalogue/events.csv (no value of interest payments "
                       "(wdi_interest_expense, GC.XPN.INTP.ZS) for Pakistan).")
    assert said == "Counts the years listed in the study's events list (no value of interest payments for Pakistan)."


def test_reader_notes_carry_no_developer_text_and_method_notes_keep_it(verdicts):
    raw_missing = [c for c in STUDY.codebook.claims.values() if DEVELOPER_TEXT.search(
        "; ".join(getattr(verdicts[c.id], "missing", ())))]
    raw_caveat = [c for c in STUDY.codebook.claims.values() if DEVELOPER_TEXT.search(c.caveat or "")]
    assert raw_missing and raw_caveat, "the check is not vacuous: shipped verdicts and caveats name codes and files"
    for claim in STUDY.codebook.claims.values():
        verdict = verdicts[claim.id]
        for note in reader_notes(claim, verdict):
            assert not DEVELOPER_TEXT.search(note), (claim.id, note)
    for claim in raw_missing:
        # The codes are not lost: the "How this was checked" box names them.
        codes = DEVELOPER_TEXT.findall("; ".join(verdicts[claim.id].missing))
        checked = " ".join(method_notes(claim, verdicts[claim.id]))
        assert all(code in checked for code in codes), claim.id
