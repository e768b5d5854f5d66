"""Bank of Russia regional CPI growth: SYNTHETIC workbooks for the layout, Kaluga cells of the real file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import InputError
from etl.sources.cbr_cpi import PUBLISHER, parse
from etl.sources.reference import parse_editions
from tests.fixtures import write_workbook

FILE = "corpus/cbr_regional_cpi/cbr_reg_cpd_regional_cpi_yoy_mom_2016-2026.xlsx"
YOY = "Темпы прироста потребительских цен по РФ и регионам1, в процентах г/г"
MOM = "Темпы прироста потребительских цен по РФ и регионам1, в процентах к предыдущему месяцу"
MOM_SA = MOM + ", сезонность устранена2"


def one(frame: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, f"expected one row for {where}, found {mask.sum()}"
    return frame[mask].iloc[0]


def sheet(title: str, rows: list[list], months: int = 3) -> list[list]:
    """SYNTHETIC sheet of the Bank's layout: title in A1, month dates across row 1, footnotes below."""
    dates = [dt.datetime(2025, m, 1) for m in range(1, months + 1)]
    return [[title, *dates], *rows, [None], ["1 - SYNTHETIC footnote."]]


def synthetic(path: Path) -> Path:
    return write_workbook(path, {
        "гг": sheet(YOY, [["Россия", 9.9, 10.1, 10.3], ["Калужская область", 10.6, "…", 8.37],
                          ["Атлантида", 1, 2, 3]]),
        "мм": sheet(MOM, [["Россия", 0.5, 0.6, 0.7], ["Калужская область", 0.83, 0.39, ""]]),
        "ммск": sheet(MOM_SA, [["Калужская область", 0.5999999999999943, 0.29, 0.3]]),
    })


def test_three_measures_by_month(tmp_path: Path) -> None:
    parsed = parse(synthetic(tmp_path / "reg_cpd.xlsx"))
    assert parsed.edition == "CBR-CPI-2025-03"
    frame = parsed.tables["observations"]
    indicators = parsed.tables["indicators"].set_index("code")
    assert list(indicators.index) == ["cbr_cpi_yoy", "cbr_cpi_mom", "cbr_cpi_mom_sa"]
    assert set(indicators["period_kind"]) == {"month"}
    assert indicators.loc["cbr_cpi_yoy", "unit_ru"] == "% прироста к соответствующему месяцу предыдущего года"
    # The title without its footnote mark ("регионам1,").
    assert indicators.loc["cbr_cpi_yoy", "name_ru"] == YOY.replace("регионам1", "регионам")
    assert indicators["source_table"].str.startswith("Банк России").all()
    row = one(frame, indicator_code="cbr_cpi_yoy", region_code="RU-KLU", period="2025-01")
    assert (row["value"], row["source_cell"], row["source_header"], row["period_kind"]) == (10.6, "B3", "B1", "month")
    assert one(frame, indicator_code="cbr_cpi_yoy", region_code="RU-KLU", period="2025-02")["status"] == "not_available"
    # The Bank's seasonally adjusted figures are stored exactly as the cell holds them, never rounded.
    assert one(frame, indicator_code="cbr_cpi_mom_sa", period="2025-01")["value"] == 0.5999999999999943
    assert [(r.sheet, r.row, r.reason, r.found) for r in parsed.rejections] == [
        ("гг", 4, "unknown region name", "Атлантида")]


def test_bad_dates_and_not_a_cpi_file(tmp_path: Path) -> None:
    rows = sheet(YOY, [["Калужская область", 1, 2, 3]])
    rows[0][2] = dt.datetime(2025, 2, 15)
    parsed = parse(write_workbook(tmp_path / "d.xlsx", {"гг": rows}))
    assert [(r.column, r.reason.split(":")[0]) for r in parsed.rejections] == [
        ("C", "a date that is not the first of a month")]
    assert list(parsed.tables["observations"]["period"]) == ["2025-01", "2025-03"]
    with pytest.raises(InputError, match="no sheet has a row of month dates"):
        parse(write_workbook(tmp_path / "n.xlsx", {"x": [["SYNTHETIC"], [None, 2016, 2017]]}))


def test_detected_by_its_month_row(tmp_path: Path) -> None:
    from etl.pipeline import detect_adapter

    assert detect_adapter(synthetic(tmp_path / "renamed.xlsx")) == "cbr_cpi"


# --- the real file -----------------------------------------------------------------------------------

KALUGA = [
    ("гг", "B22", "cbr_cpi_yoy", "2016-01", 10.6),  # corpus README
    ("гг", "DT22", "cbr_cpi_yoy", "2026-03", 6.45),  # corpus README
    ("мм", "B22", "cbr_cpi_mom", "2016-01", 0.83),
    ("ммск", "DT22", "cbr_cpi_mom_sa", "2026-03", 0.4899999999999949),
]


_PARSED: dict[str, object] = {}


@pytest.fixture
def real(shared_data: Path):
    if FILE not in _PARSED:
        _PARSED[FILE] = parse(shared_data / FILE)
    return _PARSED[FILE]


@pytest.mark.parametrize(("sheet_name", "cell", "code", "period", "value"), KALUGA)
def test_kaluga_cpi(shared_data: Path, real, sheet_name: str, cell: str, code: str, period: str,
                    value: float) -> None:
    row = one(real.tables["observations"], source_sheet=sheet_name, source_cell=cell)
    assert (row["indicator_code"], row["region_code"], row["period"], row["value"]) == (code, "RU-KLU", period, value)


def test_real_file_counts_and_edition(shared_data: Path, real) -> None:
    frame = real.tables["observations"]
    assert real.edition == "CBR-CPI-2026-03"
    assert real.rejections == []  # every short CBR region name resolves
    assert frame["region_code"].nunique() == 86  # Russia and 85 regions
    assert len(frame) == 3 * 86 * 123  # three measures, 2016-01 to 2026-03
    editions = parse_editions().set_index("code")
    assert editions.loc[real.edition, "publisher"] == PUBLISHER == "Bank of Russia"


def test_month_row_without_regions_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="a table with no regions"):
        parse(write_workbook(tmp_path / "e.xlsx", {"гг": sheet(YOY, [])}))
