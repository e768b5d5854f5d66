"""Sources: every cited page and bundled file with the rows it supports, editions, extracts, load history."""

from __future__ import annotations

import json

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard import figure_dicts as plain
from dashboard import queries
from dashboard.cache import cache
from dashboard.components import (
    chart_card,
    chart_outputs,
    chart_result,
    single_params,
    source_line,
    sync_url,
    url_state,
)
from dashboard.editions import edition_label, edition_url
from dashboard.figures import PALETTE, base_layout
from dashboard.i18n import format_number, grid_locale_text, normalise_language, page_text, translate_value
from dashboard.model import export
from dashboard.model.loads import loaded_files
from dashboard.sources_data import (
    CITING_TABLES,
    INTERVIEW_URL,
    PUBLISHER_COUNT_COLUMNS,
    citation_counts,
    citations,
    edition_codes,
    extract_records,
    filter_summary,
    is_bundled,
    load_history,
    markdown_link,
    publisher_counts,
    source_summary,
    summary_frame,
)
from dashboard.titles import page_title

dash.register_page(__name__, path="/sources", order=6, label_key="nav.sources",
                   title=page_title("nav.sources"))

PAGE = "sources"
CARD = "sources-chart"
TOP_PUBLISHERS = 15
TEXT = {
    "title": {"ru": "Источники", "en": "Sources"},
    "lead": {"ru": "Каждая цифра кластера ссылается на опубликованную страницу. Здесь — все источники, "
                   "какие строки каких таблиц на них опираются, издания Росстата, происхождение "
                   "поставляемых выгрузок и журнал загрузок базы.",
             "en": "Every cluster figure cites a published page. Here are all the sources, which rows of "
                   "which tables rest on each, the Rosstat editions, where the bundled extracts come from "
                   "and the database's load history."},
    "search": {"ru": "Поиск по адресу, заголовку, изданию", "en": "Search URL, title, publisher"},
    "search_placeholder": {"ru": "например, investkaluga", "en": "e.g. investkaluga"},
    "tables": {"ru": "Цитируется в таблицах", "en": "Cited in tables"},
    "tables_placeholder": {"ru": "Все таблицы", "en": "All tables"},
    "events": {"ru": "События", "en": "Events"},
    "investments": {"ru": "Инвестиции", "en": "Investments"},
    "products": {"ru": "Продукция", "en": "Products"},
    "company_records": {"ru": "Записи о компаниях", "en": "Company records"},
    "cluster_indicators": {"ru": "Показатели кластера", "en": "Cluster indicators"},
    "chart_title": {"ru": "Строки данных по изданиям-источникам", "en": "Data rows by publisher"},
    "chart_description": {"ru": "{top} самых цитируемых сайтов: сколько строк каждой таблицы на них ссылается.",
                          "en": "The {top} most cited sites: how many rows of each table cite them."},
    "rows_unit": {"ru": "строк", "en": "rows"},
    "rows": {"ru": "Строк", "en": "Rows"},
    "pages": {"ru": "Страниц", "en": "Pages"},
    "table": {"ru": "Таблица", "en": "Table"},
    "publisher": {"ru": "Издание", "en": "Publisher"},
    "chart_source": {"ru": "Поле source_url каждой строки базы; список источников cluster/sources.csv",
                     "en": "The source_url of every database row; the source list cluster/sources.csv"},
    "list_title": {"ru": "Все источники", "en": "All sources"},
    "shown": {"ru": "Показано источников: {n} из {total}; строк, которые на них ссылаются: {rows}",
              "en": "{n} of {total} sources shown; {rows} rows cite them"},
    "none": {"ru": "Ни один источник не подходит под фильтр", "en": "No source matches the filter"},
    "col_source": {"ru": "Источник", "en": "Source"},
    "col_cited": {"ru": "На него ссылаются", "en": "Cited by"},
    "col_rows": {"ru": "Какие строки", "en": "Which rows"},
    "col_recorded": {"ru": "Что указано в списке источников", "en": "What the source list records"},
    "grid_hint": {"ru": "Выберите источник в таблице, чтобы увидеть строки, которые на него ссылаются.",
                  "en": "Select a source in the table to see the rows that cite it."},
    "pick_source": {"ru": "Источник не выбран.", "en": "No source selected."},
    "rows_of": {"ru": "Строки со ссылкой на ", "en": "Rows citing "},
    "show_rows": {"ru": "Показать строки ({n})", "en": "Show rows ({n})"},
    "no_rows": {"ru": "ни одна строка базы не ссылается", "en": "no database row cites it"},
    "interview": {"ru": "Интервью с И. Новиковой (текст поставляется с проектом: "
                        "seed/kaluga_pharma_cluster_interview.txt)",
                  "en": "Interview with Irina Novikova (text bundled with the project: "
                        "seed/kaluga_pharma_cluster_interview.txt)"},
    "interview_short": {"ru": "интервью (текст в проекте)", "en": "interview (bundled text)"},
    "bundled_file": {"ru": "Файл, поставляемый с проектом: {path}", "en": "File bundled with the project: {path}"},
    "recorded": {"ru": "в списке источников: {n} строк ({where})", "en": "source list says: {n} rows ({where})"},
    "not_listed": {"ru": "нет в списке источников", "en": "not in the source list"},
    "published": {"ru": "опубликовано {date}", "en": "published {date}"},
    "download_sources": {"ru": "Скачать источники (CSV)", "en": "Download sources (CSV)"},
    "download_rows": {"ru": "Скачать строки со ссылками (CSV)", "en": "Download citing rows (CSV)"},
    "download_extracts": {"ru": "Скачать происхождение (CSV)", "en": "Download provenance (CSV)"},
    "download_loads": {"ru": "Скачать журнал (CSV)", "en": "Download history (CSV)"},
    "editions_title": {"ru": "Издания Росстата", "en": "Rosstat editions"},
    "editions_lead": {"ru": "Издания, из которых взяты показатели регионов; издания расходятся, поэтому каждое "
                            "значение хранит своё издание.",
                      "en": "The publications the regional indicators come from; editions disagree, so every "
                            "figure keeps its edition."},
    "col_code": {"ru": "Код", "en": "Code"},
    "col_edition": {"ru": "Издание", "en": "Edition"},
    "col_extracts": {"ru": "Выгрузки", "en": "Extracts"},
    "extracts_title": {"ru": "Загруженные выгрузки", "en": "Loaded extracts"},
    "extracts_all": {"ru": "Показать все выгрузки ({count})", "en": "Show all {count} extracts"},
    "extracts_lead": {"ru": "Что база данных загрузила: каждая выгрузка с её последней загрузкой, изданием, "
                            "контрольной суммой загруженного и числом строк по таблицам.",
                      "en": "What the database loaded: each extract with its newest load, edition, the checksum "
                            "of what was loaded and its rows per table."},
    "col_extract": {"ru": "Выгрузка", "en": "Extract"},
    "col_origin": {"ru": "Публикация · откуда взят файл · лицензия",
                   "en": "Publication · where the file came from · licence"},
    "col_sha": {"ru": "SHA-256 загруженного", "en": "SHA-256 of what was loaded"},
    "col_tables": {"ru": "Строк по таблицам", "en": "Rows per table"},
    "loads_title": {"ru": "Журнал загрузок", "en": "Load history"},
    "loads_lead": {"ru": "Каждый запуск загрузчика по одному файлу: что добавлено, изменено, не изменилось и "
                         "отклонено.",
                   "en": "Every run of the loader over one file: rows added, changed, unchanged and rejected."},
    "loads_none": {"ru": "Загрузок пока не было", "en": "No loads yet"},
    "col_id": {"ru": "№", "en": "ID"},
    "col_file": {"ru": "Файл", "en": "File"},
    "col_adapter": {"ru": "Адаптер", "en": "Adapter"},
    "col_status": {"ru": "Статус", "en": "Status"},
    "col_started": {"ru": "Начало", "en": "Started"},
    "col_added": {"ru": "Добавлено", "en": "Added"},
    "col_changed": {"ru": "Изменено", "en": "Changed"},
    "col_unchanged": {"ru": "Без изменений", "en": "Unchanged"},
    "col_rejected": {"ru": "Отклонено", "en": "Rejected"},
}


