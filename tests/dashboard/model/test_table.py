"""The typed result: cells of their column's type, blanks as None, pages with the full count."""

from __future__ import annotations

import math
from datetime import datetime

import pytest
from sqlalchemy import Engine, select

from dashboard.model.table import Column, Page, Table, empty, fetch, missing_codes, typed_rows
from etl.schema import Region

COLUMNS = (Column("name", "string", "n"), Column("code", "string", "c", nullable=False),
           Column("n", "integer", "i"), Column("x", "number", "x"), Column("ok", "boolean", "b"),
           Column("at", "date-time", "t"))


def test_cells_are_typed_and_blanks_are_none() -> None:
    rows = typed_rows(COLUMNS, [
        ("  ", None, 3.0, "2.5", 1, datetime(2026, 1, 2, 3, 4, 5)),
        (math.nan, "x", None, math.inf, 0, None),
        ("a", "b", math.nan, math.nan, None, "2026-01-02"),
    ])
    assert rows == [
        (None, "", 3, 2.5, True, "2026-01-02T03:04:05Z"),
        (None, "x", None, None, False, None),
        ("a", "b", None, None, None, "2026-01-02"),
    ]


def test_unknown_column_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        Column("x", "decimal", "")


def test_table_records_column_and_frame_dtypes() -> None:
    table = Table(COLUMNS, [("a", "b", 1, 2.5, True, None), (None, "c", None, None, None, None)], 2)
    assert table.records()[0] == {"name": "a", "code": "b", "n": 1, "x": 2.5, "ok": True, "at": None}
    assert table.column("code") == ["b", "c"]
    frame = table.frame()
    assert [str(t) for t in frame.dtypes] == ["object", "object", "Int64", "float64", "boolean", "object"]
    assert frame["name"].tolist() == ["a", None]
    assert empty(COLUMNS).frame().columns.tolist() == [c.name for c in COLUMNS]


def test_empty_keeps_only_the_codes_that_are_unknown() -> None:
    table = empty(COLUMNS, indicator=("x",), region=())
    assert (table.rows, table.total, table.unknown) == ([], 0, {"indicator": ("x",)})


@pytest.mark.parametrize(("page", "rows", "total"), [
    (None, 5, 5), (Page(2, 0), 2, 5), (Page(2, 4), 1, 5), (Page(10, 0), 5, 5), (Page(2, 10), 0, 5),
    (Page(5, 0), 5, 5),
])
def test_fetch_counts_every_matching_row(model_engine: Engine, page, rows: int, total: int) -> None:
    columns = (Column("code", "string", "c", nullable=False),)
    query = select(Region.code).where(Region.code.in_(["RU-KLU", "RU-MOW", "RU-TUL", "RU-SPE", "RU-TVE"]))
    table = fetch(model_engine, query.order_by(Region.code), columns, page)
    assert (len(table.rows), table.total) == (rows, total)
    assert all(isinstance(row, tuple) for row in table.rows)


def test_missing_codes_in_request_order(model_engine: Engine) -> None:
    assert missing_codes(model_engine, Region.code, ["XX", "RU-KLU", "YY", "XX"]) == ("XX", "YY")
    assert missing_codes(model_engine, Region.code, []) == ()
