"""A download bundle: the rows shown as CSV, plus a README, a metadata JSON and BibTeX naming every source behind them.

Why this module: a CSV alone loses where its numbers come from once it leaves the dashboard. The zip keeps each
original producer, licence and citation beside the data, so whoever opens it can cite and reuse it correctly.
Pure: it takes the rows and the declared catalogues and returns bytes (src/app/downloads.py offers the button).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping

import pandas as pd

from src.charts.common import with_citation_columns

CSV_NAME, README_NAME, METADATA_NAME, BIBTEX_NAME = "data.csv", "README.md", "metadata.json", "sources.bib"


def sources_of(rows: pd.DataFrame) -> list[str]:
    """The source ids behind the rows, sorted (no `source` column: none)."""
    return sorted(rows["source"].dropna().astype(str).unique()) if "source" in rows and len(rows) else []


def source_metadata(source_id: str, sources: Mapping) -> dict:
    """One source as the metadata JSON names it: original producer, title, edition, licence, citation, where."""
    source = sources.get(source_id)
    if source is None:
        return {"id": source_id, "producer": "", "citation": "", "licence": "", "note": "not in the source catalogue"}
    return {
        "id": source_id,
        "producer": source.producer,
        "title": source.title,
        "edition": source.edition,
        "last_updated": source.last_updated,
        "licence": source.licence,
        "licence_url": source.licence_url,
        "terms": source.redistribution,
        "url": source.url_main,
        "citation": source.citation,
    }


def indicator_metadata(indicator_ids: list[str], indicators: Mapping) -> list[dict]:
    """The indicators in the rows: our id, name, unit, the publisher's code, source and definition."""
    found = []
    for indicator_id in indicator_ids:
        indicator = indicators.get(indicator_id)
        if indicator is None:
            found.append({"id": indicator_id, "note": "not in the indicator catalogue"})
            continue
        found.append({"id": indicator.id, "name": indicator.name, "unit": indicator.unit, "code": indicator.code,
                      "source": indicator.source, "definition": indicator.definition, "note": indicator.note})
    return found


def bibtex_entry(source_id: str, sources: Mapping) -> str:
    """A @misc BibTeX entry for a source (key: its id), from its declared producer, title, edition and citation."""
    source = sources.get(source_id)
    if source is None:
        return ""
    year = re.search(r"\b(19|20)\d\d\b", f"{source.edition} {source.last_updated} {source.citation}")

    def clean(text: str) -> str:
        # Braces and backslashes would break the entry; BibTeX needs nothing else escaped inside braces.
        return str(text).replace("\\", "/").replace("{", "(").replace("}", ")")

    fields = {
        "author": f"{{{clean(source.producer)}}}",
        "title": f"{{{clean(source.title)}}}",
        "edition": clean(source.edition),
        "year": year.group(0) if year else "",
        "url": source.url_main,
        "note": f"Licence: {clean(source.licence)}. {clean(source.citation)}",
    }
    body = ",\n".join(f"  {key} = {{{value}}}" for key, value in fields.items() if value)
    return f"@misc{{{re.sub(r'[^A-Za-z0-9_]', '_', source_id)},\n{body}\n}}\n"


def readme_text(title: str, rows: pd.DataFrame, sources: Mapping, filters: Mapping[str, str]) -> str:
    """A plain README: what the CSV holds, the view's settings, its columns, and how to cite each source."""
    lines = [f"# {title}", "", f"`{CSV_NAME}` holds the {len(rows)} values shown in the dashboard for this view."]
    if filters:
        lines += ["", "## Settings of the view", ""] + [f"- {key}: {value}" for key, value in filters.items()]
    lines += [
        "", "## Columns", "",
        "Each row is one value: country (`iso3`, `country`), `year`, our `indicator` id, `value` and `unit`, the "
        "`source` id and the publisher's `code`, the raw `file` it was read from, any `note`, and `computed` "
        "(true when we derived the value from published figures). `source_title`, `licence` and `citation` repeat "
        "the source's terms on every row.",
        "", "## Sources (cite the original producer)", "",
    ]
    for source_id in sources_of(rows):
        meta = source_metadata(source_id, sources)
        lines.append(f"- **{meta.get('producer') or source_id}**, {meta.get('title', '')}. Licence: "
                     f"{meta.get('licence') or 'unknown'}. Cite as: {meta.get('citation') or source_id}")
    lines += ["", f"`{METADATA_NAME}` has the same in machine-readable form; `{BIBTEX_NAME}` has BibTeX entries."]
    return "\n".join(lines) + "\n"


def bundle_zip(
    rows: pd.DataFrame,
    *,
    title: str,
    sources: Mapping,
    indicators: Mapping,
    filters: Mapping[str, str] | None = None,
) -> bytes:
    """The zip of one view: data.csv (rows plus source, licence and citation columns), README.md, metadata.json and
    sources.bib.

    Args:
        rows: the tidy rows shown (columns of src.schema.TIDY_COLUMNS; `source` and `indicator` are used).
        title: what the view shows, the README's heading.
        sources: source id -> src.study.catalogue.Source.
        indicators: indicator id -> src.study.catalogue.Indicator.
        filters: the view's settings (focus, years, ...), written into the README and the metadata.
    """
    filters = dict(filters or {})
    source_ids = sources_of(rows)
    indicator_ids = sorted(rows["indicator"].dropna().astype(str).unique()) if "indicator" in rows else []
    metadata = {
        "title": title,
        "rows": len(rows),
        "settings": filters,
        "sources": [source_metadata(s, sources) for s in source_ids],
        "indicators": indicator_metadata(indicator_ids, indicators),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(CSV_NAME, with_citation_columns(rows, sources).to_csv(index=False))
        bundle.writestr(README_NAME, readme_text(title, rows, sources, filters))
        bundle.writestr(METADATA_NAME, json.dumps(metadata, indent=2, ensure_ascii=False, default=str))
        bundle.writestr(BIBTEX_NAME, "\n".join(filter(None, (bibtex_entry(s, sources) for s in source_ids))))
    return buffer.getvalue()
