"""The processed store: every source's tidy rows plus the country table, built once and read fast.

Parsing ~13 MB of raw publisher files takes seconds, so the app must not do it on every page load.
`build_store()` runs each source's parser; `load_store()` reads data/processed/store.parquet when its manifest
says it was built from exactly the current inputs (snapshot sidecar md5s, catalogue files, parser code), and
rebuilds otherwise.
"""

from __future__ import annotations

import bisect
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from src.ingest.build_key import MANIFEST_FILE_NAME, build_inputs_digest, read_manifest
from src.ingest.countries import add_codes_from_values, empty_countries, load_countries
from src.ingest.parsers import get_parser
from src.ingest.snapshot import SnapshotError, data_files, read_sidecar, snapshot_fingerprint
from src.paths import PROCESSED_DIR, SNAPSHOT_DIR, STORE_FILE
from src.schema import TIDY_DTYPES, TIDY_PANDAS_DTYPES, ParseError, check_tidy, empty_tidy
from src.study.catalogue import Indicator, Source, load_indicators, load_sources

log = logging.getLogger(__name__)

COUNTRIES_FILE_NAME = "countries.parquet"
# Series the refresh command downloads fresh from the World Bank API replace the same ids from older files.
NEWER_SOURCE = "wb_api"

Years = tuple[int | None, int | None]
# The store's text columns repeat a few thousand distinct strings over ~630,000 rows: held as categoricals they
# take about an eighth of the memory (shared by every session) and read and filter an order of magnitude faster.
# What `series()` and `latest()` hand out is converted back to the plain tidy dtypes.
CATEGORY_COLUMNS = ("iso3", "country", "indicator", "unit", "source", "code", "file", "note")


def compact(values: pd.DataFrame) -> pd.DataFrame:
    """The store's in-memory form: text columns as categoricals whose categories use the tidy string dtype
    (a parquet read would otherwise give pyarrow `str` categories and a built store `string` ones)."""
    values = values.copy(deep=False)  # copy-on-write: replacing a column here leaves the caller's frame as it was
    for column in CATEGORY_COLUMNS:
        current = values[column]
        if isinstance(current.dtype, pd.CategoricalDtype):
            # A parquet read gives categoricals already: only the categories change dtype, the codes are kept
            # (re-encoding ~680,000 rows per column was most of a processed store's load time).
            categories = current.cat.categories.astype(TIDY_DTYPES[column])
            values[column] = pd.Categorical.from_codes(current.cat.codes, categories, ordered=current.cat.ordered)
        else:
            as_category = current.astype("category")
            categories = as_category.cat.categories.astype(TIDY_DTYPES[column])
            values[column] = as_category.cat.set_categories(categories)
    return values


