"""What came in, summarised for the page: the code tree as text, the theme x interviewee matrix, excerpt search."""

from __future__ import annotations

import pandas as pd

from src.qual.model import PATH_SEPARATOR, QualImport


def tree_lines(qual: QualImport) -> list[str]:
    """The code tree, one line per code, indented by depth, with its number of excerpts (its own and below)."""
    totals: dict[str, int] = {}
    for path, count in qual.codings["code_path"].value_counts().items():
        parts = path.split(PATH_SEPARATOR)
        for depth in range(1, len(parts) + 1):
            ancestor = PATH_SEPARATOR.join(parts[:depth])
            totals[ancestor] = totals.get(ancestor, 0) + int(count)
    return [f"{'    ' * int(row.depth)}{row.code}  ({totals.get(row.code_path, 0)})"
            for row in qual.codes.itertuples(index=False)]


def theme_matrix(codings: pd.DataFrame, theme_column: str = "theme") -> pd.DataFrame:
    """Excerpts per theme (rows) and interviewee (columns), plus `interviewees` = how many raised the theme.

    Rows are sorted by that count, most widely raised first. Rows with an empty theme are left out.
    """
    used = codings[codings[theme_column].fillna("") != ""]
    matrix = pd.crosstab(used[theme_column], used["interviewee"])
    matrix.insert(0, "interviewees", (matrix > 0).sum(axis=1))
    return matrix.sort_values(["interviewees"], ascending=False, kind="stable").rename_axis(index="theme",
                                                                                           columns=None)


def search_excerpts(codings: pd.DataFrame, query: str = "", theme: str | None = None) -> pd.DataFrame:
    """Excerpts containing `query` (case-insensitive, plain text, not a pattern), optionally of one theme."""
    rows = codings
    if theme:
        rows = rows[rows["theme"] == theme]
    if query.strip():
        needle = query.strip()
        hit = (rows["excerpt"].str.contains(needle, case=False, regex=False)
               | rows["code_path"].str.contains(needle, case=False, regex=False))
        rows = rows[hit.fillna(False).astype(bool)]
    return rows[["interviewee", "theme", "code_path", "excerpt", "document"]].reset_index(drop=True)


_MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>~$:")


def escape_markdown(text: str) -> str:
    """Imported names shown inside a Streamlit message (which renders markdown) must stay plain text."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))
