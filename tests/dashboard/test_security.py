"""Security headers, the request size limit and 404 for unknown addresses (dashboard.security)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from dashboard import security
from tests.dashboard.conftest import console_errors, wait_for_graph

INLINE = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S)


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


@pytest.mark.parametrize("path", ["/", "/indicators?lang=en", "/companies", "/api/v1/indicators",
                                  "/_dash-dependencies", "/assets/nope.css"])
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_page_policy_allows_only_its_own_hashed_inline_scripts(client):
    response = client.get("/")
    policy = _policy(response)
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    scripts = policy["script-src"].split()
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    html = response.get_data(as_text=True)
    executable = [body for attrs, body in INLINE.findall(html) if "application/json" not in attrs]
    assert executable, "Dash's page shell starts its renderer with an inline script"
    for body in executable:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts


def test_policy_hashes_scripts_but_not_json_data():
    html = (b'<script id="_dash-config" type="application/json">{"a": 1}</script>'
            b'<script src="/x.js"></script><script>var renderer = 1;</script>')
    policy = security.content_security_policy(html)
    digest = base64.b64encode(hashlib.sha256(b"var renderer = 1;").digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}'" in policy
    assert policy.count("sha256-") == 1


@pytest.mark.parametrize("path", ["/no-such-page", "/indicators/extra", "/..%2f..%2fetc%2fpasswd",
                                  "/_dash-component-suites/dash/no_such_file.js", "/assets/no-such.css",
                                  "/api/v1/no-such-endpoint"])
def test_unknown_addresses_answer_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/", "/indicators", "/companies", "/scorecard", "/timeline"])
def test_known_pages_answer_200(client, path):
    assert client.get(path).status_code == 200


def test_a_page_template_matches_its_own_paths_only():
    import dash

    templates = [p.get("path_template") for p in dash.page_registry.values() if p.get("path_template")]
    if not templates:
        pytest.skip("no page with a path template is registered")
    template = templates[0]
    concrete = re.sub(r"<[^>]+>", "some-key", template)
    assert security.is_page_path(concrete)
    assert not security.is_page_path(concrete + "/deeper")


def test_oversized_request_bodies_are_refused_with_413(client):
    body = b"{" + b" " * (security.max_request_bytes() + 1) + b"}"
    response = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert response.status_code == 413
    assert client.post("/api/v1/observations", data=body).status_code in (405, 413)


def test_debug_endpoints_are_off_unless_asked(client):
    # Dash's dev tools answer these only in debug mode (DASH_DEBUG=1).
    assert client.get("/_reload-hash").status_code == 404
    assert client.get("/_alive_x").status_code == 404


@pytest.mark.browser
def test_pages_work_under_the_content_security_policy(dash_duo, atlas_app):
    """Charts draw and the console holds no CSP violation on the pages with charts, a grid and a map."""
    dash_duo.start_server(atlas_app)
    for path, graph in [("/?lang=en", None), ("/indicators?lang=en&indicator=grp&view=map", None),
                        ("/products?lang=ru", None), ("/investments?lang=en", None)]:
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element(".js-plotly-plot .main-svg, .ag-root", timeout=20)
        if graph:
            wait_for_graph(dash_duo, graph)
        violations = [e for e in console_errors(dash_duo)
                      if "Content Security Policy" in e.get("message", "") or "Refused to" in e.get("message", "")]
        assert violations == [], (path, violations)
