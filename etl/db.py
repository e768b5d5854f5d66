"""Engine factory and schema migrations (Alembic), shared by the ETL and the dashboard."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url

from etl import settings
from etl.paths import REPO_ROOT

# How often (ms) PostgreSQL checks, during a long statement, that its client is still connected.
CLIENT_CHECK_MS = 2000


def make_engine(url: str | None = None, *, statement_timeout: float | None = None,
                busy_timeout: float | None = None, **kwargs) -> Engine:
    """An engine for `url` (default: DATABASE_URL); SQLite gets foreign keys and WAL.

    Pooled connections are checked before use (a database restart costs a reconnect, not an
    error). `statement_timeout` (seconds) cancels a longer statement; `busy_timeout` (seconds) is how
    long SQLite waits for a lock. The ETL leaves both unset: a load's statements may run long.
    """
    url = url or settings.get("DATABASE_URL")
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("pool_pre_ping", True)
    connect_args = dict(kwargs.pop("connect_args", {}))
    if url.startswith("sqlite") and busy_timeout is not None:
        connect_args.setdefault("timeout", busy_timeout)
    if url.startswith("postgresql"):
        # connect_args replace the URL's own ?options=..., so those are kept here.
        options = connect_args.get("options") or make_url(url).query.get("options", "")
        if statement_timeout is not None:
            options = f"{options} -c statement_timeout={int(statement_timeout * 1000)}"
        # NOTE: when a client dies mid-statement (a load killed by SIGKILL), the server notices only when
        # it next talks to it; this makes it check the socket every few seconds and cancel the orphaned
        # INSERT, and keepalives find a peer that vanished without closing its socket.
        options = f"{options} -c client_connection_check_interval={CLIENT_CHECK_MS}"
        connect_args["options"] = options.strip()
        for key, value in (("keepalives", 1), ("keepalives_idle", 30), ("keepalives_interval", 10),
                           ("keepalives_count", 3)):
            connect_args.setdefault(key, value)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        if statement_timeout is not None:
            _interrupt_sqlite_after(engine, statement_timeout)
    return engine


def make_read_engine(url: str | None = None, **kwargs) -> Engine:
    """The dashboard's engine: make_engine with the statement and lock timeouts the settings give."""
    return make_engine(url, statement_timeout=float(settings.get("DATABASE_STATEMENT_TIMEOUT")),
                       busy_timeout=float(settings.get("DATABASE_BUSY_TIMEOUT")), **kwargs)


# SQLite calls the progress handler every this many virtual-machine steps (well under a millisecond).
_PROGRESS_STEPS = 20_000


def _interrupt_sqlite_after(engine: Engine, seconds: float) -> None:
    """SQLite has no statement timeout: a progress handler interrupts a statement past its deadline."""

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
        conn.info["deadline"] = time.monotonic() + seconds

    @event.listens_for(engine, "connect")
    def _install(dbapi_connection, record) -> None:
        info = record.info

        def past_deadline() -> int:
            deadline = info.get("deadline")
            return 1 if deadline is not None and time.monotonic() > deadline else 0

        dbapi_connection.set_progress_handler(past_deadline, _PROGRESS_STEPS)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets dashboard workers read while a load writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # NOTE: SQLite's default page cache is 2 MB; a load maintains the observation indexes of a
    # database of a few hundred MB, and staging tables are scratch data.
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.execute("PRAGMA temp_store=MEMORY")
    # Checkpoint the write-ahead log every ~64 MB rather than every 4 MB: a build of a hundred
    # loads then copies each page back into the database a few times instead of at every commit.
    cursor.execute("PRAGMA wal_autocheckpoint=16384")
    cursor.close()


def alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest Alembic revision."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
