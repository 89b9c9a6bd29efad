"""The verdict vocabulary, once: each status's label, chart/HTML colour, Streamlit badge colour and Material icon.

The evaluation, the charts, the deck and the app all read these, so a verdict looks and reads the same on every
page and slide. Plain strings only (no Streamlit): the app passes them to st.badge / markdown itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VerdictStyle:
    """How one status is shown. colour: hex for charts and HTML (Okabe-Ito, colour-blind safe); badge: a
    Streamlit badge colour name; icon: a Streamlit Material icon."""

    label: str
    colour: str
    badge: str
    icon: str


VERDICT_STYLES: dict[str, VerdictStyle] = {
    "supported": VerdictStyle("Supported", "#009E73", "green", ":material/check_circle:"),
    "partly_supported": VerdictStyle("Partly supported", "#E69F00", "orange", ":material/contrast:"),
    "not_supported": VerdictStyle("Not supported", "#D55E00", "red", ":material/cancel:"),
    "insufficient_data": VerdictStyle("Insufficient data", "#7F7F7F", "gray", ":material/help:"),
}
# What a status outside the vocabulary (or none) is shown as.
FALLBACK_STATUS = "insufficient_data"

STATUSES: tuple[str, ...] = tuple(VERDICT_STYLES)
STATUS_LABELS: dict[str, str] = {status: style.label for status, style in VERDICT_STYLES.items()}
VERDICT_COLOURS: dict[str, str] = {status: style.colour for status, style in VERDICT_STYLES.items()}
VERDICT_BADGE_COLOURS: dict[str, str] = {status: style.badge for status, style in VERDICT_STYLES.items()}
VERDICT_ICONS: dict[str, str] = {status: style.icon for status, style in VERDICT_STYLES.items()}


def style_of(status: str) -> VerdictStyle:
    """The style of `status`; an unknown status keeps its own words as label but takes the fallback's look."""
    if status in VERDICT_STYLES:
        return VERDICT_STYLES[status]
    fallback = VERDICT_STYLES[FALLBACK_STATUS]
    return VerdictStyle(str(status).replace("_", " ").capitalize(), fallback.colour, fallback.badge, fallback.icon)
