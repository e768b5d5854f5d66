"""Files of a Table: CSV bytes (UTF-8 with a BOM so Excel reads Cyrillic), formula-guarded."""

from __future__ import annotations

import csv
import io

from dashboard.model.safety import guard_cell
from dashboard.model.table import Table

BOM = "\ufeff"


def csv_bytes(table: Table) -> bytes:
    """The table as CSV: a header of column names, missing cells empty, text cells guarded."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.names)
    writer.writerows([_cell(v) for v in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # repr keeps every published digit; integral floats without a trailing ".0" read as numbers either way.
        return repr(value)
    return guard_cell(value)
