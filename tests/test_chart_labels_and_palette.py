"""Line-end labels never print over each other (the pure `spread_apart`, and a claim chart re-placed for a slide's
height), and every colour a chart draws passes WCAG 2.1 AA on white: 3:1 for lines, 4.5:1 for text.

The geometry tests use small hand-made stacks (said in each test); the chart test draws the shipped store's
South Asia comparison, as the seminar deck does.
"""

from __future__ import annotations

import colorsys

import pytest

from src.charts import claims as claim_charts
from src.charts import common
from src.charts.claims import claim_chart
from src.charts.common import contrast_ratio, spread_apart, text_colour
from src.deck.projector import PROJECTOR_TEXT_PX, SLIDE_CHART_STYLE, projector_figure
from src.study.peers import members
from tests.shipped import shipped_study


def overlaps(centres, heights) -> list[tuple[int, int]]:
    pairs = []
    for i in range(len(centres)):
        for j in range(i + 1, len(centres)):
            if abs(centres[i] - centres[j]) < (heights[i] + heights[j]) / 2 - 1e-9:
                pairs.append((i, j))
    return pairs


def test_labels_far_apart_stay_where_they_are():
    wanted, heights = [10.0, 60.0, 120.0], [20.0, 20.0, 20.0]
    assert spread_apart(wanted, heights, floor=0, ceiling=200) == wanted


def test_labels_on_one_value_are_pushed_apart_in_their_order():
    # Three lines ending at the same value: the stack keeps the given order's values apart by one label each.
    wanted, heights = [150.0, 152.0, 151.0], [20.0, 20.0, 30.0]
    centres = spread_apart(wanted, heights, floor=0, ceiling=200)
    assert not overlaps(centres, heights)
    by_height = sorted(range(3), key=lambda i: -centres[i])
    assert by_height == sorted(range(3), key=lambda i: -wanted[i])  # the highest line keeps the highest label
    assert max(centres) <= 152.0  # nothing moves up without being pushed from below


def test_a_stack_pushed_under_the_floor_is_lifted_and_one_over_the_ceiling_comes_down():
    heights = [20.0] * 4
    low = spread_apart([5.0, 4.0, 3.0, 2.0], heights, floor=0, ceiling=300)
    assert not overlaps(low, heights) and min(low) - 10 >= 0
    high = spread_apart([299.0, 298.0], heights[:2], floor=0, ceiling=300)
    assert not overlaps(high, heights[:2]) and max(high) + 10 <= 300


def test_a_stack_taller_than_its_room_runs_over_rather_than_overlap():
    heights = [30.0] * 5
    centres = spread_apart([10.0] * 5, heights, floor=0, ceiling=100)
    assert not overlaps(centres, heights) and min(centres) - 15 >= 0


# --- a slide's chart ----------------------------------------------------------------------------------------

STUDY = shipped_study()
# C1.1's three series: on the page three panels with seven peers each, the crowded slide of issue 13.
C11 = STUDY.codebook.claims["C1.1"]


@pytest.fixture(scope="module")
def slide_chart(shipped_store):
    store = shipped_store
    peers = members("south_asia", store, "PAK", groups=STUDY.peer_groups)
    names = dict(zip(store.countries["iso3"], store.countries["name"]))
    drawn = list(C11.indicators)[:SLIDE_CHART_STYLE.max_panels]
    assert len(drawn) == 3
    years = (STUDY.defaults.chart_start, STUDY.defaults.window[1])
    rows = store.series(drawn, ["PAK", *peers], years)
    figure = claim_chart(rows, claim_id=C11.id, indicator_ids=drawn, indicators=STUDY.indicators, focus="PAK",
                         peers=peers, years=years, names=names, sources=STUDY.sources,
                         benchmarks=claim_charts.claim_benchmarks(STUDY.codebook.benchmarks, STUDY.indicators, drawn),
                         **SLIDE_CHART_STYLE.options())
    return figure, names["PAK"]


def panel_domains(figure) -> list[tuple[float, float]]:
    return [tuple(figure.layout[n].domain) for n in figure.layout
            if n.startswith("yaxis") and figure.layout[n].overlaying is None]


def label_boxes(figure):
    """Each panel's end labels as (centre, height) in pixels."""
    heights = common.panel_heights(figure)
    boxes: dict[str, list[tuple[float, float]]] = {}
    for note in figure.layout.annotations:
        if (note.name or "").startswith(common.END_LABEL_PREFIX):
            low, high = figure.layout["yaxis" + note.yref[1:]].range
            assert low <= note.y <= high, "plotly hides a label whose value is off its axis"
            centre = (note.y - low) / (high - low) * heights[note.yref] + (note.yshift or 0)
            size = (note.text.count("<br>") + 1) * note.font.size * 1.25
            boxes.setdefault(note.yref, []).append((centre, size))
    return boxes


