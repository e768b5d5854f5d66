"""The page for an unknown address: say so, and offer the way back."""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboard.components import single_params
from dashboard.i18n import normalise_language
from dashboard.titles import page_title

dash.register_page(__name__, nav=False, label_key="nav.overview", title=page_title("title.not_found"))

TEXT = {
    "ru": ("Страница не найдена", "Такой страницы в атласе нет.", "На главную"),
    "en": ("Page not found", "The atlas has no page at this address.", "Back to the overview"),
}


@single_params
def layout(lang: str | None = None, **_ignored) -> html.Div:
    title, body, back = TEXT[normalise_language(lang)]
    return html.Div([html.H1(title, className="page-title"), html.P(body, className="page-lead"),
                     dcc.Link(back, href=f"/?lang={normalise_language(lang)}")])
