""""Регионы России" workbooks (any section): every table on every sheet into tidy observations.

Layout family: a title block (publication line, section heading, table number and title, unit in
parentheses), a header row of years (numbers or text such as '2010 год'), optionally a row of
sub-headers below it, then one row per region with federal districts and the country mixed in,
then a separator and footnotes. A sheet may hold several tables one below another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import chain
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd

from etl.errors import InputError, Rejection
from etl.indicators import IndicatorMeta, IndicatorRegistry, topic_for
from etl.regions import RegionResolver
from etl.sources.base import Parsed
from etl.sources.cells import CellValue, cell_ref, column_letter, open_workbook, parse_value, read_sheet
from etl.text import clean_spaces, find_year, normalise_name, strip_footnotes

ADAPTER = "rosstat_workbook"
OBSERVATION_COLUMNS = [
    "indicator_code", "region_code", "period", "year", "month", "value", "status",
    "edition", "source_file", "source_sheet", "source_cell",
]

_PUBLICATION_LINE = re.compile(r"социально-экономические показатели|регионы россии", re.I)
_SECTION_HEADING = re.compile(r"^\d{1,2}\.\s+[А-ЯЁ][А-ЯЁ ,\-–]+$")
_TABLE_NUMBER = re.compile(r"^(\d{1,2}(?:\s*\.\s*\d{1,2})*)\s*\.?\s+")
_END_OF_TABLE = re.compile(r"^(¾|_{2,}|-{3,}|—{2,}|\*|\d{1,2}\)|\d{1,2}\s+\S)")
_UNIT_WORDS = re.compile(
    r"рубл|человек|кое?к|посещен|процент|%|тонн|штук|единиц|тысяч|миллион|миллиард|млн|млрд|"
    r"метр|гектар|мест|квартир|случа|кг|литр|долл|евро|лет\b|год",
    re.I,
)
_RATE_IN_TITLE = re.compile(
    r"\bна\s+(1000|10 ?000|100 ?000|100)\s+(человек населения|жителей|родов|женщин[^,;:()]*)", re.I
)


@dataclass
class TableBlock:
    """One table found on a sheet: where its header is and what its title block says."""

    sheet: str
    header_row: int
    sub_header_row: int | None
    first_data_row: int
    last_row: int  # exclusive
    section: str | None
    number: str | None
    title: str
    bare_title: str
    unit: str | None
    unit_row: int | None
    notes: list[str] = field(default_factory=list)


def default_edition(path: Path) -> str:
    """'RR-2019' from a file name such as regions_of_russia_2019_s09_grp.xlsx."""
    match = re.search(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", path.stem)
    return f"RR-{match.group(1)}" if match else f"RR-unknown:{path.name}"


def _text(cell: object) -> str:
    return _clean_text(cell) if isinstance(cell, str) else ""


# NOTE: the same labels (region names, markers) recur in every table; each is cleaned once.
@lru_cache(maxsize=1 << 16)
def _clean_text(text: str) -> str:
    return clean_spaces(str(text))


class ObservationColumns:
    """Observations gathered a row at a time, made into the observations frame at the end.

    What an observation takes from its column (indicator, period, year, month, column letter) is
    registered once per table as a target; a row adds its target ids, values and statuses, and its
    region, sheet and row number once. The frame is built column-wise with numpy, which is much
    cheaper than one tuple per observation; values and dtypes are the same as pandas infers from such
    tuples.
    """

    def __init__(self, edition: str, source_file: str, monthly: bool = False):
        self.edition, self.source_file, self.monthly = edition, source_file, monthly
        self._codes: list[str] = []
        self._periods: list[str] = []
        self._years: list[int] = []
        self._months: list[int | None] = []
        self._letters: list[str] = []
        # One tuple per row: target ids, values, statuses, region, sheet, row number (text).
        self._rows: list[tuple] = []

    def targets(self, codes: list[str], periods: list[str], years: list[int], months: list[int | None],
                letters: list[str]) -> list[int]:
        """Ids for the value columns of a table: the indicator, period, year, month and letter of each."""
        start = len(self._codes)
        self._codes += codes
        self._periods += periods
        self._years += years
        self._months += months
        self._letters += letters
        return list(range(start, len(self._codes)))

    def add_row(self, targets: Sequence[int], values: Sequence[float | None], statuses: Sequence[str],
                region: str, sheet: str, row_number: str) -> None:
        """The observations of one row: one per target id, with its value and status."""
        if targets:
            self._rows.append((targets, values, statuses, region, sheet, row_number))

    def frame(self) -> pd.DataFrame:
        """The observations frame, columns OBSERVATION_COLUMNS."""
        rows = zip(*self._rows, strict=True) if self._rows else [()] * 6
        targets, values, statuses, regions, sheets, row_numbers = rows
        sizes = list(map(len, targets))
        flat_values = list(chain.from_iterable(values))
        flat_statuses = list(chain.from_iterable(statuses))
        targets = np.array(list(chain.from_iterable(targets)), dtype=np.intp)
        value_array = np.array(flat_values, dtype=np.float64)
        codes = np.array(self._codes, dtype=object)[targets]
        periods = np.array(self._periods, dtype=object)[targets]
        years = np.array(self._years, dtype=np.int64)[targets]
        months = np.array(self._months, dtype=np.int64 if self.monthly else object)[targets]
        regions = np.repeat(np.array(regions, dtype=object), sizes)
        sheets = np.repeat(np.array(sheets, dtype=object), sizes)
        # Cell references: the column letter of each target and the row number of each row.
        cells = np.array(self._letters, dtype=object)[targets] + np.repeat(np.array(row_numbers, dtype=object), sizes)
        if not len(value_array) or np.isnan(value_array).all():
            # No number at all: the dtypes pandas infers from such values (object, not float64).
            size = len(value_array)
            columns = [codes.tolist(), regions.tolist(), periods.tolist(), years.tolist(), months.tolist(),
                       flat_values, flat_statuses, [self.edition] * size, [self.source_file] * size,
                       sheets.tolist(), cells.tolist()]
            return pd.DataFrame(list(zip(*columns, strict=True)), columns=OBSERVATION_COLUMNS)
        # NOTE: the same as pandas infers from one tuple per observation: year (and month in the
        # monthly bulletins) int64, month None (object) otherwise, value float64 with NaN for None,
        # the text columns its default string dtype (edition and source file: one value broadcast).
        return pd.DataFrame({
            "indicator_code": _strings(codes),
            "region_code": _strings(regions),
            "period": _strings(periods),
            "year": years,
            "month": months,
            "value": value_array,
            "status": _strings(np.array(flat_statuses, dtype=object)),
            "edition": self.edition,
            "source_file": self.source_file,
            "source_sheet": _strings(sheets),
            "source_cell": _strings(cells),
        }, copy=False)


@cache
def _string_dtype() -> object | None:
    """The dtype pandas gives a column of str: its string dtype, None when that is object (pandas 2)."""
    dtype = pd.Series(["text"]).dtype
    return None if pd.api.types.is_object_dtype(dtype) else dtype


def _strings(values: np.ndarray) -> object:
    """An object array of str as the column pandas would infer from it."""
    dtype = _string_dtype()
    return values if dtype is None else pd.array(values, dtype=dtype)


_FLOAT_ONLY = frozenset({float})


class ValueColumns:
    """The value columns of one table: their cells in a row, and the observations those make."""

    def __init__(self, observations: ObservationColumns, indexes: list[int], codes: list[str],
                 periods: list[str], years: list[int], months: list[int | None]):
        self.observations = observations
        self.indexes = indexes
        self.letters = [column_letter(i) for i in indexes]
        self.targets = observations.targets(codes, periods, years, months, self.letters)
        self.no_status = [""] * len(indexes)
        # A row as wide as the table gives its value cells in one call (a tuple from 2 columns on).
        self._take = itemgetter(*indexes) if len(indexes) > 1 else None
        self._needs = max(indexes, default=-1) + 1

    def cells(self, row: list) -> Sequence:
        """The row's value cells, None where the row is shorter."""
        if self._take and len(row) >= self._needs:
            return self._take(row)
        return [row[i] if i < len(row) else None for i in self.indexes]

    def add(self, parsed: Parsed, file_name: str, sheet: str, r: int, region: str, cells: Sequence) -> None:
        """The observations of row `r` (0-based) of a region; cells that are not values are rejected."""
        # NOTE: most rows are numbers only (no NaN: it would make the sum NaN); such a row goes in
        # whole, as parse_value would take each of its cells.
        if {*map(type, cells)} == _FLOAT_ONLY and (total := sum(cells)) == total:
            self.observations.add_row(self.targets, cells, self.no_status, region, sheet, str(r + 1))
            return
        kept, values, statuses = [], [], []
        for target, i, cell in zip(self.targets, self.indexes, cells, strict=True):
            if type(cell) is float and cell == cell:
                value, status = cell, ""
            else:
                result = parse_value(cell)
                if not isinstance(result, CellValue):
                    parsed.rejections.append(Rejection(file_name, sheet, r + 1, column_letter(i), result,
                                                       str(cell)[:100]))
                    continue
                value, status = result.value, result.status
            kept.append(target)
            values.append(value)
            statuses.append(status)
        self.observations.add_row(kept, values, statuses, region, sheet, str(r + 1))


