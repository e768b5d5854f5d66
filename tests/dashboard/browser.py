"""Helpers for the browser tests: read what a chart plots, work Mantine controls."""

from __future__ import annotations

from dash.testing.wait import until

from tests.dashboard.conftest import wait_for_graph

# Every key of every trace as plotted; typed arrays (numbers sent as binary) become plain lists.
_TRACES_JS = """
var el = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
if (!el || !el.data) { return null; }
return el.data.map(function (trace) {
  var out = {};
  Object.keys(trace).forEach(function (key) {
    var v = trace[key];
    if (v && v._inputArray) { v = v._inputArray; }
    out[key] = ArrayBuffer.isView(v) ? Array.from(v) : v;
  });
  return out;
});
"""
# x and y as plotly resolved them (_fullData), whatever form the figure sent them in.
_XY_JS = """
var el = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
if (!el || !el.data) { return []; }
return el.data.map(function (tr, i) {
  var full = (el._fullData || [])[i] || tr;
  var out = {name: tr.name, meta: tr.meta, type: tr.type};
  ['x', 'y'].forEach(function (k) { out[k] = full[k] ? Array.from(full[k]) : []; });
  return out;
});
"""


def traces(dash_duo, graph: str) -> list[dict]:
    """The traces plotted in the dcc.Graph with id `graph`."""
    return dash_duo.driver.execute_script(_TRACES_JS, graph) or []


def xy_traces(dash_duo, graph: str) -> list[dict]:
    """Name, type, x and y of each trace, as plotly resolved them."""
    return dash_duo.driver.execute_script(_XY_JS, graph) or []


def click_segment(dash_duo, control_id: str, label: str) -> None:
    """Click the option `label` of a Mantine SegmentedControl."""
    for element in dash_duo.find_elements(f"#{control_id} label"):
        if element.text.strip() == label:
            element.click()
            return
    raise AssertionError(f"no segment {label!r} in #{control_id}")


def pick_option(dash_duo, input_selector: str, label: str) -> None:
    """Open a Mantine select and click the option with this label."""
    dash_duo.find_element(input_selector).click()
    until(lambda: any(o.text.strip() == label for o in dash_duo.find_elements("[role='option']")), timeout=10)
    next(o for o in dash_duo.find_elements("[role='option']") if o.text.strip() == label).click()


def follow_nav_keeping_area(dash_duo, page: str, path: str, area: str, area_label: str) -> None:
    """Click the navigation link to `page`; the therapy area must stay in the URL and the header select."""
    dash_duo.find_element(f"#nav-{page}").click()
    until(lambda: dash_duo.driver.execute_script("return window.location.pathname;") == path, timeout=10)
    until(lambda: f"area={area}" in dash_duo.driver.execute_script("return window.location.search;"), timeout=10)
    until(lambda: dash_duo.find_element("#global-area").get_attribute("value") == area_label, timeout=10)


# The boxes (px of the viewport) of the parts of a drawn chart: the whole chart (its first svg), the plot area, the
# legend, the x axis's title and tick labels, the y axis's tick labels, a right axis's (y2) tick labels and title, the
# annotations, a colour bar's tick labels and the modebar, each with its text (a label plotly hides is a box of zero
# size).
_CHART_BOXES_JS = """
function box(el) { var r = el.getBoundingClientRect();
                   return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, text: el.textContent}; }
function all(selector) { return Array.from(graph.querySelectorAll(selector)).map(box); }
var graph = document.getElementById(arguments[0]);
var svg = graph && graph.querySelector('.main-svg');
if (!svg) { return null; }
return {chart: box(svg), plots: all('.draglayer .nsewdrag'), legend: all('.legend .bg'), xtitle: all('.g-xtitle'),
        xticks: all('.xtick text'), yticks: all('.ytick text'), y2ticks: all('.y2tick text'),
        y2title: all('.g-y2title text'), annotations: all('.annotation-text'), cbticks: all('.colorbar .cbaxis text'),
        modebar: all('.modebar'),
        narrow: !!((((graph.querySelector('.js-plotly-plot') || {}).layout || {}).meta || {}).narrow || {}).applied};
"""


def chart_boxes(dash_duo, graph: str) -> dict | None:
    """Where the parts of the chart in the dcc.Graph `graph` are drawn (px of the viewport), and whether it took
    its narrow layout (assets/narrow_charts.js); None before it is drawn."""
    return dash_duo.driver.execute_script(_CHART_BOXES_JS, graph)


def narrow_chart_boxes(dash_duo, app, path: str, graph: str, timeout: int = 15) -> dict:
    """Start `app` in a phone-sized window (375 x 800), open `path` ("/products?lang=ru") and return chart_boxes
    of `graph` once it is drawn in its narrow layout."""
    dash_duo.start_server(app)
    dash_duo.driver.set_window_size(375, 800)
    dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
    wait_for_graph(dash_duo, graph)
    until(lambda: (chart_boxes(dash_duo, graph) or {}).get("narrow"), timeout=timeout)
    return chart_boxes(dash_duo, graph)


def overlap(a: dict, b: dict) -> bool:
    """Whether two boxes of chart_boxes overlap (by more than a pixel's rounding)."""
    return (a["left"] < b["right"] - 1 and b["left"] < a["right"] - 1
            and a["top"] < b["bottom"] - 1 and b["top"] < a["bottom"] - 1)


def inside(a: dict, b: dict) -> bool:
    """Whether box `a` lies within box `b` (to a pixel's rounding)."""
    return (a["left"] >= b["left"] - 1 and a["right"] <= b["right"] + 1
            and a["top"] >= b["top"] - 1 and a["bottom"] <= b["bottom"] + 1)
