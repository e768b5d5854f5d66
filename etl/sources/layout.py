"""The layout of statistical tables on a sheet: title block, header rows, stub, data rows, footnotes.

Pure functions over the list of rows calamine gives (etl.sources.cells.read_sheet). A Rosstat
regional table reads, top to bottom:

    publication line      "Социально-экономические показатели по субъектам Российской Федерации"
    section heading       "9. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ"
    table number, title   "9.1. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ1)" (a sub-table "5.1.1. Всего" under its parent)
    unit line             "(на конец года; миллионов рублей)"
    header rows           column groups, years ("2017", "20212)"), sub-periods ("I квартал", "на 1 января")
    data rows             a stub label naming a region, then figures or marks ("…", "-", "x")
    separator, footnotes  "¾¾¾", "1) По данным ..."

A sheet may hold several tables one below another. A header row is found by its place (the rows
just above the first region row) and read as labels; it is never found by its numbers, so a data row
holding year-like figures is never taken for a header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from etl.periods import Label, Period, read_label
from etl.sources.cells import CellValue, cell_ref, column_letter, parse_value
from etl.text import clean_spaces

# NOTE: a region name can also be a publication line ("Социально-экономические показатели по
# субъектам Российской Федерации" resolves to the country), so a data row needs figures beside it.
IsRegion = Callable[[str], bool]

_PUBLICATION = re.compile(r"социально-экономические показатели|регионы россии", re.I)
_PUBLICATION_YEAR = re.compile(r"регионы россии\.?\s+социально-экономические показатели\.?\s*((?:19|20)\d\d)\b",
                               re.I)
_SECTION = re.compile(r"^\d{1,2}\.\s+[А-ЯЁA-Z][А-ЯЁA-Z ,\-–«»()]+$")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\s*\.\s*\d{1,2})+)\s*\.?\s*(.*)$", re.S)
_NAVIGATION = re.compile(r"^(к содержанию|содержание:?|вернуться к содержанию)$", re.I)
# The first text of a row that ends a table: a separator or a footnote.
_END_OF_TABLE = re.compile(r"^(¾|_{2,}|-{3,}|—{2,}|\*|\d{1,2}\)|[¹²³⁴⁵⁶⁷⁸⁹]|примечани)", re.I)
_FOOTNOTE = re.compile(r"^(?:(\d{1,2})\)|([¹²³⁴⁵⁶⁷⁸⁹]+)|(\*+))\s*\S")
_UNIT_WORDS = re.compile(
    r"рубл|человек|кое?к|посещен|процент|%|тонн|штук|единиц|тысяч|миллион|миллиард|млн|млрд|"
    r"метр|гектар|\bга\b|мест|квартир|случа|кг|литр|долл|евро|лет\b|\bгод",
    re.I,
)
# Footnote marks glued to title or label text: "КОЕК1)", "1);2)", a year with its mark "20173)".
_YEAR_MARK_TAIL = re.compile(r"((?:19|20)\d\d)\s?(\d{1,2})\)$")
_MARK_TAIL = re.compile(r"\s*(\d{1,2})\)\s*[;,]?$")
_SUPERSCRIPT_TAIL = re.compile(r"([¹²³⁴⁵⁶⁷⁸⁹⁰]+)$")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_RATE_IN_TITLE = re.compile(
    r"\bна\s+(1000|10 ?000|100 ?000|100)\s+(человек населения|жителей|родов|женщин[^,;:()]*)", re.I)
_SCHOOL_YEAR = re.compile(r"^(?:19|20)\d\d\s*/\s*(?:\d\d|(?:19|20)\d\d)\b")
_LONE_MARKS = frozenset({"-", "–", "—", "*"})
# NOTE: Rosstat glues footnote marks inside titles too ("ОРГАНИЗАЦИЙ1) В 2024 ГОДУ"): a single digit
# and a bracket right after a letter or a closing quote is a mark.
_INNER_MARK = re.compile(r"(?<=[^\W\d_]|[»\")])(\d)\)(?=\s)")
# Group labels that only join a group to its parts; they are not part of a column's identity.
_CONNECTIVE = re.compile(r"^(в том числе|в т\. ?ч\.|из них|из него|из нее|включая)\s*:?$", re.I)
# "на 1 января", "на конец года", "оценка на конец года": the figures are for a point in time.
_POINT_QUALIFIER = re.compile(r"^(?:[а-яё]+\s+)?(на\s+(?:\d{1,2}\s+[а-яё]+|конец\s+(?:года|отчетного\s+года)))$", re.I)


@dataclass(frozen=True)
class Column:
    """One value column: its group path (outermost first), period, and the header cells giving them."""

    index: int
    groups: tuple[str, ...]
    period: Period | None
    cells: tuple[str, ...]
    texts: tuple[str, ...]

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class TitleBlock:
    """What a table's title block says."""

    publication: str | None = None
    edition_year: int | None = None
    section: str | None = None
    number: str | None = None
    title: str = ""
    unit: str | None = None
    qualifiers: tuple[str, ...] = ()
    point: Label | None = None  # "на 1 января" / "на конец года" in the unit line
    point_cell: str | None = None  # the cell saying it
    year_cells: dict[int, str] = field(default_factory=dict)  # a year the title names -> the cell naming it
    first_row: int | None = None
    unit_row: int | None = None
    marks: frozenset[str] = frozenset()
    years: tuple[int, ...] = ()  # years the title names ("в 2024 году", "2005-2024 гг.")


