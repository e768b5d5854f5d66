"""The shared figure layout: the narrow (phone) layout every chart carries."""

from __future__ import annotations

import itertools

import plotly.graph_objects as go

from dashboard.figures import NARROW_LEGEND, base_layout, narrow, spread, text_width, wrapped


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


def test_text_width_errs_wide_of_dejavu_sans_the_widest_usual_ui_font():
    # DejaVu Sans's own widths (px at 12 px bold, 13 px regular), as Chromium draws them in the browser tests.
    assert 142 <= text_width("Московская область", 12, bold=True) <= 142 * 1.2
    assert 150 <= text_width("Российская Федера…", 12, bold=True) <= 150 * 1.2
    assert 83 <= text_width("145,600,000", 13) <= 83 * 1.1
    assert text_width("145\u00a0600\u00a0000", 13) == text_width("145,600,000", 13)  # (Russian separators)
    assert text_width("", 12) == 0 and text_width("ab", 24) == 2 * text_width("ab", 12)


def test_spread_keeps_labels_apart_each_as_near_its_own_place_as_it_can():
    # Apart already: where they were wanted.
    assert spread([10.0, 100.0, 50.0], 16, 0, 352) == [10.0, 100.0, 50.0]
    # Two ends 2 px apart: moved apart evenly about their middle, in their order.
    assert spread([200.0, 202.0], 16, 0, 352) == [193.0, 209.0]
    assert spread([202.0, 200.0], 16, 0, 352) == [209.0, 193.0]
    # Held within the room: pushed up from the bottom, down from the top.
    assert spread([0.0, 1.0, 2.0], 16, 8, 352) == [8.0, 24.0, 40.0]
    assert spread([352.0, 350.0], 16, 8, 344) == [344.0, 328.0]
    # A crowd near the bottom and one line far above it: the crowd stacks, the far one stays.
    placed = spread([10.0, 11.0, 12.0, 13.0, 300.0], 16, 8, 344)
    assert placed[-1] == 300.0 and sorted(placed[:4]) == placed[:4]
    assert min(b - a for a, b in itertools.pairwise(sorted(placed))) >= 16
    # More than the room holds: None (the caller names the lines another way).
    assert spread([float(i) for i in range(23)], 16, 8, 344) is None
    assert spread([float(i) for i in range(22)], 16, 8, 344) is not None
    assert spread([], 16, 8, 344) == []
