"""SYNTHETIC TEST INPUT, not research data: large coding files in real formats, made up from counters.

Why: the import must cope with a 1,000-interview study. The tests and the benchmark (`python -m bench --only qual`)
generate these files on the fly instead of shipping megabytes; every text says it is synthetic.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile

THEMES = 6
CODES_PER_THEME = 4


def _theme(t: int) -> str:
    return f"Synthetic theme {t + 1}"


def _code(t: int, c: int) -> str:
    return f"synthetic code {t + 1}.{c + 1}"


def _picks(interview: int, excerpts: int) -> list[tuple[int, int]]:
    # Deterministic spread over themes and codes, so every theme is raised by many (not all) interviewees.
    return [((interview * 7 + k * 3) % THEMES, (interview + k) % CODES_PER_THEME) for k in range(excerpts)]


def _rows(interviews: int, excerpts_per_interview: int):
    """(interviewee, theme, code, excerpt) for every synthetic excerpt."""
    for i in range(interviews):
        for k, (t, c) in enumerate(_picks(i, excerpts_per_interview)):
            yield (f"Synthetic interviewee {i + 1:04d}", _theme(t), _code(t, c),
                   f"Synthetic excerpt {k + 1} of interview {i + 1}, generated for testing only.")


def _csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def simple_csv(interviews: int = 1000, excerpts_per_interview: int = 8) -> bytes:
    """Our simple CSV (interviewee, theme, code, excerpt) with `interviews` interviewees."""
    return _csv(["interviewee", "theme", "code", "excerpt"], _rows(interviews, excerpts_per_interview))


def taguette_highlights_csv(interviews: int = 1000, excerpts_per_interview: int = 8) -> bytes:
    """A Taguette highlights export (id, document, tag, content); Taguette tags are flat, so the tag is the code."""
    rows = ((n, person, code, text)
            for n, (person, _theme, code, text) in enumerate(_rows(interviews, excerpts_per_interview), start=1))
    return _csv(["id", "document", "tag", "content"], rows)


def qualcoder_csv(interviews: int = 1000, excerpts_per_interview: int = 8) -> bytes:
    """A QualCoder coding-report export (UTF-8 with BOM, all cells quoted, one Category column)."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(["File", "Coder", "Coded", "Id", "Codename", "Coded_Memo", "Category"])
    for n, (person, theme, code, text) in enumerate(_rows(interviews, excerpts_per_interview), start=1):
        writer.writerow([person, "synthetic", text, f"ctid:{n}", code, "", theme])
    return out.getvalue().encode("utf-8-sig")


def qdpx(interviews: int = 1000, excerpts_per_interview: int = 8) -> bytes:
    """A REFI-QDA .qdpx project: one TextSource per interview (text in sources/), nested codes, selections."""
    ns = uuid.UUID("00000000-0000-0000-0000-000000000000")
    guid = lambda label: str(uuid.uuid5(ns, label)).upper()  # noqa: E731 - stable ids from a label
    # Each code's id made once: every selection refers to one (a uuid5 costs more than the rest of a selection).
    code_guids = {(t, c): guid(f"c{t}.{c}") for t in range(THEMES) for c in range(CODES_PER_THEME)}
    codes = []
    for t in range(THEMES):
        children = "".join(f'<Code guid="{code_guids[t, c]}" name="{_code(t, c)}" isCodable="true"/>'
                           for c in range(CODES_PER_THEME))
        codes.append(f'<Code guid="{guid(f"t{t}")}" name="{_theme(t)}" isCodable="true">{children}</Code>')
    sources, texts = [], {}
    for i in range(interviews):
        sentences = [f"Synthetic sentence {k + 1} of interview {i + 1}, generated for testing only. "
                     for k in range(excerpts_per_interview)]
        text = "".join(sentences)
        source_guid = guid(f"s{i}")
        texts[f"sources/{source_guid}.txt"] = text
        selections, position = [], 0
        for k, (t, c) in enumerate(_picks(i, excerpts_per_interview)):
            end = position + len(sentences[k])
            selections.append(
                f'<PlainTextSelection guid="{guid(f"p{i}.{k}")}" startPosition="{position}" endPosition="{end}">'
                f'<Coding guid="{guid(f"g{i}.{k}")}"><CodeRef targetGUID="{code_guids[t, c]}"/></Coding>'
                "</PlainTextSelection>"
            )
            position = end
        sources.append(f'<TextSource guid="{source_guid}" name="Synthetic interview {i + 1:04d}" '
                       f'plainTextPath="internal://{source_guid}.txt">{"".join(selections)}</TextSource>')
    project = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Synthetic test project" origin="src.qual.synthetic">'
        f'<Users><User guid="{guid("user")}" name="synthetic"/></Users>'
        f'<CodeBook><Codes>{"".join(codes)}</Codes></CodeBook>'
        f'<Sources>{"".join(sources)}</Sources></Project>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project)
        for name, text in texts.items():
            archive.writestr(name, text)
    return buffer.getvalue()
