"""Reading a table's layout: headers by their labels, header paths, identities; SYNTHETIC fixtures and real files.

Every workbook built here is a synthetic fixture (made-up figures, "SYNTHETIC" in its title).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from etl import load
from etl.periods import Period
from etl.regions import RegionResolver
from etl.schema import Indicator, Observation
from etl.sources import reference
from etl.sources.layout import find_tables, strip_marks
from etl.sources.rosstat_workbook import parse
from tests.fixtures import FOOTNOTE, PUBLICATION_LINE, SEPARATOR, write_workbook


def is_region(label: object) -> bool:
    return RegionResolver.from_reference().resolve(label) is not None


def tables_of(rows: list[list]) -> list:
    return find_tables("S", rows, is_region)


# A SYNTHETIC title block and rows; the figures are made up.
TITLE = [[PUBLICATION_LINE], ["9. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ"], ["9.7. SYNTHETIC ПОКАЗАТЕЛЬ"], ["(миллионов рублей)"]]
LONG_TITLE = "SYNTHETIC " + "ОЧЕНЬ ДЛИННОЕ НАЗВАНИЕ ТАБЛИЦЫ ПРО ДЕНЕЖНЫЕ ДОХОДЫ НАСЕЛЕНИЯ " * 3


def table_rows(title: str, number: str, header: list[list], data: list[list], unit: str = "миллионов рублей",
               footnotes: tuple[str, ...] = (SEPARATOR, FOOTNOTE)) -> list[list]:
    """SYNTHETIC rows of one table: title block, the header rows given, data, footnotes."""
    return [[PUBLICATION_LINE], ["9. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ"], [f"{number} {title}"], [f"({unit})"],
            *header, *data, *[[line] for line in footnotes]]


def obs(parsed, **where) -> pd.DataFrame:
    frame = parsed.tables["observations"]
    for column, value in where.items():
        frame = frame[frame[column] == value]
    return frame


# --- headers are labels, never numbers that look like years ------------------------------------


def test_a_data_row_of_year_like_numbers_is_not_a_header(tmp_path: Path) -> None:
    # Penza's figures fall between 1950 and 2049; the row is data (it names a region), never a header.
    rows = table_rows("SYNTHETIC ПОКАЗАТЕЛЬ", "9.7.", [[None, 2016, 2017]], [
        ["Калужская область", 11.5, 12.5],
        ["Пензенская область", 1392.4, 2042.0],
        ["Тульская область", 2016.0, 2017.0],
    ])
    [table] = tables_of(rows)
    assert table.header_rows == (4,)
    assert [c.period.code for c in table.columns] == ["2016", "2017"]
    parsed = parse(write_workbook(tmp_path / "penza_2019.xlsx", {"9.7.": rows}))
    assert parsed.rejections == []
    frame = parsed.tables["observations"]
    assert sorted(set(frame["period"])) == ["2016", "2017"]
    penza = obs(parsed, region_code="RU-PNZ").set_index("period")["value"].to_dict()
    assert penza == {"2016": 1392.4, "2017": 2042.0}
    assert len(parsed.tables["indicators"]) == 1


def test_fractional_numbers_above_the_data_are_not_a_header() -> None:
    rows = [*TITLE, [None, 2016, 2017], [None, 1392.4, 2042.5], ["Калужская область", 1.0, 2.0]]
    [table] = tables_of(rows)
    assert table.header_rows == ()
    assert table.refused and table.problems[0][0] == "no header row above the data"


def test_year_labels_with_footnote_marks(tmp_path: Path) -> None:
    rows = table_rows("SYNTHETIC ПОКАЗАТЕЛЬ", "9.7.", [[None, "20212)", "2023 4)", "20221);2)", 2020.0]],
                      [["Калужская область", 1, 2, 3, 4]])
    [table] = tables_of(rows)
    assert [c.period.code for c in table.columns] == ["2021", "2023", "2022", "2020"]
    parsed = parse(write_workbook(tmp_path / "marks_2024.xlsx", {"9.7.": rows}))
    kaluga = obs(parsed, region_code="RU-KLU").set_index("period")
    assert kaluga["value"].to_dict() == {"2021": 1.0, "2023": 2.0, "2022": 3.0, "2020": 4.0}
    assert kaluga.loc["2021", "source_header"] == "B5"


def test_strip_marks_keeps_a_year_whole() -> None:
    assert strip_marks("не включая единовременную выплату 20173)") == (
        "не включая единовременную выплату 2017", frozenset({"3"}))
    assert strip_marks("ЧИСЛО БОЛЬНИЧНЫХ КОЕК1);2)") == ("ЧИСЛО БОЛЬНИЧНЫХ КОЕК", frozenset({"1", "2"}))


def test_a_mark_glued_to_a_digit_of_a_title_word_is_read_by_the_footnotes() -> None:
    # "ОКВЭД21)" is "ОКВЭД2" with note 1 where the table defines note 1 and no note 21.
    assert strip_marks("в соответствии с ОКВЭД21)", frozenset({"1"})) == ("в соответствии с ОКВЭД2", frozenset({"1"}))
    assert strip_marks("в соответствии с ОКВЭД21)", frozenset({"21"})) == ("в соответствии с ОКВЭД", frozenset({"21"}))
    assert strip_marks("в соответствии с ОКВЭД 21)", frozenset({"1"})) == ("в соответствии с ОКВЭД", frozenset({"21"}))


# --- header paths: column groups, sub-periods, merged cells ----------------------------------------


def test_column_groups_above_the_years_are_separate_indicators(tmp_path: Path) -> None:
    # Merged group cells: the label in the first cell, blanks after it (as calamine reads them).
    header = [
        [None, "Рабочая сила", None, "Занятые", None, "Безработные", None, "Уровень безработицы", None],
        [None, 2022, 2023, 2022, 2023, 2022, 2023, 2022, 2023],
    ]
    rows = table_rows("SYNTHETIC ЗАНЯТОСТЬ", "2.1.", header, [
        ["Калужская область", 560, 566, 540, 550, 20, 16, 3.6, 2.8],
        ["Тульская область", 700, 710, 680, 690, 20, 20, 2.9, 2.8],
    ], unit="тысяч человек")
    [table] = tables_of(rows)
    assert [(c.groups, c.period.code, c.cells) for c in table.columns[:3]] == [
        (("Рабочая сила",), "2022", ("B5", "B6")),
        (("Рабочая сила",), "2023", ("B5", "C6")),
        (("Занятые",), "2022", ("D5", "D6")),
    ]
    parsed = parse(write_workbook(tmp_path / "groups_2024.xlsx", {"2.1.": rows}))
    assert parsed.rejections == []
    indicators = parsed.tables["indicators"]
    assert len(indicators) == 4
    assert len(set(indicators["code"])) == 4
    assert sorted(indicators["name_ru"]) == sorted(
        f"Synthetic занятость: {group}" for group in ("Рабочая сила", "Занятые", "Безработные", "Уровень безработицы"))
    rate = indicators[indicators["name_ru"].str.endswith("Уровень безработицы")].iloc[0]
    assert rate["identity"] == "2.1 | Synthetic занятость |  | тысяч человек | Уровень безработицы | year"
    kaluga_rate = obs(parsed, region_code="RU-KLU", indicator_code=rate["code"]).set_index("period")["value"]
    assert kaluga_rate.to_dict() == {"2022": 3.6, "2023": 2.8}
    assert obs(parsed, source_cell="I7").iloc[0]["source_header"] == "H5 I6"


def test_sub_periods_are_stored_with_their_kind(tmp_path: Path) -> None:
    header = [
        [None, 2023, None, None, None, None, None],
        [None, "I квартал", "I полугодие", "январь-сентябрь", "на 1 января", "на конец года", "март"],
    ]
    rows = table_rows("SYNTHETIC ПОКАЗАТЕЛЬ", "9.7.", header, [["Калужская область", 1, 2, 3, 4, 5, 6]])
    [table] = tables_of(rows)
    assert [c.period for c in table.columns] == [
        Period("quarter", 2023, quarter=1), Period("half_year", 2023, half=1), Period("ytd", 2023, month=9),
        Period("point", 2023, month=1, day=1), Period("point", 2023, month=12, day=31),
        Period("month", 2023, month=3)]
    parsed = parse(write_workbook(tmp_path / "kinds_2024.xlsx", {"9.7.": rows}))
    assert parsed.rejections == []
    frame = obs(parsed, region_code="RU-KLU").set_index("period")
    assert frame["period_kind"].to_dict() == {
        "2023-Q1": "quarter", "2023-H1": "half_year", "2023-YTD09": "ytd", "2023-01-01": "point",
        "2023-12-31": "point", "2023-03": "month"}
    # Year-to-date is never stored as a single month.
    assert frame.loc["2023-YTD09", "month"] == 9 and frame.loc["2023-YTD09", "period_kind"] == "ytd"
    # One indicator per period kind of the table.
    kinds = sorted(parsed.tables["indicators"]["period_kind"])
    assert kinds == ["half_year", "month", "point", "quarter", "ytd"]


def test_na_1_yanvarya_in_the_unit_line_makes_points(tmp_path: Path) -> None:
    rows = table_rows("SYNTHETIC ПЕНСИИ", "3.7.", [[None, 2016, 2017]], [["Калужская область", 10, 11]],
                      unit="на 1 января; рублей")
    parsed = parse(write_workbook(tmp_path / "jan_2024.xlsx", {"3.7.": rows}))
    frame = obs(parsed, region_code="RU-KLU")
    assert sorted(frame["period"]) == ["2016-01-01", "2017-01-01"]
    assert set(frame["period_kind"]) == {"point"}
    assert parsed.tables["indicators"].iloc[0]["unit_ru"] == "рублей"
    # The unit line's cell (A4) says the point, so it is named with the year's header cell.
    assert sorted(frame["source_header"]) == ["A4 B5", "A4 C5"]


def test_a_year_given_by_the_title_names_the_title_cell(tmp_path: Path) -> None:
    rows = table_rows("SYNTHETIC ИСПОЛЬЗОВАНИЕ СРЕДСТВ В 2024 ГОДУ", "7.2.", [[None, "всего", "из них: на оплату"]],
                      [["Калужская область", 10, 11]])
    parsed = parse(write_workbook(tmp_path / "use_2024.xlsx", {"7.2.": rows}))
    frame = obs(parsed, region_code="RU-KLU")
    assert set(frame["period"]) == {"2024"}
    assert sorted(frame["source_header"]) == ["A3 B5", "A3 C5"]


def test_a_table_without_any_period_is_refused_saying_so(tmp_path: Path) -> None:
    rows = table_rows("SYNTHETIC ОБУЧАЮЩИЕСЯ", "4.5.", [[None, "2000/2001", "2001/2002"]],
                      [["Калужская область", 1, 2], ["Тульская область", 3, 4]], unit="тысяч человек")
    parsed = parse(write_workbook(tmp_path / "school_2024.xlsx", {"4.5.": rows}))
    [rejection] = parsed.rejections
    assert rejection.sheet == "4.5."
    assert "refused: no period in the header" in rejection.reason
    assert "school years ('2000/2001'" in rejection.reason
    assert parsed.tables["observations"].empty


def test_repeated_cell_problems_are_summarised(tmp_path: Path) -> None:
    data = [[name, "12,3abc", 1.5] for name in ("Калужская область", "Тульская область", "Брянская область")]
    rows = table_rows("SYNTHETIC ПОКАЗАТЕЛЬ", "9.7.", [[None, 2016, 2017]], data)
    parsed = parse(write_workbook(tmp_path / "bad_2024.xlsx", {"9.7.": rows}))
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (6, "B")
    assert rejection.reason == "text where a number was expected (3 cells: B6, B7, B8)"
    assert len(parsed.tables["observations"]) == 3


# --- several tables, identities that never collide --------------------------------------------------


def test_several_tables_on_one_sheet_with_their_own_footnotes() -> None:
    first = table_rows("SYNTHETIC ПЕРВАЯ", "9.7.", [[None, 2016, 2017]], [["Калужская область", 1, 2]],
                       footnotes=(SEPARATOR, "1) SYNTHETIC first note", "2) SYNTHETIC second note"))
    second = [["9.8. SYNTHETIC ВТОРАЯ"], ["(рублей)"], [None, "I квартал 2017", "II квартал 2017"],
              ["Калужская область", 3, 4], ["Тульская область", 5, 6], ["3) SYNTHETIC third note"]]
    one, two = tables_of([*first, [None], *second])
    assert (one.title.number, one.title.title, one.title.unit) == ("9.7", "Synthetic первая", "миллионов рублей")
    assert (two.title.number, two.title.title, two.title.unit) == ("9.8", "Synthetic вторая", "рублей")
    assert one.footnotes.keys() == {"1", "2"} and two.footnotes.keys() == {"3"}
    assert [c.period.code for c in two.columns] == ["2017-Q1", "2017-Q2"]
    assert (two.first_data_row, two.end_row) == (len(first) + 4, len(first) + 6)


def long_title_workbook(path: Path, *tails: str) -> Path:
    """SYNTHETIC: tables whose titles share their first 110+ characters, one per sheet."""
    sheets = {}
    for n, tail in enumerate(tails, start=1):
        sheets[f"3.{n}."] = table_rows(f"{LONG_TITLE}{tail}", f"3.{n}.", [[None, 2016, 2017]],
                                       [["Калужская область", n, n + 0.5], ["Тульская область", 10 * n, 10 * n + 1]])
    return write_workbook(path, sheets)


def test_two_tables_sharing_110_title_characters_in_one_file(tmp_path: Path) -> None:
    assert len(LONG_TITLE) > 110
    parsed = parse(long_title_workbook(tmp_path / "long_2024.xlsx", "ПО ГОРОДАМ", "ПО СЕЛАМ"))
    assert parsed.rejections == []
    codes = list(parsed.tables["indicators"]["code"])
    assert len(codes) == 2 and codes[0] != codes[1]
    assert all(len(code) <= 71 for code in codes)
    frame = parsed.tables["observations"]
    assert not frame.duplicated(["indicator_code", "region_code", "period", "edition"]).any()
    assert len(frame) == 8


def test_two_tables_sharing_110_title_characters_across_two_loads(empty_engine: Engine, tmp_path: Path) -> None:
    from etl.db import migrate

    migrate(empty_engine)
    assert load.apply(empty_engine, reference.parse(), file_name="reference", sha256="ref").status == "applied"
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    first = parse(long_title_workbook(tmp_path / "a" / "long_2024.xlsx", "ПО ГОРОДАМ"))
    second_path = tmp_path / "b" / "long_2024.xlsx"
    # The second file's table 3.1 has another ending: another table, another indicator.
    second = parse(long_title_workbook(second_path, "ПО СЕЛАМ"))
    assert first.tables["indicators"]["code"][0] != second.tables["indicators"]["code"][0]
    report = load.apply(empty_engine, first, file_name="long_2024.xlsx", sha256="one")
    assert report.status == "applied", report.error
    with empty_engine.connect() as conn:
        before = conn.execute(select(Observation.indicator_code, Observation.region_code, Observation.period,
                                     Observation.value).order_by(Observation.load_id, Observation.indicator_code,
                                                               Observation.region_code, Observation.period)).all()
    report = load.apply(empty_engine, second, file_name="long_2024.xlsx", sha256="two")
    assert report.status == "applied", report.error
    assert report.changed == 0
    assert [t.added for t in report.tables if t.table == "observations"] == [4]
    with empty_engine.connect() as conn:
        after = conn.execute(select(Observation.indicator_code, Observation.region_code, Observation.period,
                                    Observation.value).order_by(Observation.load_id, Observation.indicator_code,
                                                               Observation.region_code, Observation.period)).all()
        identities = conn.execute(select(Indicator.identity).where(Indicator.identity.is_not(None))).scalars().all()
    assert after[:len(before)] == before  # the first load's figures are untouched
    assert len(after) == 2 * len(before)
    assert len(set(identities)) == 2


def test_the_same_table_in_another_edition_keeps_its_code(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    one = parse(long_title_workbook(tmp_path / "rr_2022.xlsx", "ПО ГОРОДАМ"))
    two = parse(long_title_workbook(tmp_path / "x" / "rr_2024.xlsx", "ПО ГОРОДАМ"))
    assert (one.edition, two.edition) == ("RR-2022", "RR-2024")
    assert list(one.tables["indicators"]["code"]) == list(two.tables["indicators"]["code"])


def test_edition_from_the_publication_line_wins_over_the_file_name(tmp_path: Path) -> None:
    rows = table_rows("SYNTHETIC ПОКАЗАТЕЛЬ", "9.7.", [[None, 2016, 2017]], [["Калужская область", 1, 2]])
    rows[0] = ["Регионы России. Социально-экономические показатели. 2024"]
    parsed = parse(write_workbook(tmp_path / "renamed_2019.xlsx", {"9.7.": rows}))
    assert parsed.edition == "RR-2024"
    assert any("the file name says RR-2019" in note for note in parsed.notes)


# --- the real files: the corpus README's Kaluga cells -------------------------------------------------

# (folder, file, sheet, cell, value, period) from /work/shared/data/corpus/README.md.
KALUGA_CELLS = [
    ("rosstat", "regions_of_russia_2019_s09_grp.xlsx", "9.1.", "S13", 417065.0, "2017"),
    ("corpus/regions_of_russia_2020", "rr2020_s01_population.xlsx", "1.1.", "U13", 1002.6, "2019-12-31"),
    ("corpus/regions_of_russia_2020", "rr2020_s08_grp.xlsx", "8.1.", "B13", 23903.3, "2000"),
    ("corpus/regions_of_russia_2020", "rr2020_s08_grp.xlsx", "8.1.", "T13", 465987.5, "2018"),
    ("corpus/regions_of_russia_2020", "rr2020_s20_prices_tariffs.xlsx", "20.1.", "U14", 102.7, "2019"),
    ("corpus/regions_of_russia_2022", "rr2022_s02_labour.xlsx", "2.1.", "B15", 561.0, "2000"),
    ("corpus/regions_of_russia_2022", "rr2022_s02_labour.xlsx", "2.1.", "W15", 544.0, "2021"),
    ("corpus/regions_of_russia_2022", "rr2022_s08_grp.xlsx", "8.1.", "V14", 559166.5, "2020"),
    ("corpus/regions_of_russia_2022", "rr2022_s19_finance.xlsx", "19.1.", "W14", 101164.807216, "2021"),
    ("corpus/regions_of_russia_2024", "rr2024_s08_grp.xlsx", "8.1.", "B17", 23903.3, "2000"),
    ("corpus/regions_of_russia_2024", "rr2024_s08_grp.xlsx", "8.1.", "X17", 693947.6, "2022"),
    ("corpus/regions_of_russia_2024", "rr2024_s02_labour.xlsx", "2.1.", "Y15", 566.0, "2023"),
    ("corpus/regions_of_russia_2024", "rr2024_s10_investment.xlsx", "10.1.", "Y15", 125725.445, "2023"),
    ("corpus/regions_of_russia_2024", "rr2024_s18_science_innovation.xlsx", "18.1.", "Y13", 46.0, "2023"),
    ("corpus/rosstat_thematic_tables", "socially_oriented_nko_by_region_2012-2024.xlsx", "1.1.", "B12", 1571.0,
     "2012"),
    ("corpus/rosstat_thematic_tables", "socially_oriented_nko_by_region_2012-2024.xlsx", "1.1.", "N12", 1115.0,
     "2024"),
    ("corpus/rosstat_thematic_tables", "advanced_prod_technologies_developed_by_region_2005-2024.xlsx", "3", "B12",
     4.0, "2005"),
    ("corpus/rosstat_thematic_tables", "rd_personnel_by_region_2010-2024.xls", "2", "BD15", 2771.0, "2024"),
]
_PARSED: dict[Path, object] = {}


@pytest.mark.parametrize(("folder", "name", "sheet", "cell", "value", "period"), KALUGA_CELLS,
                         ids=[f"{n}!{s}!{c}" for _, n, s, c, *_ in KALUGA_CELLS])
def test_kaluga_cells_of_the_corpus(shared_data: Path, folder, name, sheet, cell, value, period) -> None:
    path = shared_data / folder / name
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    if path not in _PARSED:
        _PARSED[path] = parse(path)
    frame = _PARSED[path].tables["observations"]
    found = frame[(frame["source_sheet"] == sheet) & (frame["source_cell"] == cell)]
    assert len(found) == 1
    row = found.iloc[0]
    # The README shows some figures to six decimals; the cell holds more.
    assert (row["region_code"], row["period"]) == ("RU-KLU", period)
    assert row["value"] == pytest.approx(value, abs=1e-6)


def test_marks_glued_to_figures_are_read_against_the_footnotes_in_one_cell(tmp_path: Path) -> None:
    # SYNTHETIC: both footnotes in one cell, one a line, as Rosstat writes them; "1202)" is 120 + mark 2.
    rows = table_rows("SYNTHETIC ПОКАЗАТЕЛЬ", "9.7.", [[None, 2016, 2017]],
                      [["Калужская область", "1202)", 5.5], ["Тульская область", 7.0, 8.0]],
                      footnotes=(SEPARATOR, "1) SYNTHETIC first note.\n2) SYNTHETIC second note."))
    [table] = tables_of(rows)
    assert table.marks == frozenset({"1", "2"})
    parsed = parse(write_workbook(tmp_path / "glued_2024.xlsx", {"9.7.": rows}))
    assert parsed.rejections == []
    cell = obs(parsed, source_cell="B6").iloc[0]
    assert (cell["value"], cell["value_text"], cell["period"]) == (120.0, "1202)", "2016")


def test_a_total_in_its_own_unit_goes_to_an_indicator_in_that_unit(tmp_path: Path) -> None:
    # SYNTHETIC: the country's row in billions heads a table in millions.
    rows = table_rows("SYNTHETIC ОБОРОТ", "15.1.", [[None, 2016, 2017]], [
        ["Российская Федерация, млрд руб.", 1065.8, 1322.4],
        ["Калужская область", 5396.8, 7236.3],
    ])
    parsed = parse(write_workbook(tmp_path / "own_2024.xlsx", {"15.1.": rows}))
    assert parsed.rejections == []
    indicators = parsed.tables["indicators"].set_index("code")
    assert sorted(indicators["unit_ru"]) == ["миллионов рублей", "млрд руб."]
    country = obs(parsed, region_code="RU").iloc[0]
    assert indicators.loc[country["indicator_code"], "unit_ru"] == "млрд руб."
    kaluga = obs(parsed, region_code="RU-KLU").iloc[0]
    assert indicators.loc[kaluga["indicator_code"], "unit_ru"] == "миллионов рублей"


def test_a_workbook_without_regions_is_refused_saying_so(tmp_path: Path) -> None:
    from etl.errors import InputError

    rows = table_rows("SYNTHETIC ПО ВИДАМ ТЕХНОЛОГИЙ", "1.", [[None, 2016, 2017]],
                      [["Проектирование", 1, 2], ["Производство", 3, 4], ["Связь", 5, 6]], unit="единиц")
    with pytest.raises(InputError, match="no table whose rows name regions found in any sheet") as caught:
        parse(write_workbook(tmp_path / "tech_2024.xlsx", {"1": rows}))
    assert "a table whose rows name no region" in str(caught.value)
