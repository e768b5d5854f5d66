"""Reading spreadsheet cells: workbook opening, A1 references, and value cells with status flags."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from python_calamine import CalamineWorkbook

from etl.errors import InputError, Rejection
from etl.sources import guard
from etl.text import clean_spaces

# Status flags for cells that are not numbers but say something about the figure.
NOT_AVAILABLE = "not_available"  # "…": no data
NOT_APPLICABLE = "not_applicable"  # "-": phenomenon absent
CONFIDENTIAL = "confidential"  # "x": not published for confidentiality
BLANK = "blank"  # an empty cell inside a data row

# NOTE: Rosstat types the "-" of "явление отсутствует" as any of hyphen-minus, U+2010 hyphen, U+2011
# non-breaking hyphen, U+2012 figure dash, en and em dashes and U+2212 minus; "…" also as "...", ".."
# and "…." (with a stray full stop).
_MARKERS = {
    "…": NOT_AVAILABLE, "...": NOT_AVAILABLE, "..": NOT_AVAILABLE, "….": NOT_AVAILABLE, "....": NOT_AVAILABLE,
    "……": NOT_AVAILABLE,
    "-": NOT_APPLICABLE, "‐": NOT_APPLICABLE, "‑": NOT_APPLICABLE, "‒": NOT_APPLICABLE, "–": NOT_APPLICABLE,
    "—": NOT_APPLICABLE, "−": NOT_APPLICABLE, "--": NOT_APPLICABLE,
    "x": CONFIDENTIAL, "х": CONFIDENTIAL, "X": CONFIDENTIAL, "Х": CONFIDENTIAL,
    "": BLANK,
}


class CellValue(NamedTuple):
    """A value cell read: the number (None for a status flag), its status, and what the cell said.

    `text` is the cell's own text whenever the cell was text rather than a plain number ("1202)",
    "…4)", "в 2,9 р.", "123,4"), None for number cells and blanks. `notes` are the footnote marks
    read off the cell ("2" for "1202)"). `times` is True when the cell said "в N раз(а)" / "в N р.":
    `value` is then N × 100, the figure as a percentage of the base; the caller must check that the
    column's unit is a percentage and refuse the cell otherwise.

    A named tuple: most cells are numbers, and a tuple is built three times faster than a frozen
    dataclass.
    """

    value: float | None
    status: str
    text: str | None = None
    notes: tuple[str, ...] = ()
    times: bool = False


@cache
def column_letter(index: int) -> str:
    """0 -> 'A', 27 -> 'AB'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row_index: int, column_index: int) -> str:
    """A1-style reference for 0-based row/column indices."""
    return f"{column_letter(column_index)}{row_index + 1}"


def _reraise_interrupts(exc: BaseException) -> None:
    # NOTE: a Rust panic inside calamine reaches Python as pyo3's PanicException, a BaseException, so
    # calamine calls catch BaseException; an interrupt still stops the program.
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def open_workbook(path: Path) -> CalamineWorkbook:
    """Open .xlsx/.xlsm/.xls with calamine, after the input limits (etl.sources.guard) passed.

    Any failure is an InputError naming the file (and the sheet and cell when a limit is passed).
    The workbook of one file version is opened once (detection, the adapter and the misread-cell
    checks of one load share it, and the sheets read from it).
    """
    path = Path(path)
    version = guard.file_version(path)
    guard.inspect(path, version)  # NOTE: calamine aborts the process on a grid it cannot allocate; refuse first
    return _open(path, version).workbook


def read_sheet(path: Path, workbook: CalamineWorkbook, sheet: str) -> list[list]:
    """Every row of a sheet from A1 (empty cells as ""), once the guard passed its used range.

    A sheet of the workbook open_workbook gave is read once per file version; the rows are shared,
    so callers must not change them.
    """
    path = Path(path)
    # NOTE: the file's version is taken once for both caches (resolving a path costs a system call
    # per folder of it, and sheets are asked for hundreds of times per workbook).
    version = guard.file_version(path)
    guard.inspect(path, version)  # cached: a no-op after open_workbook, a refusal for a file changed since
    opened = _open(path, version)
    if workbook is not opened.workbook:
        return _read_rows(path, workbook, sheet)
    rows = opened.sheets.get(sheet)
    if rows is None:
        rows = opened.sheets[sheet] = _read_rows(path, workbook, sheet)
    return rows


