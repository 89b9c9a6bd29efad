"""The course deployment (deploy/): HAProxy's configuration is valid and sticky, and a browser's page, websocket
and upload all reach the one Streamlit process its cookie names. Real HAProxy and Streamlit on 127.0.0.1 only."""

from __future__ import annotations

import os
import re
import urllib.request
from pathlib import Path

import pytest

from deploy.cluster import INSTALL_HINT, free_port, haproxy_path, render_config, running_cluster

FIXTURE_APP = Path(__file__).resolve().parent / "fixtures" / "deploy" / "one_line_app.py"
COOKIE = "STREAMLIT_PROCESS"


@pytest.fixture
def haproxy() -> str:
    """HAProxy's path; skipped locally without it, a failure under CI (.ci/run installs it)."""
    path = haproxy_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    return path


def rendered(tmp_path: Path, ports: list[int], bind_address: str = "127.0.0.1") -> str:
    return render_config(ports, port=free_port(), bind_address=bind_address, stats_socket=tmp_path / "stats.sock")


def test_the_rendered_configuration_pins_each_browser_to_one_process(tmp_path):
    ports = [free_port() for _ in range(3)]
    config = rendered(tmp_path, ports)

    assert re.search(rf"^\s*cookie {COOKIE} insert indirect nocache\b", config, re.M)
    servers = re.findall(r"^\s*server (\S+) 127\.0\.0\.1:(\d+) check .*cookie (\S+)$", config, re.M)
    assert [int(port) for _name, port, _cookie in servers] == ports
    assert all(name == cookie for name, _port, cookie in servers), "each process answers to its own cookie value"
    assert re.search(r"^\s*timeout tunnel \d+[smhd]?$", config, re.M), "websockets need a tunnel timeout"
    assert re.search(r"^\s*option httpchk GET /_stcore/health$", config, re.M)
    assert re.search(r"^\s*bind 127\.0\.0\.1:\d+$", config, re.M), "the proxy stays local unless asked"
    assert re.search(r"^\s*bind 0\.0\.0\.0:\d+$", rendered(tmp_path, ports, "0.0.0.0"), re.M)


def test_haproxy_accepts_the_rendered_configuration(tmp_path, haproxy):
    import subprocess

    config_file = tmp_path / "haproxy.cfg"
    config_file.write_text(rendered(tmp_path, [free_port() for _ in range(2)]))

    checked = subprocess.run([haproxy, "-c", "-f", str(config_file)], capture_output=True, text=True)

    assert checked.returncode == 0, checked.stdout + checked.stderr


def served_by(url: str, cookie: str, method: str = "GET") -> str | None:
    """The process HAProxy sent a request to (its X-Served-By header), whatever the status of the answer."""
    request = urllib.request.Request(url, method=method, headers={"Cookie": cookie}, data=b"" if method != "GET" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers.get("X-Served-By")
    except urllib.error.HTTPError as refused:  # an upload without its form is refused, but by the right process
        return refused.headers.get("X-Served-By")


def test_page_websocket_and_upload_of_a_session_reach_the_process_its_cookie_names(haproxy):
    from bench.ws_session import StreamlitSession, first_page_cookies

    with running_cluster(2, app=FIXTURE_APP) as cluster:
        cookie = first_page_cookies(cluster.url)
        pinned_to = dict(part.split("=", 1) for part in cookie.split("; "))[COOKIE]
        session = StreamlitSession(cluster.url, timeout=30, cookie=cookie)
        result = session.run(page_name="")
        session.close()
        followers = {served_by(cluster.url + path, cookie) for path in ("/", "/_stcore/health", "/_stcore/host-config")}
        upload = served_by(f"{cluster.url}/_stcore/upload_file/some-session/some-file", cookie, method="PUT")
        states = {name: row["status"] for name, row in cluster.server_stats().items()}
        processes = [cluster.proxy, *(backend.process for backend in cluster.backends)]

    assert pinned_to in {backend.name for backend in cluster.backends}
    assert result.finished and result.elements >= 1 and not result.exceptions
    assert session.served_by == pinned_to, "the websocket went where the cookie points"
    assert followers == {pinned_to} and upload == pinned_to
    # "UP", or "UP 1/3" while a check is late on a busy machine: up either way.
    assert all(states[backend.name].startswith("UP") for backend in cluster.backends), states
    assert all(process.poll() is not None for process in processes), "leaving the cluster stops every process"
