"""Timeline: plant openings, agreements and other cluster events over time, each with its source."""

from __future__ import annotations

import textwrap

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard import figure_dicts as plain
from dashboard import queries
from dashboard.areas import companies_in_area_rows
from dashboard.cache import cache
from dashboard.components import (
    chart_card,
    chart_outputs,
    chart_result,
    int_or,
    single_params,
    source_line,
    sync_url,
    url_state,
    year_range,
)
from dashboard.figures import PALETTE, base_layout, narrow, wrapped_ticks
from dashboard.i18n import (
    RecordedText,
    format_number,
    format_period,
    grid_locale_text,
    normalise_language,
    page_text,
    pick,
    t,
    translate_value,
)
from dashboard.sources_data import is_bundled, markdown_link
from dashboard.timeline_data import (
    FAMILY_ORDER,
    STATUSES,
    conflict_listing,
    filter_events,
    plot_rows,
    shape_events,
    type_counts,
    year_bounds,
)
from dashboard.titles import page_title

dash.register_page(__name__, path="/timeline", order=5, label_key="nav.timeline",
                   title=page_title("nav.timeline"))

PAGE = "timeline"
CARD = "timeline-chart"
MAX_SOURCE_LINKS = 12
HEIGHT = 620
CSV_COLUMNS = ["date_raw", "date", "precision", "event_type", "planned", "company_label", "description",
               "location", "source_url", "conflict_dates"]
FAMILY_COLOURS = dict(zip(FAMILY_ORDER, (*PALETTE[:6], "#5c6773"), strict=True))
TEXT = {
    "title": {"ru": "Хронология", "en": "Timeline"},
    "lead": {"ru": "Открытия заводов, соглашения и другие события кластера. Даты — как в источнике, не точнее; "
                   "если источники расходятся, показаны все даты.",
             "en": "Plant openings, agreements and other cluster events. Dates are as the source wrote them, "
                   "never more precise; where sources disagree, every date is shown."},
    "types": {"ru": "Тип события", "en": "Event type"},
    "types_placeholder": {"ru": "Все типы", "en": "All types"},
    "years": {"ru": "Годы", "en": "Years"},
    "status": {"ru": "Статус", "en": "Status"},
    "all": {"ru": "Все", "en": "All"},
    "happened": {"ru": "Состоялись", "en": "Happened"},
    "planned": {"ru": "Планы", "en": "Planned"},
    "company": {"ru": "Компания", "en": "Company"},
    "company_placeholder": {"ru": "например, Ново Нордиск", "en": "e.g. Novo Nordisk"},
    "chart_title": {"ru": "События на оси времени", "en": "Events over time"},
    "chart_description": {"ru": "Закрашенный маркер — состоялось, полый — планировалось; полоса — период, "
                                "который покрывает дата из источника (год, месяц); ромб — источники расходятся.",
                          "en": "Filled marker: happened; hollow: planned; band: the period the written date "
                                "covers (a year, a month); diamond: sources disagree on the date."},
    "unit": {"ru": "события", "en": "events"},
    "date_as_written": {"ru": "Дата в источнике", "en": "Date as written"},
    "date": {"ru": "Дата", "en": "Date"},
    "type": {"ru": "Тип", "en": "Type"},
    "location": {"ru": "Место", "en": "Location"},
    "description": {"ru": "Событие", "en": "Event (as recorded)"},
    "note": {"ru": "Примечание", "en": "Note"},
    "source": {"ru": "Источник", "en": "Source"},
    "planned_label": {"ru": "план", "en": "planned"},
    "happened_label": {"ru": "состоялось", "en": "happened"},
    "key": {"ru": "Условные обозначения", "en": "Key"},
    "planned_legend": {"ru": "план (полый маркер)", "en": "planned (hollow)"},
    "conflict_legend": {"ru": "даты расходятся (ромб)", "en": "dates disagree (diamond)"},
    "conflict_hover": {"ru": "Даты расходятся: {dates}", "en": "Dates disagree: {dates}"},
    "undated_note": {"ru": "Без даты в источнике (не на графике): {n}",
                     "en": "No date in the source (not plotted): {n}"},
    "empty": {"ru": "Нет событий для выбранных фильтров", "en": "No events for this selection"},
    "more_sources": {"ru": "и ещё {n} — все на странице «Источники»",
                     "en": "and {n} more — all on the Sources page"},
    "list_title": {"ru": "Список событий", "en": "List of events"},
    "count": {"ru": "Показано событий: {n} из {total}", "en": "{n} of {total} events shown"},
    "area_note": {"ru": "; терапевтическая область «{area}»: только события компаний, работающих в ней",
                  "en": "; therapy area “{area}”: only events of companies working in it"},
    "undated_heading": {"ru": "Дата не указана в источнике", "en": "No date in the source"},
    "conflicts_title": {"ru": "Источники расходятся в датах", "en": "Sources disagree on dates"},
    "conflicts_lead": {"ru": "Оставлены все даты; ни одна не выбрана молча.",
                       "en": "Every date is kept; none is picked silently."},
    "conflict_badge": {"ru": "даты расходятся", "en": "dates disagree"},
    "interview": {"ru": "интервью (текст в проекте)", "en": "interview (bundled text)"},
    "agreement": {"ru": "Соглашения", "en": "Agreements"},
    "construction": {"ru": "Строительство", "en": "Construction"},
    "production": {"ru": "Открытия и производство", "en": "Openings and production"},
    "infrastructure": {"ru": "Инфраструктура", "en": "Infrastructure"},
    "institutional": {"ru": "Кластер и ОЭЗ", "en": "Cluster and SEZ"},
    "ownership": {"ru": "Собственность", "en": "Ownership"},
    "other": {"ru": "Прочее", "en": "Other"},
}


