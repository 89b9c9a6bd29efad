"""The build key and the manifest check: is data/processed/ current for the snapshot, catalogue and build code?

Why a module of its own: the check needs no pandas, so the test run's controller (tests/conftest.py) and any
other caller that only asks "is the store current?" do not pay the store module's imports (~0.8 s).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from src.ingest.snapshot import snapshot_fingerprint
from src.paths import CATALOGUE_DIR, INDICATOR_CATALOGUE_DIR, PROCESSED_DIR, SNAPSHOT_DIR, SOURCES_FILE

MANIFEST_FILE_NAME = "manifest.json"
CODE_DIR = Path(__file__).resolve().parent.parent  # src/
# Code whose change alters the store's content, so a stale parquet is never served after an edit.
BUILD_CODE = ("schema.py", "ingest/countries.py", "ingest/store.py", "study/catalogue.py", "ingest/parsers/*.py")


def build_inputs_digest(snapshot_dir: Path = SNAPSHOT_DIR) -> str:
    """A key over everything the store is built from: snapshot sidecars, catalogue files, and the build code."""
    digest = hashlib.md5(snapshot_fingerprint(snapshot_dir).encode())
    inputs = [SOURCES_FILE, *sorted(INDICATOR_CATALOGUE_DIR.glob("*.yaml")), *sorted(CATALOGUE_DIR.glob("aliases/*"))]
    for pattern in BUILD_CODE:
        inputs.extend(sorted(CODE_DIR.glob(pattern)))
    for path in inputs:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# What a manifest must hold, and of which type; anything else (null, [], bad JSON, a missing key) means "rebuild".
MANIFEST_FIELDS = {"fingerprint": str, "build_key": str, "built_at": str, "rows": int, "input_md5": dict}


def read_manifest(processed_dir: Path = PROCESSED_DIR) -> tuple[dict | None, str]:
    """(manifest, '') when data/processed/manifest.json is well formed, else (None, what is wrong with it)."""
    path = processed_dir / MANIFEST_FILE_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"{path}: missing"
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, f"{path}: not valid JSON ({str(exc)[:200]})"
    if not isinstance(manifest, dict):
        return None, f"{path}: expected a JSON object, found {type(manifest).__name__}"
    for key, expected in MANIFEST_FIELDS.items():
        if key not in manifest:
            return None, f"{path}: lacks {key!r}"
        value = manifest[key]
        if not isinstance(value, expected) or isinstance(value, bool):
            return None, f"{path}: {key!r} should be {expected.__name__}, found {type(value).__name__}"
    if not all(isinstance(k, str) and isinstance(v, str | None) for k, v in manifest["input_md5"].items()):
        return None, f"{path}: 'input_md5' should map file names to md5 strings"
    return manifest, ""
