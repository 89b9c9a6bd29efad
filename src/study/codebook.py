"""The study's codebook: themes, the keyword -> code -> theme chain, and the claims with the tests that check them.

Researchers edit data/codebook/*.yaml and data/catalogue/benchmarks.yaml; this module turns them into frozen
dataclasses and validates every cross-reference (theme, code, indicator, rule key and parameters, benchmark,
duplicate ids) so a typo fails on load with the file and the entry named, not later inside a chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from src.paths import BENCHMARKS_FILE, CODEBOOK_DIR
from src.study.rule_specs import RULE_SPECS_BY_KEY, indicator_ids_in, param_problems
from src.study.yaml_io import parse_yaml

THEMES_FILE = CODEBOOK_DIR / "themes.yaml"
CODES_FILE = CODEBOOK_DIR / "codes.yaml"
CLAIMS_FILE = CODEBOOK_DIR / "claims.yaml"
THEME_KINDS = ("advantage", "constraint")
COMBINE_MODES = ("all", "any", "majority")
CODE_ORIGINS = ("paper", "paper_first_pass", "derived")


class CodebookError(ValueError):
    """A codebook file is malformed or refers to something unknown. The message names the file and the entry."""


@dataclass(frozen=True)
class Theme:
    id: str
    kind: str
    label: str
    section: str
    summary: str
    folded: tuple[str, ...] = ()


@dataclass(frozen=True)
class Code:
    id: str
    label: str
    keywords: tuple[str, ...]
    initial_theme: str
    theme: str
    section: str
    origin: str


@dataclass(frozen=True)
class Test:
    """One rule applied with its parameters; `context` tests are explained but not counted in the verdict."""

    rule: str
    params: Mapping
    context: bool = False


@dataclass(frozen=True)
class Claim:
    id: str
    theme: str
    paraphrase: str
    section: str
    question: str
    indicators: tuple[str, ...]
    tests: tuple[Test, ...]
    combine: str = "all"
    codes: tuple[str, ...] = ()
    preferred: tuple[str, ...] = ()
    proxies: Mapping[str, str] = field(default_factory=dict)
    context: tuple[str, ...] = ()
    caveat: str = ""
    gaps: str = ""


@dataclass(frozen=True)
class UnsettledClaim:
    id: str
    theme: str
    paraphrase: str
    section: str
    why: str
    context: tuple[str, ...] = ()


@dataclass(frozen=True)
class Benchmark:
    """A reference value or band. `threshold` is the value a verdict tests when the user picked one (else None)."""

    id: str
    concept: str
    unit: str
    low: float
    high: float
    label: str
    source: str
    threshold: float | None = None

    @property
    def value(self) -> float | None:
        return self.low if self.low == self.high else None


@dataclass(frozen=True)
class Codebook:
    themes: dict[str, Theme]
    codes: dict[str, Code]
    claims: dict[str, Claim]
    unsettled: dict[str, UnsettledClaim]
    benchmarks: dict[str, Benchmark]

    def claims_for(self, theme_id: str) -> list[Claim]:
        return [claim for claim in self.claims.values() if claim.theme == theme_id]


def _load(path: Path):
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CodebookError(f"{path}: cannot be read as YAML ({exc})") from exc


def _entries(document, path: Path, what: str) -> list[dict]:
    if not isinstance(document, list) or not all(isinstance(e, dict) for e in document):
        raise CodebookError(f"{path}: expected a list of {what} (mappings)")
    return document


def _require(entry: dict, keys: tuple[str, ...], path: Path, what: str, position: int) -> str:
    label = f"{what} {entry.get('id', f'#{position}')!r}"
    missing = [key for key in keys if entry.get(key) in (None, "")]
    if missing:
        raise CodebookError(f"{path}: {label} lacks {missing}")
    return label


def _unique(seen: dict, entry_id: str, path: Path, label: str) -> None:
    if entry_id in seen:
        raise CodebookError(f"{path}: {label} is declared twice (duplicate id)")


def _strings(value, path: Path, label: str, name: str) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CodebookError(f"{path}: {label} field {name!r} must be a list of text")
    return tuple(value)


def load_themes(path: Path = THEMES_FILE) -> dict[str, Theme]:
    themes: dict[str, Theme] = {}
    for position, entry in enumerate(_entries(_load(path), path, "themes"), start=1):
        label = _require(entry, ("id", "kind", "label", "section", "summary"), path, "theme", position)
        _unique(themes, entry["id"], path, label)
        if entry["kind"] not in THEME_KINDS:
            raise CodebookError(f"{path}: {label} has kind={entry['kind']!r}; use one of {list(THEME_KINDS)}")
        themes[entry["id"]] = Theme(
            id=entry["id"], kind=entry["kind"], label=entry["label"], section=entry["section"],
            summary=str(entry["summary"]).strip(), folded=_strings(entry.get("folded"), path, label, "folded"),
        )
    return themes


def load_codes(themes: Mapping[str, Theme], path: Path = CODES_FILE) -> dict[str, Code]:
    codes: dict[str, Code] = {}
    for position, entry in enumerate(_entries(_load(path), path, "codes"), start=1):
        label = _require(entry, ("id", "label", "keywords", "theme", "section", "origin"), path, "code", position)
        _unique(codes, entry["id"], path, label)
        if entry["theme"] not in themes:
            raise CodebookError(f"{path}: {label} names unknown theme {entry['theme']!r}; known: {sorted(themes)}")
        if entry["origin"] not in CODE_ORIGINS:
            raise CodebookError(f"{path}: {label} has origin={entry['origin']!r}; use one of {list(CODE_ORIGINS)}")
        codes[entry["id"]] = Code(
            id=entry["id"], label=entry["label"], keywords=_strings(entry["keywords"], path, label, "keywords"),
            initial_theme=str(entry.get("initial_theme") or ""), theme=entry["theme"], section=entry["section"],
            origin=entry["origin"],
        )
    return codes


def load_benchmarks(path: Path = BENCHMARKS_FILE) -> dict[str, Benchmark]:
    """Benchmarks with a single `value` or a `low`/`high` band, each with its citation."""
    benchmarks: dict[str, Benchmark] = {}
    for position, entry in enumerate(_entries(_load(path), path, "benchmarks"), start=1):
        label = _require(entry, ("id", "concept", "unit", "label", "source"), path, "benchmark", position)
        _unique(benchmarks, entry["id"], path, label)
        low, high = entry.get("low"), entry.get("high")
        if low is None and high is None:
            low = high = entry.get("value")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)) or low > high:
            raise CodebookError(f"{path}: {label} needs a numeric `value`, or numeric `low` <= `high`")
        benchmarks[entry["id"]] = Benchmark(
            id=entry["id"], concept=entry["concept"], unit=entry["unit"], low=float(low), high=float(high),
            label=entry["label"], source=str(entry["source"]).strip(),
        )
    return benchmarks


def _check_indicators(ids, catalogue, path: Path, label: str, where: str) -> None:
    unknown = [i for i in ids if i not in catalogue]
    if unknown:
        raise CodebookError(
            f"{path}: {label} {where} names unknown indicator(s) {unknown}; declare them in "
            f"data/catalogue/indicators/*.yaml or fix the id"
        )


def _tests(entry: dict, path: Path, label: str, catalogue, benchmarks) -> tuple[Test, ...]:
    raw_tests = entry.get("tests")
    if not isinstance(raw_tests, list) or not raw_tests:
        raise CodebookError(f"{path}: {label} needs a non-empty `tests` list")
    tests = []
    for number, raw in enumerate(raw_tests, start=1):
        where = f"test {number}"
        if not isinstance(raw, dict) or raw.get("rule") not in RULE_SPECS_BY_KEY:
            rule = raw.get("rule") if isinstance(raw, dict) else raw
            known = sorted(RULE_SPECS_BY_KEY)
            raise CodebookError(f"{path}: {label} {where} has unknown rule {rule!r}; known: {known}")
        rule = RULE_SPECS_BY_KEY[raw["rule"]]
        params = raw.get("params") or {}
        if not isinstance(params, dict):
            raise CodebookError(f"{path}: {label} {where} ({rule.key}) `params` must be a mapping")
        problems = param_problems(rule, params)
        if problems:
            raise CodebookError(f"{path}: {label} {where} ({rule.key}): {'; '.join(problems)}")
        _check_indicators(indicator_ids_in(rule, params), catalogue, path, label, where)
        if "benchmark" in rule.params and params.get("benchmark") not in benchmarks:
            raise CodebookError(
                f"{path}: {label} {where} names unknown benchmark {params.get('benchmark')!r}; "
                f"known: {sorted(benchmarks)} ({BENCHMARKS_FILE.name})"
            )
        tests.append(Test(rule=rule.key, params=dict(params), context=bool(raw.get("context", False))))
    if all(test.context for test in tests):
        raise CodebookError(f"{path}: {label} has only context tests; at least one must count")
    return tuple(tests)


def load_claims(
    themes: Mapping[str, Theme],
    codes: Mapping[str, Code],
    benchmarks: Mapping[str, Benchmark],
    catalogue: Mapping,
    path: Path = CLAIMS_FILE,
) -> tuple[dict[str, Claim], dict[str, UnsettledClaim]]:
    document = _load(path)
    if not isinstance(document, dict) or not isinstance(document.get("claims"), list):
        raise CodebookError(f"{path}: expected a mapping with a `claims` list (and an optional `unsettled` list)")
    claims: dict[str, Claim] = {}
    unsettled: dict[str, UnsettledClaim] = {}
    for position, entry in enumerate(_entries(document["claims"], path, "claims"), start=1):
        label = _require(entry, ("id", "theme", "paraphrase", "section", "question", "tests"), path, "claim", position)
        _unique(claims, entry["id"], path, label)
        if entry["theme"] not in themes:
            raise CodebookError(f"{path}: {label} names unknown theme {entry['theme']!r}; known: {sorted(themes)}")
        claim_codes = _strings(entry.get("codes"), path, label, "codes")
        unknown_codes = [c for c in claim_codes if c not in codes]
        if unknown_codes:
            raise CodebookError(f"{path}: {label} names unknown code(s) {unknown_codes} (codes.yaml)")
        combine = entry.get("combine", "all")
        if combine not in COMBINE_MODES:
            raise CodebookError(f"{path}: {label} has combine={combine!r}; use one of {list(COMBINE_MODES)}")
        listed = {name: _strings(entry.get(name), path, label, name) for name in ("indicators", "preferred", "context")}
        for name, ids in listed.items():
            _check_indicators(ids, catalogue, path, label, f"field {name!r}")
        proxies = entry.get("proxies") or {}
        if not isinstance(proxies, dict):
            raise CodebookError(f"{path}: {label} field 'proxies' must map indicator ids to labels")
        _check_indicators(list(proxies), catalogue, path, label, "field 'proxies'")
        tests = _tests(entry, path, label, catalogue, benchmarks)
        # Every series a test uses must be declared on the claim, so readers see it listed.
        declared = set(listed["indicators"]) | set(listed["preferred"]) | set(listed["context"])
        used = {i for test in tests for i in indicator_ids_in(RULE_SPECS_BY_KEY[test.rule], test.params)}
        undeclared = sorted(used - declared)
        if undeclared:
            raise CodebookError(
                f"{path}: {label} tests use {undeclared} but the claim does not list them under "
                f"`indicators` (snapshot series) or `preferred` (refresh-only series)"
            )
        claims[entry["id"]] = Claim(
            id=entry["id"], theme=entry["theme"], paraphrase=entry["paraphrase"], section=entry["section"],
            question=entry["question"], indicators=listed["indicators"], tests=tests, combine=combine,
            codes=claim_codes, preferred=listed["preferred"], proxies={k: str(v).strip() for k, v in proxies.items()},
            context=listed["context"], caveat=str(entry.get("caveat") or "").strip(),
            gaps=str(entry.get("gaps") or "").strip(),
        )
    for position, entry in enumerate(_entries(document.get("unsettled") or [], path, "unsettled claims"), start=1):
        label = _require(entry, ("id", "theme", "paraphrase", "section", "why"), path, "unsettled claim", position)
        if entry["id"] in claims or entry["id"] in unsettled:
            raise CodebookError(f"{path}: {label} is declared twice (duplicate id)")
        if entry["theme"] not in themes:
            raise CodebookError(f"{path}: {label} names unknown theme {entry['theme']!r}; known: {sorted(themes)}")
        context = _strings(entry.get("context"), path, label, "context")
        _check_indicators(context, catalogue, path, label, "field 'context'")
        unsettled[entry["id"]] = UnsettledClaim(
            id=entry["id"], theme=entry["theme"], paraphrase=entry["paraphrase"], section=entry["section"],
            why=str(entry["why"]).strip(), context=context,
        )
    return claims, unsettled


def load_codebook(
    directory: Path = CODEBOOK_DIR, benchmarks_file: Path = BENCHMARKS_FILE, *, catalogue: Mapping
) -> Codebook:
    """Read and cross-check themes.yaml, codes.yaml, claims.yaml (in `directory`) and the benchmarks.

    Args:
        catalogue: indicator id -> Indicator (src.study.catalogue.load_indicators(), or Study.indicators).

    Raises:
        CodebookError: naming the file and the entry at fault (unknown theme/code/indicator/rule/benchmark,
            bad rule parameters, duplicate id, missing field).
    """
    themes = load_themes(directory / THEMES_FILE.name)
    codes = load_codes(themes, directory / CODES_FILE.name)
    benchmarks = load_benchmarks(benchmarks_file)
    claims, unsettled = load_claims(themes, codes, benchmarks, catalogue, directory / CLAIMS_FILE.name)
    return Codebook(themes=themes, codes=codes, claims=claims, unsettled=unsettled, benchmarks=benchmarks)

