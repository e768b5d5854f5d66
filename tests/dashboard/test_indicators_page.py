"""The indicators page's figures and controls: valid plotly figures, real values, honest gaps (no browser)."""

import itertools
import json
import math
import sys

import plotly.graph_objects as go
import pytest

from dashboard import queries
from dashboard.i18n import format_number
from dashboard.model.indicators import yoy_partner, yoy_partners
from tests.dashboard.dash_callbacks import call


@pytest.fixture
def page(atlas_app):
    module = next(m for name, m in sys.modules.items() if name.endswith("indicators") and hasattr(m, "render_view"))
    with atlas_app.server.app_context():
        yield module


def _render(page, indicator="grp", regions=None, start=2005, end=2022, view="line", transform="published",
            period=None, edition=None, lang="en", log=False, vs=None, size=None):
    regions = page.DEFAULT_REGIONS if regions is None else regions
    return page.render_view(indicator, tuple(regions), start, end, view, transform, period, edition, lang, log, vs,
                            size)


@pytest.mark.parametrize(("view", "transform"), list(itertools.product(
    ("line", "ranking", "map", "scatter", "table"), ("published", "per_capita", "index", "yoy"))))
def test_every_view_is_a_valid_plotly_figure(page, view, transform):
    figure, _source, _unit, csv_url, _name, _api, rank, height, title, _subtitle, _notes = _render(
        page, start=2005, end=2017, view=view, transform=transform, period="2017")
    go.Figure(figure)  # full validation against the plotly schema
    # (a scatter's link is the API's /scatter, x=grp against the y indicator)
    assert figure["data"] and ("x=grp" if view == "scatter" else "indicator=grp") in csv_url, (view, transform)
    assert "format=csv" in csv_url, (view, transform)
    assert height >= 460 and title.startswith("Gross regional product")
    assert rank.startswith("Kaluga Oblast: rank ") if view == "ranking" else rank == "", (view, transform)


def test_line_merges_editions_newest_wins_and_says_so(page):
    figure, *_rest, notes = _render(page, regions=("RU-KLU",), start=2016, end=2017)
    [trace] = figure["data"]  # one line per region, not one per edition
    assert trace["name"] == "Kaluga Oblast"
    by_year = dict(zip(trace["x"], trace["y"], strict=True))
    # RR-2019 published 417,065.0 for 2017, RR-2021 revised it to 457,052.5 and RR-2024 publishes 2017 too:
    # the newest edition's figure is drawn, never the oldest one.
    newest = queries.observations("grp", ("RU-KLU",), 2017, 2017, "RR-2024")
    assert by_year[2017] == float(newest["value"].iloc[0]) != 417065.0
    assert any("newest edition" in n for n in notes)
    one, *_ = _render(page, regions=("RU-KLU",), start=2016, end=2017, edition="RR-2021")
    assert dict(zip(one["data"][0]["x"], one["data"][0]["y"], strict=True))[2017] == 457052.5


def test_default_chart_compares_like_with_like_on_readable_ticks(page):
    # The default: GRP per capita for Kaluga, its five neighbours and Russia, all on one axis.
    assert page.DEFAULT_INDICATOR == "grp_per_capita"
    figure, *_ = _render(page, page.DEFAULT_INDICATOR)
    names = [trace["name"] for trace in figure["data"]]
    assert names[0] == "Kaluga Oblast" and "Russian Federation" in names and len(names) == 7
    assert "yaxis2" not in figure["layout"]
    assert figure["layout"]["yaxis"]["exponentformat"] == "none"  # "80 000", never "80M"
    assert figure["layout"]["showlegend"] is False  # labels at the line ends instead of a legend
    labels = [a["text"] for a in figure["layout"]["annotations"] if a.get("xref") == "paper" and a.get("x") == 1.0]
    assert any("Kaluga Oblast" in label for label in labels) and len(labels) == 7
    # GRP itself for the same regions: Russia's total goes on its own axis, Kaluga is not a flat line under it.
    total, *_ = _render(page, "grp")
    russia = next(trace for trace in total["data"] if trace["name"] == "Russian Federation")
    assert russia["yaxis"] == "y2" and all("yaxis" not in t for t in total["data"] if t is not russia)
    assert total["layout"]["yaxis"]["exponentformat"] == "none"


