"""Claims: each expert claim the data can test, with its verdict, the chart and the numbers behind it.

The comparison (focus country, peer group, years, benchmarks) sits in the sidebar and in the URL, so a link
reproduces a verdict exactly; `?claim=C2.3` shows one claim, `?theme=C2` the claims of one theme.
"""

import streamlit as st

from src.app import ui
from src.charts.claims import (
    chart_indicators,
    claim_benchmarks,
    claim_chart,
    claim_notes,
    evidence_table,
    period_timeline_figure,
)

st.title("Claims checked against the data")

codebook = ui.get_codebook()
theme_id, claim_id = ui.theme_and_claim_pickers(codebook)
choice = ui.study_settings(with_benchmarks=True)
verdicts = ui.get_verdicts(choice)
store = ui.get_store()
indicators = ui.get_indicators()
sources = ui.get_sources()
events = ui.chart_events(choice.focus)
with_data = ui.choices()["indicators"]
ui.share_link({**ui.shared_query(choice), "theme": theme_id, "claim": claim_id})

if claim_id:
    shown = [codebook.claims[claim_id]]
else:
    shown = [c for c in codebook.claims.values() if not theme_id or c.theme == theme_id]

st.caption(
    f"{len(shown)} claim(s). {ui.country_label(choice.focus)} compared with {choice.peer_label}; verdicts use "
    f"{choice.window[0]}-{choice.window[1]}. A verdict describes the numbers; it does not say why they are so."
)

for claim in shown:
    verdict = verdicts[claim.id]
    theme = codebook.themes[claim.theme]
    with st.container(border=True):
        st.subheader(f"{claim.id}: {claim.paraphrase}", anchor=claim.id.replace(".", "-"))
        st.caption(f"Theme {theme.id}: {theme.label} ({theme.kind}). Paper section: {claim.section}.")
        ui.verdict_badge(verdict.status)
        st.markdown(f"**{verdict.headline}.** {verdict.sentence}")
        # Checked on request in the list (it re-runs the claim under ~20 settings), always for a single claim.
        if ui.robustness_wanted(claim.id, always=bool(claim_id)):
            robustness = ui.robustness_summary(claim.id, choice, verdict.label)
            if robustness:
                st.info(robustness, icon=":material/tune:")
        for note in claim_notes(claim, verdict):
            st.caption(note)
        drawn = chart_indicators(claim, verdict, with_data)
        if drawn:
            countries = [choice.focus, *choice.peers, *choice.aggregates]
            fig = ui.cached_build("claim", (claim.id, tuple(drawn), choice), lambda: claim_chart(
                store.series(drawn, countries, choice.chart_years),
                claim_id=claim.id,
                indicator_ids=drawn,
                indicators=indicators,
                focus=choice.focus,
                peers=choice.peers,
                years=choice.chart_years,
                names=ui.country_names(),
                aggregates=choice.aggregates,
                peer_label=choice.peer_label,
                benchmarks=claim_benchmarks(codebook.benchmarks, indicators, drawn, choice.settings.benchmarks),
                events=events,
                sources=sources,
                window=choice.window,
            ))
            ui.show_figure(fig, key=f"chart-{claim.id}")
        else:
            for part in (p for p in verdict.parts if p.rule == "share_of_years" and len(p.evidence)):
                kind = str(part.params.get("kind", "events"))
                fig = ui.cached_build("periods", (claim.id, kind, choice), lambda: period_timeline_figure(
                    part.evidence, what=kind.replace("_", " "), since=int(part.params.get("since", 1947)),
                    until=choice.window[1], country=ui.country_names().get(choice.focus, choice.focus),
                ))
                ui.show_figure(fig, key=f"chart-{claim.id}-{kind}")
        table = ui.cached_build("evidence", (claim.id, choice), lambda: evidence_table(verdict.evidence))
        with st.expander(f"Evidence behind {claim.id}: {len(table)} value(s), each with its year, source and file"):
            st.dataframe(table, hide_index=True, width="stretch")
            ui.download_csv(verdict.evidence, f"evidence-{claim.id}-{choice.focus}.csv", key=f"csv-{claim.id}")
        ui.sources_list(verdict.evidence, events)
        excerpts = ui.imported_excerpts(claim.theme, [*claim.indicators, *claim.preferred])
        if excerpts is not None:
            with st.expander(f"Your imported interviews on {claim.id}: {len(excerpts)} excerpt(s)"):
                if excerpts.empty:
                    st.caption("None of your imported codes is mapped to this claim's theme or indicators yet "
                               "(map them on the Interviews page).")
                else:
                    st.dataframe(excerpts, hide_index=True, width="stretch")

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
            st.markdown("Nearest context: " + ", ".join(ui.indicator_label(i) for i in unsettled.context))