tx = page_text(TEXT)


def type_label(event_type: str, lang: str) -> str:
    """An event type in the page language (Russian name when known: dashboard.i18n's "event_type" terms, else as
    recorded)."""
    if lang == "ru":
        return translate_value("event_type", event_type, lang)
    return event_type[:1].upper() + event_type[1:]



@cache.memoize()
def _events() -> list[dict]:
    return shape_events(queries.event_rows(), queries.company_rows())


def _texts(lang: str) -> RecordedText:
    """The events' recorded descriptions in the page's language (the project's translations, dashboard.i18n)."""
    # An English page shows the texts as recorded: RecordedText reads no translation for it, so none is fetched.
    return RecordedText(queries.translations("cluster") if lang == "ru" else {}, lang)


@cache.memoize()
def _area_keys(area: str | None) -> frozenset[str] | None:
    if not area:
        return None  # no filter: the products and companies are not read
    return frozenset(companies_in_area_rows(area, queries.product_rows(), queries.company_rows()))


@single_params
def layout(lang: str | None = None, area: str | None = None, types: str | None = None,
           years: str | None = None, status: str | None = None, company: str | None = None,
           **_ignored) -> html.Div:
    lang = normalise_language(lang)
    events = _events()
    first, last = year_bounds(events)
    counts = type_counts(events)
    known = {event_type for event_type, _ in counts}
    chosen = [v for v in (types or "").split(",") if v in known]
    start_year, end_year = year_range(years, first, last)
    return html.Div(className="timeline-page", children=[
        url_state(PAGE),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
        html.P(t("note.translation", lang), className="card-description"),
        html.Div(className="controls", children=[
            dmc.MultiSelect(id=f"{PAGE}-types", label=tx("types", lang), value=chosen, clearable=True,
                            searchable=True, placeholder=tx("types_placeholder", lang), w=380,
                            data=[{"value": event_type, "label": f"{type_label(event_type, lang)} ({n})"}
                                  for event_type, n in counts],
                            comboboxProps={"withinPortal": True}),
            html.Div(className="timeline-years", children=[
                dmc.Text(tx("years", lang), size="sm", fw=500, id=f"{PAGE}-years-label"),
                dmc.RangeSlider(id=f"{PAGE}-years", min=first, max=last, step=1, minRange=0,
                                value=[start_year, end_year], w=300,
                                marks=[{"value": first, "label": str(first)}, {"value": last, "label": str(last)}],
                                thumbFromLabel=tx("years", lang), thumbToLabel=tx("years", lang)),
            ]),
            html.Div([
                dmc.Text(tx("status", lang), size="sm", fw=500),
                dmc.SegmentedControl(id=f"{PAGE}-status", value=status if status in STATUSES else "all",
                                     data=[{"value": v, "label": tx(v, lang)} for v in STATUSES]),
            ]),
            dmc.TextInput(id=f"{PAGE}-company", label=tx("company", lang), value=(company or "")[:100],
                          placeholder=tx("company_placeholder", lang), w=240, debounce=300),
        ]),
        chart_card(CARD, tx("chart_title", lang), lang, height=HEIGHT, description=tx("chart_description", lang),
                   controls=[_key(lang)]),
        html.Section(id=f"{PAGE}-conflicts", className="card timeline-conflicts", hidden=True,
                     **{"aria-labelledby": f"{PAGE}-conflicts-title"}),
        html.Section(className="card timeline-list-card", **{"aria-labelledby": f"{PAGE}-list-title"}, children=[
            html.H2(tx("list_title", lang), id=f"{PAGE}-list-title", className="card-title"),
            html.P(id=f"{PAGE}-count", className="card-description", role="status"),
            # NOTE: a grid (one component, rows virtualised), not an html list: ~80 events as cards were
            # ~800 Dash components and delayed the page's first chart by about a second.
            dag.AgGrid(id=f"{PAGE}-grid", columnDefs=_grid_columns(lang), rowData=[],
                       getRowId="params.data.record_key",
                       defaultColDef={"sortable": True, "resizable": True, "wrapText": True, "autoHeight": True,
                                      "filter": False},
                       dashGridOptions={"animateRows": False, "enableCellTextSelection": True,
                                        "localeText": grid_locale_text(lang),
                                        "ensureDomOrder": True},
                       style={"height": "560px", "width": "100%"}, className="timeline-grid"),
        ]),
    ])


