"""The one HTTP seam: every download the project makes goes through here (and only here is `requests` imported).

Why one module: retries, timeouts, the User-Agent and the host allow-list are decided once, and tests can
swap the network for recorded responses in one place. Callers pass the session in, so a test can prove
which session was used.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from src.ingest.parsers import wb_api_json
from src.schema import ParseError

USER_AGENT = "human-security-pakistan-dashboard/1.0 (data refresh: python -m src.ingest.refresh; python-requests)"
# (connect, read) seconds. Big World Bank pages (20,000 rows) can take a while to generate. The connect timeout
# is short because an unreachable host is tried twice at most and an offline refresh must fail within 15 s.
DEFAULT_TIMEOUT = (5, 120)
RETRY_STATUSES = (429, 500, 502, 503, 504)
# A server may ask us to wait (Retry-After); we wait at most this long per retry, whatever it asks.
RETRY_AFTER_CAP_SECONDS = 10
# A failed name lookup or refused connection is not transient: one more try, then the refresh stops.
CONNECT_ATTEMPTS = 2
CHUNK_BYTES = 1 << 16
MAX_REDIRECTS = 5
# Server-supplied text (reasons, API messages, cells) is cut to this many characters in any message.
MESSAGE_CHARACTERS = 300


class FetchError(Exception):
    """A download failed: refused URL, HTTP error, timeout, body cut short or too big, or an API error message."""


class CannotConnect(FetchError):
    """The host could not be reached at all (name lookup failed, connection refused or timed out): no network."""


def clip(text: str, limit: int = MESSAGE_CHARACTERS) -> str:
    """`text` cut to `limit` characters, saying how much was left out (a 64 MB cell must not fill a terminal)."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}... [{len(text) - limit:,} more characters]"


@dataclass(frozen=True)
class Limits:
    """How much one source may download: at most `max_bytes` per response (after decompression), and all of it
    before `deadline` (a time.monotonic() value; None means no deadline). From sources.yaml `refresh`."""

    max_bytes: int
    deadline: float | None = None

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()


