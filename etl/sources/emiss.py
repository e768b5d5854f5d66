"""EMISS (fedstat.ru) exports: sheet «Данные» (one row per region × classifier values, years as
columns) and sheet «Паспорт» (the indicator's metadata: unit, agency, last update).

«Данные» opens with the indicator title and, in parentheses, its unit and the classifier values
fixed for the whole export ("(тысяча рублей, Всего)"); a row of years; below it, optionally, rows
that say what each column holds ("значение показателя за год", a kind of price); then the data.
The left columns are labels: the region (indented by its level) and any classifiers the export
was cut by (source of finance, OKVED, kind of work). Each combination of classifier values is its
own indicator. The edition is the export's indicator and the passport's last-update date, so a
renamed file loads under the same edition.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl.errors import InputError, Rejection
from etl.indicator_meta import describe
from etl.indicators import identity_code, topic_for
from etl.periods import Period, read_label
from etl.regions import REGION, UNALLOCATED, UNKNOWN, RegionResolver
from etl.sources.base import Parsed
from etl.sources.cells import BLANK, CellValue, cell_ref, column_letter, open_workbook, parse_value, read_sheet
from etl.sources.observations import ObservationBuilder
from etl.text import clean_spaces, slugify

ADAPTER = "emiss"
DATA_SHEET = "Данные"
PASSPORT_SHEET = "Паспорт"
PUBLISHER = "EMISS"
HEADER_SEARCH_ROWS = 12

# Passport rows by the start of their label.
_PASSPORT_KEYS = {
    "unit": "единицы измерения", "updated": "последнее обновление данных", "agency": "ведомство",
    "periodicity": "периодичность", "classifiers": "признаки",
}
_VALUE_FOR = re.compile(r"^значение показателя за\s+(?P<what>.+)$", re.I)
_FREQUENCY = {"quarter": "quarter", "half_year": "half_year", "month": "month", "ytd": "month"}
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


@dataclass(frozen=True)
class Passport:
    """What the «Паспорт» sheet says about the indicator."""

    title: str
    unit: str | None
    updated: dt.date | None
    agency: str | None
    updated_text: str | None = None  # the passport's own words for the date


@dataclass
class _Column:
    index: int
    period: Period
    group: tuple[str, ...]  # header texts that are not the period ("Текущие цены")
    header: str


def looks_like_emiss(sheet_names: list[str]) -> bool:
    """True for a workbook with the two sheets every EMISS export has."""
    return {DATA_SHEET, PASSPORT_SHEET} <= {clean_spaces(s) for s in sheet_names}


def read_passport(rows: list[list]) -> Passport:
    """The passport's title (first line), unit, last update date and agency."""
    title = next((clean_spaces(str(r[0])) for r in rows if r and str(r[0]).strip()), "")
    found: dict[str, str] = {}
    for row in rows:
        if len(row) < 2 or not isinstance(row[0], str):
            continue
        label = clean_spaces(row[0]).lower().rstrip(" :")
        for key, start in _PASSPORT_KEYS.items():
            if label.startswith(start) and key not in found:
                found[key] = str(row[1]) if row[1] not in ("", None) else ""
    units = [clean_spaces(u).lstrip("*-• ").strip() for u in (found.get("unit") or "").splitlines()]
    units = [u for u in units if u]
    updated = None
    if match := _DATE.search(found.get("updated") or ""):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        try:
            updated = dt.date(year, month, day)
        except ValueError:
            updated = None
    return Passport(title, "; ".join(units) or None, updated, clean_spaces(found.get("agency") or "") or None,
                    clean_spaces(found.get("updated") or "") or None)


def edition_code(passport: Passport) -> str:
    """'EMISS-<indicator>-<last update>': the same export renamed keeps its edition."""
    when = passport.updated.isoformat() if passport.updated else "undated"
    # The title cut for readability, with a digest of the whole title so two indicators never share one.
    digest = hashlib.sha1(passport.title.encode()).hexdigest()[:6]
    return f"{PUBLISHER}-{slugify(passport.title, max_length=40)}-{digest}-{when}"