tx = page_text(TEXT)


def _tables_value(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v in CITING_TABLES]


@single_params
def layout(lang: str | None = None, q: str | None = None, tables: str | None = None,
           **_ignored) -> html.Div:
    lang = normalise_language(lang)
    return html.Div(className="sources-page", children=[
        url_state(PAGE),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
        html.Div(className="controls", children=[
            dmc.TextInput(id=f"{PAGE}-search", label=tx("search", lang), value=(q or "")[:200],
                          placeholder=tx("search_placeholder", lang), w=320, debounce=300),
            dmc.MultiSelect(id=f"{PAGE}-tables", label=tx("tables", lang), value=_tables_value(tables),
                            data=[{"value": v, "label": tx(v, lang)} for v in CITING_TABLES], clearable=True,
                            placeholder=tx("tables_placeholder", lang), w=420,
                            comboboxProps={"withinPortal": True}),
        ]),
        chart_card(CARD, tx("chart_title", lang), lang, height=440,
                   description=tx("chart_description", lang, top=TOP_PUBLISHERS)),
        html.Section(className="card sources-card", **{"aria-labelledby": f"{PAGE}-list-title"}, children=[
            html.Div(className="card-head", children=[
                html.H2(tx("list_title", lang), id=f"{PAGE}-list-title", className="card-title"),
                html.Div(className="sources-buttons", children=[
                    html.Button(tx("download_sources", lang), id=f"{PAGE}-download-sources-button",
                                className="button-secondary"),
                    html.Button(tx("download_rows", lang), id=f"{PAGE}-download-rows-button",
                                className="button-secondary"),
                ]),
            ]),
            html.P(id=f"{PAGE}-count", className="card-description", role="status"),
            html.P(tx("grid_hint", lang), className="card-description"),
            dag.AgGrid(id=f"{PAGE}-grid", columnDefs=_grid_columns(lang), rowData=[], getRowId="params.data.url",
                       defaultColDef={"sortable": True, "resizable": True, "wrapText": True, "autoHeight": True,
                                      "filter": True},
                       dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": False,
                                                         "enableClickSelection": True},
                                        "animateRows": False, "enableCellTextSelection": True,
                                        "ensureDomOrder": True, "localeText": grid_locale_text(lang)},
                       style={"height": "520px", "width": "100%"}, className="sources-grid"),
            html.Div(id=f"{PAGE}-rows", className="sources-rows-panel", **{"aria-live": "polite"}),
            dcc.Download(id=f"{PAGE}-download-sources"),
            dcc.Download(id=f"{PAGE}-download-rows"),
        ]),
        _editions_card(lang),
        _extracts_card(lang),
        _loads_card(lang),
    ])


