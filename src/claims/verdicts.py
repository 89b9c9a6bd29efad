"""The verdict vocabulary, once: each status's label, chart/HTML colour, text colour, Streamlit badge colour and
Material icon, for a claim's verdict and for one part (test) of it.

The evaluation, the charts, the deck and the app all read these, so a verdict looks and reads the same on every
page and slide. Plain strings only (no Streamlit): the app passes them to st.badge / markdown itself. Fill colours
are Okabe-Ito (colour-blind safe); text colours are darker shades of the same hue with at least WCAG AA contrast
(4.5:1) on white, for words printed in the colour.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VerdictStyle:
    """How one status is shown. colour: hex fill for charts and HTML backgrounds; text: hex for words on white
    (WCAG AA); badge: a Streamlit badge colour name; icon: a Streamlit Material icon; meaning: one plain sentence."""

    label: str
    colour: str
    badge: str
    icon: str
    text: str = "#595959"
    meaning: str = ""


VERDICT_STYLES: dict[str, VerdictStyle] = {
    "supported": VerdictStyle(
        "Supported", "#009E73", "green", ":material/check_circle:", "#00795A",
        "Every part of the claim was checked and holds, by more than the declared tolerance."),
    "partly_supported": VerdictStyle(
        "Partly supported", "#E69F00", "orange", ":material/contrast:", "#8A5A00",
        "Some checked parts hold and some checked parts do not."),
    "not_supported": VerdictStyle(
        "Not supported", "#D55E00", "red", ":material/cancel:", "#A33F00",
        "The checked parts do not hold."),
    "too_close": VerdictStyle(
        "Too close to call", "#0072B2", "blue", ":material/balance:", "#0072B2",
        "The numbers sit within the declared tolerance (or margin of error) of what the claim needs."),
    "insufficient_data": VerdictStyle(
        "Insufficient data", "#7F7F7F", "gray", ":material/help:", "#595959",
        "Too few parts could be checked to say either way; what is missing is named."),
}
# What a status outside the vocabulary (or none) is shown as.
FALLBACK_STATUS = "insufficient_data"

STATUSES: tuple[str, ...] = tuple(VERDICT_STYLES)
# One letter per status for share links (`verdicts=C2.3:s`); changing one breaks links shared before the change.
STATUS_CODES: dict[str, str] = {"supported": "s", "partly_supported": "p", "not_supported": "n", "too_close": "c",
                                "insufficient_data": "i"}
STATUS_OF_CODE: dict[str, str] = {code: status for status, code in STATUS_CODES.items()}
STATUS_LABELS: dict[str, str] = {status: style.label for status, style in VERDICT_STYLES.items()}
VERDICT_COLOURS: dict[str, str] = {status: style.colour for status, style in VERDICT_STYLES.items()}
VERDICT_TEXT_COLOURS: dict[str, str] = {status: style.text for status, style in VERDICT_STYLES.items()}
VERDICT_BADGE_COLOURS: dict[str, str] = {status: style.badge for status, style in VERDICT_STYLES.items()}
VERDICT_ICONS: dict[str, str] = {status: style.icon for status, style in VERDICT_STYLES.items()}

# One part (test) of a claim: its own outcome, never folded into the claim's "partly".
PART_STYLES: dict[str, VerdictStyle] = {
    "holds": VerdictStyle("Holds", "#009E73", "green", ":material/check:", "#00795A", "This part holds."),
    "fails": VerdictStyle("Does not hold", "#D55E00", "red", ":material/close:", "#A33F00",
                          "This part does not hold."),
    "too_close": VerdictStyle("Too close to call", "#0072B2", "blue", ":material/balance:", "#0072B2",
                              "The difference is within the declared tolerance."),
    "unchecked": VerdictStyle("Could not be checked", "#7F7F7F", "gray", ":material/help:", "#595959",
                              "The data this part needs is missing (or only a proxy exists); what is missing is named."),
}
PART_OUTCOMES: tuple[str, ...] = tuple(PART_STYLES)


def style_of(status: str) -> VerdictStyle:
    """The style of `status`; an unknown status keeps its own words as label but takes the fallback's look."""
    if status in VERDICT_STYLES:
        return VERDICT_STYLES[status]
    fallback = VERDICT_STYLES[FALLBACK_STATUS]
    return replace_label(fallback, str(status).replace("_", " ").capitalize())


def part_style_of(outcome: str) -> VerdictStyle:
    """The style of a part's outcome (holds, fails, too_close, unchecked); unknown reads as unchecked."""
    return PART_STYLES.get(outcome, PART_STYLES["unchecked"])


def replace_label(style: VerdictStyle, label: str) -> VerdictStyle:
    return VerdictStyle(label, style.colour, style.badge, style.icon, style.text, style.meaning)
