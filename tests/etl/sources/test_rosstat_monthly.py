"""Monthly 806-р bulletins: values pinned from the real .xls files, quirks on SYNTHETIC workbooks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from etl.errors import InputError
from etl.periods import read_label
from etl.sources.rosstat_monthly import default_edition, looks_monthly, parse
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
    # Year-to-date figures are stored as such ("2015-YTD03"), never as single months.
    assert set(ytd["period_kind"]) == {"ytd"}
    assert ytd["period"].str.fullmatch(r"20\d\d-YTD\d\d").all()
    row = one(ytd, region_code="RU-KLU", period="2015-YTD03")
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
            "продолжение", "В % к соответствующему периоду предыдущего года", ["2009 г."], ytd,
            months=["январь", "январь-февраль", "январь-                   март"]),
    })


def test_synthetic_bulletin(tmp_path: Path) -> None:
    parsed = parse(synthetic_bulletin(tmp_path / "m806_2016-02.xlsx"))
    assert parsed.edition == "806-2016-02"
    assert parsed.rejections == []
    frame = parsed.tables["observations"]
    ytd_code = one(parsed.tables["indicators"], period_kind="ytd")["code"]
    assert ytd_code.startswith("m806_") and ytd_code.endswith(tuple("0123456789abcdef"))
    got = {(r.indicator_code if r.indicator_code != ytd_code else "YTD", r.region_code, r.period):
           (None if pd.isna(r.value) else r.value, r.status) for r in frame.itertuples()}
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
        # Its columns are a year-to-date run ("январь", "январь-февраль", ...), stored as such.
        ("YTD", "RU-KLU", "2009-YTD01"): (100.0, ""),
        ("YTD", "RU-KLU", "2009-YTD02"): (101.0, ""),
        ("YTD", "RU-KLU", "2009-YTD03"): (102.0, ""),
    }
    kaluga = one(frame, indicator_code="avg_wage", region_code="RU-KLU", period="2010-01")
    assert kaluga["source_cell"] == "E7"
    assert set(frame["month"]) == {1, 2, 3}
    assert set(frame["period_kind"]) == {"month", "ytd"}


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
    assert "no title or unit line above the header" in str(caught.value)


def test_workbook_without_month_rows_is_an_input_error(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "nomonths.xlsx", {"SYNTHETIC": [["no months"], [None, 2016, 2017]]})
    with pytest.raises(InputError, match="no sheet with a row of years over months"):
        parse(path)


def test_looks_monthly() -> None:
    rows = monthly_sheet(WAGE_TITLE, "Рублей", ["2009 год"], [["Калужская область", 1, 2, 3]])
    assert looks_monthly(rows)
    assert not looks_monthly([["SYNTHETIC"], [None, 2016, 2017]])


# --- period labels the bulletin writes (etl.periods additions) ---------------------------------


@pytest.mark.parametrize(
    ("cell", "code"),
    [("2013 год 2", "2013"), ("2015 год 1,2", "2015"), ("январь-декабрь 2", "2013-YTD12"),
     ("январь-декабрь5", "2013-YTD12"), ("декабрь6", "2013-12"), ("I              квартал", "2013-Q1"),
     ("на 1 январь", "2013-01-01"), ("январь-                   март", "2013-YTD03")],
)
def test_bulletin_period_labels(cell: str, code: str) -> None:
    # Bare footnote digits after "год" or a month word are footnote marks, never part of the period.
    assert read_label(cell).period(2013).code == code


@pytest.mark.parametrize("cell", ["март 15", "2013 2", "авугст"])
def test_labels_that_are_not_periods(cell: str) -> None:
    assert not read_label(cell).is_period


# --- SYNTHETIC layout quirks ---------------------------------------------------------------------


def bulletin(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A SYNTHETIC 806-style workbook."""
    return write_workbook(path, sheets)


