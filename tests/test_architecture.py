"""The layer rules of docs/architecture.md, read from the code's own imports: arrows point down only, each seam
(streamlit, requests, caching) has one owner, and no module reaches into Streamlit's private runtime.

Layers that do not exist yet (an empty folder, a module still to be written) simply contribute no files.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Top to bottom: a module may import its own layer and any layer below it, never one above.
LAYERS = ("pages", "app", "deck", "views", "charts", "claims", "ingest", "study", "leaves")
# Beside the stack: who a side layer may import, and who may import it.
SIDE_LAYERS = {"qual": {"imports": {"qual", "study", "leaves"}, "imported_by": {"pages", "app"}}}
LEAF_MODULES = {"src", "src.paths", "src.schema"}
STREAMLIT_LAYERS = {"pages", "app"}
REQUESTS_OWNER = "src/ingest/fetch.py"
CACHE_OWNER = "app"
FUNCTOOLS_CACHES = {"cache", "lru_cache"}
APP_SIDE = {"pages", "app"}
DOWNLOAD_MODULES = ("src.ingest.fetch", "src.ingest.refresh")
PRIVATE_STREAMLIT = ("streamlit.runtime",)
PRIVATE_NAMES = {"PagesManager"}


def python_files() -> list[Path]:
    candidates = [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("src/**/*.py")]
    return sorted(p for p in candidates if p.is_file())


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of_module(name: str) -> str | None:
    """The layer of an importable name: `src.claims.rules` -> claims; None for anything outside this project."""
    if name in LEAF_MODULES or name.startswith(("src.paths.", "src.schema.")):
        return "leaves"
    if name == "app" or name == "pages" or name.startswith("pages."):
        return "pages"
    parts = name.split(".")
    if parts[0] != "src":
        return None
    return parts[1]  # a folder no rule knows: reported by test_every_module_sits_in_a_declared_layer


def layer_of_file(path: Path) -> str | None:
    posix = path.relative_to(ROOT).as_posix()
    if posix == "app.py" or posix.startswith("pages/"):
        return "pages"
    return layer_of_module(module_name(path))


@functools.cache
def is_submodule(name: str) -> bool:
    where = ROOT.joinpath(*name.split("."))
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


@functools.cache
def syntax_tree(path: Path) -> ast.Module:
    """A file's syntax tree, parsed once per run: each check below reads every file of the project."""
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@functools.cache
def all_nodes(path: Path) -> tuple[ast.AST, ...]:
    """Every node of a file's syntax tree in `ast.walk` order, listed once: the checks below look through each file
    six times, and walking a tree costs about half as much as parsing it."""
    return tuple(ast.walk(syntax_tree(path)))


