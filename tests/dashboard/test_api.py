"""The open data API over the SYNTHETIC fixture database: every endpoint, JSON and CSV alike, pages,
errors as JSON 4xx, CORS, the formula guard, and the API against its own OpenAPI document."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import dash
import pytest
import schemathesis
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from dashboard import api
from dashboard.app import create_app
from dashboard.model import sources as model_sources
from dashboard.model.safety import FORMULA_STARTS
from etl.db import make_engine
from tests.dashboard.model.fixtures import (
    BACKENDS,
    HOSTILE,
    REGIONS,
    SYNTHETIC_INDICATOR,
    UNKNOWN_EDITION,
    YEARS,
    backend_engine,
    build,
    synthetic_value,
)


@pytest.fixture(scope="module", params=BACKENDS)
def api_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The whole app (Dash pages and the API) over the SYNTHETIC database, once per backend."""
    for engine in backend_engine(request.param, tmp_path_factory.mktemp("api")):
        yield create_app(build(engine), {"CACHE_TYPE": "SimpleCache"})


@pytest.fixture
def http(api_app) -> FlaskClient:
    return api_app.server.test_client()


def get_json(client: FlaskClient, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_json()


def get_csv(client: FlaskClient, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


# --- endpoints ----------------------------------------------------------------------------------


def test_index_lists_every_endpoint(http: FlaskClient) -> None:
    index = get_json(http, "/api/v1/")
    assert index["endpoints"] == {name: f"/api/v1/{name}" for name in api.ENDPOINTS}
    assert index["openapi"] == "/api/v1/openapi.json"


@pytest.mark.parametrize("name", list(api.ENDPOINTS))
def test_every_endpoint_answers_json_and_csv_with_the_same_rows(http: FlaskClient, name: str) -> None:
    endpoint = api.ENDPOINTS[name]
    query = {"observations": "?indicator=grp", "scatter": "?x=grp&y=grp&period=2016"}.get(name, "?")
    body = get_json(http, f"{endpoint.path}{query}")
    assert body["rows"], name
    assert body["total"] == len(body["rows"])
    assert (body["limit"], body["offset"], body["next"]) == (api.DEFAULT_LIMIT, 0, None)
    assert list(body["rows"][0]) == [c.name for c in endpoint.columns]
    rows = get_csv(http, f"{endpoint.path}{query}&format=csv")
    assert len(rows) == len(body["rows"])
    for as_json, as_csv in zip(body["rows"], rows, strict=True):
        assert as_csv == {k: csv_text(v) for k, v in as_json.items()}


def csv_text(value) -> str:
    """How a JSON value is written in the CSV (missing as empty, text guarded)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def test_observations_carry_value_unit_period_edition_and_source(http: FlaskClient) -> None:
    body = get_json(http, "/api/v1/observations?indicator=grp&region=RU-KLU&from=2016&to=2016&edition=RR-2021"
                         "&lang=en")
    [row] = body["rows"]
    assert row["value"] == synthetic_value("RU-KLU", 2016, "RR-2021")
    assert (row["unit"], row["period"], row["period_kind"], row["edition"]) == \
        ("million RUB", "2016", "year", "RR-2021")
    assert row["source_file"] == "SYNTHETIC.xlsx" and row["source_cell"]
    assert row["edition_title"].startswith("Regions of Russia") and row["source_url"].startswith("https://")
    assert row["source"].startswith("Rosstat · Regions of Russia")


def test_observation_filters(http: FlaskClient) -> None:
    every = get_json(http, "/api/v1/observations?indicator=grp")
    assert every["total"] == len(REGIONS) * len(YEARS) * 2
    two = get_json(http, "/api/v1/observations?indicator=grp&region=RU-KLU,RU-TUL&edition=RR-2019")
    assert {r["region_code"] for r in two["rows"]} == {"RU-KLU", "RU-TUL"}
    assert {r["edition"] for r in two["rows"]} == {"RR-2019"}
    months = get_json(http, "/api/v1/observations?indicator=avg_wage&period_kind=month")
    assert {r["period_kind"] for r in months["rows"]} == {"month"}
    empty = get_json(http, "/api/v1/observations?indicator=grp&from=1990&to=1991")
    assert (empty["rows"], empty["total"], empty["next"]) == ([], 0, None)


def test_one_period_and_one_kind_of_region(http: FlaskClient) -> None:
    march = get_json(http, "/api/v1/observations?indicator=avg_wage&period=2017-03")
    assert {(r["region_code"], r["period"]) for r in march["rows"]} == {("RU-KLU", "2017-03"), ("RU-MOW", "2017-03")}
    [ytd] = get_json(http, "/api/v1/observations?indicator=avg_wage&period=2017-YTD09")["rows"]
    assert (ytd["period"], ytd["period_kind"], ytd["value"]) == ("2017-YTD09", "ytd", 200.5)
    # A well-formed period the indicator does not have: no rows, not an error.
    assert get_json(http, "/api/v1/observations?indicator=avg_wage&period=2017-Q1")["total"] == 0
    subjects = get_json(http, "/api/v1/observations?indicator=grp&period=2016&region_kind=region")
    assert {r["region_code"] for r in subjects["rows"]} == set(REGIONS) and subjects["total"] == len(REGIONS) * 2
    assert get_json(http, "/api/v1/observations?indicator=grp&region_kind=country")["total"] == 0


def test_editions_merged_newest_wins_and_missing_left_out(http: FlaskClient) -> None:
    every = get_json(http, "/api/v1/observations?indicator=grp&limit=100")["rows"]
    newest = get_json(http, "/api/v1/observations?indicator=grp&editions=newest&limit=100")
    # One row per region and year, RR-2021's (the newer edition, a figure everywhere), in region and period order.
    assert newest["total"] == len(newest["rows"]) == len(REGIONS) * len(YEARS) < len(every)
    assert [(r["region_code"], r["period"], r["edition"], r["value"]) for r in newest["rows"]] == [
        (region, str(year), "RR-2021", synthetic_value(region, year, "RR-2021"))
        for region in sorted(REGIONS) for year in YEARS]
    # Paged after the merge: the pages put together are the whole merged table.
    pages = [get_json(http, f"/api/v1/observations?indicator=grp&editions=newest&limit=5&offset={n}")
             for n in (0, 5, 10)]
    assert [r for page in pages for r in page["rows"]] == newest["rows"] and pages[0]["total"] == 12
    # The same merge of each edition's derived figures.
    index = get_json(http, "/api/v1/observations?indicator=grp&editions=newest&transform=index&base_year=2015"
                           "&region=RU-TUL")["rows"]
    assert [(r["period"], r["edition"]) for r in index] == [(str(y), "RR-2021") for y in YEARS]
    assert index[0]["value"] == 100.0
    # missing=omit leaves out the figure RR-2019 did not publish (RU-TUL 2018), keep (the default) shows it.
    kept = get_json(http, "/api/v1/observations?indicator=grp&edition=RR-2019&region=RU-TUL")["rows"]
    omitted = get_json(http, "/api/v1/observations?indicator=grp&edition=RR-2019&region=RU-TUL&missing=omit")["rows"]
    assert [r["period"] for r in kept if r["value"] is None] == ["2018"]
    assert omitted == [r for r in kept if r["value"] is not None]
    derived = get_json(http, "/api/v1/observations?indicator=grp&edition=RR-2019&region=RU-TUL&transform=yoy"
                             "&missing=omit")["rows"]
    assert [r["period"] for r in derived] == ["2016", "2017"]  # 2015 has no year before, 2018 no figure


def test_scatter_pairs_two_indicators_by_region_each_in_one_edition(http: FlaskClient) -> None:
    # 2018: RR-2019 lacks RU-TUL's figure (2 of 3 regions, under 90%), so both axes show RR-2021 (3 of 3).
    body = get_json(http, "/api/v1/scatter?x=grp&y=grp&period=2018&lang=en")
    assert body["total"] == len(body["rows"]) == len(REGIONS)
    for row in body["rows"]:
        region = row["region_code"]
        for axis in ("x", "y"):
            assert (row[f"{axis}_indicator_code"], row[f"{axis}_period"], row[f"{axis}_edition"]) == \
                ("grp", "2018", "RR-2021")
            assert row[f"{axis}_value"] == synthetic_value(region, 2018, "RR-2021")
            assert row[f"{axis}_unit"] == "million RUB" and row[f"{axis}_transform"] == "published"
            assert row[f"{axis}_source"].startswith("Rosstat · Regions of Russia") and row[f"{axis}_load_id"]
        assert row["size_indicator_code"] is None and row["size_value"] is None  # no size asked for
    assert [r["region_code"] for r in body["rows"]] == sorted(REGIONS)
    # An edition chosen for x: only the regions it publishes a figure for are points; y keeps its own edition.
    chosen = get_json(http, "/api/v1/scatter?x=grp&y=grp&period=2018&edition=RR-2019")["rows"]
    assert [(r["region_code"], r["x_edition"], r["y_edition"]) for r in chosen] == \
        [("RU-KLU", "RR-2019", "RR-2021"), ("RU-MOW", "RR-2019", "RR-2021")]
    assert [r["x_value"] for r in chosen] == [synthetic_value(r, 2018, "RR-2019") for r in ("RU-KLU", "RU-MOW")]
    pinned = get_json(http, "/api/v1/scatter?x=grp&y=grp&period=2018&edition=RR-2019&y_edition=RR-2019")["rows"]
    assert {r["y_edition"] for r in pinned} == {"RR-2019"} and len(pinned) == 2


def test_scatter_reads_y_and_size_in_the_same_year_only(http: FlaskClient) -> None:
    # avg_wage has no "2017": its newest period of 2017 (the greatest code, 2017-YTD09) pairs with GRP 2017.
    [row] = get_json(http, "/api/v1/scatter?x=grp&y=avg_wage&period=2017")["rows"]
    assert (row["region_code"], row["y_period"], row["y_value"]) == ("RU-KLU", "2017-YTD09", 200.5)
    # Nothing of avg_wage in 2016: no points, never a figure of another year.
    assert get_json(http, "/api/v1/scatter?x=grp&y=avg_wage&period=2016")["total"] == 0
    # The size where the region has a figure; elsewhere its indicator and period named, its figure empty.
    rows = get_json(http, f"/api/v1/scatter?x=grp&y=grp&size={SYNTHETIC_INDICATOR}&period=2017")["rows"]
    assert {r["region_code"]: r["size_value"] for r in rows} == {"RU-KLU": -2.5, "RU-MOW": None, "RU-TUL": None}
    assert {(r["size_indicator_code"], r["size_period"]) for r in rows} == {(SYNTHETIC_INDICATOR, "2017")}
    assert {r["size_edition"] for r in rows} == {UNKNOWN_EDITION, None}
    # Federal subjects only (what the indicators scatter draws), and some regions.
    assert get_json(http, "/api/v1/scatter?x=grp&y=grp&period=2017&region_kind=region")["total"] == len(REGIONS)
    assert get_json(http, "/api/v1/scatter?x=grp&y=grp&period=2017&region_kind=country")["total"] == 0
    some = get_json(http, "/api/v1/scatter?x=grp&y=grp&period=2017&region=RU-TUL,RU-KLU")["rows"]
    assert [r["region_code"] for r in some] == ["RU-KLU", "RU-TUL"]


def test_scatter_x_is_the_observations_figure_and_its_transform(http: FlaskClient) -> None:
    observed = {r["region_code"]: r for r in get_json(
        http, "/api/v1/observations?indicator=grp&period=2017&edition=RR-2021&transform=index&base_year=2015")["rows"]}
    rows = get_json(http, "/api/v1/scatter?x=grp&y=grp&period=2017&edition=RR-2021&transform=index&base_year=2015"
                          "&y_edition=RR-2019")["rows"]
    assert len(rows) == len(REGIONS)
    for row in rows:
        same = observed[row["region_code"]]
        assert (row["x_value"], row["x_unit"], row["x_transform"], row["x_transform_note"], row["x_source"]) == \
            (same["value"], same["unit"], "index", same["transform_note"], same["source"])
        # y as published, as the chart draws it.
        assert (row["y_transform"], row["y_value"]) == \
            ("published", synthetic_value(row["region_code"], 2017, "RR-2019"))
    page = get_json(http, "/api/v1/scatter?x=grp&y=grp&period=2017&limit=1&offset=1")
    assert (page["total"], [r["region_code"] for r in page["rows"]]) == (len(REGIONS), ["RU-MOW"])
    assert page["next"].endswith("offset=2")


def test_filters_of_the_cluster_tables(http: FlaskClient) -> None:
    products = get_json(http, "/api/v1/products?therapy_area=oncology")["rows"]
    assert [p["trade_name"] for p in products] == ["Synthetinib"]
    events = get_json(http, "/api/v1/events?company=synthetic_2")["rows"]
    assert [e["record_key"] for e in events] == ["events:synthetic:2"]
    regions = get_json(http, "/api/v1/regions?code=RU-KLU,RU-MOW&lang=en")["rows"]
    assert {r["name"] for r in regions} == {"Moscow", "Kaluga Oblast"}
    indicators = get_json(http, "/api/v1/indicators?code=grp")["rows"]
    assert [i["code"] for i in indicators] == ["grp"]
    assert get_json(http, "/api/v1/loads?status=failed")["rows"] == []


# --- pages --------------------------------------------------------------------------------------


def test_pages_follow_next_links_to_the_whole_result(http: FlaskClient) -> None:
    whole = get_json(http, "/api/v1/observations?indicator=grp&region=RU-KLU,RU-TUL")["rows"]
    url, seen, pages = "/api/v1/observations?indicator=grp&region=RU-KLU,RU-TUL&limit=5", [], 0
    while url:
        response = http.get(url)
        body = response.get_json()
        assert body["total"] == len(whole)
        assert response.headers["X-Total-Count"] == str(len(whole))
        if body["next"]:
            assert response.headers["Link"] == f'<{body["next"]}>; rel="next"'
        else:
            assert "Link" not in response.headers
        seen += body["rows"]
        url, pages = body["next"], pages + 1
    assert seen == whole
    assert pages == -(-len(whole) // 5)


def test_csv_pages_and_past_the_end(http: FlaskClient) -> None:
    rows = get_csv(http, "/api/v1/observations?indicator=grp&format=csv&limit=3&offset=3")
    assert len(rows) == 3
    past = get_json(http, "/api/v1/events?offset=1000")
    assert (past["rows"], past["next"]) == ([], None)
    assert past["total"] > 0


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "message"), [
    ("/api/v1/observations?indicator=grp&indicator=x", "indicator given twice"),
    ("/api/v1/observations?indicator=grp&region=RU-KLU&region=RU-MOW&region=RU-TUL", "region given 3 times"),
    ("/api/v1/observations?indicator=grp&from=99999999999999999999", "from must be an integer"),
    ("/api/v1/observations?indicator=grp&from=20000", "from must be between 1000 and 9999"),
    ("/api/v1/observations?indicator=grp&from=2018&to=2010", "from is after to"),
    ("/api/v1/observations?indicator=grp&to=two", "to must be an integer"),
    ("/api/v1/observations", "indicator is required"),
    ("/api/v1/observations?indicator=", "indicator is empty"),
    ("/api/v1/observations?indicator=grp&region=RU-KLU,,RU-MOW", "region has an empty item"),
    ("/api/v1/observations?indicator=grp%00", "indicator must be a code: letters, digits, _ . : -"),
    ("/api/v1/observations?indicator=grp&period_kind=decade", "period_kind must be one of: year, quarter, "
                                                              "half_year, month, ytd, point"),
    ("/api/v1/observations?indicator=grp&colour=red", "unknown parameter: colour"),
    ("/api/v1/observations?indicator=grp&editions=every", "editions must be one of: all, newest"),
    ("/api/v1/observations?indicator=grp&missing=skip", "missing must be one of: keep, omit"),
    ("/api/v1/observations?indicator=grp&period=2017-Q5", "period must be a period code: 2017, 2017-Q3, 2017-H1, "
                                                          "2017-03, 2017-YTD09 or 2017-01-01"),
    ("/api/v1/observations?indicator=grp&period=17", "period must be a period code: 2017, 2017-Q3, 2017-H1, "
                                                     "2017-03, 2017-YTD09 or 2017-01-01"),
    ("/api/v1/observations?indicator=grp&period=" + "2" * 300, "period must be a period code: 2017, 2017-Q3, "
                                                               "2017-H1, 2017-03, 2017-YTD09 or 2017-01-01"),
    ("/api/v1/scatter?y=grp&period=2017", "x is required"),
    ("/api/v1/scatter?x=grp&period=2017", "y is required"),
    ("/api/v1/scatter?x=grp&y=grp", "period is required"),
    ("/api/v1/scatter?x=grp&y=grp&y=avg_wage&period=2017", "y given twice"),
    ("/api/v1/scatter?x=grp&y=grp&period=2017&period=2016", "period given twice"),
    ("/api/v1/scatter?x=grp,avg_wage&y=grp&period=2017", "x must be a code: letters, digits, _ . : -"),
    ("/api/v1/scatter?x=grp&y=grp&size=&period=2017", "size is empty"),
    ("/api/v1/scatter?x=grp&y=grp&period=2017-13", "period must be a period code: 2017, 2017-Q3, 2017-H1, "
                                                   "2017-03, 2017-YTD09 or 2017-01-01"),
    ("/api/v1/scatter?x=grp&y=grp&period=2017&transform=log", "transform must be one of: published, per_capita, "
                                                              "index, yoy"),
    ("/api/v1/scatter?x=grp&y=grp&period=2017&base_year=2015", "base_year applies to transform=index only"),
    ("/api/v1/scatter?x=grp&y=grp&period=2017&indicator=grp", "unknown parameter: indicator"),
    ("/api/v1/indicators?format=xml", "format must be one of: json, csv"),
    ("/api/v1/indicators?limit=0", "limit must be between 1 and 50000"),
    ("/api/v1/indicators?limit=1.5", "limit must be an integer"),
    ("/api/v1/indicators?offset=-1", "offset must be between 0 and 10000000"),
    ("/api/v1/regions?code=" + ",".join(["RU-KLU"] * 201), "code lists more than 200 codes"),
    ("/api/v1/products?therapy_area=" + "x" * 201, "therapy_area is longer than 200 characters"),
])
def test_bad_requests_are_400_with_a_message(http: FlaskClient, url: str, message: str) -> None:
    assert get_json(http, url, 400) == {"error": message}


@pytest.mark.parametrize(("url", "message"), [
    ("/api/v1/observations?indicator=nope", "unknown indicator: nope"),
    ("/api/v1/observations?indicator=grp&region=RU-KLU,XX", "unknown region: XX"),
    ("/api/v1/observations?indicator=nope&region=XX", "unknown indicator: nope; unknown region: XX"),
    ("/api/v1/observations?indicator=grp&edition=NOPE", "unknown edition: NOPE"),
    ("/api/v1/scatter?x=grp&y=nope&period=2017", "unknown indicator: nope"),
    ("/api/v1/scatter?x=nope&y=grp&size=none&period=2017", "unknown indicator: nope, none"),
    ("/api/v1/scatter?x=grp&y=grp&period=2017&y_edition=NOPE", "unknown edition: NOPE"),
    ("/api/v1/scatter?x=grp&y=grp&period=2017&region=XX", "unknown region: XX"),
    ("/api/v1/products?therapy_area=nope", "unknown therapy area: nope"),
    ("/api/v1/investments?company=nope", "unknown company: nope"),
    ("/api/v1/indicators?code=grp,nope", "unknown indicator: nope"),
    ("/api/v1/editions?code=nope", "unknown edition: nope"),
    ("/api/v1/nothing/here", "no such endpoint: nothing/here"),
])
def test_unknown_codes_and_paths_are_404_with_a_message(http: FlaskClient, url: str, message: str) -> None:
    assert get_json(http, url, 404) == {"error": message}


def test_other_methods_are_405_json(http: FlaskClient) -> None:
    response = http.post("/api/v1/indicators")
    assert response.status_code == 405
    assert response.get_json()["error"]
    assert "GET" in response.headers["Allow"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_pages_of_the_dashboard_keep_their_own_errors(http: FlaskClient) -> None:
    response = http.post("/sources")
    assert response.status_code == 405
    assert response.mimetype != "application/json"


def test_a_database_outage_is_a_503_json_message() -> None:
    # Nothing listens on port 1: every connection is refused at once.
    app = create_app(make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none"), {"CACHE_TYPE": "SimpleCache"})
    response = app.server.test_client().get("/api/v1/observations?indicator=grp")
    assert response.status_code == 503
    assert response.get_json() == {"error": "the database is not reachable; try again shortly"}


def test_an_unexpected_failure_is_json_without_a_traceback(http: FlaskClient, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("SYNTHETIC failure inside the read model")

    monkeypatch.setattr(model_sources, "sources", broken)
    response = http.get("/api/v1/sources")
    assert response.status_code == 500
    body = response.get_json()
    assert set(body) == {"error"}
    assert "Traceback" not in body["error"] and "SYNTHETIC" not in body["error"]


# --- CORS, formula guard ------------------------------------------------------------------------


def test_cors_on_every_answer(http: FlaskClient) -> None:
    for url in ("/api/v1/", "/api/v1/openapi.json", "/api/v1/regions?format=csv", "/api/v1/observations"):
        assert http.get(url).headers["Access-Control-Allow-Origin"] == "*"


def test_csv_cells_that_would_run_as_formulas_are_guarded(http: FlaskClient) -> None:
    companies = get_csv(http, "/api/v1/companies?format=csv")
    names = {row["name_en"] for row in companies}
    assert {"'" + name for name in HOSTILE} <= names
    assert not any(cell.startswith(FORMULA_STARTS) for row in companies for cell in row.values())
    # The JSON keeps the text as recorded; only spreadsheets need the guard.
    assert set(HOSTILE) <= {row["name_en"] for row in get_json(http, "/api/v1/companies")["rows"]}
    sheets = {row["source_sheet"] for row in get_csv(http, "/api/v1/observations?indicator=avg_wage&format=csv")}
    assert "'+1" in sheets
    value = get_csv(http, "/api/v1/observations?indicator=synthetic_hostile&format=csv")[0]["value"]
    assert value == "-2.5"  # a negative number is not a formula


# --- the OpenAPI document -----------------------------------------------------------------------


def test_the_document_describes_every_route_and_parameter(api_app) -> None:
    document = api_app.server.test_client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    routes = {rule.rule for rule in api_app.server.url_map.iter_rules() if rule.rule.startswith("/api/v1/")}
    served = {r for r in routes if "<" not in r} - {"/api/v1/", "/api/v1/openapi.json"}
    assert set(document["paths"]) == served
    for endpoint in api.ENDPOINTS.values():
        operation = document["paths"][endpoint.path]["get"]
        assert [p["name"] for p in operation["parameters"]] == [p.name for p in endpoint.all_params]
        row = operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["rows"]
        schema = document["components"]["schemas"][row["items"]["$ref"].rsplit("/", 1)[1]]
        assert list(schema["properties"]) == [c.name for c in endpoint.columns]
        assert {"400", "404"} <= set(operation["responses"])


def test_every_parameter_the_handlers_read_is_declared() -> None:
    """A handler reading a parameter the document does not name would be a silent drift."""
    source = Path(api.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r'\ba(?:rgs)?(?:\.get\(|\[)"([a-z_]+)"', source))
    declared = {p.name for e in api.ENDPOINTS.values() for p in e.all_params}
    assert read <= declared


# --- schemathesis: the API against its own document ---------------------------------------------


# NOTE: schemathesis.pytest.from_fixture reads a pytest internal that pytest 9 removed; the schema is
# made from the document's declarations here, and every case is sent to the fixture's WSGI app.
schema = schemathesis.openapi.from_dict(api.openapi_document())


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case, api_app) -> None:
    query = case.query or {}
    # Rules across parameters, which the document states in words but OpenAPI cannot express, so schemathesis
    # would expect such requests accepted: a year range that ends before it starts, and a base_year without
    # transform=index, are refused (400); transform=per_capita is refused (400) for an indicator that is not a total.
    first, last = as_int(query.get("from")), as_int(query.get("to"))
    reversed_years = first is not None and last is not None and first > last
    stray_base = query.get("base_year") is not None and query.get("transform") != "index"
    per_capita = query.get("transform") == "per_capita"
    # The WSGI transport does not undo Flask-Compress, as an HTTP client would.
    excluded = [positive_data_acceptance] if reversed_years or stray_base or per_capita else None
    response = case.call_and_validate(app=api_app.server, headers={"Accept-Encoding": "identity"},
                                      excluded_checks=excluded)
    if case.method.upper() != "GET":  # (the coverage phase also sends other methods: 405)
        return
    if reversed_years or stray_base:
        assert response.status_code == 400
    elif per_capita and response.status_code == 400:
        error = response.json()["error"]
        # Another parameter may be refused first (e.g. /scatter's empty period); a refused transform says why.
        if error.startswith("transform"):
            assert error.startswith("transform=per_capita is offered only for totals")


def as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def test_the_served_document_is_the_declared_one(http: FlaskClient) -> None:
    assert get_json(http, "/api/v1/openapi.json") == api.openapi_document()


# --- the /api page ------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "title"), [("ru", "Открытые данные: API"), ("en", "Open data API")])
def test_the_api_page_lists_every_endpoint_with_real_examples(api_app, lang: str, title: str) -> None:
    # The page as Dash registered it (importing dashboard.pages.api_docs would register it twice).
    page = next(p for p in dash.page_registry.values() if p["path"] == "/api")
    with api_app.server.test_request_context("/api"):
        text = str(page["layout"](lang=lang))
    for endpoint in api.ENDPOINTS.values():
        assert endpoint.path in text
    assert "indicator=grp&region=RU-KLU" in text
    assert "scatter?x=grp&y=grp_per_capita" in text
    assert "pd.read_csv(" in text
    assert title in text


def test_the_api_page_is_served(http: FlaskClient) -> None:
    assert http.get("/api").status_code == 200


# --- one code path for a view: its link and its table -------------------------------------------


def test_a_views_link_answers_the_bytes_its_table_gives(api_app, http: FlaskClient) -> None:
    from dashboard.model.export import csv_bytes
    from dashboard.queries import ENGINE_KEY

    view = {"indicator": "grp", "region": ["RU-KLU", "RU-TUL"], "from": 2016, "lang": "en", "format": "csv",
            "edition": None}
    url = api.link("observations", **view)
    assert url == "/api/v1/observations?indicator=grp&region=RU-KLU%2CRU-TUL&from=2016&lang=en&format=csv"
    table = api.table_for(api_app.server.extensions[ENGINE_KEY], "observations", **view)
    assert http.get(url).data == csv_bytes(table)
    assert api.link("sources") == "/api/v1/sources"


def test_a_views_table_refuses_what_the_api_refuses(api_app) -> None:
    from dashboard.queries import ENGINE_KEY

    engine = api_app.server.extensions[ENGINE_KEY]
    with pytest.raises(api.ApiError, match="unknown indicator: nope") as refused:
        api.table_for(engine, "observations", indicator="nope")
    assert refused.value.status == 404
    with pytest.raises(api.ApiError, match="from must be between") as refused:
        api.table_for(engine, "observations", indicator="grp", **{"from": 1})
    assert refused.value.status == 400
