"""Damaged and hostile archives end as a clear message naming the bound or damage, and the previous import stays
(issue 14). Every hostile file is made here in tmp_path or memory, never shipped in git."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from src.qual import refiqda, safety
from src.qual.importer import read_coding_bytes
from src.qual.model import QualImportError
from src.qual.session import import_files

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "qual"
EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "examples" / "interviews_example.csv"
PROJECT = (FIXTURES / "project_qdpx" / "project.qde").read_bytes()


def project_zip(qde: bytes = PROJECT, **extra: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        for name, data in extra.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refused(data: bytes, name: str) -> QualImportError:
    with pytest.raises(QualImportError) as caught:
        read_coding_bytes(data, name)
    assert caught.value.file_name == name
    return caught.value


def compressed_start(data: bytes) -> int:
    """Where the first member's compressed bytes begin (after its local header, name and extra field)."""
    name_length = int.from_bytes(data[26:28], "little")
    extra_length = int.from_bytes(data[28:30], "little")
    return 30 + name_length + extra_length


def test_corrupt_deflate_stream_is_a_clear_message():
    data = bytearray(project_zip())
    start = compressed_start(bytes(data))
    data[start:start + 8] = b"\xff" * 8
    error = refused(bytes(data), "corrupt.qdpx")
    assert "damaged" in error.problem and "project.qde" in error.where


def test_bad_crc_is_a_clear_message():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("project.qde", PROJECT)
    data = bytearray(buffer.getvalue())
    position = compressed_start(bytes(data)) + PROJECT.index(b"Hand-written")
    data[position] ^= 0x20  # one flipped bit in the stored text: same size, wrong checksum
    error = refused(bytes(data), "crc.qdpx")
    assert "CRC-32" in error.problem and "project.qde" in error.where


def test_truncated_archive_is_a_clear_message():
    data = project_zip()
    error = refused(data[: len(data) // 2], "cut.qdpx")
    assert "truncated" in error.problem


def test_fifty_thousand_nested_codes_are_refused_without_recursion_error():
    depth = 50_000
    codes = "".join(f'<Code guid="G{i}" name="c{i}">' for i in range(depth)) + "</Code>" * depth
    qde = (f'<Project xmlns="{refiqda.PROJECT_NS}"><CodeBook><Codes>{codes}</Codes></CodeBook></Project>').encode()
    error = refused(project_zip(qde), "deep.qdpx")
    assert f"more than {refiqda.MAX_CODE_DEPTH} levels" in error.problem and "MAX_CODE_DEPTH" in error.problem


def test_small_archive_holding_a_huge_xml_names_the_member_bound(monkeypatch):
    monkeypatch.setattr(safety, "MAX_XML_MEMBER_BYTES", 64 * 1024)
    padding = b"<!-- " + b"padding " * 20_000 + b"-->"  # compresses about 100:1, under the zip-bomb ratio
    data = project_zip(PROJECT.replace(b"<Users>", padding + b"<Users>"))
    assert len(data) < 64 * 1024
    error = refused(data, "huge.qdpx")
    assert "MAX_XML_MEMBER_BYTES" in error.problem and "project.qde" in error.where


def test_total_unpacked_by_one_import_names_its_bound(monkeypatch):
    monkeypatch.setattr(safety, "MAX_IMPORT_BYTES", len(PROJECT) + 10)
    folder = FIXTURES / "project_qdpx" / "sources"
    data = project_zip(**{f"sources/{p.name}": p.read_bytes() for p in folder.iterdir()})
    error = refused(data, "budget.qdpx")
    assert "MAX_IMPORT_BYTES" in error.problem and "sources/" in error.where


def test_too_many_xml_elements_names_its_bound(monkeypatch):
    monkeypatch.setattr(safety, "MAX_XML_ELEMENTS", 5)
    error = refused(project_zip(), "many.qdpx")
    assert "MAX_XML_ELEMENTS" in error.problem


@pytest.mark.parametrize("hostile", ["truncated", "deep"])
def test_previous_import_stays_when_a_hostile_file_comes(hostile):
    session, error = import_files(None, [(EXAMPLE.name, EXAMPLE.read_bytes())], None, {})
    assert error is None
    if hostile == "truncated":
        data = project_zip()[:200]
    else:
        codes = '<Code guid="G" name="c">' * 5_000 + "</Code>" * 5_000
        data = project_zip(f'<Project xmlns="{refiqda.PROJECT_NS}"><CodeBook><Codes>{codes}</Codes></CodeBook>'
                           "</Project>".encode())
    kept, message = import_files(session, [(f"{hostile}.qdpx", data)], None, {})
    assert kept is session and message and f"{hostile}.qdpx" in message
