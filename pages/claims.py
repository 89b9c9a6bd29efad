"""Claims: each expert claim the data can test, with its verdict, the chart and the numbers behind it.

The comparison (focus country, peer group, years, benchmarks) sits in the sidebar and in the URL, so a link
reproduces a verdict exactly; `?claim=C2.3` shows one claim, `?theme=C2` the claims of one theme.
"""

import streamlit as st

from src import ui
from src.charts.claims import claim_chart

st.title("Claims checked against the data")

codebook = ui.get_codebook()
theme_id, claim_id = ui.theme_and_claim_pickers(codebook)
settings = ui.study_settings(with_benchmarks=True)
verdicts = ui.get_verdicts(settings)
store = ui.get_store()
indicators = ui.get_indicators()
sources = ui.get_sources()
events = ui.chart_events(settings.focus)

if claim_id:
    shown = [codebook.claims[claim_id]]
elif theme_id:
    shown = [c for c in codebook.claims.values() if c.theme == theme_id]
else:
    shown = list(codebook.claims.values())

st.caption(
    f"{len(shown)} claim(s); {ui.country_label(settings.focus)} compared with {settings.peer_label}, "
    f"{settings.years[0]}-{settings.years[1]}. A verdict describes the numbers; it does not say why they are so."
)

for claim in shown:
    verdict = verdicts[claim.id]
    theme = codebook.themes[claim.theme]
    with st.container(border=True):
        st.subheader(f"{claim.id}: {claim.paraphrase}", anchor=claim.id.replace(".", "-"))
        st.caption(f"Theme {theme.id}, {theme.label} ({theme.kind}). Paper section: {claim.section}.")
        ui.verdict_badge(verdict.status)
        st.markdown(verdict.sentence)
        robustness = ui.get_robustness(claim.id, settings)
        if robustness:
            st.info(robustness, icon=":material/tune:")
        for note in ui.claim_notes(claim, verdict):
            st.caption(note)
        drawn = ui.chart_indicators(claim, verdict)
        if drawn:
            countries = [settings.focus, *settings.peers, *settings.aggregates]
            series = store.series(drawn, countries, settings.years)
            fig = claim_chart(
                series,
                claim_id=claim.id,
                indicator_ids=drawn,
                indicators=indicators,
                focus=settings.focus,
                peers=settings.peers,
                years=settings.years,
                names=ui.country_names(),
                aggregates=settings.aggregates,
                peer_label=settings.peer_label,
                benchmarks=ui.chart_benchmarks(settings, drawn),
                events=events,
                sources=sources,
            )
            ui.show_figure(fig, key=f"chart-{claim.id}")
        else:
            ui.show_event_timeline(claim, verdict, settings)
        evidence = ui.evidence_table(verdict)
        with st.expander(f"Evidence behind {claim.id}: {len(evidence)} value(s), each with its year and file"):
            st.dataframe(evidence, hide_index=True, width="stretch")
            ui.download_csv(evidence, f"evidence-{claim.id}-{settings.focus}.csv", key=f"csv-{claim.id}")
        ui.sources_list(evidence, events if not drawn else None)

if not claim_id:
    st.header("Claims the indicators cannot settle")
    st.caption("Shown so nothing the experts said is hidden; each says why no public series can settle it.")
    for unsettled in codebook.unsettled.values():
        if theme_id and unsettled.theme != theme_id:
            continue
        with st.container(border=True):
            st.markdown(f"**{unsettled.id}: {unsettled.paraphrase}**")
            st.caption(f"Theme {unsettled.theme}. Paper section: {unsettled.section}.")
            st.markdown(f"Why it cannot be settled: {unsettled.why}")
            st.markdown("Nearest context: " + ", ".join(ui.indicator_label(i) for i in unsettled.context))
