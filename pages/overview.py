"""Overview: what the study found, how its checkable claims fare against public data, and where the data comes from.

The landing page: two plain paragraphs on the study, the six themes as cards with their claims' verdict counts
(for the focus country and peer group in the sidebar), and each source with how fresh its files are.
"""

import streamlit as st

from src.app import boot, data, settings, show, tables, url
from src.charts.claims import VERDICT_LABELS, VERDICT_STATUSES, source_freshness, verdict_counts
from src.claims.verdicts import style_of
from src.views.glance import claims_on_concept, glance_rows, hdi_rank_text

boot.enter_page()

st.title("Human security in Pakistan: what the experts said, and what the data show")

st.markdown(
    """
In 2026 Qaisar Sharif and Hidayat Ullah asked eight security experts and academics a simple question: what would
Pakistan gain, and what stands in the way, if its security policy put the safety and well-being of people next to
the defence of borders? Reading the interviews with thematic analysis (keywords grouped into codes, codes into
themes), they found three **advantages** of such a "human security" approach: a broader idea of what security
covers, a way to tackle the root causes of insecurity such as poverty, illiteracy and ill health, and a better
standing for Pakistan in the world.

They also found three **constraints**: security thinking that still centres on the state and the military, too
little money (defence and debt take much of the budget while little tax is collected), and political instability
with weak governance. Many of these statements are about things public statistics measure. This dashboard puts each
checkable claim next to published data from the World Bank, UNDP, SIPRI, the IMF and others, and gives a
descriptive verdict that you can re-run against other countries, peers, years or benchmarks. A verdict says whether
the numbers look the way the experts describe; it never says why.
"""
)

choice = settings.study_settings(with_benchmarks=False)
codebook = data.get_codebook()
verdicts = data.get_verdicts(choice.settings)
url.share_link(url.shared_query(choice.settings))
counts = data.cached_build("overview-verdict-counts", (choice.settings,), lambda: verdict_counts(
    verdicts.values(), {c.id: c.theme for c in codebook.claims.values()}).set_index("theme"))
store, indicators = data.get_store(), data.get_indicators()
shared = url.shared_query(choice.settings)


st.header(f"At a glance: {data.country_label(choice.focus)}")
st.caption(
    f"Each claim's verdict against {choice.peer_label}, {choice.window[0]}-{choice.window[1]}, with the latest "
    "numbers it rests on and their years. Open a claim for its chart, peers and sources."
)
rank_text = data.cached_build(
    "overview-hdi-rank", (choice.focus,),
    lambda: hdi_rank_text(store, choice.focus, indicators, data.choices()["countries"]),
)
# Read off the verdicts once per comparison, then shared by every rerun and session.
glance = data.cached_build("overview-glance", (choice.settings,), lambda: glance_rows(
    codebook.claims.values(), verdicts, indicators, labels=VERDICT_LABELS,
    extra={claim_id: rank_text for claim_id in claims_on_concept(codebook.claims.values(), indicators, "hdi")},
))
for row_start in range(0, len(glance), 2):
    for column, row in zip(st.columns(2), glance[row_start : row_start + 2]):
        with column.container(border=True):
            style = style_of(row.status) if row.status else None
            badge = f":{style.badge}-badge[{style.icon} {style.label}]" if style else "not evaluated"
            # The paraphrase as wrapping text and a short link under it: a long page-link label is cut mid-word.
            st.markdown(f"{badge} **{row.claim_id}: {row.paraphrase}**")
            if row.numbers:
                st.markdown("\n".join(f"- {number}" for number in row.numbers))
            show.page_link_or_url("pages/claims.py", f"Open {row.claim_id}",
                                  {url.params().claim: row.claim_id, **shared}, icon=":material/fact_check:")

st.header("The six themes")
st.caption(
    f"Verdict counts compare {data.country_label(choice.focus)} with {choice.peer_label}, "
    f"{choice.window[0]}-{choice.window[1]}. Change the comparison in the sidebar; links keep it."
)
themes = list(codebook.themes.values())
# Two cards a row keep each claim's link readable on a laptop and a projector.
for row_start in range(0, len(themes), 2):
    for column, theme in zip(st.columns(2), themes[row_start : row_start + 2]):
        with column.container(border=True):
            show.theme_kind_badge(theme.kind)
            st.subheader(theme.label, anchor=False)
            st.write(theme.summary)
            if theme.id in counts.index:
                show.verdict_count_badges(counts.loc[theme.id])
            lines = []
            for claim in codebook.claims_for(theme.id):
                verdict = verdicts.get(claim.id)
                label = style_of(verdict.status).label if verdict else "not evaluated"
                lines.append(f"- **{claim.id}** ({label}): {claim.paraphrase}")
            if lines:
                st.markdown("\n".join(lines))
            for unsettled in (u for u in codebook.unsettled.values() if u.theme == theme.id):
                st.caption(f"{unsettled.id}: {unsettled.paraphrase} (the indicators cannot settle this)")
            show.page_link_or_url(
                "pages/themes.py", "Open this theme", {url.params().theme: theme.id, **url.shared_query(choice.settings)},
                icon=":material/account_tree:",
            )

st.header("Verdicts at a glance")
total = {status: int(counts[status].sum()) for status in VERDICT_STATUSES}
for column, status in zip(st.columns(len(VERDICT_STATUSES)), VERDICT_STATUSES):
    column.metric(VERDICT_LABELS[status], total[status])
st.caption(
    f"{len(codebook.unsettled)} more claims cannot be settled with indicators; the Claims page lists them and says why."
)

st.header("Where the data come from")
# Read off the sidecars once per snapshot version (a few hundred ms under load), not every rerun.
tables.text_table(lambda: source_freshness(data.get_snapshot_files(), data.get_sources()), cache_key="overview-freshness",
                  columns=["Source", "Publisher last updated", "Our copy taken", "Problems"])
st.caption(
    "Each raw file is kept byte for byte as published, with a sidecar recording its checksum and when it was taken. "
    "The Sources page has licences, checksums and citations to copy."
)
show.page_link_or_url("pages/sources.py", "All sources and citations", {}, icon=":material/menu_book:")
