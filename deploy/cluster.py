"""Serve the dashboard from N Streamlit processes behind HAProxy with sticky sessions.

`python -m deploy.cluster [--processes N] [--port 8501] [--public]` is what scripts/serve.sh runs: it starts N
`streamlit run app.py` processes on free 127.0.0.1 ports, waits until each answers /_stcore/health, renders
deploy/haproxy.cfg.template for them, runs HAProxy in the foreground and stops everything when it ends
(Ctrl-C, SIGTERM, or HAProxy exiting). The benchmark (`python -m bench --only course`) uses `running_cluster`.

Standard library only: the launcher must not pay for importing Streamlit in the process that supervises it.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("haproxy.cfg.template")
INSTALL_HINT = "HAProxy is not installed: apt-get install -y haproxy (Debian/Ubuntu, as root)"


@dataclass(frozen=True)
class Backend:
    """One Streamlit process: its HAProxy server name (also its sticky cookie value), address and process."""

    name: str
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass(frozen=True)
class Cluster:
    url: str
    backends: tuple[Backend, ...]
    proxy: subprocess.Popen
    stats_socket: Path

    def server_stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's `show stat` for each server of the Streamlit backend (e.g. `stot`: connections so far)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(self.stats_socket))
            sock.sendall(b"show stat\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        text = b"".join(chunks).decode().lstrip("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {row["svname"]: row for row in rows if row["pxname"] == "streamlit" and row["svname"] != "BACKEND"}


def haproxy_path() -> str | None:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).is_file()), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render_config(ports: list[int], *, port: int, bind_address: str, stats_socket: Path) -> str:
    """The HAProxy configuration for Streamlit processes on 127.0.0.1:`ports`, named app1..appN."""
    servers = "\n".join(
        f"    server app{number} 127.0.0.1:{backend_port} check cookie app{number}"
        for number, backend_port in enumerate(ports, start=1)
    )
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        servers=servers, port=port, bind_address=bind_address, stats_socket=stats_socket
    )


def check_config(config_file: Path) -> subprocess.CompletedProcess:
    """`haproxy -c -f` on a configuration file (exit status 0 when it is valid)."""
    haproxy = haproxy_path()
    if haproxy is None:
        raise FileNotFoundError(INSTALL_HINT)
    return subprocess.run([haproxy, "-c", "-q", "-f", str(config_file)], capture_output=True, text=True)


def wait_until_healthy(url: str, process: subprocess.Popen | None = None, timeout: float = 90.0) -> float:
    """Poll Streamlit's (or HAProxy's) /_stcore/health until it answers 200; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process behind {url} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing healthy at {url} within {timeout:g} s")


