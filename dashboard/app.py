"""App factory: the Dash app, its shell (header, navigation, global filters) and shared callbacks."""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dash
import dash_mantine_components as dmc
from dash import Dash, Input, Output, clientside_callback, dcc, html
from dash import _pages as dash_pages
from dash.dash import _ID_CONTENT, _ID_DUMMY, _ID_LOCATION, _ID_STORE
from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import Engine
from sqlalchemy.orm import configure_mappers

from dashboard import admin, api, queries, security, subscriptions
from dashboard.cache import init_cache
from dashboard.components import callback_error, page_pack_bar
from dashboard.exports import register_export_callbacks
from dashboard.i18n import LANGUAGES, normalise_language, pick, t
from dashboard.static import serve_prebuilt
from dashboard.titles import PAGE_SEARCH_ATTR
from etl import settings
from etl.db import make_read_engine
from etl.paths import REPO_ROOT

PAGES_FOLDER = Path(__file__).parent / "pages"
log = logging.getLogger(__name__)


def nav_pages() -> list[dict]:
    """Pages shown in the navigation, in their declared order."""
    pages = [p for p in dash.page_registry.values() if p.get("nav", True)]
    return sorted(pages, key=lambda p: p.get("order", 99))


def header() -> html.Header:
    links = [
        dcc.Link(t(p["label_key"], None), href=p["path"], id=f"nav-{p['module'].split('.')[-1]}",
                 className="nav-link")
        for p in nav_pages()
    ]
    return html.Header(className="site-header", children=[
        html.Div(className="brand", children=[
            dcc.Link(t("app.title", None), href="/", id="brand-title", className="brand-title"),
            html.Span(t("app.tagline", None), id="brand-tagline", className="brand-tagline"),
        ]),
        html.Nav(links, className="site-nav", id="site-nav", **{"aria-label": "sections"}),
        html.Div(className="global-controls", children=[
            dmc.Select(id="global-area", label=t("filter.area", None), data=[], clearable=True,
                       searchable=True, placeholder=t("filter.area.all", None), w=190, size="sm",
                       comboboxProps={"withinPortal": True}),
            html.Div(className="language-switch", role="group", **{"aria-label": "language"}, children=[
                html.Button(lang.upper(), id=f"lang-{lang}", className="lang-button", lang=lang,
                            **{"aria-label": {"ru": "Русский", "en": "English"}[lang]})
                for lang in LANGUAGES
            ]),
        ]),
    ])


def shell() -> dmc.MantineProvider:
    """The layout around every page."""
    return dmc.MantineProvider(
        html.Div(className="app", children=[
            dcc.Location(id="url", refresh=False),
            html.A(t("nav.skip", None), href="#main", className="skip-link", id="skip-link"),
            header(),
            html.Main([page_pack_bar(), page_container()], id="main", className="page"),
            html.Footer(html.P(t("footer.note", None), id="footer-note"), className="site-footer"),
        ]),
    )


def page_container() -> html.Div:
    """dash.page_container, holding the requested page already when the layout request says which it is.

    Dash's router otherwise fills the page by a callback once the browser has drawn the empty shell: a
    second round trip and a second render before a chart's own callback can even start. The browser asks
    for the layout from the page itself, so its Referer is the page's address (the referrer policy keeps it
    for same-origin requests). With the location's pathname, search, href and hash given, dcc.Location does
    not report a change when it mounts, so the router does not run again; without a usable Referer, or if
    the page cannot be built here, the empty container is served and the router fills it as before (and
    shows its error state).
    """
    location = _layout_request_location()
    page = _page_for(*location[:2]) if location else None
    if page is None:
        return dash.page_container
    (pathname, search, href), (layout, title) = location, page
    return html.Div([
        dcc.Location(id=_ID_LOCATION, refresh="callback-nav", pathname=pathname, search=search, href=href,
                     hash=""),
        html.Div(layout, id=_ID_CONTENT, disable_n_clicks=True),
        dcc.Store(id=_ID_STORE, data={"title": title}),
        html.Div(id=_ID_DUMMY, disable_n_clicks=True),
    ])


def _vary_layout_on_referer(response: Response) -> Response:
    """The layout holds the page its Referer names (page_container): no shared cache may mix them up."""
    if request.path.endswith("_dash-layout"):
        response.vary.add("Referer")
    return response


def _layout_request_location() -> tuple[str, str, str] | None:
    """(pathname, search, href) of the page asking for the layout, when its Referer is this site's page."""
    if not has_request_context() or not request.path.endswith("_dash-layout") or not request.referrer:
        return None
    page, here = urlsplit(request.referrer), urlsplit(request.host_url)
    if (page.scheme, page.netloc) != (here.scheme, here.netloc) or page.fragment:
        return None
    search = f"?{page.query}" if page.query else ""
    return page.path, search, f"{page.scheme}://{page.netloc}{page.path}{search}"


def _page_for(pathname: str, search: str) -> tuple[object, str] | None:
    """The router's (layout, title) for the page (the same rule as dash.Dash.enable_pages's update), or None."""
    app = dash.get_app()
    setattr(g, PAGE_SEARCH_ATTR, search)  # the page's title in the page's language (dashboard.titles)
    try:
        entry, path_variables = dash_pages._path_to_page(app.strip_relative_path(pathname))
        if not entry:
            entry = next((p for module, p in dash.page_registry.items()
                          if module.split(".")[-1] == "not_found_404"), None)
            if entry is None:
                return None
        layout, title = entry.get("layout", ""), entry["title"]
        if callable(layout):
            layout = layout(**{**(path_variables or {}), **dash_pages._parse_query_string(search)})
        if callable(title):
            title = title(**(path_variables or {}))
    except Exception:  # the router builds it again and shows its error state (e.g. the database is down)
        log.warning("page %s not built into the layout", pathname, exc_info=True)
        return None
    return layout, title


