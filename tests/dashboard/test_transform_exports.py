"""An indicators view exports the numbers its chart draws, no more: for every transform the page offers and every
view (a line merging editions or showing one, a ranking or map of one month or one year, the table), the figure's
(region, period, value) equal the rows of the card's CSV (the API's CSV for the view, byte for byte) and of its XLSX,
and the files say the figures are derived and how; a scatter's files are its points (x, y and size, the API's
/scatter). Over the bundled
database (tests/dashboard/conftest.py), through the Dash callbacks and the API as the browser calls them."""

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
    # The point's own edition (the newest that publishes it), and no other edition's row beside it.
    assert exported == drawn


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


def _xlsx_of_card(client, response: dict, lang: str = "ru",
                  url: str = "http://127.0.0.1:8050/indicators?indicator=grp") -> openpyxl.Workbook:
    """The card's XLSX through its callback, with what the browser reports about the card (its CSV link) and the
    page's address."""
    card = {"card": "indicators-chart", "title": "ВРП", "unit": response["indicators-chart-unit"]["children"],
            "csv": response["indicators-chart-csv"]["href"]}
    request = {"cards": [card], "url": url, "lang": lang, "at": 1}
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


# --- every view's files hold exactly its rows: the period drawn, the editions merged as drawn ------------------

MONTHLY, ANNUAL = "avg_wage", "grp"  # avg_wage: monthly, 2009-2015, one edition; grp: yearly, several editions


def _files(client, response: dict) -> dict[str, list[dict]]:
    """The card's CSV and its XLSX data sheet, as rows with the CSV's column names."""
    unit = response["indicators-chart-unit"]["children"]
    sheet = [{("value" if k == f"value, {unit}" else k): v for k, v in row.items()}
             for row in _sheet_rows(_xlsx_of_card(client, response)["Данные"])]
    return {"csv": _csv(client, response["indicators-chart-csv"]["href"]), "xlsx": sheet}


def _cell(value) -> float | None:
    """A CSV text or an XLSX cell as the number it holds."""
    return _number(value) if isinstance(value, str) else (None if value is None else float(value))


def _is_the_apis_csv(client, atlas_app, response: dict) -> dict[str, list[str]]:
    href = response["indicators-chart-csv"]["href"]
    query = parse_qs(urlsplit(href).query)
    params = {k: v[0] for k, v in query.items() if k != "format"}
    endpoint = urlsplit(href).path.removeprefix(f"{api.PREFIX}/")  # observations, or scatter for a scatter
    with atlas_app.server.app_context():
        assert client.get(href).data == csv_bytes(api.table_for(queries.engine(), endpoint, **params))
    return query


def _line_points(figure: dict) -> list[tuple]:
    """(region name, x, value) of every point the line chart draws, gaps (None) included."""
    return [(trace["name"], x, y) for trace in figure["data"] if trace.get("type") == "scatter"
            for x, y in zip(trace["x"], trace["y"], strict=True)]


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("edition", [None, "RR-2021"])
def test_a_line_views_files_are_its_points_no_more(client, atlas_app, page, transform, edition):
    response = _chart(client, **{"indicators-transform": transform, "indicators-edition": edition})
    query = _is_the_apis_csv(client, atlas_app, response)
    # Merged editions: one row per region and year, the newest edition's (editions=newest); one edition: its rows.
    assert query.get("editions") == (["newest"] if edition is None else None)
    assert query.get("edition") == (None if edition is None else [edition])
    drawn = _line_points(response["indicators-chart-graph"]["figure"])
    assert sum(y is not None for *_k, y in drawn) >= 12 and len(set(drawn)) == len(drawn)
    for name, rows in _files(client, response).items():
        exported = [(r["region_name"], int(r["period"]), _cell(r["value"])) for r in rows]
        assert len(exported) == len(drawn) and set(exported) == set(drawn), name
        if edition:
            assert {r["edition"] for r in rows} == {edition}, name


def test_merged_editions_take_the_newest_edition_that_publishes_a_figure(client, page):
    # GRP of 2014-2017 is in four editions (RR-2019 ... RR-2024); the line and its files show RR-2024's.
    response = _chart(client, **{"indicators-years": [2014, 2017], "indicators-regions": ["RU-KLU"]})
    rows = _csv(client, response["indicators-chart-csv"]["href"])
    every = _csv(client, api.link("observations", indicator="grp", region=["RU-KLU"], format="csv", lang="ru",
                                  **{"from": 2014, "to": 2017}))
    assert len({r["edition"] for r in every}) >= 3 and len(every) > len(rows) == 4
    assert {r["edition"] for r in rows} == {"RR-2024"}
    drawn = {y for *_k, y in _line_points(response["indicators-chart-graph"]["figure"])}
    assert drawn == {_number(r["value"]) for r in rows}


@pytest.mark.parametrize(("indicator", "period", "transforms"), [
    (MONTHLY, "2015-06", ("published", "index", "yoy")), (ANNUAL, "2017", TRANSFORMS)])
