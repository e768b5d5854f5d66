"""Investments: cited figures as a cumulative curve, by company and by parent country, reconciled
with the cited cluster totals; every row listed with its source. Never summed across citations."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard import figure_dicts as plain
from dashboard import investments_data as data
from dashboard import queries
from dashboard.areas import companies_in_area_rows
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
from dashboard.figures import PALETTE, base_layout, narrow, wrapped_ticks
from dashboard.i18n import (
    RecordedText,
    format_count,
    format_number,
    normalise_language,
    page_text,
    pick,
    plural,
    russian_figures,
    t,
    translate_value,
)
from dashboard.titles import page_title

dash.register_page(__name__, path="/investments", order=2, label_key="nav.investments",
                   title=page_title("nav.investments"))

PAGE = "investments"
CURVE, COMPANY, COUNTRY, TABLE = (f"{PAGE}-curve", f"{PAGE}-company", f"{PAGE}-country", f"{PAGE}-table")
TABLE_STATUSES = ("all", "made", "planned", "allocated")
# Roubles read best in billions (the sources speak of "bn RUB"); dollars and euros in millions.
SCALE = {"RUB": 1000.0, "USD": 1.0, "EUR": 1.0}
MADE_COLOUR, PLANNED_COLOUR, TOTAL_COLOUR, COUNT_COLOUR = PALETTE[0], PALETTE[1], PALETTE[5], PALETTE[2]
BAND_FILL = {"made": "rgba(0,114,178,0.18)", "planned": "rgba(230,159,0,0.18)"}

TEXT = {
    "title": {"ru": "Инвестиции", "en": "Investments"},
    "lead": {"ru": "Инвестиции участников кластера, как их называют источники: одна цифра на компанию, "
                   "цитаты никогда не складываются.",
             "en": "Investment by cluster participants as the sources state it: one figure per company, "
                   "citations never added up."},
    "rule": {"ru": "Правило одной цифры. Для каждой компании, валюты и статуса (осуществлённые / "
                   "планируемые) берётся одна строка — с наибольшей нижней границей (при равенстве — "
                   "более поздняя). "
                   "Накопленные суммы со временем растут, поэтому наибольшая — лучшая цифра «на дату», а "
                   "перекрывающиеся меньшие (новая линия, ранний этап) не прибавляются. «Более N» — нижняя "
                   "граница. Валюты не пересчитываются: курса в источниках нет.",
             "en": "The one-figure rule. For each company, currency and status (made / planned) one row is "
                   "taken: the one with the largest lower bound (ties: the later one). Cumulative figures "
                   "grow over time, so the largest is the best 'to date' figure, and smaller overlapping "
                   "ones (a new line, an earlier stage) are not added on top. 'More than N' is a lower "
                   "bound. Currencies are never converted: the sources cite no exchange rate."},
    "rules": {"ru": "Как цифры отбираются и ставятся на ось времени",
              "en": "How figures are chosen and placed in time"},
    "placement": {"ru": "Где цифра стоит на оси времени. Осуществлённые — в году, по который, по словам "
                        "источника, деньги вложены («по 2015», «2011–2015», «открыт в 2014»). Планируемые — в "
                        "году, когда план объявлен или подписан («объявлено 2011-02», «соглашение 2016-12»). "
                        "Цифра без такого года (осуществлённые без года окончания, например «>8 млрд руб. в "
                        "2010-х»; планируемые только с целевым годом запуска) на ось не ставится — она "
                        "перечислена ниже с источником. Итоги по кластеру, приведённые источниками (например, "
                        "«более 50 млрд руб. с 2007 года»), — это высказывания, а не ряды по годам: они "
                        "приведены в сверке с источником и на график не наносятся.",
                  "en": "Where a figure sits on the time axis. Made: at the year the source says the money was "
                        "spent by ('to 2015', '2011-2015', 'opened 2014'). Planned: at the year the plan was "
                        "announced or agreed ('announced 2011-02', 'agreement 2016-12'). A figure without such "
                        "a year (made with no end year, e.g. '>8 bn RUB in the 2010s'; planned with only a "
                        "target launch year) is not placed on the axis: it is listed below with its source. "
                        "Cluster totals the sources cite (e.g. 'over 50 bn RUB since 2007') are statements, "
                        "not yearly series: they are quoted with their source in the reconciliation, not "
                        "drawn."},
    "currency": {"ru": "Валюта", "en": "Currency"},
    "status": {"ru": "Строки в таблице", "en": "Rows in the table"},
    "all": {"ru": "Все", "en": "All"},
    "made": {"ru": "Осуществлённые", "en": "Made"},
    "planned": {"ru": "Планируемые", "en": "Planned"},
    "allocated": {"ru": "Выделенные (бюджет)", "en": "Allocated (budget)"},
    "other": {"ru": "Прочие", "en": "Other"},
    "curve": {"ru": "Накопленные инвестиции с 2007 года", "en": "Cumulative investment since 2007"},
    "curve_desc": {"ru": "Сумма по компаниям одной цифры на компанию к каждому году — нижняя граница. "
                         "Планируемые — отдельно, в году объявления.",
                   "en": "The sum over companies of one figure each, as cited by each year: a lower bound. "
                         "Planned money apart, at the year announced."},
    "company": {"ru": "По компаниям", "en": "By company"},
    "company_desc": {"ru": "Одна цифра на компанию и статус. Планка — диапазон, где он приведён; «>» — "
                           "известна только нижняя граница.",
                     "en": "One figure per company and status. Whiskers: the range where one is cited; "
                           "'>': only a lower bound is known."},
    "country": {"ru": "По стране материнской компании", "en": "By parent country"},
    "country_desc": {"ru": "Страна — как записана в источнике (совместные не делятся). Слева — число "
                           "участников кластера; справа — сумма осуществлённых инвестиций по правилу одной "
                           "цифры. У большинства участников сумма в этой валюте не приведена, поэтому суммы "
                           "по странам — нижние границы, а не доли.",
                     "en": "Country as the source writes it (joint ones are not split). Left: number of "
                           "cluster participants; right: investment made, by the one-figure rule. Most "
                           "participants have no figure in this currency, so country sums are lower bounds, "
                           "not shares."},
    "participants_axis": {"ru": "участников", "en": "participants"},
    "reconcile": {"ru": "Сверка с приведёнными итогами",
                  "en": "How the curve reconciles with the cited totals"},
    "sum_line": {"ru": "Сумма цифр по компаниям (осуществлённые, {cur}, с датой до {year} г. включительно): "
                       "не менее {sum} {unit}, {n}.",
                 "en": "Per-company figures (made, {cur}, dated up to {year}): at least {sum} {unit}, {n}."},
    "vs_total": {"ru": "Это {share} % от нижней границы итога; разница — {gap} {unit}; обе величины — нижние "
                       "границы, поэтому точный разрыв неизвестен.",
                 "en": "That is {share}% of the total's lower bound; {gap} {unit} apart. Both are lower "
                       "bounds, so the exact gap is unknown."},
    "above_total": {"ru": "Сумма по компаниям больше этого итога на {gap} {unit}: итог, вероятно, относится "
                          "к более раннему или узкому охвату.",
                    "en": "The per-company sum exceeds this total by {gap} {unit}: the total probably covers "
                          "an earlier or narrower scope."},
    "total_undated": {"ru": "Год не приведён: итог нельзя поставить на кривую.",
                      "en": "No year is cited: the total cannot be placed on the curve."},
    "no_curve": {"ru": "Нет датированных цифр по компаниям для сравнения.",
                 "en": "No dated per-company figures to compare with."},
    "association": {"ru": "Это собственная оценка ассоциации кластера (интервью), а не проверенный итог.",
                    "en": "This is the cluster association's own figure (interview), not an audited total."},
    "other_currency_totals": {"ru": "Итоги в других валютах (выберите валюту, чтобы сравнить): {items}.",
                              "en": "Totals in other currencies (choose that currency to compare): {items}."},
    "no_totals": {"ru": "В {cur} итог по кластеру в источниках не приведён.",
                  "en": "No cluster total is cited in {cur}."},
    "why": {"ru": "Почему суммы не могут совпасть точно:", "en": "Why they cannot match exactly:"},
    "why_no_figure": {"ru": "{n} из {m} {participants} {have} приведённой суммы осуществлённых "
                            "инвестиций ни в одной валюте: {names}.",
                      "en": "{n} of {m} {participants} {have} no cited figure for money made in any "
                            "currency: {names}."},
    "why_other_currency": {"ru": "Суммы компаний {names} приведены только в других валютах; без курса из "
                                 "источника они не пересчитываются.",
                           "en": "{names}: figures cited only in other currencies; without a cited rate they "
                                 "are not converted."},
    "why_open": {"ru": "{k} из {n} {figures} — «более N», то есть только нижние границы.",
                 "en": "{k} of the {n} {figures} used {are} 'more than N', i.e. only lower bounds."},
    "why_scope": {"ru": "Итоги могут включать бюджетную инфраструктуру и компании, которых нет в источниках, "
                        "и относятся к своим периодам; одна цифра на компанию может не покрывать все её "
                        "проекты.",
                  "en": "The totals may include public infrastructure and companies no source names, and "
                        "cover their own periods; one figure per company may miss some of its projects."},
    "area_note": {"ru": "Фильтр «{area}»: показаны только компании этой области. Приведённые итоги "
                        "относятся ко всему кластеру, поэтому сравнение с ними неполное.",
                  "en": "Filter '{area}': only companies in this area are shown. The cited totals are for "
                        "the whole cluster, so the comparison with them is partial."},
    "undated": {"ru": "Цифры без года на оси", "en": "Figures without a year on the axis"},
    "undated_desc": {"ru": "Источник не называет года, по правилу выше: эти суммы не поставлены на кривую "
                           "(год не придумывается).",
                     "en": "The source names no year of the kind the rule above needs: these are not placed on "
                           "the curve (no year is invented)."},
    "undated_made": {"ru": "осуществлённые, год окончания не указан", "en": "made, no end year stated"},
    "undated_planned": {"ru": "планируемые, год объявления не указан", "en": "planned, no announcement year stated"},
    "lower_bound": {"ru": "нижняя граница", "en": "lower bound"},
    "cited_totals": {"ru": "Итоги, приведённые источниками (высказывания, не ряды по годам)",
                     "en": "Totals the sources cite (statements, not yearly series)"},
    "none_undated": {"ru": "Нет.", "en": "None."},
    "table": {"ru": "Все строки об инвестициях", "en": "Every investment row"},
    "table_desc": {"ru": "По источнику; ссылка ведёт на страницу, откуда взята цифра.",
                   "en": "As written in the source; the link opens the page the figure comes from."},
    "col_company": {"ru": "Компания", "en": "Company"},
    "col_amount": {"ru": "Сумма (как написано)", "en": "Amount as written"},
    "col_currency": {"ru": "Валюта", "en": "Currency"},
    "col_period": {"ru": "Период", "en": "Period"},
    "col_status": {"ru": "Статус", "en": "Status"},
    "col_scope": {"ru": "Охват", "en": "Scope"},
    "col_source": {"ru": "Источник", "en": "Source"},
    "made_trace": {"ru": "Осуществлённые (сумма, нижняя граница)", "en": "Made (sum, lower bound)"},
    "band_trace": {"ru": "Диапазон (где приведён)", "en": "Range (where cited)"},
    "planned_trace": {"ru": "Планируемые (объявленные)", "en": "Planned (announced)"},
    "total_trace": {"ru": "Итог: {amount} ({source})", "en": "Cited total: {amount} ({source})"},
    "companies": {"ru": "Компаний", "en": "Companies"},
    "open_ended": {"ru": "из них «более N»", "en": "of which 'more than'"},
    "year": {"ru": "Год", "en": "Year"},
    "no_figures": {"ru": "Нет цифр в {cur} для этого выбора", "en": "No figures in {cur} for this selection"},
    "not_recorded": {"ru": "не указана", "en": "not recorded"},
    "with_figure": {"ru": "с цифрой", "en": "with a figure"},
    "sources_hover": {"ru": "Источники", "en": "Sources"},
}
# Words that agree with a count ("из 21 участника", "из 22 участников"; "1 has", "2 have"), by plural category.
AGREEING = {
    "of_participants": {"ru": {"one": "участника кластера", "few": "участников кластера",
                               "many": "участников кластера", "other": "участника кластера"},
                        "en": {"one": "cluster participant", "other": "cluster participants"}},
    "have_none": {"ru": {"one": "не имеет", "few": "не имеют", "many": "не имеют", "other": "не имеют"},
                  "en": {"one": "has", "other": "have"}},
    "of_figures": {"ru": {"one": "взятой цифры", "few": "взятых цифр", "many": "взятых цифр", "other": "взятой цифры"},
                   "en": {"one": "figure", "other": "figures"}},
    "are": {"ru": {"one": "", "few": "", "many": "", "other": ""}, "en": {"one": "is", "other": "are"}},
}


def _agreeing(key: str, n: int, lang: str) -> str:
    return plural(n, AGREEING[key][lang], lang)


UNIT = {"RUB": {"ru": "млрд руб.", "en": "bn RUB"}, "USD": {"ru": "млн долл. США", "en": "mln USD"},
        "EUR": {"ru": "млн евро", "en": "mln EUR"}}


tx = page_text(TEXT)


@single_params
def layout(lang: str | None = None, area: str | None = None, currency: str | None = None,
           status: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    currency = currency if currency in data.CURRENCIES else "RUB"
    status = status if status in TABLE_STATUSES else "all"
    return html.Div([
        url_state(PAGE),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead invest-page-lead"),
        html.Div(className="controls", children=[
            html.Div([dmc.Text(tx("currency", lang), size="sm", fw=500, id=f"{PAGE}-currency-label"),
                      dmc.SegmentedControl(id=f"{PAGE}-currency", value=currency,
                                           data=[{"value": c, "label": c} for c in data.CURRENCIES],
                                           **{"aria-labelledby": f"{PAGE}-currency-label"})]),
        ]),
        html.P(id=f"{PAGE}-area-note", className="invest-area-note", role="status"),
        chart_card(CURVE, tx("curve", lang), lang, height=420, description=tx("curve_desc", lang)),
        # The rules under the chart, open: the chart's first screen shows the answer, the rules say how.
        html.Details(className="card invest-rules", open=True, children=[
            html.Summary(tx("rules", lang), className="invest-rules-summary"),
            html.P(tx("rule", lang), className="invest-rule", id=f"{PAGE}-rule"),
            html.P(tx("placement", lang), className="invest-rule", id=f"{PAGE}-placement"),
        ]),
        html.Section(className="card invest-reconcile", id=f"{PAGE}-reconcile",
                     **{"aria-labelledby": f"{PAGE}-reconcile-title"}, children=[
                         html.H2(tx("reconcile", lang), id=f"{PAGE}-reconcile-title", className="card-title"),
                         html.Div(id=f"{PAGE}-reconcile-body"),
                     ]),
        html.Div(className="grid invest-grid", children=[
            chart_card(COMPANY, tx("company", lang), lang, height=420, description=tx("company_desc", lang)),
            chart_card(COUNTRY, tx("country", lang), lang, height=420, description=tx("country_desc", lang)),
        ]),
        html.Section(className="card invest-undated", **{"aria-labelledby": f"{PAGE}-undated-title"},
                     children=[
                         html.H2(tx("undated", lang), id=f"{PAGE}-undated-title", className="card-title"),
                         html.P(tx("undated_desc", lang), className="card-description"),
                         html.Ul(id=f"{PAGE}-undated-list", className="invest-list"),
                     ]),
        _table_card(lang, status),
    ])


def _table_card(lang: str, status: str) -> html.Section:
    """Every row as written, with the same CSV download as the chart cards."""
    return html.Section(className="card invest-table-card", id=TABLE, **{"aria-labelledby": f"{TABLE}-title"},
                        children=[
        html.Div(className="card-head", children=[
            html.H2(tx("table", lang), id=f"{TABLE}-title", className="card-title"),
            html.Button(t("card.download_csv", lang), className="button-secondary",
                        id={"type": "chart-download-button", "card": TABLE}),
        ]),
        html.P(tx("table_desc", lang), className="card-description"),
        html.P(t("note.translation", lang), className="card-description"),
        html.Div(className="card-controls", children=[
            html.Div([dmc.Text(tx("status", lang), size="sm", fw=500, id=f"{PAGE}-status-label"),
                      dmc.SegmentedControl(id=f"{PAGE}-status", value=status,
                                           data=[{"value": s, "label": tx(s, lang)} for s in TABLE_STATUSES],
                                           **{"aria-labelledby": f"{PAGE}-status-label"})]),
        ]),
        html.Div(id=f"{TABLE}-body", className="table-scroll invest-table"),
        dcc.Store(id={"type": "chart-data", "card": TABLE}),
        dcc.Download(id={"type": "chart-download", "card": TABLE}),
    ])


sync_url(PAGE, [("currency", f"{PAGE}-currency", "value"), ("status", f"{PAGE}-status", "value")])


# --- data ---------------------------------------------------------------------------------------
# NOTE: the shaped rows and labels below are memoized in the app cache (so they follow the queries'
# refresh) and keyed on simple arguments; a chart state is rendered from them in a few milliseconds,
# over plain rows (investments_data's row functions), and memoized as plain dicts (render_charts).


@cache.memoize()
def _prepared() -> pd.DataFrame:
    """Every investment row with its status group, level and the year it is placed at."""
    return data.prepare(queries.investments())


@cache.memoize()
def _rows() -> list[dict]:
    """_prepared()'s rows as dicts, read as dicts (the charts need no frame)."""
    return data.prepared_rows(queries.investment_rows())


