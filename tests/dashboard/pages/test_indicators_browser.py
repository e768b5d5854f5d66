"""Browser tests of /indicators in real headless Chromium."""

from __future__ import annotations

import itertools

import pytest
from dash.testing.wait import until

from tests.dashboard.browser import chart_boxes, click_segment, inside, narrow_chart_boxes, overlap, traces
from tests.dashboard.conftest import (
    console_errors,
    current_query,
    has_horizontal_scroll,
    save_screenshot,
    wait_for_graph,
)

pytestmark = pytest.mark.browser

GRAPH = "indicators-chart-graph"
# The boxes of the ranking's line on Kaluga's place, of the top axis's tick labels and of plotly's modebar, in px of
# the viewport, and the viewport's width.
_RANK_BOXES_JS = """
function box(el) { var r = el.getBoundingClientRect(); return {left: r.left, top: r.top, right: r.right,
                                                               bottom: r.bottom, width: r.width}; }
var rank = document.getElementById('indicators-rank');
var graph = document.getElementById(arguments[0]);
return {viewport: document.documentElement.clientWidth, rank: rank ? box(rank) : null,
        rankOverflows: rank ? rank.scrollWidth > rank.clientWidth + 1 : null,
        ticks: Array.from(graph.querySelectorAll('.xtick text')).map(box),
        modebar: Array.from(graph.querySelectorAll('.modebar')).map(box)};
"""


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.parametrize(("lang", "words"), [("ru", "-е место из 85"), ("en", "Kaluga Oblast: rank ")])
def test_ranking_line_fits_a_phone_clear_of_the_axis_and_modebar(dash_duo, atlas_app, lang, words):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(375, 800)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/indicators?lang={lang}&indicator=grp_per_capita&view=ranking"
                           "&year=2022")
    wait_for_graph(dash_duo, GRAPH)
    dash_duo.wait_for_contains_text("#indicators-rank", words)
    until(lambda: dash_duo.driver.execute_script(_RANK_BOXES_JS, GRAPH)["ticks"], timeout=10)
    dash_duo.driver.execute_script("document.getElementById('indicators-chart').scrollIntoView();")
    boxes = dash_duo.driver.execute_script(_RANK_BOXES_JS, GRAPH)
    rank, viewport = boxes["rank"], boxes["viewport"]
    # Within the screen and wrapped there, not cut at its right edge.
    assert rank["left"] >= 0 and rank["right"] <= viewport and not boxes["rankOverflows"], boxes
    assert boxes["modebar"], "the chart has no modebar to check against"
    others = boxes["ticks"] + boxes["modebar"]
    assert not [b for b in others if _overlap(rank, b)], boxes
    # Nor do the tick labels (rotated on a phone) run under the modebar.
    assert not [(t, m) for t in boxes["ticks"] for m in boxes["modebar"] if _overlap(t, m)], boxes
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, f"indicators-ranking-375px-{lang}")
    assert console_errors(dash_duo) == []


