"""The Interviews page: renders empty, loads the shipped example, keeps what was loaded when a file is bad, and
shows imported text only as plain text. (AppTest cannot drive a file uploader, so uploads go through
`src.qual.session.import_files`, the function the page calls, and the result is seeded into session state.)"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from src.qual.mapping import dashboard_themes
from src.qual.session import SESSION_KEY, import_files

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "interviews.py")
EXAMPLE = ROOT / "data" / "examples" / "interviews_example.csv"


def run(session=None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if session is not None:
        at.session_state[SESSION_KEY] = session
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def example_counts() -> dict[str, str]:
    rows = list(csv.DictReader(io.StringIO(EXAMPLE.read_text(encoding="utf-8"))))
    return {
        "Interviewees": str(len({r["interviewee"] for r in rows})),
        "Themes (top-level codes)": str(len({r["theme"] for r in rows})),
        "Coded excerpts": str(len(rows)),
    }


def test_page_renders_with_nothing_imported():
    at = run()
    assert not at.exception
    assert any("Nothing imported yet" in info.value for info in at.info)
    assert SESSION_KEY not in at.session_state


def test_example_button_loads_the_shipped_example():
    at = run()
    at.button(key="qual_example").click().run()
    assert not at.exception and not at.error
    assert metrics(at) == example_counts()
    session = at.session_state[SESSION_KEY]
    themes = dashboard_themes()
    # The example's themes carry the dashboard's labels, so each top-level code is mapped to its theme id.
    top = session.mapping[~session.mapping["code_path"].str.contains(" / ", regex=False)]
    assert set(top["theme_id"]) <= set(themes) and (top["theme_id"] != "").all()
    tree = "\n".join(t.value for t in at.text)
    assert all(theme in tree for theme in {r.split(",")[1] for r in EXAMPLE.read_text().splitlines()[1:]})
    assert len(at.dataframe) >= 3  # matrix, excerpts, excerpts beside the dashboard's theme


def test_bad_upload_keeps_previous_data():
    themes = dashboard_themes()
    session, _ = import_files(None, [(EXAMPLE.name, EXAMPLE.read_bytes())], None, themes)
    kept, error = import_files(session, [("broken.qdpx", b"not a zip")], None, themes)
    assert kept is session and "not a zip" in error
    at = run(kept)
    assert not at.exception
    assert metrics(at) == example_counts()


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "**bold** [link](http://example.org)"])
def test_imported_text_is_never_rendered_as_markdown_or_html(hostile):
    data = (f'interviewee,theme,code,excerpt\n"{hostile}","{hostile}",code,"{hostile}"\n').encode()
    session, error = import_files(None, [("hostile.csv", data)], None, {})
    assert error is None
    at = run(session)
    assert not at.exception
    assert any(hostile in t.value for t in at.text)  # shown, as plain text
    assert not any(hostile in m.value for m in at.markdown)
    assert not any(hostile in c.value for c in at.caption)


def zipped_fixture(folder: str) -> bytes:
    """A fixture project folder (tests/fixtures/qual/<folder>, see its README) zipped in memory like a .qdpx."""
    import zipfile

    buffer = io.BytesIO()
    root = ROOT / "tests" / "fixtures" / "qual" / folder
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.name != "README.md":
                archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()


def test_import_report_names_counts_and_what_was_skipped():
    from src.qual.report import import_counts, skipped_table

    session, error = import_files(None, [("vendor.qdpx", zipped_fixture("missing_and_media"))], None, {})
    assert error is None
    at = run(session)
    assert not at.exception
    report = next(t.value for t in at.text if t.value.startswith("Import report:"))
    for what, count in import_counts(session.coding).items():
        assert f"{count} {what}" in report
    expected = skipped_table(session.coding)
    assert any(f"What was skipped, and why ({len(expected)} kind(s))" in e.label for e in at.expander)
    shown = next(f.value for f in at.dataframe if list(getattr(f.value, "columns", [])) == list(expected.columns))
    assert list(shown["why"]) == list(expected["why"])


def test_joint_display_is_shown_beside_the_verdicts():
    from src.qual.joint import FIXED_COLUMNS

    themes = dashboard_themes()
    session, _ = import_files(None, [(EXAMPLE.name, EXAMPLE.read_bytes())], None, themes)
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state[SESSION_KEY] = session
    at.run()
    assert not at.exception
    joint = next(f.value for f in at.dataframe if list(getattr(f.value, "columns", []))[:6] == FIXED_COLUMNS)
    assert set(joint.columns[len(FIXED_COLUMNS):]) == set(session.coding.interviewees)
    assert len(joint) and (joint["interviewees"] > 0).all()
    assert not joint["verdict"].str.contains("not checked").all()