@cache.memoize()
def _area_keys(area: str | None) -> frozenset[str] | None:
    """The companies working in the therapy area (None: no area chosen, no filter)."""
    if not area:
        return None  # no filter: the products and companies are not read
    return frozenset(companies_in_area_rows(area, queries.product_rows(), queries.company_rows()))


@cache.memoize()
def _countries() -> dict[str, str | None]:
    """Every participant (the companies table) with its parent country as written."""
    return data.parent_countries(queries.company_rows())


@cache.memoize()
def _totals() -> list[dict]:
    return data.cited_total_rows(queries.cluster_indicator_rows(), _rows())


@cache.memoize()
def _source_names() -> dict[str, str]:
    """The short name of every source the page cites (investment rows and cited totals)."""
    urls = [*(row["source_url"] for row in _rows()), *(row["source_url"] for row in queries.cluster_indicator_rows())]
    return data.source_labels(urls, queries.source_rows())


def _texts(lang: str) -> RecordedText:
    """The investment rows' recorded texts (labels, periods, glosses) in the page's language."""
    # An English page shows the texts as recorded: RecordedText reads no translation for it, so none is fetched.
    return RecordedText(queries.translations("cluster") if lang == "ru" else {}, lang)


def _amount_text(amount_raw: str | None, currency_raw: str | None, texts: RecordedText) -> str:
    """'>10 bn RUB' as written, in the page's language ('>10 млрд руб.')."""
    return " ".join(p for p in (texts.figure(amount_raw), texts.text(currency_raw, "unit")) if p)