def _die_with_parent() -> None:
    """Child-side: get SIGTERM when the launcher dies, even by SIGKILL, so no orphan keeps a port (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def streamlit_command(app: Path, port: int, python: str = sys.executable) -> list[str]:
    """`streamlit run <app>` headless on 127.0.0.1:`port` (the launcher, the benchmark and the browser tests)."""
    return [
        python, "-m", "streamlit", "run", str(app),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]


def start_streamlit(port: int, *, python: str, cookie_secret: str, quiet: bool, app: Path) -> subprocess.Popen:
    command = streamlit_command(app, port, python)
    # One cookie secret for all processes: XSRF tokens then stay valid if HAProxy ever moves a browser.
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret}
    # Streamlit's stdout only says "view your app at <this process's port>": readers must use the proxy instead.
    errors = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors,
                            preexec_fn=_die_with_parent)


def stop(process: subprocess.Popen) -> None:
    stop_all([process])


def stop_all(processes: list[subprocess.Popen]) -> None:
    """Terminate every process that still runs, in order, then wait for each (killing one that outlives 10 s):
    Streamlit takes a while to shut down, and the processes need not take it one after the other."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.terminate()
    for process in running:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_cluster(
    processes: int, *, port: int | None = None, bind_address: str = "127.0.0.1", python: str = sys.executable,
    quiet: bool = True, app: Path = ROOT / "app.py",
) -> Iterator[Cluster]:
    """Start `processes` Streamlit processes running `app` (the dashboard) and HAProxy in front of them; yield
    the Cluster; always stop all."""
    haproxy = haproxy_path()
    if haproxy is None:
        raise FileNotFoundError(INSTALL_HINT)
    port = port or free_port()
    with ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="dashboard-proxy-")))
        started: list[subprocess.Popen] = []  # stopped together on leaving, the last started first
        cleanup.callback(lambda: stop_all(started[::-1]))
        cookie_secret = secrets.token_hex(32)
        ports = [free_port() for _ in range(processes)]
        backends = []
        for number, backend_port in enumerate(ports, start=1):
            process = start_streamlit(backend_port, python=python, cookie_secret=cookie_secret, quiet=quiet, app=app)
            started.append(process)
            backends.append(Backend(f"app{number}", backend_port, process))
        for backend in backends:
            wait_until_healthy(backend.url, backend.process)
        stats_socket = workdir / "haproxy.sock"
        config_file = workdir / "haproxy.cfg"
        config_file.write_text(render_config(ports, port=port, bind_address=bind_address, stats_socket=stats_socket))
        checked = check_config(config_file)
        if checked.returncode != 0:
            raise RuntimeError(f"haproxy rejected the configuration:\n{checked.stdout}{checked.stderr}")
        output = subprocess.DEVNULL if quiet else None
        proxy = subprocess.Popen([haproxy, "-db", "-f", str(config_file)], stdout=output, stderr=output,
                                 preexec_fn=_die_with_parent)
        started.append(proxy)
        local = "127.0.0.1" if bind_address in ("0.0.0.0", "::", "") else bind_address
        url = f"http://{local}:{port}"
        wait_until_healthy(url, proxy, timeout=15)
        yield Cluster(url, tuple(backends), proxy, stats_socket)


def serve(processes: int, port: int, bind_address: str) -> int:
    """Run the cluster in the foreground until Ctrl-C, SIGTERM/SIGHUP, or HAProxy or an app process exits."""

    def interrupt(signum, _frame):
        raise KeyboardInterrupt

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)
    try:
        print(f"Starting {processes} Streamlit processes and HAProxy...", flush=True)
        with running_cluster(processes, port=port, bind_address=bind_address, quiet=False) as cluster:
            where = f"http://localhost:{port}" if bind_address == "127.0.0.1" else f"port {port} on {bind_address}"
            ports = ", ".join(str(b.port) for b in cluster.backends)
            print(f"Serving the dashboard at {where} from {processes} processes (127.0.0.1 ports {ports}); "
                  "Ctrl+C stops everything.", flush=True)
            while cluster.proxy.poll() is None and all(b.process.poll() is None for b in cluster.backends):
                time.sleep(0.5)
            print("A process exited: stopping the others.", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nStopping HAProxy and the Streamlit processes.", flush=True)
        return 0
    except (FileNotFoundError, RuntimeError, TimeoutError) as problem:
        print(problem, file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2,
                        help="Streamlit processes (default: the number of cores)")
    parser.add_argument("--port", type=int, default=8501, help="the port HAProxy listens on (8501)")
    parser.add_argument("--public", action="store_true",
                        help="listen on every interface (0.0.0.0) instead of 127.0.0.1; app processes stay local")
    parser.add_argument("--print-config", action="store_true", help="print the rendered HAProxy configuration")
    args = parser.parse_args(argv)
    bind_address = "0.0.0.0" if args.public else "127.0.0.1"
    if args.print_config:
        ports = [8600 + n for n in range(1, args.processes + 1)]  # placeholders: the real ones are free ports
        print(render_config(ports, port=args.port, bind_address=bind_address,
                            stats_socket=Path(tempfile.gettempdir()) / "haproxy.sock"), end="")
        return 0
    return serve(args.processes, args.port, bind_address)


if __name__ == "__main__":
    sys.exit(main())
