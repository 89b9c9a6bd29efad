"""URL parameters: seed widgets from a link, name every value the dashboard cannot use, and give share links.

Why this module: a link can name a widget's value by id (`?focus=IND`), but Streamlit reads a bound parameter only
in the label form it writes itself (`?focus=India+(IND)`) and drops anything else silently. So a known value goes
into session state before the widget renders, and an unknown one gets a message. Parameter names and defaults
come from the study (data/study.yaml, `params` and `defaults`), never from constants here.

Every URL value is text from a stranger: it is shown only inside a code span whose fence is longer than any run of
backticks in it (so nothing in it is read as markdown, a link or HTML), and numbers are parsed with float()/int(),
checked finite and within their range, never with str.isdigit().
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlencode

import streamlit as st

from src.app import data
from src.claims import link_record

# Long values are cut in messages: the point is to name the value, not to echo a payload.
SHOWN_LENGTH = 60
_PENDING = "_link_value_{}"
_REPORTED = "_link_error_{}"
# The URL path of the page this run shows, when it came through app.py (`page_shown`).
_PAGE = "_link_page"


def params():
    """The study's URL parameter names (src.study.defaults.StudyParams)."""
    return data.get_study().defaults.params


def shown_value(value: str, limit: int = SHOWN_LENGTH) -> str:
    """`value` as an inline code span that markdown renders literally (no link, image, HTML, icon or maths).

    Control characters are written as escapes and long values cut, so the span cannot be broken by a new line.
    """
    text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(value))
    if len(text) > limit:
        text = text[:limit] + "..."
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def url_param_error(name: str, value: str, hint: str) -> None:
    """Say plainly that a link asked for something this dashboard cannot use, instead of failing or ignoring it."""
    st.error(
        f"The link asks for {shown_value(f'{name}={value}')}, which this dashboard does not know, so it is "
        f"ignored. {hint}",
        icon=":material/link_off:",
    )


def page_shown(url_path: str | None) -> None:
    """Every page, first thing (src.app.boot.enter_page): the page this run shows (None: a page run on its own, as
    in a test), so a message about a link is repeated on the page the link opened only."""
    st.session_state[_PAGE] = url_path


def _report(key: str, value: str, hint: str) -> None:
    url_param_error(key, value, hint)
    st.session_state[_REPORTED.format(key)] = (value, hint, st.session_state.get(_PAGE))


def _before_widget(key: str) -> None:
    """Set again a value a link gave by id on the previous run (so Streamlit writes it into the URL), unless the
    reader changed it since, and repeat that run's message about the link (Streamlit has dropped it by now) when
    this run shows the same page: a reader who went on to another page did not open that one with the link."""
    pending = st.session_state.pop(_PENDING.format(key), None)
    if pending is not None and st.session_state.get(key) == pending:
        st.session_state[key] = pending
    reported = st.session_state.pop(_REPORTED.format(key), None)
    if reported and reported[2] == st.session_state.get(_PAGE) and st.query_params.get(key) is None:
        url_param_error(key, *reported[:2])


def _take(key: str, value, sync_url: bool) -> None:
    if key not in st.session_state:
        st.session_state[key] = value
        if sync_url:
            st.session_state[_PENDING.format(key)] = value


def seed_single(key: str, options: Sequence, hint: str, label: Callable = str, *, sync_url: bool = True) -> None:
    """Read a single-value URL parameter before its bound widget does: a known value named by id (any letter
    case) goes to the widget; an unknown value gets `url_param_error`."""
    _before_widget(key)
    raw = st.query_params.get(key)
    if raw is None or raw == "" or raw in {label(o) for o in options}:
        return
    for candidate in (raw, raw.strip().upper(), raw.strip().lower()):
        if candidate in options:
            _take(key, candidate, sync_url)
            return
    _report(key, raw, hint)


def seed_list(key: str, options: Sequence, hint: str, label: Callable = str, *, sync_url: bool = True) -> None:
    """Like `seed_single` for a multi-select: accepts `?key=A,B`, `?key=A&key=B` and Streamlit's label form;
    reports unknown entries and keeps the known ones."""
    _before_widget(key)
    raw = st.query_params.get_all(key)
    labels = {label(o) for o in options}
    if not raw or all(value in labels for value in raw):
        return
    by_label = {label(o): o for o in options}
    upper = {str(o).upper(): o for o in options}
    wanted, unknown = [], []
    for value in raw:
        parts = [value] if value in labels else [p.strip() for p in value.split(",") if p.strip()]
        for part in parts:
            found = by_label.get(part) or upper.get(part.upper())
            (wanted if found else unknown).append(found or part)
    if unknown:
        _report(key, ",".join(unknown), hint)
    _take(key, list(dict.fromkeys(wanted)), sync_url)


def check_choice(key: str, options: Sequence[str]) -> None:
    """Name a value of `?key=` that is none of `options` (a segmented control or toggle would drop it silently)."""
    raw = st.query_params.get(key)
    if raw not in (None, "") and raw not in options:
        url_param_error(key, raw, f"Use one of: {', '.join(options)}.")


def check_flag(key: str) -> None:
    """Name a value of a bound toggle's `?key=` other than true/false (what Streamlit reads and writes)."""
    raw = st.query_params.get(key)
    if raw not in (None, "") and raw.strip().lower() not in ("true", "false"):
        url_param_error(key, raw, "Use true or false.")


