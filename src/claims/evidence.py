"""What a rule's check may look at and what it hands back, and the evidence queries checks share.

Checks read values only through the store's own look-ups (`Store.find`, `Store.rows`, `Store.latest_rows`,
`Store.years_with_value`, `Store.has`, `Store.name`, `Store.aggregates`); they decide on `Store.find`'s numpy
arrays and hand back evidence as `Evidence`, rows named and made a frame only when read. This module adds what
rules need on top: the window a test uses, which series of a slot to use, peers' latest values without
aggregates, evidence rows tagged with their role.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from src.claims.prose import (
    REFRESH_COMMAND,
    capitalised,
    format_value,
    indicator_phrase,
    named_series,
    unit_of,
    year_span,
)
from src.schema import TIDY_COLUMNS
from src.study.rule_specs import MIN_PEERS_FLOOR, slot_ids

TIDY_COLUMNS_LIST = list(TIDY_COLUMNS)
EVIDENCE_COLUMNS = [*TIDY_COLUMNS, "role"]
NO_EVIDENCE = pd.DataFrame(columns=EVIDENCE_COLUMNS)
EVIDENCE_INDEX = pd.Index(EVIDENCE_COLUMNS)  # shared by the frames rows_with_role makes (an Index never changes)
ROLE_DTYPE = pd.Series(["focus"]).dtype  # what setting a column to role names gives


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule may look at, fixed by the user's settings.

    store: a src.ingest.store.Store (its look-ups are the only way checks read values). catalogue: indicator
    id -> Indicator. peers never includes the focus; benchmarks maps benchmark id -> object with low, high,
    label, unit, source (and threshold, the value the user chose, or None); proxies maps indicator id -> label
    naming it a proxy.
    """

    store: object
    catalogue: Mapping
    focus: str
    peers: tuple[str, ...]
    peer_label: str
    window: tuple[int, int]
    benchmarks: Mapping = field(default_factory=dict)
    events: pd.DataFrame | None = None
    proxies: Mapping[str, str] = field(default_factory=dict)
    tolerances: Mapping = field(default_factory=dict)
    skip_series: tuple[str, ...] = ()

    @property
    def focus_name(self) -> str:
        return self.store.name(self.focus)

    @property
    def peer_countries(self) -> list[str]:
        """The peers that are countries (published aggregates never count as peers), focus excluded."""
        return [p for p in self.peers if p != self.focus and p not in self.store.aggregates]


@dataclass(frozen=True, eq=False)
class Tagged:
    """A store look-up's rows (`Store.find`) as evidence of one role (focus, peer, aggregate), not yet copied."""

    store: object
    found: object
    role: str


class Evidence:
    """Evidence rows named, made a frame on first use: most verdicts of a new comparison are never opened, and
    copying rows into frames was most of an evaluation's cost.

    build: makes the frame the rows stand for. tagged: the same rows as store look-ups, in order, when they are
    only store rows (lets a verdict take all its parts' rows in one go); None otherwise.
    """

    def __init__(self, build: Callable[[], pd.DataFrame], tagged: tuple[Tagged, ...] | None = None):
        self._build = build
        self.tagged = tagged

    @cached_property
    def frame(self) -> pd.DataFrame:
        return self._build()

    def __repr__(self) -> str:
        built = "frame" in self.__dict__
        return f"Evidence({len(self.frame)} rows)" if built else "Evidence(not made yet)"


def frame_of(evidence: pd.DataFrame | Evidence) -> pd.DataFrame:
    return evidence.frame if isinstance(evidence, Evidence) else evidence


def tagged(store, found, role: str) -> Evidence:
    """`with_role(found rows, role)`, made when first read."""
    return Evidence(lambda: with_role(found.frame(), role), (Tagged(store, found, role),))


def stacked(*parts: Evidence) -> Evidence:
    """`evidence_of(*parts' frames)`, made when first read: when every part is one store's rows, in one take from
    the store (a part's own frame is never made: building and stacking them was most of the cost)."""
    tags = None if any(p.tagged is None for p in parts) else tuple(t for p in parts for t in p.tagged)

    def build() -> pd.DataFrame:
        rows = None if tags is None else rows_in_one_take(tags)
        return evidence_of(*[p.frame for p in parts]) if rows is None else rows

    return Evidence(build, tags)


def no_evidence() -> Evidence:
    return Evidence(evidence_of, ())


