"""Views: what a page or a deck slide shows of one claim, built once from its verdict (no Streamlit here)."""

from src.views.board import BoardRow, board_rows, claim_anchor, key_fact, method_notes, page_source_ids, reader_notes
from src.views.claim_view import ClaimFigure, ClaimView, build_claim_view, chart_kinds
from src.views.comparison import Comparison, make_comparison, shown_aggregates

__all__ = [
    "BoardRow", "ClaimFigure", "ClaimView", "Comparison", "board_rows", "build_claim_view", "chart_kinds",
    "claim_anchor", "key_fact", "make_comparison", "method_notes", "page_source_ids", "reader_notes",
    "shown_aggregates",
]