def test_line_chart_on_a_phone_names_the_series_in_a_legend_instead_of_at_the_line_ends(page):
    figure, *_ = _render(page, page.DEFAULT_INDICATOR, lang="ru")
    layout = figure["layout"]
    spec = layout["meta"]["narrow"]
    changes = spec["layout"]
    ends = [i for i, a in enumerate(layout["annotations"]) if a.get("xref") == "paper" and a.get("x") == 1.0]
    assert len(ends) == 7 and all(changes[f"annotations[{i}].visible"] is False for i in ends)
    # The right margin kept for them goes; the legend (under the chart: figures.NARROW_LEGEND) names the series.
    assert layout["margin"]["r"] >= 150 and changes["margin.r"] <= 16 and changes["showlegend"] is True
    assert changes["legend.yref"] == "container" and changes["yaxis.title.text"] is None  # (the unit: card's head)
    renamed = dict(spec["traces"])
    kaluga = next(n for n, trace in enumerate(figure["data"]) if trace["name"] == "Калужская область")
    assert renamed == {kaluga: {"name": "<b>Калужская область</b>", "legendrank": 1}}
    # The source line goes from an annotation under the plot to the x axis's title, in two lines.
    footer = len(layout["annotations"]) - 1
    assert layout["annotations"][footer]["text"].startswith("Источник: ")
    assert changes[f"annotations[{footer}].visible"] is False
    assert changes["xaxis.title.text"].startswith("Источник: ") and changes["xaxis.title.text"].count("<br>") == 1
    # With Russia's total on its own axis, its legend entry says so (the axis loses its title).
    total, *_ = _render(page, "grp", lang="en")
    russia = next(n for n, trace in enumerate(total["data"]) if trace["name"] == "Russian Federation")
    assert dict(total["layout"]["meta"]["narrow"]["traces"])[russia] == {"name": "Russian Federation (right axis)"}
    assert total["layout"]["meta"]["narrow"]["layout"]["yaxis2.title.text"] is None
    # Wide, nothing of it shows.
    assert layout["showlegend"] is False and "title" not in layout["xaxis"]


def test_russia_goes_on_its_own_axis_for_a_total(page):
    figure, *_rest, notes = _render(page, regions=("RU-KLU", "RU-TUL", "RU"))
    russia = next(trace for trace in figure["data"] if trace["name"] == "Russian Federation")
    assert russia["yaxis"] == "y2" and "yaxis2" in figure["layout"]
    assert any("right axis" in n for n in notes)
    # A rate compares on one axis.
    rate, *_ = _render(page, "unemployment_rate", regions=("RU-KLU", "RU"), start=2010, end=2015)
    assert "yaxis2" not in rate["layout"]


@pytest.mark.parametrize(("lang", "title"), [("en", "Russian Federation: right axis"),
                                             ("ru", "Российская Федерация — правая ось")])
def test_the_right_axis_names_its_series_in_full_where_that_fits(page, lang, title):
    figure, *_ = _render(page, "grp", lang=lang)
    assert figure["layout"]["yaxis2"]["title"]["text"] == title  # (it was "Russian Feder…: right axis")
    assert page.text_width(title, page.FONT_SIZE) <= page.PLOT_HEIGHT


def test_a_right_axis_title_naming_three_series_is_shortened_to_fit_along_the_plot(page):
    names = ["Russian Federation", "Central Federal District", "Volga Federal District"]
    title = page._right_axis_title(names, "en")
    assert title.endswith(": right axis") and title.count("…") == 3 and title.startswith("Russian")
    # (each name cut to 14 characters, it was 435 px by text_width along a 352 px plot)
    assert page.text_width(title, page.FONT_SIZE) <= page.PLOT_HEIGHT


