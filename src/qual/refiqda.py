"""REFI-QDA exchange files (written by NVivo, ATLAS.ti, MAXQDA, QualCoder, Taguette): the `.qdc` codebook and the
`.qdpx` project.

A `.qdc` is XML in namespace `urn:QDA-XML:codebook:1.0`: CodeBook > Codes > Code (guid, name, isCodable; codes
nest; optional Description). A `.qdpx` is a zip with one `.qde` XML (namespace `urn:QDA-XML:project:1.0`):
Project > CodeBook > Codes as above; Users > User; Sources > TextSource (PlainTextContent, or plainTextPath
`internal://<file>` pointing into the zip's `sources/` folder) > PlainTextSelection (startPosition,
endPosition: character offsets into the plain text) > Coding > CodeRef (targetGUID = a Code's guid); Cases > Case
> SourceRef name the interviewee a source belongs to. Elements we do not use (pictures, audio, notes, sets,
variables) are skipped with a note. Structure the standard requires is checked and a break names the element.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from src.qual.model import QualImport, QualImportError, codings_frame, empty_codings, join_path, make_import
from src.qual.safety import check_size, open_zip, parse_xml, read_member

FORMAT = "refi-qda"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
INTERNAL = "internal://"


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _require(element: Element, attribute: str, file_name: str, where: str) -> str:
    value = (element.get(attribute) or "").strip()
    if not value:
        raise QualImportError(file_name, f"required attribute `{attribute}` is missing or empty", where)
    return value


def _codes(parent: Element, ns: str, file_name: str, where: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """guid -> path (names, top first) and path -> description, for every Code under `parent`/Codes."""
    codes = parent.find(_q(ns, "Codes"))
    if codes is None:
        raise QualImportError(file_name, "the codebook has no <Codes> element", where)
    paths: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}

    def walk(node: Element, above: list[str], place: str) -> None:
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
            walk(code, paths[guid], f"{here} {name!r}")

    walk(codes, [], f"{where} > Codes")
    return paths, descriptions


def read_codebook(data: bytes, file_name: str) -> QualImport:
    check_size(data, file_name)
    root = parse_xml(data, file_name)
    if root.tag != _q(CODEBOOK_NS, "CodeBook"):
        raise QualImportError(file_name, f"the root element is {root.tag!r}, expected CodeBook in namespace "
                              f"{CODEBOOK_NS} (a REFI-QDA .qdc codebook)", "root element")
    paths, descriptions = _codes(root, CODEBOOK_NS, file_name, "CodeBook")
    if not paths:
        raise QualImportError(file_name, "the codebook has no codes", "CodeBook > Codes")
    return make_import(file_name, FORMAT, empty_codings(), descriptions, [join_path(p) for p in paths.values()])


def read_qdpx(data: bytes, file_name: str) -> QualImport:
    check_size(data, file_name)
    archive = open_zip(data, file_name)
    names = archive.namelist()
    projects = [n for n in names if n.lower().endswith(".qde")]
    if len(projects) != 1:
        found = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "") or "nothing"
        raise QualImportError(file_name, f"this zip is not a REFI-QDA .qdpx project: it must hold exactly one .qde "
                              f"file, found {len(projects)} (members: {found})")
    xml = read_member(archive, projects[0], file_name)

    def source_text(path: str, where: str) -> bytes:
        member = "sources/" + path[len(INTERNAL):]
        if member not in names:
            raise QualImportError(file_name, f"plainTextPath {path!r} names {member!r}, which is not in the archive",
                                  where)
        return read_member(archive, member, file_name)

    return read_project(xml, file_name, source_text)


def read_project(xml: bytes, file_name: str, source_text=None) -> QualImport:
    """A .qde project document; `source_text(path, where) -> bytes` reads `internal://` texts (from the zip)."""
    root = parse_xml(xml, file_name)
    if root.tag != _q(PROJECT_NS, "Project"):
        raise QualImportError(file_name, f"the root element is {root.tag!r}, expected Project in namespace "
                              f"{PROJECT_NS} (a REFI-QDA project)", "root element")
    codebook = root.find(_q(PROJECT_NS, "CodeBook"))
    if codebook is None:
        raise QualImportError(file_name, "the project has no <CodeBook>", "Project")
    paths, descriptions = _codes(codebook, PROJECT_NS, file_name, "Project > CodeBook")
    case_of = _cases(root, file_name)
    sources = root.find(_q(PROJECT_NS, "Sources"))
    records, notes = [], []
    if sources is not None:
        skipped = [child for child in sources if child.tag != _q(PROJECT_NS, "TextSource")]
        if skipped:
            notes.append(f"{file_name}: {len(skipped)} non-text source(s) skipped (pictures, PDF, audio, video)")
        for position, source in enumerate(sources.findall(_q(PROJECT_NS, "TextSource")), start=1):
            records += _source_codings(source, position, paths, case_of, file_name, source_text)
    if not records:
        raise QualImportError(file_name, "the project has no coded text selections", "Project > Sources")
    return make_import(file_name, FORMAT, codings_frame(records, FORMAT), descriptions,
                       [join_path(p) for p in paths.values()], notes)


def _cases(root: Element, file_name: str) -> dict[str, str]:
    """Source guid -> the name of the case (interviewee) that references it."""
    case_of = {}
    cases = root.find(_q(PROJECT_NS, "Cases"))
    for position, case in enumerate(cases.findall(_q(PROJECT_NS, "Case")) if cases is not None else [], start=1):
        where = f"Project > Cases > Case #{position}"
        _require(case, "guid", file_name, where)
        name = (case.get("name") or "").strip()
        for ref in case.findall(_q(PROJECT_NS, "SourceRef")):
            case_of.setdefault(_require(ref, "targetGUID", file_name, f"{where} > SourceRef"), name)
    return case_of


def _source_codings(source, position, paths, case_of, file_name, source_text) -> list[dict]:
    where = f"Sources > TextSource #{position}"
    guid = _require(source, "guid", file_name, where)
    name = (source.get("name") or "").strip() or guid
    where = f"{where} {name!r}"
    content = source.find(_q(PROJECT_NS, "PlainTextContent"))
    path = (source.get("plainTextPath") or "").strip()
    if content is not None:
        text = content.text or ""
    elif path.startswith(INTERNAL) and source_text is not None:
        raw = source_text(path, where)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise QualImportError(file_name, f"the source text {path!r} is not UTF-8", where) from None
    else:
        raise QualImportError(file_name, "the text source has neither <PlainTextContent> nor an internal:// "
                              f"plainTextPath inside the archive (found {path!r})", where)
    records = []
    for number, selection in enumerate(source.findall(_q(PROJECT_NS, "PlainTextSelection")), start=1):
        here = f"{where} > PlainTextSelection #{number}"
        _require(selection, "guid", file_name, here)
        try:
            start = int(_require(selection, "startPosition", file_name, here))
            end = int(_require(selection, "endPosition", file_name, here))
        except ValueError:
            raise QualImportError(file_name, "startPosition and endPosition must be whole numbers", here) from None
        if not 0 <= start <= end <= len(text):
            raise QualImportError(file_name, f"the selection {start}-{end} lies outside the text "
                                  f"({len(text)} characters)", here)
        for coding in selection.findall(_q(PROJECT_NS, "Coding")):
            ref = coding.find(_q(PROJECT_NS, "CodeRef"))
            if ref is None:
                raise QualImportError(file_name, "a <Coding> has no <CodeRef>", here)
            target = _require(ref, "targetGUID", file_name, f"{here} > Coding > CodeRef")
            if target not in paths:
                raise QualImportError(file_name, f"CodeRef targetGUID {target} is not a code in the codebook",
                                      f"{here} > Coding > CodeRef")
            records.append({"interviewee": case_of.get(guid, name), "document": name, "path": paths[target],
                            "excerpt": text[start:end]})
    return records
