"""A 1,000-interview study imports completely (its time is measured by the benchmark, never asserted here)."""

from __future__ import annotations

import csv
import io

import pytest

from src.qual import synthetic
from src.qual.importer import read_coding_bytes
from src.qual.summary import search_excerpts, theme_matrix, tree_lines

INTERVIEWS = 1000


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
    data = make(INTERVIEWS, 8)
    qual = read_coding_bytes(data, name)
    assert qual.codings["interviewee"].nunique() == INTERVIEWS
    assert len(qual.codings) == INTERVIEWS * 8
    matrix = theme_matrix(qual.codings)
    assert matrix.drop(columns="interviewees").to_numpy().sum() == len(qual.codings)
    assert (matrix["interviewees"] <= INTERVIEWS).all()
    assert len(tree_lines(qual)) == len(qual.codes)


def test_synthetic_csv_matrix_counts_match_the_file():
    data = synthetic.simple_csv(INTERVIEWS, 8)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    raised: dict[str, set[str]] = {}
    for row in rows:
        raised.setdefault(row["theme"], set()).add(row["interviewee"])
    matrix = theme_matrix(read_coding_bytes(data, "s.csv").codings)
    assert matrix["interviewees"].to_dict() == {theme: len(people) for theme, people in raised.items()}


def test_search_is_plain_text_not_a_pattern():
    qual = read_coding_bytes(synthetic.simple_csv(20, 2), "s.csv")
    assert search_excerpts(qual.codings, "interview 7,").shape[0] == 2
    assert search_excerpts(qual.codings, ".*").empty
