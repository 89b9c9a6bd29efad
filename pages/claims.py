"""Claims: each expert claim the data can test, with its verdict, the chart and the numbers behind it.

The comparison (focus country, peer group, years, benchmarks) sits in the sidebar and in the URL, so a link
reproduces a verdict exactly; `?claim=C2.3` shows one claim, `?theme=C2` the claims of one theme.
"""

import streamlit as st

from src.app import boot, data, excerpts, settings, show, url, widgets
from src.views import build_claim_view

boot.enter_page()

st.title("Claims checked against the data")

codebook = data.get_codebook()
theme_id, claim_id = widgets.theme_and_claim_pickers(codebook)
choice = settings.study_settings(with_benchmarks=True)
verdicts = data.get_verdicts(choice.settings)
store = data.get_store()
study = data.get_study()
comparison = choice.comparison
events = data.chart_events(choice.focus)
with_data = data.choices()["indicators"]
param = url.params()
url.share_link({**url.shared_query(choice.settings), param.theme: theme_id, param.claim: claim_id})

if claim_id:
    shown = [codebook.claims[claim_id]]
else:
    shown = [c for c in codebook.claims.values() if not theme_id or c.theme == theme_id]

st.caption(
    f"{len(shown)} claim(s). {data.country_label(choice.focus)} compared with {choice.peer_label}; verdicts use "
    f"{choice.window[0]}-{choice.window[1]}. A verdict describes the numbers; it does not say why they are so."
)

for claim in shown:
    verdict = verdicts[claim.id]
    theme = codebook.themes[claim.theme]
    with st.container(border=True):
        st.subheader(f"{claim.id}: {claim.paraphrase}", anchor=claim.id.replace(".", "-"))
        st.caption(f"Theme {theme.id}: {theme.label} ({theme.kind}). Paper section: {claim.section}.")
        show.verdict_badge(verdict.status)
        st.markdown(f"**{verdict.headline}.** {verdict.sentence}")
        # Checked on request in the list (it re-runs the claim under ~20 settings), always for a single claim.
        if show.robustness_wanted(claim.id, always=bool(claim_id)):
            robustness = show.robustness_summary(claim.id, choice.settings, verdict.label)
            if robustness:
                st.info(robustness, icon=":material/tune:")
        # The same view the seminar deck shows on this claim's slide (src/views/claim_view.py), built once.
        view = data.cached_build("claim-view", (claim.id, choice), lambda: build_claim_view(
            claim, verdict, store, study, comparison, events=events, names=data.country_names(), with_data=with_data,
        ))
        for note in view.notes:
            st.caption(note)
        for chart in view.figures:
            show.show_figure(chart.figure, key=f"chart-{claim.id}-{chart.name}")
        table = view.evidence
        with st.expander(f"Evidence behind {claim.id}: {len(table)} value(s), each with its year, source and file"):
            st.dataframe(table, hide_index=True, width="stretch")
            show.download_csv(verdict.evidence, f"evidence-{claim.id}-{choice.focus}.csv", key=f"csv-{claim.id}")
        show.sources_list(verdict.evidence, events)
        mine = excerpts.imported_excerpts(claim.theme, [*claim.indicators, *claim.preferred])
        if mine is not None:
            with st.expander(f"Your imported interviews on {claim.id}: {len(mine)} excerpt(s)"):
                if mine.empty:
                    st.caption("None of your imported codes is mapped to this claim's theme or indicators yet "
                               "(map them on the Interviews page).")
                else:
                    st.dataframe(mine, hide_index=True, width="stretch")

if not claim_id:
    st.header("Claims the indicators cannot settle")
    st.caption("Shown so nothing the experts said is hidden; each says why no public series can settle it.")
    for unsettled in codebook.unsettled.values():
        if theme_id and unsettled.theme != theme_id:
            continue
        with st.container(border=True):
            st.markdown(f"**{unsettled.id}: {unsettled.paraphrase}**")
            st.caption(f"Theme {unsettled.theme}. Paper section: {unsettled.section}.")
            st.markdown(f"Why the data cannot settle it: {unsettled.why}")
            st.markdown("Nearest context: " + ", ".join(data.indicator_label(i) for i in unsettled.context))
