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


class ObservationBuilder:
    """Collects figures column-wise (cheap appends) and makes the observations frame at the end."""

    def __init__(self, edition: str, source_file: str):
        self.edition, self.source_file = edition, source_file
        self._columns: dict[str, list] = {c: [] for c in OBSERVATION_COLUMNS if c not in ("edition", "source_file")}

    def __len__(self) -> int:
        return len(self._columns["indicator_code"])

    def add(self, indicator_code: str, region_code: str, period: Period, value: float | None, status: str,
            sheet: str | None, cell: str | None, header: str | None = None, value_text: str | None = None) -> None:
        """One figure: its indicator, region, period, value or status flag, and the cells it was read from."""
        c = self._columns
        c["indicator_code"].append(indicator_code)
        c["region_code"].append(region_code)
        c["period"].append(period.code)
        c["period_kind"].append(period.kind)
        c["year"].append(period.year)
        c["month"].append(period.month if period.kind in ("month", "ytd") else None)
        c["value"].append(value)
        c["status"].append(status)
        c["value_text"].append(value_text)
        c["source_sheet"].append(sheet)
        c["source_cell"].append(cell)
        c["source_header"].append(header)

    def frame(self) -> pd.DataFrame:
        """The observations frame, columns OBSERVATION_COLUMNS (value float64, year int64)."""
        data = dict(self._columns)
        size = len(self)
        data["value"] = pd.array(data["value"], dtype="float64") if size else []
        data["year"] = pd.array(data["year"], dtype="int64") if size else []
        data["month"] = pd.array(data["month"], dtype="Int64") if size else []
        data["edition"] = [self.edition] * size
        data["source_file"] = [self.source_file] * size
        return pd.DataFrame(data, columns=OBSERVATION_COLUMNS)
