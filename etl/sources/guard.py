"""Input limits a workbook must pass BEFORE calamine reads it, and the facts calamine does not give.

calamine builds every sheet as a dense grid spanning its cells with values, so a tiny file with one
value at XFD1048576 asks for 512 GiB and aborts the process; a shared string that inflates to 1 GiB
runs out of memory. `inspect` reads the file's structure with bounded memory first and refuses what
is beyond a stated limit, naming file, sheet and cell. It also collects, from the same pass, what a
table reader needs and calamine hides: formula cells whose saved value is missing (calamine shows
them as blanks) and merged ranges.

Limits (module constants; every file of the corpus passes them with a wide margin):
- MAX_FILE_BYTES: the workbook file itself (corpus: at most 1.7 MB).
- MAX_MEMBER_BYTES, MAX_TOTAL_BYTES, MAX_MEMBERS, MAX_RATIO: the zip inside .xlsx/.xlsm: one
  member's and all members' uncompressed size, the number of members, and the compression ratio of
  a member larger than RATIO_FLOOR_BYTES (corpus: 2.7 MB, 8.1 MB, 377, ratio 39).
- MAX_SHEET_CELLS: rows x columns of a sheet's used range, as its <dimension> states it and as its
  cells with values span it (corpus: 1.8 million for A1:XFD111; a dense grid costs ~40 bytes a cell).
- MAX_CELL_CHARS: characters in one cell or shared string (Excel's own limit, 32,767).
XML with a DOCTYPE or entity declaration is refused (entity expansion bombs).
"""

from __future__ import annotations

import codecs
import contextlib
import html
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from xml.etree import ElementTree

import numpy as np
from isal import isal_zlib

from etl.errors import InputError, Rejection

MAX_FILE_BYTES = 100 * 1024**2
MAX_MEMBER_BYTES = 100 * 1024**2
MAX_TOTAL_BYTES = 200 * 1024**2
MAX_MEMBERS = 5_000
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 1024**2
MAX_SHEET_CELLS = 5_000_000
MAX_CELL_CHARS = 32_767
MAX_TEXT_BYTES = 100 * 1024**2
TEXT_SUFFIXES = {".csv", ".txt"}

ZIP_SUFFIXES = {".xlsx", ".xlsm"}
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BIFF_SUFFIXES = {".xls"}
# How far into an XML part its root element must start (a prolog is a few hundred bytes).
_PROLOG_BYTES = 64 * 1024
_CHUNK = 1024**2
# UTF-8 spends at most 4 bytes on a character, and markup around a string's runs is bounded too.
_MAX_STRING_BYTES = MAX_CELL_CHARS * 8

_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3}\d{1,7})(?::([A-Z]{1,3}\d{1,7}))?"')
_NEAR_ROWS, _NEAR_COLUMNS = 999, 702
# What is rare in a sheet: a cell tag whose first attribute is not r="..." or that holds a value
# beyond ZZ999 (the first one is enough; _unusual_cell rules most cells out with numpy before this
# regex decides), and a formula (its "<f" tags).
_UNUSUAL_CELL = re.compile(rb'<c(?:(?! r=")(?=[\s>/])| r="(?:[A-Z]{3}|[A-Z]{1,2}\d{4}|[^A-Z])[^>/]*>)')


def _byte_table(members: bytes, value: int = 1) -> np.ndarray:
    table = np.zeros(256, np.uint8)
    table[list(members)] = value
    return table


# What may follow a tag's name ("\s" of a bytes regex, ">" and "/"), and the class of a byte in a cell
# reference: 1 an uppercase letter, 2 a digit, 0 anything else.
_TAG_END = _byte_table(b" \t\n\r\f\v>/").astype(bool)
_REF_CLASS = _byte_table(bytes(range(ord("A"), ord("Z") + 1)), 1) + _byte_table(b"0123456789", 2)
# Eight bytes read as one little-endian integer: the opening of a cell whose first attribute is r=, and the
# classes of the bytes after it (byte k is the (k+1)th character of the reference) that _UNUSUAL_CELL's
# second branch starts with: [A-Z]{3}, [A-Z]\d{4} and [A-Z]{2}\d{4} (the first letter is checked apart).
_CELL_OPENING = int.from_bytes(b'<c r="', "little")
_THREE_LETTERS, _FOUR_DIGITS, _TWO_LETTERS_FOUR_DIGITS = 0x010100, 0x0202020200, 0x020202020100
# How many cells the regex is tried at before it searches the rest of the sheet instead.
_UNUSUAL_TRIES = 32
# NOTE: numpy reads a sheet's XML this many bytes (an even number) at a time, so its arrays stay a few MB
# whatever the sheet holds (positions take 8 bytes each: one per byte of a hostile "<c<c<c..." or "fff...").
_SCAN_BYTES = 1024**2

