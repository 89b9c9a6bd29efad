"""A real HTTPS server on 127.0.0.1 that plays the data publishers, with faults that can be switched on per URL.

Why HTTPS with a throwaway certificate: the refresh command only downloads over https from declared hosts,
and that must not be weakened for a benchmark. So the mock gets a self-signed certificate for 127.0.0.1,
made by the `openssl` CLI in a temporary folder at run time, and the benchmark's session trusts exactly it.
The server is threaded and in-process, binds 127.0.0.1 only, and is always shut down by `serving()`.
"""

from __future__ import annotations

import gzip
import shutil
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LOCALHOST = "127.0.0.1"
# Upper bound on how long a stalled answer holds its thread; shutdown releases it at once.
STALL_LIMIT_SECONDS = 300
FAULT_KINDS = ("503", "stall", "truncate", "gzip_bomb", "flood", "drip", "retry_after")
# The hostile answers of issue 15, each bounded so the mock itself can never run away:
BOMB_INFLATED_BYTES = 64 * 1024 * 1024  # `gzip_bomb`: ~65 KB on the wire that inflate to 64 MiB
FLOOD_LIMIT_BYTES = 64 * 1024 * 1024  # `flood`: a chunked body of zeros, at most this long
DRIP_INTERVAL_SECONDS = 0.2  # `drip`: one byte of the real body per interval
RETRY_AFTER_SECONDS = 86400  # `retry_after`: a 503 asking the client to come back tomorrow
# How often the serving loop looks for a shutdown request: `serving()` waits up to this long on leaving.
POLL_SECONDS = 0.02

BodyFor = Callable[[str], bytes | None]


@dataclass(frozen=True)
class Fault:
    """What goes wrong with a request target (path and query, exactly as the client sends it).

    kind: `503` answers Service Unavailable `times` times, then normally; `stall` sends the headers and half
    the body, then nothing until the client gives up; `truncate` announces the full Content-Length, sends
    half the body and closes the connection. A 503 carries no Retry-After, so the client's own back-off applies.
    `retry_after` is a 503 with a Retry-After of a day; `gzip_bomb` a gzip body that inflates to 64 MiB;
    `flood` an endless-looking chunked body (bounded by FLOOD_LIMIT_BYTES); `drip` the real body, one byte
    every DRIP_INTERVAL_SECONDS.
    """

    kind: str
    target: str
    times: int = 1

    def __post_init__(self):
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {FAULT_KINDS}")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A one-day self-signed certificate and key for 127.0.0.1 (IP subjectAltName), written into `folder`.

    The key is elliptic-curve (P-256): openssl makes one in milliseconds, where an RSA key's prime search takes
    up to seconds of CPU, once per mock server.

    Raises:
        RuntimeError: the `openssl` command is missing or fails, with its message.
    """
    cert, key = folder / "mock-cert.pem", folder / "mock-key.pem"
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the `openssl` command is needed to make the mock server's certificate")
    command = [
        openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
        "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={LOCALHOST}",
        "-addext", f"subjectAltName=IP:{LOCALHOST}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"openssl could not make a certificate: {done.stderr.strip()}")
    return cert, key


class MockPublisher(ThreadingHTTPServer):
    """Answers every GET from `body_for`, unless a fault for that target is still armed."""

    block_on_close = False  # closing the server must not wait for a handler that is stalling on purpose

    def __init__(self, body_for: BodyFor, faults: list[Fault]):
        super().__init__((LOCALHOST, 0), _Handler)
        self.body_for = body_for
        self.armed = {fault.target: fault for fault in faults}
        self.remaining = {fault.target: fault.times for fault in faults}
        self.log: list[tuple[str, int, int]] = []  # (target, status, bytes sent)
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def take_fault(self, target: str) -> Fault | None:
        """The fault for this request, counting it down; None once it has fired `times` times."""
        with self.lock:
            if self.remaining.get(target, 0) <= 0:
                return None
            self.remaining[target] -= 1
            return self.armed[target]

    def record(self, target: str, status: int, sent: int) -> None:
        with self.lock:
            self.log.append((target, status, sent))

    def fired(self, target: str) -> int:
        """How many times the fault for `target` has been served."""
        return self.armed[target].times - self.remaining[target]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the publishers' servers do
    server: MockPublisher

    def log_message(self, format, *args):  # noqa: A002 - the base class's name; the benchmark prints its own lines
        pass

    def do_GET(self):  # noqa: N802 - the name http.server dispatches to
        fault = self.server.take_fault(self.path)
        if fault is not None and fault.kind == "503":
            self._send(503, b"Service Unavailable")
            return
        if fault is not None and fault.kind in ("retry_after", "gzip_bomb", "flood"):
            getattr(self, f"_{fault.kind}")()
            return
        body = self.server.body_for(self.path)
        if body is None:
            self._send(404, b"Not Found")
            return
        if fault is None:
            self._send(200, body)
            return
        if fault.kind == "drip":
            self._drip(body)
            return
        half = body[: len(body) // 2]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(half)
        self.wfile.flush()
        self.server.record(self.path, 200, len(half))
        if fault.kind == "stall":
            self.server.stopping.wait(STALL_LIMIT_SECONDS)  # not time.sleep: tests replace that with a no-op
        self.close_connection = True

    def _retry_after(self) -> None:
        self.send_response(503)
        self.send_header("Retry-After", str(RETRY_AFTER_SECONDS))
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.server.record(self.path, 503, 0)

    def _gzip_bomb(self) -> None:
        bomb = _bomb()
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(bomb)))
        self.end_headers()
        self.wfile.write(bomb)
        self.server.record(self.path, 200, len(bomb))

    def _flood(self) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        piece, sent = b"0" * (1 << 16), 0
        try:
            while sent < FLOOD_LIMIT_BYTES and not self.server.stopping.is_set():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client hung up, as it should
            pass
        self.server.record(self.path, 200, sent)
        self.close_connection = True

    def _drip(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        sent = 0
        try:
            for position in range(len(body)):
                if (self.server.stopping.wait(DRIP_INTERVAL_SECONDS)
                        or sent * DRIP_INTERVAL_SECONDS > STALL_LIMIT_SECONDS):
                    break
                self.wfile.write(body[position : position + 1])
                self.wfile.flush()
                sent += 1
        except OSError:
            pass
        self.server.record(self.path, 200, sent)
        self.close_connection = True

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.record(self.path, status, len(body))


_BOMB: list[bytes] = []


# The bomb is gzip members of this many zeros each, back to back (a gzip body may hold several; clients inflate
# them all): compressing one MiB once costs a 64th of compressing 64 MiB, and the body is about as small.
BOMB_MEMBER_BYTES = 1024 * 1024


def _bomb() -> bytes:
    """BOMB_INFLATED_BYTES of zeros, gzip-compressed once per process (about 65 KB)."""
    if not _BOMB:
        member = gzip.compress(b"\0" * BOMB_MEMBER_BYTES, compresslevel=9)
        _BOMB.append(member * (BOMB_INFLATED_BYTES // BOMB_MEMBER_BYTES))
    return _BOMB[0]


@contextmanager
def serving(body_for: BodyFor, faults: list[Fault] | None = None) -> Iterator[tuple[MockPublisher, Path]]:
    """Yield (running server, path of the certificate to trust); the server and its certificate are gone after."""
    with tempfile.TemporaryDirectory(prefix="mock-publisher-") as folder:
        cert, key = make_certificate(Path(folder))
        server = MockPublisher(body_for, faults or [])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), name="mock-publisher",
                                  daemon=True)
        thread.start()
        try:
            yield server, cert
        finally:
            server.stopping.set()
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
