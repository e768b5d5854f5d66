"""Regional indicators: pick an indicator and regions; line, ranking, map or table; transforms."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard import figure_dicts as plain
from dashboard import queries
from dashboard.cache import cache
from dashboard.components import (
    api_links,
    api_outputs,
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
from dashboard.editions import edition_label, edition_short
from dashboard.figures import KALUGA_COLOUR, MUTED, base_layout, colour_for
from dashboard.geo import russia_regions_url
from dashboard.i18n import format_number, normalise_language, page_text, pick, t
from dashboard.titles import page_title
from dashboard.transforms import POPULATION_INDICATOR, TRANSFORMS, apply_transform, per_capita_allowed
from etl.regions import KALUGA_CODE

dash.register_page(__name__, path="/indicators", order=1, label_key="nav.indicators",
                   title=page_title("nav.indicators"))

PAGE = "indicators"
CARD = "indicators-chart"
DEFAULT_INDICATOR = "grp"
# Kaluga, its neighbours (Moscow, Tula, Oryol, Bryansk, Smolensk oblasts), the district and Russia.
DEFAULT_REGIONS = ("RU-KLU", "RU-MOS", "RU-TUL", "RU-ORL", "RU-BRY", "RU-SMO", "CFD", "RU")
VIEWS = ("line", "ranking", "map", "table")
TEXT = {
    "title": {"ru": "Показатели регионов", "en": "Regional indicators"},
    "lead": {"ru": "Официальная статистика Росстата по всем регионам России; Калужская область выделена.",
             "en": "Rosstat's official statistics for every region of Russia; Kaluga Oblast highlighted."},
    "indicator": {"ru": "Показатель", "en": "Indicator"},
    "regions": {"ru": "Регионы", "en": "Regions"},
    "years": {"ru": "Годы", "en": "Years"},
    "year": {"ru": "Год (рейтинг, карта)", "en": "Year (ranking, map)"},
    "view": {"ru": "Вид", "en": "View"},
    "transform": {"ru": "Преобразование", "en": "Transform"},
    "edition": {"ru": "Издание", "en": "Edition"},
    "all_editions": {"ru": "Все издания", "en": "All editions"},
    "line": {"ru": "Динамика", "en": "Line"},
    "ranking": {"ru": "Рейтинг", "en": "Ranking"},
    "map": {"ru": "Карта", "en": "Map"},
    "table": {"ru": "Таблица", "en": "Table"},
    "published": {"ru": "Как опубликовано", "en": "As published"},
    "per_capita": {"ru": "На 1000 жителей", "en": "Per 1,000 people"},
    "index": {"ru": "Индекс (база = 100)", "en": "Index (base = 100)"},
    "yoy": {"ru": "Изм. к прошлому году, %", "en": "Year on year, %"},
    "per_capita_unit": {"ru": "на 1000 жителей", "en": "per 1,000 people"},
    "index_unit": {"ru": "индекс, {year} = 100", "en": "index, {year} = 100"},
    "yoy_unit": {"ru": "% к предыдущему году", "en": "% change on a year earlier"},
    "per_capita_na": {"ru": "Для относительных показателей расчёт на душу не имеет смысла",
                      "en": "Per-capita makes no sense for a rate or share"},
    "kaluga_rank": {"ru": "Калужская область: {rank}-е место из {n} ({year})",
                    "en": "Kaluga Oblast: rank {rank} of {n} ({year})"},
    "kaluga_missing": {"ru": "Калужская область: нет данных за {year}", "en": "Kaluga Oblast: no data for {year}"},
    "no_map": {"ru": "Границы регионов не загружены", "en": "Region boundaries are not bundled"},
    "population_note": {"ru": "население на 1 января (Регионы России 2021, табл. 1.2)",
                        "en": "population on 1 January (Regions of Russia 2021, table 1.2)"},
}


tx = page_text(TEXT)


def _indicator_options(lang: str) -> list[dict]:
    frame = queries.indicators()
    groups = []
    for topic, part in frame.groupby("topic", sort=True):
        items = [{"value": r.code, "label": pick(lang, r.name_ru, r.name_en)} for r in part.itertuples()]
        groups.append({"group": topic, "items": items})
    return groups


def _region_options(lang: str) -> list[dict]:
    return [{"value": r.code, "label": pick(lang, r.name_ru, r.name_en)} for r in queries.regions().itertuples()]


def _split(value: str | None, default: tuple[str, ...]) -> list[str]:
    items = [v for v in (value or "").split(",") if v]
    return items or list(default)



@single_params
def layout(indicator: str | None = None, regions: str | None = None, years: str | None = None,
           view: str | None = None, transform: str | None = None,
           year: str | None = None, edition: str | None = None, lang: str | None = None,
           **_ignored) -> html.Div:
    lang = normalise_language(lang)
    catalogue = queries.indicators()
    codes = set(catalogue["code"])
    # An unknown code in a hand-edited or stale URL: said on the page, and the default indicator shown.
    unknown = indicator if indicator and indicator not in codes else None
    indicator = indicator if indicator in codes else DEFAULT_INDICATOR
    meta = catalogue.set_index("code").loc[indicator]
    first, last = int(meta["first_year"]), int(meta["last_year"])
    start_year, end_year = year_range(years, first, last)
    known_regions = set(queries.regions()["code"])
    chosen = [r for r in _split(regions, DEFAULT_REGIONS) if r in known_regions] or list(DEFAULT_REGIONS)
    editions = queries.editions(indicator)
    return html.Div([
        url_state(PAGE),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
        html.P(t("card.unknown", lang).format(code=unknown[:80]), className="empty-state", role="status",
               id=f"{PAGE}-unknown") if unknown else None,
        html.Div(className="controls", children=[
            dmc.Select(id=f"{PAGE}-indicator", label=tx("indicator", lang), data=_indicator_options(lang),
                       value=indicator, searchable=True, w=420, allowDeselect=False,
                       comboboxProps={"withinPortal": True}),
            dmc.MultiSelect(id=f"{PAGE}-regions", label=tx("regions", lang), data=_region_options(lang),
                            value=chosen, searchable=True, clearable=True, w=420,
                            comboboxProps={"withinPortal": True}),
            html.Div([
                dmc.Text(tx("years", lang), size="sm", fw=500),
                dmc.RangeSlider(id=f"{PAGE}-years", min=first, max=last, step=1, minRange=0,
                                value=[start_year, end_year], w=280,
                                marks=[{"value": first, "label": str(first)}, {"value": last, "label": str(last)}],
                                thumbFromLabel=tx("years", lang), thumbToLabel=tx("years", lang)),
            ]),
        ]),
        html.Div(className="controls", children=[
            html.Div([dmc.Text(tx("view", lang), size="sm", fw=500),
                      dmc.SegmentedControl(id=f"{PAGE}-view", value=view if view in VIEWS else "line",
                                           data=[{"value": v, "label": tx(v, lang)} for v in VIEWS])]),
            html.Div([dmc.Text(tx("transform", lang), size="sm", fw=500),
                      dmc.SegmentedControl(id=f"{PAGE}-transform",
                                           value=transform if transform in TRANSFORMS else "published",
                                           data=[{"value": v, "label": tx(v, lang)} for v in TRANSFORMS])]),
            dmc.Select(id=f"{PAGE}-year", label=tx("year", lang), w=160, allowDeselect=False,
                       data=[str(y) for y in range(last, first - 1, -1)],
                       value=str(int_or(year, last)) if first <= int_or(year, last) <= last else str(last)),
            dmc.Select(id=f"{PAGE}-edition", label=tx("edition", lang), w=260, clearable=True,
                       placeholder=tx("all_editions", lang),
                       data=[{"value": e, "label": edition_label(e, lang)} for e in editions],
                       value=edition if edition in editions else None),
        ]),
        chart_card(CARD, pick(lang, meta["name_ru"], meta["name_en"]), lang, height=460, api=True),
    ])


sync_url(PAGE, [("indicator", f"{PAGE}-indicator", "value"), ("regions", f"{PAGE}-regions", "value"),
                ("years", f"{PAGE}-years", "value"), ("view", f"{PAGE}-view", "value"),
                ("transform", f"{PAGE}-transform", "value"), ("year", f"{PAGE}-year", "value"),
                ("edition", f"{PAGE}-edition", "value")])


@callback(
    Output(f"{PAGE}-years", "min"), Output(f"{PAGE}-years", "max"), Output(f"{PAGE}-years", "marks"),
    Output(f"{PAGE}-year", "data"), Output(f"{PAGE}-edition", "data"), Output(f"{CARD}-title", "children"),
    Input(f"{PAGE}-indicator", "value"),
    State(f"{PAGE}-lang", "data"),
    prevent_initial_call=True,
)
def indicator_changed(indicator: str, lang: str):
    if not known_indicator(indicator):
        return (dash.no_update,) * 6
    meta = indicator_meta(indicator)
    first, last = int(meta["first_year"]), int(meta["last_year"])
    marks = [{"value": first, "label": str(first)}, {"value": last, "label": str(last)}]
    editions = [{"value": e, "label": edition_label(e, lang)} for e in queries.editions(indicator)]
    return (first, last, marks, [str(y) for y in range(last, first - 1, -1)], editions,
            pick(lang, meta["name_ru"], meta["name_en"]))


@callback(
    *chart_outputs(CARD)[:3],
    *api_outputs(CARD),
    Input(f"{PAGE}-indicator", "value"),
    Input(f"{PAGE}-regions", "value"),
    Input(f"{PAGE}-years", "value"),
    Input(f"{PAGE}-view", "value"),
    Input(f"{PAGE}-transform", "value"),
    Input(f"{PAGE}-year", "value"),
    Input(f"{PAGE}-edition", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_chart(indicator, regions, years, view, transform, year, edition, lang):
    years = years or [None, None]
    return render_view(indicator, tuple(regions or ()), int_or(years[0], None), int_or(years[1], None), view,
                       transform, int_or(year, None), edition or None, normalise_language(lang))


@cache.memoize()
def render_view(indicator: str, regions: tuple[str, ...], start: int | None, end: int | None, view: str,
                transform: str, year: int | None, edition: str | None, lang: str) -> tuple:
    """Figure, source line, unit, and the CSV link, file name and API link of the view (api_outputs)."""
    if not known_indicator(indicator):
        return _empty(t("card.unknown", lang).format(code=str(indicator)[:80]), lang, "", indicator)
    meta = indicator_meta(indicator)
    unit = pick(lang, meta["unit_ru"], meta["unit_en"])
    if transform == "per_capita" and not per_capita_allowed(meta["unit_ru"]):
        return _empty(tx("per_capita_na", lang), lang, unit, indicator)
    if view in ("ranking", "map"):
        frame = _cross_section(indicator, year, edition, transform, start)
        regions = tuple(frame["region_code"].unique())
        # The API view: every region's figures of that year in the edition the cross-section drew from.
        shown_edition = frame["edition"].iloc[0] if not frame.empty else edition
        view_params = {"indicator": indicator, "from": year, "to": year, "edition": shown_edition}
    else:
        view_params = {"indicator": indicator, "region": list(regions) or None, "from": start, "to": end,
                       "edition": edition}
        frame = queries.observations(indicator, regions, None, None, edition)
        frame = _transform(frame, transform, start, regions)
        frame = frame[frame["year"].between(start or 0, end or 9999)]
    unit = _unit_label(unit, transform, start, lang)
    if frame.empty or frame["value"].notna().sum() == 0:
        return _empty(t("empty.no_data", lang), lang, unit, indicator, view_params)
    frame = frame.assign(region=frame["region_code"].map(region_names(lang)))
    frame["source"] = [_cell_source(*row) for row in zip(frame["source_file"], frame["source_sheet"],
                                                          frame["source_cell"], frame["load_id"], strict=True)]
    if view == "ranking":
        figure = _ranking_figure(frame, unit, lang, year)
    elif view == "map":
        figure = _map_figure(frame, unit, lang)
    elif view == "table":
        figure = _table_figure(frame, lang)
    else:
        figure = _line_figure(frame, unit, lang, meta["frequency"] == "month", regions)
    figure, source, unit, _rows = chart_result(figure, pd.DataFrame(), _sources(frame, transform, lang), unit, "")
    return (figure, source, unit, *api_links("observations", f"{indicator}_{view}.csv", **view_params))


def _empty(message: str, lang: str, unit: str, indicator: str, view_params: dict | None = None) -> tuple:
    figure, source, unit, _rows = chart_result(plain.empty(message, lang, 460), pd.DataFrame(), [], unit, "")
    links = api_links("observations", f"{indicator}.csv", **view_params) if view_params else ("", "", "")
    return (figure, source, unit, *links)


def _transform(frame: pd.DataFrame, transform: str, start: int | None, regions) -> pd.DataFrame:
    if frame.empty or transform == "published":
        return frame
    population = queries.observations(POPULATION_INDICATOR, tuple(regions)) if transform == "per_capita" else None
    return apply_transform(frame, transform, start, population)


def _cross_section(indicator: str, year: int | None, edition: str | None, transform: str,
                   start: int | None) -> pd.DataFrame:
    """All federal subjects for one year, in the chosen (else the newest) edition with that year."""
    frame = queries.observations(indicator, federal_subjects())
    if frame.empty or year is None:
        return frame.iloc[0:0]
    chosen = edition or next(iter(sorted(frame.loc[frame["year"] == year, "edition"].unique(), reverse=True)), None)
    frame = frame[frame["edition"] == chosen]
    if transform != "published":
        frame = _transform(frame[frame["year"].isin({year, year - 1, start})], transform, start, federal_subjects())
    return frame[frame["year"] == year]


@cache.memoize()
def federal_subjects() -> tuple[str, ...]:
    regions = queries.regions()
    return tuple(regions.loc[regions["kind"] == "region", "code"])


def _unit_label(unit: str, transform: str, start: int | None, lang: str) -> str:
    if transform == "per_capita":
        return f"{unit} {tx('per_capita_unit', lang)}"
    if transform == "index":
        return tx("index_unit", lang, year=start)
    if transform == "yoy":
        return tx("yoy_unit", lang)
    return unit


def _cell_source(source_file: str, sheet: str | None, cell: str | None, load_id: int) -> str:
    sheet = f"sheet {sheet}" if isinstance(sheet, str) and sheet else None
    where = ", ".join(p for p in (source_file, sheet, cell if isinstance(cell, str) else None) if p)
    return f"{where} (load {load_id})"


def known_indicator(indicator: object) -> bool:
    """An indicator the catalogue lists (a hand-edited URL or a stale control may name any text)."""
    return isinstance(indicator, str) and indicator in set(queries.indicators()["code"])


@cache.memoize()
def indicator_meta(indicator: str) -> dict:
    """One indicator's catalogue row as a dict."""
    return queries.indicators().set_index("code").loc[indicator].to_dict()


