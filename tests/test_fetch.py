"""The HTTP seam (src/ingest/fetch.py): retries, timeouts, host allow-list, cut-short bodies, World Bank API paging.

Every response is served by `responses` (tests/conftest.py blocks the network); bodies are in
tests/fixtures/http/ (see its README: real values from the shipped snapshot in the API's format).
"""

from __future__ import annotations

import json

import pytest
import requests
import responses
from responses.registries import OrderedRegistry

from src.ingest.fetch import DEFAULT_TIMEOUT, FetchError, download, fetch_wb_indicator, make_session
from tests.conftest import FIXTURES

HTTP = FIXTURES / "http"
CSV_URL = "https://hdr.undp.org/sites/default/files/x.csv"
HOSTS = ("hdr.undp.org",)
WB_TEMPLATE = "https://api.worldbank.org/v2/country/all/indicator/{code}?format=json&per_page=12&page={page}"
WB_CODE = "MS.MIL.XPND.GD.ZS"
WB_HOSTS = ("api.worldbank.org",)


def wb_url(page: int, code: str = WB_CODE) -> str:
    return WB_TEMPLATE.format(code=code, page=page)


def page_body(page: int) -> bytes:
    return (HTTP / f"wb_{WB_CODE}_page{page}.json").read_bytes()


def test_session_retries_5xx_and_429_with_backoff_and_sends_a_user_agent():
    session = make_session()
    retry = session.get_adapter("https://api.worldbank.org/").max_retries
    assert retry.total == 5
    assert retry.backoff_factor == 1
    assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    assert set(retry.allowed_methods) == {"GET"}
    assert "src.ingest.refresh" in session.headers["User-Agent"]


def test_every_call_has_a_timeout_even_when_the_caller_forgets(no_network):
    no_network.add(responses.GET, CSV_URL, body=b"a,b\n1,2\n")
    download(make_session(), CSV_URL, HOSTS)
    make_session().get(CSV_URL)  # a careless direct call still gets the session's default
    assert [call.request.req_kwargs["timeout"] for call in no_network.calls] == [DEFAULT_TIMEOUT, DEFAULT_TIMEOUT]


def test_the_injected_session_is_the_one_used(no_network):
    no_network.add(responses.GET, CSV_URL, body=b"a,b\n1,2\n")
    session = make_session()
    session.headers["X-Injected"] = "this-session"
    download(session, CSV_URL, HOSTS)
    assert no_network.calls[0].request.headers["X-Injected"] == "this-session"


@pytest.mark.parametrize(
    "url, hosts, reason",
    [
        ("http://hdr.undp.org/x.csv", HOSTS, "only https"),
        ("https://example.org/x.csv", HOSTS, "not in the source's hosts"),
        ("https://hdr.undp.org.example.org/x.csv", HOSTS, "not in the source's hosts"),
        ("https://hdr.undp.org/x.csv", (), "not in the source's hosts"),
    ],
)
def test_refuses_plain_http_and_undeclared_hosts_before_connecting(no_network, url, hosts, reason):
    with pytest.raises(FetchError, match=reason):
        download(make_session(), url, hosts)
    assert len(no_network.calls) == 0


def test_a_redirect_off_the_declared_hosts_is_refused_before_contacting_it(no_network):
    no_network.add(responses.GET, CSV_URL, status=302, headers={"Location": "https://elsewhere.example.org/x.csv"})
    no_network.add(responses.GET, "https://elsewhere.example.org/x.csv", body=b"a\n1\n")
    with pytest.raises(FetchError, match="elsewhere.example.org"):
        download(make_session(), CSV_URL, HOSTS)
    assert [call.request.url for call in no_network.calls] == [CSV_URL]


def test_a_redirect_within_the_declared_hosts_is_followed(no_network):
    moved = "https://hdr.undp.org/sites/default/files/moved.csv"
    no_network.add(responses.GET, CSV_URL, status=301, headers={"Location": "/sites/default/files/moved.csv"})
    no_network.add(responses.GET, moved, body=b"a,b\n1,2\n")
    assert download(make_session(), CSV_URL, HOSTS).content == b"a,b\n1,2\n"
    assert [call.request.url for call in no_network.calls] == [CSV_URL, moved]


def test_503_then_success_is_retried(no_network):
    no_network._set_registry(OrderedRegistry)
    no_network.add(responses.GET, CSV_URL, status=503)
    no_network.add(responses.GET, CSV_URL, body=b"a,b\n1,2\n")
    got = download(make_session(), CSV_URL, HOSTS)
    assert got.content == b"a,b\n1,2\n"
    assert [call.response.status_code for call in no_network.calls] == [503, 200]


def test_gives_up_after_five_retries(no_network):
    no_network.add(responses.GET, CSV_URL, status=503)
    with pytest.raises(FetchError, match="after retries"):
        download(make_session(), CSV_URL, HOSTS)
    assert len(no_network.calls) == 6  # the first try and 5 retries


