"""Guards every upload passes before a reader looks inside it.

Why: coding files come from strangers' machines. A file may be huge, not UTF-8, an XML bomb (billion laughs),
XML with external entities, or a zip whose members escape the folder (zip-slip), are links, or inflate to
gigabytes. Each check raises `QualImportError` naming the file and the member, line or element at fault.
"""

from __future__ import annotations

import stat
import zipfile
from io import BytesIO
from pathlib import PurePosixPath
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from src.qual.model import QualImportError

# The Streamlit upload limit in .streamlit/config.toml (server.maxUploadSize = 20 MB) matches this.
MAX_UPLOAD_MB = 20
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_ZIP_MEMBERS = 5000
MAX_ZIP_TOTAL_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # text compresses well, but not 1000:1 unless it was built to explode


def check_size(data: bytes, file_name: str, limit: int = MAX_UPLOAD_BYTES) -> None:
    if len(data) > limit:
        raise QualImportError(
            file_name, f"the file is {len(data) / 1048576:.1f} MB; files up to {limit / 1048576:.0f} MB are accepted"
        )
    if not data.strip():
        raise QualImportError(file_name, "the file is empty")


def decode_utf8(data: bytes, file_name: str) -> str:
    """UTF-8 text (a byte-order mark is allowed, as QualCoder writes one); anything else names the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise QualImportError(
            file_name, f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at byte {exc.start}); "
            "save or export it as UTF-8", f"line {line}",
        ) from None


def parse_xml(data: bytes | str, file_name: str) -> Element:
    """Parse XML with defusedxml: no DTD at all (so no entity expansion and no external entities)."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise QualImportError(
            file_name, f"the XML declares a DTD or entities, which are refused for safety ({type(exc).__name__})"
        ) from None
    except ParseError as exc:
        line, column = exc.position
        raise QualImportError(file_name, f"the XML is not well-formed ({exc})",
                              f"line {line}, column {column}") from None


def _member_problem(info: zipfile.ZipInfo) -> str:
    name = info.filename
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    if ".." in path.parts:
        return "points outside the archive (path traversal)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    return ""


def open_zip(data: bytes, file_name: str) -> zipfile.ZipFile:
    """Open an uploaded zip after checking every member's name, type, size and compression ratio."""
    if not zipfile.is_zipfile(BytesIO(data)):
        raise QualImportError(file_name, "the file is not a zip archive (a .qdpx project is a zip)")
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise QualImportError(file_name, f"the zip archive is damaged ({exc})") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise QualImportError(file_name, f"the archive has {len(members)} members; at most {MAX_ZIP_MEMBERS}")
    total = 0
    for info in members:
        problem = _member_problem(info)
        if problem:
            raise QualImportError(file_name, f"archive member {problem}; refused", f"member {info.filename!r}")
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
            raise QualImportError(
                file_name, f"archive member inflates {info.file_size / info.compress_size:.0f} times "
                f"(more than {MAX_COMPRESSION_RATIO}); refused as a zip bomb", f"member {info.filename!r}",
            )
    if total > MAX_ZIP_TOTAL_BYTES:
        raise QualImportError(
            file_name,
            f"the archive unpacks to {total / 1048576:.0f} MB; at most {MAX_ZIP_TOTAL_BYTES / 1048576:.0f} MB",
        )
    return archive


def read_member(archive: zipfile.ZipFile, name: str, file_name: str) -> bytes:
    """Read one checked member, never more than its declared size (a lying header cannot inflate past it)."""
    info = archive.getinfo(name)
    try:
        with archive.open(info) as handle:
            content = handle.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        raise QualImportError(file_name, f"archive member cannot be read ({exc})", f"member {name!r}") from None
    if len(content) > info.file_size:
        raise QualImportError(file_name, "archive member is larger than its header says", f"member {name!r}")
    return content
