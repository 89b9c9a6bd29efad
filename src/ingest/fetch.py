"""The one HTTP seam: every download the project makes goes through here (and only here is `requests` imported).

Why one module: retries, timeouts, the User-Agent and the host allow-list are decided once, and tests can
swap the network for recorded responses in one place. Callers pass the session in, so a test can prove
which session was used.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from src.ingest.parsers import wb_api_json
from src.schema import ParseError

USER_AGENT = "human-security-pakistan-dashboard/1.0 (data refresh: python -m src.ingest.refresh; python-requests)"
# (connect, read) seconds. Big World Bank pages (20,000 rows) can take a while to generate.
DEFAULT_TIMEOUT = (10, 120)
RETRY_STATUSES = (429, 500, 502, 503, 504)
CHUNK_BYTES = 1 << 16
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A download failed: refused URL, HTTP error, timeout, body cut short, or an API error message."""


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

    Only https is mounted: a plain-http URL fails before any connection is made.
    """
    retry = Retry(
        total=5,
        backoff_factor=1,
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


def download(
    session: requests.Session, url: str, hosts: tuple[str, ...] | list[str], *, timeout=None
) -> Download:
    """GET `url` through `session` and return its complete body.

    Raises:
        FetchError: refused URL, HTTP error status (after retries), timeout, connection failure,
            a redirect off the allowed hosts, or a body shorter than its Content-Length.
    """
    check_url(url, hosts)
    try:
        with _get_within_hosts(session, url, hosts, timeout) as response:
            if response.status_code >= 400:
                raise FetchError(f"{url}: HTTP {response.status_code} {response.reason or ''}".rstrip())
            content = b"".join(response.iter_content(CHUNK_BYTES))
    except requests.exceptions.Timeout as exc:
        raise FetchError(f"{url}: timed out ({type(exc).__name__})") from exc
    except requests.exceptions.RetryError as exc:
        raise FetchError(f"{url}: still failing after retries ({exc})") from exc
    except requests.exceptions.ChunkedEncodingError as exc:
        raise FetchError(f"{url}: download cut short ({exc})") from exc
    except requests.exceptions.ConnectionError as exc:
        if "Read timed out" in str(exc):
            # requests reports a stall in the middle of a body as a ConnectionError wrapping urllib3's ReadTimeoutError.
            raise FetchError(f"{url}: timed out while reading the body ({exc})") from exc
        # Name the innermost cause (no route, name not resolved...) rather than urllib3's retry wrapper.
        cause = getattr(exc.args[0], "reason", exc) if exc.args else exc
        raise FetchError(f"{url}: cannot connect ({cause})") from exc
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
    expected = response.headers.get("Content-Length")
    # With a content encoding, Content-Length counts the compressed bytes, so only compare plain bodies.
    if expected and expected.isdigit() and not response.headers.get("Content-Encoding"):
        if len(content) != int(expected):
            raise FetchError(f"{url}: download cut short ({len(content)} of {expected} bytes)")
    return Download(url=url, content=content, last_modified=response.headers.get("Last-Modified", ""))


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
        raw = download(session, url, hosts, timeout=timeout).content.removeprefix(b"\xef\xbb\xbf")
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise FetchError(f"{url}: the page is not valid JSON ({exc})") from exc
        try:
            meta, rows = wb_api_json.split_page(payload, url)
        except ParseError as exc:
            raise FetchError(str(exc)) from exc
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
