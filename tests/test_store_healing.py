"""Issue 15, the store half: a damaged processed folder heals (never a traceback), `build --check` names it, a
changed snapshot byte is found by `changed_snapshot_files`, and an unchanged build rewrites no tracked file.

Processed folders are written in tmp_path from a tiny store (a fixture with no rows); snapshot copies are made in
tmp_path; data/ itself is never written.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time

import pytest

from src.ingest import store as store_module
from src.ingest.build import main as build_main
from src.ingest.countries import empty_countries
from src.ingest.snapshot import changed_snapshot_files, read_sidecar
from src.ingest.store import Store, compact, load_store, read_manifest, read_processed, write_store
from src.paths import SNAPSHOT_DIR
from src.schema import empty_tidy
from tests.stores import fresh_copy, written_once


@pytest.fixture(scope="module")
def tiny_store() -> Store:
    """A store with no rows: enough to write and read the processed files (building the real one takes seconds)."""
    return Store(compact(empty_tidy()), empty_countries(), "tiny-fixture")


@pytest.fixture(scope="module")
def tiny_written(tmp_path_factory, tiny_store):
    """The tiny store's processed folder, written once for the module (a write reads every snapshot sidecar)."""
    return written_once(tmp_path_factory, tiny_store, "tiny_written")


@pytest.fixture
def processed(tmp_path, tiny_written):
    """tmp_path holding a copy of the tiny store's processed files, for one test to damage."""
    return fresh_copy(tiny_written, tmp_path)


MANIFEST_VARIANTS = {
    "null": "null",
    "list": "[]",
    "empty object": "{}",
    "garbage": "\x00\x01 not json {",
    "wrong types": json.dumps({"fingerprint": 1, "build_key": [], "built_at": None, "rows": "0", "input_md5": []}),
    "missing keys": json.dumps({"build_key": "x"}),
    "bool rows": json.dumps({"fingerprint": "f", "build_key": "k", "built_at": "t", "rows": True, "input_md5": {}}),
}


@pytest.mark.parametrize("text", MANIFEST_VARIANTS.values(), ids=MANIFEST_VARIANTS.keys())
def test_a_malformed_manifest_means_rebuild_never_a_traceback(processed, tiny_store, monkeypatch, text):
    (processed / "manifest.json").write_text(text, encoding="utf-8")
    manifest, problem = read_manifest(processed)
    assert manifest is None and "manifest.json" in problem
    assert read_processed(processed, store_module.build_inputs_digest()) is None
    rebuilds = []
    monkeypatch.setattr(store_module, "build_store", lambda *a, **k: rebuilds.append(a) or tiny_store)
    loaded = load_store(processed_dir=processed)
    assert rebuilds and loaded is tiny_store
    healed, problem = read_manifest(processed)
    assert problem == "" and healed["build_key"] == store_module.build_inputs_digest()


@pytest.mark.parametrize("text", MANIFEST_VARIANTS.values(), ids=MANIFEST_VARIANTS.keys())
def test_build_check_names_a_malformed_manifest(processed, capsys, text):
    (processed / "manifest.json").write_text(text, encoding="utf-8")
    assert build_main(["--check", "--processed", str(processed)]) == 1
    assert "MANIFEST FAIL" in capsys.readouterr().err


def test_build_check_accepts_a_well_formed_manifest(processed, capsys):
    assert build_main(["--check", "--processed", str(processed)]) == 0
    assert "MANIFEST FAIL" not in capsys.readouterr().err


def test_a_manifest_whose_row_count_disagrees_with_the_parquet_is_not_served(processed):
    manifest = json.loads((processed / "manifest.json").read_text())
    (processed / "manifest.json").write_text(json.dumps({**manifest, "rows": manifest["rows"] + 1}))
    assert read_processed(processed, manifest["build_key"]) is None


def test_writing_the_same_build_again_rewrites_nothing(tmp_path, tiny_store):
    write_store(tiny_store, tmp_path)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    time.sleep(0.01)  # a rewrite would change built_at and the files' mtimes
    write_store(tiny_store, tmp_path)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()} == before


# --- a changed byte in a snapshot file --------------------------------------------------------------------------


def test_the_shipped_snapshot_has_no_changed_file_and_the_check_is_cheap():
    started = time.perf_counter()
    assert changed_snapshot_files(SNAPSHOT_DIR) == []
    seconds = time.perf_counter() - started
    print(f"changed_snapshot_files on the shipped snapshot: {seconds:.2f} s")
    assert seconds < 5  # once per process at app start; measured 0.16 s on the 2-core test machine


def test_one_changed_byte_is_named_with_both_checksums(tmp_path):
    shutil.copytree(SNAPSHOT_DIR / "undp_hdr", tmp_path / "undp_hdr")
    data_file = next((tmp_path / "undp_hdr").glob("*.csv"))
    content = bytearray(data_file.read_bytes())
    middle = len(content) // 2
    content[middle] = ord("9") if content[middle] != ord("9") else ord("8")
    data_file.write_bytes(bytes(content))
    [(path, recorded, actual)] = changed_snapshot_files(tmp_path)
    assert path == data_file
    assert recorded == read_sidecar(data_file)["outs"]["md5"]
    assert actual == hashlib.md5(bytes(content)).hexdigest() != recorded


def test_a_damaged_sidecar_is_reported_not_raised(tmp_path):
    shutil.copytree(SNAPSHOT_DIR / "sipri", tmp_path / "sipri")
    data_file = next((tmp_path / "sipri").glob("*.xlsx"))
    (tmp_path / "sipri" / (data_file.name + ".meta.yaml")).write_text("origin: {}\nouts: [not, a, mapping]\n")
    [(path, recorded, actual)] = changed_snapshot_files(tmp_path)
    assert (path, recorded) == (data_file, None) and actual
