"""`python -m src.ingest.refresh`: download newer data than what ships, without ever losing the snapshot we have.

Why a command of its own: the app never touches the network. Users with internet run this; it downloads
each refreshable source (data/catalogue/sources.yaml `refresh`) into a staging folder, validates the new
files with the source's own parser plus range checks, and only then swaps them in atomically with their
sidecars (src/ingest/snapshot.py). Any failure keeps that source's previous files byte for byte, and the command
exits non-zero naming the source and the reason. The app's cache keys on the sidecars' checksums, so it
shows the new data on its next run without a restart.

Usage:
    python -m src.ingest.refresh                       # every source
    python -m src.ingest.refresh --source wb_api --source undp_hdr
    python -m src.ingest.refresh --dry-run             # download and validate, change nothing
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pandas as pd
import yaml

from src.study.catalogue import CatalogueError, Indicator, Source, load_indicators, load_sources
from src.ingest.fetch import FetchError, fetch_wb_indicator, make_session
from src.ingest.fetch import download as fetch_file
from src.ingest.parsers import get_parser, wb_api_json
from src.paths import CATALOGUE_DIR, SNAPSHOT_DIR
from src.ingest.snapshot import StagedFile, replace_atomically, stage_bytes, staging_area

RANGES_FILE = CATALOGUE_DIR / "plausible_ranges.yaml"
# Every series refreshed through the World Bank API is saved in this source's folder and parsed by its parser.
API_SOURCE_ID = "wb_api"

Progress = Callable[[str], None]


class RefreshError(Exception):
    """A download arrived but does not pass validation (empty, missing series, implausible values)."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one source: `updated`, `would update` (dry run), `kept` (failed) or `skipped`."""

    source: str
    status: str
    detail: str
    files: tuple[str, ...] = ()


def load_ranges(path: Path = RANGES_FILE) -> dict[str, tuple[float, float]]:
    """Unit -> (min, max) from the plausible-ranges file.

    Raises:
        RefreshError: the file is unreadable or an entry lacks unit/min/max, naming the entry.
    """
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RefreshError(f"{path}: cannot be read ({exc})") from exc
    ranges: dict[str, tuple[float, float]] = {}
    for position, entry in enumerate(entries or [], start=1):
        if not isinstance(entry, dict) or not {"unit", "min", "max"} <= set(entry):
            raise RefreshError(f"{path}: entry #{position} needs unit, min and max")
        if not entry["min"] < entry["max"]:
            raise RefreshError(f"{path}: entry {entry['unit']!r} has min >= max")
        ranges[str(entry["unit"])] = (float(entry["min"]), float(entry["max"]))
    return ranges


def check_values(frame: pd.DataFrame, expected: list[Indicator], ranges: dict[str, tuple[float, float]]) -> list[str]:
    """Check a parsed download before it may replace anything.

    Returns:
        The units that have no declared range (checked only for being finite).

    Raises:
        RefreshError: no rows, an expected indicator with no rows, a non-finite value, or a value out of range.
    """
    if frame.empty:
        raise RefreshError("the download parsed to no rows")
    missing = sorted({i.id for i in expected} - set(frame["indicator"]))
    if missing:
        raise RefreshError(f"the download has no values for {missing}")
    if not frame["value"].map(math.isfinite).all():
        raise RefreshError("the download has values that are not finite numbers")
    unchecked = set()
    for (indicator, unit), rows in frame.groupby(["indicator", "unit"]):
        if unit not in ranges:
            unchecked.add(unit)
            continue
        low, high = ranges[unit]
        outside = rows[(rows["value"] < low) | (rows["value"] > high)]
        if not outside.empty:
            first = outside.iloc[0]
            raise RefreshError(
                f"{indicator}: {len(outside)} values outside the plausible range {low:g} to {high:g} {unit} "
                f"(e.g. {first['iso3']} {first['year']}: {first['value']:g}); see {RANGES_FILE.name}"
            )
    return sorted(unchecked)


def _origin(source: Source, url: str, source_last_updated: str) -> dict:
    """The `origin` block of a brand-new file's sidecar, from the source catalogue and the download."""
    return {
        "producer": source.producer,
        "title": source.title,
        "edition": source.edition,
        "source_last_updated": source_last_updated,
        "licence": source.licence,
        "licence_url": source.licence_url,
        "url_main": source.url_main,
        "url_download": url,
        "citation": source.citation,
    }


