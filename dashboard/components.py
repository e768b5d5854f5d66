"""Shared UI: the chart card (title, unit, chart, source line, CSV download), filters, URL state."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, callback_context, clientside_callback, dcc, html
from dash.development.base_component import Component
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from dashboard import api
from dashboard.figure_dicts import empty as plain_empty
from dashboard.figure_dicts import trimmed
from dashboard.i18n import graph_config, normalise_language, t
from dashboard.model.safety import guard_frame

log = logging.getLogger(__name__)

# NOTE: plotly.js fetches a world outline from its CDN for every geo chart; the atlas draws its own
# boundaries and has no internet at run time, so it points plotly at an empty outline it serves itself.
# No cloud buttons: nothing leaves the atlas ("Edit in Chart Studio" and "Share" upload the figure to plotly.com).
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "topojsonURL": "/assets/topojson/",
                "showLink": False, "showSendToCloud": False, "showEditInChartStudio": False,
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "sendDataToCloud"],
                "toImageButtonOptions": {"format": "png", "scale": 2}}


# The class of a card's note line: a line of text about the chart shown above it (a ranking's place, say). The image
# export (assets/exports.js) draws every non-empty one under the title and unit, as the page shows it.
NOTE_CLASS = "card-note"


def card_note(note_id: str, class_name: str = "") -> html.P:
    """A note line of a chart card (put among its controls, filled by a callback; empty when there is nothing to
    say): the card's PNG and SVG exports carry its text under the title and unit."""
    return html.P(id=note_id, className=f"{class_name} {NOTE_CLASS}".strip())


def chart_card(card_id: str, title: str, lang: str, height: int = 360, description: str | None = None,
               controls: Sequence | None = None, api: bool = False) -> html.Section:
    """A chart with its title, unit, loading state, source line and its export menu (CSV, XLSX, PNG, SVG).

    `controls` may hold note lines (card_note), which the image exports draw under the title and unit.

    With `api`, the CSV is a link to the API's CSV for the view and a second link opens the API call (filled by
    api_outputs); the rows shown travel in a store (chart_result) for the other exports (dashboard.exports).
    """
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
                html.Div(className="card-actions", children=[
                    export_menu(card_id, lang, api),
                    *([_api_link(card_id, lang)] if api else []),
                ]),
            ]),
            html.P(description, className="card-description") if description else None,
            html.Div(list(controls), className="card-controls") if controls else None,
            dcc.Loading(
                dcc.Graph(id=f"{card_id}-graph", config=graph_config(lang, GRAPH_CONFIG),
                          style={"height": f"{height}px"}, figure={"layout": {"height": height}}),
                type="dot", delay_show=150,
            ),
            html.P(id=f"{card_id}-source", className="source-line"),
            dcc.Store(id={"type": "chart-data", "card": card_id}),
            dcc.Store(id={"type": "chart-xlsx-request", "card": card_id}),
            dcc.Download(id={"type": "chart-xlsx-download", "card": card_id}),
            *([] if api else [dcc.Download(id={"type": "chart-download", "card": card_id})]),
        ],
    )


def export_menu(card_id: str, lang: str, api: bool = False) -> html.Details:
    """The card's export menu: a native disclosure (Enter or Space opens it, Tab walks its items, Escape closes it:
    assets/exports.js), so it works from the keyboard and with a screen reader without a script of its own.

    CSV is the rows shown (or, with `api`, the API's CSV of the view); XLSX is built on the server from the same rows
    with an "About" sheet; PNG and SVG are drawn in the browser from the chart with its title, unit, note lines
    (card_note) and source line.
    """
    item = "export-menu-item"
    csv_item = (html.A(t("card.export_csv", lang), id=f"{card_id}-csv", href="", download="", rel="nofollow",
                       className=item) if api else
                html.Button(t("card.export_csv", lang), id={"type": "chart-download-button", "card": card_id},
                            className=item, type="button"))
    return html.Details(className="export-menu", id=f"{card_id}-export", children=[
        html.Summary(t("card.export", lang), className="button-secondary export-menu-toggle",
                     **{"aria-label": f"{t('card.export', lang)}: {t('card.export_formats', lang)}"}),
        html.Div(className="export-menu-items", children=[
            csv_item,
            html.Button(t("card.export_xlsx", lang), id={"type": "chart-xlsx-button", "card": card_id},
                        className=item, type="button"),
            html.Button(t("card.export_png", lang), className=f"{item} export-image", type="button",
                        id=f"{card_id}-png", **{"data-format": "png", "data-card": card_id}),
            html.Button(t("card.export_svg", lang), className=f"{item} export-image", type="button",
                        id=f"{card_id}-svg", **{"data-format": "svg", "data-card": card_id}),
        ]),
    ])


