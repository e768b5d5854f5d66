"""Every page renders with each optional cluster field blank (an investment's scope, an indicator's unit, ...):
one blank cell never answers 500 nor blanks a chart. The blanks are written into a copy of the bundled database
(synthetic fixture)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from dashboard.app import create_app
from etl.db import make_engine
from tests.dashboard.pages.render import PAGES, visit

# Tables of the cluster data and the catalogue whose optional columns a page shows.
TABLES = ("investments", "companies", "company_records", "products", "events", "cluster_indicators", "indicators",
          "sources", "editions")


def _optional_columns(engine, table: str, text_only: bool) -> list[str]:
    """Nullable columns (text ones only when the blank is empty text: a number column never holds text)."""
    return [c["name"] for c in inspect(engine).get_columns(table)
            if c["nullable"] and not c.get("primary_key")
            and (not text_only or any(k in str(c["type"]).upper() for k in ("CHAR", "TEXT")))]


@pytest.fixture(scope="module")
def database_copy(bundled_db_url, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("blank") / "atlas.sqlite"
    # The backup API, not a file copy: the bundled database is in WAL mode and may be open.
    with sqlite3.connect(bundled_db_url.removeprefix("sqlite:///")) as source, sqlite3.connect(path) as target:
        source.backup(target)
    return path


@pytest.mark.parametrize("blank", [None, ""], ids=["null", "empty-text"])
@pytest.mark.parametrize("table", TABLES)
def test_pages_render_with_optional_fields_blank(database_copy, tmp_path, table, blank):
    path = tmp_path / "atlas.sqlite"
    shutil.copy(database_copy, path)
    engine = make_engine(f"sqlite:///{path}")
    columns = _optional_columns(engine, table, text_only=blank is not None)
    with engine.begin() as conn:
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        for column in columns:
            if column.endswith("_id") or column.endswith("_key") or column.endswith("_code"):
                continue  # references: a blank one is a different fact (an orphan), not a missing detail
            conn.execute(text(f'UPDATE "{table}" SET "{column}" = :blank'), {"blank": blank})
    client = create_app(engine, {"CACHE_TYPE": "SimpleCache"}).server.test_client()
    for page in PAGES:
        for output, status, _response in visit(client, f"{page}?lang=en"):
            assert status < 500, (table, page, output)
