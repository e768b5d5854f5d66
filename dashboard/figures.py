"""Figure building blocks shared by the pages: palette, base layout, the narrow (phone) layout, empty states."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from dashboard.i18n import plotly_separators

# Okabe-Ito: distinguishable with the common forms of colour blindness.
KALUGA_COLOUR = "#D55E00"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
MUTED = "#B8C2CC"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


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


def base_layout(lang: str, height: int = 360, **overrides) -> dict:
    layout = {
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "separators": plotly_separators(lang),
        "font": {"family": FONT, "size": 13},
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
