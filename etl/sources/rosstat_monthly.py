"""Rosstat monthly regional monitoring (order 806-р) bulletins: a year row above a sub-period row.

One workbook is one table group: its first sheet carries the title, every sheet one measure (a
unit line such as "Млн. рублей" or "В % к соответствующему месяцу предыдущего года"). Sheets after
the first are headed "продолжение" (continued) and inherit the first sheet's title. Under each
year the columns are months, quarters, half-years, year-to-date spans ("январь-сентябрь") or points
in time ("на 1 марта"); a year with no sub-period under it is the year itself. Every column's
period is read with etl.periods, and each (title, measure, period kind) is its own indicator.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl.errors import InputError, Rejection
from etl.indicator_meta import describe
from etl.indicators import IndicatorRegistry, identity_code, topic_for
from etl.periods import Period, read_label
from etl.regions import REGION, UNALLOCATED, UNKNOWN, RegionResolver
from etl.sources.base import Parsed
from etl.sources.cells import CellValue, cell_ref, column_letter, open_workbook, parse_value, read_sheet
from etl.sources.observations import ObservationBuilder
from etl.text import clean_spaces, normalise_name, strip_footnotes

ADAPTER = "rosstat_monthly"
PUBLICATION = "806-р"
HEADER_SEARCH_ROWS = 20  # the period header sits under a title block of a few lines
MIN_SUB_PERIODS = 2  # a sub-period row names at least this many columns

# How the indicator name says which periods it covers (a month needs no words).
KIND_WORDS = {
    "month": "", "ytd": "с начала года нарастающим итогом", "quarter": "за квартал",
    "half_year": "за полугодие", "year": "за год", "point": "на дату",
}
KIND_WORDS_EN = {"ytd": "year to date", "quarter": "quarterly", "half_year": "half-year", "year": "annual",
                 "point": "at the date"}
# A unit line that is a relation to a base ("В % к предыдущему месяцу"), not a unit of measure.
_RELATION = re.compile(r"^в\s*%|^в процентах", re.I)
_CONTINUED = re.compile(r"^продолжение\b", re.I)
# A footnote line under the table: "1 Без учета ...", "2) ...", "4Данные изменены ...".
_FOOTNOTE_LINE = re.compile(r"^(?P<mark>\d{1,2})\)?\s*[^\d\s.,]")
_SEPARATOR = re.compile(r"^(¾|_{2,}|-{3,}|—{2,})")
# A footnote mark after a stub label: "Российская Федерация 1", "Российская Федерация1,2", "…¹".
_LABEL_MARK = re.compile(r"(?<=[^\d\s])\s*(?P<marks>\d(?:\s*,\s*\d)*)\)?$|(?P<sup>[¹²³⁴⁵⁶⁷⁸⁹]+)$")
_PERCENT = re.compile(r"%|процент", re.I)
_SUPERSCRIPT = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹", "123456789")
# A stub label that states its own unit: "Российская Федерация, млн. кв. метров 1".
_OWN_UNIT = re.compile(r"^(?P<name>.+?)[,\s]+(?P<unit>(?:тыс|млн|млрд)\.?\s*\S.*)$", re.I)
# A footnote digit glued to a word inside a title or unit line ("работодателем1; тыс. человек").
_GLUED_MARK = re.compile(r"(?<=[а-яё»)])\d(?:,\d)*(?=[;,:]|\s|$)", re.I)


@dataclass
class _Column:
    index: int
    period: Period
    header: str  # A1 references of the year and sub-period cells
    group: int  # the column of the year cell it falls under


@dataclass
class _Header:
    sub_row: int  # 0-based row of the sub-period labels
    year_row: int | None  # 0-based row of the years above them (None: sub-periods carry their year)
    columns: list[_Column] = field(default_factory=list)
    unread: list[tuple[int, str, str]] = field(default_factory=list)  # (column, header ref, why)


def find_header(rows: list[list]) -> tuple[int, int | None] | None:
    """(sub-period row, year row) of a bulletin sheet, 0-based; None when the sheet has none."""
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        labels = [read_label(c) for c in row[1:] if c not in ("", None)]
        subs = sum(1 for label in labels if label.kind is not None)
        if subs < MIN_SUB_PERIODS or subs < len(labels) / 2:
            continue
        if all(label.year is not None for label in labels if label.kind):
            return i, None
        for above in range(i - 1, max(i - 3, -1), -1):
            cells = [c for c in rows[above][1:] if c not in ("", None)]
            if cells and sum(1 for c in cells if read_label(c).year is not None and not read_label(c).kind) >= 1:
                return i, above
        return None
    return None


def looks_monthly(rows: list[list]) -> bool:
    """True when a sheet's header is years over sub-periods (months, quarters, "на 1 ..."), as in 806."""
    return find_header(rows) is not None