@pytest.mark.parametrize("view", ["ranking", "map"])
def test_a_ranking_or_maps_files_are_the_one_period_it_draws(client, atlas_app, page, indicator, period, transforms,
                                                             view):
    from dashboard.i18n import format_number

    for transform in transforms:
        response = _chart(client, **{"indicators-indicator": indicator, "indicators-view": view,
                                     "indicators-year": period, "indicators-years": [2010, int(period[:4])],
                                     "indicators-transform": transform})
        query = _is_the_apis_csv(client, atlas_app, response)
        # The period drawn, the federal subjects, the regions with a figure (a region without one is not drawn).
        assert (query["period"], query["region_kind"], query["missing"]) == ([period], ["region"], ["omit"])
        [edition] = query["edition"]  # the one edition the view shows
        figure = response["indicators-chart-graph"]["figure"]
        label = page.period_label(period, "ru")
        if view == "ranking":
            [bar] = figure["data"]
            drawn = [(custom[0], custom[1], x) for x, custom in zip(bar["x"], bar["customdata"], strict=True)]
        else:
            choropleth = figure["data"][0]
            drawn = [(code, custom[1], custom[4])
                     for code, custom in zip(choropleth["locations"], choropleth["customdata"], strict=True)]
        assert len(drawn) >= 75 and {d[1] for d in drawn} == {label}, (transform, drawn[:3])
        for name, rows in _files(client, response).items():
            assert {r["period"] for r in rows} == {period} and {r["edition"] for r in rows} == {edition}
            if view == "ranking":
                exported = [(r["region_name"], label, _cell(r["value"])) for r in rows]
            else:
                exported = [(r["region_code"], label, format_number(_cell(r["value"]), "ru")) for r in rows]
            # Every region drawn, none more: not the year's other months, not Russia or the districts.
            assert len(exported) == len(drawn) and set(exported) == set(drawn), (name, transform)


def test_a_table_views_files_are_its_rows_every_edition(client, atlas_app, page):
    from dashboard.i18n import format_number

    response = _chart(client, **{"indicators-view": "table", "indicators-years": [2014, 2017]})
    query = _is_the_apis_csv(client, atlas_app, response)
    assert "editions" not in query and "edition" not in query  # the table has a row per edition, as the file
    [table] = response["indicators-chart-graph"]["figure"]["data"]
    first, *columns = table["cells"]["values"]
    periods = [page.period_label(str(p), "ru") for p in range(2014, 2018)]
    assert table["header"]["values"][1:] == periods
    cells = {(key, period): cell for period, column in zip(periods, columns, strict=True)
             for key, cell in zip(first, column, strict=True)}
    for name, rows in _files(client, response).items():
        # Every row is a cell of the table showing its figure (a missing one as "нет данных"), and every figure the
        # table shows is a row.
        exported = {(f"{r['region_name']} · {edition_short(r['edition'], 'ru')}", page.period_label(r["period"], "ru")):
                    format_number(_cell(r["value"]), "ru") for r in rows}
        assert len(exported) == len(rows) and all(cells[key] == cell for key, cell in exported.items()), name
        assert {key for key, cell in cells.items() if cell != format_number(None, "ru")} <= set(exported), name
        assert len({r["edition"] for r in rows}) >= 3


def _scatter_files(client, response: dict) -> dict[str, list[dict]]:
    """The scatter card's CSV and its XLSX data sheet, as rows with the CSV's column names (the XLSX header names
    each axis's number with its unit: "y_value, рублей")."""
    book = _xlsx_of_card(client, response, url="http://127.0.0.1:8050/indicators?indicator=grp&view=scatter")
    sheet = [{k.split(", ", 1)[0]: v for k, v in row.items()} for row in _sheet_rows(book["Данные"])]
    return {"csv": _csv(client, response["indicators-chart-csv"]["href"]), "xlsx": sheet}


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_a_scatters_files_are_its_points_x_y_and_size(client, atlas_app, page, transform):
    response = _chart(client, **{"indicators-view": "scatter", "indicators-year": "2017",
                                 "indicators-vs": "grp_per_capita", "indicators-size": "population",
                                 "indicators-transform": transform})
    href = response["indicators-chart-csv"]["href"]
    assert urlsplit(href).path == "/api/v1/scatter"
    query = _is_the_apis_csv(client, atlas_app, response)
    # The period drawn, the federal subjects, every axis's edition named, the transform of x.
    assert (query["x"], query["y"], query["size"], query["period"], query["region_kind"]) == \
        (["grp"], ["grp_per_capita"], ["population"], ["2017"], ["region"])
    assert {"edition", "y_edition", "size_edition"} <= set(query)
    assert query.get("transform") == (None if transform == "published" else [transform])
    [points] = response["indicators-chart-graph"]["figure"]["data"]
    drawn = [(custom[0], x, y) for x, y, custom in zip(points["x"], points["y"], points["customdata"], strict=True)]
    assert len(drawn) >= 75, transform
    for name, rows in _scatter_files(client, response).items():
        exported = [(r["region_name"], _cell(r["x_value"]), _cell(r["y_value"])) for r in rows]
        # Every point drawn, none more, in the same order: both indicators' figures, x as the chart derives it.
        assert exported == drawn, (name, transform)
        assert {r["x_period"] for r in rows} == {r["y_period"] for r in rows} == {"2017"}, name
        assert {r["x_edition"] for r in rows} == set(query["edition"]), name
        assert {r["y_edition"] for r in rows} == set(query["y_edition"]), name
        assert {r["x_transform"] for r in rows} == {transform} and {r["y_transform"] for r in rows} == {"published"}
        assert {r["x_unit"] for r in rows} == {response["indicators-chart-unit"]["children"]}, name
        # The point's size is drawn from the size figure: the area's rule over the exported figures gives the marker.
        sizes = [_cell(r["size_value"]) for r in rows]
        biggest = max(v for v in sizes if v is not None and v > 0)
        expected = [(6 + 30 * (v / biggest) ** 0.5 if v is not None and v > 0 else 5)
                    * (1.4 if r["region_code"] == "RU-KLU" else 1) for v, r in zip(sizes, rows, strict=True)]
        assert points["marker"]["size"] == pytest.approx(expected), name
        assert {r["size_indicator_code"] for r in rows} == {"population"}
    # The x of each point is the ranking's bar for the same view (one read of the indicator, one rule of editions).
    ranking = _chart(client, **{"indicators-view": "ranking", "indicators-year": "2017",
                                "indicators-transform": transform})
    [bar] = ranking["indicators-chart-graph"]["figure"]["data"]
    bars = {custom[0]: x for x, custom in zip(bar["x"], bar["customdata"], strict=True)}
    assert all(bars[region] == x for region, x, _y in drawn)


