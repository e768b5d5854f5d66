"""Period labels and codes: every kind, footnote marks glued to years (SYNTHETIC labels)."""

from __future__ import annotations

import pytest

from etl.periods import Label, Period, parse_code, read_label


@pytest.mark.parametrize(
    ("cell", "year", "footnote"),
    [(2017.0, 2017, None), ("2017", 2017, None), ("20212)", 2021, "2"), ("2023 4)", 2023, "4"),
     ("20211);2)", 2021, "1,2"), ("2017 г.", 2017, None), ("2010 год ", 2010, None)],
)
def test_year_labels(cell: object, year: int, footnote: str | None) -> None:
    label = read_label(cell)
    assert (label.year, label.kind, label.footnote) == (year, None, footnote)
    assert label.period() == Period("year", year)


@pytest.mark.parametrize("cell", [1392.4, 2042.5, 20009.0, "2000/2001", "2017 в % к 2016", "", None, True])
def test_not_a_year(cell: object) -> None:
    assert read_label(cell).year is None or read_label(cell).kind is not None


@pytest.mark.parametrize(
    ("text", "code", "kind"),
    [("I квартал", "2023-Q1", "quarter"), ("II полугодие", "2023-H2", "half_year"),
     ("январь-сентябрь", "2023-YTD09", "ytd"), ("на 1 января", "2023-01-01", "point"),
     ("на конец года", "2023-12-31", "point"), ("март", "2023-03", "month")],
)
def test_sub_periods_take_their_year_from_another_row(text: str, code: str, kind: str) -> None:
    period = read_label(text).period(2023)
    assert (period.code, period.kind) == (code, kind)
    assert parse_code(code) == period


def test_a_sub_period_without_a_year_has_no_period() -> None:
    assert read_label("I квартал").period() is None
    assert read_label("январь-сентябрь 2016").period() == Period("ytd", 2016, month=9)
    assert read_label("что-то другое") == Label()
