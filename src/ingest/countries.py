"""The country metadata table: who is a country, who is a published aggregate, and which groups each belongs to.

Peer medians and labels need a country's World Bank region and income group (from the WDI Metadata_Country
files) and its UNDP HDI tier and region (from the UNDP composite-indices CSV). Published aggregates (WDI SAS,
LMC, WLD...; UNDP ZZA.VHHD ... ZZK.WORLD; OWID_WRL) are kept as rows flagged `is_aggregate`, never recomputed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from src.ingest.parsers._common import find_files, read_csv, read_text
from src.paths import SNAPSHOT_DIR
from src.schema import ParseError

COLUMNS = ("iso3", "name", "region", "income_group", "is_aggregate", "hdi_tier", "undp_region")
WDI_METADATA = ("Country Code", "Region", "IncomeGroup", "TableName")
UNDP_METADATA = ("iso3", "country", "hdicode", "region")
UNDP_AGGREGATE_PREFIX = "ZZ"
OWID_AGGREGATE_PREFIX = "OWID_"


def wdi_last_updated(metadata_file: Path) -> str:
    """The 'Last Updated Date' in the preamble of the data CSV beside a WDI Metadata_Country file ('' if none)."""
    data_file = metadata_file.with_name(metadata_file.name.removeprefix("Metadata_Country_"))
    if not data_file.exists():
        return ""
    for line in read_text(data_file).splitlines()[:4]:
        cells = [c.strip().strip('"') for c in line.split(",")]
        if cells[0] == "Last Updated Date" and len(cells) > 1:
            return cells[1]
    return ""


def wdi_countries(wdi_folder: Path) -> pd.DataFrame:
    """Region, income group and name per code from every WDI Metadata_Country file, newest release first.

    The files agree except where the World Bank reclassified a country between releases, so the newest
    release wins and older ones only add codes it lacks. A code with no region is a WDI aggregate.
    """
    frames = []
    for path in find_files(wdi_folder, "Metadata_Country_*.csv"):
        table = read_csv(path, expected_columns=WDI_METADATA)
        table["updated"] = wdi_last_updated(path)
        frames.append(table)
    table = pd.concat(frames, ignore_index=True).sort_values("updated", ascending=False, kind="stable")
    table = table.drop_duplicates("Country Code")
    region = table["Region"].str.strip()
    return pd.DataFrame(
        {
            "iso3": table["Country Code"].str.strip(),
            "name": table["TableName"].str.strip(),
            "region": region.replace("", pd.NA),
            "income_group": table["IncomeGroup"].str.strip().replace("", pd.NA),
            "is_aggregate": region == "",
        }
    )


def undp_groups(undp_folder: Path) -> pd.DataFrame:
    """HDI tier and UNDP region per code (only these columns: the values are the undp_hdr parser's job)."""
    path = find_files(undp_folder, "*.csv")[0]
    table = read_csv(path, expected_columns=UNDP_METADATA, only_expected=True)
    iso3 = table["iso3"].str.strip()
    return pd.DataFrame(
        {
            "iso3": iso3,
            "undp_name": table["country"].str.strip(),
            "hdi_tier": table["hdicode"].str.strip().replace("", pd.NA),
            "undp_region": table["region"].str.strip().replace("", pd.NA),
            "undp_aggregate": iso3.str.startswith(UNDP_AGGREGATE_PREFIX),
        }
    )


def load_countries(snapshot_dir: Path = SNAPSHOT_DIR) -> pd.DataFrame:
    """The country table (COLUMNS), one row per code known to WDI or UNDP.

    Raises:
        ParseError: a metadata file is missing or malformed (the message names it).
    """
    wdi = wdi_countries(snapshot_dir / "wdi")
    undp = undp_groups(snapshot_dir / "undp_hdr")
    table = wdi.merge(undp, on="iso3", how="outer")
    table["name"] = table["name"].fillna(table["undp_name"])
    table["is_aggregate"] = table["is_aggregate"].astype("boolean").fillna(table["undp_aggregate"]).astype(bool)
    return tidy_countries(table)


def tidy_countries(table: pd.DataFrame) -> pd.DataFrame:
    table = table[list(COLUMNS)].astype(
        {
            "iso3": "string",
            "name": "string",
            "region": "string",
            "income_group": "string",
            "is_aggregate": bool,
            "hdi_tier": "string",
            "undp_region": "string",
        }
    )
    if table["iso3"].duplicated().any():
        raise ParseError(f"country metadata: codes {sorted(set(table.loc[table['iso3'].duplicated(), 'iso3']))} twice")
    return table.sort_values("iso3").reset_index(drop=True)


def empty_countries() -> pd.DataFrame:
    """A country table with no rows (used when the metadata files cannot be read)."""
    return tidy_countries(pd.DataFrame({column: pd.Series(dtype=object) for column in COLUMNS}))


def add_codes_from_values(countries: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Add a row for every code in the tidy `values` that no metadata file lists (e.g. TWN in WGI, OWID_WRL).

    Its name is the name the publisher gave it; region and groups stay empty (unknown, not guessed).
    """
    unknown = values.loc[~values["iso3"].isin(countries["iso3"]), ["iso3", "country"]]
    if unknown.empty:
        return countries
    named = most_frequent_names(unknown)
    extra = pd.DataFrame(
        {
            "iso3": named["iso3"],
            "name": named["country"],
            "region": pd.NA,
            "income_group": pd.NA,
            "is_aggregate": named["iso3"].str.startswith(OWID_AGGREGATE_PREFIX),
            "hdi_tier": pd.NA,
            "undp_region": pd.NA,
        }
    )
    return tidy_countries(pd.concat([countries, extra], ignore_index=True))


def most_frequent_names(coded: pd.DataFrame) -> pd.DataFrame:
    """iso3 and the `country` name given most often to it (ties: the first in sorted order, as `Series.mode`).

    Counted as (code, name) pairs at once: a mode per code in a Python call took ~0.3 s for the ~200 codes a
    store of a partial snapshot (no WDI metadata) adds. With a missing name the per-code mode is kept, which
    also keeps its error when a code has no name at all.
    """
    if coded["country"].isna().any():
        return coded.groupby("iso3", sort=True)["country"].agg(lambda names: names.mode().iloc[0]).reset_index()
    counts = coded.groupby(["iso3", "country"], sort=True).size().reset_index(name="count")
    best = counts.sort_values(["iso3", "count"], ascending=[True, False], kind="stable").drop_duplicates("iso3")
    return best[["iso3", "country"]].reset_index(drop=True)
