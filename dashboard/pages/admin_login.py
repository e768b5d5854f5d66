"""Sign-in page for analysts: a plain form POSTed to /admin/login with the session's CSRF token."""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboard.admin.auth import LOGIN_PATH, csrf_token, current_analyst
from dashboard.admin.text import tx
from dashboard.admin.ui import href
from dashboard.components import single_params
from dashboard.i18n import normalise_language

dash.register_page(__name__, path=LOGIN_PATH, nav=False, label_key="nav.sources",
                   title="Sign in — Kaluga Cluster Atlas")

ERRORS = {"wrong", "limited", "csrf"}


@single_params
def layout(lang: str | None = None, error: str | None = None, next: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    name = current_analyst()
    if name:
        return html.Div(className="admin-page admin-login", children=[
            html.H1(tx("login.title", lang), className="page-title"),
            html.P(tx("login.signed_in", lang, name=name), id="login-signed-in"),
            html.P(dcc.Link(tx("admin.nav.data", lang), href=href("/admin/data", lang))),
        ])
    message = [html.P(tx(f"login.error.{error}", lang), className="admin-error", role="alert", id="login-error")
               ] if error in ERRORS else []
    return html.Div(className="admin-page admin-login", children=[
        html.H1(tx("login.title", lang), className="page-title"),
        html.P(tx("login.lead", lang), className="page-lead"),
        *message,
        html.Form(method="POST", action=LOGIN_PATH, className="card admin-form", id="login-form", children=[
            html.Label(tx("login.name", lang), htmlFor="login-name"),
            dcc.Input(id="login-name", name="name", type="text", autoComplete="username", required=True,
                      maxLength=100, autoFocus=True),
            html.Label(tx("login.password", lang), htmlFor="login-password"),
            dcc.Input(id="login-password", name="password", type="password", autoComplete="current-password",
                      required=True),
            dcc.Input(type="hidden", name="csrf", value=csrf_token()),
            dcc.Input(type="hidden", name="next", value=next or "/admin/data"),
            dcc.Input(type="hidden", name="lang", value=lang),
            html.Button(tx("login.submit", lang), type="submit", id="login-submit", className="button-primary"),
        ]),
    ])
