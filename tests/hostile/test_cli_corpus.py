"""Every SYNTHETIC hostile file through the real CLI (`etl load`), on SQLite and PostgreSQL.

Each: exit 2 with a message naming file, sheet, row and column where a cell is at fault (or exit 0
where the file is legitimate), never a traceback, and the database unchanged after a refusal (a dump
of every data table before == after). A legitimate load is rolled back, which must restore the dump.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from etl.cli import main
from tests.fixtures import loads_rows, table_rows
from tests.hostile.cases import CASES, LOADED, REFUSED, Case
from tests.hostile.conftest import case_params


def run_cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def test_the_corpus_is_large_and_covers_every_adapter() -> None:
    assert len(CASES) >= 80
    assert len({case.id for case in CASES}) == len(CASES)
    assert sum(case.code == LOADED for case in CASES) >= 8


@pytest.mark.parametrize("case", case_params(CASES))
def test_hostile_file_through_the_cli(case: Case, hostile_db: tuple[Engine, str], built,
                                      capsys: pytest.CaptureFixture) -> None:
    engine, url = hostile_db
    path: Path = built(case)
    before = table_rows(engine)
    history = len(loads_rows(engine))
    code, output = run_cli(capsys, "--database-url", url, "load", str(path))
    assert "Traceback" not in output
    assert code == case.code, output
    for fragment in case.says:
        assert fragment in output, f"{fragment!r} not in:\n{output}"
    records = loads_rows(engine)
    if code == REFUSED:
        assert table_rows(engine) == before
        # Every refusal is in the load history (what was tried, and why), beside nothing else.
        assert len(records) == history + 1 and records[-1].status == "rejected", output
        return
    assert records[-1].status == "applied"
    assert table_rows(engine) != before
    code, output = run_cli(capsys, "--database-url", url, "rollback", str(records[-1].id))
    assert code == 0, output
    assert table_rows(engine) == before
