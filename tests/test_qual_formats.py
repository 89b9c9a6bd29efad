"""Each supported format reads its real-shaped fixture (tests/fixtures/qual, see its README).

Expectations are computed from the fixture files themselves with the csv module / ElementTree, not typed in.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from src.qual.importer import detect_format, read_coding_bytes, read_coding_file, read_coding_files

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "qual"
EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "examples" / "interviews_example.csv"
PROJECT_NS = "{urn:QDA-XML:project:1.0}"


def csv_rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def qdpx_bytes() -> bytes:
    """The .qdpx fixture zipped from its folder (the same command the README gives)."""
    buffer = io.BytesIO()
    folder = FIXTURES / "project_qdpx"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("taguette_highlights.csv", "taguette_highlights"),
        ("taguette_codebook.csv", "taguette_codebook"),
        ("qualcoder_codings.csv", "qualcoder"),
        ("codebook.qdc", "refi_codebook"),
        ("project.qdpx", "refi_project"),
    ],
)
def test_formats_are_detected_from_content(name, expected):
    assert detect_format((FIXTURES / name).read_bytes(), name) == expected


def test_simple_csv_example_reads_every_row():
    rows = csv_rows(EXAMPLE)
    qual = read_coding_file(EXAMPLE)
    assert list(qual.codings["interviewee"]) == [r["interviewee"] for r in rows]
    assert list(qual.codings["code_path"]) == [f"{r['theme']} / {r['code']}" for r in rows]
    assert list(qual.codings["excerpt"]) == [r["excerpt"] for r in rows]
    assert set(qual.codes.loc[qual.codes["depth"] == 0, "code"]) == {r["theme"] for r in rows}


def test_taguette_highlights_skip_untagged_and_keep_one_row_per_tag():
    rows = csv_rows(FIXTURES / "taguette_highlights.csv")
    tagged = [r for r in rows if r["tag"].strip()]
    qual = read_coding_file(FIXTURES / "taguette_highlights.csv")
    assert list(qual.codings["code"]) == [r["tag"] for r in tagged]
    assert list(qual.codings["interviewee"]) == [r["document"] for r in tagged]
    assert list(qual.codings["excerpt"]) == [r["content"] for r in tagged]
    assert any("without a tag" in note for note in qual.messages)


def test_taguette_codebook_with_highlights_places_tags_under_their_parent():
    book = csv_rows(FIXTURES / "taguette_codebook.csv")
    parent = {r["tag"]: r["parent"] for r in book}
    files = [(n, (FIXTURES / n).read_bytes()) for n in ("taguette_codebook.csv", "taguette_highlights.csv")]
    qual = read_coding_files(files)
    for row in qual.codings.itertuples():
        assert row.theme == (parent[row.code] or row.code)
    descriptions = dict(zip(qual.codes["code"], qual.codes["description"]))
    assert all(descriptions[r["tag"]] == r["description"] for r in book)
    # The flat tags from the highlights file do not linger as separate top-level codes.
    assert set(qual.codes.loc[qual.codes["depth"] == 0, "code"]) == {t for t, p in parent.items() if not p}


def test_qualcoder_csv_builds_paths_from_categories_nearest_first():
    rows = list(csv.reader(io.StringIO((FIXTURES / "qualcoder_codings.csv").read_text(encoding="utf-8-sig"))))
    header, body = rows[0], rows[1:]
    categories = [i for i, h in enumerate(header) if h == "Category"]
    text_rows = [r for r in body if r[header.index("Id")].startswith("ctid:")]
    qual = read_coding_file(FIXTURES / "qualcoder_codings.csv")
    expected = [" / ".join([*[r[i] for i in categories if r[i]][::-1], r[header.index("Codename")]])
                for r in text_rows]
    assert list(qual.codings["code_path"]) == expected
    assert list(qual.codings["excerpt"]) == [r[header.index("Coded")] for r in text_rows]
    assert any("image or audio/video" in note for note in qual.messages)


def test_refi_codebook_keeps_nesting_and_descriptions():
    root = ElementTree.parse(FIXTURES / "codebook.qdc").getroot()
    ns = "{urn:QDA-XML:codebook:1.0}"
    top = [c.get("name") for c in root.find(f"{ns}Codes").findall(f"{ns}Code")]
    qual = read_coding_file(FIXTURES / "codebook.qdc")
    assert list(qual.codes.loc[qual.codes["depth"] == 0, "code"]) == sorted(top)
    assert len(qual.codes) == len(root.findall(f".//{ns}Code"))
    assert qual.codings.empty


def test_refi_project_excerpts_are_the_selected_characters():
    data = qdpx_bytes()
    root = ElementTree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("project.qde"))
    code_name = {c.get("guid"): c.get("name") for c in root.iter(f"{PROJECT_NS}Code")}
    case_of = {ref.get("targetGUID"): case.get("name")
               for case in root.iter(f"{PROJECT_NS}Case") for ref in case.iter(f"{PROJECT_NS}SourceRef")}
    expected = []
    for source in root.iter(f"{PROJECT_NS}TextSource"):
        content = source.find(f"{PROJECT_NS}PlainTextContent")
        if content is not None:
            text = content.text
        else:
            member = "sources/" + source.get("plainTextPath").removeprefix("internal://")
            text = (FIXTURES / "project_qdpx" / member).read_text(encoding="utf-8")
        for selection in source.iter(f"{PROJECT_NS}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            for ref in selection.iter(f"{PROJECT_NS}CodeRef"):
                expected.append((case_of.get(source.get("guid"), source.get("name")),
                                 code_name[ref.get("targetGUID")], text[start:end]))
    qual = read_coding_bytes(data, "project.qdpx")
    assert list(zip(qual.codings["interviewee"], qual.codings["code"], qual.codings["excerpt"])) == expected
    # Non-text sources are documents read, though they hold no text codings.
    non_text = [s.get("name") for s in root.find(f"{PROJECT_NS}Sources") if s.tag != f"{PROJECT_NS}TextSource"]
    assert non_text and set(non_text) <= set(qual.documents)


def test_shipped_qdpx_fixture_matches_its_folder():
    shipped = zipfile.ZipFile(FIXTURES / "project.qdpx")
    for name in shipped.namelist():
        if not name.endswith("/"):
            assert shipped.read(name) == (FIXTURES / "project_qdpx" / name).read_bytes()
    assert read_coding_file(FIXTURES / "project.qdpx").codings.equals(read_coding_bytes(qdpx_bytes(), "x.qdpx").codings)
