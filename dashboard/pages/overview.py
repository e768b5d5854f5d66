"""Overview: headline figures, each a link to the page behind it, with its period, edition and source."""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard import figure_dicts as plain
from dashboard import investments_data, overview_data, queries
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
from dashboard.figures import KALUGA_COLOUR, PALETTE, base_layout
from dashboard.i18n import format_number, normalise_language, page_text, pick, t
from dashboard.titles import page_title
from etl.regions import KALUGA_CODE

dash.register_page(__name__, path="/", order=0, label_key="nav.overview", title=page_title(None))

PAGE = "overview"
RUSSIA_CODE = "RU"
PARTICIPANTS, COMPARE = f"{PAGE}-participants", f"{PAGE}-compare"
# Kaluga against Russia: published series that have both (RR-2021 has no all-Russia row).
COMPARISONS = {"grp_per_capita": "RR-2019", "avg_wage": "806-2016-01"}
GRP = "grp"
# The overview's published figures, each from the newest edition that has it.
INVESTMENT_PER_CAPITA, WAGE_ANNUAL = "investment_per_capita", "avg_wage_annual"

TEXT = {
    "title": {"ru": "Калужская область и её фармкластер",
              "en": "Kaluga region and its pharmaceutical cluster"},
    "lead": {"ru": "Главные цифры — каждая с периодом, изданием и источником. Нажмите на карточку, чтобы "
                   "открыть страницу с подробностями.",
             "en": "Headline figures, each with its period, edition and source. Open a card for the page "
                   "behind it."},
    "investment": {"ru": "Инвестиции в кластер с 2007 года", "en": "Cluster investment since 2007"},
    "investment_caveat": {"ru": "Собственная оценка ассоциации кластера, не проверенный итог. Цифры по "
                                "компаниям в рублях в сумме дают не менее {sum} млрд руб. (по одной на "
                                "компанию, до {year} г.).",
                          "en": "The cluster association's own figure, not an audited total. Per-company "
                                "rouble figures add up to at least {sum} bn RUB (one per company, up to "
                                "{year})."},
    "participants": {"ru": "Участники кластера", "en": "Cluster participants"},
    "participants_note": {"ru": "{year}; в {first_year} г. — {first}",
                          "en": "{year}; {first} in {first_year}"},
    "companies_unit": {"ru": "компаний", "en": "companies"},
    "products": {"ru": "Продукция и терапевтические области", "en": "Products and therapy areas"},
    "products_value": {"ru": "{n} препаратов", "en": "{n} products"},
    "products_note": {"ru": "{areas} терапевтических областей; у {unclassified} препаратов область не определена; "
                            "{companies} компаний",
                      "en": "{areas} therapy areas; {unclassified} products with no area; {companies} companies"},
    "products_area": {"ru": "В области «{area}»: {n}", "en": "In {area}: {n}"},
    "products_source": {"ru": "{n} цитируемых страниц (список на странице «Продукция»)",
                        "en": "{n} cited pages (listed on the Products page)"},
    "grp": {"ru": "Место Калужской области по ВРП", "en": "Kaluga's rank among regions by GRP"},
    "rank": {"ru": "{rank}-е место из {n}", "en": "No. {rank} of {n}"},
    "grp_note": {"ru": "ВРП {period} г.: {value} млн руб.; {edition}",
                 "en": "GRP {period}: {value} million RUB; {edition}"},
    "per_capita": {"ru": "Инвестиции в основной капитал на душу",
                   "en": "Investment in fixed capital per capita"},
    "wages": {"ru": "Средняя начисленная зарплата", "en": "Average monthly wage"},
    "wages_value": {"ru": "{value} руб.", "en": "{value} RUB"},
    "published_note": {"ru": "{period} г.; Россия — {russia} руб.; {rank}; {edition}",
                       "en": "{period}; Russia {russia} RUB; {rank}; {edition}"},
    "kaluga": {"ru": "Калужская область", "en": "Kaluga Oblast"},
    "missing": {"ru": "нет данных", "en": "no data"},
    "open": {"ru": "Открыть: {page} →", "en": "Open: {page} →"},
    "participants_chart": {"ru": "Число участников кластера по годам (как в источниках)",
                           "en": "Cluster participants over time (as cited)"},
    "participants_desc": {"ru": "Каждая точка — отдельная цитата; ▲ — «более N» (нижняя граница), "
                                "○ — «около N». Источники считают участников по-разному, поэтому точки "
                                "не соединены.",
                          "en": "Each point is one citation; ▲ 'more than N' (a lower bound), ○ 'about N'. "
                                "Sources count members differently, so the points are not joined."},
    "compare_chart": {"ru": "Калужская область и Россия", "en": "Kaluga Oblast and Russia"},
    "compare": {"ru": "Показатель", "en": "Indicator"},
    "grp_per_capita": {"ru": "ВРП на душу", "en": "GRP per capita"},
    "avg_wage": {"ru": "Средняя зарплата", "en": "Average wage"},
    "year": {"ru": "Год", "en": "Year"},
}
CLUSTER_UNITS = {"bn RUB": {"ru": "млрд руб.", "en": "bn RUB"}}


