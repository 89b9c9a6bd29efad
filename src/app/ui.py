"""Streamlit glue every page shares: cached data, URL-bound pickers, and how a figure or a table is shown.

Why this module: it is the only `src` module allowed to import streamlit (tests/test_architecture.py), so pages
stay thin and the rest of `src` stays testable without a running app.

Caching: loaders are keyed on `src.ingest.snapshot.snapshot_fingerprint()` (the data) or on the edited files' sizes and
times (catalogues, codebook), so a refresh or an edit shows up on the next rerun without restarting the server.
Those keys are read once per script run. Built figures and tables are cached too (`cached_build`), because every rerun
runs the whole page and building a figure costs far more than sending it.

URL state: the pickers use Streamlit's `bind="query-params"` with the shared parameter names below, so a link
reproduces the view. Links may use ids (`?focus=IND&peers=south_asia&indicator=wdi_mil_gdp`, lists as
`?countries=PAK,IND` or `?countries=PAK&countries=IND`); Streamlit itself writes a widget's displayed label
(`?focus=India+(IND)`), which works as well, and leaves out a value equal to the widget's default. A value the
dashboard does not know gets a clear `st.error` and is ignored. `share_link` shows the view's link in id form.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from src.charts.common import with_citation_columns
from src.paths import CATALOGUE_DIR, CODEBOOK_DIR, SNAPSHOT_DIR
from src.ingest.snapshot import SnapshotError, snapshot_fingerprint

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


def _leave_legacy_pages_mode() -> None:
    """Make app.py lay out every page, even when a shared link is the first request a fresh server gets.

    Streamlit treats an app with a `pages/` folder beside its entry point as an old-style multipage app until
    app.py first calls st.navigation; until then a deep link (`/explorer?...`) would run that page alone, without
    app.py's page config and grouped menu. Every page imports this module, so the first such run switches the
    flag (Streamlit's own, also set by st.navigation) and reruns through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_leave_legacy_pages_mode()


# --- loading -------------------------------------------------------------------------------------------------


_this_run = threading.local()


def _once_per_run(name: str, compute: Callable[[], str]) -> str:
    """`compute()` at most once per script run of a session: the data keys below are asked for dozens of times a
    run (every cached call), and each reads a folder's file list. A run starts with a fresh `cursors` dict in
    Streamlit's run context; outside a run nothing is remembered."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    run = getattr(ctx, "cursors", None)
    if run is None:
        return compute()
    memo = getattr(_this_run, "memo", None)
    if memo is None or memo[0] is not run:  # holding `run` keeps its identity from being reused
        memo = _this_run.memo = (run, {})
    if name not in memo[1]:
        memo[1][name] = compute()
    return memo[1][name]


def _fingerprint() -> str:
    """src.ingest.snapshot.snapshot_fingerprint(), read once per run."""
    return _once_per_run("snapshot", snapshot_fingerprint)


def _files_key(folder: Path) -> str:
    """A cheap key that changes when any file under `folder` is edited (sizes and modification times); read once
    per run."""
    return _once_per_run(f"files:{folder}", lambda: _read_files_key(folder))


def _read_files_key(folder: Path) -> str:
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
    from src.ingest.store import load_store

    return load_store()


def _store_key() -> tuple[str, str]:
    # The store also depends on the indicator catalogue (ids, scales), so an edit there reloads it too.
    return _fingerprint(), _files_key(CATALOGUE_DIR)


def get_store():
    """The processed store (src.ingest.store.Store), reloaded when the snapshot or catalogue changes. Never modify it."""
    return load_or_stop(_store, *_store_key(), what="the data store")


@st.cache_resource(max_entries=2)
def _catalogue(files_key: str):
    from src.study.catalogue import load_indicators, load_sources

    sources = load_sources()
    return sources, load_indicators(sources=sources)


def get_sources() -> dict:
    """Source id -> src.study.catalogue.Source, from data/catalogue/sources.yaml."""
    return load_or_stop(_catalogue, _files_key(CATALOGUE_DIR), what="the source catalogue")[0]


def get_indicators() -> dict:
    """Indicator id -> src.study.catalogue.Indicator, from data/catalogue/indicators/*.yaml."""
    return load_or_stop(_catalogue, _files_key(CATALOGUE_DIR), what="the indicator catalogue")[1]


@st.cache_resource(max_entries=2)
def _codebook(files_key: str, fingerprint: str):
    from src.study.codebook import load_codebook  # imported late: the codebook module is written separately

    return load_codebook()


def get_codebook():
    """The study's codebook (src.study.codebook.load_codebook): themes, codes, claims, unsettled claims."""
    key = _files_key(CODEBOOK_DIR) + _files_key(CATALOGUE_DIR)
    return load_or_stop(_codebook, key, _fingerprint(), what="the codebook")


@st.cache_resource(max_entries=2)
def _peer_groups(files_key: str):
    from src.study.peers import load_peer_groups

    return load_peer_groups()


def get_peer_groups() -> dict:
    """Peer group id -> group, from data/catalogue/peer_groups.yaml (src.study.peers.load_peer_groups)."""
    return load_or_stop(_peer_groups, _files_key(CATALOGUE_DIR), what="the peer groups")


@st.cache_resource(max_entries=2)
def _events(files_key: str):
    from src.study.events import load_events

    return load_events()


def get_events() -> pd.DataFrame | None:
    """Dated events (military rule, floods, ...) from data/catalogue/events.csv (src.study.events.load_events).

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
    from src.ingest.snapshot import data_files, read_sidecar

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
                # A refresh records the publisher's own date in `outs`; the hand-written `origin` keeps the shipped one.
                "source_last_updated": str(outs.get("source_last_updated") or origin.get("source_last_updated") or ""),
                "licence": origin.get("licence", ""),
                "problem": "",
            }
        )
    return pd.DataFrame(rows)


def get_snapshot_files() -> pd.DataFrame:
    """One row per raw data file: folder, file, source, md5, size_bytes, taken (date accessed or refreshed),
    source_last_updated, licence, problem (a missing or broken sidecar), from the files' sidecars."""
    return load_or_stop(_snapshot_files, _fingerprint(), what="the snapshot sidecars")


def country_names() -> dict[str, str]:
    """ISO3 (or published aggregate code) -> display name."""
    return choices()["names"]


def country_labeller() -> Callable[[str], str]:
    """A fast `iso3 -> "Name (ISO3)"` for widgets' format_func (called once per option, so it looks up once)."""
    names = country_names()
    return lambda iso3: f"{names.get(iso3, iso3)} ({iso3})"


def country_label(iso3: str) -> str:
    """'Pakistan (PAK)'."""
    return country_labeller()(iso3)


# --- URL parameters ------------------------------------------------------------------------------------------


def url_param_error(name: str, value: str, allowed_hint: str) -> None:
    """Say plainly that a link asked for something unknown, instead of failing with a traceback."""
    st.error(
        f"The link asks for `{name}={value}`, which this dashboard does not know, so it is ignored. {allowed_hint}",
        icon=":material/link_off:",
    )


# A link can name a widget's value by id (`?focus=IND`), but Streamlit reads a bound parameter only in the
# label form it writes itself (`?focus=India+(IND)`) and drops anything else from the URL. So the value goes
# into session state before the widget renders. Streamlit writes a value set that way into the URL only on a
# later run, so with `sync_url` it is kept as pending and set again on the reader's next interaction (unless
# they changed that very widget); `share_link` gives a link in id form meanwhile. A message about an unknown
# value is repeated once on that next run, since Streamlit has dropped the value from the URL by then.
_PENDING = "_link_value_{}"
_REPORTED = "_link_error_{}"


def _report(key: str, value: str, hint: str) -> None:
    url_param_error(key, value, hint)
    st.session_state[_REPORTED.format(key)] = (value, hint)


def _before_widget(key: str) -> None:
    """Set again a value a link gave by id on the previous run (so Streamlit writes it into the URL), unless the
    reader changed it since, and repeat that run's message about the link."""
    pending = st.session_state.pop(_PENDING.format(key), None)
    if pending is not None and st.session_state.get(key) == pending:
        st.session_state[key] = pending
    reported = st.session_state.pop(_REPORTED.format(key), None)
    if reported and st.query_params.get(key) is None:
        url_param_error(key, *reported)


def _take(key: str, value, sync_url: bool) -> None:
    if key not in st.session_state:
        st.session_state[key] = value
        if sync_url:
            st.session_state[_PENDING.format(key)] = value


def _seed_single(key: str, options: Sequence, hint: str, label: Callable = str, *, sync_url: bool = True) -> None:
    """Read a single-value URL parameter before its bound widget does: a known value named by id (any letter
    case) goes to the widget; an unknown value gets `url_param_error` (Streamlit would drop it silently)."""
    _before_widget(key)
    raw = st.query_params.get(key)
    if raw is None or raw == "" or raw in {label(o) for o in options}:
        return
    for candidate in (raw, raw.strip().upper(), raw.strip().lower()):
        if candidate in options:
            _take(key, candidate, sync_url)
            return
    _report(key, raw, hint)


def _seed_list(key: str, options: Sequence, hint: str, label: Callable = str, *, sync_url: bool = True) -> None:
    """Like `_seed_single` for a multi-select: accepts `?key=A,B`, `?key=A&key=B` and Streamlit's label form;
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


COUNTRY_HINT = "Use three-letter ISO codes such as PAK, IND or BGD (published aggregates: SAS, LMC, WLD)."


# --- shared widgets ------------------------------------------------------------------------------------------


def focus_country_picker(*, container=None, key: str = FOCUS_PARAM, label: str = "Focus country") -> str:
    """A country select box bound to `?focus=` (default PAK). Returns the ISO3 code."""
    container = container or st.sidebar
    options = choices()["countries"]
    labeller = country_labeller()
    _seed_single(key, options, COUNTRY_HINT, labeller, sync_url=True)
    index = options.index(DEFAULT_FOCUS) if DEFAULT_FOCUS in options else 0
    return container.selectbox(
        label, options, index=index, format_func=labeller, key=key, bind="query-params",
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
        PeerChoice; members come from src.study.peers.members(group_id, store, focus) and exclude nothing (the
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
    _seed_single(key, options, f"Use one of: {', '.join(options)}.", labels.get, sync_url=True)
    index = options.index(DEFAULT_PEER_GROUP) if DEFAULT_PEER_GROUP in options else 0
    group_id = container.selectbox(
        "Compare with", options, index=index, format_func=labels.get, key=key, bind="query-params",
        help="The peer group the focus country is compared with. Its median is computed from members with data.",
    )
    if group_id == CUSTOM_GROUP:
        picked = countries_picker(container=container, key=custom_key, label="Custom peer countries", default=())
        return PeerChoice(CUSTOM_GROUP, "chosen countries", tuple(picked))
    from src.study.peers import members as group_members

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
    labeller = country_labeller()
    _seed_list(key, options, COUNTRY_HINT, labeller, sync_url=True)
    kwargs = {} if key in st.session_state else {"default": [c for c in default if c in options]}
    return container.multiselect(label, options, format_func=labeller, key=key, bind="query-params", **kwargs)


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
    for key in keys:
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


def indicator_labeller() -> Callable[[str], str]:
    """A fast `id -> "Short name [source]"` for widgets' format_func."""
    catalogue = get_indicators()

    def label(indicator_id: str) -> str:
        indicator = catalogue.get(indicator_id)
        return f"{indicator.short_name} [{indicator.source}]" if indicator else indicator_id

    return label


def indicator_label(indicator_id: str) -> str:
    """'Military spending (% of GDP) [wdi]'."""
    return indicator_labeller()(indicator_id)


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
    labeller = indicator_labeller()
    hint = "Pick one from the list; the Sources page lists every indicator id."
    _seed_single(key, options, hint, labeller, sync_url=True)
    index = options.index(default) if default in options else 0
    return container.selectbox(label, options, index=index, format_func=labeller, key=key, bind="query-params")


def share_link(params: dict, *, container=None) -> None:
    """'Link to this view': the page's address with `params` in id form, to copy (the address bar may show
    Streamlit's label form, or nothing for a value a link gave, until the next interaction)."""
    from urllib.parse import urlencode

    container = container or st.sidebar
    query = urlencode({k: v for k, v in params.items() if v not in (None, "", [])}, safe=",")
    base = st.context.url or ""
    container.caption("Link to this view")
    container.code(f"{base}?{query}" if query else base, language=None, wrap_lines=True)


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


# About 0.3-0.8 MB a claim chart (a lower-middle-income peer group has ~50 lines a panel): bounded memory.
@st.cache_resource(max_entries=120, show_spinner=False)
def _built(what: str, key, data_key: tuple, _build: Callable):
    return _build()


def cached_build(what: str, key, build: Callable):
    """`build()`'s result (a figure, a table), built once per (`what`, `key`) and data version, then shared by
    every rerun and session.

    Every rerun runs the whole page, and building a figure (pandas, plotly validation) takes far longer than
    sending it. `key` must hold every input of `build` other than the snapshot, catalogue and codebook files
    (their version is added here), e.g. the claim id and the StudyChoice. The result is shared: never modify it
    afterwards (`show_figure` and `st.dataframe` do not).
    """
    return _built(what, key, (*_store_key(), _codebook_key()), build)


def download_csv(frame: pd.DataFrame, filename: str, *, label: str = "Download these data (CSV)", key=None) -> None:
    """A download button for the rows shown, with each row's source title, citation and licence added."""
    sources = get_sources()
    st.download_button(
        label,
        # Made when clicked, not on every rerun (the page may offer a dozen downloads).
        data=lambda: with_citation_columns(frame, sources).to_csv(index=False).encode("utf-8"),
        file_name=filename,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )


# --- study pages helpers ---
# Shared by the Overview, Claims and Themes pages: the claim-checker settings in the sidebar, cached verdicts,
# theme/claim pickers bound to the URL, verdict badges and links between pages.

BENCHMARK_PARAM_PREFIX = "bm_"
DEFAULT_STUDY_START = 1990
VERDICT_BADGE_COLOURS = {
    "supported": "green",
    "partly_supported": "orange",
    "not_supported": "red",
    "insufficient_data": "gray",
}
VERDICT_ICONS = {
    "supported": ":material/check_circle:",
    "partly_supported": ":material/contrast:",
    "not_supported": ":material/cancel:",
    "insufficient_data": ":material/help:",
}


@dataclass(frozen=True)
class StudyChoice:
    """The claim checker's settings (src.claims.evaluate.Settings) plus what charts need: peers, labels, aggregates."""

    settings: object
    peers: tuple[str, ...]
    peer_label: str
    aggregates: tuple[str, ...]
    chart_years: tuple[int, int]

    @property
    def focus(self) -> str:
        return self.settings.focus

    @property
    def window(self) -> tuple[int, int]:
        return self.settings.window


def study_settings(*, with_benchmarks: bool) -> StudyChoice:
    """Sidebar settings of the claim checker, bound to the URL: focus, peers (custom), start/end, benchmarks."""
    from src.claims.evaluate import DEFAULT_WINDOW, Settings

    st.sidebar.header("Compare")
    focus = focus_country_picker()
    peers = peer_group_picker(focus)
    data_years = choices_years()
    st.sidebar.caption("Years the verdicts look at (each country's latest value in them is used):")
    window = year_range(bounds=data_years, default=(max(DEFAULT_WINDOW[0], data_years[0]), min(DEFAULT_WINDOW[1],
                                                                                                 data_years[1])))
    overrides = benchmark_overrides() if with_benchmarks else ()
    settings = Settings(
        focus=focus,
        peer_group=peers.group_id,
        custom_peers=peers.members if peers.group_id == CUSTOM_GROUP else (),
        window=window,
        benchmarks=overrides,
    )
    aggregates = tuple(dict.fromkeys([*peers.aggregates, *(("WLD",) if "WLD" in choices()["aggregates"] else ())]))
    others = tuple(m for m in peers.members if m != focus)
    chart_years = (min(DEFAULT_STUDY_START, window[0]), window[1])
    return StudyChoice(settings, others, peers.label, aggregates, chart_years)


@st.cache_resource(max_entries=2)
def _data_years(fingerprint: str, catalogue_key: str) -> tuple[int, int]:
    years = _store(fingerprint, catalogue_key).values["year"]
    return int(years.min()), int(years.max())


def choices_years() -> tuple[int, int]:
    """First and last year with any value in the store."""
    get_store()
    return _data_years(*_store_key())


def benchmark_overrides() -> tuple[tuple[str, float], ...]:
    """Number boxes (bound to `?bm_<id>=`) to test a claim against another benchmark value; empty = shipped one."""
    codebook = get_codebook()
    chosen = []
    with st.sidebar.expander("Benchmarks", icon=":material/flag:"):
        st.caption("Leave empty to use the shipped benchmark (a band's low end for 'below' tests).")
        for bench_id, bench in codebook.benchmarks.items():
            key = BENCHMARK_PARAM_PREFIX + bench_id
            raw = st.query_params.get(key)
            if raw not in (None, "") and not _is_number(raw):
                url_param_error(key, raw, "Use a number, e.g. 15.")
            band = f"{bench.low:g}-{bench.high:g}" if bench.low != bench.high else f"{bench.low:g}"
            value = st.number_input(
                f"{bench.label} [{band} {bench.unit}]", value=None, step=0.5, key=key, bind="query-params",
                help=bench.source,
            )
            if value is not None:
                chosen.append((bench_id, float(value)))
    return tuple(chosen)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@st.cache_resource(max_entries=16, show_spinner="Checking the claims...")
def _verdicts(store_key: tuple[str, str], codebook_key: str, settings) -> dict:
    from src.claims.evaluate import evaluate_all

    return evaluate_all(_codebook(codebook_key, store_key[0]), _store(*store_key), settings)


def _codebook_key() -> str:
    return _files_key(CODEBOOK_DIR) + _files_key(CATALOGUE_DIR)


def get_verdicts(choice: StudyChoice) -> dict:
    """Claim id -> src.claims.evaluate.Verdict for every checkable claim under the chosen settings (cached)."""
    get_codebook()
    return load_or_stop(_verdicts, _store_key(), _codebook_key(), choice.settings, what="the claim verdicts")


# What src.claims.evaluate.robustness_variants tries, for the summary and for the switch that asks for it.
ROBUSTNESS_VARIANTS = (
    "every peer group, 5-, 10- and 15-year windows ending in the same year, and each end of any benchmark band"
)


@st.cache_resource(max_entries=64)
def _robustness(store_key: tuple[str, str], codebook_key: str, claim_id: str, settings):
    from src.claims.evaluate import robustness

    codebook = _codebook(codebook_key, store_key[0])
    return robustness(codebook.claims[claim_id], _store(*store_key), settings, codebook=codebook)[:2]


def robustness_summary(claim_id: str, choice: StudyChoice, status_label: str) -> str:
    """'Same verdict under 16 of 20 reasonable settings (...)', or '' when it cannot be computed."""
    try:
        holds, total = _robustness(_store_key(), _codebook_key(), claim_id, choice.settings)
    except DATA_ERRORS as exc:
        return f"Robustness could not be checked: {exc}"
    if not total:
        return ""
    return (
        f"Robustness: the verdict stays '{status_label}' under {holds} of {total} reasonable settings "
        f"({ROBUSTNESS_VARIANTS})."
    )



def robustness_wanted(claim_id: str, *, always: bool = False) -> bool:
    """A switch on a claim's card asking for its robustness check, or True when `always` (the single-claim view).

    The check re-runs the claim under about twenty settings, which takes a while for every claim of the list at
    once; cached, so switching it on again or for another reader costs nothing.
    """
    if always:
        return True
    return st.toggle(
        "Check how robust this verdict is", key=f"robustness-{claim_id}",
        help=f"Re-runs the claim under {ROBUSTNESS_VARIANTS}, and counts how often the verdict stays the same.",
    )


def chart_events(focus: str) -> pd.DataFrame | None:
    """The events of the focus country worth marking on claim charts (everything but IMF programmes, which would
    cover most recent years), or None when the events file cannot be read."""
    events = get_events()
    if events is None:
        return None
    from src.study.events import events_for

    mine = events_for(events, focus)
    return mine[mine["kind"] != "imf_programme"]


def _id_picker(key: str, options: Sequence[str], labels: Mapping, label: str, hint: str, container) -> str:
    """A select box over ids with an empty 'all' first choice, bound to `?<key>=`; '' means no filter."""
    all_options = ["", *options]
    shown = {"": "All", **labels}
    _seed_single(key, all_options, hint, lambda o: shown[o], sync_url=True)
    return container.selectbox(label, all_options, format_func=shown.get, key=key, bind="query-params")


def theme_picker(codebook, *, container=None) -> str:
    """Theme filter bound to `?theme=` ('' = all themes)."""
    labels = {t.id: f"{t.id}: {t.label}" for t in codebook.themes.values()}
    return _id_picker(THEME_PARAM, list(codebook.themes), labels, "Theme", "Use a theme id such as A1 or C2.",
                      container or st.sidebar)


def theme_and_claim_pickers(codebook, *, container=None) -> tuple[str, str]:
    """Theme filter (`?theme=`) and single-claim view (`?claim=`); the claim list follows the theme filter."""
    container = container or st.sidebar
    container.header("Claims")
    theme_id = theme_picker(codebook, container=container)
    claims = [c for c in codebook.claims.values() if not theme_id or c.theme == theme_id]
    raw = st.query_params.get(CLAIM_PARAM)
    if raw and raw in codebook.claims and raw not in {c.id for c in claims}:
        # A claim link wins over a theme filter that would hide it.
        claims = list(codebook.claims.values())
    labels = {c.id: f"{c.id}: {c.paraphrase}" for c in claims}
    claim_id = _id_picker(CLAIM_PARAM, [c.id for c in claims], labels, "Claim",
                          f"Use a claim id such as {next(iter(codebook.claims), 'C2.3')}.", container)
    return theme_id, claim_id


def verdict_badge(status: str, *, container=None) -> None:
    from src.charts.claims import VERDICT_LABELS

    (container or st).badge(VERDICT_LABELS.get(status, status), icon=VERDICT_ICONS.get(status),
                            color=VERDICT_BADGE_COLOURS.get(status, "gray"))


def verdict_count_badges(counts: Mapping) -> None:
    """One badge per verdict with its count, in one line."""
    from src.charts.claims import VERDICT_LABELS, VERDICT_STATUSES

    parts = [
        f":{VERDICT_BADGE_COLOURS[s]}-badge[{VERDICT_ICONS[s]} {VERDICT_LABELS[s]}: {int(counts[s])}]"
        for s in VERDICT_STATUSES
        if int(counts[s])
    ]
    st.markdown(" ".join(parts) or "No checkable claims")


def theme_kind_badge(kind: str) -> None:
    st.badge(kind.capitalize(), color="blue" if kind == "advantage" else "violet")


def page_link_or_url(page: str, label: str, query: Mapping[str, str], *, icon: str | None = None, container=None):
    """A link to another page with URL parameters.

    Under app.py's navigation this is st.page_link; when a page runs on its own (tests, `streamlit run
    pages/x.py`) the page is not registered, so it falls back to a plain relative link to the same URL.
    """
    from urllib.parse import urlencode

    from streamlit.errors import StreamlitPageNotFoundError

    container = container or st
    try:
        container.page_link(page, label=label, icon=icon, query_params=dict(query))
    except StreamlitPageNotFoundError:
        target = Path(page).stem + (f"?{urlencode(query)}" if query else "")
        container.markdown(f"[{label}]({target})")


def shared_query(choice: StudyChoice) -> dict[str, str]:
    """The comparison as URL parameters, so a link to another page keeps it."""
    query = {}
    if choice.focus != DEFAULT_FOCUS:
        query[FOCUS_PARAM] = choice.focus
    if choice.settings.peer_group != DEFAULT_PEER_GROUP:
        query[PEERS_PARAM] = choice.settings.peer_group
    if choice.settings.custom_peers:
        query[CUSTOM_PARAM] = ",".join(choice.settings.custom_peers)
    from src.claims.evaluate import DEFAULT_WINDOW

    if tuple(choice.window) != tuple(DEFAULT_WINDOW):
        query[START_PARAM], query[END_PARAM] = str(choice.window[0]), str(choice.window[1])
    for bench_id, value in choice.settings.benchmarks:
        query[BENCHMARK_PARAM_PREFIX + bench_id] = f"{value:g}"
    return query


def claim_link(claim, verdict, choice: StudyChoice) -> None:
    """'C2.3 (Supported): The state collects little tax.' linking to that claim with the same comparison.

    The verdict comes before the paraphrase so a narrow card that cuts the label still shows it.
    """
    from src.charts.claims import VERDICT_LABELS

    status = VERDICT_LABELS.get(getattr(verdict, "status", ""), "not evaluated")
    page_link_or_url(
        "pages/claims.py",
        f"{claim.id} ({status}): {claim.paraphrase}",
        {CLAIM_PARAM: claim.id, **shared_query(choice)},
        icon=VERDICT_ICONS.get(getattr(verdict, "status", ""), ":material/fact_check:"),
    )


def sources_list(rows: pd.DataFrame, events: pd.DataFrame | None = None) -> None:
    """The citations behind a card's numbers and its marked events (each event with its own source), as a list."""
    sources = get_sources()
    ids = sorted(rows["source"].dropna().astype(str).unique()) if "source" in rows and len(rows) else []
    lines = [f"- {getattr(sources.get(s), 'citation', s)}" for s in ids]
    if events is not None and len(events):
        pairs = zip(events["label"], events["source"])
        lines += [f"- {label}: {source}" for label, source in pairs if source not in ids]
    if lines:
        st.markdown("**Sources**\n" + "\n".join(lines))


# --- imported interviews beside the claims ---


def imported_excerpts(theme_id: str, indicator_ids) -> pd.DataFrame | None:
    """Excerpts from the reader's own imported interviews (Interviews page) that map to this theme or these
    indicators; None when nothing was imported this session. Render them as data (st.dataframe), never as HTML."""
    from src.qual.session import SESSION_KEY

    session = st.session_state.get(SESSION_KEY)
    if session is None:
        return None
    return session.excerpts_for_claim(theme_id, indicator_ids)
