"""QualCoder's coding-report CSV export (Reports > Coding reports > export csv).

Columns, as QualCoder writes them (UTF-8 with a byte-order mark, every cell quoted): `File, Coder, Coded, Id,
Codename, Coded_Memo`, then one `Category` column per level of the code's categories, nearest category first;
for a report by case the first columns are `Case, Filename`. Optional `FileVar_*`/`CaseVar_*` columns are ignored.
Image and audio/video codings (`Coded` = image / a/v) carry no text and are skipped with a note.
"""

from __future__ import annotations

from src.qual.cells import clean_text
from src.qual.csv_table import require_rows, rows
from src.qual.model import QualImport, QualImportError, Skipped, codings_frame, make_import

FORMAT = "qualcoder"
COLUMNS = ("coder", "coded", "id", "codename")
WHAT = "QualCoder coding CSV (File or Case, Coder, Coded, Id, Codename, Category...)"


def read(data: bytes, file_name: str) -> QualImport:
    header, body = rows(data, file_name, COLUMNS, WHAT)
    by_case = header[0] == "case"
    if header[0] not in ("file", "case"):
        raise QualImportError(file_name, f"wrong columns for a {WHAT}: the first column is {header[0]!r}, "
                              "expected 'File' or 'Case'", "line 1")
    if by_case and "filename" not in header:
        raise QualImportError(file_name, f"wrong columns for a {WHAT}: a report by case needs 'Filename'", "line 1")
    category_at = [i for i, name in enumerate(header) if name == "category"]
    coded_at, id_at, code_at = header.index("coded"), header.index("id"), header.index("codename")
    records, media = [], 0
    for line, cells in body:
        if not cells[id_at].startswith("ctid:") and cells[coded_at] in ("image", "a/v"):
            media += 1
            continue
        code = clean_text(cells[code_at])
        if not code:
            raise QualImportError(file_name, "the `Codename` cell is empty", f"line {line}")
        categories = [clean_text(cells[i]) for i in category_at if clean_text(cells[i])]
        document = cells[header.index("filename")] if by_case else cells[0]
        records.append({"interviewee": cells[0], "document": document, "path": [*categories[::-1], code],
                        "excerpt": cells[coded_at]})
    require_rows(len(records) + media, file_name, WHAT)
    skipped = [Skipped(file_name, "image or audio/video coding(s)", media, "they carry no text")] if media else []
    return make_import(file_name, FORMAT, codings_frame(records, FORMAT), skipped=skipped)
