"""The tidy 2021-edition panel CSV: values pinned from the real file, problems on SYNTHETIC CSVs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import InputError
from etl.sources.observations import OBSERVATION_COLUMNS
from etl.sources.rosstat_panel import looks_like_panel, parse
from tests.fixtures import PANEL_HEADER, write_csv

PANEL = "regions_panel_2000_2020.csv"


def value_of(frame: pd.DataFrame, indicator: str, region: str, year: int) -> pd.Series:
    found = frame[(frame["indicator_code"] == indicator) & (frame["region_code"] == region)
                  & (frame["year"] == year)]
    assert len(found) == 1
    return found.iloc[0]


@pytest.mark.parametrize(
    ("indicator", "year", "value", "column"),
    [
        ("grp", 2017, 457052.5, "grp"),
        ("grp", 2016, 409462.3, "grp"),
        ("investment_fixed_capital", 2008, 66270.0, "invest"),
        ("population", 2017, 1013.4, "pop"),
    ],
)
def test_kaluga_values_from_the_2021_edition(parse_shared, indicator, year, value, column) -> None:
    row = value_of(parse_shared(PANEL).tables["observations"], indicator, "RU-KLU", year)
    assert row["value"] == value
    assert row["status"] == ""
    assert row["edition"] == "RR-2021"
    assert row["source_file"] == PANEL
    assert row["source_sheet"] is None
    # "column:line" of the CSV: Kaluga's rows start at line 107 (2000) in the file.
    assert row["source_cell"] == f"{column}:{107 + year - 2000}"


def test_panel_counts_and_statuses(parse_shared, shared_data: Path) -> None:
    parsed = parse_shared(PANEL)
    frame = parsed.tables["observations"]
    assert parsed.rejections == []
    assert len(frame) == 29232  # 1,827 rows x 16 indicator columns
    assert len(parsed.tables["indicators"]) == 16
    assert dict(Counter(frame["status"])) == {"": 26679, "not_available": 2553}
    assert frame.loc[frame["status"] == "not_available", "value"].isna().all()
    assert list(frame.columns) == OBSERVATION_COLUMNS
    raw = pd.read_csv(shared_data / "rosstat" / PANEL, dtype=str, keep_default_na=False)
    assert (raw.drop(columns=["region_rus", "year"]) == "NA").to_numpy().sum() == 2553
    assert frame["region_code"].nunique() == 87
    assert (frame["year"].min(), frame["year"].max()) == (2000, 2020)


def test_panel_indicators_carry_registry_metadata(parse_shared) -> None:
    indicators = parse_shared(PANEL).tables["indicators"].set_index("code")
    assert indicators.loc["grp", "unit_ru"] == "миллионов рублей"
    assert indicators.loc["investment_fixed_capital", "unit_ru"] == "миллионов рублей"
    assert indicators.loc["investment_fixed_capital", "name_en"]
    assert indicators.loc["population", "unit_ru"] == "тысяч человек"


def test_the_editions_disagree_and_both_are_kept(parse_shared) -> None:
    panel = value_of(parse_shared(PANEL).tables["observations"], "grp", "RU-KLU", 2017)
    workbook = parse_shared("regions_of_russia_2019_s09_grp.xlsx").tables["observations"]
    rr2019 = value_of(workbook, "grp", "RU-KLU", 2017)
    assert (rr2019["value"], rr2019["edition"]) == (417065.0, "RR-2019")
    assert (panel["value"], panel["edition"]) == (457052.5, "RR-2021")


# --- SYNTHETIC panels -----------------------------------------------------------------------------


def test_synthetic_panel(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "panel.csv", PANEL_HEADER, [
        ["Калужская область", "2016", "1.5", "NA"],
        ["Калинингpадская область", "2017", "2", "…"],
        ["Тюменская область без автономных округов", "2017", "3e2", ""],
    ])
    parsed = parse(path, edition="SYNTHETIC-1")
    assert parsed.rejections == []
    got = {(r.indicator_code, r.region_code, r.period): (None if pd.isna(r.value) else r.value, r.status)
           for r in parsed.tables["observations"].itertuples()}
    assert got == {
        ("grp", "RU-KLU", "2016"): (1.5, ""),
        ("investment_fixed_capital", "RU-KLU", "2016"): (None, "not_available"),
        ("grp", "RU-KGD", "2017"): (2.0, ""),
        ("investment_fixed_capital", "RU-KGD", "2017"): (None, "not_available"),
        ("grp", "X-TYU", "2017"): (300.0, ""),
        ("investment_fixed_capital", "X-TYU", "2017"): (None, "not_available"),
    }
    assert set(parsed.tables["observations"]["edition"]) == {"SYNTHETIC-1"}


def test_default_edition_is_2021(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "panel.csv", PANEL_HEADER, [["Калужская область", "2016", "1", "2"]])
    assert parse(path).edition == "RR-2021"


@pytest.mark.parametrize(
    ("row", "column", "reason", "found"),
    [
        (["Калужская область", "2016", "12,3abc", "1"], "grp", "text where a number was expected", "12,3abc"),
        (["Калужская область", "2016", '=HYPERLINK("http://x","y")', "1"], "grp",
         "text that looks like a spreadsheet formula where a number was expected", '=HYPERLINK("http://x","y")'),
        (["Калужская область", "2016", "1", "=cmd|' /C calc'!A0"], "invest",
         "text that looks like a spreadsheet formula where a number was expected", "=cmd|' /C calc'!A0"),
        (["Калужская область", "2016", "-cmd", "1"], "grp",
         "text that looks like a spreadsheet formula where a number was expected", "-cmd"),
        (["Атлантида", "2016", "1", "2"], "region_rus", "unknown region name", "Атлантида"),
        (["Калужская область", "20x6", "1", "2"], "year", "not a year", "20x6"),
    ],
)
def test_bad_rows_are_rejected_with_line_and_column(tmp_path: Path, row, column, reason, found) -> None:
    path = write_csv(tmp_path / "bad.csv", PANEL_HEADER, [["Тульская область", "2016", "1", "2"], row])
    parsed = parse(path)
    [rejection] = parsed.rejections
    assert (rejection.file, rejection.sheet, rejection.row, rejection.column) == ("bad.csv", None, 3, column)
    assert (rejection.reason, rejection.found) == (reason, found)
    assert str(rejection) == f"bad.csv, row 3, column {column}: {reason} (found {found!r})"
    # Nothing that looks like a formula becomes an observation.
    frame = parsed.tables["observations"]
    assert frame["value"].notna().all()
    assert "RU-TUL" in set(frame["region_code"])


def test_unknown_column_is_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "extra.csv", [*PANEL_HEADER, "SYNTHETIC_col"],
                     [["Калужская область", "2016", "1", "2", "3"]])
    parsed = parse(path)
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column, rejection.reason) == (
        1, "SYNTHETIC_col", "column is not a known panel indicator")
    assert set(parsed.tables["observations"]["indicator_code"]) == {"grp", "investment_fixed_capital"}


def test_missing_required_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "noyear.csv", ["region_rus", "grp"], [["Калужская область", "1"]])
    with pytest.raises(InputError) as caught:
        parse(path)
    rejection = caught.value.rejection
    assert (rejection.file, rejection.row, rejection.column) == ("noyear.csv", 1, "year")
    assert rejection.reason == "required column missing"


def test_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "cp1251.csv"
    path.write_bytes("region_rus,year,grp\nКалужская область,2016,1\n".encode("cp1251"))
    with pytest.raises(InputError, match=r"cp1251\.csv: not a readable CSV"):
        parse(path)


def test_looks_like_panel() -> None:
    assert looks_like_panel(list(PANEL_HEADER))
    assert not looks_like_panel(["region", "year", "grp"])
