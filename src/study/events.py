"""Dated events to mark on time charts and to count years with (military rule, floods, IMF programmes, policies).

They live in data/catalogue/events.csv so a researcher can add or correct one without touching code; every row
must cite its source. This module validates the file and names the line at fault.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from src.paths import EVENTS_FILE

EVENT_COLUMNS = ("start_year", "end_year", "label", "kind", "countries", "source")


class EventsError(ValueError):
    """events.csv is malformed. The message names the file and the line."""


def _year(text: str, path: Path, line: int, column: str, *, required: bool) -> int | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise EventsError(f"{path}: line {line} has no {column}")
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise EventsError(f"{path}: line {line} has {column}={text!r}; write a year such as 1958") from exc


def load_events(path: Path = EVENTS_FILE) -> pd.DataFrame:
    """Read and validate the events table.

    Returns:
        One row per event: start_year (int), end_year (Int64, <NA> while still running), label, kind,
        countries (ISO3 codes separated by single spaces, e.g. "PAK IND"), source.

    Raises:
        EventsError: unreadable file, missing column, bad year, end before start, or no source.
    """
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in EVENT_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise EventsError(f"{path}: lacks columns {missing} (expected {list(EVENT_COLUMNS)})")
            raw_rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EventsError(f"{path}: cannot be read as CSV ({exc})") from exc
    rows = []
    for line, raw in enumerate(raw_rows, start=2):
        start = _year(raw["start_year"], path, line, "start_year", required=True)
        end = _year(raw["end_year"], path, line, "end_year", required=False)
        if end is not None and end < start:
            raise EventsError(f"{path}: line {line} ends ({end}) before it starts ({start})")
        for column in ("label", "kind", "source"):
            if not (raw[column] or "").strip():
                raise EventsError(f"{path}: line {line} ({raw['label']!r}) has no {column}")
        countries = tuple(code.strip().upper() for code in raw["countries"].replace(";", " ").split() if code.strip())
        if not countries:
            raise EventsError(f"{path}: line {line} ({raw['label']!r}) names no country")
        rows.append(
            {
                "start_year": start,
                "end_year": end,
                "label": raw["label"].strip(),
                "kind": raw["kind"].strip(),
                "countries": " ".join(countries),
                "source": raw["source"].strip(),
            }
        )
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    return frame.astype({"start_year": "int64", "end_year": "Int64"})


def events_for(events: pd.DataFrame, iso3: str, kind: str | None = None) -> pd.DataFrame:
    """The events that concern country `iso3` (optionally of one `kind`)."""
    mask = events["countries"].map(lambda codes: iso3 in str(codes).split())
    if kind is not None:
        mask &= events["kind"] == kind
    return events[mask]

