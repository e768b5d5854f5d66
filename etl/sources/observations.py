"""The observations frame every statistical adapter returns, built one figure or one block at a time.

One home for its columns, so the workbook, monthly, EMISS and CBR adapters, the panel and the
extracts agree on them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import NamedTuple

import numpy as np
import pandas as pd

from etl.periods import Period
from etl.sources.base import CellPositions
from etl.sources.cells import CellValue, column_letter, parse_value

OBSERVATION_COLUMNS = [
    "indicator_code", "region_code", "period", "period_kind", "year", "month", "value", "status",
    "value_text", "edition", "source_file", "source_sheet", "source_cell", "source_header",
]


# The columns add() collects, in the order of its tuples (edition and source_file are the same for all).
_COLLECTED = ["indicator_code", "region_code", "period", "period_kind", "year", "month", "value", "status",
              "value_text", "source_sheet", "source_cell", "source_header"]
# The text columns of a block (object arrays or Coded); a block's "month" is (values, missing mask).
_TEXT = [c for c in _COLLECTED if c not in ("year", "month", "value")]
_FLOAT, _STR_TYPE = float, str


class Coded(NamedTuple):
    """A block's text column as its texts and, for each figure, the position of its text among them
    (-1 for None): a table's few indicator codes, periods or sheet name, given once rather than per figure."""

    texts: list[str]
    codes: np.ndarray  # integers


def _as_objects(column: object) -> np.ndarray:
    """A block's text column as an object array (None where a Coded column's code is -1)."""
    if not isinstance(column, Coded):
        return column  # type: ignore[return-value]
    return _objects([*column.texts, None])[column.codes]


class ObservationBuilder:
    """Collects figures as one tuple each (the cheapest append) or as column blocks (a whole table at
    once), and makes the observations frame at the end, in the order they were added."""

    def __init__(self, edition: str, source_file: str):
        self.edition, self.source_file = edition, source_file
        self._rows: list[tuple] = []
        self._places: list[tuple[int, int]] = []  # (row, column) of each of _rows, when add_row said them
        self._blocks: list[dict[str, object]] = []
        self._in_blocks = 0
        # Where the figures stand, once frame() made the frame and every block said it (add() does not).
        self.positions: CellPositions | None = None

    def __len__(self) -> int:
        return self._in_blocks + len(self._rows)

    def add(self, indicator_code: str, region_code: str, period: Period, value: float | None, status: str,
            sheet: str | None, cell: str | None, header: str | None = None, value_text: str | None = None) -> None:
        """One figure: its indicator, region, period, value or status flag, and the cells it was read from."""
        self._rows.append((indicator_code, region_code, period.code, period.kind, period.year, period.stored_month,
                           value, status, value_text, sheet, cell, header))

    def add_row(self, row: tuple, row_number: int, column_number: int) -> None:
        """One figure as the tuple add() makes of it (its fields in _COLLECTED's order), with the 1-based
        row and column its source_cell names: for an adapter that works out a column's fields once."""
        self._rows.append(row)
        self._places.append((row_number, column_number))

    def add_block(self, block: dict[str, object]) -> None:
        """Figures given column by column, in _COLLECTED's names: object arrays or Coded for the text
        columns, float64 "value", int64 "year", and "month" as (int64 values, bool missing mask), all of one
        length; optionally "_row" and "_column", the 1-based position source_cell names (int64)."""
        self._flush()
        self._blocks.append(block)
        self._in_blocks += len(block["value"])  # type: ignore[arg-type]

    def _flush(self) -> None:
        """The figures added one at a time so far, as a block (so the order of adds is kept)."""
        if not self._rows:
            return
        columns = dict(zip(_COLLECTED, zip(*self._rows, strict=True), strict=True))
        placed = len(self._places) == len(self._rows)
        places = self._places
        self._rows, self._places = [], []
        block: dict[str, object] = {name: _objects(columns[name]) for name in _TEXT}
        block["value"] = np.array(columns["value"], dtype="float64")
        block["year"] = np.array(columns["year"], dtype="int64")
        months = columns["month"]
        block["month"] = (np.array([0 if m is None else m for m in months], dtype="int64"),
                          np.array([m is None for m in months], dtype=bool))
        if placed:
            # Only when every figure of the flush came with its place (add() gives none).
            block["_row"] = np.array([r for r, _ in places], dtype="int64")
            block["_column"] = np.array([c for _, c in places], dtype="int64")
        self.add_block(block)

    def frame(self) -> pd.DataFrame:
        """The observations frame, columns OBSERVATION_COLUMNS (value float64, year int64)."""
        # NOTE: the text columns of figures added one at a time are left to pandas' inference, as
        # when the frame was made from lists (an adapter may give None or a number there).
        infer = not self._blocks
        self._flush()
        if not self._in_blocks:
            return self._frame_of_rows()  # no figure at all: the empty frame
        blocks = self._blocks
        size = self._in_blocks
        data: dict[str, object] = {}
        for name in _TEXT:
            parts = [b[name] for b in blocks]
            if not infer and all(isinstance(part, Coded) for part in parts):
                data[name] = _coded_text_column(parts)
                continue
            column = _joined([_as_objects(part) for part in parts], object)
            data[name] = column if infer else _text_column(column)
        data["value"] = _joined([b["value"] for b in blocks], "float64")
        data["year"] = _joined([b["year"] for b in blocks], "int64")
        months = [b["month"] for b in blocks]
        data["month"] = pd.arrays.IntegerArray(_joined([m[0] for m in months], "int64"),  # type: ignore[index]
                                               _joined([m[1] for m in months], bool))  # type: ignore[index]
        data["edition"] = filled(size, self.edition) if infer else _coded_text_column(
            [Coded([self.edition], np.zeros(size, dtype=np.intp))])
        data["source_file"] = filled(size, self.source_file) if infer else _coded_text_column(
            [Coded([self.source_file], np.zeros(size, dtype=np.intp))])
        # NOTE: copy=False: the arrays were made for this frame (a dict's arrays are copied by default).
        frame = pd.DataFrame(data, columns=OBSERVATION_COLUMNS, copy=False)
        if all("_row" in b for b in blocks):
            self.positions = CellPositions(frame, _joined([b["_row"] for b in blocks], "int64"),
                                           _joined([b["_column"] for b in blocks], "int64"))
        return frame

    @staticmethod
    def _frame_of_rows() -> pd.DataFrame:
        """The frame of no figure (columns of the dtypes pandas gives empty lists)."""
        data: dict[str, list] = {name: [] for name in OBSERVATION_COLUMNS}
        return pd.DataFrame(data, columns=OBSERVATION_COLUMNS)


