"""Regional indicators: pick an indicator and regions; line, ranking, map or table; transforms."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html

from dashboard import queries
from dashboard.cache import cache
from dashboard.components import chart_card, chart_outputs, chart_result, source_line, sync_url, url_state
from dashboard.editions import edition_label, edition_short
from dashboard.figures import KALUGA_COLOUR, MUTED, base_layout, colour_for, empty_figure
from dashboard.geo import russia_regions
from dashboard.i18n import format_number, normalise_language, pick, t
from dashboard.transforms import POPULATION_INDICATOR, TRANSFORMS, apply_transform, per_capita_allowed
from etl.regions import KALUGA_CODE

dash.register_page(__name__, path="/indicators", order=1, label_key="nav.indicators",
                   title="Regional indicators — Kaluga Cluster Atlas")

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


def tx(key: str, lang: str, **kwargs) -> str:
    return TEXT[key][lang].format(**kwargs)


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


def _int(value: object, default: int | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def layout(indicator: str | None = None, regions: str | None = None, years: str | None = None,
           view: str | None = None, transform: str | None = None,
           year: str | None = None, edition: str | None = None, lang: str | None = None,
           **_ignored) -> html.Div:
    lang = normalise_language(lang)
    catalogue = queries.indicators()
    codes = set(catalogue["code"])
    indicator = indicator if indicator in codes else DEFAULT_INDICATOR
    meta = catalogue.set_index("code").loc[indicator]
    first, last = int(meta["first_year"]), int(meta["last_year"])
    start, end = ([*(years or "").split(","), None, None])[:2]
    start_year = min(max(_int(start, first), first), last)
    end_year = max(min(_int(end, last), last), start_year)
    known_regions = set(queries.regions()["code"])
    chosen = [r for r in _split(regions, DEFAULT_REGIONS) if r in known_regions] or list(DEFAULT_REGIONS)
    editions = queries.editions(indicator)
    return html.Div([
        url_state(PAGE),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
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
                       value=str(_int(year, last)) if first <= _int(year, last) <= last else str(last)),
            dmc.Select(id=f"{PAGE}-edition", label=tx("edition", lang), w=260, clearable=True,
                       placeholder=tx("all_editions", lang),
                       data=[{"value": e, "label": edition_label(e, lang)} for e in editions],
                       value=edition if edition in editions else None),
        ]),
        chart_card(CARD, pick(lang, meta["name_ru"], meta["name_en"]), lang, height=460),
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
    meta = queries.indicators().set_index("code").loc[indicator]
    first, last = int(meta["first_year"]), int(meta["last_year"])
    marks = [{"value": first, "label": str(first)}, {"value": last, "label": str(last)}]
    editions = [{"value": e, "label": edition_label(e, lang)} for e in queries.editions(indicator)]
    return (first, last, marks, [str(y) for y in range(last, first - 1, -1)], editions,
            pick(lang, meta["name_ru"], meta["name_en"]))


@callback(
    *chart_outputs(CARD),
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
    return render_view(indicator, tuple(regions or ()), _int(years[0], None), _int(years[1], None), view,
                       transform, _int(year, None), edition or None, normalise_language(lang))


@cache.memoize()
def render_view(indicator: str, regions: tuple[str, ...], start: int | None, end: int | None, view: str,
                transform: str, year: int | None, edition: str | None, lang: str) -> tuple:
    """Figure, source line, unit and the rows shown, for one state of the page's controls."""
    meta = queries.indicators().set_index("code").loc[indicator]
    unit = pick(lang, meta["unit_ru"], meta["unit_en"]) or ""
    if transform == "per_capita" and not per_capita_allowed(meta["unit_ru"]):
        return _empty(tx("per_capita_na", lang), lang, unit, indicator)
    if view in ("ranking", "map"):
        frame = _cross_section(indicator, year, edition, transform, start)
        regions = tuple(frame["region_code"].unique())
    else:
        frame = queries.observations(indicator, regions, start, end, edition)
        frame = _transform(frame, transform, start, regions)
    unit = _unit_label(unit, transform, start, lang)
    if frame.empty or frame["value"].notna().sum() == 0:
        return _empty(t("empty.no_data", lang), lang, unit, indicator)
    names = queries.regions().set_index("code")
    frame = frame.assign(region=[pick(lang, names.at[c, "name_ru"], names.at[c, "name_en"])
                                 for c in frame["region_code"]])
    frame["source"] = [_cell_source(r) for r in frame.itertuples()]
    if view == "ranking":
        figure = _ranking_figure(frame, unit, lang, year)
    elif view == "map":
        figure = _map_figure(frame, unit, lang)
    elif view == "table":
        figure = _table_figure(frame, lang)
    else:
        figure = _line_figure(frame, unit, lang, meta["frequency"] == "month", regions)
    shown = frame[["region_code", "region", "period", "value", "status", "edition", "source"]]
    return chart_result(figure, shown, _sources(frame, transform, lang), unit,
                        f"{indicator}_{view}_{transform}.csv")


