"""Rosstat monthly regional monitoring (order 806-р) bulletins: a year row above a month row.

Each sheet is one measure (roubles, % of previous month, % of the same month a year earlier, or
the year-to-date index whose month cells read 'январь-март'). Continuation sheets are titled
'продолжение' and inherit the first sheet's title.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from etl.errors import InputError, Rejection
from etl.indicators import IndicatorRegistry
from etl.regions import RegionResolver
from etl.sources.base import Parsed
from etl.sources.cells import open_workbook, read_sheet
from etl.sources.rosstat_workbook import _END_OF_TABLE, ObservationColumns, ValueColumns, _text
from etl.text import clean_spaces, find_year, normalise_name, strip_footnotes

ADAPTER = "rosstat_monthly"
MONTHS = {
    name: number
    for number, name in enumerate(
        ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
         "октябрь", "ноябрь", "декабрь"], start=1)
}
_MONTH_STEMS = {name[:3]: number for name, number in MONTHS.items()}
_MONTH_STEMS["мая"] = 5


def month_of(cell: object) -> int | None:
    """The (last) month a header cell names: 'март' -> 3, 'январь- март' -> 3, else None."""
    if not isinstance(cell, str):
        return None
    return _month_of_text(cell)


# NOTE: the header rows are searched cell by cell in every sheet; the same texts recur.
@lru_cache(maxsize=4096)
def _month_of_text(cell: str) -> int | None:
    words = re.split(r"[\s\-–—]+", clean_spaces(cell).lower())
    words = [w for w in words if w]
    if not words or len(words) > 3:
        return None
    months = [_MONTH_STEMS.get(w[:3]) for w in words]
    if any(m is None for m in months):
        return None
    return months[-1]


def _month_row(rows: list[list]) -> int | None:
    for i, row in enumerate(rows[:15]):
        if sum(1 for c in row[1:] if month_of(c)) >= 3:
            return i
    return None


def looks_monthly(rows: list[list]) -> bool:
    return _month_row(rows) is not None


def default_edition(path: Path) -> str:
    match = re.search(r"(\d{4})-(\d{2})", path.stem)
    return f"806-{match.group(1)}-{match.group(2)}" if match else f"806-unknown:{path.name}"


def parse(
    path: Path,
    edition: str | None = None,
    registry: IndicatorRegistry | None = None,
    resolver: RegionResolver | None = None,
) -> Parsed:
    """Parse a monthly bulletin workbook into monthly observations."""
    registry = registry or IndicatorRegistry.from_reference()
    resolver = resolver or RegionResolver.from_reference()
    edition = edition or default_edition(path)
    workbook = open_workbook(path)
    parsed = Parsed(adapter=ADAPTER, edition=edition)
    observations = ObservationColumns(edition, path.name, monthly=True)
    indicators: dict[str, dict] = {}
    title = None
    for sheet in workbook.sheet_names:
        rows = read_sheet(path, workbook, sheet)
        months_at = _month_row(rows)
        if months_at is None or months_at < 1:
            parsed.notes.append(f"sheet {sheet!r}: no month header row; skipped")
            continue
        lines = [strip_footnotes(clean_spaces(str(r[0]))) for r in rows[:months_at - 1] if r and r[0]]
        own_title = next((ln for ln in lines[:-1] if not ln.lower().startswith("продолжение")), None)
        title = own_title or title
        measure = lines[-1] if lines else ""
        if title is None or measure == title:
            raise InputError(Rejection(path.name, sheet, 1, "A", "no title and measure rows above the header"))
        match = f"monthly:{normalise_name(title)}|{normalise_name(measure)}"
        meta, _ = registry.resolve(match, f"{title}: {measure}", measure, "other",
                                   f"{path.name}, sheet {sheet}", frequency="month")
        indicators.setdefault(meta.code, meta.as_row())
        columns = _columns(rows, months_at)
        keys = list(columns.values())
        values = ValueColumns(observations, list(columns), [meta.code] * len(keys),
                              [f"{year}-{month:02d}" for year, month in keys], [year for year, _ in keys],
                              [month for _, month in keys])
        for r in range(months_at + 1, len(rows)):
            row = rows[r]
            first = row[0] if row else ""
            if first in ("", None):
                continue
            label = _text(first) if isinstance(first, str) else clean_spaces(str(first))
            if not label:
                continue
            if _END_OF_TABLE.match(label):
                break
            region = resolver.resolve(label)
            cells = values.cells(row)
            if region is None:
                if any(c not in ("", None) for c in cells):
                    parsed.rejections.append(Rejection(path.name, sheet, r + 1, "A", "unknown region name", label))
                continue
            values.add(parsed, path.name, sheet, r, region, cells)
    if not indicators:
        raise InputError(Rejection(path.name, None, None, None, "no sheet with a month header row"))
    parsed.tables["indicators"] = pd.DataFrame(list(indicators.values()))
    parsed.tables["observations"] = observations.frame()
    return parsed


def _columns(rows: list[list], months_at: int) -> dict[int, tuple[int, int]]:
    """Column -> (year, month): the year row above is merged, so its value is carried forward."""
    year_row = rows[months_at - 1]
    month_row = rows[months_at]
    columns, year = {}, None
    for i in range(1, len(month_row)):
        found = find_year(year_row[i]) if i < len(year_row) else None
        year = found or year
        month = month_of(month_row[i])
        if year and month:
            columns[i] = (year, month)
    return columns
