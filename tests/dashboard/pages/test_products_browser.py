"""Browser tests of /products in real headless Chromium."""

from __future__ import annotations

import itertools

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains

from tests.dashboard.browser import (
    chart_boxes,
    follow_nav_keeping_area,
    inside,
    narrow_chart_boxes,
    overlap,
    pick_option,
    traces,
)
from tests.dashboard.conftest import (
    console_errors,
    current_query,
    has_horizontal_scroll,
    save_screenshot,
    wait_for_graph,
)

pytestmark = pytest.mark.browser

TREE = "products-tree-graph"
REGISTRATIONS = "products-registrations-graph"
BY_COMPANY = "products-by-company-graph"
ALL_PRODUCTS = 25  # distinct products in the bundled data (27 cited rows)




def root_value(dash_duo) -> int | None:
    """Products under the tree's root (the first node is the root)."""
    data = traces(dash_duo, TREE)
    if not data or "values" not in data[0]:
        return None
    return data[0]["values"][0]


def grid_rows(dash_duo) -> int | None:
    """Rows the grid displays after its filters and quick search (rendered or not)."""
    return dash_duo.driver.execute_script(
        "try { return window.dash_ag_grid.getApi('products-grid').getDisplayedRowCount(); }"
        " catch (e) { return null; }")




