"""Files of a Table: CSV bytes (UTF-8 with a BOM so Excel reads Cyrillic), formula-guarded."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence

import pandas as pd

from dashboard.model.safety import guard_cell
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
    writer.writerow(names)
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
