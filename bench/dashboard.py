"""Dashboard benchmark (`make bench`): chart callbacks under gunicorn, throughput, first load in Chromium.

A report, not a test: it measures, compares with the targets and writes bench/results/dashboard.json;
it never fails because something was slow. Everything runs on 127.0.0.1 against scratch SQLite
databases: one built from the bundled data/, one with 1,000,000 SYNTHETIC observations added
(invented indicator codes bench_ind_*, never the real database).

How the requests are made realistic: each page is opened once in headless Chromium (cache disabled,
performance log on) and the POST /_dash-update-component bodies the page really sends are captured;
the chart callbacks among them (outputs ending in "-graph.figure", as GET /_dash-dependencies lists
them) are replayed with keep-alive http.client connections. "Uncached" requests vary the inputs
among the values the page's own controls offer (ranges, options, therapy areas, search words), so
each misses the figure cache; the query cache stays warm, as on a running server.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import itertools
import json
import os
import pstats
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# NOTE: `python bench/dashboard.py` puts bench/ first on sys.path, where this very file would shadow
# the `dashboard` package; the repository root is searched instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench"]
sys.path.insert(0, str(REPO_ROOT))

from bench.common import Result, format_table, summary_table, write_results  # noqa: E402

VENV_BIN = Path(sys.executable).parent
WORKERS = 2
CLIENTS = 8
THROUGHPUT_SECONDS = 20.0
UNCACHED_REQUESTS = 120
CACHED_REQUESTS = 150
SYNTHETIC_ROWS = 1_000_000
ACCEPT_ENCODING = "gzip, deflate, br, zstd"  # what Chromium sends
TARGETS = {"uncached_p50": 10.0, "uncached_p95": 20.0, "cached_p50": 4.0, "throughput": 250.0,
           "first_load_bytes": 2.0, "first_chart": 1.5}
# Waits for the first chart: a drawn plot (.main-svg), and a plot with data or an empty-state note.
FIRST_CHART_SCRIPT = """
(function () {
  window.__firstChart = null; window.__firstChartData = null;
  function check() {
    var svg = document.querySelector('.js-plotly-plot .main-svg');
    if (svg && window.__firstChart === null) { window.__firstChart = performance.now(); }
    var plots = document.querySelectorAll('.js-plotly-plot');
    for (var i = 0; i < plots.length; i++) {
      var gd = plots[i];
      var drawn = (gd.data && gd.data.length) || (gd.layout && gd.layout.annotations && gd.layout.annotations.length);
      if (drawn && window.__firstChartData === null) { window.__firstChartData = performance.now(); }
    }
    return window.__firstChart !== null && window.__firstChartData !== null;
  }
  function start() {
    if (check()) { return; }
    var observer = new MutationObserver(function () { if (check()) { observer.disconnect(); } });
    observer.observe(document.documentElement, {childList: true, subtree: true, attributes: true});
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
"""


def say(text: str = "") -> None:
    """Progress and tables go to stdout as they are produced."""
    print(text, flush=True)


# --- servers and databases -------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refresh(url: str) -> None:
    """Build a database from the bundled data/ with `python -m etl refresh`."""
    process = subprocess.run([sys.executable, "-m", "etl", "--database-url", url, "refresh"], cwd=REPO_ROOT,
                             capture_output=True, text=True, check=False)
    if process.returncode != 0:
        raise RuntimeError(f"etl refresh failed: {process.stderr[-2000:]}")


def synthetic_database(url: str) -> float:
    """The bundled database plus SYNTHETIC_ROWS invented observations (bench_ind_*), loaded by etl.load."""
    from bench.etl import synthetic_data
    from etl import load
    from etl.db import make_engine

    start = time.perf_counter()
    refresh(url)
    data = synthetic_data(SYNTHETIC_ROWS)
    engine = make_engine(url)
    try:
        for parsed, label in ((data.indicators, "synthetic indicators"), (data.first, "synthetic observations")):
            report = load.apply(engine, parsed, file_name=f"bench: {label}", sha256=secrets.token_hex(32))
            if report.status != "applied":
                raise RuntimeError(f"bench load {label!r}: {report.status} {report.error}")
    finally:
        engine.dispose()
    return time.perf_counter() - start


@contextmanager
def gunicorn(database_url: str, log: Path) -> Iterator[str]:
    """`gunicorn --workers 2` serving dashboard.app:create_server() on a free port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DASH_DEBUG": "0"}
    env.pop("CACHE_REDIS_URL", None)
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
             "dashboard.app:create_server()"], cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            probe = Client(port)
            try:
                if probe.get("/_dash-dependencies")[0] == 200:
                    break
            except (http.client.HTTPException, OSError):
                pass
            finally:
                probe.close()
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {log}:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Client:
    """One keep-alive HTTP connection (reopened by http.client when the server closes it)."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, float, int]:
        headers = {"Accept-Encoding": ACCEPT_ENCODING, "Connection": "keep-alive"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            raise
        return response.status, time.perf_counter() - start, len(data)

    def get(self, path: str) -> tuple[int, float, int]:
        return self.request("GET", path)

    def post(self, body: bytes) -> tuple[int, float, int]:
        return self.request("POST", "/_dash-update-component", body)

    def close(self) -> None:
        self.conn.close()


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


# --- the app's pages, seen in-process (controls and their options) ------------------------------------

@dataclass
class Page:
    """A registered page: where it is, its graphs, and the controls its layout builds."""

    name: str
    path: str
    graphs: set[str] = field(default_factory=set)
    controls: dict[str, dict] = field(default_factory=dict)
    bodies: list[dict] = field(default_factory=list)
    browser: dict = field(default_factory=dict)


def _walk(component) -> Iterator:
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def app_pages(database_url: str) -> tuple[list[Page], dict]:
    """Pages from dash.page_registry, with the props of every control their default layout builds."""
    import dash

    from dashboard import queries
    from dashboard.app import create_app
    from etl.db import make_engine

    app = create_app(make_engine(database_url), {"CACHE_TYPE": "SimpleCache"})
    pages, vocabulary = [], {}
    with app.server.test_request_context("/"):
        companies = queries.companies()
        sample = {"key": str(companies["key"].iloc[0])} if not companies.empty else {}
        vocabulary["areas"] = queries.therapy_areas()["code"].tolist()
        words = set()
        for text in [*companies["name_en"].dropna(), *queries.sources()["publisher"].dropna()]:
            words |= {w.casefold()[:5] for w in re.findall(r"[A-Za-z]{4,}", str(text))}
        vocabulary["words"] = sorted(words)
        for entry in sorted(dash.page_registry.values(), key=lambda p: p.get("order") or 99):
            path = entry.get("path_template") or entry["path"]
            args = {}
            for name in re.findall(r"<(\w+)>", path):
                args[name] = sample.get(name, "x")
                path = path.replace(f"<{name}>", args[name])
            page = Page(entry["module"].split(".")[-1], path)
            layout = entry["layout"]
            tree = layout(lang="en", **args) if callable(layout) else layout
            for component in _walk(tree):
                cid = getattr(component, "id", None)
                if not isinstance(cid, str):
                    continue
                props = {k: v for k, v in component.to_plotly_json()["props"].items() if k != "children"}
                props["_type"] = component.to_plotly_json()["type"]
                page.controls[cid] = props
                if props["_type"] == "Graph":
                    page.graphs.add(cid)
            pages.append(page)
    return pages, vocabulary


def _options(props: dict) -> list:
    """The values a control offers: Mantine `data` (flat or grouped) or dcc `options`."""
    values = []
    for item in props.get("data") or props.get("options") or []:
        if isinstance(item, dict) and "items" in item:
            values += [i["value"] if isinstance(i, dict) else i for i in item["items"]]
        elif isinstance(item, dict):
            values.append(item.get("value"))
        else:
            values.append(item)
    return [v for v in values if v is not None]


def candidates(input_id: str, value, props: dict | None, vocabulary: dict, rng: random.Random) -> list:
    """Other values this input can take, among those the page itself offers."""
    if input_id == "global-area":
        return [None, *vocabulary["areas"]]
    props = props or {}
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
        low, high = int(props.get("min", value[0])), int(props.get("max", value[1]))
        ranges = [[a, b] for a in range(low, high + 1) for b in range(a, high + 1)]
        rng.shuffle(ranges)
        return ranges
    options = _options(props)
    if options:
        if isinstance(value, list):
            singles = [[o] for o in options]
            pairs = [list(p) for p in itertools.combinations(options[:12], 2)]
            return singles + pairs
        return options
    if isinstance(value, str) and props.get("_type") in ("TextInput", "Input", "Textarea"):
        return list(vocabulary["words"])
    return []


def variants(body: dict, controls: dict[str, dict], vocabulary: dict, count: int, seed: int = 7) -> list[dict]:
    """Up to `count` distinct bodies: the captured one with one, then two, inputs changed."""
    rng = random.Random(seed)
    inputs = body.get("inputs") or []
    choices = {}
    for n, item in enumerate(inputs):
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item.get("property") == "value":
            values = candidates(item["id"], item.get("value"), controls.get(item["id"]), vocabulary, rng)
            values = [v for v in values if v != item.get("value")]
            if values:
                choices[n] = values
    seen, out = {json.dumps(inputs, sort_keys=True)}, []

    def emit(changes: dict[int, object]) -> None:
        new_inputs = [dict(item) for item in inputs]
        for n, value in changes.items():
            new_inputs[n]["value"] = value
        key = json.dumps(new_inputs, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append({**body, "inputs": new_inputs})

    # One input changed at a time, round-robin over the inputs, then random pairs.
    for column in itertools.zip_longest(*[[(n, v) for v in values] for n, values in choices.items()]):
        for change in column:
            if change is not None and len(out) < count:
                emit({change[0]: change[1]})
    tries = 0
    while len(out) < count and len(choices) >= 2 and tries < count * 20:
        tries += 1
        a, b = rng.sample(sorted(choices), 2)
        emit({a: rng.choice(choices[a]), b: rng.choice(choices[b])})
    return out


# --- the browser -------------------------------------------------------------------------------------

def chromium():
    """Headless Chromium through selenium, with the performance log on and the HTTP cache off."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run",
                     "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options)
    driver.execute_cdp_cmd("Network.enable", {"maxPostDataSize": 1_000_000})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FIRST_CHART_SCRIPT})
    return driver


