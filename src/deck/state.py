"""A deck's place in the URL: which claims, which slide, which comparison, guess-first or not.

The parameter names and the defaults are the study's own (data/study.yaml via src.study.defaults), so a link to
a slide uses the same vocabulary as every other page and a default value leaves the URL clean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from src.study.peers import CUSTOM


@dataclass(frozen=True)
class DeckState:
    """What a link to a slide holds. `claim_ids` empty means the default deck (every claim); slides count from 1.

    Build the default one with default_state(defaults): the focus and peer group come from the study.
    """

    focus: str
    peers: str
    claim_ids: tuple[str, ...] = ()
    slide: int = 1
    custom: tuple[str, ...] = ()
    guess: bool = False


def default_state(defaults) -> DeckState:
    """The deck a bare link opens: every claim, slide 1, the study's focus country and peer group."""
    return DeckState(focus=defaults.focus, peers=defaults.peer_group)


def state_to_params(state: DeckState, defaults) -> dict[str, str]:
    """URL parameters for a deck state; values equal to the default are left out (as Streamlit does).

    Args:
        state: the deck state.
        defaults: the study's defaults (src.study.defaults.StudyDefaults: focus, peer_group, params).
    """
    names = defaults.params
    params: dict[str, str] = {}
    if state.slide != 1:
        params[names.slide] = str(state.slide)
    if state.claim_ids:
        params[names.deck] = ",".join(state.claim_ids)
    if state.focus != defaults.focus:
        params[names.focus] = state.focus
    if state.peers != defaults.peer_group:
        params[names.peers] = state.peers
    if state.peers == CUSTOM and state.custom:
        params[names.custom] = ",".join(state.custom)
    if state.guess:
        params[names.guess] = "1"
    return params


def _values(params: Mapping, name: str) -> list[str]:
    """All values of a parameter, accepting `?x=A,B` and `?x=A&x=B` (Streamlit writes the repeated form)."""
    raw = params.get(name)
    if raw is None:
        return []
    raw = [raw] if isinstance(raw, str) else list(raw)
    return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]


def _last(params: Mapping, name: str) -> str | None:
    raw = params.get(name)
    if raw is None or isinstance(raw, str):
        return raw
    raw = list(raw)
    return raw[-1] if raw else None


class LinkProblem(NamedTuple):
    """A URL value the deck ignored: the page shows it as text (never pasted into markdown), with the hint."""

    name: str
    value: str
    hint: str

    def __str__(self) -> str:
        return f"{self.name}={self.value}: {self.hint}"


def parse_slide_number(raw: str | None, name: str) -> tuple[int, LinkProblem | None]:
    """(slide number, problem): a missing value is slide 1; a value that is not a whole number >= 1 is a problem.

    `name` is the URL parameter the value came from, for the message.
    """
    if raw is None or not str(raw).strip():
        return 1, None
    text = str(raw).strip()
    if text.isascii() and text.isdigit() and int(text) >= 1:  # "²".isdigit() is true, int("²") fails
        return int(text), None
    return 1, LinkProblem(name, str(raw), "It is not a slide number (use 1, 2, 3, ...); showing slide 1.")


def state_from_params(params: Mapping, defaults) -> tuple[DeckState, list[LinkProblem]]:
    """Read a deck state from URL parameters (a dict of str or list of str, e.g. st.query_params.to_dict()).

    Returns:
        (state, problems): problems are plain sentences about values that were ignored; the state then keeps
        the default for them. Claim ids are checked later against the codebook (check_claim_ids).
    """
    names = defaults.params
    problems: list[str] = []
    slide, problem = parse_slide_number(_last(params, names.slide), names.slide)
    if problem:
        problems.append(problem)
    guess_raw = (_last(params, names.guess) or "").strip().lower()
    if guess_raw not in ("", "0", "1", "true", "false"):
        problems.append(LinkProblem(names.guess, guess_raw, "Use 1 (guess first) or 0; guess-first is off."))
    state = DeckState(
        claim_ids=tuple(dict.fromkeys(_values(params, names.deck))),
        slide=slide,
        focus=(_last(params, names.focus) or "").strip().upper() or defaults.focus,
        peers=(_last(params, names.peers) or "").strip() or defaults.peer_group,
        custom=tuple(dict.fromkeys(v.upper() for v in _values(params, names.custom))),
        guess=guess_raw in ("1", "true"),
    )
    return state, problems


def clamp_slide(number: int, total: int) -> tuple[int, str | None]:
    """Keep a slide number inside the deck; say so when it was outside."""
    if total < 1:
        return 1, None
    if 1 <= number <= total:
        return number, None
    return min(max(number, 1), total), (
        f"This deck has {total} slides, so there is no slide {number}; showing slide {min(max(number, 1), total)}."
    )
