"""`etl verify`: re-read every stored observation of a load from its raw file and list what differs.

The check is only worth something if it does not share the parser's mistakes, so nothing here comes
from the parser: workbooks are opened with openpyxl (.xlsx/.xlsm) or xlrd (.xls), never calamine or
etl.sources; numbers, missing-value marks and period labels are read by the small rules below, not by
etl.sources.cells or etl.periods. For each observation the value cell is compared with the stored
value, text and status, and the header cells the parser named (observations.source_header) are
checked to say the stored period: its year, and its month, quarter, half-year, "январь-<month>" span
or "на <day> <month>" point.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import glob
import hashlib
import json
import math
import re
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Engine, Row, select

from etl.errors import EtlError
from etl.paths import EXTRACTS_DIR, shared_data_dir
from etl.schema import Load, Observation

if TYPE_CHECKING:
    import pandas as pd

WORKBOOK_READERS = {".xlsx": "openpyxl", ".xlsm": "openpyxl", ".xls": "xlrd", ".csv": "csv"}

# Difference categories.
VALUE = "value"
STATUS = "status"
TEXT = "text"
PERIOD = "period"
CELL = "cell"
HEADER_NOT_RECORDED = "header not recorded"

# Marks Rosstat prints instead of a number, and the status each is stored under.
_MARKS = {
    "…": "not_available", "...": "not_available", "..": "not_available", "….": "not_available",
    "....": "not_available",
    "x": "confidential", "х": "confidential",
    **{dash: "not_applicable" for dash in ("-", "--", "‐", "‑", "‒", "–", "—", "−")},
}
_STATUSES = {"", "blank", *_MARKS.values()}
_REL_TOL = 1e-9


class VerifyError(EtlError):
    """Verification could not run (no such load, file not found or changed, unreadable file)."""


@dataclass(frozen=True)
class Difference:
    """One stored observation that its source cell or header does not confirm."""

    indicator: str
    region: str
    period: str
    sheet: str | None
    cell: str | None
    category: str
    stored: str
    found: str

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.sheet else (self.cell or "-")
        return (f"{self.indicator} {self.region} {self.period} at {where}: "
                f"{self.category}: stored {self.stored}, found {self.found}")


@dataclass
class VerifyReport:
    load_id: int
    files: list[Path] = field(default_factory=list)
    observations: int = 0
    differences: list[Difference] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def by_category(self) -> Counter:
        return Counter(d.category for d in self.differences)

    @property
    def throughput(self) -> float:
        """Observations verified per second."""
        return self.observations / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        if not self.files:
            return f"verified 0 observations of load {self.load_id}: 0 differences"
        source = ", ".join(str(f) for f in self.files)
        line = (f"verified {self.observations} observations of load {self.load_id} from {source}: "
                f"{len(self.differences)} differences")
        if self.differences:
            line += " (" + ", ".join(f"{n} {c}" for c, n in sorted(self.by_category.items())) + ")"
        return line + f"; {self.throughput:,.0f} observations/s"


class _Row(NamedTuple):
    """One stored observation, as verify needs it (a tuple: cheap to make by the hundred thousand)."""

    indicator: str
    region: str
    period: str
    period_kind: str | None
    year: int | None
    month: int | None
    value: float | None
    value_text: str | None
    status: str
    source_file: str
    sheet: str | None
    cell: str | None
    header: str | None


# --- the load, its observations and its file -------------------------------------------------------


def verify_load(engine: Engine, load_id: int, file: Path | None = None, force: bool = False) -> VerifyReport:
    """Re-read every observation load `load_id` owns from its raw file; list every difference.

    `file` overrides where the raw file is looked for; `force` compares even when the file's
    SHA-256 is not the one the load read.
    """
    started = time.perf_counter()
    with engine.connect() as conn:
        load = conn.execute(select(Load.__table__).where(Load.id == load_id)).one_or_none()
        if load is None:
            raise VerifyError(f"no load {load_id} in the load history")
        if load.status != "applied":
            raise VerifyError(f"load {load_id} ({load.file_name}) is {load.status}: only applied loads hold data")
        rows = [_Row._make(r) for r in conn.execute(
            select(Observation.indicator_code, Observation.region_code, Observation.period,
                   Observation.period_kind, Observation.year, Observation.month, Observation.value,
                   Observation.value_text, Observation.status, Observation.source_file,
                   Observation.source_sheet, Observation.source_cell, Observation.source_header)
            .where(Observation.load_id == load_id)
            .order_by(Observation.source_file, Observation.source_sheet, Observation.indicator_code,
                      Observation.region_code, Observation.period)).all()]
    report = VerifyReport(load_id, observations=len(rows))
    if not rows:
        report.notes.append(f"load {load_id} ({load.file_name}) owns no observations: rows a load leaves "
                            "unchanged stay with the load that wrote them")
        report.seconds = time.perf_counter() - started
        return report
    by_file: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        by_file[row.source_file].append(row)
    if file is not None and len(by_file) > 1:
        raise VerifyError(f"load {load_id} read {len(by_file)} files ({', '.join(sorted(by_file))}); "
                          "--file can stand for one only")
    for name, file_rows in by_file.items():
        path, expected_sha = _locate(load, name, file)
        _check_checksum(path, expected_sha, load_id, force, report)
        report.files.append(path)
        report.differences += _verify_file(path, file_rows)
    report.seconds = time.perf_counter() - started
    return report


def verify_frame(path: Path, observations: pd.DataFrame) -> list[Difference]:
    """Re-read the source cells of a parsed observations frame (etl.sources.observations) from `path`.

    The same checks as verify_load, without a database: the corpus tests run it on every file.
    Observation ids are the frame's row positions.
    """
    def column(name: str, kind: type | None = None) -> list:
        values = observations[name].astype(object).where(observations[name].notna(), None).tolist()
        return values if kind is None else [None if v is None else kind(v) for v in values]

    texts = [[v if isinstance(v, str) else None for v in column(name)]
             for name in ("value_text", "source_sheet", "source_cell", "source_header")]
    rows = [_Row._make(fields) for fields in zip(
        column("indicator_code"), column("region_code"), column("period"),
        column("period_kind"), column("year", int), column("month", int), column("value", float), *texts[:1],
        [s or "" for s in column("status")], column("source_file"), *texts[1:], strict=True)]
    return _verify_file(Path(path), rows)


def _locate(load: Row, source_file: str, file: Path | None) -> tuple[Path, str | None]:
    """The raw file for `source_file` and the SHA-256 it must have (None when not known)."""
    expected: str | None = load.sha256 or None
    provenance_file: str | None = None
    record = _provenance_record(load, source_file)
    if record is not None:
        # NOTE: an extract load's sha256 is the extract folder's; the raw file's is in its provenance.
        expected, provenance_file = _read_provenance(record)
    if file is not None:
        file = Path(file).expanduser()
        if not file.is_file():
            raise VerifyError(f"{file}: no such file")
        return file.resolve(), expected
    candidates: list[Path] = []
    if record is None and load.source_path:
        candidates.append(Path(load.source_path))
    shared = shared_data_dir()
    if provenance_file:
        candidates.append(shared / provenance_file)
    for candidate in candidates:
        if candidate.is_file() and candidate.name == source_file:
            return candidate.resolve(), expected
    found = sorted(shared.rglob(glob.escape(source_file))) if shared.is_dir() else []
    found = [p for p in found if p.is_file()]
    if not found:
        where = f"{load.source_path}, " if load.source_path and record is None else ""
        raise VerifyError(f"raw file {source_file} of load {load.id} not found (looked in {where}{shared}); "
                          "name it with --file PATH")
    if expected and len(found) > 1:
        for path in found:
            if _sha256(path) == expected:
                return path.resolve(), expected
    return found[0].resolve(), expected


def _provenance_record(load: Row, source_file: str) -> Path | None:
    """The provenance record of the extract a load read, or None when it read the raw file itself."""
    if load.source_path and (Path(load.source_path) / "provenance.json").is_file():
        return Path(load.source_path) / "provenance.json"
    name = Path(load.file_name).name
    record = EXTRACTS_DIR / name / "provenance.json"
    return record if name != source_file and record.is_file() else None


def _read_provenance(record: Path) -> tuple[str | None, str | None]:
    """The raw file's SHA-256 and its path under the shared data folder."""
    try:
        provenance = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VerifyError(f"{record}: unreadable provenance record: {exc}") from exc
    source = provenance.get("source")
    return provenance.get("raw_sha256"), source.get("file") if isinstance(source, dict) else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_checksum(path: Path, expected: str | None, load_id: int, force: bool, report: VerifyReport) -> None:
    if expected is None:
        if not force:
            raise VerifyError(f"the SHA-256 of the file load {load_id} read is not recorded, so {path} cannot "
                              "be shown to be that file; use --force to compare anyway")
        report.notes.append(f"{path}: SHA-256 not recorded for load {load_id}; compared anyway (--force)")
        return
    actual = _sha256(path)
    if actual != expected:
        if not force:
            raise VerifyError(f"{path} is not the file load {load_id} read: its SHA-256 is {actual[:12]}…, "
                              f"the load recorded {expected[:12]}…; use --force to compare anyway")
        report.notes.append(f"{path}: SHA-256 {actual[:12]}… differs from the load's {expected[:12]}…; "
                            "compared anyway (--force)")


