"""Static files compressed once by a build step (tools/precompress.py) and served prebuilt.

Flask-Compress (Dash's `compress=True`) compresses every response as it goes out, at a level fast
enough for callback responses: right for JSON made per request, wasteful for the same megabytes of
JavaScript sent to every visitor. `build()` writes, for each file Dash serves (assets/, the component
suites of dash, dash-mantine-components and dash-ag-grid, the bundled boundaries in data/geo), a
brotli 11 and a gzip 9 copy into a build folder with a manifest of content hashes. At run time
`serve_prebuilt()` puts a small view in front of Dash's static views: it sends the prebuilt copy the
client accepts, with a strong ETag and a long cache lifetime on fingerprinted URLs, and falls back to
the plain file when the build is missing or stale (a source whose size or hash no longer matches).
Flask-Compress leaves a response that already has a Content-Encoding alone.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib
import json
import mimetypes
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from dash import Dash
from dash.fingerprint import build_fingerprint, check_fingerprint
from flask import Flask, Response, abort, current_app, request, send_file

from etl import settings
from etl.paths import DATA_DIR, REPO_ROOT

try:  # what Flask-Compress (a requirement) installs: brotli on CPython, brotlicffi elsewhere
    import brotlicffi as brotli
except ImportError:
    import brotli

BUILD_DIR_KEY = "STATIC_BUILD_DIR"
DEFER_KEY = "DEFER_BUNDLES"  # Flask config or environment: "0" puts AG Grid's script back into every page's index
DEFERRED = {"dash_ag_grid": ("AgGrid",)}
DEFERRED_MARK = "atlas_deferred"
RUNTIME_ASSET = "vendor/regenerator-runtime.js"
POLYFILL_SCRIPT = re.compile(r'<script src="[^"]*/deps/polyfill@[^"]*"></script>')
EXTENSION_KEY = "atlas_prebuilt_static"
DEFAULT_BUILD_DIR = REPO_ROOT / "artifacts" / "static-build"
MANIFEST = "manifest.json"
ASSETS_DIR = REPO_ROOT / "assets"
GEO_DIR = DATA_DIR / "geo"
GEO_URL = "/geo/"
LEVELS = {"br": 11, "gzip": 9}
SUFFIX = {"br": ".br", "gzip": ".gz"}
MIN_SIZE = 500  # as Flask-Compress: below this the headers cost more than they save
LONG_CACHE = 31536000  # a year: only for URLs that change with the content
COMPONENT_MODULES = ("dash._dash_renderer", "dash.dcc", "dash.html", "dash.dash_table",
                     "dash_mantine_components", "dash_ag_grid")
# NOTE: dash-ag-grid registers its enterprise chunk (3.5 MB, a third of the build's time) though only a grid
# with enableEnterpriseModules loads it; the atlas has none, so it stays out of the build (served plain).
SKIPPED = frozenset({"_dash-component-suites/dash_ag_grid/async-enterprise.js"})
COMPRESSIBLE_SUFFIXES = frozenset({".js", ".css", ".json", ".geojson", ".svg", ".txt", ".html", ".map"})
mimetypes.add_type("application/geo+json", ".geojson")


# --- the build ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """A file to precompress: `key` is its URL path without the leading slash or fingerprint."""

    key: str
    path: Path


def _dist_paths(entry: dict) -> list[str]:
    paths = entry.get("relative_package_path")
    if isinstance(paths, dict):
        paths = paths.get("prod")
    if paths is None or entry.get("dev_only"):
        return []
    return [paths] if isinstance(paths, str) else list(paths)


def component_sources(modules: Iterable[str] = COMPONENT_MODULES) -> list[Source]:
    """The scripts and styles the component libraries register with Dash (source maps left out: only a
    developer's browser asks for them, and they are served plain)."""
    sources = {}
    for name in modules:
        module = importlib.import_module(name)
        entries = (list(getattr(module, "_js_dist_dependencies", [])) + list(getattr(module, "_js_dist", []))
                   + list(getattr(module, "_css_dist", [])))
        for entry in entries:
            namespace = entry.get("namespace")
            for relative in _dist_paths(entry):
                if relative.endswith(".map") or namespace is None:
                    continue
                package = importlib.import_module(namespace)
                path = Path(package.__file__).parent / relative
                key = f"_dash-component-suites/{namespace}/{relative}"
                if path.is_file() and key not in SKIPPED:
                    sources[key] = Source(key, path)
    return sorted(sources.values(), key=lambda s: s.key)


def folder_sources(folder: Path, url_prefix: str) -> list[Source]:
    """Every compressible file under `folder`, keyed by its URL path under `url_prefix`."""
    if not folder.is_dir():
        return []
    return [Source(f"{url_prefix}{p.relative_to(folder).as_posix()}", p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix in COMPRESSIBLE_SUFFIXES and not p.name.startswith(".")]


def default_sources() -> list[Source]:
    return (component_sources() + folder_sources(ASSETS_DIR, "assets/")
            + [s for s in folder_sources(GEO_DIR, GEO_URL.strip("/") + "/") if s.key.endswith(".geojson")])


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def compress(data: bytes, encoding: str) -> bytes:
    """The file's bytes at the strongest level: deterministic (gzip without a name or time stamp)."""
    if encoding == "br":
        return brotli.compress(data, quality=LEVELS["br"])
    if encoding == "gzip":
        return gzip.compress(data, compresslevel=LEVELS["gzip"], mtime=0)
    raise ValueError(f"unsupported encoding {encoding!r}")


def _write(path: Path, data: bytes) -> None:
    """Atomic: a server reading the folder during a build never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as out:
        out.write(data)
    os.replace(out.name, path)


def build(out_dir: Path, sources: Iterable[Source] | None = None, log: Callable[[str], None] | None = None) -> dict:
    """Write `<key>.br` and `<key>.gz` for each source into `out_dir` and the manifest; returns it.

    Files whose content hash and outputs are already there are skipped, so a second run costs only the
    hashing. The output depends only on the sources' bytes: two builds of the same files are identical.
    """
    out_dir = Path(out_dir)
    old = load_manifest(out_dir) or {}
    files = {}
    for source in sorted(default_sources() if sources is None else sources, key=lambda s: s.key):
        data = source.path.read_bytes()
        entry = {"sha256": digest(data), "size": len(data), "encodings": {}}
        if len(data) >= MIN_SIZE:
            previous = old.get(source.key, {})
            for encoding, suffix in SUFFIX.items():
                target = out_dir / (source.key + suffix)
                known = previous.get("encodings", {}).get(encoding)
                if previous.get("sha256") == entry["sha256"] and known and target.is_file() \
                        and target.stat().st_size == known["size"]:
                    entry["encodings"][encoding] = known
                    continue
                body = compress(data, encoding)
                if len(body) >= len(data):
                    continue  # incompressible: the plain file is smaller
                _write(target, body)
                entry["encodings"][encoding] = {"sha256": digest(body), "size": len(body)}
                if log:
                    log(f"{source.key}{suffix}: {len(data):,} -> {len(body):,} bytes")
        files[source.key] = entry
    manifest = {"version": 1, "levels": LEVELS, "files": files}
    _write(out_dir / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
    return files


def load_manifest(build_dir: Path) -> dict | None:
    """The manifest's files by key, or None when there is no (readable) build."""
    try:
        manifest = json.loads((Path(build_dir) / MANIFEST).read_text(encoding="utf-8"))
        return manifest["files"] if manifest.get("levels") == LEVELS else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


# --- serving -------------------------------------------------------------------------------------------

def choose_encoding(accept_encodings) -> str | None:
    """br or gzip, whichever the client's Accept-Encoding ranks higher (br on a tie); None for neither."""
    qualities = {name: accept_encodings.quality(name) for name in LEVELS}
    best = max(qualities, key=lambda name: (qualities[name], name == "br"))
    return best if qualities[best] > 0 else None


class PrebuiltFiles:
    """The build folder's manifest, with each source checked once per process against what is on disk."""

    def __init__(self, build_dir: Path | None) -> None:
        self.reload(build_dir)

    def reload(self, build_dir: Path | None) -> None:
        """Read the manifest of `build_dir` (none: serve every file plain)."""
        self.build_dir = Path(build_dir) if build_dir else None
        self.files = (load_manifest(self.build_dir) if self.build_dir else None) or {}
        self._checked: dict[tuple[str, int, int], bool] = {}

    def entry(self, key: str, path: Path) -> dict | None:
        """The manifest entry for `key` if `path` still holds the bytes it was built from."""
        entry = self.files.get(key)
        if entry is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        token = (key, stat.st_mtime_ns, stat.st_size)
        if token not in self._checked:
            # A package upgraded or an asset edited since the build: serve the plain file, never stale bytes.
            self._checked[token] = stat.st_size == entry["size"] and digest(path.read_bytes()) == entry["sha256"]
        return entry if self._checked[token] else None


def _vary(response: Response) -> Response:
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = "Accept-Encoding"
    elif "accept-encoding" not in vary.lower():
        response.headers["Vary"] = f"{vary}, Accept-Encoding"
    return response


def prebuilt_response(files: PrebuiltFiles, key: str, path: Path, long_cache: bool) -> Response | None:
    """The file at `path` (built as `key`) in the best encoding the client accepts, conditional on its
    ETag; None when the build does not hold it (the caller falls back to the plain view)."""
    entry = files.entry(key, path)
    if entry is None:
        return None
    encoding = choose_encoding(request.accept_encodings)
    if encoding not in entry["encodings"]:
        encoding = None
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if encoding is None:
        response = send_file(path, mimetype=mimetype, etag=False, conditional=False, max_age=None)
        tag = entry["sha256"][:32]
    else:
        built = files.build_dir / (key + SUFFIX[encoding])
        try:
            body = built.read_bytes()
        except OSError:
            return None
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Encoding"] = encoding
        tag = entry["encodings"][encoding]["sha256"][:32]
    response.set_etag(tag)
    if long_cache:
        response.cache_control.no_cache = None  # send_file's default for max_age=None
        response.cache_control.public = True
        response.cache_control.max_age = LONG_CACHE
    else:
        response.cache_control.no_cache = True
    _vary(response)
    return response.make_conditional(request)


def _suites_view(app: Dash, files: PrebuiltFiles, fallback: Callable) -> Callable:
    @functools.wraps(fallback)
    def view(package_name: str, fingerprinted_path: str):
        relative, fingerprinted = check_fingerprint(fingerprinted_path)
        key = f"_dash-component-suites/{package_name}/{relative}"
        registered = relative in app.registered_paths.get(package_name, ())
        if key not in files.files and not registered:
            abort(404)  # Dash itself raises InvalidResourceError here: a 500 for a mistyped URL
        module = sys.modules.get(package_name)
        if module is not None and getattr(module, "__file__", None):
            response = prebuilt_response(files, key, Path(module.__file__).parent / relative, fingerprinted)
            if response is not None:
                return response
        if not registered:
            abort(404)
        return _vary(current_app.make_response(fallback(package_name, fingerprinted_path)))

    return view


def _assets_view(files: PrebuiltFiles, folder: Path, fallback: Callable) -> Callable:
    @functools.wraps(fallback)
    def view(filename: str):
        path = (folder / filename).resolve()
        if folder.resolve() in path.parents:
            # Dash adds ?m=<modification time> to asset URLs: a new file is a new URL.
            response = prebuilt_response(files, f"assets/{filename}", path, "m" in request.args)
            if response is not None:
                return response
        return _vary(current_app.make_response(fallback(filename)))

    return view


def geo_url(name: str) -> str | None:
    """The address of a bundled boundary file, versioned by its content so browsers may keep it a year;
    None when the file is missing."""
    return _geo_url(name, *_stat(GEO_DIR / name))


def _stat(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return 0, -1
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=8)
def _geo_url(name: str, mtime_ns: int, size: int) -> str | None:
    if size < 0:
        return None
    return f"{GEO_URL}{name}?v={digest((GEO_DIR / name).read_bytes())[:16]}"


def _geo_view(files: PrebuiltFiles) -> Callable:
    def serve_geo(name: str):
        path = GEO_DIR / name
        if not name.endswith(".geojson") or "/" in name or not path.is_file():
            abort(404)
        response = prebuilt_response(files, f"geo/{name}", path, "v" in request.args)
        if response is None:
            response = send_file(path, mimetype="application/geo+json", max_age=None)
            response.cache_control.no_cache = True
            response = _vary(response).make_conditional(request)
        return response

    return serve_geo


def static_endpoints(app: Dash) -> dict[str, str]:
    """The endpoints serving component suites and assets/ files, by kind."""
    prefix = app.config.routes_pathname_prefix
    assets = prefix + app.config.assets_url_path.lstrip("/") + "/"
    found = {}
    for rule in app.server.url_map.iter_rules():
        if rule.rule.startswith(prefix + "_dash-component-suites/"):
            found["suites"] = rule.endpoint
        elif rule.rule.startswith(assets):
            found["assets"] = rule.endpoint
    return found


def serve_prebuilt(app: Dash, build_dir: Path | None = None) -> PrebuiltFiles:
    """Serve `app`'s component suites, assets/ and /geo/ files from the build (see the module docstring).

    `build_dir` defaults to the Flask config's STATIC_BUILD_DIR, then artifacts/static-build.
    """
    server: Flask = app.server
    files = PrebuiltFiles(build_dir or server.config.get(BUILD_DIR_KEY, DEFAULT_BUILD_DIR))
    endpoints = static_endpoints(app)
    if set(endpoints) != {"suites", "assets"}:
        raise RuntimeError(f"expected the component-suites and assets endpoints, found {endpoints}")
    views = server.view_functions
    views[endpoints["suites"]] = _suites_view(app, files, views[endpoints["suites"]])
    views[endpoints["assets"]] = _assets_view(files, Path(app.config.assets_folder), views[endpoints["assets"]])
    server.add_url_rule(app.config.routes_pathname_prefix.rstrip("/") + GEO_URL + "<name>", "atlas_geo",
                        _geo_view(files))
    server.extensions[EXTENSION_KEY] = files
    if str(server.config.get(DEFER_KEY, settings.get(DEFER_KEY))) != "0":
        defer_bundles(app)
    else:
        eager_bundles()
    lighter_runtime(app)
    preload_startup_requests(app)
    return files


# --- heavy component libraries loaded by the pages that draw them ------------------------------------

def defer_bundles(app: Dash, deferred: dict[str, tuple[str, ...]] = DEFERRED) -> dict[str, dict]:
    """Leave each library's eager scripts out of every page's index; assets/deferred_bundles.js loads them
    when one of its components first renders, after the page's first chart card has drawn its callback's
    answer (at most 2 s; at once on a page without chart cards), so their evaluation does not fall before it.

    NOTE: Dash writes every registered library's non-async script into every page (dash.py
    _collect_and_register_resources: only `dynamic` or `async` entries are left out, and pages cannot
    choose); dash-ag-grid's main script (1.3 MB, 0.28 MB brotli) is eager, its grid chunk async. Marking
    the main script `dynamic` keeps it served (registered) but out of the index. Process-wide: it edits
    the library module's `_js_dist`, which Dash reads at each index render.
    """
    config = {}
    prefix = app.config.requests_pathname_prefix
    for namespace, components in deferred.items():
        module = importlib.import_module(namespace)
        entries = []
        for entry in module._js_dist:
            relative = entry.get("relative_package_path")
            # An entry an earlier app of this process deferred is already `dynamic`: each app still needs its config.
            if isinstance(relative, str) and not relative.endswith(".map") and not entry.get("async") \
                    and (not entry.get("dynamic") or entry.get(DEFERRED_MARK)):
                entry = {**entry, "dynamic": True, DEFERRED_MARK: True}
                path = Path(module.__file__).parent / relative
                fingerprint = build_fingerprint(relative, module.__version__, int(path.stat().st_mtime))
                config[namespace] = {"url": f"{prefix}_dash-component-suites/{namespace}/{fingerprint}",
                                     "components": list(components)}
            entries.append(entry)
        module._js_dist = entries
        for name in components:
            getattr(module, name)._js_dist = entries
    script = f"<script>window.atlasDeferredBundles = {json.dumps(config)};</script>"
    app.index_string = app.index_string.replace("{%scripts%}", script + "\n        {%scripts%}", 1)
    return config


def eager_bundles(deferred: dict[str, tuple[str, ...]] = DEFERRED) -> None:
    """Undo what defer_bundles did to the library modules (DEFER_BUNDLES=0 after an app of this process
    deferred them): their scripts go back into every page's index, as Dash writes it."""
    for namespace, components in deferred.items():
        module = importlib.import_module(namespace)
        entries = [{k: v for k, v in entry.items() if k not in ("dynamic", DEFERRED_MARK)}
                   if entry.get(DEFERRED_MARK) else entry for entry in module._js_dist]
        module._js_dist = entries
        for name in components:
            getattr(module, name)._js_dist = entries


# --- the one part of Babel's polyfill the bundles use -----------------------------------------------

def lighter_runtime(app: Dash) -> None:
    """Send regenerator-runtime (25 KB) where Dash's index sends @babel/polyfill 7.12.1 (100 KB minified).

    NOTE: the polyfill is core-js 2 plus regenerator-runtime. The browsers the atlas supports (those with
    ES2017: every evergreen one) have everything core-js 2 adds, but evaluating it still runs its feature
    tests, 150-250 ms of main-thread time per page load measured in headless Chromium here, before any
    chart can draw. The Dash, dcc, Mantine and DataTable bundles call the global `regeneratorRuntime`
    (their async functions are compiled to generators), so that part is kept: regenerator-runtime 0.14.1
    from npm, unchanged (assets/vendor/regenerator-runtime.js; tools/regenerator-runtime/README.md says how
    to update it), in the polyfill's place, before React and every component library. Dash's `assets_ignore`
    (dashboard/app.py) keeps the file out of the assets it appends after the libraries.
    """
    path = Path(app.config.assets_folder) / RUNTIME_ASSET
    url = f"{app.config.requests_pathname_prefix}{app.config.assets_url_path.strip('/')}/{RUNTIME_ASSET}"
    tag = f'<script src="{url}?m={int(path.stat().st_mtime)}"></script>'
    index = app.interpolate_index

    def interpolate_index(**kwargs: str) -> str:
        kwargs["scripts"] = POLYFILL_SCRIPT.sub(tag, kwargs["scripts"], count=1)
        return index(**kwargs)

    app.interpolate_index = interpolate_index


# --- the renderer's first two requests, started with the page ---------------------------------------

STARTUP_REQUESTS = ("_dash-layout", "_dash-dependencies")


def preload_startup_requests(app: Dash) -> None:
    """Start the layout and callback-graph requests from the page's head instead of after its scripts.

    Dash's renderer asks for /_dash-layout and /_dash-dependencies only once every script has been
    evaluated (about half a second of main-thread work in headless Chromium here), and nothing can render
    until both are back; the layout is built on the server for the page asking for it (dashboard.app
    page_container), 30-70 ms uncached (curl, load average ~5). A `<link rel="preload" as="fetch">` in the head
    sends both with the page's scripts, and the renderer's fetch (GET, CORS mode, same-origin credentials:
    what crossorigin="anonymous" asks for) takes the preloaded response instead of sending its own; the
    page's address still goes as the Referer, so the layout still holds the page.
    """
    prefix = app.config.requests_pathname_prefix
    links = "".join(f'<link rel="preload" href="{prefix}{name}" as="fetch" crossorigin="anonymous">\n        '
                    for name in STARTUP_REQUESTS)
    if "{%css%}" not in app.index_string:
        raise RuntimeError("the index has no {%css%} placeholder to put the preload links before")
    app.index_string = app.index_string.replace("{%css%}", links + "{%css%}", 1)