def parse_number(text: str | None, low: float = -math.inf, high: float = math.inf) -> float | None:
    """`text` as a finite number within [low, high], else None (also for None or an empty text)."""
    if text is None or not str(text).strip():
        return None
    try:
        value = float(text)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def parse_year(text: str | None, low: int, high: int) -> int | None:
    """`text` as a whole year within [low, high], else None."""
    if text is None:
        return None
    try:
        value = int(str(text).strip())
    except ValueError:
        return None
    return value if low <= value <= high else None


def data_version() -> str:
    """The short fingerprint of the data this run's verdicts rest on (snapshot, catalogue and study keys)."""
    return link_record.data_version(*data.store_key(), data.study_key())


def share_link(values: Mapping, *, container=None) -> None:
    """'Link to this view': the page's address with `values` in id form and the data version, to copy (the
    address bar may show Streamlit's label form, or nothing for a value a link gave, until the next interaction)."""
    container = container or st.sidebar
    values = {**values, params().data_version: data_version()}
    query = urlencode({k: v for k, v in values.items() if v not in (None, "", [])}, safe=",:")
    base = st.context.url or ""
    container.caption("Link to this view")
    container.code(f"{base}?{query}" if query else base, language=None, wrap_lines=True)


def claims_share_link(settings, verdicts: Mapping, shown: list[str], theme_id: str | None,
                      claim_id: str | None) -> None:
    """The Claims page's link (comparison, theme, claim, data version and the verdicts of the `shown` claim ids),
    after the banner saying how a link made on other data compares with the verdicts here (`link_data_banner`)."""
    names = params()
    statuses = {c: verdicts[c].status for c in shown}
    link_data_banner(settings, statuses)
    share_link({**shared_query(settings), names.theme: theme_id, names.claim: claim_id,
                names.verdicts: link_record.encode_verdicts(statuses)})


_LINK_SEEN = "_link_data_seen"


def link_data_banner(settings, current: Mapping[str, str]) -> None:
    """Say that a link was made on other data, with each recorded verdict then and now.

    Shown while the comparison is the one the link opened with (the first run's settings, seeded from the link);
    once the reader changes it, the link's verdicts no longer describe what is shown. `current`: claim id -> status
    now, for the claims on the page.
    """
    from src.claims.verdicts import STATUS_LABELS

    names = params()
    comparison = tuple(sorted(shared_query(settings).items()))
    raw_version = st.query_params.get(names.data_version)
    raw_verdicts = st.query_params.get(names.verdicts)
    # Kept for the session: Streamlit may drop a link's parameters from the address on a later rerun.
    record = st.session_state.get(_LINK_SEEN)
    if raw_version not in (None, "") and (record is None or record[:2] != (raw_version, raw_verdicts)):
        record = st.session_state[_LINK_SEEN] = (raw_version, raw_verdicts, comparison)
    if record is None:
        return
    raw_version, raw_verdicts, opened_with = record
    if opened_with != comparison:
        return
    if not link_record.is_data_version(raw_version):
        st.error(
            f"The link's data version {shown_value(f'{names.data_version}={raw_version}')} is not one this "
            f"dashboard writes (it writes "
            f"{link_record.VERSION_LENGTH} hexadecimal digits), so the verdicts it was made with cannot be compared; "
            "the verdicts below use the data here.",
            icon=":material/link_off:",
        )
        return
    recorded = link_record.decode_verdicts(raw_verdicts, data.get_codebook().claims)
    if recorded.rejected:
        url_param_error(names.verdicts, ",".join(recorded.rejected),
                        "Each entry is a claim id and a status code, e.g. C2.3:s; the others were compared.")
    here = data_version()
    changed, same = link_record.then_and_now(recorded.statuses, current)

    def said(status: str) -> str:
        return f"**{STATUS_LABELS[status]}**"

    if raw_version == here:
        if changed:
            listed = "; ".join(f"{c.claim_id} is now {said(c.now)}, it was {said(c.then)}" for c in changed)
            st.info(f"This link was made on the same data as here (version `{here}`), yet the verdicts differ: "
                    f"{listed}. The dashboard's rules changed since.", icon=":material/history:")
        return
    intro = f"This link was made on data version `{raw_version}`; the data here is version `{here}`."
    if not changed and not same:
        body = " The link does not record what the verdicts were then, so compare the numbers with care."
    elif len(changed) + len(same) == 1:
        one = (changed or same)[0]
        body = (f" With the data here, the verdict on {one.claim_id} is now {said(one.now)}; it was "
                f"{said(one.then)} then." if changed else
                f" With the data here, the verdict on {one.claim_id} is still {said(one.now)}, as it was then.")
    else:
        body = f" {len(same)} of {len(changed) + len(same)} recorded verdicts are the same with the data here."
        if changed:
            body += " Changed: " + "; ".join(
                f"{c.claim_id} is now {said(c.now)}, it was {said(c.then)} then" for c in changed) + "."
    st.warning(intro + body, icon=":material/history:")


def shared_query(settings) -> dict[str, str]:
    """The claim checker's settings (src.claims.evaluate.Settings) as URL parameters that differ from the study's
    defaults, so a link to another page keeps the comparison."""
    defaults = data.get_study().defaults
    names = defaults.params
    query = {}
    if settings.focus != defaults.focus:
        query[names.focus] = settings.focus
    if settings.peer_group != defaults.peer_group:
        query[names.peers] = settings.peer_group
    if settings.custom_peers:
        query[names.custom] = ",".join(settings.custom_peers)
    if tuple(settings.window) != tuple(defaults.window):
        query[names.start], query[names.end] = str(settings.window[0]), str(settings.window[1])
    for bench_id, value in settings.benchmarks:
        query[names.benchmark_prefix + bench_id] = f"{value:g}"
    return query
