"""After a refresh, the command lists the verdicts the new data changed and why (issue 12): src/claims/changes.py
diffs evidence rows, src/claims/refresh_report.py prints the lines, src/ingest/refresh.py calls it through its hook.

The "new" stores here are the shipped store with one change made in the test (a newer year, a revised value, a
series removed), each chosen from the shipped values so that a declared claim's verdict turns; nothing is typed in.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import responses

from src.claims.changes import comparisons, evidence_reasons, verdict_changes
from src.claims.evaluate import Settings, evaluate
from src.claims.refresh_report import report
from src.ingest import refresh as refresh_module
from src.ingest.store import Store, compact
from src.paths import SNAPSHOT_DIR
from src.schema import TIDY_COLUMNS
from tests.conftest import FIXTURES
from tests.shipped import shipped_sources

UNDP_URL = shipped_sources()["undp_hdr"].refresh["url"]
# The shipped UNDP CSV cut to five rows (tests/fixtures/http/README.md): each store the command builds of the copy
# parses this instead of a whole file (the SIPRI workbook these tests used took ~0.35 s a parse, four parses).
TRIMMED_UNDP = FIXTURES / "http" / "undp_hdr_trimmed.csv"


@pytest.fixture(scope="module")
def store(shipped_store) -> Store:
    return shipped_store


def editable(store: Store) -> pd.DataFrame:
    """A copy of the store's values in its own form (text columns as categoricals), to change a cell or add a row.

    Kept in that form rather than turned into plain strings: converting ~680,000 rows both ways takes seconds.
    """
    return store.values.copy()


def changed_store(store: Store, values: pd.DataFrame) -> Store:
    """The store holding `values`: still tidy (the columns, no empty value), in the store's in-memory form."""
    assert list(values.columns) == list(TIDY_COLUMNS) and values["value"].notna().all()
    return Store(compact(values), store.countries, fingerprint="changed in the test")


def benchmark_part(study, claim_id: str):
    claim = study.codebook.claims[claim_id]
    return claim, next(t for t in claim.tests if t.rule == "benchmark" and not t.context)


def flipping_value(store, study, claim_id: str) -> tuple[str, float]:
    """The focus's series in the claim's benchmark test and a value on the other side of every reference the
    claim compares with (ten times the largest value any country has): enough to turn its verdict."""
    claim, test = benchmark_part(study, claim_id)
    verdict = evaluate(claim, store, Settings.default(study.defaults), study)
    indicator = next(i for i in verdict.evidence["indicator"].astype(str).unique()
                     if i in (test.params["indicator"] if isinstance(test.params["indicator"], list)
                              else [test.params["indicator"]]))
    values = store.values[store.values["indicator"] == indicator]["value"]
    direction = test.params["direction"]
    return indicator, float(values.max() * 10 if direction == "below" else values.min() - 10 * abs(values.max()))


# --- the diff of evidence rows (small frames made here) ----------------------------------------------------------


def rows(*entries) -> pd.DataFrame:
    """Evidence rows (iso3, indicator, role, year, value) for the diff; country names are the codes."""
    frame = pd.DataFrame(entries, columns=["iso3", "indicator", "role", "year", "value"])
    return frame.assign(country=frame["iso3"], unit="% of GDP")


def test_a_newer_year_is_named_with_both_years():
    old = rows(("AAA", "x", "focus", 2023, 1.0))
    new = rows(("AAA", "x", "focus", 2023, 1.0), ("AAA", "x", "focus", 2024, 2.0))
    (reason,) = evidence_reasons(old, new)
    assert reason.startswith("newer year") and "now 2024 (was 2023)" in reason


def test_a_revised_value_is_named_with_both_values():
    (reason,) = evidence_reasons(rows(("AAA", "x", "focus", 2023, 1.0)), rows(("AAA", "x", "focus", 2023, 1.5)))
    assert reason.startswith("revised value") and "2023" in reason and "1.0" in reason and "1.5" in reason


def test_series_added_and_gone_are_named():
    reasons = evidence_reasons(rows(("AAA", "x", "focus", 2023, 1.0)), rows(("AAA", "y", "focus", 2023, 1.0)))
    assert "new series: y" in reasons and "series no longer used: x" in reasons


def test_identical_evidence_says_the_change_is_elsewhere():
    same = rows(("AAA", "x", "focus", 2023, 1.0))
    (reason,) = evidence_reasons(same, same)
    assert "same" in reason


# --- verdicts on the shipped store and a changed copy ---------------------------------------------------------


def test_no_change_in_the_data_reports_no_changed_verdict(store, study):
    assert report(store, store, study=study, every_group=False) == [
        "Verdicts: none changed under the default comparison."]


