"""Alembic migrations build exactly the schema etl/schema.py declares, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, inspect, select

from etl import load
from etl.db import alembic_config, migrate
from etl.schema import APP_TABLES, DERIVED_TABLES, LOAD_ORDER, NATURAL_KEYS, Base
from etl.sources import reference
from tests.fixtures import row_counts


def schema_of(engine: Engine) -> dict:
    """Tables with their columns, indexes and unique constraints, as the database reports them."""
    with engine.connect() as conn:
        inspector = inspect(conn)
        return {
            table: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
                sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
                sorted((u["name"], tuple(u["column_names"]))
                       for u in inspector.get_unique_constraints(table)),
            )
            for table in sorted(inspector.get_table_names())
        }


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_migrate_creates_every_table(empty_engine: Engine) -> None:
    assert schema_of(empty_engine) == {}
    migrate(empty_engine)
    tables = set(schema_of(empty_engine))
    assert tables == {*Base.metadata.tables, "alembic_version"}
    head = ScriptDirectory.from_config(alembic_config(empty_engine)).get_current_head()
    assert current_revision(empty_engine) == head


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_migrating_twice_is_a_no_op(engine: Engine) -> None:
    load.apply(engine, reference.parse(), file_name="reference", sha256="x")
    schema, counts, revision = schema_of(engine), row_counts(engine), current_revision(engine)
    migrate(engine)
    assert schema_of(engine) == schema
    assert row_counts(engine) == counts
    assert current_revision(engine) == revision
    assert counts["regions"] > 0


def test_every_loaded_table_has_its_natural_key_and_is_in_the_load_order() -> None:
    data_tables = set(Base.metadata.tables) - {"loads", "superseded_values", *DERIVED_TABLES, *APP_TABLES}
    assert set(LOAD_ORDER) == data_tables
    assert set(NATURAL_KEYS) == data_tables
    for table, keys in NATURAL_KEYS.items():
        columns = Base.metadata.tables[table].c
        assert all(k in columns for k in keys), table


def test_observations_keep_their_rows_through_the_natural_primary_key_migration(empty_engine: Engine) -> None:
    """0013 (the natural key becomes the primary key, no surrogate id) keeps every figure, both ways."""
    from alembic import command

    from etl.paths import EXTRACTS_DIR
    from etl.pipeline import load_path
    from etl.schema import Observation

    config = alembic_config(empty_engine)
    command.upgrade(config, "0012")
    load.apply(empty_engine, reference.parse(), file_name="reference", sha256="x")
    # NOTE: the load writes the columns both schemas share; before 0013 the database numbers the rows itself.
    report = load_path(empty_engine, EXTRACTS_DIR / "emiss_grp_okved2_basic_prices_2023")
    assert report.status == "applied", report.error
    before = row_counts(empty_engine)
    assert before["observations"] > 0

    def figures() -> list[tuple]:
        with empty_engine.connect() as conn:
            return sorted(conn.execute(select(Observation.indicator_code, Observation.region_code,
                                              Observation.period, Observation.edition, Observation.value,
                                              Observation.load_id)).all(), key=repr)

    command.upgrade(config, "head")
    stored = figures()
    assert len(stored) == before["observations"]
    with empty_engine.connect() as conn:
        primary_key = inspect(conn).get_pk_constraint("observations")
    assert primary_key["constrained_columns"] == ["indicator_code", "region_code", "period", "edition"]
    command.downgrade(config, "0012")
    with empty_engine.connect() as conn:
        assert inspect(conn).get_pk_constraint("observations")["constrained_columns"] == ["id"]
        assert conn.execute(select(func.count()).select_from(Observation.__table__)).scalar() == len(stored)
    command.upgrade(config, "head")
    assert figures() == stored
    # The same file again: every figure is found under its natural key, none added.
    again = load_path(empty_engine, EXTRACTS_DIR / "emiss_grp_okved2_basic_prices_2023")
    assert (again.status, again.added) == ("applied", 0), again.error
