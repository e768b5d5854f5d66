"""Shared UI: the chart card (title, unit, chart, source line, CSV download), filters, URL state."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import pandas as pd
from dash import Input, Output, clientside_callback, dcc, html

from dashboard.i18n import t

# NOTE: plotly.js fetches a world outline from its CDN for every geo chart; the atlas draws its own
# boundaries and has no internet at run time, so it points plotly at an empty outline it serves itself.
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "topojsonURL": "/assets/topojson/",
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
                "toImageButtonOptions": {"format": "png", "scale": 2}}


def chart_card(card_id: str, title: str, lang: str, height: int = 360, description: str | None = None,
               controls: Sequence | None = None) -> html.Section:
    """A chart with its title, unit, loading state, source line and 'download data' button."""
    return html.Section(
        className="card chart-card",
        id=card_id,
        **{"aria-labelledby": f"{card_id}-title"},
        children=[
            html.Div(className="card-head", children=[
                html.Div([
                    html.H2(title, id=f"{card_id}-title", className="card-title"),
                    html.Span(id=f"{card_id}-unit", className="card-unit"),
                ]),
                html.Button(t("card.download_csv", lang), className="button-secondary",
                            id={"type": "chart-download-button", "card": card_id}),
            ]),
            html.P(description, className="card-description") if description else None,
            html.Div(list(controls), className="card-controls") if controls else None,
            dcc.Loading(
                dcc.Graph(id=f"{card_id}-graph", config=GRAPH_CONFIG, style={"height": f"{height}px"},
                          figure={"layout": {"height": height}}),
                type="dot", delay_show=150,
            ),
            html.P(id=f"{card_id}-source", className="source-line"),
            dcc.Store(id={"type": "chart-data", "card": card_id}),
            dcc.Download(id={"type": "chart-download", "card": card_id}),
        ],
    )


def chart_outputs(card_id: str) -> list[Output]:
    """The outputs a chart callback fills, in the order chart_result returns them."""
    return [
        Output(f"{card_id}-graph", "figure"),
        Output(f"{card_id}-source", "children"),
        Output(f"{card_id}-unit", "children"),
        Output({"type": "chart-data", "card": card_id}, "data"),
    ]


def chart_result(figure, shown: pd.DataFrame, sources: list, unit: str | None, filename: str) -> tuple:
    """What chart_outputs expects: the figure, source line, unit, and the rows shown (for CSV).

    A graph_objects figure is turned into its plain dict here, so memoized results hold dicts:
    unpickling a go.Figure from the cache re-validates it, which costs more than building it.
    """
    if hasattr(figure, "to_plotly_json"):
        figure = figure.to_plotly_json()
    data = {"filename": filename, "columns": list(shown.columns),
            "rows": json.loads(shown.to_json(orient="values", date_format="iso"))}
    return figure, sources, unit or "", data


def source_line(items: Iterable[tuple[str, str | None]], lang: str, label_key: str = "card.source") -> list:
    """'Source: A; B' with links where a URL is known."""
    parts: list = [html.Span(f"{t(label_key, lang)}: ", className="source-label")]
    for n, (label, url) in enumerate(dict.fromkeys(items)):
        if n:
            parts.append("; ")
        parts.append(html.A(label, href=url, target="_blank", rel="noopener") if url else label)
    return parts


def url_state(page: str) -> dcc.Store:
    """The page's URL-sync target; put it in the page layout and call sync_url once for the page."""
    return dcc.Store(id=f"{page}-url-state")


def sync_url(page: str, params: Sequence[tuple[str, str, str]]) -> None:
    """Mirror page controls in the query string (history.replaceState: no reload, no re-render).

    params: (query parameter, component id, property). The global therapy area is always added.
    """
    inputs = [Input(component, prop) for _, component, prop in params]
    inputs.append(Input("global-area", "value"))
    names = [name for name, _, _ in params] + ["area"]
    clientside_callback(
        f"function(storeId, ...values) {{ return window.atlas.syncUrl({json.dumps(names)}, values); }}",
        Output(f"{page}-url-state", "data"),
        Input(f"{page}-url-state", "id"),
        *inputs,
    )


def int_or(value: object, default: int | None) -> int | None:
    """A query-string or control value as an int; `default` when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralise text cells a spreadsheet would run as formulas ('=', '+', '-', '@' first)."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(
                lambda v: f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v)
    return safe


def empty_state(message: str) -> html.Div:
    return html.Div(message, className="empty-state", role="status")

