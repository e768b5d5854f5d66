"""Contact for investors: a message to the team, kept with consent, forwarded by email when mail is set up."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, dcc, html
from flask import request

from dashboard import queries, subscriptions
from dashboard.components import DATABASE_DOWN, form_message, single_params
from dashboard.i18n import normalise_language, page_text
from dashboard.titles import page_title
from etl import settings

dash.register_page(__name__, path="/contact", nav=False, label_key="nav.bulletin",
                   title=page_title("title.contact"))

PAGE = "contact"
TEXT = {
    "title": {"ru": "Связаться с командой: для инвесторов", "en": "Contact the team: for investors"},
    "lead": {"ru": "Вопрос о площадках, компаниях кластера или цифрах атласа? Напишите — сообщение сохранится и "
                   "будет передано ответственному сотруднику.",
             "en": "A question about sites, the cluster's companies or the atlas's figures? Write to us: the message "
                   "is kept and passed on to the person responsible."},
    "name": {"ru": "Имя", "en": "Name"},
    "email": {"ru": "Адрес электронной почты для ответа", "en": "Email address for the answer"},
    "organisation": {"ru": "Организация (необязательно)", "en": "Organisation (optional)"},
    "message": {"ru": "Сообщение", "en": "Message"},
    "message_hint": {"ru": "До {most} знаков.", "en": "Up to {most} characters."},
    "consent_title": {"ru": "Согласие на обработку данных", "en": "Consent to data processing"},
    "submit": {"ru": "Отправить", "en": "Send"},
    "sent": {"ru": "Спасибо! Сообщение № {id} получено; ответим на {email}.",
             "en": "Thank you: message no. {id} is received; we will answer at {email}."},
}
tx = page_text(TEXT)
ERRORS = {
    "consent_required": {"ru": "Без согласия сообщение не отправить: отметьте галочку, если согласны. Ничего не "
                               "сохранено.",
                         "en": "The message cannot be sent without consent: tick the box if you agree. Nothing was "
                               "saved."},
    "name_required": {"ru": "Укажите имя (до 200 знаков).", "en": "Please give your name (up to 200 characters)."},
    "email_invalid": {"ru": "Это не похоже на адрес электронной почты (нужно вида name@example.ru).",
                      "en": "This does not look like an email address (it should be like name@example.com)."},
    "message_required": {"ru": "Напишите сообщение.", "en": "Please write a message."},
    "message_too_long": {"ru": f"Сообщение длиннее {subscriptions.MAX_MESSAGE} знаков; сократите его.",
                         "en": f"The message is longer than {subscriptions.MAX_MESSAGE} characters; please shorten "
                               "it."},
    "rate_limited": {"ru": "Достигнут предел сообщений с одного адреса за час (не больше {limit}). Попробуйте через "
                           "час; ничего не сохранено.",
                     "en": "The limit of messages from one address in an hour is reached (at most {limit}). Please "
                           "try again in an hour; nothing was saved."},
    "unavailable": {"ru": "База данных сейчас недоступна; сообщение не сохранено. Попробуйте позже.",
                    "en": "The database cannot be reached right now; the message was not saved. Please try later."},
}
error_text = page_text(ERRORS)


@single_params
def layout(lang: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    return html.Div(className="contact-page form-page", children=[
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        html.H1(tx("title", lang), className="page-title"),
        html.P(tx("lead", lang), className="page-lead"),
        html.Section(className="card form-card", children=[
            # A div, not a <form>: Enter must not make the browser submit and reload the page.
            html.Div(id=f"{PAGE}-form", className="atlas-form", role="form",
                     **{"aria-label": tx("title", lang)}, children=[
                dmc.TextInput(id=f"{PAGE}-name", label=tx("name", lang), required=True, autoComplete="name",
                              inputProps={"maxLength": 200}, w=360),
                dmc.TextInput(id=f"{PAGE}-email", label=tx("email", lang), required=True,
                              inputProps={"inputMode": "email", "maxLength": 320},
                              autoComplete="email", w=360),
                dmc.TextInput(id=f"{PAGE}-organisation", label=tx("organisation", lang), autoComplete="organization",
                              inputProps={"maxLength": 300}, w=360),
                dmc.Textarea(id=f"{PAGE}-message", label=tx("message", lang), required=True, autosize=True,
                             minRows=5, maxRows=14, description=tx("message_hint", lang,
                                                                    most=subscriptions.MAX_MESSAGE)),
                html.Fieldset(className="consent", children=[
                    html.Legend(tx("consent_title", lang)),
                    dmc.Checkbox(id=f"{PAGE}-consent", checked=False,
                                 label=subscriptions.tx("contact_consent", lang)),
                ]),
                dmc.Button(tx("submit", lang), id=f"{PAGE}-submit", n_clicks=0),
            ]),
            dcc.Loading(html.Div(id=f"{PAGE}-result", className="form-result", **{"aria-live": "polite"}),
                        type="dot"),
        ]),
    ])


@callback(
    Output(f"{PAGE}-result", "children"),
    Input(f"{PAGE}-submit", "n_clicks"),
    State(f"{PAGE}-name", "value"),
    State(f"{PAGE}-email", "value"),
    State(f"{PAGE}-organisation", "value"),
    State(f"{PAGE}-message", "value"),
    State(f"{PAGE}-consent", "checked"),
    State(f"{PAGE}-lang", "data"),
    prevent_initial_call=True,
)
def submit(clicks, name, email, organisation, text, consent, lang):
    lang = normalise_language(lang)
    if not clicks:
        return dash.no_update
    try:
        # NOTE: the address the request came from; behind a proxy this is the proxy's unless it is set up to pass
        # the client's (werkzeug ProxyFix), and then every visitor shares one limit.
        result = subscriptions.contact(queries.engine(), name=name, email=email, organisation=organisation,
                                       message=text, lang=lang, consent=bool(consent), address=request.remote_addr)
    except subscriptions.FormError as error:
        return form_message(error_text(error.key, lang, limit=settings.get("CONTACT_RATE_LIMIT")), False)
    except DATABASE_DOWN:
        return form_message(error_text("unavailable", lang), False)
    return form_message(tx("sent", lang, id=result.message_id, email=str(email).strip()), True)
