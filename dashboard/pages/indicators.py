"""Regional indicators: pick an indicator and regions; line, ranking, map, scatter or table; transforms.

Rules the page states where they apply: per capita only for totals (additive indicators), divided by the
average annual population of the same year; rankings and maps for one period of the indicator's own kind
(one month of a monthly indicator); year on year from Rosstat's published index where the database holds
one, else derived from the levels and labelled so; with every edition shown, the newest edition wins.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html

from dashboard import api, queries
from dashboard import figure_dicts as plain
from dashboard.cache import cache
from dashboard.components import (
    api_links,
    api_outputs,
    card_note,
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
from dashboard.figures import (
    FONT_SIZE,
    KALUGA_COLOUR,
    MUTED,
    base_layout,
    fit_text,
    log_ticks,
    narrow,
    spread,
    text_width,
)
from dashboard.geo import russia_regions_url
from dashboard.i18n import (
    axis_number_format,
    format_date,
    format_number,
    format_period,
    normalise_language,
    page_text,
    pick,
    t,
    topic_label,
)
from dashboard.model.observations import cross_section_edition, edition_age, newest_wins
from dashboard.model.scorecard import HEADLINES
from dashboard.titles import page_title
from dashboard.transforms import POPULATION_INDICATOR, TRANSFORMS, per_capita_offered, transformed
from etl.regions import KALUGA_CODE

dash.register_page(__name__, path="/indicators", order=1, label_key="nav.indicators",
                   title=page_title("nav.indicators"))

PAGE = "indicators"
CARD = "indicators-chart"
# GRP per capita: comparable across regions of any size, Russia and the districts included.
DEFAULT_INDICATOR = "grp_per_capita"
NEIGHBOURS = ("RU-MOS", "RU-TUL", "RU-ORL", "RU-BRY", "RU-SMO")
# Kaluga, the five regions it borders and Russia; for a total (GRP itself) Russia goes on its own axis.
DEFAULT_REGIONS = (KALUGA_CODE, *NEIGHBOURS, "RU")
# Regions with pharmaceutical clusters of their own, the usual peers in the cluster's own comparisons.
PEERS = ("RU-YAR", "RU-SPE", "RU-MOS", "RU-TOM", "RU-NVS")
VIEWS = ("line", "ranking", "map", "scatter", "table")
CROSS_VIEWS = ("ranking", "map", "scatter")
HEIGHT = 460
# The line chart's plot stands PLOT_TOP px under the chart's top and PLOT_BOTTOM px over its bottom; the labels at its
# line ends are 12 px bold (14 px tall), their centres LABEL_GAP px apart at least.
PLOT_TOP, PLOT_BOTTOM = 36, 72
PLOT_HEIGHT = HEIGHT - PLOT_TOP - PLOT_BOTTOM
LABEL_SIZE, LABEL_GAP = 12, 16
# The widest a line-end label may be (px, as text_width reckons it): "Российская Федерация", "Central Federal District"
# in full.
END_LABEL_WIDTH = 185
# Right of a right axis's tick labels plotly leaves 10 px, draws its title (a 13 px line, 19 px across), and the labels
# start 6 px further.
RIGHT_AXIS_TITLE = 35
# On a log scale a tick label (13 px) stands LOG_TICK_GAP px from the next at least; on a phone (11 px) the legend under
# the chart leaves the plot about 220 px of its height with seven series, and ticks are chosen NARROW_LOG_TICK_GAP px
# apart on NARROW_PLOT_HEIGHT px, so that more series (a taller legend) still leave them apart.
LOG_TICK_GAP, NARROW_LOG_TICK_GAP, NARROW_PLOT_HEIGHT = 30, 24, 180
# A legend entry's line sample and the room around its text, px.
LEGEND_SYMBOL = 50
BAR_HEIGHT = 17
MAP_BINS = 5
# Viridis in five steps: ordered in lightness, readable with the common colour blindnesses and in greyscale.
BIN_COLOURS = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
AGGREGATE_KINDS = ("country", "federal_district", "economic_region", "region_group")
PERIOD_WORDS = {"year": ("год", "year"), "month": ("месяц", "month"), "quarter": ("квартал", "quarter"),
                "half_year": ("полугодие", "half-year"), "ytd": ("с начала года", "year-to-date period"),
                "point": ("дата", "date")}

TEXT = {
    "title": {"ru": "Показатели регионов", "en": "Regional indicators"},
    "lead": {"ru": "Официальная статистика Росстата по всем регионам России; Калужская область выделена.",
             "en": "Rosstat's official statistics for every region of Russia; Kaluga Oblast highlighted."},
    "indicator": {"ru": "Показатель", "en": "Indicator"},
    "nothing_loaded": {"ru": "В базе данных пока нет региональной статистики: её добавит загрузка данных.",
                       "en": "The database holds no regional statistics yet: a data load adds them."},
    "indicator_hint": {"ru": "Главные показатели; введите слово из названия, чтобы искать среди всех ({count})",
                       "en": "Headline indicators; type a word of the name to search all {count}"},
    "indicator_none": {"ru": "Нет показателя с такими словами", "en": "No indicator with these words"},
    "regions": {"ru": "Регионы", "en": "Regions"},
    "group": {"ru": "Выбрать группу", "en": "Pick a group"},
    "group_neighbours": {"ru": "Калужская область и соседи", "en": "Kaluga Oblast and its neighbours"},
    "group_peers": {"ru": "Регионы с фармкластерами (Ярославская, Санкт-Петербург, Московская, Томская, "
                          "Новосибирская)",
                    "en": "Regions with pharmaceutical clusters (Yaroslavl, St Petersburg, Moscow Oblast, Tomsk, "
                          "Novosibirsk)"},
    "group_russia": {"ru": "Калужская область, ЦФО и Россия", "en": "Kaluga Oblast, Central FD and Russia"},
    "group_district": {"ru": "Все регионы: {name}", "en": "Every region of the {name}"},
    "optgroup_kaluga": {"ru": "Калужская область и соседи", "en": "Kaluga Oblast and neighbours"},
    "optgroup_totals": {"ru": "Россия и федеральные округа", "en": "Russia and federal districts"},
    "years": {"ru": "Годы", "en": "Years"},
    "year": {"ru": "Период (рейтинг, карта, точки)", "en": "Period (ranking, map, scatter)"},
    "play": {"ru": "▶ Анимация", "en": "▶ Play"},
    "pause": {"ru": "❚❚ Пауза", "en": "❚❚ Pause"},
    "view": {"ru": "Вид", "en": "View"},
    "transform": {"ru": "Преобразование", "en": "Transform"},
    "edition": {"ru": "Издание", "en": "Edition"},
    "all_editions": {"ru": "Все издания", "en": "All editions"},
    "log": {"ru": "Логарифмическая шкала", "en": "Log scale"},
    "vs": {"ru": "Против показателя (ось Y)", "en": "Against indicator (y axis)"},
    "size": {"ru": "Размер точки", "en": "Point size"},
    "size_none": {"ru": "Одинаковый", "en": "Same for all"},
    "copy": {"ru": "Скопировать ссылку", "en": "Copy link"},
    "copied": {"ru": "Ссылка скопирована", "en": "Link copied"},
    "line": {"ru": "Динамика", "en": "Line"},
    "ranking": {"ru": "Рейтинг", "en": "Ranking"},
    "map": {"ru": "Карта", "en": "Map"},
    "scatter": {"ru": "Точки", "en": "Scatter"},
    "table": {"ru": "Таблица", "en": "Table"},
    "published": {"ru": "Как опубликовано", "en": "As published"},
    "per_capita": {"ru": "На 1000 жителей", "en": "Per 1,000 people"},
    "index": {"ru": "Индекс (база = 100)", "en": "Index (base = 100)"},
    "yoy": {"ru": "Изм. к прошлому году, %", "en": "Year on year, %"},
    "per_capita_unit": {"ru": "на 1000 жителей", "en": "per 1,000 people"},
    "index_unit": {"ru": "индекс, {year} = 100", "en": "index, {year} = 100"},
    "yoy_unit": {"ru": "% к тому же периоду прошлого года", "en": "% change on the same period a year earlier"},
    "yoy_unit_derived": {"ru": "% к тому же периоду прошлого года (расчёт по уровням)",
                         "en": "% change on the same period a year earlier (derived from the levels)"},
    "per_capita_na": {"ru": "Расчёт на 1000 жителей — только для итоговых (суммируемых) показателей; "
                            "этот показатель — ставка, средняя, доля или индекс",
                      "en": "Per 1,000 people is offered only for totals (additive indicators); this one is a "
                            "rate, average, share or index"},
    "kaluga_rank": {"ru": "Калужская область: {rank}-е место из {n} ({year})",
                    "en": "Kaluga Oblast: rank {rank} of {n} ({year})"},
    "kaluga_missing": {"ru": "Калужская область: нет данных за {year}", "en": "Kaluga Oblast: no data for {year}"},
    "no_map": {"ru": "Границы регионов не загружены", "en": "Region boundaries are not bundled"},
    "no_period": {"ru": "У показателя нет опубликованных значений", "en": "The indicator has no published figure"},
    "no_common": {"ru": "Нет регионов с обоими показателями за {period}",
                  "en": "No region has both indicators for {period}"},
    "right_axis": {"ru": "{names} — правая ось", "en": "{names}: right axis"},
    "legend_right": {"ru": "{name} (правая ось)", "en": "{name} (right axis)"},
    "footer": {"ru": "Источник: {editions} · обновлено {updated}", "en": "Source: {editions} · last updated {updated}"},
    "and_more": {"ru": "{first} и ещё {n}", "en": "{first} and {n} more"},
    "subtitle": {"ru": "{regions}; {years}; {transform}", "en": "{regions}; {years}; {transform}"},
    "subtitle_cross": {"ru": "Все регионы; {period}; {transform}", "en": "Every region; {period}; {transform}"},
    "note_editions": {"ru": "Издания объединены: где они расходятся, показано значение новейшего издания "
                            "(выберите издание, чтобы увидеть одно).",
                      "en": "Editions merged: where they differ, the newest edition's figure is shown "
                            "(pick an edition to see one)."},
    "note_edition_rows": {"ru": "Каждое издание — отдельной строкой.", "en": "Every edition in its own row."},
    "note_population": {"ru": "На 1000 человек среднегодовой численности населения того же года ({source}).",
                        "en": "Per 1,000 people of the average annual population of the same year ({source})."},
    "note_no_population": {"ru": "Нет численности населения для: {names} — не показаны на душу населения.",
                           "en": "No population figure for: {names}; not shown per capita."},
    "note_cross": {"ru": "Один период ({kind}): {period}; все регионы; {edition}.",
                   "en": "One {kind}: {period}; every region; {edition}."},
    "note_yoy_published": {"ru": "Изменение к прошлому году — опубликованный Росстатом индекс «{name}» минус 100.",
                           "en": "Year on year is Rosstat's published index \u201c{name}\u201d minus 100."},
    "note_yoy_derived": {"ru": "Изменение к прошлому году рассчитано по уровням (Росстат не публикует индекс "
                               "для этого показателя).",
                         "en": "Year on year is derived from the levels (Rosstat publishes no index for this "
                               "indicator)."},
    "note_aggregates": {"ru": "Россия и округа — на правой оси: их итоги на порядки больше региональных.",
                        "en": "Russia and districts on the right axis: their totals dwarf a region's."},
    "note_per_capita_only_totals": {"ru": "На 1000 жителей — только для итоговых показателей.",
                                    "en": "Per 1,000 people: offered for totals only."},
}


tx = page_text(TEXT)


# --- the catalogue, periods, names -------------------------------------------------------------------------

def known_indicator(indicator: object) -> bool:
    """An indicator the catalogue lists (a hand-edited URL or a stale control may name any text)."""
    return isinstance(indicator, str) and len(indicator) <= 200 and queries.indicator(indicator) is not None


@cache.memoize()
def _catalogue() -> dict[str, dict]:
    frame = queries.indicators()
    return {row["code"]: row for row in frame.to_dict("records")}


def _fallback_indicator() -> str | None:
    """The indicator a page without a (known) one shows: the default, else the catalogue's first, else None."""
    if known_indicator(DEFAULT_INDICATOR):
        return DEFAULT_INDICATOR
    return next(iter(_catalogue()), None)