def filled(size: int, value: object) -> np.ndarray:
    """An object array holding `value` `size` times.

    NOTE: np.full(size, "text", dtype=object) makes a new str object per item (it casts a numpy
    string), forty times slower than filling with the one object.
    """
    out = np.empty(size, dtype=object)
    out.fill(value)
    return out


def _objects(values: object) -> np.ndarray:
    """An object array of the given items (never a nested array, whatever the items are)."""
    # NOTE: fromiter takes each item as it is, twice as fast as assigning a list (which numpy inspects
    # for nested sequences first).
    items = values if isinstance(values, (list, tuple)) else list(values)  # type: ignore[call-overload]
    return np.fromiter(items, dtype=object, count=len(items))


# The dtype pandas infers for a column of texts (and missing values): "str".
_STR = pd.Series(["text", None]).dtype


def _text_column(values: np.ndarray) -> object:
    """A column of texts (or None) as pandas would infer it from them, without its inference pass: "str"
    when it holds a text, else the object array as it is (all None stays object, as from a list)."""
    # NOTE: a column whose first item is a text holds a text; only the others are compared item by item.
    if not (len(values) and type(values[0]) is str) and np.equal(values, None).all():
        return values
    return pd.array(values, dtype=_STR)


def _coded_text_column(parts: list[Coded]) -> object:
    """What _text_column makes of the texts of the Coded columns `parts` joined, from their codes: each
    part's texts are checked once, not once per figure."""
    codes = _joined([part.codes for part in parts], np.intp)
    if not (codes >= 0).any():
        return filled(len(codes), None)  # no text at all: left an object array, as _text_column leaves it
    # NOTE: every part's texts after a None, in one array: a figure's text is at its part's start + 1 + its
    # code (code -1 is the None).
    widths = np.array([len(part.texts) + 1 for part in parts], dtype=np.intp)
    starts = np.cumsum(widths) - widths
    texts = _text_column(_objects(chain.from_iterable([None, *part.texts] for part in parts)))
    at = codes + np.repeat(starts + 1, [len(part.codes) for part in parts])
    # NOTE: take() of an array of checked texts makes an array of the same dtype, checking nothing again.
    return texts.take(at)  # type: ignore[attr-defined]


