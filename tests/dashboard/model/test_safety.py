"""The formula guard and the CSV writer: one rule (= + - @ tab CR), applied to every text cell."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from dashboard.model.export import BOM, csv_bytes
from dashboard.model.safety import FORMULA_STARTS, guard_cell, guard_frame, guard_rows
from dashboard.model.table import Column, Table
from tests.dashboard.model.fixtures import HOSTILE


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_gets_an_apostrophe(hostile: str) -> None:
    assert guard_cell(hostile) == "'" + hostile


@pytest.mark.parametrize("harmless", ["Kaluga", "", " =not first", "2+2", "'already quoted", "Ҡ=1"])
def test_harmless_text_is_unchanged(harmless: str) -> None:
    assert guard_cell(harmless) == harmless


@pytest.mark.parametrize("number", [-2.5, -1, 0, 3.25, None, True])
def test_numbers_and_missing_values_are_not_text(number) -> None:
    assert guard_cell(number) is number


def test_the_rule_is_one_set_of_starts() -> None:
    assert FORMULA_STARTS == ("=", "+", "-", "@", "\t", "\r")


def test_rows_and_frames_are_guarded_alike() -> None:
    rows = [(name, -1.5) for name in HOSTILE]
    assert guard_rows(rows) == [("'" + name, -1.5) for name in HOSTILE]
    frame = guard_frame(pd.DataFrame(rows, columns=["name", "value"]))
    assert frame["name"].tolist() == ["'" + name for name in HOSTILE]
    assert frame["value"].tolist() == [-1.5] * len(HOSTILE)


def test_csv_is_utf8_with_bom_guarded_and_missing_empty() -> None:
    table = Table((Column("name", "string", "n"), Column("value", "number", "v"), Column("year", "integer", "y"),
                   Column("flag", "boolean", "f")),
                  [(name, -2.5, 2017, True) for name in HOSTILE] + [("Калуга", None, None, None)], 7)
    data = csv_bytes(table)
    assert data.startswith(BOM.encode("utf-8"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["name", "value", "year", "flag"]
    assert [r[0] for r in rows[1:-1]] == ["'" + name for name in HOSTILE]
    assert rows[1][1:] == ["-2.5", "2017", "true"]
    assert rows[-1] == ["Калуга", "", "", ""]
    # No cell of the file starts a formula once a spreadsheet reads it.
    assert not any(cell.startswith(FORMULA_STARTS) for row in rows[1:] for cell in row[:1])
