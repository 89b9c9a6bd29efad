"""Each real tool's project layout imports with the right counts (issue 14; fixtures: tests/fixtures/qual/*/README).

Expectations are counted from the fixture XML with ElementTree, not typed in. The folders are zipped in tmp_path.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from src.qual.importer import detect_format, read_coding_bytes
from src.qual.model import QualImportError
from src.qual.report import import_counts, report_sentence, skipped_table

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "qual"
NS = "{urn:QDA-XML:project:1.0}"
MEDIA = {"PDFSelection": "PDF", "PictureSelection": "picture", "AudioSelection": "audio", "VideoSelection": "video"}


def zipped(folder: str, tmp_path: Path, name: str = "project.qdpx") -> bytes:
    target = tmp_path / name
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((FIXTURES / folder).rglob("*")):
            if path.is_file() and path.name != "README.md":
                archive.write(path, path.relative_to(FIXTURES / folder).as_posix())
    return target.read_bytes()


def project_root(folder: str) -> ElementTree.Element:
    (qde,) = (FIXTURES / folder).glob("*.qde")
    return ElementTree.parse(qde).getroot()


def text_codings(root) -> list[ElementTree.Element]:
    return [c for s in root.iter(f"{NS}PlainTextSelection") for c in s.findall(f"{NS}Coding")]


def test_nvivo_capital_sources_folder_imports_every_coding(tmp_path):
    root = project_root("nvivo_sources_folder")
    qual = read_coding_bytes(zipped("nvivo_sources_folder", tmp_path), "nvivo.qdpx")
    assert len(qual.codings) == len(text_codings(root))
    assert len(qual.codes) == len(list(root.iter(f"{NS}Code")))
    assert set(qual.codings["interviewee"]) == {c.get("name") for c in root.iter(f"{NS}Case")}
    assert (qual.codings["excerpt"] != "").all() and not qual.skipped
    # Each excerpt is the selected slice of its text file, found whatever the case of folder and name.
    for source in root.iter(f"{NS}TextSource"):
        member = source.get("plainTextPath").removeprefix("internal://").lower()
        path = next(p for p in (FIXTURES / "nvivo_sources_folder" / "Sources").iterdir() if p.name.lower() == member)
        text = path.read_text(encoding="utf-8")
        expected = [text[int(s.get("startPosition")):int(s.get("endPosition"))]
                    for s in source.iter(f"{NS}PlainTextSelection")]
        assert list(qual.codings.loc[qual.codings["document"] == source.get("name"), "excerpt"]) == expected


def test_codebook_only_project_shared_as_zip_imports_its_code_tree(tmp_path):
    root = project_root("codebook_only")
    data = zipped("codebook_only", tmp_path, "border study.zip")
    assert detect_format(data, "border study.zip") == "refi_project"
    qual = read_coding_bytes(data, "border study.zip")
    assert qual.codings.empty
    assert len(qual.codes) == len(list(root.iter(f"{NS}Code")))
    described = {c.get("name"): c.find(f"{NS}Description").text for c in root.iter(f"{NS}Code")
                 if c.find(f"{NS}Description") is not None}
    assert {n: d for n, d in zip(qual.codes["code"], qual.codes["description"]) if d} == described
    assert import_counts(qual)["documents"] == len(list(root.iter(f"{NS}TextSource")))
    assert any("no codings yet" in m for m in qual.messages)


def test_missing_source_and_media_selections_are_reported_by_kind(tmp_path):
    root = project_root("missing_and_media")
    qual = read_coding_bytes(zipped("missing_and_media", tmp_path), "vendor.qdpx")
    assert len(qual.codings) == len(text_codings(root))
    packed = {p.name for p in (FIXTURES / "missing_and_media" / "sources").iterdir()}
    missing = [s for s in root.iter(f"{NS}TextSource")
               if s.get("plainTextPath").removeprefix("internal://") not in packed]
    for source in missing:
        rows = qual.codings[qual.codings["document"] == source.get("name")]
        assert len(rows) == len(source.findall(f"{NS}PlainTextSelection"))
        assert (rows["excerpt"] == "").all() and rows["position"].str.startswith("characters").all()
    table = skipped_table(qual)
    for element, kind in MEDIA.items():
        found = table.loc[table["what"] == f"{kind} selection(s)", "count"].sum()
        assert found == len(list(root.iter(f"{NS}{element}"))), kind
    assert table.loc[table["what"] == "source text", "count"].sum() == len(missing)
    documents = [s for s in root.find(f"{NS}Sources")]
    assert import_counts(qual)["documents"] == len(documents)
    assert "skipped" in report_sentence(qual)


def test_bare_qde_imports_codes_and_codings_with_positions():
    data = (FIXTURES / "bare_qde" / "project.qde").read_bytes()
    root = ElementTree.fromstring(data)
    assert detect_format(data, "project.qde") == "refi_project"
    qual = read_coding_bytes(data, "project.qde")
    assert len(qual.codings) == len(text_codings(root))
    for source in root.iter(f"{NS}TextSource"):
        rows = qual.codings[qual.codings["document"] == source.get("name")]
        content = source.find(f"{NS}PlainTextContent")
        for selection, excerpt in zip(source.iter(f"{NS}PlainTextSelection"), rows["excerpt"]):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert excerpt == (content.text[start:end] if content is not None else "")
    inline = sum(1 for s in root.iter(f"{NS}TextSource") if s.find(f"{NS}PlainTextContent") is None)
    assert len([s for s in qual.skipped if s.what == "source text"]) == inline


def test_bare_qde_in_utf16_is_read():
    text = (FIXTURES / "bare_qde" / "project.qde").read_text(encoding="utf-8").replace('encoding="utf-8"',
                                                                                      'encoding="utf-16"')
    data = text.encode("utf-16")
    assert detect_format(data, "project.qde") == "refi_project"
    assert len(read_coding_bytes(data, "project.qde").codings) == len(text_codings(ElementTree.fromstring(
        (FIXTURES / "bare_qde" / "project.qde").read_bytes())))


def test_blank_project_is_refused_with_a_clear_message(tmp_path):
    for data, name in ((zipped("blank_project", tmp_path), "blank.qdpx"),
                       ((FIXTURES / "blank_project" / "project.qde").read_bytes(), "blank.qde")):
        with pytest.raises(QualImportError) as caught:
            read_coding_bytes(data, name)
        assert "blank" in caught.value.problem and "nothing to import" in caught.value.problem


def test_documents_without_codes_are_refused_saying_so():
    data = (FIXTURES / "codebook_only" / "Border study.qde").read_bytes()
    root = ElementTree.fromstring(data)
    codebook = root.find(f"{NS}CodeBook")
    root.remove(codebook)
    with pytest.raises(QualImportError) as caught:
        read_coding_bytes(ElementTree.tostring(root), "nocodes.qde")
    assert f"{len(list(root.iter(f'{NS}TextSource')))} document(s) but no codes" in caught.value.problem


def test_project_xml_named_after_the_project_and_nested_in_a_folder(tmp_path):
    target = tmp_path / "nested.qdpx"
    folder = FIXTURES / "nvivo_sources_folder"
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "README.md":
                name = "My Study.qde" if path.name == "project.qde" else path.relative_to(folder).as_posix()
                archive.write(path, f"My Study/{name}")
    qual = read_coding_bytes(target.read_bytes(), "nested.qdpx")
    assert len(qual.codings) == len(text_codings(project_root("nvivo_sources_folder")))
    assert (qual.codings["excerpt"] != "").all()
