"""Shared fixtures: a database engine on each backend, a reference-loaded database, ../shared/data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from etl import load
from etl.db import migrate
from etl.paths import shared_data_dir
from etl.sources import reference
from tests.fixtures import backend_engine

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def pytest_configure(config: pytest.Config) -> None:
    """DASH_TEST_PORT moves the browser tests' first server port (dash.testing counts up from 58050),
    so two test runs on one machine do not serve on the same port."""
    port = os.environ.get("DASH_TEST_PORT")
    if port:
        from dash.testing.application_runners import BaseDashRunner

        BaseDashRunner._next_port = int(port)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that read ../shared/data carry the `shared_data` marker, so they can be selected."""
    for item in items:
        if {"shared_data", "parse_shared"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.shared_data)


@pytest.fixture
def shared_data() -> Path:
    """The raw source files (../shared/data beside the checkout, or ATLAS_SHARED_DATA); skip if absent."""
    folder = shared_data_dir()
    if not (folder / "rosstat").is_dir():
        pytest.skip(f"{folder} is not present")
    return folder


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database: a temp SQLite file, or a fresh PostgreSQL schema."""
    yield from backend_engine(request.param, tmp_path)


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """A migrated, empty database on each backend."""
    migrate(empty_engine)
    return empty_engine


@pytest.fixture
def loaded_engine(engine: Engine) -> Engine:
    """A migrated database holding the project's reference tables (regions, indicators, ...)."""
    report = load.apply(engine, reference.parse(), file_name="reference", sha256="test")
    assert report.status == "applied", report.error
    return engine


@pytest.fixture(scope="session")
def parse_shared():
    """Parse a raw Rosstat file from ../shared/data once per session: parse_shared(name) -> Parsed.

    Callers must not modify the frames they get back.
    """
    from etl.pipeline import parse_path

    cache: dict[str, object] = {}

    def parse(name: str):
        path = shared_data_dir() / "rosstat" / name
        if not path.is_file():
            pytest.skip(f"{path} is not present")
        if name not in cache:
            cache[name] = parse_path(path)
        return cache[name]

    return parse
