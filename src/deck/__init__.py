"""Seminar decks: the study as a sequence of slides, their state in the URL, and an offline HTML/PNG export.

Why this package: presenters show the dashboard on projectors with poor or no internet. The deck is built from
the codebook, the store and the claim checker's settings as plain data (no Streamlit), so the Seminar mode page
stays thin, the same slides can be written to ONE self-contained HTML file (plotly.js inlined, nothing fetched),
and everything is tested without a running app.

slides.py builds the slides (each claim slide from the same ClaimView as the Claims page), state.py reads and
writes a deck's URL with the study's parameter names, export.py writes the HTML file (static/deck.css and
static/deck.js) and PNGs, projector.py restyles a chart for a projected slide (>= 18 px text) and keeps file
paths and series codes off the slides.
"""

from src.deck.export import (
    BROWSER_NAMES,
    EXPORT_PLOTLY_CONFIG,
    PngExportUnavailable,
    badge_html,
    export_html,
    export_png,
    find_browser,
    page_css,
)
from src.deck.projector import PROJECTOR_TEXT_PX, plain_words, projector_figure, projector_spec, split_verdict
from src.deck.slides import (
    SLIDE_KINDS,
    Slide,
    UnknownClaimError,
    build_deck,
    check_claim_ids,
    claim_slide_index,
    claim_view_builder,
    default_claim_ids,
    draw_slide,
    draw_slides,
    make_settings,
    settings_line,
    study_evaluator,
)
from src.deck.state import DeckState, clamp_slide, default_state, parse_slide_number, state_from_params, state_to_params

__all__ = [
    "BROWSER_NAMES",
    "PROJECTOR_TEXT_PX",
    "EXPORT_PLOTLY_CONFIG",
    "SLIDE_KINDS",
    "DeckState",
    "PngExportUnavailable",
    "Slide",
    "UnknownClaimError",
    "badge_html",
    "build_deck",
    "check_claim_ids",
    "clamp_slide",
    "claim_slide_index",
    "claim_view_builder",
    "default_claim_ids",
    "default_state",
    "draw_slide",
    "draw_slides",
    "export_html",
    "export_png",
    "find_browser",
    "make_settings",
    "page_css",
    "parse_slide_number",
    "plain_words",
    "projector_figure",
    "projector_spec",
    "settings_line",
    "split_verdict",
    "state_from_params",
    "state_to_params",
    "study_evaluator",
]
