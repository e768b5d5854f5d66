"""Chart cards link to the API call for what they show, and their CSV is that call's CSV (one code path)."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard import api, queries
from dashboard.model.export import csv_bytes
from tests.dashboard.dash_callbacks import call

CONTROLS = {"indicators-indicator": "grp", "indicators-regions": ["RU-KLU", "RU-TUL"],
            "indicators-years": [2010, 2017], "indicators-transform": "published", "indicators-year": "2017",
            "indicators-edition": None, "indicators-lang": "en"}


def _chart(client, view: str) -> dict:
    return call(client, "indicators-chart-graph.figure", {**CONTROLS, "indicators-view": view})


@pytest.mark.parametrize("view", ["line", "ranking", "map", "table"])
def test_csv_is_the_apis_csv_for_the_view(client, atlas_app, view):
    response = _chart(client, view)
    csv_url = response["indicators-chart-csv"]["href"]
    api_url = response["indicators-chart-api"]["href"]
    assert csv_url.startswith("/api/v1/observations?") and api_url.startswith("/api/v1/observations?")
    assert response["indicators-chart-csv"]["download"].endswith(".csv")
    # The JSON link and the CSV link name the same view.
    csv_query, api_query = parse_qs(urlsplit(csv_url).query), parse_qs(urlsplit(api_url).query)
    assert {k: v for k, v in csv_query.items() if k not in ("format", "limit")} == api_query
    downloaded = client.get(csv_url)
    assert downloaded.status_code == 200 and downloaded.mimetype == "text/csv"
    params = {k: v[0] for k, v in csv_query.items() if k != "format"}
    with atlas_app.server.app_context():
        assert downloaded.data == csv_bytes(api.table_for(queries.engine(), "observations", **params))
    rows = list(csv.DictReader(io.StringIO(downloaded.data.decode("utf-8-sig"))))
    assert rows and {r["indicator_code"] for r in rows} == {"grp"}
    if view in ("line", "table"):
        assert {r["region_code"] for r in rows} == {"RU-KLU", "RU-TUL"}


def test_a_scatters_links_are_the_apis_scatter_for_the_view(client, atlas_app):
    response = call(client, "indicators-chart-graph.figure", {**CONTROLS, "indicators-view": "scatter",
                                                              "indicators-vs": "grp_per_capita",
                                                              "indicators-size": "population"})
    csv_url = response["indicators-chart-csv"]["href"]
    api_url = response["indicators-chart-api"]["href"]
    assert csv_url.startswith("/api/v1/scatter?") and api_url.startswith("/api/v1/scatter?")
    assert response["indicators-chart-csv"]["download"] == "grp_grp_per_capita_scatter.csv"
    csv_query, api_query = parse_qs(urlsplit(csv_url).query), parse_qs(urlsplit(api_url).query)
    assert {k: v for k, v in csv_query.items() if k not in ("format", "limit")} == api_query
    assert (api_query["x"], api_query["y"], api_query["size"]) == (["grp"], ["grp_per_capita"], ["population"])
    downloaded = client.get(csv_url)
    params = {k: v[0] for k, v in csv_query.items() if k != "format"}
    with atlas_app.server.app_context():
        assert downloaded.data == csv_bytes(api.table_for(queries.engine(), "scatter", **params))
    [points] = response["indicators-chart-graph"]["figure"]["data"]
    rows = list(csv.DictReader(io.StringIO(downloaded.data.decode("utf-8-sig"))))
    assert [(float(r["x_value"]), float(r["y_value"])) for r in rows] == list(zip(points["x"], points["y"],
                                                                                   strict=True))
    # The JSON link answers the same points.
    assert [(r["x_value"], r["y_value"]) for r in client.get(api_url).get_json()["rows"]] == \
        list(zip(points["x"], points["y"], strict=True))


def test_the_csv_holds_every_value_drawn(client):
    response = _chart(client, "line")
    drawn = {round(y, 6) for trace in response["indicators-chart-graph"]["figure"]["data"]
             for y in trace.get("y") or [] if isinstance(y, (int, float))}
    rows = csv.DictReader(io.StringIO(client.get(response["indicators-chart-csv"]["href"]).data.decode("utf-8-sig")))
    published = {round(float(r["value"]), 6) for r in rows if r["value"]}
    assert drawn and drawn <= published


def test_chart_response_carries_no_rows(client):
    response = _chart(client, "line")
    assert not any("chart-data" in key for key in response)  # the download is a separate request