# --- reading cells independently of the parser -----------------------------------------------------


_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?([1-9]\d*)$")


@lru_cache(maxsize=1 << 16)
def _a1(ref: str) -> tuple[int, int] | None:
    """'C8' -> (8, 3): 1-based row and column; None when not an A1 reference."""
    match = _A1.match(ref.strip().upper())
    if not match:
        return None
    column = 0
    for letter in match[1]:
        column = column * 26 + ord(letter) - 64
    return int(match[2]), column


def _verify_file(path: Path, rows: list[_Row]) -> list[Difference]:
    reader = WORKBOOK_READERS.get(path.suffix.lower())
    if reader is None:
        raise VerifyError(f"{path.name}: verify reads .xlsx, .xlsm, .xls and .csv files, not {path.suffix}")
    if reader == "csv":
        return _verify_csv(path, rows)
    by_sheet: dict[str | None, list[_Row]] = defaultdict(list)
    for row in rows:
        by_sheet[row.sheet].append(row)
    differences: list[Difference] = []
    with _open_workbook(path, reader) as book:
        for sheet, sheet_rows in by_sheet.items():
            wanted: set[tuple[int, int]] = set()
            for row in sheet_rows:
                for ref in [row.cell or "", *(row.header or "").split()]:
                    if (position := _a1(ref)) is not None:
                        wanted.add(position)
            try:
                cells = book.read(sheet, wanted) if sheet is not None else None
            except KeyError:
                cells = None
            for row in sheet_rows:
                if cells is None:
                    differences.append(_difference(row, CELL, "a cell on sheet " + repr(row.sheet),
                                                   "no such sheet in the file"))
                    continue
                differences += _check_row(row, cells)
    return differences


