"""Browser tests of /sources in real headless Chromium."""

from __future__ import annotations

import re

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from tests.dashboard.browser import follow_nav_keeping_area, traces
from tests.dashboard.conftest import (
    console_errors,
    current_query,
    has_horizontal_scroll,
    save_screenshot,
    wait_for_graph,
)

pytestmark = pytest.mark.browser

GRAPH = "sources-chart-graph"
# [text, number of line boxes] of each element matching a selector
_LINES_JS = """
return Array.from(document.querySelectorAll(arguments[0])).map(function (el) {
  var range = document.createRange(); range.selectNodeContents(el);
  var tops = new Set(Array.from(range.getClientRects()).map(function (r) { return Math.round(r.top); }));
  return [el.textContent, tops.size];
});
"""




def grid_rows(dash_duo) -> list:
    return dash_duo.find_elements("#sources-grid .ag-center-cols-container .ag-row")


def publishers(dash_duo) -> set[str]:
    return {y for trace in traces(dash_duo, GRAPH) for y in trace.get("y") or []}


def test_search_updates_chart_and_list_and_url_reproduces_view(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/sources?lang=en")
    wait_for_graph(dash_duo, GRAPH)
    until(lambda: len(publishers(dash_duo)) == 15, timeout=10)
    dash_duo.wait_for_contains_text("#sources-count", "119 of 119 sources shown; 278 rows cite them")
    # The interview is shown as the bundled text, without a link.
    dash_duo.wait_for_contains_text("#sources-grid", "text bundled with the project")
    assert not dash_duo.driver.execute_script(
        "return document.querySelector('#sources-grid a[href^=\"file:\"]')")
    # The load history grid sits below the fold, where Selenium's visible text is empty: read the DOM. It shows the
    # newest loads first and draws only the rows in view (over a hundred loads), so look for an extract's path.
    until(lambda: "data/extracts/" in dash_duo.driver.execute_script(
        "return document.querySelector('#sources-loads').textContent"), timeout=10)
    save_screenshot(dash_duo, "sources")

    dash_duo.find_element("#sources-search").send_keys("investkaluga")
    until(lambda: publishers(dash_duo) == {"investkaluga.com"}, timeout=10)
    until(lambda: "q=investkaluga" in current_query(dash_duo), timeout=5)
    dash_duo.wait_for_contains_text("#sources-count", "of 119 sources shown")
    until(lambda: grid_rows(dash_duo) and all("investkaluga" in row.text for row in grid_rows(dash_duo)),
          timeout=10)

    # Choosing a source lists the rows of each table that cite it.
    first = grid_rows(dash_duo)[0]
    first.find_element("css selector", ".ag-cell[col-id='publisher']").click()
    dash_duo.wait_for_contains_text("#sources-rows", "Rows citing")
    assert dash_duo.find_elements("#sources-rows li")

    url = dash_duo.driver.current_url
    dash_duo.driver.get("about:blank")
    dash_duo.wait_for_page(url)
    wait_for_graph(dash_duo, GRAPH)
    until(lambda: publishers(dash_duo) == {"investkaluga.com"}, timeout=10)
    assert dash_duo.find_element("#sources-search").get_attribute("value") == "investkaluga"
    assert console_errors(dash_duo) == []


def test_table_filter_from_url_and_therapy_area_carries_to_timeline(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/sources?lang=en&tables=products&area=oncology")
    wait_for_graph(dash_duo, GRAPH)
    until(lambda: [t["name"] for t in traces(dash_duo, GRAPH)] == ["Products"], timeout=10)
    until(lambda: dash_duo.find_element("#global-area").get_attribute("value") == "Oncology", timeout=10)

    follow_nav_keeping_area(dash_duo, "timeline", "/timeline", "oncology", "Oncology")
    dash_duo.wait_for_contains_text("#timeline-count", "therapy area")
    assert console_errors(dash_duo) == []


def test_language_switch_and_narrow_viewport(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(375, 800)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/sources?lang=ru")
    wait_for_graph(dash_duo, GRAPH)
    dash_duo.wait_for_text_to_equal("#sources-chart-title", "Строки данных по изданиям-источникам")
    dash_duo.wait_for_text_to_equal("#sources-loads-title", "Журнал загрузок")
    until(lambda: "События" in {t["name"] for t in traces(dash_duo, GRAPH)}, timeout=10)
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, "sources-375px")
    # The editions and extracts tables scroll in their cards; their headers and the rows-per-table cells wrap
    # between words (or after a hyphen), never inside one (they were squeezed to a letter or two a line).
    cells = dash_duo.driver.execute_script(_LINES_JS, ".editions-table th, .extracts-table th, "
                                                       ".extracts-table td:nth-child(7)")
    assert len(cells) > 10
    assert [(text, lines) for text, lines in cells if lines > len(re.split(r"[\s-]+", text.strip()))] == []

    dash_duo.find_element("#lang-en").click()
    dash_duo.wait_for_text_to_equal("#sources-chart-title", "Data rows by publisher")
    dash_duo.wait_for_text_to_equal("#nav-sources", "Sources")
    wait_for_graph(dash_duo, GRAPH)
    until(lambda: "Events" in {t["name"] for t in traces(dash_duo, GRAPH)}, timeout=10)
    assert not has_horizontal_scroll(dash_duo)
    assert console_errors(dash_duo) == []


def test_the_extracts_table_shows_the_first_rows_and_the_rest_on_request(dash_duo, atlas_app):
    import re

    dash_duo.start_server(atlas_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/sources?lang=ru")
    wait_for_graph(dash_duo, GRAPH)
    rows = lambda: dash_duo.find_elements("#sources-extracts tbody tr")  # noqa: E731
    button = dash_duo.find_element("#sources-extracts-all")
    total = int(re.fullmatch(r"Показать все выгрузки \((\d+)\)", button.text).group(1))
    assert len(rows()) == 12 < total
    button.send_keys(Keys.ENTER)  # a button: the keyboard reaches it
    until(lambda: len(rows()) == total, timeout=15)
    until(lambda: not dash_duo.find_element("#sources-extracts-all").is_displayed(), timeout=5)
    assert console_errors(dash_duo) == []
