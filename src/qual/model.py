"""The common shape every reader returns, so the page and the mapping never care which tool wrote a file.

A `QualImport` holds two tables: `codings` (one row per coded excerpt) and `codes` (the code tree, one row per
code, parents before children). A code is identified by its `code_path` ("Theme / Sub-code / Code"), because
tools allow the same name under different parents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from src.qual.cells import clean_text

PATH_SEPARATOR = " / "

CODING_COLUMNS = {
    "interviewee": "who was interviewed (a case, or else the document name)",
    "document": "the file or document the excerpt was coded in",
    "code": "the code's own name",
    "code_path": "the code with its parents, 'Theme / Sub-code / Code'",
    "parent": "the nearest parent code ('' for a top-level code)",
    "theme": "the top-level code the code sits under (the code itself when it is top-level)",
    "excerpt": "the coded text, as plain text ('' when the file holds only its position)",
    "position": "where the excerpt sits in its document, as the tool recorded it ('characters 0-31'; '' if none)",
    "source_format": "which reader read it (taguette, qualcoder, refi-qda, simple)",
}
CODE_COLUMNS = {
    "code_path": "the code with its parents",
    "code": "the code's own name",
    "parent_path": "the parent's code_path ('' for a top-level code)",
    "depth": "0 for a top-level code (a theme), 1 for its children, ...",
    "description": "the tool's description or memo of the code ('' when none)",
}


class QualImportError(ValueError):
    """A coding file cannot be read. `str()` names the file, the problem and the line or element at fault."""

    def __init__(self, file_name: str, problem: str, where: str = ""):
        self.file_name, self.problem, self.where = file_name, problem, where
        place = f" ({where})" if where else ""
        super().__init__(f"{file_name}{place}: {problem}")


@dataclass(frozen=True)
class Skipped:
    """Something a reader left out: `count` of `what` in `file_name`, and `why` (a sentence for the reader)."""

    file_name: str
    what: str
    count: int
    why: str

    def __str__(self) -> str:
        return f"{self.file_name}: {self.count} {self.what} skipped: {self.why}"


@dataclass(frozen=True)
class QualImport:
    """What one or more files brought in. `files` names them; `notes` are general remarks; `skipped` says what a
    reader left out and why; `documents` names every document read (coded or not)."""

    codings: pd.DataFrame
    codes: pd.DataFrame
    files: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)
    documents: tuple[str, ...] = field(default_factory=tuple)

    @property
    def messages(self) -> list[str]:
        """Every note and every skip, as sentences."""
        return [*self.notes, *(str(s) for s in self.skipped)]

    @property
    def interviewees(self) -> list[str]:
        return sorted(self.codings["interviewee"].unique())


def join_path(parts: Iterable[str]) -> str:
    return PATH_SEPARATOR.join(p for p in parts if p)


def empty_codings() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="string") for column in CODING_COLUMNS})


def codes_table(paths: Iterable[str], descriptions: dict[str, str] | None = None) -> pd.DataFrame:
    """The code tree from code paths: every ancestor becomes a node too, sorted so parents come first."""
    descriptions = descriptions or {}
    nodes: dict[str, tuple[str, str, int]] = {}
    for path in paths:
        parts = path.split(PATH_SEPARATOR)
        for depth in range(len(parts)):
            node = join_path(parts[: depth + 1])
            nodes.setdefault(node, (parts[depth], join_path(parts[:depth]), depth))
    rows = [
        {"code_path": p, "code": n, "parent_path": parent, "depth": d, "description": descriptions.get(p, "")}
        for p, (n, parent, d) in sorted(nodes.items())
    ]
    frame = pd.DataFrame(rows, columns=list(CODE_COLUMNS))
    return frame.astype({"code_path": "string", "code": "string", "parent_path": "string", "description": "string",
                         "depth": "int64"})


def codings_frame(rows: list[dict], source_format: str) -> pd.DataFrame:
    """Rows with interviewee, document, excerpt and `path` (a list of names, top-level first) -> the codings table."""
    records = []
    for row in rows:
        # Each name cleaned once (a 1,000-interview import cleans some 50,000 cells).
        path = [cleaned for p in row["path"] if p for cleaned in (clean_text(p),) if cleaned]
        document = clean_text(row["document"])
        records.append(
            {
                "interviewee": clean_text(row["interviewee"]) or document,
                "document": document,
                "code": path[-1],
                "code_path": join_path(path),
                "parent": path[-2] if len(path) > 1 else "",
                "theme": path[0],
                "excerpt": clean_text(row["excerpt"]),
                "position": row.get("position", ""),
                "source_format": source_format,
            }
        )
    if not records:
        return empty_codings()
    return pd.DataFrame(records, columns=list(CODING_COLUMNS)).astype("string")


def make_import(
    file_name: str, source_format: str, codings: pd.DataFrame, descriptions: dict[str, str] | None = None,
    extra_paths: Iterable[str] = (), notes: Iterable[str] = (), skipped: Iterable[Skipped] = (),
    documents: Iterable[str] | None = None,
) -> QualImport:
    """One file's import; `documents` defaults to the documents that have codings."""
    codes = codes_table([*codings["code_path"].unique(), *extra_paths], descriptions)
    documents = dict.fromkeys(codings["document"].unique() if documents is None else documents)
    return QualImport(codings, codes, (file_name,), (source_format,), tuple(notes), tuple(skipped), tuple(documents))


def combine(imports: Iterable[QualImport]) -> QualImport:
    """Several files as one import (e.g. a Taguette codebook plus its highlights). A codebook-only file adds its
    code tree and descriptions; a highlights file whose flat tag the codebook places under a parent takes that
    parent."""
    imports = list(imports)
    codes = pd.concat([i.codes for i in imports], ignore_index=True)
    descriptions = {p: d for p, d in zip(codes["code_path"], codes["description"]) if d}
    # A flat tag ("health") that a codebook names under a parent ("Financial constraints / health") moves there.
    full_path = {}
    for path in codes["code_path"]:
        name = path.split(PATH_SEPARATOR)[-1]
        if PATH_SEPARATOR in path:
            full_path.setdefault(name, path)
    frames = []
    for item in imports:
        frame = item.codings.copy()
        flat = ~frame["code_path"].str.contains(PATH_SEPARATOR, regex=False)
        moved = frame.loc[flat, "code"].map(full_path)
        has_parent = moved.notna()
        if has_parent.any():
            index = moved[has_parent].index
            frame.loc[index, "code_path"] = moved[has_parent]
            parts = moved[has_parent].str.split(PATH_SEPARATOR)
            frame.loc[index, "parent"] = parts.str[-2]
            frame.loc[index, "theme"] = parts.str[0]
        frames.append(frame)
    codings = pd.concat(frames, ignore_index=True) if frames else empty_codings()
    kept = [p for p in codes["code_path"] if PATH_SEPARATOR in p or p not in full_path]
    all_paths = [*kept, *codings["code_path"].unique()]
    return QualImport(
        codings.astype("string"),
        codes_table(all_paths, descriptions),
        tuple(f for i in imports for f in i.files),
        tuple(dict.fromkeys(f for i in imports for f in i.formats)),
        tuple(n for i in imports for n in i.notes),
        tuple(s for i in imports for s in i.skipped),
        tuple(dict.fromkeys(d for i in imports for d in i.documents)),
    )