def default_edition(path: Path) -> str:
    """The edition from the file name ("...2016-01...": the January 2016 issue)."""
    # NOTE: the bulletin's workbooks do not state their issue month anywhere inside (title rows
    # name the measure only), so the name is the only witness; pass --edition for a renamed file.
    match = re.search(r"(\d{4})-(\d{2})", path.stem)
    return f"806-{match.group(1)}-{match.group(2)}" if match else f"806-unknown:{path.name}"


def parse(
    path: Path,
    edition: str | None = None,
    registry: IndicatorRegistry | None = None,
    resolver: RegionResolver | None = None,
) -> Parsed:
    """Parse a bulletin workbook into observations with a period kind, and their indicators."""
    registry = registry or IndicatorRegistry.from_reference()
    resolver = resolver or RegionResolver.from_reference()
    edition = edition or default_edition(path)
    workbook = open_workbook(path)
    parsed = Parsed(adapter=ADAPTER, edition=edition)
    builder = ObservationBuilder(edition, path.name)
    indicators: dict[str, dict] = {}
    seen: dict[tuple[str, str, str], str] = {}
    title: str | None = None
    title_sheet: str | None = None
    footnotes: frozenset[str] = frozenset()
    for sheet in workbook.sheet_names:
        rows = read_sheet(path, workbook, sheet)
        found = find_header(rows)
        if found is None:
            if any(any(c not in ("", None) for c in row) for row in rows):
                parsed.notes.append(f"sheet {sheet!r}: no row of years over months/quarters; not read")
            continue
        sub_row, year_row = found
        top = year_row if year_row is not None else sub_row
        lines = [_clean_line(r[0]) for r in rows[:top] if r and isinstance(r[0], str) and r[0].strip()]
        lines = [line for line in lines if line]
        continued = bool(lines) and bool(_CONTINUED.match(lines[0]))
        if continued:
            lines = lines[1:]
        if not continued and len(lines) >= 2:
            title, title_sheet, measure = " ".join(lines[:-1]), sheet, lines[-1]
        elif lines and title is not None:
            # NOTE: a continuation sheet ("продолжение", or no title line at all) names only its measure.
            measure = " ".join(lines)
        else:
            why = ("no title or unit line above the header" if not lines
                   else "no table title on this or an earlier sheet")
            parsed.rejections.append(Rejection(path.name, sheet, top + 1, "A", why))
            continue
        # NOTE: a sheet with no title line and no "продолжение" mark says so in its indicator names.
        inherited = title_sheet != sheet and not continued
        # NOTE: continuation sheets use marks whose footnote text is printed on an earlier sheet.
        footnotes = footnotes | _footnote_marks(rows, sub_row)
        header = _read_header(rows, sub_row, year_row)
        by_kind = Counter(c.period.kind for c in header.columns)
        if not by_kind:
            parsed.rejections.append(Rejection(path.name, sheet, sub_row + 1, None,
                                               "no column under the header names a period"))
            continue
        codes = {kind: _indicator(registry, indicators, title, measure, kind, by_kind, path, sheet,
                                  title_sheet if inherited else None)
                 for kind in by_kind}
        percent = bool(_PERCENT.search(measure))
        _read_rows(parsed, builder, resolver, path.name, sheet, rows, header, codes, footnotes, seen, percent)
    if indicators and not len(builder):
        raise InputError(parsed.rejections[0] if parsed.rejections else Rejection(
            path.name, None, None, "A", "no region rows under the header of any sheet: a table with no regions"))
    if not indicators:
        # The first sheet refused says why; a workbook with no such header at all is not a bulletin.
        raise InputError(parsed.rejections[0] if parsed.rejections else Rejection(
            path.name, None, None, None, "no sheet with a row of years over months, quarters or other sub-periods"))
    parsed.tables["indicators"] = pd.DataFrame(list(indicators.values()))
    parsed.tables["observations"] = builder.frame()
    parsed.cell_positions = builder.positions
    return parsed