# Both stagers return (files to swap in, the parsed tidy rows, the indicators the rows must cover).
Staged = tuple[list[StagedFile], pd.DataFrame, list[Indicator]]


def api_series(source: Source, catalogue: dict[str, Indicator]) -> dict[str, Indicator]:
    """API code -> indicator, for every catalogued series of a source refreshed through the World Bank API.

    Raises:
        RefreshError: the catalogue declares no indicator for the source.
    """
    series = {wb_api_json.api_code(source, i.code): i for i in catalogue.values() if i.source == source.id}
    if not series:
        raise RefreshError(f"no indicator in data/catalogue/indicators/ names source {source.id!r}")
    return series


def _stage_wb_api(source, *, session, sources, catalogue, staging, snapshot_dir, progress) -> Staged:
    """Download each of the source's series from the World Bank API into the staging folder."""
    folder = sources[API_SOURCE_ID].folder
    series = api_series(source, catalogue)
    staged = []
    for api_code, indicator in series.items():

        def show(page, pages, rows, size, api_code=api_code):
            progress(f"  {source.id}: {api_code} page {page}/{pages}, {rows:,} rows, {size:,} bytes")

        got = fetch_wb_indicator(session, source.refresh["url"], api_code, source.hosts, on_page=show)
        relative = f"{folder}/{api_code}.json"
        staged.append(
            StagedFile(
                staged=stage_bytes(staging, relative, got.content),
                target=snapshot_dir / relative,
                source=source.id,
                description=f"World Bank API v2 download of {api_code}: {indicator.name}",
                outs={
                    "url": got.url,
                    "bytes": sum(len(page) for page in got.pages),
                    "pages": len(got.pages),
                    "rows": got.rows,
                    "source_last_updated": got.last_updated,
                },
                origin=_origin(source, got.url, got.last_updated),
            )
        )
    return staged, wb_api_json.parse(staging / folder, catalogue, sources), list(series.values())


def _stage_direct(source, *, session, sources, catalogue, staging, snapshot_dir, progress) -> Staged:
    """Download the source's one file into the staging folder and parse it with the source's parser.

    `sources` is unused: both stagers take the same arguments.
    """
    url = source.refresh["url"]
    got = fetch_file(session, url, source.hosts)
    progress(f"  {source.id}: downloaded {len(got.content):,} bytes from {url}")
    relative = f"{source.folder}/{PurePosixPath(urlsplit(url).path).name}"
    staged = StagedFile(
        staged=stage_bytes(staging, relative, got.content),
        target=snapshot_dir / relative,
        source=source.id,
        description=source.title,
        outs={"url": url, "bytes": len(got.content), "source_last_updated": got.last_modified},
        origin=_origin(source, url, got.last_modified),
    )
    try:
        parse = get_parser(source.parser)
    except ModuleNotFoundError as exc:
        raise RefreshError(f"no parser src/ingest/parsers/{source.parser}.py to validate the download") from exc
    expected = [i for i in catalogue.values() if i.source == source.id and i.in_snapshot]
    return [staged], parse(staging / source.folder, catalogue), expected


def refresh_source(
    source: Source,
    *,
    session,
    snapshot_dir: Path,
    catalogue: dict[str, Indicator],
    sources: dict[str, Source],
    ranges: dict[str, tuple[float, float]],
    dry_run: bool = False,
    progress: Progress = print,
) -> Outcome:
    """Download, validate and (unless `dry_run`) swap in one source; never raises for a failed source."""
    method = source.refresh.get("method")
    if method == "none":
        reason = source.refresh.get("reason", "no refresh method")
        progress(f"{source.id}: skipped: {reason}")
        return Outcome(source.id, "skipped", reason)
    progress(f"{source.id}: downloading ({method})")
    with staging_area(snapshot_dir) as staging:
        try:
            stage = _stage_wb_api if method == "wb_api" else _stage_direct
            staged, frame, expected = stage(
                source, session=session, sources=sources, catalogue=catalogue, staging=staging,
                snapshot_dir=snapshot_dir, progress=progress,
            )
            unchecked = check_values(frame, expected, ranges)
            counts = f"{len(frame):,} rows, {frame['indicator'].nunique()} indicators, {len(staged)} files"
            unchecked_note = f" (units not range-checked: {unchecked})" if unchecked else ""
            progress(f"  {source.id}: valid: {counts}{unchecked_note}")
            files = tuple(str(item.target.relative_to(snapshot_dir)) for item in staged)
            if dry_run:
                return Outcome(source.id, "would update", counts, files)
            replace_atomically(staged, staging)
        # Any failure, even a bug in a parser, must keep the previous files and let the other sources run.
        except Exception as exc:  # noqa: BLE001
            reason = str(exc) if isinstance(exc, FetchError | RefreshError) else f"{type(exc).__name__}: {exc}"
            progress(f"  {source.id}: FAILED, previous files kept: {reason}")
            return Outcome(source.id, "kept", reason)
    progress(f"  {source.id}: updated {len(files)} files")
    return Outcome(source.id, "updated", counts, files)


