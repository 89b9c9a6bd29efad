"""Bad and hostile coding files are refused with a message naming the problem and the line, member or element.

The hostile inputs (XML bomb, external entity, zip-slip, symlink, zip bomb) are built here in the test, small and
inert: nothing is ever expanded, fetched or written to disk.
"""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from src.qual import safety
from src.qual.importer import read_coding_bytes
from src.qual.model import QualImportError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "qual"
EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "examples" / "interviews_example.csv"
NS = "{urn:QDA-XML:project:1.0}"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="1" name="&lol3;"/></Codes></CodeBook>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE CodeBook [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="1" name="&secret;"/></Codes></CodeBook>"""


def zip_of(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refused(data: bytes, name: str, fmt: str | None = None) -> QualImportError:
    with pytest.raises(QualImportError) as caught:
        read_coding_bytes(data, name, fmt)
    assert caught.value.file_name == name
    return caught.value


def test_wrong_columns_name_the_expected_ones_and_line_1():
    error = refused(b"name,quote\nA,something\n", "odd.csv", "simple")
    assert error.where == "line 1" and "interviewee" in error.problem and "quote" in error.problem


def test_undetectable_csv_lists_the_known_formats():
    error = refused(b"name,quote\nA,something\n", "odd.csv")
    assert "Taguette" in error.problem and "QualCoder" in error.problem


def test_not_utf8_names_the_line():
    data = EXAMPLE.read_text(encoding="utf-8").replace("INVENTED", "INVENTÉ").encode("latin-1")
    error = refused(data, "latin1.csv", "simple")
    first_bad_line = data.split(b"\n").index(next(line for line in data.split(b"\n") if b"\xc9" in line)) + 1
    assert "not UTF-8" in error.problem and error.where == f"line {first_bad_line}"


@pytest.mark.parametrize("data", [b"", b"  \n\n"])
def test_empty_file_is_refused(data):
    assert "empty" in refused(data, "empty.csv").problem


def test_header_only_is_refused():
    assert "no rows" in refused(b"interviewee,theme,code,excerpt\n", "header.csv").problem


def test_ragged_row_names_its_line():
    data = b'interviewee,theme,code,excerpt\nA,T,c,"multi\nline"\nB,T,c\n'
    error = refused(data, "ragged.csv")
    assert error.where == "line 4" and "3 cells" in error.problem


def test_empty_theme_cell_names_its_line():
    assert refused(b"interviewee,theme,code,excerpt\nA,,c,text\n", "blank.csv").where == "line 2"


def test_oversized_upload_is_refused_before_parsing():
    data = b"interviewee,theme,code,excerpt\n" + b"x" * safety.MAX_UPLOAD_BYTES
    assert f"up to {safety.MAX_UPLOAD_MB} MB" in refused(data, "big.csv").problem


def test_zip_without_qde_is_not_a_qdpx():
    error = refused(zip_of({"notes.txt": b"hello"}), "notes.qdpx")
    assert "not a REFI-QDA .qdpx" in error.problem and "notes.txt" in error.problem


def test_qdpx_that_is_not_a_zip():
    assert "not a zip" in refused(b"just text, not an archive", "fake.qdpx").problem


def test_malformed_xml_names_line_and_column():
    data = (FIXTURES / "codebook.qdc").read_bytes().replace(b"</Codes>", b"</Codez>")
    error = refused(data, "broken.qdc")
    expected_line = data.split(b"\n").index(next(l for l in data.split(b"\n") if b"</Codez>" in l)) + 1
    assert "not well-formed" in error.problem and error.where.startswith(f"line {expected_line},")


def test_xml_that_does_not_follow_the_schema_names_the_element():
    data = (FIXTURES / "codebook.qdc").read_bytes().replace(b'name="debt" ', b"")
    error = refused(data, "noname.qdc")
    assert "`name`" in error.problem and "Code #2" in error.where


def fixture_members(qde: bytes, with_sources: bool = True) -> dict[str, bytes]:
    folder = FIXTURES / "project_qdpx"
    texts = {f"sources/{p.name}": p.read_bytes() for p in (folder / "sources").iterdir()} if with_sources else {}
    return {"project.qde": qde, **texts}


def fixture_qde() -> bytes:
    return (FIXTURES / "project_qdpx" / "project.qde").read_bytes()


def fixture_codings() -> int:
    """How many text codings the shipped project holds (counted from its XML)."""
    root = ElementTree.fromstring(fixture_qde())
    return sum(len(s.findall(f"{NS}Coding")) for s in root.iter(f"{NS}PlainTextSelection"))


# Tolerant, not strict (issue 14): a stray reference, a selection out of range or a missing source is skipped and
# reported, while the rest of the project imports.
def test_unknown_code_reference_is_skipped_and_named():
    qde = fixture_qde().replace(b'<CodeRef targetGUID="0B5C3E44-1B0A-4C7E-9D9A-000000000004"/>',
                                b'<CodeRef targetGUID="NOPE"/>')
    qual = read_coding_bytes(zip_of(fixture_members(qde)), "badref.qdpx")
    assert len(qual.codings) == fixture_codings() - 1
    assert any("NOPE" in m and "interview_02" in m and "not in the codebook" in m for m in qual.messages)


def test_selection_outside_the_text_is_skipped_and_named():
    qde = fixture_qde().replace(b'endPosition="28"', b'endPosition="9999"')
    qual = read_coding_bytes(zip_of(fixture_members(qde)), "range.qdpx")
    assert len(qual.codings) == fixture_codings() - 1
    assert any("outside the text" in m and "interview_02" in m for m in qual.messages)


def test_missing_source_file_is_a_note_and_its_codings_keep_their_positions():
    qual = read_coding_bytes(zip_of(fixture_members(fixture_qde(), with_sources=False)), "nosources.qdpx")
    assert len(qual.codings) == fixture_codings()
    missing = qual.codings[qual.codings["document"] == "interview_01"]
    assert (missing["excerpt"] == "").all() and missing["position"].str.startswith("characters ").all()
    assert any("interview_01" in m and "not in the archive" in m for m in qual.messages)


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_xml_bomb_and_external_entity_are_refused(payload):
    assert "refused for safety" in refused(payload, "evil.qdc").problem


def test_xml_bomb_inside_a_qdpx_is_refused():
    assert "refused for safety" in refused(zip_of({"project.qde": BILLION_LAUGHS}), "evil.qdpx").problem


@pytest.mark.parametrize("member", ["../../evil.txt", "/etc/evil.txt", "sources/../../evil.txt", "C:/evil.txt"])
def test_zip_slip_members_are_refused(member):
    error = refused(zip_of({"project.qde": b"<x/>", member: b"boom"}), "slip.qdpx")
    assert member in error.where and "refused" in error.problem


def test_symlink_member_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", b"<x/>")
        link = zipfile.ZipInfo("sources/link.txt")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    assert "symbolic link" in refused(buffer.getvalue(), "link.qdpx").problem


def test_zip_bomb_ratio_is_refused_before_inflating():
    error = refused(zip_of({"project.qde": b"<x/>", "sources/zeros.txt": b"\0" * 5_000_000}), "bomb.qdpx")
    assert "zip bomb" in error.problem and "zeros.txt" in error.where


def test_too_many_members_are_refused(monkeypatch):
    monkeypatch.setattr(safety, "MAX_ZIP_MEMBERS", 3)
    members = {"project.qde": b"<x/>", **{f"sources/{i}.txt": b"t" for i in range(3)}}
    assert "at most 3" in refused(zip_of(members), "many.qdpx").problem


def test_total_uncompressed_size_is_limited(monkeypatch):
    monkeypatch.setattr(safety, "MAX_ZIP_TOTAL_BYTES", 1000)
    members = {"project.qde": b"<x/>", "sources/a.txt": bytes(range(256)) * 8}
    assert "unpacks to" in refused(zip_of(members, zipfile.ZIP_STORED), "large.qdpx").problem
