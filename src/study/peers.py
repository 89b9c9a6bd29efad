"""Peer groups: who the focus country is compared with (South Asia, lower-middle income, similar HDI, ...).

Groups are declared in data/catalogue/peer_groups.yaml; some are fixed lists, others are worked out from the data
(income group, HDI band), so `members()` needs the store and the focus country.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from src.paths import PEER_GROUPS_FILE
from src.study.yaml_io import parse_yaml

PEER_KINDS = ("list", "income_group", "hdi_band")
CUSTOM = "custom"


class PeerGroupError(ValueError):
    """peer_groups.yaml is malformed, or a group id is unknown. The message names the file and the group."""


@dataclass(frozen=True)
class PeerGroup:
    id: str
    label: str
    kind: str
    members: tuple[str, ...] = ()
    income_group: str = ""
    indicator: str = ""
    width: float = 0.0
    aggregate: str = ""
    source: str = ""


@dataclass(frozen=True)
class PublishedAggregate:
    iso3: str
    label: str


def _read(path: Path) -> dict:
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PeerGroupError(f"{path}: cannot be read as YAML ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("groups"), list):
        raise PeerGroupError(f"{path}: expected a mapping with a `groups` list")
    return document


def load_peer_groups(path: Path = PEER_GROUPS_FILE) -> dict[str, PeerGroup]:
    """Read and validate the peer groups.

    Raises:
        PeerGroupError: unreadable file, duplicate id, unknown kind, or a kind without its required field.
    """
    groups: dict[str, PeerGroup] = {}
    for position, entry in enumerate(_read(path)["groups"], start=1):
        if not isinstance(entry, dict) or not entry.get("id"):
            raise PeerGroupError(f"{path}: group #{position} has no id")
        label = repr(entry["id"])
        if entry["id"] in groups or entry["id"] == CUSTOM:
            raise PeerGroupError(f"{path}: group {label} is declared twice (or uses the reserved id 'custom')")
        kind = entry.get("kind")
        if kind not in PEER_KINDS:
            raise PeerGroupError(f"{path}: group {label} has kind={kind!r}; use one of {PEER_KINDS}")
        needs = {"list": "members", "income_group": "income_group", "hdi_band": "indicator"}[kind]
        if not entry.get(needs):
            raise PeerGroupError(f"{path}: group {label} of kind {kind!r} needs `{needs}`")
        groups[entry["id"]] = PeerGroup(
            id=entry["id"],
            label=str(entry.get("label") or entry["id"]),
            kind=kind,
            members=tuple(str(code).upper() for code in entry.get("members") or ()),
            income_group=str(entry.get("income_group") or ""),
            indicator=str(entry.get("indicator") or ""),
            width=float(entry.get("width") or 0.0),
            aggregate=str(entry.get("aggregate") or ""),
            source=str(entry.get("source") or ""),
        )
    return groups


def load_published_aggregates(path: Path = PEER_GROUPS_FILE) -> tuple[PublishedAggregate, ...]:
    """The publishers' own aggregates (SAS, LMC, WLD) to show as published beside the peers."""
    entries = _read(path).get("aggregates") or []
    return tuple(PublishedAggregate(iso3=str(e["iso3"]), label=str(e.get("label") or e["iso3"])) for e in entries)


def group_label(group_id: str, groups: dict[str, PeerGroup]) -> str:
    """The label users see for `group_id` ('Chosen countries' for a custom list, the id itself when unknown)."""
    if group_id == CUSTOM:
        return "Chosen countries"
    return groups[group_id].label if group_id in groups else group_id


def _countries(store) -> pd.DataFrame:
    countries = getattr(store, "countries", None)
    if countries is None or countries.empty:
        return pd.DataFrame(columns=["iso3", "income_group", "is_aggregate", "hdi_tier"])
    return countries


def _similar_hdi(group: PeerGroup, store, focus: str) -> list[str]:
    # The HDI rows' codes, years and values as arrays, in the store's order (a filter of the whole store's frame
    # copied every column of every HDI row).
    values = store.values
    rows = np.flatnonzero((values["indicator"] == group.indicator).to_numpy(dtype=bool, na_value=False))
    countries = _countries(store)
    aggregates = set()
    if "is_aggregate" in countries:
        aggregates = set(countries.loc[countries["is_aggregate"].fillna(False).astype(bool), "iso3"])
    iso3 = values["iso3"].take(rows).to_numpy()
    kept = np.array([code not in aggregates for code in iso3], dtype=bool)
    iso3, years = iso3[kept], values["year"].take(rows).to_numpy()[kept]
    hdi = values["value"].take(rows).to_numpy()[kept]
    own = iso3 == focus
    if own.any():
        year = int(years[own].max())
        focus_value = float(hdi[own & (years == year)][0])
        close = (years == year) & (np.abs(hdi - focus_value) <= group.width + 1e-9)
        return sorted({str(code) for code in iso3[close]})
    # No HDI value for the focus: fall back to the same UNDP HDI tier, when the metadata has one.
    if "hdi_tier" in countries:
        tier = countries.loc[countries["iso3"] == focus, "hdi_tier"]
        if not tier.empty and pd.notna(tier.iloc[0]) and str(tier.iloc[0]):
            same = countries[(countries["hdi_tier"] == tier.iloc[0]) & ~countries["iso3"].isin(aggregates)]
            return sorted(same["iso3"].astype(str))
    return []


def members(
    group_id: str, store, focus: str, custom: tuple[str, ...] | list[str] = (), *, groups: dict[str, PeerGroup]
) -> list[str]:
    """ISO3 codes in peer group `group_id` for focus country `focus` (the focus included when it belongs).

    Args:
        group_id: a group id from peer_groups.yaml, or 'custom' to use `custom`.
        store: anything with `values` (tidy DataFrame) and `countries` (country metadata).
        focus: ISO3 of the focus country (needed for the HDI band).
        custom: the user's own list when group_id is 'custom'.
        groups: the declared peer groups (load_peer_groups(), or Study.peer_groups).

    Raises:
        PeerGroupError: unknown group id.
    """
    if group_id == CUSTOM:
        return sorted({str(code).upper() for code in custom})
    if group_id not in groups:
        raise PeerGroupError(f"{PEER_GROUPS_FILE}: no peer group {group_id!r}; known: {sorted(groups) + [CUSTOM]}")
    group = groups[group_id]
    if group.kind == "list":
        return sorted(group.members)
    if group.kind == "income_group":
        countries = _countries(store)
        if "income_group" not in countries:
            return []
        # NA income groups count as other groups, as a frame filter on the comparison treats them.
        income = (countries["income_group"] == group.income_group).to_numpy(dtype=bool, na_value=False)
        chosen = income & ~countries["is_aggregate"].astype(bool).to_numpy()
        return sorted(countries["iso3"][chosen].astype(str))
    return _similar_hdi(group, store, focus)
