"""`python -m src.ingest.refresh`: download newer data than what ships, without ever losing the snapshot we have.

Why a command of its own: the app never touches the network. Users with internet run this; it downloads
each refreshable source (data/catalogue/sources.yaml `refresh`) into a staging folder, validates the new
files with the source's own parser plus range checks, and only then swaps them in atomically with their
sidecars (src/ingest/snapshot.py). Any failure keeps that source's previous files byte for byte, and the command
exits non-zero naming the source and the reason. The app's cache keys on the sidecars' checksums, so it
shows the new data on its next run without a restart.

After a refresh that changed files, the command lists the verdicts the new data changed and why, through the
hook named in `AFTER_REFRESH` (the report lives in the claims layer, which this layer may not import).

Usage:
    python -m src.ingest.refresh                       # every source
    python -m src.ingest.refresh --source wb_api --source undp_hdr
    python -m src.ingest.refresh --dry-run             # download and validate, change nothing
"""

from __future__ import annotations

import argparse
import filecmp
import importlib
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import yaml

from src.ingest.countries import load_countries
from src.ingest.fetch import CannotConnect, FetchError, Limits, clip, fetch_wb_indicator, make_session
from src.ingest.fetch import download as fetch_file
from src.ingest.parsers import get_parser, wb_api_json
from src.ingest.snapshot import (
    SIDECAR_SUFFIX,
    StagedFile,
    data_files,
    remove_stale_staging,
    replace_atomically,
    stage_bytes,
    staging_area,
)
from src.paths import CATALOGUE_DIR, SNAPSHOT_DIR, SOURCES_FILE
from src.schema import ParseError
from src.study.catalogue import CatalogueError, Indicator, Source, load_indicators, load_sources
from src.study.yaml_io import parse_yaml

RANGES_FILE = CATALOGUE_DIR / "plausible_ranges.yaml"
# Every series refreshed through the World Bank API is saved in this source's folder and parsed by its parser.
API_SOURCE_ID = "wb_api"

Progress = Callable[[str], None]
# Called with (store before, store after, progress) once a refresh changed files; see `after_refresh_hook`.
AfterRefresh = Callable[..., None]
# The verdict-change report, named rather than imported: it sits in the claims layer, above this one.
AFTER_REFRESH = "src.claims.refresh_report:print_report"
KnownCodes = Callable[[], frozenset[str]]
# How many codes a refresh may report per problem: enough to see the pattern, short enough to read.
EXAMPLES = 8


@dataclass(frozen=True)
class Parsed:
    """A staging folder as the refresh parsed it: the folder, the parse function, and the rows it gave."""

    folder: Path
    parse: Callable
    rows: pd.DataFrame


class RefreshError(Exception):
    """A download arrived but does not pass validation (empty, missing series, implausible values)."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one source: `updated`, `would update` (dry run), `kept` (failed) or `skipped`."""

    source: str
    status: str
    detail: str
    files: tuple[str, ...] = ()
    no_network: bool = False  # kept because a host could not be reached (the refresh stops after one)