def _api_link(card_id: str, lang: str) -> html.A:
    # The CSV (in the menu) is the API's answer for the view, fetched by the browser itself: one code path, the same
    # bytes, and the chart's response carries only what is drawn; this link opens the API call.
    return html.A(t("card.api", lang), id=f"{card_id}-api", href="", target="_blank", rel="noopener",
                  className="api-link")


def api_outputs(card_id: str) -> list[Output]:
    """What a chart card made with api=True fills besides chart_outputs' first three: the CSV link (its href
    and file name) and the API link, in the order api_links returns them."""
    return [Output(f"{card_id}-csv", "href"), Output(f"{card_id}-csv", "download"), Output(f"{card_id}-api", "href")]


def api_links(endpoint: str, filename: str, **params: Any) -> tuple[str, str, str]:
    """The CSV address, file name and JSON address of an API view (dashboard.api.link), for api_outputs."""
    csv_url = api.link(endpoint, **params, format="csv", limit=api.MAX_LIMIT)
    return csv_url, filename, api.link(endpoint, **params)


def chart_outputs(card_id: str) -> list[Output]:
    """The outputs a chart callback fills, in the order chart_result returns them."""
    return [
        Output(f"{card_id}-graph", "figure"),
        Output(f"{card_id}-source", "children"),
        Output(f"{card_id}-unit", "children"),
        Output({"type": "chart-data", "card": card_id}, "data"),
    ]


def chart_result(figure, shown: pd.DataFrame, sources: list, unit: str | None, filename: str) -> tuple:
    """What chart_outputs expects: the figure, source line, unit, and the rows shown (for the exports).

    A graph_objects figure is turned into its plain dict here, so memoized results hold dicts:
    unpickling a go.Figure from the cache re-validates it, which costs more than building it.
    The rows travel with the unit, the source line's names and links and the page's language, so every export
    of the card (dashboard.exports) is made from this one table.
    """
    if hasattr(figure, "to_plotly_json"):
        figure = figure.to_plotly_json()
    figure = trimmed(figure)
    data = {"filename": filename, "columns": [str(c) for c in shown.columns],
            "rows": json.loads(shown.to_json(orient="values", date_format="iso")),
            "unit": unit or "", "sources": source_items(sources), "lang": _language_or_none()}
    return figure, sources, unit or "", data


def source_items(line: object) -> list[list]:
    """The [name, address] pairs a source line (source_line's components) shows; address None for plain text."""
    items: list[list] = []

    def walk(node: object) -> None:
        if isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
        elif isinstance(node, html.A):
            items.append([_text_of(node.children), getattr(node, "href", None) or None])
        elif isinstance(node, str):
            text = node.strip().strip(";").strip()
            if text:
                items.append([text, None])
        elif isinstance(node, Component) and "source-label" not in str(getattr(node, "className", "") or ""):
            walk(getattr(node, "children", None))

    walk(line)
    return [item for item in items if item[0]]


def _text_of(node: object) -> str:
    if isinstance(node, (list, tuple)):
        return "".join(_text_of(child) for child in node)
    if isinstance(node, Component):
        return _text_of(getattr(node, "children", None))
    return "" if node is None else str(node)


def _language_or_none() -> str | None:
    try:
        return _language()
    except Exception:  # outside a callback (a test building a result by hand): the export's default language
        return None


def page_pack_bar(lang: str | None = None) -> html.Div:
    """The page-level export: one XLSX with every chart of the page (a sheet each) and an "About" sheet.

    It sits in the shell above every page; a page without chart cards hides it (assets/exports.css).
    """
    return html.Div(className="page-pack", children=[
        html.Button(t("card.page_pack", lang), id="page-pack-button", className="button-secondary", type="button"),
        dcc.Store(id="page-pack-request"),
        dcc.Download(id="page-pack-download"),
    ])


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
    """The read model's formula guard over a frame (one rule: = + - @ tab CR; dashboard.model.safety)."""
    return guard_frame(frame)


