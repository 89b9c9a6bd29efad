"""Guards every upload passes before a reader looks inside it.

Why: coding files come from strangers' machines. A file may be huge, not UTF-8, an XML bomb (billion laughs),
XML with external entities, or a zip whose members escape the folder (zip-slip), are links, inflate to
gigabytes, or are simply damaged (corrupt deflate data, a bad CRC, a truncated download). A small archive may hold
a huge XML whose tree alone would take gigabytes, so every member read has a size bound, one import has a total
bound, and an XML document an element bound. Each check raises `QualImportError` naming the file, the member,
line or element at fault, and the bound that was hit (by its name here, so an operator can find it).
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from src.qual.model import QualImportError

# The Streamlit upload limit in .streamlit/config.toml (server.maxUploadSize = 20 MB) matches this.
MAX_UPLOAD_MB = 20
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_ZIP_MEMBERS = 5000
MAX_ZIP_TOTAL_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200  # text compresses well, but not 1000:1 unless it was built to explode
# A project XML (.qde) parses to a tree about 10-20 times its size; 50 MB is far beyond a 1,000-interview study.
MAX_XML_MEMBER_BYTES = 50 * 1024 * 1024
MAX_TEXT_MEMBER_BYTES = 20 * 1024 * 1024  # one source text (a transcript)
MAX_IMPORT_BYTES = 150 * 1024 * 1024  # everything one import unpacks, all members together
MAX_XML_ELEMENTS = 1_000_000  # elements in one XML document: bounds the parsed tree's memory
CHUNK_BYTES = 1024 * 1024


def _mb(size: int) -> str:
    return f"{size / 1048576:.1f} MB"


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


def parse_xml(data: bytes | str, file_name: str, max_elements: int | None = None) -> Element:
    """Parse XML with defusedxml: no DTD at all (so no entity expansion and no external entities), and at most
    `max_elements` elements (default MAX_XML_ELEMENTS), counted while parsing so a huge tree is never built."""
    limit = MAX_XML_ELEMENTS if max_elements is None else max_elements
    raw = data.encode("utf-8") if isinstance(data, str) else data
    root, count = None, 0
    try:
        for _event, element in iterparse(BytesIO(raw), events=("start",), forbid_dtd=True, forbid_entities=True,
                                         forbid_external=True):
            root = element if root is None else root
            count += 1
            if count > limit:
                raise QualImportError(file_name, f"the XML has more than {limit:,} elements (bound MAX_XML_ELEMENTS); "
                                      "refused to keep the server's memory safe")
        if root is None:
            raise QualImportError(file_name, "the XML has no root element")
        return root
    except DefusedXmlException as exc:
        raise QualImportError(
            file_name, f"the XML declares a DTD or entities, which are refused for safety ({type(exc).__name__})"
        ) from None
    except ParseError as exc:
        line, column = exc.position
        raise QualImportError(file_name, f"the XML is not well-formed ({exc})",
                              f"line {line}, column {column}") from None


XML_SNIFF_BYTES = 4096


def xml_head(data: bytes) -> str | None:
    """The start of an XML document as text (UTF-8, or UTF-16 by its byte-order mark), or None when not XML."""
    head = data[:XML_SNIFF_BYTES]
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom):len(bom) + (len(head) - len(bom)) // 2 * 2].decode(encoding, errors="ignore")
            break
    else:
        text = head.decode("utf-8-sig", errors="ignore")
    text = text.lstrip(" \t\r\n")
    return text if text.startswith("<") else None


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
        if data[:4] == b"PK\x03\x04":
            raise QualImportError(file_name, "the zip archive is truncated or damaged: its end (the central "
                                  "directory) is missing; download or export the file again")
        raise QualImportError(file_name, "the file is not a zip archive (a .qdpx project is a zip)")
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
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


@dataclass
class UnpackBudget:
    """How many bytes one import may still unpack, across all the members it reads (bound MAX_IMPORT_BYTES)."""

    limit: int | None = None  # None: MAX_IMPORT_BYTES as it is when the import starts
    used: int = 0

    def __post_init__(self) -> None:
        self.limit = MAX_IMPORT_BYTES if self.limit is None else self.limit

    def take(self, size: int, member: str, file_name: str) -> None:
        if self.used + size > self.limit:
            raise QualImportError(
                file_name, f"reading this member would unpack {_mb(self.used + size)} in one import; the bound for "
                f"one import is {_mb(self.limit)} (MAX_IMPORT_BYTES)", f"member {member!r}",
            )
        self.used += size


def _damage(exc: BaseException) -> str:
    if isinstance(exc, zlib.error):
        return f"its compressed data is corrupt (deflate stream: {exc})"
    if "CRC" in str(exc):
        return "its checksum (CRC-32) does not match its content: the archive was damaged in transfer"
    if isinstance(exc, EOFError):
        return "the archive is truncated: the member's data ends early"
    return f"it cannot be read ({exc})"


def read_member(
    archive: zipfile.ZipFile, name: str, file_name: str, *, limit: int | None = None,
    budget: UnpackBudget | None = None, bound_name: str = "MAX_TEXT_MEMBER_BYTES",
) -> bytes:
    """Read one checked member, never more than `limit` bytes nor more than its declared size (a lying header
    cannot inflate past it), charged to `budget`. Damage (bad CRC, corrupt deflate, truncation) is a clear message.
    """
    limit = MAX_TEXT_MEMBER_BYTES if limit is None else limit
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise QualImportError(
            file_name, f"archive member unpacks to {_mb(info.file_size)}; the bound for one member is {_mb(limit)} "
            f"({bound_name})", f"member {name!r}",
        )
    if budget is not None:
        budget.take(info.file_size, name, file_name)
    parts, size = [], 0
    try:
        with archive.open(info) as handle:
            while size <= info.file_size:
                chunk = handle.read(min(CHUNK_BYTES, info.file_size + 1 - size))
                if not chunk:
                    break
                parts.append(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError) as exc:
        raise QualImportError(file_name, f"archive member is damaged: {_damage(exc)}", f"member {name!r}") from None
    if size > info.file_size:
        raise QualImportError(file_name, "archive member is larger than its header says", f"member {name!r}")
    return b"".join(parts)
