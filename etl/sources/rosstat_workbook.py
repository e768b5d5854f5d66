""""Регионы России" workbooks (any section): every table on every sheet into tidy observations.

Layout family: a title block (publication line, section heading, table number and title, unit in
parentheses), a header row of years (numbers or text such as '2010 год'), optionally a row of
sub-headers below it, then one row per region with federal districts and the country mixed in,
then a separator and footnotes. A sheet may hold several tables one below another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

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
    return clean_spaces(str(cell)) if isinstance(cell, str) else ""


def _year_columns(row: list) -> dict[int, int]:
    return {i: year for i, cell in enumerate(row) if i > 0 and (year := find_year(cell))}


def _is_header(row: list) -> bool:
    if not row or isinstance(row[0], (int, float)):
        return False
    # NOTE: every row of every sheet is tested; blanks and numbers outside 1950-2049 (most cells)
    # cannot be years, so they are skipped before the slower year lookup.
    plausible = [c for c in row[1:] if c != "" and (type(c) is not float or 1950 <= c <= 2049)]
    return sum(1 for c in plausible if find_year(c)) >= 2


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
    observations: list[tuple] = []
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
            _parse_block(path, rows, block, edition, registry, resolve_region, parsed, observations,
                         indicators)
    if not indicators and not parsed.rejections:
        raise InputError(Rejection(path.name, None, None, None,
                                   "no table with a header row of years found in any sheet"))
    parsed.tables["indicators"] = pd.DataFrame(list(indicators.values()))
    parsed.tables["observations"] = pd.DataFrame(observations, columns=OBSERVATION_COLUMNS)
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


def _parse_block(path, rows, block, edition, registry, resolve_region, parsed, observations, indicators):
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
    targets = [(i, metas[sub_label].code, str(year), year, column_letter(i))
               for i, (year, sub_label) in columns.items()]
    file_name, sheet = path.name, block.sheet
    for r in range(block.first_data_row, block.last_row):
        row = rows[r]
        label = _text(row[0]) if row else ""
        if not label:
            continue
        width = len(row)
        cells = [row[i] if i < width else None for i, *_ in targets]
        region = resolve_region(label)
        if region is None:
            if any(c not in ("", None) for c in cells):
                parsed.rejections.append(
                    Rejection(file_name, sheet, r + 1, "A", "unknown region name", label))
            continue
        row_number = str(r + 1)
        for (i, code, period, year, letter), cell in zip(targets, cells, strict=True):
            # NOTE: this runs once per observation; a number cell (the common case) is taken as
            # it is, which is what parse_value would make of it, without building a CellValue.
            if type(cell) is float and cell == cell:
                value, status = cell, ""
            else:
                result = parse_value(cell)
                if not isinstance(result, CellValue):
                    parsed.rejections.append(Rejection(file_name, sheet, r + 1, column_letter(i), result,
                                                       str(cell)[:100]))
                    continue
                value, status = result.value, result.status
            observations.append((code, region, period, year, None, value, status, edition, file_name,
                                 sheet, letter + row_number))
