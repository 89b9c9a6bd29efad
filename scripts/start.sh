#!/usr/bin/env bash
# Set up a virtual environment (once) and start the dashboard on the shipped data. No network needed
# after the packages are installed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv requirements.txt "streamlit, plotly, pandas, pyarrow, kaleido..."
echo "Starting the dashboard at http://localhost:8501 (Ctrl+C stops it). The first page load builds the store."
exec .venv/bin/python -m streamlit run app.py "$@"
