"""The declared data a researcher edits: catalogue, peers, events, codebook, study defaults. Loaders return values.

The names below come from src.study.study on first use (PEP 562), so importing a light module of this package
(src.study.yaml_io: the YAML reader the snapshot sidecars use too) does not import pandas with the loaders.
"""

from importlib import import_module

__all__ = ["Study", "catalogue_files", "content_key", "content_keys", "declared_files", "load_study"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(import_module("src.study.study"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
