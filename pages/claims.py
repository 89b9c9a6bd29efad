"""Claims: each expert claim the data can test, with its verdict, the chart and the numbers behind it.

A verdict board on top shows every claim's verdict and key number at once; the details below carry the verdict
sentence, the chart (drawn when opened in the full list, so the page stays short and fast; open at once for one
claim or one theme) and one "How this was checked" box. The page's citations come once, at the end.
The comparison (focus country, peer group, years, benchmarks) sits in the sidebar and in the URL, so a link
reproduces a verdict exactly; `?claim=C2.3` shows one claim, `?theme=C2` the claims of one theme.
"""

import streamlit as st

from src.app import boot, data, excerpts, settings, show, url, widgets
from src.deck.projector import split_verdict
from src.views import board_rows, build_claim_view, claim_anchor, method_notes, page_source_ids, reader_notes
from src.views.board import claim_title, evidence_for_reading

boot.enter_page()

st.title("Claims checked against the data")

codebook = data.get_codebook()
theme_id, claim_id = widgets.theme_and_claim_pickers(codebook)
choice = settings.study_settings(with_benchmarks=True)
verdicts = data.get_verdicts(choice.settings)
store = data.get_store()
study = data.get_study()
events = data.chart_events(choice.focus)

if claim_id:
    shown = [codebook.claims[claim_id]]
else:
    shown = [c for c in codebook.claims.values() if not theme_id or c.theme == theme_id]
shown = [c for c in shown if c.id in verdicts]
url.claims_share_link(choice.settings, verdicts, [c.id for c in shown], theme_id, claim_id)
# The full list keeps its charts closed until asked for (14 charts are ~12,000 px and most of a run's time).
charts_open = bool(claim_id or theme_id)

st.caption(
    f"{len(shown)} claim(s). {data.country_label(choice.focus)} compared with {choice.peer_label}; verdicts use "
    f"{choice.window[0]}-{choice.window[1]}. A verdict describes the numbers; it does not say why they are so."
)

# Built once per comparison and shown list, then shared by every rerun and session.
board, source_ids = data.cached_build("claims-board", (choice.settings, tuple(c.id for c in shown)), lambda: (
    board_rows(shown, verdicts, study.indicators), page_source_ids(verdicts[c.id] for c in shown)))
st.header("Verdicts at a glance", anchor="verdict-board")
show.verdict_board(board)


def claim_boxes(claim, verdict, choice) -> None:
    """The claim's chart and its "How this was checked" box, each built only when open. Opening one reruns the
    page, which is fast since everything else is cached; a fragment per claim would cost every run more (each
    snapshots the page's cursors: 14 fragments made a warm rerun ~1.5-2x slower)."""
    chart_box = st.expander(f"Chart: {claim.id} against {choice.peer_label}", expanded=charts_open,
                            icon=":material/show_chart:", key=f"chart-open-{claim.id}", on_change="rerun")
    if chart_box.open:
        with chart_box:
            # The same view the seminar deck shows on this claim's slide (src/views/claim_view.py), built once.
            view = data.cached_build("claim-view", (claim.id, choice), lambda: build_claim_view(
                claim, verdict, store, study, choice.comparison, events=events, names=data.country_names(),
                with_data=data.choices()["indicators"],
            ))
            if not view.figures:
                st.caption("Nothing to draw for this claim under this comparison.")
            for chart in view.figures:
                show.show_figure(chart.figure, key=f"chart-{claim.id}-{chart.name}")
    checked_box = st.expander("How this was checked", icon=":material/science:", expanded=bool(claim_id),
                              key=f"checked-open-{claim.id}", on_change="rerun")
    if not checked_box.open:
        return
    with checked_box:
        st.markdown(f"**The whole verdict.** {verdict.headline}. {verdict.sentence}")
        for note in method_notes(claim, verdict):
            st.caption(note)
        # Asked for in the list (it re-runs the claim under ~20 settings), always for a single claim.
        if show.robustness_wanted(claim.id, always=bool(claim_id)):
            robustness = show.robustness_summary(claim.id, choice.settings, verdict.label)
            if robustness:
                st.info(robustness, icon=":material/tune:")
        table = data.cached_build("evidence-table", (claim.id, choice), lambda: evidence_for_reading(verdict))
        st.markdown(f"Evidence: {len(table)} value(s), each with its year, source and file.")
        st.dataframe(table, hide_index=True, width="stretch", placeholder="")
        show.download_csv(verdict.evidence, f"evidence-{claim.id}-{choice.focus}.csv", key=f"csv-{claim.id}")


st.header("Each claim in detail", anchor="details")
for claim in shown:
    verdict = verdicts[claim.id]
    theme = codebook.themes[claim.theme]
    with st.container(border=True):
        st.subheader(f"{claim.id}: {claim_title(claim, verdict)}", anchor=claim_anchor(claim.id))
        show.verdict_badge(verdict.status)
        # The headline and the verdict's first sentence here; the reasons and the rest in "How this was checked".
        lead, _ = split_verdict(verdict.sentence)
        st.markdown(f"**{verdict.tally or verdict.headline}.** {lead}")
        notes = [f"Theme {theme.id}: {theme.label} ({theme.kind}).", str(getattr(verdict, "caption", "") or ""),
                 *reader_notes(claim, verdict)]
        st.caption(" ".join(n for n in notes if n))
        claim_boxes(claim, verdict, choice)
        mine = excerpts.imported_excerpts(claim.theme, [*claim.indicators, *claim.preferred])
        if mine is not None:
            with st.expander(f"Your imported interviews on {claim.id}: {len(mine)} excerpt(s)"):
                if mine.empty:
                    st.caption("None of your imported codes is mapped to this claim's theme or indicators yet "
                               "(map them on the Interviews page).")
                else:
                    st.dataframe(mine, hide_index=True, width="stretch", placeholder="")

if not claim_id:
    st.header("Claims the indicators cannot settle")
    st.caption("Shown so nothing the experts said is hidden; each says why no public series can settle it.")
    for unsettled in codebook.unsettled.values():
        if theme_id and unsettled.theme != theme_id:
            continue
        with st.container(border=True):
            st.markdown(f"**{unsettled.id}: {unsettled.paraphrase}** (theme {unsettled.theme}; paper section: "
                        f"{unsettled.section})")
            st.markdown(f"Why the data cannot settle it: {unsettled.why}")
            st.markdown("Nearest context: " + ", ".join(data.indicator_label(i) for i in unsettled.context))

st.header("Sources", anchor="sources")
show.sources_block(source_ids, events, heading="The numbers and marked events on this page come from:")
