"""Interviews: bring your own coding. Import other researchers' coded interviews and put them beside the
dashboard's themes and indicators.

Thin page: reading, checking and mapping live in src/qual (pure, tested); imported text is only ever shown with
st.text / st.dataframe (never as HTML or markdown).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from src.app import boot, data, settings
from src.paths import DATA_DIR
from src.qual.cells import safe_csv_bytes
from src.qual.importer import FILE_TYPES, FORMATS
from src.qual.joint import FIXED_COLUMNS, joint_display
from src.qual.mapping import (
    INDICATOR_SEPARATOR,
    apply_mapping,
    dashboard_indicators,
    dashboard_themes,
    mapping_to_csv,
    validate_mapping,
)
from src.qual.model import QualImportError
from src.qual.report import report_sentence, skipped_table
from src.qual.safety import MAX_UPLOAD_MB
from src.qual.session import SESSION_KEY, import_files, upload_mapping
from src.qual.summary import escape_markdown, search_excerpts, theme_matrix, tree_lines

boot.enter_page()

EXAMPLE_FILE = DATA_DIR / "examples" / "interviews_example.csv"
DETECT = "detect"

st.title("Interviews: your own coding")
st.caption(
    "Import interviews you coded in Taguette, QualCoder, NVivo, ATLAS.ti or MAXQDA (REFI-QDA export), or in our "
    "simple CSV (see README). Your files stay in this browser session; nothing is saved on the server."
)

try:
    themes = dashboard_themes()
except (ValueError, OSError) as exc:
    st.warning(f"The dashboard's themes cannot be read, so codes cannot be mapped to them: {escape_markdown(exc)}")
    themes = {}
try:
    indicators = dashboard_indicators()
except (ValueError, OSError) as exc:
    st.warning(f"The indicator catalogue cannot be read; indicator ids are not checked: {escape_markdown(exc)}")
    indicators = None

# --- import -----------------------------------------------------------------------------------------------
with st.form("qual_import_form", clear_on_submit=False):
    uploads = st.file_uploader(
        "Coding files (.csv, .qdc, .qdpx or its .zip, a bare .qde); a Taguette codebook and its highlights can go "
        "together",
        type=list(FILE_TYPES), accept_multiple_files=True, max_upload_size=MAX_UPLOAD_MB, key="qual_upload",
    )
    fmt = st.selectbox(
        "Format", [DETECT, *FORMATS], key="qual_format",
        format_func=lambda f: "Detect from the file" if f == DETECT else FORMATS[f][0],
    )
    submitted = st.form_submit_button("Import", type="primary")
load_example = st.button("Load the example (invented, not the study's data)", key="qual_example")

previous = st.session_state.get(SESSION_KEY)
files = []
if submitted and uploads:
    files = [(upload.name, upload.getvalue()) for upload in uploads]
elif submitted:
    st.warning("Choose at least one file first.")
if load_example:
    files, fmt = [(EXAMPLE_FILE.name, EXAMPLE_FILE.read_bytes())], "simple"
if files:
    session, error = import_files(previous, files, None if fmt == DETECT else fmt, themes)
    if error:
        kept = " What you loaded before is still shown." if previous else ""
        st.error(f"Not imported: {escape_markdown(error)}.{kept}", icon=":material/error:")
    else:
        st.session_state[SESSION_KEY] = session

session = st.session_state.get(SESSION_KEY)
if session is None:
    st.info("Nothing imported yet. Upload your coding files, or load the example to see how it works.")
    st.stop()

coding = session.coding
left, middle, right = st.columns(3)
left.metric("Interviewees", coding.codings["interviewee"].nunique())
middle.metric("Themes (top-level codes)", int((coding.codes["depth"] == 0).sum()))
right.metric("Coded excerpts", len(coding.codings))
st.text("Loaded: " + ", ".join(coding.files) + "  (" + ", ".join(coding.formats) + ")")
st.text("Import report: " + report_sentence(coding))
for note in coding.notes:
    st.text("Note: " + note)
skipped = skipped_table(coding)
if not skipped.empty:
    with st.expander(f"What was skipped, and why ({len(skipped)} kind(s))"):
        st.dataframe(skipped, hide_index=True, width="stretch")


def download(frame: pd.DataFrame, file_name: str, key: str, label: str = "Download these rows (CSV)") -> None:
    """Imported text goes out only through safe_csv_bytes (formula cells neutralised, OWASP CSV injection)."""
    st.download_button(label, safe_csv_bytes(frame), file_name, "text/csv", key=key, icon=":material/download:")


tree_tab, matrix_tab, excerpts_tab, mapping_tab, beside_tab, joint_tab = st.tabs(
    ["Code tree", "Themes x interviewees", "Excerpts", "Map to the dashboard", "Beside the dashboard's themes",
     "Claims x interviewees"]
)

with tree_tab:
    st.caption("Themes (top-level codes) and the codes under them; in brackets the number of excerpts.")
    st.text("\n".join(tree_lines(coding)))

with matrix_tab:
    st.caption("Excerpts per theme and interviewee; `interviewees` counts how many of them raised the theme.")
    if coding.codings.empty:
        st.info("No coded excerpts were imported (only a codebook).")
    else:
        st.dataframe(theme_matrix(coding.codings), width="stretch")

with excerpts_tab:
    query = st.text_input("Search the excerpts and code names", key="qual_search")
    theme_filter = st.selectbox("Theme", ["", *sorted(coding.codings["theme"].unique())], key="qual_theme",
                                format_func=lambda t: t or "All themes")
    found = search_excerpts(coding.codings, query, theme_filter or None)
    st.caption(f"{len(found)} of {len(coding.codings)} excerpts")
    st.dataframe(found, hide_index=True, width="stretch")
    download(found, "imported_excerpts.csv", "qual_excerpts_download")

with mapping_tab:
    st.caption(
        "Say which dashboard theme and indicators each of your codes speaks to. A code left empty takes the "
        f"mapping of its nearest mapped parent. Indicator ids are separated by '{INDICATOR_SEPARATOR}' "
        "(e.g. wdi_mil_gdp;sipri_mil_gov_share)."
    )
    theme_ids = sorted(themes)
    edited = st.data_editor(
        session.base_mapping, key=f"qual_mapping_editor_{session.version}", hide_index=True, num_rows="fixed",
        width="stretch",
        column_config={
            "code_path": st.column_config.TextColumn("Your code", disabled=True),
            "theme_id": st.column_config.SelectboxColumn(
                "Dashboard theme", options=["", *theme_ids],
                help="; ".join(f"{t}: {themes[t]}" for t in theme_ids)),
            "indicator_ids": st.column_config.TextColumn("Indicator ids"),
        },
    )
    try:
        mapping = validate_mapping(pd.DataFrame(edited), themes, indicators, "the mapping table", first_line=1,
                                   unit="row")
    except QualImportError as exc:
        st.error(f"The mapping is not applied: {escape_markdown(exc)}", icon=":material/error:")
    else:
        if not mapping.equals(session.mapping):
            session = replace(session, mapping=mapping)
            st.session_state[SESSION_KEY] = session
    st.download_button("Download the mapping (CSV)", mapping_to_csv(session.mapping), "coding_mapping.csv",
                       "text/csv", key="qual_mapping_download")
    mapping_file = st.file_uploader("Upload a mapping CSV (code_path, theme_id, indicator_ids)", type=["csv"],
                                    max_upload_size=1, key="qual_mapping_upload")
    if mapping_file is not None and st.button("Apply the uploaded mapping", key="qual_mapping_apply"):
        updated, error, unmatched = upload_mapping(session, mapping_file.getvalue(), mapping_file.name, themes,
                                                   indicators)
        if error:
            st.error(f"Mapping not applied: {escape_markdown(error)}. The previous mapping is kept.",
                     icon=":material/error:")
        else:
            st.session_state[SESSION_KEY] = updated
            if unmatched:
                st.text(f"{len(unmatched)} row(s) name codes that are not loaded and were ignored: "
                        + ", ".join(unmatched[:10]))
            st.rerun()

with beside_tab:
    if not themes:
        st.info("The dashboard's themes are not available.")
    else:
        chosen = st.selectbox("Dashboard theme", sorted(themes), key="qual_dashboard_theme",
                              format_func=lambda t: f"{t}: {themes[t]}")
        beside = session.excerpts_for_theme(chosen)
        st.caption(f"{len(beside)} imported excerpt(s) mapped to {chosen}; the Claims page shows them beside its "
                   "claims.")
        st.dataframe(beside, hide_index=True, width="stretch")
        download(beside, f"imported_excerpts_{chosen}.csv", "qual_beside_download")
        by_dashboard_theme = apply_mapping(session.coding, session.mapping)
        if (by_dashboard_theme["theme_id"].fillna("") != "").any():
            st.caption("How many of your interviewees raised each dashboard theme (through the mapping):")
            st.dataframe(theme_matrix(by_dashboard_theme, theme_column="theme_id"), width="stretch")

with joint_tab:
    st.caption(
        "Each claim the data can test, its verdict and key numbers (the focus country's latest values), beside "
        "what each of your interviewees said about it: the excerpts whose codes you mapped to the claim's theme or "
        "indicators. Verdicts use the comparison in the sidebar."
    )
    codebook = data.get_codebook()
    verdicts = data.get_verdicts(settings.study_settings(with_benchmarks=False).settings)
    only_spoken = st.toggle("Only claims someone spoke to", value=True, key="qual_joint_only")
    joint = joint_display(codebook.claims.values(), verdicts, session.coding, session.mapping,
                          only_with_excerpts=only_spoken)
    st.caption(f"{len(joint)} claim(s) x {len(joint.columns) - len(FIXED_COLUMNS)} interviewee(s)")
    st.dataframe(joint, hide_index=True, width="stretch")
    download(joint, "joint_display.csv", "qual_joint_download", "Download the joint display (CSV)")
