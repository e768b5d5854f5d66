"""Sign-in for analysts: session cookies, CSRF tokens, the sign-in and sign-out routes, and the /admin guard.

Rules: every state change is a POST carrying the session's CSRF token (a form field, or a Dash
callback's State); every /admin path refuses an anonymous request (a page redirects to the sign-in
page, anything else gets 401); the session cookie is HttpOnly and SameSite=Lax, and Secure unless
the request is plain http to localhost (SESSION_COOKIE_SECURE).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, has_request_context, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import Engine
from werkzeug.exceptions import Forbidden, Unauthorized

from etl import settings, users
from etl.db import make_engine

log = logging.getLogger(__name__)

ANALYST_KEY = "analyst"
CSRF_KEY = "csrf"
WRITE_ENGINE_KEY = "atlas_admin_engine"
LOGIN_PATH = "/admin/login"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Paths under /admin an anonymous request may reach: the sign-in page and its form.
PUBLIC_ADMIN_PATHS = {LOGIN_PATH}


class AtlasSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session whose Secure flag follows SESSION_COOKIE_SECURE (auto: by the request)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        mode = app.config.get("ATLAS_COOKIE_SECURE", "auto")
        if mode in ("0", "1"):
            return mode == "1"
        if not has_request_context():
            return True
        host = request.host.rsplit(":", 1)[0] if not request.host.startswith("[") else request.host.split("]")[0] + "]"
        return request.is_secure or host not in LOCAL_HOSTS


def current_analyst() -> str | None:
    """The signed-in analyst's name, or None."""
    return session.get(ANALYST_KEY) if has_request_context() else None


def csrf_token() -> str:
    """This session's CSRF token (created on first use)."""
    token = session.get(CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def csrf_valid(token: object) -> bool:
    expected = session.get(CSRF_KEY)
    return bool(expected) and isinstance(token, str) and hmac.compare_digest(expected, token)


def require_analyst(token: object) -> str:
    """The analyst for a state-changing request: 401 when nobody is signed in, 403 when the CSRF token is wrong."""
    name = current_analyst()
    if not name:
        raise Unauthorized("sign in first")
    if not csrf_valid(token):
        raise Forbidden("the form's security token is missing or stale: reload the page")
    return name


def write_engine() -> Engine:
    """The engine the admin writes through: the dashboard's database without its read timeouts (a load's
    statements may run long; SQLite waits up to a minute for the write lock)."""
    extensions = current_app.extensions
    engine = extensions.get(WRITE_ENGINE_KEY)
    if engine is None:
        from dashboard.queries import ENGINE_KEY

        url = extensions[ENGINE_KEY].url.render_as_string(hide_password=False)
        engine = make_engine(url, busy_timeout=60)
        extensions[WRITE_ENGINE_KEY] = engine
    return engine


def _safe_next(target: str | None) -> str:
    """Only a path inside /admin (never another site) is a place to return to after signing in."""
    if target and target.startswith("/admin/") and not target.startswith("//") and target != LOGIN_PATH:
        return target
    return "/admin/data"


def _back_to_login(error: str, target: str | None, lang: str | None) -> Response:
    query = {"error": error, "next": _safe_next(target)}
    if lang in ("ru", "en"):
        query["lang"] = lang
    return redirect(f"{LOGIN_PATH}?{urlencode(query)}", code=303)


def create_blueprint() -> Blueprint:
    blueprint = Blueprint("atlas_admin", __name__)

    @blueprint.post(LOGIN_PATH)
    def login() -> Response:
        lang = request.form.get("lang")
        target = request.form.get("next")
        if not csrf_valid(request.form.get("csrf")):
            return _back_to_login("csrf", target, lang)
        outcome = users.sign_in(write_engine(), request.form.get("name", ""), request.form.get("password", ""),
                                request.remote_addr or "unknown")
        if outcome.name is None:
            log.info("sign-in refused (%s) for %r from %s", outcome.refused, request.form.get("name"),
                     request.remote_addr)
            response = _back_to_login(outcome.refused or "wrong", target, lang)
            if outcome.refused == "limited":
                response.status_code = 303
            return response
        # A new session on sign-in (no fixation): a fresh CSRF token too.
        session.clear()
        session[ANALYST_KEY] = outcome.name
        session[CSRF_KEY] = secrets.token_urlsafe(32)
        destination = _safe_next(target)
        if lang in ("ru", "en"):
            destination += ("&" if "?" in destination else "?") + f"lang={lang}"
        return redirect(destination, code=303)

    @blueprint.post("/admin/logout")
    def logout() -> Response:
        if not current_analyst():
            raise Unauthorized("not signed in")
        if not csrf_valid(request.form.get("csrf")):
            raise Forbidden("the form's security token is missing or stale")
        session.clear()
        return redirect("/", code=303)

    return blueprint


def guard_admin_paths() -> Response | None:
    """before_request: an anonymous request to /admin/... is refused (pages go to the sign-in page)."""
    path = request.path.rstrip("/") or "/"
    if not (path == "/admin" or path.startswith("/admin/")) or path in PUBLIC_ADMIN_PATHS:
        return None
    if current_analyst():
        return None
    if request.method in ("GET", "HEAD"):
        query = {"next": request.full_path.rstrip("?")}
        if request.args.get("lang") in ("ru", "en"):
            query["lang"] = request.args["lang"]
        return redirect(f"{LOGIN_PATH}?{urlencode(query)}", code=302)
    raise Unauthorized("sign in first")


def configure(server: Flask) -> None:
    """Session cookie settings, the sign-in routes and the /admin guard."""
    key = settings.get("SECRET_KEY")
    if not key:
        log.warning("SECRET_KEY is not set: a random key for this process (sessions end at a restart and are "
                    "not shared between workers)")
        key = secrets.token_hex(32)
    server.config.update(
        SECRET_KEY=key, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="atlas_session", PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        ATLAS_COOKIE_SECURE=settings.get("SESSION_COOKIE_SECURE"),
    )
    server.session_interface = AtlasSessionInterface()
    server.register_blueprint(create_blueprint())
    server.before_request(guard_admin_paths)
