"""The app factory, the shell, caching and the shared chart-card callbacks (no browser)."""

import json
import time

import pandas as pd
import pytest

from dashboard import queries
from dashboard.cache import cache_config
from dashboard.components import csv_safe


def test_pages_are_served_and_compressed(client):
    for path in ("/", "/indicators", "/investments", "/products", "/companies", "/timeline", "/sources"):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, path
    script = client.get("/_dash-component-suites/plotly/package_data/plotly.min.js",
                        headers={"Accept-Encoding": "br, gzip"})
    assert script.headers.get("Content-Encoding") in ("br", "gzip")


def test_queries_read_real_figures(atlas_app):
    with atlas_app.server.app_context():
        grp = queries.observations("grp", ("RU-KLU",), 2017, 2017)
        values = dict(zip(grp["edition"], grp["value"], strict=True))
        # Editions revise earlier years (the corpus README): 2022's figure equals 2024's, so the 2022
        # edition is bundled without it.
        assert values == {"RR-2019": 417065.0, "RR-2020": 415966.7, "RR-2021": 457052.5, "RR-2024": 457052.5}
        assert set(grp["source_file"]) == {"regions_of_russia_2019_s09_grp.xlsx", "regions_panel_2000_2020.csv",
                                           "rr2020_s08_grp.xlsx", "rr2024_s08_grp.xlsx"}
        # The newest edition's last GRP year (corpus README: rr2024_s08_grp.xlsx 8.1.!X17).
        latest = queries.observations("grp", ("RU-KLU",), 2022, 2023, edition="RR-2024")
        assert dict(zip(latest["period"], latest["value"], strict=True)) == {"2022": 693947.6}
        catalogue = queries.indicators().set_index("code")
        assert catalogue.at["grp", "first_year"] == 2000
        assert catalogue.at["grp", "regions"] >= 85


def test_chart_download_is_csv_of_the_rows_shown_and_formula_safe(client):
    data = {"filename": "x.csv", "columns": ["region", "value"], "rows": [["=HYPERLINK(1)", 1.5], ["Калуга", None]]}
    payload = {
        "output": '{"card":["MATCH"],"type":"chart-download"}.data',
        "outputs": {"id": {"card": "c", "type": "chart-download"}, "property": "data"},
        "inputs": [{"id": {"card": "c", "type": "chart-download-button"}, "property": "n_clicks", "value": 1}],
        "state": [{"id": {"card": "c", "type": "chart-data"}, "property": "data", "value": data}],
        "changedPropIds": ['{"card":"c","type":"chart-download-button"}.n_clicks'],
    }
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200
    body = json.loads(response.data)["response"]
    content = body['{"card":"c","type":"chart-download"}']["data"]["content"]
    assert content.startswith("\ufeff")  # UTF-8 with a BOM: Excel in Russian reads it right
    assert content.removeprefix("\ufeff").splitlines() == ["region,value", "'=HYPERLINK(1),1.5", "Калуга,"]


def test_csv_safe_leaves_numbers_alone():
    frame = csv_safe(pd.DataFrame({"a": ["+7", "ok"], "b": [-1.0, 2.0]}))
    assert frame["a"].tolist() == ["'+7", "ok"] and frame["b"].tolist() == [-1.0, 2.0]


def test_cache_uses_redis_when_configured(monkeypatch):
    monkeypatch.setenv("CACHE_REDIS_URL", "redis://127.0.0.1:6379/15")
    assert cache_config()["CACHE_TYPE"] == "RedisCache"
    monkeypatch.delenv("CACHE_REDIS_URL")
    assert cache_config()["CACHE_TYPE"] == "dashboard.cache.BoundedCache"


