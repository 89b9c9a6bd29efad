# Sourced by start.sh, serve.sh and test.sh (not run on its own): create .venv once, then install what $1 lists.
ensure_venv() {
  local requirements="$1" what="$2"
  if [ ! -x .venv/bin/python ]; then
    echo "First run: creating .venv and installing $requirements ($what)."
    echo "This takes about two minutes; later runs skip it."
    python3 -m venv .venv
  fi
  echo "Checking packages ($requirements)..."
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$requirements"
}

# Byte-compile the project once per change: with PYTHONDONTWRITEBYTECODE set (as on some machines) every new
# server process would otherwise compile all of src/ again before its first page (~0.1-0.2 s of a cold start).
compile_project() {
  .venv/bin/python -m compileall -q src pages app.py bench deploy >/dev/null
}