sync_url(PAGE, [("types", f"{PAGE}-types", "value"), ("years", f"{PAGE}-years", "value"),
                ("status", f"{PAGE}-status", "value"), ("company", f"{PAGE}-company", "value")])


def _key(lang: str) -> html.Ul:
    """The chart's legend as HTML: family colours, then the planned and conflicting marker shapes."""
    items = [html.Li([html.Span(className="key-dot", style={"background": FAMILY_COLOURS[f]}), tx(f, lang)])
             for f in FAMILY_ORDER]
    items += [html.Li([html.Span(className="key-dot key-hollow"), tx("planned_legend", lang)]),
              html.Li([html.Span(className="key-diamond"), tx("conflict_legend", lang)])]
    return html.Ul(items, className="timeline-key", id=f"{PAGE}-key", **{"aria-label": tx("key", lang)})


def _selection(types, years, status, company, area) -> tuple:
    """The callback inputs as hashable, validated arguments for the memoized renderers."""
    years = years or [None, None]
    return (tuple(sorted(types or ())), int_or(years[0], None), int_or(years[1], None),
            status if status in STATUSES else "all", (company or "").strip()[:100], area or None)


def _shown(types: tuple, year_from: int | None, year_to: int | None, status: str, company: str,
           area: str | None) -> tuple[list[dict], list[dict]]:
    """All events and the ones passing the filters; undated ones only while the year range is full."""
    events = _events()
    first, last = year_bounds(events)
    full_range = (year_from is None or year_from <= first) and (year_to is None or year_to >= last)
    shown = filter_events(events, list(types), year_from, year_to, status, company, _area_keys(area),
                          include_undated=full_range)
    return events, shown


# --- the chart -----------------------------------------------------------------------------------