def _is_header(row: list) -> bool:
    if not row or isinstance(row[0], (int, float)):
        return False
    # NOTE: every row of every sheet is tested. A number cell is a year when it is a whole number
    # in 1950-2049 (what find_year makes of it); blanks cannot be years; other cells go to find_year.
    years = 0
    for c in row[1:]:
        if type(c) is float:
            if 1950 <= c <= 2049 and c.is_integer():
                years += 1
        elif c != "" and _find_year(c):
            years += 1
        if years == 2:
            return True
    return False


def _find_year(cell: object) -> int | None:
    """find_year, remembered for text cells (the same header texts recur in every table)."""
    return _find_year_in_text(cell) if type(cell) is str else find_year(cell)


_find_year_in_text = lru_cache(maxsize=1 << 16)(find_year)


def _sentence_case(text: str) -> str:
    words = [w.lower() if len(w) > 1 and w.isupper() else w for w in text.split(" ")]
    text = " ".join(words).replace("российской федерации", "Российской Федерации")
    return text[:1].upper() + text[1:]


def _read_title_block(lines: list[tuple[int, str]]) -> dict:
    """Split title-block lines into section heading, table number, title parts and unit."""
    section, number, unit, unit_row = None, None, None, None
    parts: list[str] = []
    qualifiers: list[str] = []
    for row_index, line in lines:
        if _PUBLICATION_LINE.search(line):
            continue
        if _SECTION_HEADING.match(line) and not parts:
            section = line
            continue
        if line.startswith("(") and line.endswith(")"):
            for piece in (p.strip() for p in line[1:-1].split(";")):
                if not piece:
                    continue
                if _UNIT_WORDS.search(piece) and not piece.lower().startswith("на конец"):
                    unit, unit_row = piece, row_index
                else:
                    qualifiers.append(piece)
            continue
        line = strip_footnotes(line)
        numbered = _TABLE_NUMBER.match(line)
        if numbered:
            number = re.sub(r"\s+", "", numbered.group(1))
            line = line[numbered.end():]
        if line:
            parts.append(_sentence_case(line))
    title = ": ".join(parts)
    bare_title = title
    if unit is None:
        rate = _RATE_IN_TITLE.search(title)
        if rate:
            unit = clean_spaces(rate.group(0).lower().replace(" - ", "-"))
    if qualifiers:
        title = f"{title} ({'; '.join(qualifiers)})"
    return {"section": section, "number": number, "title": title, "bare_title": bare_title,
            "unit": unit, "unit_row": unit_row}