def forget_sheets() -> None:
    """Forget the workbooks opened and the sheets read (a parse is done with them)."""
    _opened.cache_clear()


class _Opened(NamedTuple):
    workbook: CalamineWorkbook
    sheets: dict[str, list[list]]


def _open(path: Path, version: tuple[str, int, int]) -> _Opened:
    try:
        return _opened(*version)
    except BaseException as exc:  # calamine raises several types for damaged files, and may panic
        _reraise_interrupts(exc)
        raise InputError(
            Rejection(path.name, None, None, None, f"cannot be read as a workbook: {exc}")
        ) from exc


@lru_cache(maxsize=2)
def _opened(resolved: str, size: int, mtime_ns: int) -> _Opened:
    # NOTE: keyed on size and mtime as well (as guard.inspect is), so a file rewritten in place is
    # read again; two entries: a load reads one file at a time.
    checked = guard.checked_copy((resolved, size, mtime_ns))
    if checked is not None:
        return _Opened(CalamineWorkbook.from_filelike(io.BytesIO(checked)), {})
    return _Opened(CalamineWorkbook.from_path(resolved), {})


def _read_rows(path: Path, workbook: CalamineWorkbook, sheet: str) -> list[list]:
    try:
        return workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except BaseException as exc:
        _reraise_interrupts(exc)
        raise InputError(Rejection(path.name, sheet, None, None, f"sheet unreadable: {exc}")) from exc


def parse_value(cell: object, footnotes: frozenset[str] = frozenset()) -> CellValue | str:
    """A number or a status flag; a string giving the reason when the cell is neither.

    `footnotes` are the marks the table's own footnotes define ("1", "2", "*"). A mark glued to a
    number ("1202)") is split off only where exactly one split leaves a mark the table defines;
    a mark set apart ("123,4 1)", "…4)") is read when the table defines it or the caller knows no
    footnotes. Anything else is refused with its reason: digits are never dropped on a guess.
    """
    if type(cell) is float:
        # NOTE: most cells are floats; x - x is 0.0 for every finite float and NaN for NaN and ±inf.
        if cell - cell == 0.0:
            return CellValue(cell, "")
        return _BLANK if cell != cell else "an infinite number"
    if isinstance(cell, str):
        return _parse_text(cell, footnotes)
    if cell is None:
        return _BLANK
    if isinstance(cell, bool):
        return "a boolean where a number was expected"
    if isinstance(cell, (int, float)):
        return parse_value(float(cell))
    if isinstance(cell, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return "a date where a number was expected"
    return f"a {type(cell).__name__} where a number was expected"


_BLANK = CellValue(None, BLANK)
_DIGITS = "0123456789"
# A number as Rosstat writes it in text: decimal comma or point, thousands groups set apart by
# spaces ("1 234,5"), an optional sign. Groups must be of three digits: "12 34" is not a number.
_NUMBER = re.compile(r"[-+]?(?:[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:[.,][0-9]+)?")
# "в 2,9 р.", "в 2.9 раза", "в 12 раз": the figure is N times the base.
_TIMES = re.compile(r"в ?([0-9]+(?:[.,][0-9]+)?) ?(?:р\.?|раза?)", re.IGNORECASE)
# A mark written after another mark: the "3)" of "1202)3)" or "120 1),3)".
_LATER_MARK = re.compile(r"(?<=\))\s*[,;]?\s*([0-9]{1,2})\)$")
_LAST_MARK = re.compile(r"(.*?)([0-9]+)\)", re.DOTALL)
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUPERSCRIPT_TAIL = re.compile(r"([⁰¹²³⁴⁵⁶⁷⁸⁹]+)$")
_STAR_TAIL = re.compile(r"(\*+)$")
_DASH_BARE_MARK = re.compile(r"[-‐‑‒–—−] ?([1-9][0-9]?)")
_MARKER_BARE_MARK = re.compile(r"(…|\.\.\.|x|х|X|Х) ?([1-9][0-9]?)")
# Minus signs Rosstat types before a number: U+2212, en and em dashes, non-breaking hyphen.
_MINUS = str.maketrans({"−": "-", "–": "-", "—": "-", "‑": "-", "‒": "-"})
_FORMULA = re.compile(r"[=@]|[-+][^\d\s.,…]")
_SPREADSHEET_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!",
                                 "#CALC!", "#GETTING_DATA"})
