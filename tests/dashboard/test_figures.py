"""The shared figure layout: the narrow (phone) layout every chart carries."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures import NARROW_LEGEND, base_layout, narrow, wrapped


def test_every_chart_puts_its_legend_under_itself_on_a_phone():
    layout = base_layout("en", legend={"orientation": "v", "x": 1.02})
    assert layout["legend"] == {"orientation": "v", "x": 1.02}  # as the page asked, wide
    assert layout["meta"]["narrow"]["layout"] == NARROW_LEGEND
    assert NARROW_LEGEND["legend.yref"] == "container" and NARROW_LEGEND["legend.yanchor"] == "bottom"
    go.Figure({"data": [], "layout": layout})  # plotly accepts it


def test_narrow_adds_to_what_is_there():
    layout = narrow(base_layout("ru"), {"xaxis.nticks": 4}, traces={0: {"maxdepth": 2}})
    narrow(layout, {"annotations[0].text": "a<br>b"})
    spec = layout["meta"]["narrow"]
    assert spec["layout"] == {**NARROW_LEGEND, "xaxis.nticks": 4, "annotations[0].text": "a<br>b"}
    assert spec["traces"] == [[0, {"maxdepth": 2}]]


def test_wrapped_breaks_between_words_only():
    assert wrapped("Infrastructure (education)", 14) == "Infrastructure<br>(education)"
    assert wrapped("Soglashenie", 4) == "Soglashenie"
    assert wrapped("", 10) == ""