class _Book:
    """One open workbook: read(sheet, {(row, column)}) -> {(row, column): value}; KeyError for no sheet."""

    def __init__(self, path: Path, reader: str):
        self.path, self.reader = path, reader
        try:
            if reader == "openpyxl":
                import openpyxl

                self.book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            else:
                import xlrd

                self.book = xlrd.open_workbook(str(path), on_demand=True)
        except Exception as exc:  # both readers raise several types for a damaged file
            raise VerifyError(f"{path.name}: cannot be read as a workbook: {exc}") from exc

    def read(self, sheet: str, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], object]:
        if not wanted:
            return {}
        try:
            return self._read_openpyxl(sheet, wanted) if self.reader == "openpyxl" else self._read_xlrd(sheet, wanted)
        except KeyError:
            raise
        except Exception as exc:
            raise VerifyError(f"{self.path.name}, sheet {sheet!r}: unreadable: {exc}") from exc

    def _read_openpyxl(self, sheet: str, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], object]:
        if sheet not in self.book.sheetnames:
            raise KeyError(sheet)
        worksheet = self.book[sheet]
        columns_by_row: dict[int, list[int]] = defaultdict(list)
        for r, c in wanted:
            columns_by_row[r].append(c)
        last_row, last_column = max(columns_by_row), max(c for _, c in wanted)
        found: dict[tuple[int, int], object] = {}
        # NOTE: the rows are streamed once, up to the last one needed, with explicit bounds: a
        # workbook's stated dimension may be wrong, and read-only mode trusts it otherwise.
        rows = worksheet.iter_rows(min_row=1, max_row=last_row, min_col=1, max_col=last_column, values_only=True)
        for number, values in enumerate(rows, start=1):
            for c in columns_by_row.get(number, ()):
                found[(number, c)] = values[c - 1] if c <= len(values) else None
        return found

    def _read_xlrd(self, sheet: str, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], object]:
        import xlrd

        if sheet not in self.book.sheet_names():
            raise KeyError(sheet)
        worksheet = self.book.sheet_by_name(sheet)
        found: dict[tuple[int, int], object] = {}
        for r, c in wanted:
            if r > worksheet.nrows or c > worksheet.row_len(r - 1):
                found[(r, c)] = None
                continue
            cell = worksheet.cell(r - 1, c - 1)
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                found[(r, c)] = None
            elif cell.ctype == xlrd.XL_CELL_DATE:
                found[(r, c)] = xlrd.xldate.xldate_as_datetime(cell.value, self.book.datemode)
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                found[(r, c)] = bool(cell.value)
            elif cell.ctype == xlrd.XL_CELL_ERROR:
                found[(r, c)] = xlrd.error_text_from_code.get(cell.value, "#ERROR")
            else:
                found[(r, c)] = cell.value
        return found

    def close(self) -> None:
        if self.reader == "openpyxl":
            self.book.close()
        else:
            self.book.release_resources()


