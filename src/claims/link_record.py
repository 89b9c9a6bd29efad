"""What a share link records about its verdicts: the data version they were computed on and each claim's status.

Why this module: a link opened weeks later, on refreshed data, may show other verdicts than the ones its sender
saw. The link therefore carries a short data version (a hash of the snapshot, catalogue and study keys) and the
statuses as compact codes (`C2.3:s,C1.1:i`, codes in src/claims/verdicts.py STATUS_CODES), and the page compares
them with what it shows now. Everything read back from a URL is a stranger's text: it is parsed against the known
claim ids and codes here and never echoed unchecked. Pure functions, no Streamlit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from src.claims.verdicts import STATUS_CODES, STATUS_OF_CODE

# Hex digits of the data version a link carries: enough that two data states never share one by chance.
VERSION_LENGTH = 10
_VERSION = re.compile(rf"[0-9a-f]{{{VERSION_LENGTH}}}")
# More entries than this in `verdicts=` is not a link this dashboard wrote.
MAX_ENTRIES = 200


def data_version(*keys: str) -> str:
    """The short fingerprint of the data a verdict rests on (snapshot fingerprint, catalogue key, study key)."""
    return hashlib.sha256("|".join(keys).encode("utf-8")).hexdigest()[:VERSION_LENGTH]


def is_data_version(text: str | None) -> bool:
    """Whether `text` has the form `data_version` writes (lower-case hex of VERSION_LENGTH digits)."""
    return bool(text) and bool(_VERSION.fullmatch(str(text).strip()))


def encode_verdicts(statuses: Mapping[str, str]) -> str:
    """'C2.3:s,C1.1:i' for {claim id: status}; a status outside the vocabulary is left out."""
    return ",".join(f"{claim_id}:{STATUS_CODES[status]}" for claim_id, status in statuses.items()
                    if status in STATUS_CODES)


@dataclass(frozen=True)
class RecordedVerdicts:
    """A link's `verdicts=` read back: the statuses it recorded (claim id -> status, in link order) and the
    entries that are no known claim id with a known code (to be named, as text)."""

    statuses: dict[str, str]
    rejected: tuple[str, ...] = ()


def decode_verdicts(text: str | None, known_ids: Iterable[str]) -> RecordedVerdicts:
    """Parse `verdicts=` against the codebook's claim ids; unknown ids, unknown codes and repeats are rejected."""
    if text is None or not str(text).strip():
        return RecordedVerdicts({})
    known = set(known_ids)
    entries = [e.strip() for e in str(text).split(",") if e.strip()]
    if len(entries) > MAX_ENTRIES:
        return RecordedVerdicts({}, (f"{len(entries)} entries",))
    statuses: dict[str, str] = {}
    rejected: list[str] = []
    for entry in entries:
        claim_id, _, code = entry.partition(":")
        status = STATUS_OF_CODE.get(code.strip().lower())
        if claim_id not in known or status is None or claim_id in statuses:
            rejected.append(entry)
        else:
            statuses[claim_id] = status
    return RecordedVerdicts(statuses, tuple(rejected))


@dataclass(frozen=True)
class ThenAndNow:
    """One recorded claim: its status when the link was made and on the data here."""

    claim_id: str
    then: str
    now: str


def then_and_now(recorded: Mapping[str, str],
                 current: Mapping[str, str]) -> tuple[list[ThenAndNow], list[ThenAndNow]]:
    """(changed, unchanged) for every recorded claim the page still evaluates, in the link's order."""
    changed, same = [], []
    for claim_id, then in recorded.items():
        if claim_id not in current:
            continue
        pair = ThenAndNow(claim_id, then, current[claim_id])
        (same if then == pair.now else changed).append(pair)
    return changed, same