@dataclass
class Table:
    """One table found on a sheet."""

    sheet: str
    title: TitleBlock
    header_rows: tuple[int, ...]
    stub: int
    columns: list[Column]
    first_data_row: int
    end_row: int  # exclusive: the row after the last data row
    footnotes: dict[str, str] = field(default_factory=dict)
    # Layout problems, each (reason, where): the table or some of its columns are refused for them.
    problems: list[tuple[str, str | None]] = field(default_factory=list)
    refused: bool = False  # the whole table is refused (no column is read)

    @property
    def marks(self) -> frozenset[str]:
        """Footnote marks the table defines (in its footnotes), for reading value cells."""
        return frozenset(self.footnotes)

    @property
    def first_row(self) -> int:
        if self.title.first_row is not None:
            return self.title.first_row
        # A table without a title or a header row (refused for that) begins at its first data row.
        return self.header_rows[0] if self.header_rows else self.first_data_row


def text_of(cell: object) -> str:
    """The cell's text with white space collapsed; '' for blanks and non-text cells."""
    return _clean(cell) if isinstance(cell, str) else ""


@lru_cache(maxsize=1 << 16)
def _clean(text: str) -> str:
    return clean_spaces(text)


def _blank(cell: object) -> bool:
    if type(cell) is float:  # most cells: never blank
        return False
    return cell is None or cell == "" or (isinstance(cell, str) and not cell.strip())


def _last_filled(rows: list[list]) -> list[int]:
    """Per row, the index of its last cell that is not blank (-1 for a blank row).

    Worked out once per sheet: whether a row holds anything right of a column is asked of every
    row several times while the tables are found.
    """
    out = []
    for row in rows:
        width = len(row)
        if not width or row[-1] != "":
            c = width - 1
        else:
            # NOTE: calamine pads every row with "" to the sheet's width; the run of trailing "" is
            # measured with list.count (in C), by bisection: "the last k cells are all ''" holds for
            # every k up to the run's length and for none beyond.
            low, high = 1, width  # the last `low` cells are "", and the run is at most `high` long
            while low < high:
                k = (low + high + 1) // 2
                if row[width - k:].count("") == k:
                    low = k
                else:
                    high = k - 1
            c = width - 1 - low
        while c >= 0 and _blank(row[c]):
            c -= 1
        out.append(c)
    return out