def open_page(driver, url: str, expect_chart: bool, timeout: float = 20.0) -> tuple[dict, list[dict]]:
    """Load `url` once; the first-chart times, bytes transferred, and the callback bodies it posted."""
    driver.get_log("performance")  # drop what earlier pages left
    driver.get(url)
    deadline = time.monotonic() + timeout
    while expect_chart and time.monotonic() < deadline:
        if driver.execute_script("return window.__firstChartData !== null && window.__firstChart !== null"):
            break
        time.sleep(0.05)
    # Let the remaining callbacks finish: no Dash loading markers and no new requests for 0.5 s.
    quiet_since, count = time.monotonic(), -1
    while time.monotonic() < deadline:
        now = driver.execute_script("return performance.getEntriesByType('resource').length")
        busy = driver.execute_script("return document.querySelectorAll('[data-dash-is-loading=\"true\"]').length")
        if now != count or busy:
            count, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since > 0.5:
            break
        time.sleep(0.1)
    timing = driver.execute_script("""
        var nav = performance.getEntriesByType('navigation')[0];
        var res = performance.getEntriesByType('resource');
        var bytes = (nav ? nav.transferSize : 0), decoded = (nav ? nav.decodedBodySize : 0);
        res.forEach(function (r) { bytes += r.transferSize; decoded += r.decodedBodySize; });
        var waterfall = res.map(function (r) {
          return [r.name.replace(location.origin, '').split('?')[0], Math.round(r.startTime),
                  Math.round(r.responseEnd), r.transferSize]; });
        return {firstChart: window.__firstChart, firstChartData: window.__firstChartData, bytes: bytes,
                decoded: decoded, requests: res.length + 1, waterfall: waterfall,
                domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
                load: nav ? nav.loadEventEnd : null};""")
    bodies = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.requestWillBeSent":
            continue
        request = message["params"]["request"]
        if request.get("method") != "POST" or "/_dash-update-component" not in request["url"]:
            continue
        data = request.get("postData")
        if data is None:
            try:
                data = driver.execute_cdp_cmd("Network.getRequestPostData",
                                              {"requestId": message["params"]["requestId"]})["postData"]
            except Exception:  # the body may be gone; that request is simply not replayed
                continue
        bodies.append(json.loads(data))
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    timing["console_errors"] = len(errors)
    return timing, bodies


