"""What a rule's check may look at and what it hands back, and the evidence queries checks share.

Checks read values only through the store's own look-ups (`Store.rows`, `Store.latest_rows`,
`Store.years_with_value`, `Store.has`, `Store.name`, `Store.aggregates`); this module adds what rules need on top: the window a test uses, which series
of a slot to use, peers' latest values without aggregates, evidence rows tagged with their role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from src.claims.prose import REFRESH_COMMAND, capitalised, format_value, indicator_phrase, named_series, year_span
from src.schema import TIDY_COLUMNS
from src.study.rule_specs import MIN_PEERS_FLOOR, slot_ids

TIDY_COLUMNS_LIST = list(TIDY_COLUMNS)
EVIDENCE_COLUMNS = [*TIDY_COLUMNS, "role"]
NO_EVIDENCE = pd.DataFrame(columns=EVIDENCE_COLUMNS)


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


@dataclass(frozen=True)
class RuleResult:
    """One test's outcome. holds: True/False, or None when it could not be decided: data missing (then
    `missing` says what) or, with `too_close`, the difference within the declared tolerance. `proxies`: the proxy
    series the check rested on (the evaluation then shows it as context and counts the part as unchecked).
    `key_fact`: the key number with unit and year ('14.5% of government spending (2023)')."""

    rule: str
    holds: bool | None
    sentence: str
    evidence: pd.DataFrame
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    params: Mapping = field(default_factory=dict)
    context: bool = False
    too_close: bool = False
    proxies: tuple[str, ...] = ()
    key_fact: str = ""

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
        return rows.assign(role=role)  # one copy, where reindexing and setting would make two
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
        evidence=evidence if evidence is not None else evidence_of(),
        missing=(what,),
        notes=tuple(notes),
        params=dict(params),
    )


def countries_only(store, rows: pd.DataFrame) -> pd.DataFrame:
    """Drop published aggregates (regions, income groups, world) so they never count as peers."""
    if store.aggregates.isdisjoint(rows["iso3"].tolist()):
        return rows  # nothing to drop (peer lists already leave aggregates out): no mask, no copy
    return rows[~rows["iso3"].isin(store.aggregates)]


def rule_years(params: Mapping, ctx: RuleContext) -> tuple[int, int]:
    """The settings' window, or its last `recent_years` years when the test asks for recent data only."""
    start, end = ctx.window
    recent = params.get("recent_years")
    if recent:
        start = max(start, end - int(recent) + 1)
    return start, end


def peers_latest(indicator_id: str, ctx: RuleContext, years: tuple[int, int]) -> pd.DataFrame:
    """Each peer country's own latest value of `indicator_id` within `years` (aggregates left out)."""
    peers = [p for p in ctx.peers if p != ctx.focus]
    return countries_only(ctx.store, ctx.store.latest_rows(indicator_id, peers, years))


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
        rows = ctx.store.rows(declared.standard_error, [iso3], (int(year), int(year)))
        if not rows.empty:
            error = float(rows["value"].iloc[0])
            return declared.z * error, (
                f"{declared.z:g} x the publisher's standard error of {error:.3f} ({declared.standard_error}, "
                f"{year})"
            )
    if declared.lower and declared.upper:
        bounds = [ctx.store.rows(i, [iso3], (int(year), int(year))) for i in (declared.lower, declared.upper)]
        own = ctx.store.rows(indicator_id, [iso3], (int(year), int(year)))
        if not own.empty and all(not b.empty for b in bounds):
            value, low, high = (float(f["value"].iloc[0]) for f in (own, *bounds))
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
        if not ctx.store.rows(indicator_id, [ctx.focus], years).empty:
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


def latest_common_year(ctx: RuleContext, iso3: str, years, indicator_ids) -> tuple[int, list[pd.DataFrame]] | None:
    """Latest year in `years` where `iso3` has every series: (year, one row per series that year), else None."""
    common = None
    for indicator_id in indicator_ids:
        # Years only (numpy), so a country without a common year costs no frame at all.
        found = ctx.store.years_with_value(indicator_id, iso3, years)
        common = found if common is None else np.intersect1d(common, found)
        if not len(common):
            return None
    year = int(common.max())
    used = [ctx.store.rows(i, [iso3], (year, year)) for i in indicator_ids]
    return year, used
