"""The declared study loads as one value; an edit to any declared file shows in the next load and its content key.

Each case copies the shipped data/ files into tmp_path, edits one file, and checks that load_study(tmp) sees the
edit (nothing keeps a module-level copy), that content_key changes, and that a bad entry names file and entry.
The edits write their own marker values (labels such as "Edited in a test"), never shipped data.
"""

from __future__ import annotations

import csv
import io
import pickle
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from src.paths import DATA_DIR, INDICATOR_CATALOGUE_DIR
from src.study import Study, content_key, declared_files, load_study
from src.study.yaml_io import dump_yaml, parse_yaml

MARKER = "Edited in a test"
FIRST_INDICATOR_FILE = sorted(INDICATOR_CATALOGUE_DIR.glob("*.yaml"))[0].relative_to(DATA_DIR)


def copy_study(tmp_path: Path) -> Path:
    """data/catalogue, data/codebook and data/study.yaml copied into tmp_path (laid out like data/)."""
    for folder in ("catalogue", "codebook"):
        shutil.copytree(DATA_DIR / folder, tmp_path / folder)
    shutil.copy(DATA_DIR / "study.yaml", tmp_path / "study.yaml")
    return tmp_path


def edit_yaml(path: Path, change: Callable) -> None:
    document = parse_yaml(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(dump_yaml(document, sort_keys=False, allow_unicode=True), encoding="utf-8")


def first_group(document: dict) -> dict:
    return document["groups"][0]


def first_claim(document: dict) -> dict:
    return document["claims"][0]


def append_event(path: Path, row: dict) -> None:
    text = path.read_text(encoding="utf-8")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writerow(row)
    path.write_text(text.rstrip("\n") + "\n" + buffer.getvalue(), encoding="utf-8")


def event(start: int, end: int) -> dict:
    return {"start_year": start, "end_year": end, "label": MARKER, "kind": "test_kind", "countries": "PAK",
            "source": "a test fixture"}


@dataclass(frozen=True)
class Case:
    """One declared file: a good edit and how the loaded study shows it; a bad edit and what its error names."""

    file: str
    edit: Callable[[Path], None]
    seen: Callable[[Study], bool]
    break_it: Callable[[Path], None]
    error_names: tuple[str, ...]


CASES = [
    Case(
        "catalogue/peer_groups.yaml",
        lambda p: edit_yaml(p, lambda d: d["groups"].append(
            {"id": "test_group", "label": MARKER, "kind": "list", "members": ["PAK", "IND"]})),
        lambda s: getattr(s.peer_groups.get("test_group"), "label", None) == MARKER,
        lambda p: edit_yaml(p, lambda d: first_group(d).update(kind="galaxy")),
        ("peer_groups.yaml", "kind='galaxy'"),
    ),
    Case(
        "codebook/claims.yaml",
        lambda p: edit_yaml(p, lambda d: first_claim(d).update(paraphrase=MARKER)),
        lambda s: next(iter(s.codebook.claims.values())).paraphrase == MARKER,
        lambda p: edit_yaml(p, lambda d: first_claim(d).update(theme="Z9")),
        ("claims.yaml", "unknown theme 'Z9'"),
    ),
    Case(
        "codebook/themes.yaml",
        lambda p: edit_yaml(p, lambda d: d[0].update(label=MARKER)),
        lambda s: next(iter(s.codebook.themes.values())).label == MARKER,
        lambda p: edit_yaml(p, lambda d: d[0].update(kind="neutral")),
        ("themes.yaml", "kind='neutral'"),
    ),
    Case(
        "codebook/codes.yaml",
        lambda p: edit_yaml(p, lambda d: d[0].update(label=MARKER)),
        lambda s: next(iter(s.codebook.codes.values())).label == MARKER,
        lambda p: edit_yaml(p, lambda d: d[0].update(origin="rumour")),
        ("codes.yaml", "origin='rumour'"),
    ),
    Case(
        "catalogue/benchmarks.yaml",
        lambda p: edit_yaml(p, lambda d: d[0].update(label=MARKER)),
        lambda s: next(iter(s.codebook.benchmarks.values())).label == MARKER,
        lambda p: edit_yaml(p, lambda d: [d[0].pop(k, None) for k in ("low", "high")] and d[0].update(value="many")),
        ("benchmarks.yaml", "needs a numeric `value`"),
    ),
    Case(
        "catalogue/events.csv",
        lambda p: append_event(p, event(2001, 2002)),
        lambda s: MARKER in set(s.events["label"]),
        lambda p: append_event(p, event(2002, 2001)),
        ("events.csv", "ends (2001) before it starts (2002)"),
    ),
    Case(
        str(FIRST_INDICATOR_FILE),
        lambda p: edit_yaml(p, lambda d: d[0].update(name=MARKER)),
        lambda s: any(i.name == MARKER for i in s.indicators.values()),
        lambda p: edit_yaml(p, lambda d: d[0].update(better="sideways")),
        (FIRST_INDICATOR_FILE.name, "better='sideways'"),
    ),
    Case(
        "catalogue/sources.yaml",
        lambda p: edit_yaml(p, lambda d: d[0].update(title=MARKER)),
        lambda s: next(iter(s.sources.values())).title == MARKER,
        lambda p: edit_yaml(p, lambda d: d[0]["refresh"].update(method="carrier_pigeon")),
        ("sources.yaml", "refresh method 'carrier_pigeon'"),
    ),
    Case(
        "study.yaml",
        lambda p: edit_yaml(p, lambda d: d.update(title=MARKER)),
        lambda s: s.defaults.title == MARKER,
        lambda p: edit_yaml(p, lambda d: d["defaults"].update(window=list(reversed(d["defaults"]["window"])))),
        ("study.yaml", "'window' ends"),
    ),
]


def entry_of(case: Case, tmp: Path) -> str:
    """The id of the first entry, which each bad edit touches, for checking the error names it."""
    path = tmp / case.file
    if path.suffix == ".csv" or path.name == "study.yaml":
        return ""
    document = parse_yaml(path.read_text(encoding="utf-8"))
    entries = document.get("groups") or document.get("claims") if isinstance(document, dict) else document
    return repr(entries[0]["id"])


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_an_edit_to_each_declared_file_shows_in_the_next_load(tmp_path, case):
    tmp = copy_study(tmp_path)
    before_key = content_key(declared_files(tmp))
    before = load_study(tmp)
    assert not case.seen(before)
    case.edit(tmp / case.file)
    assert content_key(declared_files(tmp)) != before_key
    assert case.seen(load_study(tmp))


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_a_bad_entry_names_its_file_and_entry(tmp_path, case):
    tmp = copy_study(tmp_path)
    entry = entry_of(case, tmp)
    case.break_it(tmp / case.file)
    with pytest.raises(ValueError) as error:
        load_study(tmp)
    message = str(error.value)
    for part in (*case.error_names, entry):
        assert part in message, message


def test_every_declared_file_is_in_declared_files(tmp_path, monkeypatch):
    """declared_files() lists exactly the files load_study opens, so the app's cache key covers every one."""
    tmp = copy_study(tmp_path)
    opened: set[Path] = set()
    read_text, open_file = Path.read_text, Path.open
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: opened.add(self) or read_text(self, *a, **k))
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: opened.add(self) or open_file(self, *a, **k))
    load_study(tmp)
    monkeypatch.undo()
    assert opened == set(declared_files(tmp))