_TEXT_CACHE_MAX = 50_000
_text_cache: dict[tuple[str, frozenset[str]], CellValue | str] = {}


def _parse_text(raw: str, footnotes: frozenset[str]) -> CellValue | str:
    """parse_value for a text cell, remembered: the same few texts ("…", "-", "x1)") recur."""
    key = (raw, footnotes)
    try:
        return _text_cache[key]
    except KeyError:
        pass
    result = _read_text(raw, footnotes)
    if len(_text_cache) >= _TEXT_CACHE_MAX:
        _text_cache.clear()
    _text_cache[key] = result
    return result


def _read_text(raw: str, footnotes: frozenset[str]) -> CellValue | str:
    text = clean_spaces(raw)
    if not text:
        return _BLANK
    if text in _MARKERS:
        return CellValue(None, _MARKERS[text], raw)
    if len(text) > 40:
        return "text where a number was expected"
    if _FORMULA.match(text):
        return "text that looks like a spreadsheet formula where a number was expected"
    if text.upper() in _SPREADSHEET_ERRORS:
        return f"a spreadsheet error ({text}) where a number was expected"
    body = _read_body(text)
    if body is not None:
        dash_mark = _DASH_BARE_MARK.fullmatch(text) if footnotes else None
        if dash_mark and dash_mark.group(1) in footnotes:
            # NOTE: "-5" is minus five, or "-" with note 5 where marks go without a bracket ("…5").
            return (f"ambiguous footnote mark: {text!r} reads as {body[0]:.15g} or as not_applicable with note "
                    f"{dash_mark.group(1)} (footnotes {_listed(footnotes)})")
        value, status, times = body
        return CellValue(value, status, raw, (), times)
    split = _split_marks(text, footnotes)
    if isinstance(split, str):
        return split
    (value, status, times), notes = split
    return CellValue(value, status, raw, notes, times)


def _read_body(text: str) -> tuple[float | None, str, bool] | None:
    """A value without footnote marks: (value, status, times), or None when it is not one."""
    if text in _MARKERS:
        return None, _MARKERS[text], False
    signed = text.translate(_MINUS) if text[0] not in _DIGITS else text
    if _NUMBER.fullmatch(signed):
        return float(signed.replace(" ", "").replace(",", ".")), "", False
    times = _TIMES.fullmatch(text)
    if times:
        # NOTE: Rosstat writes growth beyond 200% as "в 2,9 р." (2.9 times the base); stored as
        # 290 (% of the base), computed in decimal so that 2.9 gives 290.0, not 290.00000000000006.
        return float(Decimal(times.group(1).replace(",", ".")) * 100), "", True
    return None


