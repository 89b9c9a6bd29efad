"""Everything the study declares, loaded together as one frozen value.

Core code takes a `Study` (or the piece it needs) as an argument and keeps no copy of its own; the app caches
one `Study` keyed on `content_key(declared_files())`, so an edit to any declared file shows on the next rerun.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from src.paths import (
    BENCHMARKS_FILE,
    CODEBOOK_DIR,
    DATA_DIR,
    EVENTS_FILE,
    INDICATOR_CATALOGUE_DIR,
    PEER_GROUPS_FILE,
    SOURCES_FILE,
    STUDY_FILE,
)
from src.study.catalogue import CatalogueError, Indicator, Source, load_indicators, load_sources
from src.study.codebook import CLAIMS_FILE, CODES_FILE, THEMES_FILE, Codebook, load_codebook
from src.study.defaults import StudyDefaults, StudyDefaultsError, load_study_defaults
from src.study.events import load_events
from src.study.peers import PeerGroup, PeerGroupError, PublishedAggregate, load_peer_groups, load_published_aggregates


@dataclass(frozen=True, eq=False)
class Study:
    """The declared study: catalogues, codebook, peers, events and defaults. Treat every piece as read-only."""

    sources: dict[str, Source]
    indicators: dict[str, Indicator]
    codebook: Codebook
    peer_groups: dict[str, PeerGroup]
    published_aggregates: tuple[PublishedAggregate, ...]
    events: pd.DataFrame
    defaults: StudyDefaults


def _in(data_dir: Path, shipped: Path) -> Path:
    """Where the shipped file `shipped` sits under another data folder (a copy in a test, say)."""
    return data_dir / shipped.relative_to(DATA_DIR)


def catalogue_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The source and indicator catalogue files (what the store is built with), indicator files sorted by name."""
    return [_in(data_dir, SOURCES_FILE), *sorted(_in(data_dir, INDICATOR_CATALOGUE_DIR).glob("*.yaml"))]


def declared_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Every file `load_study(data_dir)` reads, in a stable order."""
    return [
        *catalogue_files(data_dir),
        _in(data_dir, THEMES_FILE),
        _in(data_dir, CODES_FILE),
        _in(data_dir, CLAIMS_FILE),
        _in(data_dir, BENCHMARKS_FILE),
        _in(data_dir, PEER_GROUPS_FILE),
        _in(data_dir, EVENTS_FILE),
        _in(data_dir, STUDY_FILE),
    ]


def content_key(paths: Iterable[Path]) -> str:
    """md5 over the files' names and bytes: changes when any file is edited, added, renamed or removed."""
    return content_keys(paths)[0]


def content_keys(*path_lists: Iterable[Path]) -> tuple[str, ...]:
    """`content_key` of each list, a file named in several lists read once (the app keys every rerun on the
    catalogue files and on every declared file, the catalogue's among them)."""
    read: dict[Path, bytes | None] = {}
    keys = []
    for paths in path_lists:
        digest = hashlib.md5()
        for path in paths:
            digest.update(str(path).encode("utf-8") + b"\0")
            if path not in read:
                try:
                    read[path] = path.read_bytes()
                except OSError:
                    read[path] = None
            digest.update(b"<missing>" if read[path] is None else read[path])
            digest.update(b"\0")
        keys.append(digest.hexdigest())
    return tuple(keys)


def _check_peer_groups(groups: dict[str, PeerGroup], indicators: dict[str, Indicator], path: Path) -> None:
    for group in groups.values():
        if group.indicator and group.indicator not in indicators:
            raise PeerGroupError(f"{path}: group {group.id!r} names unknown indicator {group.indicator!r}")


def load_study(data_dir: Path = DATA_DIR) -> Study:
    """Read and cross-check every declared file under `data_dir` (laid out like data/).

    Raises:
        CatalogueError, CodebookError, PeerGroupError, EventsError, StudyDefaultsError: naming the file and entry.
    """
    sources = load_sources(_in(data_dir, SOURCES_FILE))
    indicators = load_indicators(_in(data_dir, INDICATOR_CATALOGUE_DIR), sources=sources)
    if not indicators:
        raise CatalogueError(f"{_in(data_dir, INDICATOR_CATALOGUE_DIR)}: declares no indicator (*.yaml files)")
    codebook = load_codebook(_in(data_dir, CODEBOOK_DIR), _in(data_dir, BENCHMARKS_FILE), catalogue=indicators)
    peers_file = _in(data_dir, PEER_GROUPS_FILE)
    peer_groups = load_peer_groups(peers_file)
    _check_peer_groups(peer_groups, indicators, peers_file)
    defaults = load_study_defaults(_in(data_dir, STUDY_FILE))
    if defaults.peer_group not in peer_groups:
        raise StudyDefaultsError(
            f"{_in(data_dir, STUDY_FILE)}: defaults entry 'peer_group' is {defaults.peer_group!r}, "
            f"not a group of {peers_file.name}; known: {sorted(peer_groups)}"
        )
    return Study(
        sources=sources,
        indicators=indicators,
        codebook=codebook,
        peer_groups=peer_groups,
        published_aggregates=load_published_aggregates(peers_file),
        events=load_events(_in(data_dir, EVENTS_FILE)),
        defaults=defaults,
    )
