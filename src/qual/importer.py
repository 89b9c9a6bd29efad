"""One door for every coding file: detect its format (or take the one the user chose) and call its reader.

Detection looks at the content, whatever the name: a zip is a .qdpx project (MAXQDA's are often shared renamed
.zip), XML is told apart by its root element's namespace (a bare .qde project is read too), a CSV by its header.
Reading several files together (a Taguette codebook with its highlights) combines them into one `QualImport`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from src.qual import qualcoder, refiqda, simple_csv, taguette
from src.qual.csv_table import header_of
from src.qual.model import QualImport, QualImportError, combine
from src.qual.safety import check_size, xml_head

# Format id -> (label shown to users, reader).
FORMATS: dict[str, tuple[str, Callable[[bytes, str], QualImport]]] = {
    "simple": ("Simple CSV (interviewee, theme, code, excerpt)", simple_csv.read),
    "taguette_highlights": ("Taguette highlights CSV (id, document, tag, content)", taguette.read_highlights),
    "taguette_codebook": ("Taguette codebook CSV (tag, parent, description, number of highlights)",
                          taguette.read_codebook),
    "qualcoder": ("QualCoder coding report CSV (File, Coder, Coded, Id, Codename, Category...)", qualcoder.read),
    "refi_codebook": ("REFI-QDA codebook (.qdc)", refiqda.read_codebook),
    "refi_project": ("REFI-QDA project (.qdpx, .zip or a bare .qde)", refiqda.read_qdpx),
}
FILE_TYPES = ("csv", "qdc", "qdpx", "qde", "zip", "xml")



def detect_format(data: bytes, file_name: str) -> str:
    """The format id of a file, from its content. Raises QualImportError when nothing matches."""
    check_size(data, file_name)
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06") or file_name.lower().endswith((".qdpx", ".zip")):
        return "refi_project"
    head = xml_head(data)
    if head is not None:
        if refiqda.CODEBOOK_NS in head:
            return "refi_codebook"
        if refiqda.PROJECT_NS in head or "<Project" in head:
            return "refi_project"
        raise QualImportError(file_name, "XML in no known REFI-QDA namespace (expected urn:QDA-XML:codebook:1.0 "
                              "for a .qdc or urn:QDA-XML:project:1.0 for a .qde/.qdpx project)", "root element")
    header = set(header_of(data, file_name))
    if set(simple_csv.COLUMNS) <= header:
        return "simple"
    if set(taguette.HIGHLIGHT_COLUMNS) <= header:
        return "taguette_highlights"
    if set(taguette.CODEBOOK_COLUMNS) <= header:
        return "taguette_codebook"
    if set(qualcoder.COLUMNS) <= header:
        return "qualcoder"
    raise QualImportError(
        file_name, f"cannot tell the format from the columns {sorted(header)}; expected one of: "
        + "; ".join(label for label, _ in FORMATS.values()), "line 1",
    )


def read_coding_bytes(data: bytes, file_name: str, fmt: str | None = None) -> QualImport:
    """Read one uploaded file. `fmt` is a key of FORMATS, or None to detect it."""
    if fmt is not None and fmt not in FORMATS:
        raise QualImportError(file_name, f"unknown format {fmt!r}; use one of {list(FORMATS)}")
    fmt = fmt or detect_format(data, file_name)
    try:
        return FORMATS[fmt][1](data, file_name)
    except (RecursionError, MemoryError) as exc:
        # A last guard: hostile structure must end as a message, never take the page down.
        raise QualImportError(file_name, f"the file is too deeply nested or too large to read ({type(exc).__name__})"
                              ) from None


def read_coding_file(path: str | Path, fmt: str | None = None) -> QualImport:
    """Read a coding file from disk (for scripts and tests)."""
    path = Path(path)
    return read_coding_bytes(path.read_bytes(), path.name, fmt)


def read_coding_files(files: Iterable[tuple[str, bytes]], fmt: str | None = None) -> QualImport:
    """Read several files (name, bytes) as one import; the first bad file raises and nothing is returned."""
    imports = [read_coding_bytes(data, name, fmt) for name, data in files]
    if not imports:
        raise QualImportError("(no file)", "no file was given")
    result = combine(imports)
    if result.codings.empty:
        note = "only a codebook came in: the tree is shown, but there are no excerpts (upload the coded excerpts too)"
        result = replace(result, notes=(*result.notes, note))
    return result
