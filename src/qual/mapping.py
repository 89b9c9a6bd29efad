"""Which dashboard theme (A1..C3, data/codebook/themes.yaml) and indicators each imported code speaks to.

The mapping is a small table a researcher edits on the Interviews page, downloads and uploads again:
`code_path, theme_id, indicator_ids` (indicator ids separated by ';'). A code with no row of its own inherits the
mapping of its nearest mapped parent, so mapping a top-level theme maps every code under it.

`excerpts_for_theme` / `excerpts_for_indicator` are what other pages call to put imported excerpts beside the
matching claims and charts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Mapping

import pandas as pd

from src.qual.cells import safe_csv_bytes, unguard_cell
from src.qual.model import PATH_SEPARATOR, QualImport, QualImportError
from src.qual.safety import check_size, decode_utf8

MAPPING_COLUMNS = ("code_path", "theme_id", "indicator_ids")
EXCERPT_COLUMNS = ["interviewee", "document", "code_path", "excerpt", "source_format", "theme_id", "indicator_ids"]
INDICATOR_SEPARATOR = ";"


def dashboard_themes() -> dict[str, str]:
    """Theme id -> label from data/codebook/themes.yaml (empty when that file is missing)."""
    from src.study.codebook import THEMES_FILE, load_themes

    if not THEMES_FILE.exists():
        return {}
    return {theme_id: theme.label for theme_id, theme in load_themes(THEMES_FILE).items()}


def dashboard_indicators() -> set[str]:
    """Every indicator id declared in data/catalogue/indicators/*.yaml."""
    from src.study.catalogue import load_indicators

    return set(load_indicators())


def empty_mapping() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="string") for column in MAPPING_COLUMNS})


def suggest_mapping(codes: pd.DataFrame, themes: Mapping[str, str]) -> pd.DataFrame:
    """One row per imported code; theme_id is filled where the code's name is a theme id or label."""
    by_name = {label.strip().lower(): theme_id for theme_id, label in themes.items()}
    by_name.update({theme_id.lower(): theme_id for theme_id in themes})
    frame = pd.DataFrame(
        {
            "code_path": codes["code_path"],
            "theme_id": [by_name.get(str(name).strip().lower(), "") for name in codes["code"]],
            "indicator_ids": "",
        }
    )
    return frame.astype("string").reset_index(drop=True)


def _split_ids(value) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return []
    return [part.strip() for part in str(value).replace(",", INDICATOR_SEPARATOR).split(INDICATOR_SEPARATOR)
            if part.strip()]


def validate_mapping(
    frame: pd.DataFrame, themes: Collection[str], indicators: Collection[str] | None, origin: str,
    first_line: int = 2, unit: str = "line",
) -> pd.DataFrame:
    """Check every row names a known theme id and known indicator ids; return the cleaned table.

    Args:
        indicators: known ids, or None to skip that check (when the catalogue cannot be read).
        first_line: the line number of the first row in `origin` (2 for a CSV with a header).
        unit: how a place is named in messages ("line" in a file, "row" in the page's table).
    Raises:
        QualImportError naming `origin` and the line of the first bad row.
    """
    rows = []
    for offset, row in enumerate(frame.to_dict("records")):
        where = f"{unit} {first_line + offset}"
        code_path = str(row.get("code_path") or "").strip()
        if not code_path or code_path == "<NA>":
            raise QualImportError(origin, "the `code_path` cell is empty", where)
        theme_id = row.get("theme_id")
        theme_id = "" if theme_id is None or pd.isna(theme_id) else str(theme_id).strip()
        if theme_id and theme_id not in themes:
            raise QualImportError(origin, f"theme_id {theme_id!r} is not a dashboard theme; use one of "
                                  f"{sorted(themes)} or leave it empty", where)
        ids = _split_ids(row.get("indicator_ids"))
        unknown = [i for i in ids if indicators is not None and i not in indicators]
        if unknown:
            raise QualImportError(origin, f"unknown indicator id(s) {unknown}; see data/catalogue/indicators/",
                                  where)
        rows.append({"code_path": code_path, "theme_id": theme_id, "indicator_ids": INDICATOR_SEPARATOR.join(ids)})
    result = pd.DataFrame(rows, columns=list(MAPPING_COLUMNS)).astype("string")
    duplicated = result["code_path"].duplicated()
    if duplicated.any():
        raise QualImportError(origin, f"code_path {result['code_path'][duplicated].iloc[0]!r} appears twice",
                              f"{unit} {first_line + int(duplicated.idxmax())}")
    return result


def mapping_to_csv(frame: pd.DataFrame) -> bytes:
    """The mapping as CSV, formula cells neutralised (code names come from strangers' files)."""
    return safe_csv_bytes(frame[list(MAPPING_COLUMNS)].fillna(""))


def mapping_from_csv(
    data: bytes, file_name: str, themes: Collection[str], indicators: Collection[str] | None
) -> pd.DataFrame:
    """Read an uploaded mapping CSV (code_path, theme_id, indicator_ids) and validate it."""
    check_size(data, file_name)
    reader = csv.reader(io.StringIO(decode_utf8(data, file_name), newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        body = [cells for cells in reader]
    except StopIteration:
        raise QualImportError(file_name, "the file is empty") from None
    except csv.Error as exc:
        raise QualImportError(file_name, f"the CSV is malformed ({exc})", f"line {reader.line_num}") from None
    missing = [c for c in MAPPING_COLUMNS if c not in header]
    if missing:
        raise QualImportError(file_name, f"wrong columns for a mapping CSV: missing {missing}; expected "
                              f"{list(MAPPING_COLUMNS)}, found {header}", "line 1")
    # Our own download guards formula cells with a leading "'"; undo that so the code paths match again.
    records = [{c: unguard_cell(cells[header.index(c)]) if header.index(c) < len(cells) else ""
                for c in MAPPING_COLUMNS} for cells in body]
    return validate_mapping(pd.DataFrame(records, columns=list(MAPPING_COLUMNS)), themes, indicators, file_name)


def merge_mapping(current: pd.DataFrame, uploaded: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Take the uploaded rows for the codes that are loaded. Returns (mapping, uploaded code paths not loaded)."""
    chosen = uploaded.set_index("code_path")
    merged = current.copy()
    known = merged["code_path"].isin(chosen.index)
    for column in ("theme_id", "indicator_ids"):
        merged.loc[known, column] = merged.loc[known, "code_path"].map(chosen[column])
    unmatched = sorted(set(chosen.index) - set(current["code_path"]))
    return merged.reset_index(drop=True), unmatched


def _codings(coding) -> pd.DataFrame:
    return coding.codings if isinstance(coding, QualImport) else coding


def apply_mapping(coding: QualImport | pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """The codings with `theme_id` and `indicator_ids` from the mapping (nearest mapped ancestor wins)."""
    codings = _codings(coding)
    themes = {p: t for p, t in zip(mapping["code_path"], mapping["theme_id"].fillna("")) if t}
    indicators = {p: i for p, i in zip(mapping["code_path"], mapping["indicator_ids"].fillna("")) if i}

    def nearest(path: str, table: dict) -> str:
        parts = path.split(PATH_SEPARATOR)
        for depth in range(len(parts), 0, -1):
            found = table.get(PATH_SEPARATOR.join(parts[:depth]))
            if found:
                return found
        return ""

    paths = pd.Series(codings["code_path"].unique())
    theme_of = {p: nearest(p, themes) for p in paths}
    indicators_of = {p: nearest(p, indicators) for p in paths}
    result = codings.copy()
    result["theme_id"] = result["code_path"].map(theme_of).astype("string")
    result["indicator_ids"] = result["code_path"].map(indicators_of).astype("string")
    return result


def excerpts_for_theme(theme_id: str, coding: QualImport | pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Imported excerpts whose code maps to dashboard theme `theme_id` (e.g. "C2"). Columns: EXCERPT_COLUMNS."""
    mapped = apply_mapping(coding, mapping)
    return mapped.loc[mapped["theme_id"] == theme_id, EXCERPT_COLUMNS].reset_index(drop=True)


def excerpts_for_indicator(
    indicator_id: str, coding: QualImport | pd.DataFrame, mapping: pd.DataFrame
) -> pd.DataFrame:
    """Imported excerpts whose code maps to indicator `indicator_id` (e.g. "wdi_mil_gdp"). Columns: EXCERPT_COLUMNS."""
    mapped = apply_mapping(coding, mapping)
    hit = mapped["indicator_ids"].fillna("").map(lambda ids: indicator_id in _split_ids(ids))
    return mapped.loc[hit.astype(bool), EXCERPT_COLUMNS].reset_index(drop=True)


def excerpts_for_claim(
    theme_id: str, indicator_ids: Iterable[str], coding: QualImport | pd.DataFrame, mapping: pd.DataFrame
) -> pd.DataFrame:
    """Imported excerpts that bear on one claim: mapped to its theme or to any of its indicators, each once.

    Columns: EXCERPT_COLUMNS plus `matched_by` ("theme C2", "indicator wdi_tax_gdp", ...).
    """
    parts = [excerpts_for_theme(theme_id, coding, mapping).assign(matched_by=f"theme {theme_id}")]
    for indicator_id in dict.fromkeys(indicator_ids):
        found = excerpts_for_indicator(indicator_id, coding, mapping)
        parts.append(found.assign(matched_by=f"indicator {indicator_id}"))
    found = pd.concat(parts, ignore_index=True)
    if found.empty:
        return found
    joined = found.groupby(EXCERPT_COLUMNS[:4], sort=False, dropna=False)["matched_by"].agg(", ".join).reset_index()
    first = found.drop(columns="matched_by").drop_duplicates(EXCERPT_COLUMNS[:4])
    return first.merge(joined, on=EXCERPT_COLUMNS[:4], how="left").reset_index(drop=True)
