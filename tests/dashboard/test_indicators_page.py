"""The indicators page's figures: valid plotly figures, real values, honest gaps (no browser)."""

import itertools
import sys

import plotly.graph_objects as go
import pytest


@pytest.fixture
def page(atlas_app):
    module = next(m for name, m in sys.modules.items() if name.endswith("indicators") and hasattr(m, "render_view"))
    with atlas_app.server.app_context():
        yield module


@pytest.mark.parametrize(("view", "transform"), list(itertools.product(
    ("line", "ranking", "map", "table"), ("published", "per_capita", "index", "yoy"))))
def test_every_view_is_a_valid_plotly_figure(page, view, transform):
    figure, _source, _unit, csv_url, _name, _api = page.render_view("grp", page.DEFAULT_REGIONS, 2005, 2017, view,
                                                                  transform,
                                                    2017, None, "en")
    go.Figure(figure)  # full validation against the plotly schema
    assert figure["data"] and "indicator=grp" in csv_url and "format=csv" in csv_url, (view, transform)


def test_line_shows_both_editions_of_kaluga_grp(page):
    figure, *_ = page.render_view("grp", ("RU-KLU",), 2016, 2017, "line", "published", None, None, "en")
    by_name = {trace["name"]: dict(zip(trace["x"], trace["y"], strict=True)) for trace in figure["data"]}
    assert by_name["Kaluga Oblast · RR 2019"][2017] == 417065.0
    assert by_name["Kaluga Oblast · RR 2021"][2017] == 457052.5


def test_ranking_names_kalugas_place(page):
    figure, *_ = page.render_view("grp", (), 2019, 2019, "ranking", "published", 2019, "RR-2021", "en")
    assert figure["layout"]["title"]["text"] == "Kaluga Oblast: rank 44 of 85 (2019)"


def test_indicator_without_a_unit_renders(page):
    figure, _source, unit, *_links = page.render_view("students", page.DEFAULT_REGIONS, 2010, 2015, "line",
                                                    "published", None, None, "en")
    go.Figure(figure)
    assert unit == ""


def test_per_capita_refused_for_rates(page):
    figure, *_ = page.render_view("unemployment_rate", page.DEFAULT_REGIONS, 2010, 2015, "line", "per_capita",
                                  None, None, "en")
    assert "rate or share" in figure["layout"]["annotations"][0]["text"]


def test_unknown_indicator_is_an_empty_state(page):
    figure, _source, unit, csv_url, _name, api_url = page.render_view("no_such", (), 2010, 2015, "line", "published",
                                                                      None, None, "en")
    go.Figure(figure)
    assert "No such indicator: no_such" in figure["layout"]["annotations"][0]["text"]
    assert unit == "" and csv_url == "" and api_url == ""