@callback(
    *chart_outputs(CARD),
    Input(f"{PAGE}-types", "value"),
    Input(f"{PAGE}-years", "value"),
    Input(f"{PAGE}-status", "value"),
    Input(f"{PAGE}-company", "value"),
    Input("global-area", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_chart(types, years, status, company, area, lang):
    return render_chart(*_selection(types, years, status, company, area), normalise_language(lang))


def _wrap(text: str, width: int = 60) -> str:
    text = str(text)
    if len(text) <= width and text.isprintable() and text == text.strip():
        return text  # what textwrap gives a short line with no whitespace to tidy (it costs ~15 us a call)
    return "<br>".join(textwrap.wrap(text, width)) or ""


def _source_items(shown: list[dict], lang: str) -> list:
    pairs = list(dict.fromkeys((r["source"], r["source_url"]) for r in shown))
    items = [(tx("interview", lang), None) if is_bundled(url) else (label, url)
             for label, url in pairs[:MAX_SOURCE_LINKS]]
    parts = source_line(items, lang, "card.sources")
    if len(pairs) > MAX_SOURCE_LINKS:
        parts += ["; ", dcc.Link(tx("more_sources", lang, n=len(pairs) - MAX_SOURCE_LINKS),
                                 href=f"/sources?lang={lang}&tables=events")]
    return parts


@cache.memoize()
def render_chart(types: tuple, year_from: int | None, year_to: int | None, status: str, company: str,
                 area: str | None, lang: str) -> tuple:
    """Figure (as a plain dict, cheap to cache), source line, unit and the rows shown for one selection."""
    _, shown = _shown(types, year_from, year_to, status, company, area)
    csv = pd.DataFrame([[r[c] for c in CSV_COLUMNS] for r in shown], columns=CSV_COLUMNS)
    dated = [r for r in shown if r["mid"] is not None]
    if not dated:
        figure = plain.empty(tx("empty", lang), lang, HEIGHT)
        return chart_result(figure, csv, [], tx("unit", lang), "timeline.csv")
    order, y = plot_rows(dated)
    texts = _texts(lang)
    hovers = {r["record_key"]: _hover(r, lang, texts) for r in dated}  # only the events shown
    columns = {c: [r[c] for r in dated] for c in ("family", "precision", "x", "x0", "x1", "conflict", "planned",
                                                 "record_key")}
    columns["y"] = y
    traces = []
    for fam in FAMILY_ORDER:
        rows = [n for n, f in enumerate(columns["family"]) if f == fam]
        if not rows:
            continue
        colour = FAMILY_COLOURS[fam]
        xs, ys = [], []
        for n in rows:
            if columns["precision"][n] != "day":  # the band: the whole period the written date covers
                xs += [columns["x0"][n], columns["x1"][n], None]
                ys += [columns["y"][n], columns["y"][n], None]
        if xs:
            traces.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines", "opacity": 0.28,
                           "line": {"color": colour, "width": 6}, "hoverinfo": "skip", "showlegend": False,
                           "legendgroup": fam})
        keys = [columns["record_key"][n] for n in rows]
        symbols = [("diamond" if columns["conflict"][n] else "circle") + ("-open" if columns["planned"][n] else "")
                   for n in rows]
        traces.append({
            "type": "scatter", "x": [columns["x"][n] for n in rows], "y": [columns["y"][n] for n in rows],
            "mode": "markers", "name": tx(fam, lang), "legendgroup": fam, "showlegend": False,
            "marker": {"color": colour, "size": 11, "symbol": symbols, "line": {"color": colour, "width": 2}},
            "customdata": keys, "hovertext": [hovers[k] for k in keys],
            "hovertemplate": "%{hovertext}<extra></extra>",
        })
    layout = base_layout(
        lang, HEIGHT, margin={"l": 8, "r": 12, "t": 12, "b": 36},
        # The key is HTML above the chart (it wraps on a phone; a Plotly legend takes the plot's height).
        showlegend=False,
        xaxis={"type": "date", "gridcolor": "#e6e9ee"},
        yaxis={"tickvals": list(range(len(order))), "ticktext": [type_label(v, lang) for v in order],
               "gridcolor": "#eef1f4", "automargin": True, "zeroline": False,
               "tickfont": {"size": 11},
               # Reversed: the first family on top.
               "range": [len(order) - 0.5, -0.6]},
    )
    if year_from is not None and year_to is not None:
        layout["xaxis"]["range"] = [f"{year_from - 1}-10-01", f"{year_to + 1}-03-31"]
    # On a phone the event types' labels took half the width and plotly turned the years on end under the plot:
    # the labels in lines of at most 16 characters in a smaller font, and fewer years, upright.
    narrow(layout, {**wrapped_ticks("yaxis", range(len(order)), [type_label(v, lang) for v in order], 16),
                    "xaxis.nticks": 6, "xaxis.tickangle": 0})
    undated = len(shown) - len(dated)
    if undated:
        layout["annotations"] = [{"text": tx("undated_note", lang, n=undated), "showarrow": False,
                                  "xref": "paper", "yref": "paper", "x": 1, "y": 0, "xanchor": "right",
                                  "yanchor": "bottom", "font": {"size": 11, "color": "#5c6773"}}]
        # Narrow, the note covered the bottom row's events: under the years, in a margin grown to hold it.
        narrow(layout, {"annotations[0].yanchor": "top", "annotations[0].yshift": -22, "margin.b": 56})
    # NOTE: the figure is the plain dict a plotly.graph_objects.Figure serialises to. Building the
    # Figure object (validation, deep copies) cost more than the rest of the callback; the tests
    # validate these dicts in full with go.Figure(figure).
    figure = {"data": traces, "layout": layout}
    return chart_result(figure, csv, _source_items(shown, lang), tx("unit", lang), "timeline.csv")


