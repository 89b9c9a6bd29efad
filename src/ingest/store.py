"""The processed store: every source's tidy rows plus the country table, built once and read fast.

Parsing ~13 MB of raw publisher files takes seconds, so the app must not do it on every page load.
`build_store()` runs each source's parser; `load_store()` reads data/processed/store.parquet when its manifest
says it was built from exactly the current inputs (snapshot sidecar md5s, catalogue files, parser code), and
rebuilds otherwise.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from src.study.catalogue import Indicator, Source, load_indicators, load_sources
from src.ingest.countries import add_codes_from_values, empty_countries, load_countries
from src.ingest.parsers import get_parser
from src.paths import CATALOGUE_DIR, INDICATOR_CATALOGUE_DIR, PROCESSED_DIR, SNAPSHOT_DIR, SOURCES_FILE, STORE_FILE
from src.schema import TIDY_DTYPES, ParseError, check_tidy, empty_tidy
from src.ingest.snapshot import SnapshotError, data_files, read_sidecar, snapshot_fingerprint

log = logging.getLogger(__name__)

COUNTRIES_FILE_NAME = "countries.parquet"
MANIFEST_FILE_NAME = "manifest.json"
# Series the refresh command downloads fresh from the World Bank API replace the same ids from older files.
NEWER_SOURCE = "wb_api"
CODE_DIR = Path(__file__).resolve().parent.parent  # src/
# Code whose change alters the store's content, so a stale parquet is never served after an edit.
BUILD_CODE = ("schema.py", "ingest/countries.py", "ingest/store.py", "study/catalogue.py", "ingest/parsers/*.py")

Years = tuple[int | None, int | None]
# The store's text columns repeat a few thousand distinct strings over ~630,000 rows: held as categoricals they
# take about an eighth of the memory (shared by every session) and read and filter an order of magnitude faster.
# What `series()` and `latest()` hand out is converted back to the plain tidy dtypes.
CATEGORY_COLUMNS = ("iso3", "country", "indicator", "unit", "source", "code", "file", "note")


def compact(values: pd.DataFrame) -> pd.DataFrame:
    """The store's in-memory form: text columns as categoricals whose categories use the tidy string dtype
    (a parquet read would otherwise give pyarrow `str` categories and a built store `string` ones)."""
    values = values.copy()
    for column in CATEGORY_COLUMNS:
        as_category = values[column].astype("category")
        categories = as_category.cat.categories.astype(TIDY_DTYPES[column])
        values[column] = as_category.cat.set_categories(categories)
    return values


@dataclass(frozen=True, eq=False)
class Store:
    """All values (tidy, src.schema columns), the country table, and the snapshot fingerprint they came from.

    `problems` lists sources that could not be parsed (only when built with strict=False); empty normally.
    """

    values: pd.DataFrame
    countries: pd.DataFrame
    fingerprint: str
    problems: tuple[str, ...] = field(default=())

    def series(
        self, indicator: str | Iterable[str], iso3: str | Iterable[str] | None = None, years: Years | None = None
    ) -> pd.DataFrame:
        """Tidy rows of one indicator (or several), optionally for some countries and an inclusive year range.

        Returns only published (or labelled computed) rows, sorted by indicator, iso3, year: gaps stay gaps.
        """
        rows = self.values[self.values["indicator"].isin(as_list(indicator))]
        if iso3 is not None:
            rows = rows[rows["iso3"].isin(as_list(iso3))]
        start, end = years if years is not None else (None, None)
        if start is not None:
            rows = rows[rows["year"] >= start]
        if end is not None:
            rows = rows[rows["year"] <= end]
        return rows.sort_values(["indicator", "iso3", "year"]).reset_index(drop=True).astype(TIDY_DTYPES)

    def latest(
        self,
        indicator: str,
        iso3: str | Iterable[str] | None = None,
        min_year: int | None = None,
        max_year: int | None = None,
    ) -> pd.DataFrame:
        """One row per country: its own latest value within [min_year, max_year] and the year of that value.

        Countries with no value in the range are absent (never filled from another year or country); the
        `year` column says which year each value is from, and years differ between countries.
        """
        rows = self.series(indicator, iso3, (min_year, max_year))
        return rows.groupby("iso3", sort=True).tail(1).reset_index(drop=True)

    def country_name(self, iso3: str) -> str:
        """The display name of a code (the code itself when the country table does not know it)."""
        match = self.countries.loc[self.countries["iso3"] == iso3, "name"]
        return str(match.iloc[0]) if len(match) else iso3


def as_list(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def prefer_newer_downloads(values: pd.DataFrame) -> pd.DataFrame:
    """Where the World Bank API download (wb_api) yields an indicator id, drop that id's rows from other sources."""
    refreshed = set(values.loc[values["source"] == NEWER_SOURCE, "indicator"])
    if not refreshed:
        return values
    superseded = values["indicator"].isin(refreshed) & (values["source"] != NEWER_SOURCE)
    log.info("wb_api supersedes %d rows of %s from older files", int(superseded.sum()), sorted(refreshed))
    return values[~superseded]


def name_coded_rows(values: pd.DataFrame, countries: pd.DataFrame) -> pd.DataFrame:
    """Give a country name to rows whose publisher gave only the code (Gapminder DDF files carry no names)."""
    names = values["iso3"].map(countries.set_index("iso3")["name"])
    coded_only = (values["country"] == values["iso3"]) & names.notna()
    values = values.copy()
    values.loc[coded_only, "country"] = names[coded_only]
    return values