_CELL_TAG = re.compile(rb"<c(\s[^>]*)?/?>")
# NOTE: longer than Excel allows (XFD1048576), so a hostile reference is measured, not missed.
_REF_ATTRIBUTE = re.compile(rb"""\sr\s*=\s*["']([A-Z]{1,9})([0-9]{1,12})["']""")
_ROW_NUMBER = re.compile(rb"""<row\s[^>]*?\br\s*=\s*["'](\d{1,12})["']""")
_SAVED_VALUE = re.compile(rb"<v>([^<]*)</v>")
_EMPTY_VALUE = re.compile(rb"<v\s*/>")
_TEXT_TYPE = re.compile(rb"""\st\s*=\s*["']str["']""")
_ERROR_TYPE = re.compile(rb"""<c\s[^>]*?\bt\s*=\s*["']e["']""")
_MERGE = re.compile(rb'<mergeCell\s+ref="([A-Z]{1,3}\d{1,7}(?::[A-Z]{1,3}\d{1,7})?)"')
_SI = re.compile(rb"<si[\s>/]")
_TAGS = re.compile(r"<[^>]*>")
_A1 = re.compile(r"([A-Z]{1,4})([0-9]{1,8})")


@dataclass(frozen=True)
class SheetFacts:
    """What the guard learnt of one sheet: its extent and the cells calamine would misread."""

    name: str
    dimension: str | None = None
    # An upper bound of the last row and column (1-based) holding a value: exact for .xls and for
    # a sheet reaching beyond ZZ999, else 999 and 702.
    rows: int = 0
    columns: int = 0
    formulas_without_values: frozenset[str] = frozenset()
    merged: tuple[str, ...] = ()
    # Cells holding a spreadsheet error ("#VALUE!"), (A1 ref, error text): calamine reads them as blanks.
    errors: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WorkbookFacts:
    file_name: str
    sheets: dict[str, SheetFacts] = field(default_factory=dict)


