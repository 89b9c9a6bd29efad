"""`python -m src.ingest.build`: check every snapshot file against its sidecar md5, then rebuild the processed store.

Run it after editing the catalogue or replacing a raw file by hand; the refresh command runs it for you.
When the processed files already hold this build, nothing is written (they are tracked files).
`--check` only verifies the checksums and that data/processed/manifest.json is well formed (a stale one is
reported, not an error: the app rebuilds). Exit status 1 names each bad file.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from src.ingest.snapshot import verify
from src.ingest.store import Store, build_store, check_processed, write_store
from src.paths import PROCESSED_DIR, SNAPSHOT_DIR
from src.schema import ParseError


def report_checksums(snapshot_dir: Path) -> bool:
    """Print each file whose bytes differ from its sidecar (or lack one); True when all match."""
    problems = verify(snapshot_dir)
    for problem in problems:
        print(f"CHECKSUM FAIL {problem.file.relative_to(snapshot_dir)}: {problem.problem}", file=sys.stderr)
    if not problems:
        print(f"checksums: every file under {snapshot_dir} matches its sidecar")
    return not problems


def report_manifest(processed_dir: Path, snapshot_dir: Path) -> bool:
    """Print what is wrong with the processed folder's manifest (and a note when it is stale); True when usable."""
    problems, notes = check_processed(processed_dir, snapshot_dir)
    for problem in problems:
        print(f"MANIFEST FAIL {problem}; run `python -m src.ingest.build` to rebuild it", file=sys.stderr)
    for note in notes:
        print(f"note: {note}")
    return not problems


def summary(store: Store) -> str:
    """Row counts per source and per indicator, with countries and year span, for the build log."""
    values = store.values
    lines = [f"{len(values)} rows, {values['indicator'].nunique()} indicators, {len(store.countries)} countries/aggregates"]
    per_indicator = values.groupby(["source", "indicator"]).agg(
        rows=("value", "size"), countries=("iso3", "nunique"), first=("year", "min"), last=("year", "max")
    )
    for source, rows in values.groupby("source")["value"].size().items():
        lines.append(f"{source}: {rows} rows")
        for (_, indicator), row in per_indicator.loc[[source]].iterrows():
            lines.append(
                f"  {indicator:<34} {row['rows']:>7} rows {row['countries']:>4} codes {row['first']}-{row['last']}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    parser = argparse.ArgumentParser(prog="python -m src.ingest.build", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify checksums, do not rebuild")
    parser.add_argument("--snapshots", type=Path, default=SNAPSHOT_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--processed", type=Path, default=PROCESSED_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not report_checksums(args.snapshots):
        return 1
    if args.check:
        return 0 if report_manifest(args.processed, args.snapshots) else 1
    started = time.perf_counter()
    try:
        store = build_store(args.snapshots)
    except ParseError as exc:
        print(f"BUILD FAIL: {exc}", file=sys.stderr)
        return 1
    manifest = write_store(store, args.processed, args.snapshots)
    print(summary(store))
    print(f"wrote {manifest.parent} in {time.perf_counter() - started:.1f} s (fingerprint {store.fingerprint})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
