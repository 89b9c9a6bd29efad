"""Taguette's CSV exports: highlights (`id, document, tag, content`) and codebook
(`tag, parent, description, number of highlights`; older versions have no `parent`).

A highlight with several tags appears once per tag in Taguette's export; a highlight with no tag has an empty
`tag` cell and is skipped (with a note), since it belongs to no theme.
"""

from __future__ import annotations

from src.qual.cells import clean_text
from src.qual.csv_table import require_rows, rows
from src.qual.model import (
    QualImport,
    QualImportError,
    Skipped,
    codings_frame,
    empty_codings,
    join_path,
    make_import,
)

FORMAT = "taguette"
HIGHLIGHT_COLUMNS = ("id", "document", "tag", "content")
CODEBOOK_COLUMNS = ("tag", "description", "number of highlights")


def read_highlights(data: bytes, file_name: str) -> QualImport:
    header, body = rows(data, file_name, HIGHLIGHT_COLUMNS, "Taguette highlights CSV")
    at = {name: header.index(name) for name in HIGHLIGHT_COLUMNS}
    records, untagged = [], 0
    for line, cells in body:
        tag, document = clean_text(cells[at["tag"]]), clean_text(cells[at["document"]])
        if not document:
            raise QualImportError(file_name, "the `document` cell is empty", f"line {line}")
        if not tag:
            untagged += 1
            continue
        records.append({"interviewee": document, "document": document, "path": [tag],
                        "excerpt": cells[at["content"]]})
    require_rows(len(records) + untagged, file_name, "Taguette highlights CSV")
    skipped = [Skipped(file_name, "highlight(s) without a tag", untagged, "a highlight with no tag belongs to no "
                       "theme")] if untagged else []
    return make_import(file_name, FORMAT, codings_frame(records, FORMAT), skipped=skipped)


def read_codebook(data: bytes, file_name: str) -> QualImport:
    header, body = rows(data, file_name, CODEBOOK_COLUMNS, "Taguette codebook CSV")
    parent_at = header.index("parent") if "parent" in header else None
    parents, descriptions, lines = {}, {}, {}
    for line, cells in body:
        tag = clean_text(cells[header.index("tag")])
        if not tag:
            raise QualImportError(file_name, "the `tag` cell is empty", f"line {line}")
        parents[tag] = clean_text(cells[parent_at]) if parent_at is not None else ""
        descriptions[tag] = clean_text(cells[header.index("description")])
        lines[tag] = line
    require_rows(len(parents), file_name, "Taguette codebook CSV")

    def path_of(tag: str) -> list[str]:
        chain = [tag]
        while parents.get(chain[-1]):
            if parents[chain[-1]] in chain:
                raise QualImportError(file_name, f"tag {tag!r} is its own ancestor", f"line {lines[tag]}")
            chain.append(parents[chain[-1]])
        return chain[::-1]

    paths = {tag: join_path(path_of(tag)) for tag in parents}
    return make_import(file_name, FORMAT, empty_codings(), {paths[t]: d for t, d in descriptions.items()},
                       extra_paths=paths.values())
