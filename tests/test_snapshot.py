"""The shipped snapshot matches its sidecars, and a changed, missing or unlisted file is caught.

Modified copies are made in tmp_path from the shipped files; the shipped snapshot itself is never touched.
"""

from __future__ import annotations

import hashlib
import shutil

import pytest
import yaml

from src.ingest.build import main as build_main
from src.ingest.snapshot import data_files, sidecar_path, snapshot_fingerprint, verify
from src.paths import SNAPSHOT_DIR
from src.study.yaml_io import parse_yaml


def shipped_files():
    return [p for p in SNAPSHOT_DIR.rglob("*") if p.is_file() and not p.name.endswith(".meta.yaml")]


@pytest.mark.parametrize("data_file", data_files(SNAPSHOT_DIR), ids=lambda p: p.name[:60])
def test_each_shipped_file_matches_the_md5_and_size_in_its_sidecar(data_file):
    outs = parse_yaml(sidecar_path(data_file).read_text(encoding="utf-8"))["outs"]
    assert hashlib.md5(data_file.read_bytes()).hexdigest() == outs["md5"]
    assert data_file.stat().st_size == outs["size"]


def test_verify_finds_no_problem_in_the_shipped_snapshot():
    assert verify(SNAPSHOT_DIR) == []


def test_every_file_without_a_sidecar_is_documentation_not_data():
    undocumented = {p.name for p in shipped_files() if not sidecar_path(p).exists()}
    assert undocumented <= {"PROVENANCE.md", "COVERAGE_PAK.csv", ".gitkeep"}


@pytest.fixture
def owid_copy(tmp_path):
    """A snapshot folder in tmp_path holding a copy of the shipped OWID files and their sidecars."""
    shutil.copytree(SNAPSHOT_DIR / "owid", tmp_path / "owid")
    return tmp_path


def test_a_modified_copy_of_a_file_is_caught_and_named(owid_copy):
    changed = next((owid_copy / "owid").glob("*.csv"))
    changed.write_bytes(changed.read_bytes().replace(b"Pakistan", b"Pakistam", 1))
    problems = verify(owid_copy)
    assert [p.file for p in problems] == [changed]
    assert "changed" in problems[0].problem


def test_a_same_size_edit_is_caught_by_the_md5(owid_copy):
    changed = next((owid_copy / "owid").glob("*.csv"))
    content = bytearray(changed.read_bytes())
    content[-2] = ord("0") if content[-2] != ord("0") else ord("1")
    changed.write_bytes(bytes(content))
    assert [p.file for p in verify(owid_copy)] == [changed]


def test_a_missing_sidecar_is_caught(owid_copy):
    data_file = next((owid_copy / "owid").glob("*.csv"))
    sidecar_path(data_file).unlink()
    problems = verify(owid_copy)
    assert [p.file for p in problems] == [data_file]
    assert "no sidecar" in problems[0].problem


def test_a_missing_data_file_is_caught(owid_copy):
    data_file = next((owid_copy / "owid").glob("*.csv"))
    data_file.unlink()
    problems = verify(owid_copy)
    assert [p.file for p in problems] == [data_file]
    assert "missing" in problems[0].problem


def test_build_check_exits_1_naming_the_bad_file(owid_copy, capsys):
    changed = next((owid_copy / "owid").glob("*.csv"))
    changed.write_bytes(changed.read_bytes() + b"\n")
    assert build_main(["--check", "--snapshots", str(owid_copy)]) == 1
    assert changed.name in capsys.readouterr().err


def test_build_check_passes_on_the_shipped_snapshot(capsys):
    assert build_main(["--check"]) == 0
    assert "matches its sidecar" in capsys.readouterr().out


def test_the_fingerprint_changes_when_a_sidecar_records_a_new_download(owid_copy):
    before = snapshot_fingerprint(owid_copy)
    sidecar = sidecar_path(next((owid_copy / "owid").glob("*.csv")))
    meta = parse_yaml(sidecar.read_text(encoding="utf-8"))
    meta["outs"]["md5"] = hashlib.md5(b"a newer download").hexdigest()
    sidecar.write_text(yaml.safe_dump(meta), encoding="utf-8")
    assert snapshot_fingerprint(owid_copy) != before