# --- measurements ------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


ERRORS: list[str] = []  # the first few failed requests, for the report


def sequential(port: int, bodies: list[dict], repeat: int = 1, budget: float = 8.0,
               minimum: int = 20) -> tuple[list[float], int]:
    """Latency in ms of each body sent in turn (`repeat` times each) on one connection; and errors.

    Stops after `budget` seconds once `minimum` requests are done, so a slow page cannot stretch the run.
    """
    client, times, errors = Client(port), [], 0
    deadline = time.monotonic() + budget
    try:
        for body in bodies:
            data = json.dumps(body).encode()
            for _ in range(repeat):
                if len(times) >= minimum and time.monotonic() > deadline:
                    return times, errors
                try:
                    status, seconds, _ = client.post(data)
                except (http.client.HTTPException, OSError) as exc:
                    errors += 1
                    ERRORS.append(f"{body.get('output', '')[:80]}: {exc!r}")
                    continue
                if status not in (200, 204):
                    errors += 1
                    inputs = {i.get("id") if isinstance(i.get("id"), str) else json.dumps(i.get("id")): i.get("value")
                              for i in body.get("inputs") or [] if isinstance(i, dict)}
                    ERRORS.append(f"HTTP {status} {body.get('output', '')[:80]} inputs={json.dumps(inputs)[:300]}")
                times.append(seconds * 1000)
    finally:
        client.close()
    return times, errors