def parse_source(source: Source, snapshot_dir: Path, catalogue: dict[str, Indicator]) -> pd.DataFrame | None:
    """Run one source's parser; None (logged) when its folder holds no data yet or its parser is not written yet.

    Raises:
        ParseError: the source's files are malformed.
    """
    folder = snapshot_dir / source.folder
    if not folder.is_dir() or not data_files(folder):
        log.info("source %s: no data files in %s, skipped", source.id, folder)
        return None
    try:
        parse = get_parser(source.parser)
    except ModuleNotFoundError as exc:
        if exc.name != f"src.ingest.parsers.{source.parser}":
            raise
        log.warning("source %s: parser src/ingest/parsers/%s.py does not exist yet, skipped", source.id, source.parser)
        return None
    return parse(folder, catalogue)


def build_store(
    snapshot_dir: Path = SNAPSHOT_DIR,
    *,
    sources: dict[str, Source] | None = None,
    catalogue: dict[str, Indicator] | None = None,
    strict: bool = True,
) -> Store:
    """Parse every source into one tidy table and attach the country table.

    Args:
        strict: raise on the first malformed source (the build command); when False, leave that source out
            and name it in `Store.problems` (the app keeps working on the rest).

    Raises:
        ParseError: a malformed file (strict only); the message names the file and what is wrong.
    """
    sources = load_sources() if sources is None else sources
    catalogue = load_indicators(sources=sources) if catalogue is None else catalogue
    frames, problems = [], []
    for source in sources.values():
        try:
            frame = parse_source(source, snapshot_dir, catalogue)
        except ParseError as exc:
            if strict:
                raise
            log.error("source %s left out: %s", source.id, exc)
            problems.append(f"{source.id}: {exc}")
            continue
        if frame is not None:
            frames.append(frame)
    values = pd.concat(frames, ignore_index=True) if frames else empty_tidy()
    values = prefer_newer_downloads(check_tidy(values, "store"))
    try:
        countries = load_countries(snapshot_dir)
    except ParseError as exc:
        if strict:
            raise
        log.error("country metadata left out: %s", exc)
        problems.append(f"country metadata: {exc}")
        countries = empty_countries()
    countries = add_codes_from_values(countries, values)
    values = name_coded_rows(values, countries)
    values = values.sort_values(["indicator", "iso3", "year"], kind="stable").reset_index(drop=True)
    return Store(compact(check_tidy(values, "store")), countries, snapshot_fingerprint(snapshot_dir), tuple(problems))


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


def manifest_for(store: Store, snapshot_dir: Path) -> dict:
    """What the processed files were built from: the inputs' md5s (from their sidecars) and the build key."""
    md5s = {f.relative_to(snapshot_dir).as_posix(): recorded_md5(f) for f in data_files(snapshot_dir)}
    return {
        "fingerprint": store.fingerprint,
        "build_key": build_inputs_digest(snapshot_dir),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": len(store.values),
        "input_md5": md5s,
    }


def recorded_md5(data_file: Path) -> str | None:
    """The md5 a file's sidecar records (None without a sidecar: `python -m src.ingest.build` reports that)."""
    try:
        return read_sidecar(data_file)["outs"].get("md5")
    except SnapshotError:
        return None


def write_store(store: Store, processed_dir: Path = PROCESSED_DIR, snapshot_dir: Path = SNAPSHOT_DIR) -> Path:
    """Write store.parquet, countries.parquet and manifest.json (manifest last, so a crash leaves no false match)."""
    processed_dir.mkdir(parents=True, exist_ok=True)
    manifest_text = json.dumps(manifest_for(store, snapshot_dir), indent=1, sort_keys=True) + "\n"
    _replace_atomically(processed_dir / STORE_FILE.name, lambda tmp: store.values.to_parquet(tmp, index=False))
    _replace_atomically(processed_dir / COUNTRIES_FILE_NAME, lambda tmp: store.countries.to_parquet(tmp, index=False))
    _replace_atomically(processed_dir / MANIFEST_FILE_NAME, lambda tmp: tmp.write_text(manifest_text))
    return processed_dir / MANIFEST_FILE_NAME


def _replace_atomically(target: Path, write) -> None:
    """Write via a temporary file and rename, so a reader (another app process) never sees half a file."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def read_processed(processed_dir: Path, build_key: str) -> Store | None:
    """The processed store if its manifest matches `build_key` and the files read cleanly, else None."""
    try:
        manifest = json.loads((processed_dir / MANIFEST_FILE_NAME).read_text())
        if manifest.get("build_key") != build_key:
            log.info("processed store is stale (built from other inputs): rebuilding")
            return None
        values = compact(pd.read_parquet(processed_dir / STORE_FILE.name))
        values = values.astype({c: d for c, d in TIDY_DTYPES.items() if c not in CATEGORY_COLUMNS})[list(TIDY_DTYPES)]
        countries = pd.read_parquet(processed_dir / COUNTRIES_FILE_NAME)
    except (OSError, ValueError, KeyError) as exc:
        log.info("processed store unreadable (%s): rebuilding", exc)
        return None
    return Store(values, countries, manifest["fingerprint"])


def load_store(snapshot_dir: Path = SNAPSHOT_DIR, processed_dir: Path = PROCESSED_DIR) -> Store:
    """The store the app uses: the processed parquet when current, else a rebuild (written back when possible).

    A rebuild after a refresh leaves out (and names in `Store.problems`) any source whose new file is
    malformed, so the app keeps showing everything else; nothing is written in that case.
    """
    build_key = build_inputs_digest(snapshot_dir)
    store = read_processed(processed_dir, build_key)
    if store is not None:
        return store
    store = build_store(snapshot_dir, strict=False)
    if store.problems:
        return store
    try:
        write_store(store, processed_dir, snapshot_dir)
    except OSError as exc:
        log.warning("could not write the processed store to %s (%s); it will be rebuilt next time", processed_dir, exc)
    return store
