"""Mapping imported codes to the dashboard's themes and indicators, and the excerpts other pages ask for."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from src.qual.importer import read_coding_file
from src.qual.mapping import (
    apply_mapping,
    dashboard_indicators,
    dashboard_themes,
    excerpts_for_indicator,
    excerpts_for_theme,
    mapping_from_csv,
    mapping_to_csv,
    merge_mapping,
    suggest_mapping,
    validate_mapping,
)
from src.qual.model import QualImportError
from src.qual.session import import_files, upload_mapping
from src.study.yaml_io import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data" / "examples" / "interviews_example.csv"


@pytest.fixture(scope="module")
def themes() -> dict[str, str]:
    return {t["id"]: t["label"] for t in parse_yaml((ROOT / "data/codebook/themes.yaml").read_text())}


@pytest.fixture(scope="module")
def qual():
    return read_coding_file(EXAMPLE)


def example_rows() -> list[dict]:
    return list(csv.DictReader(io.StringIO(EXAMPLE.read_text(encoding="utf-8"))))


def test_dashboard_themes_and_indicators_come_from_the_shipped_files(themes):
    assert dashboard_themes() == themes
    assert "wdi_mil_gdp" in dashboard_indicators()


def test_suggestion_maps_codes_named_like_a_theme_label(qual, themes):
    mapping = suggest_mapping(qual.codes, themes)
    label_to_id = {label: theme_id for theme_id, label in themes.items()}
    top = qual.codes[qual.codes["depth"] == 0]
    suggested = dict(zip(mapping["code_path"], mapping["theme_id"]))
    for path in top["code_path"]:
        assert suggested[path] == label_to_id.get(path, "")
    assert all(suggested[p] == "" for p in qual.codes.loc[qual.codes["depth"] > 0, "code_path"])


def test_children_inherit_their_parents_theme(qual, themes):
    mapped = apply_mapping(qual, suggest_mapping(qual.codes, themes))
    label_to_id = {label: theme_id for theme_id, label in themes.items()}
    assert list(mapped["theme_id"]) == [label_to_id.get(r["theme"], "") for r in example_rows()]


def test_excerpts_for_theme_and_indicator(qual, themes):
    mapping = suggest_mapping(qual.codes, themes)
    rows = example_rows()
    label_to_id = {label: theme_id for theme_id, label in themes.items()}
    for theme_id in themes:
        expected = [r["excerpt"] for r in rows if label_to_id.get(r["theme"]) == theme_id]
        assert list(excerpts_for_theme(theme_id, qual, mapping)["excerpt"]) == expected
    # A child's own indicator mapping applies to it only.
    child = qual.codes.loc[qual.codes["depth"] == 1, "code_path"].iloc[0]
    mapping.loc[mapping["code_path"] == child, "indicator_ids"] = "wdi_mil_gdp;sipri_mil_gov_share"
    expected = [r["excerpt"] for r in rows if f"{r['theme']} / {r['code']}" == child]
    assert list(excerpts_for_indicator("sipri_mil_gov_share", qual, mapping)["excerpt"]) == expected
    assert excerpts_for_indicator("cpi_score", qual, mapping).empty


def test_mapping_csv_round_trip(qual, themes):
    mapping = suggest_mapping(qual.codes, themes)
    mapping.loc[0, "indicator_ids"] = "wdi_mil_gdp"
    again = mapping_from_csv(mapping_to_csv(mapping), "mapping.csv", themes, dashboard_indicators())
    pd.testing.assert_frame_equal(again, validate_mapping(mapping, themes, None, "x"))


@pytest.mark.parametrize(
    ("content", "problem", "where"),
    [
        (b"code_path,theme_id,indicator_ids\nA,Z9,\n", "not a dashboard theme", "line 2"),
        (b"code_path,theme_id,indicator_ids\nA,C2,\nB,C2,no_such_id\n", "unknown indicator", "line 3"),
        (b"code_path,theme_id,indicator_ids\nA,C2,\nA,C1,\n", "appears twice", "line 3"),
        (b"code,theme\nA,C2\n", "wrong columns", "line 1"),
        (b"code_path,theme_id,indicator_ids\n,C2,\n", "empty", "line 2"),
    ],
)
def test_bad_mapping_file_names_the_line(content, problem, where, themes):
    with pytest.raises(QualImportError) as caught:
        mapping_from_csv(content, "mapping.csv", themes, dashboard_indicators())
    assert problem in caught.value.problem and caught.value.where == where


def test_merge_keeps_loaded_codes_and_reports_the_rest(qual, themes):
    current = suggest_mapping(qual.codes, themes)
    path = current["code_path"].iloc[1]
    uploaded = pd.DataFrame({"code_path": [path, "Not loaded"], "theme_id": ["C3", "C1"], "indicator_ids": ["", ""]})
    merged, unmatched = merge_mapping(current, uploaded)
    assert merged.loc[merged["code_path"] == path, "theme_id"].item() == "C3"
    assert unmatched == ["Not loaded"] and len(merged) == len(current)


def test_session_keeps_previous_import_when_a_file_is_bad(themes):
    session, error = import_files(None, [(EXAMPLE.name, EXAMPLE.read_bytes())], None, themes)
    assert error is None and session.version == 1
    kept, error = import_files(session, [("bad.csv", b"no,good\n1,2\n")], None, themes)
    assert kept is session and "bad.csv" in error
    # A mapping upload that fails keeps the mapping; a good one replaces it and bumps the version.
    same, error, _ = upload_mapping(session, b"code_path\n", "m.csv", themes, None)
    assert same is session and "wrong columns" in error
    good = mapping_to_csv(session.mapping.assign(theme_id="C1"))
    updated, error, unmatched = upload_mapping(session, good, "m.csv", themes, None)
    assert error is None and unmatched == [] and set(updated.mapping["theme_id"]) == {"C1"}
    assert updated.version == session.version + 1
    assert len(updated.excerpts_for_theme("C1")) == len(session.coding.codings)