def throughput(port: int, bodies: list[dict], clients: int = CLIENTS,
               seconds: float = THROUGHPUT_SECONDS) -> dict:
    """Requests per second with `clients` threads on keep-alive connections for `seconds`; errors counted."""
    payloads = [json.dumps(b).encode() for b in bodies]
    stop = time.monotonic() + seconds
    counts, errors, latencies = [0] * clients, [0] * clients, [[] for _ in range(clients)]

    def work(n: int) -> None:
        client = Client(port)
        i = n
        while time.monotonic() < stop:
            try:
                status, elapsed, _ = client.post(payloads[i % len(payloads)])
                if status not in (200, 204):
                    errors[n] += 1
                latencies[n].append(elapsed * 1000)
            except (http.client.HTTPException, OSError):
                errors[n] += 1
            counts[n] += 1
            i += 1
        client.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    merged = [t for part in latencies for t in part]
    return {"requests": sum(counts), "errors": sum(errors), "seconds": elapsed, "rps": sum(counts) / elapsed,
            "p50_ms": percentile(merged, 50), "p95_ms": percentile(merged, 95)}


def chart_callbacks(port: int) -> list[dict]:
    """The callbacks GET /_dash-dependencies lists whose outputs include a '<...>-graph.figure'."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/_dash-dependencies")
    dependencies = json.loads(conn.getresponse().read())
    conn.close()
    return [d for d in dependencies if re.search(r"-graph\.figure(\.\.|$)", d["output"])]


def graph_of(output: str) -> str:
    return re.search(r"([\w-]+-graph)\.figure", output).group(1)


def profile_callback(database_url: str, body: dict, label: str, top: int = 14) -> str:
    """cProfile of one callback request in-process (Flask test client), cumulative time, top functions."""
    from dashboard.app import create_app
    from etl.db import make_engine

    app = create_app(make_engine(database_url), {"CACHE_TYPE": "NullCache"})
    client = app.server.test_client()
    client.post("/_dash-update-component", json=body)  # imports, first queries
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": ACCEPT_ENCODING})
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    # Skip the request plumbing (werkzeug, flask, dash dispatch): show where the callback spends it.
    stats.print_stats(r"^(?!.*(werkzeug|flask/|_contextvars|dash/backends|dash/_callback|flask_caching))", top)
    text = out.getvalue()
    return f"--- profile: {label} (10 requests, NullCache: every request renders) ---\n" + text[text.find("ncalls"):]


# --- the benchmark ---------------------------------------------------------------------------------

class ZeroTarget(Result):
    """A count whose target is zero (Result's ratio cannot divide by a zero target)."""

    @property
    def ratio(self) -> float | None:
        return None

    @property
    def verdict(self) -> str:
        if self.measured is None:
            return "SKIPPED"
        return "MET" if self.measured == 0 else "NOT MET"


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def bench_server(base: str, database_url: str, pages: list[Page], vocabulary: dict, label: str,
                 throughput_seconds: float, only: set[str] | None = None,
                 substitute: dict[str, object] | None = None) -> dict:
    """Browser first load of each page, then sequential (uncached, cached) latency and throughput."""
    port = port_of(base)
    callbacks = chart_callbacks(port)
    chart_outputs = {graph_of(c["output"]): c["output"] for c in callbacks}
    driver = chromium()
    report: dict = {"pages": {}, "not_benched": []}
    try:
        for page in pages:
            if only and page.name not in only:
                continue
            graphs = page.graphs & set(chart_outputs)
            if not graphs:
                report["not_benched"].append(f"{page.name} ({page.path}): no chart callback")
                continue
            # The first load warms the server's caches (reported as 'cold'); the second is measured.
            cold, _ = open_page(driver, f"{base}{page.path}?lang=en", expect_chart=True)
            timing, bodies = open_page(driver, f"{base}{page.path}?lang=en", expect_chart=True)
            page.browser = {**timing, "cold": cold}
            outputs = {chart_outputs[g] for g in graphs}
            page.bodies = [b for b in bodies if b.get("output") in outputs]
            if substitute:
                for body in page.bodies:
                    for item in body.get("inputs") or []:
                        if isinstance(item, dict) and item.get("id") in substitute:
                            item["value"] = substitute[item["id"]]
            say(f"  {page.name}: first chart {ms(timing['firstChart'])} ms (with data {ms(timing['firstChartData'])}"
                f" ms), {timing['bytes'] / 1e6:.2f} MB in {timing['requests']} requests, "
                f"{len(page.bodies)} chart request(s) captured, console errors {timing['console_errors']}")
    finally:
        driver.quit()

    for page in pages:
        if not page.bodies:
            continue
        uncached_bodies = []
        per_body = max(1, UNCACHED_REQUESTS // len(page.bodies))
        for n, body in enumerate(page.bodies):
            uncached_bodies += variants(body, page.controls, vocabulary, per_body, seed=n)
        for body in page.bodies:  # warm: every worker has the captured requests cached
            sequential(port, [body], repeat=6, budget=3, minimum=2)
        uncached, uncached_errors = sequential(port, uncached_bodies)
        cached, cached_errors = sequential(port, page.bodies, repeat=max(1, CACHED_REQUESTS // len(page.bodies)))
        report["pages"][page.name] = {
            "path": page.path, "charts": len(page.bodies), "browser": page.browser,
            "uncached": {"requests": len(uncached), "distinct_bodies": len(uncached_bodies),
                         "errors": uncached_errors, "p50_ms": percentile(uncached, 50),
                         "p95_ms": percentile(uncached, 95), "max_ms": max(uncached, default=None)},
            "cached": {"requests": len(cached), "errors": cached_errors, "p50_ms": percentile(cached, 50),
                       "p95_ms": percentile(cached, 95)},
        }
    rows = [(name, r["charts"], r["uncached"]["requests"], ms(r["uncached"]["p50_ms"]), ms(r["uncached"]["p95_ms"]),
             ms(r["cached"]["p50_ms"]), ms(r["cached"]["p95_ms"]), r["uncached"]["errors"] + r["cached"]["errors"],
             ms(r["browser"].get("firstChart")), ms(r["browser"].get("firstChartData")),
             f"{r['browser']['bytes'] / 1e6:.2f}")
            for name, r in report["pages"].items()]
    say(format_table(("page", "charts", "uncached n", "uncached p50 ms", "p95 ms", "cached p50 ms", "p95 ms",
                      "errors", "first svg ms", "first data ms", "MB"), rows))
    mix = [b for page in pages for b in page.bodies]
    if mix:
        for body in mix:
            sequential(port, [body], repeat=4, budget=2, minimum=2)
        report["throughput"] = throughput(port, mix, seconds=throughput_seconds)
        t = report["throughput"]
        say(f"  throughput ({label}): {t['rps']:.0f} req/s with {CLIENTS} clients for {t['seconds']:.0f} s, "
            f"{t['requests']} requests, {t['errors']} errors, p50 {ms(t['p50_ms'])} ms, p95 {ms(t['p95_ms'])} ms "
            f"(mix of the {len(mix)} captured chart requests, cached)")
    return report


def results_for(report: dict, label: str) -> list[Result]:
    """Summary rows: the worst page for each latency and browser metric, and throughput."""
    pages = report["pages"]
    results: list[Result] = []
    if not pages:
        return results

    def worst(path: tuple[str, ...]) -> tuple[float | None, str]:
        found = []
        for name, r in pages.items():
            value = r
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if value is not None:
                found.append((value, name))
        return max(found) if found else (None, "")

    for metric, target, path in (
        ("chart callback uncached p50", TARGETS["uncached_p50"], ("uncached", "p50_ms")),
        ("chart callback uncached p95", TARGETS["uncached_p95"], ("uncached", "p95_ms")),
        ("chart callback cached p50", TARGETS["cached_p50"], ("cached", "p50_ms")),
    ):
        value, name = worst(path)
        results.append(Result(f"{label}: {metric} (worst page)", value, "ms", target, higher_is_better=False,
                              note=f"worst: {name}; " + ", ".join(f"{n} {ms(r[path[0]][path[1]])}"
                                                                  for n, r in pages.items())))
    throughput_report = report.get("throughput")
    if throughput_report:
        errors = throughput_report["errors"] + sum(r["uncached"]["errors"] + r["cached"]["errors"]
                                                   for r in pages.values())
        total = throughput_report["requests"] + sum(r["uncached"]["requests"] + r["cached"]["requests"]
                                                    for r in pages.values())
        results.append(Result(f"{label}: throughput, {CLIENTS} clients", throughput_report["rps"], "req/s",
                              TARGETS["throughput"], note=f"{throughput_report['requests']} requests"))
        results.append(ZeroTarget(f"{label}: failed requests (HTTP 5xx/4xx, resets)", float(errors), "errors", 0.0,
                                  higher_is_better=False, note=f"{errors} of {total} requests"))
    for key, metric, scale, target, unit in (
        ("bytes", "first load transferred (worst page)", 1e-6, TARGETS["first_load_bytes"], "MB"),
        ("firstChart", "first chart .main-svg (worst page)", 1e-3, TARGETS["first_chart"], "s"),
        ("firstChartData", "first chart with data (worst page)", 1e-3, TARGETS["first_chart"], "s"),
    ):
        value, name = worst(("browser", key))
        results.append(Result(f"{label}: {metric}", value * scale if value is not None else None, unit, target,
                              higher_is_better=False, note=f"worst: {name}"))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-synthetic", action="store_true", help="skip the 1M-observation database")
    parser.add_argument("--seconds", type=float, default=THROUGHPUT_SECONDS, help="throughput duration")
    parser.add_argument("--pages", help="only these pages, comma-separated (e.g. investments,companies)")
    args = parser.parse_args()
    only = set(args.pages.split(",")) if args.pages else None
    started = time.monotonic()
    results: list[Result] = []
    details: dict = {"workers": WORKERS, "clients": CLIENTS, "throughput_seconds": args.seconds}
    profiles: list[str] = []
    with tempfile.TemporaryDirectory(prefix="atlas-bench-dash-") as tmp:
        scratch = Path(tmp)
        bundled = f"sqlite:///{scratch / 'bundled.sqlite'}"
        say("== 1. Bundled data: scratch SQLite from data/, gunicorn --workers 2 ==")
        refresh(bundled)
        pages, vocabulary = app_pages(bundled)
        say(f"  pages: {', '.join(f'{p.name} {p.path}' for p in pages)}")
        with gunicorn(bundled, scratch / "gunicorn.log") as base:
            report = bench_server(base, bundled, pages, vocabulary, "bundled", args.seconds, only=only)
        details["bundled"] = report
        if report["not_benched"]:
            say("  not benched: " + "; ".join(report["not_benched"]))
        results += results_for(report, "bundled")
        indicators = next((p for p in pages if p.name == "indicators"), None)

        if not args.skip_synthetic and indicators is not None and indicators.bodies:
            say(f"\n== 2. {SYNTHETIC_ROWS:,} SYNTHETIC observations (bench_ind_*) added: indicators page ==")
            synthetic = f"sqlite:///{scratch / 'synthetic.sqlite'}"
            seconds = synthetic_database(synthetic)
            say(f"  built in {seconds:.1f} s")
            big_pages, _ = app_pages(synthetic)
            big = [p for p in big_pages if p.name == "indicators"]
            with gunicorn(synthetic, scratch / "gunicorn-synthetic.log") as base:
                cold = time.perf_counter()
                Client(port_of(base)).get("/indicators")
                big_report = bench_server(base, synthetic, big, vocabulary, "1M synthetic", min(args.seconds, 10),
                                          only={"indicators"}, substitute={"indicators-indicator": "bench_ind_000"})
                details["synthetic"] = {**big_report, "build_seconds": seconds,
                                        "first_response_after_start_s": time.perf_counter() - cold}
            results += results_for(big_report, "1M synthetic, indicators")
        elif indicators is None:
            say("\n== 2. 1M synthetic observations: SKIPPED (no indicators page) ==")

        # Profile the (at most 3) slowest pages' chart callbacks when a latency target is missed.
        missed = sorted(((r["uncached"]["p50_ms"] or 0, name) for name, r in report["pages"].items()
                         if (r["uncached"]["p50_ms"] or 0) > TARGETS["uncached_p50"]
                         or (r["uncached"]["p95_ms"] or 0) > TARGETS["uncached_p95"]
                         or (r["cached"]["p50_ms"] or 0) > TARGETS["cached_p50"]), reverse=True)[:3]
        for _, name in missed:
            page = next(p for p in pages if p.name == name)
            slowest = max(page.bodies, key=lambda b: len(json.dumps(b)))
            profiles.append(profile_callback(bundled, slowest, f"{name}: {graph_of(slowest['output'])}"))
    details["profiles"] = profiles
    details["errors"] = ERRORS[:20]
    if ERRORS:
        say(f"\n{len(ERRORS)} failed request(s); the first: " + "\n  ".join(ERRORS[:5]))
    details["elapsed_s"] = time.monotonic() - started
    for text in profiles:
        say("\n" + text)
    say("\n== Summary ==")
    say(summary_table(results))
    path = write_results("dashboard", results, details)
    say(f"\nwritten to {path.relative_to(REPO_ROOT)} in {details['elapsed_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