def load_ranges(path: Path = RANGES_FILE) -> dict[str, tuple[float, float]]:
    """Unit -> (min, max) from the plausible-ranges file.

    Raises:
        RefreshError: the file is unreadable or an entry lacks unit/min/max, naming the entry.
    """
    try:
        entries = parse_yaml(path.read_text(encoding="utf-8"))
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
    missing = sorted({i.id for i in expected} - set(frame["indicator"].unique()))
    if missing:
        raise RefreshError(f"the download has no values for {missing}")
    values = frame["value"]
    # Every parser returns float64 values (src/schema.py): checked at once; anything else value by value.
    finite = np.isfinite(values.to_numpy()) if values.dtype == np.float64 else values.map(math.isfinite)
    if not finite.all():
        raise RefreshError("the download has values that are not finite numbers")
    # One pass over the rows instead of one per (indicator, unit) pair (UNDP has 41). As with a groupby, rows
    # whose indicator or unit is missing belong to no pair, and pairs are reported in sorted order.
    paired = frame[frame["indicator"].notna() & frame["unit"].notna()]
    codes, units = pd.factorize(paired["unit"])
    bounds = np.array([ranges.get(unit, (np.nan, np.nan)) for unit in units], dtype=float).reshape(-1, 2)
    value = paired["value"].to_numpy(dtype=float)
    outside = paired[(value < bounds[codes, 0]) | (value > bounds[codes, 1])]
    if not outside.empty:
        indicator, unit = min(zip(outside["indicator"], outside["unit"], strict=True))
        rows = outside[(outside["indicator"] == indicator) & (outside["unit"] == unit)]
        low, high = ranges[unit]
        first = rows.iloc[0]
        raise RefreshError(
            f"{indicator}: {len(rows)} values outside the plausible range {low:g} to {high:g} {unit} "
            f"(e.g. {first['iso3']} {first['year']}: {first['value']:g}); see {RANGES_FILE.name}"
        )
    return sorted(unit for unit in units if unit not in ranges)


def check_codes(frame: pd.DataFrame, known: frozenset[str]) -> None:
    """Every code must be a known ISO3 code or a publisher aggregate (the country table, or already in the source).

    Raises:
        RefreshError: naming how many rows carry unknown codes, with examples (ISO2 codes after an API change...).
    """
    unknown = sorted(set(frame["iso3"].unique()) - known)
    if unknown:
        rows = int(frame["iso3"].isin(unknown).sum())
        raise RefreshError(
            f"{len(unknown)} codes are neither ISO3 codes nor aggregates the country metadata knows "
            f"({rows:,} rows), e.g. {unknown[:EXAMPLES]}: did the publisher change its codes?"
        )


def check_coverage(frame: pd.DataFrame, previous: pd.DataFrame, tolerance: int) -> None:
    """Each indicator the previous files had must still be there, for all but `tolerance` of its codes.

    Raises:
        RefreshError: an indicator vanished, or lost more codes than sources.yaml `refresh.max_vanished_codes`.
    """
    # Distinct codes first, as Python lists: a set built from ~500,000 arrow strings one by one takes seconds, and
    # iterating even the distinct ones element by element costs more than one tolist().
    distinct_after = frame.groupby("indicator")["iso3"].unique()
    after = {str(indicator): set(map(str, codes.tolist())) for indicator, codes in distinct_after.items()}
    for indicator, codes in previous.groupby("indicator")["iso3"].unique().items():
        codes_before = set(map(str, codes.tolist()))
        if str(indicator) not in after:
            raise RefreshError(f"{indicator}: the previous files have it, the download does not")
        vanished = sorted(codes_before - after[str(indicator)])
        if len(vanished) > tolerance:
            raise RefreshError(
                f"{indicator}: {len(vanished)} of {len(codes_before)} countries/aggregates in the previous files "
                f"have no value in the download, e.g. {vanished[:EXAMPLES]} (tolerated: {tolerance}; "
                f"{SOURCES_FILE.name} refresh.max_vanished_codes)"
            )


def source_limits(source: Source) -> Limits:
    """The download bounds a source declares in sources.yaml `refresh` (max_bytes, deadline_seconds).

    Raises:
        RefreshError: a bound is missing or not a positive number, naming the source.
    """
    bounds = {}
    for key in ("max_bytes", "deadline_seconds"):
        value = source.refresh.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise RefreshError(
                f"{SOURCES_FILE.name}: source {source.id!r} needs a positive refresh.{key}, not {value!r}"
            )
        bounds[key] = value
    return Limits(max_bytes=int(bounds["max_bytes"]), deadline=time.monotonic() + bounds["deadline_seconds"])