def _texts(row: list) -> list[str]:
    """The non-blank text cells of a row, left to right, without immediate repeats or lone dashes."""
    out: list[str] = []
    for cell in row:
        if isinstance(cell, str):
            text = _clean(cell)
            if text and text not in _LONE_MARKS and (not out or out[-1] != text):
                out.append(text)
        elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
            out.append(str(int(cell)) if float(cell).is_integer() else str(cell))
    return out


def strip_marks(text: str, footnotes: frozenset[str] = frozenset()) -> tuple[str, frozenset[str]]:
    """A label without the footnote marks glued to its end, and those marks ("КОЕК1);2)" -> "КОЕК", {1, 2}).

    A two-digit run glued to a word ("ОКВЭД21)") is a one-digit mark after a digit of the word when
    the table's `footnotes` define that mark and not the two-digit one.
    """
    marks: set[str] = set()
    text = text.strip()
    while True:
        if m := _YEAR_MARK_TAIL.search(text):
            # NOTE: "выплату 20173)" is the year 2017 with mark 3, never 201 with mark 73.
            marks.add(m[2])
            text = text[:m.start()] + m[1]
            continue
        if m := _MARK_TAIL.search(text):
            mark = m[1]
            if (len(mark) == 2 and mark not in footnotes and mark[1] in footnotes
                    and not m[0][0].isspace() and text[:m.start()][-1:].isalpha()):
                # NOTE: "ОКВЭД21)" is "ОКВЭД2" with note 1, as parse_value reads "1202)" by the notes.
                marks.add(mark[1])
                text = text[:m.start()] + mark[0]
                continue
            marks.add(mark)
            text = text[:m.start()].rstrip()
            continue
        if m := _SUPERSCRIPT_TAIL.search(text):
            marks.update(m[1].translate(_SUPERSCRIPTS))
            text = text[:m.start()].rstrip()
            continue
        return text.rstrip(" ;,"), frozenset(marks)


def _sentence_case(text: str) -> str:
    """'ЧИСЛО КОЕК В РЕГИОНАХ' -> 'Число коек в регионах' (titles set in capitals read as sentences)."""
    words = text.split(" ")
    capitals = sum(1 for w in words if len(w) > 1 and w.isupper())
    if capitals >= 2 or (capitals == 1 and len(words) == 1):
        words = [w.lower() if w.isupper() else w for w in words]
    text = " ".join(words).replace("российской федерации", "Российской Федерации")
    return text[:1].upper() + text[1:]


# --- the sheet ----------------------------------------------------------------------------------


def find_stub(rows: list[list], is_region: IsRegion, max_column: int = 4,
              filled: list[int] | None = None) -> int | None:
    """The stub column: where region names stand beside figures most often (None: no region row).

    `filled` is _last_filled(rows), when the caller has it."""
    filled = _last_filled(rows) if filled is None else filled
    counts: dict[int, int] = {}
    for row, last in zip(rows, filled, strict=True):
        for c in range(min(max_column, len(row), last)):
            cell = row[c]
            if isinstance(cell, str) and cell.strip() and is_region(cell):
                counts[c] = counts.get(c, 0) + 1
                break
    if not counts:
        return None
    return max(counts, key=lambda c: (counts[c], -c))


def _has_figures(row: list, stub: int, last: int | None = None) -> bool:
    """True when a cell right of the stub is a figure or a mark ("…", "-"), not a text label
    (`last`: the row's last cell that is not blank, when known)."""
    for cell in row[stub + 1:None if last is None else last + 1]:
        if type(cell) is float or (isinstance(cell, int) and not isinstance(cell, bool)):
            return True
        if isinstance(cell, str) and cell.strip() and len(cell) <= 40 and isinstance(parse_value(cell), CellValue):
            return True
    return False


def _is_header_like(row: list, stub: int) -> bool:
    """True when every filled cell right of the stub is a label: a year, a period or text, never a figure."""
    filled = [c for c in row[stub + 1:] if not _blank(c)]
    for cell in filled:
        if isinstance(cell, (int, float)) and not isinstance(cell, bool):
            if read_label(cell).year is None:
                return False
        elif isinstance(cell, str) and not read_label(cell).is_period and isinstance(parse_value(cell), CellValue):
            return False
    return bool(filled)


