"""Parser for the World Bank API v2 JSON files the refresh command saves in data/snapshots/wb_api/.

Why a separate parser: the API's JSON is a different format from the WDI bulk CSVs, and the refresh
brings series the shipped snapshot lacks (interest payments, government health and education spending,
military share of government spending) plus newer WDI and WGI series that supersede the bulk rows.

File format (one file per series, named `<API code>.json`): a JSON array of the API's pages, each page
as returned, `[meta, rows]` with meta `{"page", "pages", "per_page", "total", "sourceid", "lastupdated"}`
and rows `{"indicator": {"id", "value"}, "country": {"id", "value"}, "countryiso3code", "date", "value", ...}`.
A single page as returned by the API (`[meta, rows]`) is read too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from src.ingest.parsers._common import concat_tidy, tidy_rows
from src.schema import ParseError
from src.study.catalogue import Indicator, Source, load_indicators, load_sources

# Also the folder under data/snapshots/: the `file` column names it even when a refresh parses a staging copy.
SOURCE_ID = "wb_api"
# How the API names a catalogue code, per source: WGI series live under source 3 as GOV_WGI_<code>.
DEFAULT_API_CODE = "{code}"


def split_page(payload: object, origin: str) -> tuple[dict, list]:
    """Check one decoded API page and return (meta, rows); an empty result gives no rows.

    Raises:
        ParseError: the API's error message, or anything that is not a `[meta, rows]` page.
    """
    if isinstance(payload, list) and payload and isinstance(payload[0], dict) and "message" in payload[0]:
        messages = payload[0]["message"] if isinstance(payload[0]["message"], list) else [payload[0]["message"]]
        text = "; ".join(
            f"{m.get('key', '')}: {m.get('value', '')}" if isinstance(m, dict) else str(m) for m in messages
        )
        raise ParseError(f"{origin}: the World Bank API answered with an error ({text})")
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], dict)):
        raise ParseError(f"{origin}: not a World Bank API page (expected [meta, rows])")
    meta, rows = payload
    for key in ("page", "pages", "total"):
        if not isinstance(meta.get(key), int):
            raise ParseError(f"{origin}: the page's meta lacks an integer {key!r}")
    rows = [] if rows is None else rows
    if not isinstance(rows, list):
        raise ParseError(f"{origin}: the page's rows are not a list")
    return meta, rows


def api_code(source: Source, code: str) -> str:
    """The API's name for a catalogue code of `source` (sources.yaml `refresh.api_code`, e.g. GOV_WGI_{code})."""
    return source.refresh.get("api_code", DEFAULT_API_CODE).format(code=code)


def api_code_map(catalogue: dict[str, Indicator], sources: dict[str, Source]) -> dict[str, Indicator]:
    """API indicator id -> our indicator, for every indicator whose source is refreshed through the API."""
    mapping: dict[str, Indicator] = {}
    for indicator in catalogue.values():
        source = sources.get(indicator.source)
        if source is not None and source.refresh.get("method") == "wb_api":
            mapping[api_code(source, indicator.code)] = indicator
    return mapping


def _pages(document: object, origin: str) -> list[tuple[dict, list]]:
    if isinstance(document, list) and document and isinstance(document[0], dict):
        document = [document]  # one page as returned
    if not isinstance(document, list) or not document:
        raise ParseError(f"{origin}: expected a JSON array of World Bank API pages")
    return [split_page(page, f"{origin} page {number}") for number, page in enumerate(document, start=1)]


def _read_file(path: Path, relative: str, by_code: dict[str, Indicator]) -> list[pd.DataFrame]:
    """One file's rows as tidy frames, one per indicator it holds."""
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ParseError(f"{relative}: cannot be read as JSON ({exc})") from exc
    by_indicator: dict[str, list[dict]] = {}
    for meta, rows in _pages(document, relative):
        for position, row in enumerate(rows, start=1):
            where = f"{relative} page {meta['page']} row {position}"
            try:
                api_code, raw_value, date = row["indicator"]["id"], row["value"], row["date"]
                iso3, country = row["countryiso3code"], row["country"]["value"]
            except (KeyError, TypeError) as exc:
                # Never fall back to country.id: it is ISO2 in the real API and would move every row to a code
                # nothing else uses (issue 15). A missing field means the API changed: say so, keep the old file.
                raise ParseError(f"{where}: lacks the field {exc}; the API's format changed") from exc
            if not isinstance(iso3, str):
                raise ParseError(f"{where}: countryiso3code {str(iso3)[:40]!r} is not a code")
            if not iso3:
                # A few API aggregates have no ISO3 code and no counterpart in any other source: skipped, not guessed.
                continue
            if api_code not in by_code:
                raise ParseError(
                    f"{where}: code {api_code!r} is not declared in data/catalogue/indicators/ for a source "
                    "refreshed through the World Bank API; declare it or delete the file"
                )
            if raw_value is not None and (isinstance(raw_value, bool) or not isinstance(raw_value, int | float)):
                raise ParseError(f"{where}: value {str(raw_value)[:40]!r} is not a number")
            if not (isinstance(date, str | int) and str(date).isascii() and str(date).isdigit()):
                raise ParseError(f"{where}: date {str(date)[:40]!r} is not a year")
            by_indicator.setdefault(api_code, []).append(
                {"iso3": iso3, "country": country, "year": int(date), "value": raw_value}
            )
    return [
        tidy_rows(pd.DataFrame.from_records(rows).astype({"value": "float64"}), by_code[code], file=relative)
        for code, rows in by_indicator.items()
    ]


def parse(
    folder: Path, catalogue: dict[str, Indicator] | None = None, sources: dict[str, Source] | None = None
) -> pd.DataFrame:
    """Read every `*.json` in `folder` into the tidy table (src.schema), dropping rows with no value.

    `source` is `wb_api` for every row (so the store prefers them over the bulk files' rows for the same ids);
    `code` is the catalogue's (a WGI series fetched as GOV_WGI_PV.EST keeps `PV.EST`), so both files agree.

    Args:
        folder: data/snapshots/wb_api/ (or a staging copy of it).
        catalogue: indicator id -> Indicator; defaults to the shipped catalogue.
        sources: source id -> Source; says which sources go through the API and how it names codes.

    Raises:
        ParseError: naming the file (and page/row) at fault.
    """
    sources = load_sources() if sources is None else sources
    catalogue = load_indicators(sources=sources) if catalogue is None else catalogue
    by_code = api_code_map(catalogue, sources)
    frames: list[pd.DataFrame] = []
    for path in sorted(folder.glob("*.json")):
        frames.extend(_read_file(path, f"{SOURCE_ID}/{path.name}", by_code))
    frame = concat_tidy(frames, f"{SOURCE_ID} ({folder})")
    # The store keeps these rows over the bulk files' rows for the same ids by this source id (src/ingest/store.py).
    frame["source"] = SOURCE_ID
    duplicated = frame.duplicated(["iso3", "year", "indicator"], keep=False)
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        raise ParseError(
            f"{first['file']}: {first['indicator']} has more than one value for {first['iso3']} {first['year']}"
        )
    return frame
