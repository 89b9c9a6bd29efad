"""Views: what a page or a deck slide shows of one claim, built once from its verdict (no Streamlit here)."""

from src.views.claim_view import ClaimFigure, ClaimView, build_claim_view, chart_kinds
from src.views.comparison import Comparison, make_comparison, shown_aggregates

__all__ = ["ClaimFigure", "ClaimView", "Comparison", "build_claim_view", "chart_kinds", "make_comparison", "shown_aggregates"]