def register_shared_callbacks(app: Dash) -> None:
    """Callbacks of the shell and the chart cards (registered per app, so tests can build many)."""

    # Every chart card's exports (CSV, XLSX) and the page pack: dashboard.exports.
    register_export_callbacks(app)

    nav_ids = [f"nav-{p['module'].split('.')[-1]}" for p in nav_pages()]
    nav_paths = [p["path"] for p in nav_pages()]

    @app.callback(
        [Output(i, "children") for i in nav_ids]
        + [Output("brand-title", "children"), Output("brand-tagline", "children"),
           Output("footer-note", "children"), Output("global-area", "label"),
           Output("global-area", "placeholder"), Output("global-area", "data"), Output("skip-link", "children")],
        Input("url", "search"),
    )
    def translate_shell(search):
        lang = normalise_language(_query_value(search, "lang"))
        areas = queries.therapy_areas()
        data = [{"value": r.code, "label": pick(lang, r.name_ru, r.name_en)} for r in areas.itertuples()]
        return ([t(p["label_key"], lang) for p in nav_pages()]
                + [t("app.title", lang), t("app.tagline", lang), t("footer.note", lang),
                   t("filter.area", lang), t("filter.area.all", lang), data, t("nav.skip", lang)])

    clientside_callback(
        """function(search) {
            var params = new URLSearchParams(search || "");
            document.documentElement.lang = params.get("lang") || "ru";
            return params.get("area");
        }""",
        Output("global-area", "value"),
        Input("url", "search"),
    )
    for nav_id, path in zip(nav_ids, nav_paths, strict=True):
        clientside_callback(
            f"function(area, pathname) {{ return window.atlas.navHref({path!r}, area); }}",
            Output(nav_id, "href"),
            Input("global-area", "value"),
            Input("url", "pathname"),
        )
        # The section the reader is in is marked (a company profile is inside Companies).
        clientside_callback(
            f"""function(pathname) {{
                var p = pathname || "/", here = {path!r};
                var inside = p === here || (here !== "/" && p.indexOf(here + "/") === 0);
                return inside ? "nav-link nav-link-current" : "nav-link";
            }}""",
            Output(nav_id, "className"),
            Input("url", "pathname"),
        )
    for lang in LANGUAGES:
        clientside_callback(
            f"function(n) {{ if (n) {{ window.atlas.switchLanguage({lang!r}); }} return null; }}",
            Output(f"lang-{lang}", "data-clicked"),
            Input(f"lang-{lang}", "n_clicks"),
            prevent_initial_call=True,
        )


def _query_value(search: str | None, name: str) -> str | None:
    values = parse_qs((search or "").lstrip("?")).get(name)
    return values[0] if values else None


def create_app(engine: Engine | None = None, cache_config: dict | None = None) -> Dash:
    """A configured Dash app over `engine` (default: DATABASE_URL)."""
    server = Flask(__name__)
    server.extensions[queries.ENGINE_KEY] = engine or make_read_engine()
    init_cache(server, cache_config)
    server.after_request(_vary_layout_on_referer)
    api.register(server)
    admin.register(server)  # analysts' sign-in, CSRF and the /admin guard (dashboard/admin)
    subscriptions.register(server)  # the digest letters' confirm and unsubscribe links
    app = Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(PAGES_FOLDER),
        assets_folder=str(REPO_ROOT / "assets"),
        assets_ignore=r"regenerator-runtime\.js$",  # sent before the libraries instead (dashboard.static)
        title="Kaluga Cluster Atlas",
        update_title=None,
        suppress_callback_exceptions=True,
        on_error=callback_error,  # a database outage: every chart and the page say so (dashboard.components)
        compress=True,
        # NOTE: Dash turns async endpoints on whenever asgiref is importable (datasette, a dev tool, brings it):
        # each request then runs in a new thread through async_to_sync, about half of a cached callback's time.
        # No callback here is async.
        use_async=False,
        serve_locally=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    # Component suites, assets/ and /geo/ prebuilt at brotli 11 by `make assets` (Flask-Compress keeps its fast
    # level for callbacks);
    # plotly.js is assets/vendor/plotly-atlas.min.js, a partial bundle dcc.Graph uses instead of the full one.
    serve_prebuilt(app)
    security.register(app)  # headers, the request size limit, 404 for unknown addresses (dashboard.security)
    app.layout = shell
    register_shared_callbacks(app)
    return app


def create_server(cache_config: dict | None = None) -> Flask:
    """WSGI entry point for gunicorn: `gunicorn "dashboard.app:create_server()"`."""
    app = create_app(cache_config=cache_config)
    warm_up(app.server)
    # NOTE: what the worker has built by now (modules, the app, plotly's templates: ~180,000 objects) lives as
    # long as the worker; left to the collector, every full collection walks it again: 130 ms to over 1 s each
    # on this 2-core machine under load (8-12), added to whichever request it falls in. Frozen, a full collection
    # walks only what requests made (25-145 ms under the same load).
    gc.freeze()
    return app.server


def warm_up(server: Flask) -> None:
    """Set up, while the worker starts, what the first request would otherwise pay for (~100 ms of it).

    SQLAlchemy configures its mappers and compiles each statement shape on first use; the catalogue and the
    regions are read by every page. Nothing is computed for any particular view. A database that cannot be
    reached now is not an error: the first request reads it (and shows its error state).
    """
    configure_mappers()
    with server.app_context():
        try:
            queries.indicators()
            queries.regions()
        except Exception as exc:
            log.warning("warm-up skipped: %s", exc)


def debug_enabled() -> bool:
    return settings.get("DASH_DEBUG") == "1"
