"""The study's codebook: themes, the keyword -> code -> theme chain, and the claims with the tests that check them.

Researchers edit data/codebook/*.yaml and data/catalogue/benchmarks.yaml; this module turns them into frozen
dataclasses and validates every cross-reference (theme, code, indicator, rule key and parameters, benchmark,
duplicate ids) so a typo fails on load with the file and the entry named, not later inside a chart.
"""

from __future__ import annotations

import math
import string
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
# The one placeholder a claim's title and question may hold: the focus country's name.
TEMPLATE_FIELDS = ("country",)


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
    """A checkable claim. `title` and `question` are templates that may name `{country}` (the focus); `said_of`
    is the country the experts spoke about (a caption says so); `absolute` lists the claim's words that mean
    "absolutely low/high", which the loader requires a counted benchmark test for."""

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
    title: str = ""
    said_of: str = ""
    absolute: tuple[str, ...] = ()

    def title_for(self, country: str) -> str:
        """The title naming `country` (the paraphrase when no title is declared)."""
        return (self.title or self.paraphrase).replace("{country}", country)

    def question_for(self, country: str) -> str:
        return self.question.replace("{country}", country)

    def caption_for(self, country: str, said_of_name: str) -> str:
        """Who the experts said it of, when it was said of a country ('' otherwise)."""
        if not self.said_of:
            return ""
        if said_of_name == country:
            return f"The experts said this of {said_of_name} (paper section: {self.section})."
        return f"The experts said this of {said_of_name} (paper section: {self.section}); it is tested here for {country}."