@contextmanager
def _open_workbook(path: Path, reader: str) -> Iterator[_Book]:
    # NOTE: openpyxl warns about workbook parts it does not read (data validation, extensions);
    # they do not touch cell values, and a warning must not reach the user as noise.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = _Book(path, reader)
        try:
            yield book
        finally:
            book.close()


def _verify_csv(path: Path, rows: list[_Row]) -> list[Difference]:
    """CSV sources name a cell "column:line" (line 1 is the header); the line's year column gives the period."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise VerifyError(f"{path.name}: cannot be read as a UTF-8 CSV: {exc}") from exc
    header = lines[0] if lines else []
    position = {name: i for i, name in enumerate(header)}
    differences = []
    for row in rows:
        column, _, line_text = (row.cell or "").rpartition(":")
        if column not in position or not line_text.isdigit() or not 2 <= int(line_text) <= len(lines):
            differences.append(_difference(row, CELL, repr(row.cell), "no such column and line in the file"))
            continue
        record = lines[int(line_text) - 1]
        text = record[position[column]] if position[column] < len(record) else ""
        # NOTE: the panel writes "NA" for a figure it does not have.
        differences += _compare_value(row, None if text.strip() in ("", "NA") else text,
                                      na_status="not_available" if text.strip() in ("", "NA") else None)
        differences += _check_period_code(row)
        if "year" in position:
            year_text = record[position["year"]].strip() if position["year"] < len(record) else ""
            if year_text != str(row.year):
                differences.append(_difference(row, PERIOD, f"year {row.year}", f"year column {year_text!r}"))
        elif row.year is not None and not _mentions_year([*record], row.year):
            differences.append(_difference(row, PERIOD, f"year {row.year}", "no such year on the line"))
    return differences


# --- comparing one observation ---------------------------------------------------------------------


def _difference(row: _Row, category: str, stored: str, found: str) -> Difference:
    return Difference(row.indicator, row.region, row.period, row.sheet, row.cell, category, stored, found)


def _check_row(row: _Row, cells: dict[tuple[int, int], object]) -> list[Difference]:
    position = _a1(row.cell or "")
    if position is None:
        return [_difference(row, CELL, repr(row.cell), "not a cell reference")]
    differences = _compare_value(row, cells.get(position))
    differences += _check_period_code(row)
    differences += _check_header(row, cells)
    return differences


def _spaces(text: str) -> str:
    return " ".join(text.split())


def _shown(row: _Row) -> str:
    if row.value is not None:
        shown = repr(row.value)
        return shown + (f" ({row.value_text!r})" if row.value_text else "")
    return f"missing ({row.status or 'no status'})"


def _found(cell: object) -> str:
    if cell is None:
        return "an empty cell"
    if isinstance(cell, str):
        return repr(cell)
    if isinstance(cell, bool):
        return f"a boolean {cell}"
    if isinstance(cell, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return f"a date {cell}"
    return repr(cell)


def _same_number(stored: float, found: float) -> bool:
    return math.isclose(stored, found, rel_tol=_REL_TOL, abs_tol=0.0)


def _compare_value(row: _Row, cell: object, na_status: str | None = None) -> list[Difference]:
    """The stored value, text and status against the cell's content."""
    if row.status not in _STATUSES:
        return [_difference(row, STATUS, repr(row.status), "a status verify does not know")]
    if isinstance(cell, str) and not _spaces(cell):
        cell = None
    # A number.
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        number = float(cell)
        if number != number:
            cell = None
        elif row.status or row.value is None:
            return [_difference(row, STATUS, _shown(row), _found(cell))]
        elif not _same_number(row.value, number):
            return [_difference(row, VALUE, _shown(row), _found(cell))]
        elif row.value_text:
            return [_difference(row, TEXT, repr(row.value_text), f"a plain number {cell!r}")]
        else:
            return []
    # An empty cell.
    if cell is None:
        expected = na_status or "blank"
        if row.status != expected or row.value is not None:
            return [_difference(row, STATUS, _shown(row), f"an empty cell ({expected})")]
        return []
    if not isinstance(cell, str):
        return [_difference(row, VALUE, _shown(row), _found(cell))]
    # Text: a mark, or a number written as text.
    text = _spaces(cell)
    mark = _mark_status(text)
    if mark is not None:
        if row.status != mark or row.value is not None:
            return [_difference(row, STATUS, _shown(row), f"{text!r} ({mark})")]
        return []
    if row.status or row.value is None:
        return [_difference(row, STATUS, _shown(row), _found(cell))]
    if row.value_text is not None and _spaces(row.value_text) != text:
        return [_difference(row, TEXT, repr(row.value_text), _found(cell))]
    if not any(_same_number(row.value, n) for n in _text_numbers(text)):
        return [_difference(row, VALUE, _shown(row), _found(cell))]
    return []


