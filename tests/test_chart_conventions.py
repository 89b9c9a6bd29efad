"""The claim chart follows the grapher conventions (docs: /work/shared/design/charts.md), on the shipped store.

Expectations come from the shipped store and catalogue: the focus country's latest values, the lower-middle-income
peer group's members, the catalogue's units.
"""

from __future__ import annotations

import functools

import pytest

from src.charts.claims import claim_chart
from src.charts.common import FOCUS_COLOUR, contrast_ratio, short_value, text_colour
from src.study.peers import members
from tests.shipped import shipped_study

STUDY = shipped_study()
INDICATORS = ["sipri_mil_gov_share", "gm_health_gov_share"]
YEARS = (1990, 2024)
WINDOW = (2015, 2024)


@pytest.fixture(scope="module")
def store(shipped_store):
    return shipped_store


@functools.cache
def chart(store, group_id: str, **options):
    """The C1.1 chart for Pakistan and a declared peer group, with its rows and peers: built once per store, group
    and options (three charts serve the nine checks below, each of which only reads it)."""
    group = STUDY.peer_groups[group_id]
    peers = members(group_id, store, "PAK", groups=STUDY.peer_groups)
    names = dict(zip(store.countries["iso3"], store.countries["name"]))
    rows = store.series(INDICATORS, ["PAK", *peers], YEARS)
    fig = claim_chart(rows, claim_id="C1.1", indicator_ids=INDICATORS, indicators=STUDY.indicators, focus="PAK",
                      peers=peers, years=YEARS, names=names, peer_label=group.label, sources=STUDY.sources,
                      events=STUDY.events, window=WINDOW, **options)
    return fig, rows, [p for p in peers if p != "PAK"]


def legend_entries(fig) -> list[str]:
    return [t.name for t in fig.data if t.showlegend is not False]


def test_focus_is_the_thick_blue_line_labelled_with_its_latest_value_and_year(store):
    fig, rows, _ = chart(store, "south_asia")
    focus = [t for t in fig.data if t.name == "Pakistan"]
    assert len(focus) == len(INDICATORS)
    assert all(t.line.color == FOCUS_COLOUR for t in focus)
    assert all(t.line.width > max(o.line.width or 0 for o in fig.data if o.name != "Pakistan") for t in focus)
    labels = [a.text for a in fig.layout.annotations if (a.name or "").startswith("end label")]
    for indicator_id in INDICATORS:
        latest = rows[(rows["iso3"] == "PAK") & (rows["indicator"] == indicator_id)].sort_values("year").iloc[-1]
        said = f"{short_value(latest['value'], STUDY.indicators[indicator_id].unit)} ({int(latest['year'])})"
        assert f"<b>Pakistan</b> {said}" in labels
        assert f"Pakistan {said}" in fig.layout.meta["alt_text"]


def test_a_handful_of_peers_are_lines_in_their_own_colours_each_labelled(store):
    fig, rows, peers = chart(store, "south_asia")
    with_data = [p for p in peers if p in set(rows["iso3"])]
    names = dict(zip(store.countries["iso3"], store.countries["name"]))
    colours = {t.name: t.line.color for t in fig.data if t.name in {names[p] for p in with_data}}
    assert len(colours) == len(with_data) and len(set(colours.values())) == len(with_data)
    labelled = {a.text.split(" ")[0] for a in fig.layout.annotations if (a.name or "").startswith("end label")}
    assert {names[p].split(" ")[0] for p in with_data} <= labelled
    assert len(legend_entries(fig)) <= 8


def test_a_large_group_is_a_band_and_median_with_single_countries_on_request(store):
    fig, rows, peers = chart(store, "lmic")
    with_data = [p for p in peers if p in set(rows["iso3"])]
    assert len(with_data) > 7, "the shipped lower-middle-income group should be large"
    bands = [t for t in fig.data if t.fill == "tonexty"]
    assert len(bands) == len(INDICATORS) and all("Middle half of" in t.name for t in bands)
    names = dict(zip(store.countries["iso3"], store.countries["name"]))
    singles = [t for t in fig.data if t.name in {names[p] for p in with_data}]
    assert singles and all(t.visible == "legendonly" and t.showlegend is False for t in singles)
    entries = legend_entries(fig)
    assert len(entries) <= 8 and "Pakistan" in entries
    assert any(e.startswith("Each of the") for e in entries)
    assert fig.layout.legend.orientation == "h"


def test_nothing_but_end_labels_sits_inside_the_plot_and_the_source_line_is_outside(store):
    for group_id in ("south_asia", "lmic"):
        fig, _, _ = chart(store, group_id)
        for note in fig.layout.annotations:
            name = note.name or ""
            if name.startswith(("end label", "benchmark label")):
                assert note.x == 1 and note.xanchor == "left"  # in the right margin, outside the data
            else:  # a panel title, above its panel
                assert note.yanchor == "bottom" and note.y in {fig.layout[a].domain[1] for a in ("yaxis", "yaxis2")}
        assert not [a for a in fig.layout.annotations if a.name == "source"]
        assert fig.layout.meta["source_line"].count("Source:") == 1


def test_units_are_said_once_per_panel(store):
    fig, _, _ = chart(store, "south_asia")
    texts = [a.text for a in fig.layout.annotations] + [fig.layout.title.text]
    for indicator_id in INDICATORS:
        unit = STUDY.indicators[indicator_id].unit
        assert all(t.count(unit) <= 1 for t in texts)
    assert not fig.layout.yaxis.title.text and not fig.layout.yaxis2.title.text  # the panel title says it


@pytest.mark.parametrize("size", [14, 18])
def test_chart_text_is_large_enough_and_dark_enough(store, size):
    options = {} if size == 14 else {"text_size": size}
    fig, _, _ = chart(store, "south_asia", **options)
    assert fig.layout.font.size >= size and fig.layout.title.font.size > size
    assert fig.layout.legend.font.size >= size and fig.layout.xaxis.tickfont.size >= size
    for note in fig.layout.annotations:
        assert note.font.size >= size
        if note.font.color:
            assert contrast_ratio(note.font.color) >= 4.5, note.text


def test_text_colour_keeps_the_hue_and_passes_wcag_aa():
    for colour in ("#E69F00", "#56B4E9", "#009E73", "#000000"):
        assert contrast_ratio(text_colour(colour)) >= 4.5
    assert text_colour("#000000") == "#000000"


def test_alt_text_has_the_title_and_latest_values(store):
    fig, _, _ = chart(store, "lmic")
    alt = fig.layout.meta["alt_text"]
    assert alt.startswith(fig.layout.title.text.replace("<br>", " ")[:40])
    assert "Median of" in alt and "Latest values" in alt
