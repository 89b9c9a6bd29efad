"""The study's title, its default settings and its URL vocabulary, declared once in data/study.yaml.

Pages, the deck and the verdicts read these values instead of writing "PAK" or "focus" themselves, so renaming
a parameter or moving the default window is one edit in one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from src.paths import STUDY_FILE
from src.study.yaml_io import parse_yaml


class StudyDefaultsError(ValueError):
    """study.yaml is malformed. The message names the file and the entry."""


@dataclass(frozen=True)
class StudyParams:
    """URL query parameter names, one attribute per setting (benchmark_prefix + benchmark id for benchmarks)."""

    focus: str
    peers: str
    custom: str
    theme: str
    claim: str
    indicator: str
    indicator2: str
    countries: str
    start: str
    end: str
    benchmark_prefix: str
    slide: str
    deck: str
    guess: str
    data_version: str
    verdicts: str


@dataclass(frozen=True)
class StudyDefaults:
    title: str
    deck_title: str
    focus: str
    peer_group: str
    window: tuple[int, int]
    chart_start: int
    params: StudyParams


def _read(path: Path) -> dict:
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise StudyDefaultsError(f"{path}: cannot be read as YAML ({exc})") from exc
    if not isinstance(document, dict):
        raise StudyDefaultsError(f"{path}: expected a mapping with title, deck_title, defaults and params")
    return document


def _text(section: dict, key: str, path: Path, where: str) -> str:
    value = section.get(key)
    if not isinstance(value, str) or not value.strip():
        raise StudyDefaultsError(f"{path}: {where}{key!r} must be non-empty text, got {value!r}")
    return value.strip()


def _year(value, path: Path, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StudyDefaultsError(f"{path}: {where} must be a year such as 2015, got {value!r}")
    return value


def _mapping(document: dict, key: str, path: Path) -> dict:
    section = document.get(key)
    if not isinstance(section, dict):
        raise StudyDefaultsError(f"{path}: entry {key!r} must be a mapping")
    return section


def _params(section: dict, path: Path) -> StudyParams:
    names = [f.name for f in fields(StudyParams)]
    unknown = sorted(set(section) - set(names))
    missing = [name for name in names if name not in section]
    if unknown or missing:
        raise StudyDefaultsError(f"{path}: params has unknown {unknown} and lacks {missing}; expected {names}")
    values = {name: _text(section, name, path, "params entry ") for name in names}
    for name, value in values.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise StudyDefaultsError(f"{path}: params entry {name!r} is {value!r}; use lower-case letters, digits, _")
    seen: dict[str, str] = {}
    for name, value in values.items():
        if value in seen:
            raise StudyDefaultsError(f"{path}: params entries {seen[value]!r} and {name!r} both use {value!r}")
        seen[value] = name
    return StudyParams(**values)


def load_study_defaults(path: Path = STUDY_FILE) -> StudyDefaults:
    """Read and validate data/study.yaml.

    Raises:
        StudyDefaultsError: naming the file and the entry at fault (missing field, bad year, window out of order,
            unknown or duplicated parameter name).
    """
    document = _read(path)
    defaults = _mapping(document, "defaults", path)
    focus = _text(defaults, "focus", path, "defaults entry ")
    if not re.fullmatch(r"[A-Za-z]{3}", focus):
        raise StudyDefaultsError(f"{path}: defaults entry 'focus' is {focus!r}; write an ISO3 code such as PAK")
    window = defaults.get("window")
    if not isinstance(window, list) or len(window) != 2:
        raise StudyDefaultsError(f"{path}: defaults entry 'window' must be [first year, last year], got {window!r}")
    first, last = (_year(year, path, "defaults entry 'window'") for year in window)
    if first > last:
        raise StudyDefaultsError(f"{path}: defaults entry 'window' ends ({last}) before it starts ({first})")
    return StudyDefaults(
        title=_text(document, "title", path, "entry "),
        deck_title=_text(document, "deck_title", path, "entry "),
        focus=focus.upper(),
        peer_group=_text(defaults, "peer_group", path, "defaults entry "),
        window=(first, last),
        chart_start=_year(defaults.get("chart_start"), path, "defaults entry 'chart_start'"),
        params=_params(_mapping(document, "params", path), path),
    )
