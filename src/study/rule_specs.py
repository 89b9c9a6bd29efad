"""The rule vocabulary: which rules a claim's tests may use, their parameters, and the chart each one gets.

It sits in the study layer because the codebook loader validates declared tests against it; the checks that run
a rule live above, in src/claims/rules.py, which pairs each spec here with exactly one check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CHART_KINDS = ("lines", "periods")


@dataclass(frozen=True)
class Param:
    """One parameter of a rule: kind is slot (an indicator id or a list of alternatives), slots (a list of slots),
    choice, number, int, str or bool."""

    kind: str
    required: bool = True
    choices: tuple[str, ...] = ()
    default: object = None
    help: str = ""


@dataclass(frozen=True)
class RuleSpec:
    """A rule as declared: `chart` says which chart a claim part drawn with it gets (one of CHART_KINDS)."""

    key: str
    title: str
    human: str
    params: Mapping[str, Param]
    chart: str


SLOT = Param("slot", help="indicator id, or [preferred, fallback, ...]")
DIRECTION = Param("choice", choices=("above", "below"))
RECENT = Param("int", required=False, help="use only the last N years of the window")
MIN_PEERS = Param("int", required=False, default=3, help="fewest peers with data for a median (never fewer than 3)")
TOLERANCE = Param("number", required=False,
                  help="a difference at most this (in the indicator's unit) is too close to call; overrides the "
                       "indicator's tolerance declared in claims.yaml `tolerances`")
SUMMARY = Param("choice", required=False, choices=("latest", "mean"), default="latest",
                help="latest: each country's latest value in the years; mean: its average over them")
MIN_YEARS = Param("int", required=False, help="with summary: mean, fewest years with a value (default: 3)")
# The smallest median a peer comparison may rest on, whatever a claim declares.
MIN_PEERS_FLOOR = 3

RULE_SPECS: tuple[RuleSpec, ...] = (
    RuleSpec(
        key="peer_median",
        title="Compare with the peer median (or a published aggregate)",
        human="{focus}'s latest {indicator} is {direction} the median of its peers' latest values "
        "(or, with `reference`, the published aggregate such as World).",
        params={"indicator": SLOT, "direction": DIRECTION, "reference": Param("str", required=False, default="median"),
                "recent_years": RECENT, "min_peers": MIN_PEERS, "tolerance": TOLERANCE, "summary": SUMMARY,
                "min_years": MIN_YEARS},
        chart="lines",
    ),
    RuleSpec(
        key="benchmark",
        title="Compare with a benchmark",
        human="{focus}'s latest {indicator} is {direction} the benchmark value "
        "(the user may move it within its range).",
        params={"indicator": SLOT, "benchmark": Param("str"),
                "direction": Param("choice", choices=("above", "below", "within")), "recent_years": RECENT,
                "tolerance": TOLERANCE, "summary": SUMMARY, "min_years": MIN_YEARS},
        chart="lines",
    ),
    RuleSpec(
        key="other_indicator",
        title="Compare with another indicator",
        human="In the latest year with all series, {focus}'s {indicator} is {direction} the sum of the other "
        "series; with versus: peer_median, the ratio of the two is {direction} the peers' median ratio.",
        params={"indicator": SLOT, "other": Param("slots"), "direction": DIRECTION,
                "versus": Param("choice", required=False, choices=("self", "peer_median"), default="self"),
                "recent_years": RECENT, "min_peers": MIN_PEERS, "tolerance": TOLERANCE,
                "ratio_tolerance": Param("number", required=False, default=0.05,
                                         help="with versus: peer_median, ratios within this share of the median "
                                              "(0.05 = 5%) are too close to call")},
        chart="lines",
    ),
    RuleSpec(
        key="trend",
        title="Trend over the window",
        human="{focus}'s {indicator} is {direction} between its first and last value in the window "
        "(at least `min_span` years apart) by more than the declared `min_change`; a smaller move is too close.",
        params={"indicator": SLOT, "direction": Param("choice", choices=("rising", "falling")),
                "min_change": Param("number", help="the smallest change (in the indicator's unit) that counts"),
                "min_span": Param("int", required=False, default=3), "recent_years": RECENT},
        chart="lines",
    ),
    RuleSpec(
        key="percentile_band",
        title="Rank / percentile band",
        human="{focus}'s latest {indicator} sits in the percentile band low-high among all countries "
        "(as published for WGI percentile ranks, computed from the values otherwise).",
        params={"indicator": SLOT, "low": Param("number"), "high": Param("number"),
                "published": Param("bool", required=False, default=False), "recent_years": RECENT,
                "tolerance": TOLERANCE},
        chart="lines",
    ),
    RuleSpec(
        key="largest_share",
        title="Largest of several shares",
        human="{focus}'s latest {indicator} is larger than each of the other shares (each at its own latest year).",
        params={"indicator": SLOT, "others": Param("slots"), "recent_years": RECENT, "tolerance": TOLERANCE},
        chart="lines",
    ),
    RuleSpec(
        key="share_of_years",
        title="Share of years with an event",
        human="The years of {kind} events for {focus} since {since}, divided by the years since then, "
        "fall in low-high.",
        params={"kind": Param("str"), "since": Param("int"), "low": Param("number"), "high": Param("number")},
        chart="periods",
    ),
    RuleSpec(
        key="event_count",
        title="Count of dated events",
        human="The events of {kind} for {focus} from {since} to the window's end number at least `at_least`.",
        params={"kind": Param("str"), "since": Param("int"), "at_least": Param("int")},
        chart="periods",
    ),
)
RULE_SPECS_BY_KEY: dict[str, RuleSpec] = {spec.key: spec for spec in RULE_SPECS}


def slot_ids(slot) -> list[str]:
    """The indicator ids of one slot: an id, or [preferred, fallback, ...]."""
    return [slot] if isinstance(slot, str) else [str(item) for item in slot]


def _is_slot(value) -> bool:
    """An indicator slot: one id, or a non-empty list of ids (preferred first)."""
    if isinstance(value, str):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def param_problems(rule: RuleSpec, params: Mapping) -> list[str]:
    """What is wrong with `params` for `rule` (empty when fine): unknown or missing names, wrong kinds."""
    problems = [f"unknown parameter {name!r}" for name in params if name not in rule.params]
    for name, spec in rule.params.items():
        if name not in params:
            if spec.required:
                problems.append(f"missing parameter {name!r}")
            continue
        value = params[name]
        if spec.kind == "slot" and not _is_slot(value):
            problems.append(f"{name!r} must be an indicator id or a list of ids")
        elif spec.kind == "slots" and not (isinstance(value, list) and value and all(_is_slot(v) for v in value)):
            problems.append(f"{name!r} must be a list of indicator ids (or of lists of ids)")
        elif spec.kind == "choice" and value not in spec.choices:
            problems.append(f"{name!r} is {value!r}; use one of {list(spec.choices)}")
        elif spec.kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(f"{name!r} must be a number")
        elif spec.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"{name!r} must be a whole number")
        elif spec.kind == "bool" and not isinstance(value, bool):
            problems.append(f"{name!r} must be true or false")
        elif spec.kind == "str" and not isinstance(value, str):
            problems.append(f"{name!r} must be text")
    return problems


def indicator_ids_in(rule: RuleSpec, params: Mapping) -> list[str]:
    """Every indicator id a test's parameters name (all alternatives of every slot)."""
    ids: list[str] = []
    for name, spec in rule.params.items():
        if name not in params:
            continue
        if spec.kind == "slot":
            ids.extend(slot_ids(params[name]))
        elif spec.kind == "slots":
            for slot in params[name]:
                ids.extend(slot_ids(slot))
    return ids
