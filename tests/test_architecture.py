"""Import direction rules (docs/architecture.md): data flows one way and each seam has one owner."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_FILES = [p for p in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("src/**/*.py")] if p.exists()]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def importers_of(prefix: str) -> set[str]:
    return {
        str(path.relative_to(ROOT))
        for path in PYTHON_FILES
        if any(name == prefix or name.startswith(prefix + ".") for name in imported_modules(path))
    }


def test_only_pages_app_and_ui_import_streamlit():
    allowed = {"app.py", "src/app/ui.py"} | {str(p.relative_to(ROOT)) for p in ROOT.glob("pages/*.py")}
    assert importers_of("streamlit") <= allowed


def test_only_fetch_imports_requests():
    assert importers_of("requests") <= {"src/ingest/fetch.py"}


def test_the_app_never_reaches_the_download_code():
    app_side = {"app.py", "src/app/ui.py"} | {str(p.relative_to(ROOT)) for p in ROOT.glob("pages/*.py")}
    assert not (importers_of("src.ingest.fetch") | importers_of("src.ingest.refresh")) & app_side


def test_the_refresh_side_never_imports_streamlit():
    refresh_side = {"src/ingest/fetch.py", "src/ingest/refresh.py", "src/ingest/snapshot.py"}
    assert not importers_of("streamlit") & refresh_side
