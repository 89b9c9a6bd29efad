"""Where things live. A leaf module: imports nothing from src."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
SNAPSHOT_DIR = DATA_DIR / "snapshots"
CATALOGUE_DIR = DATA_DIR / "catalogue"
INDICATOR_CATALOGUE_DIR = CATALOGUE_DIR / "indicators"
SOURCES_FILE = CATALOGUE_DIR / "sources.yaml"
CODEBOOK_DIR = DATA_DIR / "codebook"
PROCESSED_DIR = DATA_DIR / "processed"
STORE_FILE = PROCESSED_DIR / "store.parquet"
STORE_MANIFEST = PROCESSED_DIR / "manifest.json"
STUDY_FILE = DATA_DIR / "study.yaml"
PEER_GROUPS_FILE = CATALOGUE_DIR / "peer_groups.yaml"
EVENTS_FILE = CATALOGUE_DIR / "events.csv"
BENCHMARKS_FILE = CATALOGUE_DIR / "benchmarks.yaml"
