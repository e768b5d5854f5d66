"""The observations frame every statistical adapter returns, built one figure at a time.

One home for its columns, so the workbook, monthly, EMISS and CBR adapters, the panel and the
extracts agree on them.
"""

from __future__ import annotations

import pandas as pd

from etl.periods import Period

OBSERVATION_COLUMNS = [
    "indicator_code", "region_code", "period", "period_kind", "year", "month", "value", "status",
    "value_text", "edition", "source_file", "source_sheet", "source_cell", "source_header",
]


# The columns add() collects, in the order of its tuples (edition and source_file are the same for all).
_COLLECTED = ["indicator_code", "region_code", "period", "period_kind", "year", "month", "value", "status",
              "value_text", "source_sheet", "source_cell", "source_header"]


class ObservationBuilder:
    """Collects figures as one tuple each (the cheapest append) and makes the observations frame at the end."""

    def __init__(self, edition: str, source_file: str):
        self.edition, self.source_file = edition, source_file
        self._rows: list[tuple] = []

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, indicator_code: str, region_code: str, period: Period, value: float | None, status: str,
            sheet: str | None, cell: str | None, header: str | None = None, value_text: str | None = None) -> None:
        """One figure: its indicator, region, period, value or status flag, and the cells it was read from."""
        self._rows.append((indicator_code, region_code, period.code, period.kind, period.year, period.stored_month,
                           value, status, value_text, sheet, cell, header))

    def frame(self) -> pd.DataFrame:
        """The observations frame, columns OBSERVATION_COLUMNS (value float64, year int64)."""
        size = len(self._rows)
        columns = zip(*self._rows, strict=True) if size else ([] for _ in _COLLECTED)
        data = {name: list(values) for name, values in zip(_COLLECTED, columns, strict=True)}
        data["value"] = pd.array(data["value"], dtype="float64") if size else []
        data["year"] = pd.array(data["year"], dtype="int64") if size else []
        data["month"] = pd.array(data["month"], dtype="Int64") if size else []
        data["edition"] = [self.edition] * size
        data["source_file"] = [self.source_file] * size
        return pd.DataFrame(data, columns=OBSERVATION_COLUMNS)