def _hover(r: dict, lang: str, texts: RecordedText) -> str:
    lines = [f"<b>{_wrap(r['company_label'] or '', 50)}</b>", _wrap(texts.text(r["description"])),
             f"{tx('date_as_written', lang)}: {_wrap(texts.text(r['date_raw']), 50)}",
             f"{tx('type', lang)}: {type_label(r['event_type'], lang)}"
             + f" · {tx('planned_label' if r['planned'] else 'happened_label', lang)}",
             f"{tx('source', lang)}: {tx('interview', lang) if is_bundled(r['source_url']) else r['source']}"]
    if r["conflict"]:
        lines.append(_wrap(tx("conflict_hover", lang, dates=conflict_listing(r["conflict_parts"], texts.text)), 60))
    return "<br>".join(lines)


# --- the list and the conflicts ------------------------------------------------------------------

def _grid_columns(lang: str) -> list[dict]:
    return [
        {"field": "date_shown", "headerName": tx("date", lang), "minWidth": 150, "maxWidth": 220,
         "tooltipField": "date_raw",
         # Sorted by the period the date covers, not alphabetically; undated events last.
         "comparator": {"function": "(a, b, nodeA, nodeB) => nodeA.data.sort_key < nodeB.data.sort_key ? -1 "
                                    ": (nodeA.data.sort_key > nodeB.data.sort_key ? 1 : 0)"}},
        {"field": "type", "headerName": tx("type", lang), "minWidth": 140, "maxWidth": 200},
        {"field": "status", "headerName": tx("status", lang), "minWidth": 110, "maxWidth": 130},
        {"field": "company", "headerName": tx("company", lang), "minWidth": 150, "flex": 1},
        # NOTE: descriptions were compiled in English from the cited pages; a Russian page shows the project's
        # translation, or, where there is none, the text as recorded marked as English (OriginalText).
        {"field": "description", "headerName": tx("description", lang), "minWidth": 280, "flex": 3,
         "cellRendererSelector": {"function": "params.data && params.data.description_as_recorded ? "
                                              "{component: 'OriginalText'} : undefined"}},
        {"field": "location", "headerName": tx("location", lang), "minWidth": 120, "flex": 1},
        {"field": "source", "headerName": tx("source", lang), "cellRenderer": "markdown",
         "cellRendererParams": {"linkTarget": "_blank"}, "minWidth": 150, "flex": 1},
        {"field": "note", "headerName": tx("note", lang), "minWidth": 160, "flex": 1,
         "cellClass": "event-conflict-cell"},
    ]


