"""Browser tests of /investments in real headless Chromium."""

from __future__ import annotations

import itertools

import pytest
from dash.testing.wait import until

from tests.dashboard.browser import (
    chart_boxes,
    click_segment,
    follow_nav_keeping_area,
    inside,
    overlap,
    traces,
    xy_traces,
)
from tests.dashboard.conftest import (
    console_errors,
    current_query,
    has_horizontal_scroll,
    save_screenshot,
    wait_for_graph,
)

pytestmark = pytest.mark.browser

CURVE = "investments-curve-graph"
COMPANY = "investments-company-graph"
# [text, right edge] of each bar's text and the chart's right edge
_BAR_TEXTS_JS = """
var svg = document.querySelector('#' + arguments[0] + ' .main-svg');
var edge = svg.getBoundingClientRect().right;
return Array.from(document.querySelectorAll('#' + arguments[0] + ' .bartext')).map(function (t) {
  return [t.textContent, t.getBoundingClientRect().right, edge]; });
"""






def made_line(dash_duo, label: str = "Made") -> dict | None:
    """The 'made' step line of the cumulative curve (the trace whose hover meta names the status)."""
    return next((tr for tr in xy_traces(dash_duo, CURVE) if tr.get("meta") == label), None)


def table_statuses(dash_duo) -> set[str]:
    """The Status column of the every-row table (read in one script: the table is re-rendered)."""
    return set(dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#investments-table-rows tbody td:nth-child(5)'))"
        ".map(function (td) { return td.textContent; });") or [])