def previous_rows(
    source: Source,
    snapshot_dir: Path,
    catalogue,
    sources,
    expected: list[Indicator],
    progress: Progress = print,
    downloaded: Parsed | None = None,
) -> pd.DataFrame:
    """The rows the current snapshot holds for the indicators a refresh of `source` brings (empty when none).

    A World Bank API refresh replaces series that may come from the source's bulk files and from earlier API
    downloads, so both folders count. The folders are parsed with the full declared catalogue when the one
    given is a subset (a bulk parser refuses files it does not know). Unreadable previous files are no reason
    to refuse a repair: they are named in the progress and not compared. A previous folder holding exactly the
    `downloaded` files (the publisher changed nothing) is not parsed again: its rows are the download's.
    """
    wanted = {i.id for i in expected}
    folders = [(source.folder, source.parser)]
    if source.refresh.get("method") == "wb_api" and source.id != API_SOURCE_ID:
        folders.append((sources[API_SOURCE_ID].folder, sources[API_SOURCE_ID].parser))
    frames = []
    for folder, parser in folders:
        path = snapshot_dir / folder
        if not path.is_dir() or not data_files(path):
            continue
        try:
            frame = _parse_previous(path, parser, catalogue, sources, downloaded)
        except (CatalogueError, ModuleNotFoundError, ParseError) as exc:
            progress(f"  {source.id}: previous files in {folder}/ unreadable, coverage not compared ({clip(exc)})")
            continue
        frames.append(frame.loc[frame["indicator"].isin(wanted), ["indicator", "iso3"]])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"indicator": [], "iso3": []})


def _parse_previous(path: Path, parser: str, catalogue, sources, downloaded: Parsed | None = None) -> pd.DataFrame:
    parse = get_parser(parser)
    # The same parser with the same catalogue on the same bytes gives the same rows: a big file is parsed once.
    if downloaded is not None and downloaded.parse is parse and same_files(path, downloaded.folder):
        return downloaded.rows

    def run(entries):
        return wb_api_json.parse(path, entries, sources) if parse is wb_api_json.parse else parse(path, entries)

    try:
        return run(catalogue)
    except ParseError:
        return run(load_indicators(sources=sources))


def same_files(folder: Path, other: Path) -> bool:
    """Whether both folders hold the same files (names and bytes), sidecars aside: what a parser reads."""

    def readable(root: Path) -> list[Path]:
        return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(SIDECAR_SUFFIX))

    mine, theirs = readable(folder), readable(other)
    return [p.relative_to(folder) for p in mine] == [p.relative_to(other) for p in theirs] and all(
        filecmp.cmp(a, b, shallow=False) for a, b in zip(mine, theirs, strict=True)
    )


def shipped_known_codes(snapshot_dir: Path) -> KnownCodes:
    """A loader (read once, when first needed) of every code the country metadata in `snapshot_dir` knows."""

    found: list[frozenset[str]] = []  # this refresh run's copy, read on first use

    def known() -> frozenset[str]:
        if not found:
            try:
                found.append(frozenset(load_countries(snapshot_dir)["iso3"].astype(str)))
            except (OSError, ParseError, IndexError, KeyError) as exc:
                raise RefreshError(
                    f"cannot check country codes: the country metadata is unreadable ({clip(exc)})"
                ) from exc
        return found[0]

    return known


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


# Both stagers return (files to swap in, the parsed staging folder, the indicators its rows must cover).
Staged = tuple[list[StagedFile], Parsed, list[Indicator]]


def api_series(source: Source, catalogue: dict[str, Indicator]) -> dict[str, Indicator]:
    """API code -> indicator, for every catalogued series of a source refreshed through the World Bank API.

    Raises:
        RefreshError: the catalogue declares no indicator for the source.
    """
    series = {wb_api_json.api_code(source, i.code): i for i in catalogue.values() if i.source == source.id}
    if not series:
        raise RefreshError(f"no indicator in data/catalogue/indicators/ names source {source.id!r}")
    return series


