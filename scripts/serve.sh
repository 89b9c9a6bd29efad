#!/usr/bin/env bash
# Serve a seminar room or a course: N Streamlit processes (default: one per core) behind HAProxy with sticky
# sessions, at http://localhost:8501. `bash scripts/serve.sh 3`; PORT=8080 picks another port; PUBLIC=1 makes
# HAProxy listen on every interface (the app processes always stay on 127.0.0.1). Ctrl+C stops everything.
# The launcher is deploy/cluster.py; the proxy configuration is deploy/haproxy.cfg.template.
set -euo pipefail
cd "$(dirname "$0")/.."
processes="${1:-$(nproc 2>/dev/null || echo 2)}"
if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
  echo "HAProxy is not installed. Install it (Debian/Ubuntu, as root): apt-get install -y haproxy" >&2
  exit 1
fi
source scripts/venv.sh
ensure_venv requirements.txt "streamlit, plotly, pandas, pyarrow, kaleido..."
compile_project
public=()
if [ "${PUBLIC:-0}" = "1" ]; then public=(--public); fi
# exec: the launcher itself is the trap. It stops HAProxy and every app process on Ctrl+C, SIGTERM or SIGHUP
# (try/finally), and the children get SIGTERM even if it is killed outright (PR_SET_PDEATHSIG).
exec .venv/bin/python -m deploy.cluster --processes "$processes" --port "${PORT:-8501}" "${public[@]}"
