"""How the app shows things: figures, tables, downloads, verdict badges, links between pages and source lists.

Why this module: every page shows figures with the same plotly settings and verdicts with the same labels, colours
and icons (src.claims.verdicts), so they look alike everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from src.app import data, url
from src.charts.common import with_citation_columns
from src.claims.verdicts import STATUSES, style_of

# No links to plotly's cloud and no logo; plotly.js itself is served by the local Streamlit server.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "showLink": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "plotlyServerURL": "",
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
# What src.claims.robustness.robustness_variants tries, for the summary and for the switch that asks for it.
ROBUSTNESS_VARIANTS = (
    "every peer group, 5-, 10- and 15-year windows ending in the same year, and each end of any benchmark band"
)


def show_figure(fig, source_line: str | None = None, *, key: str | None = None) -> None:
    """Show a plotly figure as built with its source line (default: `layout.meta["source_line"]`) under it."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    st.plotly_chart(fig, width="stretch", theme=None, config=PLOTLY_CONFIG, key=key)
    line = source_line or meta.get("source_line")
    if line:
        st.caption(line)


def download_csv(frame: pd.DataFrame, filename: str, *, label: str = "Download these data (CSV)", key=None) -> None:
    """A download button for the rows shown, with each row's source title, citation and licence added."""
    sources = data.get_sources()
    st.download_button(
        label,
        # Made when clicked, not on every rerun (the page may offer a dozen downloads).
        data=lambda: with_citation_columns(frame, sources).to_csv(index=False).encode("utf-8"),
        file_name=filename,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )


def verdict_badge(status: str, *, container=None) -> None:
    style = style_of(status)
    (container or st).badge(style.label, icon=style.icon, color=style.badge)


def verdict_count_badges(counts: Mapping) -> None:
    """One badge per verdict with its count, in one line."""
    parts = [
        f":{style_of(s).badge}-badge[{style_of(s).icon} {style_of(s).label}: {int(counts[s])}]"
        for s in STATUSES
        if int(counts[s])
    ]
    st.markdown(" ".join(parts) or "No checkable claims")


def theme_kind_badge(kind: str) -> None:
    st.badge(kind.capitalize(), color="blue" if kind == "advantage" else "violet")


def page_link_or_url(page: str, label: str, query: Mapping[str, str], *, icon: str | None = None, container=None):
    """A link to another page with URL parameters: st.page_link under app.py's navigation, else (a page run on
    its own) a plain relative link to the same URL."""
    from streamlit.errors import StreamlitPageNotFoundError

    container = container or st
    try:
        container.page_link(page, label=label, icon=icon, query_params=dict(query))
    except StreamlitPageNotFoundError:
        target = Path(page).stem + (f"?{urlencode(query)}" if query else "")
        container.markdown(f"[{label}]({target})")


def claim_link(claim, verdict, choice) -> None:
    """'C2.3 (Supported): The state collects little tax.' linking to that claim with the same comparison.

    The verdict comes before the paraphrase so a narrow card that cuts the label still shows it.
    """
    status = getattr(verdict, "status", "")
    style = style_of(status) if status else None
    page_link_or_url(
        "pages/claims.py",
        f"{claim.id} ({style.label if style else 'not evaluated'}): {claim.paraphrase}",
        {url.params().claim: claim.id, **url.shared_query(choice.settings)},
        icon=style.icon if style else ":material/fact_check:",
    )


def sources_list(rows: pd.DataFrame, events: pd.DataFrame | None = None, *, heading: str = "**Sources**") -> None:
    """The citations behind the numbers shown and the marked events (each event with its own source), as a list."""
    ids = sorted(rows["source"].dropna().astype(str).unique()) if "source" in rows and len(rows) else []
    sources_block(ids, events, heading=heading)


def sources_block(source_ids, events: pd.DataFrame | None = None, *, heading: str = "**Sources**") -> None:
    """One list of citations: each source id's citation, then each marked event with its own source, each once."""
    sources = data.get_sources()
    ids = list(source_ids)
    lines = [f"- {getattr(sources.get(s), 'citation', s)}" for s in ids]
    if events is not None and len(events):
        pairs = zip(events["label"], events["source"])
        lines += [f"- {label}: {source}" for label, source in pairs if source not in ids]
    lines = list(dict.fromkeys(lines))
    if lines:
        st.markdown(heading + "\n" + "\n".join(lines))


def _cell(text: str) -> str:
    # A pipe would end the table cell; a newline would end the row.
    return str(text).replace("|", "\\|").replace("\n", " ")


def verdict_board(rows, *, container=None) -> None:
    """Every claim in one table row: its id linking to its detail on the page, its title, its verdict badge and
    its key number with the year (src.views.board.BoardRow). One markdown element, so it draws at once."""
    lines = ["| Claim | What the experts say | Verdict | Key number |", "|---|---|---|---|"]
    for row in rows:
        style = style_of(row.status)
        badge = f":{style.badge}-badge[{style.icon} {style.label}]"
        lines.append(f"| [{row.claim_id}](#{row.anchor}) | {_cell(row.title)} | {badge} | {_cell(row.key_fact) or '-'} |")
    (container or st).markdown("\n".join(lines))


def robustness_wanted(claim_id: str, *, always: bool = False) -> bool:
    """A switch on a claim's card asking for its robustness check, or True when `always` (the single-claim view).

    The check re-runs the claim under about twenty settings; cached, so asking again costs nothing.
    """
    if always:
        return True
    return st.toggle(
        "Check how robust this verdict is", key=f"robustness-{claim_id}",
        help=f"Re-runs the claim under {ROBUSTNESS_VARIANTS}, and counts how often the verdict stays the same.",
    )


def robustness_summary(claim_id: str, settings, status_label: str) -> str:
    """'Robustness: the verdict stays ... under 16 of 20 reasonable settings (...)', or '' when there are none."""
    try:
        data.get_study()
        holds, total = data.get_robustness(claim_id, settings)
    except data.DATA_ERRORS as exc:
        return f"Robustness could not be checked: {exc}"
    if not total:
        return ""
    return (
        f"Robustness: the verdict stays '{status_label}' under {holds} of {total} reasonable settings "
        f"({ROBUSTNESS_VARIANTS})."
    )


def banners() -> None:
    """Warnings every page shows first: snapshot files whose bytes differ from their sidecar, and sources the
    store could not parse (Store.problems)."""
    try:
        changed = data.changed_files()
    except data.DATA_ERRORS as exc:
        changed = ()
        st.warning(f"The snapshot files could not be checked: {exc}", icon=":material/warning:")
    for path, recorded, actual in changed:
        if actual is None:
            what = "is missing, though its sidecar lists it"
        elif recorded is None:
            what = "has no readable sidecar checksum"
        else:
            what = "differs from the checksum its sidecar records (edited or damaged): its values may be wrong"
        path = Path(path)
        shown = path.relative_to(data.SNAPSHOT_DIR) if path.is_relative_to(data.SNAPSHOT_DIR) else path
        # Our own file names, never a link's value: shown whole (some publisher names run past 100 characters).
        st.warning(f"Snapshot file {url.shown_value(str(shown), limit=300)} {what}. Run "
                   "`.venv/bin/python -m src.ingest.build --check` for details.", icon=":material/warning:")
    try:
        problems = data.store_problems()
    except data.DATA_ERRORS:
        return  # the page's own get_store() names the error
    if problems:
        st.warning(
            f"{len(problems)} source(s) could not be read, so their values are missing; the Sources page lists "
            "them.", icon=":material/warning:",
        )
