"""Which adapter reads which file, and the path from a file on disk to a load report."""

from __future__ import annotations

import csv
import gc
import json
import multiprocessing
import operator
import re
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from itertools import chain, repeat
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import Engine, update

from etl import load
from etl.checks import run_checks
from etl.errors import InputError, Rejection, sheet_summary
from etl.paths import shared_data_dir
from etl.schema import Load
from etl.sources import (
    atc,
    cbr_cpi,
    cluster,
    emiss,
    guard,
    interview,
    reference,
    rosstat_monthly,
    rosstat_panel,
    rosstat_workbook,
)
from etl.sources.base import Parsed
from etl.sources.cells import cell_ref, forget_sheets, open_workbook, read_sheet

_A1 = re.compile(r"([A-Z]{1,3})(\d{1,7})")
_STR = str
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


@dataclass
class Options:
    """What a user may say about a file beyond its path."""

    edition: str | None = None
    sheets: list[str] | None = None
    atc_path: Path | None = None
    extra: dict = field(default_factory=dict)

    def atc_file(self) -> Path:
        return self.atc_path or shared_data_dir() / "reference" / "who_atc_codes.csv"


def _extract(path: Path, options: Options) -> Parsed:
    from etl.extracts import read_extract

    _check_provenance(path)
    return read_extract(path)