def refresh(
    source_ids: list[str] | None = None,
    *,
    dry_run: bool = False,
    session=None,
    snapshot_dir: Path = SNAPSHOT_DIR,
    sources: dict[str, Source] | None = None,
    catalogue: dict[str, Indicator] | None = None,
    ranges: dict[str, tuple[float, float]] | None = None,
    progress: Progress = print,
) -> list[Outcome]:
    """Refresh the given sources (all by default), one after the other, and return what happened to each.

    Raises:
        KeyError: an unknown source id.
    """
    sources = load_sources() if sources is None else sources
    catalogue = load_indicators(sources=sources) if catalogue is None else catalogue
    ranges = load_ranges() if ranges is None else ranges
    unknown = sorted(set(source_ids or ()) - set(sources))
    if unknown:
        raise KeyError(f"unknown source {unknown}; known: {sorted(sources)}")
    session = make_session() if session is None else session
    return [
        refresh_source(
            sources[source_id], session=session, snapshot_dir=snapshot_dir, catalogue=catalogue,
            sources=sources, ranges=ranges, dry_run=dry_run, progress=progress,
        )
        for source_id in (source_ids or list(sources))
    ]


def summary(outcomes: list[Outcome]) -> list[str]:
    """Human-readable summary lines: updated, kept (with the reason), skipped (with the reason)."""
    lines = ["Summary:"]
    for outcome in outcomes:
        lines.append(f"  {outcome.status:<12} {outcome.source}: {outcome.detail}")
    return lines


def rebuild_store(progress: Progress = print) -> bool:
    """Rebuild the processed store (src/ingest/store.py) from the refreshed snapshot. Returns False on failure."""
    from src.ingest.store import build_store, write_store  # only after a successful refresh: parsing takes seconds

    try:
        store = build_store()
        write_store(store)
    except Exception as exc:  # noqa: BLE001 - the snapshot is valid either way; say why the store is stale
        progress(f"store: rebuild FAILED ({type(exc).__name__}: {exc}); run `python -m src.ingest.build` to see why")
        return False
    progress(f"store: rebuilt, {len(store.values):,} rows (fingerprint {store.fingerprint})")
    return True


def main(argv: list[str] | None = None) -> int:
    """Run the command; exit status 0 when nothing failed, 1 when any source was kept because it failed."""
    sources = load_sources()
    parser = argparse.ArgumentParser(prog="python -m src.ingest.refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--source", action="append", choices=sorted(sources), help="refresh only this source")
    parser.add_argument("--dry-run", action="store_true", help="download and validate, but change no file")
    parser.add_argument("--snapshot-dir", type=Path, default=SNAPSHOT_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        outcomes = refresh(args.source, dry_run=args.dry_run, snapshot_dir=args.snapshot_dir, sources=sources)
    except (RefreshError, CatalogueError) as exc:
        print(f"cannot start the refresh: {exc}", file=sys.stderr)
        return 1
    for line in summary(outcomes):
        print(line)
    store_ok = True
    if any(o.status == "updated" for o in outcomes) and args.snapshot_dir.resolve() == SNAPSHOT_DIR.resolve():
        store_ok = rebuild_store()
    failed = [o.source for o in outcomes if o.status == "kept"]
    if failed:
        print(f"Failed (previous files kept): {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or not store_ok else 0


if __name__ == "__main__":
    sys.exit(main())