@dataclass(frozen=True)
class RuleResult:
    """One test's outcome. holds: True/False, or None when it could not be decided: data missing (then
    `missing` says what) or, with `too_close`, the difference within the declared tolerance. `proxies`: the proxy
    series the check rested on (the evaluation then shows it as context and counts the part as unchecked).
    `key_fact`: the key number with unit and year ('14.5% of government spending (2023)'). `evidence_rows`: the
    rows as the check gave them (a frame, or `Evidence` made on first read); read them as `.evidence`."""

    rule: str
    holds: bool | None
    sentence: str
    evidence_rows: pd.DataFrame | Evidence
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    params: Mapping = field(default_factory=dict)
    context: bool = False
    too_close: bool = False
    proxies: tuple[str, ...] = ()
    key_fact: str = ""

    @property
    def evidence(self) -> pd.DataFrame:
        """The rows the check used (tidy columns plus `role`), made on first read and kept."""
        return frame_of(self.evidence_rows)

    @property
    def outcome(self) -> str:
        """holds, fails, too_close or unchecked (src/claims/verdicts.py PART_STYLES)."""
        if self.too_close:
            return "too_close"
        if self.holds is None:
            return "unchecked"
        return "holds" if self.holds else "fails"


def with_role(rows: pd.DataFrame, role: str) -> pd.DataFrame:
    """The rows as evidence: the tidy columns plus `role` (focus, peer, aggregate)."""
    if list(rows.columns) == TIDY_COLUMNS_LIST:
        # rows.assign(role=role), from copies of the arrays (assign's column insert was most of its cost)
        every_row = np.arange(len(rows))
        return rows_with_role(rows, every_row, np.full(len(rows), role, dtype=object), index=rows.index)
    rows = rows.copy()
    rows["role"] = role
    return rows.reindex(columns=EVIDENCE_COLUMNS)


def evidence_of(*frames: pd.DataFrame) -> pd.DataFrame:
    """The frames' rows one after another, as evidence columns (empty frames left out)."""
    frames = [f for f in frames if f is not None and not f.empty]
    if not frames:
        return NO_EVIDENCE.copy()  # a copy of an empty frame costs a small part of building one
    stacked = stacked_columns(frames)
    if stacked is not None:
        return stacked
    return pd.concat(frames, ignore_index=True).reindex(columns=EVIDENCE_COLUMNS)


