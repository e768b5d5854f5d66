"""Dashboard benchmark (`make bench`): the atlas beside datasette on the same SQLite file, nothing cached.

A report, not a test: it measures, compares with issue 7's targets, prints target / measured / MET or
NOT MET and writes bench/results/dashboard.json; it never fails because something was slow.

What is measured, on three scratch SQLite databases (the bundled data/ built by `etl refresh`, and that
database with 1M and 10M SYNTHETIC observations added: invented indicators bench_ind_*, labelled so):
- the open API, /api/v1/observations for one indicator and ten regions, against datasette serving the
  same file with an ad-hoc SQL query returning the same rows (same joins, same order), requests interleaved;
- the chart callback for the same view with every cache missed, and every page's chart callbacks
  missed and hit; "missed" means a gunicorn whose flask-caching backend never returns a hit (the query,
  figure and metadata memos all recompute, and still pay for storing what they computed) while the
  request inputs also vary among the values the page offers;
- throughput with 8 keep-alive clients in another process (this file run with --client), missed and hit;
- on 10M observations, the first callback after gunicorn starts and the slowest request of a long
  uncached load;
- in headless Chromium with an empty HTTP cache, the first chart with data points drawn and the bytes
  a page transfers (Accept-Encoding with br, as over HTTPS).
Each figure is the median of --runs runs (3) with their min and max and os.getloadavg() at each run;
each latency rests on at least --requests requests (100). The git commit measured is in the JSON.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
# NOTE: `python bench/dashboard.py` puts bench/ first on sys.path, where this very file would shadow
# the `dashboard` package; the repository root is searched instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench"]
sys.path.insert(0, str(REPO_ROOT))

from bench.common import (  # noqa: E402
    AtMost,
    Result,
    Spread,
    format_table,
    git_commit,
    load_averages,
    spread_table,
    write_results,
)

VENV_BIN = Path(sys.executable).parent
WORKERS = 2
CLIENTS = 8
RUNS = 3
REQUESTS = 100
THROUGHPUT_SECONDS = 10.0
LONG_LOAD_SECONDS = 90.0
SYNTHETIC_SIZES = (1_000_000, 10_000_000)
INDICATOR = "grp"
REGION_COUNT = 10
ACCEPT_ENCODING = "gzip, deflate, br"  # what a browser sends over HTTPS (issue 7: first load "with br")
TARGETS = {
    "api_vs_datasette": 1.0,        # /api/v1/observations p50 ÷ datasette's p50
    "callback_vs_datasette": 2.0,   # uncached chart callback p50 ÷ datasette's p50
    "callback_p95_ms": 20.0,
    "throughput_uncached": 250.0,
    "throughput_cached": 600.0,
    "errors": 0.0,
    "first_callback_ms": 300.0,     # on 10M observations, the first callback after gunicorn starts
    "long_load_max_ms": 1000.0,     # on 10M observations, the slowest request of the long uncached load
    "first_chart_s": 1.0,
    "first_load_mb": 1.0,           # pages without a grid
}
# Records when the first plotly graph holding a trace with data points is drawn (the placeholder
# frame a chart card shows before its callback answers has no trace, so it does not count).
FIRST_CHART_SCRIPT = """
(function () {
  window.__firstChartData = null;
  function points(trace) {
    var keys = ['x', 'y', 'z', 'values', 'lat', 'lon', 'locations', 'cells'];
    for (var k = 0; k < keys.length; k++) {
      var v = trace[keys[k]];
      if (v && v._inputArray) { v = v._inputArray; }
      if (v && keys[k] === 'cells') { v = v.values; }
      if (v && v.length > 0) { return true; }
    }
    return false;
  }
  function check() {
    if (window.__firstChartData !== null) { return true; }
    var plots = document.querySelectorAll('.js-plotly-plot');
    for (var i = 0; i < plots.length; i++) {
      var gd = plots[i];
      if (gd.data && gd.data.length > 0 && gd.querySelector('.main-svg')) {
        for (var j = 0; j < gd.data.length; j++) {
          if (points(gd.data[j])) { window.__firstChartData = performance.now(); return true; }
        }
      }
    }
    return false;
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


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


# --- the cache that always misses (loaded by gunicorn from here) ------------------------------------

def missing_cache(app, config, args, options):
    """flask-caching backend factory: the served in-process cache, storing every value and never returning one.

    Every memo (query, figure, metadata) recomputes on every request and still pays for storing its
    result, as a real miss does; used as CACHE_TYPE="bench.dashboard.missing_cache". It is the backend the
    cached server below runs (dashboard.cache.BoundedCache: CACHE_REDIS_URL is empty), so a miss costs what
    it costs there; a Redis deployment also pickles each stored value.
    """
    from dashboard.cache import BoundedCache

    class MissingCache(BoundedCache):
        def get(self, key):
            return None

        def get_many(self, *keys):
            return [None] * len(keys)

        def get_dict(self, *keys):
            return dict.fromkeys(keys)

        def has(self, key):
            return False

    return MissingCache(threshold=int(config.get("CACHE_THRESHOLD") or 2000),
                        default_timeout=options.get("default_timeout", 300))


def uncached_server():
    """WSGI app for gunicorn: the dashboard with every flask-caching lookup a miss."""
    from dashboard.app import create_server

    # The served entry point (its warm-up and start-up settings), with the cache that always misses.
    return create_server(cache_config={"CACHE_TYPE": "bench.dashboard.missing_cache", "CACHE_DEFAULT_TIMEOUT": 300,
                                       "CACHE_THRESHOLD": 2000})


# --- servers -----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """One keep-alive HTTP connection (reopened after the server closes it)."""

    def __init__(self, port: int, timeout: float = 30, compressed: bool = True):
        self.port = port
        self.timeout = timeout
        self.compressed = compressed
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, float, bytes]:
        headers = {"Accept-Encoding": ACCEPT_ENCODING if self.compressed else "identity", "Connection": "keep-alive"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            raise
        return response.status, time.perf_counter() - start, data

    def close(self) -> None:
        self.conn.close()


@dataclass
class Call:
    """One request to replay: GET a path, or POST a callback body."""

    label: str
    path: str
    body: bytes | None = None

    def send(self, client: Client) -> tuple[int, float, bytes]:
        return client.request("POST" if self.body is not None else "GET", self.path, self.body)

    def as_json(self) -> dict:
        return {"label": self.label, "path": self.path, "body": self.body.decode() if self.body else None}

    @classmethod
    def callback(cls, label: str, body: dict) -> Call:
        return cls(label, "/_dash-update-component", json.dumps(body).encode())


def wait_ready(port: int, path: str, process: subprocess.Popen, log: Path, timeout: float = 120) -> float:
    """Seconds until GET `path` answers 200; raises when the server dies or never answers."""
    start = time.monotonic()
    while True:
        probe = Client(port, timeout=10)
        try:
            if probe.request("GET", path)[0] == 200:
                return time.monotonic() - start
        except (http.client.HTTPException, OSError):
            pass
        finally:
            probe.close()
        if process.poll() is not None or time.monotonic() - start > timeout:
            raise RuntimeError(f"server on {port} did not start; see {log}:\n{log.read_text()[-2000:]}")
        time.sleep(0.05)


@contextmanager
def server(command: list[str], port: int, ready_path: str, log: Path, env: dict | None = None
           ) -> Iterator[tuple[int, subprocess.Popen, float]]:
    """A server process; yields its port, the process and the seconds it took to answer `ready_path`."""
    with log.open("a") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env={**os.environ, **(env or {})}, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        seconds = wait_ready(port, ready_path, process, log)
        yield port, process, seconds
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def gunicorn(database_url: str, log: Path, cached: bool, ready_path: str = "/_dash-dependencies"):
    """`gunicorn --workers 2` on a free port: the dashboard as served, or with every cache lookup missed."""
    port = free_port()
    app = "dashboard.app:create_server()" if cached else "bench.dashboard:uncached_server()"
    env = {"DATABASE_URL": database_url, "DASH_DEBUG": "0", "CACHE_REDIS_URL": ""}
    return server([str(VENV_BIN / "gunicorn"), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", app],
                  port, ready_path, log, env)


def datasette(path: Path, log: Path):
    """datasette serving the SQLite file on a free port (one process, as it is usually run)."""
    port = free_port()
    return server([str(VENV_BIN / "datasette"), "serve", str(path), "--port", str(port), "--host", "127.0.0.1",
                   "--setting", "sql_time_limit_ms", "5000", "--setting", "max_returned_rows", "100000",
                   "--setting", "num_sql_threads", "3"], port, "/-/versions.json", log)


# --- databases ---------------------------------------------------------------------------------------

def refresh(path: Path) -> float:
    """Build a database from the bundled data/ with `python -m etl refresh`; seconds taken."""
    start = time.perf_counter()
    process = subprocess.run([sys.executable, "-m", "etl", "refresh"], cwd=REPO_ROOT, capture_output=True,
                             text=True, check=False, env={**os.environ, "DATABASE_URL": f"sqlite:///{path}"})
    if process.returncode != 0:
        raise RuntimeError(f"etl refresh failed: {process.stderr[-2000:]}")
    return time.perf_counter() - start


SYNTHETIC_EDITION = "BENCH-SYNTHETIC"


def synthetic_database(bundled: Path, path: Path, rows: int) -> dict:
    """A copy of the bundled database plus `rows` SYNTHETIC observations, written with SQLite's own SQL.

    The invented indicators bench_ind_NNN each cover every region (kind 'region') for the years and
    months 2000-2024; values are arithmetic noise around 1000. They sit beside the real rows, so the
    measured query (the real indicator, ten regions) runs against a table of the stated size. NOTE: the
    rows are written directly, not through etl.load, so any fact the loader maintains per load beyond
    the observations, indicators, editions and loads tables does not count them.
    """
    start = time.perf_counter()
    source = sqlite3.connect(bundled)
    target = sqlite3.connect(path)
    source.backup(target)
    source.close()
    db = target
    db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-400000;"
                     "PRAGMA temp_store=MEMORY;")
    db.execute("BEGIN")
    db.execute("INSERT INTO loads (file_name, sha256, adapter, edition, started_at, finished_at, status, rows_added, "
               "rows_changed, rows_unchanged, rows_rejected, report) VALUES ('bench: SYNTHETIC observations', "
               "lower(hex(randomblob(32))), 'bench_synthetic', ?, datetime('now'), datetime('now'), 'applied', ?, "
               "0, 0, 0, '{}')", (SYNTHETIC_EDITION, rows))
    load_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
    db.execute("INSERT OR IGNORE INTO editions (code, name_ru, name_en, publisher, load_id) VALUES (?, "
               "'Синтетические данные бенчмарка', 'SYNTHETIC bench data', 'bench', ?)", (SYNTHETIC_EDITION, load_id))
    db.execute("CREATE TEMP TABLE bench_regions AS SELECT row_number() OVER (ORDER BY code) - 1 AS n, code "
               "FROM regions WHERE kind = 'region' ORDER BY code")
    db.execute("CREATE TEMP TABLE bench_periods (n INTEGER PRIMARY KEY, period TEXT, year INTEGER, month INTEGER, "
               "kind TEXT)")
    periods = sorted([(str(y), y, None, "year") for y in range(2000, 2025)]
                     + [(f"{y}-{m:02d}", y, m, "month") for y in range(2000, 2025) for m in range(1, 13)])
    db.executemany("INSERT INTO bench_periods (period, year, month, kind) VALUES (?, ?, ?, ?)", periods)
    regions = db.execute("SELECT count(*) FROM bench_regions").fetchone()[0]
    indicators = -(-rows // (regions * len(periods)))
    db.execute("CREATE TEMP TABLE bench_indicators (n INTEGER PRIMARY KEY, code TEXT)")
    db.executemany("INSERT INTO bench_indicators (n, code) VALUES (?, ?)",
                   [(i, f"bench_ind_{i:03d}") for i in range(indicators)])
    db.execute("INSERT INTO indicators (code, name_ru, name_en, unit_ru, unit_en, topic, source_table, frequency, "
               "load_id, additive) SELECT code, 'Синтетический показатель ' || n || ' (бенчмарк)', "
               "'SYNTHETIC bench indicator ' || n, 'единиц', 'units', 'other', 'bench: SYNTHETIC', 'month', ?, 0 "
               "FROM bench_indicators", (load_id,))
    # CROSS JOIN keeps the loop order (indicator, region, period): rows go in in the unique index's order.
    db.execute(
        "INSERT INTO observations (indicator_code, region_code, period, year, month, value, status, edition, "
        "source_file, source_sheet, source_cell, load_id, period_kind) "
        "SELECT i.code, r.code, p.period, p.year, p.month, "
        "round(1000 + ((i.n * 7919 + r.n * 104729 + p.n * 1299709) % 60001) / 100.0, 1), '', ?, "
        "'bench: SYNTHETIC observations', 'synthetic', 'R' || (r.n + 2) || 'C' || (p.n + 1), ?, p.kind "
        "FROM bench_indicators AS i CROSS JOIN bench_regions AS r CROSS JOIN bench_periods AS p LIMIT ?",
        (SYNTHETIC_EDITION, load_id, rows))
    db.execute("COMMIT")
    codes = [r[0] for r in db.execute("SELECT code FROM bench_indicators")]
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    coverage = _refresh_coverage(path, codes, load_id)
    db = sqlite3.connect(path)
    db.execute("ANALYZE")
    total = db.execute("SELECT count(*) FROM observations").fetchone()[0]
    db.close()
    return {"synthetic_rows": rows, "observations_total": total, "synthetic_indicators": indicators,
            "coverage": coverage, "build_seconds": time.perf_counter() - start, "bytes": path.stat().st_size}


def _refresh_coverage(path: Path, codes: list[str], load_id: int) -> str:
    """The loader's own per-load facts (etl.load.refresh_coverage) for the synthetic rows, when it has them."""
    try:
        from etl.load import refresh_coverage
    except ImportError:
        return "etl.load has no refresh_coverage: nothing to maintain"
    from etl.db import make_engine

    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            refresh_coverage(conn, codes, [SYNTHETIC_EDITION], load_id)
    finally:
        engine.dispose()
    return "etl.load.refresh_coverage run for the synthetic indicators"


def chosen_regions(path: Path, indicator: str, count: int = REGION_COUNT) -> list[str]:
    """`count` regions with the most figures of `indicator` (Kaluga first when it has any)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found = [r[0] for r in db.execute(
            "SELECT o.region_code FROM observations o JOIN regions r ON r.code = o.region_code "
            "WHERE o.indicator_code = ? AND r.kind = 'region' GROUP BY o.region_code "
            "ORDER BY o.region_code = 'RU-KLU' DESC, count(*) DESC, o.region_code LIMIT ?", (indicator, count))]
    finally:
        db.close()
    return found


def datasette_sql(regions: list[str]) -> str:
    """The API's observations query, as plain SQL for datasette: same joins, filter and order."""
    names = ", ".join(f":r{i}" for i in range(len(regions)))
    return (
        "select o.indicator_code, i.name_ru, i.name_en, i.unit_ru, i.unit_en, o.region_code, "
        "r.name_ru as region_name_ru, r.name_en as region_name_en, o.period, o.period_kind, o.year, o.month, "
        "o.value, nullif(o.value_text, '') as value_text, o.status, o.edition, e.name_ru as edition_title_ru, "
        "e.name_en as edition_title_en, e.publisher, e.url as source_url, o.source_file, o.source_sheet, "
        "o.source_cell, o.source_header, o.load_id "
        "from observations o join indicators i on i.code = o.indicator_code "
        "join regions r on r.code = o.region_code left join editions e on e.code = o.edition "
        f"where o.indicator_code = :indicator and o.region_code in ({names}) "
        "order by o.region_code, o.period, o.edition")


def datasette_call(path: Path, indicator: str, regions: list[str]) -> Call:
    params = {"sql": datasette_sql(regions), "_shape": "array", "indicator": indicator,
              **{f"r{i}": code for i, code in enumerate(regions)}}
    return Call("datasette", f"/{path.stem}.json?{urlencode(params)}")


def api_call(indicator: str, regions: list[str]) -> Call:
    return Call("api", "/api/v1/observations?" + urlencode({"indicator": indicator, "region": ",".join(regions),
                                                             "limit": 50000}))


def row_count(call: Call, port: int) -> int | None:
    """Rows in a JSON answer (a list, or an object with `rows`); None when it is not JSON."""
    client = Client(port, compressed=False)
    try:
        _, _, data = call.send(client)
    finally:
        client.close()
    try:
        payload = json.loads(data)
    except ValueError:
        return None
    rows = payload if isinstance(payload, list) else payload.get("rows")
    return len(rows) if isinstance(rows, list) else None


# --- sequential latency --------------------------------------------------------------------------------

ERRORS: list[str] = []  # the first failed requests, for the report


def latencies(port: int, calls: list[Call], count: int) -> tuple[list[float], int]:
    """Latency in ms of `count` requests cycling through `calls` on one keep-alive connection; errors."""
    client, times, errors = Client(port), [], 0
    try:
        for call in itertools.islice(itertools.cycle(calls), count):
            try:
                status, seconds, data = call.send(client)
            except (http.client.HTTPException, OSError) as exc:
                errors += 1
                ERRORS.append(f"{call.label}: {exc!r}")
                continue
            if status not in (200, 204):
                errors += 1
                ERRORS.append(f"HTTP {status} {call.label}: {data[:200]!r} body={(call.body or b'')[:300]!r}")
            times.append(seconds * 1000)
    finally:
        client.close()
    return times, errors


def interleaved(targets: dict[str, tuple[int, list[Call]]], count: int) -> dict[str, list[float]]:
    """Latencies in ms of `count` requests per target, taking turns, so load changes hit each alike."""
    clients = {name: Client(port) for name, (port, _) in targets.items()}
    cycles = {name: itertools.cycle(calls) for name, (_, calls) in targets.items()}
    out: dict[str, list[float]] = {name: [] for name in targets}
    try:
        for _ in range(count):
            for name in targets:
                call = next(cycles[name])
                try:
                    status, seconds, data = call.send(clients[name])
                except (http.client.HTTPException, OSError) as exc:
                    ERRORS.append(f"{name}: {exc!r}")
                    continue
                if status != 200:
                    ERRORS.append(f"HTTP {status} {name}: {data[:200]!r}")
                    continue
                out[name].append(seconds * 1000)
    finally:
        for client in clients.values():
            client.close()
    return out


# --- load from another process ---------------------------------------------------------------------------

def run_clients(spec: dict) -> dict:
    """The --client side: `clients` threads, each one keep-alive connection, for `seconds`; counts all."""
    calls = [Call(c["label"], c["path"], c["body"].encode() if c["body"] else None) for c in spec["calls"]]
    clients, port = spec["clients"], spec["port"]
    stop = time.monotonic() + spec["seconds"]
    lat: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    samples: list[str] = []

    def work(n: int) -> None:
        client = Client(port, timeout=60)
        i = n * max(1, len(calls) // clients)
        while time.monotonic() < stop:
            call = calls[i % len(calls)]
            i += 1
            start = time.perf_counter()
            try:
                status, _, data = call.send(client)
                if status not in (200, 204):
                    errors[n] += 1
                    if len(samples) < 5:
                        samples.append(f"HTTP {status} {call.label}: {data[:160]!r}")
            except (http.client.HTTPException, OSError) as exc:
                errors[n] += 1
                if len(samples) < 5:
                    samples.append(f"{call.label}: {exc!r}")
            lat[n].append((time.perf_counter() - start) * 1000)
        client.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    merged = [t for part in lat for t in part]
    return {"requests": len(merged), "errors": sum(errors), "seconds": elapsed, "rps": len(merged) / elapsed,
            "p50_ms": percentile(merged, 50), "p95_ms": percentile(merged, 95), "p99_ms": percentile(merged, 99),
            "max_ms": max(merged, default=None), "over_1s": sum(1 for t in merged if t > 1000),
            "error_samples": samples}


def load(port: int, calls: list[Call], seconds: float, clients: int = CLIENTS) -> dict:
    """`clients` clients in another process (this file with --client) for `seconds`; its report."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec:
        json.dump({"port": port, "clients": clients, "seconds": seconds, "calls": [c.as_json() for c in calls]},
                  spec)
    try:
        process = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--client", spec.name],
                                 cwd=REPO_ROOT, capture_output=True, text=True, check=False,
                                 timeout=seconds + 120)
    finally:
        os.unlink(spec.name)
    if process.returncode != 0:
        raise RuntimeError(f"load client failed: {process.stderr[-2000:]}")
    report = json.loads(process.stdout)
    ERRORS.extend(report["error_samples"])
    return report


# --- the browser -------------------------------------------------------------------------------------

def chromium():
    """Headless Chromium (the system's, with its chromedriver) with the performance log on and no HTTP cache."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    if Path("/usr/bin/chromium").exists():
        options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run",
                     "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver_path = shutil.which("chromedriver")
    driver = webdriver.Chrome(options=options, service=Service(driver_path) if driver_path else None)
    driver.execute_cdp_cmd("Network.enable", {"maxPostDataSize": 1_000_000})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    # NOTE: Chromium offers br only over HTTPS; the bench serves plain HTTP, so it asks for br as a browser
    # on the deployed (HTTPS) site would.
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": ACCEPT_ENCODING}})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FIRST_CHART_SCRIPT})
    return driver


def open_page(driver, url: str, timeout: float = 20.0, charts: bool = True) -> tuple[dict, list[dict]]:
    """Load `url` with an empty cache: first chart with data (ms), bytes transferred, the callbacks posted."""
    driver.get_log("performance")  # drop what earlier pages left
    driver.get("about:blank")
    driver.get(url)
    deadline = time.monotonic() + timeout
    while charts and time.monotonic() < deadline:
        if driver.execute_script("return window.__firstChartData !== null"):
            break
        time.sleep(0.03)
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
        var names = res.map(function (r) { return r.name.replace(location.origin, '').split('?')[0]; });
        return {firstChartData: window.__firstChartData, bytes: bytes, decoded: decoded,
                requests: res.length + 1, resources: names,
                domContentLoaded: nav ? nav.domContentLoadedEventEnd : null};""")
    bodies, encodings = [], {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.responseReceived":
            headers = {k.lower(): v for k, v in message["params"]["response"].get("headers", {}).items()}
            encoding = headers.get("content-encoding", "identity")
            encodings[encoding] = encodings.get(encoding, 0) + 1
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
    timing["encodings"] = encodings
    timing["grid_bundle"] = any("ag_grid" in name or "ag-grid" in name for name in timing.pop("resources"))
    timing["console_errors"] = len([e for e in driver.get_log("browser") if e.get("level") == "SEVERE"])
    return timing, bodies


# --- the app's pages, seen in-process (controls and their options) ------------------------------------

@dataclass
class Page:
    """A registered page: where it is, its graphs, the controls its layout builds, its chart callbacks."""

    name: str
    path: str
    graphs: set[str] = field(default_factory=set)
    controls: dict[str, dict] = field(default_factory=dict)
    bodies: list[dict] = field(default_factory=list)
    browser: list[dict] = field(default_factory=list)

    @property
    def grid(self) -> bool:
        """Whether the page's layout holds an AG Grid (issue 7 holds only grid-less pages to 1 MB)."""
        return any(props.get("_type") == "AgGrid" for props in self.controls.values())


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
    pages, vocabulary, sample = [], {"areas": [], "words": []}, {}
    with app.server.test_request_context("/"):
        try:  # the vocabulary only widens the uncached inputs; a changed queries module must not stop the bench
            companies = queries.companies()
            sample = {"key": str(companies["key"].iloc[0])} if not companies.empty else {}
            vocabulary["areas"] = queries.therapy_areas()["code"].tolist()
            words = set()
            for text in [*companies["name_en"].dropna(), *queries.sources()["publisher"].dropna()]:
                words |= {w.casefold()[:5] for w in re.findall(r"[A-Za-z]{4,}", str(text))}
            vocabulary["words"] = sorted(words)
        except Exception as exc:
            say(f"  (page vocabulary unavailable: {exc!r})")
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




def sql_breakdown(database_url: str, body: dict, repeat: int = 5) -> dict:
    """The view's callback with every cache missed, in-process: its time, its SQL statements and their time.

    Tells how much of an uncached callback is the database and how much is Python around it.
    """
    from sqlalchemy import event

    from dashboard.app import create_app
    from etl.db import make_engine

    engine = make_engine(database_url)
    statements: list[tuple[float, str]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, params, context, many):
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, params, context, many):
        statements.append((time.perf_counter() - conn.info.pop("bench_started"), " ".join(statement.split())[:160]))

    app = create_app(engine, {"CACHE_TYPE": "bench.dashboard.missing_cache"})
    client = app.server.test_client()
    client.get("/_dash-layout")
    client.get("/_dash-dependencies")
    client.post("/_dash-update-component", json=body)  # imports, statements built
    runs = []
    for _ in range(repeat):
        statements.clear()
        started = time.perf_counter()
        status = client.post("/_dash-update-component", json=body).status_code
        runs.append({"status": status, "total_ms": (time.perf_counter() - started) * 1000,
                     "statements": len(statements), "sql_ms": sum(t for t, _ in statements) * 1000})
    engine.dispose()
    slowest = [{"ms": t * 1000, "sql": text} for t, text in sorted(statements, reverse=True)[:5]]
    return {"runs": runs, "slowest_statements_last_run": slowest}


# --- the benchmark -------------------------------------------------------------------------------------

@dataclass
class Options:
    runs: int
    requests: int
    seconds: float
    long_seconds: float
    sizes: tuple[int, ...]
    browser: bool
    only: set[str] | None
    logs: Path = Path(tempfile.gettempdir())


def chart_outputs(port: int) -> dict[str, str]:
    """graph id -> callback output, for the callbacks GET /_dash-dependencies lists that draw a graph."""
    client = Client(port, compressed=False)
    try:
        dependencies = json.loads(client.request("GET", "/_dash-dependencies")[2])
    finally:
        client.close()
    out = {}
    for d in dependencies:
        for match in re.finditer(r"([\w-]+-graph)\.figure", d["output"]):
            out[match.group(1)] = d["output"]
    return out


def view_body(bodies: list[dict], indicator: str, regions: list[str]) -> dict | None:
    """The indicators chart's callback body, set to `indicator` and `regions` (None when not captured)."""
    for body in bodies:
        ids = {item.get("id"): n for n, item in enumerate(body.get("inputs") or []) if isinstance(item, dict)}
        if "indicators-indicator" in ids and "indicators-regions" in ids and "figure" in body.get("output", ""):
            inputs = [dict(item) for item in body["inputs"]]
            inputs[ids["indicators-indicator"]]["value"] = indicator
            inputs[ids["indicators-regions"]]["value"] = regions
            return {**body, "inputs": inputs}
    return None


def browse(port: int, pages: list[Page], view_path: str, opts: Options) -> dict:
    """Each page loaded `runs` times in Chromium with an empty cache; captures the chart callback bodies."""
    outputs = chart_outputs(port)
    view_bodies: list[dict] = []
    driver = chromium()
    try:
        for page in pages:
            for _ in range(opts.runs):
                timing, bodies = open_page(driver, f"http://127.0.0.1:{port}{page.path}?lang=en",
                                           charts=bool(page.graphs))
                timing["load"] = load_averages()
                timing["grid"] = page.grid
                page.browser.append(timing)
                if not page.bodies:
                    wanted = {outputs[g] for g in page.graphs if g in outputs}
                    page.bodies = [b for b in bodies if b.get("output") in wanted]
            first = [t["firstChartData"] for t in page.browser]
            say(f"  {page.name}: first chart with data {'/'.join(ms(v) for v in first)} ms, "
                f"{page.browser[0]['bytes'] / 1e6:.2f} MB{' (grid)' if page.grid else ''}"
                f"{', grid bundle loaded' if page.browser[0]['grid_bundle'] else ''}, "
                f"encodings {page.browser[0]['encodings']}, {len(page.bodies)} chart callback(s) captured")
        _, view_bodies = open_page(driver, f"http://127.0.0.1:{port}{view_path}")
    finally:
        driver.quit()
    return {"view_bodies": view_bodies}


def page_latency(port: int, pages: list[Page], vocabulary: dict, opts: Options, cached: bool) -> dict:
    """Per page, `runs` runs of `requests` chart callbacks: varied inputs (uncached server) or the captured."""
    out = {}
    for page in pages:
        if not page.bodies:
            continue
        if cached:
            calls = [Call.callback(page.name, b) for b in page.bodies]
            latencies(port, calls, 2 * WORKERS * len(calls))  # every worker has them cached
        else:
            per_body = max(1, opts.requests // len(page.bodies))
            varied = [v for n, b in enumerate(page.bodies)
                      for v in [b, *variants(b, page.controls, vocabulary, per_body, seed=n)]]
            calls = [Call.callback(page.name, b) for b in varied]
        # At least `requests` per page in all, split over the runs (an uncached page callback can take
        # a second on a busy machine: 3 x 100 for each of ten pages would not fit one `make bench`).
        per_run = -(-opts.requests // opts.runs)
        runs, pooled = [], []
        for n in range(opts.runs):
            chunk = list(itertools.islice(itertools.cycle(calls), n * per_run, (n + 1) * per_run))
            times, errors = latencies(port, chunk, per_run)
            pooled += times
            runs.append({"requests": len(times), "errors": errors, "p50_ms": percentile(times, 50),
                         "p95_ms": percentile(times, 95), "max_ms": max(times, default=None),
                         "load": load_averages()})
        out[page.name] = {"path": page.path, "distinct_bodies": len(calls), "runs": runs,
                          "all": {"requests": len(pooled), "p50_ms": percentile(pooled, 50),
                                  "p95_ms": percentile(pooled, 95), "max_ms": max(pooled, default=None)}}
    return out


def throughput_runs(port: int, calls: list[Call], opts: Options) -> list[dict]:
    latencies(port, calls[: 4 * WORKERS], 4 * WORKERS)  # connections and imports warmed
    runs = []
    for _ in range(opts.runs):
        report = load(port, calls, opts.seconds)
        report["load"] = load_averages()
        runs.append(report)
    return runs


def bench_database(label: str, path: Path, scratch: Path, pages: list[Page], vocabulary: dict,
                   opts: Options, main: bool, largest: bool = False) -> dict:
    """Every measurement on one database; `main` (the bundled one) adds the browser and every page,
    `largest` (the biggest synthetic one) the long uncached load and the first callback after start."""
    url = f"sqlite:///{path}"
    regions = chosen_regions(path, INDICATOR)
    view_path = f"/indicators?{urlencode({'indicator': INDICATOR, 'regions': ','.join(regions), 'lang': 'en'})}"
    report: dict = {"database": str(path.name), "indicator": INDICATOR, "regions": regions}
    ds_call = datasette_call(path, INDICATOR, regions)
    a_call = api_call(INDICATOR, regions)
    log = opts.logs / f"{label.replace(' ', '_')}.log"
    with datasette(path, log) as (ds_port, _, _), gunicorn(url, log, cached=False) as (port, _, _):
        if main and opts.browser:
            say("  browser (uncached server, empty HTTP cache):")
            report["browser_capture"] = browse(port, pages, view_path, opts)
            report["browser"] = {p.name: {"path": p.path, "runs": p.browser} for p in pages}
        view = view_body(report.get("browser_capture", {}).get("view_bodies", []), INDICATOR, regions) or \
            view_body([b for p in pages for b in p.bodies], INDICATOR, regions)
        report.pop("browser_capture", None)
        report["rows"] = {"datasette": row_count(ds_call, ds_port), "api": row_count(a_call, port)}
        targets = {"datasette": (ds_port, [ds_call]), "api": (port, [a_call])}
        if view is not None:
            targets["callback"] = (port, [Call.callback("indicators view", view)])
        interleaved(targets, 10)  # connections, imports, SQLite pages warmed (nothing of flask-caching: it misses)
        runs = []
        for _ in range(opts.runs):
            times = interleaved(targets, opts.requests)
            run = {name: {"requests": len(t), "p50_ms": percentile(t, 50), "p95_ms": percentile(t, 95),
                          "max_ms": max(t, default=None)} for name, t in times.items()}
            run["load"] = load_averages()
            runs.append(run)
        report["side_by_side"] = runs
        say(f"  side by side ({label}, {report['rows']} rows): " + "; ".join(
            f"{name} p50 {'/'.join(ms(r[name]['p50_ms']) for r in runs)} ms" for name in targets))
        if main:
            report["pages_uncached"] = page_latency(port, pages, vocabulary, opts, cached=False)
        mix = [Call.callback(p.name, v) for p in pages for n, b in enumerate(p.bodies)
               for v in [b, *variants(b, p.controls, vocabulary, 20, seed=n)]]
        if view is not None:
            mix.append(Call.callback("indicators view", view))
        random.Random(3).shuffle(mix)
        report["throughput_uncached"] = throughput_runs(port, mix, opts) if mix else []
        say(f"  throughput uncached: {rates(report['throughput_uncached'])} req/s, "
            f"errors {sum(r['errors'] for r in report['throughput_uncached'])}")
        if largest and mix:
            say(f"  long uncached load: {CLIENTS} clients for {opts.long_seconds:.0f} s ...")
            long = load(port, mix, opts.long_seconds)
            long["load"] = load_averages()
            report["long_load"] = long
            say(f"  long load: {long['requests']} requests, max {ms(long['max_ms'])} ms, "
                f"{long['over_1s']} over 1 s, errors {long['errors']}")
    with gunicorn(url, log, cached=True) as (port, _, _):
        if main:
            report["pages_cached"] = page_latency(port, pages, vocabulary, opts, cached=True)
        cached_mix = [Call.callback(p.name, b) for p in pages for b in p.bodies]
        if view is not None:
            cached_mix.append(Call.callback("indicators view", view))
        if cached_mix:
            latencies(port, cached_mix, 3 * WORKERS * len(cached_mix))
        report["throughput_cached"] = throughput_runs(port, cached_mix, opts) if cached_mix else []
        say(f"  throughput cached: {rates(report['throughput_cached'])} req/s, "
            f"errors {sum(r['errors'] for r in report['throughput_cached'])}")
    if largest and view is not None:
        firsts = []
        for _ in range(opts.runs):
            started = time.monotonic()
            with gunicorn(url, log, cached=True) as (port, _, ready):
                times = []
                for _ in range(4):  # new connections: both workers are likely to take one
                    client = Client(port)
                    try:
                        status, seconds, _ = Call.callback("first", view).send(client)
                        times.append(seconds * 1000 if status == 200 else None)
                    finally:
                        client.close()
                firsts.append({"first_ms": times[0], "next_ms": times[1:], "ready_s": ready,
                               "since_spawn_s": time.monotonic() - started, "load": load_averages()})
        report["first_callback"] = firsts
        say(f"  first callback after start: {'/'.join(ms(f['first_ms']) for f in firsts)} ms")
    report["view_body"] = view
    return report


def summarise(label: str, report: dict, main: bool) -> list[Result]:
    """Summary rows for one database."""
    out: list[Result] = []
    runs = report.get("side_by_side", [])

    def column(name: str, key: str) -> list[float | None]:
        return [r.get(name, {}).get(key) for r in runs]

    def ratio(a: str, b: str) -> list[float | None]:
        return [r[a]["p50_ms"] / r[b]["p50_ms"] if r.get(a, {}).get("p50_ms") and r.get(b, {}).get("p50_ms")
                else None for r in runs]

    loads = [r.get("load") for r in runs]
    rows = report.get("rows", {})
    n = f"{len(report['regions'])} regions, {rows.get('api')} rows (datasette {rows.get('datasette')})"
    out.append(Spread.of(f"{label}: datasette p50, {INDICATOR} x {n}", column("datasette", "p50_ms"), "ms",
                         loads=loads))
    out.append(Spread.of(f"{label}: /api/v1/observations p50", column("api", "p50_ms"), "ms", loads=loads))
    out.append(Spread.of(f"{label}: API p50 ÷ datasette p50", ratio("api", "datasette"), "x",
                         TARGETS["api_vs_datasette"], higher_is_better=False, loads=loads))
    if any(r.get("callback") for r in runs):
        out.append(Spread.of(f"{label}: chart callback, every cache missed, p50", column("callback", "p50_ms"), "ms",
                             loads=loads))
        out.append(Spread.of(f"{label}: callback p50 ÷ datasette p50", ratio("callback", "datasette"), "x",
                             TARGETS["callback_vs_datasette"], higher_is_better=False, loads=loads))
        out.append(Spread.of(f"{label}: chart callback, every cache missed, p95", column("callback", "p95_ms"), "ms",
                             TARGETS["callback_p95_ms"], higher_is_better=False, loads=loads))
    for kind, key in (("uncached", "throughput_uncached"), ("cached", "throughput_cached")):
        t = report.get(key) or []
        if t:
            out.append(Spread.of(f"{label}: throughput {kind}, {CLIENTS} clients (other process)",
                                 [r["rps"] for r in t], "req/s", TARGETS[f"throughput_{kind}"],
                                 loads=[r["load"] for r in t], note=f"{sum(r['requests'] for r in t)} requests"))
            out.append(AtMost.of(f"{label}: errors under {kind} load", [float(r["errors"]) for r in t], "errors",
                                 TARGETS["errors"], higher_is_better=False, loads=[r["load"] for r in t]))
    if report.get("first_callback"):
        f = report["first_callback"]
        out.append(Spread.of(f"{label}: first callback after start", [x["first_ms"] for x in f], "ms",
                             TARGETS["first_callback_ms"], higher_is_better=False, loads=[x["load"] for x in f],
                             note="next three: " + "; ".join(",".join(ms(v) for v in x["next_ms"]) for x in f)))
    if report.get("long_load"):
        long = report["long_load"]
        out.append(Spread.of(f"{label}: slowest request in {long['seconds']:.0f} s uncached load", [long["max_ms"]],
                             "ms", TARGETS["long_load_max_ms"], higher_is_better=False, loads=[long["load"]],
                             note=f"{long['requests']} requests, {long['over_1s']} over 1 s, p99 "
                                  f"{ms(long['p99_ms'])} ms, {long['errors']} errors (single run)"))
    if main:
        for kind in ("uncached", "cached"):
            pages = report.get(f"pages_{kind}") or {}
            if pages:
                worst = max(pages, key=lambda p: statistics_median([r["p95_ms"] for r in pages[p]["runs"]]))
                out.append(Spread.of(f"{label}: worst page's chart callbacks {kind} p95 ({worst})",
                                     [r["p95_ms"] for r in pages[worst]["runs"]], "ms",
                                     TARGETS["callback_p95_ms"] if kind == "uncached" else None,
                                     higher_is_better=False, loads=[r["load"] for r in pages[worst]["runs"]]))
                errors = [float(sum(pages[p]["runs"][i]["errors"] for p in pages))
                          for i in range(len(next(iter(pages.values()))["runs"]))]
                out.append(AtMost.of(f"{label}: errors, every page {kind}", errors, "errors", 0.0,
                                     higher_is_better=False))
        browser = report.get("browser") or {}
        charted = {name: b for name, b in browser.items() if any(r["firstChartData"] is not None for r in b["runs"])}
        if charted:
            worst = max(charted, key=lambda p: statistics_median([r["firstChartData"] or 1e9
                                                                  for r in charted[p]["runs"]]))
            out.append(Spread.of(f"{label}: first chart with data, Chromium, empty cache ({worst}, slowest page)",
                                 [r["firstChartData"] / 1000 if r["firstChartData"] is not None else None
                                  for r in charted[worst]["runs"]], "s", TARGETS["first_chart_s"],
                                 higher_is_better=False, loads=[r["load"] for r in charted[worst]["runs"]]))
        plain = {name: b for name, b in browser.items() if not any(r["grid"] for r in b["runs"])}
        if plain:
            worst = max(plain, key=lambda p: statistics_median([r["bytes"] for r in plain[p]["runs"]]))
            grids = sorted(set(browser) - set(plain))
            out.append(Spread.of(f"{label}: first load transferred, pages without a grid ({worst}, largest)",
                                 [r["bytes"] / 1e6 for r in plain[worst]["runs"]], "MB", TARGETS["first_load_mb"],
                                 higher_is_better=False, loads=[r["load"] for r in plain[worst]["runs"]],
                                 note=f"pages with a grid, not held to it: {', '.join(grids) or 'none'}"))
    return out


def rates(runs: list[dict]) -> str:
    return "/".join(f"{r['rps']:.0f}" for r in runs)


def statistics_median(values: list) -> float:
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else float("-inf")


def page_table(report: dict) -> str:
    rows = []
    for name in sorted(set(report.get("pages_uncached", {})) | set(report.get("browser", {}))):
        u = report.get("pages_uncached", {}).get(name, {}).get("runs", [])
        c = report.get("pages_cached", {}).get(name, {}).get("runs", [])
        b = report.get("browser", {}).get(name, {}).get("runs", [])
        rows.append((name, ms(statistics_median([r["p50_ms"] for r in u]) if u else None),
                     ms(statistics_median([r["p95_ms"] for r in u]) if u else None),
                     ms(max((r["max_ms"] or 0 for r in u), default=None) if u else None),
                     ms(statistics_median([r["p50_ms"] for r in c]) if c else None),
                     sum(r["requests"] for r in u) + sum(r["requests"] for r in c),
                     ms(statistics_median([r["firstChartData"] for r in b])
                        if any(r["firstChartData"] is not None for r in b) else None),
                     f"{statistics_median([r['bytes'] for r in b]) / 1e6:.2f}" if b else "-",
                     "yes" if any(r["grid"] for r in b) else "no"))
    return format_table(("page", "uncached p50 ms", "p95 ms", "max ms", "cached p50 ms", "requests",
                         "first chart ms", "MB", "grid"), rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="runs per figure (the median is reported)")
    parser.add_argument("--requests", type=int, default=REQUESTS, help="requests per latency figure and run")
    parser.add_argument("--seconds", type=float, default=THROUGHPUT_SECONDS, help="seconds per throughput run")
    parser.add_argument("--long-seconds", type=float, default=LONG_LOAD_SECONDS,
                        help="the uncached load on the 10M database (issue 7: 90 s; shorter for development)")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SYNTHETIC_SIZES),
                        help="synthetic observation counts, comma-separated ('' for none)")
    parser.add_argument("--bundled", type=Path, help="an already built bundled SQLite database (copied, not changed)")
    parser.add_argument("--no-browser", action="store_true", help="skip Chromium")
    parser.add_argument("--pages", help="only these pages, comma-separated")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        print(json.dumps(run_clients(json.loads(Path(args.client).read_text()))))
        return 0
    # Server logs outlive the scratch databases: a 500 in the report can be read in its traceback.
    logs = Path(tempfile.mkdtemp(prefix="atlas-bench-dash-logs-"))
    opts = Options(args.runs, args.requests, args.seconds, args.long_seconds,
                   tuple(int(s) for s in args.sizes.split(",") if s), not args.no_browser,
                   set(args.pages.split(",")) if args.pages else None, logs)
    started = time.monotonic()
    commit = git_commit(REPO_ROOT)
    say(f"commit {commit}, load {load_averages()}, server logs in {logs}")
    details: dict = {"commit": commit, "server_logs": str(logs), "workers": WORKERS, "clients": CLIENTS,
                     "runs": opts.runs, "requests": opts.requests, "throughput_seconds": opts.seconds,
                     "long_load_seconds": opts.long_seconds, "targets": TARGETS,
                     "uncached_means": "gunicorn serving bench.dashboard:uncached_server(): flask-caching backend "
                                       "whose every lookup misses (query, figure, metadata memos recompute and are "
                                       "stored); page callbacks' inputs also varied", "databases": {}}
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="atlas-bench-dash-", dir="/tmp") as tmp:
        scratch = Path(tmp)
        bundled = scratch / "bundled.sqlite"
        if args.bundled:
            source, target = sqlite3.connect(args.bundled), sqlite3.connect(bundled)
            source.backup(target)
            source.close()
            target.close()
            say(f"== bundled: copied from {args.bundled} ==")
        else:
            say("== bundled: etl refresh into a scratch SQLite ==")
            details["refresh_seconds"] = refresh(bundled)
        pages, vocabulary = app_pages(f"sqlite:///{bundled}")
        if opts.only:
            pages = [p for p in pages if p.name in opts.only]
        say(f"  pages: {', '.join(f'{p.name} {p.path}' for p in pages)}")
        report = bench_database("bundled", bundled, scratch, pages, vocabulary, opts, main=True)
        details["databases"]["bundled"] = report
        results += summarise("bundled", report, main=True)
        say(page_table(report))
        if report.get("view_body"):
            try:
                breakdown = sql_breakdown(f"sqlite:///{bundled}", report["view_body"])
            except Exception as exc:  # a diagnosis is a hint, never a reason to stop the report
                breakdown = {"error": repr(exc)}
            details["uncached_callback_breakdown"] = breakdown
            if breakdown.get("runs"):
                results.append(Spread.of("bundled: view callback in-process, every cache missed",
                                         [r["total_ms"] for r in breakdown["runs"]], "ms"))
                results.append(Spread.of("bundled: ... of which SQL (statements: "
                                         f"{breakdown['runs'][-1]['statements']})",
                                         [r["sql_ms"] for r in breakdown["runs"]], "ms"))
            for run in breakdown.get("runs", []):
                say(f"  in-process, every cache missed: view callback {run['total_ms']:.0f} ms, "
                    f"{run['statements']} SQL statements taking {run['sql_ms']:.0f} ms")
        for size in opts.sizes:
            label = f"{size / 1e6:g}M synthetic"
            say(f"\n== {label}: bundled + {size:,} SYNTHETIC observations (bench_ind_*) ==")
            path = scratch / f"synthetic_{size}.sqlite"
            built = synthetic_database(bundled, path, size)
            say(f"  built in {built['build_seconds']:.0f} s: {built['observations_total']:,} observations, "
                f"{built['bytes'] / 1e9:.2f} GB")
            report = bench_database(label, path, scratch, pages, vocabulary, opts, main=False,
                                    largest=size == max(opts.sizes))
            report["build"] = built
            details["databases"][label] = report
            results += summarise(label, report, main=False)
            path.unlink()
    details["errors"] = ERRORS[:30]
    details["errors_total"] = len(ERRORS)
    if ERRORS:
        say(f"\n{len(ERRORS)} failed request(s); the first: " + "\n  ".join(ERRORS[:5]))
    details["elapsed_s"] = time.monotonic() - started
    say("\n== Summary (median of runs; target / measured / MET or NOT MET) ==")
    say(spread_table(results))
    path = write_results("dashboard", results, details)
    say(f"\nwritten to {path.relative_to(REPO_ROOT)} in {details['elapsed_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
