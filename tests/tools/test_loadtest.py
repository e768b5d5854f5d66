"""tools/loadtest.py: how the checker judges answers (old, new, half-applied, stale: on SYNTHETIC answers), the
requests it sends (answered by the real app), and a short run of the whole machinery on PostgreSQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from plotly.utils import PlotlyJSONEncoder
from sqlalchemy import Engine

from tools.loadtest import (
    CHART_OUTPUT,
    CHECK_VARIANTS,
    KINDS,
    api_mapping,
    api_path,
    chart_mapping,
    chart_payload,
    classify,
    find_callback,
    flatten,
    judge,
    layout_props,
    output_list,
    pages_payload,
    soft_error,
)

REPO = Path(__file__).resolve().parents[2]
# The smoke run's own Redis database (the tests' cache is 15, the full load run's 14): it is emptied.
SMOKE_REDIS = "redis://127.0.0.1:6379/13"
# Enough for every page to draw: the cluster's tables and the 2022 GRP section (the checked indicator's old figures).
SMOKE_EXTRACTS = ("cluster_sources", "cluster_companies", "cluster_products", "cluster_investments", "cluster_events",
                  "cluster_indicators", "rr2022_s08_grp")


def row(region: str, period: str, edition: str, value: float) -> dict:
    """A SYNTHETIC /api/v1/observations row (made-up value)."""
    return {"indicator_code": "grp_per_capita", "region_code": region, "period": period, "edition": edition,
            "value": value, "status": "", "source_file": "SYNTHETIC.xlsx", "load_id": 7 if edition == "E-1" else 9}


OLD_ROWS = [row("RU-KLU", "2021", "E-1", 500.0), row("RU", "2021", "E-1", 800.0)]
ADDED = [row("RU-KLU", "2021", "E-2", 510.0), row("RU", "2022", "E-2", 900.0)]
OLD = api_mapping({"rows": OLD_ROWS, "next": None})
NEW = api_mapping({"rows": [*OLD_ROWS, *ADDED], "next": None})


def test_an_api_answer_is_old_new_or_half_applied() -> None:
    assert classify(OLD, NEW, api_mapping({"rows": OLD_ROWS, "next": None})) == "old"
    # Rows are judged by their key, not their place: the same rows in another order are the same answer.
    assert classify(OLD, NEW, api_mapping({"rows": [*reversed(ADDED), *OLD_ROWS], "next": None})) == "new"
    # One of the load's two rows: half-applied.
    assert classify(OLD, NEW, api_mapping({"rows": [*OLD_ROWS, ADDED[0]], "next": None})) == "mixed"
    # A value that is in neither answer, or a row lost: neither old nor new.
    wrong = [OLD_ROWS[0], {**OLD_ROWS[1], "value": 801.0}, *ADDED]
    assert classify(OLD, NEW, api_mapping({"rows": wrong, "next": None})) == "neither"
    assert classify(OLD, NEW, api_mapping({"rows": [OLD_ROWS[0], *ADDED], "next": None})) == "neither"
    assert classify(OLD, NEW, api_mapping({"rows": OLD_ROWS, "next": "/api/v1/observations?offset=2"})) == "neither"


def _chart(x: list, y: list, source: str) -> dict:
    """A SYNTHETIC chart callback answer: one line and the footer naming its editions."""
    return {"multi": True, "response": {"indicators-chart-graph": {"figure": {
        "data": [{"type": "scatter", "name": "Kaluga", "x": x, "y": y}],
        "layout": {"annotations": [{"text": source}]}}}}}


def test_a_chart_answer_is_judged_by_every_point_and_label() -> None:
    old = chart_mapping(_chart([2020, 2021], [1.0, 2.0], "Source: E-1"))
    new = chart_mapping(_chart([2020, 2021, 2022], [1.0, 2.5, 3.0], "Source: E-1, E-2"))
    assert classify(old, new, chart_mapping(_chart([2020, 2021], [1.0, 2.0], "Source: E-1"))) == "old"
    assert classify(old, new, chart_mapping(_chart([2020, 2021, 2022], [1.0, 2.5, 3.0], "Source: E-1, E-2"))) == "new"
    # The new points under the old footer: the figures of one state, the label of the other.
    assert classify(old, new, chart_mapping(_chart([2020, 2021, 2022], [1.0, 2.5, 3.0], "Source: E-1"))) == "mixed"
    assert classify(old, new, chart_mapping(_chart([2020, 2021], [1.0, 2.2], "Source: E-1"))) == "neither"


def test_judge_counts_in_flight_stale_and_half_applied_answers() -> None:
    bodies = {"o": {"rows": OLD_ROWS, "next": None}, "n": {"rows": [*OLD_ROWS, *ADDED], "next": None},
              "m": {"rows": [*OLD_ROWS, ADDED[1]], "next": None}}
    records = [
        {"check": "api", "sent": 90.0, "status": 200, "digest": "o"},  # before the commit: old is right
        {"check": "api", "sent": 99.9, "status": 200, "digest": "n"},  # committed before it was seen: allowed
        {"check": "api", "sent": 100.5, "status": 200, "digest": "o"},  # within the tick: allowed
        {"check": "api", "sent": 101.5, "status": 200, "digest": "o"},  # past the tick: stale
        {"check": "api", "sent": 102.0, "status": 200, "digest": "o"},  # stale
        {"check": "api", "sent": 103.0, "status": 200, "digest": "n"},
        {"check": "api", "sent": 95.0, "status": 200, "digest": "m"},  # half-applied, whenever asked
        {"check": "api", "sent": 104.0, "status": 502, "digest": None},
    ]
    tally = judge(records, bodies, {"api": (OLD, NEW)}, committed_at=100.0, tick=1.0)["api"]
    assert (tally.answers, tally.errors, tally.old, tally.new, tally.mixed, tally.neither) == (8, 1, 4, 2, 1, 0)
    assert (tally.old_before, tally.new_before, tally.old_in_tick, tally.stale) == (1, 1, 1, 2)
    assert tally.bad == 3
    # Never committed: every answer must be old, and a new one came from nowhere.
    tally = judge(records[:2], bodies, {"api": (OLD, NEW)}, committed_at=None, tick=1.0)["api"]
    assert (tally.old_before, tally.neither, tally.stale) == (1, 1, 0)


def test_judge_holds_each_variant_to_its_own_answers() -> None:
    """Variants of a view are judged against their own before and after: one variant's old answer given for
    another variant is in neither."""
    late = api_mapping({"rows": OLD_ROWS[1:], "next": None}), api_mapping({"rows": [OLD_ROWS[1], ADDED[1]],
                                                                            "next": None})
    canon = {("api", 0): (OLD, NEW), ("api", 1): late}
    bodies = {"o": {"rows": OLD_ROWS, "next": None}, "late-new": {"rows": [OLD_ROWS[1], ADDED[1]], "next": None}}
    records = [{"check": "api", "variant": 0, "sent": 1.0, "status": 200, "digest": "o"},
               {"check": "api", "variant": 1, "sent": 5.0, "status": 200, "digest": "late-new"},
               {"check": "api", "variant": 1, "sent": 1.0, "status": 200, "digest": "o"}]
    tally = judge(records, bodies, canon, committed_at=2.0, tick=1.0)["api"]
    assert (tally.old_before, tally.new, tally.neither, tally.bad) == (1, 1, 1, 1)


def test_flatten_and_the_renderers_output_lists() -> None:
    assert flatten({"a": [1, {"b": None}], "c": {}}) == {("a", 0): 1, ("a", 1, "b"): None, ("c",): {}}
    assert output_list("..a.b...c.d@x..") == [{"id": "a", "property": "b"}, {"id": "c", "property": "d@x"}]
    assert output_list('{"card":"k","type":"chart-data"}.data') == {"id": {"card": "k", "type": "chart-data"},
                                                                   "property": "data"}


@pytest.fixture
def client(loaded_engine: Engine):
    """The real app over the reference tables and the 2022 GRP section (the checked indicator's figures)."""
    from dashboard.app import create_app
    from etl import pipeline
    from etl.paths import EXTRACTS_DIR

    report = pipeline.load_path(loaded_engine, EXTRACTS_DIR / "rr2022_s08_grp")
    assert report.status == "applied", report.error
    return create_app(loaded_engine, {"CACHE_TYPE": "SimpleCache"}).server.test_client()


def test_the_checkers_requests_are_ones_the_app_answers(client) -> None:
    """The checked chart, the router's page request and the checked API view, as the checker and the readers send
    them, get 200 and what the judgement reads; the page puts every input of the checked chart on it; a variant's
    first year is the chart's and the API's first year."""
    deps = client.get("/_dash-dependencies").get_json()
    chart = client.post("/_dash-update-component", json=chart_payload(deps))
    assert chart.status_code == 200
    assert any(k[:2] == ("indicators-chart-graph", "figure") for k in chart_mapping(chart.get_json()))
    variant = CHECK_VARIANTS.index((2015, ("RU-KLU", "RU")))
    chart = client.post("/_dash-update-component", json=chart_payload(deps, variant)).get_json()
    traces = chart["response"]["indicators-chart-graph"]["figure"]["data"]
    assert traces and min(x for trace in traces for x in trace["x"]) == 2015
    rows = client.get(api_path(variant)).get_json()["rows"]
    assert rows and min(int(r["period"][:4]) for r in rows) == 2015 and {r["region_code"] for r in rows} == {
        "RU-KLU", "RU"}
    page = client.post("/_dash-update-component", json=pages_payload(deps, "/indicators"))
    assert page.status_code == 200
    props = layout_props(page.get_json()["response"])
    inputs = [i["id"] for i in find_callback(deps, CHART_OUTPUT)["inputs"]]
    assert inputs and all(i in props for i in inputs)
    api = client.get(api_path(0))
    assert api.status_code == 200
    rows = [key for key in api_mapping(api.get_json()) if key[0] == "row"]
    assert rows and {key[3] for key in rows} == {"RR-2022"}


def test_the_apps_database_error_state_counts_as_an_error() -> None:
    from dashboard.components import UNAVAILABLE, unavailable_page

    for lang in ("ru", "en"):
        assert soft_error(json.dumps(unavailable_page(lang), cls=PlotlyJSONEncoder))
        assert soft_error(json.dumps({"figure": {"layout": {"title": UNAVAILABLE[lang]}}}, ensure_ascii=False))
    assert soft_error(json.dumps({"rows": OLD_ROWS})) is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.postgres
def test_a_short_load_run_serves_every_request_type_with_no_error_and_no_stale_answer(shared_data: Path,
                                                                                        tmp_path: Path) -> None:
    """5 users for 10 seconds over the real stack (gunicorn, PostgreSQL, Redis, locust) with the analyst's web
    load midway: requests of every type, none failed, every checked answer old before and new after the commit."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("TEST_POSTGRES_URL is not set")
    out = tmp_path / "run"
    process = subprocess.run(
        [sys.executable, str(REPO / "tools" / "loadtest.py"), "--users", "5", "--seconds", "10", "--spawn-rate", "5",
         "--port", str(_free_port()), "--redis-url", SMOKE_REDIS, "--postgres-url", url, "--seed", "11",
         "--out", str(out), "--extracts", *SMOKE_EXTRACTS],
        cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert process.returncode == 0, process.stdout[-4000:] + process.stderr[-2000:]
    summary = json.loads((out / "loadtest.json").read_text())
    for kind in KINDS:
        assert summary["by_kind"][kind]["requests"] > 0, kind
        assert summary["by_kind"][kind]["failures"] == 0, kind
    assert summary["errors"] == [] and summary["server_errors"] == [] and summary["worker_restarts"] == 0
    assert (summary["stale"], summary["half_applied"], summary["figures_lost"]) == (0, 0, 0)
    assert summary["analyst"]["how"] == "web" and summary["analyst"]["load_id"]
    assert summary["figures_found"] == summary["figures_expected"] > 0
    for check in summary["checks"].values():
        assert check["old_before"] > 0 and check["new"] > 0 and check["bad"] == 0
    assert all(mb > 0 for mb in summary["worker_rss_max_mb"].values()) and len(summary["worker_rss_max_mb"]) == 2