def one(value: object) -> str | None:
    """One query-string value: the first of a repeated parameter (?indicator=a&indicator=b), None when blank."""
    if isinstance(value, (list, tuple)):
        value = next((v for v in value if v not in (None, "")), None)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def single_params(layout: Callable[..., Any]) -> Callable[..., Any]:
    """A page layout that takes each query parameter once: a repeated one (?indicator=grp&indicator=x) is
    read as its first value and a blank one as missing, so a hand-edited URL never breaks a page."""

    @functools.wraps(layout)
    def wrapped(*args: Any, **params: Any) -> Any:
        return layout(*args, **{name: one(value) for name, value in params.items()})

    return wrapped


def year_range(value: object, first: int, last: int) -> tuple[int, int]:
    """A "start,end" query value as years inside [first, last], start <= end; missing or bad parts give the
    bounds (a reversed or repeated range never breaks a page)."""
    text = one(value) or ""
    start, end = ([*text.split(","), None, None])[:2]
    start_year = min(max(int_or(start, first), first), last)
    end_year = max(min(int_or(end, last), last), start_year)
    return start_year, end_year


def empty_state(message: str) -> html.Div:
    return html.Div(message, className="empty-state", role="status")



# --- the database away ---------------------------------------------------------------------------------------

# Errors that mean "the database cannot be reached now" (not a bug): every chart and page says so, and the next
# request after it returns works (the engine checks pooled connections before use).
DATABASE_DOWN = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)
UNAVAILABLE = {"ru": "База данных сейчас недоступна. Страница обновится сама, когда она вернётся.",
               "en": "The database cannot be reached right now. The page will reload by itself when it is back."}
RETRY_MS = 15_000


def _language() -> str:
    """The page's language, from the callback's own values (a page's `<page>-lang` store, or the router's URL)."""
    values = {**(callback_context.states or {}), **(callback_context.inputs or {})}
    for key, value in values.items():
        if key.endswith("-lang.data") and isinstance(value, str):
            return normalise_language(value)
    search = str(values.get("_pages_location.search") or "")
    langs = [v for k, v in (part.partition("=")[::2] for part in search.lstrip("?").split("&")) if k == "lang"]
    return normalise_language(langs[0] if langs else None)


def unavailable_page(lang: str | None = None) -> html.Div:
    """The page shown while the database is away; it reloads itself every RETRY_MS until the page renders."""
    lang = normalise_language(lang)
    return html.Div(className="unavailable-page", children=[
        html.P(UNAVAILABLE[lang], className="empty-state error-state", role="alert", id="database-unavailable"),
        dcc.Interval(id="database-retry", interval=RETRY_MS),
        dcc.Store(id="database-retry-done"),
    ])


clientside_callback(
    "function(n) { if (n) { window.location.reload(); } return n || 0; }",
    Output("database-retry-done", "data"),
    Input("database-retry", "n_intervals"),
    prevent_initial_call=True,
)


def callback_error(error: Exception) -> object:
    """The app's callback error handler (Dash on_error): a database outage gives every chart its error state
    and the page an error page; anything else is a bug and is raised as before."""
    if not isinstance(error, DATABASE_DOWN):
        raise error
    log.warning("database unreachable in a callback: %s", error.__class__.__name__)
    lang = _language()
    outputs = callback_context.outputs_list
    single = isinstance(outputs, dict)
    values = []
    for output in [outputs] if single else outputs:
        if isinstance(output, list):  # a pattern-matching output: leave it
            values.append([dash.no_update] * len(output))
        elif output.get("property") == "figure":
            values.append(plain_empty(UNAVAILABLE[lang], lang))
        elif output.get("id") == "_pages_content" and output.get("property") == "children":
            values.append(unavailable_page(lang))
        else:
            values.append(dash.no_update)
    return values[0] if single else values


def form_message(text: str, ok: bool) -> html.P:
    """A form's result line: announced politely on success, as an alert on an error."""
    return html.P(text, className="form-message " + ("form-success" if ok else "form-error"),
                  role="status" if ok else "alert")