def stacked_columns(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    """What pd.concat(frames, ignore_index=True) gives, built column by column, when every frame has the evidence
    columns with the very same dtypes (store rows always do); None otherwise.

    pd.concat re-hashes each categorical's few thousand categories to learn that they match, which made it
    the costliest step of an evaluation; frames cut from one store share the dtype object itself.
    """
    first = frames[0]
    if list(first.columns) != EVIDENCE_COLUMNS:
        return None
    columns = {}
    for position, name in enumerate(EVIDENCE_COLUMNS):
        # The column's own array, without building a Series per frame and column (most of the cost otherwise).
        parts = [f._get_column_array(position) for f in frames]
        dtype = parts[0].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            if any(p.dtype is not dtype for p in parts):
                return None
            columns[name] = pd.Categorical.from_codes(np.concatenate([p.codes for p in parts]), dtype=dtype)
        elif all(isinstance(p, np.ndarray) and p.dtype == dtype for p in parts):
            columns[name] = np.concatenate(parts)
        elif all(type(p) is type(parts[0]) and p.dtype == dtype for p in parts):
            # ExtensionArray's own concatenation (string, nullable, ...), as pd.concat uses.
            columns[name] = type(parts[0])._concat_same_type(parts)
        else:
            return None
    return pd.DataFrame(columns, columns=EVIDENCE_COLUMNS)


def missing_result(key: str, params: Mapping, what: str, notes=(), evidence=None) -> RuleResult:
    return RuleResult(
        rule=key,
        holds=None,
        sentence=f"Could not be checked: {what}.",
        evidence_rows=evidence if evidence is not None else no_evidence(),
        missing=(what,),
        notes=tuple(notes),
        params=dict(params),
    )


def countries_found(store, found):
    """The look-up's positions without published aggregates (regions, income groups, world), so they never
    count as peers; the same `found` when there is nothing to drop."""
    iso3s = found.iso3s
    if store.aggregates.isdisjoint(iso3s):
        return found
    return found.subset(np.array([c not in store.aggregates for c in iso3s], dtype=bool))


def unit_found(indicator_id: str, catalogue: Mapping, found) -> str:
    """`unit_of` for a look-up's positions: the first row's unit, else the catalogue's."""
    if len(found):
        return str(found.column("unit")[0])
    return unit_of(indicator_id, catalogue)


def rule_years(params: Mapping, ctx: RuleContext) -> tuple[int, int]:
    """The settings' window, or its last `recent_years` years when the test asks for recent data only."""
    start, end = ctx.window
    recent = params.get("recent_years")
    if recent:
        start = max(start, end - int(recent) + 1)
    return start, end


def enough_peers(params: Mapping, wanted: int = 0) -> int:
    """Peers needed for a fair median: `min_peers`, never fewer than three (a smaller group cannot give one)."""
    return max(MIN_PEERS_FLOOR, int(params.get("min_peers") or MIN_PEERS_FLOOR))


def tolerance_for(indicator_id: str, params: Mapping, ctx: RuleContext, iso3: str, year: int, unit: str
                  ) -> tuple[float, str]:
    """How far apart two values must be to count as different: (amount, how it was set; '' when zero).

    The test's own `tolerance` wins; else the indicator's declared tolerance (claims.yaml `tolerances`), which
    uses the publisher's standard error for that country and year where it declares one.
    """
    if params.get("tolerance") is not None:
        amount = float(params["tolerance"])
        return amount, f"the test's declared tolerance of {format_value(amount, unit)}"
    declared = ctx.tolerances.get(indicator_id)
    if declared is None:
        return 0.0, ""
    if declared.standard_error:
        rows = ctx.store.find(declared.standard_error, [iso3], (int(year), int(year)))
        if len(rows):
            error = float(rows.values[0])
            return declared.z * error, (
                f"{declared.z:g} x the publisher's standard error of {error:.3f} ({declared.standard_error}, "
                f"{year})"
            )
    if declared.lower and declared.upper:
        bounds = [ctx.store.find(i, [iso3], (int(year), int(year))) for i in (declared.lower, declared.upper)]
        own = ctx.store.find(indicator_id, [iso3], (int(year), int(year)))
        if len(own) and all(len(b) for b in bounds):
            value, low, high = (float(f.values[0]) for f in (own, *bounds))
            return max(value - low, high - value), (
                f"the publisher's own interval of {low:.1f} to {high:.1f} ({declared.lower}, {declared.upper}, {year})"
            )
    if declared.absolute:
        return declared.absolute, f"the declared tolerance of {format_value(declared.absolute, unit)}"
    return 0.0, ""


def judge(value: float, reference: float, direction: str, tolerance: float) -> tuple[bool | None, bool]:
    """(holds, too close): a difference of at most `tolerance` is too close to call (holds None)."""
    if tolerance > 0 and abs(value - reference) <= tolerance:
        return None, True
    return bool(value > reference if direction == "above" else value < reference), False


def resolve_slot(slot, ctx: RuleContext, years: tuple[int, int]) -> tuple[str | None, tuple[str, ...], str]:
    """Pick the series to use for one indicator slot: one id, or [preferred, fallback, ...]; the first series with
    a value for the focus in `years` wins.

    Returns:
        (indicator id or None, notes for the reader, what is missing ('' when found)).
        Notes say when a preferred series is absent because only the refresh brings it, and when the series
        used is a proxy for another concept.
    """
    catalogue = ctx.catalogue
    skipped: list[str] = []
    refresh_only: list[str] = []
    for indicator_id in slot_ids(slot):
        if indicator_id in ctx.skip_series:
            skipped.append(indicator_id)
            continue
        if len(ctx.store.find(indicator_id, [ctx.focus], years)):
            notes = []
            if skipped:
                why = (
                    f"is not in the shipped snapshot (run `{REFRESH_COMMAND}` to download it)"
                    if skipped == refresh_only
                    else f"has no value for {ctx.focus_name} in {year_span(years)}"
                )
                notes.append(f"The preferred series {named_series(skipped, catalogue)} {why}; using "
                             f"{named_series([indicator_id], catalogue)} instead.")
            if indicator_id in ctx.proxies:
                label = indicator_phrase(indicator_id, catalogue)
                notes.append(f"{capitalised(label)} is a {ctx.proxies[indicator_id]}.")
            return indicator_id, tuple(notes), ""
        entry = catalogue.get(indicator_id)
        if entry is not None and not getattr(entry, "in_snapshot", True) and not ctx.store.has(indicator_id):
            refresh_only.append(indicator_id)
        skipped.append(indicator_id)
    notes = ()
    if refresh_only:
        notes = (f"The series {named_series(refresh_only, catalogue)} is not in the shipped snapshot; run "
                 f"`{REFRESH_COMMAND}` to download it.",)
    return None, notes, f"no value of {named_series(skipped, catalogue)} for {ctx.focus_name} in {year_span(years)}"


def latest_common_year(ctx: RuleContext, iso3: str, years, indicator_ids) -> tuple[int, list] | None:
    """Latest year in `years` where `iso3` has every series: (year, one look-up (`Store.find`) per series
    holding that year's row), else None."""
    common = None
    for indicator_id in indicator_ids:
        # Years only (numpy), so a country without a common year costs no frame at all.
        found = ctx.store.years_with_value(indicator_id, iso3, years)
        common = found if common is None else np.intersect1d(common, found)
        if not len(common):
            return None
    year = int(common.max())
    used = [ctx.store.find(i, [iso3], (year, year)) for i in indicator_ids]
    return year, used


# The columns a verdict's evidence keeps one row per (its parts may show the same row twice).
VERDICT_KEY = ["iso3", "indicator", "year", "role"]


def verdict_evidence(parts: list[pd.DataFrame | Evidence]) -> pd.DataFrame:
    """The parts' evidence one after another, the first of rows alike in iso3, indicator, year and role kept,
    index 0..n-1. When every part is store rows, they are taken from the store in one go (no frame per part)."""
    tags = None
    if all(isinstance(p, Evidence) and p.tagged is not None for p in parts):
        tags = [t for p in parts for t in p.tagged]
    rows = None if tags is None else rows_in_one_take(tags, first_of_each_key=True)
    if rows is None:
        stacked_rows = evidence_of(*[frame_of(p) for p in parts])
        return stacked_rows.drop_duplicates(VERDICT_KEY).reset_index(drop=True)
    return rows


def rows_in_one_take(tags, first_of_each_key: bool = False) -> pd.DataFrame | None:
    """What `evidence_of` gives for the tagged look-ups' frames (`with_role(found.frame(), role)` each), taken from
    the store in one go; with `first_of_each_key`, only the first of rows alike in VERDICT_KEY (what
    drop_duplicates keeps), index 0..n-1. None when the rows are not all from one store whose labels are
    positions and whose columns are the tidy ones (then stack the frames)."""
    tags = [t for t in tags if len(t.found)]
    if not tags:
        return NO_EVIDENCE.copy()  # as evidence_of: no rows at all
    store = tags[0].store
    if (any(t.store is not store for t in tags) or not store.labels_are_positions
            or list(store.values.columns) != TIDY_COLUMNS_LIST):
        return None
    labels = np.concatenate([t.found.source_labels for t in tags]).astype(np.intp)
    role_names = list(dict.fromkeys(t.role for t in tags))
    role_codes = np.concatenate([np.full(len(t.found), role_names.index(t.role), dtype=np.int64) for t in tags])
    if first_of_each_key:
        iso3, indicator, year = (codes[labels] for codes in store.key_codes)
        keys = np.stack([iso3, indicator, year, role_codes], axis=1)
        # First occurrences, in their order: what drop_duplicates(keep="first") keeps.
        first = np.sort(np.unique(keys, axis=0, return_index=True)[1])
        labels, role_codes = labels[first], role_codes[first]
    return rows_with_role(store.values, labels, np.array(role_names, dtype=object)[role_codes])


def rows_with_role(values: pd.DataFrame, positions: np.ndarray, roles: np.ndarray,
                   index: pd.Index | None = None) -> pd.DataFrame:
    """`values.take(positions).reset_index(drop=True)` with a `role` column set to `roles` (what `Store.rows_at`
    then `rows["role"] = roles` give) for rows with the tidy columns, built from the taken arrays: the frame
    take checks each categorical's fill value, inserting a column rebuilds the column index and a frame from a
    dict checks every column again, most of a verdict's evidence cost. `index`: the rows' labels (0..n-1 when
    None)."""
    arrays = []
    for position in range(len(values.columns)):
        array = values._get_column_array(position)
        if isinstance(array, pd.Categorical):
            arrays.append(pd.Categorical.from_codes(array.codes[positions], dtype=array.dtype, validate=False))
        elif isinstance(array, np.ndarray):
            arrays.append(array[positions])
        else:
            arrays.append(array.take(positions))
    arrays.append(pd.array(roles, dtype=ROLE_DTYPE))
    return pd.DataFrame._from_arrays(arrays, columns=EVIDENCE_INDEX,
                                     index=pd.RangeIndex(len(positions)) if index is None else index,
                                     verify_integrity=False)
