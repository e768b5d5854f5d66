"""Static files served precompressed (dashboard/static.py) and the partial plotly.js bundle (no browser)."""

from __future__ import annotations

import gzip
import hashlib
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import brotli
import plotly
import pytest
from dash.fingerprint import check_fingerprint
from werkzeug.datastructures import Accept
from werkzeug.http import parse_accept_header

from dashboard import static
from etl.paths import REPO_ROOT

CHROMIUM = "gzip, deflate, br, zstd"
BUNDLE = REPO_ROOT / "assets" / "vendor" / "plotly-atlas.min.js"
FULL_PLOTLY = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@pytest.fixture
def app(atlas_app, tmp_path):
    atlas_app.server.config[static.CACHE_DIR_KEY] = str(tmp_path / "static-cache")
    return atlas_app


@pytest.fixture
def client(app):
    return app.server.test_client()


def files(app) -> static.CompressedFiles:
    return app.server.extensions[static.EXTENSION_KEY]


def index_urls(client) -> list[str]:
    html = client.get("/").get_data(as_text=True)
    return re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def url_of(client, fragment: str) -> str:
    return next(u for u in index_urls(client) if fragment in u)


def original(url: str) -> bytes:
    """The file behind a component-suite or assets URL, read from disk."""
    path = url.split("?")[0]
    if path.startswith("/assets/"):
        return (REPO_ROOT / "assets" / path.removeprefix("/assets/")).read_bytes()
    package, rest = path.removeprefix("/_dash-component-suites/").split("/", 1)
    module = importlib.import_module(package)
    return (Path(module.__file__).parent / check_fingerprint(rest)[0]).read_bytes()


@pytest.mark.parametrize(("header", "expected"), [
    (CHROMIUM, "br"), ("gzip, deflate", "gzip"), ("br;q=0, gzip", "gzip"), ("gzip;q=1.0, br;q=0.5", "gzip"),
    ("*", "br"), ("zstd", None), ("", None), ("identity", None),
])
def test_encoding_is_br_then_gzip_as_the_client_ranks_them(header, expected):
    assert static.choose_encoding(parse_accept_header(header, Accept)) == expected