tx = page_text(TEXT)


@single_params
def layout(lang: str | None = None, area: str | None = None, compare: str | None = None,
           **_ignored) -> html.Div:
    lang = normalise_language(lang)
    compare = compare if compare in COMPARISONS else "grp_per_capita"
    return html.Div([
        url_state(PAGE),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
        html.Div(_cards(lang, area), id=f"{PAGE}-cards", className="overview-cards"),
        html.Div(className="grid overview-charts", children=[
            chart_card(PARTICIPANTS, tx("participants_chart", lang), lang, height=300,
                       description=tx("participants_desc", lang)),
            chart_card(COMPARE, tx("compare_chart", lang), lang, height=300, controls=[
                html.Div([dmc.Text(tx("compare", lang), size="sm", fw=500, id=f"{PAGE}-compare-label"),
                          dmc.SegmentedControl(id=f"{PAGE}-compare", value=compare,
                                               data=[{"value": c, "label": tx(c, lang)} for c in COMPARISONS],
                                               **{"aria-labelledby": f"{PAGE}-compare-label"})]),
            ]),
        ]),
    ])


sync_url(PAGE, [("compare", f"{PAGE}-compare", "value")])


@callback(
    Output(f"{PAGE}-cards", "children"),
    Input("global-area", "value"),
    State(f"{PAGE}-lang", "data"),
    prevent_initial_call=True,
)
def update_cards(area, lang):
    return _cards(normalise_language(lang), area)


# --- cards --------------------------------------------------------------------------------------


def _href(path: str, lang: str, area: str | None, **params) -> str:
    """A link that keeps the language and the global therapy area, plus the target page's view."""
    query = {"lang": lang, **({"area": area} if area else {}), **params}
    return f"{path}?{urlencode(query, safe=',')}"


def _card(card_id: str, title: str, value: str, note: str, href: str, page_key: str, lang: str,
          sources: list, caveat: str | None = None, unit: str | None = None) -> html.Article:
    """A headline card: the linked figure (title, value, period/edition) and its source line below."""
    return html.Article(className="card overview-card", id=f"{PAGE}-card-{card_id}", children=[
        dcc.Link(href=href, className="overview-card-link", id=f"{PAGE}-card-{card_id}-link", children=[
            html.Span(title, className="stat-label"),
            html.Span([html.Span(value, id=f"{PAGE}-card-{card_id}-value"),
                       html.Span(f" {unit}", className="overview-unit") if unit else None],
                      className="stat-value"),
            html.Span(note, className="stat-note"),
            html.Span(tx("open", lang, page=t(page_key, lang)), className="overview-open"),
        ]),
        html.P(caveat, className="overview-caveat") if caveat else None,
        html.P(sources, className="source-line"),
    ])


