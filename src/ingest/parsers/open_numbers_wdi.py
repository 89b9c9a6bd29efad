"""Parser for Gapminder Open Numbers' DDF copy of World Bank WDI (data/snapshots/open_numbers_wdi/).

Each file `ddf--datapoints--<concept>--by--geo--time.csv` is one WDI series with columns geo, time, <concept>,
where the concept is the WDI code lower-cased with dots as underscores (MS.MIL.XPND.ZS -> ms_mil_xpnd_zs). The
catalogue keeps the WDI code, so the refresh fetches the same series from the World Bank API under the same id
and the store prefers that newer download (src/ingest/store.py NEWER_SOURCE).

`geo` is a lower-case ISO3 code, except for a few Open Numbers codes mapped explicitly by
data/catalogue/aliases/open_numbers.csv (`kos` is Kosovo, XKX in WDI: upper-casing it would give KOS, silently
wrong). Any other code that is not three letters is an error, never guessed.

A datapoint file whose series the catalogue takes from another shipped source (GC.TAX.TOTL.GD.ZS comes from the
World Bank's own, newer bulk CSV) is not read: one id, one file per country and year. A file matching no
catalogue entry at all is an error.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from src.ingest.parsers._common import (
    ALIASES_DIR,
    concat_tidy,
    find_files,
    read_aliases,
    read_csv,
    require_unique,
    snapshot_relative,
    tidy_rows,
    to_numbers,
)
from src.ingest.parsers.gapminder_ddf import FILE_PATTERN, concept_of
from src.schema import ParseError
from src.study.catalogue import Indicator

log = logging.getLogger(__name__)

SOURCE = "open_numbers_wdi"
ALIAS_FILE = ALIASES_DIR / "open_numbers.csv"
MISSING_MARKERS = ("",)


def concept_for(wdi_code: str) -> str:
    """The Open Numbers concept name of a WDI code: lower case, dots as underscores."""
    return wdi_code.strip().lower().replace(".", "_")


def map_geo(geo: pd.Series, aliases: dict[str, str], origin: Path) -> pd.Series:
    """ISO3 codes for `geo`: declared aliases first, then three lower-case letters upper-cased.

    Raises:
        ParseError: a code that is neither an alias nor three lower-case letters (a new Open Numbers code).
    """
    codes = geo.str.strip()
    aliased = codes.map(aliases)
    plain = codes.where(codes.str.fullmatch(r"[a-z]{3}")).str.upper()
    iso3 = aliased.fillna(plain)
    bad = sorted(set(codes[iso3.isna()]))
    if bad:
        raise ParseError(
            f"{origin}: geo codes {bad[:10]} are neither lower-case ISO3 codes nor listed in {ALIAS_FILE.name}; "
            "add them to that file with the ISO3 code they stand for"
        )
    return iso3


def read_datapoints(path: Path, aliases: dict[str, str]) -> pd.DataFrame:
    """One datapoint file as iso3, country (= the code; names come from the country table), year, value.

    Raises:
        ParseError: the header is not geo, time, <concept>, a cell is malformed, or a country-year repeats.
    """
    concept = concept_of(path)
    table = read_csv(path, expected_columns=("geo", "time", concept))
    if list(table.columns) != ["geo", "time", concept]:
        raise ParseError(f"{path}: expected exactly the columns geo, time, {concept}; found {list(table.columns)}")
    iso3 = map_geo(table["geo"], aliases, path)
    years = to_numbers(table["time"], path, "time", ())
    if not (years == years.round()).all():
        raise ParseError(f"{path}: column 'time' holds values that are not whole years")
    rows = pd.DataFrame(
        {"iso3": iso3, "country": iso3, "year": years, "value": to_numbers(table[concept], path, concept, MISSING_MARKERS)}
    )
    require_unique(rows, ["iso3", "year"], str(path))
    return rows


def parse(folder: Path, catalogue: dict[str, Indicator]) -> pd.DataFrame:
    """Every declared datapoint file as tidy rows (source open_numbers_wdi, the WDI code, the file read).

    Raises:
        ParseError: a file matching no catalogue entry, a declared series with no file, or a malformed file.
    """
    declared = {concept_for(i.code): i for i in catalogue.values() if i.source == SOURCE and i.in_snapshot}
    elsewhere = {concept_for(i.code): i for i in catalogue.values() if i.source != SOURCE and i.in_snapshot}
    files = {concept_of(p): p for p in find_files(folder, FILE_PATTERN)}
    unknown = sorted(set(files) - set(declared) - set(elsewhere))
    if unknown:
        raise ParseError(
            f"{folder}: datapoint files for {unknown} match no WDI code in data/catalogue/indicators/; declare them"
        )
    missing = sorted(set(declared) - set(files))
    if missing:
        raise ParseError(f"{folder}: no datapoint file for the declared series {missing}")
    for concept in sorted(set(files) - set(declared)):
        log.info("%s: %s is taken from source %s, not from this copy", folder.name, concept, elsewhere[concept].source)
    aliases = read_aliases(ALIAS_FILE, "publisher_code")
    frames = [
        tidy_rows(read_datapoints(files[concept], aliases), indicator, file=snapshot_relative(files[concept], folder))
        for concept, indicator in sorted(declared.items())
    ]
    return concat_tidy(frames, str(folder))
