"""The cluster's cited records (companies, investments, products, events) as their tables hold them,
each with its source's label and link."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import JSON, DateTime, Engine, Float, Integer, String, select
from sqlalchemy import Table as SqlTable

from dashboard.model.labels import source_label, source_link
from dashboard.model.table import Column, Page, Table, blank_as_null, empty, fetch, missing_codes
from etl.schema import Company, Event, Investment, Product, Source, TherapyArea

SOURCE_COLUMNS = (
    Column("source_label", "string", "Short name of the cited source: its publisher, else its site; a bundled "
           "file's title."),
    Column("source_link", "string", "Address to link to (web pages only; bundled files have none)."),
)


@dataclass(frozen=True)
class Subject:
    """One cluster table as the read model serves it."""

    name: str
    table: SqlTable
    order_by: tuple[str, ...]
    description: str

    @property
    def columns(self) -> tuple[Column, ...]:
        return table_columns(self.table) + (SOURCE_COLUMNS if "source_url" in self.table.c else ())


def _type(sql_type) -> str:
    if isinstance(sql_type, DateTime):
        return "date-time"
    if isinstance(sql_type, Integer):
        return "integer"
    if isinstance(sql_type, Float):
        return "number"
    return "string"


def table_columns(table: SqlTable) -> tuple[Column, ...]:
    """A table's columns as typed Columns (JSON report columns are left out)."""
    return tuple(Column(c.name, _type(c.type), f"{table.name}.{c.name}", nullable=bool(c.nullable))
                 for c in table.columns if not isinstance(c.type, JSON))


SUBJECTS = {
    "companies": Subject("companies", Company.__table__, ("name_en", "key"), "Companies of the cluster."),
    "investments": Subject("investments", Investment.__table__, ("year_from", "record_key"),
                           "Cited investment figures, as written and as a low/high range in millions."),
    "products": Subject("products", Product.__table__, ("company_key", "trade_name", "record_key"),
                        "Products made in the cluster, with ATC code and therapy area."),
    "events": Subject("events", Event.__table__, ("date", "record_key"), "Dated events of the cluster."),
}


def records(engine: Engine, subject: str, company: str | None = None, therapy_area: str | None = None,
            page: Page | None = None) -> Table:
    """One cluster table's rows, filtered by company key and (products) therapy area; unknown codes reported."""
    spec = SUBJECTS[subject]
    columns = spec.columns
    unknown = {
        "company": missing_codes(engine, Company.key, [company] if company else []),
        "therapy_area": missing_codes(engine, TherapyArea.code, [therapy_area] if therapy_area else []),
    }
    if any(unknown.values()):
        return empty(columns, **unknown)
    table = spec.table
    plain = [c for c in table.columns if not isinstance(c.type, JSON)]
    selected = [blank_as_null(c) if c.nullable and isinstance(c.type, String) else c for c in plain]
    # Missing values sort last on both backends (SQLite puts NULL first, PostgreSQL last).
    query = select(*selected).order_by(*(table.c[name].asc().nulls_last() for name in spec.order_by))
    if company:
        query = query.where(table.c["key" if subject == "companies" else "company_key"] == company)
    if therapy_area:
        query = query.where(table.c["therapy_area_code"] == therapy_area)
    if "source_url" not in table.c:
        return fetch(engine, query, columns, page)
    # The sources table names the publisher and title of a cited address.
    query = query.add_columns(Source.title, Source.publisher).outerjoin(Source, Source.url == table.c.source_url)
    at = [c.name for c in plain].index("source_url")
    return fetch(engine, query, columns, page,
                 lambda rows: [(*row[:-2], source_label(row[at], *row[-2:]), source_link(row[at])) for row in rows])


# --- where a cited investment figure sits on a time axis ----------------------------------------
# THE PLACEMENT RULE (stated on the investments page):
#   made    -> the year the money is cited as spent by: the period's end year ("to 2015", "2011-2015",
#              "opened 2014"). A made figure with no end year (">8 bn RUB, 2010s (cumulative)",
#              "to opening") is undated: listed with its source, never placed on the axis.
#   planned -> the year the plan was announced or agreed, as the source words it ("announced
#              2011-02", "agreement 2016-12", "2005 announcement", "signed at SPIEF-2023"). A planned
#              figure with only a target year ("to 2027", "launch planned Q1 2018", "2025-2026") is
#              undated for the axis: a target is not an announcement.
#   other   -> the period's start year (budget allocations are not drawn on the investment curve).
ANNOUNCEMENT_WORDS = re.compile(r"announc\w*|agree\w*|approv\w*|signed|intent|\bSPIC\b|\bSPIEF\b",
                                re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
_YEAR_BEFORE_WORD = re.compile(r"(?<!\d)(19\d\d|20\d\d)\s+(?=announc|agree|approv|signed)", re.IGNORECASE)


def announcement_year(period_raw: str | None) -> int | None:
    """The year a plan was announced or agreed, when the period text says so; None otherwise.

    The year is taken after an announcement word within the same clause (up to ';'), or right before
    one ("2005 announcement"); a launch or target year elsewhere in the text is never taken.
    """
    text = period_raw or ""
    for clause in text.split(";"):
        for word in ANNOUNCEMENT_WORDS.finditer(clause):
            if match := _YEAR.search(clause, word.end()):
                return int(match[1])
        if match := _YEAR_BEFORE_WORD.search(clause):
            return int(match[1])
    return None


def placement_year(status_group: str, period_raw: str | None, year_from: int | None,
                   year_to: int | None) -> int | None:
    """THE PLACEMENT RULE: the year a cited investment figure is drawn at, or None (listed, not drawn)."""
    if status_group == "made":
        return None if year_to is None else int(year_to)
    if status_group == "planned":
        return announcement_year(period_raw)
    return None if year_from is None else int(year_from)
