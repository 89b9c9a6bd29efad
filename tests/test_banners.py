"""A snapshot file whose bytes no longer match its sidecar gets a banner on every page (issue 15).

The snapshot is a copy in tmp_path with one byte changed in one real file; the shipped data/ is never touched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from src.app import data
from src.paths import SNAPSHOT_DIR

SOURCES_PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "sources.py")


def clear_snapshot_checks() -> None:
    """The check runs once per process and snapshot version: empty its cache and the sidecars' it reads, so the
    page checks the files now (the other caches, the store's and the figures', are kept for later tests)."""
    for cache in (data._changed_files, data._sidecars, data._snapshot_files):
        cache.clear()


def test_one_changed_byte_in_a_snapshot_file_is_named_in_a_banner(tmp_path, monkeypatch):
    copy = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOT_DIR / "undp_hdr", copy / "undp_hdr")
    target = next(p for p in (copy / "undp_hdr").iterdir() if p.suffix == ".csv")
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # one bit of one byte: the kind of damage nobody sees by eye
    target.write_bytes(bytes(raw))
    monkeypatch.setattr(data, "SNAPSHOT_DIR", copy)
    clear_snapshot_checks()
    try:
        at = AppTest.from_file(SOURCES_PAGE, default_timeout=120).run()
        assert not at.exception
        warnings = [str(w.value) for w in at.warning]
        assert any(target.name in w and "differs from the checksum" in w for w in warnings), warnings
    finally:
        clear_snapshot_checks()


def test_the_shipped_snapshot_shows_no_banner():
    clear_snapshot_checks()
    at = AppTest.from_file(SOURCES_PAGE, default_timeout=120).run()
    assert not at.exception
    assert not [w for w in at.warning if "Snapshot file" in str(w.value)]