def column_number(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _refuse(path: Path, reason: str, sheet: str | None = None, row: int | None = None,
            column: str | None = None, found: str | None = None) -> InputError:
    return InputError(Rejection(path.name, sheet, row, column, reason, found))


def _area(first: str, last: str) -> tuple[int, int]:
    (c1, r1), (c2, r2) = (_A1.fullmatch(ref).groups() for ref in (first, last))
    return abs(int(r2) - int(r1)) + 1, abs(column_number(c2) - column_number(c1)) + 1


# --- the public API ---------------------------------------------------------------------------------


def check_input(path: Path) -> None:
    """Refuse (InputError) what is neither a regular file nor a folder before anything reads it.

    NOTE: a symlink to /dev/zero or /dev/urandom, or a named pipe, never ends: hashing or sniffing it
    would hang the load, so it is refused from its file mode alone.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise _refuse(path, "no such file") from exc
    except OSError as exc:
        raise _refuse(path, f"cannot be read: {exc.strerror or exc}") from exc
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise _refuse(path, "not a regular file (a device, a pipe or a socket); refused before reading it")


def check_text(path: Path) -> None:
    """Refuse a CSV or text file beyond MAX_TEXT_BYTES, holding NUL bytes or bytes that are not UTF-8,
    naming the line; read in bounded memory."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise _refuse(path, f"file is {size:,} bytes; the limit for a text file is {MAX_TEXT_BYTES:,}")
    if size == 0:
        raise _refuse(path, "the file is empty")
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                good = chunk[:max(exc.start, 0)].decode("utf-8", "replace")
                found = chunk[exc.start:exc.start + 4].hex(" ")
                raise _refuse(path, "not UTF-8 text: save it as UTF-8 (it may be Windows-1251 or UTF-16)",
                              None, line + good.count("\n"), None, found) from exc
            if "\0" in text:
                raise _refuse(path, "a NUL byte in the text (a binary file, or UTF-16: save it as UTF-8)",
                              None, line + text[:text.index("\0")].count("\n"))
            line += text.count("\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _refuse(path, "not UTF-8 text: the file ends inside a character", None, line) from exc


def inspect(path: Path, version: tuple[str, int, int] | None = None) -> WorkbookFacts:
    """Refuse (InputError) a workbook beyond a limit; else its sheets' facts. Cached per file version
    (`version`: file_version(path), when the caller has just taken it)."""
    return _inspect_cached(*(version or file_version(Path(path))))


def file_version(path: Path) -> tuple[str, int, int]:
    """(resolved path, size, mtime in ns): what the per-file caches are keyed on; refused when unreadable."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise _refuse(path, f"cannot be read: {exc.strerror or exc}") from exc
    where = str(path) if path.is_absolute() else os.path.join(os.getcwd(), path)
    return _resolved(where, stat.st_dev, stat.st_ino), stat.st_size, stat.st_mtime_ns


@lru_cache(maxsize=64)
def _resolved(path: str, device: int, inode: int) -> str:
    # NOTE: resolving costs a system call per folder of the path, and a load asks for the version of its
    # file hundreds of times (once per sheet read); keyed on the file the path reaches (device, inode),
    # so a link pointed elsewhere is resolved again.
    return str(Path(path).resolve())


def formula_cells_without_values(path: Path) -> dict[str, set[str]]:
    """Per sheet, the A1 refs of formula cells saved without a value (calamine reads them as blanks)."""
    return {name: set(facts.formulas_without_values)
            for name, facts in inspect(path).sheets.items() if facts.formulas_without_values}


def merged_ranges(path: Path) -> dict[str, list[str]]:
    """Per sheet, its merged ranges as A1 ranges ("A5:A6"), in the file's order."""
    return {name: list(facts.merged) for name, facts in inspect(path).sheets.items() if facts.merged}


def check_sheet(path: Path, sheet: str) -> SheetFacts | None:
    """The facts of one sheet of an inspected workbook (None for formats the guard does not read)."""
    return inspect(path).sheets.get(sheet)


@lru_cache(maxsize=16)
def _inspect_cached(resolved: str, size: int, mtime_ns: int) -> WorkbookFacts:
    # NOTE: keyed on size and mtime as well, so a file rewritten in place is inspected again;
    # detection and parsing of one load open the same workbook twice and inspect it once.
    path = Path(resolved)
    if size > MAX_FILE_BYTES:
        raise _refuse(path, f"file is {size:,} bytes; the limit for a workbook is {MAX_FILE_BYTES:,}")
    suffix = path.suffix.lower()
    if suffix not in ZIP_SUFFIXES | BIFF_SUFFIXES:
        raise _refuse(path, f"{suffix or 'this'} workbooks are not read; save it as .xlsx (or .xls)")
    with path.open("rb") as handle:
        magic = handle.read(8)
    # NOTE: the content decides, not the name: an .xls that is really an .xlsx is inspected as one,
    # and calamine is left to refuse the mismatch it cannot read.
    if magic.startswith(b"PK"):
        # NOTE: calamine picks its reader by the file's suffix: an .xls that holds a zip is left to
        # calamine to refuse as it reads the file, never handed over as a zip it would read.
        return _inspect_zip(path, (resolved, size, mtime_ns) if suffix in ZIP_SUFFIXES else None)
    if magic == _OLE2_MAGIC:
        return _inspect_biff(path)
    kind = "an .xlsx (zip)" if suffix in ZIP_SUFFIXES else "an .xls (OLE2)"
    raise _refuse(path, f"cannot be read as a workbook: not {kind} file")


# --- .xlsx / .xlsm ---------------------------------------------------------------------------------


def _inspect_zip(path: Path, version: tuple[str, int, int] | None) -> WorkbookFacts:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse(path, f"cannot be read as a workbook: not a valid .xlsx (zip) file: {exc}") from exc
    _handover.clear()
    with archive, path.open("rb") as handle:
        _check_members(path, archive)
        names = set(archive.namelist())
        sheets = _sheet_members(path, archive, names)
        members = {member for _, member in sheets}
        # NOTE: only parts stored or deflated and not encrypted are copied; anything else is left to calamine.
        keep = version is not None and (sum(archive.getinfo(member).file_size for member in members) <= HANDOVER_BYTES
                and all(info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not info.flag_bits & 0x1
                        for info in archive.infolist()))
        inflated: dict[str, bytes] = {}
        try:
            for info in archive.infolist():
                # NOTE: sharedStrings.xml is streamed below, and refused as soon as one string is too long.
                if info.filename.endswith((".xml", ".rels")) and info.filename not in members \
                        and info.filename != "xl/sharedStrings.xml":
                    _check_part(path, archive, handle, info)
            facts = {}
            for name, member in sheets:
                data = _read_sheet_xml(path, archive, handle, member)
                facts[name] = _inspect_sheet(path, name, data)
                if keep:
                    inflated[member] = data
            if "xl/sharedStrings.xml" in names:
                _check_shared_strings(path, archive, sheets)
            if keep:
                # A part the guard does not read may be damaged: calamine then reads the file, as it would.
                with contextlib.suppress(zipfile.BadZipFile, EOFError, OSError):
                    _handover[version] = _zip_of(archive, handle, inflated)  # type: ignore[index]
        except (zipfile.BadZipFile, zlib.error, isal_zlib.error, EOFError) as exc:
            # NOTE: a part whose stated size is smaller than what it inflates to fails its CRC here.
            raise _refuse(path, f"cannot be read as a workbook: damaged zip: {exc}") from exc
    return WorkbookFacts(path.name, facts)


# The sheets of a workbook up to this size (inflated) are handed to calamine as the guard read them.
HANDOVER_BYTES = 64 * 1024**2
# One workbook's checked copy at a time, keyed on its file version (see checked_copy).
_handover: dict[tuple[str, int, int], bytes] = {}


def checked_copy(version: tuple[str, int, int]) -> bytes | None:
    """The workbook the guard has just inspected, as a zip whose sheets are stored as the guard inflated and
    checked them (the other parts as they are in the file), for calamine to open instead of the file; once,
    and None when the guard kept none (another file inspected since, a workbook too large, an .xls).

    NOTE: calamine then reads the very bytes the guard checked, and does not inflate every sheet a
    second time (its inflating was a sixth of its reading time).
    """
    return _handover.pop(version, None)


def _zip_of(archive: zipfile.ZipFile, handle: BinaryIO, inflated: dict[str, bytes]) -> bytes:
    """A zip of every part of `archive`: those in `inflated` stored as given, the others copied as they are
    (deflated or not), each under its own CRC-32.

    NOTE: written by hand because zipfile cannot copy a part without inflating and deflating it again.
    """
    pieces: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for info in archive.infolist():
        data = inflated.get(info.filename)
        method, size = (zipfile.ZIP_STORED, len(data)) if data is not None else (info.compress_type, info.file_size)
        if data is None:
            data = _raw_part(archive, handle, info.filename)
        name = info.filename.encode("utf-8")
        flags = 0x800 if not info.filename.isascii() else 0  # the name is UTF-8
        pieces += [_LOCAL_HEADER.pack(b"PK\x03\x04", 20, 0, flags, method, 0, 0, info.CRC, len(data), size,
                                      len(name), 0), name, data]
        directory += [_CENTRAL_HEADER.pack(b"PK\x01\x02", 20, 0, 20, 0, flags, method, 0, 0, info.CRC, len(data),
                                           size, len(name), 0, 0, 0, 0, 0, offset), name]
        offset += _LOCAL_HEADER.size + len(name) + len(data)
    central = b"".join(directory)
    count = len(archive.infolist())
    end = _END_RECORD.pack(b"PK\x05\x06", 0, 0, count, count, len(central), offset, 0)
    return b"".join([*pieces, central, end])


def _check_members(path: Path, archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _refuse(path, f"the zip holds {len(infos):,} parts; the limit is {MAX_MEMBERS:,}")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            raise _refuse(path, f"part {info.filename} inflates to {info.file_size:,} bytes; "
                                f"the limit for one part is {MAX_MEMBER_BYTES:,}")
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refuse(path, f"part {info.filename} inflates {info.file_size // max(info.compress_size, 1):,} "
                                f"times (a zip bomb); the limit is {MAX_RATIO}")
    if total > MAX_TOTAL_BYTES:
        raise _refuse(path, f"the zip inflates to {total:,} bytes; the limit is {MAX_TOTAL_BYTES:,}")


def _check_prolog(path: Path, part: str, head: bytes) -> bytes:
    """Refuse a part with a DOCTYPE/ENTITY declaration; returns its root element's name."""
    # NOTE: a declaration and a comment both start "<!"; most parts hold no "!" in their head at all,
    # which one memchr-fast search tells, and then the head is searched for its root as it is.
    if head.find(b"!", 0, _PROLOG_BYTES) < 0:
        root = _ROOT.search(head, 0, _PROLOG_BYTES)
    else:
        head = head[:_PROLOG_BYTES]
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise _refuse(path, f"part {part} declares a DOCTYPE or entities; refused (entity expansion)")
        root = _ROOT.search(_COMMENT.sub(b"", head) if b"<!--" in head else head)
    if root is None and head[:_PROLOG_BYTES].strip():
        raise _refuse(path, f"part {part} has no XML element in its first {_PROLOG_BYTES:,} bytes")
    return root.group(1) if root else b""


def _check_part(path: Path, archive: zipfile.ZipFile, handle: BinaryIO, info: zipfile.ZipInfo) -> None:
    """Check a part's prolog and inflate it to its end, so its CRC is checked.

    NOTE: inflated whole, as the sheets are (_check_members bounds every part at MAX_MEMBER_BYTES): a workbook has
    dozens of small parts (drawings, their relationships, the theme), and a zipfile stream on each cost three times
    as much.
    """
    _check_prolog(path, info.filename, _inflated(archive, handle, info.filename))


def _read_sheet_xml(path: Path, archive: zipfile.ZipFile, handle: BinaryIO, member: str) -> bytes:
    data = _inflated(archive, handle, member)
    if b":" in _check_prolog(path, member, data):
        # NOTE: Excel, LibreOffice and openpyxl write unprefixed sheet XML; the scans below rely on it.
        raise _refuse(path, f"part {member} uses a namespace prefix; open and save the file in Excel")
    return data


# zipfile's structFileHeader, structCentralDir and structEndArchive: a part's local header, its entry in the
# central directory, and the end of the central directory.
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")
_END_RECORD = struct.Struct("<4s4H2LH")


def _inflated(archive: zipfile.ZipFile, handle: BinaryIO, member: str) -> bytes:
    """A part's bytes (as archive.read gives them), checked against its stated size and CRC.

    NOTE: a deflated part is inflated by ISA-L (python-isal), four times faster than zlib, which
    zipfile uses: the sheets are most of what the guard reads. Other parts go through zipfile.
    """
    info = archive.getinfo(member)
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:  # stored, or encrypted
        return archive.read(member)
    compressed = _raw_part(archive, handle, member)
    # A part that inflates beyond its stated size stops one byte past it (bounded memory) and fails.
    data = isal_zlib.decompressobj(-15).decompress(compressed, info.file_size + 1)
    if len(data) != info.file_size or isal_zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {member!r}")
    return data


def _raw_part(archive: zipfile.ZipFile, handle: BinaryIO, member: str) -> bytes:
    """A part's bytes as they stand in the file (compressed or not), after its local header."""
    info = archive.getinfo(member)
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"Bad magic number for file header of {member!r}")
    name_length, extra_length = _LOCAL_HEADER.unpack(header)[10:12]
    name = handle.read(name_length)
    if name.decode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace") != info.orig_filename:
        raise zipfile.BadZipFile(f"File name in directory {info.orig_filename!r} and header {name!r} differ.")
    handle.seek(extra_length, 1)
    data = handle.read(info.compress_size)
    if len(data) != info.compress_size:
        raise EOFError(f"part {member} ends before its stated {info.compress_size:,} bytes")
    return data


def _sheet_members(path: Path, archive: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """(sheet name, zip member) in workbook order, from workbook.xml and its relationships."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError) as exc:
        raise _refuse(path, f"cannot be read as a workbook: {exc}") from exc
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    sheets = []
    for element in workbook.iter():
        if not element.tag.endswith("}sheet"):
            continue
        # NOTE: transitional and strict OOXML name the relationship namespace differently.
        rel_id = next((value for key, value in element.attrib.items() if key.endswith("}id")), None)
        target = targets.get(rel_id, "")
        member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        if member in names:
            sheets.append((element.get("name", ""), member))
    return sheets


def _inspect_sheet(path: Path, sheet: str, data: bytes) -> SheetFacts:
    """Extent, formulas without values and merged ranges of one worksheet's XML."""
    dimension = _DIMENSION.search(data, 0, _PROLOG_BYTES)
    dimension_text = None
    if dimension:
        first, last = dimension.group(1).decode(), (dimension.group(2) or dimension.group(1)).decode()
        dimension_text = f"{first}:{last}"
        rows, columns = _area(first, last)
        if rows * columns > MAX_SHEET_CELLS:
            raise _refuse(path, f"used range {dimension_text} spans {rows * columns:,} cells; "
                                f"the limit is {MAX_SHEET_CELLS:,}", sheet)
    formulas = _formula_positions(data)
    unusual = _unusual_cell(data)
    rows, columns = _extent(data) if unusual else (_NEAR_ROWS, _NEAR_COLUMNS)
    if rows * columns > MAX_SHEET_CELLS:
        raise _refuse(path, f"cells with values span A1:{_letters(columns)}{rows} ({rows * columns:,} cells); "
                            f"the limit is {MAX_SHEET_CELLS:,}", sheet, rows, _letters(columns))
    _check_long_cells(path, sheet, data)
    # mergeCells follows sheetData, so the search starts near the end of a large sheet.
    merged_at = data.rfind(b"<mergeCells")
    merged = tuple(match.group(1).decode() for match in _MERGE.finditer(data, max(merged_at, 0)))
    return SheetFacts(sheet, dimension_text, rows, columns, _formulas_without_values(data, formulas), merged,
                      _error_cells(data))


def _formula_positions(data: bytes) -> list[int]:
    """Where the formula tags (<f>, <f .../>) of a sheet's XML start."""
    # NOTE: "<" is everywhere in XML and "f" is rare outside formulas, so the f's are found with one
    # numpy pass and kept where a "<" comes before and a tag end after (bytes.find of "<f" is 3x slower).
    array, found = np.frombuffer(data, np.uint8), []
    for low in range(1, len(data) - 1, _SCAN_BYTES):
        fs = np.flatnonzero(array[low:min(low + _SCAN_BYTES, len(data) - 1)] == ord("f")) + low
        fs = fs[array[fs - 1] == ord("<")]
        found += (fs[_TAG_END[array[fs + 1]]] - 1).tolist()
    return found


def _unusual_cell(data: bytes) -> bool:
    """Whether _UNUSUAL_CELL matches anywhere in the sheet's XML, deciding most cells without it.

    NOTE: the regex pays ~100 ns at each of a large sheet's cells. It can only match at a "<c"; numpy
    finds them all and rules out those no branch can match at: a "<c" followed by neither ' r="' nor a tag
    end, and a '<c r="' followed by a letter and then by what neither three letters nor one or two letters
    and four digits start with. The regex itself decides at the rest (rare in real sheets: a cell without
    r= first, or beyond ZZ999), and at the sheet's last bytes.
    """
    size = len(data)
    tail = size - 16  # a cell opening at or after this is left to the regex: it reads 14 bytes on
    if tail < 2:
        return _UNUSUAL_CELL.search(data) is not None
    pair = int.from_bytes(b"<c", "little")
    # Every 8 bytes from each offset, as one integer: a cell's first 8 bytes are one element.
    windows = np.ndarray((size - 7,), "<u8", data, 0, (1,))
    tried = 0
    for low in range(0, tail, _SCAN_BYTES):
        high = min(low + _SCAN_BYTES, tail)
        even = np.frombuffer(data, "<u2", count=(high - low + 1) // 2, offset=low)
        odd = np.frombuffer(data, "<u2", count=(high - low) // 2, offset=low + 1)
        starts = np.concatenate((np.flatnonzero(even == pair) * 2 + low, np.flatnonzero(odd == pair) * 2 + low + 1))
        opening = windows[starts]
        addressed = (opening & 0xFFFF_FFFF_FFFF) == _CELL_OPENING
        candidates = []
        if not addressed.all():
            others = ~addressed
            candidates.append(starts[others][_TAG_END[(opening[others] >> 16) & 0xFF]])
            starts = starts[addressed]
        classes = np.take(_REF_CLASS, windows[starts + 6].view(np.uint8)).view("<u8")
        maybe = (classes & 1) == 0
        maybe |= (classes & _THREE_LETTERS) == _THREE_LETTERS
        maybe |= (classes & _FOUR_DIGITS) == _FOUR_DIGITS
        maybe |= (classes & _TWO_LETTERS_FOUR_DIGITS) == _TWO_LETTERS_FOUR_DIGITS
        candidates.append(starts[maybe])
        for position in np.sort(np.concatenate(candidates)).tolist():
            if tried == _UNUSUAL_TRIES:
                return _UNUSUAL_CELL.search(data, position) is not None
            if _UNUSUAL_CELL.match(data, position):
                return True
            tried += 1
    return _UNUSUAL_CELL.search(data, tail) is not None


def _error_cells(data: bytes) -> tuple[tuple[str, str], ...]:
    """(A1 ref, error text) of the cells of type "e" (a spreadsheet error such as #VALUE!)."""
    # NOTE: most sheets hold none; an error cell's type attribute is an "e" between quotes, which one
    # numpy pass over the bytes rules out four times faster than two searches for a quote and an "e"
    # (quotes are everywhere in XML), and those faster than the regex's scan of every cell tag.
    if not _quoted_e(data):
        return ()
    found = []
    for match in _ERROR_TYPE.finditer(data):
        tag_end = data.find(b">", match.end())
        end = tag_end + 1 if data[tag_end - 1:tag_end] == b"/" else data.find(b"</c>", match.end())
        cell = data[match.start():end if end >= 0 else match.end()]
        ref = _REF_ATTRIBUTE.search(cell[:cell.find(b">")])
        if ref:
            value = _SAVED_VALUE.search(cell)
            text = value.group(1).decode("utf-8", "replace").strip() if value else ""
            found.append(((ref.group(1) + ref.group(2)).decode(), text or "#ERROR"))
    return tuple(found)


def _quoted_e(data: bytes) -> bool:
    """Whether an "e" stands between two quotes (of either kind) anywhere in the bytes."""
    array = np.frombuffer(data, dtype=np.uint8)
    for low in range(1, len(data) - 1, _SCAN_BYTES):
        es = np.flatnonzero(array[low:min(low + _SCAN_BYTES, len(data) - 1)] == ord("e")) + low
        before, after = array[es - 1], array[es + 1]
        if (((before == ord('"')) | (before == ord("'"))) & ((after == ord('"')) | (after == ord("'")))).any():
            return True
    return False


def _extent(data: bytes) -> tuple[int, int]:
    """The last row and column holding a value (an empty <c .../> holds none), reading every cell tag.

    NOTE: Excel, LibreOffice and openpyxl write r= first; reading every cell of a large sheet costs a
    third of calamine's own read, so this runs only for a sheet that may reach beyond ZZ999.
    """
    refs, unaddressed = [], 0
    for tag in _CELL_TAG.finditer(data):
        if tag.group(0).endswith(b"/>"):
            continue
        ref = _REF_ATTRIBUTE.search(tag.group(1) or b"")
        if ref:
            refs.append(ref.groups())
        else:
            unaddressed += 1
    columns = {letters for letters, _ in refs}
    max_column = column_number(max(columns, key=lambda c: (len(c), c)).decode()) if columns else 0
    max_row = max(map(int, {row for _, row in refs})) if refs else 0
    if unaddressed:
        # A cell without r= takes the next column: bound the grid as if all of them sat in one row.
        row_numbers = [int(number) for number in _ROW_NUMBER.findall(data)]
        max_column += unaddressed
        max_row = max(max_row, data.count(b"<row"), *row_numbers)
    return max_row, max_column


def _check_long_cells(path: Path, sheet: str, data: bytes) -> None:
    """Refuse a cell with more than MAX_CELL_CHARS characters, checking only the stretches of XML long
    enough to hold one: the bytes between two "<row" or "<c " tags (or a tag and either end)."""
    size, block = len(data), max((MAX_CELL_CHARS + 1) // 2, 1)
    # NOTE: a stretch longer than MAX_CELL_CHARS covers a whole block of `block` bytes starting at a
    # multiple of `block`; a block where a tag starts (nearly all: a cell is some 30 bytes) is in no such
    # stretch, so each block costs two bounded finds instead of splitting (copying) the whole sheet.
    covered = 0  # the end of the last stretch checked
    for low in range(0, size - block + 1, block):
        high = low + block
        if low < covered or data.find(b"<c ", low, high + 2) >= 0 or data.find(b"<row", low, high + 3) >= 0:
            continue
        cell, row = data.rfind(b"<c ", 0, low + 2), data.rfind(b"<row", 0, low + 3)
        start = max(cell + 3 if cell >= 0 else 0, row + 4 if row >= 0 else 0)
        cell, row = data.find(b"<c ", high), data.find(b"<row", high)
        covered = min(cell if cell >= 0 else size, row if row >= 0 else size)
        if covered - start > MAX_CELL_CHARS:
            stretch = data[start:covered]
            _check_text(path, sheet, b"<c " + stretch, b'r="' + stretch.split(b'r="', 1)[-1][:12])


def _check_text(path: Path, sheet: str | None, element: bytes, where: bytes) -> None:
    """Count the characters of an element's text; refuse beyond MAX_CELL_CHARS."""
    ref = re.match(rb'r="([A-Z]{1,4})(\d{1,8})', where)
    row, column = (int(ref.group(2)), ref.group(1).decode()) if ref else (None, None)
    if len(element) > _MAX_STRING_BYTES:
        raise _refuse(path, f"a cell holds {len(element):,} bytes of text; the limit is "
                            f"{MAX_CELL_CHARS:,} characters", sheet, row, column)
    # NOTE: the formula of a cell is not its value; only <v>, <t> and inline text count.
    text = re.sub(rb"<f[\s>].*?</f>", b"", element, flags=re.S)
    chars = len(html.unescape(_TAGS.sub("", text.decode("utf-8", "replace"))))
    if chars > MAX_CELL_CHARS:
        raise _refuse(path, f"a cell holds {chars:,} characters; the limit is {MAX_CELL_CHARS:,}",
                      sheet, row, column)


def _formulas_without_values(data: bytes, positions: list[int]) -> frozenset[str]:
    """A1 refs of the formula cells (at `positions`) saved without a value (no <v>, or an empty one
    where the result is a number)."""
    found = set()
    for position in positions:
        start = data.rfind(b"<c", 0, position)
        end = data.find(b"</c>", position)
        cell = data[start:end]
        value = _SAVED_VALUE.search(cell)
        tag = cell[2:cell.find(b">")]
        # NOTE: a text formula (t="str") may have saved an empty result, which Excel shows as blank;
        # a number cannot be empty (openpyxl writes <v></v> for formulas it never calculated).
        saved_empty_text = _TEXT_TYPE.search(tag) is not None and (value is not None or _EMPTY_VALUE.search(cell))
        if (value is None or not value.group(1).strip()) and not saved_empty_text:
            ref = _REF_ATTRIBUTE.search(tag)
            if ref:
                found.add((ref.group(1) + ref.group(2)).decode())
    return frozenset(found)


def _check_shared_strings(path: Path, archive: zipfile.ZipFile, sheets: list[tuple[str, str]]) -> None:
    """Stream sharedStrings.xml and refuse a string longer than MAX_CELL_CHARS, in bounded memory."""
    index = -1  # of the string being read
    current = bytearray()  # its bytes so far, kept only while short enough to be counted
    length = 0
    carry = b""
    with archive.open("xl/sharedStrings.xml") as stream:
        head = stream.read(_PROLOG_BYTES)
        _check_prolog(path, "xl/sharedStrings.xml", head)
        carry = head
        while True:
            chunk = stream.read(_CHUNK)
            data = carry + chunk
            # NOTE: keep the last bytes back, so a "<si " split across two reads is still seen.
            keep = 3 if chunk else 0
            body, carry = (data[:-keep], data[-keep:]) if keep and len(data) > keep else (data, b"")
            position = 0
            for match in _SI.finditer(body):
                length += match.start() - position
                current += body[position:match.start()] if length <= _MAX_STRING_BYTES else b""
                if length > MAX_CELL_CHARS:
                    _check_string(path, archive, sheets, index, bytes(current), length)
                index, position, length, current = index + 1, match.start(), 0, bytearray()
            length += len(body) - position
            if length <= _MAX_STRING_BYTES:
                current += body[position:]
            else:
                _check_string(path, archive, sheets, index, b"", length)
            if not chunk:
                break
    if length > MAX_CELL_CHARS:
        _check_string(path, archive, sheets, index, bytes(current), length)


def _check_string(path: Path, archive: zipfile.ZipFile, sheets: list[tuple[str, str]], index: int,
                  element: bytes, length: int) -> None:
    """Refuse shared string `index` if it is too long, naming a cell that shows it when one is found."""
    chars = length
    if length <= _MAX_STRING_BYTES:
        element = element.split(b"</si>", 1)[0]
        chars = len(html.unescape(_TAGS.sub("", element.decode("utf-8", "replace"))))
        if chars <= MAX_CELL_CHARS:
            return
    sheet, row, column = _cell_showing(archive, sheets, index)
    size = f"{chars:,} characters" if length <= _MAX_STRING_BYTES else f"more than {length:,} bytes"
    raise _refuse(path, f"shared string #{index} holds {size}; the limit for a cell is {MAX_CELL_CHARS:,} "
                        "characters", sheet, row, column)


def _cell_showing(archive: zipfile.ZipFile, sheets: list[tuple[str, str]],
                  index: int) -> tuple[str | None, int | None, str | None]:
    pattern = re.compile(rb'<c r="([A-Z]{1,4})(\d{1,8})"[^>]*t="s"[^>]*>\s*<v>' + str(index).encode() + rb"</v>")
    for name, member in sheets:
        match = pattern.search(archive.read(member))
        if match:
            return name, int(match.group(2)), match.group(1).decode()
    return None, None, None


# --- .xls (BIFF8 in an OLE2 compound file) ----------------------------------------------------------

# Records that hold one cell (row, column first), and the two that hold a run of cells in a row.
_BIFF_CELL = {0x0006, 0x0203, 0x027E, 0x00FD, 0x0204, 0x0205, 0x00D6}
_BIFF_MULRK = 0x00BD
_BIFF_BOF, _BIFF_EOF, _BIFF_BOUNDSHEET, _BIFF_MERGED = 0x0809, 0x000A, 0x0085, 0x00E5
# The cell records that may hold an error (BOOLERR and FORMULA), and a record's first two 16-bit fields.
_BIFF_ERROR_CELL = {0x0205, 0x0006}
_TWO_FIELDS = struct.Struct("<HH").unpack_from


def _inspect_biff(path: Path) -> WorkbookFacts:
    """Sheet extents and merged ranges of an .xls from its BIFF records (no cell is decoded)."""
    stream = _workbook_stream(path)
    if stream is None:
        return WorkbookFacts(path.name)
    names = _biff_sheet_names(stream)
    facts: dict[str, SheetFacts] = {}
    for offset, name in names:
        rows, columns, merged, errors = _biff_sheet(stream, offset)
        if rows * columns > MAX_SHEET_CELLS:
            raise _refuse(path, f"cells with values span A1:{_letters(columns)}{rows} ({rows * columns:,} "
                                f"cells); the limit is {MAX_SHEET_CELLS:,}", name, rows, _letters(columns))
        facts[name] = SheetFacts(name, None, rows, columns, frozenset(), tuple(merged), tuple(errors))
    return WorkbookFacts(path.name, facts)


def _workbook_stream(path: Path) -> bytes | None:
    try:
        from xlrd import compdoc
    except ImportError:  # NOTE: without xlrd an .xls gets the file size limit only
        return None

    data = path.read_bytes()
    try:
        document = compdoc.CompDoc(data, logfile=_Silent())
        for name in ("Workbook", "Book"):
            stream, offset, size = document.locate_named_stream(name)
            if stream is not None or size:
                return bytes(stream[offset:offset + size]) if stream is not None else b""
    except (compdoc.CompDocError, ValueError, IndexError, struct.error) as exc:
        raise _refuse(path, f"cannot be read as a workbook: not a valid .xls file: {exc}") from exc
    raise _refuse(path, "cannot be read as a workbook: no Workbook stream in the .xls file")


class _Silent:
    def write(self, text: str) -> int:
        return len(text)


def _biff_sheet_names(stream: bytes) -> list[tuple[int, str]]:
    sheets = []
    offset, size = 0, len(stream)
    while offset + 4 <= size:
        kind, length = struct.unpack_from("<HH", stream, offset)
        start = offset + 4
        if kind == _BIFF_BOUNDSHEET and length >= 8:
            position = struct.unpack_from("<I", stream, start)[0]
            chars, flags = stream[start + 6], stream[start + 7]
            raw = stream[start + 8:start + length]
            name = raw[:chars * 2].decode("utf-16-le", "replace") if flags & 1 else raw[:chars].decode("latin-1")
            sheets.append((position, name))
        elif kind == _BIFF_EOF:
            break
        offset = start + length
    return sheets


def _biff_sheet(stream: bytes, offset: int) -> tuple[int, int, list[str], list[tuple[str, str]]]:
    """The last row and column holding a cell record, the merged ranges and the error cells of one sheet."""
    max_row = max_column = 0
    merged: list[str] = []
    errors: list[tuple[str, str]] = []
    # NOTE: this loop runs once per record (100,000s in a large .xls): a compiled Struct and no call for a
    # cell that cannot hold an error make it a third faster.
    size, unpack, two, cells, error_cells = len(stream), struct.unpack_from, _TWO_FIELDS, _BIFF_CELL, _BIFF_ERROR_CELL
    while offset + 4 <= size:
        kind, length = two(stream, offset)
        start = offset + 4
        offset = start + length
        if kind in cells:
            if length >= 4:
                row, column = two(stream, start)
                if row >= max_row:
                    max_row = row + 1
                if column >= max_column:
                    max_column = column + 1
                if kind in error_cells and (error := _biff_error(stream, kind, start, length)) is not None:
                    errors.append((f"{_letters(column + 1)}{row + 1}", error))
        elif kind == _BIFF_MULRK and length >= 6:
            row, _ = unpack("<HH", stream, start)
            last = unpack("<H", stream, start + length - 2)[0]
            max_row, max_column = max(max_row, row + 1), max(max_column, last + 1)
        elif kind == _BIFF_MERGED and length >= 2:
            count = unpack("<H", stream, start)[0]
            for i in range(min(count, (length - 2) // 8)):
                r1, r2, c1, c2 = unpack("<HHHH", stream, start + 2 + 8 * i)
                merged.append(f"{_letters(c1 + 1)}{r1 + 1}:{_letters(c2 + 1)}{r2 + 1}")
        elif kind == _BIFF_EOF:
            break
    return max_row, max_column, merged, errors


# BIFF error codes (BOOLERR and FORMULA records) and the text Excel shows for them.
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
                0x2A: "#N/A"}


def _biff_error(stream: bytes, kind: int, start: int, length: int) -> str | None:
    """The error a BOOLERR or FORMULA record holds ("#VALUE!"), None when it holds none."""
    if kind == 0x0205 and length >= 8 and stream[start + 7] == 1:
        return _BIFF_ERRORS.get(stream[start + 6], "#ERROR")
    # NOTE: a formula's cached result is an error when its last two bytes are 0xFFFF and its first is 2.
    if kind == 0x0006 and length >= 14 and stream[start + 12:start + 14] == b"\xff\xff" and stream[start + 6] == 2:
        return _BIFF_ERRORS.get(stream[start + 8], "#ERROR")
    return None
