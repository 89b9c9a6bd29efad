"""Hostile URL values (issue 15, item 4): every value is shown as text, never as markdown; numbers are parsed for
real; an unknown value is named in a message and the page keeps working with its defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from src.study.yaml_io import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120
PARAMS = parse_yaml((ROOT / "data/study.yaml").read_text(encoding="utf-8"))["params"]
BENCHMARKS = parse_yaml((ROOT / "data/catalogue/benchmarks.yaml").read_text(encoding="utf-8"))
RANGES = {r["unit"]: r for r in parse_yaml((ROOT / "data/catalogue/plausible_ranges.yaml").read_text("utf-8"))}
CLAIMS = parse_yaml((ROOT / "data/codebook/claims.yaml").read_text(encoding="utf-8"))["claims"]
# A markdown payload: it closes a code span, then asks for a link and an image from another host.
INJECTION = "x`[CLICK HERE](http://attacker.invalid/)![t](http://attacker.invalid/track.png)`y"


def page(name: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def outside_code_spans(markdown: str) -> str:
    """The markdown with every inline code span (any fence length) taken out: what could render as markup."""
    return re.sub(r"(`+)(.+?)\1", "", markdown, flags=re.S)


def every_markdown(at: AppTest) -> list[str]:
    kinds = ("markdown", "caption", "error", "warning", "info", "title", "header", "subheader")
    return [str(e.value) for kind in kinds for e in getattr(at, kind)]


def errors_naming(at: AppTest, name: str) -> list[str]:
    return [e.value for e in at.error if f"{name}=" in e.value]


@pytest.mark.parametrize("name", [PARAMS["focus"], PARAMS["peers"], PARAMS["claim"], PARAMS["theme"],
                                  PARAMS["data_version"], PARAMS["verdicts"]])
def test_a_markdown_payload_in_a_parameter_is_named_but_never_rendered(name):
    # A link's recorded verdicts are read only beside a well-formed data version (ten hex digits, not this data's).
    extra = {PARAMS["data_version"]: "f" * 10} if name == PARAMS["verdicts"] else {}
    at = page("claims", **{name: INJECTION, **extra})
    assert errors_naming(at, name), f"no message names {name}"
    for text in every_markdown(at):
        live = outside_code_spans(text)
        # The page's own links are in-page anchors (`](#C1-1)`); a link built from the payload would not be.
        assert "attacker.invalid" not in live and not re.search(r"\]\((?!#)", live), text


@pytest.mark.parametrize("value", ["²", "1e3", "19x", "-"])
def test_a_year_that_is_not_a_whole_year_is_named_without_a_traceback(value):
    at = page("explorer", **{PARAMS["start"]: value})
    assert errors_naming(at, PARAMS["start"])
    assert at.title[0].value == "Explorer"


def test_a_slide_number_that_is_not_a_number_gives_no_traceback():
    at = page("presentation", **{PARAMS["slide"]: "²"})
    assert at.markdown, "the deck is shown"


def benchmark_claim() -> tuple[dict, dict]:
    for claim in CLAIMS:
        for test in claim.get("tests", []):
            if test["rule"] == "benchmark":
                return claim, next(b for b in BENCHMARKS if b["id"] == test["params"]["benchmark"])
    raise AssertionError("claims.yaml has no benchmark test")


@pytest.fixture(scope="module")
def shipped_sentence() -> str:
    claim, _ = benchmark_claim()
    at = page("claims", **{PARAMS["claim"]: claim["id"]})
    return next(m.value for m in at.markdown if m.value.startswith("**"))


def out_of_range(bench: dict) -> str:
    declared = RANGES.get(bench["unit"])
    assert declared, f"plausible_ranges.yaml declares no range for {bench['unit']!r}"
    return f"{declared['max'] + 1:g}"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e309", "out of range"])
def test_a_benchmark_that_is_not_a_finite_number_in_range_is_named_and_the_shipped_one_used(value, shipped_sentence):
    claim, bench = benchmark_claim()
    value = out_of_range(bench) if value == "out of range" else value
    key = PARAMS["benchmark_prefix"] + bench["id"]
    at = page("claims", **{PARAMS["claim"]: claim["id"], key: value})
    assert errors_naming(at, key), f"no message names {key}={value}"
    sentence = next(m.value for m in at.markdown if m.value.startswith("**"))
    assert sentence == shipped_sentence


@pytest.mark.parametrize(("name", "value", "page_name"), [
    ("basis", "cheese", "guns_vs_butter"),
    ("chart", "pie", "explorer"),
    ("log", "maybe", "explorer"),
])
def test_an_unknown_choice_is_named(name, value, page_name):
    at = page(page_name, **{name: value})
    assert any(value in e for e in errors_naming(at, name)), [e.value for e in at.error]
