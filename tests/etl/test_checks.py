"""The rules a parsed source must pass before loading: duplicate natural keys, parser rejections."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.checks import duplicate_keys, run_checks
from etl.errors import Rejection
from etl.sources import rosstat_panel, rosstat_workbook
from etl.sources.base import Parsed
from tests.fixtures import GRP_ROWS, PANEL_HEADER, grp_table, write_csv, write_rr_workbook


def test_same_region_twice_in_a_table_names_both_cells(tmp_path: Path) -> None:
    rows = [*GRP_ROWS, ["КАЛУЖСКАЯ  ОБЛАСТЬ", 11.1, 99.0]]
    path = write_rr_workbook(tmp_path / "dup_2019.xlsx", grp_table(rows))
    parsed = rosstat_workbook.parse(path)
    assert parsed.rejections == []
    rejections = run_checks(parsed, path.name)
    assert [(r.sheet, r.row, r.column) for r in rejections] == [("9.1.", 10, "B"), ("9.1.", 10, "C")]
    first = rejections[0]
    assert first.file == "dup_2019.xlsx"
    assert first.reason == ("duplicate observations row (indicator_code=grp, region_code=RU-KLU, "
                            "period=2016, edition=RR-2019); same as sheet '9.1.' cell B8")
    assert rejections[1].reason.endswith("period=2017, edition=RR-2019); same as sheet '9.1.' cell C8")
    assert str(first).startswith("dup_2019.xlsx, sheet '9.1.', row 10, column B: duplicate observations row")


def test_unknown_spelling_with_values_is_rejected_not_dropped(tmp_path: Path) -> None:
    path = write_rr_workbook(tmp_path / "x_2019.xlsx", grp_table([*GRP_ROWS, ["Калужская обл", 1, 2]]))
    rejections = run_checks(rosstat_workbook.parse(path), path.name)
    assert [(r.row, r.column, r.reason, r.found) for r in rejections] == [
        (10, "A", "unknown region name", "Калужская обл")]


def test_duplicate_panel_rows_name_the_csv_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dup.csv", PANEL_HEADER, [
        ["Калужская область", "2016", "1", "2"],
        ["Тульская область", "2016", "3", "4"],
        ["Калужская область", "2016", "1", "2"],
    ])
    rejections = run_checks(rosstat_panel.parse(path), path.name)
    assert [(r.file, r.sheet, r.row, r.column) for r in rejections] == [
        ("dup.csv", None, 4, "grp"), ("dup.csv", None, 4, "invest")]
    assert rejections[0].reason.endswith("same as cell grp:2")


def test_rows_located_by_source_ref() -> None:
    frame = pd.DataFrame({"record_key": ["a", "b", "a"],
                          "source_ref": [f"SYNTHETIC.csv row {n}" for n in (2, 3, 4)]})
    parsed = Parsed(adapter="cluster_events", tables={"events": frame})
    [rejection] = duplicate_keys(parsed, "SYNTHETIC.csv")
    assert (rejection.row, rejection.column) == (4, None)
    assert rejection.reason == "duplicate events row (record_key=a); same as SYNTHETIC.csv row 2"


def test_indicators_named_twice_are_allowed() -> None:
    frame = pd.DataFrame({"code": ["grp", "grp"], "name_ru": ["ВРП", "ВРП"]})
    assert duplicate_keys(Parsed(adapter="rosstat_workbook", tables={"indicators": frame}), "f") == []


def test_tables_without_natural_keys_or_rows_are_ignored() -> None:
    parsed = Parsed(adapter="x", tables={
        "observations": pd.DataFrame(columns=["indicator_code", "region_code", "period", "edition"]),
        "not_a_table": pd.DataFrame({"a": [1, 1]}),
        "regions": pd.DataFrame({"name_ru": ["a", "a"]}),  # key column absent
    })
    assert duplicate_keys(parsed, "f") == []


def test_run_checks_keeps_parser_rejections_first() -> None:
    parser_side = Rejection("f.xlsx", "9.1.", 7, "A", "unknown region name", "Атлантида")
    frame = pd.DataFrame({"code": ["RU", "RU"], "name_ru": ["Россия", "Россия"]})
    parsed = Parsed(adapter="regions", tables={"regions": frame}, rejections=[parser_side])
    rejections = run_checks(parsed, "f.xlsx")
    assert rejections[0] is parser_side
    assert len(rejections) == 2
    assert rejections[1].reason == "duplicate regions row (code=RU); same as an earlier row"
