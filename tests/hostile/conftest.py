"""A database per backend shared by the hostile corpus: migrated, reference tables loaded once.

A refused file must leave it unchanged (each test compares a dump of the data tables before and
after), and a legitimate file is rolled back after its test, so the cases can share it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from etl import load
from etl.db import migrate
from etl.sources import reference
from tests.conftest import BACKENDS
from tests.fixtures import backend_engine
from tests.hostile.cases import CASES, Case


def cli_url(engine: Engine) -> str:
    """A URL the CLI can open on the same database (on PostgreSQL: the test's own schema)."""
    url = engine.url
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            schema = conn.execute(text("select current_schema()")).scalar()
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="module", params=BACKENDS)
def hostile_db(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, str]]:
    """(engine, CLI URL) of a migrated database holding the reference tables, on each backend."""
    engines = backend_engine(request.param, tmp_path_factory.mktemp("hostile_db"))
    engine = next(engines)
    try:
        migrate(engine)
        report = load.apply(engine, reference.parse(), file_name="reference", sha256="test")
        assert report.status == "applied", report.error
        yield engine, cli_url(engine)
    finally:
        next(engines, None)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory):
    """built(case) -> its file, written once per test process (the 1 GiB cell is written once)."""
    cache: dict[str, Path] = {}

    def build(case: Case) -> Path:
        if case.id not in cache:
            folder = tmp_path_factory.mktemp(re.sub(r"\W+", "_", case.id)[:40] or "case")
            cache[case.id] = case.build(folder)
        return cache[case.id]

    return build


def case_ids() -> list[str]:
    return [case.id for case in CASES]


def case_params(cases: list[Case]) -> list:
    """The cases as pytest parameters, the large ones marked `slow`."""
    params = []
    for case in cases:
        marks = [pytest.mark.slow] if case.slow else []
        if case.known_defect:
            marks.append(pytest.mark.xfail(strict=True, reason=case.known_defect))
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params
