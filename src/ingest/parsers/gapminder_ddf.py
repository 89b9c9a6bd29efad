"""Parser for Gapminder Systema Globalis DDF datapoint files (data/snapshots/gapminder_sg/).

Each file `ddf--datapoints--<concept>--by--geo--time.csv` has columns geo (lower-case ISO3), time, <concept>.
The catalogue `code` is the concept name. Countries only. One indicator is computed rather than read: the
catalogue entry's `computed_from` names two series (a percentage of GDP and a percentage share), and the
value is their product / 100 in years where both exist (government health spending as % of GDP).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from src.ingest.parsers._common import (
    concat_tidy,
    find_files,
    indicators_by_code,
    read_csv,
    snapshot_relative,
    tidy_rows,
    to_numbers,
)
from src.schema import ParseError
from src.study.catalogue import Indicator

SOURCE = "gapminder_sg"
FILE_PATTERN = "ddf--datapoints--*--by--geo--time.csv"
MISSING_MARKERS = ("",)


def concept_of(path: Path) -> str:
    return path.name.removeprefix("ddf--datapoints--").removesuffix("--by--geo--time.csv")


def read_datapoints(path: Path) -> pd.DataFrame:
    """One DDF datapoint file as columns iso3, country, year, value (country = the ISO3 code; DDF has no names).

    Raises:
        ParseError: the header is not geo, time, <concept from the file name>, or cells are malformed.
    """
    concept = concept_of(path)
    table = read_csv(path, expected_columns=("geo", "time", concept))
    iso3 = table["geo"].str.strip().str.upper()
    bad = sorted(set(iso3[~iso3.str.fullmatch(r"[A-Z]{3}")]))
    if bad:
        raise ParseError(f"{path}: geo codes {bad[:10]} are not three-letter ISO codes")
    return pd.DataFrame(
        {
            "iso3": iso3,
            "country": iso3,
            "year": to_numbers(table["time"], path, "time", ()),
            "value": to_numbers(table[concept], path, concept, MISSING_MARKERS),
        }
    )


def computed_product(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """first x second / 100 for each country and year present in both (no filling of either side)."""
    both = first.dropna(subset=["value"]).merge(
        second.dropna(subset=["value"])[["iso3", "year", "value"]], on=["iso3", "year"], suffixes=("", "_share")
    )
    both["value"] = both["value"] * both["value_share"] / 100
    return both[["iso3", "country", "year", "value"]]


def parse(folder: Path, catalogue: dict[str, Indicator]) -> pd.DataFrame:
    """Every datapoint file as tidy rows, plus the declared computed series.

    Raises:
        ParseError: a file whose concept is not declared in gapminder_sg.yaml, a declared concept with no file,
            or a computed series whose `computed_from` is not two shipped concepts.
    """
    declared = indicators_by_code(catalogue, SOURCE)
    read_series = {code: ind for code, ind in declared.items() if not ind.extra.get("computed_from")}
    files = {concept_of(p): p for p in find_files(folder, FILE_PATTERN)}
    undeclared = sorted(set(files) - set(read_series))
    if undeclared:
        raise ParseError(f"{folder}: concepts {undeclared} have files but are not declared in gapminder_sg.yaml")
    missing = sorted(set(read_series) - set(files))
    if missing:
        raise ParseError(f"{folder}: no datapoint file for declared concepts {missing}")
    points = {concept: read_datapoints(path) for concept, path in files.items()}
    frames = [
        tidy_rows(points[code], indicator, file=snapshot_relative(files[code], folder))
        for code, indicator in read_series.items()
    ]
    for indicator in declared.values():
        inputs = indicator.extra.get("computed_from")
        if not inputs:
            continue
        if len(inputs) != 2 or any(name not in points for name in inputs):
            raise ParseError(
                f"data/catalogue/indicators/gapminder_sg.yaml: {indicator.id} computed_from {inputs} must name "
                f"two shipped concepts among {sorted(points)}"
            )
        values = computed_product(points[inputs[0]], points[inputs[1]])
        sources = " + ".join(snapshot_relative(files[name], folder) for name in inputs)
        frames.append(tidy_rows(values, indicator, file=sources, computed=True))
    return concat_tidy(frames, str(folder))