def _cards(lang: str, area: str | None) -> list:
    return [_investment_card(lang, area), _participants_card(lang, area), _products_card(lang, area),
            _grp_card(lang, area), _per_capita_card(lang, area), _wage_card(lang, area)]


def _cited_source(url: str | None, lang: str) -> list:
    label = investments_data.source_label(url, queries.sources())
    return source_line([(label, url if investments_data.is_web_url(url) else None)], lang)


def _number(value: float | None, lang: str) -> str:
    """A published figure with exactly the decimals it has (no rounding of what was published)."""
    if value is None or pd.isna(value):
        return t("value.missing", lang)
    return format_number(value, lang, investments_data.exact_decimals(value, 3))


def _investment_card(lang: str, area: str | None) -> html.Article:
    row = overview_data.investment_headline(queries.cluster_indicators())
    href = _href("/investments", lang, area)
    if row is None:
        return _card("investment", tx("investment", lang), tx("missing", lang), "", href, "nav.investments",
                     lang, [])
    unit = CLUSTER_UNITS.get(row["unit"], {}).get(lang, row["unit"])
    curve = investments_data.cumulative_curve(investments_data.prepare(queries.investments()), "RUB", "made")
    caveat = None
    if not curve.empty:
        last = curve.iloc[-1]
        billions = last["low"] / 1000
        caveat = tx("investment_caveat", lang, year=int(last["year"]),
                    sum=format_number(billions, lang, investments_data.exact_decimals(billions)))
    return _card("investment", tx("investment", lang), f"{row['value_raw']} {unit}", row["year_raw"], href,
                 "nav.investments", lang, _cited_source(row["source_url"], lang), caveat)


def _participants_card(lang: str, area: str | None) -> html.Article:
    rows = overview_data.participants(queries.cluster_indicators())
    href = _href("/companies", lang, area)
    if rows.empty:
        return _card("participants", tx("participants", lang), tx("missing", lang), "", href, "nav.companies",
                     lang, [])
    first, last = rows.iloc[0], rows.iloc[-1]
    note = tx("participants_note", lang, year=last["year_raw"], first=first["value_raw"],
              first_year=int(first["year"]))
    value = f"{last['value_raw']} {tx('companies_unit', lang)}"
    return _card("participants", tx("participants", lang), value, note, href, "nav.companies", lang,
                 _cited_source(last["source_url"], lang))


def _products_card(lang: str, area: str | None) -> html.Article:
    products = queries.products()
    summary = overview_data.products_summary(products, area)
    note = tx("products_note", lang, **{k: summary[k] for k in ("areas", "unclassified", "companies")})
    if area:
        names = queries.therapy_areas().set_index("code")
        name = (pick(lang, names.at[area, "name_ru"], names.at[area, "name_en"]) if area in names.index
                else area)
        note = f"{tx('products_area', lang, area=name, n=summary['in_area'])}; {note}"
    sources = source_line([(tx("products_source", lang, n=products["source_url"].nunique()), None)], lang,
                          "card.sources")
    return _card("products", tx("products", lang), tx("products_value", lang, n=summary["products"]), note,
                 _href("/products", lang, area), "nav.products", lang, sources)


def _rosstat_source(edition: str, lang: str) -> list:
    label = f"{'Росстат' if lang == 'ru' else 'Rosstat'} · {edition_label(edition, lang)}"
    return source_line([(label, edition_url(edition))], lang)


def _grp_card(lang: str, area: str | None) -> html.Article:
    edition = overview_data.newest_edition(queries.editions(GRP))
    kaluga = queries.observations(GRP, (KALUGA_CODE,), edition=edition) if edition else pd.DataFrame()
    period = overview_data.latest_period(kaluga, KALUGA_CODE) if not kaluga.empty else None
    rank = (overview_data.rank_among_subjects(queries.cross_section(GRP, period, edition), queries.regions(),
                                              KALUGA_CODE) if period else None)
    href = _href("/indicators", lang, area, indicator=GRP, view="ranking", year=period or "",
                 edition=edition or "")
    if rank is None:
        return _card("grp", tx("grp", lang), tx("missing", lang), "", href, "nav.indicators", lang, [])
    note = tx("grp_note", lang, period=period, value=_number(rank["value"], lang),
              edition=edition_label(edition, lang))
    return _card("grp", tx("grp", lang), tx("rank", lang, rank=rank["rank"], n=rank["n"]), note, href,
                 "nav.indicators", lang, _rosstat_source(edition, lang))


