"""Processed-store folders for the tests that read or damage one: written once per module (a write reads every
snapshot sidecar and takes up to half a second), copied for each test that alters its copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from src.ingest.store import Store, write_store


def written_once(tmp_path_factory, store: Store, name: str) -> Path:
    """`store`'s processed folder (store.parquet, countries.parquet, manifest.json) in a new temporary folder."""
    folder = tmp_path_factory.mktemp(name)
    write_store(store, folder)
    return folder


def fresh_copy(folder: Path, destination: Path) -> Path:
    """A copy of a written folder at `destination` (which may exist already), for one test to alter."""
    return Path(shutil.copytree(folder, destination, dirs_exist_ok=True))
