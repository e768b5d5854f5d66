"""The spreadsheet-formula guard: the one rule every CSV and XLSX writer applies to text cells."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import pandas as pd

# A cell a spreadsheet would run as a formula (or use to inject one) starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Every start is one character, so the check is one set lookup of a cell's first character (the XLSX writer runs it
# on every text cell of a 100,000-row export). Derived from FORMULA_STARTS: the rule stays in one place.
FORMULA_FIRST_CHARS = frozenset(FORMULA_STARTS)
if any(len(start) != 1 for start in FORMULA_STARTS):  # (a longer start would need startswith again)
    raise RuntimeError("FORMULA_FIRST_CHARS needs one-character FORMULA_STARTS")


def grid_export_params(file_name: str) -> dict:
    """AG Grid csvExportParams whose cells pass the same guard (assets/grid_export.js applies FORMULA_STARTS)."""
    starts = json.dumps("".join(FORMULA_STARTS))
    return {"fileName": file_name, "processCellCallback": {"function": f"guardFormulaCell(params, {starts})"},
            "processHeaderCallback": {"function": f"guardFormulaHeader(params, {starts})"}}


def needs_guard(value: object) -> bool:
    """Text a spreadsheet would run as a formula: it starts with = + - @ tab or CR (numbers never do)."""
    return isinstance(value, str) and value[:1] in FORMULA_FIRST_CHARS


def guard_cell(value: object) -> object:
    """Text a spreadsheet would treat as a formula gets a leading apostrophe; everything else is unchanged.

    Numbers are not text: a negative figure (-2.5) stays a number.
    """
    if needs_guard(value):
        return "'" + value
    return value


def guard_rows(rows: Iterable[Sequence]) -> list[tuple]:
    """Rows with every text cell guarded."""
    return [tuple(guard_cell(v) for v in row) for row in rows]


def guard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a pandas frame with every text cell guarded (columns of numbers are left as they are)."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) and not pd.api.types.is_bool_dtype(safe[column]):
            safe[column] = safe[column].map(guard_cell).astype(object)
    return safe
