"""Figure building blocks shared by the pages: palette, base layout, the narrow (phone) layout, empty states."""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Mapping, Sequence
from decimal import Decimal

from dashboard.i18n import format_number, plotly_separators

# Okabe-Ito: distinguishable with the common forms of colour blindness.
KALUGA_COLOUR = "#D55E00"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
MUTED = "#B8C2CC"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
# The charts' text size (base_layout), axis titles included.
FONT_SIZE = 13


def colour_for(region_code: str, index: int) -> str:
    """Kaluga is always the same colour; other series take the palette in order."""
    return KALUGA_COLOUR if region_code == "RU-KLU" else PALETTE[index % len(PALETTE)]


# A chart drawn narrower than this (its own width in px; a phone's is about 320) takes the narrow layout its figure
# carries in layout.meta.narrow: assets/narrow_charts.js applies it after plotly draws the chart, and takes it back
# when the chart is drawn wider again. The server cannot know the screen, and plotly's layout has no media queries.
NARROW_WIDTH = 500

# On a phone a legend beside, inside or at a fixed fraction under the plot overprints the plot or its axis title: under
# the whole chart (anchored to the container, so plotly grows the bottom margin to hold it), in rows that wrap, in a
# smaller font so that a long entry fits the width.
NARROW_LEGEND = {"legend.orientation": "h", "legend.xref": "container", "legend.x": 0, "legend.xanchor": "left",
                 "legend.yref": "container", "legend.y": 0, "legend.yanchor": "bottom", "legend.font.size": 11}


def narrow(layout: dict, updates: Mapping[str, object], traces: Mapping[int, Mapping[str, object]] | None = None
           ) -> dict:
    """Add to `layout` what changes when its chart is drawn narrower than NARROW_WIDTH: `updates` as Plotly.relayout
    takes them ("legend.y", "annotations[2].text"), `traces` as Plotly.restyle takes them, by trace index."""
    spec = layout.setdefault("meta", {}).setdefault("narrow", {})
    spec["layout"] = {**spec.get("layout", {}), **updates}
    if traces:
        spec["traces"] = [*spec.get("traces", []), *([index, dict(change)] for index, change in traces.items())]
    return layout


def wrapped(text: str, width: int) -> str:
    """`text` in lines of at most `width` characters (plotly's <br>), for tick labels on a narrow chart."""
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False)) or text


def wrapped_ticks(axis: str, values: list, labels: list[str], width: int) -> dict[str, object]:
    """Relayout updates for a narrow chart's category axis ("yaxis"): `values` labelled `labels` in lines of at most
    `width` characters, in 10 px (long names otherwise take the width from the plot, or are cut at its edge)."""
    return {f"{axis}.tickmode": "array", f"{axis}.tickvals": list(values),
            f"{axis}.ticktext": [wrapped(label, width) for label in labels], f"{axis}.tickfont.size": 10}


# Character widths in em, erring wide: DejaVu Sans, what `system-ui` comes to where no UI font is installed (the browser
# tests' Chromium), is wider than Segoe UI, San Francisco and Roboto. On every region name of the atlas, in both
# languages and cut as the line chart cuts them, text_width is 2-19 % over DejaVu Sans's own width, bold or not.
_NARROW_CHARS = frozenset(" \u00a0\u202f.,:;'!|()[]-/ilIjJftr")
_WIDE_CHARS = frozenset("mwMWшщжюфыЮФЖШЩМЫ…—−")


def _em(char: str, bold: bool) -> float:
    if char.isdigit():
        return 0.70 if bold else 0.64
    if char in _NARROW_CHARS:
        return 0.50 if bold else 0.40
    if char in _WIDE_CHARS:
        return 1.10 if bold else 1.00
    if char.isupper():
        return 0.90 if bold else 0.80
    return 0.72 if bold else 0.65


def text_width(text: str, size: float, bold: bool = False) -> float:
    """About the width in px of plain `text` (no markup) at `size` px in FONT, erring wide: what to keep clear for it
    where plotly does not (an annotation takes no room from the plot)."""
    return sum(_em(char, bold) for char in text) * size


def fit_text(text: str, width: float, size: float, bold: bool = False) -> str:
    """`text` in full where text_width gives it at most `width` px, else its longest start that fits followed by "…"."""
    if text_width(text, size, bold) <= width:
        return text
    room, end = width / size - _em("…", bold), 0
    while end < len(text) and _em(text[end], bold) <= room:
        room -= _em(text[end], bold)
        end += 1
    return text[:end].rstrip() + "…"