def test_company_filter_search_and_url_reproduce_the_view(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/products?lang=en")
    wait_for_graph(dash_duo, TREE)
    until(lambda: root_value(dash_duo) == ALL_PRODUCTS, timeout=15)
    assert traces(dash_duo, TREE)[0]["type"] == "treemap"
    assert "ATC not assigned" in traces(dash_duo, TREE)[0]["labels"]
    # The cited registration counts: Bion 7 (2016), Mir-Pharm 6 (2017) and 3 (2018), as written.
    wait_for_graph(dash_duo, REGISTRATIONS)
    until(lambda: len(traces(dash_duo, REGISTRATIONS)) == 2, timeout=10)
    assert sorted(v for tr in traces(dash_duo, REGISTRATIONS) for v in tr["text"]) == ["3", "6", "7"]
    until(lambda: grid_rows(dash_duo) == 27, timeout=10)
    assert "unknown" in dash_duo.find_element("#products-grid").text

    pick_option(dash_duo, "#products-company", "Mir-Pharm Kaluga")
    until(lambda: root_value(dash_duo) == 8, timeout=10)
    until(lambda: grid_rows(dash_duo) == 8, timeout=10)
    until(lambda: len(traces(dash_duo, REGISTRATIONS)) == 1, timeout=10)
    until(lambda: "company=mir_pharm" in current_query(dash_duo), timeout=5)

    search = dash_duo.find_element("#products-search")
    search.send_keys("atosiban")
    until(lambda: grid_rows(dash_duo) == 1, timeout=10)
    until(lambda: "q=atosiban" in current_query(dash_duo), timeout=5)

    next(e for e in dash_duo.find_elements("#products-chart label") if e.text.strip() == "Sunburst").click()
    until(lambda: traces(dash_duo, TREE) and traces(dash_duo, TREE)[0]["type"] == "sunburst", timeout=10)
    until(lambda: "chart=sunburst" in current_query(dash_duo), timeout=5)

    # A copied URL reproduces the view in a fresh page load.
    url = dash_duo.driver.current_url
    dash_duo.driver.get("about:blank")
    dash_duo.wait_for_page(url)
    wait_for_graph(dash_duo, TREE)
    until(lambda: traces(dash_duo, TREE) and traces(dash_duo, TREE)[0]["type"] == "sunburst", timeout=15)
    until(lambda: root_value(dash_duo) == 8, timeout=10)
    until(lambda: grid_rows(dash_duo) == 1, timeout=10)
    assert dash_duo.find_element("#products-search").get_attribute("value") == "atosiban"
    assert console_errors(dash_duo) == []


def test_area_filter_carries_across_pages_and_language_switch(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/products?lang=en&area=endocrinology")
    wait_for_graph(dash_duo, TREE)
    # Endocrinology: Fiasp and Forxiga (A10); carbetocin (H01BB) is obstetric, not endocrine.
    until(lambda: root_value(dash_duo) == 2, timeout=15)
    ids = traces(dash_duo, TREE)[0]["ids"]
    assert "atc:A10" in ids and "atc:H01" not in ids and "atc:L" not in ids
    until(lambda: dash_duo.find_element("#global-area").get_attribute("value") == "Endocrinology (incl. diabetes)",
          timeout=10)

    follow_nav_keeping_area(dash_duo, "companies", "/companies", "endocrinology", "Endocrinology (incl. diabetes)")

    dash_duo.find_element("#nav-products").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Products and therapy areas")
    dash_duo.find_element("#lang-ru").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Продукция и терапевтические области")
    dash_duo.wait_for_text_to_equal("#products-tree-title", "Продукты по терапевтическим областям (АТХ)")
    until(lambda: root_value(dash_duo) == 2, timeout=15)
    assert "Все продукты" in traces(dash_duo, TREE)[0]["labels"]
    assert "lang=ru" in current_query(dash_duo) and "area=endocrinology" in current_query(dash_duo)
    dash_duo.find_element("#lang-en").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Products and therapy areas")
    save_screenshot(dash_duo, "products-endocrinology")
    assert console_errors(dash_duo) == []


def test_full_page_and_narrow_viewport(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/products?lang=en")
    wait_for_graph(dash_duo, TREE)
    until(lambda: root_value(dash_duo) == ALL_PRODUCTS, timeout=15)
    until(lambda: grid_rows(dash_duo) == 27, timeout=10)
    save_screenshot(dash_duo, "products")

    dash_duo.driver.set_window_size(375, 800)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/products?lang=ru")
    wait_for_graph(dash_duo, TREE)
    until(lambda: root_value(dash_duo) == ALL_PRODUCTS, timeout=15)
    assert not has_horizontal_scroll(dash_duo)
    widths = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('.js-plotly-plot .main-svg:first-child'))"
        ".map(function (svg) { return svg.getBoundingClientRect().right; });")
    assert all(right <= 375 + 1 for right in widths), widths
    save_screenshot(dash_duo, "products-375px")
    assert console_errors(dash_duo) == []


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_registrations_legend_goes_under_the_chart_on_a_phone_and_back_when_wide(dash_duo, atlas_app, lang):
    narrow_chart_boxes(dash_duo, atlas_app, f"/products?lang={lang}", REGISTRATIONS)
    until(lambda: chart_boxes(dash_duo, REGISTRATIONS)["legend"], timeout=10)
    boxes = chart_boxes(dash_duo, REGISTRATIONS)
    legend = boxes["legend"][0]
    # Before: at a fixed fraction under the plot, the legend overprinted the x axis's title on a phone.
    assert inside(legend, boxes["chart"]), boxes
    assert not [b for b in boxes["plots"] + boxes["xtitle"] + boxes["xticks"] if overlap(legend, b)], boxes
    assert legend["top"] >= boxes["xtitle"][0]["bottom"] - 1, boxes
    save_screenshot(dash_duo, f"products-registrations-375px-{lang}")

    # Widened, the chart is drawn as the figure came (the legend where the desktop had it).
    dash_duo.driver.set_window_size(1280, 1000)
    until(lambda: chart_boxes(dash_duo, REGISTRATIONS)["narrow"] is False, timeout=10)
    legend = dash_duo.driver.execute_script(
        f"return document.querySelector('#{REGISTRATIONS} .js-plotly-plot').layout.legend;")
    assert (legend["orientation"], legend["y"], legend.get("yref"), legend.get("font")) == ("h", -0.18, None, {})
    assert console_errors(dash_duo) == []


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_company_bars_and_treemap_are_readable_on_a_phone(dash_duo, atlas_app, lang):
    boxes = narrow_chart_boxes(dash_duo, atlas_app, f"/products?lang={lang}", BY_COMPANY)
    # Before: the longest company names were cut at the chart's left edge and the counts' ticks ran together.
    assert boxes["yticks"] and all(b["left"] >= boxes["chart"]["left"] - 1 for b in boxes["yticks"]), boxes
    ticks = boxes["xticks"]
    assert not [(a, b) for a, b in itertools.pairwise(ticks) if overlap(a, b)], ticks

    # The treemap shows the ATC groups under the root, not all four levels at once in boxes too small to read.
    wait_for_graph(dash_duo, TREE)
    until(lambda: (chart_boxes(dash_duo, TREE) or {}).get("narrow"), timeout=15)
    tree = traces(dash_duo, TREE)[0]
    assert tree["maxdepth"] == 2, tree.get("maxdepth")
    # Each label in lines of at most 16 characters where it has spaces to break at.
    assert all(len(line) <= 16 or " " not in line for text in tree["text"] for line in text.split("<br>"))
    save_screenshot(dash_duo, f"products-narrow-375px-{lang}")
    assert console_errors(dash_duo) == []


# Each treemap box's label as drawn (not the path bar's): its text and its size in px on screen (plotly shrinks a
# label to its box by scaling the text element).
_TREE_LABELS_JS = """
return Array.from(document.querySelectorAll('#' + arguments[0] + ' .slice')).filter(function (s) {
  return !s.closest('.pathbar') && s.querySelector('text.slicetext');
}).map(function (s, i) {
  var t = s.querySelector('text.slicetext'), m = /scale\\(([\\d.e-]+)/.exec(t.getAttribute('transform') || '');
  var r = s.querySelector('path').getBoundingClientRect();
  return {index: i, text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * (m ? parseFloat(m[1]) : 1),
          box: {left: r.left, top: r.top, right: r.right, bottom: r.bottom}};
});
"""


def hover_text(dash_duo) -> str:
    """The tree's hover label as shown ("" when none is)."""
    return dash_duo.driver.execute_script(
        f"var h = document.querySelector('#{TREE} .hoverlayer .hovertext'); return h ? h.textContent : '';")


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_treemap_labels_are_legible_or_left_to_the_hover_on_a_phone(dash_duo, atlas_app, lang):
    narrow_chart_boxes(dash_duo, atlas_app, f"/products?lang={lang}", TREE)
    dash_duo.driver.execute_script(f"document.getElementById('{TREE}').scrollIntoView();")
    until(lambda: dash_duo.driver.execute_script(_TREE_LABELS_JS, TREE), timeout=10)
    labels = dash_duo.driver.execute_script(_TREE_LABELS_JS, TREE)
    drawn = [label for label in labels if label["text"].strip() and label["px"] > 0]  # (hidden: scaled to 0)
    # Before: the smallest groups' labels were drawn at 4-9 px (L 4.6 px, H 7.0 px in English).
    assert drawn and all(label["px"] >= 10 for label in drawn), labels
    assert len(drawn) >= 3, labels  # the boxes with room keep their names
    # A box whose label is not drawn names itself on hover (on a phone: a tap opens it, the path bar names it).
    names = set(traces(dash_duo, TREE)[0]["labels"])
    hidden = [label for label in labels if label not in drawn and label["box"]["right"] > label["box"]["left"]]
    assert hidden, labels  # (L and H at 375 px)
    for label in hidden:
        box = label["box"]
        target = dash_duo.driver.execute_script(
            "return document.elementFromPoint(arguments[0], arguments[1]);",
            (box["left"] + box["right"]) / 2, (box["top"] + box["bottom"]) / 2)
        assert target is not None, box
        ActionChains(dash_duo.driver).move_to_element(target).perform()
        # (the label's own text, scaled to nothing, where plotly kept it; its lines run together in textContent)
        own = "".join(label["text"].split())
        until(lambda own=own: "".join(hover_text(dash_duo).split()).startswith(own), timeout=5)
        hover = hover_text(dash_duo)
        assert any(hover.startswith(name) for name in names if " · " in name), hover
    save_screenshot(dash_duo, f"products-treemap-375px-{lang}")
    assert console_errors(dash_duo) == []
