"""Investments: cited figures as a cumulative curve, by company and by parent country, reconciled
with the cited cluster totals; every row listed with its source. Never summed across citations."""

from __future__ import annotations

import json
import textwrap

import dash
import dash_mantine_components as dmc
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html
from plotly.subplots import make_subplots

from dashboard import investments_data as data
from dashboard import queries
from dashboard.areas import companies_in_area
from dashboard.components import chart_card, chart_outputs, chart_result, source_line, sync_url, url_state
from dashboard.figures import PALETTE, base_layout, empty_figure
from dashboard.i18n import format_number, normalise_language, pick, t

dash.register_page(__name__, path="/investments", order=2, label_key="nav.investments",
                   title="Investments — Kaluga Cluster Atlas")

PAGE = "investments"
CURVE, COMPANY, COUNTRY, TABLE = (f"{PAGE}-curve", f"{PAGE}-company", f"{PAGE}-country", f"{PAGE}-table")
TABLE_STATUSES = ("all", "made", "planned", "allocated")
# Roubles read best in billions (the sources speak of "bn RUB"); dollars and euros in millions.
SCALE = {"RUB": 1000.0, "USD": 1.0, "EUR": 1.0}
MADE_COLOUR, PLANNED_COLOUR, TOTAL_COLOUR, COUNT_COLOUR = PALETTE[0], PALETTE[1], PALETTE[5], PALETTE[2]
BAND_FILL = {"made": "rgba(0,114,178,0.18)", "planned": "rgba(230,159,0,0.18)"}