def _empty(message: str, lang: str, unit: str, indicator: str) -> tuple:
    return chart_result(empty_figure(message, lang, 460), pd.DataFrame(), [], unit, f"{indicator}.csv")


def _transform(frame: pd.DataFrame, transform: str, start: int | None, regions) -> pd.DataFrame:
    if frame.empty or transform == "published":
        return frame
    population = queries.observations(POPULATION_INDICATOR, tuple(regions)) if transform == "per_capita" else None
    return apply_transform(frame, transform, start, population)


def _cross_section(indicator: str, year: int | None, edition: str | None, transform: str,
                   start: int | None) -> pd.DataFrame:
    """All federal subjects for one year, in the chosen (else the newest) edition with that year."""
    regions = queries.regions()
    subjects = tuple(regions.loc[regions["kind"] == "region", "code"])
    frame = queries.observations(indicator, subjects, min(year, start or year) - 1 if year else None, year)
    if frame.empty:
        return frame
    chosen = edition or sorted(frame.loc[frame["year"] == year, "edition"].unique())[-1:] or [None]
    chosen = chosen if isinstance(chosen, str) else chosen[0]
    frame = frame[frame["edition"] == chosen]
    frame = _transform(frame, transform, start, subjects)
    return frame[frame["year"] == year]


def _unit_label(unit: str, transform: str, start: int | None, lang: str) -> str:
    if transform == "per_capita":
        return f"{unit} {tx('per_capita_unit', lang)}"
    if transform == "index":
        return tx("index_unit", lang, year=start)
    if transform == "yoy":
        return tx("yoy_unit", lang)
    return unit


def _cell_source(row) -> str:
    where = ", ".join(p for p in (row.source_file, row.source_sheet and f"sheet {row.source_sheet}",
                                  row.source_cell) if p)
    return f"{where} (load {row.load_id})"


def _sources(frame: pd.DataFrame, transform: str, lang: str) -> list:
    items = [(f"Росстат · {edition_label(e, lang)}" if lang == "ru" else f"Rosstat · {edition_label(e, lang)}",
              None) for e in sorted(frame["edition"].unique())]
    if transform == "per_capita":
        items.append((tx("population_note", lang), None))
    return source_line(items, lang, "card.sources")


def _hover(unit: str, lang: str) -> str:
    return ("<b>%{customdata[0]}</b><br>" + f"{t('card.value', lang)}: " + "%{y:,.6~g} " + unit
            + f"<br>{t('card.period', lang)}: " + "%{customdata[1]}"
            + f"<br>{t('card.edition', lang)}: " + "%{customdata[2]}"
            + f"<br>{t('card.source', lang)}: " + "%{customdata[3]}<extra></extra>")