def indicator_meta(indicator: str) -> dict:
    """One indicator's catalogue row as a dict."""
    meta = queries.indicator(indicator)
    if meta is None:
        raise KeyError(indicator)
    return meta


def additive(indicator: str) -> bool:
    """Per capita is offered only for totals: the registry's additive flag, and never population itself (the
    rule the API's transform=per_capita applies too: dashboard.transforms.per_capita_offered)."""
    meta = indicator_meta(indicator)
    return per_capita_offered(indicator, meta.get("additive"), meta.get("unit_ru"))


def periods(indicator: str) -> list[tuple[str, int, int]]:
    """(period, year, regions) of the indicator's published figures, oldest first."""
    return queries.periods(indicator) if known_indicator(indicator) else []


def default_period(indicator: str) -> str | None:
    """The newest period that most regions have (a preliminary figure for Russia alone is not a ranking)."""
    rows = periods(indicator)
    if not rows:
        return None
    most = max(n for _p, _y, n in rows)
    return next(p for p, _y, n in reversed(rows) if n >= most / 2)


def resolve_period(indicator: str, value: object) -> str | None:
    """A period of the indicator: the value if it is one; a bare year gives that year's newest; else the default."""
    rows = periods(indicator)
    text = str(value) if value not in (None, "") else ""
    codes = [p for p, _y, _n in rows]
    if text in codes:
        return text
    year = int_or(text[:4], None) if text else None
    in_year = [p for p, y, _n in rows if y == year]
    return in_year[-1] if in_year else default_period(indicator)


_PERIOD = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-Q([1-4])|-H([12])|-YTD(\d{2}))?")


def period_label(code: str | None, lang: str) -> str:
    """A period code in words (dashboard.i18n.format_period): 2017; March 2017 / март 2017; Q3 2017; ..."""
    return format_period(code, lang) if code else ""


def _period_x(period: str, kind: str) -> int | str:
    """Where a period sits on a time axis: the year for annual figures, else the date its period ends in."""
    if kind == "year":
        return int(period[:4])
    match = _PERIOD.fullmatch(period)
    if not match:
        return period
    year, month, day, quarter, half, ytd = match.groups()
    month = month or (f"{int(quarter) * 3:02d}" if quarter else f"{int(half) * 6:02d}" if half else ytd or "12")
    return f"{year}-{month}-{day or '01'}"


@cache.memoize()
def region_names(lang: str) -> dict[str, str]:
    return {row["code"]: pick(lang, row["name_ru"], row["name_en"]) for row in queries.region_rows()}


@cache.memoize()
def _region_kinds() -> dict[str, tuple[str, str | None]]:
    return {row["code"]: (row["kind"], row["parent_code"] if isinstance(row["parent_code"], str) else None)
            for row in queries.region_rows()}


@cache.memoize()
def federal_subjects() -> tuple[str, ...]:
    return tuple(code for code, (kind, _p) in _region_kinds().items() if kind == "region")


def _district_groups() -> list[tuple[str, list[str]]]:
    """Current federal districts with their subjects (historical compositions left out)."""
    kinds = _region_kinds()
    districts = [code for code, (kind, _p) in kinds.items()
                 if kind == "federal_district" and not code.startswith("X-") and code != "CrFD"]
    return [(d, [code for code, (kind, parent) in kinds.items() if kind == "region" and parent == d])
            for d in districts]


# --- layout --------------------------------------------------------------------------------------------------

SEARCH_RESULTS = 60


def _indicator_options(lang: str, current: str | None = None, search: str | None = None) -> list[dict]:
    """The indicator picker's options, grouped by topic: the headline indicators and the current one, or, while
    the user types, the indicators whose name holds the typed text (at most SEARCH_RESULTS, the current one
    kept so the picker can still show it).

    NOTE: the whole catalogue (1,155 names, 230 KB) as options cost 400-500 ms of main-thread time on every
    load of the page in headless Chromium here, before the first chart could draw; the server searches it.
    The match is the picker's own client-side filter (the trimmed text inside the label, ignoring case), so
    whatever the server returns the picker also shows.
    """
    catalogue = _catalogue()
    needle = (search or "").strip().casefold()
    if len(needle) >= 2:
        codes = [code for code, row in catalogue.items()
                 if needle in str(pick(lang, row["name_ru"], row["name_en"])).casefold()][:SEARCH_RESULTS]
    else:
        codes = [h.indicator for h in HEADLINES if h.indicator in catalogue]
    if current in catalogue and current not in codes:
        codes.insert(0, current)
    groups: dict[str, list] = {}
    for code in dict.fromkeys(codes):
        row = catalogue[code]
        groups.setdefault(row["topic"], []).append({"value": code, "label": pick(lang, row["name_ru"], row["name_en"])})
    return [{"group": topic_label(topic, lang), "items": items} for topic, items in sorted(groups.items())]


def _region_options(lang: str) -> list[dict]:
    """Regions grouped: Kaluga and neighbours, Russia and the districts, then each district's subjects."""
    names = region_names(lang)
    first = [KALUGA_CODE, *NEIGHBOURS]
    groups = [{"group": tx("optgroup_kaluga", lang), "items": [{"value": c, "label": names[c]} for c in first]}]
    districts = _district_groups()
    groups.append({"group": tx("optgroup_totals", lang),
                   "items": [{"value": c, "label": names[c]} for c in ["RU", *(d for d, _s in districts)]
                             if c in names]})
    for district, subjects in districts:
        items = [{"value": c, "label": names[c]} for c in subjects if c not in first]
        if items:
            groups.append({"group": names[district], "items": sorted(items, key=lambda i: i["label"])})
    return groups


def _group_options(lang: str) -> list[dict]:
    names = region_names(lang)
    options = [{"value": "neighbours", "label": tx("group_neighbours", lang)},
               {"value": "russia", "label": tx("group_russia", lang)},
               {"value": "peers", "label": tx("group_peers", lang)}]
    options += [{"value": f"district:{d}", "label": tx("group_district", lang, name=names.get(d, d))}
                for d, _s in _district_groups()]
    return options


def group_regions(group: str | None) -> list[str] | None:
    """The regions a group preset stands for (Kaluga always first); None for an unknown preset."""
    if group == "neighbours":
        return [KALUGA_CODE, *NEIGHBOURS]
    if group == "russia":
        return [KALUGA_CODE, "CFD", "RU"]
    if group == "peers":
        return [KALUGA_CODE, *PEERS]
    if group and group.startswith("district:"):
        subjects = dict(_district_groups()).get(group.split(":", 1)[1])
        if subjects is not None:
            return [KALUGA_CODE, *(c for c in subjects if c != KALUGA_CODE)]
    return None


def _split(value: str | None, default: tuple[str, ...]) -> list[str]:
    items = [v for v in (value or "").split(",") if v]
    return items or list(default)


def _transform_options(indicator: str, lang: str) -> list[dict]:
    allowed = additive(indicator)
    return [{"value": v, "label": tx(v, lang), "disabled": v == "per_capita" and not allowed} for v in TRANSFORMS]