@functools.cache
def imported_names(path: Path) -> frozenset[str]:
    """Every module a file imports; `from src import deck` counts as `src.deck`, relative imports are resolved."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    names: set[str] = set()
    for node in all_nodes(path):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if is_submodule(f"{base}.{alias.name}"))
    return frozenset(names)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def allowed_layers(layer: str) -> set[str]:
    if layer in SIDE_LAYERS:
        return SIDE_LAYERS[layer]["imports"]
    below = set(LAYERS[LAYERS.index(layer) :])
    return below | {side for side, rule in SIDE_LAYERS.items() if layer in rule["imported_by"]}


FILES = python_files()


def test_the_scan_sees_the_project():
    # Guards every rule below against passing on an empty scan.
    assert ROOT / "app.py" in FILES
    assert {layer_of_file(p) for p in FILES} >= {"pages", "app", "claims", "ingest", "study", "leaves"}


def test_every_module_sits_in_a_declared_layer():
    known = set(LAYERS) | set(SIDE_LAYERS)
    strays = [relative(p) for p in FILES if layer_of_file(p) not in known]
    assert not strays, f"declare these folders' layer in docs/architecture.md and here: {strays}"


def against_the_arrows(layer: str, names: set[str]) -> list[str]:
    """The imported names a module of `layer` may not import, each with the layer it belongs to."""
    targets = {name: layer_of_module(name) for name in sorted(names)}
    return [f"{name} ({target})" for name, target in targets.items() if target not in {None, *allowed_layers(layer)}]


def test_the_arrow_check_flags_an_upward_import():
    upward = against_the_arrows("claims", {"src.charts.claims", "src.study.peers", "pandas"})
    assert upward == ["src.charts.claims (charts)"]
    assert against_the_arrows("study", {"src.ingest.store"}) == ["src.ingest.store (ingest)"]
    assert against_the_arrows("qual", {"src.claims.rules", "src.study.codebook"}) == ["src.claims.rules (claims)"]
    assert against_the_arrows("views", {"src.qual.model"}) == ["src.qual.model (qual)"]
    assert against_the_arrows("app", {"src.qual.session", "src.deck", "src.paths"}) == []


def test_imports_point_down_the_layers_only():
    wrong = [
        f"{relative(path)} ({layer_of_file(path)}) imports {target}"
        for path in FILES
        if layer_of_file(path) in {*LAYERS, *SIDE_LAYERS}  # strays: test_every_module_sits_in_a_declared_layer
        for target in against_the_arrows(layer_of_file(path), imported_names(path))
    ]
    assert not wrong, "imports against the arrows " + " -> ".join(LAYERS) + ":\n" + "\n".join(wrong)


def test_only_the_app_layer_and_pages_import_streamlit():
    importers = [relative(p) for p in FILES if any(n.split(".")[0] == "streamlit" for n in imported_names(p))]
    assert importers, "no streamlit importer found: the scan is broken"
    outside = [f for f in importers if layer_of_file(ROOT / f) not in STREAMLIT_LAYERS]
    assert not outside, f"streamlit imported outside app.py, pages/ and src/app/: {outside}"


def test_only_fetch_imports_requests():
    importers = {relative(p) for p in FILES if any(n.split(".")[0] == "requests" for n in imported_names(p))}
    assert importers <= {REQUESTS_OWNER}


def test_the_app_never_reaches_the_download_code():
    reaching = [
        f"{relative(p)} imports {name}"
        for p in FILES
        if layer_of_file(p) in APP_SIDE
        for name in imported_names(p)
        if name.startswith(DOWNLOAD_MODULES)
    ]
    assert not reaching


def caching_uses(path: Path) -> list[str]:
    """functools.cache / lru_cache and st.cache_* in one file, as `line: what`."""
    nodes = all_nodes(path)
    streamlit_aliases = {"streamlit"} | {
        alias.asname or alias.name for node in nodes if isinstance(node, ast.Import)
        for alias in node.names if alias.name == "streamlit"
    }
    found = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module == "functools":
            found += [f"{node.lineno}: functools.{a.name}" for a in node.names if a.name in FUNCTOOLS_CACHES]
        elif isinstance(node, ast.ImportFrom) and node.module == "streamlit":
            found += [f"{node.lineno}: streamlit.{a.name}" for a in node.names if a.name.startswith("cache")]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "functools" and node.attr in FUNCTOOLS_CACHES:
                found.append(f"{node.lineno}: functools.{node.attr}")
            elif node.value.id in streamlit_aliases and node.attr.startswith("cache"):
                found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return sorted(found, key=lambda use: int(use.split(":")[0]))


def test_caching_is_only_in_the_app_layer():
    # One cache: core code takes declared data as arguments and keeps no process-wide copy (issue 11).
    elsewhere = {relative(p): uses for p in FILES if layer_of_file(p) != CACHE_OWNER and (uses := caching_uses(p))}
    assert not elsewhere, f"caches outside src/app/: {elsewhere}"


def test_the_caching_check_sees_a_cache(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import functools\nimport streamlit as st\nfrom functools import lru_cache\n"
        "@functools.cache\ndef a(): ...\n@st.cache_data\ndef b(): ...\n",
        encoding="utf-8",
    )
    assert caching_uses(sample) == ["3: functools.lru_cache", "4: functools.cache", "6: st.cache_data"]


def names_used(path: Path) -> set[str]:
    """Every identifier a file uses or imports (names, attributes, imported names), not its comments."""
    nodes = all_nodes(path)
    used = {node.id for node in nodes if isinstance(node, ast.Name)}
    used |= {node.attr for node in nodes if isinstance(node, ast.Attribute)}
    return used | {alias.name for node in nodes if isinstance(node, ast.ImportFrom) for alias in node.names}


def test_nothing_reaches_into_streamlits_private_runtime():
    # Private internals change without notice between releases; PagesManager was set directly once (issue 11).
    users = [
        f"{relative(p)} imports {name}"
        for p in FILES
        for name in sorted(imported_names(p))
        if name.startswith(PRIVATE_STREAMLIT)
    ]
    users += [f"{relative(p)} uses {name}" for p in FILES for name in PRIVATE_NAMES & names_used(p)]
    assert not users, f"Streamlit's private API in use: {users}"
