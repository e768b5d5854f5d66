"""Rules a parsed source must pass before the loader writes anything."""

from __future__ import annotations

import pandas as pd

from etl.errors import Rejection
from etl.schema import NATURAL_KEYS
from etl.sources.base import Parsed


def _where(row: pd.Series) -> str:
    if "source_cell" in row and row.get("source_cell"):
        sheet = row.get("source_sheet")
        return f"{'sheet ' + repr(sheet) + ' ' if sheet else ''}cell {row['source_cell']}"
    if "source_ref" in row and row.get("source_ref"):
        return str(row["source_ref"])
    return "an earlier row"


def duplicate_keys(parsed: Parsed, file_name: str) -> list[Rejection]:
    """Two rows of one load that claim the same natural key (same region, indicator, period...)."""
    rejections = []
    for table, frame in parsed.tables.items():
        keys = list(NATURAL_KEYS.get(table, ()))
        if frame.empty or not keys or not set(keys) <= set(frame.columns):
            continue
        if table == "indicators":
            continue  # one indicator may be named by several tables of a file; the first wins
        dupes = frame[frame.duplicated(keys, keep=False)]
        for _, group in dupes.groupby(keys, sort=False):
            first = group.iloc[0]
            for _, row in group.iloc[1:].iterrows():
                sheet, row_number, column = _location(row)
                key = ", ".join(f"{k}={row[k]}" for k in keys)
                rejections.append(Rejection(
                    file_name, sheet, row_number, column,
                    f"duplicate {table} row ({key}); same as {_where(first)}",
                ))
    return rejections


def _location(row: pd.Series) -> tuple[str | None, int | None, str | None]:
    cell = row.get("source_cell") if "source_cell" in row else None
    # NOTE: "column:line" (a CSV cell, e.g. "grp:124") is tested first: it also starts with a letter.
    if cell and ":" in cell:
        column, line = cell.rsplit(":", 1)
        return None, int(line), column
    if cell and cell[0].isalpha():
        letters = "".join(ch for ch in cell if ch.isalpha())
        return row.get("source_sheet"), int(cell[len(letters):]), letters
    ref = row.get("source_ref") if "source_ref" in row else None
    if ref and "row " in str(ref):
        return None, int(str(ref).rsplit("row ", 1)[1]), None
    return None, None, None


def run_checks(parsed: Parsed, file_name: str) -> list[Rejection]:
    """Every rejection the checks find, added to what the parser refused."""
    return [*parsed.rejections, *duplicate_keys(parsed, file_name)]
