"""Monthly 806-р bulletins: values pinned from the real .xls files, quirks on SYNTHETIC workbooks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from etl.errors import InputError
from etl.sources.rosstat_monthly import default_edition, looks_monthly, month_of, parse
from etl.text import clean_spaces
from tests.fixtures import FOOTNOTE, monthly_sheet, write_workbook

WAGE = "monthly_806_2016-01_average_wage.xls"
IPI = "monthly_806_2016-01_industrial_production_index.xls"
WAGE_TITLE = "Среднемесячная номинальная начисленная заработная плата работников организаций"


def one(frame: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, f"expected one row for {where}, found {mask.sum()}"
    return frame[mask].iloc[0]


def sheet_rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


# --- the real files ------------------------------------------------------------------------------


def test_kaluga_average_wage_december_2015(parse_shared, shared_data: Path) -> None:
    frame = parse_shared(WAGE).tables["observations"]
    row = one(frame, indicator_code="avg_wage", region_code="RU-KLU", period="2015-12")
    assert row["value"] == 35556.0
    assert (row["year"], row["month"]) == (2015, 12)
    assert row["edition"] == "806-2016-01"
    assert (row["source_file"], row["source_sheet"], row["source_cell"]) == (WAGE, "рублей", "CG12")
    # Read the same cell directly: Kaluga's row, the December column under "2015 год".
    rows = sheet_rows(shared_data / "rosstat" / WAGE, "рублей")
    column = 84  # CG
    assert rows[11][0] == "Калужская область"
    assert rows[11][column] == 35556.0
    assert rows[3][column] == "декабрь"
    assert [c for c in rows[2][: column + 1] if c][-1] == "2015 год"


def test_wage_indicators_and_counts(parse_shared) -> None:
    parsed = parse_shared(WAGE)
    frame = parsed.tables["observations"]
    assert parsed.rejections == []
    assert len(frame) == 24444
    assert list(parsed.tables["indicators"]["code"]) == ["avg_wage", "avg_wage_mom", "avg_wage_yoy"]
    assert set(parsed.tables["indicators"]["frequency"]) == {"month"}
    assert dict(Counter(frame["indicator_code"])) == {"avg_wage": 8148, "avg_wage_mom": 8148,
                                                      "avg_wage_yoy": 8148}
    assert frame["period"].str.fullmatch(r"20(09|1[0-5])-(0[1-9]|1[0-2])").all()
    assert one(frame, indicator_code="avg_wage_yoy", region_code="RU-KLU", period="2015-12")["value"] == 100.6


def test_footnote_marker_on_the_country_row(parse_shared, shared_data: Path) -> None:
    # The first region row reads "Российская Федерация 1" (a footnote marker after a space).
    assert sheet_rows(shared_data / "rosstat" / WAGE, "рублей")[4][0] == "Российская Федерация 1"
    row = one(parse_shared(WAGE).tables["observations"], indicator_code="avg_wage", source_cell="B5")
    assert (row["region_code"], row["period"], row["value"]) == ("RU", "2009-01", 17118.7)


def test_ipi_year_to_date_comes_from_the_cumulative_sheet(parse_shared, shared_data: Path) -> None:
    parsed = parse_shared(IPI)
    frame = parsed.tables["observations"]
    assert len(frame) == 24735
    assert parsed.rejections == []
    ytd = frame[frame["indicator_code"] == "ipi_ytd_yoy"]
    assert set(ytd["source_sheet"]) == {"к соотв. периоду"}
    rows = sheet_rows(shared_data / "rosstat" / IPI, "к соотв. периоду")
    months = [clean_spaces(c) for c in rows[3][1:] if c]
    assert months[:3] == ["январь", "январь-февраль", "январь- март"]
    # Kaluga, January-March 2015 (cell BX12, header "январь-март" under "2015 год").
    row = one(ytd, region_code="RU-KLU", period="2015-03")
    assert (row["value"], row["source_cell"]) == (93.4, "BX12")
    assert rows[3][75] == "январь-март"
    assert rows[11][75] == 93.4
    # The other measures come from their own sheets.
    mom = one(frame, indicator_code="ipi_mom", region_code="RU-KLU", period="2015-03")
    assert (mom["value"], mom["source_sheet"]) == (108.8, "к пред. месяцу")
    yoy = one(frame, indicator_code="ipi_yoy", region_code="RU-KLU", period="2016-01")
    assert (yoy["value"], yoy["source_sheet"]) == (93.4, " к соотв. месяцу")


def test_nested_and_tyumen_rows_in_the_monthly_files(parse_shared) -> None:
    frame = parse_shared(WAGE).tables["observations"]
    # "в том числе               Ненецкий авт.округ" (row 29) and "Тюменская область без авт. округов 3".
    assert one(frame, indicator_code="avg_wage", source_cell="B29")["region_code"] == "RU-NEN"
    assert one(frame, indicator_code="avg_wage", source_cell="B74")["region_code"] == "X-TYU"
    assert one(frame, indicator_code="avg_wage_mom", source_cell="B74")["region_code"] == "X-TYU"


# --- SYNTHETIC bulletins -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "month"),
    [("январь", 1), ("Март ", 3), ("январь-                    март", 3), ("январь - май", 5),
     ("декабрь", 12), ("2009 год", None), ("", None), (None, None), (3, None),
     ("январь февраль март апрель", None)],
)
def test_month_of(cell: object, month: int | None) -> None:
    assert month_of(cell) == month


def test_default_edition() -> None:
    assert default_edition(Path("monthly_806_2016-01_average_wage.xls")) == "806-2016-01"
    assert default_edition(Path("wage.xls")) == "806-unknown:wage.xls"


def synthetic_bulletin(path: Path) -> Path:
    rows = [
        ["Российская Федерация 1", 1, 2, 3, 4, 5, 6],
        ["в том числе:", None, None, None, None, None, None],
        ["Калужская область", "…", 2.5, "-", "4,5", 5, 6],
    ]
    ytd = [["Калужская область", 100, 101, 102]]
    return write_workbook(path, {
        "рублей": monthly_sheet(WAGE_TITLE, "Рублей", ["2009 год", "2010 год "], rows),
        "SYNTHETIC ytd": monthly_sheet(
            "продолжение", "В % к соответствующему месяцу предыдущего года", ["2009 г."], ytd,
            months=["январь", "январь-февраль", "январь-                   март"]),
    })


def test_synthetic_bulletin(tmp_path: Path) -> None:
    parsed = parse(synthetic_bulletin(tmp_path / "m806_2016-02.xlsx"))
    assert parsed.edition == "806-2016-02"
    assert parsed.rejections == []
    frame = parsed.tables["observations"]
    got = {(r.indicator_code, r.region_code, r.period): (None if pd.isna(r.value) else r.value, r.status)
           for r in frame.itertuples()}
    assert got == {
        ("avg_wage", "RU", "2009-01"): (1.0, ""), ("avg_wage", "RU", "2009-02"): (2.0, ""),
        ("avg_wage", "RU", "2009-03"): (3.0, ""), ("avg_wage", "RU", "2010-01"): (4.0, ""),
        ("avg_wage", "RU", "2010-02"): (5.0, ""), ("avg_wage", "RU", "2010-03"): (6.0, ""),
        ("avg_wage", "RU-KLU", "2009-01"): (None, "not_available"),
        ("avg_wage", "RU-KLU", "2009-02"): (2.5, ""),
        ("avg_wage", "RU-KLU", "2009-03"): (None, "not_applicable"),
        ("avg_wage", "RU-KLU", "2010-01"): (4.5, ""),
        ("avg_wage", "RU-KLU", "2010-02"): (5.0, ""),
        ("avg_wage", "RU-KLU", "2010-03"): (6.0, ""),
        # A continuation sheet ("продолжение") inherits the first sheet's title.
        ("avg_wage_yoy", "RU-KLU", "2009-01"): (100.0, ""),
        ("avg_wage_yoy", "RU-KLU", "2009-02"): (101.0, ""),
        ("avg_wage_yoy", "RU-KLU", "2009-03"): (102.0, ""),
    }
    kaluga = one(frame, indicator_code="avg_wage", region_code="RU-KLU", period="2010-01")
    assert kaluga["source_cell"] == "E7"
    assert set(frame["month"]) == {1, 2, 3}


def test_footnotes_below_the_table_end_it(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "m.xlsx", {"рублей": monthly_sheet(
        WAGE_TITLE, "Рублей", ["2009 год"], [["Калужская область", 1, 2, 3]],
        footnotes=[FOOTNOTE, "Атлантида"])})
    parsed = parse(path)
    assert parsed.rejections == []
    assert len(parsed.tables["observations"]) == 3


def test_bad_cells_and_unknown_regions_are_rejected(tmp_path: Path) -> None:
    rows = [["Калужская область", 1, "12,3abc", 3], ["Атлантида", 1, 2, 3],
            ["Тульская область", "=cmd|' /C calc'!A0", 2, 3]]
    sheet = monthly_sheet(WAGE_TITLE, "Рублей", ["2009 год"], rows)
    path = write_workbook(tmp_path / "bad.xlsx", {"рублей": sheet})
    parsed = parse(path)
    found = [(r.sheet, r.row, r.column, r.reason, r.found) for r in parsed.rejections]
    assert found == [
        ("рублей", 5, "C", "text where a number was expected", "12,3abc"),
        ("рублей", 6, "A", "unknown region name", "Атлантида"),
        ("рублей", 7, "B", "text that looks like a spreadsheet formula where a number was expected",
         "=cmd|' /C calc'!A0"),
    ]


def test_sheet_without_title_rows_is_an_input_error(tmp_path: Path) -> None:
    rows = monthly_sheet(WAGE_TITLE, "Рублей", ["2009 год"], [["Калужская область", 1, 2, 3]])
    path = write_workbook(tmp_path / "notitle.xlsx", {"SYNTHETIC": rows[2:]})
    with pytest.raises(InputError) as caught:
        parse(path)
    assert caught.value.rejection.sheet == "SYNTHETIC"
    assert "no title and measure rows above the header" in str(caught.value)


def test_workbook_without_month_rows_is_an_input_error(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "nomonths.xlsx", {"SYNTHETIC": [["no months"], [None, 2016, 2017]]})
    with pytest.raises(InputError, match="no sheet with a month header row"):
        parse(path)


def test_looks_monthly() -> None:
    rows = monthly_sheet(WAGE_TITLE, "Рублей", ["2009 год"], [["Калужская область", 1, 2, 3]])
    assert looks_monthly(rows)
    assert not looks_monthly([["SYNTHETIC"], [None, 2016, 2017]])