def plain_tidy(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows in the store's in-memory form as `rows.astype(TIDY_DTYPES)` gives them (what `series()` hands out).

    A text column's categories are already in its tidy dtype (`compact`), so its values are the categories taken
    by code: `astype` made the text of every row again (a quarter of a `series()` call). Anything else is
    converted by `astype`.
    """
    if list(rows.columns) != list(TIDY_DTYPES):
        return rows.astype(TIDY_DTYPES)
    columns = {}
    for column, dtype in TIDY_PANDAS_DTYPES.items():
        values = rows[column]
        if isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.dtype == dtype:
            taken = values.cat.categories.array.take(values.cat.codes.to_numpy(), allow_fill=True)
            columns[column] = pd.Series(taken, index=rows.index, name=column)
        else:
            columns[column] = values.astype(dtype)
    return pd.DataFrame(columns, index=rows.index)


def sorted_by_country_and_year(frame: pd.DataFrame) -> bool:
    """Whether the rows already stand as a stable sort by (iso3, year) would put them (the built store's do), so
    the sort can be skipped; False whenever that cannot be told from the codes cheaply."""
    iso3, year = frame["iso3"], frame["year"]
    if len(frame) < 2:
        return True
    if not isinstance(iso3.dtype, pd.CategoricalDtype):
        return False  # pandas sorts a categorical by its codes, so the codes tell the order
    codes, years = iso3.cat.codes.to_numpy(), year.to_numpy()
    if codes.min() < 0 or years.dtype.kind not in "iu":
        return False  # a missing code sorts last, not first; nullable years need pandas' own ordering
    same = codes[1:] == codes[:-1]
    return bool(np.all((codes[1:] > codes[:-1]) | (same & (years[1:] >= years[:-1]))))


class IndicatorRows:
    """One indicator's rows sorted by country and year, with each country's row span, for fast look-ups.

    Boolean masks over the whole store cost ~1 ms each; robustness runs do thousands, so positions are found
    with numpy on the year column and rows are taken once per call. `find` answers with positions only
    (`Found`), so a check can decide on numpy arrays and build a frame only for what it shows.
    """

    def __init__(self, frame: pd.DataFrame):
        ordered = frame if sorted_by_country_and_year(frame) else frame.sort_values(["iso3", "year"], kind="stable")
        # The rows' labels in the frame they were cut from: positions in the store's values (see Store.rows_at).
        self.source_labels = ordered.index.to_numpy()
        self.frame = ordered.reset_index(drop=True)
        self.years = self.frame["year"].to_numpy()
        # bisect on a list with bounds finds a span's years without slicing or numpy's per-call overhead.
        self.year_list = self.years.tolist()
        self.values = self.frame["value"].to_numpy()
        iso3 = self.frame["iso3"]
        # Integer category codes find the spans without turning ~5,000 codes a series into strings.
        codes = iso3.cat.codes.to_numpy() if isinstance(iso3.dtype, pd.CategoricalDtype) else iso3.to_numpy()
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.array([], dtype=int)
        stops = np.r_[starts[1:], len(codes)] if len(codes) else np.array([], dtype=int)
        names = iso3.to_numpy()[starts] if len(codes) else []
        self.spans = {str(name): (int(a), int(b)) for name, a, b in zip(names, starts, stops)}
        self._columns: dict[str, np.ndarray] = {}

    @cached_property
    def iso3_list(self) -> list[str]:
        """Each row's code as a str (a list slices faster than a numpy object array converts)."""
        return [str(code) for code in self.column("iso3")]

    def column(self, name: str) -> np.ndarray:
        """A column of the sorted rows as one numpy array (text as str objects), made once on first use."""
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = self.frame[name].to_numpy()
        return found

    def bounds(self, iso3: str, years: Years | None) -> tuple[int, int]:
        """(first, stop) positions of `iso3`'s rows within the inclusive `years`; first == stop when none."""
        span = self.spans.get(iso3)
        if span is None:
            return 0, 0
        low, high = span
        start, end = years if years is not None else (None, None)
        if start is not None:
            low = bisect.bisect_left(self.year_list, start, low, high)
        if end is not None:
            high = bisect.bisect_right(self.year_list, end, low, high)
        return low, max(low, high)

    def where(self, iso3s: Iterable[str] | None, years: Years | None, latest_only: bool = False
              ) -> slice | np.ndarray:
        """Positions of the rows `take` returns: a slice for one country (its rows are contiguous), else an array."""
        if iso3s is None and not latest_only and years is not None and len(self.spans) != 1:
            # Every country's rows within the years, in row order: one mask, not a search per country.
            start, end = years
            keep = np.ones(len(self.years), dtype=bool)
            if start is not None:
                keep &= self.years >= start
            if end is not None:
                keep &= self.years <= end
            return np.flatnonzero(keep).astype(np.intp)
        codes = list(self.spans if iso3s is None else iso3s)
        if len(codes) == 1:
            low, high = self.bounds(codes[0], years)
            return slice(max(low, high - 1) if latest_only else low, high)
        found: list[int] = []
        for iso3 in codes:
            low, high = self.bounds(iso3, years)
            if high > low:
                found.extend([high - 1] if latest_only else range(low, high))
        return np.asarray(found, dtype=np.intp)

    def take(self, iso3s: Iterable[str] | None, years: Years | None, latest_only: bool = False) -> pd.DataFrame:
        """Rows of `iso3s` (in that order; every country when None) within the inclusive `years` (None: open)."""
        if iso3s is None and years is None and not latest_only:
            return self.frame
        # One country's rows are contiguous: a slice costs a fraction of a positional take (most look-ups).
        return self.frame.iloc[self.where(iso3s, years, latest_only)]

    def years_of(self, iso3: str, years: Years | None) -> np.ndarray:
        """The years (ascending) in which `iso3` has a value within the inclusive `years`."""
        low, high = self.bounds(iso3, years)
        return self.years[low:high]


class IndicatorIndex(Mapping):
    """Indicator id -> its IndicatorRows, each built on its first look-up and then kept.

    Why lazy: indexing all ~130 series takes about 0.3 s of CPU, while the first page (the Overview's verdicts)
    looks up about 40 of them. Which ids have rows is known at once from one pass over the indicator column.
    Two sessions building the same series at once is harmless: both build the same rows, one is kept.
    """

    def __init__(self, values: pd.DataFrame):
        self._values = values
        codes, names = pd.factorize(values["indicator"], sort=False)
        # The store is sorted by indicator, so each series is one slice; any other order is grouped stably.
        in_order = bool(np.all(codes[1:] >= codes[:-1])) if len(codes) else True
        self._order = None if in_order else np.argsort(codes, kind="stable")
        ordered = codes if in_order else codes[self._order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else np.array([], int)
        stops = np.r_[starts[1:], len(ordered)]
        # Code -1 marks a missing indicator id: such rows belong to no series (as groupby drops them).
        self._spans = {str(names[ordered[a]]): (int(a), int(b)) for a, b in zip(starts, stops) if ordered[a] >= 0}
        self._built: dict[str, IndicatorRows] = {}

    def __getitem__(self, indicator: str) -> IndicatorRows:
        rows = self._built.get(indicator)
        if rows is None:
            start, stop = self._spans[indicator]
            positions = slice(start, stop) if self._order is None else self._order[start:stop]
            rows = self._built.setdefault(indicator, IndicatorRows(self._values.iloc[positions]))
        return rows

    def __contains__(self, indicator: object) -> bool:
        return indicator in self._spans

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)


@dataclass(frozen=True, eq=False)
class Found:
    """The answer to a look-up as positions in one indicator's sorted rows: the numbers as numpy arrays, and
    `frame()`, the very rows `Store.rows`/`Store.latest_rows` give, made only when asked for."""

    rows: IndicatorRows | None
    where: slice | np.ndarray
    empty_frame: pd.DataFrame | None = None

    def __len__(self) -> int:
        if self.rows is None:
            return 0
        if isinstance(self.where, slice):
            return len(range(*self.where.indices(len(self.rows.years))))
        return len(self.where)

    @property
    def empty(self) -> bool:
        return len(self) == 0

    def column(self, name: str) -> np.ndarray:
        """One column of the found rows (numpy; text columns as str objects)."""
        return np.array([], dtype=object) if self.rows is None else self.rows.column(name)[self.where]

    @property
    def values(self) -> np.ndarray:
        return np.array([], dtype=float) if self.rows is None else self.rows.values[self.where]

    @property
    def years(self) -> np.ndarray:
        return np.array([], dtype=np.int64) if self.rows is None else self.rows.years[self.where]

    @property
    def iso3s(self) -> list[str]:
        if self.rows is None:
            return []
        names = self.rows.iso3_list
        return names[self.where] if isinstance(self.where, slice) else [names[i] for i in self.where]

    @property
    def source_labels(self) -> np.ndarray:
        """The found rows' labels in the store's values (what `Store.rows_at` takes)."""
        return np.array([], dtype=np.intp) if self.rows is None else self.rows.source_labels[self.where]

    def subset(self, keep: np.ndarray) -> Found:
        """The found rows where boolean `keep` is true (positions kept in order)."""
        if self.rows is None:
            return self
        where = self.where
        positions = np.arange(where.start, where.stop, dtype=np.intp) if isinstance(where, slice) else where
        return Found(self.rows, positions[keep], self.empty_frame)

    def frame(self) -> pd.DataFrame:
        """The rows as a frame in the store's in-memory form: what `Store.rows`/`Store.latest_rows` give."""
        return self.empty_frame if self.rows is None else self.rows.frame.iloc[self.where]


@dataclass(frozen=True, eq=False)
class Store:
    """All values (tidy, src.schema columns), the country table, and the snapshot fingerprint they came from.

    `problems` lists sources that could not be parsed (only when built with strict=False); empty normally.
    Look-ups go through a per-indicator index built once, on first use, and held by this store (never shared).
    `rows`/`latest_rows` hand out the store's in-memory form (text columns as categoricals) for the claim checks;
    `series`/`latest` convert to the plain tidy dtypes for pages and charts.
    """

    values: pd.DataFrame
    countries: pd.DataFrame
    fingerprint: str
    problems: tuple[str, ...] = field(default=())

    @cached_property
    def _by_indicator(self) -> IndicatorIndex:
        return IndicatorIndex(self.values)

    @cached_property
    def _empty(self) -> pd.DataFrame:
        return self.values.iloc[0:0]

    @cached_property
    def _names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        if self.countries is not None and not self.countries.empty:
            names.update(zip(self.countries["iso3"].astype(str), self.countries["name"].astype(str)))
        # Names the publisher gave, for codes the country table lacks.
        firsts = self.values.drop_duplicates("iso3")
        for iso3, country in zip(firsts["iso3"].astype(str), firsts["country"].astype(str)):
            names.setdefault(iso3, country)
        return names

    @cached_property
    def aggregates(self) -> frozenset[str]:
        """Codes of published aggregates (regions, income groups, world), from the country table."""
        countries = self.countries
        if countries is None or countries.empty or "is_aggregate" not in countries:
            return frozenset()
        return frozenset(countries.loc[countries["is_aggregate"].fillna(False).astype(bool), "iso3"].astype(str))

    def has(self, indicator: str) -> bool:
        """True when the store holds any row of `indicator` (false for refresh-only series not yet downloaded)."""
        return indicator in self._by_indicator

    def name(self, iso3: str) -> str:
        """The display name of a code: the country table's, else the publisher's, else the code itself."""
        return self._names.get(iso3, iso3)

    def find(self, indicator: str, iso3s: Iterable[str] | None = None, years: Years | None = None,
             latest_only: bool = False) -> Found:
        """What `rows` (or, latest_only, `latest_rows`) would give, as positions: numbers without a frame."""
        index = self._by_indicator.get(indicator)
        if index is None:
            return Found(None, slice(0, 0), self._empty)
        return Found(index, index.where(iso3s, years, latest_only), self._empty)

    def rows_at(self, labels: np.ndarray) -> pd.DataFrame:
        """The store rows with these labels (`Found.source_labels`), in that order, in one take, index 0..n-1."""
        if self.labels_are_positions:
            return self.values.take(labels).reset_index(drop=True)
        return self.values.loc[labels].reset_index(drop=True)

    @cached_property
    def labels_are_positions(self) -> bool:
        """True when the values' labels are 0..n-1 (every built or loaded store), so `key_codes` line up."""
        index = self.values.index
        return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1

    @cached_property
    def key_codes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(iso3, indicator, year) of every row as integers (by label position), to find repeated rows fast."""
        def codes(column: pd.Series) -> np.ndarray:
            if isinstance(column.dtype, pd.CategoricalDtype):
                return column.cat.codes.to_numpy().astype(np.int64)
            return pd.factorize(column)[0].astype(np.int64)

        values = self.values
        return codes(values["iso3"]), codes(values["indicator"]), values["year"].to_numpy().astype(np.int64)

    def rows(self, indicator: str, iso3s: Iterable[str] | None = None, years: Years | None = None) -> pd.DataFrame:
        """Rows of one indicator in the store's in-memory form, countries in the order given, years ascending.

        Args:
            iso3s: the countries wanted (every country, sorted by code, when None).
            years: inclusive (first, last); either end may be None.
        """
        index = self._by_indicator.get(indicator)
        return self._empty if index is None else index.take(iso3s, years)

    def years_with_value(self, indicator: str, iso3: str, years: Years | None = None) -> np.ndarray:
        """The years (ascending) in which `iso3` has a value of `indicator` within the inclusive `years`."""
        index = self._by_indicator.get(indicator)
        return np.array([], dtype=np.int64) if index is None else index.years_of(iso3, years)

    def latest_rows(
        self, indicator: str, iso3s: Iterable[str] | None = None, years: Years | None = None
    ) -> pd.DataFrame:
        """One row per country (in-memory form, order given): its own latest value within `years`."""
        index = self._by_indicator.get(indicator)
        return self._empty if index is None else index.take(iso3s, years, latest_only=True)

    def series(
        self, indicator: str | Iterable[str], iso3: str | Iterable[str] | None = None, years: Years | None = None
    ) -> pd.DataFrame:
        """Tidy rows of one indicator (or several), optionally for some countries and an inclusive year range.

        Returns only published (or labelled computed) rows, sorted by indicator, iso3, year: gaps stay gaps.
        """
        iso3s = None if iso3 is None else sorted(set(as_list(iso3)))
        frames = [self.rows(i, iso3s, years) for i in sorted(set(as_list(indicator)))]
        return self._tidy(frames)

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
        iso3s = None if iso3 is None else sorted(set(as_list(iso3)))
        return self._tidy([self.latest_rows(indicator, iso3s, (min_year, max_year))])

    def _tidy(self, frames: list[pd.DataFrame]) -> pd.DataFrame:
        frames = [f for f in frames if len(f)]
        rows = pd.concat(frames, ignore_index=True) if frames else self._empty
        return plain_tidy(rows.reset_index(drop=True))

    def country_name(self, iso3: str) -> str:
        """The display name of a code (kept for callers of the older name; see `name`)."""
        return self.name(iso3)

    def countries_with_data(self) -> tuple[list[str], list[str]]:
        """(countries, published aggregates) with at least one value, each sorted by display name.

        Codes the country table does not know are left out (a picker could not name them).
        """
        known = set(self.countries["iso3"].astype(str)) if self.countries is not None else set()
        with_data = {str(c) for c in self.values["iso3"].unique()} & known
        places = sorted(with_data, key=lambda code: str(self.name(code)))
        aggregates = self.aggregates
        return [c for c in places if c not in aggregates], [c for c in places if c in aggregates]

    def indicators_with_data(self) -> frozenset[str]:
        """Ids of the indicators with at least one value."""
        return frozenset(self._by_indicator)

    def picker_options(self) -> dict:
        """What the app's pickers offer: names (code -> display name), countries and aggregates with data (by
        name), and the indicator ids with data."""
        countries, aggregates = self.countries_with_data()
        names = {str(c): str(n) for c, n in zip(self.countries["iso3"], self.countries["name"])}
        return {
            "names": names,
            "countries": countries,
            "aggregates": aggregates,
            "indicators": set(self.indicators_with_data()),
        }

    def year_bounds(self) -> tuple[int, int]:
        """First and last year with any value.

        Raises:
            ValueError: the store holds no values.
        """
        years = self.values["year"]
        if years.empty:
            raise ValueError("the data store holds no values (see the Sources page)")
        return int(years.min()), int(years.max())


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
    # Only the rows named by their code are looked up (a tenth of the store: mapping every row took longest).
    coded = np.flatnonzero((values["country"] == values["iso3"]).fillna(False).to_numpy(dtype=bool))
    names = values["iso3"].iloc[coded].map(countries.set_index("iso3")["name"])
    named = names.notna().to_numpy(dtype=bool)
    values = values.copy()
    values.iloc[coded[named], values.columns.get_loc("country")] = names[named].array
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


STORE_ORDER = ("indicator", "iso3", "year")


def compact_in_store_order(values: pd.DataFrame) -> pd.DataFrame:
    """`compact` of tidy `values` sorted as a stable sort by STORE_ORDER sorts them, index 0..n-1.

    Compacted first: the two text keys' categories then stand in sorted order, so their codes sort as their texts
    do, and one lexsort of the codes and a take of small integer codes per column do what a sort of the text
    columns and a take of every row's text did (a tenth of a build). Anything else (a missing key, categories out
    of order) is sorted as text, then compacted, as before.
    """
    compacted = compact(values)
    indicator, iso3, year = (compacted[column] for column in STORE_ORDER)
    keys = [column.cat for column in (indicator, iso3) if isinstance(column.dtype, pd.CategoricalDtype)]
    if (len(keys) == 2 and year.dtype.kind in "iu" and all(key.categories.is_monotonic_increasing for key in keys)
            and all(key.codes.to_numpy().min(initial=0) >= 0 for key in keys)):
        order = np.lexsort((year.to_numpy(), iso3.cat.codes.to_numpy(), indicator.cat.codes.to_numpy()))
        return compacted.take(order).reset_index(drop=True)
    return compact(values.sort_values(list(STORE_ORDER), kind="stable").reset_index(drop=True))


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
    values = compact_in_store_order(check_tidy(values, "store"))
    return Store(values, countries, snapshot_fingerprint(snapshot_dir), tuple(problems))


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
        md5 = read_sidecar(data_file)["outs"].get("md5")
    except (SnapshotError, AttributeError):
        return None
    return md5 if isinstance(md5, str) else None


def write_store(store: Store, processed_dir: Path = PROCESSED_DIR, snapshot_dir: Path = SNAPSHOT_DIR) -> Path:
    """Write store.parquet, countries.parquet and manifest.json (manifest last, so a crash leaves no false match).

    Writes nothing when the processed files already hold this build (same build key, readable, same rows and
    fingerprint): the files are tracked, and a rebuild with no change must not show up as one.
    """
    manifest = manifest_for(store, snapshot_dir)
    current = read_processed(processed_dir, manifest["build_key"]) if processed_dir.is_dir() else None
    if current is not None and (len(current.values), current.fingerprint) == (manifest["rows"], store.fingerprint):
        log.info("processed store in %s is already this build: nothing written", processed_dir)
        return processed_dir / MANIFEST_FILE_NAME
    processed_dir.mkdir(parents=True, exist_ok=True)
    manifest_text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
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
    """The processed store if its manifest is well formed, matches `build_key` and the files read cleanly, else None.

    Never raises for a damaged processed folder: whatever is wrong with it, the answer is "rebuild".
    """
    manifest, problem = read_manifest(processed_dir)
    if manifest is None:
        log.info("processed store unusable (%s): rebuilding", problem)
        return None
    if manifest["build_key"] != build_key:
        log.info("processed store is stale (built from other inputs): rebuilding")
        return None
    try:
        values = compact(pd.read_parquet(processed_dir / STORE_FILE.name))
        values = values.astype({c: d for c, d in TIDY_DTYPES.items() if c not in CATEGORY_COLUMNS})[list(TIDY_DTYPES)]
        countries = pd.read_parquet(processed_dir / COUNTRIES_FILE_NAME)
    # pyarrow raises its own errors for a damaged file; any of them means rebuild, never a traceback on a page.
    except Exception as exc:  # noqa: BLE001
        log.info("processed store unreadable (%s): rebuilding", str(exc)[:200])
        return None
    if len(values) != manifest["rows"]:
        log.info("processed store has %d rows, its manifest says %d: rebuilding", len(values), manifest["rows"])
        return None
    return Store(values, countries, manifest["fingerprint"])


def check_processed(
    processed_dir: Path = PROCESSED_DIR, snapshot_dir: Path = SNAPSHOT_DIR
) -> tuple[list[str], list[str]]:
    """(problems, notes) about the processed folder, for `python -m src.ingest.build --check`.

    A malformed manifest is a problem; a well-formed one built from other inputs is a note (the app rebuilds).
    """
    manifest, problem = read_manifest(processed_dir)
    if manifest is None:
        return [problem], []
    if manifest["build_key"] == build_inputs_digest(snapshot_dir):
        return [], []
    recorded = {f.relative_to(snapshot_dir).as_posix(): recorded_md5(f) for f in data_files(snapshot_dir)}
    differing = sorted(n for n in recorded.keys() | manifest["input_md5"].keys()
                       if recorded.get(n) != manifest["input_md5"].get(n))
    why = f"snapshot files {differing[:5]} differ" if differing else "the catalogue or the build code changed"
    return [], [f"{processed_dir / MANIFEST_FILE_NAME}: stale ({why}); run `python -m src.ingest.build`"]


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