sync_url(PAGE, [("q", f"{PAGE}-search", "value"), ("tables", f"{PAGE}-tables", "value")])


# --- data ----------------------------------------------------------------------------------------

@cache.memoize()
def _citations() -> pd.DataFrame:
    return citations({"events": queries.events(), "investments": queries.investments(),
                      "products": queries.products(), "company_records": queries.company_records(),
                      "cluster_indicators": queries.cluster_indicators()})


@cache.memoize()
def _summary() -> list[dict]:
    # Counted in SQL: the chart and the list need how many rows cite each address, not the rows' labels.
    return source_summary(queries.sources(), citation_counts(queries.citing_rows()))


# --- the chart -----------------------------------------------------------------------------------

@callback(
    *chart_outputs(CARD),
    Input(f"{PAGE}-search", "value"),
    Input(f"{PAGE}-tables", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_chart(query, tables, lang):
    return render_chart((query or "").strip()[:200], tuple(tables or ()), normalise_language(lang))


@cache.memoize()
def render_chart(query: str, tables: tuple[str, ...], lang: str) -> tuple:
    """Figure (as a plain dict, cheap to cache), source line, unit and the rows shown for one selection."""
    shown = filter_summary(_summary(), query, list(tables))
    counts = publisher_counts(shown, list(tables), TOP_PUBLISHERS)
    unit = tx("rows_unit", lang)
    sources = source_line([(tx("chart_source", lang), None)], lang)
    if not counts:
        figure = plain.empty(tx("none", lang), lang, 440)
        return chart_result(figure, pd.DataFrame(counts, columns=PUBLISHER_COUNT_COLUMNS), sources, unit,
                            "sources_by_publisher.csv")
    # The bundled interview has no web publisher; name it so its bar is labelled.
    interview = tx("interview_short", lang)
    publishers = [publisher or interview for publisher, *_ in counts]
    order = list(dict.fromkeys(publishers))[::-1]
    columns = dict(zip(PUBLISHER_COUNT_COLUMNS, (list(c) for c in zip(*counts, strict=True)), strict=True))
    traces = []
    for n, table in enumerate(CITING_TABLES):
        rows = [i for i, t in enumerate(columns["table"]) if t == table]
        if not rows:
            continue
        traces.append({
            "type": "bar", "orientation": "h", "name": tx(table, lang),
            "x": [columns["count"][i] for i in rows], "y": [publishers[i] for i in rows],
            "marker": {"color": PALETTE[n % len(PALETTE)]},
            "customdata": [[columns["pages"][i], columns["rows"][i]] for i in rows],
            "hovertemplate": ("<b>%{y}</b><br>" + tx(table, lang) + ": %{x} " + unit
                              + f"<br>{tx('rows', lang)}: " + "%{customdata[1]}"
                              + f"<br>{tx('pages', lang)}: " + "%{customdata[0]}<extra></extra>"),
        })
    layout = base_layout(lang, 440, barmode="stack", margin={"l": 8, "r": 16, "t": 8, "b": 40},
                         legend={"orientation": "h", "y": -0.12, "traceorder": "normal"},
                         yaxis={"categoryorder": "array", "categoryarray": order, "automargin": True,
                                "tickfont": {"size": 11}},
                         # No axis title: the card shows the unit, and the title would sit on the legend.
                         xaxis={"gridcolor": "#e6e9ee"})
    shown_rows = pd.DataFrame({"publisher": publishers, "table": columns["table"],
                               "table_label": [tx(v, lang) for v in columns["table"]], "count": columns["count"],
                               "rows": columns["rows"], "pages": columns["pages"]})
    # NOTE: the figure is the plain dict a plotly.graph_objects.Figure serialises to; building the Figure
    # object on every request cost more than the rest of the callback. The tests validate it in full.
    return chart_result({"data": traces, "layout": layout}, shown_rows, sources, unit, "sources_by_publisher.csv")


# --- the list of sources -------------------------------------------------------------------------
# NOTE: an AG Grid (one component, rows virtualised) rather than an html table: ~120 sources with
# their badges and rows were ~2,000 Dash components, which took seconds to render in the browser.

def _grid_columns(lang: str) -> list[dict]:
    counts = [{"field": table, "headerName": tx(table, lang), "type": "numericColumn", "minWidth": 96,
               "maxWidth": 130, "filter": False, "wrapHeaderText": True, "autoHeaderHeight": True}
              for table in CITING_TABLES]
    return [
        # the cited pages' own titles, in the language they were published in
        {"field": "source", "headerName": tx("col_source", lang), "cellRenderer": "markdown",
         "cellRendererParams": {"linkTarget": "_blank"}, "minWidth": 300, "flex": 3, "cellClass": "original-text",
         "getQuickFilterText": {"function": "params.data.url"}},
        {"field": "publisher", "headerName": tx("publisher", lang), "minWidth": 160, "flex": 1},
        {"field": "rows", "headerName": tx("rows", lang), "type": "numericColumn", "minWidth": 90, "maxWidth": 110,
         "sort": "desc", "filter": False},
        *counts,
        {"field": "recorded", "headerName": tx("col_recorded", lang), "minWidth": 220, "flex": 1,
         "wrapHeaderText": True, "autoHeaderHeight": True},
    ]


def _grid_rows(shown: list[dict], lang: str) -> list[dict]:
    rows = []
    for r in shown:
        url = r["url"]
        if url == INTERVIEW_URL:
            label = tx("interview", lang)
        elif is_bundled(url):
            label = tx("bundled_file", lang, path=url.removeprefix("file:"))
        else:
            label = r["title"] if isinstance(r.get("title"), str) and r["title"] else url
        if r["listed"] and pd.notna(r.get("cited_rows")):
            where = translate_value("table", (r.get("cited_in") or "").replace(";", ", "), lang)
            recorded = tx("recorded", lang, n=int(r["cited_rows"]), where=where)
        else:
            recorded = tx("not_listed", lang) if not r["listed"] else ""
        rows.append({"url": url, "source": markdown_link(label, url),
                     "publisher": translate_value("publisher", r["publisher"] or "", lang),
                     "rows": int(r["rows"]), **{t: int(r[t]) for t in CITING_TABLES}, "recorded": recorded})
    return rows


@callback(
    Output(f"{PAGE}-grid", "rowData"),
    Output(f"{PAGE}-count", "children"),
    Input(f"{PAGE}-search", "value"),
    Input(f"{PAGE}-tables", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_list(query, tables, lang):
    lang = normalise_language(lang)
    summary = _summary()
    shown = filter_summary(summary, query, tables)
    count = tx("shown", lang, n=format_number(len(shown), lang), total=format_number(len(summary), lang),
               rows=format_number(sum(r["rows"] for r in shown), lang))
    return _grid_rows(shown, lang), count


@callback(
    Output(f"{PAGE}-rows", "children"),
    Input(f"{PAGE}-grid", "selectedRows"),
    State(f"{PAGE}-lang", "data"),
)
def show_rows(selected, lang):
    """The rows of each table that cite the source chosen in the grid."""
    lang = normalise_language(lang)
    if not selected:
        return html.P(tx("pick_source", lang), className="card-description")
    url = selected[0]["url"]
    cites = _citations()
    part = cites[cites["url"] == url]
    where = (html.Span(tx("interview", lang)) if is_bundled(url)
             else html.A(url, href=url, target="_blank", rel="noopener"))
    if part.empty:
        return [html.H3([tx("rows_of", lang), where], className="source-rows-title"),
                html.P(tx("no_rows", lang), className="card-description")]
    items = [html.Li([html.Span(f"{tx(r.table, lang)}: ", className="source-row-table"), r.label],
                     title=r.record_key) for r in part.itertuples()]
    return [html.H3([tx("rows_of", lang), where], className="source-rows-title"),
            html.Ul(items, className="source-rows")]


# --- editions, extracts, loads -------------------------------------------------------------------

def _table(headers: list[str], rows: list[list], class_name: str = "") -> html.Table:
    return html.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
                       html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows])],
                      className=f"plain {class_name}".strip())


