"""What every response and request of the atlas gets, whatever route serves it: security headers (a
Content-Security-Policy that Dash works under with no inline script but the ones it hashes, nosniff,
frame-ancestors, a referrer policy), a request size limit, and HTTP 404 for an address no page serves.

One home for these rules: `register(app)` is called once by the app factory.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

import dash
from dash import Dash
from flask import Flask, Response, request

from etl import settings

# Plotly, Mantine and React set inline styles (style attributes and <style> elements they create at run
# time), so styles allow 'unsafe-inline'; scripts never do: each inline <script> of the page is allowed by
# its hash. data: and blob: images are plotly's own (its image export and the map's patterns).
_POLICY = {
    "default-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# An inline script is one without src whose type (if any) is JavaScript; Dash's JSON config is data.
_INLINE_SCRIPT = re.compile(
    rb"<script(?![^>]*\bsrc=)(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_DATA_TYPE = re.compile(rb"""type\s*=\s*["']?application/(?:json|ld\+json)""", re.I)
_TEMPLATE_PART = re.compile(r"<[^>]+>")


def register(app: Dash) -> None:
    """Add the headers, the request limit and the 404 status to `app`'s server."""
    server: Flask = app.server
    server.config["MAX_CONTENT_LENGTH"] = max_request_bytes()

    @server.before_request
    def no_dev_tools() -> Response | None:
        # Dash answers its hot-reload endpoint even without dev tools, listing the packages it serves.
        if request.path == app.config.routes_pathname_prefix + "_reload-hash" and settings.get("DASH_DEBUG") != "1":
            return Response("Not Found", status=404, mimetype="text/plain")
        return None

    @server.before_request
    def larger_limit_for_analysts() -> None:
        # An analyst's upload travels in a callback body; anyone else's callbacks are small.
        if request.path.startswith(("/admin", "/_dash-update-component")) and _signed_in():
            request.max_content_length = max(max_request_bytes(), _upload_bytes())

    @server.after_request
    def secure(response: Response) -> Response:
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = content_security_policy(
                response.get_data() if not response.direct_passthrough else b"")
            if response.status_code == 200 and request.method == "GET" and _serves_index(app) \
                    and not is_page_path(request.path):
                response.status_code = 404
        return response


def max_request_bytes() -> int:
    """The largest request body anyone may send (MAX_REQUEST_MB); larger ones get 413."""
    return int(float(settings.get("MAX_REQUEST_MB")) * 1024 * 1024)


def content_security_policy(html: bytes) -> str:
    """The policy for one HTML answer: the fixed rules and a hash for each inline script it holds."""
    return _policy_for(tuple(sorted(set(_script_hashes(html)))))


@lru_cache(maxsize=64)
def _policy_for(hashes: tuple[str, ...]) -> str:
    rules = dict(_POLICY, **{"script-src": " ".join(["'self'", *(f"'{h}'" for h in hashes)])})
    return "; ".join(f"{name} {value}" for name, value in rules.items())


def _script_hashes(html: bytes) -> list[str]:
    hashes = []
    for match in _INLINE_SCRIPT.finditer(html):
        if _DATA_TYPE.search(match["attrs"]):
            continue
        digest = hashlib.sha256(match["body"]).digest()
        hashes.append("sha256-" + base64.b64encode(digest).decode("ascii"))
    return hashes


def is_page_path(path: str) -> bool:
    """True when a registered page serves `path` (templates such as /company/<key> included)."""
    path = path.rstrip("/") or "/"
    templates = tuple(page.get("path_template") or page["path"] for page in dash.page_registry.values()
                      if not page.get("module", "").endswith("not_found_404"))
    return any(pattern.fullmatch(path) for pattern in _page_patterns(templates))


@lru_cache(maxsize=4)
def _page_patterns(templates: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    """One pattern per page path; a template's <variable> matches one path segment."""
    return tuple(re.compile("[^/]+".join(re.escape(p) for p in _TEMPLATE_PART.split(t)).rstrip("/") or "/")
                 for t in templates)


def _serves_index(app: Dash) -> bool:
    """True when Dash's index (its page shell, answered for any address) served this request."""
    prefix = app.config.routes_pathname_prefix
    return request.url_rule is not None and request.url_rule.rule in (prefix, prefix + "<path:path>")


def _signed_in() -> bool:
    from dashboard.admin.auth import current_analyst

    try:
        return current_analyst() is not None
    except Exception:  # no session store, no analyst: the small limit holds
        return False


def _upload_bytes() -> int:
    return int(float(settings.get("ADMIN_UPLOAD_MAX_MB")) * 1024 * 1024) * 4 // 3 + 65536
