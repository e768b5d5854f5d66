"""Pieces the admin pages share: the analyst's bar (pages, sign-out form) and the signed-out notice."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import dcc, html

from dashboard.admin.auth import LOGIN_PATH, csrf_token
from dashboard.admin.text import tx


def href(path: str, lang: str, **query: object) -> str:
    params = {k: v for k, v in {**query, "lang": lang}.items() if v not in (None, "")}
    return f"{path}?{urlencode(params)}"


def admin_bar(lang: str, name: str, current: str) -> html.Div:
    """Who is signed in, the admin pages, and a sign-out form (POST with the CSRF token)."""
    links = [dcc.Link(tx(key, lang), href=href(path, lang), className="admin-tab" + (" is-current" if path == current
                                                                                     else ""))
             for key, path in (("admin.nav.data", "/admin/data"), ("admin.nav.history", "/admin/history"),
                               ("admin.nav.changes", "/changes"))]
    return html.Div(className="admin-bar", children=[
        html.Nav(links, className="admin-tabs", **{"aria-label": "admin"}),
        html.Form(method="POST", action="/admin/logout", className="admin-logout", children=[
            html.Span(tx("admin.signed_in_as", lang, name=name), className="admin-who", id="admin-who"),
            dcc.Input(type="hidden", name="csrf", value=csrf_token()),
            html.Button(tx("admin.logout", lang), type="submit", className="button-secondary", id="admin-logout"),
        ]),
    ])


def signed_out(lang: str, path: str) -> html.Div:
    """What an admin page shows to someone not signed in (the server redirects a direct request)."""
    return html.Div(className="admin-page", children=[
        html.H1(tx("login.required", lang), className="page-title"),
        html.P(dcc.Link(tx("login.link", lang), href=href(LOGIN_PATH, lang, next=path), id="admin-login-link")),
    ])


def table(header: list[str], rows: list[list], class_name: str = "") -> html.Div:
    return html.Div(className="table-scroll", children=html.Table(className=f"plain {class_name}".strip(), children=[
        html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
        html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]),
    ]))