TEXT = {
    "title": {"ru": "Инвестиции", "en": "Investments"},
    "lead": {"ru": "Инвестиции участников кластера так, как их называют источники. Каждая строка — цитата: "
                   "одни и те же деньги называют в рублях, в долларах и диапазоном, поэтому строки никогда "
                   "не складываются между собой.",
             "en": "Investment by cluster participants as the sources state it. Each row is a citation: the "
                   "same money is quoted in roubles, in dollars and as a range, so rows are never added up."},
    "rule": {"ru": "Правило одной цифры. Для каждой компании, валюты и статуса (осуществлённые / "
                   "планируемые) берётся одна строка — с наибольшей нижней границей (при равенстве — "
                   "более поздняя). "
                   "Накопленные суммы со временем растут, поэтому наибольшая — лучшая цифра «на дату», а "
                   "перекрывающиеся меньшие (новая линия, ранний этап) не прибавляются. Осуществлённые "
                   "ставятся в год, по который они накоплены, планируемые — в год объявления; строки без "
                   "года не ставятся на кривую, а перечислены ниже. «Более N» — нижняя граница. Валюты не "
                   "пересчитываются: курса в источниках нет.",
             "en": "The one-figure rule. For each company, currency and status (made / planned) one row is "
                   "taken: the one with the largest lower bound (ties: the later one). Cumulative figures "
                   "grow over time, so the largest is the best 'to date' figure, and smaller overlapping "
                   "ones (a new line, an earlier stage) are not added on top. Made figures are placed at the "
                   "year they run to, planned ones at the year announced; rows without a year are not put "
                   "on the curve but listed below. 'More than N' is a lower bound. Currencies are never "
                   "converted: the sources cite no exchange rate."},
    "currency": {"ru": "Валюта", "en": "Currency"},
    "status": {"ru": "Строки в таблице", "en": "Rows in the table"},
    "all": {"ru": "Все", "en": "All"},
    "made": {"ru": "Осуществлённые", "en": "Made"},
    "planned": {"ru": "Планируемые", "en": "Planned"},
    "allocated": {"ru": "Выделенные (бюджет)", "en": "Allocated (budget)"},
    "other": {"ru": "Прочие", "en": "Other"},
    "curve": {"ru": "Накопленные инвестиции с 2007 года", "en": "Cumulative investment since 2007"},
    "curve_desc": {"ru": "Линия — сумма по компаниям одной цифры, приведённой к этому году. Планируемые — "
                         "отдельная линия; с осуществлёнными они не складываются (объявленный проект потом "
                         "появляется как осуществлённый). Пунктир — итоги, приведённые источниками.",
                   "en": "The line is the sum over companies of the one figure cited up to that year. "
                         "Planned money is a separate line and is never added to money made (an announced "
                         "project later reappears as made). Dotted: totals cited by the sources."},
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
                       "не менее {sum} {unit}, {n} компаний.",
                 "en": "Per-company figures (made, {cur}, dated up to {year}): at least {sum} {unit}, "
                       "{n} companies."},
    "vs_total": {"ru": "Это {share} % от нижней границы итога; разница — {gap} {unit}. Обе величины — нижние "
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
    "why_no_figure": {"ru": "{n} из {m} участников кластера не имеют приведённой суммы осуществлённых "
                            "инвестиций ни в одной валюте: {names}.",
                      "en": "{n} of {m} cluster participants have no cited figure for money made in any "
                            "currency: {names}."},
    "why_other_currency": {"ru": "Суммы компаний {names} приведены только в других валютах; без курса из "
                                 "источника они не пересчитываются.",
                           "en": "{names}: figures cited only in other currencies; without a cited rate they "
                                 "are not converted."},
    "why_open": {"ru": "{k} из {n} взятых цифр — «более N», то есть только нижние границы.",
                 "en": "{k} of the {n} figures used are 'more than N', i.e. only lower bounds."},
    "why_scope": {"ru": "Итоги могут включать бюджетную инфраструктуру и компании, которых нет в источниках, "
                        "и относятся к своим периодам; одна цифра на компанию может не покрывать все её "
                        "проекты.",
                  "en": "The totals may include public infrastructure and companies no source names, and "
                        "cover their own periods; one figure per company may miss some of its projects."},
    "area_note": {"ru": "Фильтр «{area}»: показаны только компании этой области. Приведённые итоги "
                        "относятся ко всему кластеру, поэтому сравнение с ними неполное.",
                  "en": "Filter '{area}': only companies in this area are shown. The cited totals are for "
                        "the whole cluster, so the comparison with them is partial."},
    "undated": {"ru": "Цифры без года", "en": "Figures without a year"},
    "undated_desc": {"ru": "В источниках нет года: эти суммы не поставлены на кривую (год не придумывается).",
                     "en": "The sources give no year: these are not placed on the curve (no year is "
                           "invented)."},
    "none_undated": {"ru": "Нет.", "en": "None."},
    "table": {"ru": "Все строки об инвестициях", "en": "Every investment row"},
    "table_desc": {"ru": "Как написано в источнике; ссылка ведёт на страницу, откуда взята цифра.",
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
UNIT = {"RUB": {"ru": "млрд руб.", "en": "bn RUB"}, "USD": {"ru": "млн долл. США", "en": "mln USD"},
        "EUR": {"ru": "млн евро", "en": "mln EUR"}}


def tx(key: str, lang: str, **kwargs) -> str:
    return TEXT[key][lang].format(**kwargs)


def layout(lang: str | None = None, area: str | None = None, currency: str | None = None,
           status: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    currency = currency if currency in data.CURRENCIES else "RUB"
    status = status if status in TABLE_STATUSES else "all"
    return html.Div([
        url_state(PAGE),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
        html.P(tx("rule", lang), className="page-lead invest-rule", id=f"{PAGE}-rule"),
        html.Div(className="controls", children=[
            html.Div([dmc.Text(tx("currency", lang), size="sm", fw=500, id=f"{PAGE}-currency-label"),
                      dmc.SegmentedControl(id=f"{PAGE}-currency", value=currency,
                                           data=[{"value": c, "label": c} for c in data.CURRENCIES],
                                           **{"aria-labelledby": f"{PAGE}-currency-label"})]),
        ]),
        html.P(id=f"{PAGE}-area-note", className="invest-area-note", role="status"),
        chart_card(CURVE, tx("curve", lang), lang, height=420, description=tx("curve_desc", lang)),
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


def _frames(area: str | None) -> tuple[pd.DataFrame, pd.DataFrame, set[str] | None]:
    """Prepared investment rows (area-filtered), the companies table, and the area's company keys."""
    companies = queries.companies()
    keys = companies_in_area(area, queries.products(), companies)
    return data.filter_companies(data.prepare(queries.investments()), keys), companies, keys


def _labels(frame: pd.DataFrame, companies: pd.DataFrame, lang: str) -> dict[str, str]:
    """Company names in the page's language; the investment row's own label where none is recorded."""
    labels = dict(zip(frame["company_key"], frame["company_label"], strict=True))
    for row in companies.itertuples():
        name = pick(lang, row.name_ru, row.name_en)
        if name:
            labels[row.key] = name
    return labels


def _amount(value_mn: float | None, currency: str, lang: str) -> str:
    """An amount in the page's unit for the currency, with no more and no fewer decimals than it has."""
    if value_mn is None or pd.isna(value_mn):
        return t("value.missing", lang)
    value = value_mn / SCALE[currency]
    return format_number(value, lang, data.exact_decimals(value))


def _source(url: str | None, sources: pd.DataFrame):
    label = data.source_label(url, sources)
    return html.A(label, href=url, target="_blank", rel="noopener") if data.is_web_url(url) else label


def _wrap(text: str, width: int = 26) -> str:
    return "<br>".join(textwrap.wrap(str(text), width)) or str(text)


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
    lang = normalise_language(lang)
    currency = currency if currency in data.CURRENCIES else "RUB"
    frame, companies, keys = _frames(area)
    sources = queries.sources()
    labels = _labels(frame, companies, lang)
    totals = data.cited_totals(queries.cluster_indicators(), queries.investments())
    company = _by_company(frame, currency, lang, labels, sources)
    country = _by_country(frame, companies, keys, currency, lang, labels, sources)
    return (*_curve(frame, totals, currency, lang, labels, sources), *company, *country,
            _reconciliation(frame, companies, keys, totals, currency, lang, labels, sources),
            _undated(frame, lang, labels, sources), _area_note(area, lang),
            _height_style(company[0]), _height_style(country[0]))


def _height_style(figure: go.Figure) -> dict:
    return {"height": f"{figure.layout.height or 420}px"}


def _area_note(area: str | None, lang: str) -> str:
    if not area:
        return ""
    names = queries.therapy_areas().set_index("code")
    name = pick(lang, names.at[area, "name_ru"], names.at[area, "name_en"]) if area in names.index else area
    return tx("area_note", lang, area=name)


def _members_hover(keys: tuple, frame: pd.DataFrame, labels: dict, sources: pd.DataFrame) -> str:
    rows = frame.set_index("record_key")
    lines = []
    for key in keys:
        if key not in rows.index:
            continue
        row = rows.loc[key]
        name = labels.get(row["company_key"], row["company_label"])
        lines.append(f"{name}: {row['amount_raw']} {row['currency_raw']} ({row['period_raw']}) · "
                     f"{data.source_label(row['source_url'], sources)}")
    return "<br>".join(lines) or "—"


def _curve(frame, totals, currency, lang, labels, sources) -> tuple:
    unit = UNIT[currency][lang]
    scale = SCALE[currency]
    made = data.cumulative_curve(frame, currency, "made")
    planned = data.cumulative_curve(frame, currency, "planned")
    mine = totals[totals["currency"] == currency]
    if made.empty and planned.empty:
        figure = empty_figure(tx("no_figures", lang, cur=currency), lang, 420)
        return chart_result(figure, pd.DataFrame(), [], unit, f"investments_curve_{currency}.csv")
    last = int(max(part["year"].max() for part in (made, planned) if not part.empty))
    hover = ("<b>%{x}</b> · %{meta}<br>" + "≥ %{y:,.6~g} " + unit
             + f"<br>{tx('companies', lang)}: " + "%{customdata[0]} (" + tx("open_ended", lang)
             + ": %{customdata[1]})<br>%{customdata[2]}<extra></extra>")
    traces = []
    for group, part, colour, name in (("made", made, MADE_COLOUR, tx("made_trace", lang)),
                                      ("planned", planned, PLANNED_COLOUR, tx("planned_trace", lang))):
        if part.empty:
            continue
        custom = [[r.companies, r.open_ended, _members_hover(r.record_keys, frame, labels, sources)]
                  for r in part.itertuples()]
        if (part["high"] > part["low"]).any():
            # A band from the sum of lower bounds up to the sum of range tops, where ranges are cited.
            traces.append(go.Scatter(x=part["year"], y=part["high"] / scale, mode="lines", line_shape="hv",
                                     line={"width": 0, "color": colour}, hoverinfo="skip", showlegend=False,
                                     name=tx("band_trace", lang)))
            fill = {"fill": "tonexty", "fillcolor": BAND_FILL[group]}
        else:
            fill = {}
        traces.append(go.Scatter(
            x=part["year"], y=part["low"] / scale, name=name, mode="lines+markers", line_shape="hv",
            line={"color": colour, "width": 3 if group == "made" else 2, "dash": "solid" if group == "made"
                  else "dash"}, marker={"size": 5}, customdata=custom, meta=tx(group, lang),
            hovertemplate=hover, **fill))
    for row in mine.itertuples():
        if pd.isna(row.year_from) and pd.isna(row.year_to):
            continue  # undated: named in the reconciliation text, not placed on the axis
        start = int(row.year_from) if not pd.isna(row.year_from) else int(row.year_to)
        end = int(row.year_to) if not pd.isna(row.year_to) else last
        source = data.source_label(row.source_url, sources)
        traces.append(go.Scatter(
            x=[start, end], y=[row.low_mn / scale] * 2, mode="lines+markers",
            name=tx("total_trace", lang, amount=row.amount_raw, source=_short(source)),
            line={"color": TOTAL_COLOUR, "dash": "dot", "width": 1.5},
            marker={"symbol": "triangle-up" if row.qualifier == ">" else "diamond", "size": 9},
            customdata=[[row.amount_raw, row.period_raw, source, row.label]] * 2,
            hovertemplate=("<b>%{customdata[3]}</b><br>%{customdata[0]} · " + f"{tx('col_period', lang)}: "
                           + "%{customdata[1]}<br>" + f"{t('card.source', lang)}: " + "%{customdata[2]}"
                           + "<extra></extra>")))
    layout = base_layout(lang, 420,
                         yaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee", "rangemode": "tozero"},
                         xaxis={"gridcolor": "#e6e9ee", "dtick": 2},
                         legend={"orientation": "h", "y": -0.16, "traceorder": "normal"},
                         margin={"l": 56, "r": 16, "t": 16, "b": 40})
    shown = pd.concat([part.assign(series=group) for group, part in (("made", made), ("planned", planned))
                       if not part.empty], ignore_index=True)
    shown = shown.assign(unit=f"mln {currency}", records=[";".join(k) for k in shown["record_keys"]])
    shown = shown[["series", "year", "low", "high", "unit", "companies", "open_ended", "records"]]
    used = set().union(*shown["records"].str.split(";")) - {""}
    urls = frame.loc[frame["record_key"].isin(used), "source_url"].tolist() + mine["source_url"].tolist()
    return chart_result(go.Figure(traces, layout), shown, _source_line(urls, lang, sources), unit,
                        f"investments_curve_{currency}.csv")


def _short(text: str, width: int = 28) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _source_line(urls: list[str], lang: str, sources: pd.DataFrame) -> list:
    items = [(data.source_label(u, sources), u if data.is_web_url(u) else None)
             for u in dict.fromkeys(urls) if u]
    return source_line(items, lang, "card.sources")


SCALE_WORDS = {"bn": {"ru": "млрд", "en": "bn"}, "mln": {"ru": "млн", "en": "mln"}}


def _bar_text(amount_raw: str, currency_raw: str, lang: str) -> str:
    """The figure as written with its scale (">10 bn", "975 mln"), without its gloss ("94 (of which ...)")."""
    scale = str(currency_raw or "").split(" ")[0]
    return f"{amount_raw.split(' (')[0]} {SCALE_WORDS.get(scale, {}).get(lang, scale)}".strip()


def _by_company(frame, currency, lang, labels, sources) -> tuple:
    unit = UNIT[currency][lang]
    scale = SCALE[currency]
    rows = data.by_company(frame, currency)
    if rows.empty:
        figure = empty_figure(tx("no_figures", lang, cur=currency), lang, 420)
        return chart_result(figure, pd.DataFrame(), [], unit, f"investments_by_company_{currency}.csv")
    names = [labels.get(k, k) for k in rows["company_key"]]
    rows = rows.assign(label=[_wrap(_short(n, 44), 24) for n in names], name=names,
                       source=[data.source_label(u, sources) for u in rows["source_url"]])
    order = list(dict.fromkeys(rows["label"]))
    traces = []
    for group, colour in (("made", MADE_COLOUR), ("planned", PLANNED_COLOUR)):
        part = rows[rows["status_group"] == group]
        if part.empty:
            continue
        plus = ((part["high_or_low"] - part["amount_low_mn"]) / scale).tolist()
        traces.append(go.Bar(
            y=part["label"], x=part["amount_low_mn"] / scale, orientation="h", name=tx(group, lang),
            marker={"color": colour},
            text=[_bar_text(a, c, lang)
                  for a, c in zip(part["amount_raw"], part["currency_raw"], strict=True)],
            textposition="outside",
            cliponaxis=False,
            error_x={"type": "data", "symmetric": False, "array": plus, "arrayminus": [0] * len(part),
                     "color": "#333", "thickness": 1.5, "width": 4},
            customdata=list(zip(part["amount_raw"] + " " + part["currency_raw"], part["period_raw"],
                                part["source"], [tx(group, lang)] * len(part), part["name"], strict=True)),
            hovertemplate=("<b>%{customdata[4]}</b><br>%{customdata[3]}: %{customdata[0]}<br>"
                           + f"{tx('col_period', lang)}: " + "%{customdata[1]}<br>"
                           + f"{t('card.source', lang)}: " + "%{customdata[2]}<extra></extra>")))
    height = max(320, 40 * len(order) + 120)
    layout = base_layout(lang, height, barmode="group", margin={"l": 8, "r": 44, "t": 8, "b": 100},
                         yaxis={"categoryorder": "array", "categoryarray": order[::-1], "automargin": True,
                                "tickfont": {"size": 11}},
                         xaxis={"title": {"text": unit}, "gridcolor": "#e6e9ee", "rangemode": "tozero"},
                         # Below the axis title, clear of the mode bar.
                         legend={"orientation": "h", "yanchor": "top", "x": 0, "y": -62 / (height - 108)})
    figure = go.Figure(traces, layout)
    shown = rows[["company_key", "company_label", "status_group", "amount_raw", "currency", "qualifier",
                  "amount_low_mn", "amount_high_mn", "period_raw", "year", "source_url", "record_key"]]
    return chart_result(figure, shown, _source_line(rows["source_url"].tolist(), lang, sources), unit,
                        f"investments_by_company_{currency}.csv")


def _by_country(frame, companies, keys, currency, lang, labels, sources) -> tuple:
    unit = UNIT[currency][lang]
    scale = SCALE[currency]
    rows = data.by_country(frame, companies, currency, keys)
    if rows.empty:
        figure = empty_figure(tx("no_figures", lang, cur=currency), lang, 420)
        return chart_result(figure, pd.DataFrame(), [], unit, f"investments_by_country_{currency}.csv")
    rows = rows.assign(label=[_wrap(tx("not_recorded", lang) if pd.isna(c) else c, 18)
                              for c in rows["country"]])
    order = rows["label"].tolist()[::-1]
    figure = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                           column_widths=[0.35, 0.65])
    figure.add_trace(go.Bar(
        y=rows["label"], x=rows["companies"], orientation="h", name=tx("participants_axis", lang),
        marker={"color": COUNT_COLOUR}, text=rows["companies"], textposition="auto", showlegend=False,
        hovertemplate="<b>%{y}</b><br>%{x} " + tx("participants_axis", lang) + "<extra></extra>"),
        row=1, col=1)
    figure.add_trace(go.Bar(
        y=rows["label"], x=rows["low"] / scale, orientation="h", name=tx("made", lang),
        marker={"color": MADE_COLOUR}, showlegend=False, cliponaxis=False,
        text=[("≥ " if o else "") + _amount(v, currency, lang) if pd.notna(v) else ""
              for v, o in zip(rows["low"], rows["open_ended"], strict=True)], textposition="outside",
        customdata=list(zip(rows["with_figure"], rows["companies"],
                            [_members_hover(k, frame, labels, sources) for k in rows["record_keys"]],
                            strict=True)),
        hovertemplate=("<b>%{y}</b><br>" + tx("made", lang) + ": ≥ %{x:,.6~g} " + unit + "<br>"
                       + "%{customdata[0]} " + tx("with_figure", lang) + " / %{customdata[1]}<br>"
                       + "%{customdata[2]}<extra></extra>")), row=1, col=2)
    height = max(300, 36 * len(rows) + 90)
    figure.update_layout(**base_layout(lang, height, margin={"l": 8, "r": 56, "t": 8, "b": 44}))
    figure.update_yaxes(categoryorder="array", categoryarray=order, automargin=True, tickfont={"size": 11})
    figure.update_xaxes(gridcolor="#e6e9ee", rangemode="tozero")
    figure.update_xaxes(title={"text": tx("participants_axis", lang)}, row=1, col=1, dtick=5)
    figure.update_xaxes(title={"text": unit}, row=1, col=2)
    shown = rows.assign(unit=f"mln {currency}", records=[";".join(k) for k in rows["record_keys"]])
    shown = shown[["country", "companies", "with_figure", "low", "unit", "open_ended", "records"]]
    used = set().union(*map(set, rows["record_keys"]))
    urls = frame.loc[frame["record_key"].isin(used), "source_url"].tolist()
    return chart_result(figure, shown, _source_line(urls, lang, sources), unit,
                        f"investments_by_country_{currency}.csv")


# --- reconciliation and lists ---------------------------------------------------------------------


def _reconciliation(frame, companies, keys, totals, currency, lang, labels, sources) -> list:
    unit = UNIT[currency][lang]
    compared = data.reconcile(frame, totals, currency)
    items = []
    if compared.empty:
        items.append(html.P(tx("no_totals", lang, cur=currency)))
    for row in compared.itertuples():
        head = html.P(className="invest-total", children=[
            html.Strong(f"{row.amount_raw}"),
            f" — {row.label}; {tx('col_period', lang).lower()}: {row.period_raw}. ",
            t("card.source", lang), ": ", _source(row.source_url, sources), "."])
        body = []
        if "interview" in str(row.source_url):
            body.append(html.P(tx("association", lang), className="invest-caveat"))
        if pd.isna(row.year_from) and pd.isna(row.year_to):
            body.append(html.P(tx("total_undated", lang)))
        elif row.compared_to_year is None or pd.isna(row.compared_to_year):
            body.append(html.P(tx("no_curve", lang)))
        else:
            body.append(html.P(tx("sum_line", lang, cur=currency, year=int(row.compared_to_year),
                                  sum=_amount(row.companies_low, currency, lang), unit=unit,
                                  n=int(row.companies))))
            if row.gap_mn is not None and not pd.isna(row.gap_mn):
                if row.gap_mn >= 0:
                    body.append(html.P(tx("vs_total", lang, share=format_number(row.share * 100, lang, 1),
                                          gap=_amount(row.gap_mn, currency, lang), unit=unit)))
                else:
                    body.append(html.P(tx("above_total", lang, gap=_amount(-row.gap_mn, currency, lang),
                                          unit=unit)))
        items.append(html.Div([head, *body], className="invest-total-block"))
    others = totals[totals["currency"] != currency]
    if not others.empty:
        items.append(html.P(tx("other_currency_totals", lang, items="; ".join(
            f"{r.amount_raw} ({data.source_label(r.source_url, sources)})" for r in others.itertuples())),
            className="card-description"))
    items.append(_reasons(frame, companies, keys, currency, lang, labels))
    return items


def _reasons(frame, companies, keys, currency, lang, labels) -> html.Div:
    missing = data.missing_from_sum(frame, companies, currency, keys)
    participants = len(companies) if keys is None else len(set(companies["key"]) & keys)
    used = data.one_figure_per_company(frame, currency, "made")
    reasons = []
    if missing["no_figure"]:
        names = ", ".join(sorted(labels.get(k, k) for k in missing["no_figure"]))
        reasons.append(tx("why_no_figure", lang, n=len(missing["no_figure"]), m=participants, names=names))
    if missing["other_currency"]:
        names = ", ".join(sorted(labels.get(k, k) for k in missing["other_currency"]))
        reasons.append(tx("why_other_currency", lang, names=names))
    if len(used):
        reasons.append(tx("why_open", lang, k=int((used["qualifier"] == ">").sum()), n=len(used)))
    reasons.append(tx("why_scope", lang))
    return html.Div([html.P(html.Strong(tx("why", lang))), html.Ul([html.Li(r) for r in reasons])],
                    className="invest-reasons")


def _undated(frame, lang, labels, sources) -> list:
    rows = data.undated(frame)
    if rows.empty:
        return [html.Li(tx("none_undated", lang))]
    return [html.Li([html.Strong(labels.get(r.company_key, r.company_label)), ": ",
                     f"{r.amount_raw} {r.currency_raw} ({tx(data.status_group(r.status), lang).lower()}; "
                     f"{r.period_raw}) — ", _source(r.source_url, sources)])
            for r in rows.itertuples()]


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
    frame, companies, _keys = _frames(area)
    if status in ("made", "planned", "allocated"):
        frame = frame[frame["status_group"] == status]
    frame = frame.sort_values(["company_label", "year", "record_key"], na_position="last")
    labels = _labels(frame, companies, lang)
    sources = queries.sources()
    headers = [tx(k, lang) for k in ("col_company", "col_amount", "col_currency", "col_period", "col_status",
                                     "col_scope", "col_source")]
    body = [html.Tr([
        html.Td(labels.get(r.company_key, r.company_label)), html.Td(f"{r.amount_raw} {r.currency_raw}"),
        html.Td(r.currency), html.Td(r.period_raw), html.Td(r.status), html.Td(r.scope or ""),
        html.Td(_source(r.source_url, sources))]) for r in frame.itertuples()]
    table = html.Table(className="plain", id=f"{TABLE}-rows", children=[
        html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])), html.Tbody(body)])
    shown = frame[["record_key", "company_key", "company_label", "amount_raw", "currency_raw", "qualifier",
                   "amount_low_mn", "amount_high_mn", "currency", "period_raw", "year_from", "year_to",
                   "status", "scope", "source_url"]]
    rows = json.loads(shown.to_json(orient="values"))
    return table, {"filename": f"investments_{status or 'all'}.csv", "columns": list(shown.columns),
                   "rows": rows}