def test_line_chart_then_ranking_and_url_reproduces_view(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/indicators?lang=en&indicator=grp&regions=RU-KLU,RU-TUL")
    wait_for_graph(dash_duo, GRAPH)
    dash_duo.wait_for_text_to_equal("#indicators-chart-title", "Gross regional product")
    # One line per region: the editions merged, the newest edition's figure where they differ.
    until(lambda: len(traces(dash_duo, GRAPH)) == 2, timeout=10)
    names = {trace["name"] for trace in traces(dash_duo, GRAPH)}
    assert names == {"Kaluga Oblast", "Tula Oblast"}
    # The card links to the API call for the view, and its CSV is that call's CSV.
    csv_link = dash_duo.find_element("#indicators-chart-csv").get_attribute("href")
    api_link = dash_duo.find_element("#indicators-chart-api").get_attribute("href")
    assert "/api/v1/observations?indicator=grp" in api_link and "format=csv" in csv_link
    assert "RU-KLU" in api_link and "RU-TUL" in api_link

    click_segment(dash_duo, "indicators-view", "Ranking")
    until(lambda: traces(dash_duo, GRAPH) and traces(dash_duo, GRAPH)[0]["type"] == "bar", timeout=10)
    bars = traces(dash_duo, GRAPH)[0]
    assert len(bars["y"]) >= 80  # every federal subject with a figure for the year
    until(lambda: "view=ranking" in current_query(dash_duo), timeout=5)
    save_screenshot(dash_duo, "indicators-ranking")

    # A copied URL reproduces the view in a fresh page load.
    url = dash_duo.driver.current_url
    dash_duo.driver.get("about:blank")
    dash_duo.wait_for_page(url)
    wait_for_graph(dash_duo, GRAPH)
    until(lambda: traces(dash_duo, GRAPH) and traces(dash_duo, GRAPH)[0]["type"] == "bar", timeout=10)
    assert console_errors(dash_duo) == []


def test_russian_labels_and_narrow_viewport(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(375, 800)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/indicators?lang=ru")
    wait_for_graph(dash_duo, GRAPH)
    dash_duo.wait_for_text_to_equal("#indicators-chart-title", "Валовой региональный продукт на душу населения")
    dash_duo.wait_for_text_to_equal("#nav-indicators", "Показатели регионов")
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, "indicators-375px")
    assert console_errors(dash_duo) == []


def test_map_of_regions_draws_offline(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/indicators?lang=en&indicator=grp&view=map&year=2017")
    wait_for_graph(dash_duo, GRAPH)
    until(lambda: traces(dash_duo, GRAPH) and traces(dash_duo, GRAPH)[0]["type"] == "choropleth", timeout=10)
    choropleth = traces(dash_duo, GRAPH)[0]
    assert "RU-KLU" in choropleth["locations"] and len(choropleth["locations"]) >= 80
    # The regions are drawn as shapes (plotly's own world outline is not fetched from the internet).
    until(lambda: dash_duo.driver.execute_script(
        f"return document.querySelectorAll('#{GRAPH} path.choroplethlocation').length") >= 80, timeout=10)
    save_screenshot(dash_duo, "indicators-map")
    assert console_errors(dash_duo) == []


# Where each line ends on screen (px of the viewport): the centre of its last marker, by trace.
_LINE_ENDS_JS = """
return Array.from(document.querySelectorAll('#' + arguments[0] + ' .scatterlayer .trace')).map(function (trace) {
  var points = trace.querySelectorAll('.point'), r = points[points.length - 1].getBoundingClientRect();
  return (r.top + r.bottom) / 2;
});
"""


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize(("lang", "words"), [("ru", "Источник: "), ("en", "Source: ")])
def test_line_end_labels_clear_the_right_axis_and_each_other_at_desktop_width(dash_duo, atlas_app, lang, words, log):
    # GRP itself: Russia's total on its own (right) axis, the default regions; on a linear and on a log scale.
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/indicators?lang={lang}&indicator=grp{'&log=1' if log else ''}")
    wait_for_graph(dash_duo, GRAPH)
    until(lambda: len((chart_boxes(dash_duo, GRAPH) or {}).get("annotations", [])) == 8, timeout=15)
    dash_duo.driver.execute_script("document.getElementById('indicators-chart').scrollIntoView();")
    boxes = chart_boxes(dash_duo, GRAPH)
    chart, ticks, title = boxes["chart"], boxes["y2ticks"], boxes["y2title"]
    labels = [b for b in boxes["annotations"] if not b["text"].startswith(words)]
    assert len(labels) == 7 and len(ticks) >= 5 and len(title) == 1, boxes
    # Each axis's tick labels apart. Before, on a log scale the right axis's overprinted each other ("122 572 900"
    # over "110 957 500", bare digits 2, 3, 4 over one another: 18 pairs), and the left axis's digits 5-9 of each
    # decade (15 pairs).
    for axis in ("yticks", "y2ticks"):
        drawn = [b for b in boxes[axis] if b["right"] > b["left"]]
        assert not [(a, b) for a, b in itertools.combinations(drawn, 2) if overlap(a, b)], (axis, drawn)
        assert not log or all(len(b["text"]) > 1 for b in drawn), (axis, drawn)  # (no bare digit)
    # Before: the left axis's labels ran over the right axis's tick labels and title, and "Russian Federation" over
    # "Moscow Oblast" (their boxes 1121-1223 and 1185-1315 px on one line at 1440 px).
    assert not [(a, b) for a, b in itertools.combinations(labels, 2) if overlap(a, b)], labels
    assert not [(a, b) for a in labels for b in ticks + title if overlap(a, b)], boxes
    assert all(a["left"] >= max(b["right"] for b in ticks + title) for a in labels), boxes
    # Whole within the chart (not cut at its right edge) and clear of the modebar standing over the column.
    assert all(inside(a, chart) for a in labels), boxes
    assert not [(a, m) for a in labels for m in boxes["modebar"] if overlap(a, m)], boxes
    # Each at its line's end, or a few lines' height from it where the lines end close together, in their order.
    names = [trace["name"] for trace in traces(dash_duo, GRAPH)]
    ends = dash_duo.driver.execute_script(_LINE_ENDS_JS, GRAPH)
    by_name = {a["text"].rstrip("…"): (a["top"] + a["bottom"]) / 2 for a in labels}
    centres = [next(y for text, y in by_name.items() if name.startswith(text)) for name in names]
    assert all(abs(c - e) <= 48 for c, e in zip(centres, ends, strict=True)), (names, centres, ends)
    # (Moscow Oblast's and Russia's ends are within a pixel of each other: either may be drawn above)
    assert not [(i, j) for i, j in itertools.permutations(range(7), 2)
                if ends[i] < ends[j] - 2 and centres[i] > centres[j]], (names, centres, ends)
    save_screenshot(dash_duo, f"indicators-line-right-axis-{'log-' if log else ''}1440px-{lang}")
    assert console_errors(dash_duo) == []


# The legend's entries as drawn: text, whether bold, and the box of each.
_LEGEND_JS = """
return Array.from(document.querySelectorAll('#' + arguments[0] + ' .legend .traces')).map(function (el) {
  var text = el.querySelector('.legendtext'), r = el.getBoundingClientRect();
  return {text: text.textContent, bold: !!text.querySelector('[style*="bold"]') || /<b>/.test(text.innerHTML),
          left: r.left, top: r.top, right: r.right, bottom: r.bottom};
});
"""


@pytest.mark.parametrize(("lang", "words", "kaluga"), [("ru", "Источник: ", "Калужская область"),
                                                       ("en", "Source: ", "Kaluga Oblast")])
def test_line_view_gives_the_lines_the_width_of_a_phone(dash_duo, atlas_app, lang, words, kaluga):
    boxes = narrow_chart_boxes(dash_duo, atlas_app, f"/indicators?lang={lang}&indicator=grp_per_capita", GRAPH)
    chart, [plot] = boxes["chart"], boxes["plots"]
    # Before: 150 px kept on the right for the labels at the line ends left the lines 64 of 317 px.
    assert plot["right"] - plot["left"] >= 0.7 * (chart["right"] - chart["left"]), boxes
    assert inside(plot, chart), boxes
    # The series are named in the legend under the chart instead, every one of them, Kaluga first and in bold.
    assert not boxes["annotations"], boxes  # (no label at a line end is drawn)
    [legend] = boxes["legend"]
    entries = dash_duo.driver.execute_script(_LEGEND_JS, GRAPH)
    names = [trace["name"].replace("<b>", "").replace("</b>", "") for trace in traces(dash_duo, GRAPH)]
    assert sorted(e["text"] for e in entries) == sorted(names) and len(names) == 7, (entries, names)
    assert entries[0]["text"] == kaluga and entries[0]["bold"] and not any(e["bold"] for e in entries[1:]), entries
    assert inside(legend, chart) and not overlap(legend, plot), boxes
    # The source line (editions, then the update) is between the axis and the legend, clear of both.
    [footer] = boxes["xtitle"]
    assert footer["text"].startswith(words) and inside(footer, chart), boxes
    assert not [b for b in boxes["xticks"] + boxes["plots"] + [legend] if overlap(footer, b)], boxes
    assert not [b for b in boxes["xticks"] if overlap(legend, b)], boxes
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, f"indicators-line-375px-{lang}")
    assert console_errors(dash_duo) == []


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize(("lang", "right"), [("ru", "Российская Федерация (правая ось)"),
                                             ("en", "Russian Federation (right axis)")])
def test_line_view_with_a_right_axis_names_it_in_the_legend_on_a_phone(dash_duo, atlas_app, lang, right, log):
    # GRP itself: Russia's total on its own (right) axis; on a linear and on a log scale.
    path = f"/indicators?lang={lang}&indicator=grp{'&log=1' if log else ''}"
    boxes = narrow_chart_boxes(dash_duo, atlas_app, path, GRAPH)
    chart, [plot] = boxes["chart"], boxes["plots"]
    # Before: 43 of 317 px (210 px kept on the right for the labels and the right axis's title).
    assert plot["right"] - plot["left"] >= 0.5 * (chart["right"] - chart["left"]), boxes
    entries = dash_duo.driver.execute_script(_LEGEND_JS, GRAPH)
    assert right in [e["text"] for e in entries] and len(entries) == 7, entries
    assert not boxes["annotations"] and not has_horizontal_scroll(dash_duo), boxes
    # Each axis's tick labels apart and inside the chart; on a log scale at round values written in full (before, the
    # right axis's read 5, 9, 1, 2, 3, 5, 7, "110,948,100", 2: the left axis's positions).
    for axis in ("yticks", "y2ticks"):
        drawn = [b for b in boxes[axis] if b["right"] > b["left"]]
        assert len(drawn) >= 3 and all(inside(b, chart) for b in drawn), (axis, drawn)
        assert not [(a, b) for a, b in itertools.combinations(drawn, 2) if overlap(a, b)], (axis, drawn)
        assert not log or all(len(b["text"]) > 1 for b in drawn), (axis, drawn)
    dash_duo.driver.execute_script("document.getElementById('indicators-chart').scrollIntoView();")
    save_screenshot(dash_duo, f"indicators-line-right-axis-{'log-' if log else ''}375px-{lang}")
    assert console_errors(dash_duo) == []


@pytest.mark.parametrize(("lang", "words"), [("ru", "Источник: "), ("en", "Source: ")])
def test_map_ranges_and_source_line_are_clear_of_each_other_on_a_phone(dash_duo, atlas_app, lang, words):
    path = f"/indicators?lang={lang}&indicator=grp_per_capita&view=map&year=2022"
    boxes = narrow_chart_boxes(dash_duo, atlas_app, path, GRAPH)
    chart, ranges = boxes["chart"], boxes["cbticks"]
    footer = next(b for b in boxes["annotations"] if b["text"].startswith(words))
    # Before: the ranges, tilted, ran into the source line, and plotly hid the two past the chart's right edge.
    assert len(ranges) == 5 and all(b["right"] - b["left"] > 0 for b in ranges), ranges
    assert all(inside(b, chart) for b in [*ranges, footer]), boxes
    assert not [b for b in ranges if overlap(footer, b)], boxes
    assert not [(a, b) for a, b in itertools.pairwise(ranges) if overlap(a, b)], ranges
    assert all(b["bottom"] - b["top"] < 40 for b in ranges), ranges  # upright (two lines), not tilted
    # The title keeps the period only (the card's head names the indicator): nothing of it is cut at the edge.
    title = dash_duo.driver.execute_script(
        f"var t = document.querySelector('#{GRAPH} .g-gtitle text'); var r = t.getBoundingClientRect();"
        "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, text: t.textContent};")
    assert title["text"] == "2022" and inside(title, chart), title
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, f"indicators-map-375px-{lang}")
    assert console_errors(dash_duo) == []
