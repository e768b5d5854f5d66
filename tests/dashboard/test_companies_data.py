"""Companies directory and profile shaping: filters, district counts and outlines, records as written."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import companies_data as cdata
from dashboard import queries
from dashboard.areas import companies_in_area
from dashboard.geo import kaluga_districts
from tests.dashboard.dash_callbacks import call, valid_figures


@pytest.fixture
def frames(atlas_app):
    with atlas_app.server.app_context():
        yield {"companies": queries.companies(), "products": queries.products(),
               "investments": queries.investments(), "events": queries.events()}


@pytest.fixture
def districts() -> dict:
    geojson = kaluga_districts()
    if geojson is None:
        pytest.skip("data/geo/kaluga_districts.geojson is not bundled")
    return geojson


def test_directory_filters(frames):
    companies = frames["companies"]
    assert len(companies) == 22
    obninsk = cdata.filter_companies(companies, district="Обнинск")
    assert "bion" in set(obninsk["key"]) and (obninsk["district"] == "Обнинск").all()
    assert set(cdata.filter_companies(companies, district=cdata.UNMAPPED)["key"]) == {
        "astrafarm_kaluga", "miraksbiopharma"}
    # Every word must match somewhere (names, site, parent, country, kind, products).
    assert set(cdata.filter_companies(companies, query="denmark INSULIN")["key"]) == {"novo_nordisk"}
    assert cdata.filter_companies(companies, query="no such company").empty
    endocrine = companies_in_area("endocrinology", frames["products"], companies)
    shown = cdata.filter_companies(companies, endocrine)
    assert {"novo_nordisk", "astrazeneca"} <= set(shown["key"])
    assert "mir_pharm" not in set(shown["key"])  # carbetocin is obstetric (H01BB), not endocrine
    assert "bion" not in set(shown["key"])
    assert len(cdata.filter_companies(companies, None)) == 22


def test_district_counts_cover_every_district(frames, districts):
    names = [f["properties"]["district"] for f in districts["features"]]
    counts = cdata.district_counts(frames["companies"], names, "en").set_index("district")
    assert len(counts) == 26
    assert counts["companies"].sum() == 22 - 2  # two companies have no single district
    assert counts.loc["Боровский район", "companies"] == 7
    assert counts.loc["Обнинск", "companies"] == 8
    assert counts.loc["Обнинск", "label"] == "Obninsk (city)"
    assert counts.loc["Жуковский район", "companies"] == 0
    assert "Novo Nordisk" in counts.loc["Калуга", "names"]


def test_district_shapes_and_map(frames, districts):
    shapes = cdata.district_shapes(districts)
    assert len(shapes) == 26 and shapes["area"].is_monotonic_decreasing
    kaluga = shapes.set_index("district").loc["Калуга"]
    xs = [x for x in kaluga["x"] if x is not None]
    ys = [y for y in kaluga["y"] if y is not None]
    assert min(xs) < kaluga["cx"] < max(xs) and min(ys) < kaluga["cy"] < max(ys)
    assert 1.6 < cdata.aspect_ratio(shapes) < 1.8  # 1 / cos(54.5°)
    counts = cdata.district_counts(frames["companies"], shapes["district"], "en")
    figure = go.Figure(cdata.district_map_figure(shapes, counts, "en", selected="Обнинск", unit="companies"))
    traces = {trace.name: trace for trace in figure.data}
    markers = traces["companies"]
    assert sorted(int(v) for v in markers.text) == [1, 4, 7, 8]
    assert {row[0] for row in markers.customdata} == {"Калуга", "Обнинск", "Боровский район", "Бабынинский район"}
    assert "selected" in traces and figure.layout.yaxis.scaleanchor == "x"


def test_unknown_company_and_district_labels(frames):
    assert cdata.find_company(frames["companies"], "no_such_company") is None
    assert cdata.find_company(frames["companies"], None) is None
    assert cdata.find_company(frames["companies"], "bion")["name_en"] == "Bion"
    assert cdata.district_label("Боровский район", "en") == "Borovsky District"
    assert cdata.district_label("Боровский район", "ru") == "Боровский район"
    assert cdata.district_label("Неизвестный район", "en") == "Неизвестный район"


def test_investments_are_shown_as_written(frames):
    novo = cdata.company_investments(frames["investments"], "novo_nordisk")
    assert {">8 bn RUB", "~100 mln USD", "80-100 mln USD"} <= set(novo["amount"])
    assert set(novo["status"]) <= {"made", "planned", "allocated"}
    assert novo["source_url"].str.startswith("http").all()
    assert cdata.amount_as_written(" >8", "bn RUB") == ">8 bn RUB"
    assert cdata.amount_as_written("93.3", None) == "93.3"


def test_events_in_date_order_and_sources_once(frames):
    events = cdata.company_events(frames["events"], "novo_nordisk")
    assert len(events) == 13
    assert events["date"].iat[0].startswith("2010")
    assert events["date"].iat[-1].startswith("2021")
    urls = cdata.profile_source_urls(pd.DataFrame({"source_url": ["https://a", None]}), events,
                                     pd.DataFrame({"source_url": ["https://a"]}))
    assert urls[0] == "https://a" and urls.count("https://a") == 1
    assert len(urls) == len(set(urls))


def test_outlines_are_computed_once_and_sent_exactly(districts):
    shapes = cdata.outlines()
    assert shapes is cdata.outlines()  # once per process
    pd.testing.assert_frame_equal(shapes, cdata.district_shapes(districts))
    # The typed arrays hold every coordinate to the boundary file's 4 decimals (single precision: rounded to
    # them, each is the file's number exactly), NaN where a ring ends (None in x).
    for xs, data in zip(shapes["x"], shapes["x_data"], strict=True):
        decoded = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
        assert data["dtype"] == "f4"
        assert [None if np.isnan(v) else round(float(v), 4) for v in decoded] == xs
    # Numbers single precision would not keep to their written decimals are sent in double precision, exactly.
    def sent(values):
        data = cdata.typed_array(values)
        decoded = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
        return data["dtype"], [None if np.isnan(v) else float(v) for v in decoded]

    assert sent([36.12345678, None, 54.5]) == ("f8", [36.12345678, None, 54.5])
    assert sent([1234567.25]) == ("f4", [1234567.25])
    dtype, values = sent([0.1, 2.0, None])
    assert dtype == "f4" and [None if v is None else round(v, 1) for v in values] == [0.1, 2.0, None]


@pytest.mark.parametrize(("district", "query", "area", "lang"), [
    (None, "", None, "en"), ("Обнинск", "", None, "ru"), (cdata.UNMAPPED, "", None, "en"),
    (None, "nearmedic", "endocrinology", "en"), ("Калуга", "no such company", None, "ru"),
    # No company of the area is in the district: an empty directory, and the search must not fail.
    ("Обнинск", "pharm", "endocrinology", "en"), (None, "pharm", "no_such_area", "en"),
])
def test_every_map_state_is_a_valid_plotly_figure(client, district, query, area, lang):
    response = call(client, "companies-map-graph.figure", {
        "companies-district": district, "companies-search": query, "global-area": area, "companies-lang": lang})
    figure = valid_figures(response)["companies-map-graph"]
    names = {trace.name for trace in figure.data}
    assert ("selected" in names) == (district not in (None, cdata.UNMAPPED))
    assert figure.layout.height == 520 and figure.layout.yaxis.scaleanchor == "x"
    cards = call(client, "companies-cards.children", {
        "companies-district": district, "companies-search": query, "global-area": area, "companies-lang": lang})
    assert "companies-count" in cards


@pytest.mark.parametrize(("key", "lang"), [("novo_nordisk", "en"), ("bion", "ru"), ("astrafarm_kaluga", "en")])
def test_every_profile_map_is_a_valid_plotly_figure(client, key, lang):
    figure = valid_figures(call(client, "company-map-graph.figure", {"company-key": key, "company-lang": lang}))
    figure = figure["company-map-graph"]
    markers = [trace for trace in figure.data if trace.name == "companies"]
    if key == "astrafarm_kaluga":  # no single district: an empty state says why
        assert not figure.data and figure.layout.annotations
    else:
        assert [int(v) for v in markers[0].text] == [1] and figure.layout.height == 340
