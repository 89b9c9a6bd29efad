#!/usr/bin/env bash
# Set up a virtual environment (once) and start the dashboard on the shipped data. No network needed
# after the packages are installed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv requirements.txt "streamlit, plotly, pandas, pyarrow, kaleido..."
compile_project
# Streamlit prints the address it really serves on (--server.port may change it); Ctrl+C stops it.
echo "Starting the dashboard on the shipped data; Streamlit prints its address below (Ctrl+C stops it)."
exec .venv/bin/python -m streamlit run app.py "$@"
