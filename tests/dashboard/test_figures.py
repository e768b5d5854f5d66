"""The shared figure layout: the narrow (phone) layout every chart carries."""

from __future__ import annotations

import itertools
import math

import plotly.graph_objects as go

from dashboard.figures import NARROW_LEGEND, base_layout, fit_text, log_ticks, narrow, spread, text_width, wrapped


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


def _gaps(ticks: dict, axis_range: tuple[float, float], length: float) -> list[float]:
    px = [(math.log10(v) - axis_range[0]) / (axis_range[1] - axis_range[0]) * length for v in ticks["tickvals"]]
    return [b - a for a, b in itertools.pairwise(px)]


def test_log_ticks_are_round_values_apart_written_in_full():
    # Russia's GRP on the line chart's right axis at 1440 px (log10 of 3.8 to 149.6 million, 352 px): plotly synced it
    # to the left axis's ticks, "110,957,500" over "122,572,900" and bare digits 2/3/5 over each other.
    right = (6.58, 8.18)
    ticks = log_ticks(right, 352, "en", 30)
    assert ticks == {"tickmode": "array", "tickvals": [5e6, 1e7, 2e7, 5e7, 1e8],
                     "ticktext": ["5,000,000", "10,000,000", "20,000,000", "50,000,000", "100,000,000"]}
    assert log_ticks(right, 352, "ru", 30)["ticktext"][-1] == "100\u00a0000\u00a0000"  # (format_number's NBSP)
    assert min(_gaps(ticks, right, 352)) >= 30
    # The regions' axis (20 thousand to 10 million): 1-2-5 in each decade, never a bare digit.
    left = (4.25, 7.05)
    ticks = log_ticks(left, 352, "en", 30)
    assert ticks["ticktext"][:3] == ["20,000", "50,000", "100,000"] and ticks["ticktext"][-1] == "10,000,000"
    assert min(_gaps(ticks, left, 352)) >= 30
    # Shorter (a phone's plot): 1-3 in each decade; shorter still, powers of ten only, then every other one.
    assert log_ticks(left, 180, "en", 24)["tickvals"] == [3e4, 1e5, 3e5, 1e6, 3e6, 1e7]
    assert log_ticks(left, 100, "en", 24)["tickvals"] == [1e5, 1e6, 1e7]
    assert log_ticks((0.0, 12.0), 352, "en", 30)["tickvals"] == [10.0 ** k for k in range(0, 13, 2)]


def test_log_ticks_within_a_decade_take_even_steps_and_their_own_decimals():
    # A few years of Russia's GRP: 107 to 172 million, no power of ten or digit between.
    ticks = log_ticks((8.03, 8.24), 352, "en", 30)
    assert ticks["tickvals"] == [1.1e8 + n * 1e7 for n in range(7)] and min(_gaps(ticks, (8.03, 8.24), 352)) >= 30
    assert log_ticks((-1.5, 0.5), 352, "ru", 30)["ticktext"] == ["0,05", "0,1", "0,2", "0,5", "1", "2"]
    # No room for two (a range a hair wide): plotly's own ticks.
    assert log_ticks((7.1, 7.1001), 352, "en", 30) == {"tickmode": "auto"}
    assert log_ticks((7.0, 7.0), 352, "en", 30) == {"tickmode": "auto"}


def test_fit_text_keeps_a_text_that_fits_and_cuts_one_that_does_not_to_its_longest_start_that_fits():
    assert fit_text("Калужская область", 200, 12, bold=True) == "Калужская область"
    text = "Ханты-Мансийский автономный округ — Югра"
    cut = fit_text(text, 150, 12, bold=True)
    assert cut.endswith("…") and text.startswith(cut[:-1]) and text_width(cut, 12, bold=True) <= 150
    assert text_width(text[:len(cut)] + "…", 12, bold=True) > 150  # one character more would not fit
    assert fit_text("abc", 0, 12) == "…"