def find_tables(sheet: str, rows: list[list], is_region: IsRegion) -> list[Table]:
    """Every table on a sheet whose rows name regions, in order from the top."""
    filled = _last_filled(rows)
    stub = find_stub(rows, is_region, filled=filled)
    if stub is None:
        return []
    zones = _data_zones(rows, stub, is_region, filled)
    tables: list[Table] = []
    previous_end = 0
    for n, (start, end) in enumerate(zones):
        header_rows = _header_rows(rows, stub, start, previous_end)
        title_start = previous_end
        if n:
            title_start = _footnotes_end(rows, previous_end, header_rows[0] if header_rows else start)
        top = header_rows[0] if header_rows else start
        next_start = zones[n + 1][0] if n + 1 < len(zones) else len(rows)
        footnotes = _read_footnotes(rows, end, next_start)
        title = read_title_block(rows, title_start, top, frozenset(footnotes))
        table = Table(sheet, title, tuple(header_rows), stub, [], start, end)
        table.footnotes = footnotes
        if tables:
            # The footnotes between two tables belong to the first; the title block to the second.
            tables[-1].footnotes = _read_footnotes(rows, tables[-1].end_row, title_start)
        _read_columns(rows, table)
        tables.append(table)
        previous_end = end
    return tables


def _data_zones(rows: list[list], stub: int, is_region: IsRegion, filled: list[int]) -> list[tuple[int, int]]:
    """(first, end) row ranges of data: from a region row with figures to the last row with figures."""
    zones: list[tuple[int, int]] = []
    r, n = 0, len(rows)
    while r < n:
        row = rows[r]
        # NOTE: the cheap tests first: most rows have nothing right of the stub, or no label.
        if filled[r] <= stub or type(row[stub]) is not str:
            r += 1
            continue
        label = text_of(row[stub])
        if not (label and not _END_OF_TABLE.match(label) and is_region(row[stub])
                and _has_figures(row, stub, filled[r])):
            r += 1
            continue
        start = _zone_start(rows, stub, r, zones[-1][1] if zones else 0, is_region, filled)
        last = r
        r += 1
        while r < n:
            row = rows[r]
            label = text_of(row[stub]) if stub < len(row) else ""
            if label:
                if _END_OF_TABLE.match(label) or _is_title_line(label):
                    break
                if filled[r] > stub:
                    last = r
            elif filled[r] >= 0:
                break  # a row with cells but no stub label: a header, a title or a note
            r += 1
        zones.append((start, last + 1))
        r = last + 1
    return zones


def _zone_start(rows: list[list], stub: int, first_region: int, floor: int, is_region: IsRegion,
                filled: list[int]) -> int:
    """The first data row of a zone: labelled rows with figures just above its first region row belong to it.

    NOTE: a total row in its own unit ("Российская Федерация, млрд руб.") or a district heading
    without figures can stand between the header and the first row that names a region.
    """
    r = first_region - 1
    while r >= floor:
        row = rows[r]
        label = text_of(row[stub]) if stub < len(row) else ""
        if not label or _END_OF_TABLE.match(label) or _is_title_line(label) or _is_numbering_row(row, stub):
            break
        if filled[r] > stub:
            if _is_header_like(row, stub) or not _has_figures(row, stub, filled[r]):
                break
        elif not is_region(row[stub]):
            break
        r -= 1
    start = r + 1
    # A row just below the stop that is not a header nor data (a title line in the stub) is not data.
    while start < first_region and not filled[start] > stub and not (
            stub < len(rows[start]) and is_region(rows[start][stub])):
        start += 1
    return start


def _is_title_line(label: str) -> bool:
    """A stub text that starts a new table's title block rather than naming a data row."""
    return bool(_NUMBERED.match(label) and re.match(r"^\d{1,2}\.\d", label)) or (
        label.startswith("(") and label.endswith(")"))