def parse(path: Path, edition: str | None = None, resolver: RegionResolver | None = None) -> Parsed:
    """Parse an EMISS export into yearly (or sub-yearly) observations, an indicator per classifier path."""
    resolver = resolver or RegionResolver.from_reference()
    workbook = open_workbook(path)
    names = {clean_spaces(s): s for s in workbook.sheet_names}
    if not looks_like_emiss(workbook.sheet_names):
        raise InputError(Rejection(path.name, None, None, None,
                                   f"not an EMISS export: no sheets «{DATA_SHEET}» and «{PASSPORT_SHEET}»"))
    passport = read_passport(read_sheet(path, workbook, names[PASSPORT_SHEET]))
    sheet = names[DATA_SHEET]
    rows = read_sheet(path, workbook, sheet)
    if passport.updated is None:
        raise InputError(Rejection(path.name, names[PASSPORT_SHEET], None, "B",
                                   "the passport gives no valid last-update date (the edition cannot be named)",
                                   passport.updated_text))
    edition = edition or edition_code(passport)
    parsed = Parsed(adapter=ADAPTER, edition=edition)
    title, fixed = _title(rows, passport, path, sheet)
    unit = passport.unit
    if not unit:
        raise InputError(Rejection(path.name, names[PASSPORT_SHEET], None, "B", "the passport gives no unit"))
    if "; " in unit:
        # NOTE: an indicator published in several units lists them all in its passport; the export's
        # own unit is the first item of the title's parenthesis.
        named = fixed.split(",")[0].strip()
        if named not in unit.split("; "):
            raise InputError(Rejection(path.name, sheet, 1, "A", f"the passport lists several units ({unit}) and "
                                       "the title names none of them", named or None))
        unit = named
    year_row, first_value, columns, unread = _header(rows, path, sheet)
    first_data = _first_data_row(rows, year_row, first_value)
    region_col = _region_column(rows[first_data:], first_value, resolver)
    if region_col is None:
        raise InputError(Rejection(path.name, sheet, first_data + 1, None,
                                   "no label column holds region names: a table with no regions"))
    classifier_cols = [c for c in range(first_value) if c != region_col and _has_text(rows[first_data:], c)]
    # Classifier columns with one value in the whole export ("Всего") stay in the identity, not the name.
    # NOTE: each distinct cell is cleaned once (a classifier column repeats a few values down thousands of rows).
    shown = tuple(len({clean_spaces(text) for text in {str(r[c]) for r in rows[first_data:]
                                                        if c < len(r) and r[c] not in ("", None)}})
                  > 1 for c in classifier_cols)
    builder = ObservationBuilder(edition, path.name)
    indicators: dict[str, dict] = {}
    unknown: dict[str, list[int]] = {}
    seen: dict[tuple[str, str, str], str] = {}
    unread_data: Counter = Counter()
    percent = "процент" in unit.lower() or "%" in unit
    # What each figure takes from its column, worked out once: the column, its letter, its period code
    # and the period fields of the figure's tuple (see ObservationBuilder.add).
    per_column = [(c, column_letter(c.index), c.period.code,
                   (c.period.code, c.period.kind, c.period.year, c.period.stored_month)) for c in columns]
    for r in range(first_data, len(rows)):
        row = rows[r]
        label = row[region_col] if region_col < len(row) else None
        if not isinstance(label, str) or not label.strip():
            if any(c not in ("", None) for c in row[first_value:]):
                parsed.rejections.append(Rejection(path.name, sheet, r + 1, column_letter(region_col),
                                                   "figures in a row with no region name"))
            continue
        found = resolver.classify(label)
        if found.kind not in (REGION, UNALLOCATED):
            if found.kind == UNKNOWN or found.kind == "own_unit":
                unknown.setdefault(clean_spaces(label), []).append(r + 1)
            continue
        path_values = tuple(clean_spaces(str(row[c])) for c in classifier_cols if c < len(row))
        for col, _why in unread:
            if col < len(row) and row[col] not in ("", None):
                unread_data[col] += 1
        width = len(row)
        number = str(r + 1)
        for column, letter, period_code, period_fields in per_column:
            cell = row[column.index] if column.index < width else None
            if type(cell) is float and cell - cell == 0.0:
                value, status, text = cell, "", None  # a finite number: what parse_value gives it
            else:
                result = parse_value(cell)
                if not isinstance(result, CellValue):
                    parsed.rejections.append(Rejection(path.name, sheet, r + 1, letter, result, str(cell)[:100]))
                    continue
                if result.status == BLANK:
                    continue  # NOTE: an export is a sparse cube: a blank cell is a combination with no figure
                if result.times and not percent:
                    parsed.rejections.append(Rejection(path.name, sheet, r + 1, letter,
                                                       "'в N раз' where the unit is not a percentage",
                                                       str(cell)[:100]))
                    continue
                value, status, text = result.value, result.status, result.text
            code = _indicator(indicators, title, unit, fixed, path_values, shown, column, passport, path)
            key = (code, found.code, period_code)
            ref = letter + number
            if key in seen:
                parsed.rejections.append(Rejection(
                    path.name, sheet, r + 1, letter,
                    f"second figure for {found.code} {period_code} (first at {seen[key]})", str(cell)[:100]))
                continue
            seen[key] = ref
            builder.add_row((code, found.code, *period_fields, value, status, text, sheet, ref, column.header),
                            r + 1, column.index + 1)
    for label, at in unknown.items():
        parsed.rejections.append(Rejection(path.name, sheet, at[0], column_letter(region_col),
                                           f"unknown region name ({len(at)} rows, first here)", label[:100]))
    for col, why in unread:
        if unread_data[col]:
            parsed.rejections.append(Rejection(path.name, sheet, year_row + 1, column_letter(col),
                                               f"{why}; the column's {unread_data[col]} figures are not read"))
    if not indicators:
        raise InputError(parsed.rejections[0] if parsed.rejections else Rejection(
            path.name, sheet, first_data + 1, None, "no figures for any region"))
    parsed.tables["indicators"] = pd.DataFrame(list(indicators.values()))
    parsed.tables["observations"] = builder.frame()
    parsed.cell_positions = builder.positions
    parsed.notes.append(f"edition {edition}: EMISS export of «{passport.title}», data updated "
                        f"{passport.updated:%d.%m.%Y}" + (f" by {passport.agency}" if passport.agency else ""))
    return parsed


