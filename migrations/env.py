"""Alembic environment: runs against the engine handed over by etl.db.migrate, or DATABASE_URL."""

from alembic import context

from etl.db import make_engine
from etl.schema import Base

config = context.config
engine = config.attributes.get("engine") or make_engine()

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
