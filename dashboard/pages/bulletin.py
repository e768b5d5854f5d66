"""Bulletin: pick a month, get the monthly bulletin as a PDF (dashboard.bulletin); links to the digest and contact."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html

from dashboard import bulletin, queries
from dashboard.components import DATABASE_DOWN, single_params, sync_url, unavailable_page, url_state
from dashboard.i18n import format_period, normalise_language, page_text
from dashboard.model.bulletin import BadMonth, months_with_data
from dashboard.titles import page_title

dash.register_page(__name__, path="/bulletin", order=7, label_key="nav.bulletin",
                   title=page_title("nav.bulletin"))

PAGE = "bulletin"
TEXT = {
    "title": {"ru": "Бюллетень", "en": "Bulletin"},
    "lead": {"ru": "Ежемесячный бюллетень в PDF: ключевые показатели Калужской области за месяц (с изменением к "
                   "предыдущему периоду и местом среди регионов), годовые показатели, инвестиции и продукция "
                   "кластера, события месяца, графики и источники каждой цифры. Всё — из базы атласа; чего нет в "
                   "базе, то названо пропуском.",
             "en": "The monthly bulletin as a PDF: Kaluga region's key figures for the month (with the change on the "
                   "previous period and the rank among regions), yearly figures, the cluster's investment and "
                   "products, the month's events, charts, and the source of every figure. Everything comes from "
                   "the atlas's database; what it does not hold is named as a gap."},
    "month": {"ru": "Месяц", "en": "Month"},
    "month_placeholder": {"ru": "Выберите месяц", "en": "Choose a month"},
    "build": {"ru": "Скачать бюллетень (PDF)", "en": "Download the bulletin (PDF)"},
    "range": {"ru": "Месячные данные в базе: {first} — {last}. Показатели Росстата по распоряжению 806-р есть по "
                    "январь 2016 г.; позже — только индексы цен Банка России.",
              "en": "Monthly figures in the database: {first} to {last}. Rosstat's 806-р figures run to January "
                    "2016; after that only the Bank of Russia's consumer prices."},
    "no_months": {"ru": "В базе нет месячных данных: бюллетень составить не из чего.",
                  "en": "The database holds no monthly figures: there is nothing to make a bulletin from."},
    "ready": {"ru": "Бюллетень за {month} готов: {size} КБ.", "en": "The bulletin for {month} is ready: {size} KB."},
    "choose": {"ru": "Сначала выберите месяц.", "en": "Choose a month first."},
    "bad_month": {"ru": "Месяц должен быть в виде ГГГГ-ММ, например 2015-12.",
                  "en": "The month must be YYYY-MM, e.g. 2015-12."},
    "unavailable": {"ru": "База данных сейчас недоступна. Попробуйте ещё раз чуть позже.",
                    "en": "The database cannot be reached right now. Please try again shortly."},
    "more": {"ru": "Получать бюллетень по почте", "en": "Get the bulletin by email"},
    "subscribe": {"ru": "Подписаться на ежемесячную рассылку", "en": "Subscribe to the monthly digest"},
    "contact": {"ru": "Связаться с командой (для инвесторов)", "en": "Contact the team (for investors)"},
    "cli": {"ru": "Из командной строки:", "en": "From the command line:"},
}
tx = page_text(TEXT)


@single_params
def layout(lang: str | None = None, month: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    try:
        months = months_with_data(queries.engine())
    except DATABASE_DOWN:
        return unavailable_page(lang)
    chosen = month if month in months else (months[0] if months else None)
    picker = [
        dmc.Select(id=f"{PAGE}-month", label=tx("month", lang), value=chosen, searchable=True,
                   allowDeselect=False, placeholder=tx("month_placeholder", lang), w=240,
                   data=[{"value": m, "label": f"{format_period(m, lang)} ({m})"} for m in months],
                   disabled=not months, comboboxProps={"withinPortal": True}),
        dmc.Button(tx("build", lang), id=f"{PAGE}-build", n_clicks=0, disabled=not months),
    ]
    if months:
        note = html.P(tx("range", lang, first=months[-1], last=months[0]), className="card-description")
    else:
        note = html.P(tx("no_months", lang), className="empty-state", role="status")
    return html.Div(className="bulletin-page form-page", children=[
        url_state(PAGE),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
        html.Section(className="card form-card", children=[
            html.Div(picker, className="controls"),
            note,
            dcc.Loading(html.Div(id=f"{PAGE}-status", className="form-result", role="status",
                                 **{"aria-live": "polite"}), type="dot"),
            dcc.Download(id=f"{PAGE}-download"),
            html.P([tx("cli", lang), " ", html.Code(f"python -m dashboard.bulletin --month {chosen or 'YYYY-MM'} "
                                                    f"--lang {lang}")], className="card-description"),
        ]),
        html.Section(className="card form-card", children=[
            html.H2(tx("more", lang), className="card-title"),
            html.Ul(className="link-list", children=[
                html.Li(dcc.Link(tx("subscribe", lang), href=f"/subscribe?lang={lang}", id=f"{PAGE}-subscribe")),
                html.Li(dcc.Link(tx("contact", lang), href=f"/contact?lang={lang}", id=f"{PAGE}-contact")),
            ]),
        ]),
    ])


sync_url(PAGE, [("month", f"{PAGE}-month", "value")])


def _status(text: str, ok: bool) -> html.P:
    return html.P(text, className="form-message " + ("form-success" if ok else "form-error"),
                  role="status" if ok else "alert")


@callback(
    Output(f"{PAGE}-download", "data"),
    Output(f"{PAGE}-status", "children"),
    Input(f"{PAGE}-build", "n_clicks"),
    State(f"{PAGE}-month", "value"),
    State(f"{PAGE}-lang", "data"),
    prevent_initial_call=True,
)
def build_pdf(clicks, month, lang):
    lang = normalise_language(lang)
    if not clicks:
        return dash.no_update, dash.no_update
    if not month:
        return dash.no_update, _status(tx("choose", lang), False)
    try:
        pdf = bulletin.build(queries.engine(), str(month), lang)
    except BadMonth:
        return dash.no_update, _status(tx("bad_month", lang), False)
    except bulletin.NoData as error:
        return dash.no_update, _status(str(error), False)
    except DATABASE_DOWN:
        return dash.no_update, _status(tx("unavailable", lang), False)
    ready = _status(tx("ready", lang, month=bulletin.month_title(month, lang), size=max(1, round(len(pdf) / 1024))),
                    True)
    return dcc.send_bytes(pdf, bulletin.filename(month, lang), type="application/pdf"), ready
