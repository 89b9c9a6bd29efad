"""The IMF WEO parser and its refresh, on small files built in the WEO by-countries format (not IMF data).

The fixture follows the real layout: tab-separated, UTF-16 with a byte-order mark, the WEO header, "n/a" and
"--" for missing values, "Estimates Start After", a trailing tab on every line, a blank
line and the footer naming the edition. Its numbers are made up; expectations are computed from the same cells.
"""

from __future__ import annotations

import pytest
import responses

from src.ingest.parsers import imf_weo
from src.ingest.refresh import refresh, shipped_known_codes
from src.ingest.snapshot import read_sidecar
from src.paths import SNAPSHOT_DIR
from src.schema import ParseError
from tests.columns import distinct
from tests.shipped import shipped_indicators, shipped_sources

SOURCES = shipped_sources()
CATALOGUE = shipped_indicators()
WEO = {i.id: i for i in CATALOGUE.values() if i.source == "imf_weo"}
URL = SOURCES["imf_weo"].refresh["url"]
YEARS = ["2021", "2022", "2023", "2024"]
HEADER = ["WEO Country Code", "ISO", "WEO Subject Code", "Country", "Subject Descriptor", "Subject Notes", "Units",
          "Scale", "Country/Series-specific Notes", *YEARS, "Estimates Start After"]
DESCRIPTORS = {"GGXCNL_NGDP": "General government net lending/borrowing",
               "GGXONLB_NGDP": "General government primary net lending/borrowing", "GGR_NGDP": "General government revenue"}
# Made-up cells: (WEO code, ISO, country, estimates start after) -> subject -> year cells.
CELLS = {
    ("564", "PAK", "Pakistan", "2023"): {"GGXCNL_NGDP": ["-6.100", "-7.800", "-7.400", "-6.900"],
                                         "GGXONLB_NGDP": ["-1.400", "-1.000", "0.800", "1.100"],
                                         "GGR_NGDP": ["12.300", "12.100", "11.600", "12.400"]},
    ("534", "IND", "India", "2023"): {"GGXCNL_NGDP": ["-9.200", "-8.600", "-8.000", "n/a"],
                                      "GGXONLB_NGDP": ["-4.200", "-3.300", "-2.800", "-2.500"],
                                      "GGR_NGDP": ["19.200", "19.400", "--", "19.900"]},
    ("967", "UVK", "Kosovo", "2022"): {"GGXCNL_NGDP": ["-1.300", "-0.500", "n/a", "n/a"],
                                       "GGXONLB_NGDP": ["-1.000", "-0.200", "n/a", "n/a"],
                                       "GGR_NGDP": ["27.000", "27.500", "n/a", "n/a"]},
}
FOOTER = "International Monetary Fund, World Economic Outlook Database, October 2024"


def weo_text(cells=CELLS, footer: str = FOOTER) -> str:
    lines = ["\t".join(HEADER) + "\t"]
    for (weo, iso, country, start), subjects in cells.items():
        for code, values in subjects.items():
            lines.append("\t".join([weo, iso, code, country, DESCRIPTORS[code], "notes", "Percent of GDP", "",
                                    "source notes", *values, start]) + "\t")
    return "\r\n".join([*lines, "", footer]) + "\r\n"


def weo_bytes(**kwargs) -> bytes:
    return weo_text(**kwargs).encode("utf-16")  # with a byte-order mark, as the IMF serves it since October 2020


def number(cell: str) -> float | None:
    return None if cell in ("n/a", "--", "") else float(cell.replace(",", ""))


def expected(code: str) -> dict[tuple[str, int], float]:
    iso3 = {"UVK": "XKX"}
    return {(iso3.get(iso, iso), int(year)): number(cell)
            for (_, iso, _, _), subjects in CELLS.items() for year, cell in zip(YEARS, subjects[code])
            if number(cell) is not None}


def parse_text(tmp_path, content: bytes, name: str = "WEOOct2024all.ashx"):
    folder = tmp_path / "imf_weo"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(content)
    return imf_weo.parse(folder, CATALOGUE)


def values_of(frame, indicator: str) -> dict[tuple[str, int], float]:
    rows = frame[frame["indicator"] == indicator]
    return {(i, int(y)): v for i, y, v in zip(rows["iso3"], rows["year"], rows["value"])}


def test_the_published_subjects_are_read_as_published(tmp_path):
    frame = parse_text(tmp_path, weo_bytes())
    by_code = {i.code: i.id for i in WEO.values() if not i.extra.get("computed_from")}
    assert set(by_code) == set(DESCRIPTORS)
    for code, indicator in by_code.items():
        assert values_of(frame, indicator) == pytest.approx(expected(code)), code
    assert not frame.loc[frame["indicator"].isin(list(by_code.values())), "computed"].any()
    assert distinct(frame["source"]) == {"imf_weo"} and distinct(frame["file"]) == {"imf_weo/WEOOct2024all.ashx"}


