"""Page titles (the browser tab) in the page's language: "Companies — Kaluga Cluster Atlas"."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

import dash
import flask

from dashboard.i18n import normalise_language, t

# flask.g's name for the query string of the page a layout request builds (set by dashboard.app).
PAGE_SEARCH_ATTR = "atlas_page_search"


def request_language() -> str:
    """The language of the page being built: ?lang= of the routing callback's URL, else of the request."""
    search = None
    try:
        # Dash calls a page's title inside its routing callback, whose inputs carry the URL's query string.
        search = dash.callback_context.inputs.get("_pages_location.search")
    except Exception:  # no callback running (the index page's meta tags): the request's own query
        search = None
    if search is None and flask.has_app_context():
        # The layout request building its page (dashboard.app.page_container) names the page's query.
        search = flask.g.get(PAGE_SEARCH_ATTR)
    if search is None and flask.has_request_context():
        return normalise_language(flask.request.args.get("lang"))
    values = parse_qs((search or "").lstrip("?")).get("lang")
    return normalise_language(values[0] if values else None)


def title_text(key: str | None, lang: str | None) -> str:
    """The title of a page whose name is the string `key` (None: the atlas itself)."""
    atlas = t("app.title", lang)
    return atlas if key is None else f"{t(key, lang)} — {atlas}"


def page_title(key: str | None) -> Callable[..., str]:
    """A `dash.register_page(title=...)` callable: the page's title in the language of the URL."""

    def title(**_path_variables: str) -> str:
        return title_text(key, request_language())

    return title