def test_quarter_and_cumulative_sheets(tmp_path: Path) -> None:
    """SYNTHETIC: a quarterly sheet, then a cumulative one (I квартал, I полугодие, январь-сентябрь,
    январь-декабрь) whose only title line is "продолжение"; years with bare footnote digits."""
    quarters = [None, "I квартал", "II квартал", "III квартал", "IV квартал"]
    cumulative = [None, "I квартал", "I полугодие", "январь-сентябрь", "январь-декабрь5"]
    path = bulletin(tmp_path / "m806_2016-01_q.xlsx", {
        "квартальная": [["Индексы SYNTHETIC 1"], ["В % к соответствующему периоду предыдущего года"],
                        [None, "2014 год 2", None, None, None], quarters,
                        ["Калужская область", 101, 102, 103, 104], [None], ["2 SYNTHETIC footnote"]],
        "нарастающим итогом": [["продолжение"], ["В % к соответствующему периоду предыдущего года"],
                               [None, "2014 год 2", None, None, None], cumulative,
                               ["Калужская область", 101, 101.5, 102, 102.5], [None],
                               ["5 SYNTHETIC footnote"]],
    })
    parsed = parse(path)
    assert parsed.rejections == []
    frame = parsed.tables["observations"]
    got = {(r.period_kind, r.period): r.value for r in frame.itertuples()}
    assert got == {("quarter", "2014-Q1"): 101, ("quarter", "2014-Q2"): 102, ("quarter", "2014-Q3"): 103,
                   ("quarter", "2014-Q4"): 104, ("ytd", "2014-YTD03"): 101, ("ytd", "2014-YTD06"): 101.5,
                   ("ytd", "2014-YTD09"): 102, ("ytd", "2014-YTD12"): 102.5}
    indicators = parsed.tables["indicators"].set_index("period_kind")
    assert set(indicators.index) == {"quarter", "ytd"}
    assert indicators.loc["ytd", "identity"] == ("806-р | Индексы SYNTHETIC | В % к соответствующему периоду "
                                                 "предыдущего года | ytd")
    assert "с начала года" in indicators.loc["ytd", "name_ru"]
    assert set(indicators["frequency"]) == {"month"}
    # Header cells: the year (merged, so its first column) and the sub-period.
    assert one(frame, period="2014-YTD09")["source_header"] == "B3 D4"


def test_months_and_quarters_in_one_sheet_are_two_indicators(tmp_path: Path) -> None:
    """SYNTHETIC: months until 2012, quarters from 2013 (as the labour-market tables do)."""
    path = bulletin(tmp_path / "m806_2016-01_mq.xlsx", {"всего": [
        ["Численность SYNTHETIC"], ["Всего; тыс. человек"],
        [None, "2012 год", None, None, "2013 год 2", None], [None, "январь", "февраль", "март", "I квартал",
                                                             "II квартал"],
        ["Калужская область", 1, 2, 3, 4, 5]]})
    parsed = parse(path)
    frame = parsed.tables["observations"]
    assert dict(Counter(frame["period_kind"])) == {"month": 3, "quarter": 2}
    assert frame.groupby("period_kind")["indicator_code"].nunique().to_dict() == {"month": 1, "quarter": 1}
    assert one(frame, period="2013-Q2")["value"] == 5
    assert set(parsed.tables["indicators"]["unit_ru"]) == {"тыс. человек"}


def test_points_in_time(tmp_path: Path) -> None:
    """SYNTHETIC: "на 1 <month>" columns are points in time."""
    path = bulletin(tmp_path / "m806_2016-01_p.xlsx", {"всего": [
        ["Просроченная задолженность SYNTHETIC"], ["Всего; тыс. рублей"], [None, "2015 год", None],
        [None, "на 1 января", "на 1                  февраля"], ["Калужская область", 10, 20]]})
    frame = parse(path).tables["observations"]
    assert list(frame["period"]) == ["2015-01-01", "2015-02-01"]
    assert set(frame["period_kind"]) == {"point"}