def _latest_published(indicator: str) -> tuple[str | None, str | None, pd.DataFrame]:
    """The newest edition of an indicator, Kaluga's latest period in it, and Kaluga's and Russia's rows."""
    edition = overview_data.newest_edition(queries.editions(indicator))
    if not edition:
        return None, None, pd.DataFrame()
    frame = queries.observations(indicator, (KALUGA_CODE, RUSSIA_CODE), edition=edition)
    return edition, overview_data.latest_period(frame, KALUGA_CODE), frame


def _kaluga_card(card_id: str, indicator: str, lang: str, area: str | None) -> html.Article:
    """A card for one published Rosstat figure: Kaluga's latest value in the newest edition, Russia's
    value and Kaluga's rank among the federal subjects for the same period and edition."""
    edition, period, frame = _latest_published(indicator)
    href = _href("/indicators", lang, area, indicator=indicator, regions=f"{KALUGA_CODE},{RUSSIA_CODE}",
                 edition=edition or "")
    title = tx(card_id.replace("-", "_"), lang)
    if period is None:
        return _card(card_id, title, tx("missing", lang), "", href, "nav.indicators", lang, [])
    at = frame[frame["period"] == period].set_index("region_code")["value"]
    rank = overview_data.rank_among_subjects(queries.cross_section(indicator, period, edition), queries.regions(),
                                             KALUGA_CODE)
    note = tx("published_note", lang, period=period, russia=_number(at.get(RUSSIA_CODE), lang),
              rank=tx("rank", lang, rank=rank["rank"], n=rank["n"]) if rank else tx("missing", lang),
              edition=edition_label(edition, lang))
    value = tx("wages_value", lang, value=_number(at.get(KALUGA_CODE), lang))
    return _card(card_id, title, value, note, href, "nav.indicators", lang, _rosstat_source(edition, lang))


def _per_capita_card(lang: str, area: str | None) -> html.Article:
    # Rosstat's own per-capita figure (table 10.2), not one derived from two tables.
    return _kaluga_card("per-capita", INVESTMENT_PER_CAPITA, lang, area)


def _wage_card(lang: str, area: str | None) -> html.Article:
    return _kaluga_card("wages", WAGE_ANNUAL, lang, area)


# --- charts -------------------------------------------------------------------------------------


@callback(*chart_outputs(PARTICIPANTS), Input(f"{PAGE}-lang", "data"))
def update_participants(lang):
    return render_participants(normalise_language(lang))