def _joined(arrays: list, dtype: object) -> np.ndarray:
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays).astype(dtype, copy=False)


def picker(indices: list[int]) -> Callable[[list], tuple]:
    """A function giving a row's cells at `indices` as a tuple (None beyond the row's end)."""
    if not indices:
        return lambda row: ()
    last = max(indices)
    get = itemgetter(*indices)
    whole = get if len(indices) > 1 else (lambda row: (get(row),))

    def pick(row: list) -> tuple:
        if len(row) > last:
            return whole(row)
        width = len(row)
        return tuple(row[i] if i < width else None for i in indices)

    return pick


def figures_block(problems: list[tuple[int, int, str, str, str]], targets: list[tuple], kept: list[int],
                  regions: list[str], row_variants: list[int], codes: list[list[str]], percents: list[bool],
                  blocks: list[tuple], sheet: str, marks: frozenset[str], times_refused: str) -> dict[str, object]:
    """The figures of a table's data rows `kept` (0-based) as a block for ObservationBuilder.add_block, a
    block of columns at once: a finite number is its own value; every other cell is read by parse_value.

    `targets` are (column index, indicator code, period, letter, header) of the value columns; `blocks`
    each kept row's cells in those columns (picker); `regions` each kept row's region; `codes` the
    indicator codes of each row variant (a row in its own unit takes other indicators) and `percents`
    whether its unit is a percentage, `row_variants` each row's. What is not a value goes to `problems`
    as (row, target position, reason, letter, cell text), "в N раз" in a unit that is no percentage with
    the reason `times_refused`.
    """
    width = len(targets)
    flat = list(chain.from_iterable(blocks))
    size = len(flat)
    cells = np.empty(size, dtype=object)
    cells[:] = flat
    # NOTE: the cells' types compared in one numpy call: a Python loop over a million cells costs more.
    types = np.fromiter(map(type, flat), dtype=object, count=size)
    numbers = types == _FLOAT
    values = np.full(size, np.nan)
    values[numbers] = cells[numbers].astype("float64")
    # NOTE: NaN and infinities are floats too; parse_value says what they are.
    others = np.flatnonzero(~numbers | ~np.isfinite(values))
    keep = np.ones(size, dtype=bool)
    # Status flags and value texts as Coded columns: most figures have none.
    statuses: dict[str, int] = {"": 0}
    status = np.zeros(size, dtype=np.intp)
    value_texts: dict[str, int] = {}
    texts = np.full(size, -1, dtype=np.intp)
    letters = [letter for _, _, _, letter, _ in targets]
    # NOTE: the same few texts ("…", "-", "x", "") fill most cells that are no number: each text is read once,
    # and its cells take what it says together (a bulletin sheet has a thousand such cells, a yearbook table
    # a hundred). A text that is refused or says "в N раз" is left to the cell by cell reading below.
    is_text = types[others] == _STR_TYPE
    alone: list[int] = others[~is_text].tolist()
    if is_text.any():
        at_text = others[is_text]
        # NOTE: each text numbered by a dict in C (dict.fromkeys, then map of its look-up): pandas' factorize
        # costs ~0.1 ms a call, more than a block's texts take. Texts are equal only to texts here (the
        # 1 == 1.0 == True of numbers and booleans cannot merge cells of different kinds).
        texts_of_cells = cells[at_text].tolist()
        number_of = {text: n for n, text in enumerate(dict.fromkeys(texts_of_cells))}
        text_codes = np.fromiter(map(number_of.__getitem__, texts_of_cells), dtype=np.intp, count=len(texts_of_cells))
        distinct = list(number_of)
        read = np.zeros(len(distinct), dtype=bool)
        distinct_values = np.full(len(distinct), np.nan)
        distinct_status = np.zeros(len(distinct), dtype=np.intp)
        distinct_texts = np.full(len(distinct), -1, dtype=np.intp)
        for u, text in enumerate(distinct):
            result = parse_value(text, marks)
            if not isinstance(result, CellValue) or result.times:
                continue
            read[u] = True
            if result.value is not None:
                distinct_values[u] = result.value
            distinct_status[u] = statuses.setdefault(result.status, len(statuses))
            if result.text is not None:
                distinct_texts[u] = value_texts.setdefault(result.text, len(value_texts))
        taken_here = read[text_codes]
        where, of = at_text[taken_here], text_codes[taken_here]
        values[where], status[where], texts[where] = distinct_values[of], distinct_status[of], distinct_texts[of]
        alone += at_text[~taken_here].tolist()
    for i in alone:
        cell = flat[i]
        result = parse_value(cell, marks)
        n, j = divmod(i, width)
        if not isinstance(result, CellValue):
            problems.append((kept[n], j, result, letters[j], str(cell)[:100]))
            keep[i] = False
            continue
        if result.times and not percents[row_variants[n]]:
            problems.append((kept[n], j, times_refused, letters[j], str(cell)[:100]))
            keep[i] = False
            continue
        values[i] = np.nan if result.value is None else result.value
        status[i] = statuses.setdefault(result.status, len(statuses))
        if result.text is not None:
            texts[i] = value_texts.setdefault(result.text, len(value_texts))
    rows = len(kept)
    periods = [period for _, _, period, _, _ in targets]
    row_indices = np.array(kept, dtype=np.intp)
    column_indices = np.array([index for index, *_ in targets], dtype=np.intp)
    # The text columns a table repeats (its columns' indicators, periods and headers, its rows' regions,
    # its sheet) as Coded: each text once, and where each figure takes it from; the figures are laid out
    # row by row, so a figure's column is its position modulo the width.
    by_column = np.arange(size, dtype=np.intp) % max(width, 1)
    by_row = np.repeat(np.arange(rows, dtype=np.intp), width)
    block = {
        "indicator_code": Coded(list(chain.from_iterable(codes)),
                                np.array(row_variants, dtype=np.intp)[by_row] * width + by_column),
        "region_code": Coded(regions, by_row),
        "period": Coded([p.code for p in periods], by_column),
        "period_kind": Coded([p.kind for p in periods], by_column),
        "year": np.array([p.year for p in periods], dtype="int64")[by_column],
        "month": (np.array([p.stored_month or 0 for p in periods], dtype="int64")[by_column],
                  np.array([p.stored_month is None for p in periods], dtype=bool)[by_column]),
        "value": values,
        "status": Coded(list(statuses), status),
        "value_text": Coded(list(value_texts), texts),
        "source_sheet": Coded([sheet], np.zeros(size, dtype=np.intp)),
        "source_cell": cell_names(row_indices, column_indices),
        "source_header": Coded([header for *_, header in targets], by_column),
        "_row": (row_indices + 1).astype("int64")[by_row],
        "_column": (column_indices + 1).astype("int64")[by_column],
    }
    return block if keep.all() else taken(block, keep)


