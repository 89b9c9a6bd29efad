"""What the Interviews page keeps between reruns, and the two steps that change it (import, mapping upload).

Pages read it from `st.session_state[SESSION_KEY]` (`"qual_import"`): a `QualSession`, or absent when nothing
was imported. Both steps are pure: on a bad file they return the previous session unchanged plus the message,
so nothing already loaded is lost.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

import pandas as pd

from src.qual.importer import read_coding_files
from src.qual.mapping import (
    excerpts_for_claim,
    excerpts_for_indicator,
    excerpts_for_theme,
    mapping_from_csv,
    merge_mapping,
    suggest_mapping,
)
from src.qual.model import QualImport, QualImportError

SESSION_KEY = "qual_import"


@dataclass(frozen=True)
class QualSession:
    """coding: what was imported; mapping: code_path -> theme_id, indicator_ids as the user last edited it;
    base_mapping: the mapping the editor starts from (changes on import or mapping upload); version: bumped then,
    so the page's editor starts afresh."""

    coding: QualImport
    mapping: pd.DataFrame
    base_mapping: pd.DataFrame
    version: int = 1

    def excerpts_for_theme(self, theme_id: str) -> pd.DataFrame:
        return excerpts_for_theme(theme_id, self.coding, self.mapping)

    def excerpts_for_indicator(self, indicator_id: str) -> pd.DataFrame:
        return excerpts_for_indicator(indicator_id, self.coding, self.mapping)

    def excerpts_for_claim(self, theme_id: str, indicator_ids: Iterable[str]) -> pd.DataFrame:
        return excerpts_for_claim(theme_id, indicator_ids, self.coding, self.mapping)


def import_files(
    previous: QualSession | None, files: Iterable[tuple[str, bytes]], fmt: str | None, themes: Mapping[str, str]
) -> tuple[QualSession | None, str | None]:
    """Read uploaded files into a new session (mapping suggested from theme labels), or keep `previous`.

    Returns:
        (session, None) on success; (previous, error message) when a file is bad.
    """
    try:
        coding = read_coding_files(files, fmt)
    except QualImportError as exc:
        return previous, str(exc)
    mapping = suggest_mapping(coding.codes, themes)
    return QualSession(coding, mapping, mapping, (previous.version + 1) if previous else 1), None


def upload_mapping(
    session: QualSession, data: bytes, file_name: str, themes: Collection[str], indicators: Collection[str] | None
) -> tuple[QualSession, str | None, list[str]]:
    """Apply an uploaded mapping CSV. Returns (session, error or None, uploaded code paths that are not loaded)."""
    try:
        uploaded = mapping_from_csv(data, file_name, themes, indicators)
    except QualImportError as exc:
        return session, str(exc), []
    merged, unmatched = merge_mapping(session.mapping, uploaded)
    return replace(session, mapping=merged, base_mapping=merged, version=session.version + 1), None, unmatched
