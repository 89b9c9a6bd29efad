"""One parser per source; `get_parser(name)` finds the one sources.yaml names, so adding a source needs no registry.

Each module `src/ingest/parsers/<name>.py` exposes `parse(folder: Path, catalogue: dict[str, Indicator]) -> DataFrame`
returning exactly the tidy columns of src.schema.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd

Parser = Callable[[Path, dict], pd.DataFrame]


def get_parser(name: str) -> Parser:
    """Import src.ingest.parsers.<name> and return its `parse`.

    Raises:
        ModuleNotFoundError: no such parser module (the caller decides whether that is fatal).
        AttributeError: the module exists but has no `parse` function.
    """
    module = importlib.import_module(f"{__name__}.{name}")
    parse = getattr(module, "parse", None)
    if not callable(parse):
        raise AttributeError(f"src/ingest/parsers/{name}.py has no parse(folder, catalogue) function")
    return parse
