"""The rules a parsed source must pass before loading: duplicate natural keys, parser rejections."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.checks import date_problem, duplicate_keys, implausible_values, read_counts, run_checks
from etl.errors import Rejection, sheet_summary, summarise
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


# --- plausibility (SYNTHETIC frames) ----------------------------------------------------------------------


def _observations(values: list[float], status: str = "", **columns) -> pd.DataFrame:
    cells = [f"B{8 + n}" for n in range(len(values))]
    return pd.DataFrame({"indicator_code": columns.get("codes", ["grp"] * len(values)),
                         "region_code": [f"R{n}" for n in range(len(values))], "period": "2017",
                         "edition": "SYNTHETIC", "value": values, "status": status,
                         "source_sheet": "9.1.", "source_cell": cells})


def test_impossible_values_are_rejected_with_the_reason_and_dropped() -> None:
    """SYNTHETIC: GRP of -5e300, an infinite value, a published figure with no value."""
    frame = _observations([1.5, -5e300, float("inf"), float("nan"), -3.0])
    parsed = Parsed(adapter="rosstat_workbook", tables={"observations": frame})
    rejections = implausible_values(parsed, "grp_2019.xlsx")
    assert [(r.sheet, r.row, r.column, r.found) for r in rejections] == [
        ("9.1.", 10, "B", "inf"), ("9.1.", 9, "B", "-5e+300"), ("9.1.", 11, "B", "nan")]
    assert rejections[1].reason == ("value is beyond ±1e+15, larger than any published statistic "
                                    "(damaged cell?)")
    assert rejections[0].reason == "value is not a finite number"
    assert rejections[2].reason == "a published figure without a value"
    # A negative GRP growth or balance is possible: only the absurd and the non-finite are refused.
    assert list(parsed.tables["observations"]["value"]) == [1.5, -3.0]


def test_a_rejected_row_without_a_readable_cell_is_named_as_far_as_it_can_be() -> None:
    """SYNTHETIC: the cell of a refused figure missing (NaN, as pandas holds a missing text) or unusual; the
    rejection still says why, naming what is known, and no exception escapes."""
    frame = _observations([2e300, 3e300, 4e300, 5e300])
    frame["source_cell"] = [float("nan"), "grp:x7", "grp:124", None]
    frame.loc[3, "source_sheet"] = float("nan")
    parsed = Parsed(adapter="rosstat_workbook", tables={"observations": frame})
    rejections = implausible_values(parsed, "grp_2019.xlsx")
    assert sorted(((r.sheet, r.row, r.column) for r in rejections), key=str) == sorted(
        [(None, None, "value"), ("9.1.", None, "grp:x7"), (None, 124, "grp"), (None, None, "value")], key=str)
    assert all(r.reason.startswith("value is beyond") for r in rejections)
    assert parsed.tables["observations"].empty


def test_negative_counts_are_refused_but_changes_and_amounts_pass() -> None:
    """SYNTHETIC: people cannot be negative; a migration gain in people, or a profit balance, can."""
    indicators = pd.DataFrame({"code": ["pop", "migration", "profit"],
                               "name_ru": ["Численность населения", "Миграционный прирост",
                                           "Сальдированный финансовый результат"],
                               "unit_ru": ["тысяч человек", "человек", "миллионов рублей"]})
    frame = _observations([-1.0, -2.0, -3.0], codes=["pop", "migration", "profit"])
    parsed = Parsed(adapter="rosstat_workbook", tables={"observations": frame, "indicators": indicators})
    [rejection] = implausible_values(parsed, "f.xlsx")
    assert (rejection.row, rejection.reason) == (8, "a negative count is impossible for «Численность населения»")
    assert list(parsed.tables["observations"]["indicator_code"]) == ["migration", "profit"]


def test_blank_and_marked_cells_are_not_values_without_a_figure() -> None:
    frame = _observations([float("nan")], status="not_available")
    assert implausible_values(Parsed(adapter="x", tables={"observations": frame}), "f") == []


def test_negative_amounts_and_dates_that_do_not_exist() -> None:
    """SYNTHETIC cluster rows: a negative investment, an event dated 2020-13-45."""
    investments = pd.DataFrame({"record_key": ["a", "b"], "amount_low_mn": [5.0, -1.0],
                                "amount_high_mn": [5.0, -1.0], "source_ref": ["i.csv, row 2", "i.csv, row 3"]})
    events = pd.DataFrame({"record_key": ["e"], "date": ["2020-13-45"], "source_ref": ["e.csv, row 2"]})
    parsed = Parsed(adapter="x", tables={"investments": investments, "events": events})
    rejections = implausible_values(parsed, "f.csv")
    assert [(r.row, r.column, r.reason) for r in rejections] == [
        (3, "amount_low_mn", "amount_low_mn cannot be negative"),
        (3, "amount_high_mn", "amount_high_mn cannot be negative"),
        (2, "date", "date '2020-13-45' does not exist (month 13)")]
    assert list(parsed.tables["investments"]["record_key"]) == ["a"]
    assert parsed.tables["events"].empty


@pytest.mark.parametrize(("text", "problem"), [
    ("2020-13-45", "date '2020-13-45' does not exist (month 13)"),
    ("2021-02-29 (planned)", "date '2021-02-29' does not exist (day 29 of month 2)"),
    ("reported 31.04.2016", "date '31.04.2016' does not exist (day 31 of month 4)"),
    ("2024-02-29", None), ("2010-2011", None), ("2018-Q1 (planned)", None), ("Innoprom-2017", None),
    ("2010-09 (reported 14.09.2010)", None), (None, None),
])
def test_date_problem(text: str | None, problem: str | None) -> None:
    assert date_problem(text) == problem


def test_duplicates_are_dropped_whole() -> None:
    frame = pd.DataFrame({"record_key": ["a", "b", "a"], "source_ref": [f"SYNTHETIC.csv row {n}" for n in (2, 3, 4)]})
    parsed = Parsed(adapter="cluster_events", tables={"events": frame})
    assert len(duplicate_keys(parsed, "SYNTHETIC.csv")) == 1
    assert list(parsed.tables["events"]["record_key"]) == ["b"]


# --- refusals that help ---------------------------------------------------------------------------------


def test_summarise_groups_one_cause() -> None:
    reason = "text where a number was expected"
    rejections = [Rejection("f.xlsx", "13.5.", row, "U", reason, f"v{row}") for row in range(17, 357)]
    rejections.insert(1, Rejection("f.xlsx", "13.5.", 9, "A", "unknown region name", "Атлантида"))
    rejections.append(Rejection("f.xlsx", "13.6.", 5, "B", reason, "x"))
    assert summarise(rejections) == [
        "f.xlsx, sheet '13.5.': text where a number was expected in 340 cells: U17, U18, U19, … (found e.g. 'v17')",
        "f.xlsx, sheet '13.5.', row 9, column A: unknown region name (found 'Атлантида')",
        "f.xlsx, sheet '13.6.', row 5, column B: text where a number was expected (found 'x')",
    ]
    csv_rows = [Rejection("i.csv", None, line, "amount", "not a figure", "many") for line in (3, 4)]
    assert summarise(csv_rows) == ["i.csv: not a figure in 2 rows: row 3 (amount), row 4 (amount) (found 'many')"]


def test_sheet_summary_and_read_counts() -> None:
    frame = _observations([1.0, 2.0])
    parsed = Parsed(adapter="x", tables={"observations": frame})
    assert read_counts(parsed) == {"9.1.": 2}
    assert read_counts(Parsed(adapter="x", tables={"events": pd.DataFrame({"a": [1, 2, 3]})})) == {None: 3}
    rejections = [Rejection("f", "9.1.", 9, "B", "bad"), Rejection("f", "9.1.", 10, "B", "bad"),
                  Rejection("f", "9.2.", 3, "A", "other")]
    assert sheet_summary({"9.1.": 2}, rejections) == [
        {"sheet": "9.1.", "accepted": 2, "rejected": 2, "reasons": ["bad (2)"]},
        {"sheet": "9.2.", "accepted": 0, "rejected": 1, "reasons": ["other (1)"]}]