def find_tables(sheet: str, rows: list[list]) -> list[TableBlock]:
    """Every table on a sheet, found by its header row of years."""
    header_rows = [i for i, row in enumerate(rows) if row and _is_header(row)]
    blocks: list[TableBlock] = []
    section = None
    block_start = 0
    for n, header in enumerate(header_rows):
        next_header = header_rows[n + 1] if n + 1 < len(header_rows) else len(rows)
        title_lines = [
            (i, _text(c))
            for i in range(block_start, header)
            for c in rows[i][:2]
            if _text(c) and not re.fullmatch(r"[\d.\s]+", _text(c))
        ]
        # NOTE: above a second table sit the previous table's separator and footnotes; they are
        # not part of this table's title.
        ends = [k for k, (_, line) in enumerate(title_lines) if _END_OF_TABLE.match(line)]
        if n and ends:
            title_lines = title_lines[ends[-1] + 1:]
        block = _read_title_block(title_lines)
        section = block["section"] or section
        sub_header = header + 1 if _is_sub_header(rows, header) else None
        first_data = (sub_header or header) + 1
        last = first_data
        while last < next_header:
            label = _text(rows[last][0]) if rows[last] else ""
            if label and _END_OF_TABLE.match(label):
                break
            last += 1
        if n + 1 < len(header_rows):
            # The next table's title block sits between this table's end and its header.
            last = min(last, _title_start(rows, first_data, header_rows[n + 1]))
        blocks.append(
            TableBlock(sheet, header, sub_header, first_data, last, section, block["number"],
                       block["title"] or sheet, block["bare_title"] or sheet, block["unit"],
                       block["unit_row"])
        )
        block_start = last
    return blocks


