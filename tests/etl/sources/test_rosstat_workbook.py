""""Регионы России" workbooks: values pinned from the real files, each quirk on SYNTHETIC workbooks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from etl.errors import InputError
from etl.regions import read_regions
from etl.sources import rosstat_workbook
from etl.sources.rosstat_workbook import OBSERVATION_COLUMNS, default_edition, parse
from tests.fixtures import GRP_ROWS, SEPARATOR, grp_table, rr_table, write_rr_workbook, write_workbook

S09 = "regions_of_russia_2019_s09_grp.xlsx"
S05 = "regions_of_russia_2019_s05_health.xlsx"
FORMULA = "text that looks like a spreadsheet formula where a number was expected"


def observation(parsed, **where) -> pd.Series:
    """The one observation matching every column=value given."""
    frame = parsed.tables["observations"]
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    found = frame[mask]
    assert len(found) == 1, f"expected one observation for {where}, found {len(found)}"
    return found.iloc[0]


def raw_cell(path: Path, sheet: str, ref: str) -> object:
    """A cell read straight from the workbook, independently of the parser (ref like 'B13')."""
    letters = "".join(ch for ch in ref if ch.isalpha())
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return rows[int(ref[len(letters):]) - 1][column - 1]


# --- the real files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "value", "cell"),
    [(2000, 23903.3, "B13"), (2016, 372345.1, "R13"), (2017, 417065.0, "S13")],
)
def test_kaluga_grp_from_the_2019_edition(parse_shared, shared_data: Path, year, value, cell) -> None:
    parsed = parse_shared(S09)
    row = observation(parsed, indicator_code="grp", region_code="RU-KLU", year=year)
    assert row["value"] == value
    assert row["status"] == ""
    assert row["edition"] == "RR-2019"
    assert (row["source_file"], row["source_sheet"], row["source_cell"]) == (S09, "9.1.", cell)
    assert row["period"] == str(year)
    # The cell the parser names holds that figure, and its row is Kaluga's.
    path = shared_data / "rosstat" / S09
    assert raw_cell(path, "9.1.", cell) == value
    assert raw_cell(path, "9.1.", f"A{cell[1:]}") == "Калужская область"


def test_grp_workbook_indicators(parse_shared) -> None:
    indicators = parse_shared(S09).tables["indicators"].set_index("code")
    assert list(indicators.index) == [
        "grp", "grp_per_capita", "grp_volume_index", "hh_consumption", "hh_consumption_expenditure",
        "hh_consumption_transfers", "hh_consumption_per_capita", "gross_fixed_capital_formation",
    ]
    assert indicators.loc["grp", "name_ru"] == "Валовой региональный продукт"
    assert indicators.loc["grp", "name_en"] == "Gross regional product"
    assert indicators.loc["grp", "unit_ru"] == "миллионов рублей"
    assert indicators.loc["grp_per_capita", "unit_ru"] == "рублей"
    assert set(indicators["topic"]) == {"economy"}


@pytest.mark.parametrize(
    ("name", "observations", "rows", "statuses"),
    [
        (S09, 13632, 13640, {"": 13161, "blank": 402, "not_available": 69}),
        (S05, 46752, 46781, {"": 45987, "blank": 684, "not_available": 81}),
    ],
)
def test_observation_counts_are_stable(parse_shared, name, observations, rows, statuses) -> None:
    parsed = parse_shared(name)
    frame = parsed.tables["observations"]
    assert len(frame) == observations
    assert parsed.row_count() == rows  # observations + indicators
    assert dict(Counter(frame["status"])) == statuses
    assert list(frame.columns) == OBSERVATION_COLUMNS
    assert not frame.duplicated(["indicator_code", "region_code", "period", "edition"]).any()
    # A missing figure has no value; a published one always has.
    assert frame.loc[frame["status"] != "", "value"].isna().all()
    assert frame.loc[frame["status"] == "", "value"].notna().all()
    # The contents sheet is noted as skipped, not silently dropped.
    assert any("no table whose rows name regions" in note for note in parsed.notes)


def test_ellipsis_cells_are_not_available(parse_shared, shared_data: Path) -> None:
    row = observation(parse_shared(S09), indicator_code="grp", region_code="RU-CE", year=2000)
    assert row["status"] == "not_available"
    assert pd.isna(row["value"])
    assert raw_cell(shared_data / "rosstat" / S09, "9.1.", row["source_cell"]) == "…"


def test_latin_p_in_kaliningrad_resolves(parse_shared, shared_data: Path) -> None:
    # Table 9.3 spells it "Калинингpадская" with a Latin "p" (row 34).
    assert raw_cell(shared_data / "rosstat" / S09, "9.3.", "A34") == "Калинингpадская область"
    row = observation(parse_shared(S09), indicator_code="grp_volume_index", source_cell="B34")
    assert row["region_code"] == "RU-KGD"


def test_tyumen_without_okrugs_is_its_own_region_part(parse_shared) -> None:
    row = observation(parse_shared(S09), indicator_code="grp", source_cell="B79")
    assert row["region_code"] == "X-TYU"
    kinds = read_regions().set_index("code")["kind"]
    assert kinds["X-TYU"] == "region_part"


def test_country_districts_and_nested_rows(parse_shared, shared_data: Path) -> None:
    parsed = parse_shared(S09)
    frame = parsed.tables["observations"]
    grp_2017 = frame[(frame["indicator_code"] == "grp") & (frame["year"] == 2017)]
    kinds = read_regions().set_index("code")["kind"]
    counted = Counter(kinds[code] for code in grp_2017["region_code"])
    assert counted["country"] == 1
    assert counted["federal_district"] == 8
    # The total row titled "... по субъектам Российской Федерации ... – всего" is the country.
    assert observation(parsed, indicator_code="grp", region_code="RU", year=2017)["source_cell"] == "S6"
    # "в том числе:" (row 30 of 9.1) carries no figures and yields nothing.
    assert raw_cell(shared_data / "rosstat" / S09, "9.1.", "A30") == "в том числе:"
    assert not grp_2017["source_cell"].eq("S30").any()


def test_footnote_markers_are_stripped_from_titles(parse_shared) -> None:
    # Sheet 5.1.1 is titled "ЧИСЛО БОЛЬНИЧНЫХ КОЕК1)" / "5.1.1. Всего" / "(на конец года; тысяч коек)".
    indicators = parse_shared(S05).tables["indicators"].set_index("code")
    assert indicators.loc["hospital_beds", "name_ru"] == "Число больничных коек: Всего (на конец года)"
    assert indicators.loc["hospital_beds", "unit_ru"] == "тысяч коек"
    assert not indicators["name_ru"].str.contains(r"\d\)").any()
    assert set(indicators["topic"]) == {"health"}


# --- SYNTHETIC workbooks: the quirks one at a time -----------------------------------------------


def test_years_as_numbers_or_text_and_unit_in_parentheses(tmp_path: Path) -> None:
    path = write_rr_workbook(tmp_path / "rr_2020_synthetic.xlsx",
                             grp_table(GRP_ROWS[:3], years=["2010 год ", "2009 г."]))
    parsed = parse(path)
    assert parsed.edition == "RR-2020"
    frame = parsed.tables["observations"]
    assert sorted(set(frame["year"])) == [2009, 2010]
    kaluga = frame[frame["region_code"] == "RU-KLU"].set_index("period")["value"].to_dict()
    assert kaluga == {"2010": 11.1, "2009": 12.2}
    indicator = parsed.tables["indicators"].iloc[0]
    assert (indicator["code"], indicator["unit_ru"]) == ("grp", "миллионов рублей")

    numbers = parse(write_rr_workbook(tmp_path / "b_2020.xlsx", grp_table(GRP_ROWS[:3], years=[2016, 2017])))
    assert sorted(set(numbers.tables["observations"]["period"])) == ["2016", "2017"]


def test_unit_of_an_unknown_indicator_comes_from_the_title_block(tmp_path: Path) -> None:
    table = rr_table("SYNTHETIC ЧИСЛО ЧЕГО-ТО", "на конец года; тысяч штук", [2016, 2017],
                     [["Калужская область", 1, 2]], number="9.9.")
    parsed = parse(write_rr_workbook(tmp_path / "x_2019.xlsx", table))
    indicator = parsed.tables["indicators"].iloc[0]
    assert indicator["unit_ru"] == "тысяч штук"
    assert indicator["name_ru"] == "Synthetic число чего-то (на конец года)"
    assert indicator["topic"] == "economy"  # from the section heading "9. ВАЛОВОЙ ..."
    # A readable slug plus a hash of the table's identity (number, full title, unit, groups, period kind).
    assert indicator["code"].startswith("synthetic_chislo_chego_t_")
    assert indicator["identity"] == "9.9 | Synthetic число чего-то | на конец года | тысяч штук |  | point"
    assert (indicator["table_number"], indicator["period_kind"]) == ("9.9", "point")
    assert indicator["source_table"] == "x_2019.xlsx, sheet 9.1., table 9.9"
    # "на конец года" in the unit line: each year column is a point in time, the year's last day.
    assert sorted(parsed.tables["observations"]["period"]) == ["2016-12-31", "2017-12-31"]


def test_markers_and_numbers_stored_as_text(tmp_path: Path) -> None:
    rows = [
        ["Калужская область", "…", "-", "x"],
        ["Тульская область", "12,5", " 1 234,5 ", "123,4 1)"],
        ["Брянская область", None, "...", "–"],
    ]
    table = rr_table("SYNTHETIC ПОКАЗАТЕЛЬ", "единиц", [2015, 2016, 2017], rows)
    frame = parse(write_rr_workbook(tmp_path / "m_2019.xlsx", table)).tables["observations"]
    got = {(r.region_code, r.year): (None if pd.isna(r.value) else r.value, r.status)
           for r in frame.itertuples()}
    assert got == {
        ("RU-KLU", 2015): (None, "not_available"),
        ("RU-KLU", 2016): (None, "not_applicable"),
        ("RU-KLU", 2017): (None, "confidential"),
        ("RU-TUL", 2015): (12.5, ""),
        ("RU-TUL", 2016): (1234.5, ""),
        ("RU-TUL", 2017): (123.4, ""),
        ("RU-BRY", 2015): (None, "blank"),
        ("RU-BRY", 2016): (None, "not_available"),
        ("RU-BRY", 2017): (None, "not_applicable"),
    }


def test_two_tables_on_one_sheet(tmp_path: Path) -> None:
    second = rr_table("SYNTHETIC ВТОРАЯ ТАБЛИЦА", "рублей", [2016, 2017],
                      [["Калужская область", 5, 6], ["Тульская область", 7, 8]],
                      number="9.2.", section=None, publication=False)
    parsed = parse(write_rr_workbook(tmp_path / "two_2019.xlsx", grp_table(GRP_ROWS), second))
    indicators = parsed.tables["indicators"].set_index("code")
    second = indicators.index[1]
    assert indicators.index[0] == "grp" and second.startswith("synthetic_vtoraya_tablit_")
    # The first table's separator and footnote are not part of the second table's title.
    assert indicators.loc[second, "name_ru"] == "Synthetic вторая таблица"
    assert indicators.loc[second, "unit_ru"] == "рублей"
    frame = parsed.tables["observations"]
    second_rows = frame[frame["indicator_code"] == second]
    assert sorted(second_rows["source_cell"]) == ["B16", "B17", "C16", "C17"]
    assert second_rows["value"].tolist() == [5.0, 6.0, 7.0, 8.0]
    assert (frame["indicator_code"] == "grp").sum() == 8


def test_sub_header_row_splits_each_year(tmp_path: Path) -> None:
    table = rr_table("SYNTHETIC ПОКАЗАТЕЛЬ", "миллионов рублей", [2016, 2017],
                     [["Калужская область", 1, 2, 3, 4]], sub_headers=["всего", "в том числе частные1)"])
    parsed = parse(write_rr_workbook(tmp_path / "sub_2019.xlsx", table))
    codes = dict(zip(parsed.tables["indicators"]["name_ru"], parsed.tables["indicators"]["code"], strict=True))
    assert set(codes) == {"Synthetic показатель: всего", "Synthetic показатель: в том числе частные"}
    total, private = codes["Synthetic показатель: всего"], codes["Synthetic показатель: в том числе частные"]
    assert total.startswith("synthetic_pokazatel_vseg_")
    frame = parsed.tables["observations"]
    got = {(r.indicator_code, r.year): (r.value, r.source_cell) for r in frame.itertuples()}
    assert got == {(total, 2016): (1.0, "B7"), (private, 2016): (2.0, "C7"),
                   (total, 2017): (3.0, "D7"), (private, 2017): (4.0, "E7")}


def test_separator_ends_the_table(tmp_path: Path) -> None:
    # A row that looks like data below the separator is footnote territory and is not read.
    table = grp_table(GRP_ROWS[:3], footnotes=[SEPARATOR, "Калужская область", "1) SYNTHETIC note"])
    table.append(["Тульская область", 1, 2])
    frame = parse(write_rr_workbook(tmp_path / "sep_2019.xlsx", table)).tables["observations"]
    assert list(frame["region_code"].unique()) == ["RU", "CFD", "RU-KLU"]
    assert frame.loc[frame["region_code"] == "RU-KLU", "source_cell"].tolist() == ["B8", "C8"]


def test_country_and_districts_kept_nested_rows_skipped(tmp_path: Path) -> None:
    rows = [
        *GRP_ROWS,
        ["Уральский федеральный округ", 50, 60],
        ["Тюменская область", 30, 40],
        ["в том числе:", None, None],
        ["Ханты-Мансийский авт. округ - Югра", 10, 11],
        ["Тюменская область без автономных округов", 5, 6],
    ]
    parsed = parse(write_rr_workbook(tmp_path / "n_2019.xlsx", grp_table(rows)))
    assert parsed.rejections == []
    frame = parsed.tables["observations"]
    assert list(dict.fromkeys(frame["region_code"])) == [
        "RU", "CFD", "RU-KLU", "RU-TUL", "UFD", "RU-TYU", "RU-KHM", "X-TYU"]
    assert len(frame) == 16  # eight labelled rows with figures, two years; "в том числе:" gives none
    assert observation(parsed, region_code="RU", year=2016)["value"] == 1000.5


def test_a_column_without_a_period_is_refused_once_per_table(tmp_path: Path) -> None:
    table = rr_table("SYNTHETIC ПОКАЗАТЕЛЬ", "процентов", [2016, 2017, "2017 в % к 2016"],
                     [["Калужская область", 1, 2, 200], ["Тульская область", 3, 4, 133]])
    parsed = parse(write_rr_workbook(tmp_path / "h_2019.xlsx", table))
    assert sorted(parsed.tables["observations"]["period"]) == ["2016", "2016", "2017", "2017"]
    [rejection] = parsed.rejections
    assert (rejection.sheet, rejection.column) == ("9.1.", "D")
    assert "column(s) D have no period in their header ('2017 в % к 2016')" in rejection.reason


def test_edition_from_the_file_name_or_given() -> None:
    assert default_edition(Path("regions_of_russia_2019_s09_grp.xlsx")) == "RR-2019"
    assert default_edition(Path("rr2021.xlsx")) == "RR-2021"
    assert default_edition(Path("synthetic.xlsx")) == "RR-unknown:synthetic.xlsx"


def test_explicit_edition_and_sheet_selection(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "two_sheets.xlsx", {
        "A": grp_table(GRP_ROWS[:3]),
        "B": rr_table("SYNTHETIC ЛИСТ Б", "рублей", [2016, 2017], [["Калужская область", 1, 2]]),
    })
    both = parse(path, edition="RR-2099")
    assert set(both.tables["observations"]["source_sheet"]) == {"A", "B"}
    assert set(both.tables["observations"]["edition"]) == {"RR-2099"}
    only_b = parse(path, sheets=["B"])
    assert set(only_b.tables["observations"]["source_sheet"]) == {"B"}
    [code] = only_b.tables["indicators"]["code"]
    assert code.startswith("synthetic_list_b_rublei_")


# --- bad input: every problem names file, sheet, row and column -----------------------------------


def test_corrupt_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError) as caught:
        parse(path)
    assert caught.value.rejection.file == "corrupt.xlsx"
    assert "cannot be read as a workbook" in str(caught.value)
    assert str(caught.value).startswith("corrupt.xlsx: ")


def test_missing_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = write_rr_workbook(tmp_path / "s_2019.xlsx", grp_table(GRP_ROWS))
    with pytest.raises(InputError) as caught:
        parse(path, sheets=["9.7."])
    rejection = caught.value.rejection
    assert (rejection.file, rejection.sheet) == ("s_2019.xlsx", "9.7.")
    assert rejection.reason == "no such sheet; the workbook has: Раздел 9, 9.1."
    assert str(caught.value) == "s_2019.xlsx, sheet '9.7.': no such sheet; the workbook has: Раздел 9, 9.1."


def test_workbook_without_any_table(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "empty.xlsx", {"SYNTHETIC": [["no table here"], [None, "2016"]]})
    with pytest.raises(InputError, match="no table whose rows name regions found in any sheet"):
        parse(path)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("12,3abc", "text where a number was expected"),
        ('=HYPERLINK("http://x","y")', FORMULA),
        ("=cmd|' /C calc'!A0", FORMULA),
        ("@SUM(1+1)", FORMULA),
        (True, "a boolean where a number was expected"),
    ],
)
def test_bad_cell_is_rejected_with_its_location(tmp_path: Path, cell: object, reason: str) -> None:
    rows = [*GRP_ROWS[:2], ["Калужская область", 11.1, cell]]
    parsed = parse(write_rr_workbook(tmp_path / "bad_2019.xlsx", grp_table(rows)))
    [rejection] = parsed.rejections
    where = (rejection.file, rejection.sheet, rejection.row, rejection.column)
    assert where == ("bad_2019.xlsx", "9.1.", 8, "C")
    assert rejection.reason == reason
    assert rejection.found == str(cell)
    assert str(rejection).startswith("bad_2019.xlsx, sheet '9.1.', row 8, column C: ")
    # The bad cell yields no observation; its neighbours still parse (the loader refuses the lot).
    frame = parsed.tables["observations"]
    assert frame.loc[frame["region_code"] == "RU-KLU", "source_cell"].tolist() == ["B8"]
    assert not frame["value"].astype(str).str.contains("=").any()


def test_unknown_region_is_rejected(tmp_path: Path) -> None:
    rows = [*GRP_ROWS[:2], ["Атлантида", 1, 2], ["SYNTHETIC примечание без цифр", None, None]]
    parsed = parse(write_rr_workbook(tmp_path / "u_2019.xlsx", grp_table(rows)))
    [rejection] = parsed.rejections
    assert (rejection.sheet, rejection.row, rejection.column) == ("9.1.", 8, "A")
    assert rejection.reason == "unknown region name"
    assert rejection.found == "Атлантида"


def test_wrong_unit_for_a_known_indicator(tmp_path: Path) -> None:
    parsed = parse(write_rr_workbook(tmp_path / "unit_2019.xlsx",
                                     grp_table(GRP_ROWS, unit="тысяч рублей")))
    [rejection] = parsed.rejections
    where = (rejection.file, rejection.sheet, rejection.row, rejection.column)
    assert where == ("unit_2019.xlsx", "9.1.", 4, "A")
    assert rejection.reason == "wrong unit for grp: expected 'миллионов рублей'"
    assert rejection.found == "тысяч рублей"
    assert parsed.tables["observations"].empty


def test_adapter_name() -> None:
    assert rosstat_workbook.ADAPTER == "rosstat_workbook"
