"""Subscribe: the monthly digest by email, with explicit consent and a confirmation letter (double opt-in)."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html

from dashboard import mail, queries, subscriptions
from dashboard.components import DATABASE_DOWN, form_message, single_params
from dashboard.i18n import normalise_language, page_text
from dashboard.titles import page_title

dash.register_page(__name__, path="/subscribe", nav=False, label_key="nav.bulletin",
                   title=page_title("title.subscribe"))

PAGE = "subscribe"
TEXT = {
    "title": {"ru": "Подписка на ежемесячный бюллетень", "en": "Subscribe to the monthly bulletin"},
    "lead": {"ru": "Раз в месяц — письмо с бюллетенем в PDF: ключевые показатели Калужской области, инвестиции и "
                   "продукция кластера, события и источники. После отправки формы придёт письмо со ссылкой: "
                   "подписка начнётся, только когда вы её подтвердите.",
             "en": "Once a month, a letter with the bulletin as a PDF: Kaluga region's key figures, the cluster's "
                   "investment and products, events and sources. After you send the form, a letter with a link "
                   "comes: the subscription starts only once you confirm it."},
    "email": {"ru": "Адрес электронной почты", "en": "Email address"},
    "email_placeholder": {"ru": "name@example.ru", "en": "name@example.com"},
    "language": {"ru": "Язык писем", "en": "Language of the letters"},
    "lang_ru": {"ru": "русский", "en": "Russian"},
    "lang_en": {"ru": "английский", "en": "English"},
    "consent_title": {"ru": "Согласие на обработку данных", "en": "Consent to data processing"},
    "submit": {"ru": "Подписаться", "en": "Subscribe"},
    "sent": {"ru": "Письмо для подтверждения отправлено на {email}. Откройте ссылку в нём, чтобы подписка "
                   "началась. Если этот адрес уже подписан, ничего не изменится.",
             "en": "A confirmation letter is on its way to {email}. Open the link in it to start the subscription. "
                   "If the address is already subscribed, nothing changes."},
    "no_mail": {"ru": "Подписка сейчас недоступна: на сервере не настроена отправка почты.",
                "en": "Subscription is not available right now: mail is not set up on this server."},
    "bulletin": {"ru": "Бюллетень можно скачать и без подписки: ", "en": "You can download the bulletin without "
                 "subscribing: "},
    "bulletin_link": {"ru": "страница «Бюллетень»", "en": "the Bulletin page"},
}
tx = page_text(TEXT)
ERRORS = {
    "consent_required": {"ru": "Без согласия подписаться нельзя: отметьте галочку, если согласны. Ничего не "
                               "сохранено.",
                         "en": "You cannot subscribe without consent: tick the box if you agree. Nothing was saved."},
    "email_invalid": {"ru": "Это не похоже на адрес электронной почты (нужно вида name@example.ru).",
                      "en": "This does not look like an email address (it should be like name@example.com)."},
    "mail_unavailable": TEXT["no_mail"],
    "mail_failed": {"ru": "Письмо отправить не удалось; ничего не сохранено. Попробуйте позже.",
                    "en": "The letter could not be sent; nothing was saved. Please try later."},
    "unavailable": {"ru": "База данных сейчас недоступна; ничего не сохранено. Попробуйте позже.",
                    "en": "The database cannot be reached right now; nothing was saved. Please try later."},
}
error_text = page_text(ERRORS)


@single_params
def layout(lang: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    available = mail.configured()
    return html.Div(className="subscribe-page form-page", children=[
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
        html.Section(className="card form-card", children=[
            html.P(tx("no_mail", lang), className="form-message form-error", role="alert", id=f"{PAGE}-no-mail")
            if not available else None,
            # A div, not a <form>: Enter must not make the browser submit and reload the page.
            html.Div(id=f"{PAGE}-form", className="atlas-form", role="form",
                     **{"aria-label": tx("title", lang)}, children=[
                dmc.TextInput(id=f"{PAGE}-email", label=tx("email", lang), required=True,
                              inputProps={"inputMode": "email", "maxLength": 320},
                              placeholder=tx("email_placeholder", lang), autoComplete="email", w=360),
                html.Div(className="form-field", children=[
                    dmc.Text(tx("language", lang), size="sm", fw=500, id=f"{PAGE}-language-label"),
                    dmc.SegmentedControl(id=f"{PAGE}-language", value=lang,
                                         data=[{"value": "ru", "label": tx("lang_ru", lang)},
                                               {"value": "en", "label": tx("lang_en", lang)}],
                                         **{"aria-labelledby": f"{PAGE}-language-label"}),
                ]),
                html.Fieldset(className="consent", children=[
                    html.Legend(tx("consent_title", lang)),
                    dmc.Checkbox(id=f"{PAGE}-consent", checked=False, label=subscriptions.tx("consent", lang)),
                ]),
                dmc.Button(tx("submit", lang), id=f"{PAGE}-submit", n_clicks=0, disabled=not available),
            ]),
            dcc.Loading(html.Div(id=f"{PAGE}-result", className="form-result", **{"aria-live": "polite"}),
                        type="dot"),
        ]),
        html.P([tx("bulletin", lang), dcc.Link(tx("bulletin_link", lang), href=f"/bulletin?lang={lang}")],
               className="card-description"),
    ])


@callback(
    Output(f"{PAGE}-result", "children"),
    Input(f"{PAGE}-submit", "n_clicks"),
    State(f"{PAGE}-email", "value"),
    State(f"{PAGE}-language", "value"),
    State(f"{PAGE}-consent", "checked"),
    State(f"{PAGE}-lang", "data"),
    prevent_initial_call=True,
)
def submit(clicks, email, letters_lang, consent, lang):
    lang = normalise_language(lang)
    if not clicks:
        return dash.no_update
    try:
        subscriptions.subscribe(queries.engine(), email, letters_lang or lang, bool(consent))
    except subscriptions.FormError as error:
        return form_message(error_text(error.key, lang), False)
    except DATABASE_DOWN:
        return form_message(error_text("unavailable", lang), False)
    return form_message(tx("sent", lang, email=str(email).strip()), True)
