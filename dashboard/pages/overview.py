"""Overview: headline figures, each linking to the page behind it."""

from __future__ import annotations

import dash
from dash import html

from dashboard.i18n import normalise_language

dash.register_page(__name__, path="/", order=0, label_key="nav.overview",
                   title="Kaluga Cluster Atlas")


def layout(lang: str | None = None, **_ignored) -> html.Div:
    lang = normalise_language(lang)
    return html.Div([html.H1("Kaluga Cluster Atlas", className="page-title")])