def _is_sub_header(rows: list[list], header: int) -> bool:
    if header + 1 >= len(rows):
        return False
    row = rows[header + 1]
    if not row or _text(row[0]):
        return False
    cells = [c for c in row[1:] if c not in ("", None)]
    return bool(cells) and all(isinstance(c, str) and not find_year(c) for c in cells)


def _title_start(rows: list[list], first_data: int, next_header: int) -> int:
    """The first row of the title block that precedes the next header row."""
    start = next_header
    while start - 1 >= first_data:
        row = rows[start - 1]
        has_numbers = any(isinstance(c, (int, float)) and not isinstance(c, bool) for c in row[1:])
        if has_numbers:
            break
        start -= 1
    return start


def _column_keys(rows: list[list], block: TableBlock) -> dict[int, tuple[int, str | None]]:
    """Column index -> (year, sub-header) for the block's value columns."""
    header = rows[block.header_row]
    years = {i: find_year(c) for i, c in enumerate(header) if i > 0}
    if block.sub_header_row is None:
        return {i: (y, None) for i, y in years.items() if y}
    # NOTE: with two header rows the year cell is merged across its sub-columns; calamine
    # gives the year in the first and blanks after it, so the year is carried forward.
    keys: dict[int, tuple[int, str | None]] = {}
    current = None
    sub = rows[block.sub_header_row]
    for i in range(1, max(len(header), len(sub))):
        year = years.get(i)
        current = year or (current if header[i] in ("", None) else None) if i < len(header) else current
        label = _text(sub[i]) if i < len(sub) else ""
        if current and label:
            keys[i] = (current, strip_footnotes(label))
    return keys