def test_sheet_with_no_title_lines_inherits_and_says_so(tmp_path: Path) -> None:
    """SYNTHETIC: a second sheet with only its unit line (no title, no "продолжение")."""
    path = bulletin(tmp_path / "m806_2016-01_t.xlsx", {
        "первый": [["Заголовок SYNTHETIC"], ["Млн. рублей"], [None, "2015 год", None], [None, "январь", "февраль"],
                   ["Калужская область", 1, 2]],
        "второй": [["В % к предыдущему месяцу"], [None, "2015 год", None], [None, "январь", "февраль"],
                   ["Калужская область", 100, 101]]})
    indicators = parse(path).tables["indicators"]
    second = one(indicators, unit_ru="В % к предыдущему месяцу")
    assert second["name_ru"].startswith("Заголовок SYNTHETIC: В % к предыдущему месяцу")
    assert "с листа «первый»" in second["name_ru"]


def test_glued_footnotes_on_names_and_marks(tmp_path: Path) -> None:
    """SYNTHETIC: "Российская Федерация1,2", "…4" with footnote 4 defined, "в 3,3р." in a % table,
    a country row in its own unit, and a misspelt month heading."""
    path = bulletin(tmp_path / "m806_2016-01_f.xlsx", {"лист": [
        ["Заголовок SYNTHETIC"], ["В % к соответствующему месяцу предыдущего года"],
        [None, "2015 год", None, None], [None, "январь", "февраль", "авугст"],
        ["Российская Федерация1,2", 1, 2, 9], ["Калужская область", "…4", "в 3,3р.", 9],
        ["Тульская область", "…7", 5, 9], [None],
        ["1 SYNTHETIC footnote"], ["2 SYNTHETIC footnote"], ["4 SYNTHETIC: не публикуется"]],
        "рубли": [["продолжение"], ["Млн. рублей"], [None, "2015 год", None], [None, "январь", "февраль"],
                  ["Российская Федерация, млрд. рублей 1", 1, 2], ["Калужская область", "в 2р.", 3]]})
    parsed = parse(path)
    frame = parsed.tables["observations"]
    assert one(frame, region_code="RU", period="2015-01")["value"] == 1
    mark = one(frame, region_code="RU-KLU", period="2015-01", source_sheet="лист")
    assert (pd.isna(mark["value"]), mark["status"], mark["value_text"]) == (True, "not_available", "…4")
    times = one(frame, region_code="RU-KLU", period="2015-02", source_sheet="лист")
    assert (times["value"], times["value_text"]) == (330.0, "в 3,3р.")
    found = sorted((r.sheet, r.row, r.column, r.reason.split(" (")[0].split(";")[0]) for r in parsed.rejections)
    assert found == [
        ("лист", 4, "D", "header 'авугст' is not a period label"),
        ("лист", 7, "B", "footnote mark '7' is not among the table's footnotes"),
        ("рубли", 5, "A", "the row states its own unit"),
        ("рубли", 6, "B", "'в N раз' in a table whose unit is not a percentage"),
    ]


def test_duplicate_figures_are_refused(tmp_path: Path) -> None:
    """SYNTHETIC: two sheets with the same title, unit and periods: the second figure is refused."""
    sheet = [["Заголовок SYNTHETIC"], ["Рублей"], [None, "2015 год", None], [None, "январь", "февраль"],
             ["Калужская область", 1, 2]]
    parsed = parse(bulletin(tmp_path / "m806_2016-01_d.xlsx", {"a": sheet, "b": [["продолжение"], *sheet[1:]]}))
    assert len(parsed.tables["observations"]) == 2
    assert [r.reason for r in parsed.rejections] == [
        "second figure for RU-KLU 2015-01 (first at a!B5)", "second figure for RU-KLU 2015-02 (first at a!C5)"]


def test_a_region_twice_on_one_sheet_keeps_its_first_row(tmp_path: Path) -> None:
    """SYNTHETIC: Kaluga's row twice on a sheet, the second one shorter: its January is refused, naming the
    first row's cell, in reading order among the sheet's other refusals; Tula's row is read. A figure refused
    in the first row ("ё") was never read, so the second row's blank February is the region's only one."""
    sheet = [["Заголовок SYNTHETIC"], ["Рублей"], [None, "2015 год", None], [None, "январь", "февраль"],
             ["Калужская область", 1, "ё"], ["Тульская область", 3, 4], ["Калужская область", 5]]
    parsed = parse(bulletin(tmp_path / "m806_2016-01_twice.xlsx", {"a": sheet}))
    frame = parsed.tables["observations"]
    values = frame["value"].astype(object).where(frame["value"].notna(), None)
    assert list(zip(frame["region_code"], frame["period"], values, frame["source_cell"], strict=True)) == [
        ("RU-KLU", "2015-01", 1.0, "B5"), ("RU-TUL", "2015-01", 3.0, "B6"), ("RU-TUL", "2015-02", 4.0, "C6"),
        ("RU-KLU", "2015-02", None, "C7")]
    assert [(r.row, r.column, r.reason.split(" (found")[0], r.found) for r in parsed.rejections] == [
        (5, "C", "text where a number was expected", "ё"),
        (7, "B", "second figure for RU-KLU 2015-01 (first at a!B5)", "5.0"),
    ]