def _check_provenance(path: Path) -> None:
    """Refuse an extract folder whose provenance.json lacks what read_extract needs, or names a table
    file outside the folder (a path such as ../../etc/passwd)."""
    def refuse(reason: str) -> InputError:
        return InputError(Rejection(f"{path.name}/provenance.json", None, None, None, reason))

    try:
        provenance = json.loads((path / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise refuse(f"unreadable provenance record: {exc}") from exc
    if not isinstance(provenance, dict) or not isinstance(provenance.get("adapter"), str) \
            or not isinstance(provenance.get("tables"), dict):
        raise refuse("a provenance record needs an adapter (text) and its tables (an object)")
    folder = path.resolve()
    for table, entry in provenance["tables"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) \
                or not isinstance(entry.get("rows"), int):
            raise refuse(f"table {table!r}: needs a file (text) and its rows (a number)")
        if not (path / entry["file"]).resolve().is_relative_to(folder):
            raise refuse(f"table {table!r}: its file {entry['file']!r} is outside the extract's folder")


ADAPTERS: dict[str, Callable[[Path, Options], Parsed]] = {
    "reference": lambda path, o: reference.parse(path),
    "extract": _extract,
    "rosstat_workbook": lambda path, o: rosstat_workbook.parse(path, edition=o.edition, sheets=o.sheets),
    "rosstat_monthly": lambda path, o: rosstat_monthly.parse(path, edition=o.edition),
    "rosstat_panel": lambda path, o: rosstat_panel.parse(path, edition=o.edition),
    "emiss": lambda path, o: emiss.parse(path, edition=o.edition),
    "cbr_cpi": lambda path, o: cbr_cpi.parse(path, edition=o.edition),
    "cluster_companies": lambda path, o: cluster.parse_companies(path),
    "cluster_investments": lambda path, o: cluster.parse_investments(path),
    "cluster_products": lambda path, o: cluster.parse_products(path, o.atc_file()),
    "cluster_indicators": lambda path, o: cluster.parse_indicators(path),
    "cluster_events": lambda path, o: cluster.parse_events(path),
    "cluster_sources": lambda path, o: cluster.parse_sources(path),
    "interview": lambda path, o: interview.parse_interview(path, o.atc_file()),
    "therapy_areas": lambda path, o: atc.parse_therapy_areas(path),
}

# A CSV is recognised by columns only its source has.
_CSV_SIGNATURES = (
    ("rosstat_panel", set(rosstat_panel.REQUIRED_COLUMNS)),
    ("cluster_companies", {"company_key", "name_ru", "city_or_park"}),
    ("cluster_investments", {"amount", "currency", "year_or_period"}),
    ("cluster_products", {"trade_name", "inn"}),
    ("cluster_events", {"event_type", "description"}),
    ("cluster_indicators", {"indicator", "value", "unit"}),
    ("cluster_sources", {"source_url", "rows", "files"}),
    ("therapy_areas", {"code", "atc_prefixes"}),
)


def detect_adapter(path: Path) -> str:
    """The adapter for a file, from its kind and its header; InputError when none fits."""
    if path.is_dir():
        if (path / "provenance.json").exists():
            return "extract"
        if (path / "regions.csv").exists():
            return "reference"
        raise InputError(Rejection(path.name, None, None, None, "a folder that is neither an extract (no "
                                   "provenance.json) nor the reference tables (no regions.csv)"))
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return _workbook_adapter(path)
    if suffix == ".csv":
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                header = set(next(csv.reader(handle), []))
        except UnicodeDecodeError as exc:
            raise InputError(Rejection(path.name, None, 1, None, f"not UTF-8 text: {exc}")) from exc
        for adapter, columns in _CSV_SIGNATURES:
            if columns <= header:
                return adapter
    if suffix == ".txt" and "interview" in path.name:
        return "interview"
    raise InputError(Rejection(path.name, None, None, None,
                               "no adapter recognises this file; name one with --adapter "
                               f"({', '.join(sorted(ADAPTERS))})"))


# Sheets and rows a workbook's family is recognised from.
DETECT_SHEETS, DETECT_ROWS = 5, 20


def _workbook_adapter(path: Path) -> str:
    """The workbook's family, from its content only (sheet names and first rows), never its file name."""
    workbook = open_workbook(path)
    if emiss.looks_like_emiss(workbook.sheet_names):
        return "emiss"
    heads = [read_sheet(path, workbook, sheet)[:DETECT_ROWS] for sheet in workbook.sheet_names[:DETECT_SHEETS]]
    heads = [rows for rows in heads if any(c not in ("", None) for row in rows for c in row)]
    if cbr_cpi.looks_like_cbr_cpi(heads):
        return "cbr_cpi"
    # A bulletin's first sheet is a table of years over months/quarters; a yearbook's is a contents
    # sheet or a table of years.
    if heads and rosstat_monthly.looks_monthly(heads[0]):
        return "rosstat_monthly"
    return "rosstat_workbook"


def parse_path(path: Path, adapter: str | None = None, options: Options | None = None) -> Parsed:
    """Parse a file with the named (or detected) adapter; cells a workbook reader cannot read right
    (formulas saved without a value, merged cells in a table's data area) become rejections."""
    with _without_cycle_collection():
        try:
            return _parse_path(Path(path), adapter, options)
        finally:
            # NOTE: the sheets' cells are freed here, before the collector resumes: kept, its first pass
            # would walk every one of them (a twentieth of a yearbook's parse) and find nothing to free.
            forget_sheets()


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a file is parsed, and resumed as it was.

    NOTE: a parse allocates millions of short-lived containers (rows, cell tuples, figures): over the
    28 files of the parse bench that set off about 540 young and 4 full collections, each full one
    walking every object the process holds (pandas, SQLAlchemy, the reference tables: about 100,000).
    They found no cycle to free on the corpus and cost about a tenth of the parse's time. Reference
    counting still frees everything as usual; a cycle made meanwhile waits for the next collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_path(path: Path, adapter: str | None, options: Options | None) -> Parsed:
    guard.check_input(path)
    texts = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    for text_path in texts:
        if text_path.suffix.lower() in guard.TEXT_SUFFIXES:
            guard.check_input(text_path)
            guard.check_text(text_path)
    adapter = adapter or detect_adapter(path)
    if adapter not in ADAPTERS:
        raise InputError(Rejection(path.name, None, None, None,
                                   f"unknown adapter {adapter!r}; choose from {', '.join(sorted(ADAPTERS))}"))
    parsed = ADAPTERS[adapter](path, options or Options())
    if path.is_file() and path.suffix.lower() in guard.ZIP_SUFFIXES | guard.BIFF_SUFFIXES:
        _reject_misread_cells(path, parsed)
    parsed.cell_positions = None  # only the check above needs them; a frame dropped from is not kept alive
    return parsed


@cache
def _a1(ref: str) -> tuple[int, int]:
    """'B9' -> (9, 2); (0, 0) for what is no A1 reference (a CSV's "column:line")."""
    match = _A1.fullmatch(ref)
    return (int(match[2]), guard.column_number(match[1])) if match else (0, 0)


def _reject_misread_cells(path: Path, parsed: Parsed) -> None:
    """Reject what calamine reads as blanks although the file means something else, wherever a table's
    figures were read: a formula cell saved without its value, and a merged range that spans rows of
    figures or covers a figure's cell (its value sits in the top-left cell only, the rest read empty).

    The data area of a table is taken as the rows of its figures, from column A to its last figure's
    column (so the region names left of the figures belong to it); the layout of a table is not needed.
    """
    frame = parsed.tables.get("observations")
    if frame is None or frame.empty or not {"source_sheet", "source_cell"} <= set(frame.columns):
        return
    facts = guard.inspect(path)
    dropped: set[tuple[str, str]] = set()
    errors = {(name, ref): text for name, sheet in facts.sheets.items() for ref, text in sheet.errors}
    if errors:
        # NOTE: calamine reads a cell holding a spreadsheet error ("#VALUE!") as blank; a figure's
        # cell that holds one is refused, never stored as a missing value.
        keys = zip(frame["source_sheet"].tolist(), frame["source_cell"].tolist(), strict=True)
        for sheet, ref in sorted({key for key in keys if key in errors}):
            dropped.add((sheet, ref))
            row, _ = _a1(ref)
            parsed.rejections.append(Rejection(
                path.name, sheet, row, ref.rstrip("0123456789"),
                f"cell {ref} holds the spreadsheet error {errors[sheet, ref]} (a formula that failed in the "
                "source), not a figure; calamine reads it as blank", errors[sheet, ref]))
    suspect = {name for name, sheet in facts.sheets.items() if sheet.formulas_without_values or sheet.merged}
    sheet_column = frame["source_sheet"].to_numpy(dtype=object)
    # NOTE: a frame's figures come table by table, so its sheets (and indicators) come in long runs: each
    # run is asked about once, not each of a million figures (hashing them all cost most of this check).
    sheet_changes = _changes(sheet_column)
    starts = _run_starts(sheet_changes)
    in_suspect = np.repeat(pd.Series(sheet_column[starts], dtype=object).isin(suspect).to_numpy(dtype=bool),
                           np.diff(starts, append=len(sheet_column)))
    if not in_suspect.any():
        if dropped:
            _drop(parsed, frame, dropped)
        return
    known = parsed.cell_positions
    if known is not None and known.frame is frame:
        rows_all, columns_all = known.rows, known.columns
    else:
        rows_all = np.zeros(len(frame), dtype=np.int64)
        columns_all = np.zeros(len(frame), dtype=np.int64)
        rows_all[in_suspect], columns_all[in_suspect] = _a1_positions(
            frame["source_cell"].to_numpy(dtype=object)[in_suspect])
    # The figures of each (sheet, indicator), in the order the frame first names each pair; figures
    # without a cell (row 0) or without a sheet or indicator belong to none.
    code_column = frame["indicator_code"].to_numpy(dtype=object)
    usable = in_suspect & (rows_all > 0)
    starts = _run_starts(sheet_changes | _changes(code_column) | _changes(usable))
    lengths = np.diff(starts, append=len(frame))
    starts, lengths = starts[usable[starts]], lengths[usable[starts]]
    sheet_ids, sheet_names = pd.factorize(sheet_column[starts])
    code_ids, _ = pd.factorize(code_column[starts])
    kept = (sheet_ids >= 0) & (code_ids >= 0)
    starts, lengths = starts[kept], lengths[kept]
    pairs = sheet_ids[kept].astype(np.int64) * (int(code_ids.max(initial=0)) + 1) + code_ids[kept]
    group_of_run, _ = pd.factorize(pairs)
    groups = int(group_of_run.max(initial=-1)) + 1
    sheet_of_group = np.zeros(groups, dtype=np.int64)
    sheet_of_group[group_of_run] = sheet_ids[kept]
    # The figures of the runs, group by group (in the frame's order within a group); a group's figures
    # end where its last run ends.
    order = np.argsort(group_of_run, kind="stable")
    starts, lengths = starts[order], lengths[order]
    ends = np.cumsum(lengths)
    figures = np.repeat(starts - (ends - lengths), lengths) + np.arange(int(ends[-1]) if len(ends) else 0)
    rows_sorted, columns_sorted = rows_all[figures], columns_all[figures]
    last_runs = np.searchsorted(group_of_run[order], np.arange(groups), side="right") - 1
    bounds = np.concatenate(([0], ends[last_runs]))
    values: dict[str, list[list]] = {}
    seen: set[tuple[str, str]] = set()
    # Whether a merged range repeats its label in every cell depends on the range only, not on the
    # table whose rows it spans (an EMISS export has many tables under the same merged labels).
    repeated: dict[tuple[str, str], bool] = {}
    places: dict[str, _Places] = {}
    for group in range(groups):
        sheet = sheet_names[sheet_of_group[group]]
        if sheet not in places:
            places[sheet] = _places(facts.sheets[sheet])
        at = places[sheet]
        rows_of = rows_sorted[bounds[group]:bounds[group + 1]]
        columns_of = columns_sorted[bounds[group]:bounds[group + 1]]
        first_row, last_row, last_column = int(rows_of.min()), int(rows_of.max()), int(columns_of.max())
        rows = f"rows {first_row}-{last_row}" if last_row > first_row else f"row {first_row}"
        in_table = (at.formula_rows >= first_row) & (at.formula_rows <= last_row) & (at.formula_columns <= last_column)
        for i in np.flatnonzero(in_table).tolist():
            ref, row = at.formulas[i], int(at.formula_rows[i])
            if (sheet, ref) not in seen:
                seen.add((sheet, ref))
                dropped.add((sheet, ref))
                parsed.rejections.append(Rejection(
                    path.name, sheet, row, ref.rstrip("0123456789"),
                    f"formula saved without its value in the table's data area ({rows}); calamine reads it "
                    "as blank: open the file in Excel, recalculate and save it", ref))
        r1s, c1s, r2s, c2s = at.corners
        # NOTE: most merged ranges of a sheet are headings above or beside this table, or were settled
        # for an earlier table: one comparison for all of them leaves the few still to look at.
        reach = (r2s >= first_row) & (r1s <= last_row) & (c1s <= last_column) & ~at.settled
        for i in np.flatnonzero(reach).tolist():
            merged, first = at.merged[i]
            r1, c1, r2, c2 = int(r1s[i]), int(c1s[i]), int(r2s[i]), int(c2s[i])
            if (sheet, merged) in seen or repeated.get((sheet, merged)):
                continue
            inside = (rows_of >= r1) & (rows_of <= r2) & (columns_of >= c1) & (columns_of <= c2)
            covers_figure = bool((inside & ~((rows_of == r1) & (columns_of == c1))).any())
            if r2 == r1 and not covers_figure:
                continue
            # NOTE: EMISS exports merge a label over its rows and also write it into every cell
            # of the range; read cell by cell, such a range is read right.
            if repeated.get((sheet, merged)) is None:
                if sheet not in values:
                    values[sheet] = read_sheet(path, open_workbook(path), sheet)
                repeated[sheet, merged] = _repeats(values[sheet], r1, c1, r2, c2)
            at.settled[at.same[merged]] = True  # repeated, or rejected below: never looked at again
            if repeated[sheet, merged]:
                continue
            covered = [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) != (r1, c1)]
            seen.add((sheet, merged))
            dropped |= {(sheet, cell_ref(r - 1, c - 1)) for r, c in covered}
            parsed.rejections.append(Rejection(
                path.name, sheet, r1, first.rstrip("0123456789"),
                f"merged cells {merged} in the table's data area ({rows}); the value shows in "
                f"{first} only and the other cells read as blank, so its rows cannot be read "
                "unambiguously", merged))
    if dropped:
        _drop(parsed, frame, dropped)


def _repeats(rows: list[list], r1: int, c1: int, r2: int, c2: int) -> bool:
    """Whether the 1-based range (r1, c1)-(r2, c2) of a sheet's rows shows a value (neither blank nor
    None) in its first cell and that same value in every other cell (a cell beyond a row's end is blank)."""
    # NOTE: a blank (a row beyond the sheet's end, a cell beyond its row's end) never equals a value, and no
    # range starts before A1: either makes the range one that does not repeat its value.
    if not (1 <= r1 <= r2 <= len(rows) and 1 <= c1 <= c2):
        return False
    head, below = rows[r1 - 1], rows[r1:r2]
    if len(head) < c2 or (below and min(map(len, below)) < c2):
        return False
    shown = head[c1 - 1]
    if shown in ("", None):
        return False
    # The other cells, compared in one C-level pass.
    cells = chain(head[c1:c2], chain.from_iterable(map(operator.itemgetter(slice(c1 - 1, c2)), below)))
    return all(map(operator.eq, cells, repeat(shown)))


def _changes(column: np.ndarray) -> np.ndarray:
    """Whether each item but the first differs from the one before it (a missing value always does)."""
    return column[1:] != column[:-1]


def _run_starts(changes: np.ndarray) -> np.ndarray:
    """Where each run of equal items begins, from _changes of a column (of at least one item)."""
    return np.concatenate(([0], np.flatnonzero(changes) + 1))


class _Places(NamedTuple):
    """Where a sheet's formulas without values and merged ranges stand, for _reject_misread_cells."""

    formulas: list[str]  # sorted by row, then column
    formula_rows: np.ndarray
    formula_columns: np.ndarray
    merged: list[tuple[str, str]]  # (range, its first cell), in the file's order
    corners: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # first rows, columns, last rows, columns
    same: dict[str, list[int]]  # the positions in `merged` of each range (one, unless the file repeats it)
    settled: np.ndarray  # whether each range was rejected or found to repeat its value in every cell


def _places(sheet: guard.SheetFacts) -> _Places:
    formulas = sorted(sheet.formulas_without_values, key=_a1)
    cells = [_a1(ref) for ref in formulas]
    merged_ranges, corners = [], []
    same: dict[str, list[int]] = {}
    for i, merged in enumerate(sheet.merged):
        first, _, last = merged.partition(":")
        merged_ranges.append((merged, first))
        corners.append((*_a1(first), *_a1(last or first)))
        same.setdefault(merged, []).append(i)
    r1s, c1s, r2s, c2s = np.array(corners, dtype=np.int64).reshape(-1, 4).T
    return _Places(formulas, np.array([r for r, _ in cells], dtype=np.int64),
                   np.array([c for _, c in cells], dtype=np.int64), merged_ranges, (r1s, c1s, r2s, c2s), same,
                   np.zeros(len(merged_ranges), dtype=bool))


def _a1_positions(refs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """_a1 of every item of an object array at once, as (rows, columns): (0, 0) for what is no A1
    reference (a CSV's "column:line", a missing cell)."""
    size = len(refs)
    items = refs.tolist()
    text = np.fromiter(map(type, items), dtype=object, count=size) == _STR
    if not text.all():
        items = [item if is_text else "" for item, is_text in zip(items, text.tolist(), strict=True)]
    if "\0" in "".join(items):
        # NOTE: numpy's strings end at a trailing NUL, which _A1 would refuse; such texts are read one by one.
        found = [_a1(item) if is_text else (0, 0) for item, is_text in zip(items, text.tolist(), strict=True)]
        return np.array([f[0] for f in found], dtype=np.int64), np.array([f[1] for f in found], dtype=np.int64)
    texts = np.array(items, dtype=str)
    width = texts.dtype.itemsize // 4
    rows = np.zeros(size, dtype=np.int64)
    columns = np.zeros(size, dtype=np.int64)
    if not size or not width:
        return rows, columns
    chars = texts.view(np.uint32).reshape(size, width).astype(np.int64)
    letter = (chars >= 65) & (chars <= 90)
    digit = (chars >= 48) & (chars <= 57)
    letters = np.cumprod(letter, axis=1).sum(axis=1)  # the leading run of capitals
    lengths = np.count_nonzero(chars, axis=1)
    position = np.arange(width)[None, :]
    number = (position >= letters[:, None]) & (position < lengths[:, None])
    # _A1's fullmatch: one to three capitals, then one to seven digits, then the end.
    valid = ((letters >= 1) & (letters <= 3) & (lengths - letters >= 1) & (lengths - letters <= 7)
             & ~(number & ~digit).any(axis=1))
    for k in range(width):
        rows = np.where(number[:, k], rows * 10 + chars[:, k] - 48, rows)
        columns = np.where(position[0, k] < letters, columns * 26 + chars[:, k] - 64, columns)
    rows, columns = np.where(valid, rows, 0), np.where(valid, columns, 0)
    # NOTE: _A1's \d takes any Unicode digit; a text beyond ASCII is read by _a1 itself.
    for i in np.flatnonzero((chars > 127).any(axis=1)).tolist():
        rows[i], columns[i] = _a1(items[i])
    return rows, columns


def _drop(parsed: Parsed, frame: pd.DataFrame, dropped: set[tuple[str, str]]) -> None:
    """The observations frame without the figures read from the (sheet, cell) pairs `dropped`."""
    by_sheet: dict[str, set[str]] = {}
    for sheet, ref in dropped:
        by_sheet.setdefault(sheet, set()).add(ref)
    hit = np.zeros(len(frame), dtype=bool)
    for sheet, refs in by_sheet.items():
        hit |= ((frame["source_sheet"] == sheet) & frame["source_cell"].isin(refs)).to_numpy(dtype=bool)
    parsed.tables["observations"] = frame[~hit]


def _record_crash(engine: Engine, report: load.LoadReport, trace: str, path: Path) -> None:
    """A failed load in the history, with the traceback in its report for developers only."""
    load.record_failure(engine, report, source_path=path)
    with engine.begin() as conn:
        conn.execute(update(Load).where(Load.id == report.load_id)
                     .values(report={**report.as_json(), "traceback": trace}))


@dataclass
class Prepared:
    """What a load does before it needs the database: the file's hash, its parse and the checks' findings.

    Exactly one of `parsed` (with `rejections`, and `ready`: sorted and counted for writing), `refusal` (why
    the file was refused as input) and `crash` (a parser's or a check's failure as "Type: message", with
    `trace`) is set. Plain data only, so a file prepared in another process comes back whole.
    """

    path: Path
    name: str
    sha: str
    adapter: str | None
    parsed: Parsed | None = None
    rejections: list[Rejection] = field(default_factory=list)
    ready: load.ReadyToWrite | None = None
    refusal: Rejection | None = None
    crash: str = ""
    trace: str = ""


def _cause(exc: BaseException) -> str:
    """An exception as the load history words it: its type and the first line of its message."""
    return f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"


def prepare(path: Path, adapter: str | None = None, options: Options | None = None,
            file_name: str | None = None) -> Prepared:
    """Hash, parse and check one file, and sort and count it for writing (load.ready_to_write); what failed is
    kept in the result, never raised.

    `file_name` is the name the load history shows (default: the file's name)."""
    path = Path(path)
    name = file_name or path.name
    try:
        # NOTE: a device or a pipe is refused before it is hashed (hashing /dev/zero never ends).
        guard.check_input(path)
        sha = load.sha256_of(path)
    except (InputError, OSError):
        sha = ""
    prepared = Prepared(path, name, sha, adapter)
    try:
        prepared.parsed = parse_path(path, adapter, options)
    except InputError as exc:
        prepared.refusal = exc.rejection
        return prepared
    except BaseException as exc:  # NOTE: a parser that crashes (or a Rust panic) must still leave a record
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        prepared.crash, prepared.trace = _cause(exc), traceback.format_exc()
        return prepared
    try:
        prepared.rejections = run_checks(prepared.parsed, name)
        prepared.ready = load.ready_to_write(prepared.parsed)
    except Exception as exc:
        prepared.crash, prepared.trace = _cause(exc), traceback.format_exc()
    return prepared


def load_path(
    engine: Engine,
    path: Path,
    adapter: str | None = None,
    options: Options | None = None,
    dry_run: bool = False,
    allow_rejections: bool = False,
    on_table_done: load.ProgressCallback | None = None,
    file_name: str | None = None,
) -> load.LoadReport:
    """Parse, check and apply one file. Every attempt is recorded: refused input as "rejected", and
    any other failure (a parser's crash included) as "failed" with its message; never raised.

    `file_name` is the name the load history shows (default: the file's name)."""
    return load_prepared(engine, prepare(path, adapter, options, file_name), dry_run=dry_run,
                         allow_rejections=allow_rejections, on_table_done=on_table_done)


def load_prepared(engine: Engine, prepared: Prepared, dry_run: bool = False, allow_rejections: bool = False,
                  on_table_done: load.ProgressCallback | None = None) -> load.LoadReport:
    """Apply a prepared file, or record why it cannot be; never raised."""
    path, name, sha, parsed = prepared.path, prepared.name, prepared.sha, prepared.parsed
    if prepared.refusal is not None:
        report = load.LoadReport(name, sha, prepared.adapter or "unknown", None, status="rejected",
                                 rejections=[prepared.refusal], error=str(prepared.refusal))
        report.sheets = sheet_summary({}, report.rejections)
        if not dry_run:
            load.record_failure(engine, report, source_path=path)
        return report
    if prepared.crash or parsed is None:
        return _failed(engine, path, name, sha, parsed.adapter if parsed else prepared.adapter or "unknown",
                       parsed.edition if parsed else None, prepared.crash or "nothing was parsed", dry_run,
                       prepared.trace)
    try:
        return load.apply(engine, parsed, file_name=name, sha256=sha, dry_run=dry_run,
                          allow_rejections=allow_rejections, on_table_done=on_table_done, source_path=path,
                          rejections=prepared.rejections, ready=prepared.ready)
    except Exception as exc:
        return _failed(engine, path, name, sha, parsed.adapter, parsed.edition, _cause(exc), dry_run)


# How many files a load of several prepares ahead of the one being written, in another process, by database.
# NOTE: PostgreSQL stores rows in its own process, and a full build spent about half its time with the client
# waiting for it (client 28 s of CPU, server 29 s, wall 55 s on a slow evening: one core busy at a time). A
# process here prepares the next files on the free core meanwhile. A thread did the same under the
# interpreter's lock and hid only part of it (and made SQLite, which stores rows in this process, slower).
# With a process SQLite gains too: interleaved full builds took 26.3-28.0 s against 32.1-36.5 s in turn.
PREPARE_AHEAD = {"postgresql": 3, "sqlite": 3}


def load_paths(engine: Engine, items: list[tuple[Path, str | None, str]], dry_run: bool = False,
               on_start: Callable[[str], None] | None = None) -> Iterator[load.LoadReport]:
    """Load each (path, adapter, file name) in turn, as load_path does, preparing the next ones meanwhile.

    The preparing process (see PREPARE_AHEAD) starts in this call, before the caller starts any thread of
    its own (a progress display): a process forked from one running other threads may inherit a lock one of
    them holds."""
    ahead = PREPARE_AHEAD.get(engine.dialect.name, 0)
    if not ahead or len(items) < 2:
        return _in_turn(engine, items, dry_run, on_start)
    # NOTE: fork, so the preparing process starts with every module imported. It never uses the engine's
    # connections it inherits, and it ends by os._exit, which closes none of them.
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    pending = deque(pool.submit(prepare, path, adapter, None, name) for path, adapter, name in items[1:ahead + 1])
    return _ahead(engine, items, dry_run, on_start, pool, pending, ahead)


def _in_turn(engine: Engine, items: list[tuple[Path, str | None, str]], dry_run: bool,
             on_start: Callable[[str], None] | None) -> Iterator[load.LoadReport]:
    for path, adapter, name in items:
        if on_start:
            on_start(name)
        yield load_path(engine, path, adapter, dry_run=dry_run, file_name=name)


def _ahead(engine: Engine, items: list[tuple[Path, str | None, str]], dry_run: bool,
           on_start: Callable[[str], None] | None, pool: ProcessPoolExecutor, pending: deque, ahead: int,
           ) -> Iterator[load.LoadReport]:
    """Items 1.. come prepared from `pool` (`pending` holds the next ones); item 0 is prepared here."""
    broken = False
    try:
        for n, (path, adapter, name) in enumerate(items):
            if on_start:
                on_start(name)
            prepared = None
            if n and not broken:
                try:
                    prepared = pending.popleft().result()
                except BrokenProcessPool:
                    # The preparing process died (killed, out of memory): the rest are prepared here, in turn.
                    broken = True
                    pending.clear()
                except Exception:
                    # NOTE: prepare never raises: this is its result failing to come back (a value that cannot be
                    # pickled). The file is prepared again here, where whatever fails is recorded as usual.
                    prepared = None
                if not broken and n + ahead < len(items):
                    later, adapter_later, name_later = items[n + ahead]
                    try:
                        pending.append(pool.submit(prepare, later, adapter_later, None, name_later))
                    except BrokenProcessPool:
                        broken = True
                        pending.clear()
            if prepared is None:
                prepared = prepare(path, adapter, None, name)
            yield load_prepared(engine, prepared, dry_run=dry_run)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _failed(engine: Engine, path: Path, name: str, sha: str, adapter: str, edition: str | None,
            cause: str, dry_run: bool, trace: str = "") -> load.LoadReport:
    report = load.LoadReport(name, sha, adapter, edition, status="failed",
                             error=f"{name}: could not be loaded ({cause})")
    if not dry_run:
        _record_crash(engine, report, trace or traceback.format_exc(), path)
    return report
