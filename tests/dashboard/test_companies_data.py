"""Companies directory and profile shaping: filters, district counts and outlines, records as written."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import companies_data as cdata
from dashboard import queries
from dashboard.areas import companies_in_area
from dashboard.geo import kaluga_districts


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
    assert {"novo_nordisk", "astrazeneca", "mir_pharm"} <= set(shown["key"])
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
    figure = cdata.district_map_figure(shapes, counts, "en", selected="Обнинск", unit="companies")
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
