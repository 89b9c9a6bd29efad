"""Parser for the IMF World Economic Outlook database, by countries (data/snapshots/imf_weo/, filled by the refresh).

The IMF's "WEO<Mon><Year>all.xls" (also served as .ashx) is not a spreadsheet: it is tab-separated text, UTF-16
with a byte-order mark since October 2020 (Latin-1 before). Header: WEO Country Code, ISO, WEO Subject Code,
Country, Subject Descriptor, Subject Notes, Units, Scale, Country/Series-specific Notes, 1980 ... <last year>,
Estimates Start After. One row per country and subject. Missing values are "n/a" (and "--" in some editions);
large numbers carry thousands separators ("1,234.567"). After the rows comes a blank line and a footer line
"International Monetary Fund, World Economic Outlook Database, <Month> <Year>", which names the edition.

The catalogue (data/catalogue/indicators/imf_weo.yaml) names the subject codes read (`code`, e.g. GGXCNL_NGDP)
and the series computed from them (`computed_from` [a, b] with `operation` difference: a - b, or ratio:
a / b x 100), labelled computed. Years after a row's "Estimates Start After" are IMF estimates or projections,
and each such row's note says so. ISO codes are ISO3 except those in data/catalogue/aliases/imf_weo.csv.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from src.ingest.parsers._common import (
    ALIASES_DIR,
    concat_tidy,
    read_aliases,
    require_columns,
    single_file,
    snapshot_relative,
    tidy_rows,
    years_from_columns,
)
from src.schema import ParseError
from src.study.catalogue import Indicator

SOURCE = "imf_weo"
FILE_PATTERN = "WEO*"
ALIAS_FILE = ALIASES_DIR / "imf_weo.csv"
MISSING_MARKERS = ("", "n/a", "--")
REQUIRED_COLUMNS = ("ISO", "WEO Subject Code", "Country", "Units", "Estimates Start After")
FOOTER = re.compile(r"International Monetary Fund, World Economic Outlook Database, (\w+ \d{4})")
NUMBER = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
OPERATIONS = ("difference", "ratio")


def decode(raw: bytes, origin: str) -> str:
    """The file's text: UTF-16 when it starts with a byte-order mark (October 2020 on), else UTF-8 or Latin-1."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ParseError(f"{origin}: starts with a UTF-16 byte-order mark but is not UTF-16 ({exc})") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # older editions; Latin-1 decodes any byte, the header check below guards it


def read_table(path: Path) -> tuple[pd.DataFrame, str]:
    """(rows as text cells, edition from the footer line) of one WEO file.

    Raises:
        ParseError: empty, not tab-separated with the WEO header, rows after the footer, or no footer.
    """
    origin = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"{origin}: cannot be read ({exc.strerror or exc})") from exc
    lines = decode(raw, origin).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not lines[0].strip():
        raise ParseError(f"{origin}: the file is empty or starts with a blank line")
    header = [cell.strip() for cell in lines[0].split("\t")]
    while header and header[-1] == "":
        header.pop()  # some editions end every line with a tab
    if "ISO" not in header:
        raise ParseError(
            f"{origin}: not the WEO tab-separated layout (no 'ISO' column in the first line; found {header[:6]}); "
            "did the IMF serve a web page or an Excel workbook instead?"
        )
    body, edition = [], ""
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        match = FOOTER.search(line)
        if match:
            edition = match.group(1)
            continue
        if edition:
            raise ParseError(f"{origin}: line {number} comes after the footer line; has the layout changed?")
        cells = [cell.strip() for cell in line.split("\t")]
        extra = cells[len(header):]
        if any(extra):
            raise ParseError(f"{origin}: line {number} has {len(cells)} cells, the header {len(header)}")
        body.append(cells[: len(header)] + [""] * (len(header) - len(cells)))
    if not edition:
        raise ParseError(f"{origin}: no footer line 'International Monetary Fund, World Economic Outlook Database, "
                         "<Month> <Year>': the download may be cut short")
    table = pd.DataFrame(body, columns=header, dtype="string")
    require_columns(table, REQUIRED_COLUMNS, origin)
    if not years_from_columns(table.columns):
        raise ParseError(f"{origin}: no year columns in the header")
    return table, edition


def to_values(cells: pd.Series, origin: str) -> pd.Series:
    """Numbers from WEO cells: declared markers become NaN, thousands separators are dropped, anything else fails."""
    text = cells.fillna("").str.strip()
    missing = text.isin(MISSING_MARKERS)
    bad = ~missing & ~text.str.fullmatch(NUMBER.pattern)
    if bad.any():
        raise ParseError(
            f"{origin}: {int(bad.sum())} cells are neither numbers nor a declared marker {list(MISSING_MARKERS)}, "
            f"e.g. {sorted(set(text[bad]))[:5]}"
        )
    return pd.to_numeric(text.where(~missing).str.replace(",", "", regex=False), errors="raise").astype("float64")