def test_interest_is_computed_from_the_two_balances_and_labelled(tmp_path):
    frame = parse_text(tmp_path, weo_bytes())
    overall, primary, revenue = expected("GGXCNL_NGDP"), expected("GGXONLB_NGDP"), expected("GGR_NGDP")
    interest = {key: primary[key] - overall[key] for key in primary.keys() & overall.keys()}
    share = {key: interest[key] / revenue[key] * 100 for key in interest.keys() & revenue.keys()}
    assert values_of(frame, "imf_weo_interest_gdp") == pytest.approx(interest)
    assert values_of(frame, "imf_weo_interest_revenue") == pytest.approx(share)
    computed = frame[frame["indicator"].isin(["imf_weo_interest_gdp", "imf_weo_interest_revenue"])]
    assert computed["computed"].all() and computed["note"].str.contains("Computed").all()
    assert ("IND", 2024) not in interest and ("IND", 2024) not in share  # n/a overall balance: no value, no fill


def test_years_after_estimates_start_after_are_noted_as_estimates(tmp_path):
    frame = parse_text(tmp_path, weo_bytes())
    rows = frame[frame["indicator"] == "imf_weo_net_lending"].set_index(["iso3", "year"])["note"]
    assert "estimate" in rows[("PAK", 2024)] and "estimate" not in rows[("PAK", 2023)]
    assert "estimate" not in rows[("XKX", 2022)] and "October 2024" in rows[("PAK", 2021)]


def test_thousands_separators_are_read_and_other_text_is_refused():
    cells = imf_weo.pd.Series(["1,027.500", "-2,345", "12.5", "n/a", "--", ""], dtype="string")
    assert imf_weo.to_values(cells, "cells").tolist()[:3] == [1027.5, -2345.0, 12.5]
    assert imf_weo.to_values(cells, "cells").isna().tolist()[3:] == [True] * 3
    with pytest.raises(ParseError, match="1,02"):
        imf_weo.to_values(imf_weo.pd.Series(["1,02"], dtype="string"), "cells")


def test_a_latin1_file_of_an_older_edition_is_read(tmp_path):
    frame = parse_text(tmp_path, weo_text().encode("latin-1"))
    assert values_of(frame, "imf_weo_revenue_gdp") == pytest.approx(expected("GGR_NGDP"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><body>Page not found</body></html>", "not the WEO tab-separated layout"),
        (weo_text(footer="").encode("utf-16"), "no footer line"),
        (weo_text().replace("-7.800", "x7.8").encode("utf-16"), "x7.8"),
        (weo_text().replace("\tUVK\t", "\tKOSOVO\t").encode("utf-16"), "KOSOVO"),
        (weo_text().replace("Percent of GDP", "National currency").encode("utf-16"), "National currency"),
    ],
    ids=["web page", "cut short", "unknown marker", "unknown code", "other unit"],
)
def test_a_malformed_file_is_refused_naming_what_is_wrong(tmp_path, content, message):
    with pytest.raises(ParseError, match=message):
        parse_text(tmp_path, content)


def test_two_editions_in_the_folder_are_refused(tmp_path):
    parse_text(tmp_path, weo_bytes())
    with pytest.raises(ParseError, match="expected one file"):
        parse_text(tmp_path, weo_bytes(), name="WEOApr2025all.ashx")


@pytest.fixture
def snapshots(tmp_path):
    root = tmp_path / "snapshots"
    root.mkdir()
    return root


def run(snapshots):
    lines = []
    [outcome] = refresh(["imf_weo"], snapshot_dir=snapshots, sources=SOURCES, catalogue=CATALOGUE,
                        progress=lines.append, known_codes=shipped_known_codes(SNAPSHOT_DIR))
    return outcome, lines


def test_the_refresh_downloads_validates_and_records_the_weo_file(no_network, snapshots):
    no_network.add(responses.GET, URL, body=weo_bytes())
    outcome, lines = run(snapshots)
    assert outcome.status == "updated", (outcome.detail, lines)
    saved = snapshots / "imf_weo" / URL.rsplit("/", 1)[1]
    assert saved.read_bytes() == weo_bytes()
    meta = read_sidecar(saved)
    assert meta["outs"]["url"] == URL and meta["origin"]["producer"] == "International Monetary Fund"


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [(b"", 404, "HTTP 404"), (weo_text(footer="").encode("utf-16"), 200, "no footer line")],
    ids=["not found", "cut short"],
)
def test_a_failed_weo_refresh_leaves_nothing_behind(no_network, snapshots, body, status, reason):
    no_network.add(responses.GET, URL, body=body, status=status)
    outcome, _ = run(snapshots)
    assert outcome.status == "kept" and reason in outcome.detail
    assert not (snapshots / "imf_weo").exists()


def test_the_weo_source_is_bounded_and_ships_nothing():
    source = SOURCES["imf_weo"]
    assert source.refresh["method"] == "direct" and source.refresh["max_bytes"] > 0
    assert source.refresh["deadline_seconds"] > 0 and source.hosts == ("www.imf.org",)
    assert not (SNAPSHOT_DIR / source.folder).exists()
    assert all(not i.in_snapshot for i in WEO.values())
