"""Engine factory and schema migrations (Alembic), shared by the ETL and the dashboard."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from etl import settings
from etl.paths import REPO_ROOT


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """An engine for `url` (default: DATABASE_URL); SQLite gets foreign keys and WAL."""
    url = url or settings.get("DATABASE_URL")
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


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
