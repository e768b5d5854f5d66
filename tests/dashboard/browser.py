"""Helpers for the browser tests: read what a chart plots, work Mantine controls."""

from __future__ import annotations

from dash.testing.wait import until

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
