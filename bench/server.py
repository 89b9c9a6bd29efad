"""Start and stop a real Streamlit server on a free localhost port, and read its memory use."""

from __future__ import annotations

import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from deploy.cluster import free_port, stop, streamlit_command, wait_until_healthy  # noqa: F401 (re-exported)

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_server(extra_env: dict[str, str] | None = None, script: Path = ROOT / "app.py"):
    """Yield (base_url, process, started_at) for a headless server running `script` (the app) on 127.0.0.1;
    always stop it."""
    port = free_port()
    env = {**os.environ, **(extra_env or {})}
    command = streamlit_command(script, port)
    started_at = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield f"http://127.0.0.1:{port}", process, started_at
    finally:
        stop(process)


def rss_megabytes(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