def _stage_wb_api(source, *, session, sources, catalogue, staging, snapshot_dir, progress, limits) -> Staged:
    """Download each of the source's series from the World Bank API into the staging folder."""
    folder = sources[API_SOURCE_ID].folder
    series = api_series(source, catalogue)
    staged = []
    for api_code, indicator in series.items():

        def show(page, pages, rows, size, api_code=api_code):
            progress(f"  {source.id}: {api_code} page {page}/{pages}, {rows:,} rows, {size:,} bytes")

        got = fetch_wb_indicator(session, source.refresh["url"], api_code, source.hosts, on_page=show, limits=limits)
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
    parsed = Parsed(staging / folder, wb_api_json.parse, wb_api_json.parse(staging / folder, catalogue, sources))
    return staged, parsed, list(series.values())


def _stage_direct(source, *, session, sources, catalogue, staging, snapshot_dir, progress, limits) -> Staged:
    """Download the source's one file into the staging folder and parse it with the source's parser.

    `sources` is unused: both stagers take the same arguments.
    """
    url = source.refresh["url"]
    got = fetch_file(session, url, source.hosts, limits=limits)
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
    # Every declared series of the source, refresh-only ones too (the IMF WEO file ships with none in the snapshot).
    expected = [i for i in catalogue.values() if i.source == source.id]
    return [staged], Parsed(staging / source.folder, parse, parse(staging / source.folder, catalogue)), expected


