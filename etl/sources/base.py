"""What every source adapter returns: tidy frames per target table, plus what it refused."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from etl.errors import Rejection


@dataclass
class Parsed:
    """Tidy frames keyed by target table name (columns = that table's columns, minus load_id)."""

    adapter: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    edition: str | None = None
    # Where the figures come from when they were not read from the raw file itself (an extract's
    # publication, origin, licence and the raw file's checksum); kept in the load's report.
    provenance: dict | None = None

    def row_count(self) -> int:
        return sum(len(frame) for frame in self.tables.values())
