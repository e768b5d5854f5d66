"""In headless Chromium: the first page comes with the layout (no routing round trip), and the router still
builds every page the user moves to (dashboard.app.page_container)."""

from __future__ import annotations

import json

import pytest
from dash.testing.wait import until
from flask import request

from tests.dashboard.conftest import console_errors, wait_for_graph

pytestmark = pytest.mark.browser


def test_first_page_without_routing_callback_and_links_still_route(dash_duo, atlas_app):
    routed: list[str] = []

    @atlas_app.server.before_request
    def record_routing_calls():
        if request.path.endswith("_dash-update-component"):
            body = request.get_json(silent=True) or {}
            if "_pages_content" in str(body.get("output")):
                routed.append(json.dumps(body.get("inputs")))

    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/indicators?lang=en")
    wait_for_graph(dash_duo, "indicators-chart-graph")
    dash_duo.wait_for_contains_text("h1", "indicators", timeout=20)
    assert routed == [], "the page came with the layout: the router was not asked for it"
    assert "Regional indicators" in dash_duo.driver.title

    dash_duo.find_element("#nav-companies").click()  # a dcc.Link: the router builds the next page
    until(lambda: "/companies" in dash_duo.driver.current_url, timeout=10)
    until(lambda: len(routed) == 1, timeout=15)
    dash_duo.wait_for_element("#companies-cards", timeout=20)
    assert "Companies" in dash_duo.driver.title
    dash_duo.driver.back()  # and back again, from the browser's history
    wait_for_graph(dash_duo, "indicators-chart-graph")
    until(lambda: len(routed) == 2, timeout=15)
    assert console_errors(dash_duo) == []


def test_the_layout_and_callback_graph_are_fetched_once_from_the_heads_preload(dash_duo, atlas_app):
    startup: list[str] = []

    @atlas_app.server.before_request
    def record_startup_requests():
        if request.path.endswith(("_dash-layout", "_dash-dependencies")):
            startup.append(request.path)

    dash_duo.start_server(atlas_app)  # opens / first
    until(lambda: len(startup) >= 2, timeout=15)
    startup.clear()
    dash_duo.wait_for_page(f"{dash_duo.server_url}/indicators?lang=en")
    wait_for_graph(dash_duo, "indicators-chart-graph")
    assert sorted(startup) == ["/_dash-dependencies", "/_dash-layout"], "each requested once: the preload was used"
    initiators = dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource').filter(function (r) {"
        "  return /_dash-(layout|dependencies)$/.test(r.name); }).map(function (r) { return r.initiatorType; });")
    assert initiators == ["link", "link"]
    # Chromium warns when a preload goes unused or does not match the request that should take it.
    logs = dash_duo.driver.get_log("browser")
    assert not [e for e in logs if "preload" in e.get("message", "") or e.get("level") == "SEVERE"]
