"""The declared catalogues: sources (data/catalogue/sources.yaml) and indicators (data/catalogue/indicators/*.yaml).

Researchers edit these files; this module validates them on load and names the file and entry at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from src.paths import INDICATOR_CATALOGUE_DIR, SOURCES_FILE
from src.study.yaml_io import parse_yaml

BETTER_VALUES = ("higher", "lower", "neutral")
REFRESH_METHODS = ("wb_api", "direct", "none")


class CatalogueError(ValueError):
    """A catalogue file is malformed. The message names the file and the entry."""


@dataclass(frozen=True)
class Source:
    id: str
    parser: str
    folder: str
    producer: str
    title: str
    edition: str
    last_updated: str
    licence: str
    licence_url: str
    redistribution: str
    url_main: str
    url_download: str
    citation: str
    notes: str
    refresh: dict
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    short_name: str
    unit: str
    source: str
    code: str
    concept: str
    better: str
    definition: str
    default: bool = False
    why_default: str = ""
    note: str = ""
    in_snapshot: bool = True
    scale: float = 1.0
    extra: dict = field(default_factory=dict)


def _read_yaml_list(path: Path) -> list[dict]:
    try:
        entries = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: cannot be read as YAML ({exc})") from exc
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CatalogueError(f"{path}: expected a list of entries (mappings)")
    return entries


def _require(entry: dict, keys: tuple[str, ...], path: Path, label: str) -> None:
    missing = [k for k in keys if entry.get(k) in (None, "")]
    if missing:
        raise CatalogueError(f"{path}: entry {label} lacks {missing}")


def load_sources(path: Path = SOURCES_FILE) -> dict[str, Source]:
    """Read and validate the source catalogue.

    Raises:
        CatalogueError: naming the file and the source id at fault.
    """
    sources: dict[str, Source] = {}
    required = ("id", "parser", "folder", "producer", "title", "licence", "citation", "url_main", "refresh")
    for position, entry in enumerate(_read_yaml_list(path), start=1):
        label = repr(entry.get("id", f"#{position}"))
        _require(entry, required, path, label)
        if entry["id"] in sources:
            raise CatalogueError(f"{path}: source id {label} appears twice")
        method = (entry.get("refresh") or {}).get("method")
        if method not in REFRESH_METHODS:
            raise CatalogueError(f"{path}: source {label} has refresh method {method!r}; use one of {REFRESH_METHODS}")
        if method == "none" and not entry["refresh"].get("reason"):
            raise CatalogueError(f"{path}: source {label} cannot be refreshed but gives no reason")
        sources[entry["id"]] = Source(
            id=entry["id"],
            parser=entry["parser"],
            folder=entry["folder"],
            producer=entry["producer"],
            title=entry["title"],
            edition=str(entry.get("edition", "")),
            last_updated=str(entry.get("last_updated", "")),
            licence=entry["licence"],
            licence_url=entry.get("licence_url", ""),
            redistribution=entry.get("redistribution", ""),
            url_main=entry["url_main"],
            url_download=entry.get("url_download", ""),
            citation=entry["citation"],
            notes=entry.get("notes", ""),
            refresh=dict(entry["refresh"]),
            hosts=tuple(entry.get("hosts") or ()),
        )
    return sources


def load_indicators(
    directory: Path = INDICATOR_CATALOGUE_DIR, sources: dict[str, Source] | None = None
) -> dict[str, Indicator]:
    """Read and validate every indicator file in `directory` (one YAML list per source).

    Raises:
        CatalogueError: unknown source, duplicate id, bad `better`, or a concept with no single default.
    """
    sources = load_sources() if sources is None else sources
    indicators: dict[str, Indicator] = {}
    where: dict[str, Path] = {}
    required = ("id", "name", "unit", "source", "code", "concept", "better", "definition")
    known_fields = set(Indicator.__dataclass_fields__) - {"extra"}
    for path in sorted(directory.glob("*.yaml")):
        for position, entry in enumerate(_read_yaml_list(path), start=1):
            label = repr(entry.get("id", f"#{position}"))
            _require(entry, required, path, label)
            if entry["id"] in indicators:
                raise CatalogueError(f"{path}: indicator id {label} is already declared in {where[entry['id']]}")
            if entry["source"] not in sources:
                raise CatalogueError(f"{path}: indicator {label} names unknown source {entry['source']!r}")
            if entry["better"] not in BETTER_VALUES:
                raise CatalogueError(f"{path}: indicator {label} has better={entry['better']!r}; use {BETTER_VALUES}")
            values = {k: v for k, v in entry.items() if k in known_fields}
            values.setdefault("short_name", entry["name"])
            values["code"] = str(values["code"])
            extra = {k: v for k, v in entry.items() if k not in known_fields}
            indicators[entry["id"]] = Indicator(**values, extra=extra)
            where[entry["id"]] = path
    by_concept: dict[str, list[Indicator]] = {}
    for indicator in indicators.values():
        by_concept.setdefault(indicator.concept, []).append(indicator)
    for concept, members in by_concept.items():
        defaults = [m.id for m in members if m.default]
        if len(members) > 1 and len(defaults) != 1:
            ids = [m.id for m in members]
            raise CatalogueError(
                f"{directory}: concept {concept!r} has {len(members)} indicators {ids} and "
                f"{len(defaults)} marked default: mark exactly one `default: true` and say why"
            )
    return indicators


def default_for_concept(concept: str, catalogue: dict[str, Indicator]) -> Indicator:
    """The indicator marked default for `concept` (the only one when a concept has one)."""
    members = [i for i in catalogue.values() if i.concept == concept]
    if not members:
        raise KeyError(f"no indicator for concept {concept!r}")
    return next((m for m in members if m.default), members[0])
