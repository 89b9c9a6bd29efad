"""The claim checker's settings in the sidebar (focus, peers, years, benchmarks), bound to the URL.

Why this module: the Overview, Claims, Themes and Interviews pages share one comparison, and its chart side is
built by src.views.comparison (make_comparison, shown_aggregates) exactly as the seminar deck builds it, so the
page and the deck cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from src.app import data, url, widgets
from src.views.comparison import Comparison, make_comparison, shown_aggregates


@dataclass(frozen=True)
class StudyChoice:
    """The claim checker's settings (src.claims.evaluate.Settings) and the comparison its charts draw."""

    settings: object
    comparison: Comparison

    @property
    def focus(self) -> str:
        return self.settings.focus

    @property
    def window(self) -> tuple[int, int]:
        return self.settings.window

    @property
    def peers(self) -> tuple[str, ...]:
        return self.comparison.peers

    @property
    def peer_label(self) -> str:
        return self.comparison.peer_label

    @property
    def aggregates(self) -> tuple[str, ...]:
        return self.comparison.aggregates

    @property
    def chart_years(self) -> tuple[int, int]:
        return self.comparison.chart_years


def study_settings(*, with_benchmarks: bool) -> StudyChoice:
    """Sidebar settings of the claim checker, bound to the URL: focus, peers (custom), start/end, benchmarks."""
    from src.claims.evaluate import Settings

    defaults = data.get_study().defaults
    st.sidebar.header("Compare")
    focus = widgets.focus_country_picker()
    peers = widgets.peer_group_picker(focus)
    first, last = data.year_bounds()
    st.sidebar.caption("Years the verdicts look at (each country's latest value in them is used):")
    window = widgets.year_range(
        bounds=(first, last), default=(max(defaults.window[0], first), min(defaults.window[1], last))
    )
    overrides = benchmark_overrides() if with_benchmarks else ()
    settings = data.load_or_stop(
        lambda: Settings(focus=focus, peer_group=peers.group_id, custom_peers=peers.custom_members, window=window,
                         benchmarks=overrides),
        what="the claim checker's settings",
    )
    comparison = make_comparison(
        settings, peers=peers.members, peer_label=peers.label, chart_start=defaults.chart_start,
        aggregates=shown_aggregates(peers.aggregates, data.choices()["aggregates"]),
    )
    return StudyChoice(settings, comparison)


def benchmark_overrides() -> tuple[tuple[str, float], ...]:
    """Number boxes (bound to `?bm_<id>=`) to test a claim against another benchmark value; empty = shipped one.

    A value that is not a finite number within its unit's plausible range (data/catalogue/plausible_ranges.yaml)
    is named in a message and the shipped benchmark is used.
    """
    codebook = data.get_codebook()
    prefix = url.params().benchmark_prefix
    chosen = []
    with st.sidebar.expander("Benchmarks", icon=":material/flag:"):
        st.caption("Leave empty to use the shipped benchmark (a band's low end for 'below' tests).")
        for bench_id, bench in codebook.benchmarks.items():
            key = prefix + bench_id
            low, high = data.plausible_range(bench.unit)
            raw = st.query_params.get(key)
            rejected = raw not in (None, "") and url.parse_number(raw, low, high) is None
            if rejected:
                span = f"a number from {low:g} to {high:g}" if abs(low) < float("inf") else "a finite number"
                url.url_param_error(key, raw, f"Use {span} ({bench.unit}), e.g. {bench.low:g}; the shipped "
                                              "benchmark is used.")
                # The bound number box would otherwise read it (nan, inf) or fail on it.
                st.query_params.pop(key, None)
            band = f"{bench.low:g}-{bench.high:g}" if bench.low != bench.high else f"{bench.low:g}"
            value = st.number_input(
                f"{bench.label} [{band} {bench.unit}]", value=None, step=0.5, key=key, bind="query-params",
                help=bench.source,
            )
            checked = None if value is None else url.parse_number(str(value), low, high)
            if value is not None and checked is None and not rejected:
                url.url_param_error(key, str(value), f"Use a number from {low:g} to {high:g} ({bench.unit}).")
            if checked is not None:
                chosen.append((bench_id, checked))
    return tuple(chosen)
