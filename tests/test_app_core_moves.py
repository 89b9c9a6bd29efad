"""Core work that used to live in the app layer: the picker options and year bounds (Store) and the sidecar
table (src.ingest.snapshot.snapshot_files_table). Pure: small hand-made fixtures, no Streamlit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from src.ingest.snapshot import changed_snapshot_files, read_sidecars, snapshot_files_table
from src.ingest.store import Store
from src.schema import TIDY_DTYPES
from src.study.yaml_io import parse_yaml

ROOT = Path(__file__).resolve().parent.parent


def tiny_store() -> Store:
    """Three countries and one aggregate in the country table; values for two countries, the aggregate and one
    code the table does not know (which no picker can name)."""
    countries = pd.DataFrame({
        "iso3": ["AAA", "BBB", "CCC", "AGG"],
        "name": ["Zeta land", "Alpha land", "Middle land", "A group"],
        "is_aggregate": [False, False, False, True],
    })
    rows = [("AAA", 2001, "x1"), ("BBB", 1999, "x1"), ("AGG", 2003, "x2"), ("ZZZ", 2010, "x2")]
    values = pd.DataFrame({
        "iso3": [r[0] for r in rows], "country": [r[0] for r in rows], "year": [r[1] for r in rows],
        "indicator": [r[2] for r in rows], "value": [1.0] * len(rows), "unit": ["u"] * len(rows),
        "source": ["s"] * len(rows), "code": ["c"] * len(rows), "file": ["f"] * len(rows), "note": [""] * len(rows),
    })
    for column, dtype in TIDY_DTYPES.items():
        if column not in values:
            values[column] = pd.Series([None] * len(values)).astype(dtype)
    return Store(values=values.astype(TIDY_DTYPES), countries=countries, fingerprint="test")


def test_countries_with_data_are_split_into_countries_and_aggregates_sorted_by_name():
    countries, aggregates = tiny_store().countries_with_data()
    assert countries == ["BBB", "AAA"]  # Alpha land before Zeta land; CCC has no value, ZZZ no name
    assert aggregates == ["AGG"]


def test_picker_options_hold_names_places_and_indicators_with_data():
    options = tiny_store().picker_options()
    assert options["names"]["BBB"] == "Alpha land"
    assert options["countries"] == ["BBB", "AAA"]
    assert options["aggregates"] == ["AGG"]
    assert options["indicators"] == {"x1", "x2"}


def test_year_bounds_are_the_first_and_last_year_with_a_value():
    assert tiny_store().year_bounds() == (1999, 2010)


def test_year_bounds_of_an_empty_store_say_so():
    store = tiny_store()
    empty = Store(values=store.values.iloc[0:0], countries=store.countries, fingerprint="empty")
    with pytest.raises(ValueError, match="no values"):
        empty.year_bounds()


def one_shipped_file_and_an_orphan(tmp_path: Path) -> tuple[Path, Path]:
    """The first shipped data file with its sidecar, and a data file with no sidecar, copied under tmp_path;
    returns (the shipped sidecar, the folder they were copied to)."""
    shipped = ROOT / "data" / "snapshots"
    sidecar = next(iter(sorted(shipped.rglob("*.meta.yaml"))))
    data_file = sidecar.with_name(sidecar.name[: -len(".meta.yaml")])
    folder = tmp_path / data_file.parent.relative_to(shipped)
    folder.mkdir(parents=True)
    shutil.copy(data_file, folder / data_file.name)
    shutil.copy(sidecar, folder / sidecar.name)
    (folder / "orphan.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # a data file with no sidecar
    return sidecar, folder


def test_snapshot_files_table_reads_each_sidecar_and_names_a_missing_one(tmp_path):
    sidecar, folder = one_shipped_file_and_an_orphan(tmp_path)
    data_file = sidecar.with_name(sidecar.name[: -len(".meta.yaml")])

    table = snapshot_files_table(tmp_path).set_index("file")
    meta = parse_yaml(sidecar.read_text(encoding="utf-8"))
    row = table.loc[str((folder / data_file.name).relative_to(tmp_path))]
    assert row["md5"] == meta["outs"]["md5"]
    assert row["size_bytes"] == meta["outs"]["size"]
    assert row["folder"] == folder.relative_to(tmp_path).parts[0]
    assert row["problem"] == ""
    orphan = table.loc[str((folder / "orphan.csv").relative_to(tmp_path))]
    assert "no sidecar" in orphan["problem"]


def test_sidecars_read_once_give_the_same_table_and_changed_files_as_reading_them_again(tmp_path):
    _, folder = one_shipped_file_and_an_orphan(tmp_path)
    edited = next(p for p in folder.iterdir() if not p.name.endswith(".meta.yaml") and p.name != "orphan.csv")
    edited.write_bytes(edited.read_bytes() + b"\n")  # now differs from its sidecar's md5
    sidecars = read_sidecars(tmp_path)

    assert snapshot_files_table(tmp_path, sidecars).equals(snapshot_files_table(tmp_path))
    changed = changed_snapshot_files(tmp_path, sidecars)
    assert changed == changed_snapshot_files(tmp_path)
    assert {path.name for path, _, _ in changed} == {edited.name, "orphan.csv"}


def test_snapshot_files_table_of_an_empty_folder_has_the_columns(tmp_path):
    table = snapshot_files_table(tmp_path)
    assert table.empty
    assert {"folder", "file", "md5", "problem"} <= set(table.columns)