def parse(
    path: Path,
    edition: str | None = None,
    sheets: list[str] | None = None,
    registry: IndicatorRegistry | None = None,
    resolver: RegionResolver | None = None,
) -> Parsed:
    """Parse a "Регионы России" workbook into indicators and observations frames."""
    registry = registry or IndicatorRegistry.from_reference()
    resolver = resolver or RegionResolver.from_reference()
    edition = edition or default_edition(path)
    workbook = open_workbook(path)
    available = list(workbook.sheet_names)
    if sheets:
        missing = [s for s in sheets if s not in available]
        if missing:
            raise InputError(Rejection(path.name, missing[0], None, None,
                                       f"no such sheet; the workbook has: {', '.join(available)}"))
    parsed = Parsed(adapter=ADAPTER, edition=edition)
    observations = ObservationColumns(edition, path.name)
    indicators: dict[str, dict] = {}
    # Each region label recurs in every table of the workbook; resolve it once.
    resolve_region = cache(resolver.resolve)
    for sheet in sheets or available:
        rows = read_sheet(path, workbook, sheet)
        blocks = find_tables(sheet, rows)
        if not blocks:
            parsed.notes.append(f"sheet {sheet!r}: no table with a row of years; skipped")
            continue
        for block in blocks:
            _parse_block(path, rows, block, registry, resolve_region, parsed, observations, indicators)
    if not indicators and not parsed.rejections:
        raise InputError(Rejection(path.name, None, None, None,
                                   "no table with a header row of years found in any sheet"))
    parsed.tables["indicators"] = pd.DataFrame(list(indicators.values()))
    parsed.tables["observations"] = observations.frame()
    return parsed


def _indicator_for(
    path: Path, block: TableBlock, sub_label: str | None, registry: IndicatorRegistry
) -> tuple[IndicatorMeta, Rejection | None]:
    title = f"{block.title}: {sub_label}" if sub_label else block.title
    bare = f"{block.bare_title}: {sub_label}" if sub_label else block.bare_title
    table_ref = f"{path.name}, sheet {block.sheet}" + (f", table {block.number}" if block.number else "")
    meta, expected_unit = registry.resolve(
        match=f"title:{normalise_name(bare)}",
        name_ru=title,
        unit_ru=block.unit,
        topic=topic_for(block.section),
        source_table=table_ref,
    )
    if expected_unit is None:
        return meta, None
    row = (block.unit_row if block.unit_row is not None else block.header_row) + 1
    return meta, Rejection(path.name, block.sheet, row, "A",
                           f"wrong unit for {meta.code}: expected {expected_unit!r}", block.unit)


def _parse_block(path, rows, block, registry, resolve_region, parsed, observations: ObservationColumns,
                 indicators):
    columns = _column_keys(rows, block)
    header = rows[block.header_row]
    ignored = [cell_ref(block.header_row, i) for i, c in enumerate(header)
               if i > 0 and _text(c) and i not in columns]
    if ignored:
        parsed.notes.append(f"sheet {block.sheet!r}: header cells that are not years ignored: "
                            f"{', '.join(ignored)}")
    metas: dict[str | None, IndicatorMeta] = {}
    for sub_label in {sub for _, sub in columns.values()}:
        meta, wrong_unit = _indicator_for(path, block, sub_label, registry)
        if wrong_unit:
            parsed.rejections.append(wrong_unit)
            return
        metas[sub_label] = meta
        indicators.setdefault(meta.code, meta.as_row())
    # Everything an observation takes from its column, worked out once per table.
    years = [year for year, _ in columns.values()]
    values = ValueColumns(observations, list(columns), [metas[sub_label].code for _, sub_label in columns.values()],
                          [str(year) for year in years], years, [None] * len(years))
    file_name, sheet = path.name, block.sheet
    for r in range(block.first_data_row, block.last_row):
        row = rows[r]
        label = _text(row[0]) if row else ""
        if not label:
            continue
        cells = values.cells(row)
        region = resolve_region(label)
        if region is None:
            if any(c not in ("", None) for c in cells):
                parsed.rejections.append(
                    Rejection(file_name, sheet, r + 1, "A", "unknown region name", label))
            continue
        values.add(parsed, file_name, sheet, r, region, cells)
