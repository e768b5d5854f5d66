"""Per-chart exports (CSV, XLSX) and the page pack, made from the rows the chart callback stored.

One table per chart: `components.chart_result` keeps the rows a chart draws (with its unit, source line and
language) in the card's store; the CSV, the XLSX data sheet and the page pack's sheet are that table, with the
names behind its codes added from the read model (indicator names, edition titles and pages, period kinds). The
browser adds what the page shows around the chart (its title, unit and source line as displayed, and the view's
address); the "About" sheet says where every figure comes from: sources with their addresses, editions, the loads
that brought them with their dates, and the licences their provenance records.
PNG and SVG are drawn in the browser (assets/exports.js): they need the chart as plotted, not its rows.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import dash
import pandas as pd
from dash import ALL, MATCH, Dash, Input, Output, State, callback_context
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard import api, queries
from dashboard.i18n import normalise_language, page_text, t
from dashboard.model import loads as model_loads
from dashboard.model import sources as model_sources
from dashboard.model.export import XLSX_TYPE, Sheet, frame_csv, sheet_name, xlsx_bytes
from dashboard.model.indicators import catalogue
from dashboard.model.labels import is_web_url, source_link, text_or_none
from etl.periods import parse_code

log = logging.getLogger(__name__)

TEXT = {
    "about": {"ru": "О данных", "en": "About"},
    "data": {"ru": "Данные", "en": "Data"},
    "chart": {"ru": "График", "en": "Chart"},
    "unit": {"ru": "Единица измерения", "en": "Unit"},
    "transform": {"ru": "Преобразование", "en": "Transform"},
    "as_published": {"ru": "значения как опубликованы", "en": "figures as published"},
    "derived": {"ru": "производные значения", "en": "derived figures"},
    "rows": {"ru": "Строк данных", "en": "Data rows"},
    "sheet": {"ru": "Лист", "en": "Sheet"},
    "view_url": {"ru": "Адрес этого вида", "en": "Address of this view"},
    "filters": {"ru": "Фильтры", "en": "Filters"},
    "no_filters": {"ru": "не заданы (вид по умолчанию)", "en": "none (the default view)"},
    "language": {"ru": "Язык", "en": "Language"},
    "exported": {"ru": "Выгружено (UTC)", "en": "Exported (UTC)"},
    "source_line": {"ru": "Строка источника (как на графике)", "en": "Source line (as on the chart)"},
    "sources": {"ru": "Источники", "en": "Sources"},
    "no_address": {"ru": "без веб-адреса", "en": "no web address recorded"},
    "editions": {"ru": "Издания", "en": "Editions"},
    "loads": {"ru": "Загрузки в базу атласа", "en": "Loads into the atlas database"},
    "load": {"ru": "Загрузка {id}", "en": "Load {id}"},
    "load_line": {"ru": "{file}; загружено {finished}; статус: {status}",
                  "en": "{file}; loaded {finished}; status: {status}"},
    "licences": {"ru": "Лицензии и условия", "en": "Licences and terms"},
    "licence_general": {"ru": "Общее правило", "en": "General rule"},
    "licence_note": {
        "ru": "Цифры приведены так, как их опубликовали названные источники; при использовании ссылайтесь на них. "
              "Лицензии ниже — как они записаны в сведениях о происхождении каждой загрузки; где лицензия не "
              "записана, действуют условия самого источника.",
        "en": "Figures are as the sources named here published them; cite them when you reuse them. The licences "
              "below are as recorded in each load's provenance; where none is recorded, the source's own terms "
              "apply."},
    "numbers_note": {"ru": "Числа", "en": "Numbers"},
    "numbers": {"ru": "Ровно те значения, что показаны на графике; пустая ячейка — значение не опубликовано или "
                      "не может быть рассчитано. Пересчитанные значения (на душу населения, индекс, изменение к "
                      "прошлому году) отмечены в столбцах transform и transform_note. Текст, похожий на формулу, "
                      "записан как текст.",
                "en": "Exactly the values the chart shows; an empty cell is a figure that was not published or "
                      "cannot be derived. Derived figures (per capita, index, year on year) say so in the columns "
                      "transform and transform_note. Text that looks like a formula is written as text."},
    # A scatter pairs two indicators (and a third for the size): its file is the API's /scatter, a row per point.
    "numbers_scatter": {
        "ru": "Ровно те точки, что показаны на графике: по строке на регион, у которого есть значения обоих "
              "показателей. Столбцы x_…, y_… и size_… — показатель оси X, оси Y и размера точки, у каждого своя "
              "единица, период, издание и источник. Пустые столбцы size_… — регион без значения для размера (точка "
              "наименьшего размера) или размер не выбран. Пересчитанные значения оси X (на душу населения, индекс, "
              "изменение к прошлому году) отмечены в x_transform и x_transform_note. Текст, похожий на формулу, "
              "записан как текст.",
        "en": "Exactly the points the chart shows: a row per region with a figure of both indicators. The columns "
              "x_…, y_… and size_… are the x axis's, the y axis's and the point size's indicator, each with its own "
              "unit, period, edition and source. Empty size_… cells: a region without a size figure (drawn at the "
              "smallest size), or no size chosen. Derived x figures (per capita, index, year on year) say so in "
              "x_transform and x_transform_note. Text that looks like a formula is written as text."},
    "empty_chart": {"ru": "нет данных для выбранных параметров", "en": "no data for this selection"},
}

tx = page_text(TEXT)

# Numbers that are not amounts of the chart's unit (their header gets no unit).
_UNITLESS = {"year", "month", "day", "load_id", "level", "rank", "order", "records", "count", "n"}
# How much of a browser-reported text is kept (a title or source line is never longer; a bigger one is not ours).
_MAX_TEXT = 2_000


@dataclass
class ChartView:
    """What the page shows around one chart, as the browser reports it (assets/exports.js: atlasExports.context)."""

    card: str
    title: str = ""
    unit: str = ""
    source: str = ""
    url: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    csv: str = ""  # the API address the card's CSV link downloads, for a card made with chart_card(api=True)

    @classmethod
    def from_browser(cls, context: object, card: str) -> ChartView:
        context = context if isinstance(context, dict) else {}

        def text(key: str) -> str:
            value = context.get(key)
            return " ".join(value.split())[:_MAX_TEXT] if isinstance(value, str) else ""

        links = [(str(item.get("label", ""))[:_MAX_TEXT], str(item.get("url", ""))[:_MAX_TEXT])
                 for item in context.get("links") or [] if isinstance(item, dict) and is_web_url(item.get("url"))]
        csv = text("csv")
        return cls(card=card, title=text("title") or card, unit=text("unit"), source=text("source"),
                   url=text("url"), links=links, csv=csv if csv.startswith(f"{api.PREFIX}/") else "")


# --- the table of a chart -------------------------------------------------------------------------------------


def chart_frame(data: dict | None) -> pd.DataFrame:
    """The rows a chart shows, as chart_result stored them (columns in the chart's order)."""
    data = data or {}
    columns = [str(c) for c in data.get("columns") or []]
    return pd.DataFrame(data.get("rows") or [], columns=columns, dtype=object)


def export_frame(data: dict | None, engine: Engine | None, lang: str | None = None) -> pd.DataFrame:
    """The chart's rows with the names behind their codes: what CSV and XLSX hold (one table for both).

    Added where the rows have the code but not the name: indicator_name (indicator_code), period_kind (period),
    edition_title and source_url (edition: the edition's page), and unit (the chart's unit).
    """
    data = data or {}
    lang = normalise_language(lang or data.get("lang"))
    frame = chart_frame(data)
    if frame.empty and not len(frame.columns):
        return frame
    columns = list(frame.columns)

    def add(after: str | None, name: str, of: str | None, value) -> None:
        """Insert column `name` after `after`: value(code) for each distinct code of column `of` (each worked out
        once: a 100,000-row view has a few hundred), or `value` itself for every row; nothing if it is there."""
        if name in frame.columns:
            return
        if of is None:
            values = [value] * len(frame)
        else:
            codes = frame[of].tolist()
            by_code = {code: value(code) for code in set(codes)}
            values = [by_code[code] for code in codes]
        at = frame.columns.get_loc(after) + 1 if after in frame.columns else len(frame.columns)
        frame.insert(at, name, pd.Series(values, index=frame.index, dtype=object))

    if "indicator_code" in columns and engine is not None and "indicator_name" not in columns:
        names = _lookup(lambda: {r["code"]: r["name"] for r in catalogue(engine, lang).records()})
        add("indicator_code", "indicator_name", "indicator_code", names.get)
    if "period" in columns:
        add("period", "period_kind", "period", _period_kind)
    unit = text_or_none(data.get("unit"))
    # (a table with a unit per axis, the API's /scatter, names its own units: the chart's would be the x axis's only)
    if unit and "unit" not in columns and not _axes(columns):
        add("value" if "value" in columns else None, "unit", None, unit)
    if "edition" in columns and engine is not None and not {"edition_title", "source_url"} <= set(columns):
        editions = _lookup(lambda: {r["code"]: r for r in model_sources.editions(engine, lang).records()})
        add("edition", "edition_title", "edition", lambda e: (editions.get(e) or {}).get("title") or e)
        add("edition_title", "source_url", "edition", lambda e: source_link((editions.get(e) or {}).get("url")))
    return frame


def _period_kind(code: object) -> str | None:
    try:
        return parse_code(str(code)).kind
    except ValueError:  # a label that is not a period code (a cluster figure's "2007-2015"): no kind claimed
        return None


def _lookup(read) -> dict:
    # Names are worth no failed download: with the database away, the codes stand alone.
    try:
        return read()
    except SQLAlchemyError:
        log.warning("export: names not read (database unreachable)")
        return {}


def api_view(view: ChartView, engine: Engine, lang: str | None) -> dict | None:
    """The rows of a card whose CSV is the API's answer for its view (chart_card(api=True): the indicators page),
    read from the same read-model table the API serves, so its XLSX holds what its CSV holds, row for row.

    None when the card has no API view (no link yet, or a link the API refuses).
    """
    parts = urlsplit(view.csv)
    name = parts.path.removeprefix(f"{api.PREFIX}/").strip("/")
    params = dict(parse_qsl(parts.query))
    params.pop("format", None)
    if name not in api.ENDPOINTS:
        return None
    try:
        table = api.table_for(engine, name, **params)
    except api.ApiError:
        return None
    query = dict(parse_qsl(parts.query))
    subject = query.get("indicator") or "_".join(p for p in (query.get("x"), query.get("y")) if p) or name
    filename = "_".join(p for p in (subject, "scatter" if name == "scatter" else None, query.get("transform")) if p)
    return {"filename": f"{filename}.csv", "columns": table.names, "rows": [list(row) for row in table.rows],
            "unit": view.unit, "sources": [[label, url] for label, url in view.links], "lang": lang}


def chart_csv(data: dict | None, engine: Engine | None, lang: str | None = None) -> str:
    """CSV text (UTF-8 BOM, formula-guarded) of the chart's export table."""
    return frame_csv(export_frame(data, engine, lang))


def _axes(columns) -> list[str]:
    """The axes of a table with a set of columns each (the API's /scatter: x_value and x_unit, y_value and y_unit, ...):
    the prefixes that have both a value and a unit column."""
    names = {str(c) for c in columns}
    return [name[:-len("_value")] for name in map(str, columns)
            if name.endswith("_value") and f"{name[:-len('_value')]}_unit" in names]


def _one_unit(frame: pd.DataFrame, column: str) -> str | None:
    units = [u for u in frame[column].dropna().unique()] if column in frame.columns else []
    return units[0] if len(units) == 1 else None


def _header(frame: pd.DataFrame, unit: str | None) -> list[str]:
    """Column names with the unit after the numbers measured in it ("value, млн руб"; "y_value, руб" from y_unit)."""
    units = [u for u in frame["unit"].dropna().unique()] if "unit" in frame.columns else []
    unit = units[0] if len(units) == 1 else (None if units else unit)
    per_axis = {f"{axis}_value": _one_unit(frame, f"{axis}_unit") for axis in _axes(frame.columns)}
    if per_axis:
        unit = None  # (each axis's number takes its own unit, no other column the chart's)
    header = []
    for i, name in enumerate(frame.columns):
        kinds = set(map(type, frame.iloc[:, i].tolist())) - {type(None)}
        numeric = bool(kinds) and kinds <= {int, float}
        plain = name in _UNITLESS or name.endswith(("_id", "_year", "_count")) or name.startswith("year")
        shown = per_axis.get(name) or unit
        header.append(f"{name}, {shown}" if shown and numeric and not plain else name)
    return header


def _rows(frame: pd.DataFrame) -> list[tuple]:
    # Plain Python values (the store's JSON: int, float, str, bool, None): numbers stay numbers. Column by column
    # (tolist), then zipped: a tenth of itertuples' time on a 100,000-row view.
    return list(zip(*(frame.iloc[:, i].tolist() for i in range(len(frame.columns))), strict=True))


# --- the "About" sheet ----------------------------------------------------------------------------------------


def _filters(url: str) -> list[tuple[str, str]]:
    """The view's query parameters (the atlas keeps every filter in the URL), the language left out."""
    query = urlsplit(url).query if url else ""
    return [(name, value) for name, value in parse_qsl(query, keep_blank_values=False) if name != "lang"]


def _provenance(frame: pd.DataFrame, view: ChartView, data: dict, engine: Engine | None) -> dict:
    """Sources with addresses, editions, loads and licences behind a chart's rows, from the read model."""
    links: dict[str, str] = {}
    for label, url in view.links + [(str(item[0]), item[1]) for item in data.get("sources") or []
                                    if isinstance(item, (list, tuple)) and len(item) == 2 and is_web_url(item[1])]:
        links.setdefault(url, label)
    named = [str(item[0]) for item in data.get("sources") or [] if isinstance(item, (list, tuple)) and item
             and not is_web_url(item[1] if len(item) > 1 else None)]
    # A table with a set of columns per axis (the API's /scatter: x_edition, y_edition, ...) has sources on each.
    url_columns = _columns(frame, "source_url")
    edition_columns = _columns(frame, "edition")
    load_columns = _columns(frame, "load_id")
    for column in url_columns:
        for url in frame[column].dropna().unique():
            if is_web_url(url):
                links.setdefault(str(url), str(url))
    editions: dict[str, dict] = {}
    load_ids: set[int] = set()
    for column in load_columns:
        load_ids |= {int(v) for v in frame[column].dropna() if isinstance(v, (int, float))}
    loads: list[dict] = []
    licences: dict[str, str] = {}
    if engine is not None:
        if edition_columns:
            known = _lookup(lambda: {r["code"]: r for r in model_sources.editions(engine, data.get("lang")).records()})
            codes = dict.fromkeys(v for c in edition_columns for v in frame[c].tolist() if isinstance(v, str) and v)
            for code in codes:
                # (the edition row's own load is the reference table's, not the figures': rows name theirs)
                editions[code] = known.get(code) or {"code": code, "title": code}
        cited = _lookup(lambda: {r["url"]: r for r in model_sources.sources(engine).records()})
        for url in links:
            if (cited.get(url) or {}).get("load_id") is not None:
                load_ids.add(int(cited[url]["load_id"]))
        every: dict = {}
        if load_ids or (editions and not load_columns):
            every = _lookup(lambda: {r["id"]: r for r in model_loads.loads(engine).records()})
        if editions and not load_columns:
            # Rows that do not name their load: the applied loads of their editions are the ones that brought them.
            # NOTE: an extract folder is named after its raw file (rr2024_s08_grp for rr2024_s08_grp.xlsx), so the
            # rows' source files narrow an edition's loads to the sections they come from, where they match.
            of_editions = {i: r for i, r in every.items()
                           if r["status"] == "applied" and r.get("edition") in editions}
            stems = ({str(f).rsplit(".", 1)[0] for f in frame["source_file"].dropna()}
                     if "source_file" in frame.columns else set())
            matched = {i for i, r in of_editions.items() if str(r["file_name"]).rstrip("/").rsplit("/", 1)[-1] in stems}
            load_ids |= matched or set(of_editions)
        if load_ids:
            files = _lookup(lambda: {r["file_name"]: r for r in model_loads.loaded_files(engine).records()})
            for load_id in sorted(load_ids):
                row = every.get(load_id)
                if row is None:
                    continue
                loads.append(row)
                provenance = files.get(row["file_name"]) or {}
                if provenance.get("licence"):
                    what = provenance.get("publication") or provenance.get("producer") or row["file_name"]
                    licences.setdefault(str(what), str(provenance["licence"]))
    return {"links": links, "named": named, "editions": editions, "loads": loads, "licences": licences}


def _columns(frame: pd.DataFrame, field: str) -> list[str]:
    """The column `field` and its per-axis copies (x_field, y_field, size_field), those the frame has."""
    wanted = {field, *(f"{axis}_{field}" for axis in _axes(frame.columns))}
    return [c for c in frame.columns if c in wanted]


def _chart_about(view: ChartView, data: dict, frame: pd.DataFrame, engine: Engine | None, lang: str,
                 sheet: str | None = None) -> tuple[list[tuple], dict]:
    facts = _provenance(frame, view, data, engine)
    rows: list[tuple] = [(view.title, None), (tx("chart", lang), view.title)]
    if sheet:
        rows.append((tx("sheet", lang), sheet))
    unit = view.unit or text_or_none(data.get("unit"))
    axes = _axes(frame.columns)
    for axis in axes:  # (a scatter: the unit of each axis, not the card's, which is the x axis's)
        if axis_unit := _one_unit(frame, f"{axis}_unit"):
            rows.append((f"{tx('unit', lang)} ({axis})", axis_unit))
    if unit and not axes:
        rows.append((tx("unit", lang), unit))
    rows += _transform_rows(frame, lang)
    rows.append((tx("rows", lang), len(frame) if len(frame) else f"0 ({tx('empty_chart', lang)})"))
    if view.source:
        rows.append((tx("source_line", lang), view.source))
    for url, label in facts["links"].items():
        rows.append((label if label != url else tx("sources", lang), url))
    for name in facts["named"]:
        if name not in facts["links"].values():
            rows.append((tx("sources", lang), f"{name} ({tx('no_address', lang)})"))
    for code, row in facts["editions"].items():
        title = row.get("title") or code
        rows.append((f"{tx('editions', lang)}: {code}", f"{title} — {row['url']}" if row.get("url") else title))
    for row in facts["loads"]:
        finished = str(row.get("finished_at") or row.get("started_at") or "")[:19].replace("T", " ") + " UTC"
        rows.append((tx("load", lang, id=row["id"]),
                     tx("load_line", lang, file=row["file_name"], finished=finished, status=row["status"])))
    return rows, facts["licences"]


def _transform_rows(frame: pd.DataFrame, lang: str) -> list[tuple]:
    """What the figures are: as published, or derived and how (the rows' transform and transform_note; a table with
    an axis each, the API's /scatter, says it per axis: "Transform (x)")."""
    rows = []
    for column in _columns(frame, "transform"):
        axis = column[:-len("_transform")] if column != "transform" else ""
        note_column = f"{axis}_transform_note" if axis else "transform_note"
        label = f"{tx('transform', lang)} ({axis})" if axis else tx("transform", lang)
        notes = frame[note_column].tolist() if note_column in frame.columns else [None] * len(frame)
        for transform, note in dict.fromkeys(zip(frame[column].tolist(), notes, strict=True)):
            if transform is None:  # (an axis not asked for: the scatter's size)
                continue
            if transform == "published":
                rows.append((label, f"published ({tx('as_published', lang)})"))
            else:
                rows.append((label, f"{transform} ({tx('derived', lang)}): {note or ''}".rstrip(": ")))
    return rows


def _page_head(url: str, lang: str, scatter: bool = False) -> list[tuple]:
    filters = _filters(url)
    rows: list[tuple] = []
    if url:
        rows.append((tx("view_url", lang), url))
    rows.append((tx("filters", lang), "; ".join(f"{k} = {v}" for k, v in filters) or tx("no_filters", lang)))
    rows.append((tx("language", lang), lang))
    rows.append((tx("exported", lang), dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")))
    rows.append((tx("numbers_note", lang), tx("numbers_scatter" if scatter else "numbers", lang)))
    return rows


def _licence_rows(licences: dict[str, str], lang: str) -> list[tuple]:
    rows: list[tuple] = [(tx("licences", lang), None), (tx("licence_general", lang), tx("licence_note", lang))]
    rows += [(what, licence) for what, licence in licences.items()]
    return rows


# --- workbooks ------------------------------------------------------------------------------------------------


def workbook(charts: Sequence[tuple[ChartView, dict]], engine: Engine | None, lang: str | None, url: str = "") -> bytes:
    """An XLSX of one or more charts: a data sheet each (typed numbers, units in headers, frozen header, widths)
    and an "About" sheet (title, filters, sources with addresses, editions, units, loads, licences, the view's URL).
    """
    lang = normalise_language(lang)
    sheets: list[Sheet] = []
    frames = [export_frame(data, engine, lang) for _view, data in charts]
    # (a scatter's table, the API's /scatter, has an x and a y column set: its numbers are said in its own words)
    about: list[tuple] = _page_head(url, lang, any({"x_value", "y_value"} <= set(f.columns) for f in frames))
    licences: dict[str, str] = {}
    taken: list[str] = [tx("about", lang)]
    for (view, data), frame in zip(charts, frames, strict=True):
        name = sheet_name(tx("data", lang) if len(charts) == 1 else view.title, taken)
        taken.append(name)
        sheets.append(Sheet(name, _header(frame, view.unit or data.get("unit")), _rows(frame)))
        rows, found = _chart_about(view, data, frame, engine, lang, name if len(charts) > 1 else None)
        about += rows
        for what, licence in found.items():
            licences.setdefault(what, licence)
    about += _licence_rows(licences, lang)
    title = charts[0][0].title if len(charts) == 1 else t("app.title", lang)
    sheets.append(Sheet(tx("about", lang), [title], about, kind="about"))
    return xlsx_bytes(sheets, title=title)


def xlsx_download(content: bytes, filename: str) -> dict:
    """What a dcc.Download takes for an XLSX file."""
    return {"content": base64.b64encode(content).decode("ascii"), "filename": filename, "type": XLSX_TYPE,
            "base64": True}


def xlsx_filename(data: dict | None, card: str) -> str:
    name = str((data or {}).get("filename") or "").strip()
    stem = name.rsplit(".", 1)[0] if name else card
    return f"{stem or card}.xlsx"


def page_filename(url: str) -> str:
    path = urlsplit(url or "").path.strip("/").replace("/", "_")
    return f"{path or 'overview'}_charts.xlsx"


# --- callbacks ------------------------------------------------------------------------------------------------


def register_export_callbacks(app: Dash) -> None:
    """The cards' CSV and XLSX downloads and the page pack (registered per app, like the shell's callbacks)."""

    @app.callback(
        Output({"type": "chart-download", "card": MATCH}, "data"),
        Input({"type": "chart-download-button", "card": MATCH}, "n_clicks"),
        State({"type": "chart-data", "card": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def download_chart_csv(_clicks, data):
        if not data or not data.get("rows"):
            return dash.no_update
        return {"content": chart_csv(data, queries.engine()), "filename": data.get("filename") or "chart.csv",
                "type": "text/csv"}

    # The browser reports what the card shows (title, unit, source line, address), then the server writes the file.
    app.clientside_callback(
        "function(n, id) { return n ? window.atlasExports.request(id.card) : window.dash_clientside.no_update; }",
        Output({"type": "chart-xlsx-request", "card": MATCH}, "data"),
        Input({"type": "chart-xlsx-button", "card": MATCH}, "n_clicks"),
        State({"type": "chart-xlsx-button", "card": MATCH}, "id"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output({"type": "chart-xlsx-download", "card": MATCH}, "data"),
        Input({"type": "chart-xlsx-request", "card": MATCH}, "data"),
        State({"type": "chart-data", "card": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def download_chart_xlsx(request, data):
        if not isinstance(request, dict):
            return dash.no_update
        card = str(callback_context.outputs_list["id"]["card"])
        cards = [c for c in request.get("cards") or [] if isinstance(c, dict)]
        view = ChartView.from_browser(cards[0] if cards else {}, card)
        lang = normalise_language(request.get("lang") or (data or {}).get("lang"))
        data = _rows_of(view, data, lang)
        if not data:
            return dash.no_update
        url = str(request.get("url") or "")
        return xlsx_download(workbook([(view, data)], queries.engine(), lang, url), xlsx_filename(data, card))

    app.clientside_callback(
        "function(n) { return n ? window.atlasExports.request(null) : window.dash_clientside.no_update; }",
        Output("page-pack-request", "data"),
        Input("page-pack-button", "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("page-pack-download", "data"),
        Input("page-pack-request", "data"),
        State({"type": "chart-data", "card": ALL}, "data"),
        prevent_initial_call=True,
    )
    def download_page_pack(request, stored):
        if not isinstance(request, dict):
            return dash.no_update
        ids = [entry["id"]["card"] for entry in callback_context.states_list[0]]
        by_card = dict(zip(ids, stored or [], strict=False))
        reported = {c.get("card"): c for c in request.get("cards") or [] if isinstance(c, dict)}
        # Page order as the browser lists the cards; a card whose chart has not drawn yet is left out.
        order = [card for card in reported if card in by_card] + [c for c in ids if c not in reported]
        lang = normalise_language(request.get("lang"))
        views = [ChartView.from_browser(reported.get(card), card) for card in order]
        charts = [(view, rows) for view in views if (rows := _rows_of(view, by_card.get(view.card), lang))]
        if not charts:
            return dash.no_update
        url = str(request.get("url") or "")
        return xlsx_download(workbook(charts, queries.engine(), lang, url), page_filename(url))

    def _rows_of(view: ChartView, data: dict | None, lang: str) -> dict | None:
        # The rows the chart callback stored; a card whose CSV is the API's (and that stores none) exports the
        # API's table for its view.
        if isinstance(data, dict) and "rows" in data and (data.get("columns") or not view.csv):
            return data  # (an empty chart still gets its file: an empty sheet and an About sheet that says so)
        return api_view(view, queries.engine(), lang) if view.csv else None

    @app.callback(Output("page-pack-button", "children"), Input("url", "search"))
    def translate_page_pack(search):
        values = [v for k, v in parse_qsl((search or "").lstrip("?")) if k == "lang"]
        return t("card.page_pack", normalise_language(values[0] if values else None))
