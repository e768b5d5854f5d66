"""Files of a Table: CSV bytes (UTF-8 with a BOM so Excel reads Cyrillic) and XLSX workbooks, formula-guarded."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
import xlsxwriter

from dashboard.model.safety import FORMULA_STARTS, guard_cell, needs_guard
from dashboard.model.table import Table

BOM = "\ufeff"


def csv_bytes(table: Table) -> bytes:
    """The table as CSV: a header of column names, missing cells empty, text cells guarded."""
    return csv_text(table.names, table.rows).encode("utf-8")


def csv_text(names: Sequence[str], rows: Iterable[Sequence]) -> str:
    """CSV text (with the BOM) of rows under a header: the one CSV writer of the dashboard and the API."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([guard_cell(str(name)) for name in names])
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def frame_csv(frame: pd.DataFrame) -> str:
    """CSV text of a pandas frame by the same rule (a page table that is not a read-model Table)."""
    # to_dict gives Python scalars (not numpy ones), so numbers are written as the API writes them.
    split = frame.to_dict("split")
    return csv_text([str(c) for c in split["columns"]], split["data"])


def download(frame_or_table: pd.DataFrame | Table, filename: str) -> dict:
    """What a dcc.Download takes for a CSV file."""
    if isinstance(frame_or_table, Table):
        content = csv_text(frame_or_table.names, frame_or_table.rows)
    else:
        content = frame_csv(frame_or_table)
    return {"content": content, "filename": filename, "type": "text/csv"}


def _cell(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        # repr keeps every published digit; integral floats without a trailing ".0" read as numbers either way.
        return repr(value)
    return guard_cell(value)


# --- XLSX ---------------------------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's limits: rows per sheet (the header takes one) and characters in a cell or sheet name.
MAX_XLSX_ROWS = 1_048_576 - 1
MAX_CELL_CHARS = 32_767
MAX_SHEET_NAME = 31
_WIDTH_SAMPLE = 2_000  # rows a column's width is measured on (measuring 100,000 costs more than writing them)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its name, header labels, and rows of plain values (numbers stay numbers).

    kind "data": a table with a frozen, filterable header; kind "about": label / value pairs, a row whose
    value is None is a heading, a value that is a web address becomes a link.
    """

    name: str
    header: Sequence[str]
    rows: Sequence[Sequence]
    kind: str = "data"
    widths: Sequence[int] = field(default_factory=tuple)


def sheet_name(title: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique (case-insensitively) sheet name from a title: no []:*?/\\, at most 31 characters."""
    name = "".join(" " if c in "[]:*?/\\" else c for c in str(title)).strip().strip("'") or "Sheet"
    name = name[:MAX_SHEET_NAME].strip()
    used = {t.casefold() for t in taken}
    candidate, n = name, 2
    while candidate.casefold() in used:
        suffix = f" ({n})"
        candidate, n = name[:MAX_SHEET_NAME - len(suffix)].rstrip() + suffix, n + 1
    return candidate


def xlsx_bytes(sheets: Sequence[Sheet], title: str | None = None) -> bytes:
    """An XLSX workbook of the sheets (xlsxwriter): numbers typed, text never a formula.

    Text that a spreadsheet would run (dashboard.model.safety) is written as a string cell with Excel's
    "quote prefix" style, so it stays text even when a user edits the cell, and its value is kept as written.
    """
    buffer = io.BytesIO()
    # write_string/write_number are used throughout; the options also keep write_url's text from turning into
    # anything else.
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    if title:
        book.set_properties({"title": str(title)[:255]})
    formats = {
        "header": book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}),
        "header_guarded": book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top",
                                           "quote_prefix": True}),
        "guarded": book.add_format({"quote_prefix": True}),
        "label": book.add_format({"bold": True, "valign": "top"}),
        "heading": book.add_format({"bold": True, "font_size": 12, "top": 1}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "wrap_guarded": book.add_format({"text_wrap": True, "valign": "top", "quote_prefix": True}),
        "link": book.add_format({"font_color": "blue", "underline": 1, "valign": "top"}),
    }
    for sheet in sheets:
        if len(sheet.rows) > MAX_XLSX_ROWS:
            raise ValueError(f"sheet {sheet.name!r}: {len(sheet.rows)} rows, more than a sheet holds ({MAX_XLSX_ROWS})")
        worksheet = book.add_worksheet(sheet.name)
        if sheet.kind == "about":
            _write_about(worksheet, sheet, formats)
        else:
            _write_data(worksheet, sheet, formats)
    book.close()
    return buffer.getvalue()


