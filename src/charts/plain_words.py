"""Text for readers, not analysts: no file paths, no series codes.

Why this module: the claim checker's notes and verdicts are written for analysts and may name a declared file
("data/catalogue/events.csv") or a series code ("SH.DYN.MORT"), which mean nothing to a student or a seminar
audience. The Claims page's captions and the seminar slides both say them in plain words; the codes stay in the
"How this was checked" box. Pure: strings in, strings out.
"""

from __future__ import annotations

import re

# A declared file, with or without its folder: data/catalogue/events.csv, benchmarks.yaml.
_FILE_PATH = re.compile(r"\b(?:[\w-]+/)*([\w-]+)\.(?:csv|tsv|ya?ml|json|xlsx?|parquet|txt)\b")
# A catalogue id (snake_case with an underscore) or a publisher's dotted code (SH.DYN.MORT, MS.MIL.XPND.GD.ZS).
_CODE = r"(?:\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\b[A-Z][A-Z0-9]{1,}(?:\.[A-Z0-9]+){2,}\b)"
# A bracket that holds nothing but codes: "(gm_poverty_300, extreme_poverty_percent_people_below_300_a_day)".
_CODES_IN_BRACKETS = re.compile(rf"\s*\(\s*{_CODE}(?:\s*[,;/]\s*{_CODE})*\s*\)")
_LOOSE_CODE = re.compile(_CODE)


def plain_words(text: str) -> str:
    """The text as a student or a seminar audience reads it: a declared file becomes "the study's <name> list" and codes in
    brackets (catalogue ids, publisher codes) are left out; a code outside brackets is left out too."""
    if not text:
        return ""
    text = _FILE_PATH.sub(lambda m: f"the study's {m.group(1).replace('_', ' ').replace('-', ' ')} list", text)
    text = _CODES_IN_BRACKETS.sub("", text)
    text = _LOOSE_CODE.sub("", text)
    return re.sub(r"\s{2,}", " ", re.sub(r"\s+([,.;:)])", r"\1", text)).strip()
