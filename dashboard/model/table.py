"""The typed result every read-model function returns, and the one place queries are run."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Select, case, func, select

# JSON types a column may hold; "date-time" is ISO 8601 text.
TYPES = ("string", "integer", "number", "boolean", "date-time")
# Frame dtypes per column type: nullable integers and booleans, text kept as objects (None stays None).
_DTYPES = {"string": object, "integer": "Int64", "number": "float64", "boolean": "boolean", "date-time": object}


@dataclass(frozen=True)
class Column:
    """One column of a result: its name, JSON type, whether it may be missing, what it means."""

    name: str
    type: str
    description: str
    nullable: bool = True

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Page:
    """Which slice of the matching rows to return: `limit` rows from `offset` (None: all)."""

    limit: int | None = None
    offset: int = 0


@dataclass
class Table:
    """Rows as plain tuples in the order of `columns`, every cell of its column's type or None.

    `total` counts every matching row, not only this page's. `unknown` names the codes the request
    asked for that do not exist (`{"indicator": ("x",)}`): the result is then empty, and a caller
    says "unknown" rather than "no data".
    """

    columns: tuple[Column, ...]
    rows: list[tuple]
    total: int
    unknown: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __len__(self) -> int:
        return len(self.rows)

    def records(self) -> list[dict[str, Any]]:
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list:
        index = self.names.index(name)
        return [row[index] for row in self.rows]

    def frame(self) -> pd.DataFrame:
        """The rows as a frame with one explicit dtype per column type (nullable ints, float, text)."""
        data = {c.name: pd.Series([row[i] for row in self.rows], dtype=_DTYPES[c.type])
                for i, c in enumerate(self.columns)}
        return pd.DataFrame(data, columns=self.names)


def empty(columns: Sequence[Column], **unknown: tuple[str, ...]) -> Table:
    """No rows; `unknown` names the requested codes that do not exist."""
    return Table(tuple(columns), [], 0, {k: v for k, v in unknown.items() if v})


# --- cell types ---------------------------------------------------------------------------------


def _text(value: object) -> str | None:
    # Blank optional cells (NULL, "", spaces, a NaN from a frame) are one thing: missing.
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = value if isinstance(value, str) else str(value)
    return text if text.strip() else None


def _required_text(value: object) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _integer(value: object) -> int | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return int(value)


def _number(value: object) -> float | None:
    # An infinite or NaN value is never a published figure (and JSON cannot carry it).
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _boolean(value: object) -> bool | None:
    return None if value is None else bool(value)


def _timestamp(value: object) -> str | None:
    # The loader writes naive UTC times; RFC 3339 wants the zone said.
    if isinstance(value, datetime):
        return value.isoformat() + "Z" if value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _text(value)


_CONVERTERS: dict[str, Callable[[object], object]] = {
    "integer": _integer, "number": _number, "boolean": _boolean, "date-time": _timestamp}


# What a cell of each type already is when it needs no converting.
_ALREADY: dict[str, Callable[[object], bool]] = {
    "integer": lambda v: v is None or type(v) is int,
    "number": lambda v: v is None or (type(v) is float and math.isfinite(v)),
    "boolean": lambda v: v is None or type(v) is bool,
    "date-time": lambda v: v is None or (type(v) is str and "T" in v),
}


def typed_rows(columns: Sequence[Column], rows: Iterable[Sequence], text: bool = True) -> list[tuple]:
    """Rows with every cell converted to its column's type; blank and NaN cells become None.

    With text=False, text columns are trusted as the database returns them (the query blanked them
    with `blank_as_null`, or the read model made them), and a column whose cells are all of their
    type already is left as it is: rebuilding every row of a page costs more than the query.
    """
    rows = [row if type(row) is tuple else tuple(row) for row in rows]
    converters = []
    for i, column in enumerate(columns):
        if column.type == "string":
            if text:
                converters.append((i, _text if column.nullable else _required_text))
        elif text or not all(_ALREADY[column.type](row[i]) for row in rows):
            converters.append((i, _CONVERTERS[column.type]))
    if not converters:
        return rows
    out = []
    for row in rows:
        cells = list(row)
        for i, convert in converters:
            cells[i] = convert(cells[i])
        out.append(tuple(cells))
    return out


def blank_as_null(column):
    """A text column with blank and all-space values read as NULL (what a blank cell means), in SQL."""
    return case((func.trim(column) == "", None), else_=column).label(column.key)


# --- running queries ----------------------------------------------------------------------------


def fetch(engine: Engine, query: Select, columns: Sequence[Column], page: Page | None = None,
          derive: Callable[[Sequence], list[tuple]] | None = None, params: dict | None = None) -> Table:
    """Run `query` (selecting `columns` in order) for one page; rows come back as plain tuples.

    `derive` turns the raw rows into the table's rows when some columns are computed in Python
    (labels); it must return one tuple per row, in `columns` order. Optional text columns should be
    selected through `blank_as_null`. `params` fill the query's bindparam()s.
    """
    page = page or Page()
    paged = query
    if page.limit is not None:
        paged = paged.limit(page.limit)
    if page.offset:
        paged = paged.offset(page.offset)
    with engine.connect() as conn:
        result = conn.execute(paged, params)
        # The driver's own tuples when no column needs converting (text, numbers): building a Row
        # per record costs about as much as the query itself.
        raw = result.cursor.fetchall() if _plain(query, result) else result.all()
        if page.limit is None or (len(raw) < page.limit and (raw or not page.offset)):
            total = page.offset + len(raw)
        else:
            # A count only when this page does not tell it (a full page, or past the end).
            counted = select(func.count()).select_from(query.order_by(None).subquery())
            total = conn.execute(counted, params).scalar_one()
    return Table(tuple(columns), typed_rows(columns, derive(raw) if derive else raw, text=False), total)


def _plain(query: Select, result) -> bool:
    """True when the driver's values are what the columns hold (no type needs a result processor)."""
    dialect = result.dialect
    try:
        return all(column.type.dialect_impl(dialect).result_processor(dialect, described[1]) is None
                   for column, described in zip(query.selected_columns, result.cursor.description, strict=True))
    except Exception:  # a type the dialect cannot tell about without more: let SQLAlchemy convert
        return False


def exists(engine: Engine, query: Select) -> bool:
    with engine.connect() as conn:
        return conn.execute(query.limit(1)).first() is not None


def missing_codes(engine: Engine, key, codes: Iterable[str]) -> tuple[str, ...]:
    """The codes among `codes` that `key` (a table's code column) does not hold, in request order."""
    wanted = tuple(dict.fromkeys(codes))
    if not wanted:
        return ()
    with engine.connect() as conn:
        known = set(conn.execute(select(key).where(key.in_(wanted))).scalars())
    return tuple(c for c in wanted if c not in known)