def _labels(keys_and_labels: Iterable[tuple[str, str]], lang: str) -> dict[str, str]:
    """Company names in the page's language; the investment row's own label where none is recorded.

    `keys_and_labels`: (company_key, company_label) of the investment rows.
    """
    texts = _texts(lang)
    labels = {key: texts.text(label) for key, label in keys_and_labels}
    for company in queries.company_rows():
        name = pick(lang, company["name_ru"], company["name_en"])
        if name:
            labels[company["key"]] = name
    return labels


@cache.memoize()
def _company_labels(lang: str) -> dict[str, str]:
    """_labels of every investment row (a participant's rows share its name, whatever the filter)."""
    return _labels(((row["company_key"], row["company_label"]) for row in _rows()), lang)


@cache.memoize()
def _record_lines(lang: str) -> dict[str, str]:
    """Each investment row as one hover line: 'company: amount (period) · source'."""
    rows, labels, names, texts = _rows(), _company_labels(lang), _source_names(), _texts(lang)
    return {r["record_key"]: f"{labels.get(r['company_key'], texts.text(r['company_label']))}: "
                             f"{_amount_text(r['amount_raw'], r['currency_raw'], texts)} "
                             f"({texts.text(r['period_raw'])}) · {_source_name(r['source_url'], names)}"
            for r in rows}


