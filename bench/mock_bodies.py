"""Response bodies for the mock refresh server, built from the shipped snapshot so every number is published data.

Why its own module: the benchmark must serve what the real publishers serve, in their formats. The World Bank
API v2 answers are rebuilt from the shipped WDI bulk CSVs and the WGI CSV (the same values, laid out as the API
lays them out: `[meta, rows]` pages, newest year first, missing cells as null). The direct downloads are the
shipped files' own bytes (the UNDP CSV, the SIPRI xlsx). Envelope and row layout follow
tests/fixtures/http/README.md. Two fields cannot come from the shipped files and are marked as such: the API's
`country.id` (ISO2 for countries) is given the ISO3 code, which the parser does not read; rows are only those the
bulk files hold. A series no shipped file holds (the `wb_api` source's extra series) gets the API's error answer
for an unknown indicator, so a source that needs one fails loudly instead of receiving invented numbers.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urlsplit

from src.ingest.parsers import wb_api_json
from src.ingest.parsers._common import read_aliases
from src.ingest.parsers.wgi import ALIAS_FILE as WGI_ALIAS_FILE
from src.ingest.parsers.wgi import DATA_FILE as WGI_DATA_FILE
from src.ingest.parsers.wgi import MEASURE_SUFFIX as WGI_MEASURE_SUFFIX
from src.ingest.parsers.wgi import MISSING_MARKERS as WGI_MISSING
from src.paths import SNAPSHOT_DIR
from src.study.catalogue import Indicator, Source

API_PATH_PREFIX = "/v2/country/all/indicator/"
WDI_SOURCE_ID = "2"  # the API's `sourceid` for World Development Indicators
WGI_SOURCE_ID = "3"  # ... and for the Worldwide Governance Indicators
# The API's documented answer for an indicator it does not know (see tests/fixtures/http/wb_error_120.json).
UNKNOWN_INDICATOR = json.dumps(
    [{"message": [{"id": "120", "key": "Invalid value", "value": "The provided parameter value is not valid"}]}],
    separators=(",", ":"),
).encode()


# One encoder for every row: json.dumps with `separators` builds a new encoder per call (17,556 rows a series).
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def _compact(value: object) -> bytes:
    return _COMPACT.encode(value).encode()


@dataclass(frozen=True)
class ApiSeries:
    """One API series: its rows already serialised (so serving a page is a join, not a dump), and its meta."""

    code: str
    rows: tuple[bytes, ...]
    source_id: str
    last_updated: str

    def page(self, page: int, per_page: int) -> bytes:
        """The API's answer for `page` of this series at `per_page` rows a page."""
        pages = max(1, math.ceil(len(self.rows) / per_page))
        meta = {"page": page, "pages": pages, "per_page": per_page, "total": len(self.rows),
                "sourceid": self.source_id, "lastupdated": self.last_updated}
        chosen = self.rows[(page - 1) * per_page : page * per_page]
        return b"[" + _compact(meta) + b",[" + b",".join(chosen) + b"]]"


def _api_row(code: str, name: str, iso3: str, country: str, year: str, value: float | None) -> bytes:
    return _compact({
        "indicator": {"id": code, "value": name},
        "country": {"id": iso3, "value": country},  # the API's own id is ISO2; not in the shipped files
        "countryiso3code": iso3,
        "date": year,
        "value": value,
        "unit": "",
        "obs_status": "",
        "decimal": 1,
    })


def wdi_bulk_series(wdi_folder: Path = SNAPSHOT_DIR / "wdi") -> dict[str, ApiSeries]:
    """API code -> series, one per shipped WDI bulk data CSV (not the Metadata_* files beside it)."""
    series = {}
    for path in sorted(wdi_folder.glob("*/API_*.csv")):
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        preamble = {r[0]: r[1] for r in csv.reader(lines[:4]) if len(r) > 1}
        table = list(csv.DictReader(io.StringIO("\n".join(lines[4:]))))
        years = sorted((c for c in table[0] if c.isdigit()), reverse=True)  # the API lists the newest year first
        code = table[0]["Indicator Code"]
        rows = tuple(
            _api_row(code, record["Indicator Name"], record["Country Code"], record["Country Name"], year,
                     float(record[year]) if record[year] else None)
            for record in table
            for year in years
        )
        series[code] = ApiSeries(code, rows, WDI_SOURCE_ID, preamble.get("Last Updated Date", ""))
    return series


def wgi_series(
    source: Source, catalogue: dict[str, Indicator], wgi_folder: Path = SNAPSHOT_DIR / "wgi"
) -> dict[str, ApiSeries]:
    """API code (GOV_WGI_VA.EST ...) -> series, from the shipped WGI CSV, old WGI country codes mapped to ISO3."""
    aliases = read_aliases(WGI_ALIAS_FILE, "publisher_code")
    names = {i.code: i.name for i in catalogue.values() if i.source == source.id}
    with open(wgi_folder / WGI_DATA_FILE, encoding="utf-8-sig", newline="") as handle:
        records = sorted(csv.DictReader(handle), key=lambda r: (r["countryname"], -int(r["year"])))
    collected: dict[str, list[bytes]] = {}
    for record in records:
        iso3 = aliases.get(record["code"].strip(), record["code"].strip())
        for column, suffix in WGI_MEASURE_SUFFIX.items():
            code = f"{record['indicator'].strip().upper()}.{suffix}"
            cell = record[column].strip()
            value = None if cell in WGI_MISSING else float(cell)
            api_code = wb_api_json.api_code(source, code)
            name, country = names.get(code, api_code), record["countryname"].strip()
            collected.setdefault(api_code, []).append(_api_row(api_code, name, iso3, country, record["year"], value))
    return {code: ApiSeries(code, tuple(rows), WGI_SOURCE_ID, source.last_updated) for code, rows in collected.items()}


@dataclass(frozen=True)
class MockBodies:
    """Everything the mock server can answer: API series by code, and direct files by URL path."""

    api: dict[str, ApiSeries]
    files: dict[str, bytes]

    def body_for(self, path_and_query: str) -> bytes | None:
        """The body for a request target (`/v2/...?page=2`), or None for an unknown path (HTTP 404)."""
        parts = urlsplit(path_and_query)
        if parts.path.startswith(API_PATH_PREFIX):
            query = parse_qs(parts.query)
            code = parts.path.removeprefix(API_PATH_PREFIX)
            if code not in self.api:
                return UNKNOWN_INDICATOR
            return self.api[code].page(int(query.get("page", ["1"])[0]), int(query.get("per_page", ["50"])[0]))
        return self.files.get(parts.path)


def direct_files(sources: dict[str, Source], snapshot_dir: Path = SNAPSHOT_DIR) -> dict[str, bytes]:
    """URL path -> the shipped file a `direct` refresh of that URL would replace (same folder, same name)."""
    files = {}
    for source in sources.values():
        if source.refresh.get("method") == "direct":
            path = urlsplit(source.refresh["url"]).path
            shipped = snapshot_dir / source.folder / PurePosixPath(path).name
            if shipped.is_file():  # a refresh-only source (imf_weo) ships no file for the mock to serve
                files[path] = shipped.read_bytes()
    return files


def build_bodies(sources: dict[str, Source], catalogue: dict[str, Indicator]) -> MockBodies:
    """All bodies, from the shipped snapshot (data/snapshots/, read only)."""
    api = wdi_bulk_series()
    api.update(wgi_series(sources["wgi"], catalogue))
    return MockBodies(api=api, files=direct_files(sources))
