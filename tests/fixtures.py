"""SYNTHETIC test inputs: builders of small Rosstat-style workbooks and CSVs, written like the sources.

Nothing here is real data. Every builder writes "SYNTHETIC" into the file where the parser
ignores it (publication line, footnotes), so a stray fixture can never pass for a Rosstat file.
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select, text

from etl.db import make_engine
from etl.schema import LOAD_ORDER, Base

PUBLICATION_LINE = "SYNTHETIC test file. Регионы России. Социально-экономические показатели"
SECTION_GRP = "9. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ"
SEPARATOR = "¾¾¾¾¾¾¾¾¾¾¾"
FOOTNOTE = "1) SYNTHETIC footnote: data made up for the test suite."
PANEL_HEADER = ("region_rus", "year", "grp", "invest")
# Every table a load may write data to (the `loads` history itself is compared separately).
DATA_TABLES = (*LOAD_ORDER, "superseded_values")

Row = Sequence[object]


def rr_table(
    title: str,
    unit: str | None,
    years: Sequence[object],
    rows: Iterable[Row],
    *,
    number: str | None = "9.1.",
    section: str | None = SECTION_GRP,
    publication: bool = True,
    sub_headers: Sequence[str] | None = None,
    footnotes: Sequence[str] = (SEPARATOR, FOOTNOTE),
) -> list[list]:
    """SYNTHETIC rows of one "Регионы России" table: title block, header, data, footnotes.

    `years` are written as given (2010 or '2010 год '). With `sub_headers`, every year spans
    len(sub_headers) columns (the year in the first, blanks after, as a merged cell reads) and
    a second header row names the sub-columns.
    """
    out: list[list] = []
    if publication:
        out.append([PUBLICATION_LINE])
    if section:
        out.append([section])
    out.append([f"{number} {title}" if number else title])
    if unit is not None:
        out.append([f" ({unit})"])
    if sub_headers:
        header: list[object] = [None]
        for year in years:
            header += [year] + [None] * (len(sub_headers) - 1)
        out.append(header)
        out.append([None, *list(sub_headers) * len(years)])
    else:
        out.append([None, *years])
    out += [list(row) for row in rows]
    out += [[line] for line in footnotes]
    return out


def monthly_sheet(
    title: str,
    measure: str,
    years: Sequence[str],
    rows: Iterable[Row],
    *,
    months: Sequence[str] = ("январь", "февраль", "март"),
    footnotes: Sequence[str] = (FOOTNOTE,),
) -> list[list]:
    """SYNTHETIC rows of a monthly 806-р sheet: title, measure, year row, month row, regions.

    The year text ('2009 год', '2010 год ') sits in the first month column of its year only,
    as a merged cell reads.
    """
    year_row: list[object] = [None]
    month_row: list[object] = [None]
    for year in years:
        year_row += [year] + [None] * (len(months) - 1)
        month_row += list(months)
    return [[title], [measure], year_row, month_row, *[list(r) for r in rows], [None],
            *[[line] for line in footnotes]]


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Write SYNTHETIC sheets (name -> rows) as an .xlsx; text starting with '=' stays text."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str) and value.startswith("="):
                    # NOTE: openpyxl turns "=..." into a formula; a hostile file has it as text.
                    cell.data_type = "s"
    workbook.save(path)
    return path


def write_rr_workbook(path: Path, *tables: list[list], sheet: str = "9.1.",
                      contents_sheet: bool = True) -> Path:
    """A SYNTHETIC "Регионы России" workbook: an optional contents sheet, then one sheet of tables.

    Several tables go one below another on the same sheet, separated by a blank row.
    """
    rows: list[list] = []
    for table in tables:
        if rows:
            rows.append([None])
        rows += table
    sheets = {}
    if contents_sheet:
        sheets["Раздел 9"] = [[PUBLICATION_LINE], [SECTION_GRP], ["9.1. Валовой региональный продукт"]]
    sheets[sheet] = rows
    return write_workbook(path, sheets)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Row]) -> Path:
    """A SYNTHETIC CSV (UTF-8, comma-separated, as the panel file is)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def grp_table(rows: Iterable[Row], *, unit: str = "миллионов рублей",
              years: Sequence[object] = (2016, 2017), **kwargs) -> list[list]:
    """A SYNTHETIC table titled like 9.1 (gross regional product), so it maps to indicator `grp`."""
    return rr_table("ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ", unit, years, rows, **kwargs)


# SYNTHETIC figures (not Rosstat's) used across the tests.
GRP_ROWS: list[list] = [
    ["Российская Федерация1)", 1000.5, 1100.5],
    ["Центральный федеральный округ", 400.0, 440.0],
    ["Калужская область", 11.1, 12.2],
    ["Тульская область", 13.3, "…"],
]


# Database snapshots for before/after comparisons.

def table_rows(engine: Engine, tables: tuple[str, ...] = DATA_TABLES) -> dict[str, list[tuple]]:
    """Full contents of the given tables, each sorted, for before/after comparisons."""
    out = {}
    with engine.connect() as conn:
        for name in tables:
            rows = conn.execute(select(Base.metadata.tables[name])).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def row_counts(engine: Engine, tables: tuple[str, ...] = DATA_TABLES) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(Base.metadata.tables[name])).scalar()
                for name in tables}


def loads_rows(engine: Engine) -> list:
    """Every row of the `loads` history, oldest first."""
    with engine.connect() as conn:
        loads = Base.metadata.tables["loads"]
        return conn.execute(select(loads).order_by(loads.c.id)).all()


def backend_engine(backend: str, folder: Path) -> Iterator[Engine]:
    """An engine on an empty database: a SQLite file in `folder`, or a fresh PostgreSQL schema
    (TEST_POSTGRES_URL; the test is skipped without it), dropped afterwards."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{folder}/t.sqlite")
        yield engine
        engine.dispose()
        return
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        pytest.skip("TEST_POSTGRES_URL is not set")
    schema = f"t_{uuid.uuid4().hex}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