@cache.memoize()
def render_participants(lang: str) -> tuple:
    """The participants card's outputs (the figure as a plain dict)."""
    rows = overview_data.participants(queries.cluster_indicators())
    unit = tx("companies_unit", lang)
    if rows.empty:
        return chart_result(plain.empty(t("empty.no_data", lang), lang, 300), pd.DataFrame(), [], unit,
                            "cluster_participants.csv")
    names = investments_data.source_labels(rows["source_url"], queries.sources())
    rows = rows.assign(source=[names.get(u) or investments_data.source_label(u, queries.sources())
                               for u in rows["source_url"]])
    symbols = {">": "triangle-up", "~": "circle-open"}
    figure = plain.figure([{
        "type": "scatter", "x": [int(y) for y in rows["year"]], "y": [_plotted(v) for v in rows["value_low"]],
        "mode": "markers", "name": tx("participants", lang),
        "marker": {"size": 11, "color": PALETTE[0], "line": {"width": 2, "color": PALETTE[0]},
                   "symbol": [symbols.get(q, "circle") for q in rows["qualifier"]]},
        "customdata": [list(c) for c in zip(rows["value_raw"], rows["year_raw"], rows["indicator"], rows["source"],
                                            strict=True)],
        "hovertemplate": ("<b>%{customdata[0]} " + unit + "</b><br>%{customdata[2]}<br>"
                          + f"{t('card.period', lang)}: " + "%{customdata[1]}<br>"
                          + f"{t('card.source', lang)}: " + "%{customdata[3]}<extra></extra>")}],
        base_layout(lang, 300, showlegend=False, margin={"l": 48, "r": 16, "t": 12, "b": 36},
                    yaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee", "rangemode": "tozero"},
                    xaxis={"gridcolor": "#e6e9ee", "dtick": 2}))
    shown = rows[["year", "year_raw", "indicator", "value_raw", "qualifier", "value_low", "value_high",
                  "unit", "source_url"]]
    items = [(source, u if investments_data.is_web_url(u) else None)
             for source, u in zip(rows["source"], rows["source_url"], strict=True)]
    return chart_result(figure, shown, source_line(items, lang, "card.sources"), unit,
                        "cluster_participants.csv")


def _plotted(value) -> float | None:
    """A number for the chart; None (a gap, JSON null) where it is missing."""
    return None if value is None or pd.isna(value) else float(value)


@callback(*chart_outputs(COMPARE), Input(f"{PAGE}-compare", "value"), State(f"{PAGE}-lang", "data"))
def update_compare(compare, lang):
    return render_compare(compare if compare in COMPARISONS else "grp_per_capita", normalise_language(lang))


@cache.memoize()
def render_compare(compare: str, lang: str) -> tuple:
    """The Kaluga-and-Russia card's outputs for one indicator (the figure as a plain dict)."""
    edition = COMPARISONS[compare]
    meta = queries.indicators().set_index("code")
    unit = (pick(lang, meta.at[compare, "unit_ru"], meta.at[compare, "unit_en"]) if compare in meta.index
            else "")
    frame = queries.observations(compare, (KALUGA_CODE, RUSSIA_CODE), edition=edition)
    frame = frame.dropna(subset=["value"])
    if frame.empty:
        return chart_result(plain.empty(t("empty.no_data", lang), lang, 300), pd.DataFrame(), [], unit,
                            f"{compare}.csv")
    monthly = frame["month"].notna().any()
    names = queries.regions().set_index("code")
    traces = []
    for code, colour in ((KALUGA_CODE, KALUGA_COLOUR), (RUSSIA_CODE, PALETTE[0])):
        part = frame[frame["region_code"] == code].sort_values("period")
        if part.empty:
            continue
        name = pick(lang, names.at[code, "name_ru"], names.at[code, "name_en"])
        traces.append({
            "type": "scatter", "x": (part["period"] + "-01").tolist() if monthly else [int(y) for y in part["year"]],
            "y": [float(v) for v in part["value"]], "name": name,
            "mode": "lines", "line": {"color": colour, "width": 3 if code == KALUGA_CODE else 2},
            "customdata": [[name, p, edition_label(edition, lang)] for p in part["period"]],
            "hovertemplate": ("<b>%{customdata[0]}</b><br>%{y:,.6~g} " + unit + "<br>"
                              + f"{t('card.period', lang)}: " + "%{customdata[1]}<br>"
                              + f"{t('card.source', lang)}: Rosstat · " + "%{customdata[2]}<extra></extra>")})
    figure = plain.figure(traces, base_layout(lang, 300, margin={"l": 56, "r": 16, "t": 12, "b": 36},
                                              legend={"orientation": "h", "y": -0.2},
                                              yaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee",
                                                     "tickformat": ",.0f"}))
    shown = frame[["region_code", "period", "value", "edition", "source_file", "source_sheet", "source_cell"]]
    return chart_result(figure, shown, _rosstat_source(edition, lang), unit, f"{compare}_kaluga_russia.csv")
