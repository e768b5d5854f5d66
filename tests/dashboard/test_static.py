"""Static files prebuilt by tools/precompress.py and served by dashboard/static.py, the boundaries at
/geo/, and the partial plotly.js bundle (no browser)."""

from __future__ import annotations

import gzip
import importlib
import json
import re
import shutil
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
# Small enough to build in a second or two (brotli 11 runs at about 1 MB/s).
BUILT = ("_dash-component-suites/dash/dash_table/bundle.js",
         "_dash-component-suites/dash/html/dash_html_components.min.js",
         "assets/style.css", "assets/atlas.js", "geo/kaluga_districts.geojson")


def some_sources() -> list[static.Source]:
    sources = [s for s in static.default_sources() if s.key in BUILT]
    assert sorted(s.key for s in sources) == sorted(BUILT)
    return sources


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("static-build")
    static.build(out, some_sources())
    return out


@pytest.fixture
def app(atlas_app, build_dir):
    atlas_app.server.extensions[static.EXTENSION_KEY].reload(build_dir)
    return atlas_app


@pytest.fixture
def client(app):
    return app.server.test_client()


def index_urls(client) -> list[str]:
    html = client.get("/").get_data(as_text=True)
    return re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def url_of(client, fragment: str) -> str:
    return next(u for u in index_urls(client) if fragment in u)


def key_of(url: str) -> str:
    path = url.split("?")[0].lstrip("/")
    if path.startswith("_dash-component-suites/"):
        return str(Path(path).parent / check_fingerprint(Path(path).name)[0])
    return path


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


def test_build_is_deterministic_and_skips_what_is_built(tmp_path, build_dir, monkeypatch):
    again = tmp_path / "again"
    static.build(again, some_sources())
    built = sorted(p.relative_to(build_dir) for p in build_dir.rglob("*") if p.is_file())
    assert built == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert all((build_dir / p).read_bytes() == (again / p).read_bytes() for p in built)
    assert {str(p) for p in built} >= {f"{key}{suffix}" for key in BUILT for suffix in (".br", ".gz")}
    manifest = json.loads((build_dir / static.MANIFEST).read_text())
    entry = manifest["files"]["assets/style.css"]
    data = (REPO_ROOT / "assets" / "style.css").read_bytes()
    assert entry["sha256"] == static.digest(data) and entry["size"] == len(data)
    assert brotli.decompress((build_dir / "assets/style.css.br").read_bytes()) == data
    assert gzip.decompress((build_dir / "assets/style.css.gz").read_bytes()) == data
    monkeypatch.setattr(static, "compress", lambda *args: pytest.fail("compressed again"))
    static.build(again, some_sources())  # nothing changed: nothing compressed


def test_every_script_and_style_of_the_index_is_in_the_build(client):
    keys = {s.key for s in static.default_sources()}
    missing = [u for u in index_urls(client) if key_of(u) not in keys]
    assert not missing, f"not precompressed by tools/precompress.py: {missing}"
    assert static.SKIPPED.isdisjoint(keys)


def test_script_is_served_prebuilt_at_brotli_11_with_etag_and_a_long_cache(client, build_dir):
    url = url_of(client, "dash_table/bundle")
    body = original(url)
    response = client.get(url, headers={"Accept-Encoding": CHROMIUM})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert response.mimetype in {"text/javascript", "application/javascript"}
    assert "accept-encoding" in response.headers["Vary"].lower()
    assert response.headers["Cache-Control"] == "public, max-age=31536000"  # a fingerprinted URL
    assert response.data == (build_dir / (key_of(url) + ".br")).read_bytes() == brotli.compress(body, quality=11)
    assert int(response.headers["Content-Length"]) == len(response.data)
    tag = response.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": CHROMIUM, "If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    zipped = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
    assert zipped.status_code == 200 and zipped.headers["ETag"] != tag  # each encoding its own tag


