"""Helpers every parser shares, so each parser fails the same clear way on a bad file.

A parser reads a publisher's file, checks it has the shape we expect, and turns one publisher series into
tidy rows (src.schema). These helpers do the reading, the checking and the tidy-row building; the parser
keeps only what is specific to its publisher's layout. Every error is a ParseError naming the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.io.parsers import TextParser

from src.paths import CATALOGUE_DIR
from src.schema import ParseError, check_tidy, empty_tidy, has_tidy_layout
from src.study.catalogue import Indicator


def snapshot_relative(path: Path, folder: Path) -> str:
    """The `file` column value: `<source folder name>/<path inside it>` (the path under data/snapshots/)."""
    return f"{folder.name}/{path.relative_to(folder).as_posix()}"


def find_files(folder: Path, pattern: str) -> list[Path]:
    """Every file in `folder` (recursively) matching the glob `pattern`, sorted.

    Raises:
        ParseError: the folder is missing or nothing matches, naming both.
    """
    if not folder.is_dir():
        raise ParseError(f"{folder}: source folder does not exist")
    found = sorted(p for p in folder.rglob(pattern) if p.is_file() and not p.name.endswith(".meta.yaml"))
    if not found:
        raise ParseError(f"{folder}: no file matching {pattern!r}")
    return found


def read_text(path: Path, encoding: str = "utf-8-sig") -> str:
    """Read a whole text file, turning missing/empty/wrongly encoded files into a clear ParseError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not raw.strip():
        raise ParseError(f"{path}: the file is empty")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"{path}: not valid {encoding} text (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}); "
            "was the file re-saved in another encoding?"
        ) from exc


def read_csv(
    path: Path,
    *,
    expected_columns: Iterable[str] = (),
    skiprows: int = 0,
    encoding: str = "utf-8-sig",
    only_expected: bool = False,
    as_objects: bool = False,
) -> pd.DataFrame:
    """Read a CSV with every cell as text (no guessing), after checking encoding, emptiness and columns.

    Cells are kept as strings ('' for empty) so each parser converts values explicitly with `to_numbers`,
    naming its own missing-value markers. `only_expected`: keep only the `expected_columns`, read by the csv
    module when the file is plain (`_plain_table`; the country table needs 4 of the UNDP file's 1,076 columns, and
    making text columns of the rest was most of its read).
    `as_objects`: the same strings in object columns, for a parser that takes the cells out as one numpy array
    anyway (text columns would be made cell by cell, then turned back cell by cell).

    Raises:
        ParseError: unreadable, empty, not `encoding`, not CSV, no data rows, or lacking `expected_columns`.
    """
    text = read_text(path, encoding)
    if only_expected and not skiprows:
        plain = _plain_table(text)
        if plain is not None:
            plain.columns = [str(c).strip() for c in plain.columns]
            expected = set(expected_columns)
            wanted = [c for c in plain.columns if c in expected]
            # Only when the names stay distinct once stripped and every expected one is there: else the whole
            # file is read below, so the frame or the error is the one it gives.
            if plain.columns.is_unique and expected <= set(wanted):
                return plain[wanted].astype(str)
    try:
        frame = _read_csv_text(text, skiprows, as_objects)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise ParseError(f"{path}: cannot be read as CSV ({exc})") from exc
    require_columns(frame, expected_columns, path)
    if frame.empty:
        raise ParseError(f"{path}: has a header but no data rows")
    return frame