def _clean_line(cell: str) -> str:
    return _GLUED_MARK.sub("", strip_footnotes(clean_spaces(cell))).strip()


def _footnote_marks(rows: list[list], sub_row: int) -> frozenset[str]:
    """The marks the sheet's own footnotes define ("1", "2", ...), read from the lines under the table."""
    marks = set()
    for row in rows[sub_row + 1:]:
        first = row[0] if row else None
        match = _FOOTNOTE_LINE.match(first.strip()) if isinstance(first, str) else None
        if match and not any(isinstance(c, (int, float)) or (isinstance(c, str) and c.strip()) for c in row[1:]):
            marks.add(match["mark"])
    return frozenset(marks)


def _read_header(rows: list[list], sub_row: int, year_row: int | None) -> _Header:
    """Every column's period: the year above (merged cells: carried right) with the sub-period below."""
    header = _Header(sub_row, year_row)
    subs = rows[sub_row]
    years = rows[year_row] if year_row is not None else []
    width = max(len(subs), len(years))
    year, year_col = None, None
    for col in range(1, width):
        year_cell = years[col] if col < len(years) else None
        own_year = None
        if year_cell not in ("", None):
            label = read_label(year_cell)
            own_year = label.year if label.year is not None and label.kind is None else None
            year, year_col = own_year, col if own_year else None
            if own_year is None:
                header.unread.append((col, cell_ref(year_row, col), f"year cell {year_cell!r} is not a year"))
                continue
        sub_cell = subs[col] if col < len(subs) else None
        sub = read_label(sub_cell)
        refs = [cell_ref(year_row, year_col)] if year_col is not None else []
        if sub.kind is not None:
            period = sub.period(year)
            if period is None:
                header.unread.append((col, cell_ref(sub_row, col), f"no year above {clean_spaces(str(sub_cell))!r}"))
                continue
            group = year_col if sub.year is None and year_col is not None else col
            header.columns.append(_Column(col, period, " ".join([*refs, cell_ref(sub_row, col)]), group))
        elif sub_cell in ("", None):
            if own_year is not None:  # a year with nothing under it is the year's own figure
                header.columns.append(_Column(col, Period("year", own_year), cell_ref(year_row, col), col))
        else:
            header.unread.append((col, cell_ref(sub_row, col),
                                  f"header {clean_spaces(str(sub_cell))!r} is not a period label"))
    _cumulative_runs(header.columns)
    return header


def _cumulative_runs(columns: list[_Column]) -> None:
    """Within a year that has year-to-date columns, its January, I quarter and I half-year are too."""
    # NOTE: cumulative sheets read "январь, январь-февраль, ..." or "I квартал, I полугодие,
    # январь-сентябрь, январь-декабрь": the first spans of the run are written as a month, a
    # quarter or a half-year, but they are the same year-to-date series (Jan-Mar is I quarter).
    # A year group holding year-to-date columns is such a run; so is a sheet whose only months are
    # Januaries (only I quarters, only I half-years) beside year-to-date columns, as when the newest
    # year has just its January.
    groups = {c.group for c in columns if c.period.kind == "ytd"}
    if not groups:
        return
    firsts = {(c.period.kind, c.period.last_month) for c in columns
              if c.period.kind in ("month", "quarter", "half_year")}
    whole_sheet = firsts <= {("month", 1), ("quarter", 3), ("half_year", 6)}
    for column in columns:
        if column.group not in groups and not whole_sheet:
            continue
        p = column.period
        last = {("month", 1): 1, ("quarter", 1): 3, ("half_year", 1): 6}.get(
            (p.kind, p.month if p.kind == "month" else p.quarter if p.kind == "quarter" else p.half))
        if last is not None:
            column.period = Period("ytd", p.year, month=last)


