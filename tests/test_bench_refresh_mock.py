"""The refresh benchmark's mock publisher (bench/refresh_mock.py): it serves the real formats, and a fault leaves
the snapshot copy byte for byte unchanged.

The mock is a real HTTPS server on 127.0.0.1 with a throwaway certificate; `responses` (tests/conftest.py) lets
only that address through. Expectations are read from the shipped data/snapshots/ files with plain csv/os.
"""

from __future__ import annotations

import csv
import json
import os

import pytest

from bench.refresh_mock import Setting, run_fault
from src.ingest.fetch import make_session
from src.paths import SNAPSHOT_DIR

UNDP_FILE = SNAPSHOT_DIR / "undp_hdr/HDR23-24_Composite_indices_complete_time_series.csv"
WDI_MILITARY_CSV = (
    SNAPSHOT_DIR / "wdi/API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211/API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv"
)


@pytest.fixture(scope="module")
def setting(mock_setting) -> Setting:
    """The shipped catalogue and the mock's bodies (tests/conftest.py: one API series, the direct downloads)."""
    return mock_setting


@pytest.fixture
def local_only(no_network):
    """Let `requests` reach the mock on 127.0.0.1, and nothing else."""
    no_network.add_passthru("https://127.0.0.1")
    return no_network


def shipped_file_count() -> int:
    return sum(len(files) for _folder, _dirs, files in os.walk(SNAPSHOT_DIR))


def test_truncated_body_leaves_every_file_of_the_copy_unchanged(setting, local_only):
    result = run_fault(setting, "undp_hdr", "truncate")

    assert result.fired == 1
    assert result.outcome.source == "undp_hdr"
    assert result.outcome.status == "kept"
    assert "cut short" in result.outcome.detail
    assert result.files_compared == shipped_file_count()
    assert result.changed == []


def test_a_503_burst_longer_than_the_retries_leaves_the_copy_unchanged(setting, local_only, no_sleep):
    """conftest's `no_sleep` records urllib3's back-off instead of sleeping, so this is quick here."""
    retries = make_session().get_adapter("https://127.0.0.1").max_retries.total

    result = run_fault(setting, "undp_hdr", "503")

    assert result.fired == retries + 1
    assert len(no_sleep) >= retries - 1  # the first retry has no back-off in urllib3 2
    assert (result.outcome.source, result.outcome.status) == ("undp_hdr", "kept")
    assert "after retries" in result.outcome.detail
    assert result.changed == []


def test_without_a_fault_the_same_run_replaces_the_file(setting, local_only):
    """The control: the mock's body is a valid download, so the unchanged copy above is the fault's doing."""
    result = run_fault(setting, "undp_hdr", None)

    assert result.outcome.status == "updated"
    assert result.changed == sorted([UNDP_FILE.relative_to(SNAPSHOT_DIR).as_posix() + ".meta.yaml"])


def test_api_pages_hold_the_shipped_bulk_values(setting):
    lines = WDI_MILITARY_CSV.read_text(encoding="utf-8-sig").splitlines()
    table = list(csv.DictReader(lines[4:]))
    years = [column for column in table[0] if column.isdigit()]
    pakistan = next(row for row in table if row["Country Code"] == "PAK")

    meta, rows = json.loads(setting.bodies.body_for(
        "/v2/country/all/indicator/MS.MIL.XPND.GD.ZS?format=json&per_page=20000&page=1"
    ))

    assert meta["total"] == len(table) * len(years) == len(rows)
    served = {row["date"]: row["value"] for row in rows if row["countryiso3code"] == "PAK"}
    assert served == {year: float(pakistan[year]) if pakistan[year] else None for year in years}


def test_direct_downloads_are_the_shipped_bytes(setting):
    path = "/sites/default/files/2023-24_HDR/" + UNDP_FILE.name
    assert setting.bodies.body_for(path) == UNDP_FILE.read_bytes()