def _end_label_px(page, layout: dict) -> list[tuple[float, str]]:
    """Each line-end label's height over the plot's bottom (px) and its text, from its axis's range."""
    out = []
    for a in layout["annotations"]:
        if a.get("xref") == "paper" and a.get("x") == 1.0:
            low, high = layout["yaxis2" if a["yref"] == "y2" else "yaxis"]["range"]
            out.append(((a["y"] - low) / (high - low) * page.PLOT_HEIGHT, a["text"]))
    return out


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_line_end_labels_stand_right_of_the_right_axis_and_apart(page, lang):
    figure, *_ = _render(page, "grp", start=2000, lang=lang)  # (the page's view: every year)
    layout = figure["layout"]
    ends = [a for a in layout["annotations"] if a.get("xref") == "paper" and a.get("x") == 1.0]
    assert len(ends) == 7 and {a["yref"] for a in ends} == {"y", "y2"}
    # Before: the left axis's labels 6 px right of the plot, over the right axis's tick labels ("145,600,000" is 83
    # px wide) and title; Russia's 70 px right, over Moscow Oblast's. Now one column, right of both.
    [xshift] = {a["xshift"] for a in ends}
    widest_tick = page._tick_width(layout["yaxis2"])
    assert widest_tick >= page.text_width("149,613,201", 13) and xshift >= widest_tick + page.RIGHT_AXIS_TITLE
    assert layout["margin"]["r"] >= xshift + max(page.text_width(a["text"][3:-4], 12, bold=True) for a in ends)
    # Every two labels a line apart, all within the plot's height, each at its line's end or as near as it can be.
    heights = sorted(px for px, _text in _end_label_px(page, layout))
    assert min(b - a for a, b in itertools.pairwise(heights)) >= page.LABEL_GAP - 1e-9
    assert heights[0] >= page.LABEL_GAP / 2 - 1e-9 and heights[-1] <= page.PLOT_HEIGHT - page.LABEL_GAP / 2 + 1e-9
    placed = dict((text, px) for px, text in _end_label_px(page, layout))
    for trace in figure["data"]:
        axis = layout["yaxis2" if trace.get("yaxis") == "y2" else "yaxis"]["range"]
        end = (trace["y"][-1] - axis[0]) / (axis[1] - axis[0]) * page.PLOT_HEIGHT
        assert abs(placed[f"<b>{page._end_label(trace['name'])}</b>"] - end) <= 2 * page.LABEL_GAP, trace["name"]
    # The ranges set are plotly's own autorange (measured in Chromium: -3,188,713 to 149,613,201 for Russia).
    assert layout["yaxis2"]["range"] == pytest.approx([-3188713.16, 149613201.26])
    # On a phone plotly ranges the axes itself again (the labels are hidden there).
    changes = layout["meta"]["narrow"]["layout"]
    assert changes["yaxis.autorange"] is True and changes["yaxis.range"] is None
    assert changes["yaxis2.autorange"] is True and changes["yaxis2.range"] is None
    # On a linear scale plotly ticks each axis itself: the right axis at its own round values (it took the left's
    # positions, tickmode "sync", labelled "5,400,000", "22,900,000", ...).
    assert "tickmode" not in layout["yaxis"] and layout["yaxis2"]["tickmode"] == "auto"
    assert "yaxis2.tickvals" not in changes


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_log_scale_gives_each_axis_its_own_round_ticks_clear_of_the_labels(page, lang):
    figure, *_ = _render(page, "grp", start=2000, lang=lang, log=True)
    layout = figure["layout"]
    go.Figure(figure)
    # Before: the right axis took the left's tick positions (tickmode "sync"), labelled at odd values ("110,957,500"
    # over "122,572,900") and with bare digits, as was the left axis between its powers of ten (2, 3, ... 9).
    for axis in ("yaxis", "yaxis2"):
        ticks = layout[axis]
        low, high = ticks["range"]
        assert ticks["type"] == "log" and ticks["tickmode"] == "array" and len(ticks["tickvals"]) >= 4, axis
        assert all(low <= math.log10(v) <= high and f"{v:.0e}"[0] in "125" for v in ticks["tickvals"]), ticks
        assert ticks["ticktext"] == [format_number(v, lang, 0) for v in ticks["tickvals"]]
        px = [(math.log10(v) - low) / (high - low) * page.PLOT_HEIGHT for v in ticks["tickvals"]]
        assert min(b - a for a, b in itertools.pairwise(px)) >= page.LOG_TICK_GAP, axis
    assert layout["yaxis2"]["tickvals"] == [5e6, 1e7, 2e7, 5e7, 1e8]
    # The line-end labels right of the widest of the right axis's labels ("100,000,000") and its title.
    ends = [a for a in layout["annotations"] if a.get("xref") == "paper" and a.get("x") == 1.0]
    [xshift] = {a["xshift"] for a in ends}
    widest = max(page.text_width(text, 13) for text in layout["yaxis2"]["ticktext"])
    assert len(ends) == 7 and xshift >= widest + page.RIGHT_AXIS_TITLE
    # On a phone the axes range themselves again, with ticks chosen for the shorter plot, as far apart at 11 px.
    changes = layout["meta"]["narrow"]["layout"]
    for axis in ("yaxis", "yaxis2"):
        low, high = layout[axis]["range"]
        assert changes[f"{axis}.autorange"] is True and changes[f"{axis}.tickmode"] == "array"
        px = [(math.log10(v) - low) / (high - low) * page.NARROW_PLOT_HEIGHT for v in changes[f"{axis}.tickvals"]]
        assert min(b - a for a, b in itertools.pairwise(px)) >= page.NARROW_LOG_TICK_GAP, axis
        assert changes[f"{axis}.ticktext"] == [format_number(v, lang, 0) for v in changes[f"{axis}.tickvals"]]