# A1 names are looked up in a table of them at least this large (rows, columns); a block reaching beyond
# MAX_NAMED names (a table low on a long sheet) joins its names one by one instead.
_NAMED_ROWS, _NAMED_COLUMNS, _MAX_NAMED = 256, 64, 1 << 18


def cell_names(rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The A1 names ("B9") of the cells at 0-based `rows` x `columns`, row by row, as an object array."""
    if not len(rows) or not len(columns):
        return np.empty(0, dtype=object)
    # NOTE: a table's figures name the same few hundred cells as every other table's: taking the names
    # from one table of them costs a tenth of joining a letter and a number for every figure.
    height = max(_NAMED_ROWS, 1 << int(rows.max()).bit_length())
    width = max(_NAMED_COLUMNS, 1 << int(columns.max()).bit_length())
    if height * width <= _MAX_NAMED:
        return _cell_name_table(height, width)[rows[:, None], columns[None, :]].ravel()
    return (np.array([column_letter(c) for c in columns.tolist()], dtype=object)[None, :]
            + np.array([str(r + 1) for r in rows.tolist()], dtype=object)[:, None]).ravel()


@lru_cache(maxsize=4)
def _cell_name_table(height: int, width: int) -> np.ndarray:
    """An object array whose [row, column] (0-based) is that cell's A1 name."""
    return (np.array([column_letter(c) for c in range(width)], dtype=object)[None, :]
            + np.array([str(r + 1) for r in range(height)], dtype=object)[:, None])


def taken(block: dict[str, object], keep: np.ndarray) -> dict[str, object]:
    """The figures of a block where `keep` (a bool per figure) is True."""
    return {name: Coded(column.texts, column.codes[keep]) if isinstance(column, Coded)
            else (column[0][keep], column[1][keep]) if isinstance(column, tuple) else column[keep]
            for name, column in block.items()}