def _period_options(indicator: str, lang: str) -> list[dict]:
    return [{"value": p, "label": period_label(p, lang)} for p, _y, _n in reversed(periods(indicator))]


def _year_bounds(indicator: str) -> tuple[int, int]:
    meta = indicator_meta(indicator)
    return int(meta["first_year"]), int(meta["last_year"])


def _scatter_data(view: str, chosen: str | None, lang: str) -> list[dict]:
    """The scatter's indicator choices: the whole catalogue in the scatter view, else only the chosen one
    (three copies of 1,155 options would triple the page's first answer)."""
    if view == "scatter":
        return _indicator_options(lang)
    if known_indicator(chosen):
        meta = indicator_meta(chosen)
        return [{"value": chosen, "label": pick(lang, meta["name_ru"], meta["name_en"])}]
    return []


def _marks(first: int, last: int) -> list[dict]:
    return [{"value": first, "label": str(first)}, {"value": last, "label": str(last)}]


@single_params
def layout(indicator: str | None = None, regions: str | None = None, years: str | None = None,
           view: str | None = None, transform: str | None = None,
           year: str | None = None, edition: str | None = None, lang: str | None = None,
           log: str | None = None, vs: str | None = None, size: str | None = None,
           **_ignored) -> html.Div:
    lang = normalise_language(lang)
    # An unknown code in a hand-edited or stale URL: said on the page, and the default indicator shown.
    unknown = indicator if indicator and not known_indicator(indicator) else None
    indicator = indicator if known_indicator(indicator) else _fallback_indicator()
    if indicator is None:  # no regional statistics loaded yet (a database being built, or reference data only)
        return html.Div([html.H1(tx("title", lang), className="page-title"),
                         html.P(tx("nothing_loaded", lang), className="empty-state", role="status")])
    meta = indicator_meta(indicator)
    first, last = _year_bounds(indicator)
    start_year, end_year = year_range(years, first, last)
    known_regions = set(region_names(lang))
    chosen = [r for r in _split(regions, DEFAULT_REGIONS) if r in known_regions] or list(DEFAULT_REGIONS)
    editions = queries.editions(indicator)
    transform = transform if transform in TRANSFORMS else "published"
    if transform == "per_capita" and not additive(indicator):
        transform = "published"
    view = view if view in VIEWS else "line"
    period = resolve_period(indicator, year)
    vs = vs if known_indicator(vs) else ("grp_per_capita" if known_indicator("grp_per_capita") else indicator)
    size = size if known_indicator(size) else None
    indicator_choices = _indicator_options(lang, indicator)
    return html.Div([
        url_state(PAGE),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
        html.P(t("card.unknown", lang).format(code=unknown[:80]), className="empty-state", role="status",
               id=f"{PAGE}-unknown") if unknown else None,
        # The answer first: what is shown (indicator, group) above the chart, the finer controls below it.
        html.Div(className="controls", children=[
            dmc.Select(id=f"{PAGE}-indicator", label=tx("indicator", lang), data=indicator_choices,
                       value=indicator, searchable=True, w=460, allowDeselect=False,
                       description=tx("indicator_hint", lang, count=format_number(len(_catalogue()), lang)),
                       nothingFoundMessage=tx("indicator_none", lang),
                       comboboxProps={"withinPortal": True}),
            dmc.Select(id=f"{PAGE}-group", label=tx("group", lang), data=_group_options(lang), value=None,
                       placeholder=tx("group", lang), w=260, clearable=True, comboboxProps={"withinPortal": True}),
            html.Div(className="indicators-share", children=[
                html.Button(tx("copy", lang), id=f"{PAGE}-copy", className="button-secondary", n_clicks=0),
                html.Span(id=f"{PAGE}-copy-status", role="status", className="indicators-copy-status",
                          title=tx("copied", lang)),
            ]),
        ]),
        html.P(id=f"{PAGE}-subtitle", className="indicators-subtitle"),
        # The ranking's line on Kaluga's place is HTML above the chart, not the figure's title: a plotly title is
        # one line of SVG that a phone cuts at its edge and the top axis's tick labels and the modebar overprint.
        # As the card's note line, the PNG and SVG exports still carry it.
        chart_card(CARD, pick(lang, meta["name_ru"], meta["name_en"]), lang, height=HEIGHT, api=True,
                   controls=[card_note(f"{PAGE}-rank", "indicators-rank")]),
        html.Div(className="controls indicators-below", children=[
            html.Div([dmc.Text(tx("view", lang), size="sm", fw=500),
                      dmc.SegmentedControl(id=f"{PAGE}-view", value=view,
                                           data=[{"value": v, "label": tx(v, lang)} for v in VIEWS])]),
            html.Div([dmc.Text(tx("transform", lang), size="sm", fw=500),
                      dmc.SegmentedControl(id=f"{PAGE}-transform", value=transform,
                                           data=_transform_options(indicator, lang))]),
            dmc.Switch(id=f"{PAGE}-log", label=tx("log", lang), checked=log in ("true", "1"), mt=24),
        ]),
        html.Div(className="controls indicators-time", children=[
            html.Div(className="indicators-years", children=[
                dmc.Text(tx("years", lang), size="sm", fw=500),
                dmc.RangeSlider(id=f"{PAGE}-years", min=first, max=last, step=1, minRange=0,
                                value=[start_year, end_year], w=280, marks=_marks(first, last),
                                thumbFromLabel=tx("years", lang), thumbToLabel=tx("years", lang)),
            ]),
            dmc.Select(id=f"{PAGE}-year", label=tx("year", lang), w=220, allowDeselect=False,
                       data=_period_options(indicator, lang), value=period,
                       comboboxProps={"withinPortal": True}),
            html.Button(tx("play", lang), id=f"{PAGE}-play", className="button-secondary indicators-play",
                        n_clicks=0, **{"aria-pressed": "false"}),
            dcc.Interval(id=f"{PAGE}-play-timer", interval=1400, disabled=True),
            dmc.Select(id=f"{PAGE}-edition", label=tx("edition", lang), w=260, clearable=True,
                       placeholder=tx("all_editions", lang),
                       data=[{"value": e, "label": edition_label(e, lang)} for e in editions],
                       value=edition if edition in editions else None, comboboxProps={"withinPortal": True}),
        ]),
        html.Div(className="controls", children=[
            dmc.MultiSelect(id=f"{PAGE}-regions", label=tx("regions", lang), data=_region_options(lang),
                            value=chosen, searchable=True, clearable=True, w=720,
                            comboboxProps={"withinPortal": True}),
        ]),
        html.Div(id=f"{PAGE}-scatter-controls", className="controls",
                 style=None if view == "scatter" else {"display": "none"}, children=[
            dmc.Select(id=f"{PAGE}-vs", label=tx("vs", lang), data=_scatter_data(view, vs, lang), value=vs,
                       searchable=True, w=420, allowDeselect=False, comboboxProps={"withinPortal": True}),
            dmc.Select(id=f"{PAGE}-size", label=tx("size", lang), data=_scatter_data(view, size, lang), value=size,
                       placeholder=tx("size_none", lang), searchable=True, clearable=True, w=320,
                       comboboxProps={"withinPortal": True}),
        ]),
        html.Ul(id=f"{PAGE}-notes", className="indicators-notes"),
    ])


sync_url(PAGE, [("indicator", f"{PAGE}-indicator", "value"), ("regions", f"{PAGE}-regions", "value"),
                ("years", f"{PAGE}-years", "value"), ("view", f"{PAGE}-view", "value"),
                ("transform", f"{PAGE}-transform", "value"), ("year", f"{PAGE}-year", "value"),
                ("edition", f"{PAGE}-edition", "value"), ("log", f"{PAGE}-log", "checked"),
                ("vs", f"{PAGE}-vs", "value"), ("size", f"{PAGE}-size", "value")])


# --- controls: one callback keeps indicator, years, period and edition consistent --------------------------

def controls_for(indicator: str, years: list | None, period: str | None, edition: str | None, transform: str | None,
                 trigger: str | None, lang: str) -> dict:
    """What the controls show after `trigger` changed: years clamped to the indicator's range, a period of it
    (the shared time control: the period follows the end of the years, and the years' end follows the period),
    an edition that publishes it, a transform it allows."""
    first, last = _year_bounds(indicator)
    start, end = [*list(years or []), None, None][:2]
    start, end = year_range(f"{start},{end}", first, last)
    rows = periods(indicator)
    if trigger in ("indicator", "play") or period not in {p for p, _y, _n in rows}:
        period = resolve_period(indicator, period if trigger != "indicator" else None)
    if trigger == "play" and rows:
        codes = [p for p, y, _n in rows if y >= start]
        here = codes.index(period) if period in codes else -1
        period = codes[(here + 1) % len(codes)] if codes else period
        end = int(period[:4])
        start = min(start, end)
    elif trigger == "years" and rows:
        # Moving the end of the years moves the map: the newest period of that year.
        in_end = [p for p, y, _n in rows if y == end]
        if in_end and int(period[:4]) != end:
            period = in_end[-1]
    elif trigger in ("year", "indicator") and period:
        end = max(min(int(period[:4]), last), first)
        start = min(start, end)
    editions = queries.editions(indicator)
    return {"min": first, "max": last, "marks": _marks(first, last), "years": [start, end],
            "periods": _period_options(indicator, lang), "period": period,
            "editions": [{"value": e, "label": edition_label(e, lang)} for e in editions],
            "edition": edition if edition in editions else None,
            "transforms": _transform_options(indicator, lang),
            "transform": "published" if transform == "per_capita" and not additive(indicator) else transform}