def _title(rows: list[list], passport: Passport, path: Path, sheet: str) -> tuple[str, str]:
    """The indicator title and the export's fixed classifier values (the parenthesis after the title)."""
    first = clean_spaces(str(rows[0][0])) if rows and rows[0] else ""
    if not first:
        raise InputError(Rejection(path.name, sheet, 1, "A", "no indicator title in the first row"))
    title = passport.title or first
    rest = first[len(title):].strip() if first.startswith(title) else ""
    if not first.startswith(title):
        # NOTE: the passport's title is the indicator's; the data sheet's may add the parenthesis.
        title = re.sub(r"\s*\([^()]*\)$", "", first) or first
        rest = first[len(title):].strip()
    return title, rest.strip("() ")


def _header(rows: list[list], path: Path, sheet: str) -> tuple[int, int, list[_Column], list[tuple[int, str]]]:
    """(year row, first value column, the value columns, the columns whose header is not understood)."""
    y, years = next(((i, found) for i, row in enumerate(rows[:HEADER_SEARCH_ROWS])
                     if (found := [c for c in range(1, len(row)) if read_label(row[c]).year is not None])),
                    (None, []))
    if y is None:
        raise InputError(Rejection(path.name, sheet, None, None,
                                   f"no row of years in the first {HEADER_SEARCH_ROWS} rows"))
    first_value = years[0]
    # Rows between the years and the data say what each column holds; a row whose label cells are
    # filled is data.
    sub_rows = []
    for r in range(y + 1, min(y + 4, len(rows))):
        if any(isinstance(c, str) and c.strip() for c in rows[r][:first_value]):
            break
        if any(c not in ("", None) for c in rows[r][first_value:]):
            sub_rows.append(r)
    columns, unread = [], []
    year, year_col = None, None
    for col in range(first_value, len(rows[y])):
        cell = rows[y][col]
        if cell not in ("", None):
            label = read_label(cell)
            year, year_col = (label.year, col) if label.year is not None else (None, None)
            if year is None:
                unread.append((col, f"header {clean_spaces(str(cell))!r} at {cell_ref(y, col)} is not a year"))
                continue
        if year is None:
            continue
        period, group, refs, why = Period("year", year), [], [cell_ref(y, year_col)], None
        for r in sub_rows:
            text = clean_spaces(str(rows[r][col])) if col < len(rows[r]) and rows[r][col] not in ("", None) else ""
            if not text:
                continue
            refs.append(cell_ref(r, col))
            what = _VALUE_FOR.match(text)
            if what and what["what"].lower() == "год":
                continue
            label = read_label(what["what"] if what else text)
            if label.kind is not None:
                sub = label.period(year)
                if sub is None or (label.year is not None and label.year != year):
                    why = f"header {text!r} at {cell_ref(r, col)} does not fall in {year}"
                    break
                period = sub
            elif what:
                why = f"header {text!r} at {cell_ref(r, col)} names no period this adapter knows"
                break
            else:
                group.append(text)
        if why:
            unread.append((col, why))
            continue
        columns.append(_Column(col, period, tuple(group), " ".join(refs)))
    return y, first_value, columns, unread


