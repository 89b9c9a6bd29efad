"""Streamlit glue every page shares: cached data, URL-bound pickers, and how a figure or a table is shown.

Why this module: it is the only `src` module allowed to import streamlit (tests/test_architecture.py), so pages
stay thin and the rest of `src` stays testable without a running app.

Caching: loaders are keyed on `src.snapshot.snapshot_fingerprint()` (the data) or on the edited files' sizes and
times (catalogues, codebook), so a refresh or an edit shows up on the next rerun without restarting the server.

URL state: the pickers use Streamlit's `bind="query-params"` with the shared parameter names below, so a link
reproduces the view. Links may use ids (`?focus=IND&peers=south_asia&indicator=wdi_mil_gdp`, lists as
`?countries=PAK,IND` or `?countries=PAK&countries=IND`); when a reader changes a widget, Streamlit writes the
widget's displayed label instead (`?focus=India+(IND)`), which works as well. Streamlit leaves a value out of the
URL while it equals the widget's default. A value the dashboard does not know gets a clear `st.error` and is
ignored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from src.charts.common import with_citation_columns
from src.paths import CATALOGUE_DIR, CODEBOOK_DIR, SNAPSHOT_DIR
from src.snapshot import SnapshotError, snapshot_fingerprint

# The shared URL parameter names (every page uses the same ones).
FOCUS_PARAM = "focus"
PEERS_PARAM = "peers"
CUSTOM_PARAM = "custom"
THEME_PARAM = "theme"
CLAIM_PARAM = "claim"
INDICATOR_PARAM = "indicator"
INDICATOR2_PARAM = "indicator2"
COUNTRIES_PARAM = "countries"
START_PARAM = "start"
END_PARAM = "end"

DEFAULT_FOCUS = "PAK"
DEFAULT_PEER_GROUP = "south_asia"
CUSTOM_GROUP = "custom"

# No links to plotly's cloud and no logo; plotly.js itself is served by the local Streamlit server.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "showLink": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "plotlyServerURL": "",
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

# Errors a broken data, catalogue or codebook file raises; each message names the file at fault.
DATA_ERRORS = (ValueError, KeyError, OSError, SnapshotError)


# --- loading -------------------------------------------------------------------------------------------------


def _files_key(folder: Path) -> str:
    """A cheap key that changes when any file under `folder` is edited (sizes and modification times)."""
    digest = hashlib.md5()
    for path in sorted(folder.rglob("*")) if folder.exists() else []:
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def load_or_stop(load: Callable, *args, what: str):
    """Run a loader; on a broken or missing file show a clear error naming it and stop the page (no traceback)."""
    try:
        return load(*args)
    except ImportError as exc:
        st.error(f"{what.capitalize()} is not available in this version of the dashboard yet ({exc}).")
    except DATA_ERRORS as exc:
        st.error(f"Could not load {what}: {exc}")
    st.stop()


@st.cache_resource(show_spinner="Loading the data snapshot...", max_entries=2)
def _store(fingerprint: str, catalogue_key: str):
    from src.store import load_store

    return load_store()


def _store_key() -> tuple[str, str]:
    # The store also depends on the indicator catalogue (ids, scales), so an edit there reloads it too.
    return snapshot_fingerprint(), _files_key(CATALOGUE_DIR)


def get_store():
    """The processed store (src.store.Store), reloaded when the snapshot or catalogue changes. Never modify it."""
    return load_or_stop(_store, *_store_key(), what="the data store")


@st.cache_resource(max_entries=2)
def _catalogue(files_key: str):
    from src.catalogue import load_indicators, load_sources

    sources = load_sources()
    return sources, load_indicators(sources=sources)


def get_sources() -> dict:
    """Source id -> src.catalogue.Source, from data/catalogue/sources.yaml."""
    return load_or_stop(_catalogue, _files_key(CATALOGUE_DIR), what="the source catalogue")[0]


def get_indicators() -> dict:
    """Indicator id -> src.catalogue.Indicator, from data/catalogue/indicators/*.yaml."""
    return load_or_stop(_catalogue, _files_key(CATALOGUE_DIR), what="the indicator catalogue")[1]


@st.cache_resource(max_entries=2)
def _codebook(files_key: str, fingerprint: str):
    from src.codebook import load_codebook  # imported late: the codebook module is written separately

    return load_codebook()


def get_codebook():
    """The study's codebook (src.codebook.load_codebook): themes, codes, claims, unsettled claims."""
    key = _files_key(CODEBOOK_DIR) + _files_key(CATALOGUE_DIR)
    return load_or_stop(_codebook, key, snapshot_fingerprint(), what="the codebook")


@st.cache_resource(max_entries=2)
def _peer_groups(files_key: str):
    from src.peers import load_peer_groups

    return load_peer_groups()


def get_peer_groups() -> dict:
    """Peer group id -> group, from data/catalogue/peer_groups.yaml (src.peers.load_peer_groups)."""
    return load_or_stop(_peer_groups, _files_key(CATALOGUE_DIR), what="the peer groups")


@st.cache_resource(max_entries=2)
def _events(files_key: str):
    from src.events import load_events

    return load_events()


def get_events() -> pd.DataFrame | None:
    """Dated events (military rule, floods, ...) from data/catalogue/events.csv (src.events.load_events).

    Events only annotate charts, so a missing or broken events file gives a caption and None, not a stopped page.
    """
    try:
        return _events(_files_key(CATALOGUE_DIR))
    except (ImportError, *DATA_ERRORS) as exc:
        st.caption(f"Events (e.g. periods of military rule) are not marked: {exc}")
        return None


@st.cache_resource(max_entries=2)
def _choices(fingerprint: str, catalogue_key: str) -> dict:
    """What the pickers offer: the places and indicators that have at least one value in the store."""
    store = _store(fingerprint, catalogue_key)
    with_data = set(store.values["iso3"].unique())
    countries = store.countries
    names = dict(zip(countries["iso3"], countries["name"]))
    aggregate = dict(zip(countries["iso3"], countries["is_aggregate"].astype(bool)))
    places = sorted((c for c in with_data if c in names), key=lambda c: str(names[c]))
    return {
        "names": names,
        "countries": [c for c in places if not aggregate[c]],
        "aggregates": [c for c in places if aggregate[c]],
        "indicators": set(store.values["indicator"].unique()),
    }


def choices() -> dict:
    """Cached picker options: names (iso3 -> name), countries, aggregates (both with data), indicators with data."""
    get_store()  # stops the page with a clear message when the store cannot be loaded
    return _choices(*_store_key())


def concept_indicator(concept: str) -> str | None:
    """The indicator id to use for a concept: its declared default when the store has data for it, else the
    first other member with data (e.g. before the refresh brings a World Bank API series); None when none has."""
    with_data = choices()["indicators"]
    members = sorted(
        (i for i in get_indicators().values() if i.concept == concept and i.id in with_data),
        key=lambda i: not i.default,
    )
    return members[0].id if members else None


@st.cache_resource(max_entries=2)
def _snapshot_files(fingerprint: str) -> pd.DataFrame:
    from src.snapshot import data_files, read_sidecar

    rows = []
    for path in data_files(SNAPSHOT_DIR):
        row = {"folder": path.relative_to(SNAPSHOT_DIR).parts[0], "file": str(path.relative_to(SNAPSHOT_DIR))}
        try:
            meta = read_sidecar(path)
        except SnapshotError as exc:
            rows.append({**row, "problem": str(exc)})
            continue
        outs, origin = meta.get("outs") or {}, meta.get("origin") or {}
        rows.append(
            {
                **row,
                "source": meta.get("source", ""),
                "md5": outs.get("md5", ""),
                "size_bytes": outs.get("size"),
                "taken": str(outs.get("refreshed_at") or outs.get("date_accessed") or ""),
                "source_last_updated": str(origin.get("source_last_updated") or ""),
                "licence": origin.get("licence", ""),
                "problem": "",
            }
        )
    return pd.DataFrame(rows)


def get_snapshot_files() -> pd.DataFrame:
    """One row per raw data file: folder, file, source, md5, size_bytes, taken (date accessed or refreshed),
    source_last_updated, licence, problem (a missing or broken sidecar), from the files' sidecars."""
    return load_or_stop(_snapshot_files, snapshot_fingerprint(), what="the snapshot sidecars")


def country_names() -> dict[str, str]:
    """ISO3 (or published aggregate code) -> display name."""
    return choices()["names"]


def country_label(iso3: str) -> str:
    return f"{country_names().get(iso3, iso3)} ({iso3})"


# --- URL parameters ------------------------------------------------------------------------------------------


def url_param_error(name: str, value: str, allowed_hint: str) -> None:
    """Say plainly that a link asked for something unknown, instead of failing with a traceback."""
    st.error(
        f"The link asks for `{name}={value}`, which this dashboard does not know, so it is ignored. {allowed_hint}",
        icon=":material/link_off:",
    )


def _seed_single(key: str, options: Sequence, hint: str, label: Callable = str) -> None:
    """Let a bound select box read our URL form before it renders.

    Streamlit writes a bound widget's displayed label into the URL (`?focus=India+(IND)`); our links use ids
    (`?focus=IND`, any letter case). An id is put into session state for the widget; an unknown value gets
    `url_param_error` (Streamlit would drop it silently).
    """
    raw = st.query_params.get(key)
    if raw is None or raw == "" or raw in {label(o) for o in options}:
        return
    for candidate in (raw, raw.strip().upper(), raw.strip().lower()):
        if candidate in options:
            if key not in st.session_state:
                st.session_state[key] = candidate
            return
    url_param_error(key, raw, hint)


def _seed_list(key: str, options: Sequence, hint: str, label: Callable = str) -> None:
    """Like `_seed_single` for a multi-select: accepts `?key=A,B`, `?key=A&key=B` and Streamlit's label form;
    reports unknown entries and keeps the known ones."""
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
        url_param_error(key, ",".join(unknown), hint)
    if key not in st.session_state:
        st.session_state[key] = list(dict.fromkeys(wanted))


COUNTRY_HINT = "Use three-letter ISO codes such as PAK, IND or BGD (published aggregates: SAS, LMC, WLD)."


# --- shared widgets ------------------------------------------------------------------------------------------


def focus_country_picker(*, container=None, key: str = FOCUS_PARAM, label: str = "Focus country") -> str:
    """A country select box bound to `?focus=` (default PAK). Returns the ISO3 code."""
    container = container or st.sidebar
    options = choices()["countries"]
    _seed_single(key, options, COUNTRY_HINT, country_label)
    index = options.index(DEFAULT_FOCUS) if DEFAULT_FOCUS in options else 0
    return container.selectbox(
        label, options, index=index, format_func=country_label, key=key, bind="query-params",
        help="The country the charts put in front. Any country with data can be the focus.",
    )


@dataclass(frozen=True)
class PeerChoice:
    """The chosen comparison group: its id, a label for titles and legends, its member ISO3 codes, and the
    published aggregates (e.g. SAS, WLD) the group declares for showing beside it."""

    group_id: str
    label: str
    members: tuple[str, ...]
    aggregates: tuple[str, ...] = ()


def _group_label(group_id: str, group) -> str:
    return str(getattr(group, "label", None) or getattr(group, "name", None) or group_id)


def peer_group_picker(
    focus: str, *, container=None, key: str = PEERS_PARAM, custom_key: str = CUSTOM_PARAM
) -> PeerChoice:
    """A peer group select box bound to `?peers=` (default south_asia); `custom` opens a country pick (`?custom=`).

    Returns:
        PeerChoice; members come from src.peers.members(group_id, store, focus) and exclude nothing (the
        focus country may be a member: charts draw it apart).
    """
    container = container or st.sidebar
    try:
        groups = _peer_groups(_files_key(CATALOGUE_DIR))
    except (ImportError, *DATA_ERRORS) as exc:
        # A broken peer-group file must not take the page down: say why and offer a custom pick.
        container.warning(f"The declared peer groups cannot be loaded ({exc}); pick peer countries instead.")
        groups = {}
    options = [*groups, CUSTOM_GROUP]
    labels = {**{g: _group_label(g, groups[g]) for g in groups}, CUSTOM_GROUP: "Custom: pick countries"}
    _seed_single(key, options, f"Use one of: {', '.join(options)}.", labels.get)
    index = options.index(DEFAULT_PEER_GROUP) if DEFAULT_PEER_GROUP in options else 0
    group_id = container.selectbox(
        "Compare with", options, index=index, format_func=labels.get, key=key, bind="query-params",
        help="The peer group the focus country is compared with. Its median is computed from members with data.",
    )
    if group_id == CUSTOM_GROUP:
        picked = countries_picker(container=container, key=custom_key, label="Custom peer countries", default=())
        return PeerChoice(CUSTOM_GROUP, "chosen countries", tuple(picked))
    from src.peers import members as group_members

    members = load_or_stop(group_members, group_id, get_store(), focus, what=f"peer group {group_id!r}")
    aggregate = getattr(groups[group_id], "aggregate", "")
    aggregates = (aggregate,) if aggregate in choices()["aggregates"] else ()
    return PeerChoice(group_id, labels[group_id], tuple(members), aggregates)


def countries_picker(
    *,
    container=None,
    key: str = COUNTRIES_PARAM,
    label: str = "Countries",
    default: Sequence[str] = (DEFAULT_FOCUS,),
    include_aggregates: bool = True,
    options: Sequence[str] | None = None,
) -> list[str]:
    """A multi-select of countries (and published aggregates) bound to `?countries=` (or `key`).

    Args:
        options: the codes offered; default every country with data, plus the published aggregates.
    Returns:
        The chosen ISO3 (or aggregate) codes, in the order picked.
    """
    container = container or st.sidebar
    if options is None:
        options = choices()["countries"] + (choices()["aggregates"] if include_aggregates else [])
    options = list(options)
    _seed_list(key, options, COUNTRY_HINT, country_label)
    kwargs = {} if key in st.session_state else {"default": [c for c in default if c in options]}
    return container.multiselect(
        label, options, format_func=country_label, key=key, bind="query-params", **kwargs
    )


def year_range(
    *,
    container=None,
    bounds: tuple[int, int],
    default: tuple[int, int],
    keys: tuple[str, str] = (START_PARAM, END_PARAM),
) -> tuple[int, int]:
    """First and last year, two number boxes bound to `?start=` and `?end=`. Returns (start, end), start <= end."""
    container = container or st.sidebar
    low, high = bounds
    for key, fallback in zip(keys, default):
        raw = st.query_params.get(key)
        if raw is not None and not (raw.strip().isdigit() and low <= int(raw) <= high):
            url_param_error(key, raw, f"Use a year from {low} to {high}.")
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


def indicator_label(indicator_id: str) -> str:
    indicator = get_indicators().get(indicator_id)
    if indicator is None:
        return indicator_id
    return f"{indicator.short_name} [{indicator.source}]"


def indicator_picker(
    *,
    container=None,
    key: str = INDICATOR_PARAM,
    label: str = "Indicator",
    default: str | None = None,
    options: Sequence[str] | None = None,
) -> str:
    """An indicator select box bound to `?indicator=` (or `key`). Offers indicators with data unless `options`."""
    container = container or st.sidebar
    with_data = choices()["indicators"]
    options = list(options) if options is not None else [i for i in get_indicators() if i in with_data]
    _seed_single(key, options, "Pick one from the list; the Sources page lists every indicator id.", indicator_label)
    index = options.index(default) if default in options else 0
    return container.selectbox(
        label, options, index=index, format_func=indicator_label, key=key, bind="query-params"
    )


# --- output --------------------------------------------------------------------------------------------------


def show_figure(fig, source_line: str | None = None, *, key: str | None = None) -> None:
    """Show a plotly figure as built (our colours and fonts) with its source line as a caption under it.

    `source_line` defaults to the figure's `layout.meta["source_line"]` set by the src.charts builders.
    """
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    st.plotly_chart(fig, width="stretch", theme=None, config=PLOTLY_CONFIG, key=key)
    line = source_line or meta.get("source_line")
    if line:
        st.caption(line)


def download_csv(frame: pd.DataFrame, filename: str, *, label: str = "Download these data (CSV)", key=None) -> None:
    """A download button for the rows shown, with each row's source title, citation and licence added."""
    table = with_citation_columns(frame, get_sources())
    st.download_button(
        label,
        data=table.to_csv(index=False).encode("utf-8"),
        file_name=filename,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )
