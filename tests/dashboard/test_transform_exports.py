"""A transformed indicators view exports the numbers its chart draws: for every transform the page offers, the
figure's numbers equal the card's CSV (the API's CSV for the view, byte for byte) and its XLSX, and the files say
the figures are derived and how. Over the bundled database (tests/dashboard/conftest.py), through the Dash callbacks
and the API as the browser calls them."""

from __future__ import annotations

import base64
import csv
import io
import json
import sys
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from dashboard import api, queries
from dashboard.editions import edition_short
from dashboard.model.export import csv_bytes
from dashboard.transforms import TRANSFORMS
from tests.dashboard.dash_callbacks import call

REGIONS = ["RU-KLU", "RU-TUL"]
CONTROLS = {"indicators-indicator": "grp", "indicators-regions": REGIONS, "indicators-years": [2010, 2017],
            "indicators-view": "line", "indicators-transform": "published", "indicators-year": "2017",
            "indicators-edition": None, "indicators-lang": "ru"}


@pytest.fixture
def page(atlas_app):
    module = next(m for name, m in sys.modules.items() if name.endswith("indicators") and hasattr(m, "render_view"))
    with atlas_app.server.app_context():
        yield module


def _chart(client, **controls) -> dict:
    return call(client, "indicators-chart-graph.figure", {**CONTROLS, **controls})


def _csv(client, href: str) -> list[dict]:
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "text/csv", response.data[:300]
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def _number(text: str) -> float | None:
    return float(text) if text else None


def _points(figure: dict) -> dict[tuple, float | None]:
    """A line chart's numbers by (region name, x, edition as the hover names it)."""
    return {(trace["name"], x, custom[2]): y for trace in figure["data"] if trace.get("type") == "scatter"
            for x, y, custom in zip(trace["x"], trace["y"], trace["customdata"], strict=True)}


def _offered(page) -> list[str]:
    return [o["value"] for o in page._transform_options("grp", "ru") if not o["disabled"]]


def test_the_page_offers_the_transforms_the_api_takes(page):
    parameter = next(p for p in api.ENDPOINTS["observations"].params if p.name == "transform")
    assert _offered(page) == list(parameter.enum) == list(TRANSFORMS)


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_one_edition_chart_numbers_are_the_csv_numbers_and_the_apis_bytes(client, atlas_app, page, transform):
    assert transform in _offered(page)
    response = _chart(client, **{"indicators-transform": transform, "indicators-edition": "RR-2021"})
    figure = response["indicators-chart-graph"]["figure"]
    href = response["indicators-chart-csv"]["href"]
    query = parse_qs(urlsplit(href).query)
    assert query.get("transform") == (None if transform == "published" else [transform])
    rows = _csv(client, href)
    # Every number the chart draws, and no other: one edition, so one figure per region and year either way.
    drawn = {(name, x): y for (name, x, _edition), y in _points(figure).items()}
    exported = {(r["region_name"], int(r["period"])): _number(r["value"]) for r in rows}
    assert drawn == exported and sum(v is not None for v in drawn.values()) >= 12
    # The card's CSV is the API's answer for the view, byte for byte (one code path).
    params = {k: v[0] for k, v in query.items() if k != "format"}
    with atlas_app.server.app_context():
        assert client.get(href).data == csv_bytes(api.table_for(queries.engine(), "observations", **params))
    # Labelled as what it is: the transform, how it was derived, and the unit the card shows.
    assert {r["transform"] for r in rows} == {transform}
    assert {r["unit"] for r in rows} == {response["indicators-chart-unit"]["children"]}
    notes = {r["transform_note"] for r in rows}
    assert notes == {""} if transform == "published" else (len(notes) == 1 and "" not in notes)
    if transform == "per_capita":
        # The population it divides by, named as the page's note names it.
        [note] = notes
        population = next(li["props"]["children"] for li in response["indicators-notes"]["children"]
                          if "численности населения" in li["props"]["children"])
        assert population[population.index("("):] in note


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_merged_editions_every_point_drawn_is_its_editions_row_in_the_csv(client, page, transform):
    response = _chart(client, **{"indicators-transform": transform})
    rows = _csv(client, response["indicators-chart-csv"]["href"])
    exported = {(r["region_name"], int(r["period"]), edition_short(r["edition"], "ru")): _number(r["value"])
                for r in rows}
    drawn = _points(response["indicators-chart-graph"]["figure"])
    assert drawn and sum(v is not None for v in drawn.values()) >= 12
    for key, value in drawn.items():
        assert exported[key] == value, key


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_ranking_bars_are_the_csv_numbers(client, page, transform):
    response = _chart(client, **{"indicators-transform": transform, "indicators-view": "ranking"})
    [bar] = response["indicators-chart-graph"]["figure"]["data"]
    rows = _csv(client, response["indicators-chart-csv"]["href"])
    exported = {(r["region_name"], r["period"], edition_short(r["edition"], "ru")): _number(r["value"])
                for r in rows}
    assert len(bar["x"]) >= 70
    for value, custom in zip(bar["x"], bar["customdata"], strict=True):
        assert exported[(custom[0], custom[1], custom[2])] == value, custom


def test_year_on_year_from_rosstats_published_index_exports_that_index_minus_100(client, page):
    partner = queries.published_yoy("avg_wage")
    assert partner  # the bundled data publish the wage's own year-on-year index
    response = _chart(client, **{"indicators-indicator": "avg_wage", "indicators-transform": "yoy",
                                 "indicators-years": [2011, 2015], "indicators-regions": ["RU-KLU"]})
    rows = _csv(client, response["indicators-chart-csv"]["href"])
    exported = {(r["region_name"], page._period_x(r["period"], "month"), edition_short(r["edition"], "ru")):
                _number(r["value"]) for r in rows}
    drawn = _points(response["indicators-chart-graph"]["figure"])
    assert sum(v is not None for v in drawn.values()) >= 24
    for key, value in drawn.items():
        assert exported[key] == value, key
    published = {(r["region_code"], r["period"], r["edition"]): float(r["value"]) for r in
                 _csv(client, api.link("observations", indicator=partner, region=["RU-KLU"], format="csv"))
                 if r["value"]}
    for row in rows:
        if row["value"]:
            assert float(row["value"]) == published[(row["region_code"], row["period"], row["edition"])] - 100
    assert {r["indicator_code"] for r in rows} == {"avg_wage"}
    assert {r["transform"] for r in rows} == {"yoy"} and all(partner in r["transform_note"] for r in rows)


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("transform", TRANSFORMS)
def test_the_apis_unit_is_the_cards_unit_in_each_language(client, atlas_app, transform, lang):
    response = _chart(client, **{"indicators-transform": transform, "indicators-lang": lang})
    params = {k: v[0] for k, v in parse_qs(urlsplit(response["indicators-chart-api"]["href"]).query).items()}
    with atlas_app.server.app_context():
        table = api.table_for(queries.engine(), "observations", **{**params, "lang": lang})
    assert set(table.column("unit")) == {response["indicators-chart-unit"]["children"]}


def _xlsx_of_card(client, response: dict, lang: str = "ru") -> openpyxl.Workbook:
    """The card's XLSX through its callback, with what the browser reports about the card (its CSV link)."""
    card = {"card": "indicators-chart", "title": "ВРП", "unit": response["indicators-chart-unit"]["children"],
            "csv": response["indicators-chart-csv"]["href"]}
    request = {"cards": [card], "url": "http://127.0.0.1:8050/indicators?indicator=grp", "lang": lang, "at": 1}
    key = '{"card":"indicators-chart","type":"chart-xlsx-download"}'
    payload = {
        "output": '{"card":["MATCH"],"type":"chart-xlsx-download"}.data',
        "outputs": {"id": {"card": "indicators-chart", "type": "chart-xlsx-download"}, "property": "data"},
        "inputs": [{"id": {"card": "indicators-chart", "type": "chart-xlsx-request"}, "property": "data",
                    "value": request}],
        "state": [{"id": {"card": "indicators-chart", "type": "chart-data"}, "property": "data", "value": None}],
        "changedPropIds": ['{"card":"indicators-chart","type":"chart-xlsx-request"}.data'],
    }
    answer = client.post("/_dash-update-component", json=payload)
    assert answer.status_code == 200, answer.data[:300]
    body = json.loads(answer.data)["response"][key]["data"]
    return openpyxl.load_workbook(io.BytesIO(base64.b64decode(body["content"])))


