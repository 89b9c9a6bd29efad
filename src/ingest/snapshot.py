"""Snapshot files and their sidecars.

Each raw file under data/snapshots/ is kept byte for byte as published, with a `<file>.meta.yaml`
beside it: `origin` (hand-written: who published it, where, under which licence) and `outs`
(machine-written: md5, size, when it was taken). Only the refresh command rewrites `outs`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import yaml

from src.paths import SNAPSHOT_DIR
from src.study.yaml_io import parse_yaml

SIDECAR_SUFFIX = ".meta.yaml"
# Documentation files kept beside the snapshots: not publisher data, so no sidecar.
NOT_DATA = {"PROVENANCE.md", "COVERAGE_PAK.csv", ".gitkeep"}


class SnapshotError(Exception):
    """A snapshot file or its sidecar is missing, unreadable or does not match its checksum."""


def md5_of(path: Path) -> str:
    """Return the hex md5 of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sidecar_path(data_file: Path) -> Path:
    return data_file.with_name(data_file.name + SIDECAR_SUFFIX)


def read_sidecar(data_file: Path) -> dict:
    """Read the sidecar of a data file.

    Raises:
        SnapshotError: the sidecar is missing or is not a YAML mapping with `origin` and `outs`.
    """
    meta_file = sidecar_path(data_file)
    if not meta_file.exists():
        raise SnapshotError(f"{data_file}: no sidecar {meta_file.name} beside it")
    try:
        meta = parse_yaml(meta_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SnapshotError(f"{meta_file}: not valid YAML ({exc})") from exc
    if not isinstance(meta, dict) or "origin" not in meta or "outs" not in meta:
        raise SnapshotError(f"{meta_file}: expected a mapping with 'origin' and 'outs'")
    return meta


def write_sidecar(data_file: Path, meta: dict) -> None:
    """Write the sidecar through a temporary file and os.replace, so a reader never sees half of it."""
    target = sidecar_path(data_file)
    temporary = target.with_name(target.name + ".tmp")
    try:
        temporary.write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def data_files(snapshot_dir: Path = SNAPSHOT_DIR) -> list[Path]:
    """Every raw data file that has (or should have) a sidecar, sorted."""
    return sorted(
        p
        for p in snapshot_dir.rglob("*")
        if p.is_file() and not p.name.endswith(SIDECAR_SUFFIX) and p.name not in NOT_DATA
    )


@dataclass(frozen=True)
class ChecksumProblem:
    file: Path
    problem: str


def verify(snapshot_dir: Path = SNAPSHOT_DIR) -> list[ChecksumProblem]:
    """Check every data file against the md5 and size recorded in its sidecar.

    Returns:
        One ChecksumProblem per file that is missing a sidecar, or whose bytes differ from it;
        an empty list when everything matches.
    """
    problems = []
    for data_file in data_files(snapshot_dir):
        try:
            outs = read_sidecar(data_file)["outs"]
        except SnapshotError as exc:
            problems.append(ChecksumProblem(data_file, str(exc)))
            continue
        if not isinstance(outs, dict):
            problems.append(ChecksumProblem(data_file, f"{sidecar_path(data_file).name}: 'outs' is not a mapping"))
            continue
        actual_md5, actual_size = md5_of(data_file), data_file.stat().st_size
        if actual_md5 != outs.get("md5") or actual_size != outs.get("size"):
            problems.append(
                ChecksumProblem(
                    data_file,
                    f"md5 {actual_md5} / {actual_size} bytes on disk, sidecar says "
                    f"{outs.get('md5')} / {outs.get('size')} bytes: the file was changed",
                )
            )
    for meta_file in snapshot_dir.rglob("*" + SIDECAR_SUFFIX):
        data_file = meta_file.with_name(meta_file.name[: -len(SIDECAR_SUFFIX)])
        if not data_file.exists():
            problems.append(ChecksumProblem(data_file, "sidecar present but the data file is missing"))
    return problems


Sidecars = dict[Path, dict | SnapshotError | OSError]


def read_sidecars(snapshot_dir: Path = SNAPSHOT_DIR) -> Sidecars:
    """Every data file (in `data_files` order) -> its sidecar, or the error reading it gave.

    The Overview's first run needs the ~50 sidecars twice (the changed-files banner, the freshness table); read
    once and handed to both, each sees exactly what its own read would have raised or returned.
    """
    sidecars: Sidecars = {}
    for data_file in data_files(snapshot_dir):
        try:
            sidecars[data_file] = read_sidecar(data_file)
        except (SnapshotError, OSError) as exc:
            sidecars[data_file] = exc
    return sidecars


def _sidecar(data_file: Path, sidecars: Sidecars | None) -> dict:
    """`read_sidecar(data_file)`, from `sidecars` when given (re-raising the error it holds)."""
    if sidecars is None:
        return read_sidecar(data_file)
    meta = sidecars[data_file]
    if isinstance(meta, Exception):
        raise meta
    return meta


def changed_snapshot_files(
    snapshot_dir: Path = SNAPSHOT_DIR, sidecars: Sidecars | None = None
) -> list[tuple[Path, str | None, str | None]]:
    """(file, md5 its sidecar records, md5 of its bytes) for every data file whose bytes differ from its sidecar.

    For the app's start-up banner: a file edited by hand (or damaged) is named before its values are shown.
    A file with no readable sidecar records None; a sidecar whose data file is gone has actual None.
    Reads every data file (~13 MB, well under a second), so call it once per process, not per rerun.
    `sidecars` (from `read_sidecars`) saves reading them again.
    """
    changed = []
    for data_file in data_files(snapshot_dir) if sidecars is None else sidecars:
        try:
            recorded = _sidecar(data_file, sidecars)["outs"].get("md5")
        except (SnapshotError, AttributeError, OSError):
            recorded = None
        actual = md5_of(data_file)
        if recorded != actual:
            changed.append((data_file, recorded, actual))
    for meta_file in sorted(snapshot_dir.rglob("*" + SIDECAR_SUFFIX)):
        data_file = meta_file.with_name(meta_file.name[: -len(SIDECAR_SUFFIX)])
        if not data_file.exists():
            try:
                recorded = read_sidecar(data_file)["outs"].get("md5")
            except (SnapshotError, AttributeError, OSError):
                recorded = None
            changed.append((data_file, recorded, None))
    return changed


def snapshot_files_table(snapshot_dir: Path = SNAPSHOT_DIR, sidecars: Sidecars | None = None):
    """One row per raw data file, from its sidecar, for the Overview and Sources pages (`sidecars`, from
    `read_sidecars`, saves reading them again).

    Returns:
        A DataFrame with folder, file (relative to `snapshot_dir`), source, md5, size_bytes, taken (refreshed or
        accessed), source_last_updated, licence and problem (a missing or broken sidecar, else "").
    """
    import pandas as pd

    rows = []
    for path in data_files(snapshot_dir) if sidecars is None else sidecars:
        row = {"folder": path.relative_to(snapshot_dir).parts[0], "file": str(path.relative_to(snapshot_dir))}
        try:
            meta = _sidecar(path, sidecars)
        except SnapshotError as exc:
            rows.append({**row, "problem": str(exc)})
            continue
        outs, origin = meta.get("outs") or {}, meta.get("origin") or {}
        rows.append(
            {
                **row,
                "source": meta.get("source", ""),
                "md5": outs.get("md5", ""),
                "size_bytes": outs.get("size"),
                "taken": str(outs.get("refreshed_at") or outs.get("date_accessed") or ""),
                # A refresh records the publisher's date in `outs`; the hand-written `origin` keeps the shipped one.
                "source_last_updated": str(outs.get("source_last_updated") or origin.get("source_last_updated") or ""),
                "licence": origin.get("licence", ""),
                "problem": "",
            }
        )
    columns = ["folder", "file", "source", "md5", "size_bytes", "taken", "source_last_updated", "licence", "problem"]
    return pd.DataFrame(rows, columns=columns).fillna({"problem": ""})


def snapshot_fingerprint(snapshot_dir: Path = SNAPSHOT_DIR) -> str:
    """A short key over every sidecar's recorded md5: changes whenever a refresh rewrites a file.

    Cheap (reads the small sidecars, not the data), so the app can key its cache on it.
    """
    digest = hashlib.md5()
    for relative in sidecar_names(snapshot_dir):
        digest.update(relative.encode())
        with open(os.path.join(snapshot_dir, relative), "rb") as sidecar:
            digest.update(sidecar.read())
    return digest.hexdigest()[:16]


def sidecar_names(snapshot_dir: Path) -> list[str]:
    """`str(p.relative_to(snapshot_dir))` of each `sorted(snapshot_dir.rglob("*" + SIDECAR_SUFFIX))`, from
    os.walk and plain strings (the app reads the fingerprint on every rerun; pathlib's objects were most of it).
    Sorted part by part as paths sort; like rglob, names of directories match too and symlinked directories are
    listed, not entered."""
    names = []
    for folder, subfolders, files in os.walk(snapshot_dir):
        inside = os.path.relpath(folder, snapshot_dir)
        names += [name if inside == "." else f"{inside}/{name}"
                  for name in (*subfolders, *files) if name.endswith(SIDECAR_SUFFIX)]
    return sorted(names, key=lambda name: name.split("/"))


# --- Atomic replacement, used by the refresh command (src/ingest/refresh.py) --------------------------------------
# A refresh downloads into a staging folder on the same filesystem, validates there, and only then moves the
# files in with os.replace (atomic per file). If anything fails mid-way, the previous files and sidecars are
# put back, so the snapshot is either all old or all new for a source.

STAGING_PREFIX = ".refresh-staging-"
# The single staging folder an earlier version of the refresh used.
OLD_STAGING_NAME = ".refresh-staging"


def remove_stale_staging(snapshot_dir: Path = SNAPSHOT_DIR) -> list[Path]:
    """Delete the staging folders beside `snapshot_dir` that an interrupted earlier refresh left; return them.

    Only one refresh runs at a time (it is a command a user starts), so any staging folder at start is stale.
    """
    stale = sorted(p for p in snapshot_dir.parent.glob(STAGING_PREFIX + "*") if p.is_dir())
    stale += [p for p in (snapshot_dir.parent / OLD_STAGING_NAME,) if p.is_dir()]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


@dataclass(frozen=True)
class StagedFile:
    """A validated download waiting in the staging folder to replace (or create) a snapshot file.

    `outs` holds what the refresh learned (url, bytes, source_last_updated, ...); md5 and size are added
    from the staged bytes. `origin` is used only when the target has no sidecar yet (a brand-new file).
    """

    staged: Path
    target: Path
    source: str
    description: str
    outs: dict
    origin: dict


@contextmanager
def staging_area(snapshot_dir: Path = SNAPSHOT_DIR) -> Iterator[Path]:
    """A fresh folder beside `snapshot_dir` (same filesystem, so os.replace is atomic), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=snapshot_dir.parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def stage_bytes(staging: Path, relative: str, content: bytes) -> Path:
    """Write `content` to `staging/relative`, flushed to disk, and return its path."""
    path = staging / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    return path


def _new_sidecar(item: StagedFile, now: datetime) -> dict:
    target = item.target
    meta = read_sidecar(target) if sidecar_path(target).exists() else {
        "source": item.source,
        "description": item.description,
        "origin": dict(item.origin),
    }
    meta["outs"] = {
        "md5": md5_of(item.staged),
        "size": item.staged.stat().st_size,
        "date_accessed": now.date().isoformat(),
        **item.outs,
        "refreshed_at": now.isoformat(timespec="seconds"),
        "retrieved_by": "python -m src.ingest.refresh",
    }
    return meta


def replace_atomically(items: list[StagedFile], staging: Path, now: datetime | None = None) -> None:
    """Move staged files into the snapshot and rewrite their sidecars' `outs`, all or nothing.

    The hand-written `origin` of an existing sidecar is kept; a new file gets `item.origin`.

    Raises:
        SnapshotError: a file could not be moved in; every file and sidecar touched so far is restored.
    """
    now = now or datetime.now(UTC)
    steps = []  # (path changed, action), data file before its sidecar
    for item in items:
        item.target.parent.mkdir(parents=True, exist_ok=True)
        steps.append((item.target, partial(os.replace, item.staged, item.target)))
        steps.append((sidecar_path(item.target), partial(write_sidecar, item.target, _new_sidecar(item, now))))
    backup = staging / ".previous"
    backup.mkdir(parents=True, exist_ok=True)
    done: list[tuple[Path, Path | None]] = []  # (path, its backup copy or None when it is new)
    try:
        for path, action in steps:
            kept = None
            if path.exists():
                kept = backup / str(len(done))
                shutil.copy2(path, kept)
            done.append((path, kept))
            action()
    except OSError as exc:
        for path, kept in reversed(done):
            if kept is None:
                path.unlink(missing_ok=True)
            else:
                os.replace(kept, path)
        raise SnapshotError(f"could not move the new files into the snapshot ({exc}); the previous files are back")