def _download_button(name: str, lang: str) -> html.Button:
    return html.Button(tx(f"download_{name}", lang), id=f"{PAGE}-download-{name}-button",
                       className="button-secondary")


@cache.memoize()
def _extracts() -> pd.DataFrame:
    return extract_records(loaded_files(queries.engine()).frame())


def _short_name(file_name: object) -> str:
    # Loads name what was read by its path; the folder's own name is what the page lists.
    return str(file_name or "").rstrip("/").rsplit("/", 1)[-1]


def _editions_card(lang: str) -> html.Section:
    extracts_of = _extracts()
    rows = []
    for code in edition_codes(queries.loads(), extracts_of):
        url = edition_url(code)
        label = edition_label(code, lang)
        extracts = [_short_name(n) for n in extracts_of.loc[extracts_of["edition"] == code, "file_name"]]
        rows.append([code, html.A(label, href=url, target="_blank", rel="noopener") if url else label,
                     ", ".join(extracts)])
    return html.Section(className="card", **{"aria-labelledby": f"{PAGE}-editions-title"}, children=[
        html.H2(tx("editions_title", lang), id=f"{PAGE}-editions-title", className="card-title"),
        html.P(tx("editions_lead", lang), className="card-description"),
        html.Div(_table([tx("col_code", lang), tx("col_edition", lang), tx("col_extracts", lang)], rows,
                        "editions-table"), className="table-scroll"),
    ])