def test_404_fails_at_once_naming_the_status(no_network):
    no_network.add(responses.GET, CSV_URL, status=404)
    with pytest.raises(FetchError, match="HTTP 404"):
        download(make_session(), CSV_URL, HOSTS)
    assert len(no_network.calls) == 1


@pytest.mark.parametrize("error", [requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout])
def test_a_timeout_is_a_clear_failure(no_network, error):
    no_network.add(responses.GET, CSV_URL, body=error("no answer"))
    with pytest.raises(FetchError, match="timed out"):
        download(make_session(), CSV_URL, HOSTS)


def test_a_connection_failure_is_a_clear_failure(no_network):
    no_network.add(responses.GET, CSV_URL, body=requests.exceptions.ConnectionError("name not resolved"))
    with pytest.raises(FetchError, match="name not resolved"):
        download(make_session(), CSV_URL, HOSTS)


def test_a_body_cut_short_is_detected(no_network):
    body = (HTTP / "undp_hdr_trimmed.csv").read_bytes()
    no_network.add(
        responses.GET,
        CSV_URL,
        body=body[: len(body) // 3],
        headers={"Content-Length": str(len(body))},
        auto_calculate_content_length=False,
    )
    with pytest.raises(FetchError, match="cut short"):
        download(make_session(), CSV_URL, HOSTS)


def test_last_modified_is_kept_as_the_sources_own_date(no_network):
    no_network.add(responses.GET, CSV_URL, body=b"a\n1\n", headers={"Last-Modified": "Wed, 13 Mar 2024 10:00:00 GMT"})
    assert download(make_session(), CSV_URL, HOSTS).last_modified == "Wed, 13 Mar 2024 10:00:00 GMT"


# --- World Bank API paging ----------------------------------------------------------------------------------


def test_wb_api_follows_every_page_and_keeps_each_page_as_returned(no_network):
    no_network.add(responses.GET, wb_url(1), body=page_body(1))
    no_network.add(responses.GET, wb_url(2), body=page_body(2))
    seen = []
    got = fetch_wb_indicator(make_session(), WB_TEMPLATE, WB_CODE, WB_HOSTS, on_page=lambda *a: seen.append(a))
    meta1, rows1 = json.loads(page_body(1))
    _, rows2 = json.loads(page_body(2))
    assert got.pages == (page_body(1), page_body(2))
    assert json.loads(got.content) == [json.loads(page_body(1)), json.loads(page_body(2))]
    assert got.rows == len(rows1) + len(rows2) == meta1["total"]
    assert got.last_updated == meta1["lastupdated"]
    assert got.url == wb_url(1)
    assert [(page, pages, rows) for page, pages, rows, _ in seen] == [(1, 2, len(rows1)), (2, 2, meta1["total"])]


def test_wb_api_paging_survives_a_503_on_page_two(no_network):
    no_network._set_registry(OrderedRegistry)
    no_network.add(responses.GET, wb_url(1), body=page_body(1))
    no_network.add(responses.GET, wb_url(2), status=503)
    no_network.add(responses.GET, wb_url(2), body=page_body(2))
    got = fetch_wb_indicator(make_session(), WB_TEMPLATE, WB_CODE, WB_HOSTS)
    assert got.rows == json.loads(page_body(1))[0]["total"]


@pytest.mark.parametrize(
    "page2, reason",
    [
        ((HTTP / "wb_malformed_page2.json").read_bytes(), "not valid JSON"),
        ((HTTP / "wb_error_120.json").read_bytes(), "Invalid value"),
        (b"<html>Service unavailable</html>", "not valid JSON"),
    ],
)
def test_wb_api_bad_page_fails_naming_the_url(no_network, page2, reason):
    no_network.add(responses.GET, wb_url(1), body=page_body(1))
    no_network.add(responses.GET, wb_url(2), body=page2)
    with pytest.raises(FetchError, match=reason) as failure:
        fetch_wb_indicator(make_session(), WB_TEMPLATE, WB_CODE, WB_HOSTS)
    assert "page=2" in str(failure.value)


def test_wb_api_error_message_on_the_first_page(no_network):
    no_network.add(responses.GET, wb_url(1, "NOT.A.CODE"), body=(HTTP / "wb_error_120.json").read_bytes())
    with pytest.raises(FetchError, match="The provided parameter value is not valid"):
        fetch_wb_indicator(make_session(), WB_TEMPLATE, "NOT.A.CODE", WB_HOSTS)


def test_wb_api_empty_result_is_a_failure(no_network):
    no_network.add(responses.GET, wb_url(1), body=(HTTP / "wb_empty.json").read_bytes())
    with pytest.raises(FetchError, match="no rows"):
        fetch_wb_indicator(make_session(), WB_TEMPLATE, WB_CODE, WB_HOSTS)


def test_wb_api_fewer_rows_than_announced_is_a_failure(no_network):
    meta, rows = json.loads(page_body(1))
    no_network.add(responses.GET, wb_url(1), body=json.dumps([{**meta, "pages": 1}, rows]))
    with pytest.raises(FetchError, match=f"got {len(rows)} rows"):
        fetch_wb_indicator(make_session(), WB_TEMPLATE, WB_CODE, WB_HOSTS)