@pytest.mark.parametrize("height", [260, 340, 700])
def test_the_slide_copy_places_its_labels_apart_at_the_slide_height(slide_chart, height):
    figure, focus_name = slide_chart
    projected = projector_figure(figure, height=height)
    boxes = label_boxes(projected)
    assert boxes, "the slide labels its lines"
    # Measured from the bottom of the plotting area, so labels of neighbouring panels are compared too.
    inner = height - projected.layout.margin.t - projected.layout.margin.b
    every = [(centre + projected.layout["yaxis" + yref[1:]].domain[0] * inner, size)
             for yref, panel in boxes.items() for centre, size in panel]
    assert not overlaps([c for c, _ in every], [s for _, s in every]), (height, every)
    texts = [n.text for n in projected.layout.annotations if (n.name or "").startswith(common.END_LABEL_PREFIX)]
    # Only the focus country, the median and benchmarks are labelled on a slide; peers are named on hover.
    assert all(focus_name in t or t.startswith("Median") or t.startswith("Benchmark") for t in texts), texts
    assert any(focus_name in t for t in texts)
    assert all(n.font.size >= PROJECTOR_TEXT_PX for n in projected.layout.annotations)
    assert projected.layout.showlegend is False
    # Every panel of the card's chart, stacked top to bottom with room for the next one's title between them.
    domains = sorted(panel_domains(projected), reverse=True)
    assert len(domains) == len(panel_domains(figure)) == 3
    inner = height - projected.layout.margin.t - projected.layout.margin.b
    for upper, lower in zip(domains, domains[1:]):
        assert (upper[0] - lower[1]) * inner >= PROJECTOR_TEXT_PX * 1.25


def test_the_page_chart_still_labels_each_peer(slide_chart, shipped_store):
    store = shipped_store
    peers = [p for p in members("south_asia", store, "PAK", groups=STUDY.peer_groups) if p != "PAK"]
    names = dict(zip(store.countries["iso3"], store.countries["name"]))
    drawn = list(C11.indicators)[:1]
    rows = store.series(drawn, ["PAK", *peers], (2000, 2023))
    figure = claim_chart(rows, claim_id=C11.id, indicator_ids=drawn, indicators=STUDY.indicators, focus="PAK",
                         peers=peers, years=(2000, 2023), names=names)
    texts = " ".join(n.text for n in figure.layout.annotations if (n.name or "").startswith(common.END_LABEL_PREFIX))
    with_data = set(rows["iso3"])
    assert all(names[p] in texts for p in peers if p in with_data)
    for yref, panel in label_boxes(figure).items():
        assert not overlaps([c for c, _ in panel], [s for _, s in panel]), yref


# --- colours ------------------------------------------------------------------------------------------------

LINE_COLOURS = {
    "focus": common.FOCUS_COLOUR,
    "aggregate": common.AGGREGATE_COLOUR,
    "benchmark": common.BENCHMARK_COLOUR,
    "median": claim_charts.MEDIAN_COLOUR,
    "single peer": claim_charts.PEER_COLOUR,
    **{f"palette {n}": colour for n, colour in enumerate(common.PALETTE)},
}


@pytest.mark.parametrize("name", list(LINE_COLOURS))
def test_every_line_colour_stands_out_from_white_and_its_label_is_readable(name):
    colour = LINE_COLOURS[name]
    assert contrast_ratio(colour) >= common.WCAG_AA_GRAPHICS, (name, colour, contrast_ratio(colour))
    label = text_colour(colour)
    assert contrast_ratio(label) >= common.WCAG_AA_TEXT, (name, label)


def test_chart_text_colours_pass_wcag_aa():
    for colour in (common.TEXT_COLOUR, common.SUBTLE_TEXT_COLOUR, *claim_charts.THEME_KIND_COLOURS.values()):
        assert contrast_ratio(colour) >= common.WCAG_AA_TEXT, colour


def hue(colour: str) -> float:
    return colorsys.rgb_to_hsv(*(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))[0]


def test_a_label_keeps_its_lines_hue_and_the_palette_keeps_tols_and_okabe_itos():
    """The darker variants (line at 3:1, label at 4.5:1) are the declared hue with the channels scaled together."""
    assert len(common.PALETTE) == len(common.LINE_HUES)
    for declared, line in zip(common.LINE_HUES, common.PALETTE):
        assert abs(hue(declared) - hue(line)) < 0.02 and abs(hue(line) - hue(text_colour(line))) < 0.02, line