def long_series(table: pd.DataFrame, code: str, aliases: dict[str, str], origin: str) -> pd.DataFrame:
    """One subject's rows as iso3, country, year, value, estimated (True after the row's Estimates Start After).

    Raises:
        ParseError: the subject is missing, is not in percent of GDP, a code is not ISO3 nor an alias, or a
            country appears twice.
    """
    rows = table[table["WEO Subject Code"] == code]
    if rows.empty:
        raise ParseError(f"{origin}: no rows for WEO subject {code}")
    units = sorted(set(rows["Units"].fillna("")))
    if units != ["Percent of GDP"]:
        raise ParseError(f"{origin}: WEO subject {code} is in {units}, the catalogue expects 'Percent of GDP'")
    iso = rows["ISO"].fillna("").str.strip()
    iso3 = iso.map(aliases).fillna(iso.where(iso.str.fullmatch(r"[A-Z]{3}")))
    if iso3.isna().any():
        raise ParseError(f"{origin}: ISO codes {sorted(set(iso[iso3.isna()]))[:10]} are not ISO3 nor listed in "
                         f"{ALIAS_FILE.name}")
    if iso3.duplicated().any():
        raise ParseError(f"{origin}: WEO subject {code} has two rows for {sorted(set(iso3[iso3.duplicated()]))[:5]}")
    start = to_values(rows["Estimates Start After"], f"{origin} column 'Estimates Start After'")
    frames = []
    for year in years_from_columns(table.columns):
        frames.append(pd.DataFrame({
            "iso3": iso3.to_numpy(),
            "country": rows["Country"].to_numpy(),
            "year": int(year),
            "value": to_values(rows[year], f"{origin} subject {code} column {year}").to_numpy(),
            "estimated": (start.isna() | (int(year) > start)).to_numpy(),
        }))
    long = pd.concat(frames, ignore_index=True)
    return long[long["value"].notna()].reset_index(drop=True)


def estimate_notes(rows: pd.DataFrame, indicator: Indicator, edition: str) -> pd.Series:
    """Each row's note: the catalogue's, plus the edition, plus whether the IMF marks the value an estimate."""
    base = f"{indicator.note} IMF WEO {edition}.".strip()
    return rows["estimated"].map({True: f"{base} IMF estimate or projection.", False: base}).astype("string")


def computed(first: pd.DataFrame, second: pd.DataFrame, operation: str) -> pd.DataFrame:
    """first - second or first / second x 100, for each country and year where both exist (no filling)."""
    both = first.merge(second[["iso3", "year", "value", "estimated"]], on=["iso3", "year"], suffixes=("", "_b"))
    if operation == "difference":
        both["value"] = both["value"] - both["value_b"]
    else:
        both = both[both["value_b"] != 0]
        both["value"] = both["value"] / both["value_b"] * 100
    both["estimated"] = both["estimated"] | both["estimated_b"]
    return both[["iso3", "country", "year", "value", "estimated"]].reset_index(drop=True)


def parse(folder: Path, catalogue: dict[str, Indicator]) -> pd.DataFrame:
    """The declared WEO subjects and the series computed from them, as tidy rows.

    Raises:
        ParseError: several WEO files (which one is current?), a malformed file, or a computed series whose
            inputs or operation are not declared correctly.
    """
    path = single_file(folder, FILE_PATTERN)
    origin = snapshot_relative(path, folder)
    table, edition = read_table(path)
    aliases = read_aliases(ALIAS_FILE, "publisher_code")
    declared = [i for i in catalogue.values() if i.source == SOURCE]
    series: dict[str, pd.DataFrame] = {}
    frames = []
    for indicator in declared:
        if indicator.extra.get("computed_from"):
            continue
        series[indicator.code] = long_series(table, indicator.code, aliases, origin)
        rows = series[indicator.code]
        frames.append(tidy_rows(rows, indicator, file=origin, note=estimate_notes(rows, indicator, edition)))
    by_id = {i.id: i for i in declared}
    pending = [i for i in declared if i.extra.get("computed_from")]
    # A computed series may use another computed one (interest % of revenue uses computed interest % of GDP).
    while pending:
        ready = [i for i in pending if all(name in series for name in i.extra["computed_from"])]
        if not ready:
            names = {i.id: i.extra["computed_from"] for i in pending}
            raise ParseError(f"data/catalogue/indicators/imf_weo.yaml: computed_from {names} must name two declared "
                             f"WEO subject codes or computed series, among {sorted(series)}")
        for indicator in ready:
            inputs, operation = indicator.extra["computed_from"], indicator.extra.get("operation")
            if len(inputs) != 2 or operation not in OPERATIONS:
                raise ParseError(f"data/catalogue/indicators/imf_weo.yaml: {indicator.id} needs two computed_from "
                                 f"inputs and an operation among {OPERATIONS}")
            rows = computed(series[inputs[0]], series[inputs[1]], operation)
            series[indicator.code] = rows
            frames.append(tidy_rows(rows, by_id[indicator.id], file=origin, computed=True,
                                    note=estimate_notes(rows, indicator, edition)))
            pending.remove(indicator)
    return concat_tidy(frames, origin)
