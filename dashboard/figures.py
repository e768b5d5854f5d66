"""Figure building blocks shared by the pages: palette, base layout, empty states."""

from __future__ import annotations

from dashboard.i18n import plotly_separators

# Okabe-Ito: distinguishable with the common forms of colour blindness.
KALUGA_COLOUR = "#D55E00"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
MUTED = "#B8C2CC"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def colour_for(region_code: str, index: int) -> str:
    """Kaluga is always the same colour; other series take the palette in order."""
    return KALUGA_COLOUR if region_code == "RU-KLU" else PALETTE[index % len(PALETTE)]


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
    return layout


def empty_layout(message: str, lang: str, height: int = 360) -> dict:
    """The layout of a blank chart whose annotation says why it is blank."""
    layout = base_layout(lang, height)
    layout.update({
        "xaxis": {"visible": False}, "yaxis": {"visible": False},
        "annotations": [{"text": message, "showarrow": False, "xref": "paper", "yref": "paper",
                         "x": 0.5, "y": 0.5, "font": {"size": 15, "color": "#5c6773"}}],
    })
    return layout