class _CappedRetry(Retry):
    """urllib3's Retry, but a Retry-After header never makes us wait more than RETRY_AFTER_CAP_SECONDS."""

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, RETRY_AFTER_CAP_SECONDS)


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request a timeout, even one whose caller forgot to pass it."""

    def __init__(self, *args, timeout=DEFAULT_TIMEOUT, **kwargs):
        self.default_timeout = timeout
        super().__init__(*args, **kwargs)

    def send(self, request, *args, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().send(request, *args, **kwargs)


def make_session(timeout=DEFAULT_TIMEOUT) -> requests.Session:
    """A session that retries GETs on 429/5xx with exponential back-off, sends our User-Agent, always times out.

    Only 429 and 5xx are retried by urllib3 (connect and read errors are not: `download` tries an unreachable
    host once more itself); Retry-After is honoured up to RETRY_AFTER_CAP_SECONDS. Only https is mounted:
    a plain-http URL fails before any connection is made.
    """
    retry = _CappedRetry(
        total=5,
        connect=0,
        read=0,
        other=0,
        backoff_factor=1,
        backoff_max=RETRY_AFTER_CAP_SECONDS * 2,
        status_forcelist=list(RETRY_STATUSES),
        allowed_methods=["GET"],
        respect_retry_after_header=True,
    )
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.mount("https://", _TimeoutAdapter(max_retries=retry, timeout=timeout))
    return session


def check_url(url: str, hosts: tuple[str, ...] | list[str]) -> None:
    """Refuse anything but https to one of the source's declared hosts.

    Raises:
        FetchError: naming the URL and why it is refused.
    """
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise FetchError(f"refused {url}: only https downloads are allowed")
    if parts.hostname not in set(hosts):
        raise FetchError(f"refused {url}: host {parts.hostname!r} is not in the source's hosts {sorted(hosts)}")


@dataclass(frozen=True)
class Download:
    """The bytes of one successful GET and what the server said about them."""

    url: str
    content: bytes
    last_modified: str  # the server's Last-Modified header, '' when absent


def _get_within_hosts(session: requests.Session, url: str, hosts, timeout) -> requests.Response:
    """GET, following redirects one by one so each new address is checked before it is contacted."""
    for _ in range(MAX_REDIRECTS + 1):
        check_url(url, hosts)
        response = session.get(url, timeout=timeout, stream=True, allow_redirects=False)
        if not response.is_redirect:
            return response
        response.close()
        url = urljoin(url, response.headers["Location"])
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _bounded_timeout(timeout, limits: Limits):
    """The call's (connect, read) timeout, shortened so no single wait outlasts the source's deadline."""
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    remaining = limits.remaining()
    if remaining is None:
        return connect, read
    return min(connect, remaining), min(read, remaining)


def _open(session, url, hosts, timeout, limits: Limits) -> requests.Response:
    """GET with the one retry an unreachable host gets; a second failure is CannotConnect."""
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        _check_deadline(url, limits)
        try:
            return _get_within_hosts(session, url, hosts, _bounded_timeout(timeout, limits))
        except requests.exceptions.ConnectTimeout as exc:
            failure = exc, "timed out connecting"
        except requests.exceptions.ConnectionError as exc:
            if isinstance(exc, requests.exceptions.ReadTimeout) or "Read timed out" in str(exc):
                raise
            # Name the innermost cause (no route, name not resolved...) rather than urllib3's retry wrapper.
            failure = exc, f"cannot connect ({getattr(exc.args[0], 'reason', exc) if exc.args else exc})"
        if attempt == CONNECT_ATTEMPTS:
            exc, what = failure
            raise CannotConnect(f"{url}: {clip(what)} after {CONNECT_ATTEMPTS} tries: no network?") from exc
    raise AssertionError("unreachable")


def _check_deadline(url: str, limits: Limits) -> None:
    remaining = limits.remaining()
    if remaining is not None and remaining <= 0:
        raise FetchError(f"{url}: the source's download deadline passed (sources.yaml refresh.deadline_seconds)")


def _read_body(url: str, response: requests.Response, limits: Limits) -> bytes:
    """The decoded body, read in bounded pieces: refused as soon as it exceeds `max_bytes` (counted after
    decompression, so a gzip bomb stops at the limit) or the deadline passes (so a drip-feed cannot hold us)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and not response.headers.get("Content-Encoding") and int(declared) > limits.max_bytes:
        raise FetchError(f"{url}: announces {int(declared):,} bytes, more than the source's limit "
                         f"of {limits.max_bytes:,} (sources.yaml refresh.max_bytes)")
    pieces, size = [], 0
    while True:
        # read1 returns whatever has arrived (at most CHUNK_BYTES decoded), so the checks below run often.
        piece = response.raw.read1(CHUNK_BYTES, decode_content=True)
        if not piece:
            break
        size += len(piece)
        if size > limits.max_bytes:
            raise FetchError(f"{url}: the body exceeds the source's limit of {limits.max_bytes:,} bytes "
                             "(after decompression; sources.yaml refresh.max_bytes)")
        _check_deadline(url, limits)
        pieces.append(piece)
    return b"".join(pieces)


