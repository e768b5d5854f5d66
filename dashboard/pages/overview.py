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
from dashboard.i18n import (
    format_count,
    format_date,
    format_number,
    format_period,
    normalise_language,
    page_text,
    pick,
    plural,
    t,
)
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
    "participants_note": {"ru": "в {first_year} г. — {first}", "en": "{first} in {first_year}"},
    "products": {"ru": "Продукция и терапевтические области", "en": "Products and therapy areas"},
    "products_note": {"ru": "{areas}; без области: {unclassified}; {companies}",
                      "en": "{areas}; with no area: {unclassified}; {companies}"},
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
    "published_note": {"ru": "Россия — {russia} руб.; {rank}; {edition}",
                       "en": "Russia {russia} RUB; {rank}; {edition}"},
    "kaluga": {"ru": "Калужская область", "en": "Kaluga Oblast"},
    "missing": {"ru": "нет данных", "en": "no data"},
    "period": {"ru": "Период: {period}", "en": "Period: {period}"},
    "older": {"ru": "{period} — старше новейшего издания ({edition}: данные по {year} г.)",
              "en": "{period} — older than the newest edition ({edition}: data to {year})"},
    "since": {"ru": "с {year} г. до даты источника", "en": "{year} to the source's date"},
    "as_loaded": {"ru": "по цитируемым страницам, загружено {date}",
                  "en": "as the cited pages list them, loaded {date}"},
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
          sources: list, caveat: str | None = None, unit: str | None = None, period: str | None = None,
          older: str | None = None) -> html.Article:
    """A headline card: the linked figure (title, value, its period, edition) and its source line below; `older`
    flags a figure older than the newest edition's."""
    return html.Article(className="card overview-card" + (" overview-card-older" if older else ""),
                        id=f"{PAGE}-card-{card_id}", children=[
        dcc.Link(href=href, className="overview-card-link", id=f"{PAGE}-card-{card_id}-link", children=[
            html.Span(title, className="stat-label"),
            html.Span([html.Span(value, id=f"{PAGE}-card-{card_id}-value"),
                       html.Span(f" {unit}", className="overview-unit") if unit else None],
                      className="stat-value"),
            html.Span(tx("period", lang, period=period), id=f"{PAGE}-card-{card_id}-period",
                      className="overview-period") if period else None,
            html.Span(older, id=f"{PAGE}-card-{card_id}-older", className="overview-older") if older else None,
            html.Span(note, className="stat-note"),
            html.Span(tx("open", lang, page=t(page_key, lang)), className="overview-open"),
        ]),
        html.P(caveat, className="overview-caveat") if caveat else None,
        html.P(sources, className="source-line"),
    ])


def _cards(lang: str, area: str | None) -> list:
    reference = _reference()
    return [_investment_card(lang, area), _participants_card(lang, area, reference), _products_card(lang, area),
            _grp_card(lang, area, reference), _per_capita_card(lang, area, reference),
            _wage_card(lang, area, reference)]


def _grp_period() -> tuple[str | None, str | None]:
    """GRP's newest edition and Kaluga's latest period in it."""
    edition = overview_data.newest_edition(queries.editions(GRP))
    kaluga = queries.observations(GRP, (KALUGA_CODE,), edition=edition) if edition else pd.DataFrame()
    return edition, overview_data.latest_period(kaluga, KALUGA_CODE) if not kaluga.empty else None


def _reference() -> dict | None:
    """The newest edition among the Rosstat cards and its newest year: what an "older" figure is older than."""
    figures = [dict(zip(("edition", "period"), _grp_period(), strict=True))]
    for indicator in (INVESTMENT_PER_CAPITA, WAGE_ANNUAL):
        edition, period, _frame = _latest_published(indicator)
        figures.append({"edition": edition, "period": period})
    return overview_data.newest_reference(figures)


def _older(period: object, reference: dict | None, lang: str) -> str | None:
    """The flag of a figure older than the newest edition's figures; None when it is not older."""
    if not overview_data.is_older(period, reference):
        return None
    return tx("older", lang, period=format_period(str(period), lang), year=reference["year"],
              edition=edition_label(reference["edition"], lang))


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
    # NOTE: the association's total runs from 2007 to the interview, which states no date of its own.
    period = tx("since", lang, year=int(row["year"])) if pd.notna(row.get("year")) else None
    return _card("investment", tx("investment", lang), f"{row['value_raw']} {unit}", "", href,
                 "nav.investments", lang, _cited_source(row["source_url"], lang), caveat, period=period)


def _participants_card(lang: str, area: str | None, reference: dict | None = None) -> html.Article:
    rows = overview_data.participants(queries.cluster_indicator_rows())
    href = _href("/companies", lang, area)
    if not rows:
        return _card("participants", tx("participants", lang), tx("missing", lang), "", href, "nav.companies",
                     lang, [])
    first, last = rows[0], rows[-1]
    note = tx("participants_note", lang, first=first["value_raw"], first_year=int(first["year"]))
    value = f"{last['value_raw']} {plural(_count_of(last), 'company', lang)}"
    year = int(last["year"])
    return _card("participants", tx("participants", lang), value, note, href, "nav.companies", lang,
                 _cited_source(last["source_url"], lang), period=str(year), older=_older(year, reference, lang))