def test_line_end_labels_without_a_right_axis_stand_by_the_plot(page):
    figure, *_ = _render(page, page.DEFAULT_INDICATOR, lang="ru")
    layout = figure["layout"]
    ends = [a for a in layout["annotations"] if a.get("xref") == "paper" and a.get("x") == 1.0]
    assert {a["xshift"] for a in ends} == {6} and {a["yref"] for a in ends} == {"y"}
    heights = sorted(px for px, _text in _end_label_px(page, layout))
    assert min(b - a for a, b in itertools.pairwise(heights)) >= page.LABEL_GAP - 1e-9
    # Russia named in full (it was cut to "Российская Федера…" at 18 characters), and within the margin.
    texts = [a["text"] for a in ends]
    assert "<b>Российская Федерация</b>" in texts and not [text for text in texts if "…" in text]
    assert layout["margin"]["r"] >= 6 + max(page.text_width(text[3:-4], page.LABEL_SIZE, bold=True) for text in texts)


def test_a_line_end_label_is_a_name_in_full_or_cut_to_fit_its_width(page):
    for name in ("Российская Федерация", "Russian Federation", "Central Federal District", "Калужская область"):
        assert page._end_label(name) == name
    long = "Ханты-Мансийский автономный округ — Югра"
    cut = page._end_label(long)
    assert cut.endswith("…") and long.startswith(cut[:-1])
    assert page.text_width(cut, page.LABEL_SIZE, bold=True) <= page.END_LABEL_WIDTH
    assert page.text_width(cut[:-1] + long[len(cut) - 1] + "…", page.LABEL_SIZE, bold=True) > page.END_LABEL_WIDTH