EXTRACTS_SHOWN = 12


def _extracts_rows(lang: str, limit: int | None = None) -> list[list]:
    rows = []
    for r in _extracts().head(limit).to_dict("records") if limit else _extracts().to_dict("records"):
        sha = r["sha256"] or ""
        origin = " · ".join(str(r[k]) for k in ("publication", "origin", "licence") if r.get(k))
        # NOTE: publication, origin and licence are the provenance record's own words (English, with the
        # Russian names of the files), shown as recorded and marked so.
        rows.append([html.Code(_short_name(r["file_name"]), title=r["source_path"] or ""), r["edition"] or "",
                     html.Span(origin, className="original-text", lang="en"), html.Code(r["adapter"] or ""),
                     translate_value("load_status", r["status"] or "", lang),
                     html.Code(f"{sha[:12]}…" if sha else "", title=sha, className="sha"),
                     translate_value("table", r["tables"] or "", lang)])
    return rows


def _extracts_table(lang: str, limit: int | None = None) -> html.Table:
    headers = [tx(k, lang) for k in ("col_extract", "col_edition", "col_origin", "col_adapter", "col_status",
                                     "col_sha", "col_tables")]
    return _table(headers, _extracts_rows(lang, limit), "extracts-table")


def _extracts_card(lang: str) -> html.Section:
    """The first EXTRACTS_SHOWN extracts and a button for the rest.

    NOTE: all 125 rows as html components were 230 KB of the page's layout, rendered before its chart could
    draw; the rest come from the server when asked for.
    """
    total = len(_extracts())
    more = (html.Button(tx("extracts_all", lang, count=format_number(total, lang)), id=f"{PAGE}-extracts-all",
                        className="button-secondary", n_clicks=0)
            if total > EXTRACTS_SHOWN else None)
    return html.Section(className="card", **{"aria-labelledby": f"{PAGE}-extracts-title"}, children=[
        html.Div(className="card-head", children=[
            html.H2(tx("extracts_title", lang), id=f"{PAGE}-extracts-title", className="card-title"),
            _download_button("extracts", lang),
        ]),
        html.P(tx("extracts_lead", lang), className="card-description"),
        html.Div(_extracts_table(lang, EXTRACTS_SHOWN), id=f"{PAGE}-extracts", className="table-scroll",
                 **{"aria-live": "polite"}),
        more,
        dcc.Download(id=f"{PAGE}-download-extracts"),
    ])