_FOOTNOTE_TAIL = re.compile(r"\s*[1-9]\d?\)$")


def _mark_status(text: str) -> str | None:
    """The status a missing-value mark stands for ('…', '-', 'x', also with a footnote mark), else None."""
    for body in _bodies(text):
        if (status := _MARKS.get(body.lower())) is not None:
            return status
    # NOTE: the 806 bulletin glues a footnote digit to a mark without a bracket ("…5"); only for
    # marks that cannot be read as a minus sign.
    if match := _BARE_MARK.match(text):
        return _MARKS[match[1].lower()]
    # NOTE: ellipses are also typed twice or mixed with dots ("……", "…..").
    if _ELLIPSES.match(text):
        return "not_available"
    return None


_ELLIPSES = re.compile(r"^(?=.*…)[….]+$")
_BARE_MARK = re.compile(r"^(…|\.\.\.|x|х)\s?[1-9]\d?$", re.I)
# Digits in groups of three after the first may be parted by a space ("1 234,5"); nothing else may.
_NUMBER_TEXT = re.compile(r"^-?(?:\d{1,3}(?: \d{3})+|\d+)(?:[.,]\d+)?$")
_TIMES = re.compile(r"^в\s*(\d+(?:[.,]\d+)?)\s*(?:р\.?|раза?)$", re.I)
_MINUS = str.maketrans({sign: "-" for sign in "−–—‑‒‐"})
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def _bodies(text: str, depth: int = 0) -> Iterator[str]:
    """The text, and the text with up to three trailing footnote marks taken off in every way they can be.

    A mark is "N)" or "NN)" (never starting with 0, so "1202)" is 120 with mark 2, not 12 with
    mark 02), superscript digits, or stars; marks may be parted by spaces, commas or semicolons.
    """
    yield text
    if depth == 3:
        return
    rests = []
    if text.endswith(")"):
        inner = text[:-1]
        for width in (1, 2):
            mark, rest = inner[-width:], inner[:-width]
            if len(inner) > width and mark.isdigit() and mark[0] != "0":
                rests.append(rest)
    elif text.endswith("*"):
        rests.append(text.rstrip("*"))
    elif text[-1:] and text[-1] in _SUPERSCRIPTS:
        rests.append(text.rstrip(_SUPERSCRIPTS))
    for rest in rests:
        rest = rest.rstrip(" ,;")
        if rest:
            yield from _bodies(rest, depth + 1)


