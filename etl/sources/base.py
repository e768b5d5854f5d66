"""What every source adapter returns: tidy frames per target table, plus what it refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from etl.errors import Rejection


class CellPositions(NamedTuple):
    """The 1-based row and column of every figure of an observations frame, as its source_cell says
    them, known by the adapter that built the frame (so they need not be read back from the text)."""

    frame: pd.DataFrame
    rows: np.ndarray
    columns: np.ndarray


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
    # Where the figures of tables["observations"] stand, when the adapter knows; valid only while that
    # frame is `cell_positions.frame` (a frame replaced or filtered since is read from its text again).
    cell_positions: CellPositions | None = None

    def row_count(self) -> int:
        return sum(len(frame) for frame in self.tables.values())