@callback(
    Output(f"{PAGE}-years", "min"), Output(f"{PAGE}-years", "max"), Output(f"{PAGE}-years", "marks"),
    Output(f"{PAGE}-years", "value"), Output(f"{PAGE}-year", "data"), Output(f"{PAGE}-year", "value"),
    Output(f"{PAGE}-edition", "data"), Output(f"{PAGE}-edition", "value"),
    Output(f"{PAGE}-transform", "data"), Output(f"{PAGE}-transform", "value"),
    Input(f"{PAGE}-indicator", "value"), Input(f"{PAGE}-years", "value"), Input(f"{PAGE}-year", "value"),
    Input(f"{PAGE}-play-timer", "n_intervals"),
    State(f"{PAGE}-edition", "value"), State(f"{PAGE}-transform", "value"), State(f"{PAGE}-lang", "data"),
    prevent_initial_call=True,
)
def controls_changed(indicator, years, period, _tick, edition, transform, lang):
    if not known_indicator(indicator):
        return (dash.no_update,) * 10
    trigger = {f"{PAGE}-indicator": "indicator", f"{PAGE}-years": "years", f"{PAGE}-year": "year",
               f"{PAGE}-play-timer": "play"}.get(ctx.triggered_id)
    c = controls_for(indicator, years, period, edition, transform, trigger, normalise_language(lang))
    return (c["min"], c["max"], c["marks"], c["years"], c["periods"], c["period"], c["editions"], c["edition"],
            c["transforms"], c["transform"])


@callback(Output(f"{PAGE}-indicator", "data"), Input(f"{PAGE}-indicator", "searchValue"),
          State(f"{PAGE}-indicator", "value"), State(f"{PAGE}-lang", "data"), prevent_initial_call=True)
def search_indicators(search: object, current: object, lang: object) -> list[dict]:
    return _indicator_options(normalise_language(lang), current if known_indicator(current) else None,
                              search if isinstance(search, str) else None)


@callback(
    Output(f"{PAGE}-play-timer", "disabled"), Output(f"{PAGE}-play", "children"),
    Output(f"{PAGE}-play", "aria-pressed"),
    Input(f"{PAGE}-play", "n_clicks"), State(f"{PAGE}-lang", "data"),
    prevent_initial_call=True,
)
def play_pressed(clicks, lang):
    playing = bool(clicks) and clicks % 2 == 1
    return not playing, tx("pause" if playing else "play", lang), "true" if playing else "false"


@callback(
    Output(f"{PAGE}-regions", "value"), Output(f"{PAGE}-group", "value"),
    Input(f"{PAGE}-group", "value"),
    prevent_initial_call=True,
)
def group_picked(group):
    regions = group_regions(group)
    return (regions, None) if regions else (dash.no_update, dash.no_update)


@callback(Output(f"{PAGE}-scatter-controls", "style"), Output(f"{PAGE}-vs", "data"), Output(f"{PAGE}-size", "data"),
          Input(f"{PAGE}-view", "value"), State(f"{PAGE}-vs", "value"), State(f"{PAGE}-size", "value"),
          State(f"{PAGE}-lang", "data"), prevent_initial_call=True)
def scatter_controls(view, vs, size, lang):
    if view != "scatter":
        return {"display": "none"}, dash.no_update, dash.no_update
    lang = normalise_language(lang)
    return None, _scatter_data(view, vs, lang), _scatter_data(view, size, lang)


# Copy the page's address (every control is in it); the clipboard API needs a secure context, so a hidden text
# area and execCommand stand in on plain http.
clientside_callback(
    """function (n, done) {
        if (!n) { return ""; }
        var url = window.location.href;
        function fallback() {
            var area = document.createElement("textarea");
            area.value = url; area.setAttribute("readonly", ""); area.style.position = "absolute";
            area.style.left = "-9999px"; document.body.appendChild(area); area.select();
            try { document.execCommand("copy"); } catch (e) { /* the address bar still has it */ }
            document.body.removeChild(area);
        }
        try {
            if (navigator.clipboard && window.isSecureContext) {
                navigator.clipboard.writeText(url).catch(fallback);
            } else { fallback(); }
        } catch (e) { fallback(); }
        return done;
    }""",
    Output(f"{PAGE}-copy-status", "children"),
    Input(f"{PAGE}-copy", "n_clicks"),
    State(f"{PAGE}-copy-status", "title"),
    prevent_initial_call=True,
)


# --- the chart ------------------------------------------------------------------------------------------------

