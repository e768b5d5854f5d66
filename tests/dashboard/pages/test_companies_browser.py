"""Browser tests of /companies and /companies/<key> in real headless Chromium."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from dash.testing.wait import until

from tests.dashboard.browser import follow_nav_keeping_area, pick_option, traces
from tests.dashboard.conftest import (
    console_errors,
    current_query,
    has_horizontal_scroll,
    save_screenshot,
    wait_for_graph,
)

pytestmark = pytest.mark.browser

MAP = "companies-map-graph"




def marker_counts(dash_duo, graph: str = MAP) -> dict[str, int]:
    """district -> companies, from the map's marker trace."""
    for trace in traces(dash_duo, graph):
        if trace.get("name") == "companies":
            return {row[0]: int(text) for row, text in zip(trace["customdata"], trace["text"], strict=True)}
    return {}


def trace_names(dash_duo, graph: str = MAP) -> set[str]:
    return {trace.get("name") for trace in traces(dash_duo, graph)}




def test_district_filter_updates_map_and_directory_and_url_reproduces_it(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/companies?lang=en")
    wait_for_graph(dash_duo, MAP)
    until(lambda: marker_counts(dash_duo) == {"Калуга": 4, "Обнинск": 8, "Боровский район": 7,
                                              "Бабынинский район": 1}, timeout=15)
    dash_duo.wait_for_text_to_equal("#companies-count", "Showing 22 of 22 companies")
    assert "Astrafarm Kaluga" in dash_duo.find_element("#companies-unmapped").text
    save_screenshot(dash_duo, "companies")

    pick_option(dash_duo, "#companies-district", "Obninsk (city)")
    dash_duo.wait_for_text_to_equal("#companies-count", "Showing 8 of 22 companies")
    until(lambda: "selected" in trace_names(dash_duo), timeout=10)
    until(lambda: "district=Обнинск" in unquote(current_query(dash_duo)), timeout=5)

    dash_duo.find_element("#companies-search").send_keys("nearmedic")
    dash_duo.wait_for_text_to_equal("#companies-count", "Showing 1 of 22 companies")
    until(lambda: marker_counts(dash_duo) == {"Обнинск": 1}, timeout=10)

    # A copied URL reproduces the view in a fresh page load.
    url = dash_duo.driver.current_url
    dash_duo.driver.get("about:blank")
    dash_duo.wait_for_page(url)
    wait_for_graph(dash_duo, MAP)
    dash_duo.wait_for_text_to_equal("#companies-count", "Showing 1 of 22 companies")
    until(lambda: marker_counts(dash_duo) == {"Обнинск": 1} and "selected" in trace_names(dash_duo), timeout=15)

    # The card opens the profile; the profile links back to the directory.
    dash_duo.find_element("#companies-cards a").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Nearmedic Pharma (GC Nearmedic)")
    assert dash_duo.driver.execute_script("return window.location.pathname;") == "/companies/nearmedic"
    dash_duo.find_element("#company-back").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Cluster companies")
    assert console_errors(dash_duo) == []


def test_profile_shows_records_as_written_and_unknown_key(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/companies/novo_nordisk?lang=en")
    dash_duo.wait_for_text_to_equal("h1.page-title", "Novo Nordisk")
    dash_duo.wait_for_text_to_equal("#company-records-title", "Every cited record (5)")
    investments = dash_duo.find_element("#company-investments").text
    assert ">8 bn RUB" in investments and "~100 mln USD" in investments and "80-100 mln USD" in investments
    assert "unknown" in dash_duo.find_element("#company-products").text
    assert "Events (13)" in dash_duo.find_element("#company-events").text
    links = dash_duo.find_elements("#company-sources a")
    assert links and all(a.get_attribute("href").startswith("http") for a in links)
    wait_for_graph(dash_duo, "company-map-graph")
    until(lambda: marker_counts(dash_duo, "company-map-graph") == {"Калуга": 1}, timeout=10)
    save_screenshot(dash_duo, "company-profile")

    dash_duo.find_element("#lang-ru").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Ново Нордиск")
    dash_duo.wait_for_text_to_equal("#company-records-title", "Все процитированные записи (5)")
    dash_duo.find_element("#lang-en").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Novo Nordisk")

    dash_duo.wait_for_page(f"{dash_duo.server_url}/companies/no_such_company?lang=en")
    dash_duo.wait_for_text_to_equal("h1.page-title", "Company not found")
    assert "no_such_company" in dash_duo.find_element(".page-lead").text
    assert console_errors(dash_duo) == []


def test_area_filter_carries_across_pages_and_language_switch(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/companies?lang=en&area=endocrinology")
    wait_for_graph(dash_duo, MAP)
    # Endocrinology: Novo Nordisk (Kaluga) and AstraZeneca (Borovsk district); Mir-Pharm's carbetocin is
    # obstetric (H01BB), so Mir-Pharm is not here.
    until(lambda: marker_counts(dash_duo) == {"Калуга": 1, "Боровский район": 1}, timeout=15)
    dash_duo.wait_for_text_to_equal("#companies-count", "Showing 2 of 22 companies")
    until(lambda: dash_duo.find_element("#global-area").get_attribute("value") == "Endocrinology (incl. diabetes)",
          timeout=10)

    follow_nav_keeping_area(dash_duo, "products", "/products", "endocrinology", "Endocrinology (incl. diabetes)")

    dash_duo.find_element("#nav-companies").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Cluster companies")
    dash_duo.find_element("#lang-ru").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Компании кластера")
    dash_duo.wait_for_text_to_equal("#companies-count", "Показано компаний: 2 из 22")
    dash_duo.wait_for_text_to_equal("#companies-map-title", "Площадки компаний по районам Калужской области")
    assert "lang=ru" in current_query(dash_duo) and "area=endocrinology" in current_query(dash_duo)
    assert console_errors(dash_duo) == []


def test_narrow_viewport(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(375, 800)
    for path, graph in (("/companies?lang=ru", MAP), ("/companies/astrazeneca?lang=ru", "company-map-graph")):
        dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
        wait_for_graph(dash_duo, graph)
        until(lambda graph=graph: marker_counts(dash_duo, graph), timeout=15)
        assert not has_horizontal_scroll(dash_duo), path
    save_screenshot(dash_duo, "company-profile-375px")
    # The profile's tables scroll in their cards; a header wraps between its words, never inside one
    # ("Назван|ие"): no more lines than words.
    dash_duo.wait_for_page(f"{dash_duo.server_url}/companies/novo_nordisk?lang=ru")
    dash_duo.wait_for_element(".company-page table.plain th")
    headers = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('.company-page table.plain th')).map(function (th) {"
        "  var range = document.createRange(); range.selectNodeContents(th);"
        "  var lines = new Set(Array.from(range.getClientRects()).map(function (r) { return Math.round(r.top); }));"
        "  return [th.textContent, lines.size]; });")
    assert len(headers) > 10
    assert [(text, lines) for text, lines in headers if lines > len(text.split())] == []
    assert console_errors(dash_duo) == []
