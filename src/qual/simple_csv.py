"""Our own simple CSV: one row per excerpt, `interviewee, theme, code, excerpt` (optional `document`).

For researchers whose tool exports nothing else: any spreadsheet can save it. Documented in README (interviews).
"""

from __future__ import annotations

from src.qual.cells import clean_text
from src.qual.csv_table import require_rows, rows
from src.qual.model import QualImport, QualImportError, codings_frame, make_import

FORMAT = "simple"
COLUMNS = ("interviewee", "theme", "code", "excerpt")
WHAT = "simple coding CSV (interviewee, theme, code, excerpt)"


def read(data: bytes, file_name: str) -> QualImport:
    header, body = rows(data, file_name, COLUMNS, WHAT)
    at = {name: header.index(name) for name in (*COLUMNS, *(["document"] if "document" in header else []))}
    records = []
    for line, cells in body:
        value = {name: clean_text(cells[i]) for name, i in at.items()}
        for needed in ("interviewee", "theme", "excerpt"):
            if not value[needed]:
                raise QualImportError(file_name, f"the `{needed}` cell is empty", f"line {line}")
        records.append(
            {
                "interviewee": value["interviewee"],
                "document": value.get("document") or value["interviewee"],
                "path": [value["theme"], value["code"]],
                "excerpt": value["excerpt"],
            }
        )
    require_rows(len(records), file_name, WHAT)
    return make_import(file_name, FORMAT, codings_frame(records, FORMAT))
