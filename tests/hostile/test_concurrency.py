"""Two `etl load` processes at once on one database (SQLite and PostgreSQL): they queue (or one is refused
with a clear message and exit 2), never a raw `database is locked` or `UniqueViolation`, never a traceback,
and the database ends holding each figure once. The files are SYNTHETIC."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from etl.paths import REPO_ROOT
from etl.schema import Load, Observation
from tests.hostile.builders import rr
from tests.hostile.conftest import cli_url

RAW_ERRORS = ("database is locked", "UniqueViolation", "Traceback", "IntegrityError", "deadlock")


def test_two_loads_at_once_queue_or_are_refused_clearly(loaded_engine: Engine, tmp_path: Path) -> None:
    url = cli_url(loaded_engine)
    first = rr(tmp_path / "rr_2019_first.xlsx")
    second = rr(tmp_path / "rr_2020_second.xlsx")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    processes = [subprocess.Popen([sys.executable, "-m", "etl", "--database-url", url, "load", str(path)],
                                  cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for path in (first, second)]
    outputs = [(process.wait(timeout=600), process.stdout.read()) for process in processes]
    for code, output in outputs:
        assert code in (0, 2), output
        assert not any(raw in output for raw in RAW_ERRORS), output
        if code == 2:
            assert "another load was writing to the database" in output
    with loaded_engine.connect() as conn:
        applied = conn.execute(select(Load.file_name).where(Load.status == "applied",
                                                            Load.file_name.like("rr_20%"))).scalars().all()
        figures = conn.execute(select(func.count()).select_from(Observation)).scalar()
        editions = conn.execute(select(Observation.edition).distinct()).scalars().all()
    assert sorted(applied) == sorted(p.name for (code, _), p in zip(outputs, (first, second), strict=True)
                                     if code == 0)
    # Each applied edition holds the table's figures once (8 cells, 1 of them a missing-value mark).
    assert figures == 8 * len(applied)
    assert sorted(editions) == sorted(f"RR-{name[3:7]}" for name in applied)


def test_a_load_that_waits_too_long_is_refused_clearly(loaded_engine: Engine, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture) -> None:
    """Another writer holds the database's write lock (SQLite) or the loads' lock (PostgreSQL) past the wait:
    exit 2, a sentence that says so, nothing written."""
    from etl import load
    from etl.cli import main
    from tests.fixtures import table_rows

    url = cli_url(loaded_engine)
    path = rr(tmp_path / "rr_2019_waits.xlsx")
    main(["--database-url", url, "migrate"])
    capsys.readouterr()
    monkeypatch.setattr(load, "LOCK_WAIT_SECONDS", 0.5)
    before = table_rows(loaded_engine)
    with loaded_engine.connect() as holder:
        if loaded_engine.dialect.name == "sqlite":
            holder.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            holder.execute(text(f"SELECT pg_advisory_lock({load.APPLY_LOCK_ARGS})"), load.APPLY_LOCK_PARAMS)
        try:
            code = main(["--database-url", url, "load", str(path)])
        finally:
            if loaded_engine.dialect.name == "sqlite":
                holder.exec_driver_sql("ROLLBACK")
            else:
                holder.execute(text(f"SELECT pg_advisory_unlock({load.APPLY_LOCK_ARGS})"), load.APPLY_LOCK_PARAMS)
                holder.commit()
    output = "".join(capsys.readouterr())
    assert code == 2, output
    assert "another load was writing to the database for longer than 0.5 s; nothing was written" in output
    assert not any(raw in output for raw in RAW_ERRORS), output
    assert table_rows(loaded_engine) == before


def test_a_killed_clients_statement_does_not_keep_running_on_postgresql(tmp_path: Path) -> None:
    """SIGKILL a process in the middle of a long statement on an ETL connection (etl.db.make_engine): the
    server cancels it once it finds the client gone (client_connection_check_interval), so no orphaned
    work is left. Without that setting PostgreSQL runs it to its end (the issue's finding)."""
    import signal
    import time
    import uuid

    from etl.db import CLIENT_CHECK_MS, make_engine

    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("TEST_POSTGRES_URL is not set")
    app = f"atlas-orphan-{uuid.uuid4().hex[:8]}"
    script = ("import sys; from sqlalchemy import text; from etl.db import make_engine; "
              "e = make_engine(sys.argv[1]); c = e.connect(); "
              "c.execute(text('SELECT count(*) FROM generate_series(1, 3e9)'))")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PGAPPNAME": app}
    process = subprocess.Popen([sys.executable, "-c", script, url], cwd=REPO_ROOT, env=env)
    admin = make_engine(url)
    query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :app AND state = 'active'")
    try:
        with admin.connect() as conn:
            for _ in range(600):  # until the statement runs on the server (imports come first)
                running = conn.execute(query, {"app": app}).scalar()
                conn.rollback()  # NOTE: pg_stat_activity is a snapshot per transaction
                if running or process.poll() is not None:
                    break
                time.sleep(0.1)
            assert conn.execute(query, {"app": app}).scalar() == 1
        process.send_signal(signal.SIGKILL)
        process.wait()
        time.sleep(2 * CLIENT_CHECK_MS / 1000 + 2)
        with admin.connect() as conn:
            assert conn.execute(query, {"app": app}).scalar() == 0
    finally:
        if process.poll() is None:
            process.kill()
        with admin.connect() as conn:  # never leave the probe's statement running, whatever happened
            conn.execute(text("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = :app"),
                         {"app": app})
        admin.dispose()