def _indicator(registry: IndicatorRegistry, indicators: dict[str, dict], title: str, measure: str, kind: str,
               by_kind: Counter, path: Path, sheet: str, title_from: str | None) -> str:
    """The code of the indicator (title, measure, period kind), registering it on first sight."""
    identity = f"{PUBLICATION} | {title} | {measure} | {kind}"
    match = f"monthly:{normalise_name(title)}|{normalise_name(measure)}"
    main_kind = by_kind.most_common(1)[0][0]
    # The unit line may name a breakdown before the unit: "Сельское хозяйство, охота и лесозаготовки; тыс.рублей".
    *groups, unit = [part.strip() for part in measure.split(";")]
    described = describe(title, unit, None, tuple(groups))
    words = KIND_WORDS.get(kind, kind)
    name = f"{title}: {measure}" + (f" ({words})" if words else "")
    if title_from:
        name += f" [заголовок таблицы с листа «{title_from.strip()}»]"
    name_en = described.name_en
    if name_en and _RELATION.match(unit) and described.unit_en:
        name_en = f"{name_en}, {described.unit_en}"  # "В % к ...": the relation is part of what is measured
    if name_en and KIND_WORDS_EN.get(kind):
        name_en = f"{name_en} ({KIND_WORDS_EN[kind]})"
    meta, _ = registry.resolve(match, name, unit, topic_for(title), f"{PUBLICATION}: {path.name}, sheet {sheet}",
                               frequency="month")
    known = registry.lookup(match) is not None
    if known and kind == main_kind:
        code = meta.code
    elif known:
        code = f"{meta.code}_{kind}"
    else:
        code = identity_code(f"m806 {title} {measure} {kind}", identity)
    if code not in indicators:
        row = meta.as_row()
        row.update(code=code, identity=identity, period_kind=kind, frequency="month", additive=described.additive)
        if not known or kind != main_kind:
            row.update(name_ru=name, name_en=name_en, unit_en=described.unit_en,
                       topic=described.topic if described.topic != "other" else row["topic"])
        indicators[code] = row
    return code


