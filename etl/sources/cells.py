"""Reading spreadsheet cells: workbook opening, A1 references, and value cells with status flags."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from python_calamine import CalamineWorkbook

from etl.errors import InputError, Rejection
from etl.text import clean_spaces, strip_footnotes

# Status flags for cells that are not numbers but say something about the figure.
NOT_AVAILABLE = "not_available"  # "…": no data
NOT_APPLICABLE = "not_applicable"  # "-": phenomenon absent
CONFIDENTIAL = "confidential"  # "x": not published for confidentiality
BLANK = "blank"  # an empty cell inside a data row

_MARKERS = {
    "…": NOT_AVAILABLE, "...": NOT_AVAILABLE, "..": NOT_AVAILABLE,
    "-": NOT_APPLICABLE, "–": NOT_APPLICABLE, "—": NOT_APPLICABLE, "--": NOT_APPLICABLE,
    "x": CONFIDENTIAL, "х": CONFIDENTIAL, "X": CONFIDENTIAL, "Х": CONFIDENTIAL,
    "": BLANK,
}
_NUMBER = re.compile(r"^[-−]?\d[\d ]*([.,]\d+)?$")


@dataclass(frozen=True)
class CellValue:
    value: float | None
    status: str


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


def open_workbook(path: Path) -> CalamineWorkbook:
    """Open .xlsx/.xls/.ods with calamine, turning any failure into an InputError naming the file."""
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for damaged files
        raise InputError(
            Rejection(path.name, None, None, None, f"cannot be read as a workbook: {exc}")
        ) from exc


def read_sheet(path: Path, workbook: CalamineWorkbook, sheet: str) -> list[list]:
    try:
        return workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:
        raise InputError(Rejection(path.name, sheet, None, None, f"sheet unreadable: {exc}")) from exc


def parse_value(cell: object) -> CellValue | str:
    """A number or a status flag; a string explaining the problem when the cell is neither."""
    if isinstance(cell, bool):
        return "a boolean where a number was expected"
    if isinstance(cell, (int, float)):
        if cell != cell:  # NaN
            return CellValue(None, BLANK)
        return CellValue(float(cell), "")
    if isinstance(cell, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return "a date where a number was expected"
    if cell is None:
        return CellValue(None, BLANK)
    text = clean_spaces(str(cell))
    if text in _MARKERS:
        return CellValue(None, _MARKERS[text])
    # NOTE: numbers stored as text carry footnote markers ("123,4 1)") or decimal commas.
    bare = strip_footnotes(text) if text.endswith(")") else text
    if _NUMBER.match(bare):
        return CellValue(float(bare.replace(" ", "").replace(",", ".").replace("−", "-")), "")
    if text.startswith(("=", "+", "@")):
        return "text that looks like a spreadsheet formula where a number was expected"
    return "text where a number was expected"
