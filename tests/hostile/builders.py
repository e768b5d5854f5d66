"""SYNTHETIC hostile files, written by code at test time (nothing here is real data).

Small workbooks go through openpyxl/xlsxwriter; hostile ones are written part by part (raw sheet
XML in a zip) so that any part can lie. Large files (a 1 GiB cell, a million rows) are streamed
into the zip in chunks, so disk and memory stay bounded (a few MB).
"""

from __future__ import annotations

import csv
import html
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from tests.etl.test_guard import MAIN, _sheet_xml, write_xlsx
from tests.fixtures import GRP_ROWS, PUBLICATION_LINE, SECTION_GRP, grp_table, write_rr_workbook, write_workbook

__all__ = ["GRP_ROWS", "MAIN", "Raw", "grp_rows", "raw_rr", "raw_sheet", "rr", "stream_xlsx", "text_file",
           "write_csv_rows", "write_rr_workbook", "write_workbook", "write_xlsx", "xlsxwriter_rr"]


@dataclass(frozen=True)
class Raw:
    """A cell written exactly as this XML (the inside of <c r=".."...>), e.g. '<f>1/0</f>' or 't="e"><v>#N/A</v>'."""

    attributes: str
    body: str


def grp_rows(*extra: Sequence[object], base: Iterable[Sequence[object]] = GRP_ROWS) -> list[list]:
    """The SYNTHETIC GRP table's rows (9.1. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ, 2016-2017) plus `extra` data rows."""
    return grp_table([*[list(r) for r in base], *[list(r) for r in extra]])


def rr(path: Path, *extra: Sequence[object], base: Iterable[Sequence[object]] = GRP_ROWS, **table) -> Path:
    """A SYNTHETIC «Регионы России» GRP workbook (openpyxl) with `extra` data rows."""
    rows = grp_table([*[list(r) for r in base], *[list(r) for r in extra]], **table)
    return write_rr_workbook(path, rows)


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Raw):
        return f'<c r="{ref}"{value.attributes}>{value.body}</c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{html.escape(str(value))}</t></is></c>'


def raw_sheet(rows: Sequence[Sequence[object]], dimension: str | None = None, tail: str = "") -> str:
    """Sheet XML of `rows` (inline strings, numbers, Raw cells)."""
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{_letters(c)}{r}", v) for c, v in enumerate(row, start=1))
        if cells:
            body.append(f'<row r="{r}">{cells}</row>')
    return _sheet_xml("".join(body), dimension, tail)


def raw_rr(path: Path, *extra: Sequence[object], base: Iterable[Sequence[object]] = GRP_ROWS,
           tail: str = "", **kw) -> Path:
    """The SYNTHETIC GRP table written part by part (sheet "S"), so a cell can be any XML."""
    return write_xlsx(path, raw_sheet(grp_rows(*extra, base=base), tail=tail), **kw)


def xlsxwriter_rr(path: Path, formulas: dict[tuple[int, int], tuple[str, object]]) -> Path:
    """The SYNTHETIC GRP workbook by xlsxwriter; `formulas` puts a formula (and its saved value, or
    None for none) at (row, column), 0-based, over the table's cells."""
    rows = grp_rows()
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("9.1.")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r, c) in formulas:
                continue
            if value is not None:
                sheet.write(r, c, value)
    for (r, c), (formula, saved) in formulas.items():
        if saved is None:
            # NOTE: xlsxwriter writes <v>0</v> by default; an empty string asks for no saved value.
            sheet.write_formula(r, c, formula, None, "")
        else:
            sheet.write_formula(r, c, formula, None, saved)
    book.close()
    return path


def stream_xlsx(path: Path, head: bytes, chunks: Iterable[bytes], tail: bytes,
                member: str = "xl/worksheets/sheet1.xml") -> Path:
    """Replace one part of a SYNTHETIC one-sheet workbook by head + chunks + tail, streamed into the zip."""
    write_xlsx(path, _sheet_xml(""), shared_xml="" if member == "xl/sharedStrings.xml" else None)
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in parts.items():
            if name != member:
                archive.writestr(name, data)
        with archive.open(member, "w", force_zip64=True) as stream:
            stream.write(head)
            for chunk in chunks:
                stream.write(chunk)
            stream.write(tail)
    return path


def write_csv_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]],
                   encoding: str = "utf-8") -> Path:
    """A SYNTHETIC CSV in the given encoding."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def text_file(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


__all__ += ["PUBLICATION_LINE", "SECTION_GRP"]