def _read_rows(parsed: Parsed, builder: ObservationBuilder, resolver: RegionResolver, file_name: str, sheet: str,
               rows: list[list], header: _Header, codes: dict[str, str], footnotes: frozenset[str],
               seen: dict[tuple[str, str, str], str], percent: bool) -> None:
    columns = header.columns
    # What each figure takes from its column, worked out once per sheet: index, letter, indicator
    # code, period code, and the period fields of the figure's tuple (see ObservationBuilder.add).
    per_column = [(c.index, column_letter(c.index), codes[c.period.kind], c.period.code,
                   (c.period.code, c.period.kind, c.period.year, c.period.stored_month), c.header)
                  for c in columns]
    unread_with_data: dict[int, int] = Counter()
    for r in range(header.sub_row + 1, len(rows)):
        row = rows[r]
        first = row[0] if row else None
        label = clean_spaces(first) if isinstance(first, str) else ("" if first in ("", None) else str(first))
        has_data = any(c not in ("", None) for c in row[1:])
        if not label:
            if has_data:
                parsed.rejections.append(Rejection(file_name, sheet, r + 1, "A",
                                                   "figures in a row with no region name"))
            continue
        if _SEPARATOR.match(label) or (_FOOTNOTE_LINE.match(label) and not has_data):
            break  # the footnotes under the table
        region, why = _region(resolver, label, footnotes)
        if region is None:
            if why and has_data:
                parsed.rejections.append(Rejection(file_name, sheet, r + 1, "A", why, label[:100]))
            continue
        for col, _ref, _why in header.unread:
            if col < len(row) and row[col] not in ("", None):
                unread_with_data[col] += 1
        width = len(row)
        number = str(r + 1)
        for index, letter, code, period_code, period_fields, column_header in per_column:
            cell = row[index] if index < width else None
            if type(cell) is float and cell - cell == 0.0:
                value, status, text = cell, "", None  # a finite number: what parse_value gives it
            else:
                result = parse_value(cell, footnotes)
                if not isinstance(result, CellValue):
                    parsed.rejections.append(Rejection(file_name, sheet, r + 1, letter, result, str(cell)[:100]))
                    continue
                if result.times and not percent:
                    parsed.rejections.append(Rejection(file_name, sheet, r + 1, letter,
                                                       "'в N раз' in a table whose unit is not a percentage",
                                                       str(cell)[:100]))
                    continue
                value, status, text = result.value, result.status, result.text
            ref = letter + number
            key = (code, region, period_code)
            if key in seen:
                parsed.rejections.append(Rejection(
                    file_name, sheet, r + 1, letter,
                    f"second figure for {region} {period_code} (first at {seen[key]})", str(cell)[:100]))
                continue
            seen[key] = f"{sheet}!{ref}"
            builder.add_row((code, region, *period_fields, value, status, text, sheet, ref, column_header),
                            r + 1, index + 1)
    for col, ref, why in header.unread:
        if unread_with_data[col]:
            parsed.rejections.append(Rejection(file_name, sheet, header.sub_row + 1, column_letter(col),
                                               f"{why} (at {ref}); the column's {unread_with_data[col]} "
                                               "figures are not read"))


def _region(resolver: RegionResolver, label: str, footnotes: frozenset[str]) -> tuple[str | None, str | None]:
    """(region code, None), or (None, why the row is refused), or (None, None) for a heading row."""
    found = _classify(resolver, label)
    if found is None:
        bare, marks = _split_marks(label)
        found = _classify(resolver, bare) if marks else None
        if found is not None and found[0] is not None and footnotes and not set(marks) <= footnotes:
            return None, f"region name ends in {','.join(marks)!r}, not a footnote of this sheet"
    if found is None:
        return None, "unknown region name"
    return found


def _classify(resolver: RegionResolver, label: str) -> tuple[str | None, str | None] | None:
    """(code, None) for a region, (None, why) for a row in its own unit, (None, None) for a heading,
    None when the label is unknown."""
    found = resolver.classify(label)
    if found.kind in (REGION, UNALLOCATED):
        return found.code, None
    if found.kind == "own_unit":  # etl.regions.OWN_UNIT: "Российская Федерация, млн. кв. метров"
        unit = getattr(found, "unit", None)
        return None, f"the row states its own unit ({unit!r}), not the sheet's; its figures are not read"
    if found.kind == UNKNOWN:
        bare = _split_marks(label)[0]
        if (own := _OWN_UNIT.match(bare)) and resolver.resolve(own["name"]) is not None:
            return None, f"the row states its own unit ({own['unit']!r}), not the sheet's; its figures are not read"
        return None
    return None, None  # a heading, a breakdown row or a blank stub


def _split_marks(label: str) -> tuple[str, tuple[str, ...]]:
    """A stub label without its footnote marks, and the marks ("Российская Федерация1,2" -> 1, 2)."""
    match = _LABEL_MARK.search(label)
    if not match:
        return label, ()
    text = match["marks"] or match["sup"].translate(_SUPERSCRIPT)
    marks = tuple(m for m in re.split(r"\s*,\s*", text) if m) if match["marks"] else tuple(text)
    return label[:match.start()].rstrip(" ,"), marks


__all__ = ["ADAPTER", "default_edition", "find_header", "looks_monthly", "parse"]

