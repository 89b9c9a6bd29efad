"""One claim as a reader sees it: its charts, the notes beside its verdict, its evidence table and source lines.

Why this module: the Claims page and the seminar deck used to assemble a claim's chart each in their own way, and
only the page knew that a `share_of_years` test is drawn as periods, so a deck slide lost its chart and drew
another window. Both now call build_claim_view(); the chart each test gets is declared on its rule spec
(src/study/rule_specs.py, `chart`). Pure: no Streamlit, no I/O; the app layer caches the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from src.charts.claims import (
    ClaimChartStyle,
    chart_indicators,
    claim_benchmarks,
    claim_chart,
    claim_notes,
    evidence_table,
    period_timeline_figure,
)
from src.study.rule_specs import RULE_SPECS_BY_KEY
from src.views.comparison import Comparison

LINES = "lines"
PERIODS = "periods"


@dataclass(frozen=True, eq=False)
class ClaimFigure:
    """One chart of a claim. `name` tells charts of one claim apart ("lines", or the kind of periods drawn)."""

    name: str
    figure: go.Figure

    @property
    def source_line(self) -> str:
        meta = self.figure.layout.meta if isinstance(self.figure.layout.meta, dict) else {}
        return str(meta.get("source_line") or "")


@dataclass(frozen=True, eq=False)
class ClaimView:
    """What the Claims page card and the deck slide show of one claim beside its verdict.

    figures: the charts, in the order the verdict's tests come (none when no test has anything to draw).
    notes: what a reader must know beside the verdict (src.charts.claims.claim_notes).
    evidence: the verdict's evidence rows for reading (src.charts.claims.evidence_table).
    """

    claim_id: str
    figures: tuple[ClaimFigure, ...]
    notes: tuple[str, ...]
    evidence: pd.DataFrame

    @property
    def source_lines(self) -> tuple[str, ...]:
        """Each chart's source line, once each, in chart order."""
        return tuple(dict.fromkeys(f.source_line for f in self.figures if f.source_line))


def chart_kinds(verdict) -> list[str]:
    """The chart kinds the verdict's tests ask for (their rule specs' `chart`), once each, in test order."""
    return list(dict.fromkeys(RULE_SPECS_BY_KEY[part.rule].chart for part in getattr(verdict, "parts", ())))


def build_claim_view(
    claim,
    verdict,
    store,
    study,
    comparison: Comparison,
    *,
    events: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
    with_data: Iterable[str] | None = None,
    style: ClaimChartStyle | None = None,
) -> ClaimView:
    """The claim's charts, notes and evidence table under one comparison.

    Args:
        claim: a codebook Claim.
        verdict: its Verdict (src.claims.evaluate) under the same comparison.
        store: src.ingest.store.Store the line charts read their series from.
        study: src.study.Study (indicators, sources, codebook benchmarks).
        comparison: focus, peers, aggregates, chart years, window and benchmark overrides.
        events: the focus country's events to mark on line charts (None marks none).
        names: ISO3 -> display name.
        with_data: indicator ids with at least one value in the store (computed from it when not given).
        style: how the line charts are drawn (the page's defaults when None; a slide asks for larger text and
            fewer labels and panels).

    Returns:
        A ClaimView; a "lines" test draws src.charts.claims.claim_chart over chart_indicators(...), a
        "periods" test with evidence draws period_timeline_figure of what it counted.
    """
    names = names or {}
    figures: list[ClaimFigure] = []
    for kind in chart_kinds(verdict):
        if kind == LINES:
            figures.extend(_line_figures(claim, verdict, store, study, comparison, events, names, with_data,
                                         style or ClaimChartStyle()))
        elif kind == PERIODS:
            figures.extend(_period_figures(verdict, comparison, names))
    return ClaimView(
        claim_id=claim.id,
        figures=tuple(figures),
        notes=tuple(claim_notes(claim, verdict)),
        evidence=evidence_table(verdict.evidence),
    )


def _line_figures(claim, verdict, store, study, comparison, events, names, with_data, style) -> list[ClaimFigure]:
    available = set(with_data) if with_data is not None else set(store.values["indicator"].unique())
    drawn = chart_indicators(claim, verdict, available, max_panels=style.max_panels)
    if not drawn:
        return []
    places = list(dict.fromkeys([comparison.focus, *comparison.peers, *comparison.aggregates]))
    benchmarks = claim_benchmarks(study.codebook.benchmarks, study.indicators, drawn, comparison.benchmark_overrides)
    figure = claim_chart(
        store.series(drawn, places, comparison.chart_years),
        claim_id=claim.id,
        indicator_ids=drawn,
        indicators=study.indicators,
        focus=comparison.focus,
        peers=list(comparison.peers),
        years=comparison.chart_years,
        names=names,
        aggregates=list(comparison.aggregates),
        peer_label=comparison.peer_label,
        benchmarks=benchmarks,
        events=events,
        sources=study.sources,
        window=comparison.window,
        **style.options(),
    )
    return [ClaimFigure(LINES, figure)]


def _period_figures(verdict, comparison, names) -> list[ClaimFigure]:
    figures = []
    for part in verdict.parts:
        if RULE_SPECS_BY_KEY[part.rule].chart != PERIODS or not len(part.evidence):
            continue
        kind = str(part.params.get("kind", "events"))
        figure = period_timeline_figure(
            part.evidence,
            what=kind.replace("_", " "),
            since=int(part.params["since"]),
            until=comparison.window[1],
            country=names.get(comparison.focus, comparison.focus),
        )
        figures.append(ClaimFigure(kind, figure))
    return figures
