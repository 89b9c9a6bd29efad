"""What a claim's chart compares: one frozen value the Claims page and the seminar deck both hand to the view.

Why this module: the page and the deck drew different windows because each assembled its own comparison. Both now
build a Comparison here, from the claim checker's settings and the chosen peer group, so equal choices give equal
charts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Comparison:
    """The focus country, its peers (focus left out), the published aggregates drawn beside them, the years the
    chart shows (`chart_years`, always holding the verdict `window`) and the benchmark values the user chose."""

    focus: str
    peers: tuple[str, ...]
    peer_label: str
    aggregates: tuple[str, ...]
    chart_years: tuple[int, int]
    window: tuple[int, int]
    benchmark_overrides: tuple[tuple[str, float], ...] = ()

    @classmethod
    def from_choice(cls, choice) -> Comparison:
        """The comparison of the pages' study choice (src.app.ui.StudyChoice: settings, peers, peer_label,
        aggregates, chart_years)."""
        return cls(
            focus=choice.focus,
            peers=tuple(choice.peers),
            peer_label=choice.peer_label,
            aggregates=tuple(choice.aggregates),
            chart_years=tuple(choice.chart_years),
            window=tuple(choice.window),
            benchmark_overrides=tuple(choice.settings.benchmarks),
        )


def make_comparison(
    settings,
    *,
    peers: Sequence[str],
    peer_label: str,
    aggregates: Iterable[str] = (),
    chart_start: int,
) -> Comparison:
    """The comparison for the claim checker's settings (src.claims.evaluate.Settings) and a peer group.

    Args:
        settings: focus, window and benchmark overrides.
        peers: the group's members; the focus country is left out (charts draw it apart).
        peer_label: the group's label for legends and titles.
        aggregates: published aggregates to draw, as published.
        chart_start: the first year time charts show (the study's default); an earlier window start wins.
    """
    window = (int(settings.window[0]), int(settings.window[1]))
    return Comparison(
        focus=settings.focus,
        peers=tuple(m for m in peers if m != settings.focus),
        peer_label=peer_label,
        aggregates=tuple(dict.fromkeys(aggregates)),
        chart_years=(min(int(chart_start), window[0]), window[1]),
        window=window,
        benchmark_overrides=tuple(settings.benchmarks),
    )


# The World Bank's World aggregate is drawn beside every peer group, when the data has it (the Claims page does
# the same in src.app.ui.study_settings), so every chart keeps one global reference line.
WORLD_AGGREGATE = "WLD"


def shown_aggregates(group_aggregates: Iterable[str], available: Iterable[str]) -> tuple[str, ...]:
    """The published aggregates a chart draws: the peer group's own, then World, each only when it has data."""
    available = set(available)
    wanted = [*group_aggregates, WORLD_AGGREGATE]
    return tuple(a for a in dict.fromkeys(wanted) if a in available)