def _count_of(row: dict) -> float:
    """The number a cited count is worded with (">60" -> 60, "80-100" -> 100), for the noun's plural form."""
    for column in ("value_high", "value_low"):
        if pd.notna(row.get(column)):
            return float(row[column])
    return 0.0


def _products_card(lang: str, area: str | None) -> html.Article:
    products = queries.products()
    summary = overview_data.products_summary(products, area)
    note = tx("products_note", lang, areas=format_count(summary["areas"], "therapy_area", lang),
              unclassified=format_count(summary["unclassified"], "product", lang),
              companies=format_count(summary["companies"], "company", lang))
    if area:
        names = queries.therapy_areas().set_index("code")
        name = (pick(lang, names.at[area, "name_ru"], names.at[area, "name_en"]) if area in names.index
                else area)
        note = f"{tx('products_area', lang, area=name, n=summary['in_area'])}; {note}"
    sources = source_line([(tx("products_source", lang, n=products["source_url"].nunique()), None)], lang,
                          "card.sources")
    loaded = queries.load_finished()
    dates = [loaded[int(i)] for i in products["load_id"].dropna().unique() if int(i) in loaded]
    period = tx("as_loaded", lang, date=format_date(max(dates), lang, "long")) if dates else None
    return _card("products", tx("products", lang), format_count(summary["products"], "product", lang), note,
                 _href("/products", lang, area), "nav.products", lang, sources, period=period)


def _rosstat_source(edition: str, lang: str) -> list:
    label = f"{ROSSTAT[lang]} · {edition_label(edition, lang)}"
    return source_line([(label, edition_url(edition))], lang)


def _grp_card(lang: str, area: str | None, reference: dict | None = None) -> html.Article:
    edition, period = _grp_period()
    rank = (overview_data.rank_among_subjects(queries.cross_section(GRP, period, edition), queries.regions(),
                                              KALUGA_CODE) if period else None)
    href = _href("/indicators", lang, area, indicator=GRP, view="ranking", year=period or "",
                 edition=edition or "")
    if rank is None:
        return _card("grp", tx("grp", lang), tx("missing", lang), "", href, "nav.indicators", lang, [])
    note = tx("grp_note", lang, period=period, value=_number(rank["value"], lang),
              edition=edition_label(edition, lang))
    return _card("grp", tx("grp", lang), tx("rank", lang, rank=rank["rank"], n=rank["n"]), note, href,
                 "nav.indicators", lang, _rosstat_source(edition, lang), period=format_period(period, lang),
                 older=_older(period, reference, lang))


def _latest_published(indicator: str) -> tuple[str | None, str | None, pd.DataFrame]:
    """The newest edition of an indicator, Kaluga's latest period in it, and Kaluga's and Russia's rows."""
    edition = overview_data.newest_edition(queries.editions(indicator))
    if not edition:
        return None, None, pd.DataFrame()
    frame = queries.observations(indicator, (KALUGA_CODE, RUSSIA_CODE), edition=edition)
    return edition, overview_data.latest_period(frame, KALUGA_CODE), frame


def _kaluga_card(card_id: str, indicator: str, lang: str, area: str | None,
                 reference: dict | None = None) -> html.Article:
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
    return _card(card_id, title, value, note, href, "nav.indicators", lang, _rosstat_source(edition, lang),
                 period=format_period(period, lang), older=_older(period, reference, lang))


def _per_capita_card(lang: str, area: str | None, reference: dict | None = None) -> html.Article:
    # Rosstat's own per-capita figure (table 10.2), not one derived from two tables.
    return _kaluga_card("per-capita", INVESTMENT_PER_CAPITA, lang, area, reference)


def _wage_card(lang: str, area: str | None, reference: dict | None = None) -> html.Article:
    return _kaluga_card("wages", WAGE_ANNUAL, lang, area, reference)


# --- charts -------------------------------------------------------------------------------------


@callback(*chart_outputs(PARTICIPANTS), Input(f"{PAGE}-lang", "data"))
def update_participants(lang):
    return render_participants(normalise_language(lang))


