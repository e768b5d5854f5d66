"""Plotly figures as plain dicts, the JSON a graph_objects.Figure serialises to.

Building a graph_objects.Figure validates every property (and walks every coordinate of a map),
and a cached Figure is validated again when it is unpickled; for the atlas's small charts that
cost more than the rest of a callback. Pages build these dicts instead, and their tests pass every
chart state through plotly.graph_objects.Figure(figure) so the dicts stay valid.
"""

from __future__ import annotations

from functools import lru_cache

import plotly.io as pio

from dashboard.figures import empty_layout


@lru_cache(maxsize=4)
def _template(name: str) -> dict:
    return pio.templates[name].to_plotly_json()


def template() -> dict:
    """The default plotly template as a dict (what go.Figure adds), built once per process.

    Shared by every figure: callers must not modify it.
    """
    return _template(pio.templates.default)


def figure(traces: list[dict], layout: dict) -> dict:
    """A figure dict with the default template, so it looks as the same go.Figure would."""
    return {"data": traces, "layout": {"template": template(), **layout}}


def empty(message: str, lang: str, height: int = 360) -> dict:
    """A blank chart that says why it is blank."""
    return figure([], empty_layout(message, lang, height))