def test_too_many_lines_to_label_apart_are_named_in_a_legend(page):
    regions = (page.KALUGA_CODE, *[code for code in page.federal_subjects() if code != page.KALUGA_CODE][:29])
    figure, *_ = _render(page, page.DEFAULT_INDICATOR, regions=regions)
    layout = figure["layout"]
    assert len(figure["data"]) == 30  # 30 labels 16 px apart would take 480 px of a 352 px plot
    assert not [a for a in layout["annotations"] if a.get("xref") == "paper" and a.get("x") == 1.0]
    assert layout["showlegend"] is True and layout["legend"]["orientation"] == "v"
    assert layout["legend"]["xref"] == "container" and layout["legend"]["x"] == 1
    kaluga = next(trace for trace in figure["data"] if "Kaluga Oblast" in trace["name"])
    assert kaluga["name"] == "<b>Kaluga Oblast</b>" and kaluga["legendrank"] == 1
    widest = max(page.text_width(trace["name"], 13, bold=True) for trace in figure["data"])
    assert layout["margin"]["r"] >= 6 + widest + page.LEGEND_SYMBOL
    # On a phone the legend goes under the chart, as every chart's does.
    assert layout["meta"]["narrow"]["layout"]["legend.yref"] == "container"
    go.Figure(figure)


def test_axis_range_pads_as_plotly_does(page):
    _axis_range, _tick_width, height = page._axis_range, page._tick_width, page.PLOT_HEIGHT
    pad = (0.05 * height + 3) / (height - 2 * (0.05 * height + 3)) * 100
    assert _axis_range([0.0, 100.0, 40.0], False) == pytest.approx([-pad, 100 + pad])
    assert _axis_range([1.0, 100.0, -5.0], True) == pytest.approx([-pad / 50, 2 + pad / 50])  # (log10; -5 undrawn)
    assert _axis_range([7.0], False) == pytest.approx([3.5 - pad * 7 / 100, 10.5 + pad * 7 / 100])
    assert _axis_range([], False) is None and _axis_range([0.0, -1.0], True) is None
    # A tick label: the digits of the range's ends, decimals where the span is small, a minus where it is negative.
    assert _tick_width({"range": [0.0, 150_000_000.0]}) >= _tick_width({"range": [0.0, 15_000_000.0]})
    assert _tick_width({"range": [0.0, 5.0]}) > _tick_width({"range": [0.0, 5000.0]}) - 3 * 0.64 * 13
    assert _tick_width({"range": [-50_000.0, 10.0]}) > _tick_width({"range": [0.0, 50_000.0]})
    # An axis with labels of its own (a log axis): the widest of them.
    ticks = {"range": [6.5, 8.2], "ticktext": ["5,000,000", "100,000,000", "10,000,000"]}
    assert _tick_width(ticks) == page.text_width("100,000,000", 13)


def test_ranking_names_kalugas_place_and_labels_every_bar(page):
    figure, *_rest, rank, height, _title, _subtitle, _notes = _render(page, regions=(), start=2019, end=2019,
                                                                      view="ranking", period="2019", edition="RR-2021")
    # The line is the page's HTML above the chart (it wraps on a phone), not a one-line plotly title.
    assert rank == "Kaluga Oblast: rank 44 of 85 (2019)" and "title" not in figure["layout"]
    _ru, *_rest, rank_ru, _height, _title, _subtitle, _notes = _render(page, regions=(), start=2019, end=2019,
                                                                      view="ranking", period="2019",
                                                                      edition="RR-2021", lang="ru")
    assert rank_ru == "Калужская область: 44-е место из 85 (2019)"
    bars = figure["data"][0]
    assert len(bars["y"]) == 85 and height >= 85 * 15  # every bar gets a readable row
    kaluga = figure["layout"]["yaxis"]["ticktext"][bars["y"].index("Kaluga Oblast")]
    assert "<b>" in kaluga and page.KALUGA_COLOUR in kaluga
    assert len(figure["layout"]["yaxis"]["tickvals"]) == 85