@cache.memoize()
def region_names(lang: str) -> dict[str, str]:
    frame = queries.regions()
    names = zip(frame["code"], frame["name_ru"], frame["name_en"], strict=True)
    return {code: pick(lang, ru, en) for code, ru, en in names}


def _sources(frame: pd.DataFrame, transform: str, lang: str) -> list:
    items = [(f"Росстат · {edition_label(e, lang)}" if lang == "ru" else f"Rosstat · {edition_label(e, lang)}",
              None) for e in sorted(frame["edition"].unique())]
    if transform == "per_capita":
        items.append((tx("population_note", lang), None))
    return source_line(items, lang, "card.sources")


def _hover(unit: str, lang: str, axis: str = "y") -> str:
    return ("<b>%{customdata[0]}</b><br>" + f"{t('card.value', lang)}: " + "%{" + axis + ":,.6~g} " + unit
            + f"<br>{t('card.period', lang)}: " + "%{customdata[1]}"
            + f"<br>{t('card.edition', lang)}: " + "%{customdata[2]}"
            + f"<br>{t('card.source', lang)}: " + "%{customdata[3]}<extra></extra>")


def _customdata(frame: pd.DataFrame, lang: str) -> list[list]:
    labels = {e: edition_label(e, lang) for e in frame["edition"].unique()}
    return [[region, period, labels[edition], source] for region, period, edition, source
            in zip(frame["region"], frame["period"], frame["edition"], frame["source"], strict=True)]


