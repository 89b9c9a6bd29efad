"""Reading a CSV export the same way for every tool: UTF-8, a header with the expected columns, and every
problem reported with its line number (quoted fields may span lines, so lines are counted by the csv module)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from src.qual.model import QualImportError
from src.qual.safety import check_size, decode_utf8

HEADER_BYTES = 65536


def header_of(data: bytes, file_name: str) -> list[str]:
    """The first row of a CSV file, stripped and lower-cased (for format detection)."""
    if len(data) <= HEADER_BYTES:
        text = decode_utf8(data, file_name)
    else:
        # The prefix may cut a multi-byte character at its end; the full read later checks the encoding strictly.
        text = data[:HEADER_BYTES].decode("utf-8-sig", errors="ignore")
    first = next(csv.reader(io.StringIO(text)), [])
    return [cell.strip().lower() for cell in first]


def rows(
    data: bytes, file_name: str, required: Sequence[str], what: str
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Check the header and yield (line number, cells) for each data row.

    Args:
        required: column names (case-insensitive) the header must contain.
        what: the format's name for messages, e.g. "Taguette highlights CSV".
    Returns:
        (the header, lower-cased and stripped; an iterator over (line, cells)).
    Raises:
        QualImportError: empty file, not UTF-8, missing columns, a row with a different number of cells.
    """
    check_size(data, file_name)
    text = decode_utf8(data, file_name)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except StopIteration:
        raise QualImportError(file_name, "the file is empty") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise QualImportError(
            file_name, f"wrong columns for a {what}: missing {missing}; expected {list(required)}, found {header}",
            "line 1",
        )

    def body() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num
        try:
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    start = reader.line_num
                    continue
                if len(cells) != len(header):
                    raise QualImportError(
                        file_name, f"the row has {len(cells)} cells but the header has {len(header)}",
                        f"line {start + 1}",
                    )
                yield start + 1, cells
                start = reader.line_num
        except csv.Error as exc:
            raise QualImportError(file_name, f"the CSV is malformed ({exc})", f"line {reader.line_num}") from None

    return header, body()


def require_rows(found: int, file_name: str, what: str) -> None:
    if not found:
        raise QualImportError(file_name, f"the {what} has a header but no rows")
