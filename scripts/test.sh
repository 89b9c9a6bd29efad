#!/usr/bin/env bash
# Set up a virtual environment (once) and run the whole test suite. The browser tests need Debian's
# `chromium` (apt-get install -y chromium); without it they skip locally and fail under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q -r requirements-dev.txt
exec .venv/bin/python -m pytest -q "$@"