def test_a_revised_value_that_turns_a_verdict_is_listed_with_old_and_new_status(store, study):
    claim_id = "C2.3"
    indicator, value = flipping_value(store, study, claim_id)
    settings = Settings.default(study.defaults)
    before = evaluate(study.codebook.claims[claim_id], store, settings, study)
    focus_rows = before.evidence[(before.evidence["indicator"] == indicator) & (before.evidence["role"] == "focus")]
    year = int(focus_rows["year"].max())
    values = editable(store)
    where = (values["iso3"] == settings.focus) & (values["indicator"] == indicator) & (values["year"] == year)
    values.loc[where, "value"] = value
    new = changed_store(store, values)
    after = evaluate(study.codebook.claims[claim_id], new, settings, study)
    assert after.status != before.status, "the change must turn the verdict for this test to mean anything"
    changes = verdict_changes(store, new, study, [settings])
    (change,) = [c for c in changes if c.claim_id == claim_id]
    assert (change.old, change.new) == (before.status, after.status)
    assert any(r.startswith("revised value") and str(year) in r and indicator in r for r in change.reasons)
    lines = report(store, new, study=study, every_group=False)
    assert any(line.strip().startswith(f"{claim_id}: {before.label} -> {after.label}") for line in lines)


def test_a_newer_year_that_turns_a_verdict_is_named_as_a_new_year(store, study):
    claim_id = "C2.3"
    indicator, value = flipping_value(store, study, claim_id)
    settings = Settings.default(study.defaults)
    values = editable(store)
    mine = values[(values["iso3"] == settings.focus) & (values["indicator"] == indicator)]
    latest = mine.sort_values("year").iloc[-1]
    if int(latest["year"]) >= settings.window[1]:
        pytest.skip("the focus already has a value in the window's last year")
    # The latest row again (a one-row frame keeps the store's column types), a year later and with the new value.
    added = mine.sort_values("year").iloc[[-1]].assign(year=int(latest["year"]) + 1, value=value)
    new = changed_store(store, pd.concat([values, added], ignore_index=True))
    (change,) = [c for c in verdict_changes(store, new, study, [settings]) if c.claim_id == claim_id]
    assert any(r.startswith("newer year") and f"now {int(latest['year']) + 1} (was {int(latest['year'])})" in r
               for r in change.reasons)


def test_the_comparisons_are_the_default_and_each_declared_group(study):
    settings = comparisons(study)
    assert settings[0] == Settings.default(study.defaults)
    assert {s.peer_group for s in settings} == {g for g in study.peer_groups if g != "custom"}
    assert {s.focus for s in settings} == {study.defaults.focus}


# --- the hook -----------------------------------------------------------------------------------------------


@pytest.fixture
def snapshots(tmp_path, monkeypatch):
    """A copy of the UNDP folder holding the trimmed CSV; the codes a download may use come from the shipped country
    metadata."""
    root = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOT_DIR / "undp_hdr", root / "undp_hdr")
    (csv_file,) = (root / "undp_hdr").glob("*.csv")
    csv_file.write_bytes(TRIMMED_UNDP.read_bytes())
    shipped = refresh_module.shipped_known_codes(SNAPSHOT_DIR)
    monkeypatch.setattr(refresh_module, "shipped_known_codes", lambda _folder: shipped)
    return root


def test_the_refresh_command_hands_the_stores_before_and_after_to_its_hook(snapshots, capsys):
    pytest.importorskip("src.ingest.parsers.undp_hdr", reason="the UNDP parser is another engineer's file")
    calls = []
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, UNDP_URL, body=TRIMMED_UNDP.read_bytes())
        code = refresh_module.main(["--source", "undp_hdr", "--snapshot-dir", str(snapshots)],
                                   after_refresh=lambda old, new, progress: calls.append((old, new)) or progress("hooked"))
    assert code == 0
    (old, new), = calls
    assert isinstance(old, Store) and isinstance(new, Store) and old is not new
    assert "hooked" in capsys.readouterr().out


def test_a_failed_refresh_does_not_call_the_hook(snapshots):
    calls = []
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, UNDP_URL, status=404)
        code = refresh_module.main(["--source", "undp_hdr", "--snapshot-dir", str(snapshots)],
                                   after_refresh=lambda *args: calls.append(args))
    assert code == 1 and calls == []


def test_the_named_hook_is_the_claims_report():
    from src.claims.refresh_report import print_report

    assert refresh_module.after_refresh_hook() is print_report


def test_peers_that_gained_a_value_are_named():
    old = rows(("AAA", "x", "focus", 2023, 1.0), ("BBB", "x", "peer", 2023, 1.0))
    new = rows(("AAA", "x", "focus", 2023, 1.0), ("BBB", "x", "peer", 2023, 1.0), ("CCC", "x", "peer", 2022, 2.0))
    (reason,) = evidence_reasons(old, new)
    assert reason == "peers with a value now: x: CCC"
