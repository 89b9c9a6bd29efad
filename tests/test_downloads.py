"""The download bundle (src.views.downloads) on rows from the shipped store and the shipped source catalogue:
the zip holds the CSV, a README, metadata naming each original producer, licence and citation, and BibTeX."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest

from src.views.downloads import BIBTEX_NAME, CSV_NAME, METADATA_NAME, README_NAME, bibtex_entry, bundle_zip


@pytest.fixture(scope="module")
def shipped_rows(study, shipped_store):
    """A few real rows from two sources, as a page would download them (military spending, HDI)."""
    store = shipped_store
    return pd.concat([store.series("wdi_mil_gdp", ["PAK", "IND"], (2015, 2020)),
                      store.series("undp_hdi", ["PAK"], (2015, 2020))], ignore_index=True)


def open_bundle(rows, study) -> zipfile.ZipFile:
    data = bundle_zip(rows, title="Test view", sources=study.sources, indicators=study.indicators,
                      filters={"focus": "PAK", "years": "2015-2020"})
    return zipfile.ZipFile(io.BytesIO(data))


def test_the_zip_holds_csv_readme_metadata_and_bibtex(shipped_rows, study):
    bundle = open_bundle(shipped_rows, study)
    assert sorted(bundle.namelist()) == sorted([CSV_NAME, README_NAME, METADATA_NAME, BIBTEX_NAME])
    csv = pd.read_csv(bundle.open(CSV_NAME))
    assert len(csv) == len(shipped_rows)
    assert {"licence", "citation", "source_title"} <= set(csv.columns)
    assert csv["value"].round(6).tolist() == shipped_rows["value"].round(6).tolist()


def test_metadata_names_each_original_producer_licence_and_citation(shipped_rows, study):
    metadata = json.loads(open_bundle(shipped_rows, study).read(METADATA_NAME))
    used = sorted(shipped_rows["source"].unique())
    assert [s["id"] for s in metadata["sources"]] == used
    for entry in metadata["sources"]:
        declared = study.sources[entry["id"]]
        assert (entry["producer"], entry["licence"], entry["citation"]) == (
            declared.producer, declared.licence, declared.citation)
    assert {i["id"] for i in metadata["indicators"]} == set(shipped_rows["indicator"])
    assert metadata["settings"] == {"focus": "PAK", "years": "2015-2020"} and metadata["rows"] == len(shipped_rows)


def test_readme_and_bibtex_cite_every_source(shipped_rows, study):
    bundle = open_bundle(shipped_rows, study)
    readme = bundle.read(README_NAME).decode()
    bibtex = bundle.read(BIBTEX_NAME).decode()
    for source_id in shipped_rows["source"].unique():
        declared = study.sources[source_id]
        assert declared.citation in readme and declared.licence in readme
        assert f"@misc{{{source_id}," in bibtex
        assert declared.producer.replace("{", "(").replace("}", ")") in bibtex
    assert bibtex.count("{") == bibtex.count("}")  # every entry closes


def test_an_unknown_source_is_named_not_dropped(study):
    rows = pd.DataFrame({"source": ["not_a_source"], "indicator": ["x"], "value": [1.0]})
    metadata = json.loads(open_bundle(rows, study).read(METADATA_NAME))
    assert metadata["sources"] == [{"id": "not_a_source", "producer": "", "citation": "", "licence": "",
                                    "note": "not in the source catalogue"}]
    assert bibtex_entry("not_a_source", study.sources) == ""