def _first_data_row(rows: list[list], year_row: int, first_value: int) -> int:
    for r in range(year_row + 1, len(rows)):
        if any(isinstance(c, str) and c.strip() for c in rows[r][:first_value]):
            return r
    return len(rows)


def _has_text(rows: list[list], col: int) -> bool:
    return any(col < len(r) and isinstance(r[col], str) and r[col].strip() for r in rows)


def _region_column(rows: list[list], first_value: int, resolver: RegionResolver) -> int | None:
    """The label column whose cells name regions (most of them), None when none does."""
    best, best_count = None, 0
    for col in range(first_value):
        labels = {r[col] for r in rows[:400] if col < len(r) and isinstance(r[col], str) and r[col].strip()}
        count = sum(1 for label in labels if resolver.resolve(label) is not None)
        if count > best_count and count >= len(labels) / 2:
            best, best_count = col, count
    return best


def _indicator(indicators: dict[str, dict], title: str, unit: str, fixed: str, path_values: tuple[str, ...],
               shown: tuple[bool, ...], column: _Column, passport: Passport, path: Path) -> str:
    """The code of (title, unit, fixed values, classifier path, column group, period kind)."""
    key = (path_values, column.group, column.period.kind)
    cached = indicators.get(key)  # type: ignore[arg-type]
    if cached is not None:
        return cached["code"]
    parts = [p for p in (*path_values, *column.group) if p]
    identity = " | ".join([PUBLISHER, title, unit, fixed, " / ".join(parts), column.period.kind])
    code = identity_code(f"emiss {title}", identity)
    # The name: the title, the fixed values that are neither the unit nor "значение показателя за год",
    # and the classifier values that vary within the export.
    extra = [f for f in (x.strip() for x in fixed.split(",")) if f and f != unit and not _VALUE_FOR.match(f)]
    varying = [p for p, show in zip(path_values, shown, strict=False) if show and p] + [g for g in column.group if g]
    name = title + (f" ({', '.join(extra)})" if extra else "") + (f": {' / '.join(varying)}" if varying else "")
    described = describe(title, unit, None, tuple(varying))
    row = {
        "code": code, "name_ru": name, "name_en": described.name_en, "unit_ru": unit, "unit_en": described.unit_en,
        "topic": described.topic if described.topic != "other" else topic_for(title),
        "source_table": f"EMISS (fedstat.ru): «{passport.title}», {path.name}",
        "frequency": _FREQUENCY.get(column.period.kind, "year"),
        "period_kind": column.period.kind, "identity": identity, "additive": described.additive,
    }
    indicators[key] = row  # type: ignore[index]
    return code


__all__ = ["ADAPTER", "Passport", "edition_code", "looks_like_emiss", "parse", "read_passport"]
