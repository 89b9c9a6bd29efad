#!/usr/bin/env bash
# Set up a virtual environment (once) and start the dashboard on the shipped data. No network needed
# after the packages are installed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q -r requirements.txt
exec .venv/bin/python -m streamlit run app.py "$@"