def _page_pack(client, response: dict) -> openpyxl.Workbook:
    card = {"card": "indicators-chart", "title": "ВРП", "unit": response["indicators-chart-unit"]["children"],
            "csv": response["indicators-chart-csv"]["href"]}
    request = {"cards": [card], "url": "http://127.0.0.1:8050/indicators", "lang": "ru", "at": 1}
    payload = {
        "output": "page-pack-download.data",
        "outputs": {"id": "page-pack-download", "property": "data"},
        "inputs": [{"id": "page-pack-request", "property": "data", "value": request}],
        "state": [[{"id": {"card": "indicators-chart", "type": "chart-data"}, "property": "data", "value": None}]],
        "changedPropIds": ["page-pack-request.data"],
    }
    answer = client.post("/_dash-update-component", json=payload)
    assert answer.status_code == 200, answer.data[:300]
    body = json.loads(answer.data)["response"]["page-pack-download"]["data"]
    return openpyxl.load_workbook(io.BytesIO(base64.b64decode(body["content"])))


def _sheet_rows(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_xlsx_and_page_pack_hold_the_csv_numbers_and_state_the_transform(client, transform):
    response = _chart(client, **{"indicators-transform": transform, "indicators-edition": "RR-2021"})
    rows = _csv(client, response["indicators-chart-csv"]["href"])
    unit = response["indicators-chart-unit"]["children"]
    for book, data in ((b := _xlsx_of_card(client, response), b["Данные"]),
                       (p := _page_pack(client, response), p["Данные"])):  # (one chart: one data sheet)
        sheet = _sheet_rows(data)
        value = f"value, {unit}"
        assert [r[value] for r in sheet] == [_number(r["value"]) for r in rows]  # typed numbers, every digit
        assert [r["period"] for r in sheet] == [r["period"] for r in rows]
        assert {r["transform"] for r in sheet} == {transform}
        about = [row for row in book["О данных"].iter_rows(values_only=True) if row[0] == "Преобразование"]
        if transform == "published":
            assert about == [("Преобразование", "published (значения как опубликованы)")]
        else:
            [(_label, text)] = about
            assert text.startswith(f"{transform} (производные значения): ") and rows[0]["transform_note"] in text


@pytest.mark.parametrize(("url", "status", "message"), [
    ("/api/v1/observations?indicator=grp&transform=per_person", 400,
     "transform must be one of: published, per_capita, index, yoy"),
    ("/api/v1/observations?indicator=grp&transform=", 400, "transform is empty"),
    ("/api/v1/observations?indicator=grp&transform=yoy&transform=index", 400, "transform given twice"),
    ("/api/v1/observations?indicator=avg_wage&transform=per_capita", 400,
     "transform=per_capita is offered only for totals (additive indicators); avg_wage is a rate, average, share "
     "or index"),
    ("/api/v1/observations?indicator=grp&base_year=2010", 400, "base_year applies to transform=index only"),
    ("/api/v1/observations?indicator=nope&transform=yoy", 404, "unknown indicator: nope"),
    ("/api/v1/observations?indicator=grp&region=XX&transform=index", 404, "unknown region: XX"),
])
def test_a_transform_the_api_cannot_give_is_a_json_4xx(client, url, status, message):
    response = client.get(url)
    assert response.status_code == status and response.get_json() == {"error": message}


def test_index_base_year_defaults_to_the_first_year_asked(client):
    base = "/api/v1/observations?indicator=grp&region=RU-KLU&edition=RR-2021&transform=index&from=2012"
    rows = _csv(client, base + "&format=csv")
    assert {float(r["value"]) for r in rows if r["period"] == "2012"} == {100.0}
    assert _csv(client, base + "&base_year=2012&format=csv") == rows
    assert {r["unit"] for r in rows} == {"индекс, 2012 = 100"}