# --- the corpus: every 806 table group, two Kaluga cells each ---------------------------------------

CORPUS_806 = "corpus/monthly_806_2016-01"
# (file, sheet, cell, period, value): Kaluga cells read from the files with python-calamine.
KALUGA_806 = [
    ("m806_2016-01_005-013.xls", " к соотв. месяцу", "B12", "2009-01", 83.6),
    ("m806_2016-01_005-013.xls", "к соотв. периоду", "CH12", "2016-YTD01", 93.4),
    ("m806_2016-01_014-022.xls", " к соотв. месяцу", "B12", "2009-01", 44.1),
    ("m806_2016-01_014-022.xls", "к соотв. периоду", "CH12", "2016-YTD01", 394.6),
    ("m806_2016-01_023-031.xls", " к соотв. месяцу", "B12", "2009-01", 83.3),
    ("m806_2016-01_023-031.xls", "к соотв. периоду", "CH12", "2016-YTD01", 90.2),
    ("m806_2016-01_032-040.xls", " к соотв. месяцу", "B12", "2009-01", 92.8),
    ("m806_2016-01_032-040.xls", "к соотв. периоду", "CH12", "2016-YTD01", 116.7),
    ("m806_2016-01_044-046.xls", "Млн.рублей", "B14", "2009-01", 5.9),
    ("m806_2016-01_044-046.xls", "Млн.рублей", "CH14", "2016-01", 3.526),
    ("m806_2016-01_047-049.xls", " к соотв. месяцу", "B13", "2010-01", 142.8),
    ("m806_2016-01_047-049.xls", " к соотв. месяцу", "BV13", "2016-01", 68.8),
    ("m806_2016-01_050-052.xls", " к соотв. месяцу", "B13", "2010-01", 79.9),
    ("m806_2016-01_050-052.xls", " к соотв. месяцу", "BV13", "2016-01", 351.4),
    ("m806_2016-01_053-064.xls", "Млн. кВт▪ч", "B13", "2010-01", 22.8),
    ("m806_2016-01_053-064.xls", "к соотв. периоду", "BV13", "2016-YTD01", 121.7),
    ("m806_2016-01_065-070.xls", "квартальная", "B12", "2009-Q1", 99.5),
    ("m806_2016-01_065-070.xls", "нарастающим итогом", "AC12", "2015-YTD12", 110.0),
    ("m806_2016-01_083-088.xls", "Тыс.кв.метров общей площади", "B12", "2009-YTD01", 20.5),
    ("m806_2016-01_083-088.xls", "Тыс.кв.метров общей площади", "CH12", "2016-YTD01", 33.5),
    ("m806_2016-01_089-094.xls", "перевозки грузов", "B12", "2009-YTD03", 82.9),
    ("m806_2016-01_089-094.xls", "перевозки грузов", "AC12", "2015-YTD12", 88.9),
    ("m806_2016-01_107-118.xls", "Млн. рублей", "B12", "2009-YTD01", 3306.7),
    ("m806_2016-01_107-118.xls", "к пред. месяцу", "CH12", "2016-01", 86.8),
    ("m806_2016-01_119-130.xls", "Млн. рублей", "B12", "2009-YTD01", 2944.2),
    ("m806_2016-01_119-130.xls", "к пред. месяцу", "CH12", "2016-01", 85.5),
    ("m806_2016-01_140-148.xlsx", "Всего", "B12", "2009-YTD03", 600.697587),
    ("m806_2016-01_140-148.xlsx", "Всего", "AB12", "2015-YTD09", 2356.9473281),
    ("m806_2016-01_164-169.xls", "тыс.долларов США", "B12", "2009-YTD03", 458582.0),
    ("m806_2016-01_164-169.xls", "тыс.долларов США", "U12", "2013-YTD12", 1328781.0),
    ("m806_2016-01_170-175.xls", "Млн. рублей", "B12", "2009-YTD01", -600.0),
    ("m806_2016-01_170-175.xls", "Млн. рублей", "CG12", "2015-YTD12", 6294.0),
    ("m806_2016-01_176-181.xls", "Млн.рублей", "B12", "2009-YTD01", 1132.0),
    ("m806_2016-01_176-181.xls", "Млн.рублей", "CG12", "2015-YTD12", 29898.0),
    ("m806_2016-01_182-184.xls", "в % к общему количеству", "B12", "2009-YTD01", 60.9),
    ("m806_2016-01_182-184.xls", "в % к общему количеству", "CG12", "2015-YTD12", 66.7),
    ("m806_2016-01_185-187.xls", "в % к общему количеству", "B12", "2009-YTD01", 39.1),
    ("m806_2016-01_185-187.xls", "в % к общему количеству", "CG12", "2015-YTD12", 33.3),
    ("m806_2016-01_188-193.xls", "Млн. рублей", "B12", "2009-01", 60936.0),
    ("m806_2016-01_188-193.xls", "Млн. рублей", "CG12", "2015-12", 253918.0),
    ("m806_2016-01_194-199.xls", "Млн. рублей", "B12", "2009-01", 43057.0),
    ("m806_2016-01_194-199.xls", "Млн. рублей", "CG12", "2015-12", 174637.0),
    ("m806_2016-01_203-205.xls", "в % к декабрю пред.года", "B12", "2009-01", 101.8),
    ("m806_2016-01_203-205.xls", "в % к декабрю пред.года", "CH12", "2016-01", 101.09),
    ("m806_2016-01_206-208.xls", "в % к декабрю пред.года", "B12", "2009-01", 101.5),
    ("m806_2016-01_206-208.xls", "в % к декабрю пред.года", "CH12", "2016-01", 100.7),
    ("m806_2016-01_209-211.xls", "в % к декабрю пред.года", "B12", "2009-01", 109.1),
    ("m806_2016-01_209-211.xls", "в % к декабрю пред.года", "CH12", "2016-01", 100.7),
    ("m806_2016-01_212-223.xls", "Всего", "B12", "2009-01", 119.6),
    ("m806_2016-01_212-223.xls", "Всего", "CH12", "2016-01", 101.0),
    ("m806_2016-01_224-226.xls", "на конец периода", "B12", "2009-01", 6626.8),
    ("m806_2016-01_224-226.xls", "на конец периода", "CH12", "2016-01", 13504.0),
    ("m806_2016-01_230-232.xls", "сельск.продукция", "B12", "2009-01", 98.7),
    ("m806_2016-01_230-232.xls", "сельск.продукция", "CH12", "2016-01", 99.36),
    ("m806_2016-01_233-235.xlsx", "строит.продукция", "B12", "2009-01", 99.6),
    ("m806_2016-01_233-235.xlsx", "строит.продукция", "CH12", "2016-01", 101.6),
    ("m806_2016-01_236-238.xls", "грузовые перевозки", "B12", "2009-01", 100.0),
    ("m806_2016-01_236-238.xls", "грузовые перевозки", "CH12", "2016-01", 100.0),
    ("m806_2016-01_251-256.xls", "к соотв. месяцу", "B12", "2009-01", 107.0),
    ("m806_2016-01_251-256.xls", "к соотв. периоду", "CF12", "2015-YTD12", 91.6),
    ("m806_2016-01_266-271.xls", "рублей", "B12", "2009-01", 12316.6),
    ("m806_2016-01_266-271.xls", "рублей", "CG12", "2015-12", 23376.0),
    ("m806_2016-01_272-280.xls", "всего ", "B12", "2009-01-01", 27635.0),
    ("m806_2016-01_272-280.xls", "всего ", "CI12", "2016-02-01", 85908.0),
    ("m806_2016-01_281-319.xls", "Сельское хозяйство", "B12", "2009-01-01", 905.0),
    ("m806_2016-01_281-319.xls", "Сельское хозяйство", "CI12", "2016-02-01", 26779.0),
    ("m806_2016-01_329-340.xls", "всего", "B12", "2009-01", 2.9),
    ("m806_2016-01_329-340.xls", "по собственному желанию", "BI12", "2015-Q4", 12.9),
    ("m806_2016-01_341-346.xls", "всего", "B12", "2009-01", 2.0),
    ("m806_2016-01_341-346.xls", "допол.введенные раб.места", "BI12", "2015-Q4", 0.6),
    ("m806_2016-01_347-349.xls", "тыс.человек", "B13", "2009-01", 0.4),
    ("m806_2016-01_347-349.xls", "тыс.человек", "BI13", "2015-Q4", 0.4),
    ("m806_2016-01_350-352.xls", "тыс.человек", "B13", "2009-01", 3.8),
    ("m806_2016-01_350-352.xls", "тыс.человек", "BI13", "2015-Q4", 5.3),
    ("m806_2016-01_353-364.xls", "по инициативе работодателя", "B12", "2009-01", 6.5),
    ("m806_2016-01_353-364.xls", "отпуск без сохр.сохран.з.п.", "BI12", "2015-Q4", 18.7),
    ("m806_2016-01_365-367.xls", "за период", "B12", "2010", 102.8),
    ("m806_2016-01_365-367.xls", "за период", "R12", "2015-YTD09", 102.6),
]
_PARSED: dict[str, object] = {}


