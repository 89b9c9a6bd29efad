"""The import report shown on the Interviews page: what was read (documents, codes, codings, interviewees) and
what was skipped, how many and why, so a tolerant import never hides what it left out."""

from __future__ import annotations

import pandas as pd

from src.qual.model import QualImport

SKIPPED_COLUMNS = ["file", "what", "count", "why"]


def import_counts(qual: QualImport) -> dict[str, int]:
    """Documents, codes, codings and interviewees read."""
    documents = set(qual.documents) | set(qual.codings["document"].unique())
    return {
        "documents": len(documents),
        "codes": len(qual.codes),
        "codings": len(qual.codings),
        "interviewees": int(qual.codings["interviewee"].nunique()),
    }


def skipped_table(qual: QualImport) -> pd.DataFrame:
    """One row per kind of thing skipped: file, what, count, why."""
    rows = [{"file": s.file_name, "what": s.what, "count": s.count, "why": s.why} for s in qual.skipped]
    return pd.DataFrame(rows, columns=SKIPPED_COLUMNS).astype({"count": "int64"})


def report_sentence(qual: QualImport) -> str:
    """'Read 3 documents, 4 codes, 5 codings and 2 interviewees; skipped 2 kinds of content (see below).'"""
    counts = import_counts(qual)
    read = ", ".join(f"{n} {what}" for what, n in counts.items())
    skipped = sum(s.count for s in qual.skipped)
    tail = f"; skipped {skipped} item(s) of {len(qual.skipped)} kind(s), listed below" if skipped else \
        "; nothing was skipped"
    return f"Read {read}{tail}."