def _header_rows(rows: list[list], stub: int, start: int, floor: int) -> list[int]:
    """The header rows just above a data zone: label rows contiguous with it, top to bottom."""
    found: list[int] = []
    r = start - 1
    while r >= floor:
        row = rows[r]
        right = [c for c in row[stub + 1:] if not _blank(c)]
        if not right:
            break
        label = text_of(row[stub]) if stub < len(row) else ""
        if label and (_END_OF_TABLE.match(label) or _is_title_line(label) or _PUBLICATION.search(label)
                      or _SECTION.match(label)):
            break  # a title line with a stray cell beside it is never a header
        if len(right) == 1 and isinstance(right[0], str) and _clean(right[0]).startswith("(") and not label:
            break  # a unit line set right: title block
        if any(isinstance(c, float) and not c.is_integer() for c in right):
            break  # a fraction is a figure, never a label
        found.append(r)
        r -= 1
    found.reverse()
    return [r for r in found if not _is_numbering_row(rows[r], stub)]


def _is_numbering_row(row: list, stub: int) -> bool:
    """A row numbering the columns 1, 2, 3, ... (form tables), which labels nothing."""
    numbers = [c for c in row[stub + 1:] if not _blank(c)]
    if len(numbers) < 2 or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in numbers):
        return False
    return [float(c) for c in numbers] == [float(i) for i in range(1, len(numbers) + 1)]


def _footnotes_end(rows: list[list], start: int, stop: int) -> int:
    """The first row after the footnotes that follow a table's data (its separator, footnotes, blanks)."""
    r = last = start
    while r < stop:
        texts = _texts(rows[r])
        if texts:
            if not _END_OF_TABLE.match(texts[0]):
                break
            last = r + 1
        r += 1
    return last


def _read_footnotes(rows: list[list], start: int, stop: int) -> dict[str, str]:
    """Footnote mark -> text, from the rows below a table's data up to `stop`."""
    notes: dict[str, str] = {}
    for r in range(start, min(stop, len(rows))):
        texts = _texts(rows[r])
        if not texts:
            continue
        if not _FOOTNOTE.match(texts[0]):
            if not _END_OF_TABLE.match(texts[0]) and _is_title_line(texts[0]):
                break
            continue
        # NOTE: one cell may hold several footnotes, one a line ("1) ...\n2) ...").
        raw = next(c for c in rows[r] if isinstance(c, str) and c.strip())
        for line in raw.splitlines() or [raw]:
            line = clean_spaces(line)
            if m := _FOOTNOTE.match(line):
                mark = m[1] or (m[2].translate(_SUPERSCRIPTS) if m[2] else m[3])
                notes.setdefault(mark, line)
    return notes


# --- the title block ------------------------------------------------------------------------------


