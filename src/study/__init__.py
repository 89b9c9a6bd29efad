"""The declared data a researcher edits: catalogue, peers, events, codebook, study defaults. Loaders return values."""

from src.study.study import Study, catalogue_files, content_key, content_keys, declared_files, load_study

__all__ = ["Study", "catalogue_files", "content_key", "content_keys", "declared_files", "load_study"]
