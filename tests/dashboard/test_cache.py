"""The cache keyed on the data version: after a load or a rollback every worker shows the new figures.

The databases here are scratch SQLite files holding the reference tables and one SYNTHETIC load
(synthetic fixture: made-up GRP figures for Kaluga under the edition "SYNTHETIC").
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from dashboard import queries
from dashboard.cache import BoundedCache, cache_config
from etl import load
from etl.db import make_engine, migrate
from etl.sources import reference
from etl.sources.base import Parsed
from tests.dashboard.dash_callbacks import call

REDIS_URL = "redis://127.0.0.1:6379/15"
REPO = Path(__file__).resolve().parents[2]


def synthetic_grp(kaluga_2017: float) -> Parsed:
    """SYNTHETIC fixture: Kaluga's GRP for 2016 and 2017 in a made-up edition."""
    base = {"indicator_code": "grp", "region_code": "RU-KLU", "period_kind": "year", "month": None, "status": "",
            "edition": "SYNTHETIC", "source_file": "synthetic.xlsx", "source_sheet": "S"}
    rows = [{**base, "period": "2016", "year": 2016, "value": 90.0, "source_cell": "B2"},
            {**base, "period": "2017", "year": 2017, "value": kaluga_2017, "source_cell": "C2"}]
    return Parsed(adapter="rosstat_workbook", tables={"observations": pd.DataFrame(rows)}, edition="SYNTHETIC")


def apply(engine: Engine, kaluga_2017: float) -> int:
    report = load.apply(engine, synthetic_grp(kaluga_2017), file_name=f"synthetic-{kaluga_2017}", sha256="s")
    assert report.status == "applied", report.error
    return report.load_id


@pytest.fixture
def scratch_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'scratch.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    assert load.apply(engine, reference.parse(), file_name="reference", sha256="r").status == "applied"
    apply(engine, 100.0)
    engine.dispose()
    return url


def redis_or_skip() -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")


# --- the in-process cache -------------------------------------------------------------------------


def test_bounded_cache_evicts_the_least_recently_used_entry_only():
    cache = BoundedCache(threshold=3, default_timeout=60)
    for key in "abc":
        cache.set(key, key.upper())
    assert cache.get("a") == "A"  # a is now the most recently used
    cache.set("d", "D")
    assert (cache.get("b"), cache.get("a"), cache.get("c"), cache.get("d")) == (None, "A", "C", "D")
    assert len(cache) == 3


def test_bounded_cache_expires_entries():
    cache = BoundedCache(threshold=10, default_timeout=60)
    cache.set("k", 1, timeout=-1)  # cachelib: a negative timeout expires at once
    cache.set("forever", 2, timeout=0)
    assert cache.get("forever") == 2


def test_default_cache_is_bounded_and_redis_when_configured(monkeypatch):
    monkeypatch.delenv("CACHE_REDIS_URL", raising=False)
    monkeypatch.setenv("CACHE_ENTRIES", "50")
    assert cache_config()["CACHE_TYPE"] == "dashboard.cache.BoundedCache"
    assert cache_config()["CACHE_THRESHOLD"] == 50
    monkeypatch.setenv("CACHE_REDIS_URL", REDIS_URL)
    assert cache_config()["CACHE_TYPE"] == "RedisCache"


def kaluga_2017(app) -> float:
    with app.server.app_context():
        frame = queries.observations("grp", ("RU-KLU",), 2017, 2017, "SYNTHETIC")
        return float(frame["value"].iloc[0])


@pytest.mark.parametrize("backend", ["in-process", "redis"])
def test_memoized_queries_follow_loads_and_rollbacks(scratch_db, backend):
    from dashboard.app import create_app

    if backend == "redis":
        redis_or_skip()
        config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": "atlas-test:"}
    else:
        config = {"CACHE_TYPE": "dashboard.cache.BoundedCache", "CACHE_THRESHOLD": 100}
    engine = make_engine(scratch_db)
    # Two apps stand for two workers (with Redis they share one cache).
    workers = [create_app(make_engine(scratch_db), dict(config)) for _ in range(2)]
    assert [kaluga_2017(w) for w in workers] == [100.0, 100.0]
    assert [kaluga_2017(w) for w in workers] == [100.0, 100.0]  # now from the cache
    second = apply(engine, 250.0)
    assert [kaluga_2017(w) for w in workers] == [250.0, 250.0]
    load.rollback_load(engine, second)
    assert [kaluga_2017(w) for w in workers] == [100.0, 100.0]


def test_catalogue_reads_the_coverage_the_loader_keeps(scratch_db):
    from dashboard.app import create_app
    from dashboard.model.indicators import catalogue

    engine = make_engine(scratch_db)
    app = create_app(engine, {"CACHE_TYPE": "NullCache"})
    with app.server.app_context():
        frame = queries.indicators().set_index("code")
    assert list(frame.index) == ["grp"]  # the only indicator with figures
    assert (frame.at["grp", "first_year"], frame.at["grp", "last_year"], frame.at["grp", "regions"],
            frame.at["grp", "editions"]) == (2016, 2017, 1, 1)
    observed = dict(zip(*(catalogue(engine).column(c) for c in ("code", "has_observations")), strict=True))
    assert observed["grp"] is True and sum(observed.values()) == 1