def test_small_script_is_served_at_brotli_11_and_decodes_to_the_original(client):
    url = url_of(client, "dash_table/bundle")
    body = original(url)
    assert static.MIN_SIZE <= len(body) <= static.SYNC_LIMIT  # small enough for brotli 11 in the request
    response = client.get(url, headers={"Accept-Encoding": CHROMIUM})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert "accept-encoding" in response.headers["Vary"].lower()
    assert response.headers["Cache-Control"] == "max-age=31536000"  # Dash's, for fingerprinted URLs
    assert brotli.decompress(response.data) == body
    assert response.data == brotli.compress(body, quality=11)
    assert int(response.headers["Content-Length"]) == len(response.data)
    tag = response.headers["ETag"]
    assert tag.endswith('.br11"')
    again = client.get(url, headers={"Accept-Encoding": CHROMIUM, "If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""


def test_large_script_is_upgraded_to_brotli_11_in_the_background_and_cached_on_disk(app, client, tmp_path,
                                                                                      monkeypatch):
    url = url_of(client, "dash_core_components-shared")
    body = original(url)
    assert len(body) > static.SYNC_LIMIT
    first = client.get(url, headers={"Accept-Encoding": CHROMIUM})
    assert first.headers["Content-Encoding"] == "br"
    assert brotli.decompress(first.data) == body
    assert first.headers["ETag"].endswith('.br6"') and first.headers["Cache-Control"] == "no-cache"
    assert files(app).wait()
    second = client.get(url, headers={"Accept-Encoding": CHROMIUM})
    assert second.headers["ETag"].endswith('.br11"') and second.headers["ETag"] != first.headers["ETag"]
    assert second.data == brotli.compress(body, quality=11) and len(second.data) < len(first.data)
    assert second.headers["Cache-Control"] == "max-age=31536000"
    assert brotli.decompress(second.data) == body
    # A browser holding the interim version revalidates and gets the better one.
    assert client.get(url, headers={"Accept-Encoding": CHROMIUM, "If-None-Match": first.headers["ETag"]}).status_code \
        == 200
    # Another process (a fresh store over the same directory) serves it from disk, compressing nothing.
    assert any(p.name.endswith(".br11") for p in (tmp_path / "static-cache").iterdir())
    monkeypatch.setattr(static, "compress", lambda *args: pytest.fail("compressed again, not read from disk"))
    cache_dir = Path(app.server.config[static.CACHE_DIR_KEY])
    assert static.CompressedFiles().get(body, "br", cache_dir)[0] == second.data


def test_gzip_fallback_and_identity(client):
    url = url_of(client, "dash_renderer")
    body = original(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["ETag"].endswith('.gzip9"')
    assert gzip.decompress(zipped.data) == body
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data == body


def test_assets_are_precompressed_and_conditional(client):
    url = url_of(client, "/assets/style.css")
    response = client.get(url, headers={"Accept-Encoding": CHROMIUM})
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data) == original(url)
    revalidated = client.get(url, headers={"Accept-Encoding": CHROMIUM, "If-None-Match": response.headers["ETag"]})
    assert revalidated.status_code == 304


def test_missing_static_files_are_still_errors(client):
    assert client.get("/assets/nope.js", headers={"Accept-Encoding": CHROMIUM}).status_code == 404
    # Dash 4.4.1 itself answers an unregistered component-suite path with 500 (InvalidResourceError).
    assert client.get("/_dash-component-suites/dash/nope.js", headers={"Accept-Encoding": CHROMIUM}).status_code >= 400


def test_callback_responses_keep_flask_compress_fast_path(client):
    data = {"filename": "x.csv", "columns": ["region", "value"], "rows": [["Калуга", float(n)] for n in range(200)]}
    payload = {
        "output": '{"card":["MATCH"],"type":"chart-download"}.data',
        "outputs": {"id": {"card": "c", "type": "chart-download"}, "property": "data"},
        "inputs": [{"id": {"card": "c", "type": "chart-download-button"}, "property": "n_clicks", "value": 1}],
        "state": [{"id": {"card": "c", "type": "chart-data"}, "property": "data", "value": data}],
        "changedPropIds": ['{"card":"c","type":"chart-download-button"}.n_clicks'],
    }
    response = client.post("/_dash-update-component", json=payload, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"  # Flask-Compress, not the static path
    assert not response.headers.get("ETag", "").endswith('.gzip9"')
    body = json.loads(gzip.decompress(response.data))["response"]
    assert body['{"card":"c","type":"chart-download"}']["data"]["content"].startswith("region,value\n")


# --- the partial plotly.js bundle -------------------------------------------------------------------

def bundle_header() -> str:
    return BUNDLE.read_text(encoding="utf-8")[:2000]


def test_pages_load_the_partial_plotly_bundle_not_the_full_one(client):
    urls = index_urls(client)
    assert any(u.startswith("/assets/vendor/plotly-atlas.min.js") for u in urls)
    assert not any("package_data/plotly" in u for u in urls)
    # dcc.Graph fetches /_dash-component-suites/plotly/package_data/plotly.min.js only when window.Plotly is
    # undefined; the bundle defines it.
    assert BUNDLE.read_text(encoding="utf-8").rstrip().endswith("window.Plotly = Plotly;")
    response = client.get(url_of(client, "plotly-atlas"), headers={"Accept-Encoding": CHROMIUM})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data) == BUNDLE.read_bytes()


def test_bundle_is_the_plotly_js_version_of_the_python_package():
    full = re.search(r"plotly\.js v(\S+)", FULL_PLOTLY.read_text(encoding="utf-8")[:300]).group(1)
    ours = re.search(r"plotly\.js \(atlas partial bundle - minified\) v(\S+)", bundle_header()).group(1)
    assert ours == full


def test_bundle_has_every_trace_type_the_dashboard_draws():
    """Each go.<Trace>(...) and {"type": "<trace>"} in dashboard/ is among the bundle's traces."""
    import plotly.graph_objects as go
    from plotly.basedatatypes import BaseTraceType

    classes = {name: getattr(go, name)().type for name in dir(go)
               if isinstance(getattr(go, name), type) and issubclass(getattr(go, name), BaseTraceType)
               and getattr(go, name) is not BaseTraceType}
    trace_types = set(classes.values())
    used = set()
    for path in (REPO_ROOT / "dashboard").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= {classes[name] for name in re.findall(r"\bgo\.(\w+)\(", text) if name in classes}
        used |= {kind for kind in re.findall(r"""["']type["']\s*:\s*["'](\w+)["']""", text) if kind in trace_types}
        used |= {kind for kind in re.findall(r"""\btype\s*=\s*["'](\w+)["']""", text) if kind in trace_types}
    in_bundle = set(re.search(r"Traces: ([\w, ]+)", bundle_header()).group(1).replace(" ", "").split(","))
    entry = (REPO_ROOT / "tools" / "plotly-bundle" / "entry.js").read_text(encoding="utf-8")
    assert in_bundle - {"scatter"} == set(re.findall(r"plotly\.js/lib/(\w+)'", entry)) - {"core"}
    assert used, "no trace types found: has the way figures are written changed?"
    assert used <= in_bundle, f"rebuild with tools/plotly-bundle/build.sh after adding {sorted(used - in_bundle)}"


def test_a_file_another_worker_is_compressing_is_read_from_disk_when_done(tmp_path):
    data = (REPO_ROOT / "assets" / "vendor" / "plotly-atlas.min.js").read_bytes()[:200_000]
    store = static.CompressedFiles()
    digest = hashlib.sha256(data).hexdigest()[:40]
    (tmp_path / f"{digest}.br11.lock").write_text(str(os.getppid()))  # a live process's claim
    body, tag = store.get(data, "br", tmp_path)
    assert tag == f"{digest}.br6" and brotli.decompress(body) == data
    assert store.wait(timeout=0.1)  # nothing started here
    best = brotli.compress(data, quality=11)
    (tmp_path / f"{digest}.br11").write_bytes(best)  # the other worker is done
    assert store.get(data, "br", tmp_path) == (best, f"{digest}.br11")


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    data = (REPO_ROOT / "assets" / "vendor" / "plotly-atlas.min.js").read_bytes()[:100_000]
    digest = hashlib.sha256(data).hexdigest()[:40]
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    lock = tmp_path / f"{digest}.br11.lock"
    lock.write_text(gone)
    store = static.CompressedFiles()
    assert store.get(data, "br", tmp_path)[1] == f"{digest}.br6"
    assert store.wait()
    assert (tmp_path / f"{digest}.br11").read_bytes() == brotli.compress(data, quality=11)
    assert not lock.exists()