def _date_shown(date: object, date_raw: object, lang: str) -> str:
    """The event's date in the page's language at the precision the source gives (2014; April 2014 / апрель
    2014; April 10, 2014 / 10 апр. 2014 г.); the date as written (in the tooltip and the CSV) when undated."""
    if isinstance(date, str) and date:
        return format_period(date, lang)
    return str(date_raw or "")


def _grid_rows(shown: list[dict], lang: str, texts: RecordedText) -> list[dict]:
    rows = []
    for r in shown:
        label = tx("interview", lang) if is_bundled(r["source_url"]) else r["source"]
        rows.append({
            "record_key": r["record_key"], "date_raw": r["date_raw"],
            "date_shown": _date_shown(r["date"], r["date_raw"], lang), "sort_key": r["x0"] or "9999",
            "type": type_label(r["event_type"], lang),
            "status": tx("planned_label" if r["planned"] else "happened_label", lang),
            "company": r["company_label"] or "", "description": texts.text(r["description"]),
            "description_as_recorded": not texts.translated(r["description"]),
            "location": translate_value("place", r["location"] or "", lang),
            "source": markdown_link(label, r["source_url"]),
            "note": tx("conflict_hover", lang, dates=conflict_listing(r["conflict_parts"], texts.text))
            if r["conflict"] else "",
        })
    return rows


@callback(
    Output(f"{PAGE}-grid", "rowData"),
    Output(f"{PAGE}-count", "children"),
    Output(f"{PAGE}-conflicts", "children"),
    Output(f"{PAGE}-conflicts", "hidden"),
    Input(f"{PAGE}-types", "value"),
    Input(f"{PAGE}-years", "value"),
    Input(f"{PAGE}-status", "value"),
    Input(f"{PAGE}-company", "value"),
    Input("global-area", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_list(types, years, status, company, area, lang):
    lang = normalise_language(lang)
    selection = _selection(types, years, status, company, area)
    events, shown = _shown(*selection)
    count = tx("count", lang, n=format_number(len(shown), lang), total=format_number(len(events), lang))
    if selection[-1]:
        area = next((row for row in queries.therapy_area_rows() if row["code"] == selection[-1]), None)
        if area is not None:
            count += tx("area_note", lang, area=pick(lang, area["name_ru"], area["name_en"]))
    texts = _texts(lang)
    conflicts = _conflicts(shown, lang, texts)
    return _grid_rows(shown, lang, texts), count, conflicts, not conflicts


def _source_link(url: str, label: str, lang: str) -> object:
    if is_bundled(url):
        return html.Span(tx("interview", lang), className="event-source-bundled")
    return html.A(label, href=url, target="_blank", rel="noopener")


def _conflicts(shown: list[dict], lang: str, texts: RecordedText) -> list:
    groups: dict[str, list[dict]] = {}
    for r in shown:
        if r["conflict"]:
            groups.setdefault(r["conflict"], []).append(r)
    if not groups:
        return []
    items = []
    for part in groups.values():
        first = part[0]
        dates = []
        for n, r in enumerate(part):
            if n:
                dates.append("; ")
            # the dates as each source words them: the project's translation on a Russian page, else as recorded
            # (in English), marked as such
            dates += [html.Strong(texts.node(r["date_raw"])), " (",
                      _source_link(r["source_url"], r["source"], lang), ")"]
        items.append(html.Li([html.Span(f"{first['company_label']} — {type_label(first['event_type'], lang)}: ",
                                        className="conflict-what"), *dates]))
    return [html.H2(tx("conflicts_title", lang), id=f"{PAGE}-conflicts-title", className="card-title"),
            html.P(tx("conflicts_lead", lang), className="card-description"),
            html.Ul(items, className="conflict-list")]