def test_a_scatters_y_is_the_y_indicators_own_figure_and_its_file_says_it_is_the_chart(client, page):
    # GRP (yearly) against the average wage (monthly, 2009-2015): y is the wage's newest month of the year drawn.
    response = _chart(client, **{"indicators-view": "scatter", "indicators-year": "2015",
                                 "indicators-vs": "avg_wage", "indicators-years": [2010, 2015]})
    [points] = response["indicators-chart-graph"]["figure"]["data"]
    rows = _csv(client, response["indicators-chart-csv"]["href"])
    assert {r["y_period"] for r in rows} == {"2015-12"} and {r["x_period"] for r in rows} == {"2015"}
    [y_edition] = {r["y_edition"] for r in rows}
    published = {r["region_code"]: _number(r["value"]) for r in _csv(client, api.link(
        "observations", indicator="avg_wage", period="2015-12", edition=y_edition, format="csv"))}
    assert [published[r["region_code"]] for r in rows] == points["y"] and len(rows) >= 75
    # No size chosen: its columns are empty, and the files say they are the chart's points.
    assert {r["size_value"] for r in rows} == {r["size_indicator_code"] for r in rows} == {""}
    book = _xlsx_of_card(client, response, url="http://127.0.0.1:8050/indicators?indicator=grp&view=scatter")
    about = {row[0]: row[1] for row in book["О данных"].iter_rows(values_only=True) if row[0]}
    assert about["Числа"].startswith("Ровно те точки, что показаны на графике")
    header = [c.value for c in book["Данные"][1]]
    assert f"x_value, {rows[0]['x_unit']}" in header and f"y_value, {rows[0]['y_unit']}" in header
    assert about["Единица измерения (x)"] == rows[0]["x_unit"] and about["Единица измерения (y)"] == rows[0]["y_unit"]
    assert {f"Издания: {r['x_edition']}" for r in rows} | {f"Издания: {y_edition}"} <= set(about)
    line = _xlsx_of_card(client, _chart(client))
    [(_label, text)] = [row for row in line["О данных"].iter_rows(values_only=True) if row[0] == "Числа"]
    assert text.startswith("Ровно те значения, что показаны на графике")


@pytest.mark.parametrize(("url", "message"), [
    ("/api/v1/observations?indicator=grp&editions=latest", "editions must be one of: all, newest"),
    ("/api/v1/observations?indicator=grp&editions=", "editions is empty"),
    ("/api/v1/observations?indicator=grp&period=2017-13",
     "period must be a period code: 2017, 2017-Q3, 2017-H1, 2017-03, 2017-YTD09 or 2017-01-01"),
    ("/api/v1/observations?indicator=grp&period=December",
     "period must be a period code: 2017, 2017-Q3, 2017-H1, 2017-03, 2017-YTD09 or 2017-01-01"),
    ("/api/v1/observations?indicator=grp&period=2017&period=2016", "period given twice"),
    ("/api/v1/observations?indicator=grp&missing=drop", "missing must be one of: keep, omit"),
])
def test_an_unknown_editions_value_or_a_malformed_period_is_a_json_400(client, url, message):
    response = client.get(url)
    assert response.status_code == 400 and response.get_json() == {"error": message}


def test_a_well_formed_period_the_indicator_lacks_gives_no_rows(client):
    response = client.get("/api/v1/observations?indicator=avg_wage&period=2015-Q3")
    assert response.status_code == 200 and response.get_json()["rows"] == []