def test_a_new_indicator_file_changes_the_key_and_is_loaded(tmp_path):
    tmp = copy_study(tmp_path)
    before = content_key(declared_files(tmp))
    source_id = next(iter(load_study(tmp).sources))
    new_file = tmp / "catalogue" / "indicators" / "zz_test.yaml"
    new_file.write_text(dump_yaml([{
        "id": "test_series", "name": MARKER, "unit": "index", "source": source_id, "code": "TEST",
        "concept": "test_concept", "better": "neutral", "definition": "a series declared by a test",
    }]), encoding="utf-8")
    assert new_file in declared_files(tmp)
    assert content_key(declared_files(tmp)) != before
    assert load_study(tmp).indicators["test_series"].name == MARKER


def test_default_peer_group_must_be_declared(tmp_path):
    tmp = copy_study(tmp_path)
    edit_yaml(tmp / "study.yaml", lambda d: d["defaults"].update(peer_group="atlantis"))
    with pytest.raises(ValueError, match=r"study.yaml: defaults entry 'peer_group' is 'atlantis'"):
        load_study(tmp)


def test_shipped_study_matches_its_files():
    declared = parse_yaml((DATA_DIR / "study.yaml").read_text(encoding="utf-8"))
    study = load_study()
    assert study.defaults.title == declared["title"] and study.defaults.deck_title == declared["deck_title"]
    assert study.defaults.window == tuple(declared["defaults"]["window"])
    assert study.defaults.chart_start == declared["defaults"]["chart_start"]
    assert {name: getattr(study.defaults.params, name) for name in declared["params"]} == declared["params"]
    assert study.defaults.peer_group in study.peer_groups


def test_no_study_module_keeps_a_cached_copy():
    """Nothing in src/study caches a declared file: the app layer is the only cache."""
    for path in (Path(__file__).resolve().parents[1] / "src" / "study").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "lru_cache" not in text and "functools.cache" not in text, path.name


def _yaml_outcome(read, text: str):
    """What `read(text)` gives: ("value", the value pickled, so types and aliases count too) or ("error", its type
    and message)."""
    try:
        return "value", pickle.dumps(read(text))
    except Exception as exc:  # noqa: BLE001 - the very error is what is compared
        return "error", type(exc).__name__, str(exc)


def _pyyaml_load(text: str):
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


# Small YAML documents made for this test, one per case the quick walk of parse_yaml treats, or leaves to PyYAML's
# own constructor: every standard scalar, aliases (of a scalar, of a collection, recursive), merge keys, other
# tags, complex keys, duplicate keys, several documents, bad syntax, an unsafe tag.
YAML_CASES = (
    "", "a: 1", "- 'x'\n- \"y\"\n- |\n  block\n- >\n  folded\n", "a: 0x1F\nb: 1_000\nc: .inf\nd: ~\ne: yes\nf: 1:30",
    "a: 2001-12-14t21:59:43.10-05:00\nb: 2002-12-14", "a: !!binary aGVsbG8=", "- !!str 12\n- !!int '12'\n- !!float '1'",
    "a: &s 12\nb: *s", "- &x {a: 1}\n- *x", "a: &r [1, *r]", "<<: {a: 1}\nb: 2", "x: !!set {a, b}", "!!omap [a: 1]",
    "=: 1", "a: =", "? [1, 2]\n: 3", "{a: 1}: 2", "a: 1\na: 2", "a: b\n---\nc: d", "a: [1\n", "a: !foo x",
    "a: !!python/object:os.system x", "- null\n- Null\n- ''\n- -0.5e3\n- 012\n- 0o12\n- +12",
)


@pytest.mark.parametrize("text", YAML_CASES)
def test_parse_yaml_gives_what_pyyaml_gives_on_each_kind_of_document(text):
    assert _yaml_outcome(parse_yaml, text) == _yaml_outcome(_pyyaml_load, text)


def test_parse_yaml_gives_what_pyyaml_gives_on_every_shipped_yaml_file():
    files = sorted(DATA_DIR.rglob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert _yaml_outcome(parse_yaml, text) == _yaml_outcome(_pyyaml_load, text), path