def _split_marks(text: str, footnotes: frozenset[str]) -> tuple[tuple[float | None, str, bool], tuple[str, ...]] | str:
    """The value and footnote marks of a cell whose text ends in marks ("1202)", "…4)", "5,1*")."""
    for tail in (_SUPERSCRIPT_TAIL, _STAR_TAIL):
        match = tail.search(text)
        if match:
            mark = match.group(1).translate(_SUPERSCRIPTS)
            body = _read_body(text[:match.start()].strip()) if match.start() else None
            if body is None:
                return "text where a number was expected"
            if footnotes and mark not in footnotes:
                return f"footnote mark {mark!r} is not among the table's footnotes ({_listed(footnotes)})"
            return body, (mark,)
    bare = _MARKER_BARE_MARK.fullmatch(text)
    if bare:
        # NOTE: the 806 bulletin numbers its footnotes "1 ...", "2 ..." and marks "…5" without a bracket;
        # only after a non-numeric mark ("…", "x"): "-5" is minus five.
        mark = bare.group(2)
        if footnotes and mark not in footnotes:
            return f"footnote mark {mark!r} is not among the table's footnotes ({_listed(footnotes)})"
        return (None, _MARKERS[bare.group(1)], False), (mark,)
    if not text.endswith(")"):
        return "text where a number was expected"
    # Marks after the first are set apart by the ")" before them: "1202)3)" ends in note 3.
    later: list[str] = []
    while match := _LATER_MARK.search(text):
        later.insert(0, match.group(1))
        text = text[:match.start()]
    match = _LAST_MARK.fullmatch(text)
    if not match:
        return "text where a number was expected"
    prefix, run = match.groups()
    # Every way to cut the digits before ")" into the number's end and a one- or two-digit mark.
    readings = []
    for width in (1, 2):
        if width > len(run) or run[-width] == "0":
            continue
        rest = (prefix + run[:-width]).strip()
        body = _read_body(rest) if rest else None
        if body is not None:
            # A mark is set apart when no digit of the number touches it ("123,4 1)", "…4)").
            readings.append((body, run[-width:], width == len(run)))
    if not readings:
        return "text where a number was expected"
    if footnotes and (undefined := [m for m in later if m not in footnotes]):
        return f"footnote mark {undefined[0]!r} is not among the table's footnotes ({_listed(footnotes)})"
    defined = [r for r in readings if r[1] in footnotes]
    if len(defined) == 1:
        body, mark, _ = defined[0]
        return body, (mark, *later)
    if not defined and not footnotes and len(readings) == 1 and readings[0][2]:
        body, mark, _ = readings[0]
        return body, (mark, *later)
    ways = " or ".join(f"{_shown(body)} with note {mark}" for body, mark, _ in (defined or readings))
    if not defined and footnotes:
        if len(readings) == 1:
            return f"footnote mark {readings[0][1]!r} is not among the table's footnotes ({_listed(footnotes)})"
        return f"footnote mark in {text!r} is not among the table's footnotes ({_listed(footnotes)}): {ways}"
    known = f"footnotes {_listed(footnotes)}" if footnotes else "no footnotes known"
    return f"ambiguous footnote mark: {text!r} reads as {ways} ({known})"


def _shown(body: tuple[float | None, str, bool]) -> str:
    value, status, _ = body
    return status if value is None else f"{value:.15g}"


def _listed(footnotes: frozenset[str]) -> str:
    return ", ".join(sorted(footnotes, key=lambda m: (len(m), m)))


# A footnote line's mark: "1) Данные ...", "2)\xa0С 2011 г. ...", "1  Начиная с ..." (the 806 bulletin's
# style), "*) Данные ...", "¹ ...".
_FOOTNOTE_LINE = re.compile(r"\s*(?:([1-9][0-9]?)(?:\)|\s)|(\*+)\)?|([¹²³⁴⁵⁶⁷⁸⁹]+)⁾?)\s*\S")


def footnote_marks(cells: Iterable[object]) -> frozenset[str]:
    """The marks the footnote cells below a table define; a cell may hold several lines ("1) ...\n2) ...")."""
    return frozenset(mark for cell in cells if isinstance(cell, str)
                     for line in cell.splitlines() if (mark := footnote_mark(line)))


def footnote_mark(line: object) -> str | None:
    """The mark a footnote line defines ("1", "*"), or None when the text does not open like a footnote.

    For the lines below a table (its footnotes): the marks they define (footnote_marks) are what
    parse_value's `footnotes` expects.
    """
    if not isinstance(line, str):
        return None
    match = _FOOTNOTE_LINE.match(line.replace("\xa0", " "))
    if not match:
        return None
    digits, stars, superscript = match.groups()
    return digits or stars or superscript.translate(_SUPERSCRIPTS)