def _frames(area: str | None) -> pd.DataFrame:
    """Prepared investment rows of the area's companies (every row when no area is chosen)."""
    return data.filter_companies(_prepared(), _area_keys(area))


def _amount(value_mn: float | None, currency: str, lang: str) -> str:
    """An amount in the page's unit for the currency, with no more and no fewer decimals than it has."""
    if value_mn is None or pd.isna(value_mn):
        return t("value.missing", lang)
    value = value_mn / SCALE[currency]
    return format_number(value, lang, data.exact_decimals(value))


def _source_name(url: str | None, names: dict[str, str]) -> str:
    return names[url] if url in names else data.source_label(url, queries.sources())


def _source(url: str | None, names: dict[str, str]):
    label = _source_name(url, names)
    return html.A(label, href=url, target="_blank", rel="noopener") if data.is_web_url(url) else label


def _wrap(text: str, width: int = 26) -> str:
    return "<br>".join(textwrap.wrap(str(text), width)) or str(text)


def _number_or_none(value) -> float | None:
    """A plotted number; None (a gap, JSON null) where it is missing."""
    return None if value is None or pd.isna(value) else float(value)


def _missing(value) -> bool:
    return value is None or pd.isna(value)


# --- charts -------------------------------------------------------------------------------------


@callback(
    *chart_outputs(CURVE), *chart_outputs(COMPANY), *chart_outputs(COUNTRY),
    Output(f"{PAGE}-reconcile-body", "children"), Output(f"{PAGE}-undated-list", "children"),
    Output(f"{PAGE}-area-note", "children"),
    # The bar charts grow with the number of companies / countries; the card's fixed height would squash them.
    Output(f"{COMPANY}-graph", "style"), Output(f"{COUNTRY}-graph", "style"),
    Input(f"{PAGE}-currency", "value"),
    Input("global-area", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_charts(currency, area, lang):
    return render_charts(currency if currency in data.CURRENCIES else "RUB", area or None,
                         normalise_language(lang))


@cache.memoize()
def render_charts(currency: str, area: str | None, lang: str) -> tuple:
    """Every output of the chart callback for one currency, area and language (figures as plain dicts)."""
    keys = _area_keys(area)
    rows = data.filter_rows(_rows(), keys)
    names, totals, countries = _source_names(), _totals(), _countries()
    labels, lines = _company_labels(lang), _record_lines(lang)
    company = _by_company(rows, currency, lang, labels, names)
    country = _by_country(rows, countries, keys, currency, lang, lines, names)
    return (*_curve(rows, currency, lang, lines, names), *company, *country,
            _reconciliation(rows, countries, keys, totals, currency, lang, labels, names),
            _undated(rows, lang, labels, names), _area_note(area, lang),
            _height_style(company[0]), _height_style(country[0]))


def _height_style(figure: dict) -> dict:
    return {"height": f"{figure['layout'].get('height') or 420}px"}


def _area_note(area: str | None, lang: str) -> str:
    if not area:
        return ""
    row = next((row for row in queries.therapy_area_rows() if row["code"] == area), None)
    return tx("area_note", lang, area=area if row is None else pick(lang, row["name_ru"], row["name_en"]))


def _members_hover(keys: tuple, lines: dict[str, str]) -> str:
    return "<br>".join(lines[key] for key in keys if key in lines) or "—"


def _curve(rows, currency, lang, lines, names) -> tuple:
    unit = UNIT[currency][lang]
    scale = SCALE[currency]
    made = data.curve_points(rows, currency, "made")
    planned = data.curve_points(rows, currency, "planned")
    # NOTE: cited cluster totals are not drawn: a total is one statement ("over 50 bn since 2007"),
    # not a value for every year, so it is quoted with its source in the reconciliation below.
    if not made and not planned:
        figure = plain.empty(tx("no_figures", lang, cur=currency), lang, 420)
        return chart_result(figure, pd.DataFrame(), [], unit, f"investments_curve_{currency}.csv")
    hover = ("<b>%{x}</b> · %{meta}<br>" + "≥ %{y:,.6~g} " + unit
             + f"<br>{tx('companies', lang)}: " + "%{customdata[0]} (" + tx("open_ended", lang)
             + ": %{customdata[1]})<br>%{customdata[2]}<extra></extra>")
    traces = []
    for group, part, colour, name in (("made", made, MADE_COLOUR, tx("made_trace", lang)),
                                      ("planned", planned, PLANNED_COLOUR, tx("planned_trace", lang))):
        if not part:
            continue
        years = [point["year"] for point in part]
        custom = [[point["companies"], point["open_ended"], _members_hover(point["record_keys"], lines)]
                  for point in part]
        if any(point["high"] > point["low"] for point in part):
            # A band from the sum of lower bounds up to the sum of range tops, where ranges are cited.
            traces.append({"type": "scatter", "x": years, "y": [point["high"] / scale for point in part],
                           "mode": "lines", "line": {"width": 0, "color": colour, "shape": "hv"},
                           "hoverinfo": "skip", "showlegend": False, "name": tx("band_trace", lang)})
            fill = {"fill": "tonexty", "fillcolor": BAND_FILL[group]}
        else:
            fill = {}
        # The answer at a glance: the newest sum, written as the lower bound it is ("≥ 24.194").
        end_text = [""] * (len(part) - 1) + [("≥ " if part[-1]["open_ended"] else "")
                                             + _amount(part[-1]["low"], currency, lang)]
        traces.append({
            "type": "scatter", "x": years, "y": [point["low"] / scale for point in part], "name": name,
            "mode": "lines+markers+text", "text": end_text, "textposition": "top left",
            "textfont": {"color": colour, "size": 13},
            "line": {"color": colour, "width": 3 if group == "made" else 2,
                     "dash": "solid" if group == "made" else "dash", "shape": "hv"},
            "marker": {"size": 5}, "customdata": custom, "meta": tx(group, lang), "hovertemplate": hover,
            **fill})
    layout = base_layout(lang, 420,
                         yaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee", "rangemode": "tozero"},
                         xaxis={"gridcolor": "#e6e9ee", "dtick": 2},
                         legend={"orientation": "h", "y": -0.16, "traceorder": "normal"},
                         margin={"l": 56, "r": 16, "t": 36, "b": 40})
    shown = pd.DataFrame(
        [{"series": group, **{k: point[k] for k in ("year", "low", "high")}, "unit": f"mln {currency}",
          "companies": point["companies"], "open_ended": point["open_ended"],
          "records": ";".join(point["record_keys"])}
         for group, part in (("made", made), ("planned", planned)) for point in part],
        columns=["series", "year", "low", "high", "unit", "companies", "open_ended", "records"])
    used = {key for part in (made, planned) for point in part for key in point["record_keys"]}
    urls = [row["source_url"] for row in rows if row["record_key"] in used]
    return chart_result(plain.figure(traces, layout), shown, _source_line(urls, lang, names), unit,
                        f"investments_curve_{currency}.csv")


# Widths (characters) tried in turn for the lines of the by-company chart's names.
NAME_WIDTHS = (24, 30, 36)


def _name_lines(names: list[str]) -> list[str]:
    """Each name whole (44 characters cut the longest two: "Obninsk Institute for Nuclear Power Enginee…"), in lines
    of the narrowest of NAME_WIDTHS at which none takes more than three: the names' column as narrow as they allow."""
    for width in NAME_WIDTHS:
        lines = [_wrap(name, width) for name in names]
        if all(label.count("<br>") < 3 for label in lines):
            break
    return lines


def _short(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _source_line(urls: list[str], lang: str, names: dict[str, str]) -> list:
    items = [(_source_name(u, names), u if data.is_web_url(u) else None) for u in dict.fromkeys(urls) if u]
    return source_line(items, lang, "card.sources")


SCALE_WORDS = {"bn": {"ru": "млрд", "en": "bn"}, "mln": {"ru": "млн", "en": "mln"}}


def _bar_text(amount_raw: str, currency_raw: str, lang: str) -> str:
    """The figure as written with its scale (">10 bn", "975 mln"), without its gloss ("94 (of which ...)"),
    its number written the page's way ("3,5 млрд")."""
    scale = str(currency_raw or "").split(" ")[0]
    amount = amount_raw.split(" (")[0]
    amount = russian_figures(amount) if lang == "ru" else amount
    return f"{amount} {SCALE_WORDS.get(scale, {}).get(lang, scale)}".strip()


BY_COMPANY_COLUMNS = ["company_key", "company_label", "status_group", "amount_raw", "currency", "qualifier",
                      "amount_low_mn", "amount_high_mn", "period_raw", "year", "source_url", "record_key"]


def _by_company(rows, currency, lang, labels, names) -> tuple:
    unit = UNIT[currency][lang]
    texts = _texts(lang)
    scale = SCALE[currency]
    bars = data.company_bars(rows, currency)
    if not bars:
        figure = plain.empty(tx("no_figures", lang, cur=currency), lang, 420)
        return chart_result(figure, pd.DataFrame(), [], unit, f"investments_by_company_{currency}.csv")
    bars = [{**bar, "name": labels.get(bar["company_key"], bar["company_key"])} for bar in bars]
    # The bars' categories are the names, labelled whole in lines (_name_lines), in rows tall enough for them.
    order = list(dict.fromkeys(bar["name"] for bar in bars))
    lines = _name_lines(order)
    row = max(40, 15 * max(label.count("<br>") + 1 for label in lines) + 6)
    traces = []
    for group, colour in (("made", MADE_COLOUR), ("planned", PLANNED_COLOUR)):
        part = [bar for bar in bars if bar["status_group"] == group]
        if not part:
            continue
        traces.append({
            "type": "bar", "y": [bar["name"] for bar in part], "x": [bar["amount_low_mn"] / scale for bar in part],
            "orientation": "h", "name": tx(group, lang), "marker": {"color": colour},
            "text": [_bar_text(bar["amount_raw"], bar["currency_raw"], lang) for bar in part],
            "textposition": "outside",
            "cliponaxis": False,
            "error_x": {"type": "data", "symmetric": False,
                        "array": [(bar["high_or_low"] - bar["amount_low_mn"]) / scale for bar in part],
                        "arrayminus": [0] * len(part), "color": "#333", "thickness": 1.5, "width": 4},
            "customdata": [[_joined(bar["amount_raw"], bar["currency_raw"], texts), texts.text(bar["period_raw"]),
                            _source_name(bar["source_url"], names), tx(group, lang), bar["name"]] for bar in part],
            "hovertemplate": ("<b>%{customdata[4]}</b><br>%{customdata[3]}: %{customdata[0]}<br>"
                              + f"{tx('col_period', lang)}: " + "%{customdata[1]}<br>"
                              + f"{t('card.source', lang)}: " + "%{customdata[2]}<extra></extra>")})
    height = max(320, row * len(order) + 120)
    # NOTE: room on the right for the longest bar's text (">20 млрд" drawn outside it): 44 px cut it to ">20 мл"
    layout = base_layout(lang, height, barmode="group", margin={"l": 8, "r": 72, "t": 36, "b": 100},
                         yaxis={"categoryorder": "array", "categoryarray": order[::-1], "automargin": True,
                                "tickmode": "array", "tickvals": order, "ticktext": lines, "tickfont": {"size": 11}},
                         xaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee", "rangemode": "tozero"},
                         # Below the axis title, clear of the mode bar.
                         legend={"orientation": "h", "yanchor": "top", "x": 0, "y": -62 / (height - 108)})
    # On a phone the companies' names (in lines of 26 characters) left the bars a quarter of the width: lines of at
    # most 16 characters in 10 px, the longest names cut at 44 (whole on hover); the legend goes under the chart
    # (base_layout), so the margin kept for it goes.
    narrow(layout, {**wrapped_ticks("yaxis", order, [_short(name, 44) for name in order], 16), "margin.b": 48})
    shown = pd.DataFrame({column: [bar[column] for bar in bars] for column in BY_COMPANY_COLUMNS})
    shown["year"] = shown["year"].astype("Int64")
    return chart_result(plain.figure(traces, layout), shown,
                        _source_line([bar["source_url"] for bar in bars], lang, names), unit,
                        f"investments_by_company_{currency}.csv")


def _joined(amount_raw: str | None, currency_raw: str | None, texts: RecordedText) -> str | None:
    """'>10 bn RUB': the amount and its unit as written, in the page's language (missing if either is)."""
    return None if amount_raw is None or currency_raw is None else _amount_text(amount_raw, currency_raw, texts)


# The two panels of the by-country chart share the country axis (as plotly's make_subplots(rows=1,
# cols=2, shared_yaxes=True, horizontal_spacing=0.04, column_widths=[0.35, 0.65]) lays them out).
COUNTRY_DOMAINS = ([0.0, 0.336], [0.376, 1.0])
BY_COUNTRY_COLUMNS = ["country", "companies", "with_figure", "low", "unit", "open_ended", "records"]


def _by_country(rows, countries, keys, currency, lang, lines, names) -> tuple:
    unit = UNIT[currency][lang]
    scale = SCALE[currency]
    totals = data.country_totals(rows, countries, currency, keys)
    if not totals:
        figure = plain.empty(tx("no_figures", lang, cur=currency), lang, 420)
        return chart_result(figure, pd.DataFrame(), [], unit, f"investments_by_country_{currency}.csv")
    labels = [_wrap(tx("not_recorded", lang) if c is None else translate_value("country", c, lang), 18)
              for c in (r["country"] for r in totals)]
    counts = [r["companies"] for r in totals]
    traces = [{
        "type": "bar", "y": labels, "x": counts, "orientation": "h", "name": tx("participants_axis", lang),
        "marker": {"color": COUNT_COLOUR}, "text": counts, "textposition": "auto", "showlegend": False,
        "hovertemplate": "<b>%{y}</b><br>%{x} " + tx("participants_axis", lang) + "<extra></extra>",
        "xaxis": "x", "yaxis": "y",
    }, {
        "type": "bar", "y": labels, "x": [None if r["low"] is None else r["low"] / scale for r in totals],
        "orientation": "h", "name": tx("made", lang), "marker": {"color": MADE_COLOUR}, "showlegend": False,
        "cliponaxis": False,
        "text": [("≥ " if r["open_ended"] else "") + _amount(r["low"], currency, lang) if r["low"] is not None
                 else "" for r in totals], "textposition": "outside",
        "customdata": [[r["with_figure"], r["companies"], _members_hover(r["record_keys"], lines)] for r in totals],
        "hovertemplate": ("<b>%{y}</b><br>" + tx("made", lang) + ": ≥ %{x:,.6~g} " + unit + "<br>"
                          + "%{customdata[0]} " + tx("with_figure", lang) + " / %{customdata[1]}<br>"
                          + "%{customdata[2]}<extra></extra>"),
        "xaxis": "x2", "yaxis": "y2",
    }]
    height = max(300, 36 * len(totals) + 90)
    layout = base_layout(lang, height, margin={"l": 8, "r": 56, "t": 36, "b": 44})
    y_axis = {"domain": [0.0, 1.0], "categoryorder": "array", "categoryarray": labels[::-1], "automargin": True,
              "tickfont": {"size": 11}}
    layout.update(
        xaxis={"anchor": "y", "domain": COUNTRY_DOMAINS[0], "gridcolor": "#e6e9ee", "rangemode": "tozero",
               "title": {"text": tx("participants_axis", lang)}, "dtick": 5},
        xaxis2={"anchor": "y2", "domain": COUNTRY_DOMAINS[1], "gridcolor": "#e6e9ee", "rangemode": "tozero",
                "title": {"text": unit}},
        yaxis={**layout["yaxis"], **y_axis, "anchor": "x"},
        yaxis2={**y_axis, "anchor": "x2", "matches": "y", "showticklabels": False},
    )
    shown = pd.DataFrame([{**r, "unit": f"mln {currency}", "records": ";".join(r["record_keys"])} for r in totals],
                         columns=BY_COUNTRY_COLUMNS)
    used = {key for r in totals for key in r["record_keys"]}
    urls = [row["source_url"] for row in rows if row["record_key"] in used]
    return chart_result(plain.figure(traces, layout), shown, _source_line(urls, lang, names), unit,
                        f"investments_by_country_{currency}.csv")


# --- reconciliation and lists ---------------------------------------------------------------------


def _reconciliation(rows, countries, keys, totals, currency, lang, labels, names) -> list:
    unit = UNIT[currency][lang]
    texts = _texts(lang)
    compared = data.reconcile_rows(rows, totals, currency)
    items = [html.H3(tx("cited_totals", lang), className="invest-subtitle")]
    if not compared:
        items.append(html.P(tx("no_totals", lang, cur=currency)))
    for row in compared:
        head = html.P(className="invest-total", children=[
            html.Strong(texts.figure(row["amount_raw"], "unit")),
            f" ({tx('lower_bound', lang)})" if row["qualifier"] == ">" else "",
            " — ", texts.node(row["label"]), f"; {tx('col_period', lang).lower()}: ", texts.node(row["period_raw"]),
            ". ",
            t("card.source", lang), ": ", _source(row["source_url"], names), "."])
        body = []
        if "interview" in str(row["source_url"]):
            body.append(html.P(tx("association", lang), className="invest-caveat"))
        if _missing(row["year_from"]) and _missing(row["year_to"]):
            body.append(html.P(tx("total_undated", lang)))
        elif _missing(row["compared_to_year"]):
            body.append(html.P(tx("no_curve", lang)))
        else:
            body.append(html.P(tx("sum_line", lang, cur=currency, year=int(row["compared_to_year"]),
                                  sum=_amount(row["companies_low"], currency, lang), unit=unit,
                                  n=format_count(int(row["companies"]), "company", lang))))
            gap = row["gap_mn"]
            if not _missing(gap):
                if gap >= 0:
                    body.append(html.P(tx("vs_total", lang, share=format_number(row["share"] * 100, lang, 1),
                                          gap=_amount(gap, currency, lang), unit=unit)))
                else:
                    body.append(html.P(tx("above_total", lang, gap=_amount(-gap, currency, lang), unit=unit)))
        items.append(html.Div([head, *body], className="invest-total-block"))
    others = [total for total in totals if total["currency"] != currency]
    if others:
        items.append(html.P(tx("other_currency_totals", lang, items="; ".join(
            f"{texts.figure(r['amount_raw'], 'unit')} ({_source_name(r['source_url'], names)})" for r in others)),
            className="card-description"))
    items.append(_reasons(rows, countries, keys, currency, lang, labels))
    return items


def _reasons(rows, countries, keys, currency, lang, labels) -> html.Div:
    participants = set(countries) if keys is None else set(countries) & keys
    missing = data.missing_rows(rows, participants, currency)
    used = data.company_figures(rows, currency, "made")
    reasons = []
    if missing["no_figure"]:
        company_names = ", ".join(sorted(labels.get(k, k) for k in missing["no_figure"]))
        n, m = len(missing["no_figure"]), len(participants)
        reasons.append(tx("why_no_figure", lang, n=n, m=m, participants=_agreeing("of_participants", m, lang),
                          have=_agreeing("have_none", n, lang), names=company_names))
    if missing["other_currency"]:
        company_names = ", ".join(sorted(labels.get(k, k) for k in missing["other_currency"]))
        reasons.append(tx("why_other_currency", lang, names=company_names))
    if used:
        k = sum(1 for row in used if row["qualifier"] == ">")
        reasons.append(tx("why_open", lang, k=k, n=len(used), figures=_agreeing("of_figures", len(used), lang),
                          are=_agreeing("are", k, lang)))
    reasons.append(tx("why_scope", lang))
    return html.Div([html.P(html.Strong(tx("why", lang))), html.Ul([html.Li(r) for r in reasons])],
                    className="invest-reasons")


def _undated(rows, lang, labels, names) -> list:
    undated = data.undated_rows(rows)
    texts = _texts(lang)
    if not undated:
        return [html.Li(tx("none_undated", lang))]
    return [html.Li(className="invest-undated-item", **{"data-record": r["record_key"]}, children=[
        html.Strong(labels.get(r["company_key"], texts.text(r["company_label"]))), ": ",
        _amount_text(r["amount_raw"], r["currency_raw"], texts),
        f" ({tx('lower_bound', lang)})" if r["qualifier"] == ">" else "",
        f" — {tx(_undated_reason(r), lang)}; «", texts.node(r["period_raw"]), "» — ", _source(r["source_url"], names)])
        for r in undated]


def _undated_reason(row: dict) -> str:
    return "undated_planned" if row["status_group"] == "planned" else "undated_made"


# --- table --------------------------------------------------------------------------------------


@callback(
    Output(f"{TABLE}-body", "children"),
    Output({"type": "chart-data", "card": TABLE}, "data"),
    Input(f"{PAGE}-status", "value"),
    Input("global-area", "value"),
    State(f"{PAGE}-lang", "data"),
)
def update_table(status, area, lang):
    lang = normalise_language(lang)
    frame = _frames(area or None)
    if status in ("made", "planned", "allocated"):
        frame = frame[frame["status_group"] == status]
    frame = frame.sort_values(["company_label", "year", "record_key"], na_position="last")
    labels = _labels(zip(frame["company_key"], frame["company_label"], strict=True), lang)
    names, texts = _source_names(), _texts(lang)
    named = set(queries.companies()["key"])
    headers = [tx(k, lang) for k in ("col_company", "col_amount", "col_currency", "col_period", "col_status",
                                     "col_scope", "col_source")]
    body = [html.Tr([
        # a row whose company is not in the directory (a programme, the SEZ site) keeps its own label
        html.Td(labels[r.company_key] if r.company_key in named else texts.node(r.company_label, name=True)),
        html.Td(_amount_text(r.amount_raw, r.currency_raw, texts)),
        html.Td(r.currency), html.Td(texts.node(r.period_raw)), html.Td(tx(r.status_group, lang)),
        html.Td(texts.node(r.scope, "scope")),
        html.Td(_source(r.source_url, names))]) for r in frame.itertuples()]
    table = html.Table(className="plain", id=f"{TABLE}-rows", children=[
        html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])), html.Tbody(body)])
    shown = frame[["record_key", "company_key", "company_label", "amount_raw", "currency_raw", "qualifier",
                   "amount_low_mn", "amount_high_mn", "currency", "period_raw", "year_from", "year_to",
                   "status", "scope", "source_url"]]
    rows = json.loads(shown.to_json(orient="values"))
    return table, {"filename": f"investments_{status or 'all'}.csv", "columns": list(shown.columns),
                   "rows": rows}
