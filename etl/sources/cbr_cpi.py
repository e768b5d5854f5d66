"""Bank of Russia regional consumer price growth by month (the Bank's reg_cpd table).

Each sheet is one measure: its title in A1 ("Темпы прироста потребительских цен по РФ и
регионам1, в процентах г/г"), months as dates across row 1, then Russia and the regions under the
Bank's short names, and numbered footnotes below. The figures are the Bank of Russia's (computed
from Rosstat's CPI, seasonally adjusted by the Bank's own method): they are cited as the Bank's,
never as a Rosstat publication. The edition is the newest month in the file ("CBR-CPI-2026-03").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pandas as pd

from etl.errors import InputError, Rejection
from etl.periods import Period
from etl.regions import REGION, UNALLOCATED, RegionResolver
from etl.sources.base import Parsed
from etl.sources.cells import CellValue, cell_ref, column_letter, open_workbook, parse_value, read_sheet
from etl.sources.observations import ObservationBuilder
from etl.text import clean_spaces, slugify

ADAPTER = "cbr_cpi"
PUBLISHER = "Bank of Russia"
SOURCE_TABLE = "Банк России: темпы прироста потребительских цен по регионам (reg_cpd)"
MIN_MONTHS = 2  # a sheet of this family has a row of month dates, not one date

# Known measures, recognised from the title's wording: (code, EN name, RU unit, EN unit).
# NOTE: the Bank publishes growth ("темпы прироста": 10.6 = prices 10.6% higher), not an index of
# the base = 100 as Rosstat's CPI tables do; the unit says so.
_MEASURES = (
    (re.compile(r"сезонност\w* устранен", re.I), "cbr_cpi_mom_sa",
     "Consumer price growth, % on previous month, seasonally adjusted (Bank of Russia)",
     "% прироста к предыдущему месяцу, с устранением сезонности", "% growth m/m, seasonally adjusted"),
    (re.compile(r"к предыдущему месяцу", re.I), "cbr_cpi_mom",
     "Consumer price growth, % on previous month (Bank of Russia)", "% прироста к предыдущему месяцу",
     "% growth m/m"),
    (re.compile(r"г/г|к соответствующему месяцу предыдущего года", re.I), "cbr_cpi_yoy",
     "Consumer price growth, % on the same month a year earlier (Bank of Russia)",
     "% прироста к соответствующему месяцу предыдущего года", "% growth y/y"),
)
# A footnote digit glued to a word of the title ("регионам1,", "устранена2").
_GLUED_MARK = re.compile(r"(?<=[а-яё])\d(?=[,;:\s]|$)", re.I)
_FOOTNOTE_LINE = re.compile(r"^\d{1,2}\s*[-–—)]\s*\S")


def month_columns(row: list) -> dict[int, dt.date]:
    """Column -> date for the cells of a header row that are dates."""
    return {i: c for i, c in enumerate(row) if i > 0 and isinstance(c, dt.date)}


def looks_like_cbr_cpi(first_rows: list[list[list]]) -> bool:
    """True when every sheet given (its first rows) opens with a title and a row of month dates."""
    return bool(first_rows) and all(rows and len(month_columns(rows[0])) >= MIN_MONTHS for rows in first_rows)


def parse(path: Path, edition: str | None = None, resolver: RegionResolver | None = None) -> Parsed:
    """Parse the Bank's workbook into monthly observations, one indicator per sheet's measure."""
    resolver = resolver or RegionResolver.from_reference()
    workbook = open_workbook(path)
    sheets = {sheet: read_sheet(path, workbook, sheet) for sheet in workbook.sheet_names}
    months = [d for rows in sheets.values() if rows for d in month_columns(rows[0]).values()]
    if not months:
        raise InputError(Rejection(path.name, None, 1, None, "no sheet has a row of month dates"))
    newest = max(months)
    edition = edition or f"CBR-CPI-{newest:%Y-%m}"
    parsed = Parsed(adapter=ADAPTER, edition=edition)
    builder = ObservationBuilder(edition, path.name)
    indicators: dict[str, dict] = {}
    for sheet, rows in sheets.items():
        columns = month_columns(rows[0]) if rows else {}
        if len(columns) < MIN_MONTHS:
            if any(any(c not in ("", None) for c in row) for row in rows):
                parsed.notes.append(f"sheet {sheet!r}: no row of month dates; not read")
            continue
        bad = [(i, d) for i, d in columns.items() if d.day != 1]
        for i, d in bad:
            parsed.rejections.append(Rejection(path.name, sheet, 1, column_letter(i),
                                               "a date that is not the first of a month: which month is meant?",
                                               d.isoformat()))
            del columns[i]
        title = clean_spaces(_GLUED_MARK.sub("", str(rows[0][0] or "")))
        if not title:
            parsed.rejections.append(Rejection(path.name, sheet, 1, "A", "no title (the measure) in A1"))
            continue
        code = _indicator(indicators, title, path, sheet)
        periods = {i: Period("month", d.year, month=d.month) for i, d in columns.items()}
        # What each figure takes from its column, worked out once: its index, letter, the period fields
        # of the figure's tuple (see ObservationBuilder.add) and its header cell.
        per_column = [(i, column_letter(i), (p.code, p.kind, p.year, p.stored_month), cell_ref(0, i))
                      for i, p in periods.items()]
        for r in range(1, len(rows)):
            row = rows[r]
            label = clean_spaces(row[0]) if row and isinstance(row[0], str) else ""
            has_data = any(c not in ("", None) for c in row[1:])
            if not label:
                if has_data:
                    parsed.rejections.append(Rejection(path.name, sheet, r + 1, "A",
                                                       "figures in a row with no region name"))
                continue
            if _FOOTNOTE_LINE.match(label) and not has_data:
                break
            found = resolver.classify(label)
            if found.kind not in (REGION, UNALLOCATED):
                if has_data:
                    parsed.rejections.append(Rejection(path.name, sheet, r + 1, "A", "unknown region name", label))
                continue
            width = len(row)
            number = str(r + 1)
            for i, letter, period_fields, header in per_column:
                cell = row[i] if i < width else None
                if type(cell) is float and cell - cell == 0.0:
                    value, status, text = cell, "", None  # a finite number: what parse_value gives it
                else:
                    result = parse_value(cell)
                    if not isinstance(result, CellValue):
                        parsed.rejections.append(Rejection(path.name, sheet, r + 1, letter, result, str(cell)[:100]))
                        continue
                    if result.times:
                        parsed.rejections.append(Rejection(path.name, sheet, r + 1, letter,
                                                           "'в N раз' in a table of growth rates", str(cell)[:100]))
                        continue
                    value, status, text = result.value, result.status, result.text
                builder.add_row((code, found.code, *period_fields, value, status, text, sheet, letter + number,
                                 header), r + 1, i + 1)
    if not indicators:
        raise InputError(parsed.rejections[0] if parsed.rejections else Rejection(
            path.name, None, 1, None, "no sheet with a title and a row of month dates"))
    if not len(builder):
        raise InputError(parsed.rejections[0] if parsed.rejections else Rejection(
            path.name, None, None, "A", "no region rows under the month dates: a table with no regions"))
    parsed.tables["indicators"] = pd.DataFrame(list(indicators.values()))
    parsed.tables["observations"] = builder.frame()
    parsed.cell_positions = builder.positions
    parsed.notes.append(f"edition {edition}: {PUBLISHER}, months {min(months):%Y-%m} to {newest:%Y-%m}")
    return parsed


def _indicator(indicators: dict[str, dict], title: str, path: Path, sheet: str) -> str:
    identity = f"{PUBLISHER} | {title} | month"
    known = next((m for m in _MEASURES if m[0].search(title)), None)
    if known:
        _, code, name_en, unit_ru, unit_en = known
    else:
        digest = hashlib.sha1(identity.encode()).hexdigest()[:8]
        code, name_en, unit_en = f"cbr_{slugify(title, max_length=50)}_{digest}", None, None
        unit_ru = title.split(",", 1)[1].strip() if "," in title else None
    if code in indicators and indicators[code]["identity"] != identity:
        raise InputError(Rejection(path.name, sheet, 1, "A", f"a second sheet of measure {code}", title))
    indicators[code] = {
        "code": code, "name_ru": title, "name_en": name_en, "unit_ru": unit_ru, "unit_en": unit_en,
        "topic": "prices", "source_table": f"{SOURCE_TABLE}, {path.name}, sheet {sheet}", "frequency": "month",
        "period_kind": "month", "identity": identity, "additive": 0,
    }
    return code


__all__ = ["ADAPTER", "PUBLISHER", "looks_like_cbr_cpi", "month_columns", "parse"]