def parse_corpus(folder: Path, name: str):
    if name not in _PARSED:
        _PARSED[name] = parse(folder / CORPUS_806 / name)
    return _PARSED[name]


@pytest.mark.parametrize(("name", "sheet", "cell", "period", "value"), KALUGA_806,
                         ids=[f"{r[0][12:-4]}-{r[2]}" for r in KALUGA_806])
def test_kaluga_in_every_806_table(shared_data: Path, name: str, sheet: str, cell: str, period: str,
                                   value: float) -> None:
    frame = parse_corpus(shared_data, name).tables["observations"]
    row = one(frame, source_sheet=sheet, source_cell=cell)
    assert (row["region_code"], row["period"], row["value"]) == ("RU-KLU", period, value)
    # The same cell read directly: Kaluga's row.
    rows = sheet_rows(shared_data / CORPUS_806 / name, sheet)
    r = int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) - 1
    assert clean_spaces(rows[r][0]) == "Калужская область"


# Per file: observations, indicators, and the true reason of every refusal (pinned so a change is seen).
# Refused: rows in their own unit ("Российская Федерация, млн. кв. метров" above regions in thousands)
# and the misspelt month heading "авугст" (its column is not read rather than guessed).
COUNTS_806 = {
    "m806_2016-01_005-013.xls": (24735, 3, {}),
    "m806_2016-01_014-022.xls": (24735, 3, {}),
    "m806_2016-01_023-031.xls": (24735, 3, {}),
    "m806_2016-01_032-040.xls": (24735, 3, {}),
    "m806_2016-01_044-046.xls": (8245, 1, {}),
    "m806_2016-01_047-049.xls": (7081, 1, {}),
    "m806_2016-01_050-052.xls": (7081, 1, {}),
    "m806_2016-01_053-064.xls": (28324, 4, {}),
    "m806_2016-01_065-070.xls": (5432, 2, {}),
    "m806_2016-01_083-088.xls": (16405, 2, {'the row states its own unit': 1}),
    "m806_2016-01_089-094.xls": (5432, 2, {}),
    "m806_2016-01_107-118.xls": (32895, 4, {'the row states its own unit': 1}),
    "m806_2016-01_119-130.xls": (32895, 4, {'the row states its own unit': 1}),
    "m806_2016-01_140-148.xlsx": (7857, 3, {}),
    "m806_2016-01_164-169.xls": (3740, 2, {'the row states its own unit': 1}),
    "m806_2016-01_170-175.xls": (16296, 2, {}),
    "m806_2016-01_176-181.xls": (16296, 2, {}),
    "m806_2016-01_182-184.xls": (8148, 1, {}),
    "m806_2016-01_185-187.xls": (8148, 1, {}),
    "m806_2016-01_188-193.xls": (16296, 2, {}),
    "m806_2016-01_194-199.xls": (15908, 2, {"header 'авугст' is not a period label": 4}),
    "m806_2016-01_203-205.xls": (8245, 1, {}),
    "m806_2016-01_206-208.xls": (8245, 1, {}),
    "m806_2016-01_209-211.xls": (8245, 1, {}),
    "m806_2016-01_212-223.xls": (32980, 4, {}),
    "m806_2016-01_224-226.xls": (8245, 1, {}),
    "m806_2016-01_230-232.xls": (8245, 1, {}),
    "m806_2016-01_233-235.xlsx": (8245, 1, {}),
    "m806_2016-01_236-238.xls": (8245, 1, {}),
    "m806_2016-01_251-256.xls": (16199, 2, {}),
    "m806_2016-01_266-271.xls": (16296, 2, {}),
    "m806_2016-01_272-280.xls": (22698, 3, {}),
    "m806_2016-01_281-319.xls": (108446, 13, {}),
    "m806_2016-01_329-340.xls": (23280, 8, {}),
    "m806_2016-01_341-346.xls": (11640, 4, {}),
    "m806_2016-01_347-349.xls": (5820, 2, {}),
    "m806_2016-01_350-352.xls": (5820, 2, {}),
    "m806_2016-01_353-364.xls": (21922, 8, {}),
    "m806_2016-01_365-367.xls": (1649, 2, {}),
}


