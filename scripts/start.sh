#!/usr/bin/env bash
# Set up a virtual environment (once) and start the dashboard on the shipped data. No network needed
# after the packages are installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "First run: creating .venv and installing requirements.txt (streamlit, plotly, pandas, pyarrow, kaleido...)."
  echo "This takes about two minutes; later starts skip it."
  python3 -m venv .venv
fi
echo "Checking packages (requirements.txt)..."
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
echo "Starting the dashboard at http://localhost:8501 (Ctrl+C stops it). The first page load builds the store."
exec .venv/bin/python -m streamlit run app.py "$@"