@callback(Output(f"{PAGE}-extracts", "children"), Output(f"{PAGE}-extracts-all", "style"),
          Input(f"{PAGE}-extracts-all", "n_clicks"), State(f"{PAGE}-lang", "data"), prevent_initial_call=True)
def show_all_extracts(_clicks: object, lang: object) -> tuple[html.Table, dict]:
    return _extracts_table(normalise_language(lang)), {"display": "none"}


def _loads_card(lang: str) -> html.Section:
    history = load_history(queries.loads())
    numbers = ("rows_added", "rows_changed", "rows_unchanged", "rows_rejected")
    locale = "ru-RU" if lang == "ru" else "en-US"  # 12 345 / 12,345, as i18n.format_number writes them
    columns = [{"field": "id", "headerName": tx("col_id", lang), "maxWidth": 70, "type": "numericColumn"},
               {"field": "file_name", "headerName": tx("col_file", lang), "minWidth": 200, "flex": 2},
               # adapter names are code (etl/sources/<name>.py), the same in both languages
               {"field": "adapter", "headerName": tx("col_adapter", lang), "minWidth": 140, "flex": 1,
                "cellRenderer": "markdown"},
               {"field": "edition", "headerName": tx("col_edition", lang), "minWidth": 100, "maxWidth": 120},
               {"field": "status", "headerName": tx("col_status", lang), "minWidth": 90, "maxWidth": 110},
               {"field": "started_at", "headerName": tx("col_started", lang), "minWidth": 165, "maxWidth": 180},
               *[{"field": c, "headerName": tx(f"col_{c.removeprefix('rows_')}", lang), "type": "numericColumn",
                  "minWidth": 100, "maxWidth": 130, "wrapHeaderText": True, "autoHeaderHeight": True,
                  "valueFormatter": {"function": f"params.value == null ? '' : "
                                                 f"Number(params.value).toLocaleString({locale!r})"}}
                 for c in numbers]]
    rows = [{**r, "row_id": str(r["id"]), "status": translate_value("load_status", r.get("status"), lang),
             "adapter": f"`{r['adapter']}`" if r.get("adapter") else ""}
            for r in json.loads(history.to_json(orient="records"))]
    # NOTE: a grid, not an html table: the history grows with every refresh (up to 200 loads shown).
    table = (dag.AgGrid(id=f"{PAGE}-loads-grid", columnDefs=columns, rowData=rows, getRowId="params.data.row_id",
                        defaultColDef={"sortable": True, "resizable": True, "filter": False},
                        dashGridOptions={"animateRows": False, "enableCellTextSelection": True,
                                         "localeText": grid_locale_text(lang),
                                         "ensureDomOrder": True, "domLayout": "autoHeight"
                                         if len(rows) <= 12 else "normal"},
                        style={"height": None if len(rows) <= 12 else "420px", "width": "100%"})
             if rows else html.P(tx("loads_none", lang), className="empty-state", role="status"))
    return html.Section(className="card loads-card", **{"aria-labelledby": f"{PAGE}-loads-title"}, children=[
        html.Div(className="card-head", children=[
            html.H2(tx("loads_title", lang), id=f"{PAGE}-loads-title", className="card-title"),
            _download_button("loads", lang),
        ]),
        html.P(tx("loads_lead", lang), className="card-description"),
        html.Div(table, id=f"{PAGE}-loads"),
        dcc.Download(id=f"{PAGE}-download-loads"),
    ])