def _text_numbers(text: str) -> list[float]:
    """Every number a text cell can stand for under verify's plain rules.

    Decimal comma, spaces between groups of three digits, a minus sign of any dash; footnote marks
    at the end may be taken off (see _bodies); "в 2,9 р." / "в 3 раза" (times) is 290 / 300, per
    cent of the base.
    """
    numbers = []
    for body in _bodies(text.translate(_MINUS)):
        if _NUMBER_TEXT.match(body):
            number = float(body.replace(" ", "").replace(",", "."))
        elif match := _TIMES.match(body):
            number = float(match[1].replace(",", ".")) * 100
        else:
            continue
        if number not in numbers:
            numbers.append(number)
    return numbers


# --- periods -----------------------------------------------------------------------------------------

_MONTH_FORMS = {
    1: ("январь", "января", "янв"), 2: ("февраль", "февраля", "фев", "февр"), 3: ("март", "марта", "мар"),
    4: ("апрель", "апреля", "апр"), 5: ("май", "мая"), 6: ("июнь", "июня", "июн"), 7: ("июль", "июля", "июл"),
    8: ("август", "августа", "авг"), 9: ("сентябрь", "сентября", "сен", "сент"),
    10: ("октябрь", "октября", "окт"), 11: ("ноябрь", "ноября", "ноя", "нояб"), 12: ("декабрь", "декабря", "дек"),
}
_MONTH_OF = {form: month for month, forms in _MONTH_FORMS.items() for form in forms}
_LONG_MONTH_FORMS = [form for form in _MONTH_OF if len(form) >= 5]
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR_WORDS = re.compile(r"(?<!\d)(?:19|20)\d\d(?:[1-9]\d?\))?\s*(?:года|год|гг\.?|г\.?)?(?![а-я])")
_QUARTER = re.compile(r"^(i{1,3}|iv|[1-4])\s*(?:-?й)?\s*(?:квартал[а-я]*|кв\.?)$")
_HALF = re.compile(r"^(i{1,2}|[12])\s*(?:-?е)?\s*полугоди[а-я]*$")
_BARE_TAIL = re.compile(r"(?<=[а-я])\s?[1-9]\d?$")
_MONTHS_SO_FAR = re.compile(r"^(\d{1,2})\s+месяц(?:а|ев)$")
_SPAN = re.compile(r"^([а-я]+\.?)\s*-\s*([а-я]+\.?)$")
_POINT = re.compile(r"^на\s+(\d{1,2})\s+([а-я]+\.?)$")
_END_OF_YEAR = re.compile(r"^на\s+конец(?:\s+(?:отчетного\s+)?года)?$")
_CODE_PATTERNS = (
    (re.compile(r"^(\d{4})$"), "year"), (re.compile(r"^(\d{4})-Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-H([12])$"), "half_year"), (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-YTD(\d{2})$"), "ytd"), (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "point"),
)


def _month(word: str) -> int | None:
    word = word.rstrip(".")
    if word in _MONTH_OF:
        return _MONTH_OF[word]
    # NOTE: Rosstat headers carry typos ("январь-сенртярь"); a long word that is close to the forms
    # of one month only is that month.
    if len(word) >= 5 and word.isalpha():
        months = {_MONTH_OF[form] for form in difflib.get_close_matches(word, _LONG_MONTH_FORMS, n=3, cutoff=0.75)}
        if len(months) == 1:
            return months.pop()
    return None


@lru_cache(maxsize=1 << 12)
def _code(period: str) -> tuple[str, int, tuple[int, ...]] | None:
    """A stored period code read by verify's own rule: (kind, year, detail)."""
    for pattern, kind in _CODE_PATTERNS:
        if match := pattern.match(period):
            numbers = tuple(int(g) for g in match.groups())
            return kind, numbers[0], numbers[1:]
    return None


@lru_cache(maxsize=1 << 12)
def _sub_period(text: str) -> tuple[str, tuple[int, ...]] | None:
    """The sub-period a header text names on its own (a month, quarter, ...), once its year is taken off."""
    text = _spaces(text.lower().replace("ё", "е").replace("–", "-").replace("—", "-"))
    text = _YEAR_WORDS.sub(" ", text)
    text = _spaces(_FOOTNOTE_TAIL.sub("", text).strip(" ,:*"))
    # NOTE: the 806 bulletin puts a footnote digit after a word without a bracket ("декабрь6",
    # "январь-декабрь 2").
    text = _BARE_TAIL.sub("", text)
    if not text:
        return None
    if (month := _month(text)) is not None:
        return "month", (month,)
    if text == "год":
        return "year", ()
    if match := _MONTHS_SO_FAR.match(text):
        return ("ytd", (int(match[1]),)) if 1 < int(match[1]) <= 12 else None
    if match := _QUARTER.match(text):
        return "quarter", (_ROMAN[match[1]],)
    if match := _HALF.match(text):
        return "half_year", (_ROMAN[match[1]],)
    if match := _SPAN.match(text):
        first, last = _month(match[1]), _month(match[2])
        if first == 1 and last and last > 1:
            return "ytd", (last,)
        return None
    if match := _POINT.match(text):
        month, day = _month(match[2]), int(match[1])
        return ("point", (month, day)) if month else None
    if _END_OF_YEAR.match(text):
        return "point", (12, 31)
    return None


@lru_cache(maxsize=256)
def _year_pattern(year: int) -> re.Pattern:
    return re.compile(rf"(?<!\d){year}(?:(?!\d)|[1-9]\d?\))")


_POINT_PHRASE = re.compile(r"(?<![а-я])на\s+(?:(\d{1,2})\s+([а-я]+)|(конец|начало)\s+(?:отчетного\s+)?года)")


@lru_cache(maxsize=1 << 12)
def _points_in(text: str) -> frozenset[tuple[str, tuple[int, int]]]:
    """Points in time a longer text names: "на 1 января", "на конец года" (31 December), "на начало года"."""
    text = _spaces(text.lower().replace("ё", "е"))
    found = set()
    for match in _POINT_PHRASE.finditer(text):
        if match[3]:
            found.add(("point", (12, 31) if match[3] == "конец" else (1, 1)))
        elif (month := _month(match[2])) is not None and 1 <= int(match[1]) <= 31:
            found.add(("point", (month, int(match[1]))))
    return frozenset(found)


def _mentions_year(cells: Iterable[object], year: int) -> bool:
    """Whether any header cell says `year` (a number, a date, or a 4-digit year in text, footnote mark allowed)."""
    pattern = _year_pattern(year)
    for cell in cells:
        if isinstance(cell, (int, float)) and not isinstance(cell, bool):
            if float(cell) == year:
                return True
        elif isinstance(cell, dt.date):
            if cell.year == year:
                return True
        elif isinstance(cell, str) and pattern.search(cell):
            return True
    return False


def _check_period_code(row: _Row) -> list[Difference]:
    """The period code, its kind, year and month columns agree with each other."""
    code = _code(row.period)
    if code is None:
        return [_difference(row, PERIOD, repr(row.period), "not a period code")]
    kind, year, detail = code
    problems = []
    if row.period_kind is not None and row.period_kind != kind:
        problems.append(f"period_kind {row.period_kind!r} where the code says {kind!r}")
    if row.year is not None and row.year != year:
        problems.append(f"year {row.year} where the code says {year}")
    if kind in ("month", "ytd") and row.month != detail[0]:
        problems.append(f"month {row.month} where the code says {detail[0]}")
    return [_difference(row, PERIOD, repr(row.period), "; ".join(problems))] if problems else []


def _describe(kind: str, detail: tuple[int, ...]) -> str:
    if kind == "month":
        return _MONTH_FORMS[detail[0]][0]
    if kind == "ytd":
        return f"январь-{_MONTH_FORMS[detail[0]][0]}"
    if kind == "quarter":
        return f"{('I', 'II', 'III', 'IV')[detail[0] - 1]} квартал"
    if kind == "half_year":
        return f"{('I', 'II')[detail[0] - 1]} полугодие"
    if kind == "point":
        return f"на {detail[1]} {_MONTH_FORMS[detail[0]][1]}"
    return "год"


def _span(kind: str, detail: tuple[int, ...]) -> tuple[int, int] | None:
    """The months a period covers, first and last; None for a point in time."""
    if kind == "year":
        return 1, 12
    if kind == "quarter":
        return detail[0] * 3 - 2, detail[0] * 3
    if kind == "half_year":
        return detail[0] * 6 - 5, detail[0] * 6
    if kind == "month":
        return detail[0], detail[0]
    if kind == "ytd":
        return 1, detail[0]
    return None


@lru_cache(maxsize=1 << 14)
def _header_positions(header: str) -> tuple[tuple[int, int], ...] | None:
    positions = tuple(_a1(ref) for ref in header.split())
    return None if any(p is None for p in positions) else positions


def _check_header(row: _Row, cells: dict[tuple[int, int], object]) -> list[Difference]:
    """The header cells the parser named say the stored period: its year and its sub-period.

    Periods are compared as the months they cover, so one span said two ways agrees: "I квартал"
    on a cumulative sheet stored as January-March, "январь" as January-January, "январь-декабрь"
    as the year. Nested labels must contain the stored span ("I квартал" above "март").
    """
    if not row.header:
        return [_difference(row, HEADER_NOT_RECORDED, f"period {row.period}", "no header cells recorded to check it")]
    positions = _header_positions(row.header)
    if positions is None:
        return [_difference(row, CELL, f"header {row.header!r}", "not cell references")]
    texts = [cells.get(p) for p in positions]
    code = _code(row.period)
    if code is None:
        return []  # reported by _check_period_code
    kind, year, detail = code
    shown = " | ".join("(empty)" if t is None else _spaces(str(t)) for t in texts)
    if not _mentions_year(texts, year):
        return [_difference(row, PERIOD, f"{row.period} (year {year})", f"header {row.header}: {shown}")]
    spans: set[tuple[int, int]] = set()
    points: set[tuple[int, int]] = set()
    for text in texts:
        if isinstance(text, dt.date):
            # A date heading a column (the Bank of Russia's month rows): its month, or the day itself.
            (points if kind == "point" else spans).add(
                (text.month, text.day) if kind == "point" else (text.month, text.month))
        elif isinstance(text, str):
            if (label := _sub_period(text)) is not None:
                if label[0] == "point":
                    points.add(label[1])
                else:
                    spans.add(_span(*label))
            # A point may also be said inside a longer text: the unit line "(оценка на конец года;
            # тысяч человек)" of a table whose columns are years.
            points.update(p for _, p in _points_in(text))
    if kind == "point":
        agrees = points == {detail} and not spans
    else:
        first, last = _span(kind, detail)
        agrees = not points and (kind == "year" or (first, last) in spans) and all(
            a <= first and last <= b for a, b in spans)
    if agrees:
        return []
    return [_difference(row, PERIOD, f"{row.period} ({_describe(kind, detail)})", f"header {row.header}: {shown}")]


def iter_lines(report: VerifyReport, limit: int | None = None) -> Iterator[str]:
    """The differences as text lines, at most `limit` of them (all when None)."""
    for number, difference in enumerate(report.differences):
        if limit is not None and number >= limit:
            yield f"... and {len(report.differences) - limit} more differences"
            return
        yield str(difference)


__all__ = ["Difference", "VerifyError", "VerifyReport", "iter_lines", "verify_frame", "verify_load"]
