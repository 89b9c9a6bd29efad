"""Pickers bound to the URL: focus country, peer group, countries, years, indicators, theme and claim.

Why this module: every page offers the same pickers under the same URL names (data/study.yaml `params`), so a link
made on one page means the same on another. Options come from the store (places and indicators with data) and the
study (peer groups, themes, claims); values a link gives are seeded and checked by src.app.url.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import streamlit as st

from src.app import data, url

# The peer picker's extra option: countries the reader picks.
CUSTOM_GROUP = "custom"
COUNTRY_HINT = "Use three-letter ISO codes such as PAK, IND or BGD (published aggregates: SAS, LMC, WLD)."


def focus_country_picker(*, container=None, key: str | None = None, label: str = "Focus country") -> str:
    """A country select box bound to `?focus=` (default: the study's focus). Returns the ISO3 code."""
    container = container or st.sidebar
    key = key or url.params().focus
    options = data.choices()["countries"]
    labeller = data.country_labeller()
    url.seed_single(key, options, COUNTRY_HINT, labeller, sync_url=True)
    default_focus = data.get_study().defaults.focus
    index = options.index(default_focus) if default_focus in options else 0
    return container.selectbox(
        label, options, index=index, format_func=labeller, key=key, bind="query-params",
        help="The country the charts put in front. Any country with data can be the focus.",
    )


@dataclass(frozen=True)
class PeerChoice:
    """The chosen comparison group: its id, a label for titles and legends, its member ISO3 codes, and the
    published aggregates (e.g. SAS) the group declares for showing beside it."""

    group_id: str
    label: str
    members: tuple[str, ...]
    aggregates: tuple[str, ...] = ()

    @property
    def custom_members(self) -> tuple[str, ...]:
        """The members when the reader picked them (what `?custom=` holds), else ()."""
        return self.members if self.group_id == CUSTOM_GROUP else ()


def _group_label(group_id: str, group) -> str:
    return str(getattr(group, "label", None) or getattr(group, "name", None) or group_id)


def peer_group_picker(focus: str, *, container=None, key: str | None = None, custom_key: str | None = None) -> PeerChoice:
    """A peer group select box bound to `?peers=` (default: the study's group); `custom` opens a country pick
    (`?custom=`). Members come from src.study.peers.members and may include the focus (charts draw it apart)."""
    container = container or st.sidebar
    names = url.params()
    key, custom_key = key or names.peers, custom_key or names.custom
    groups = data.get_peer_groups()
    options = [*groups, CUSTOM_GROUP]
    labels = {**{g: _group_label(g, groups[g]) for g in groups}, CUSTOM_GROUP: "Custom: pick countries"}
    url.seed_single(key, options, f"Use one of: {', '.join(options)}.", labels.get, sync_url=True)
    default_group = data.get_study().defaults.peer_group
    index = options.index(default_group) if default_group in options else 0
    group_id = container.selectbox(
        "Compare with", options, index=index, format_func=labels.get, key=key, bind="query-params",
        help="The peer group the focus country is compared with. Its median is computed from members with data.",
    )
    if group_id == CUSTOM_GROUP:
        picked = countries_picker(container=container, key=custom_key, label="Custom peer countries", default=())
        return PeerChoice(CUSTOM_GROUP, "chosen countries", tuple(picked))
    from src.study.peers import members as group_members

    store = data.get_store()
    # Worked out once per group, focus and data version (a similar-HDI group scans the HDI rows: ~9 ms a rerun).
    members = data.load_or_stop(lambda: data.cached_build(
        "peer-members", (group_id, focus), lambda: tuple(group_members(group_id, store, focus, groups=groups))),
        what=f"peer group {group_id!r}")
    aggregate = getattr(groups[group_id], "aggregate", "")
    aggregates = (aggregate,) if aggregate in data.choices()["aggregates"] else ()
    return PeerChoice(group_id, labels[group_id], tuple(members), aggregates)


def countries_picker(
    *,
    container=None,
    key: str | None = None,
    label: str = "Countries",
    default: Sequence[str] | None = None,
    include_aggregates: bool = True,
    options: Sequence[str] | None = None,
) -> list[str]:
    """A multi-select of countries (and published aggregates) bound to `?countries=` (or `key`).

    Args:
        default: the codes chosen before the user picks; None means the study's focus country.
        options: the codes offered; default every country with data, plus the published aggregates.
    Returns:
        The chosen codes, in the order picked.
    """
    container = container or st.sidebar
    key = key or url.params().countries
    default = (data.get_study().defaults.focus,) if default is None else default
    if options is None:
        options = data.choices()["countries"] + (data.choices()["aggregates"] if include_aggregates else [])
    options = list(options)
    labeller = data.country_labeller()
    url.seed_list(key, options, COUNTRY_HINT, labeller, sync_url=True)
    kwargs = {} if key in st.session_state else {"default": [c for c in default if c in options]}
    return container.multiselect(label, options, format_func=labeller, key=key, bind="query-params", **kwargs)


def year_range(
    *,
    container=None,
    bounds: tuple[int, int],
    default: tuple[int, int],
    keys: tuple[str, str] | None = None,
) -> tuple[int, int]:
    """First and last year, two number boxes bound to `?start=` and `?end=`. Returns (start, end), start <= end.

    A year a link gives that is not a whole number within `bounds` is named and left out (the box keeps its
    default).
    """
    container = container or st.sidebar
    names = url.params()
    keys = keys or (names.start, names.end)
    low, high = bounds
    for key in keys:
        raw = st.query_params.get(key)
        if raw not in (None, "") and url.parse_year(raw, low, high) is None:
            url.url_param_error(key, raw, f"Use a year from {low} to {high}.")
            # Streamlit would parse a bound number box's value itself: take the bad one out of its reach.
            st.query_params.pop(key, None)
    left, right = container.columns(2)
    start = left.number_input(
        "From", min_value=low, max_value=high, value=default[0], step=1, key=keys[0], bind="query-params"
    )
    end = right.number_input(
        "To", min_value=low, max_value=high, value=default[1], step=1, key=keys[1], bind="query-params"
    )
    if start > end:
        container.warning(f"'From' ({start}) is after 'To' ({end}); showing {end}-{start}.")
        start, end = end, start
    return int(start), int(end)


def indicators_with_data_for(countries: Sequence[str]) -> frozenset[str]:
    """The indicators with at least one value for any of `countries` (cached per set of countries)."""
    store = data.get_store()
    chosen = tuple(sorted(set(countries)))
    return data.cached_build(
        "indicators-with-data-for", chosen,
        lambda: frozenset(store.values.loc[store.values["iso3"].isin(chosen), "indicator"].unique()),
    )


def indicator_picker(
    *,
    container=None,
    key: str | None = None,
    label: str = "Indicator",
    default: str | None = None,
    options: Sequence[str] | None = None,
    data_for: Sequence[str] | None = None,
) -> str:
    """An indicator select box bound to `?indicator=` (or `key`). Offers indicators with data unless `options`.

    Args:
        data_for: countries the reader looks at; indicators with no value for any of them are listed last and
            say "no data for <country>", so the list never opens on a series that would draw nothing.
    """
    container = container or st.sidebar
    key = key or url.params().indicator
    with_data = data.choices()["indicators"]
    options = list(options) if options is not None else [i for i in data.get_indicators() if i in with_data]
    labeller = data.indicator_labeller()
    if data_for:
        covered = indicators_with_data_for(data_for)
        options = [i for i in options if i in covered] + [i for i in options if i not in covered]
        names = data.country_names()
        whom = ", ".join(names.get(c, c) for c in data_for[:2]) + (" or the others" if len(data_for) > 2 else "")
        plain_labeller = labeller

        def labeller(indicator_id: str) -> str:
            shown = plain_labeller(indicator_id)
            return shown if indicator_id in covered else f"{shown} (no data for {whom})"

    hint = "Pick one from the list; the Sources page lists every indicator id."
    url.seed_single(key, options, hint, labeller, sync_url=True)
    index = options.index(default) if default in options else 0
    return container.selectbox(label, options, index=index, format_func=labeller, key=key, bind="query-params")


def _id_picker(key: str, options: Sequence[str], labels: Mapping, label: str, hint: str, container) -> str:
    """A select box over ids with an empty 'all' first choice, bound to `?<key>=`; '' means no filter."""
    all_options = ["", *options]
    shown = {"": "All", **labels}
    url.seed_single(key, all_options, hint, lambda o: shown[o], sync_url=True)
    return container.selectbox(label, all_options, format_func=shown.get, key=key, bind="query-params")


def theme_picker(codebook, *, container=None) -> str:
    """Theme filter bound to `?theme=` ('' = all themes)."""
    labels = {t.id: f"{t.id}: {t.label}" for t in codebook.themes.values()}
    example = next(iter(codebook.themes), "")
    return _id_picker(url.params().theme, list(codebook.themes), labels, "Theme",
                      f"Use a theme id such as {example}.", container or st.sidebar)


def theme_and_claim_pickers(codebook, *, container=None) -> tuple[str, str]:
    """Theme filter (`?theme=`) and single-claim view (`?claim=`); the claim list follows the theme filter."""
    container = container or st.sidebar
    container.header("Claims")
    theme_id = theme_picker(codebook, container=container)
    claims = [c for c in codebook.claims.values() if not theme_id or c.theme == theme_id]
    claim_key = url.params().claim
    raw = st.query_params.get(claim_key)
    if raw and raw in codebook.claims and raw not in {c.id for c in claims}:
        # A claim link wins over a theme filter that would hide it.
        claims = list(codebook.claims.values())
    labels = {c.id: f"{c.id}: {c.paraphrase}" for c in claims}
    example = next(iter(codebook.claims), "")
    claim_id = _id_picker(claim_key, [c.id for c in claims], labels, "Claim",
                          f"Use a claim id such as {example}.", container)
    return theme_id, claim_id