def test_gzip_and_identity(client):
    url = url_of(client, "dash_html_components")
    body = original(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == body
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data == body
    assert plain.headers["ETag"] and plain.headers["Cache-Control"] == "public, max-age=31536000"
    assert client.get(url, headers={"Accept-Encoding": "identity", "If-None-Match": plain.headers["ETag"]}) \
        .status_code == 304


def test_assets_are_prebuilt_and_conditional(client):
    url = url_of(client, "/assets/style.css")
    response = client.get(url, headers={"Accept-Encoding": CHROMIUM})
    assert response.headers["Content-Encoding"] == "br" and response.mimetype == "text/css"
    assert brotli.decompress(response.data) == original(url)
    assert "max-age=31536000" in response.headers["Cache-Control"]  # ?m=<mtime>: a new file is a new URL
    revalidated = client.get(url, headers={"Accept-Encoding": CHROMIUM, "If-None-Match": response.headers["ETag"]})
    assert revalidated.status_code == 304
    unversioned = client.get("/assets/style.css", headers={"Accept-Encoding": CHROMIUM})
    assert unversioned.headers["Cache-Control"] == "no-cache" and unversioned.headers["ETag"]


@pytest.mark.parametrize("path", [
    "/assets/nope.js", "/_dash-component-suites/dash/nope.js", "/_dash-component-suites/nopackage/x.js",
    "/_dash-component-suites/os/x.js", "/geo/nope.geojson", "/geo/russia_regions.provenance.json",
    "/assets/..%2Fetl%2Fdb.py", "/assets/vendor",
])
def test_unknown_static_paths_are_404(client, path):
    assert client.get(path, headers={"Accept-Encoding": CHROMIUM}).status_code == 404


def test_a_missing_build_serves_the_plain_files(app, tmp_path):
    app.server.extensions[static.EXTENSION_KEY].reload(tmp_path / "never-built")
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    for fragment in ("dash_table/bundle", "/assets/style.css"):
        url = url_of(client, fragment)
        response = client.get(url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200 and response.data == original(url)
    geo = client.get("/geo/kaluga_districts.geojson", headers={"Accept-Encoding": "identity"})
    assert geo.status_code == 200 and geo.data == (static.GEO_DIR / "kaluga_districts.geojson").read_bytes()


def test_a_stale_build_is_not_served(app, build_dir, tmp_path):
    """A source changed since the build (an upgraded package, an edited asset): the plain file, not old bytes."""
    stale = tmp_path / "stale"
    shutil.copytree(build_dir, stale)
    manifest = json.loads((stale / static.MANIFEST).read_text())
    manifest["files"]["assets/style.css"]["sha256"] = "0" * 64
    (stale / static.MANIFEST).write_text(json.dumps(manifest))
    app.server.extensions[static.EXTENSION_KEY].reload(stale)
    client = app.server.test_client()
    url = url_of(client, "/assets/style.css")
    response = client.get(url, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200 and response.data == original(url)


def test_boundaries_are_served_prebuilt_at_a_versioned_url(client):
    url = static.geo_url("kaluga_districts.geojson")
    data = (static.GEO_DIR / "kaluga_districts.geojson").read_bytes()
    assert url == f"/geo/kaluga_districts.geojson?v={static.digest(data)[:16]}"
    response = client.get(url, headers={"Accept-Encoding": CHROMIUM})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
    assert response.mimetype == "application/geo+json"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert brotli.decompress(response.data) == data
    assert client.get(url, headers={"Accept-Encoding": CHROMIUM, "If-None-Match": response.headers["ETag"]}) \
        .status_code == 304
    assert static.geo_url("nope.geojson") is None


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
    assert "ETag" not in response.headers


def test_a_deferred_library_is_left_out_of_the_index_but_still_served(client):
    """By default (DEFER_BUNDLES unset) AG Grid's script is out of every page's index, its stub loads it."""
    html = client.get("/").get_data(as_text=True)
    assert not any("dash_ag_grid" in u for u in index_urls(client))
    config = json.loads(re.search(r"window.atlasDeferredBundles = (\{.*?\});</script>", html).group(1))
    assert html.index("atlasDeferredBundles") < html.index("/assets/deferred_bundles.js")  # config before the stub
    url = config["dash_ag_grid"]["url"]
    assert config["dash_ag_grid"]["components"] == ["AgGrid"]
    response = client.get(url, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200 and response.data == original(url)
    chunk = client.get("/_dash-component-suites/dash_ag_grid/async-community.js",
                       headers={"Accept-Encoding": "identity"})
    assert chunk.status_code == 200  # the grid's own lazy chunk, fetched by the main script


def test_every_app_of_a_process_gets_the_deferred_config(atlas_app, bundled_db_url):
    """defer_bundles edits the library module process-wide: a second app still gets its stub's config."""
    from dashboard.app import create_app
    from etl.db import make_engine

    second = create_app(make_engine(bundled_db_url), {"CACHE_TYPE": "SimpleCache"}).server.test_client()
    for client in (atlas_app.server.test_client(), second):
        html = client.get("/").get_data(as_text=True)
        assert '"dash_ag_grid": {"url":' in html
        assert not any("dash_ag_grid" in u for u in index_urls(client))


def test_defer_bundles_0_puts_the_library_back_into_the_index(atlas_app, monkeypatch):
    import dash_ag_grid

    # the module edits are process-wide: undone after the test.
    monkeypatch.setattr(dash_ag_grid, "_js_dist", dash_ag_grid._js_dist)
    monkeypatch.setattr(dash_ag_grid.AgGrid, "_js_dist", dash_ag_grid.AgGrid._js_dist)
    static.eager_bundles()
    client = atlas_app.server.test_client()
    assert any("dash_ag_grid" in u for u in index_urls(client))  # Dash's own way: on every page
    static.defer_bundles(atlas_app)
    assert not any("dash_ag_grid" in u for u in index_urls(client))


# --- regenerator-runtime instead of @babel/polyfill --------------------------------------------------

def test_the_index_sends_regenerator_runtime_first_and_no_babel_polyfill(client):
    urls = [u for u in index_urls(client) if u.endswith(".js") or ".js?" in u or ".min.js" in u]
    assert not any("polyfill" in u for u in urls)
    runtime = [i for i, u in enumerate(urls) if "regenerator-runtime.js" in u]
    assert len(runtime) == 1  # in the polyfill's place, and not appended again with the other assets
    react = next(i for i, u in enumerate(urls) if "/deps/react@" in u)
    mantine = next(i for i, u in enumerate(urls) if "dash_mantine_components" in u)
    assert runtime[0] < react < mantine
    response = client.get(urls[runtime[0]], headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.data == (REPO_ROOT / "assets" / static.RUNTIME_ASSET).read_bytes()


# --- the layout and the callback graph preloaded from the head ---------------------------------------

def test_the_head_preloads_the_layout_and_the_callback_graph_once(client):
    html = client.get("/indicators?lang=en").get_data(as_text=True)
    head, body = html.split("</head>", 1)
    for name in static.STARTUP_REQUESTS:
        # What the renderer's fetch is (GET, CORS mode, same-origin credentials), or the browser sends it twice.
        link = f'<link rel="preload" href="/{name}" as="fetch" crossorigin="anonymous">'
        assert head.count(link) == 1, name
        assert name not in body
    assert head.index("_dash-layout") < head.index('rel="stylesheet"')  # before the styles and every script


def test_the_bundles_need_no_more_of_the_polyfill_than_regenerator_runtime():
    """The libraries' scripts name `regeneratorRuntime` (what the runtime defines) and none of the globals
    only @babel/polyfill sets (`_babelPolyfill`, core-js's `__core-js_shared__`)."""
    import dash
    import dash_mantine_components

    runtime = (REPO_ROOT / "assets" / static.RUNTIME_ASSET).read_text(encoding="utf-8")
    assert "regeneratorRuntime = runtime" in runtime
    scripts = [Path(dash.__file__).parent / "dash-renderer" / "build" / "dash_renderer.min.js",
               Path(dash.__file__).parent / "dcc" / "dash_core_components.js",
               Path(dash_mantine_components.__file__).parent / "dash_mantine_components.js"]
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        assert "_babelPolyfill" not in text and "__core-js_shared__" not in text, script

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
    response = client.get(url_of(client, "plotly-atlas"), headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200 and response.data == BUNDLE.read_bytes()
    assert "assets/vendor/plotly-atlas.min.js" in {s.key for s in static.default_sources()}


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


