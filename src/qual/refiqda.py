"""REFI-QDA exchange files (written by NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette): the `.qdc` codebook, the
`.qdpx` project (a zip) and a bare `.qde` project XML.

A `.qdc` is XML in namespace `urn:QDA-XML:codebook:1.0`: CodeBook > Codes > Code (guid, name; codes nest; optional
Description). A `.qdpx` is a zip holding one `.qde` XML (namespace `urn:QDA-XML:project:1.0`): Project > CodeBook >
Codes as above; Sources > TextSource (PlainTextContent, or plainTextPath `internal://<file>` naming a file in the
archive's sources folder) > PlainTextSelection (startPosition, endPosition: character offsets) > Coding > CodeRef
(targetGUID = a Code's guid); PDFSource (PDFSelection; a Representation is its text, read like a TextSource),
PictureSource (PictureSelection), AudioSource / VideoSource (AudioSelection, VideoSelection, Transcript);
Cases > Case > SourceRef name the interviewee a source belongs to.

The reader is tolerant, in the standard's spirit ("users may experience some modifications upon import"), because
real exports differ: NVivo writes the folder as `Sources/`, ATLAS.ti names the XML after the project, MAXQDA and
ATLAS.ti export code systems with no codings yet, a `.qdpx` travels renamed `.zip`, vendor projects point at
sources they did not pack. So archive paths are matched case-insensitively, a missing source becomes a note (its
codings kept with their positions), non-text selections are counted by kind, a stray selection or reference is
skipped and reported, and a file is refused only when nothing usable is in it, with a message saying so.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from src.qual import safety
from src.qual.model import QualImport, QualImportError, Skipped, codings_frame, empty_codings, join_path, make_import
from src.qual.safety import (
    UnpackBudget,
    check_size,
    open_zip,
    parse_xml,
    read_member,
    xml_head,
)

FORMAT = "refi-qda"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
INTERNAL = "internal://"
MAX_CODE_DEPTH = 100  # codes nested deeper than this are refused (a hostile file, not a codebook)
# Selections that carry no text, by element name -> the kind named in the import report.
MEDIA_SELECTIONS = {"PDFSelection": "PDF", "PictureSelection": "picture", "AudioSelection": "audio",
                    "VideoSelection": "video", "TranscriptSelection": "transcript"}
UNUSED_PARTS = {"Notes": "note(s) (memos)", "Sets": "set(s)", "Variables": "variable(s)", "Graphs": "graph(s)",
                "Links": "link(s)"}
_SCHEME = re.compile(r"^[a-z]+:/*", re.IGNORECASE)

SourceText = Callable[[str, str], "tuple[bytes | None, str]"]


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}" if ns else name


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _require(element: Element, attribute: str, file_name: str, where: str) -> str:
    value = (element.get(attribute) or "").strip()
    if not value:
        raise QualImportError(file_name, f"required attribute `{attribute}` is missing or empty", where)
    return value


def _codes(codes: Element | None, ns: str, file_name: str, where: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """guid -> path (names, top first) and path -> description, for every Code under `codes` (walked without
    recursion, so nesting cannot exhaust the stack)."""
    paths: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    if codes is None:
        return paths, descriptions
    stack = [(codes, [], f"{where} > Codes")]
    while stack:
        node, above, place = stack.pop()
        if len(above) >= MAX_CODE_DEPTH:
            raise QualImportError(file_name, f"codes are nested more than {MAX_CODE_DEPTH} levels deep (bound "
                                  "MAX_CODE_DEPTH); no codebook is that deep, so the file is refused", place)
        children = []
        for position, code in enumerate(node.findall(_q(ns, "Code")), start=1):
            here = f"{place} > Code #{position}"
            guid = _require(code, "guid", file_name, here)
            name = _require(code, "name", file_name, f"{here} (guid {guid})")
            if guid in paths:
                raise QualImportError(file_name, f"code guid {guid} is used twice", here)
            paths[guid] = [*above, name]
            description = code.find(_q(ns, "Description"))
            if description is not None and (description.text or "").strip():
                descriptions[join_path(paths[guid])] = description.text.strip()
            children.append((code, paths[guid], f"{here} {name!r}" if len(above) < 3 else here))
        stack.extend(reversed(children))
    return paths, descriptions


def read_codebook(data: bytes, file_name: str) -> QualImport:
    check_size(data, file_name)
    root = parse_xml(data, file_name)
    if root.tag != _q(CODEBOOK_NS, "CodeBook"):
        raise QualImportError(file_name, f"the root element is {root.tag!r}, expected CodeBook in namespace "
                              f"{CODEBOOK_NS} (a REFI-QDA .qdc codebook)", "root element")
    codes = root.find(_q(CODEBOOK_NS, "Codes"))
    if codes is None:
        raise QualImportError(file_name, "the codebook has no <Codes> element", "CodeBook")
    paths, descriptions = _codes(codes, CODEBOOK_NS, file_name, "CodeBook")
    if not paths:
        raise QualImportError(file_name, "the codebook has no codes", "CodeBook > Codes")
    return make_import(file_name, FORMAT, empty_codings(), descriptions, [join_path(p) for p in paths.values()])


def read_qdpx(data: bytes, file_name: str) -> QualImport:
    """A REFI-QDA project, whatever its extension: a zip (.qdpx, or renamed .zip) or a bare project XML (.qde)."""
    check_size(data, file_name)
    if data[:2] != b"PK" and xml_head(data) is not None:
        return read_project(data, file_name)
    archive = open_zip(data, file_name)
    members = [info.filename for info in archive.infolist() if not info.is_dir()]
    project = _project_member(members, file_name)
    budget = UnpackBudget()
    xml = read_member(archive, project, file_name, limit=safety.MAX_XML_MEMBER_BYTES, budget=budget,
                      bound_name="MAX_XML_MEMBER_BYTES")
    return read_project(xml, file_name, _archive_texts(archive, members, project, file_name, budget))


def _project_member(members: list[str], file_name: str) -> str:
    """The archive's .qde: `project.qde` at the top (the standard), else the only .qde (ATLAS.ti names it after the
    project), matched case-insensitively."""
    projects = [m for m in members if m.lower().endswith(".qde")]
    top = [m for m in projects if m.lower() == "project.qde"]
    if len(top) == 1:
        return top[0]
    if len(projects) == 1:
        return projects[0]
    found = ", ".join(members[:8]) + (" ..." if len(members) > 8 else "") or "nothing"
    if not projects:
        raise QualImportError(file_name, f"this zip is not a REFI-QDA .qdpx project: it holds no .qde project file "
                              f"(members: {found})")
    raise QualImportError(file_name, f"this zip holds {len(projects)} .qde project files ({', '.join(projects[:5])}); "
                          "a .qdpx holds one project, so export each project on its own")


def _archive_texts(archive: zipfile.ZipFile, members: list[str], project: str, file_name: str,
                   budget: UnpackBudget) -> SourceText:
    """A reader of source texts by their path in the .qde, returning (bytes or None, why it is missing)."""
    base = posixpath.dirname(project)
    by_lower = {m.replace("\\", "/").lower(): m for m in members}
    by_basename: dict[str, list[str]] = {}
    for member in members:
        by_basename.setdefault(posixpath.basename(member.replace("\\", "/")).lower(), []).append(member)

    def find(path: str) -> str | None:
        rest = unquote(_SCHEME.sub("", path)).replace("\\", "/").lstrip("/")
        folders = [f"{base}/" if base else ""]
        candidates = [f"{folder}{prefix}{rest}" for folder in folders for prefix in ("sources/", "")]
        candidates += [f"sources/{rest}", rest]
        for candidate in candidates:
            if candidate.lower() in by_lower:
                return by_lower[candidate.lower()]
        same_name = by_basename.get(posixpath.basename(rest).lower(), [])
        return same_name[0] if len(same_name) == 1 else None

    def source_text(path: str, where: str) -> tuple[bytes | None, str]:
        member = find(path)
        if member is None:
            kind = "is not in the archive" if path.lower().startswith("internal:") else \
                "points outside the archive, which the export did not include"
            return None, f"its text file {path!r} {kind}"
        return read_member(archive, member, file_name, budget=budget), ""

    return source_text


def read_project(xml: bytes, file_name: str, source_text: SourceText | None = None) -> QualImport:
    """A .qde project document; `source_text(path, where) -> (bytes or None, why missing)` reads texts it names."""
    root = parse_xml(xml, file_name)
    ns = _namespace(root.tag)
    if root.tag == _q(CODEBOOK_NS, "CodeBook"):
        return read_codebook(xml, file_name)
    if _local(root.tag) != "Project" or ns not in (PROJECT_NS, ""):
        raise QualImportError(file_name, f"the root element is {root.tag!r}, expected Project in namespace "
                              f"{PROJECT_NS} (a REFI-QDA project)", "root element")
    codebook = root.find(_q(ns, "CodeBook"))
    codes = codebook.find(_q(ns, "Codes")) if codebook is not None else None
    paths, descriptions = _codes(codes, ns, file_name, "Project > CodeBook")
    reader = _ProjectReader(ns, file_name, paths, _cases(root, ns, file_name), source_text)
    sources = root.find(_q(ns, "Sources"))
    for position, source in enumerate(list(sources) if sources is not None else [], start=1):
        reader.source(source, position)
    for part, what in UNUSED_PARTS.items():
        element = root.find(_q(ns, part))
        if element is not None and len(element):
            reader.skip(what, len(element), "not imported: the dashboard reads codes and coded text only")
    if not paths and not reader.records:
        if not reader.documents:
            raise QualImportError(file_name, "the project is blank: it has no codes, no documents and no codings, so "
                                  "there is nothing to import", "Project")
        raise QualImportError(file_name, f"the project holds {len(reader.documents)} document(s) but no codes and no "
                              "codings, so there is nothing to import", "Project")
    notes = []
    if not reader.records:
        notes.append(f"{file_name}: a code system with no codings yet ({len(paths)} codes, "
                     f"{len(reader.documents)} document(s)); the code tree is imported")
    return make_import(file_name, FORMAT, codings_frame(reader.records, FORMAT), descriptions,
                       [join_path(p) for p in paths.values()], notes, reader.skipped_list(), reader.documents)


def _cases(root: Element, ns: str, file_name: str) -> dict[str, str]:
    """Source guid -> the name of the case (interviewee) that references it."""
    case_of = {}
    cases = root.find(_q(ns, "Cases"))
    for position, case in enumerate(cases.findall(_q(ns, "Case")) if cases is not None else [], start=1):
        name = (case.get("name") or "").strip()
        for ref in case.findall(_q(ns, "SourceRef")):
            target = (ref.get("targetGUID") or "").strip()
            if name and target:
                case_of.setdefault(target, name)
    return case_of


class _ProjectReader:
    """Collects codings, documents and what was skipped while walking a project's sources."""

    def __init__(self, ns, file_name, paths, case_of, source_text):
        self.ns, self.file_name, self.paths, self.case_of, self.source_text = ns, file_name, paths, case_of, source_text
        self.records: list[dict] = []
        self.documents: list[str] = []
        self.skipped: Counter = Counter()

    def skip(self, what: str, count: int, why: str) -> None:
        self.skipped[(what, why)] += count

    def skipped_list(self) -> list[Skipped]:
        return [Skipped(self.file_name, what, count, why) for (what, why), count in self.skipped.items()]

    def source(self, source: Element, position: int) -> None:
        kind = _local(source.tag)
        guid = (source.get("guid") or "").strip()
        name = (source.get("name") or "").strip() or guid or f"{kind} #{position}"
        self.documents.append(name)
        where = f"Sources > {kind} #{position} {name!r}"
        if kind == "TextSource":
            self.text(source, guid, name, where)
        for representation in source.findall(_q(self.ns, "Representation")):
            self.text(representation, guid, name, f"{where} > Representation")
        self.media(source, name)

    def media(self, source: Element, name: str) -> None:
        selections: Counter = Counter()
        coded: Counter = Counter()
        for element in source.iter():
            kind = MEDIA_SELECTIONS.get(_local(element.tag))
            if kind:
                selections[kind] += 1
                coded[kind] += len(element.findall(_q(self.ns, "Coding")))
        for kind, count in selections.items():
            self.skip(f"{kind} selection(s)", count, f"in {name!r}, with {coded[kind]} coding(s): not text, so there "
                      "is no excerpt to show (their codes are in the tree)")

    def text(self, source: Element, guid: str, name: str, where: str) -> None:
        selections = source.findall(_q(self.ns, "PlainTextSelection"))
        text, missing = self.text_of(source, where)
        if missing:
            kept = f"; its {len(selections)} selection(s) are kept with their positions but no text" if selections \
                else ""
            self.skip("source text", 1, f"{name!r}: {missing}{kept}")
        bad_range, unknown, unnumbered = 0, set(), 0
        for selection in selections:
            try:
                start = int((selection.get("startPosition") or "").strip())
                end = int((selection.get("endPosition") or "").strip())
            except ValueError:
                unnumbered += 1
                continue
            if text is not None and not 0 <= start <= end <= len(text):
                bad_range += 1
                continue
            for coding in selection.findall(_q(self.ns, "Coding")):
                ref = coding.find(_q(self.ns, "CodeRef"))
                target = (ref.get("targetGUID") or "").strip() if ref is not None else ""
                if target not in self.paths:
                    unknown.add(target or "(none)")
                    continue
                self.records.append({
                    "interviewee": self.case_of.get(guid, name), "document": name, "path": self.paths[target],
                    "excerpt": text[start:end] if text is not None else "", "position": f"characters {start}-{end}",
                })
        if bad_range:
            self.skip("text selection(s)", bad_range, f"they lie outside the text of {name!r} "
                      f"({len(text or '')} characters)")
        if unnumbered:
            self.skip("text selection(s)", unnumbered, f"in {name!r} without whole-number startPosition/endPosition")
        if unknown:
            listed = ", ".join(sorted(unknown)[:5]) + (" ..." if len(unknown) > 5 else "")
            self.skip("coding(s)", len(unknown), f"in {name!r}, they refer to codes not in the codebook ({listed})")

    def text_of(self, source: Element, where: str) -> tuple[str | None, str]:
        """(the plain text or None, why it is missing)."""
        content = source.find(_q(self.ns, "PlainTextContent"))
        if content is not None:
            return content.text or "", ""
        path = (source.get("plainTextPath") or "").strip()
        if not path:
            return None, "it names no plain text (no PlainTextContent, no plainTextPath)"
        if self.source_text is None:
            return None, f"its text file {path!r} is not here (a bare .qde carries no source files)"
        raw, missing = self.source_text(path, where)
        if raw is None:
            return None, missing
        try:
            return raw.decode("utf-8-sig"), ""
        except UnicodeDecodeError:
            return None, f"its text file {path!r} is not UTF-8"
