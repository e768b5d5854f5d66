"""In headless Chromium: AG Grid's script, left out of the index (dashboard/static.py defer_bundles), is loaded
after the page's first chart has drawn what its callback answered (assets/deferred_bundles.js), and at once
on a page without chart cards; the grid is drawn either way."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import console_errors

pytestmark = pytest.mark.browser

# The time (performance.now()) a chart card's graph first holds what its callback answered.
FIRST_ANSWER_SCRIPT = """
(function () {
  window.__firstChartAnswer = null;
  function check() {
    var plots = document.querySelectorAll('.chart-card .js-plotly-plot');
    for (var i = 0; i < plots.length; i++) {
      var gd = plots[i];
      if ((gd.data && gd.data.length) || (gd.layout && gd.layout.annotations && gd.layout.annotations.length)) {
        window.__firstChartAnswer = performance.now();
        return true;
      }
    }
    return false;
  }
  function start() {
    var observer = new MutationObserver(function () { if (check()) { observer.disconnect(); } });
    observer.observe(document.documentElement, {childList: true, subtree: true, attributes: true});
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
"""
GRID_SCRIPT_STARTS = """
return performance.getEntriesByType('resource').filter(function (r) {
  return /dash_ag_grid\\/dash_ag_grid\\.v[^/]*\\.js/.test(r.name); }).map(function (r) { return r.startTime; });
"""


@pytest.mark.parametrize(("path", "charts"), [("/products", True), ("/scorecard", False)])
def test_the_grid_script_waits_for_the_first_chart(dash_duo, atlas_app, path, charts):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FIRST_ANSWER_SCRIPT})
    dash_duo.wait_for_page(f"{dash_duo.server_url}{path}?lang=en")
    dash_duo.wait_for_element(".ag-root", timeout=30)
    first_answer = dash_duo.driver.execute_script("return window.__firstChartAnswer;")
    starts = dash_duo.driver.execute_script(GRID_SCRIPT_STARTS)
    assert len(starts) == 1, "AG Grid's script is requested once"
    if charts:
        assert first_answer is not None and starts[0] >= first_answer
    else:
        assert first_answer is None  # no chart card: nothing to wait for (the grid is drawn above)
    assert console_errors(dash_duo) == []
