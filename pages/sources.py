"""Sources: every data source with its publisher, edition, licence, files (checksum, size, when taken) and a
citation to copy, so anyone can check where a number comes from and download the file again."""

import streamlit as st

from src.app import boot, data, tables

boot.enter_page()

st.title("Sources")
st.markdown(
    "Every number in this dashboard comes from one of the files below, kept byte for byte as the publisher "
    "released it. The checksum (md5) lets anyone confirm a downloaded copy is the same file. "
    "`python -m src.ingest.refresh` downloads newer files where the publisher offers a stable address."
)

sources = data.get_sources()
indicators = data.get_indicators()
files = data.get_snapshot_files()
store = data.get_store()
# Counting ~630,000 rows per source takes tens of ms: once per data version, not every rerun.
counts = data.cached_build("sources-row-counts", (), lambda: store.values.groupby("source").size().to_dict())

for problem in data.store_problems():
    st.error(f"Not in the dashboard: {problem}", icon=":material/error:")
if len(files) and files["problem"].astype(bool).any():
    for problem in files.loc[files["problem"].astype(bool), "problem"]:
        st.error(problem)

st.subheader("At a glance")
# Edition and update dates are in each source's section below: four columns fit a laptop screen.
tables.text_table(lambda: [
    {
        "source": source.title,
        "publisher": source.producer,
        "licence": source.licence,
        "values shown": int(counts.get(source_id, 0)),
    }
    for source_id, source in sources.items()
], cache_key="sources-summary")

for source_id, source in sources.items():
    st.subheader(source.title, anchor=source_id)
    left, right = st.columns([3, 2])
    with left:
        terms = f" ({source.redistribution})" if source.redistribution else ""
        st.markdown(
            f"**Publisher:** {source.producer}  \n"
            f"**Edition:** {source.edition}  \n"
            f"**Last updated by the publisher:** {source.last_updated}  \n"
            f"**Licence:** [{source.licence}]({source.licence_url}){terms}  \n"
            f"**Where to get it:** {source.url_main}"
        )
        if source.notes:
            st.caption(source.notes)
        refresh = source.refresh or {}
        if refresh.get("method") == "none":
            st.caption(f"Not refreshed automatically: {refresh.get('reason', '')}")
    with right:
        st.markdown("**Cite as**")
        st.code(source.citation, language=None, wrap_lines=True)
    own_files = files[files["folder"] == source.folder] if len(files) else files
    if own_files.empty:
        st.info("No files for this source in the shipped snapshot (the refresh command downloads them).")
    else:
        tables.grid(
            own_files[["file", "md5", "size_bytes", "taken"]],
            widths={"file": 150, "md5": 240, "size_bytes": 65, "taken": 65},
            labels={"file": "file (under data/snapshots/)", "size_bytes": "bytes", "taken": "taken on"},
            formats={"size_bytes": "%d"},
        )
    own_indicators = [i for i in indicators.values() if i.source == source_id]
    if own_indicators:
        with st.expander(f"Indicators from this source ({len(own_indicators)})"):
            tables.text_table(
                lambda: [{"name (our id)": f"{i.name} ({i.id})", "publisher's code": i.code, "unit": i.unit,
                          "note": i.note or ""} for i in own_indicators],
                cache_key=("source-indicators", source_id),
            )