@callback(
    *chart_outputs(CARD)[:3],
    *api_outputs(CARD),
    Output(f"{PAGE}-rank", "children"), Output(f"{CARD}-graph", "style"), Output(f"{CARD}-title", "children"),
    Output(f"{PAGE}-subtitle", "children"), Output(f"{PAGE}-notes", "children"),
    Input(f"{PAGE}-indicator", "value"),
    Input(f"{PAGE}-regions", "value"),
    Input(f"{PAGE}-years", "value"),
    Input(f"{PAGE}-view", "value"),
    Input(f"{PAGE}-transform", "value"),
    Input(f"{PAGE}-year", "value"),
    Input(f"{PAGE}-edition", "value"),
    Input(f"{PAGE}-log", "checked"),
    Input(f"{PAGE}-vs", "value"),
    Input(f"{PAGE}-size", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_chart(indicator, regions, years, view, transform, year, edition, log, vs, size, lang):
    years = years or [None, None]
    result = render_view(indicator, tuple(regions or ()), int_or(years[0], None), int_or(years[1], None), view,
                         transform, year, edition or None, normalise_language(lang), bool(log), vs, size)
    figure, source, unit, csv_url, csv_name, api_url, rank, height, title, subtitle, notes = result
    return (figure, source, unit, csv_url, csv_name, api_url, rank, {"height": f"{height}px"}, title, subtitle,
            [html.Li(n) for n in notes])


@cache.memoize()
def render_view(indicator: str, regions: tuple[str, ...], start: int | None, end: int | None, view: str,
                transform: str, year: object, edition: str | None, lang: str, log: bool = False,
                vs: str | None = None, size: str | None = None) -> tuple:
    """Figure, source line, unit, the CSV link, file name and API link of the view (api_outputs), the ranking's
    line on Kaluga's place (else ""), the chart's height, title, subtitle and the notes stating the rules that
    apply."""
    view = view if view in VIEWS else "line"
    transform = transform if transform in TRANSFORMS else "published"
    if not known_indicator(indicator):
        return _empty(t("card.unknown", lang).format(code=str(indicator)[:80]), lang, "", indicator)
    meta = indicator_meta(indicator)
    name = pick(lang, meta["name_ru"], meta["name_en"])
    unit = pick(lang, meta["unit_ru"], meta["unit_en"])
    kind = meta.get("period_kind") or ("month" if meta["frequency"] == "month" else "year")
    first, last = _year_bounds(indicator)
    start, end = year_range(f"{start},{end}", first, last)
    title = _title(name, transform, lang)
    if transform == "per_capita" and not additive(indicator):
        return _empty(tx("per_capita_na", lang), lang, unit, indicator, title=title)
    notes: list[str] = []
    if view in CROSS_VIEWS:
        period = resolve_period(indicator, year)
        if period is None:
            return _empty(tx("no_period", lang), lang, unit, indicator, title=title)
        rows, shown_edition = _cross_section(indicator, period, edition, transform, start)
        # The period drawn, the federal subjects ranked (_cross_section), the edition shown, and only regions with a
        # figure (the others are not drawn). (A scatter's are the API's scatter parameters: _scatter_view.)
        view_params = {"indicator": indicator, "period": period, "region_kind": "region", "edition": shown_edition,
                       "missing": "omit"}
        kind_word = PERIOD_WORDS.get(kind, PERIOD_WORDS["year"])[0 if lang == "ru" else 1]
        notes.append(tx("note_cross", lang, kind=kind_word, period=period_label(period, lang),
                        edition=edition_label(shown_edition, lang) if shown_edition else "—"))
        subtitle = tx("subtitle_cross", lang, period=period_label(period, lang),
                      transform=_transform_words(transform, start, lang))
    else:
        period = None
        merged = view != "table" and not edition
        # The line merges editions (newest wins) as the API's editions=newest does; the table has a row per edition.
        view_params = {"indicator": indicator, "region": list(regions) or None, "from": start, "to": end,
                       "edition": edition, "editions": "newest" if merged else None}
        every = [r for r in _transformed(indicator, regions, edition, transform, start) if start <= r["year"] <= end]
        rows = _newest_wins(every) if merged else every
        subtitle = tx("subtitle", lang, regions=_regions_words(regions, lang), years=f"{start}–{end}",
                      transform=_transform_words(transform, start, lang))
        if edition is None and view == "line" and len({r["edition"] for r in every}) > 1:
            notes.append(tx("note_editions", lang))
        if edition is None and view == "table" and len({r["edition"] for r in rows}) > 1:
            notes.append(tx("note_edition_rows", lang))
    # The card's CSV is the API's for the same numbers and words: the transform, and names, units and notes in the
    # page's language.
    view_params.update(_transform_params(transform, start), lang=lang)
    unit_label = _unit_label(unit, transform, start, lang, indicator)
    notes += _transform_notes(indicator, transform, regions if view not in CROSS_VIEWS else (), rows, lang)
    endpoint, filename = "observations", f"{indicator}_{view}.csv"
    rank = ""
    if view == "scatter":
        figure, height, rows, view_params = _scatter_view(indicator, vs, size, view_params, lang, log, regions)
        endpoint, filename = "scatter", f"{indicator}_{view_params['y']}_scatter.csv"
    elif not rows or not any(r["value"] is not None for r in rows):
        return _empty(t("empty.no_data", lang), lang, unit_label, indicator, view_params, title, subtitle, notes)
    elif view == "ranking":
        figure, height = _ranking_figure(rows, unit_label, lang), None
        rank = _rank_line(rows, lang, period_label(period, lang))
    elif view == "map":
        figure, height = _map_figure(rows, unit_label, lang, name, period_label(period, lang)), None
    elif view == "table":
        figure, height = _table_figure(rows, lang, edition is None), None
    else:
        figure = _line_figure(rows, unit_label, lang, kind, regions, transform, log, additive(indicator))
        height = None
    height = height or figure["layout"].get("height", HEIGHT)
    if "yaxis2" in figure["layout"]:
        notes.append(tx("note_aggregates", lang))
    if figure.get("data") and view != "table":
        _add_footer(figure, rows, lang, under_axis=view == "line")
    figure, source, unit_label, _rows = chart_result(figure, pd.DataFrame(), _sources(rows, transform, lang),
                                                     unit_label, "")
    return (figure, source, unit_label, *api_links(endpoint, filename, **view_params), rank, height, title, subtitle,
            notes)


def _empty(message: str, lang: str, unit: str, indicator: str, view_params: dict | None = None,
           title: str = "", subtitle: str = "", notes: list | None = None) -> tuple:
    figure, source, unit, _rows = chart_result(plain.empty(message, lang, HEIGHT), pd.DataFrame(), [], unit, "")
    links = api_links("observations", f"{indicator}.csv", **view_params) if view_params else ("", "", "")
    return (figure, source, unit, *links, "", HEIGHT, title, subtitle, notes or [])


def _title(name: str, transform: str, lang: str) -> str:
    if transform == "published":
        return name
    return f"{name}: {tx(transform, lang).lower() if lang == 'ru' else tx(transform, lang)}"


def _transform_words(transform: str, start: int, lang: str) -> str:
    return tx("index_unit", lang, year=start) if transform == "index" else tx(transform, lang).lower()


def _regions_words(regions: tuple[str, ...], lang: str) -> str:
    names = region_names(lang)
    shown = [names.get(r, r) for r in regions]
    if len(shown) <= 3:
        return ", ".join(shown)
    return tx("and_more", lang, first=", ".join(shown[:2]), n=len(shown) - 2)


def _unit_label(unit: str, transform: str, start: int | None, lang: str, indicator: str) -> str:
    if transform == "per_capita":
        return f"{unit} {tx('per_capita_unit', lang)}"
    if transform == "index":
        return tx("index_unit", lang, year=start)
    if transform == "yoy":
        return tx("yoy_unit" if queries.published_yoy(indicator) else "yoy_unit_derived", lang)
    return unit


def _transform_notes(indicator: str, transform: str, regions: tuple[str, ...], rows: list[dict],
                     lang: str) -> list[str]:
    notes = []
    if transform == "per_capita":
        pop = indicator_meta(POPULATION_INDICATOR) if known_indicator(POPULATION_INDICATOR) else {}
        source = "; ".join(x for x in (pick(lang, pop.get("name_ru"), pop.get("name_en")),
                                       _table_words(pop.get("source_table"), lang)) if isinstance(x, str) and x)
        notes.append(tx("note_population", lang, source=source))
        missing = [r for r in regions if r not in {row["region_code"] for row in rows if row["value"] is not None}]
        if missing:
            names = region_names(lang)
            notes.append(tx("note_no_population", lang, names=", ".join(names.get(r, r) for r in missing)))
    elif not additive(indicator):
        notes.append(tx("note_per_capita_only_totals", lang))
    if transform == "yoy":
        partner = queries.published_yoy(indicator)
        if partner:
            meta = indicator_meta(partner)
            notes.append(tx("note_yoy_published", lang, name=pick(lang, meta["name_ru"], meta["name_en"])))
        else:
            notes.append(tx("note_yoy_derived", lang))
    return notes


# --- data: plain rows, one conversion from the query's frame -------------------------------------------------

_ROW_COLUMNS = ("region_code", "edition", "period", "year", "month", "value", "source_file", "source_sheet",
                "source_cell", "load_id")


def _rows(frame: pd.DataFrame) -> list[dict]:
    if frame.empty:
        return []
    return _row_dicts(zip(*(frame[c].tolist() for c in _ROW_COLUMNS), strict=True))


def _plain_rows(rows: list[dict]) -> list[dict]:
    """_rows of the query's rows read as dicts."""
    return _row_dicts(tuple(r[c] for c in _ROW_COLUMNS) for r in rows)


def _row_dicts(values: Iterable[tuple]) -> list[dict]:
    """The chart's row for each tuple of _ROW_COLUMNS values (a missing value None, whether None or NaN)."""
    # A dict display per row, not dict(zip(...)): this runs for every figure of every edition in the view.
    return [{"region_code": region, "edition": edition, "period": period, "year": int(year), "month": month,
             "value": None if value is None or value != value else float(value), "source_file": file,
             "source_sheet": sheet, "source_cell": cell, "load_id": load}
            for region, edition, period, year, month, value, file, sheet, cell, load in values]


def _newest_wins(rows: list[dict]) -> list[dict]:
    """One figure per region and period: the newest edition that publishes a value (missing only if none does); the
    read model's rule (dashboard.model.observations.newest_wins), which the API's editions=newest applies too."""
    keep = newest_wins([r["region_code"] for r in rows], [r["period"] for r in rows], [r["edition"] for r in rows],
                       [r["value"] for r in rows])
    return [rows[i] for i in keep]


def _transformed(indicator: str, regions: tuple[str, ...], edition: str | None, transform: str,
                 start: int | None, period: str | None = None) -> list[dict]:
    """Every edition's rows after the transform (per edition, so a ratio never mixes two editions): the API's
    /observations?transform= takes the same path (dashboard.transforms.transformed), so the card's CSV holds
    these numbers. `period` keeps only that period's rows; it narrows the query too where no figure of another period
    goes into the transform (as published, or Rosstat's own year-on-year index)."""
    published_index = queries.published_yoy(indicator)
    # NOTE: a ranking reads one period of every federal subject; reading all their years cost ~20 ms a view.
    narrow = period is not None and (transform == "published" or (transform == "yoy" and published_index))

    def read(code: str, codes, edition_: str | None) -> pd.DataFrame:
        return queries.observations(code, tuple(codes), None, None, edition_, period if narrow else None)

    if transform == "published":
        # As published the figures are the rows as read (transformed returns them so): read as dicts, not a frame.
        rows = _plain_rows(queries.observation_rows(indicator, tuple(regions), edition, period))
    else:
        rows = _rows(transformed(read, indicator, regions, edition, transform, start, published_index))
    return rows if period is None else [r for r in rows if r["period"] == period]


def _transform_params(transform: str, start: int | None) -> dict:
    """The API parameters of a transform (none for the figures as published: their links stay as they were)."""
    if transform == "published":
        return {}
    return {"transform": transform, "base_year": start if transform == "index" else None}


def _cross_section(indicator: str, period: str, edition: str | None, transform: str,
                   start: int | None) -> tuple[list[dict], str | None]:
    """Every federal subject for one period, in the chosen edition, else the newest edition with (nearly) the
    most regions for that period (one edition, so the regions compare)."""
    subjects = federal_subjects()
    rows = _transformed(indicator, subjects, edition, transform, start, period)
    # (the read model's rule, which the API's scatter applies too)
    newest_full = cross_section_edition([r["edition"] for r in rows], [r["value"] for r in rows])
    if newest_full is None:
        return [], edition
    chosen = edition or newest_full
    return [r for r in rows if r["edition"] == chosen], chosen


# --- figures (plain dicts: dashboard.figure_dicts; tests validate them with go.Figure) ----------------------

def _source_text(row: dict) -> str:
    sheet = row["source_sheet"] if isinstance(row["source_sheet"], str) and row["source_sheet"] else None
    cell = row["source_cell"] if isinstance(row["source_cell"], str) and row["source_cell"] else None
    where = ", ".join(p for p in (row["source_file"], f"sheet {sheet}" if sheet else None, cell) if p)
    return f"{where} (load {row['load_id']})"


def _hover(unit: str, lang: str, axis: str = "y") -> str:
    return ("<b>%{customdata[0]}</b><br>" + f"{t('card.value', lang)}: " + "%{" + axis + ":,.6~g} " + unit
            + f"<br>{t('card.period', lang)}: " + "%{customdata[1]}"
            + f"<br>{t('card.edition', lang)}: " + "%{customdata[2]}"
            + f"<br>{t('card.source', lang)}: " + "%{customdata[3]}<extra></extra>")


def _customdata(rows: list[dict], lang: str, names: dict[str, str]) -> list[list]:
    """Each point's hover fields: region, period, edition, source cell."""
    # Worked out once per edition and period, not per point (a line chart has thousands of points).
    editions = {e: edition_short(e, lang) for e in {row["edition"] for row in rows}}
    periods = {p: period_label(p, lang) for p in {row["period"] for row in rows}}
    return [[names.get(row["region_code"], row["region_code"]), periods[row["period"]], editions[row["edition"]],
             _source_text(row)] for row in rows]


def _short(name: str, width: int = 18) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def _end_label(name: str) -> str:
    """A series' name for the label at its line's end: in full up to END_LABEL_WIDTH px, else cut to fit with "…"
    (names were cut at 18 characters: "Российская Федера…" for the two letters that did not fit)."""
    return fit_text(name, END_LABEL_WIDTH, LABEL_SIZE, bold=True)


def _right_axis_title(names: list[str], lang: str) -> str:
    """'Russian Federation: right axis': the series named in full where the title fits along the plot, else each name
    cut to an equal share of the room left (it was cut to 14 characters a name, "Russian Feder…", with room to spare,
    and three names so cut still ran past the plot)."""
    title = tx("right_axis", lang, names=", ".join(names))
    if text_width(title, FONT_SIZE) <= PLOT_HEIGHT or not names:
        return title
    room = PLOT_HEIGHT - text_width(tx("right_axis", lang, names=", " * (len(names) - 1)), FONT_SIZE)
    return tx("right_axis", lang, names=", ".join(fit_text(name, room / len(names), FONT_SIZE) for name in names))


def _axis_range(values: list[float], log: bool) -> list[float] | None:
    """The range plotly's autorange gives a line chart's axis over `values` (in log10 on a log axis), set on the axis
    so that the labels at the line ends can be placed in px; None when no value can be drawn on it."""
    scaled = [math.log10(v) if log else v for v in values if not (log and v <= 0)]
    if not scaled:
        return None
    low, high = min(scaled), max(scaled)
    if high == low:
        half = 1.0 if log or low == 0 else abs(low) / 2
        low, high = low - half, high + half
    # NOTE: plotly pads an automatic range by 5 % of the axis's length and about 3 px for the markers.
    pad = (0.05 * PLOT_HEIGHT + 3) / (PLOT_HEIGHT - 2 * (0.05 * PLOT_HEIGHT + 3)) * (high - low)
    return [low - pad, high + pad]


def _tick_width(axis: dict) -> float:
    """The widest a tick label of `axis` (a layout's axis, its range set) can be drawn (px, in the layout's 13 px
    font): its own labels where it sets them (a log axis), else the most a linear axis over its range writes."""
    if "ticktext" in axis:
        return max((text_width(text, 13) for text in axis["ticktext"]), default=0.0)
    low, high = axis["range"]
    # Decimals down to a two-thousandth of the span (plotly's synced right-axis ticks are written to about a
    # hundredth of their step, "5,700,000" on a 153 million span).
    decimals = max(0, math.ceil(math.log10(2000 / (high - low))))
    return max(text_width(f"{v:,.{decimals}f}".replace("-", "\u2212"), 13) for v in (low, high))


def _end_labels(ends: list[tuple[float, str, str, str]], ranges: dict[str, list[float]], log: bool,
                xshift: float) -> list[dict] | None:
    """Labels at the line ends (value, text, colour, axis "y" or "y2") in one column `xshift` px right of the plot:
    each at its line's end, or as near as the others let it (LABEL_GAP px apart, within the plot's height); None
    when they cannot all fit."""
    points = [(value, text, colour, axis) for value, text, colour, axis in ends
              if axis in ranges and not (log and value <= 0)]

    def px(value: float, axis: str) -> float:
        low, high = ranges[axis]
        return ((math.log10(value) if log else value) - low) / (high - low) * PLOT_HEIGHT

    # (all of each label within the plot's height: above it plotly's modebar stands over the column)
    half = LABEL_GAP / 2
    placed = spread([px(value, axis) for value, _text, _colour, axis in points], LABEL_GAP, half, PLOT_HEIGHT - half)
    if placed is None:
        return None
    # (On a log axis an annotation's y is the log10 of the value, as the axis's range is.)
    return [{"xref": "paper", "x": 1.0, "xanchor": "left", "xshift": xshift, "yref": axis,
             "y": ranges[axis][0] + p / PLOT_HEIGHT * (ranges[axis][1] - ranges[axis][0]),
             "text": f"<b>{text}</b>", "showarrow": False, "font": {"color": colour, "size": LABEL_SIZE},
             "align": "left"}
            for p, (_value, text, colour, axis) in zip(placed, points, strict=True)]


LINE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#882255", "#44AA99")


def _line_colour(code: str, index: int) -> str:
    """Kaluga in its colour, Russia in grey, the others from Okabe-Ito and Tol without yellow (unreadable on white)."""
    if code == KALUGA_CODE:
        return KALUGA_COLOUR
    if code == "RU":
        return "#5c6773"
    return LINE_COLOURS[index % len(LINE_COLOURS)]


def _line_figure(rows: list[dict], unit: str, lang: str, kind: str, regions: tuple[str, ...], transform: str,
                 log: bool, is_total: bool) -> dict:
    names = region_names(lang)
    kinds = _region_kinds()
    order = {code: n for n, code in enumerate(regions)}
    series: dict[str, list[dict]] = {}
    for row in rows:
        series.setdefault(row["region_code"], []).append(row)
    present = sorted(series, key=lambda c: order.get(c, len(order)))
    aggregates = {c for c in present if kinds.get(c, ("region", None))[0] in AGGREGATE_KINDS}
    # A total of Russia or a district dwarfs a region's: on its own (right) axis when regions are shown too.
    split = transform == "published" and is_total and bool(aggregates) and len(aggregates) < len(present)
    traces: list[dict] = []
    ends: list[tuple[float, str, str, str]] = []
    for n, code in enumerate(present):
        points = sorted(series[code], key=lambda r: r["period"])
        colour = _line_colour(code, n)
        right = split and code in aggregates
        trace = {
            "type": "scatter", "name": names.get(code, code), "mode": "lines+markers", "connectgaps": False,
            "x": [_period_x(p["period"], kind) for p in points], "y": [p["value"] for p in points],
            "line": {"color": colour, "width": 3.5 if code == KALUGA_CODE else 1.8,
                     "dash": "dash" if right else "solid"},
            "marker": {"size": 6 if code == KALUGA_CODE else 4},
            "customdata": _customdata(points, lang, names),
            "hovertemplate": _hover(unit, lang),
        }
        if right:
            trace["yaxis"] = "y2"
        traces.append(trace)
        last = next((p["value"] for p in reversed(points) if p["value"] is not None), None)
        if last is not None:
            ends.append((last, _end_label(names.get(code, code)), colour, "y2" if right else "y"))
    left = [v for tr in traces if "yaxis" not in tr for v in tr["y"] if v is not None]
    right = [v for tr in traces if "yaxis" in tr for v in tr["y"] if v is not None]
    ranges = {axis: r for axis, r in (("y", _axis_range(left, log)), ("y2", _axis_range(right, log))) if r}
    axis_type = "log" if log else "linear"
    # On a log scale each axis has its own ticks at round values, written in full (see figures.log_ticks: plotly's
    # labelled every digit of a decade, drawn over each other, and the right axis took the left's at odd values).
    ticks = {axis: log_ticks(r, PLOT_HEIGHT, lang, LOG_TICK_GAP) if log else {} for axis, r in ranges.items()}
    yaxis = {"title": {"text": unit}, "gridcolor": "#e6e9ee", **axis_number_format(lang), "type": axis_type,
             **({"range": ranges["y"], **ticks["y"]} if "y" in ranges else {})}
    xaxis = {"gridcolor": "#e6e9ee", **({"tickformat": "d"} if kind == "year" else {})}
    layout = base_layout(lang, HEIGHT, yaxis=yaxis, xaxis=xaxis, showlegend=False,
                         margin={"l": 64, "r": 150, "t": PLOT_TOP, "b": PLOT_BOTTOM})
    # The labels stand right of the plot, or with a right axis right of its tick labels and title (they were drawn
    # over both, and a label on one axis over one on the other, when each axis's labels kept apart only among
    # themselves).
    xshift = 6.0
    if split:
        layout["yaxis2"] = {"title": {"text": _right_axis_title([names.get(c, c) for c in present if c in aggregates],
                                                                lang)}, "overlaying": "y",
                            "side": "right", "showgrid": False, **axis_number_format(lang), "type": axis_type,
                            # NOTE: an overlaying axis takes the other's tick positions by default (tickmode "sync"):
                            # on a linear scale its labels stood at odd values ("5,400,000", "22,900,000"); it draws
                            # no grid of its own, so it may tick its own round values.
                            "tickmode": "auto",
                            **({"range": ranges["y2"], **ticks["y2"]} if "y2" in ranges else {})}
        xshift = math.ceil((_tick_width(layout["yaxis2"]) if "y2" in ranges else 0) + RIGHT_AXIS_TITLE)
    labels = _end_labels(ends, ranges, log, xshift)
    if labels is None:
        # Too many lines to label apart in the plot's height: a legend right of the plot (or of the right axis)
        # names them, Kaluga first.
        layout["showlegend"] = True
        layout["legend"] = {"orientation": "v", "xref": "container", "x": 1, "xanchor": "right", "yref": "paper",
                            "y": 1, "yanchor": "top"}
        widest = max(text_width(trace["name"], 13, bold=True) for trace in traces) + LEGEND_SYMBOL
    else:
        widest = max((text_width(text, LABEL_SIZE, bold=True) for _v, text, _c, _a in ends), default=0)
    layout["margin"]["r"] = math.ceil(xshift + widest + 8)
    layout["annotations"] = labels or []
    _narrow_line(layout, traces, present, len(layout["annotations"]), lang)
    if labels is None:  # (after the phone layout has read the plain names)
        for code, trace in zip(present, traces, strict=True):
            if code == KALUGA_CODE:
                trace.update(name=f"<b>{trace['name']}</b>", legendrank=1)
    return plain.figure(traces, layout)


def _narrow_line(layout: dict, traces: list[dict], codes: list[str], labels: int, lang: str) -> None:
    """The line chart's phone layout: the series named in a legend under the chart instead of at the line ends."""
    # NOTE: on a phone the 150 px (210 with a right axis) kept for the labels at the line ends left the lines 64 px
    # (43 px) of a 317 px chart. Narrow, the labels go and the legend under the chart names every series: Kaluga's
    # entry first, in bold, with its thick line; a right-axis series dashed and called so. The axes lose their titles
    # (the card's head shows the unit; the legend says which lines are on the right axis: a title left empty still
    # takes its room, a null one does not) and their tick labels are 11 px. With no labels to place, plotly ranges
    # the axes itself again (wide, the range is set so that the labels can be placed at the line ends); a log axis's
    # ticks are chosen again for the shorter plot.
    updates: dict[str, object] = {f"annotations[{i}].visible": False for i in range(labels)}
    axes = ("yaxis", "yaxis2") if "yaxis2" in layout else ("yaxis",)
    for axis in axes:
        updates.update({f"{axis}.title.text": None, f"{axis}.automargin": True, f"{axis}.tickfont.size": 11})
        if "range" in layout[axis]:
            updates.update({f"{axis}.range": None, f"{axis}.autorange": True})
            if layout[axis].get("type") == "log":
                ticks = log_ticks(layout[axis]["range"], NARROW_PLOT_HEIGHT, lang, NARROW_LOG_TICK_GAP)
                updates.update({f"{axis}.{key}": value for key, value in ticks.items()})
    updates.update({"showlegend": True, "margin.l": 8, "margin.r": 8})
    changes: dict[int, dict[str, object]] = {}
    for n, (code, trace) in enumerate(zip(codes, traces, strict=True)):
        if trace.get("yaxis") == "y2":
            changes[n] = {"name": tx("legend_right", lang, name=trace["name"])}
        elif code == KALUGA_CODE:
            changes[n] = {"name": f"<b>{trace['name']}</b>", "legendrank": 1}
    narrow(layout, updates, traces=changes)


def _rank_line(rows: list[dict], lang: str, period: str) -> str:
    """Kaluga's place among the regions with a figure, counted from the top bar of _ranking_figure (the highest
    value), or that it has none for the period."""
    codes = [r["region_code"] for r in sorted((r for r in rows if r["value"] is not None), key=lambda r: r["value"])]
    if KALUGA_CODE not in codes:
        return tx("kaluga_missing", lang, year=period)
    return tx("kaluga_rank", lang, rank=len(codes) - codes.index(KALUGA_CODE), n=len(codes), year=period)


def _ranking_figure(rows: list[dict], unit: str, lang: str) -> dict:
    names = region_names(lang)
    ranked = sorted((r for r in rows if r["value"] is not None), key=lambda r: r["value"])
    n = len(ranked)
    codes = [r["region_code"] for r in ranked]
    labels = [names.get(c, c) for c in codes]
    # Every bar has its label (one row per region, tall enough to read); Kaluga's in bold and its colour.
    ticktext = [f"<b><span style='color:{KALUGA_COLOUR}'>{label}</span></b>" if c == KALUGA_CODE
                else _short(label, 24) for c, label in zip(codes, labels, strict=True)]
    bar = {"type": "bar", "x": [r["value"] for r in ranked], "y": labels, "orientation": "h",
           "marker": {"color": [KALUGA_COLOUR if c == KALUGA_CODE else MUTED for c in codes]},
           "text": [format_number(r["value"], lang) if r["region_code"] == KALUGA_CODE else "" for r in ranked],
           "textposition": "outside", "cliponaxis": False,
           "customdata": _customdata(ranked, lang, names), "hovertemplate": _hover(unit, lang, "x")}
    layout = base_layout(lang, BAR_HEIGHT * n + 150, margin={"l": 8, "r": 56, "t": 28, "b": 90},
                         yaxis={"tickfont": {"size": 11}, "automargin": True, "tickmode": "array", "tickvals": labels,
                                "ticktext": ticktext},
                         # The unit is in the card's head. On a phone plotly turns the tick labels; automargin makes
                         # room for them above the bars.
                         xaxis={"gridcolor": "#e6e9ee", "side": "top", "automargin": True, **axis_number_format(lang)},
                         # NOTE: upright, the modebar stands in the right margin (kept for Kaluga's value) beside the
                         # top axis; lying along the top it covered the tick labels on a phone, where the plot is
                         # narrower than the modebar.
                         modebar={"orientation": "v"},
                         bargap=0.25)
    return plain.figure([bar], layout)


def _quantile_bins(values: list[float], k: int = MAP_BINS) -> list[float]:
    """Bin edges at the quantiles of the values (equal numbers of regions per colour), distinct and increasing."""
    ordered = sorted(values)
    edges = [ordered[0]]
    for i in range(1, k):
        position = (len(ordered) - 1) * i / k
        low = math.floor(position)
        edge = ordered[low] + (ordered[min(low + 1, len(ordered) - 1)] - ordered[low]) * (position - low)
        if edge > edges[-1]:
            edges.append(edge)
    if ordered[-1] > edges[-1] or len(edges) == 1:
        edges.append(ordered[-1])
    return edges


def _bin_of(value: float, edges: list[float]) -> int:
    for i in range(1, len(edges) - 1):
        if value < edges[i]:
            return i - 1
    return len(edges) - 2


def _map_figure(rows: list[dict], unit: str, lang: str, name: str, period: str) -> dict:
    geojson = russia_regions_url()  # the browser fetches and caches the boundaries once, not in every figure
    if geojson is None:
        return plain.empty(tx("no_map", lang), lang, HEIGHT)
    names = region_names(lang)
    shown = [r for r in rows if r["value"] is not None]
    edges = _quantile_bins([r["value"] for r in shown])
    k = max(len(edges) - 1, 1)
    colours = BIN_COLOURS[:k]
    scale = []
    for i, colour in enumerate(colours):
        scale += [[i / k, colour], [(i + 1) / k, colour]]
    bounds = [(format_number(edges[i], lang), format_number(edges[i + 1], lang)) for i in range(k)]
    ticks = [f"{low} – {high}" for low, high in bounds]
    choropleth = {
        "type": "choropleth", "geojson": geojson, "featureidkey": "properties.code",
        "locations": [r["region_code"] for r in shown], "z": [_bin_of(r["value"], edges) + 0.5 for r in shown],
        "zmin": 0, "zmax": k, "colorscale": scale,
        "marker": {"line": {"width": 0.4, "color": "#ffffff"}},
        "colorbar": {"title": {"text": unit, "side": "top"}, "thickness": 14, "tickvals": [i + 0.5 for i in range(k)],
                     "ticktext": ticks, "orientation": "h", "y": -0.02, "yanchor": "top", "x": 0.5,
                     "xanchor": "center", "len": 0.95},
        "customdata": [[*fields, format_number(r["value"], lang)]
                       for fields, r in zip(_customdata(shown, lang, names), shown, strict=True)],
        "hovertemplate": ("<b>%{customdata[0]}</b><br>" + f"{t('card.value', lang)}: " + "%{customdata[4]} "
                          + unit + f"<br>{t('card.period', lang)}: " + "%{customdata[1]}"
                          + f"<br>{t('card.edition', lang)}: " + "%{customdata[2]}"
                          + f"<br>{t('card.source', lang)}: " + "%{customdata[3]}<extra></extra>"),
    }
    outline = {"type": "choropleth", "geojson": geojson, "featureidkey": "properties.code",
               "locations": [KALUGA_CODE], "z": [0], "showscale": False,
               "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
               "marker": {"line": {"width": 3, "color": KALUGA_COLOUR}}, "hoverinfo": "skip"}
    kaluga = next((r for r in shown if r["region_code"] == KALUGA_CODE), None)
    value = format_number(kaluga["value"], lang) if kaluga else t("value.missing", lang)
    # NOTE: the atlas's plotly bundle has no scattergeo, so Kaluga's label is an annotation that names the outline.
    label = {"text": f"<b>▢ {names.get(KALUGA_CODE)}</b>: {value} {unit}", "xref": "paper", "yref": "paper",
             "x": 0, "y": 1, "xanchor": "left", "yanchor": "top", "showarrow": False, "align": "left",
             "font": {"color": KALUGA_COLOUR, "size": 13}, "bgcolor": "rgba(255,255,255,0.85)"}
    layout = base_layout(lang, HEIGHT + 60, margin={"l": 0, "r": 0, "t": 40, "b": 90},
                         xaxis={"visible": False}, yaxis={"visible": False}, annotations=[label],
                         title={"text": f"<b>{period}</b> · {_short(name, 60)}", "x": 0, "xref": "paper",
                                "font": {"size": 15}},
                         # NOTE: Chukotka crosses the 180th meridian, so fitting the bounds of the locations
                         # zooms out to the whole globe; the frame is set by hand instead.
                         geo={"visible": False, "domain": {"x": [0, 1], "y": [0, 1]},
                              "projection": {"type": "conic conformal", "parallels": [52, 64],
                                             "rotation": {"lon": 100}},
                              "center": {"lon": 100, "lat": 62}, "lonaxis": {"range": [26, 182]},
                              "lataxis": {"range": [41, 79]}})
    # NOTE: on a phone the five ranges, one line each, do not fit under the bar: plotly tilted them into the source
    # line and hid the two that ran past the chart's right edge. Narrow, each range is upright in two lines of 10 px
    # (its bin is about 60 px of a 317 px bar) and the bar stands a little higher, in the room the map leaves at
    # that width (its frame keeps its shape), clear of the source line under it. The title, cut at the chart's edge
    # under the modebar, keeps the period: the card's head above it names the indicator.
    narrow(layout, {"title.text": f"<b>{period}</b>"},
           traces={0: {"colorbar.ticktext": [f"{low} –<br>{high}" for low, high in bounds], "colorbar.tickangle": 0,
                       "colorbar.tickfont.size": 10, "colorbar.y": 0.03}})
    return plain.figure([choropleth, outline], layout)


def _scatter_view(indicator: str, vs: str | None, size: str | None, cross: dict, lang: str, log: bool,
                  regions: tuple[str, ...]) -> tuple[dict, int, list[dict], dict]:
    """The scatter drawn from the API's /scatter table for the view (one call: the points, the card's CSV and its API
    link are the same table), with the editions behind the points (for the footer and the source line) and the link's
    parameters: every edition it shows named."""
    vs = vs if known_indicator(vs) else indicator
    params = {"x": indicator, "y": vs, "size": size if known_indicator(size) else None, "period": cross["period"],
              "region_kind": "region", "edition": cross["edition"], "transform": cross.get("transform"),
              "base_year": cross.get("base_year"), "lang": lang}
    try:
        records = api.table_for(queries.engine(), "scatter", **params).records()
    except api.ApiError:  # (the page passes known codes only; a refusal is an empty chart, never a 500)
        records = []
    axes = ("x", "y", "size")
    drawn = [{"edition": r[f"{a}_edition"], "load_id": r[f"{a}_load_id"]} for r in records for a in axes
             if r[f"{a}_edition"]]
    # The link names the editions of y and size the rule picked, so it keeps answering these points.
    pinned = {f"{a}_edition": next((r[f"{a}_edition"] for r in records if r[f"{a}_edition"]), None)
              for a in axes[1:]}
    link = {**{k: params[k] for k in ("x", "y", "size", "period", "region_kind", "edition")}, **pinned,
            **{k: params[k] for k in ("transform", "base_year", "lang")}}
    figure, height = _scatter_figure(records, cross["period"], lang, log, regions)
    return figure, height, drawn, link


def _scatter_figure(records: list[dict], period: str, lang: str, log: bool,
                    regions: tuple[str, ...]) -> tuple[dict, int]:
    """One indicator against another for one period, every region a point (the API's /scatter rows), Kaluga
    highlighted; the point's area from the size figure where there is one above 0."""
    if not records:
        return plain.empty(tx("no_common", lang, period=period_label(period, lang)), lang, HEIGHT), HEIGHT
    names = region_names(lang)
    common = [r["region_code"] for r in records]
    size_by = {r["region_code"]: r["size_value"] for r in records
               if r["size_value"] is not None and r["size_value"] > 0}
    biggest = max(size_by.values()) if size_by else 1.0
    marked = set(regions) | {KALUGA_CODE}
    sizes = [6 + 30 * math.sqrt(size_by[c] / biggest) if c in size_by else (8 if not size_by else 5) for c in common]
    first = records[0]
    unit, y_unit, size_unit = first["x_unit"] or "", first["y_unit"] or "", first["size_unit"] or ""
    sized = first["size_indicator_code"] is not None

    def y_period(row: dict) -> str:
        # (y's own period where it is not x's: a monthly indicator's latest month beside a year)
        return f" ({period_label(row['y_period'], lang)})" if row["y_period"] != row["x_period"] else ""

    points = {
        "type": "scatter", "mode": "markers+text", "x": [r["x_value"] for r in records],
        "y": [r["y_value"] for r in records],
        "text": [f"<b>{names.get(c, c)}</b>" if c == KALUGA_CODE
                 else (_short(names.get(c, c), 16) if c in marked else "") for c in common],
        "textposition": "top center", "textfont": {"size": 11},
        "marker": {"size": [s * (1.4 if c == KALUGA_CODE else 1) for s, c in zip(sizes, common, strict=True)],
                   "color": [KALUGA_COLOUR if c == KALUGA_CODE else ("#0072B2" if c in marked else MUTED)
                             for c in common],
                   "line": {"width": 1, "color": "#ffffff"}, "opacity": 0.9},
        "customdata": [[names.get(r["region_code"], r["region_code"]), format_number(r["x_value"], lang),
                        format_number(r["y_value"], lang) + y_period(r), period_label(period, lang),
                        format_number(r["size_value"], lang)]
                       for r in records],
        "hovertemplate": ("<b>%{customdata[0]}</b><br>x: %{customdata[1]} " + unit + "<br>y: %{customdata[2]} "
                          + y_unit + (f"<br>{tx('size', lang)}: " + "%{customdata[4]} " + size_unit if sized else "")
                          + f"<br>{t('card.period', lang)}: " + "%{customdata[3]}<extra></extra>"),
    }
    axis_type = "log" if log else "linear"
    x_title = f"{_short(first['x_indicator_name'] or first['x_indicator_code'], 60)}, {unit}"
    y_title = f"{_short(first['y_indicator_name'] or first['y_indicator_code'], 50)}, {y_unit}"
    layout = base_layout(lang, HEIGHT + 40, showlegend=False, margin={"l": 72, "r": 16, "t": 24, "b": 96},
                         xaxis={"title": {"text": x_title}, "gridcolor": "#e6e9ee", "type": axis_type,
                                **axis_number_format(lang)},
                         yaxis={"title": {"text": y_title}, "gridcolor": "#e6e9ee", "type": axis_type,
                                **axis_number_format(lang)})
    return plain.figure([points], layout), HEIGHT + 40


def _table_figure(rows: list[dict], lang: str, every_edition: bool) -> dict:
    names = region_names(lang)
    by_edition = every_edition and len({r["edition"] for r in rows}) > 1
    periods_shown = sorted({r["period"] for r in rows})
    cells: dict[tuple, dict[str, float | None]] = {}
    for row in rows:
        key = (names.get(row["region_code"], row["region_code"]),
               edition_short(row["edition"], lang) if by_edition else "")
        cells.setdefault(key, {})[row["period"]] = row["value"]
    keys = sorted(cells)
    first = [f"{region} · {edition}" if edition else region for region, edition in keys]
    columns = [[format_number(cells[k].get(p), lang) if cells[k].get(p) is not None else t("value.missing", lang)
                for k in keys] for p in periods_shown]
    figure = {"type": "table", "columnwidth": [220, *[90] * len(periods_shown)],
              "header": {"values": ["", *(period_label(p, lang) for p in periods_shown)],
                         "fill": {"color": "#eef1f4"}, "align": "left"},
              "cells": {"values": [first, *columns], "align": ["left", "right"]}}
    height = min(max(HEIGHT, 28 * len(keys) + 60), 1400)
    return plain.figure([figure], base_layout(lang, height, margin={"l": 0, "r": 0, "t": 0, "b": 0}))


def _add_footer(figure: dict, rows: list[dict], lang: str, under_axis: bool = False) -> None:
    """'Source: <editions> · last updated <date>' inside the chart, so an exported image carries it; with
    `under_axis`, on a phone it is the x axis's title (between the axis and a legend under the chart)."""
    editions = sorted({r["edition"] for r in rows}, key=edition_age)
    finished = queries.load_finished()
    dates = [finished[r["load_id"]] for r in rows if r["load_id"] in finished]
    text = tx("footer", lang, editions=", ".join(edition_short(e, lang) for e in editions[-3:])
              + (f" +{len(editions) - 3}" if len(editions) > 3 else ""),
              updated=format_date(max(dates), lang) if dates else "—")
    layout = figure["layout"]
    margin = {"l": 56, "r": 16, "t": 16, "b": 48, **layout.get("margin", {})}
    index = len(layout.get("annotations", []))
    layout["annotations"] = [*layout.get("annotations", []),
                             {"text": text, "xref": "paper", "yref": "paper", "x": 0, "y": 0, "yanchor": "top",
                              "xanchor": "left", "yshift": -(margin["b"] - 16),
                              "showarrow": False, "font": {"size": 11, "color": "#5c6773"}}]
    # On a phone the line, which starts at the plot's left edge, ran past the chart's right edge (the line view keeps
    # 150 px on the right for its labels, and its axis's labels push the plot further right): in two lines (the
    # editions, then the update) ending by the chart's right edge, which no automatic margin moves, with the bottom
    # margin grown by a line to hold the second.
    lines = text.replace(" · ", "<br>")
    if under_axis:
        # An annotation is placed from the plot's edge, and a legend under the chart (yref container) takes the room
        # below the axis that it was given: the axis's title is stacked between them by plotly itself.
        narrow(layout, {f"annotations[{index}].visible": False, "xaxis.title.text": lines,
                        "xaxis.title.font.size": 11, "xaxis.title.font.color": "#5c6773", "xaxis.automargin": True})
        return
    narrow(layout, {f"annotations[{index}].text": lines, f"annotations[{index}].x": 1,
                    f"annotations[{index}].xanchor": "right", f"annotations[{index}].align": "right",
                    f"annotations[{index}].xshift": margin["r"] - 16, "margin.b": margin["b"] + 16})


def _table_words(source_table: object, lang: str) -> str:
    """The registry's "Регионы России 2021, table 1.2" in the page's language."""
    if not isinstance(source_table, str):
        return ""
    if lang == "ru":
        return source_table.replace(" table ", " табл. ").replace(" tables ", " табл. ")
    return source_table.replace("Регионы России", "Regions of Russia")


def _sources(rows: list[dict], transform: str, lang: str) -> list:
    editions = sorted({r["edition"] for r in rows}, key=edition_age)
    items = [(f"Росстат · {edition_label(e, lang)}" if lang == "ru" else f"Rosstat · {edition_label(e, lang)}",
              None) for e in editions]
    if transform == "per_capita" and known_indicator(POPULATION_INDICATOR):
        pop = indicator_meta(POPULATION_INDICATOR)
        items.append((f"{pick(lang, pop['name_ru'], pop['name_en'])} ({_table_words(pop['source_table'], lang)})",
                      None))
    return source_line(items, lang, "card.sources")