def _values(series: pd.Series) -> list:
    """Plain floats with None for gaps (a figure dict must not carry NaN)."""
    return [None if v != v else float(v) for v in series.astype("float64")]


# Figures are plotly figure dicts (dashboard.figure_dicts; tests validate them with go.Figure).
def _line_figure(frame: pd.DataFrame, unit: str, lang: str, monthly: bool,
                 regions: tuple[str, ...]) -> dict:
    editions = sorted(frame["edition"].unique())
    labels = {e: edition_label(e, lang) for e in editions}
    order = {code: n for n, code in enumerate(regions)}
    series: dict[tuple[str, str], list] = {}
    columns = ("region_code", "edition", "period", "year", "value", "region", "source")
    for code, edition, period, year, value, region, source in zip(*(frame[c].tolist() for c in columns),
                                                                  strict=True):
        series.setdefault((code, edition), []).append((period, year, value, region, source))
    traces = []
    for (code, edition) in sorted(series, key=lambda key: (order.get(key[0], len(order)), key[1])):
        points = sorted(series[(code, edition)])
        label = points[0][3] + (f" · {edition_short(edition, lang)}" if len(editions) > 1 else "")
        traces.append({
            "type": "scatter", "name": label, "mode": "lines+markers", "connectgaps": False,
            "x": [f"{p[0]}-01" if monthly else int(p[1]) for p in points],
            "y": [None if p[2] is None or p[2] != p[2] else float(p[2]) for p in points],
            "line": {"color": colour_for(code, order.get(code, 0)), "width": 3 if code == KALUGA_CODE else 1.8,
                     "dash": "solid" if edition == editions[-1] else "dot"},
            "marker": {"size": 5},
            "customdata": [[p[3], p[0], labels[edition], p[4]] for p in points],
            "hovertemplate": _hover(unit, lang),
        })
    layout = base_layout(lang, 460, yaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee"})
    return plain.figure(traces, layout)


def _ranking_figure(frame: pd.DataFrame, unit: str, lang: str, year: int | None) -> dict:
    ranked = frame.dropna(subset=["value"]).sort_values("value")
    n = len(ranked)
    codes = ranked["region_code"].tolist()
    title = (tx("kaluga_rank", lang, rank=n - codes.index(KALUGA_CODE), n=n, year=year) if KALUGA_CODE in codes
             else tx("kaluga_missing", lang, year=year))
    bar = {"type": "bar", "x": _values(ranked["value"]), "y": ranked["region"].tolist(), "orientation": "h",
           "marker": {"color": [KALUGA_COLOUR if c == KALUGA_CODE else MUTED for c in codes]},
           "customdata": _customdata(ranked, lang), "hovertemplate": _hover(unit, lang, "x")}
    layout = base_layout(lang, max(460, 14 * n + 80), margin={"l": 200, "r": 16, "t": 40, "b": 40},
                         title={"text": title, "font": {"size": 14, "color": KALUGA_COLOUR}, "x": 0},
                         yaxis={"tickfont": {"size": 10}, "automargin": True},
                         xaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee"})
    return plain.figure([bar], layout)


def _map_figure(frame: pd.DataFrame, unit: str, lang: str) -> dict:
    geojson = russia_regions_url()  # the browser fetches and caches the boundaries once, not in every figure
    if geojson is None:
        return plain.empty(tx("no_map", lang), lang, 460)
    shown = frame.dropna(subset=["value"])
    choropleth = {
        "type": "choropleth", "geojson": geojson, "featureidkey": "properties.code",
        "locations": shown["region_code"].tolist(), "z": _values(shown["value"]), "colorscale": "Cividis",
        "marker": {"line": {"width": 0.4, "color": "#ffffff"}},
        "colorbar": {"title": {"text": unit, "side": "right"}, "thickness": 12},
        "customdata": _customdata(shown, lang), "hovertemplate": _hover(unit, lang, "z"),
    }
    outline = {"type": "choropleth", "geojson": geojson, "featureidkey": "properties.code",
               "locations": [KALUGA_CODE], "z": [0], "showscale": False,
               "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
               "marker": {"line": {"width": 2.5, "color": KALUGA_COLOUR}}, "hoverinfo": "skip"}
    layout = base_layout(lang, 460, margin={"l": 0, "r": 0, "t": 0, "b": 0},
                         geo={"fitbounds": "locations", "visible": False,
                              "projection": {"type": "conic conformal", "parallels": [52, 64]}})
    return plain.figure([choropleth, outline], layout)


def _table_figure(frame: pd.DataFrame, lang: str) -> dict:
    table = frame.pivot_table(index="region", columns="period", values="value", aggfunc="first")
    cells = [[format_number(v, lang) if pd.notna(v) else t("value.missing", lang) for v in table[c]]
             for c in table.columns]
    figure = {"type": "table",
              "header": {"values": ["", *map(str, table.columns)], "fill": {"color": "#eef1f4"}, "align": "left"},
              "cells": {"values": [list(table.index), *cells], "align": ["left", "right"]}}
    return plain.figure([figure], base_layout(lang, 460, margin={"l": 0, "r": 0, "t": 0, "b": 0}))
