"""Files of a Table: CSV bytes (UTF-8 with a BOM so Excel reads Cyrillic) and XLSX workbooks, formula-guarded."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from dashboard.model.safety import FORMULA_FIRST_CHARS, guard_cell, needs_guard
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
MAX_XLSX_COLUMNS = 16_384
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
        if sheet.kind == "about":
            _write_about(book.add_worksheet(sheet.name), sheet, formats)
        else:
            _write_data(book.add_worksheet(sheet.name, worksheet_class=_DataSheet), sheet, formats)
    book.close()
    return buffer.getvalue()


class _DataSheet(Worksheet):
    """A worksheet whose data rows are rendered straight to their XML (`<row>` and `<c>` elements).

    NOTE: xlsxwriter stores each written cell as an object and later writes it through a general per-cell writer
    (A1 reference, format lookups, attribute escaping): about 5 µs a cell, 8-11 s for a 100,000-row, 16-column export
    (bench/exports.py), more than its target, whatever the write calls. Here each row is rendered once, as text, by
    `_Cells.row_xml` (numbers as numbers, text as shared strings through the workbook's own table, guarded text with the
    quote-prefix format), and `_write_sheet_data` (the one method xlsxwriter 3.3.1 calls for the sheet's
    `<sheetData>`; requirements.txt pins it) writes them. Everything else about the sheet (columns, frozen header,
    filter, dimensions) is xlsxwriter's public API. Tests and the bench read every cell back.
    """

    def __init__(self) -> None:
        super().__init__()
        self.rendered_rows: list[str] = []

    def _write_sheet_data(self) -> None:
        if not self.rendered_rows:
            super()._write_sheet_data()
            return
        self.fh.write("<sheetData>")
        self.fh.write("".join(self.rendered_rows))
        self.fh.write("</sheetData>")


def _write_data(worksheet: _DataSheet, sheet: Sheet, formats: dict) -> None:
    header = [str(h) for h in sheet.header]
    columns = max([len(header), *map(len, sheet.rows)]) if sheet.rows else len(header)
    if columns > MAX_XLSX_COLUMNS:
        raise ValueError(f"sheet {sheet.name!r}: {columns} columns, more than a sheet holds ({MAX_XLSX_COLUMNS})")
    widths = list(sheet.widths) or _widths(header, sheet.rows)
    for c, width in enumerate(widths):
        worksheet.set_column(c, c, width)
    worksheet.freeze_panes(1, 0)
    if header:
        worksheet.autofilter(0, 0, max(len(sheet.rows), 1), len(header) - 1)
    if not columns:
        return
    cells = _Cells(worksheet, formats["guarded"], columns)
    rendered = worksheet.rendered_rows
    if header:
        rendered.append(cells.header_xml(header, formats["header"], formats["header_guarded"]))
    row_xml = cells.row_xml
    for r, row in enumerate(sheet.rows, start=2):
        rendered.append(row_xml(r, row))
    # The sheet's extent (its <dimension>): what write_* would have recorded.
    worksheet._check_dimensions(0 if header else 1, 0)
    worksheet._check_dimensions(len(sheet.rows), columns - 1)


class _Cells:
    """Renders rows of plain values as `<row>` XML, their text in the workbook's shared strings."""

    def __init__(self, worksheet: Worksheet, guarded, columns: int):
        self.strings = worksheet.str_table  # the workbook's one shared-string table (sharedStrings.xml)
        self.prefixes = [f'<c r="{xl_col_to_name(c)}' for c in range(columns)]
        # Formats get their index on first use, as xlsxwriter's own cell writer gives it.
        self.guarded = f' s="{guarded._get_xf_index()}"'
        # A text's cell after its reference: its style and shared-string index, worked out once per distinct text.
        self.tails: dict[str, str] = {}

    def row_xml(self, r: int, row: Sequence) -> str:
        """One `<row>`: a number cell per finite number, a shared-string cell per non-empty text, no cell for None,
        NaN or "" (an empty cell); text that a spreadsheet would run gets the quote-prefix format."""
        # NOTE: the hot loop of a 100,000-row export: one type test per cell; a text seen before is one dict read
        # (its guard, safety.FORMULA_FIRST_CHARS, and its string index were settled when it was first seen).
        rs = str(r)
        parts = ['<row r="', rs, '">']
        append = parts.append
        tails = self.tails
        isfinite = math.isfinite
        repeated = 0
        for prefix, value in zip(self.prefixes, row, strict=False):  # (a row may be shorter than the widest)
            kind = type(value)
            if kind is str:
                tail = tails.get(value)
                if tail is None:
                    if not value:
                        continue
                    tail = tails[value] = self._text_tail(value, "", self.guarded)
                else:
                    repeated += 1
                append(prefix)
                append(rs)
                append(tail)
            elif kind is float:
                if isfinite(value):
                    # repr: the shortest text that reads back as the same float (every digit the chart has).
                    append(f'{prefix}{rs}"><v>{value!r}</v></c>')
            elif kind is int:
                append(f'{prefix}{rs}"><v>{value}</v></c>')
            elif value is not None:
                append(self._other(prefix + rs, value))
        self.strings.count += repeated  # (the table counts every use of a string; a first use counted itself)
        append("</row>")
        return "".join(parts)

    def header_xml(self, header: Sequence[str], plain, guarded) -> str:
        plain, guarded = f' s="{plain._get_xf_index()}"', f' s="{guarded._get_xf_index()}"'
        cells = [prefix + "1" + self._text_tail(text, plain, guarded)
                 for prefix, text in zip(self.prefixes, header, strict=False) if text]
        return f'<row r="1">{"".join(cells)}</row>'

    def _text_tail(self, text: str, plain: str, guarded: str) -> str:
        style = guarded if text[0] in FORMULA_FIRST_CHARS else plain
        index = self.strings._get_shared_string_index(_cell_text(text) if len(text) > MAX_CELL_CHARS // 2 else text)
        return f'"{style} t="s"><v>{index}</v></c>'

    def _other(self, ref: str, value: object) -> str:
        value = _plain_value(value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return f'{ref}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, (int, float)):
            return f'{ref}"><v>{value!r}</v></c>'
        return ref + self._text_tail(value, "", self.guarded)


def _plain_value(value: object) -> object:
    """A cell that is neither a plain number nor text, as one: booleans stay booleans, numpy scalars become Python
    numbers, dates ISO text; None for a missing or non-finite value (an empty cell)."""
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value or None
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text or None


def _cell_text(text: str) -> str:
    """Text within Excel's limit of 32,767 UTF-16 units a cell (a longer one is cut, never refused)."""
    encoded = text.encode("utf-16-le")
    if len(encoded) <= 2 * MAX_CELL_CHARS:
        return text
    # (a cut through a surrogate pair drops its half)
    return encoded[: 2 * MAX_CELL_CHARS].decode("utf-16-le", "ignore")


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