def read_title_block(rows: list[list], start: int, stop: int, footnotes: frozenset[str] = frozenset()) -> TitleBlock:
    """The publication, section, table number, title, unit and qualifiers in rows [start, stop).

    `footnotes` are the marks the table's footnotes define: they settle how a mark glued to a digit
    reads ("ОКВЭД21)" is "ОКВЭД2" with note 1 when the table has note 1 and no note 21).
    """
    block = TitleBlock()
    lines: list[tuple[int, str]] = []
    for r in range(start, stop):
        texts = [t for t in _texts(rows[r]) if not _NAVIGATION.match(t)]
        if texts:
            lines.append((r, " ".join(texts)))
    if not lines:
        return block
    block.first_row = lines[0][0]
    numbered_at = None
    parts: list[tuple[int, str]] = []
    marks: set[str] = set()
    for r, line in lines:
        if _PUBLICATION.search(line) and not _NUMBERED.match(line):
            block.publication = line
            if m := _PUBLICATION_YEAR.search(line):
                block.edition_year = int(m[1])
            continue
        if _SECTION.match(line) and numbered_at is None:
            block.section = line
            continue
        if line.startswith("(") and line.endswith(")"):
            _read_unit_line(block, line[1:-1], r)
            if block.point is not None and block.point_cell is None:
                block.point_cell = _cell_with(rows[r], r, "на")
            continue
        numbered = _NUMBERED.match(line)
        if numbered and re.match(r"^\d{1,2}\s*\.\s*\d", line):
            block.number = re.sub(r"\s+", "", numbered[1]).rstrip(".")
            numbered_at = len(parts)
            line = numbered[2]
        if block.unit is None and numbered_at is not None and len(parts) > numbered_at and _is_unit(line):
            block.unit, block.unit_row = line, r
            continue
        marks.update(_INNER_MARK.findall(line))
        bare, found = strip_marks(_INNER_MARK.sub("", line), footnotes)
        marks |= found
        if bare:
            parts.append((r, bare))
    if numbered_at is not None:
        depth = block.number.count(".") + 1 if block.number else 0
        # NOTE: a sub-table ("5.1.1. Всего") is titled under its parent, the line just above it;
        # headings above a whole table (subsections such as "ЗАНЯТОСТЬ И БЕЗРАБОТИЦА") are not.
        keep = parts[numbered_at - 1:] if depth >= 3 and numbered_at > 0 else parts[numbered_at:]
    else:
        keep = parts
    block.title = ": ".join(_sentence_case(text) for _, text in keep if text)
    if block.unit is None and (rate := _RATE_IN_TITLE.search(block.title)):
        # NOTE: a rate's unit is often only in its title ("... на 1000 человек населения").
        block.unit = clean_spaces(rate.group(0).lower().replace(" - ", "-"))
    block.marks = frozenset(marks)
    block.years = tuple(int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", block.title))
    for year in set(block.years):
        block.year_cells[year] = next((ref for r, _ in keep if (ref := _cell_with(rows[r], r, str(year)))), None)
    return block


def _cell_with(row: list, r: int, needle: str) -> str | None:
    """The reference of the first text cell of row r that holds `needle` (a merged range's top-left cell)."""
    for c, cell in enumerate(row):
        if isinstance(cell, str) and needle in _clean(cell):
            return cell_ref(r, c)
    return None


def _is_unit(line: str) -> bool:
    return len(line) <= 40 and bool(_UNIT_WORDS.search(line)) and not _NUMBERED.match(line)


def _read_unit_line(block: TitleBlock, inner: str, row: int) -> None:
    qualifiers = list(block.qualifiers)
    for piece in (clean_spaces(p) for p in re.split(r"[;]", inner)):
        if not piece:
            continue
        if point := _POINT_QUALIFIER.match(piece):
            label = read_label(point[1])
            if label.kind == "point":
                block.point = label
            qualifiers.append(piece)
        elif block.unit is None and _UNIT_WORDS.search(piece):
            block.unit, block.unit_row = piece, row
        else:
            qualifiers.append(piece)
    block.qualifiers = tuple(qualifiers)


# --- the header ---------------------------------------------------------------------------------


def _read_columns(rows: list[list], table: Table) -> None:
    """Every value column's header path; columns without a period, or duplicated, become problems."""
    stub, header_rows = table.stub, table.header_rows
    if not header_rows:
        table.problems.append(("no header row above the data", None))
        table.refused = True
        return
    width = max(len(rows[r]) for r in (*header_rows, *range(table.first_data_row, table.end_row)))
    used = _columns_with_data(rows, stub, table.first_data_row, table.end_row, width)
    grid = [_carried(rows, header_rows, i, stub, width) for i in range(len(header_rows))]
    columns: list[Column] = []
    no_period: list[Column] = []
    unread: list[str] = []
    for c in range(stub + 1, width):
        cells = [(header_rows[i], grid[i][c]) for i in range(len(header_rows)) if grid[i][c] is not None]
        if c not in used:
            continue
        if not cells:
            unread.append(column_letter(c))
            continue
        column, problem = _column(c, cells, table.title.point, table.title.point_cell)
        if problem:
            table.problems.append((problem, column_letter(c)))
        elif column.period is None:
            no_period.append(column)
        else:
            columns.append(column)
    if unread:
        table.problems.append((f"column(s) {_letters(unread)} hold figures but have no header", _letters(unread)))
    if no_period:
        # The title may name the one year every column is for ("Использование ... в 2024 году").
        if not columns and len(set(table.title.years)) == 1 and _single_year_title(table.title.title):
            year = table.title.years[0]
            # The cells that say the period, outermost first: the title's year, the unit line's point.
            said = tuple(ref for ref in (table.title.year_cells.get(year),
                                         table.title.point_cell if table.title.point else None) if ref)
            columns = [Column(col.index, col.groups, _point_or_year(year, table.title.point), said + col.cells,
                              col.texts) for col in no_period]
            no_period = []
        elif not columns:
            labels = "; ".join(repr(" / ".join(col.texts)) for col in no_period[:3])
            if all(_SCHOOL_YEAR.match(text) for col in no_period for text in col.texts[-1:]):
                # NOTE: "2000/2001" is a school year, counted at a date the table does not state.
                reason = f"no period in the header: the columns are school years ({labels}, ...), not a period kind"
            else:
                reason = f"no period in the header: the columns are labelled {labels}"
            table.problems.append((reason, None))
            table.refused = True
            return
        else:
            letters = _letters([col.letter for col in no_period])
            labels = "; ".join(repr(" / ".join(col.texts)) for col in no_period[:3])
            table.problems.append((f"column(s) {letters} have no period in their header ({labels})", letters))
    seen: dict[tuple, Column] = {}
    kept: list[Column] = []
    for column in columns:
        key = (column.groups, column.period)
        if key in seen:
            table.problems.append((f"columns {seen[key].letter} and {column.letter} have the same header "
                                   f"{' / '.join(column.texts)!r}", column.letter))
            continue
        seen[key] = column
        kept.append(column)
    table.columns = kept


def _single_year_title(title: str) -> bool:
    return bool(re.search(r"\b(?:в|за)\s+(?:19|20)\d\d\s*(?:году|год|г\.)", title, re.I))


def _point_or_year(year: int, point: Label | None) -> Period:
    return point.period(year) if point is not None else Period("year", year)


def _letters(letters: list[str]) -> str:
    shown = ", ".join(letters[:8])
    return shown + (f" and {len(letters) - 8} more" if len(letters) > 8 else "")


def _columns_with_data(rows: list[list], stub: int, start: int, end: int, width: int) -> set[int]:
    used: set[int] = set()
    # Column by column, up to its first cell that is not blank (most columns: the first data row).
    for c in range(stub + 1, width):
        for r in range(start, end):
            row = rows[r]
            if c < len(row) and not _blank(row[c]):
                used.add(c)
                break
    return used


def _carried(rows: list[list], header_rows: tuple[int, ...], i: int, stub: int, width: int) -> list:
    """Header row i as (cell ref, value) per column, a merged label carried over its span.

    NOTE: calamine gives a merged cell's value in its first cell and blanks after it. A blank
    takes the label on its left when some header row below it has a label in that column (it is
    a sub-column of the span), and only up to where a row above starts a new span.
    """
    r = header_rows[i]
    row = rows[r]
    above = [rows[u] for u in header_rows[:i]]
    below = [rows[b] for b in header_rows[i + 1:]]
    out: list = [None] * width
    anchor: tuple[str, object] | None = None
    for c in range(stub + 1, width):
        cell = row[c] if c < len(row) else None
        if any(c < len(u) and not _blank(u[c]) for u in above):
            anchor = None  # a new span starts above: nothing carries into it
        if not _blank(cell):
            anchor = (cell_ref(r, c), cell)
            out[c] = anchor
        elif anchor is not None and any(c < len(b) and not _blank(b[c]) for b in below):
            out[c] = anchor
    return out


def _column(index: int, cells: list[tuple[int, tuple[str, object]]], point: Label | None,
            point_cell: str | None = None) -> tuple[Column, str | None]:
    """A column's group path and period from its header cells (outermost first)."""
    refs = [ref for _, (ref, _) in cells]
    # NOTE: the same header labels recur in every table of a workbook (a run of years, the same
    # groups): what they mean is worked out once per run of labels; a label that is a problem is
    # read anew, so that its message names its own cell. Types are part of the key: True == 1 == 1.0.
    meaning = _meaning(tuple((type(value), value) for _, (_, value) in cells), point)
    if meaning is None:
        return _column_read(index, cells, point, point_cell)
    groups, texts, period, said_by_point = meaning
    if said_by_point and point_cell:
        refs.insert(0, point_cell)  # the unit line above the header says the point
    return Column(index, groups, period, tuple(refs), texts), None


@lru_cache(maxsize=1 << 14)
def _meaning(labels: tuple[tuple[type, object], ...], point: Label | None
             ) -> tuple[tuple[str, ...], tuple[str, ...], Period | None, bool] | None:
    """(groups, texts, period, whether the unit line's point says the period) of a run of header
    labels; None when a label or the run is a problem (_column_read words it)."""
    cells = [(0, ("", value)) for _, value in labels]
    column, problem = _column_read(0, cells, point, "point")
    if problem:
        return None
    return column.groups, column.texts, column.period, column.cells[:1] == ("point",)


def _column_read(index: int, cells: list[tuple[int, tuple[str, object]]], point: Label | None,
                 point_cell: str | None = None) -> tuple[Column, str | None]:
    """A column's group path and period from its header cells (outermost first)."""
    groups: list[str] = []
    refs: list[str] = []
    texts: list[str] = []
    years: set[int] = set()
    subs: list[Label] = []
    problem = None
    for _, (ref, value) in cells:
        refs.append(ref)
        if isinstance(value, bool):
            problem = f"header cell {ref} is not a label ({value!r})"
            continue
        if isinstance(value, (int, float)):
            label = read_label(value)
            texts.append(str(int(value)) if float(value).is_integer() else str(value))
            if label.year is None:
                problem = f"header cell {ref} holds the number {value!r}, which is not a year"
            else:
                years.add(label.year)
            continue
        text = _clean(str(value))
        texts.append(text)
        label = read_label(text)
        if label.is_period:
            if label.year is not None:
                years.add(label.year)
            if label.kind is not None:
                subs.append(label)
            continue
        bare, _ = strip_marks(text)
        if bare and not _CONNECTIVE.match(bare):
            groups.append(bare)
    column = Column(index, tuple(groups), None, tuple(refs), tuple(texts))
    if problem:
        return column, problem
    if len(years) > 1:
        shown = ", ".join(map(str, sorted(years)))
        return column, f"column {column.letter} has more than one year in its header ({shown})"
    if subs:
        inner = subs[-1]
        for outer in subs[:-1]:
            if not _contains(outer, inner):
                return column, f"column {column.letter} has two sub-periods in its header: {' / '.join(texts)}"
        year = years.pop() if years else None
        period = inner.period(year)
    elif years:
        period = _point_or_year(years.pop(), point)
        if point is not None and point_cell:
            refs.insert(0, point_cell)  # the unit line above the header says the point
    else:
        period = None
    return Column(index, tuple(groups), period, tuple(refs), tuple(texts)), None


def _contains(outer: Label, inner: Label) -> bool:
    """True when the outer sub-period covers the inner one (a quarter over its months)."""
    probe_outer, probe_inner = outer.period(2000), inner.period(2000)
    if probe_outer is None or probe_inner is None or probe_inner.last_month is None:
        return False
    last = probe_outer.last_month or 12
    span = {"quarter": 3, "half_year": 6}.get(probe_outer.kind)
    return span is not None and last - span < probe_inner.last_month <= last


__all__ = ["Column", "Table", "TitleBlock", "find_stub", "find_tables", "read_title_block", "strip_marks",
           "text_of"]
