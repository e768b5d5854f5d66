"""Boundaries reach the browser as a cached file at a versioned URL, never inside a figure (no browser)."""

from __future__ import annotations

import json

import brotli

from dashboard import geo, static
from tests.dashboard.dash_callbacks import call, valid_figures

MAP_CONTROLS = {"indicators-indicator": "grp", "indicators-regions": ["RU-KLU", "RU-TUL"],
                "indicators-years": [2010, 2017], "indicators-view": "map", "indicators-transform": "published",
                "indicators-year": "2017", "indicators-edition": None, "indicators-lang": "en"}


def test_urls_are_versioned_by_content():
    for name, url in (("russia_regions.geojson", geo.russia_regions_url()),
                      ("kaluga_districts.geojson", geo.kaluga_districts_url())):
        assert url == f"/geo/{name}?v={static.digest((geo.GEO_DIR / name).read_bytes())[:16]}"


def test_the_map_callback_sends_the_boundaries_address_not_the_features(client):
    response = call(client, "indicators-chart-graph.figure", MAP_CONTROLS)
    figure = response["indicators-chart-graph"]["figure"]
    valid_figures({"g": {"figure": figure}})  # plotly's schema accepts a URL string as `geojson`
    choropleths = [trace for trace in figure["data"] if trace["type"] == "choropleth"]
    assert choropleths and all(trace["geojson"] == geo.russia_regions_url() for trace in choropleths)
    assert "RU-KLU" in choropleths[0]["locations"]
    text = json.dumps(figure)
    assert '"features"' not in text and '"coordinates"' not in text
    assert len(text) < 60_000  # the boundary file alone is 334 KB


def test_the_address_in_the_figure_serves_the_boundaries(client):
    url = geo.russia_regions_url()
    response = client.get(url, headers={"Accept-Encoding": "br"})
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = brotli.decompress(response.data) if response.headers.get("Content-Encoding") == "br" else response.data
    served = json.loads(body)
    assert served == geo.russia_regions()
    assert {f["properties"]["code"] for f in served["features"]} >= {"RU-KLU", "RU-TUL"}