# --- CSV downloads -------------------------------------------------------------------------------

def _csv(frame: pd.DataFrame, filename: str) -> dict:
    return export.download(frame, filename)


@callback(
    Output(f"{PAGE}-download-sources", "data"),
    Input(f"{PAGE}-download-sources-button", "n_clicks"),
    State(f"{PAGE}-search", "value"),
    State(f"{PAGE}-tables", "value"),
    prevent_initial_call=True,
)
def download_sources(_clicks, query, tables):
    shown = filter_summary(_summary(), query, tables)
    columns = ["url", "title", "publisher", "published", "listed", *CITING_TABLES, "rows", "cited_rows",
               "cited_in"]
    return _csv(summary_frame(shown, columns), "sources.csv")


@callback(
    Output(f"{PAGE}-download-rows", "data"),
    Input(f"{PAGE}-download-rows-button", "n_clicks"),
    State(f"{PAGE}-search", "value"),
    State(f"{PAGE}-tables", "value"),
    prevent_initial_call=True,
)
def download_rows(_clicks, query, tables):
    shown = filter_summary(_summary(), query, tables)
    cites = _citations()
    cites = cites[cites["url"].isin([r["url"] for r in shown])]
    if tables:
        cites = cites[cites["table"].isin(tables)]
    return _csv(cites, "source_citations.csv")


@callback(
    Output(f"{PAGE}-download-extracts", "data"),
    Input(f"{PAGE}-download-extracts-button", "n_clicks"),
    prevent_initial_call=True,
)
def download_extracts(_clicks):
    return _csv(_extracts(), "extract_provenance.csv")


@callback(
    Output(f"{PAGE}-download-loads", "data"),
    Input(f"{PAGE}-download-loads-button", "n_clicks"),
    prevent_initial_call=True,
)
def download_loads(_clicks):
    return _csv(load_history(queries.loads()), "load_history.csv")
