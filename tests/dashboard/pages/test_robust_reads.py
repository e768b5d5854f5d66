"""Reads that cannot break a page: unknown ids, malformed and repeated query parameters answer an empty state,
never a 500, on every page and in every callback the page fires first."""

from __future__ import annotations

import json

import pytest

from tests.dashboard.pages.render import PAGES, visit

# Hand-edited URLs: repeated, unknown, malformed, reversed and oversized values of every page's parameters.
HOSTILE_QUERIES = (
    "indicator=grp&indicator=x", "indicator=no_such_indicator", "indicator=",
    "regions=ZZ,,RU-KLU,RU-KLU&regions=RU", "years=abc,def", "years=2030,1990", "years=2017", "years=,,,",
    "view=pie&transform=cube&year=99999&edition=NO-SUCH", "year=2017&year=2018",
    "lang=xx&lang=en", "area=no_such_area", "area=oncology&area=x", "company=nobody&district=Atlantis",
    "currency=XYZ&currency=RUB", "types=a,b&q=%3D1%2B2", "tables=nope", "compare=ZZ&compare=RU",
    "q=" + "x" * 2000,
)


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_parameters_never_give_a_5xx(client, query):
    for page in PAGES:
        for output, status, _response in visit(client, f"{page}?{query}"):
            assert status < 500, (page, query, output)


@pytest.mark.parametrize("path", ["/companies/no-such-company", "/companies/%3Cscript%3E", "/no/such/page"])
def test_unknown_ids_say_so(client, path):
    results = visit(client, path)
    assert all(status < 500 for _output, status, _response in results), path
    layout = json.dumps(results[0][2]["layout"], ensure_ascii=False)
    assert "not found" in layout.lower() or "не найден" in layout.lower(), path


def test_unknown_indicator_chart_says_so(client):
    results = dict((output, response) for output, _status, response in visit(client, "/indicators?lang=en"))
    assert results  # the default view renders
    # A stale control value (not a URL) reaches the chart callback itself: it answers an empty state.
    from tests.dashboard.dash_callbacks import call
    response = call(client, "indicators-chart-graph.figure", {
        "indicators-indicator": "no_such", "indicators-regions": ["RU-KLU"], "indicators-years": [2010, 2015],
        "indicators-view": "line", "indicators-transform": "published", "indicators-year": "2015",
        "indicators-edition": None, "indicators-lang": "en"})
    figure = response["indicators-chart-graph"]["figure"]
    assert "No such indicator" in figure["layout"]["annotations"][0]["text"]


def test_unknown_indicator_in_the_url_is_said(client):
    layout = json.dumps(visit(client, "/indicators?indicator=no_such_code&lang=en")[0][2]["layout"])
    assert "No such indicator: no_such_code" in layout
    repeated = json.dumps(visit(client, "/indicators?indicator=grp&indicator=x&lang=en")[0][2]["layout"])
    assert "No such indicator" not in repeated  # the first value is read