def test_monthly_ranking_ranks_85_regions_for_one_month(page):
    figure, *_rest, rank, _height, _title, _subtitle, notes = _render(page, "avg_wage", regions=(), start=2009,
                                                                      end=2015, view="ranking", period="2015-12")
    bars = figure["data"][0]
    assert len(bars["y"]) == 85  # not 1,020 region-months
    assert {row[1] for row in bars["customdata"]} == {"December 2015"}
    assert " of 85 (December 2015)" in rank
    assert any("One month: December 2015" in n for n in notes)


def test_map_bins_colours_by_quantile_names_the_year_and_labels_kaluga(page):
    figure, *_ = _render(page, regions=(), view="map", period="2019", edition="RR-2021")
    choropleth, outline = figure["data"]
    label = figure["layout"]["annotations"][0]
    ticks = choropleth["colorbar"]["ticktext"]
    assert len(ticks) == 5 and len(choropleth["colorscale"]) == 10  # five steps, each a flat colour
    bins = [int(z) for z in choropleth["z"]]
    assert max(bins.count(b) for b in set(bins)) <= 18  # quantiles: about 17 regions per colour
    assert "2019" in figure["layout"]["title"]["text"]
    assert outline["locations"] == ["RU-KLU"] and outline["marker"]["line"]["width"] >= 2
    kaluga = choropleth["customdata"][choropleth["locations"].index("RU-KLU")]
    assert "Kaluga Oblast" in label["text"] and kaluga[4] in label["text"]  # named, with its value
    assert "fitbounds" not in figure["layout"]["geo"]  # Chukotka across 180° would zoom out to the globe
    assert all(row[0] for row in choropleth["customdata"])  # region names on hover


def test_map_on_a_phone_writes_each_range_upright_in_two_lines(page):
    figure, *_ = _render(page, regions=(), view="map", period="2019", edition="RR-2021", lang="ru")
    spec = figure["layout"]["meta"]["narrow"]
    [[index, change]] = spec["traces"]
    ranges = figure["data"][index]["colorbar"]["ticktext"]
    # The same ranges (the same numbers, written the page's way), each split after its dash.
    assert [text.replace("<br>", " ") for text in change["colorbar.ticktext"]] == ranges and len(ranges) == 5
    assert all(text.count("<br>") == 1 and " – " in text.replace("<br>", " ") for text in change["colorbar.ticktext"])
    assert change["colorbar.tickangle"] == 0 and change["colorbar.tickfont.size"] >= 10
    assert spec["layout"]["title.text"] == "<b>2019</b>" and "2019" in figure["layout"]["title"]["text"]


def test_per_capita_only_for_totals_and_population_stated(page):
    for code in ("avg_wage", "grp_per_capita", "population", "unemployment_rate"):
        assert not page.additive(code), code
        options = {o["value"]: o for o in page._transform_options(code, "en")}
        assert options["per_capita"]["disabled"] is True
        figure, *_ = _render(page, code, start=2010, end=2015, transform="per_capita")
        assert "only for totals" in figure["layout"]["annotations"][0]["text"], code
    assert page.additive("grp")
    _figure, _source, unit, *_rest, notes = _render(page, regions=("RU-KLU", "CFD", "RU"), transform="per_capita")
    assert unit == "million RUB per 1,000 people"
    assert any("average annual population" in n and "Average annual population" in n for n in notes)
    # Russia and the district have no population figure in the database: said, not silently dropped.
    assert any("No population figure for: Central Federal District, Russian Federation" in n for n in notes)


def test_year_on_year_prefers_rosstats_published_index(page):
    assert queries.published_yoy("avg_wage") == "avg_wage_yoy"
    # the one-indicator reading agrees with the whole catalogue's pairing, for every indicator
    everything = yoy_partners(queries.engine())
    assert everything["avg_wage"] == "avg_wage_yoy"
    assert all(yoy_partner(queries.engine(), code) == everything.get(code) for code in queries.indicators()["code"])
    figure, _source, unit, *_rest, notes = _render(page, "avg_wage", regions=("RU-KLU",), start=2010, end=2015,
                                                   transform="yoy")
    published = queries.observations("avg_wage_yoy", ("RU-KLU",), 2014, 2014)
    expected = float(published.loc[published["period"] == "2014-03", "value"].iloc[0]) - 100
    drawn = dict(zip(figure["data"][0]["x"], figure["data"][0]["y"], strict=True))
    assert drawn["2014-03-01"] == pytest.approx(expected)
    assert "derived" not in unit and any("published index" in n for n in notes)
    _figure, _source, unit, *_rest, notes = _render(page, "grp", regions=("RU-KLU",), transform="yoy")
    assert "derived" in unit and any("derived from the levels" in n for n in notes)