@dataclass(frozen=True)
class Tolerance:
    """How close is too close to call for one indicator: a fixed `absolute` amount (in its unit), `z` times the
    publisher's own `standard_error` series, or the publisher's own interval (`lower`, `upper` series) for the same
    country and year; each falls back to `absolute` where the publisher has no value."""

    indicator: str
    absolute: float = 0.0
    standard_error: str = ""
    z: float = 1.0
    why: str = ""
    lower: str = ""
    upper: str = ""


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
    allowed_low: float = -math.inf
    allowed_high: float = math.inf
    # How the value and wording were checked against the cited text; '' = nobody has checked (the verdict says so).
    verified: str = ""

    @property
    def value(self) -> float | None:
        return self.low if self.low == self.high else None

    def override_problem(self, value) -> str:
        """Why `value` cannot replace this benchmark ('' when it can): not a finite number, or outside the range
        declared in benchmarks.yaml (`allowed`)."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            return f"{value!r} is not a number"
        if not math.isfinite(number):
            return f"{value!r} is not a finite number"
        if not self.allowed_low <= number <= self.allowed_high:
            return (f"{number:g} is outside the range allowed for {self.id} ({self.allowed_low:g} to "
                    f"{self.allowed_high:g} {self.unit})")
        return ""


@dataclass(frozen=True)
class Codebook:
    themes: dict[str, Theme]
    codes: dict[str, Code]
    claims: dict[str, Claim]
    unsettled: dict[str, UnsettledClaim]
    benchmarks: dict[str, Benchmark]
    tolerances: dict[str, Tolerance] = field(default_factory=dict)

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
        if not all(_is_number(v) for v in (low, high)) or low > high:
            raise CodebookError(f"{path}: {label} needs a numeric `value`, or numeric `low` <= `high`")
        allowed = entry.get("allowed")
        if not (isinstance(allowed, list) and len(allowed) == 2 and all(_is_number(v) for v in allowed)
                and allowed[0] <= low <= high <= allowed[1]):
            raise CodebookError(
                f"{path}: {label} needs `allowed: [lowest, highest]`, the range a user may move it in, "
                f"containing its value(s)"
            )
        benchmarks[entry["id"]] = Benchmark(
            id=entry["id"], concept=entry["concept"], unit=entry["unit"], low=float(low), high=float(high),
            label=entry["label"], source=str(entry["source"]).strip(), allowed_low=float(allowed[0]),
            allowed_high=float(allowed[1]), verified=str(entry.get("verified") or "").strip(),
        )
    return benchmarks


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_template(text: str, path: Path, label: str, name: str) -> str:
    try:
        names = [field_name for _, field_name, _, _ in string.Formatter().parse(text) if field_name is not None]
    except ValueError as exc:
        raise CodebookError(f"{path}: {label} field {name!r} is not a valid template ({exc})") from exc
    unknown = [n for n in names if n not in TEMPLATE_FIELDS]
    if unknown:
        raise CodebookError(f"{path}: {label} field {name!r} uses {unknown}; only {{country}} is filled in")
    return text


def load_tolerances(document, catalogue, path: Path) -> dict[str, Tolerance]:
    """The `tolerances` mapping of claims.yaml: indicator id -> {absolute, standard_error, z, why}."""
    raw = document.get("tolerances") or {}
    if not isinstance(raw, dict):
        raise CodebookError(f"{path}: `tolerances` must map indicator ids to {{absolute, standard_error, z, why}}")
    tolerances: dict[str, Tolerance] = {}
    for indicator_id, entry in raw.items():
        label = f"tolerance {indicator_id!r}"
        if not isinstance(entry, dict) or not str(entry.get("why") or "").strip():
            raise CodebookError(f"{path}: {label} must be a mapping with a `why`")
        unknown = sorted(set(entry) - {"absolute", "standard_error", "z", "why", "interval"})
        if unknown:
            raise CodebookError(f"{path}: {label} has unknown field(s) {unknown}")
        absolute, z = entry.get("absolute", 0.0), entry.get("z", 1.0)
        if not (_is_number(absolute) and absolute >= 0 and _is_number(z) and z > 0):
            raise CodebookError(f"{path}: {label} needs `absolute` >= 0 and `z` > 0 (numbers)")
        standard_error = str(entry.get("standard_error") or "")
        interval = entry.get("interval") or []
        if interval and not (isinstance(interval, list) and len(interval) == 2
                             and all(isinstance(i, str) for i in interval)):
            raise CodebookError(f"{path}: {label} `interval` must be [lower series id, upper series id]")
        _check_indicators([i for i in (indicator_id, standard_error, *interval) if i], catalogue, path, label, "")
        if not standard_error and not interval and absolute == 0:
            raise CodebookError(f"{path}: {label} declares none of `absolute`, `standard_error`, `interval`")
        lower, upper = interval if interval else ("", "")
        tolerances[indicator_id] = Tolerance(indicator_id, float(absolute), standard_error, float(z),
                                             str(entry["why"]).strip(), lower, upper)
    return tolerances


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
        question = _check_template(str(entry["question"]), path, label, "question")
        title = _check_template(str(entry.get("title") or ""), path, label, "title")
        absolute = _strings(entry.get("absolute"), path, label, "absolute")
        if absolute and not any(t.rule == "benchmark" and not t.context for t in tests):
            raise CodebookError(
                f"{path}: {label} uses absolute word(s) {list(absolute)} but has no counted `benchmark` test; "
                f"a peer comparison alone cannot show that something is low or high in itself"
            )
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
            question=question, indicators=listed["indicators"], tests=tests, combine=combine,
            codes=claim_codes, preferred=listed["preferred"], proxies={k: str(v).strip() for k, v in proxies.items()},
            context=listed["context"], caveat=str(entry.get("caveat") or "").strip(),
            gaps=str(entry.get("gaps") or "").strip(), title=title, said_of=str(entry.get("said_of") or ""),
            absolute=absolute,
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
    claims_file = directory / CLAIMS_FILE.name
    claims, unsettled = load_claims(themes, codes, benchmarks, catalogue, claims_file)
    tolerances = load_tolerances(_load(claims_file), catalogue, claims_file)
    return Codebook(themes=themes, codes=codes, claims=claims, unsettled=unsettled, benchmarks=benchmarks,
                    tolerances=tolerances)

