"""The observations frame from column blocks: Coded text columns make the frame the same object arrays make
(SYNTHETIC blocks: a few figures typed like a workbook table's)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.sources.cells import cell_ref
from etl.sources.observations import Coded, ObservationBuilder, _as_objects, cell_names


def _block(rows: list[str], value_texts: Coded, coded: bool) -> dict[str, object]:
    """Two columns (2023, 2024) of one indicator for the regions `rows`, as Coded or as object arrays."""
    size = 2 * len(rows)
    by_column = np.tile(np.arange(2), len(rows))
    columns = {
        "indicator_code": Coded(["POP"], np.zeros(size, dtype=np.intp)),
        "region_code": Coded(rows, np.repeat(np.arange(len(rows)), 2)),
        "period": Coded(["2023", "2024"], by_column),
        "period_kind": Coded(["year", "year"], by_column),
        "status": Coded(["", "…"], np.array([0] * (size - 1) + [1])),
        "value_text": value_texts,
        "source_sheet": Coded(["1.1."], np.zeros(size, dtype=np.intp)),
        "source_header": Coded(["2023", "2024"], by_column),
    }
    if not coded:
        columns = {name: _as_objects(column) for name, column in columns.items()}
    cells = np.array([f"{letter}{r + 5}" for r in range(len(rows)) for letter in "BC"], dtype=object)
    return {**columns, "source_cell": cells, "value": np.arange(size, dtype="float64"),
            "year": np.tile(np.array([2023, 2024]), len(rows)),
            "month": (np.zeros(size, dtype="int64"), np.ones(size, dtype=bool))}


def _frame(blocks: list[dict[str, object]]) -> pd.DataFrame:
    builder = ObservationBuilder("RR-2024", "rr.xlsx")
    for block in blocks:
        builder.add_block(block)
    return builder.frame()


def _assert_same(frame: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert frame.dtypes.to_dict() == expected.dtypes.to_dict()
    pd.testing.assert_frame_equal(frame, expected)


def test_coded_columns_make_the_frame_object_arrays_make() -> None:
    texts = Coded(["1202)"], np.array([-1, 0, -1, -1]))
    first, second = (["RU", "40"], texts), (["77"], Coded([], np.full(2, -1)))
    coded = _frame([_block(*first, coded=True), _block(*second, coded=True)])
    plain = _frame([_block(*first, coded=False), _block(*second, coded=False)])
    _assert_same(coded, plain)
    assert coded["region_code"].tolist() == ["RU", "RU", "40", "40", "77", "77"]
    assert coded["value_text"].isna().tolist() == [True, False, True, True, True, True]
    assert str(coded["indicator_code"].dtype) == "str"
    # Blocks of both kinds in one frame.
    _assert_same(_frame([_block(*first, coded=True), _block(*second, coded=False)]), plain)


def test_a_coded_column_without_any_text_stays_an_object_column_of_none() -> None:
    frame = _frame([_block(["RU"], Coded(["unused"], np.full(2, -1)), coded=True)])
    assert frame["value_text"].dtype == object and frame["value_text"].tolist() == [None, None]
    _assert_same(frame, _frame([_block(["RU"], Coded([], np.full(2, -1)), coded=False)]))


def test_cell_names_are_the_a1_names_of_every_row_and_column_in_both_ways_of_making_them() -> None:
    """Rows and columns within the table of names, and a row far beyond it (named one by one)."""
    for rows, columns in (([0, 4, 117], [1, 2, 27, 200]), ([3, 70_000], [0, 16_383])):
        names = cell_names(np.array(rows, dtype=np.intp), np.array(columns, dtype=np.intp))
        assert names.tolist() == [cell_ref(r, c) for r in rows for c in columns]
    assert cell_names(np.array([], dtype=np.intp), np.array([1], dtype=np.intp)).tolist() == []