def spread(wanted: Sequence[float], gap: float, low: float, high: float) -> list[float] | None:
    """Where to put labels wanted at `wanted` (px along one axis, in any order) so that any two are at least `gap`
    apart and all lie within [low, high], each as near its own place as the others let it (least squares, the
    order kept); None when they cannot all fit."""
    n = len(wanted)
    if n and (n - 1) * gap > high - low:
        return None
    order = sorted(range(n), key=lambda i: wanted[i])
    # Taking i gaps off the i-th lowest makes "gap apart" "in order": the nearest ordered values are the means of
    # runs that would be out of order (pool adjacent violators), then held within the room left.
    blocks: list[list[float]] = []  # [mean, count]
    for i, index in enumerate(order):
        blocks.append([wanted[index] - i * gap, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            blocks[-1] = [(blocks[-1][0] * blocks[-1][1] + mean * count) / (blocks[-1][1] + count),
                          blocks[-1][1] + count]
    top = high - (n - 1) * gap
    shifted = [min(max(mean, low), top) for mean, count in blocks for _ in range(int(count))]
    placed = [0.0] * n
    for i, index in enumerate(order):
        placed[index] = float(shifted[i] + i * gap)
    return placed


def log_ticks(axis_range: Sequence[float], length: float, lang: str, gap: float) -> dict[str, object]:
    """Ticks for a log axis over `axis_range` (log10 of its ends) drawn `length` px long: the most round values that
    stand at least `gap` px apart, each written in full in `lang` (as axis keys: tickmode, tickvals, ticktext).

    NOTE: plotly's own log ticks label the digits between two powers of ten as bare "2", "3", "5", drawn over each
    other where a decade is short, and an axis overlaying another (a right axis) takes the other's tick positions by
    default (tickmode "sync"), labelled at odd values ("110,957,500" over "122,572,900").
    """
    low, high = sorted(axis_range)
    if high - low <= 0:
        return {"tickmode": "auto"}
    first, last = math.floor(low), math.ceil(high)
    in_range = Decimal(10) ** first, Decimal(10) ** last

    def decades(mantissas: Sequence[int], every: int = 1) -> list[Decimal]:
        return [Decimal(m).scaleb(k) for k in range(first, last + 1) if k % every == 0 for m in mantissas]

    def steps(step: Decimal) -> list[Decimal]:
        return [n * step for n in range(max(1, int(in_range[0] / step)), int(in_range[1] / step) + 1)]

    # From the coarsest to the finest: powers of ten (every few decades), 1-3, 1-2-5 and every digit in each decade,
    # then even steps for a range of less than a decade (no more than a thousand of them to the range's top: finer
    # ones cannot stand `gap` apart there). The one with the most ticks `gap` apart wins, the coarser on a tie.
    candidates = [decades([1], every) for every in range(max(1, last - first), 1, -1)]
    candidates += [decades([1]), decades([1, 3]), decades([1, 2, 5]), decades(range(1, 10))]
    candidates += [steps(step) for k in range(last, first - 4, -1) for m in (5, 2, 1)
                   if Decimal(10 ** high) / (step := Decimal(m).scaleb(k)) <= 1000]
    best: list[Decimal] = []
    for values in candidates:
        kept = sorted({v for v in values if low - 1e-9 <= math.log10(v) <= high + 1e-9})
        px = [(math.log10(v) - low) / (high - low) * length for v in kept]
        if len(kept) > len(best) and all(b - a >= gap for a, b in itertools.pairwise(px)):
            best = kept
    if not best:  # (a range too narrow for any; the line chart's never is)
        return {"tickmode": "auto"}
    return {"tickmode": "array", "tickvals": [float(v) for v in best],
            "ticktext": [format_number(float(v), lang, max(0, -v.normalize().as_tuple().exponent)) for v in best]}


def base_layout(lang: str, height: int = 360, **overrides) -> dict:
    layout = {
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "separators": plotly_separators(lang),
        "font": {"family": FONT, "size": FONT_SIZE},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.18},
        "xaxis": {"gridcolor": "#e6e9ee"},
        "yaxis": {"gridcolor": "#e6e9ee", "zerolinecolor": "#cfd6de"},
    }
    layout.update(overrides)
    return narrow(layout, NARROW_LEGEND)


def empty_layout(message: str, lang: str, height: int = 360) -> dict:
    """The layout of a blank chart whose annotation says why it is blank."""
    layout = base_layout(lang, height)
    layout.update({
        "xaxis": {"visible": False}, "yaxis": {"visible": False},
        "annotations": [{"text": message, "showarrow": False, "xref": "paper", "yref": "paper",
                         "x": 0.5, "y": 0.5, "font": {"size": 15, "color": "#5c6773"}}],
    })
    return layout
