"""A 1,000-interview study imports completely (its time is measured by the benchmark, never asserted here)."""

from __future__ import annotations

import csv
import functools
import io

import pytest

from src.qual import synthetic
from src.qual.importer import read_coding_bytes
from src.qual.summary import search_excerpts, theme_matrix, tree_lines

INTERVIEWS = 1000


@functools.cache
def imported(make, name: str):
    """(file bytes, their import) for a 1,000-interview synthetic file, made and read once per run: both tests of
    the simple CSV read the same one. Read-only."""
    data = make(INTERVIEWS, 8)
    return data, read_coding_bytes(data, name)


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (synthetic.simple_csv, "synthetic.csv"),
        (synthetic.taguette_highlights_csv, "synthetic-taguette.csv"),
        (synthetic.qualcoder_csv, "synthetic-qualcoder.csv"),
        (synthetic.qdpx, "synthetic.qdpx"),
    ],
)
def test_thousand_interviews_import(make, name):
    _data, qual = imported(make, name)
    assert qual.codings["interviewee"].nunique() == INTERVIEWS
    assert len(qual.codings) == INTERVIEWS * 8
    matrix = theme_matrix(qual.codings)
    assert matrix.drop(columns="interviewees").to_numpy().sum() == len(qual.codings)
    assert (matrix["interviewees"] <= INTERVIEWS).all()
    assert len(tree_lines(qual)) == len(qual.codes)


def test_synthetic_csv_matrix_counts_match_the_file():
    data, qual = imported(synthetic.simple_csv, "synthetic.csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    raised: dict[str, set[str]] = {}
    for row in rows:
        raised.setdefault(row["theme"], set()).add(row["interviewee"])
    matrix = theme_matrix(qual.codings)
    assert matrix["interviewees"].to_dict() == {theme: len(people) for theme, people in raised.items()}


def test_search_is_plain_text_not_a_pattern():
    qual = read_coding_bytes(synthetic.simple_csv(20, 2), "s.csv")
    assert search_excerpts(qual.codings, "interview 7,").shape[0] == 2
    assert search_excerpts(qual.codings, ".*").empty
