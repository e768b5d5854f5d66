"""The open data API explained: endpoints, parameters, and curl and pandas examples with real codes."""

from __future__ import annotations

import dash
from dash import html
from flask import has_request_context, request

from dashboard.api import DEFAULT_LIMIT, ENDPOINTS, MAX_LIMIT, PREFIX
from dashboard.components import single_params
from dashboard.i18n import normalise_language, page_text
from dashboard.titles import page_title

dash.register_page(__name__, path="/api", nav=False, label_key="nav.sources",
                   title=page_title("title.api"))

TEXT = {
    "title": {"ru": "Открытые данные: API", "en": "Open data API"},
    "lead": {"ru": "Все таблицы атласа доступны по адресу — в JSON или CSV, с источником и изданием у каждой "
                   "строки. Ключ не нужен; запросы с других сайтов разрешены (CORS).",
             "en": "Every table of the atlas is reachable by URL, as JSON or CSV, each row with its source and "
                   "edition. No key is needed; requests from other sites are allowed (CORS)."},
    "endpoints": {"ru": "Адреса", "en": "Endpoints"},
    "parameters": {"ru": "Параметры", "en": "Parameters"},
    "common": {"ru": "У каждого адреса: `format=json|csv`; `limit` (по умолчанию {default}, не больше {most}) и "
                     "`offset` — страницы. Ответ JSON: `rows`, `total` (сколько строк всего), `next` (адрес "
                     "следующей страницы или `null`). CSV — UTF-8 с BOM; текст, который таблица приняла бы за "
                     "формулу (начинается с = + - @), записан с апострофом.",
               "en": "Every endpoint takes `format=json|csv`, and `limit` (default {default}, at most {most}) and "
                     "`offset` for pages. A JSON answer has `rows`, `total` (rows in all) and `next` (the next "
                     "page's address, or `null`). CSV is UTF-8 with a BOM; text a spreadsheet would run as a formula "
                     "(starting with = + - @) is written with a leading apostrophe."},
    "errors": {"ru": 'Ошибки — JSON `{{"error": "..."}}`: 400 — неверный, повторённый или неизвестный '
                     "параметр; 404 — неизвестный код показателя, региона, издания.",
               "en": 'Errors are JSON `{{"error": "..."}}`: 400 for a malformed, repeated or unknown parameter; '
                     "404 for an unknown indicator, region or edition code."},
    "curl": {"ru": "Из командной строки", "en": "From the command line"},
    "pandas": {"ru": "В Python (pandas)", "en": "In Python (pandas)"},
    "openapi": {"ru": "Полное описание (OpenAPI 3): ", "en": "Full description (OpenAPI 3): "},
}
tx = page_text(TEXT)

# Real codes: GRP, GRP per capita and average annual population (data/reference/indicators.csv) and Kaluga Oblast.
CURL = """curl '{base}/observations?indicator=grp&region=RU-KLU&lang=en'
curl '{base}/observations?indicator=grp&region=RU-KLU,RU-MOW&from=2010&to=2020&format=csv' -o grp.csv
curl '{base}/scatter?x=grp&y=grp_per_capita&size=population&period=2019&region_kind=region&format=csv' -o scatter.csv
curl '{base}/indicators?lang=en'
curl '{base}/regions?kind=region&format=csv' -o regions.csv"""

PANDAS = """import json
from urllib.request import urlopen

import pandas as pd

BASE = "{base}"

# One request, as CSV: Kaluga's gross regional product in every edition, with its source cells.
grp = pd.read_csv(f"{{BASE}}/observations?indicator=grp&region=RU-KLU&format=csv")

# The indicators page's scatter: a row per federal subject, GRP (x) against GRP per capita (y) in 2019.
pairs = pd.read_csv(f"{{BASE}}/scatter?x=grp&y=grp_per_capita&period=2019&region_kind=region&format=csv")

# Every page of a larger answer, as JSON.
url, rows = f"{{BASE}}/observations?indicator=avg_wage&limit=5000", []
while url:
    page = json.load(urlopen(url))
    rows += page["rows"]
    url = page["next"]
wages = pd.DataFrame(rows)"""


def _with_code(text: str) -> list:
    """Text with `backquoted` parts as code (parameter names are the same in every language)."""
    return [html.Code(part) if i % 2 else part for i, part in enumerate(text.split("`"))]


def _base() -> str:
    root = request.host_url.rstrip("/") if has_request_context() else "http://localhost:8050"
    return f"{root}{PREFIX}"


@single_params
def layout(lang: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    base = _base()
    rows = [html.Tr([html.Th("URL"), html.Th(tx("parameters", lang))])]
    for endpoint in ENDPOINTS.values():
        params = ", ".join(p.name + (" *" if p.required else "") for p in endpoint.params) or "—"
        rows.append(html.Tr([html.Td(html.A(html.Code(endpoint.path), href=endpoint.path)),
                             html.Td(html.Code(params))]))
    return html.Div(className="api-docs", children=[
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
        html.H2(tx("endpoints", lang)),
        html.Table(html.Tbody(rows), className="api-endpoints"),
        html.P(_with_code(tx("common", lang, default=DEFAULT_LIMIT, most=MAX_LIMIT))),
        html.P(_with_code(tx("errors", lang))),
        html.H2(tx("curl", lang)),
        html.Pre(html.Code(CURL.format(base=base)), id="api-curl"),
        html.H2(tx("pandas", lang)),
        html.Pre(html.Code(PANDAS.format(base=base)), id="api-pandas"),
        html.P([tx("openapi", lang), html.A(f"{PREFIX}/openapi.json", href=f"{PREFIX}/openapi.json")]),
    ])
