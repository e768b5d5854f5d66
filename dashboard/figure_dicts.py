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


# Layout parts of a template that style one kind of subplot, and the trace types drawn on that kind.
_SUBPLOT_STYLES = {
    "polar": frozenset({"scatterpolar", "scatterpolargl", "barpolar"}),
    "ternary": frozenset({"scatterternary"}),
    "scene": frozenset({"scatter3d", "surface", "mesh3d", "cone", "streamtube", "volume", "isosurface"}),
    "geo": frozenset({"scattergeo", "choropleth"}),
}


def trimmed(figure: dict) -> dict:
    """The figure with its template holding only what applies to it: the defaults of the trace types it draws and
    the styles of the subplots it has; it looks the same.

    NOTE: a template carries defaults for every trace type (heatmap, surface, 3-D scenes ...): 7.1 KB of JSON in
    every chart response, 2-3 times the data of a small chart, encoded, compressed, sent and parsed each time.
    Plotly.js applies a template's `data.<type>` only to traces of that type, and a subplot style only to such a
    subplot, so what is left out is never read.
    """
    layout = figure.get("layout")
    template = layout.get("template") if isinstance(layout, dict) else None
    if not isinstance(template, dict):
        return figure
    types = {trace.get("type") or "scatter" for trace in figure.get("data") or () if isinstance(trace, dict)}
    data = {kind: defaults for kind, defaults in (template.get("data") or {}).items() if kind in types}
    styles = {key: value for key, value in (template.get("layout") or {}).items()
              if key not in _SUBPLOT_STYLES or types & _SUBPLOT_STYLES[key] or key in layout}
    return {**figure, "layout": {**layout, "template": {**template, "data": data, "layout": styles}}}