def refresh_source(
    source: Source,
    *,
    session,
    snapshot_dir: Path,
    catalogue: dict[str, Indicator],
    sources: dict[str, Source],
    ranges: dict[str, tuple[float, float]],
    known_codes: KnownCodes | None = None,
    dry_run: bool = False,
    progress: Progress = print,
) -> Outcome:
    """Download, validate and (unless `dry_run`) swap in one source; never raises for a failed source.

    Validation: the source's parser, then known codes, coverage against the previous files, plausible ranges.
    """
    known_codes = shipped_known_codes(snapshot_dir) if known_codes is None else known_codes
    method = source.refresh.get("method")
    if method == "none":
        reason = source.refresh.get("reason", "no refresh method")
        progress(f"{source.id}: skipped: {reason}")
        return Outcome(source.id, "skipped", reason)
    progress(f"{source.id}: downloading ({method})")
    with staging_area(snapshot_dir) as staging:
        try:
            limits = source_limits(source)
            stage = _stage_wb_api if method == "wb_api" else _stage_direct
            staged, parsed, expected = stage(
                source, session=session, sources=sources, catalogue=catalogue, staging=staging,
                snapshot_dir=snapshot_dir, progress=progress, limits=limits,
            )
            frame = parsed.rows
            unchecked = check_values(frame, expected, ranges)
            previous = previous_rows(source, snapshot_dir, catalogue, sources, expected, progress, parsed)
            # The distinct previous codes (the same set): a set of every previous row's code, one arrow string at a
            # time, took longer than the rest of the checks.
            check_codes(frame, known_codes() | frozenset(previous["iso3"].unique().tolist()))
            check_coverage(frame, previous, int(source.refresh.get("max_vanished_codes", 0)))
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
            reason = clip(reason)
            if isinstance(exc, CannotConnect):
                progress(f"NO NETWORK: {reason}")
            progress(f"  {source.id}: FAILED, previous files kept: {reason}")
            return Outcome(source.id, "kept", reason, no_network=isinstance(exc, CannotConnect))
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
    known_codes: KnownCodes | None = None,
    progress: Progress = print,
) -> list[Outcome]:
    """Refresh the given sources (all by default), one after the other, and return what happened to each.

    Staging folders an interrupted earlier run left behind are removed first. When a host cannot be reached
    at all (no network), the remaining sources are not tried: they are `kept`, saying so.

    Args:
        known_codes: returns the codes a download may use besides the source's own previous ones; defaults to
            the country metadata in `snapshot_dir` (read once, when first needed).

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
    known_codes = shipped_known_codes(snapshot_dir) if known_codes is None else known_codes
    for stale in remove_stale_staging(snapshot_dir):
        progress(f"removed the staging folder of an interrupted earlier refresh: {stale.name}")
    outcomes: list[Outcome] = []
    offline: Outcome | None = None
    for source_id in source_ids or list(sources):
        if offline is not None and sources[source_id].refresh.get("method") != "none":
            outcomes.append(Outcome(source_id, "kept", f"not tried: no network ({offline.source} failed first)",
                                    no_network=True))
            continue
        outcome = refresh_source(
            sources[source_id], session=session, snapshot_dir=snapshot_dir, catalogue=catalogue,
            sources=sources, ranges=ranges, known_codes=known_codes, dry_run=dry_run, progress=progress,
        )
        offline = outcome if outcome.no_network else offline
        outcomes.append(outcome)
    return outcomes


def summary(outcomes: list[Outcome]) -> list[str]:
    """Human-readable summary lines: updated, kept (with the reason), skipped (with the reason)."""
    lines = ["Summary:"]
    offline = next((o for o in outcomes if o.no_network), None)
    if offline is not None:
        lines.insert(0, f"No network: {offline.detail}")
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


def after_refresh_hook(progress: Progress = print) -> AfterRefresh | None:
    """The function `AFTER_REFRESH` names, or None (saying why) when it cannot be loaded: the refresh itself
    has succeeded by then and must not fail for want of its report."""
    module, _, name = AFTER_REFRESH.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        progress(f"verdicts: no report of changed verdicts ({AFTER_REFRESH} cannot be loaded: {exc})")
        return None


def current_store(snapshot_dir: Path):
    """The store of `snapshot_dir`: the processed one for the shipped folder, else built in memory."""
    from src.ingest.store import build_store, load_store  # parsing takes seconds: only when a report is wanted

    if snapshot_dir.resolve() == SNAPSHOT_DIR.resolve():
        return load_store()
    return build_store(snapshot_dir, strict=False)


def main(argv: list[str] | None = None, *, after_refresh: AfterRefresh | None = None) -> int:
    """Run the command; exit status 0 when nothing failed, 1 when any source was kept because it failed.

    after_refresh: called with the store before and after when files changed (default: `AFTER_REFRESH`'s
    function for the shipped snapshot folder, none for another folder).
    """
    sources = load_sources()
    parser = argparse.ArgumentParser(prog="python -m src.ingest.refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--source", action="append", choices=sorted(sources), help="refresh only this source")
    parser.add_argument("--dry-run", action="store_true", help="download and validate, but change no file")
    parser.add_argument("--snapshot-dir", type=Path, default=SNAPSHOT_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    shipped = args.snapshot_dir.resolve() == SNAPSHOT_DIR.resolve()
    if after_refresh is None and shipped and not args.dry_run:
        after_refresh = after_refresh_hook()
    before = None
    if after_refresh is not None:
        try:
            before = current_store(args.snapshot_dir)
        except Exception as exc:  # noqa: BLE001 - no report then, but the refresh still runs
            print(f"verdicts: no report of changed verdicts (the current store cannot be read: {exc})")
    try:
        outcomes = refresh(args.source, dry_run=args.dry_run, snapshot_dir=args.snapshot_dir, sources=sources)
    except (RefreshError, CatalogueError) as exc:
        print(f"cannot start the refresh: {exc}", file=sys.stderr)
        return 1
    for line in summary(outcomes):
        print(line)
    store_ok = True
    updated = any(o.status == "updated" for o in outcomes)
    if updated and shipped:
        store_ok = rebuild_store()
    if updated and store_ok and before is not None:
        try:
            after_refresh(before, current_store(args.snapshot_dir), print)
        except Exception as exc:  # noqa: BLE001 - the data is refreshed either way; say why the report is missing
            print(f"verdicts: the report of changed verdicts failed ({type(exc).__name__}: {exc})")
    failed = [o.source for o in outcomes if o.status == "kept"]
    if failed:
        print(f"Failed (previous files kept): {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or not store_ok else 0


if __name__ == "__main__":
    sys.exit(main())
