#!/usr/bin/env bash
# Set up a virtual environment (once), lint, and run the whole test suite; CI runs exactly this.
# Arguments go to pytest: `bash scripts/test.sh -m "not browser"` is the quick local loop.
# The browser tests need Debian's `chromium` (apt-get install -y chromium); without it they skip locally and
# fail under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv requirements-dev.txt "the app's packages plus pytest, playwright and ruff"
compile_project
echo "Lint: ruff check ."
.venv/bin/python -m ruff check .
echo "Tests: pytest -q $*"
exec .venv/bin/python -m pytest -q "$@"