def download(
    session: requests.Session,
    url: str,
    hosts: tuple[str, ...] | list[str],
    *,
    timeout=None,
    limits: Limits | None = None,
) -> Download:
    """GET `url` through `session` and return its complete body.

    Args:
        limits: size and deadline bounds; None means DEFAULT_LIMITS.

    Raises:
        CannotConnect: the host could not be reached, twice.
        FetchError: refused URL, HTTP error status (after retries), timeout, a redirect off the allowed hosts,
            a body shorter than its Content-Length, larger than the limit, or still arriving at the deadline.
    """
    limits = DEFAULT_LIMITS if limits is None else limits
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    check_url(url, hosts)
    try:
        with _open(session, url, hosts, timeout, limits) as response:
            if response.status_code >= 400:
                raise FetchError(f"{url}: HTTP {response.status_code} {clip(response.reason or '')}".rstrip())
            content = _read_body(url, response, limits)
    except requests.exceptions.Timeout as exc:
        raise FetchError(f"{url}: timed out ({type(exc).__name__})") from exc
    except requests.exceptions.RetryError as exc:
        raise FetchError(f"{url}: still failing after retries ({clip(exc)})") from exc
    except requests.exceptions.ConnectionError as exc:
        # requests reports a stall before the body as a ConnectionError wrapping urllib3's ReadTimeoutError.
        raise FetchError(f"{url}: timed out while reading ({clip(exc)})") from exc
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise FetchError(f"{url}: timed out while reading the body ({clip(exc)})") from exc
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError) as exc:
        raise FetchError(f"{url}: download cut short ({clip(exc)})") from exc
    except urllib3.exceptions.HTTPError as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {clip(exc)}") from exc
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {clip(exc)}") from exc
    except OSError as exc:  # the socket closed under us (e.g. the deadline cut a read short)
        raise FetchError(f"{url}: {type(exc).__name__}: {clip(exc)}") from exc
    expected = response.headers.get("Content-Length")
    # With a content encoding, Content-Length counts the compressed bytes, so only compare plain bodies.
    if expected and expected.isdigit() and not response.headers.get("Content-Encoding"):
        if len(content) != int(expected):
            raise FetchError(f"{url}: download cut short ({len(content)} of {expected} bytes)")
    return Download(url=url, content=content, last_modified=response.headers.get("Last-Modified", ""))


# Only for callers outside the refresh (tests, benchmarks): the refresh passes each source's declared limits.
DEFAULT_LIMITS = Limits(max_bytes=256 * 1024 * 1024)


@dataclass(frozen=True)
class WbApiDownload:
    """Every page of one World Bank API indicator request, as returned."""

    code: str
    url: str  # the first page's URL
    pages: tuple[bytes, ...]
    rows: int
    last_updated: str  # the API's own `lastupdated` date

    @property
    def content(self) -> bytes:
        """The pages as one JSON array of the API's pages, each page's bytes as returned (minus a BOM)."""
        return b"[" + b",".join(self.pages) + b"]"


def fetch_wb_indicator(
    session: requests.Session,
    url_template: str,
    code: str,
    hosts: tuple[str, ...] | list[str],
    *,
    on_page: Callable[[int, int, int, int], None] | None = None,
    timeout=None,
    limits: Limits | None = None,
) -> WbApiDownload:
    """Download every page of one indicator from the World Bank API v2.

    Args:
        url_template: has `{code}` and `{page}` placeholders (data/catalogue/sources.yaml `refresh.url`).
        on_page: called after each page with (page, pages, rows so far, bytes so far), for progress display.

    Raises:
        FetchError: any download failure, an API error message, a malformed page, an empty result,
            or fewer rows than the API's own `total`.
    """
    pages: list[bytes] = []
    rows_seen, total_pages, page, last_updated, first_url = 0, 1, 1, "", ""
    declared_total = 0
    while page <= total_pages:
        url = url_template.format(code=code, page=page)
        first_url = first_url or url
        raw = download(session, url, hosts, timeout=timeout, limits=limits).content.removeprefix(b"\xef\xbb\xbf")
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise FetchError(f"{url}: the page is not valid JSON ({clip(exc)})") from exc
        try:
            meta, rows = wb_api_json.split_page(payload, url)
        except ParseError as exc:
            raise FetchError(clip(str(exc))) from exc
        if page == 1:
            total_pages, declared_total = meta["pages"], meta["total"]
            last_updated = str(meta.get("lastupdated", ""))
        elif meta["page"] != page:
            raise FetchError(f"{url}: asked for page {page}, the API returned page {meta['page']}")
        pages.append(raw)
        rows_seen += len(rows)
        if on_page:
            on_page(page, total_pages, rows_seen, sum(len(p) for p in pages))
        page += 1
    if rows_seen == 0:
        raise FetchError(f"{first_url}: the World Bank API returned no rows for {code}")
    if rows_seen != declared_total:
        raise FetchError(f"{first_url}: got {rows_seen} rows for {code}, the API announced {declared_total}")
    return WbApiDownload(code=code, url=first_url, pages=tuple(pages), rows=rows_seen, last_updated=last_updated)
