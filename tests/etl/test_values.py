"""Unit tests of the quoted-value helpers (inputs: synthetic strings written like the sources)."""

from __future__ import annotations

import math

import pytest

from etl.values import (
    Quantity,
    count_numbers,
    first_year,
    iso_date_prefix,
    looks_like_formula,
    normalise_alias,
    parse_period,
    parse_quantity,
    strip_remark,
    table_columns,
    to_frame,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("93.3", Quantity("", 93.3, 93.3)),
        (">8", Quantity(">", 8.0, None)),
        ("~100", Quantity("~", 100.0, 100.0)),
        ("80-100", Quantity("range", 80.0, 100.0)),
        ("80 – 100", Quantity("range", 80.0, 100.0)),
        ("<5", Quantity("<", None, 5.0)),
        ("up to 3.5", Quantity("<=", None, 3.5)),
        ("~20 (two dozen)", Quantity("~", 20.0, 20.0)),
        (">4 (RUSNANO 1.2)", Quantity(">", 4.0, None)),
        ("~500,000", Quantity("~", 500000.0, 500000.0)),
    ],
)
def test_parse_quantity(text: str, expected: Quantity) -> None:
    assert parse_quantity(text) == expected


def test_parse_quantity_scales_exactly() -> None:
    # 1.1 * 1000 in binary floating point is 1100.0000000000002; the helper scales in decimal.
    assert parse_quantity("1.1", 1000) == Quantity("", 1100.0, 1100.0)
    assert parse_quantity(">8", 1000) == Quantity(">", 8000.0, None)


@pytest.mark.parametrize("text", ["", "n/a", "100 -> 272", "25 / 30", "100-80", "2,5", "about 5"])
def test_parse_quantity_refuses_what_is_not_one_figure(text: str) -> None:
    with pytest.raises(ValueError):
        parse_quantity(text)


def test_strip_remark_and_count_numbers() -> None:
    assert strip_remark("94 (of which 27 regional budget)") == "94"
    assert count_numbers("100 -> 272") == 2
    assert count_numbers("~500,000") == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("to 2015", (None, 2015)),
        ("2011-2015", (2011, 2015)),
        ("2014", (2014, 2014)),
        ("announced 2010-03", (2010, 2010)),
        ("announced 2011-10-17", (2011, 2011)),
        ("6 years to 2018 (c. 2012-2017)", (2012, 2017)),
        ("to end-2025", (None, 2025)),
        ("as of April 2015", (None, 2015)),
        ("SPIEF-2021 intent agreement", (2021, 2021)),
        ("2010s (cumulative)", (2010, None)),
        ("by plant commissioning", (None, None)),
        ("date not in excerpt", (None, None)),
        (None, (None, None)),
    ],
)
def test_parse_period(text: str | None, expected: tuple[int | None, int | None]) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2014-04-10 (as dated on page)", "2014-04-10"),
        ("2012-03", "2012-03"),
        ("2012", "2012"),
        ("2010 (by 2010-06-22)", "2010"),
        ("2010-2011", "2010"),
        ("2018-Q1 (planned)", "2018"),
        ("SPIEF (2023-06-14 per infoobninsk.ru)", "2023-06-14"),
        ("09-09 (year not stated in excerpt)", None),
        ("date not in excerpt (after 2022 sanctions)", None),
        ("2010-13", "2010"),
    ],
)
def test_iso_date_prefix(text: str, expected: str | None) -> None:
    assert iso_date_prefix(text) == expected


def test_first_year_ignores_longer_numbers() -> None:
    assert first_year("capacity 10000 packs in 2016") == 2016
    assert first_year("20155") is None
    assert first_year(None) is None


def test_normalise_alias() -> None:
    assert normalise_alias("  Ново   Нордиск\t") == "ново нордиск"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("=HYPERLINK(\"x\")", True), ("@SUM(A1)", True), ("+cmd", True), ("-Exec", True),
     ("+67% vs 2016", False), ("-5", False), (">8", False), ("", False), (None, False)],
)
def test_looks_like_formula(text: str | None, expected: bool) -> None:
    assert looks_like_formula(text) is expected


def test_to_frame_has_exactly_the_schema_columns_and_no_nan() -> None:
    record = {"record_key": "k", "amount_low_mn": math.nan, "year_to": 2015}
    frame = to_frame("investments", [record])
    assert list(frame.columns) == table_columns("investments")
    assert "load_id" not in frame.columns
    assert frame.loc[0, "amount_low_mn"] is None
    assert frame.loc[0, "year_to"] == 2015 and isinstance(frame.loc[0, "year_to"], int)


def test_to_frame_refuses_unknown_columns() -> None:
    with pytest.raises(ValueError, match="unknown columns"):
        to_frame("sources", [{"url": "u", "colour": "red"}])