def test_table_with_all_editions_shows_every_edition(page):
    figure, *_rest, notes = _render(page, regions=("RU-KLU",), start=2016, end=2017, view="table")
    first_column = figure["data"][0]["cells"]["values"][0]
    editions = set(queries.observations("grp", ("RU-KLU",), 2016, 2017)["edition"])
    assert len(first_column) == len(editions) >= 3  # one row per edition, none silently picked
    assert any("own row" in n for n in notes)


def test_scatter_highlights_kaluga_and_sizes_points(page):
    figure, *_ = _render(page, view="scatter", period="2019", edition="RR-2021", vs="grp_per_capita",
                         size="population", log=True)
    [points] = figure["data"]
    assert len(points["x"]) >= 80
    kaluga = points["text"].index("<b>Kaluga Oblast</b>")
    assert points["marker"]["color"][kaluga] == page.KALUGA_COLOUR
    assert len(set(points["marker"]["size"])) > 10  # sized by population
    assert figure["layout"]["xaxis"]["type"] == "log"


def test_log_scale_and_footer_with_edition_and_last_update(page):
    figure, *_ = _render(page, log=True)
    assert figure["layout"]["yaxis"]["type"] == "log"
    footer = figure["layout"]["annotations"][-1]["text"]
    assert footer.startswith("Source: ") and "RR 2024" in footer
    assert "last updated " in footer and not footer.endswith("—")


def test_changing_indicator_keeps_the_period_valid_and_clamps_years(page):
    # From annual GRP 2019 to the monthly wage (2009-2015): the newest month, years inside its range.
    c = page.controls_for("avg_wage", [2005, 2019], "2019", "RR-2021", "per_capita", "indicator", "en")
    assert c["period"] == "2015-12" and c["years"] == [2009, 2015] and c["edition"] is None
    assert c["transform"] == "published"
    assert c["period"] in {o["value"] for o in c["periods"]}
    back = page.controls_for("grp", c["years"], c["period"], None, "published", "indicator", "en")
    assert back["period"] == page.default_period("grp") and back["years"][1] == int(back["period"])


def test_the_time_control_is_shared(page):
    moved = page.controls_for("grp", [2005, 2012], "2019", None, "published", "years", "en")
    assert moved["period"] == "2012"  # moving the years' end moves the map
    picked = page.controls_for("grp", [2005, 2022], "2010", None, "published", "year", "en")
    assert picked["years"] == [2005, 2010]
    played = page.controls_for("grp", [2015, 2016], "2016", None, "published", "play", "en")
    assert played["period"] == "2017" and played["years"] == [2015, 2017]


def test_controls_callback_through_dash(client):
    response = call(client, "indicators-years.value", {
        "indicators-indicator": "avg_wage", "indicators-years": [2000, 2022], "indicators-year": "2022",
        "indicators-edition": "RR-2024", "indicators-transform": "per_capita", "indicators-lang": "en"})
    assert response["indicators-year"]["value"] == "2015-12"
    assert response["indicators-years"]["value"] == [2009, 2015]
    assert response["indicators-transform"]["value"] == "published"


def test_group_presets(page):
    assert page.group_regions("neighbours") == ["RU-KLU", *page.NEIGHBOURS]
    central = page.group_regions("district:CFD")
    assert central[0] == "RU-KLU" and len(central) == 18
    assert page.group_regions("peers")[0] == "RU-KLU" and page.group_regions("nonsense") is None