@cache.memoize()
def render_participants(lang: str) -> tuple:
    """The participants card's outputs (the figure as a plain dict)."""
    rows = overview_data.participants(queries.cluster_indicator_rows())
    unit = plural(5, "company", lang)  # the axis unit: "companies" / «компаний» (the counted form)
    if not rows:
        return chart_result(plain.empty(t("empty.no_data", lang), lang, 300), pd.DataFrame(), [], unit,
                            "cluster_participants.csv")
    urls = [row["source_url"] for row in rows]
    names = investments_data.source_labels(urls, queries.source_rows())
    sources = [names.get(u) or investments_data.source_label(u, queries.sources()) for u in urls]
    symbols = {">": "triangle-up", "~": "circle-open"}
    figure = plain.figure([{
        "type": "scatter", "x": [row["year"] for row in rows], "y": [_plotted(row["value_low"]) for row in rows],
        "mode": "markers", "name": tx("participants", lang),
        "marker": {"size": 11, "color": PALETTE[0], "line": {"width": 2, "color": PALETTE[0]},
                   "symbol": [symbols.get(row["qualifier"], "circle") for row in rows]},
        "customdata": [list(c) for c in zip([row["value_raw"] for row in rows], _cited_years(rows, lang),
                                            _cited_names(rows, lang), sources, strict=True)],
        "hovertemplate": ("<b>%{customdata[0]} " + unit + "</b><br>%{customdata[2]}<br>"
                          + f"{t('card.period', lang)}: " + "%{customdata[1]}<br>"
                          + f"{t('card.source', lang)}: " + "%{customdata[3]}<extra></extra>")}],
        base_layout(lang, 300, showlegend=False, margin={"l": 48, "r": 16, "t": 12, "b": 36},
                    yaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee", "rangemode": "tozero"},
                    xaxis={"gridcolor": "#e6e9ee", "dtick": 2}))
    columns = ["year", "year_raw", "indicator", "value_raw", "qualifier", "value_low", "value_high", "unit",
               "source_url"]
    shown = pd.DataFrame([[row[c] for c in columns] for row in rows], columns=columns)
    items = [(source, u if investments_data.is_web_url(u) else None) for source, u in zip(sources, urls, strict=True)]
    return chart_result(figure, shown, source_line(items, lang, "card.sources"), unit,
                        "cluster_participants.csv")


# The cluster sources' own words for what they count (stored in English), in the page's language.
CITED_NAMES = {"cluster participants": {"ru": "участники кластера", "en": "cluster participants"},
               "cluster companies": {"ru": "компании кластера", "en": "cluster companies"},
               "cluster enterprises": {"ru": "предприятия кластера", "en": "cluster enterprises"}}
ROSSTAT = {"ru": "Росстат", "en": "Rosstat"}


def _cited_names(rows: list[dict], lang: str) -> list[str]:
    return [CITED_NAMES.get(str(row["indicator"]).strip().lower(), {}).get(lang, str(row["indicator"]))
            for row in rows]


def _cited_years(rows: list[dict], lang: str) -> list[str]:
    """The year as the source words it in English (it may say "c. 2023 (...)"), the year alone in Russian."""
    if lang == "en":
        return [str(row["year_raw"]) for row in rows]
    return [str(row["year"]) for row in rows]


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
    # One indicator's catalogue row, not the whole catalogue as a frame (~9 ms of a missed request).
    meta = queries.indicator(compare)
    unit = pick(lang, meta["unit_ru"], meta["unit_en"]) if meta is not None else ""
    frame = queries.observations(compare, (KALUGA_CODE, RUSSIA_CODE), edition=edition)
    frame = frame.dropna(subset=["value"])
    if frame.empty:
        return chart_result(plain.empty(t("empty.no_data", lang), lang, 300), pd.DataFrame(), [], unit,
                            f"{compare}.csv")
    monthly = frame["month"].notna().any()
    regions = queries.regions()
    names = {code: (ru, en) for code, ru, en in zip(regions["code"].tolist(), regions["name_ru"].tolist(),
                                                     regions["name_en"].tolist(), strict=True)}
    edition_name = edition_label(edition, lang)  # once, not once per point (each is a memoized lookup)
    # NOTE: the two regions' points split and ordered over plain lists: a mask and a sort per region cost more.
    points = sorted(zip(frame["region_code"].tolist(), frame["period"].tolist(), frame["year"].tolist(),
                        frame["value"].tolist(), strict=True), key=lambda point: point[1])
    traces = []
    for code, colour in ((KALUGA_CODE, KALUGA_COLOUR), (RUSSIA_CODE, PALETTE[0])):
        part = [point for point in points if point[0] == code]
        if not part:
            continue
        name = pick(lang, *names[code])
        traces.append({
            "type": "scatter", "x": [f"{p}-01" for _, p, _, _ in part] if monthly else [int(y) for _, _, y, _ in part],
            "y": [float(v) for _, _, _, v in part], "name": name,
            "mode": "lines", "line": {"color": colour, "width": 3 if code == KALUGA_CODE else 2},
            "customdata": [[name, p, edition_name] for _, p, _, _ in part],
            "hovertemplate": ("<b>%{customdata[0]}</b><br>%{y:,.6~g} " + unit + "<br>"
                              + f"{t('card.period', lang)}: " + "%{customdata[1]}<br>"
                              + f"{t('card.source', lang)}: {ROSSTAT[lang]} · "
                              + "%{customdata[2]}<extra></extra>")})
    figure = plain.figure(traces, base_layout(lang, 300, margin={"l": 56, "r": 16, "t": 12, "b": 36},
                                              legend={"orientation": "h", "y": -0.2},
                                              yaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee",
                                                     "tickformat": ",.0f"}))
    shown = frame[["region_code", "period", "value", "edition", "source_file", "source_sheet", "source_cell"]]
    return chart_result(figure, shown, _rosstat_source(edition, lang), unit, f"{compare}_kaluga_russia.csv")