# --- two gunicorn workers sharing Redis -----------------------------------------------------------


class HttpClient:
    """The slice of Flask's test client dash_callbacks.call uses, over real HTTP; each request tagged."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.sent = 0

    def _open(self, request: urllib.request.Request):
        self.sent += 1
        request.add_header("X-Probe", str(self.sent))
        with urllib.request.urlopen(request, timeout=20) as response:
            response.status_code = response.status
            response.data = response.read()
            return response

    def get(self, path: str):
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, json: dict):
        body = globals()["json"].dumps(json).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST",
                                                 headers={"Content-Type": "application/json"}))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_value(client: HttpClient) -> float:
    response = client.get("/api/v1/observations?indicator=grp&region=RU-KLU&from=2017&to=2017&edition=SYNTHETIC")
    [row] = json.loads(response.data)["rows"]
    return row["value"]


def _numbers(values) -> list[float]:
    if isinstance(values, dict) and "bdata" in values:  # plotly's typed arrays
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return [float(v) for v in values if v is not None]


def chart_values(client: HttpClient) -> list[float]:
    """The y values the indicators page's line chart draws for Kaluga in the synthetic edition."""
    response = call(client, "indicators-chart-graph.figure", {
        "indicators-indicator": "grp", "indicators-regions": ["RU-KLU"], "indicators-years": [2016, 2017],
        "indicators-view": "line", "indicators-transform": "none", "indicators-edition": "SYNTHETIC",
        "indicators-lang": "en"})
    traces = response["indicators-chart-graph"]["figure"]["data"]
    return sorted(v for trace in traces for v in _numbers(trace.get("y", [])))


def probe_both_workers(client: HttpClient, log: Path, expected: float) -> None:
    """Ask until both workers have answered; every answer must show `expected`."""
    pids: set[str] = set()
    for _ in range(80):
        first = client.sent + 1
        assert api_value(client) == expected
        assert chart_values(client) == [90.0, expected]
        last = client.sent
        time.sleep(0.05)
        served = dict(re.findall(r"^(\d+) <?(\d+)>?$", log.read_text(), re.M))
        pids |= {pid for probe, pid in ((p, served.get(str(p))) for p in range(first, last + 1)) if pid}
        if len(pids) >= 2:
            return
    pytest.fail(f"only workers {pids} answered")


@pytest.fixture
def gunicorn(scratch_db, tmp_path):
    redis_or_skip()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    log = tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": scratch_db, "CACHE_REDIS_URL": REDIS_URL, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--access-logfile", str(log),
         "--access-logformat", "%({x-probe}i)s %(p)s", "dashboard.app:create_server()"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/api/v1/loads", timeout=30).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield HttpClient(base), log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_two_gunicorn_workers_show_a_load_and_its_rollback_at_their_next_request(gunicorn, scratch_db):
    client, log = gunicorn
    engine = make_engine(scratch_db)
    probe_both_workers(client, log, 100.0)
    second = apply(engine, 250.0)
    probe_both_workers(client, log, 250.0)
    load.rollback_load(engine, second)
    probe_both_workers(client, log, 100.0)


def test_while_the_version_cannot_be_read_cached_figures_are_still_served(scratch_db, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from dashboard.app import create_app
    from dashboard.model import loads as model_loads

    app = create_app(make_engine(scratch_db), {"CACHE_TYPE": "dashboard.cache.BoundedCache"})
    assert kaluga_2017(app) == 100.0

    def outage(_engine):
        raise OperationalError("SELECT", {}, Exception("SYNTHETIC outage"))

    monkeypatch.setattr(model_loads, "data_version", outage)
    assert kaluga_2017(app) == 100.0
    fresh = create_app(make_engine(scratch_db), {"CACHE_TYPE": "dashboard.cache.BoundedCache"})
    with pytest.raises(OperationalError):
        kaluga_2017(fresh)



def never_hits(app, config, args, options):
    """flask-caching backend factory (synthetic): stores every value and never returns one."""
    from flask_caching.backends import SimpleCache

    class NeverHits(SimpleCache):
        def get(self, key):
            return None

    return NeverHits(*args, **options)


def test_a_memoized_lookup_runs_once_per_request_even_when_the_cache_misses():
    """A chart asks for an edition's label per point: with every cache lookup missing (as in the benchmark's
    'uncached' server, or a cold Redis), the lookup must still run once per request, not once per point."""
    from flask import Flask, g

    from dashboard.cache import VersionedCache

    memo = VersionedCache()
    server = Flask("synthetic")
    memo.init_app(server, config={"CACHE_TYPE": "tests.dashboard.test_cache.never_hits"})
    calls = []

    @memo.memoize()
    def label(code: str) -> str:
        calls.append(code)
        return code.upper()

    for _ in range(2):  # two requests
        with server.test_request_context("/"):
            g.atlas_data_version = "1"
            assert [label("a") for _ in range(50)] == ["A"] * 50
            assert label("b") == "B"
    assert calls == ["a", "b", "a", "b"]