def _read_csv_text(text: str, skiprows: int, as_objects: bool = False) -> pd.DataFrame:
    """The cells of CSV `text` as strings (in object columns if `as_objects`), column names stripped."""
    frame = _plain_table(text) if as_objects and not skiprows else None
    if frame is None:
        frame = pd.read_csv(
            io.StringIO(text), skiprows=skiprows, dtype=object if as_objects else str, keep_default_na=False,
            na_filter=False,
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _plain_table(text: str) -> pd.DataFrame | None:
    """A plain CSV's cells as `pd.read_csv(dtype=object, na_filter=False)` gives them, read by the csv module;
    None for anything pandas might read differently (let it decide): malformed quoting, blank or ragged lines,
    blank or repeated header names, no data rows.

    pandas makes each column in a Python call of its own, so a wide file (UNDP: 1,076 columns) cost 0.1-0.2 s
    however few its rows; this is one 2-D array.
    """
    try:
        rows = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error:
        return None
    if len(rows) < 2:
        return None
    header = rows[0]
    if "" in header or len(set(header)) != len(header) or any(len(row) != len(header) for row in rows):
        return None
    return pd.DataFrame(np.array(rows[1:], dtype=object), columns=header, dtype=object)


def require_columns(frame: pd.DataFrame, expected: Iterable[str], origin: Path | str) -> None:
    """Raise ParseError naming `origin`, the missing columns and the columns found, if any expected one is absent."""
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        found = list(frame.columns)
        shown = found if len(found) <= 12 else found[:12] + [f"... {len(found) - 12} more"]
        raise ParseError(f"{origin}: expected columns {missing} are missing; found {shown}")


def to_numbers(
    values: pd.Series, origin: Path | str, column: str, missing_markers: Iterable[str] = ("",)
) -> pd.Series:
    """Convert text cells to floats. Cells equal to a declared marker (after stripping) become NaN.

    Any other non-numeric text is an error: an unknown marker means the publisher changed something.

    Raises:
        ParseError: naming `origin`, `column` and a few of the offending cells.
    """
    markers, text, numbers, bad = _parsed_numbers(values, missing_markers)
    if bad.any():
        examples = sorted(set(text[bad].tolist()))[:5]
        raise ParseError(
            f"{origin}: column {column!r} has {int(bad.sum())} non-numeric cells {examples} "
            f"that are not a declared missing-value marker {sorted(markers)}"
        )
    return numbers.astype("float64")


def _parsed_numbers(
    values: pd.Series, missing_markers: Iterable[str]
) -> tuple[set[str], pd.Series, pd.Series, pd.Series]:
    """(markers, stripped text, numbers, bad) as `to_numbers` finds them; bad: text neither number nor marker."""
    markers = {str(m).strip() for m in missing_markers}
    text = values.astype("string").str.strip()
    is_missing = text.isna() | text.isin(markers)
    # Only the cells that are not missing are converted (the same text dtype, so the same conversion of each
    # cell, ints and floats decided over the same cells); a third to a half of most files' cells are blank.
    present = np.flatnonzero(~is_missing.to_numpy(dtype=bool))
    converted = pd.to_numeric(text.iloc[present], errors="coerce").astype("float64").to_numpy()
    floats = np.full(len(text), np.nan)
    floats[present] = converted
    numbers = pd.Series(floats, index=text.index, name=text.name)
    bad = np.zeros(len(text), dtype=bool)
    bad[present] = np.isnan(converted)
    return markers, text, numbers, pd.Series(bad, index=text.index)


def non_numeric_cells(values: pd.Series, missing_markers: Iterable[str] = ("",)) -> np.ndarray:
    """Where `to_numbers(values, ...)` would find text that is neither a number nor a declared marker."""
    return _parsed_numbers(values, missing_markers)[3].to_numpy(dtype=bool)


def indicators_by_code(catalogue: dict[str, Indicator], source: str) -> dict[str, Indicator]:
    """The catalogue entries of `source` that the shipped snapshot holds, keyed by publisher code."""
    return {i.code: i for i in catalogue.values() if i.source == source and i.in_snapshot}




def tidy_rows(
    frame: pd.DataFrame,
    indicator: Indicator,
    *,
    file: str,
    note: str | pd.Series | None = None,
    computed: bool = False,
) -> pd.DataFrame:
    """Turn `frame` (columns iso3, country, year, value; value already numeric) into tidy rows of `indicator`.

    Rows with no value are dropped, never filled. The catalogue's `scale` is applied here, once.
    `note` defaults to the catalogue note; a Series (aligned with `frame`) gives each row its own.
    """
    require_columns(frame, ("iso3", "country", "year", "value"), file)
    keep = frame["value"].notna()
    kept = keep.to_numpy()
    count = int(kept.sum())
    if count == 0:
        return empty_tidy()
    # The kept rows by position, column by column (a boolean .loc over the frame cost more than the rest).
    positions = None if count == len(frame) else np.flatnonzero(kept)

    def column(name: str) -> pd.Series:
        return frame[name] if positions is None else frame[name].take(positions)

    note = indicator.note if note is None else note
    # Built in the tidy dtypes at once (repeated text as one value `count` times): this runs once per
    # series and year of every source, and converting column by column afterwards dominated the build.
    tidy = pd.DataFrame(
        {
            "iso3": column("iso3").astype("string").array,
            "country": column("country").astype("string").array,
            "year": column("year").astype("int64").to_numpy(),
            "indicator": _repeated(indicator.id, count),
            "value": column("value").astype("float64").to_numpy() * float(indicator.scale),
            "unit": _repeated(indicator.unit, count),
            "source": _repeated(indicator.source, count),
            "code": _repeated(indicator.code, count),
            "file": _repeated(file, count),
            "note": note[keep].astype("string").array if isinstance(note, pd.Series) else _repeated(note, count),
            "computed": np.full(count, computed, dtype=bool),
        }
    )
    # Built in the tidy columns and dtypes already, so `check_tidy` (a third of this function's time, once per
    # series and year) runs only when it has something to convert or to refuse.
    if not has_tidy_layout(tidy) or tidy["value"].isna().any():
        return check_tidy(tidy, file)
    return tidy


def tidy_blocks(frame: pd.DataFrame, blocks: list[tuple[Indicator, int]], *, file: str) -> list[pd.DataFrame]:
    """`tidy_rows` of consecutive blocks of `frame` (each `(indicator, rows)`, in order), as a list of frames that
    concatenates to what the blocks' own `tidy_rows` frames concatenate to (empty blocks left out).

    One frame for all blocks: a wide file's dozens of series each paid `tidy_rows`' fixed cost (most of a small
    file's parse). Rows with no value are dropped and each block's `scale` applied, as there.
    """
    require_columns(frame, ("iso3", "country", "year", "value"), file)
    values = frame["value"].astype("float64").to_numpy()
    kept = ~np.isnan(values)
    block_of_row = np.repeat(np.arange(len(blocks)), [rows for _, rows in blocks])
    positions = np.flatnonzero(kept)
    if len(positions) == 0:
        return []
    block = block_of_row[positions]

    def per_block(texts: list[str]) -> pd.api.extensions.ExtensionArray:
        # Each block's text repeated for its kept rows, in the tidy text dtype (large_string, as `_repeated`).
        return pd.arrays.ArrowStringArray(pa.array(texts, pa.large_string()).take(pa.array(block)))

    indicators = [indicator for indicator, _ in blocks]
    tidy = pd.DataFrame(
        {
            "iso3": frame["iso3"].take(positions).astype("string").array,
            "country": frame["country"].take(positions).astype("string").array,
            "year": frame["year"].take(positions).astype("int64").to_numpy(),
            "indicator": per_block([i.id for i in indicators]),
            "value": values[positions] * np.array([float(i.scale) for i in indicators])[block],
            "unit": per_block([i.unit for i in indicators]),
            "source": per_block([i.source for i in indicators]),
            "code": per_block([i.code for i in indicators]),
            "file": per_block([file] * len(indicators)),
            "note": per_block([i.note for i in indicators]),
            "computed": np.zeros(len(positions), dtype=bool),
        }
    )
    if not has_tidy_layout(tidy):
        tidy = check_tidy(tidy, file)
    return [tidy]


def _repeated(text: str, count: int) -> pd.api.extensions.ExtensionArray:
    """`text` `count` times, in the tidy text dtype (large_string, as pandas stores it; pyarrow's repeat takes
    a sixth of the time of a take)."""
    return pd.arrays.ArrowStringArray(pa.repeat(pa.scalar(text, pa.large_string()), count))


def concat_tidy(frames: list[pd.DataFrame], origin: str) -> pd.DataFrame:
    """Concatenate tidy frames (skipping empty ones) and re-check the schema."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_tidy()
    return check_tidy(pd.concat(frames, ignore_index=True), origin)


def years_from_columns(columns: Iterable[str]) -> list[str]:
    """The column names that are four-digit years (wide publisher tables: 1960, 1961, ...)."""
    return [c for c in columns if len(c) == 4 and c.isdigit()]


ALIASES_DIR = CATALOGUE_DIR / "aliases"


def read_aliases(path: Path, key_column: str) -> dict[str, str]:
    """Read a declared alias CSV (data/catalogue/aliases/*.csv) into {publisher code or name: iso3}.

    Raises:
        ParseError: the file is unreadable, lacks `key_column`/`iso3`, repeats a key, or has a blank iso3.
    """
    table = read_csv(path, expected_columns=(key_column, "iso3"))
    keys = table[key_column].str.strip()
    duplicated = sorted(set(keys[keys.duplicated()]))
    if duplicated:
        raise ParseError(f"{path}: {key_column} {duplicated} listed more than once")
    blank = keys[table["iso3"].str.strip() == ""].tolist()
    if blank:
        raise ParseError(f"{path}: no iso3 given for {blank}")
    return dict(zip(keys, table["iso3"].str.strip(), strict=True))


# --- Spreadsheet helpers (added by the SIPRI/CPI/IMF parsers; any xlsx parser can use them) ---


def read_workbook_sheets(path: Path, sheets: Iterable[str]) -> dict[str, pd.DataFrame]:
    """Read the named sheets of an xlsx with python-calamine, every cell as published, no header guessing.

    Each frame has the sheet's rows as they are (header=None), so the parser finds its header row by content.

    Raises:
        ParseError: the file is missing, empty, not a spreadsheet, or lacks one of `sheets` (naming those found).
    """
    from python_calamine import CalamineError  # pandas' calamine engine raises this for non-spreadsheets

    if not path.is_file():
        raise ParseError(f"{path}: file does not exist")
    if path.stat().st_size == 0:
        raise ParseError(f"{path}: the file is empty")
    try:
        book = pd.ExcelFile(path, engine="calamine")
    except (CalamineError, OSError, ValueError) as exc:
        raise ParseError(f"{path}: cannot be read as an Excel workbook ({exc})") from exc
    with book:
        missing = [s for s in sheets if s not in book.sheet_names]
        if missing:
            raise ParseError(f"{path}: sheets {missing} are missing; found {book.sheet_names}")
        try:
            return {name: _sheet_frame(book.book.get_sheet_by_name(name), name) for name in dict.fromkeys(sheets)}
        except (CalamineError, ValueError) as exc:
            raise ParseError(f"{path}: a sheet cannot be read ({exc})") from exc


def _sheet_frame(sheet, name: str) -> pd.DataFrame:
    """One calamine sheet as `pd.read_excel(..., header=None, dtype=object)` gives it, cell for cell.

    pandas converts each cell in a Python function call (whole numbers to int, dates to datetimes), which was
    most of a workbook parse: the same conversion inline takes about a third of that. The table is then built by the
    same TextParser `read_excel` uses, so blanks and missing-value text become NaN exactly as there.
    """
    rows = sheet.to_python(skip_empty_area=False)
    if not rows:
        return pd.DataFrame()
    data = [
        [
            int(cell) if type(cell) is float and cell.is_integer()
            else datetime(cell.year, cell.month, cell.day) if type(cell) is date
            else cell
            for cell in row
        ]
        for row in rows
    ]
    try:
        return TextParser(data, header=None, dtype=object, skip_blank_lines=False).read()
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except Exception as err:  # named like read_excel names it
        err.args = (f"{err.args[0]} (sheet: {name})", *err.args[1:])
        raise


def header_row(table: pd.DataFrame, label: str, origin: str, *, first_column_only: bool = False) -> int:
    """Position of the first row holding the cell `label` (in the first column only, if asked).

    Publishers move header rows between editions, so parsers find them by content, never by number.

    Raises:
        ParseError: no row holds `label`.
    """
    cells = (table.iloc[:, :1] if first_column_only else table).to_numpy(dtype=object)
    # Header rows sit near the top: rows are searched from the top, cell by cell, stopping at the first hit (a
    # column-wise text conversion of every searched cell cost more than the rest of the header search).
    for position, row in enumerate(cells):
        if any(_cell_text(cell) == label for cell in row):
            return position
    where = "first column" if first_column_only else "any column"
    raise ParseError(f"{origin}: no header row with {label!r} in {where}; has the layout changed?")


def _cell_text(cell: object) -> str | None:
    """A cell as stripped text, as `astype("string").str.strip()` gives it (None for a blank)."""
    if isinstance(cell, str):
        return cell.strip()
    return None if pd.isna(cell) else str(cell).strip()


def with_header(table: pd.DataFrame, row: int) -> pd.DataFrame:
    """The rows below `row`, with that row's cells (stripped text; years as '1990') as column names.

    The index keeps the sheet's 0-based row positions, so errors can name the spreadsheet row (position + 1).
    """
    names = []
    for cell in table.iloc[row]:
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)  # a year typed as a number
        names.append("" if pd.isna(cell) else str(cell).strip())
    body = table.iloc[row + 1 :].copy()
    body.columns = names
    return body


def cells_to_numbers(values: pd.Series, origin: str, missing_markers: Iterable[str] = ()) -> pd.Series:
    """Convert spreadsheet cells (numbers, blanks or text) to floats; declared markers and blanks become NaN.

    Any other text is an error naming the spreadsheet row (index + 1) and the cell.

    Raises:
        ParseError: naming `origin`, the first offending row and value, and how many there are.
    """
    # Most columns hold only numbers and blanks: convert them at once, cell by cell only when text is there.
    if pd.api.types.infer_dtype(values, skipna=True) in ("floating", "integer", "mixed-integer-float", "empty"):
        numbers = _floats(values)
        if numbers is not None and not (numbers.isna() & values.notna()).any():
            return numbers
    markers = {str(m).strip() for m in missing_markers}
    texts = [cell.strip() if isinstance(cell, str) else cell for cell in values.tolist()]
    # Missing: a blank or marker text, or a non-text blank (NaN, None); isna of a text cell is False.
    missing = values.isna().to_numpy(dtype=bool) | np.array(
        [isinstance(text, str) and (text == "" or text in markers) for text in texts], dtype=bool
    )
    # A boolean is not a number (to_numeric would read True as 1): leave it out so it counts as bad.
    left_out = missing | np.array([isinstance(text, bool) for text in texts], dtype=bool)
    cleaned = np.array(texts + [None], dtype=object)[:-1]  # the None keeps numpy from splitting sequences
    cleaned[left_out] = None
    is_missing = pd.Series(missing, index=values.index, dtype=bool)
    numbers = pd.to_numeric(pd.Series(cleaned, index=values.index, dtype=object), errors="coerce").astype("float64")
    bad = numbers.isna() & ~is_missing
    if bad.any():
        row = bad[bad].index[0]
        raise ParseError(
            f"{origin}: row {row + 1} holds {values[row]!r}, which is not a number nor a declared "
            f"missing-value marker {sorted(markers)} ({int(bad.sum())} such cells)"
        )
    return numbers


def _floats(values: pd.Series) -> pd.Series | None:
    """Cells that are all numbers or blanks as float64; None if pandas cannot convert them."""
    try:
        # numpy's float conversion takes an eighth of `to_numeric`'s time on a column of Python numbers.
        return pd.Series(values.to_numpy(dtype="float64"), index=values.index, name=values.name)
    except (TypeError, ValueError, OverflowError):
        pass  # e.g. pd.NA or a huge integer: converted as before
    try:
        return pd.to_numeric(values, errors="coerce").astype("float64")
    except (TypeError, ValueError):
        return None


def require_unique(frame: pd.DataFrame, keys: list[str], origin: str) -> None:
    """Raise ParseError naming the first repeated key (e.g. two values for one country and year)."""
    repeated = frame.duplicated(keys, keep=False)
    if repeated.any():
        first = frame.loc[repeated, keys].iloc[0].to_dict()
        raise ParseError(f"{origin}: more than one row for {first} ({int(repeated.sum())} rows repeat a key)")


def coded_rows(body: pd.DataFrame, *, iso3: str, country: str, year: str, origin: str) -> pd.DataFrame:
    """Columns iso3, country, year (float) of a long sheet coded by ISO3, keeping the sheet's row index.

    Blank rows (no code and no year) are dropped; a row with a code that is not three capital letters or
    with no numeric year is an error, and so is a country listed twice for one year.

    Raises:
        ParseError: naming `origin`, the spreadsheet row and its cells.
    """
    body = body[~body[[iso3, year]].isna().all(axis=1)]
    rows = pd.DataFrame(
        {
            "iso3": body[iso3].astype("string").str.strip(),
            "country": body[country].astype("string").str.strip(),
            "year": cells_to_numbers(body[year], f"{origin} column {year!r}"),
        },
        index=body.index,
    )
    bad = rows.index[~rows["iso3"].fillna("").str.fullmatch(r"[A-Z]{3}") | rows["year"].isna()]
    if len(bad):
        cells = body.loc[bad[0], [iso3, year]].tolist()
        raise ParseError(f"{origin}: row {bad[0] + 1} lacks a three-letter ISO3 code or a year ({cells})")
    require_unique(rows, ["iso3", "year"], origin)
    return rows


def single_file(folder: Path, pattern: str) -> Path:
    """The one file in `folder` matching `pattern` (a publisher's single workbook or CSV).

    Raises:
        ParseError: the folder is missing, nothing matches, or several files match (which one is current?).
    """
    found = find_files(folder, pattern)
    if len(found) > 1:
        raise ParseError(f"{folder}: expected one file matching {pattern!r}, found {[p.name for p in found]}")
    return found[0]
