"""EMISS (fedstat.ru) exports: SYNTHETIC workbooks for the layout, Kaluga cells of the real exports."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import InputError
from etl.sources.emiss import edition_code, parse, read_passport
from etl.sources.reference import parse_editions
from tests.fixtures import write_workbook

CORPUS = "corpus/emiss_fedstat_exports"
INDENT = " " * 8


def one(frame: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, f"expected one row for {where}, found {mask.sum()}"
    return frame[mask].iloc[0]


def passport(title: str, unit: str = "* тысяча рублей", updated: str = "08.02.2023") -> list[list]:
    """SYNTHETIC «Паспорт» rows as EMISS writes them."""
    return [[title, ""], ["", ""], ["Единицы измерения: ", unit],
            ["Периодичность и характеристика временного ряда: ", "- Годовая"],
            ["Последнее обновление данных: ", updated],
            ["Ведомство (субъект статистического учета): ", "SYNTHETIC агентство"]]


def export(path: Path, data: list[list], title: str = "Инвестиции SYNTHETIC", **kw) -> Path:
    return write_workbook(path, {"Данные": data, "Паспорт": passport(title, **kw)})


def classifier_export(path: Path) -> Path:
    """SYNTHETIC: region × purpose rows, years 2007-2008 with "значение показателя за год" under them."""
    return export(path, [
        ["Инвестиции SYNTHETIC (тысяча рублей)", "", "", ""],
        ["", "", "", ""],
        ["", "", "2007", "2008"],
        ["", "", "значение показателя за год", "значение показателя за год"],
        ["Российская Федерация", "Охрана воздуха", 10.5, 11],
        ["Российская Федерация", "Охрана вод", 20, ""],
        ["    Центральный федеральный округ", "Охрана воздуха", 5, 6],
        [INDENT + "Калужская область", "Охрана воздуха", 0.38, 721.9],
        [INDENT + "Калужская область", "Охрана вод", "", "…"],
        [INDENT + "Атлантида", "Охрана вод", 1, 2],
    ])


def test_classifier_paths_are_indicators(tmp_path: Path) -> None:
    parsed = parse(classifier_export(tmp_path / "data (1).xls.xlsx"))
    frame = parsed.tables["observations"]
    indicators = parsed.tables["indicators"].set_index("code")
    assert len(indicators) == 2
    air = one(frame, region_code="RU-KLU", period="2007")
    assert (air["value"], air["source_cell"], air["source_header"], air["period_kind"]) == (0.38, "C8", "C3 C4", "year")
    name = indicators.loc[air["indicator_code"], "name_ru"]
    assert name == "Инвестиции SYNTHETIC: Охрана воздуха"
    assert indicators.loc[air["indicator_code"], "identity"] == (
        "EMISS | Инвестиции SYNTHETIC | тысяча рублей | тысяча рублей | Охрана воздуха | year")
    assert set(indicators["unit_ru"]) == {"тысяча рублей"}
    # A blank cell is no figure in a sparse export; "…" is a figure marked not available.
    water = frame[(frame["region_code"] == "RU-KLU") & (frame["indicator_code"] != air["indicator_code"])]
    assert list(zip(water["period"], water["status"], strict=True)) == [("2008", "not_available")]
    assert [(r.row, r.reason, r.found) for r in parsed.rejections] == [
        (10, "unknown region name (1 rows, first here)", "Атлантида")]
    assert parsed.edition == "EMISS-investitsii_synthetic-" + edition_code(
        read_passport(passport("Инвестиции SYNTHETIC"))).split("-", 2)[2]


def test_renamed_export_keeps_its_edition(tmp_path: Path) -> None:
    first = classifier_export(tmp_path / "a.xlsx")
    renamed = shutil.copy(first, tmp_path / "completely different name.xlsx")
    assert parse(first).edition == parse(Path(renamed)).edition
    assert parse(first).edition.endswith("-2023-02-08")


def test_layout_without_value_row_and_with_a_price_row(tmp_path: Path) -> None:
    """SYNTHETIC: no "значение показателя" row (data straight under the years); and a price-kind row."""
    plain = export(tmp_path / "p.xlsx", [
        ["Индекс SYNTHETIC (процент, значение показателя за год)", "", ""], ["", "", ""], ["", "2017", "2018"],
        ["Российская Федерация", 103.7, 103.5], [INDENT + "Калужская область", 119.8, 111]],
        title="Индекс SYNTHETIC", unit="* процент")
    frame = parse(plain).tables["observations"]
    assert list(frame[frame["region_code"] == "RU-KLU"]["value"]) == [119.8, 111]
    priced = export(tmp_path / "g.xlsx", [
        ["ВРП SYNTHETIC (тысяча рублей, значение показателя за год)", "", ""], ["", "", ""], ["", "", "2023"],
        ["", "", "Текущие цены"], [INDENT + "Калужская область", "Всего по видам", 792281494.7]],
        title="ВРП SYNTHETIC")
    parsed = parse(priced)
    assert parsed.tables["indicators"]["name_ru"].tolist() == ["ВРП SYNTHETIC: Текущие цены"]
    assert "Всего по видам" in parsed.tables["indicators"]["identity"].iloc[0]
    assert parsed.tables["observations"]["value"].tolist() == [792281494.7]


def test_bad_exports_are_refused(tmp_path: Path) -> None:
    data = [["X SYNTHETIC (процент)"], [], ["", "2017"], [INDENT + "Калужская область", 1]]
    with pytest.raises(InputError, match="no valid last-update date"):
        parse(export(tmp_path / "a.xlsx", data, updated=""))
    with pytest.raises(InputError, match="no unit"):
        parse(export(tmp_path / "b.xlsx", data, unit=""))
    with pytest.raises(InputError, match="a table with no regions"):
        parse(export(tmp_path / "c.xlsx", [["X SYNTHETIC"], [], ["", "2017"], ["Атлантида", 1]]))
    with pytest.raises(InputError, match="not an EMISS export"):
        parse(write_workbook(tmp_path / "d.xlsx", {"Лист1": data}))
    bad = parse(export(tmp_path / "e.xlsx", [*data[:3], [INDENT + "Калужская область", "12abc"],
                                             [INDENT + "Тульская область", 5]]))
    assert [(r.row, r.column, r.reason) for r in bad.rejections] == [(4, "B", "text where a number was expected")]
    assert bad.tables["observations"]["value"].tolist() == [5]


def test_detected_by_its_sheets(tmp_path: Path) -> None:
    from etl.pipeline import detect_adapter

    path = classifier_export(tmp_path / "anything.xlsx")
    assert detect_adapter(path) == "emiss"


# --- the real exports --------------------------------------------------------------------------------

# (file, cell, period, value): Kaluga cells of sheet «Данные» (the corpus README lists them).
KALUGA = [
    ("emiss_env_protection_investment_1991-2008.xls", "C68", "1991", 0.38),
    ("emiss_env_protection_investment_1991-2008.xls", "T68", "2008", 721.9),
    ("emiss_env_protection_investment_2009-2016.xls", "E210", "2009", 109357.7),
    ("emiss_env_protection_investment_2009-2016.xls", "L210", "2016", 285863.7),
    ("emiss_grp_okved2_basic_prices_2023.xls", "C12", "2023", 792281494.7),
    ("emiss_production_index_okved2_2015-2024.xls", "B11", "2017", 119.8),
    ("emiss_production_index_okved2_2015-2024.xls", "H11", "2023", 111.0),
]
# Observations, indicators and refusals per export.
COUNTS = {
    "emiss_env_protection_investment_1991-2008.xls": (8548, 9, 0),
    "emiss_env_protection_investment_2009-2016.xls": (10724, 49, 0),
    "emiss_grp_okved2_basic_prices_2023.xls": (96, 1, 0),
    "emiss_production_index_okved2_2015-2024.xls": (671, 1, 0),
}
_PARSED: dict[str, object] = {}


def parsed_export(folder: Path, name: str):
    if name not in _PARSED:
        _PARSED[name] = parse(folder / CORPUS / name)
    return _PARSED[name]


@pytest.mark.parametrize(("name", "cell", "period", "value"), KALUGA)
def test_kaluga_in_every_export(shared_data: Path, name: str, cell: str, period: str, value: float) -> None:
    frame = parsed_export(shared_data, name).tables["observations"]
    row = one(frame, source_sheet="Данные", source_cell=cell)
    assert (row["region_code"], row["period"], row["period_kind"], row["value"]) == ("RU-KLU", period, "year", value)


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_counts_units_and_editions(shared_data: Path, name: str) -> None:
    parsed = parsed_export(shared_data, name)
    observations, indicators, refused = COUNTS[name]
    assert (len(parsed.tables["observations"]), len(parsed.tables["indicators"]), len(parsed.rejections)) == (
        observations, indicators, refused)
    assert parsed.tables["indicators"]["identity"].is_unique
    assert parsed.tables["indicators"]["code"].is_unique
    # Every edition the adapter names is described in data/reference/editions.csv.
    editions = parse_editions().set_index("code")
    assert parsed.edition in editions.index
    assert editions.loc[parsed.edition, "publisher"] == "Rosstat (EMISS)"
    assert dict(Counter(parsed.tables["observations"]["edition"])) == {parsed.edition: observations}


def test_classifier_combinations_of_the_2009_2016_export(shared_data: Path) -> None:
    parsed = parsed_export(shared_data, "emiss_env_protection_investment_2009-2016.xls")
    row = one(parsed.tables["observations"], source_cell="E210")
    indicator = one(parsed.tables["indicators"], code=row["indicator_code"])
    assert indicator["name_ru"].endswith(": Новое строительство за счет всех источников финансирования")
    assert indicator["unit_ru"] == "тысяча рублей"


def test_sub_year_columns(tmp_path: Path) -> None:
    """SYNTHETIC: a quarterly and monthly export ("значение показателя за I квартал", "январь")."""
    path = export(tmp_path / "q.xlsx", [
        ["Численность SYNTHETIC (тысяча человек)", "", "", "", ""], ["", "", "", "", ""],
        ["", "2024", "2024", "2024", "2025"],
        ["", "значение показателя за I квартал", "значение показателя за январь-июнь", "январь",
         "значение показателя за дюжину"],
        [INDENT + "Калужская область", 1, 2, 3, 4]], title="Численность SYNTHETIC", unit="* тысяча человек")
    parsed = parse(path)
    frame = parsed.tables["observations"]
    assert [(r.period_kind, r.period, r.value) for r in frame.itertuples()] == [
        ("quarter", "2024-Q1", 1), ("ytd", "2024-YTD06", 2), ("month", "2024-01", 3)]
    assert parsed.tables["indicators"]["period_kind"].tolist() == ["quarter", "ytd", "month"]
    assert [(r.column, r.reason.split(";")[0]) for r in parsed.rejections] == [
        ("E", "header 'значение показателя за дюжину' at E4 names no period this adapter knows")]


def test_impossible_update_date_is_refused(tmp_path: Path) -> None:
    data = [["X SYNTHETIC (процент)"], [], ["", "2017"], [INDENT + "Калужская область", 1]]
    with pytest.raises(InputError, match="no valid last-update date") as caught:
        parse(export(tmp_path / "a.xlsx", data, updated="31.02.2020"))
    assert caught.value.rejection.found == "31.02.2020"


def test_several_units_in_the_passport(tmp_path: Path) -> None:
    """SYNTHETIC: the passport lists two units; the title's parenthesis says which one the export holds."""
    data = [["X SYNTHETIC (процент, значение показателя за год)"], [], ["", "2017"], [INDENT + "Калужская область", 1]]
    parsed = parse(export(tmp_path / "a.xlsx", data, title="X SYNTHETIC", unit="* тысяча рублей\n* процент"))
    assert parsed.tables["indicators"]["unit_ru"].tolist() == ["процент"]
    data[0] = ["X SYNTHETIC (значение показателя за год)"]
    with pytest.raises(InputError, match="lists several units"):
        parse(export(tmp_path / "b.xlsx", data, title="X SYNTHETIC", unit="* тысяча рублей\n* процент"))