def _line_figure(frame: pd.DataFrame, unit: str, lang: str, monthly: bool,
                 regions: tuple[str, ...]) -> go.Figure:
    traces = []
    editions = sorted(frame["edition"].unique())
    order = {code: n for n, code in enumerate(regions)}
    frame = frame.assign(_order=frame["region_code"].map(order)).sort_values(["_order", "edition"])
    for (region_code, edition), part in frame.groupby(["region_code", "edition"], sort=False):
        part = part.sort_values("period")
        x = (part["period"] + "-01") if monthly else part["year"]
        colour = colour_for(region_code, order[region_code])
        label = part["region"].iat[0] + (f" · {edition_short(edition, lang)}" if len(editions) > 1 else "")
        traces.append(go.Scatter(
            x=x, y=part["value"], name=label, mode="lines+markers",
            line={"color": colour, "width": 3 if region_code == KALUGA_CODE else 1.8,
                  "dash": "solid" if edition == editions[-1] else "dot"},
            marker={"size": 5}, connectgaps=False,
            customdata=list(zip(part["region"], part["period"],
                                [edition_label(e, lang) for e in part["edition"]], part["source"], strict=True)),
            hovertemplate=_hover(unit, lang),
        ))
    layout = base_layout(lang, 460, yaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee"})
    return go.Figure(traces, layout)


def _ranking_figure(frame: pd.DataFrame, unit: str, lang: str, year: int | None) -> go.Figure:
    ranked = frame.dropna(subset=["value"]).sort_values("value")
    n = len(ranked)
    colours = [KALUGA_COLOUR if c == KALUGA_CODE else MUTED for c in ranked["region_code"]]
    kaluga = ranked.reset_index(drop=True).index[ranked["region_code"].to_numpy() == KALUGA_CODE]
    title = (tx("kaluga_rank", lang, rank=n - int(kaluga[0]), n=n, year=year) if len(kaluga)
             else tx("kaluga_missing", lang, year=year))
    bar = go.Bar(x=ranked["value"], y=ranked["region"], orientation="h", marker={"color": colours},
                 customdata=list(zip(ranked["region"], ranked["period"],
                                     [edition_label(e, lang) for e in ranked["edition"]], ranked["source"],
                                     strict=True)),
                 hovertemplate=_hover(unit, lang).replace("%{y:,.6~g}", "%{x:,.6~g}"))
    height = max(460, 14 * n + 80)
    layout = base_layout(lang, height, margin={"l": 200, "r": 16, "t": 40, "b": 40},
                         title={"text": title, "font": {"size": 14, "color": KALUGA_COLOUR}, "x": 0},
                         yaxis={"tickfont": {"size": 10}, "automargin": True},
                         xaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee"})
    return go.Figure([bar], layout)


def _map_figure(frame: pd.DataFrame, unit: str, lang: str) -> go.Figure:
    geojson = russia_regions()
    if geojson is None:
        return empty_figure(tx("no_map", lang), lang, 460)
    shown = frame.dropna(subset=["value"])
    choropleth = go.Choropleth(
        geojson=geojson, featureidkey="properties.code", locations=shown["region_code"], z=shown["value"],
        colorscale="Cividis", marker={"line": {"width": 0.4, "color": "#ffffff"}},
        colorbar={"title": {"text": unit, "side": "right"}, "thickness": 12},
        customdata=list(zip(shown["region"], shown["period"], [edition_label(e, lang) for e in shown["edition"]],
                            shown["source"], strict=True)),
        hovertemplate=_hover(unit, lang).replace("%{y:,.6~g}", "%{z:,.6~g}"),
    )
    outline = go.Choropleth(geojson=geojson, featureidkey="properties.code", locations=[KALUGA_CODE], z=[0],
                            showscale=False, colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                            marker={"line": {"width": 2.5, "color": KALUGA_COLOUR}}, hoverinfo="skip")
    layout = base_layout(lang, 460, margin={"l": 0, "r": 0, "t": 0, "b": 0},
                         geo={"fitbounds": "locations", "visible": False,
                              "projection": {"type": "conic conformal", "parallels": [52, 64]}})
    return go.Figure([choropleth, outline], layout)


def _table_figure(frame: pd.DataFrame, lang: str) -> go.Figure:
    table = frame.pivot_table(index="region", columns="period", values="value", aggfunc="first")
    cells = [[format_number(v, lang) if pd.notna(v) else t("value.missing", lang) for v in table[c]]
             for c in table.columns]
    figure = go.Table(header={"values": ["", *map(str, table.columns)], "fill": {"color": "#eef1f4"},
                              "align": "left"},
                      cells={"values": [list(table.index), *cells], "align": ["left", "right"]})
    return go.Figure([figure], base_layout(lang, 460, margin={"l": 0, "r": 0, "t": 0, "b": 0}))
