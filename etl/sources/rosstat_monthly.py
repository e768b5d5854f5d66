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

import numpy as np
import pandas as pd

from etl.errors import InputError, Rejection
from etl.indicator_meta import describe
from etl.indicators import IndicatorRegistry, identity_code, topic_for
from etl.periods import Period, read_label
from etl.regions import REGION, UNALLOCATED, UNKNOWN, RegionResolver
from etl.sources.base import Parsed
from etl.sources.cells import cell_ref, column_letter, open_workbook, read_sheet
from etl.sources.observations import Coded, ObservationBuilder, figures_block, picker, taken
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
    seen = _FirstSeen(path.name)
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
               seen: _FirstSeen, percent: bool) -> None:
    """The sheet's region rows under its header, read a block of columns at once (figures_block)."""
    # What each figure takes from its column, worked out once per sheet: index, indicator code, period,
    # letter and header cells.
    targets = [(c.index, codes[c.period.kind], c.period, column_letter(c.index), c.header) for c in header.columns]
    pick = picker([c.index for c in header.columns])
    unread_with_data: dict[int, int] = Counter()
    # (0-based row, target position or -1 for the row, reason, column letter, found), in reading order once sorted.
    problems: list[tuple[int, int, str, str, str | None]] = []
    kept: list[int] = []
    regions: list[str] = []
    blocks: list[tuple] = []
    for r in range(header.sub_row + 1, len(rows)):
        row = rows[r]
        first = row[0] if row else None
        label = clean_spaces(first) if isinstance(first, str) else ("" if first in ("", None) else str(first))
        has_data = any(c not in ("", None) for c in row[1:])
        if not label:
            if has_data:
                problems.append((r, -1, "figures in a row with no region name", "A", None))
            continue
        if _SEPARATOR.match(label) or (_FOOTNOTE_LINE.match(label) and not has_data):
            break  # the footnotes under the table
        region, why = _region(resolver, label, footnotes)
        if region is None:
            if why and has_data:
                problems.append((r, -1, why, "A", label[:100]))
            continue
        for col, _ref, _why in header.unread:
            if col < len(row) and row[col] not in ("", None):
                unread_with_data[col] += 1
        kept.append(r)
        regions.append(region)
        blocks.append(pick(row))
    if kept:
        block = figures_block(problems, targets, kept, regions, [0] * len(kept), [[t[1] for t in targets]],
                              [percent], blocks, sheet, footnotes,
                              "'в N раз' in a table whose unit is not a percentage")
        order = {index + 1: j for j, (index, *_) in enumerate(targets)}
        builder.add_block(seen.first_only(block, rows, problems, order))
    for row_index, _, reason, letter, found in sorted(problems, key=lambda p: (p[0], p[1])):
        parsed.rejections.append(Rejection(file_name, sheet, row_index + 1, letter, reason, found))
    for col, ref, why in header.unread:
        if unread_with_data[col]:
            parsed.rejections.append(Rejection(file_name, sheet, header.sub_row + 1, column_letter(col),
                                               f"{why} (at {ref}); the column's {unread_with_data[col]} "
                                               "figures are not read"))


class _FirstSeen:
    """Where each (indicator, region, period) of a workbook was first read: a second figure is refused."""

    # Each figure's key is one integer: indicator * _SPAN² + region * _SPAN + period, by their ids in the workbook.
    _SPAN = 1 << 20

    def __init__(self, file_name: str) -> None:
        self._file_name = file_name
        self._ids: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
        self._keys = np.empty(0, dtype=np.int64)  # sorted
        self._read: list[tuple[np.ndarray, str, np.ndarray]] = []  # (keys, sheet, cells) of each block kept

    def first_only(self, block: dict[str, object], rows: list[list], problems: list[tuple],
                   order: dict[int, int]) -> dict[str, object]:
        """The block without the figures whose key was read before (in an earlier block or earlier in this
        one, in reading order); each of those goes to `problems` (as figures_block puts them: `order` is the
        target position of each 1-based column), naming where the first was read."""
        keys = self._key(block)
        # NOTE: by sorting, not np.unique (a hash table per block, several times slower here): a stable sort
        # leaves equal keys in reading order, and every one after the first is read again.
        by_key = np.argsort(keys, kind="stable")
        ordered = keys[by_key]
        again = np.zeros(len(keys), dtype=bool)
        again[by_key[1:][ordered[1:] == ordered[:-1]]] = True
        if len(self._keys):
            at = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
            again |= self._keys[at] == keys
        sheet = block["source_sheet"].texts[0]  # type: ignore[union-attr]
        cells = block["source_cell"]
        if again.any():
            places = [*self._read, (keys, sheet, cells)]
            region_codes, period_codes = block["region_code"], block["period"]
            for i in np.flatnonzero(again).tolist():
                row, column = int(block["_row"][i]), int(block["_column"][i])  # type: ignore[index]
                where = next(f"{s}!{c[n]}" for k, s, c in places for n in np.flatnonzero(k == keys[i])[:1].tolist()
                             if s != sheet or n != i)
                region = region_codes.texts[region_codes.codes[i]]  # type: ignore[union-attr]
                period = period_codes.texts[period_codes.codes[i]]  # type: ignore[union-attr]
                row_cells = rows[row - 1]
                cell = row_cells[column - 1] if column <= len(row_cells) else None
                problems.append((row - 1, order[column], f"second figure for {region} {period} (first at {where})",
                                 cells[i].rstrip("0123456789"), str(cell)[:100]))
            keep = ~again
            block, keys, cells = taken(block, keep), keys[keep], cells[keep]
        self._read.append((keys, sheet, cells))
        self._keys = np.sort(np.concatenate((self._keys, keys)))
        return block

    def _key(self, block: dict[str, object]) -> np.ndarray:
        parts = []
        for ids, name in zip(self._ids, ("indicator_code", "region_code", "period"), strict=True):
            column: Coded = block[name]  # type: ignore[assignment]
            known = np.array([ids.setdefault(text, len(ids)) for text in column.texts], dtype=np.int64)
            if len(ids) >= self._SPAN:
                raise InputError(Rejection(self._file_name, block["source_sheet"].texts[0],  # type: ignore[union-attr]
                                           None, None, f"more than {self._SPAN:,} distinct {name} values in one "
                                           "workbook"))
            parts.append(known[column.codes])
        return (parts[0] * self._SPAN + parts[1]) * self._SPAN + parts[2]


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