def _write_data(worksheet, sheet: Sheet, formats: dict) -> None:
    header = [str(h) for h in sheet.header]
    for c, label in enumerate(header):
        worksheet.write_string(0, c, label[:MAX_CELL_CHARS],
                               formats["header_guarded"] if needs_guard(label) else formats["header"])
    widths = list(sheet.widths) or _widths(header, sheet.rows)
    for c, width in enumerate(widths):
        worksheet.set_column(c, c, width)
    worksheet.freeze_panes(1, 0)
    if header:
        worksheet.autofilter(0, 0, max(len(sheet.rows), 1), len(header) - 1)
    # NOTE: the hot loop of a 100,000-row export (bench/exports.py): methods bound once, one type test per cell.
    # `value.startswith(FORMULA_STARTS)` is safety.needs_guard inlined for text (the same tuple: one rule).
    # NOTE: xlsxwriter's public write_number/write_string are its _write_number/_write_string behind a decorator
    # that only reads "A1" notation; with integer rows and columns that decorator costs about a fifth of a
    # 100,000-row export (bench/exports.py), so the writers of the pinned version (requirements.txt) are called
    # directly, the public ones where a version lacks them. Every cell is read back in the tests and the bench.
    write_number = getattr(worksheet, "_write_number", worksheet.write_number)
    write_string = getattr(worksheet, "_write_string", worksheet.write_string)
    guarded, starts = formats["guarded"], FORMULA_STARTS
    isfinite = math.isfinite
    for r, row in enumerate(sheet.rows, start=1):
        for c, value in enumerate(row):
            kind = type(value)
            if kind is float:
                if isfinite(value):
                    write_number(r, c, value)
            elif kind is int:
                write_number(r, c, value)
            elif kind is str:
                if value:
                    if value.startswith(starts):
                        write_string(r, c, value[:MAX_CELL_CHARS], guarded)
                    else:
                        write_string(r, c, value[:MAX_CELL_CHARS])
            elif value is None:
                continue
            else:
                _write_other(worksheet, r, c, value, guarded)


def _write_other(worksheet, r: int, c: int, value: object, guarded) -> None:
    """Cells that are neither plain numbers nor text: booleans, numpy scalars, pandas' missing values, dates."""
    if value is pd.NA or value is pd.NaT:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(r, c, value)
        return
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        number = value.item() if hasattr(value, "item") else value
        if isinstance(number, bool):
            worksheet.write_boolean(r, c, number)
        elif isinstance(number, (int, float)) and math.isfinite(number):
            worksheet.write_number(r, c, number)
        elif isinstance(number, str):
            _write_text(worksheet, r, c, number, guarded)
        return
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    _write_text(worksheet, r, c, text, guarded)


def _write_text(worksheet, r: int, c: int, text: str, guarded, plain=None) -> None:
    if needs_guard(text):
        worksheet.write_string(r, c, text[:MAX_CELL_CHARS], guarded)
    elif plain is not None:
        worksheet.write_string(r, c, text[:MAX_CELL_CHARS], plain)
    else:
        worksheet.write_string(r, c, text[:MAX_CELL_CHARS])


def _write_about(worksheet, sheet: Sheet, formats: dict) -> None:
    worksheet.set_column(0, 0, 30)
    worksheet.set_column(1, 1, 100)
    r = 0
    if sheet.header:
        worksheet.write_string(0, 0, str(sheet.header[0]), formats["heading"])
        r = 1
    for label, value in sheet.rows:
        if value is None:  # a heading
            r += 1 if r else 0
            _write_text(worksheet, r, 0, str(label), formats["guarded"], formats["heading"])
            r += 1
            continue
        _write_text(worksheet, r, 0, str(label), formats["guarded"], formats["label"])
        text = value if isinstance(value, str) else str(value)
        if text.startswith(("http://", "https://")) and len(text) < 2000:
            worksheet.write_url(r, 1, text, formats["link"], string=text)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            worksheet.write_number(r, 1, value)
        else:
            _write_text(worksheet, r, 1, text, formats["wrap_guarded"], formats["wrap"])
        r += 1


def _widths(header: Sequence[str], rows: Sequence[Sequence]) -> list[int]:
    """Column widths in characters: the header's and the longest of the first rows' cells, within 8..60."""
    widths = [len(h) for h in header]
    for row in rows[:_WIDTH_SAMPLE]:
        for c, value in enumerate(row[:len(widths)]):
            if value is not None:
                size = len(value) if isinstance(value, str) else len(f"{value:,.2f}" if isinstance(value, float)
                                                                     else str(value))
                if size > widths[c]:
                    widths[c] = size
    return [min(max(w + 2, 8), 60) for w in widths]