def test_curve_currency_switch_table_filter_and_url(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/investments?lang=en")
    wait_for_graph(dash_duo, CURVE)
    until(lambda: made_line(dash_duo) is not None, timeout=10)
    # One figure per company, RUB, made: Novo Nordisk >10, AstraZeneca >10, Nearmedic 4, Rosatom ~100 mln,
    # IATE MEPhI 94 mln -> at least 24.194 bn RUB by 2021; never the sum of every row.
    assert made_line(dash_duo)["y"][-1] == pytest.approx(24.194)
    # Cited totals are statements with their source, quoted in the reconciliation, never flat lines.
    names = [tr.get("name", "") for tr in xy_traces(dash_duo, CURVE)]
    assert not any("bn RUB" in n for n in names)
    reconcile = dash_duo.find_element("#investments-reconcile-body").text
    assert ">50 bn RUB (lower bound)" in reconcile and "52 bn RUB" in reconcile and "48.4%" in reconcile
    save_screenshot(dash_duo, "investments")

    click_segment(dash_duo, "investments-currency", "EUR")
    until(lambda: made_line(dash_duo) is not None and made_line(dash_duo)["y"][-1] == 44, timeout=10)
    dash_duo.wait_for_text_to_equal("#investments-curve-unit", "mln EUR")
    until(lambda: "currency=EUR" in current_query(dash_duo), timeout=5)

    click_segment(dash_duo, "investments-status", "Planned")
    until(lambda: table_statuses(dash_duo) == {"Planned"}, timeout=10)
    until(lambda: "status=planned" in current_query(dash_duo), timeout=5)

    # A copied URL reproduces the view.
    url = dash_duo.driver.current_url
    dash_duo.driver.get("about:blank")
    dash_duo.wait_for_page(url)
    wait_for_graph(dash_duo, CURVE)
    until(lambda: made_line(dash_duo) is not None and made_line(dash_duo)["y"][-1] == 44, timeout=10)
    until(lambda: table_statuses(dash_duo) == {"Planned"}, timeout=10)
    assert console_errors(dash_duo) == []


def test_area_filter_carries_across_pages_and_language_switch(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/investments?lang=en&area=oncology")
    wait_for_graph(dash_duo, COMPANY)
    # Oncology: AstraZeneca (osimertinib), Pharm-Sintez (cytostatics), MiraksBioPharma ("cancer prevention").
    until(lambda: xy_traces(dash_duo, COMPANY)
          and {y for tr in xy_traces(dash_duo, COMPANY) for y in tr["y"]}
          and all("Novo" not in y for tr in xy_traces(dash_duo, COMPANY) for y in tr["y"]), timeout=10)
    labels = " ".join(y for tr in xy_traces(dash_duo, COMPANY) for y in tr["y"])
    assert "AstraZeneca" in labels and "Pharm-Sintez" in labels
    assert "Oncology" in dash_duo.find_element("#investments-area-note").text

    follow_nav_keeping_area(dash_duo, "overview", "/", "oncology", "Oncology")

    dash_duo.find_element("#nav-investments").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Investments")
    dash_duo.find_element("#lang-ru").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Инвестиции")
    dash_duo.wait_for_text_to_equal("#investments-curve-title", "Накопленные инвестиции с 2007 года")
    assert "lang=ru" in current_query(dash_duo) and "area=oncology" in current_query(dash_duo)
    assert console_errors(dash_duo) == []


def test_narrow_viewport(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(375, 800)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/investments?lang=ru")
    wait_for_graph(dash_duo, CURVE)
    until(lambda: made_line(dash_duo, "Осуществлённые") is not None, timeout=10)
    dash_duo.wait_for_element("#investments-table-rows", timeout=10)
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, "investments-375px")
    # The by-company bars' amounts, drawn outside the bars, end inside the chart (">20 млрд", not ">20 мл").
    wait_for_graph(dash_duo, COMPANY)
    until(lambda: dash_duo.driver.execute_script(_BAR_TEXTS_JS, COMPANY), timeout=15)
    texts = dash_duo.driver.execute_script(_BAR_TEXTS_JS, COMPANY)
    assert [text for text, right, edge in texts if right > edge + 0.5] == []
    assert console_errors(dash_duo) == []


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_legends_sit_under_the_charts_on_a_phone(dash_duo, atlas_app, lang):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(375, 800)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/investments?lang={lang}")
    for graph in (CURVE, COMPANY):
        wait_for_graph(dash_duo, graph)
        until(lambda graph=graph: (chart_boxes(dash_duo, graph) or {}).get("narrow"), timeout=10)
        until(lambda graph=graph: chart_boxes(dash_duo, graph)["legend"], timeout=10)
        boxes = chart_boxes(dash_duo, graph)
        legend = boxes["legend"][0]
        # Before: the curve's legend ran past the chart's right edge ("... нижняя грани"); the company chart's stood
        # apart at the bottom right of a margin of its own.
        assert inside(legend, boxes["chart"]), (graph, boxes)
        assert not [b for b in boxes["plots"] + boxes["xtitle"] + boxes["xticks"] if overlap(legend, b)], boxes
    # The company names, in shorter lines, leave the bars more room (before: under a quarter of the width).
    boxes = chart_boxes(dash_duo, COMPANY)
    chart, plot = boxes["chart"], boxes["plots"][0]
    assert plot["right"] - plot["left"] > 0.3 * (chart["right"] - chart["left"]), boxes
    assert all(b["left"] >= chart["left"] - 1 for b in boxes["yticks"]), boxes
    save_screenshot(dash_duo, f"investments-legends-375px-{lang}")
    assert console_errors(dash_duo) == []


@pytest.mark.parametrize(("lang", "currency"), [("ru", "RUB"), ("en", "RUB"), ("en", "EUR")])
def test_company_names_are_whole_at_desktop_width(dash_duo, atlas_app, lang, currency):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/investments?lang={lang}&currency={currency}")
    wait_for_graph(dash_duo, COMPANY)
    until(lambda: traces(dash_duo, COMPANY) and (chart_boxes(dash_duo, COMPANY) or {}).get("yticks"), timeout=15)
    boxes = chart_boxes(dash_duo, COMPANY)
    # Every company's name as the hover gives it, whole: before, the two longest in English were cut at 44
    # characters ("Obninsk Institute for Nuclear Power Enginee…"). (A label in lines reads as its lines run together.)
    names = {row[4] for trace in traces(dash_duo, COMPANY) for row in trace["customdata"]}
    assert sorted("".join(b["text"].split()) for b in boxes["yticks"]) == sorted("".join(n.split()) for n in names)
    assert not [b for b in boxes["yticks"] if "…" in b["text"] or not inside(b, boxes["chart"])], boxes["yticks"]
    ticks = sorted(boxes["yticks"], key=lambda b: b["top"])
    assert not [(a, b) for a, b in itertools.pairwise(ticks) if overlap(a, b)], ticks
    assert not [b for b in boxes["yticks"] for plot in boxes["plots"] if overlap(b, plot)], boxes
    save_screenshot(dash_duo, f"investments-by-company-1440px-{lang}-{currency}")
    assert console_errors(dash_duo) == []