@pytest.mark.parametrize("name", sorted(COUNTS_806))
def test_806_counts_and_refusals(shared_data: Path, name: str) -> None:
    parsed = parse_corpus(shared_data, name)
    observations, indicators, reasons = COUNTS_806[name]
    assert len(parsed.tables["observations"]) == observations
    assert len(parsed.tables["indicators"]) == indicators
    assert parsed.tables["indicators"]["identity"].is_unique
    found = Counter(r.reason.split(" (")[0].split(";")[0] for r in parsed.rejections)
    assert dict(found) == reasons


def test_quarterly_806_files_are_detected_as_bulletins(shared_data: Path) -> None:
    from etl.pipeline import detect_adapter

    for name in ("m806_2016-01_272-280.xls", "m806_2016-01_281-319.xls", "m806_2016-01_065-070.xls"):
        assert detect_adapter(shared_data / CORPUS_806 / name) == "rosstat_monthly"


def test_detection_by_content(tmp_path: Path) -> None:
    """SYNTHETIC: years over quarters is a bulletin whatever the file is called; years alone is not."""
    from etl.pipeline import detect_adapter

    quarterly = bulletin(tmp_path / "regions_of_russia_2024.xlsx", {"x": [
        ["Заголовок SYNTHETIC"], ["Тыс. человек"], [None, "2015 год", None], [None, "I квартал", "II квартал"],
        ["Калужская область", 1, 2]]})
    assert detect_adapter(quarterly) == "rosstat_monthly"
    yearly = bulletin(tmp_path / "m806_2016-01_x.xlsx", {"Раздел 1": [["Содержание SYNTHETIC"]], "1.1.": [
        ["1.1. Заголовок SYNTHETIC"], ["(тысяч человек)"], [None, 2015, 2016], ["Калужская область", 1, 2]]})
    assert detect_adapter(yearly) == "rosstat_workbook"


def test_header_without_region_rows_is_refused(tmp_path: Path) -> None:
    """SYNTHETIC: a bulletin sheet whose header has nothing under it."""
    path = bulletin(tmp_path / "m806_2016-01_e.xlsx", {"a": [["Заголовок SYNTHETIC"], ["Рублей"],
                                                             [None, "2015 год"], [None, "январь", "февраль"]]})
    with pytest.raises(InputError, match="a table with no regions"):
        parse(path)