def test_queries_are_cached_in_redis(bundled_db_url, monkeypatch):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    from dashboard.app import create_app
    from etl.db import make_engine

    monkeypatch.setenv("CACHE_REDIS_URL", url)
    client = redis.Redis.from_url(url)
    client.flushdb()
    app = create_app(make_engine(bundled_db_url))
    with app.server.app_context():
        first = queries.regions()
        assert client.dbsize() > 0  # the result went to Redis
        assert queries.regions().equals(first)
    client.flushdb()


# --- reads that cannot break: connections checked before use, statement and lock timeouts -------------


def _read_engine_like(engine, name: str, **kwargs):
    """A dashboard engine (make_read_engine) on the same database and schema as a test engine."""
    from sqlalchemy import text

    from etl.db import make_read_engine

    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "postgresql":
        return make_read_engine(url, **kwargs)
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
    return make_read_engine(url, connect_args={"options": f"-csearch_path={schema}", "application_name": name},
                            **kwargs)


def test_a_stale_pooled_connection_after_a_restart_is_replaced(loaded_engine):
    from sqlalchemy import text

    from dashboard.app import create_app

    if loaded_engine.dialect.name != "postgresql":
        pytest.skip("a server restart is a PostgreSQL matter")
    name = f"atlas-stale-{id(loaded_engine)}"
    app = create_app(_read_engine_like(loaded_engine, name), {"CACHE_TYPE": "NullCache"})
    client = app.server.test_client()
    assert client.get("/api/v1/loads").status_code == 200
    # What a database restart does to every pooled connection.
    with loaded_engine.connect() as conn:
        killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE application_name = :name"), {"name": name}).scalar()
    assert killed >= 1
    response = client.get("/api/v1/loads")
    assert response.status_code == 200
    assert response.get_json()["rows"][0]["file_name"] == "reference"


def test_a_long_read_is_cancelled_by_the_statement_timeout(loaded_engine, monkeypatch):
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "0.5")
    engine = _read_engine_like(loaded_engine, "atlas-timeout")
    slow = ("SELECT pg_sleep(5)" if engine.dialect.name == "postgresql" else
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
            "SELECT count(*) FROM n")
    started = time.monotonic()
    with pytest.raises(OperationalError), engine.connect() as conn:
        conn.execute(text(slow))
    assert time.monotonic() - started < 3
    with engine.connect() as conn:  # the connection is usable again
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()


def test_a_held_sqlite_lock_fails_a_dashboard_write_in_seconds(tmp_path, monkeypatch):
    import sqlite3

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from etl.db import make_read_engine

    monkeypatch.setenv("DATABASE_BUSY_TIMEOUT", "0.5")
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    engine = make_read_engine(f"sqlite:///{path}")
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"), engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    assert time.monotonic() - started < 3
    holder.execute("ROLLBACK")
    holder.close()
    engine.dispose()


def test_warm_up_reads_the_catalogue_and_survives_an_unreachable_database(atlas_app, caplog):
    from dashboard.app import create_app, warm_up
    from dashboard.cache import cache
    from etl.db import make_engine

    warm_up(atlas_app.server)
    with atlas_app.server.app_context():
        stored = list(cache.cache._cache)  # SimpleCache's entries
    assert any(key.startswith("memo:dashboard.queries.indicators:") for key in stored)
    assert any(key.startswith("memo:dashboard.queries.regions:") for key in stored)

    # Nothing listens on port 1: the worker still starts, and says why it did not warm up.
    down = create_app(make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none"), {"CACHE_TYPE": "SimpleCache"})
    warm_up(down.server)
    assert "warm-up skipped" in caplog.text


def test_create_server_freezes_what_the_worker_built_so_full_collections_skip_it(tmp_path, monkeypatch):
    """A worker's start-up objects (modules, the app, templates) are moved out of the collector's reach: a full
    collection during a request then walks only what requests made."""
    import gc

    from dashboard.app import create_server

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    gc.unfreeze()
    try:
        server = create_server({"CACHE_TYPE": "SimpleCache"})
        assert server.name == "dashboard.app"
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