def test_layout_from_a_monthly_url(client):
    from tests.dashboard.pages.render import visit

    layout = json.dumps(visit(client, "/indicators?indicator=avg_wage&year=2014&view=ranking&lang=en")[0][2]["layout"])
    assert '"value": "2014-12"' in layout  # a bare year opens that year's newest month


def test_indicator_without_a_unit_renders(page):
    figure, _source, unit, *_rest = _render(page, "students", start=2010, end=2015)
    go.Figure(figure)
    assert unit == ""


def test_unknown_indicator_is_an_empty_state(page):
    figure, _source, unit, csv_url, _name, api_url, *_rest = _render(page, "no_such", regions=(), start=2010,
                                                                     end=2015)
    go.Figure(figure)
    assert "No such indicator: no_such" in figure["layout"]["annotations"][0]["text"]
    assert unit == "" and csv_url == "" and api_url == ""


def _codes(options: list[dict]) -> list[str]:
    return [item["value"] for group in options for item in group["items"]]


def test_the_picker_starts_with_the_headlines_and_searches_the_whole_catalogue(page):
    catalogue = page._catalogue()
    first = _codes(page._indicator_options("en", "grp"))
    assert "grp" in first and len(first) < 30  # not the 1,155 names on every page load
    assert _codes(page._indicator_options("en", None, " ")) == _codes(page._indicator_options("en", None))
    # an indicator outside the headlines is found by the longest word of its name, in either language
    code, row = next((c, r) for c, r in catalogue.items() if c not in first and r["name_en"] and r["name_ru"])
    for lang, name in (("en", row["name_en"]), ("ru", row["name_ru"])):
        word = max(name.split(), key=len)
        found = page._indicator_options(lang, "grp", word.upper())  # the match ignores case
        codes = _codes(found)
        assert "grp" in codes and (code in codes or len(codes) == page.SEARCH_RESULTS + 1), (lang, word)
        labels = [item["label"] for group in found for item in group["items"]
                  if item["value"] != "grp"]  # the current indicator is kept whatever was typed
        assert labels and all(word.casefold() in label.casefold() for label in labels), (lang, word)
    assert _codes(page._indicator_options("en", "grp", "zzzz-no-such-words")) == ["grp"]


def test_the_search_callback_answers_any_typed_text(client):
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    spec = next(c for c in dependencies if c["output"] == "indicators-indicator.data")
    for search in ("wage", "", None, 7, ["x"], "a" * 5000):
        payload = {"output": spec["output"], "outputs": {"id": "indicators-indicator", "property": "data"},
                   "inputs": [{"id": "indicators-indicator", "property": "searchValue", "value": search}],
                   "state": [{"id": "indicators-indicator", "property": "value", "value": "grp"},
                             {"id": "indicators-lang", "property": "data", "value": "en"}],
                   "changedPropIds": ["indicators-indicator.searchValue"]}
        response = client.post("/_dash-update-component", json=payload)
        assert response.status_code == 200, search
        options = json.loads(response.data)["response"]["indicators-indicator"]["data"]
        assert "grp" in _codes(options)
        if search == "wage":
            assert "avg_wage_annual" in _codes(options)


def test_a_database_without_the_default_indicator_still_opens_the_page(page, monkeypatch):
    """Reference data only, or a database being built: the default indicator may be missing (no 500)."""
    first = next(iter(page._catalogue()))
    real = queries.indicator
    monkeypatch.setattr(queries, "indicator", lambda code: None if code == page.DEFAULT_INDICATOR else real(code))
    layout = page.layout(lang="en")
    assert first in str(layout) and "holds no regional statistics" not in str(layout)
    monkeypatch.setattr(queries, "indicator", lambda code: None)
    monkeypatch.setattr(page, "_catalogue", lambda: {})
    assert "The database holds no regional statistics yet" in str(page.layout(lang="en"))
    assert "нет региональной статистики" in str(page.layout(lang="ru"))
