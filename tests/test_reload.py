"""Editing a declared file while the app runs shows on the next rerun, with no restart (issue 11).

Each test runs a page, edits one declared file, runs the SAME AppTest again and finds the edit on the page. The
edits go to a copy of data/'s declared files (`data` fixture) that the app's own loaders are pointed at, through
the same content keys and cache as on data/: the other xdist worker reads the shipped files meanwhile, and once
found an edited label there. The edits are marked "(edited)" so they cannot be mistaken for shipped text. The
store loader is replaced by one that hands out the shipped store: a catalogue edit changes the store's key (the
loader must be asked again) but must not rebuild or rewrite data/processed/.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from src.claims.prose import format_value
from src.study.yaml_io import dump_yaml, parse_yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
TIMEOUT = 120
MARK = " (edited)"


@pytest.fixture
def store_loads(monkeypatch, shipped_store) -> list[int]:
    """Calls of the store loader during the test; the loader returns the shipped store."""
    import src.ingest.store

    calls: list[int] = []
    store = shipped_store
    monkeypatch.setattr(src.ingest.store, "load_store", lambda *a, **k: calls.append(1) or store)
    return calls


@pytest.fixture(scope="module")
def declared_copy(tmp_path_factory) -> Path:
    """A copy of every declared file (src.study.declared_files), made once for the module: each test restores what
    it edits (`edited`), and an unchanged copy keeps the same content keys, so its unedited runs hit the caches."""
    from src.study import declared_files

    copy = tmp_path_factory.mktemp("declared") / "data"
    for shipped in declared_files():
        target = copy / shipped.relative_to(DATA)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shipped, target)
    return copy


@pytest.fixture
def data(declared_copy, monkeypatch) -> Path:
    """The declared copy, which the app reads for this test: src.app.data's content keys and its study loader
    take that folder instead of data/."""
    import src.app.data
    import src.study
    from src.study import catalogue_files, declared_files, load_study

    copy = declared_copy
    monkeypatch.setattr(src.app.data, "declared_files", lambda: declared_files(copy))
    monkeypatch.setattr(src.app.data, "catalogue_files", lambda: catalogue_files(copy))
    monkeypatch.setattr(src.study, "load_study", lambda data_dir=copy: load_study(data_dir))
    return copy


@contextmanager
def edited(path: Path, change) -> Iterator[None]:
    """`path` rewritten as YAML by `change(document)` (or as text by `change(text)` for a .csv), then restored."""
    original = path.read_bytes()
    try:
        if path.suffix == ".csv":
            path.write_text(change(original.decode("utf-8")), encoding="utf-8")
        else:
            document = parse_yaml(original.decode("utf-8"))
            change(document)
            path.write_text(dump_yaml(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
        yield
    finally:
        path.write_bytes(original)
    assert path.read_bytes() == original


def page(name: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def clean(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def first_claim(**where) -> dict:
    claims = parse_yaml((DATA / "codebook/claims.yaml").read_text(encoding="utf-8"))["claims"]
    return next(c for c in claims if all(test(c) for test in where.values()))


def test_a_new_peer_group_is_offered_and_usable_on_the_claims_page(store_loads, data):
    path = data / "catalogue/peer_groups.yaml"
    claim = first_claim()
    at = clean(page("claims", claim=claim["id"]))
    shipped = parse_yaml(path.read_text(encoding="utf-8"))["groups"]
    copy = {**shipped[0], "id": "reload_test_group", "label": shipped[0]["label"] + MARK}
    with edited(path, lambda doc: doc["groups"].append(copy)):
        clean(at.run())
        assert copy["label"] in at.selectbox(key="peers").options
        clean(at.selectbox(key="peers").set_value(copy["id"]).run())
        assert at.selectbox(key="peers").value == copy["id"]
        assert "no peer group" not in texts(at)
        assert copy["label"] in texts(at), "the page compares with the new group"


def test_a_claim_paraphrase_edit_shows(store_loads, data):
    path = data / "codebook/claims.yaml"
    claim = first_claim()
    at = clean(page("claims", claim=claim["id"]))

    # The heading shows the claim's title (for the focus country) where the codebook gives one, else its paraphrase.
    field = "title" if claim.get("title") else "paraphrase"

    def change(doc):
        doc["claims"][0][field] += MARK

    with edited(path, change):
        clean(at.run())
        assert any(s.value.endswith(MARK) for s in at.subheader)


def test_a_benchmark_value_edit_reaches_the_verdict_sentence(store_loads, data):
    path = data / "catalogue/benchmarks.yaml"
    claim = first_claim(uses=lambda c: any(t["rule"] == "benchmark" for t in c.get("tests", [])))
    bench_id = next(t["params"]["benchmark"] for t in claim["tests"] if t["rule"] == "benchmark")
    at = clean(page("claims", claim=claim["id"]))
    bench = next(b for b in parse_yaml(path.read_text(encoding="utf-8")) if b["id"] == bench_id)
    direction = next(t["params"].get("direction", "below") for t in claim["tests"] if t["rule"] == "benchmark")
    single = "value" in bench  # a single threshold, or a low-high band whose low end 'below' tests use
    new_low = (bench["value"] if single else bench["low"]) + 0.5  # a value no shipped sentence holds
    shown = f"{direction} {format_value(new_low, bench['unit'])}"

    def change(doc):
        entry = next(b for b in doc if b["id"] == bench_id)
        if single:
            entry["value"] = new_low
        else:
            entry["low"], entry["high"] = new_low, max(entry["high"], new_low)

    assert shown not in texts(at)
    with edited(path, change):
        clean(at.run())
        assert shown in texts(at)


def test_an_event_label_edit_shows_in_the_claim_sources(store_loads, data):
    path = data / "catalogue/events.csv"
    claim = first_claim()
    at = clean(page("claims", claim=claim["id"]))
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    label_at = header.index("label")
    # An event of the default focus country that the claim charts mark (IMF programmes are left off them).
    focus = parse_yaml((data / "study.yaml").read_text(encoding="utf-8"))["defaults"]["focus"]
    rows = list(csv.reader(lines))
    target = next(r for r in rows[1:] if focus in r[header.index("countries")] and r[header.index("kind")] != "imf_programme")
    old_label = target[label_at]
    with edited(path, lambda text: text.replace(old_label, old_label + MARK, 1)):
        clean(at.run())
        assert old_label + MARK in texts(at)


def test_an_indicator_name_edit_shows_and_asks_for_the_store_again(store_loads, data):
    at = clean(page("explorer"))
    indicator_id = at.selectbox(key="indicator").value
    path = next(p for p in sorted((data / "catalogue/indicators").glob("*.yaml"))
                if any(i["id"] == indicator_id for i in parse_yaml(p.read_text(encoding="utf-8"))))
    entry = next(i for i in parse_yaml(path.read_text(encoding="utf-8")) if i["id"] == indicator_id)
    loads_before = len(store_loads)

    def change(doc):
        next(i for i in doc if i["id"] == indicator_id)["short_name"] += MARK

    with edited(path, change):
        clean(at.run())
        assert f"**{entry['short_name']}{MARK}**" in texts(at)
        assert len(store_loads) > loads_before, "the catalogue is part of the store's key"


def test_a_source_title_edit_shows_on_the_sources_page(store_loads, data):
    path = data / "catalogue/sources.yaml"
    at = clean(page("sources"))
    title = parse_yaml(path.read_text(encoding="utf-8"))[0]["title"]

    def change(doc):
        doc[0]["title"] += MARK

    with edited(path, change):
        clean(at.run())
        assert title + MARK in [s.value for s in at.subheader]


def test_theme_and_code_label_edits_show_on_the_themes_page(store_loads, data):
    themes, codes = data / "codebook/themes.yaml", data / "codebook/codes.yaml"
    at = clean(page("themes"))
    theme = parse_yaml(themes.read_text(encoding="utf-8"))[0]
    code = next(c for c in parse_yaml(codes.read_text(encoding="utf-8")) if c["theme"] == theme["id"])

    def change_theme(doc):
        doc[0]["label"] += MARK

    def change_code(doc):
        next(c for c in doc if c["id"] == code["id"])["label"] += MARK

    with edited(themes, change_theme):
        clean(at.run())
        assert f"{theme['id']}: {theme['label']}{MARK}" in [h.value for h in at.header]
    with edited(codes, change_code):
        clean(at.run())
        # Codes are listed in a wrapping table (st.table) or a grid (st.dataframe), whichever the page uses.
        frames = [*at.dataframe, *at.table]
        shown = " ".join(" ".join(map(str, [*frame.value.index, *frame.value.astype(str).to_numpy().ravel()]))
                         for frame in frames)
        # st.table cells are markdown: the page escapes it and marks where long codes may wrap.
        shown = re.sub(r"\\(.)", r"\1", shown).replace("\u200b", "")
        assert code["label"] + MARK in shown


def test_a_study_title_edit_shows_on_the_title_slide(store_loads, data):
    path = data / "study.yaml"
    claim = first_claim()
    at = clean(page("presentation", deck=claim["id"]))
    deck_title = parse_yaml(path.read_text(encoding="utf-8"))["deck_title"]

    def change(doc):
        doc["deck_title"] += MARK

    with edited(path, change):
        clean(at.run())
        assert html.escape(deck_title + MARK) in texts(at), "slide text is shown escaped"
