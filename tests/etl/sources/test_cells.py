"""Value cells: numbers, status marks, footnote marks and "в N р." (synthetic fixtures: strings typed
like the Rosstat cells they stand for; the corpus test at the end reads the real files)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from etl.regions import OWN_UNIT, REGION, UNALLOCATED, RegionResolver
from etl.sources.cells import (
    BLANK,
    CONFIDENTIAL,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    CellValue,
    footnote_mark,
    footnote_marks,
    parse_value,
)

NOTES_12 = frozenset({"1", "2"})


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (123.4, 123.4),
        (0.0, 0.0),
        (-5.25, -5.25),
        (42, 42.0),
    ],
)
def test_number_cells_are_read_as_they_are(cell: object, value: float) -> None:
    assert parse_value(cell) == CellValue(value, "")
    assert parse_value(cell).text is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("123,4", 123.4),
        ("123.4", 123.4),
        ("1 234,5", 1234.5),
        ("1\xa0234,5", 1234.5),  # NBSP
        ("1\u2009234,5", 1234.5),  # thin space
        ("1\u202f234\u202f567", 1234567.0),  # narrow NBSP
        ("−5,3", -5.3),  # U+2212 minus
        ("–5,3", -5.3),  # en dash typed as a minus
        ("-0,0", -0.0),
        ("  76,0\xa0", 76.0),
        ("+2,5", 2.5),
    ],
)
def test_numbers_written_as_text(text: str, value: float) -> None:
    result = parse_value(text)
    assert isinstance(result, CellValue)
    assert result.value == value and math.copysign(1, result.value) == math.copysign(1, value)
    assert result.status == ""
    assert result.text == text  # the cell was text: kept as published


@pytest.mark.parametrize("text", ["12 34", "1 2345", "1569, 8", "2 045 ,3", "107 51,6", ",5", "1.234.567", "1,2,3"])
def test_numbers_with_stray_spaces_or_separators_are_refused(text: str) -> None:
    # "12 34" is not a thousands grouping: reading 1234 would invent a number.
    assert parse_value(text) == "text where a number was expected"


@pytest.mark.parametrize(
    ("cell", "status"),
    [
        ("…", NOT_AVAILABLE), ("...", NOT_AVAILABLE), ("..", NOT_AVAILABLE), ("….", NOT_AVAILABLE),
        ("-", NOT_APPLICABLE), ("–", NOT_APPLICABLE), ("—", NOT_APPLICABLE), ("‐", NOT_APPLICABLE),
        ("−", NOT_APPLICABLE), (" - ", NOT_APPLICABLE),
        ("x", CONFIDENTIAL), ("х", CONFIDENTIAL), ("Х", CONFIDENTIAL),
    ],
)
def test_status_marks(cell: str, status: str) -> None:
    result = parse_value(cell)
    assert result == CellValue(None, status, cell)


@pytest.mark.parametrize("cell", [None, "", "   ", "\xa0", float("nan")])
def test_blanks(cell: object) -> None:
    assert parse_value(cell) == CellValue(None, BLANK)


@pytest.mark.parametrize(
    ("cell", "notes", "value", "note"),
    [
        # Issue 6: "1202)" is 120 with footnote 2, never 12 or 1202.
        ("1202)", NOTES_12, 120.0, "2"),
        ("83)", frozenset({"3"}), 8.0, "3"),
        ("0,32)", NOTES_12, 0.3, "2"),
        ("99,72)", NOTES_12, 99.7, "2"),
        ("129186991)", NOTES_12, 12918699.0, "1"),  # "91" is no footnote of the table
        ("53511)", NOTES_12, 5351.0, "1"),  # "11" is no footnote of the table
        ("1 2022)", NOTES_12, 1202.0, "2"),
        ("123,4 1)", NOTES_12, 123.4, "1"),  # set apart by a space
        ("123,4 1)", frozenset(), 123.4, "1"),  # set apart: read even when the footnotes are not known
        ("5,1*", frozenset({"*"}), 5.1, "*"),
        ("120²", NOTES_12, 120.0, "2"),
        ("-12)", NOTES_12, -1.0, "2"),  # "12" is no footnote; "-" with note 12 is not a reading
    ],
)
def test_footnote_marks_glued_to_numbers(cell: str, notes: frozenset[str], value: float, note: str) -> None:
    result = parse_value(cell, notes)
    assert isinstance(result, CellValue), result
    assert (result.value, result.status, result.notes, result.text) == (value, "", (note,), cell)


def test_several_marks_on_one_number() -> None:
    assert parse_value("1202)3)", frozenset({"2", "3"})) == CellValue(120.0, "", "1202)3)", ("2", "3"))
    assert parse_value("1202);3)", frozenset({"2", "3"})).notes == ("2", "3")
    # Every mark must be one the table defines.
    assert "'3' is not among" in parse_value("1202)3)", frozenset({"2"}))


@pytest.mark.parametrize(
    ("cell", "notes", "reason"),
    [
        # No footnotes known: 120 (note 2) or 12 with note 02? The digits could belong to either.
        ("1202)", frozenset(), "ambiguous footnote mark"),
        ("83)", frozenset(), "ambiguous footnote mark"),
        # Both splits leave a defined mark.
        ("2022)", frozenset({"2", "22"}), "ambiguous footnote mark"),
        ("-12)", frozenset(), "ambiguous footnote mark"),
        ("-12)", frozenset({"2", "12"}), "ambiguous footnote mark"),
        # No split leaves a defined mark.
        ("1205)", NOTES_12, "is not among the table's footnotes"),
        ("880542)", frozenset({"1"}), "footnote mark in '880542)' is not among the table's footnotes (1): "
                                      "88054 with note 2 or 8805 with note 42"),
        ("123,4 3)", NOTES_12, "'3' is not among the table's footnotes (1, 2)"),
        ("…4)", NOTES_12, "'4' is not among"),
        ("5,1*", NOTES_12, "'*' is not among"),
        # Minus five, or "-" with note 5 (marks without a bracket, as in "…5")?
        ("-5", frozenset({"5"}), "ambiguous footnote mark"),
        # Not a number with a mark at all.
        ("1)", NOTES_12, "text where a number was expected"),
        ("abc2)", NOTES_12, "text where a number was expected"),
        ("123,1)", NOTES_12, "text where a number was expected"),
    ],
)
def test_footnote_marks_that_cannot_be_told_apart_are_refused(cell: str, notes: frozenset[str], reason: str) -> None:
    result = parse_value(cell, notes)
    assert isinstance(result, str), result
    assert reason in result


def test_ambiguous_reason_names_the_readings() -> None:
    reason = parse_value("2022)", frozenset({"2", "22"}))
    assert reason == "ambiguous footnote mark: '2022)' reads as 202 with note 2 or 20 with note 22 (footnotes 2, 22)"
    reason = parse_value("129186991)")
    assert reason == ("ambiguous footnote mark: '129186991)' reads as 12918699 with note 1 or 1291869 with note 91 "
                      "(no footnotes known)")


@pytest.mark.parametrize(
    ("cell", "notes", "status", "note"),
    [
        ("…4)", frozenset({"4"}), NOT_AVAILABLE, "4"),
        ("…4)", frozenset(), NOT_AVAILABLE, "4"),
        ("... 1)", frozenset(), NOT_AVAILABLE, "1"),
        ("-1)", frozenset({"1"}), NOT_APPLICABLE, "1"),
        ("x2)", frozenset({"2"}), CONFIDENTIAL, "2"),
        ("…5", frozenset({"5"}), NOT_AVAILABLE, "5"),  # the 806 bulletin's marks go without a bracket
        ("х 3", frozenset(), CONFIDENTIAL, "3"),
    ],
)
def test_footnote_marks_glued_to_status_marks(cell: str, notes: frozenset[str], status: str, note: str) -> None:
    assert parse_value(cell, notes) == CellValue(None, status, cell, (note,))


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("в 2,9 р.", 290.0),
        ("в 2.9 раза", 290.0),
        ("в 2,2р.", 220.0),
        ("в 12 раз", 1200.0),
        ("В 10,1 р.", 1010.0),
        ("в 3,0 р", 300.0),
    ],
)
def test_times_the_base_is_stored_as_percent_of_the_base(cell: str, value: float) -> None:
    result = parse_value(cell)
    assert result == CellValue(value, "", cell, (), times=True)


def test_times_with_a_footnote_mark() -> None:
    assert parse_value("в 2,9 р.1)", frozenset({"1"})) == CellValue(290.0, "", "в 2,9 р.1)", ("1",), times=True)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("=A1+B1", "formula"),
        ("=HYPERLINK(\"x\")", "formula"),
        ("@SUM(A1)", "formula"),
        ("+cmd", "formula"),
        ("-Exec", "formula"),
        ("#DIV/0!", "a spreadsheet error (#DIV/0!) where a number was expected"),
        ("#N/A", "a spreadsheet error (#N/A)"),
        (True, "a boolean where a number was expected"),
        (False, "a boolean where a number was expected"),
        (dt.date(2020, 1, 1), "a date where a number was expected"),
        (dt.datetime(2020, 1, 1, 12), "a date where a number was expected"),
        (dt.time(12, 0), "a date where a number was expected"),
        (dt.timedelta(days=1), "a date where a number was expected"),
        (float("inf"), "an infinite number"),
        (float("-inf"), "an infinite number"),
        ("ё", "text where a number was expected"),
        (",,,", "text where a number was expected"),
        ("Всего", "text where a number was expected"),
        ("x" * 5000, "text where a number was expected"),
        (object(), "where a number was expected"),
    ],
)
def test_what_is_not_a_value_is_refused_with_its_reason(cell: object, reason: str) -> None:
    result = parse_value(cell)
    assert isinstance(result, str)
    assert reason in result


def test_the_same_text_gives_the_same_answer_for_each_set_of_footnotes() -> None:
    # parse_value remembers text cells; the table's footnotes are part of what it remembers.
    assert parse_value("1202)", frozenset({"2"})).value == 120.0
    assert "ambiguous" in parse_value("1202)")
    assert parse_value("1202)", frozenset({"2"})).value == 120.0


@pytest.mark.parametrize(
    ("line", "mark"),
    [
        ("1) Данные за 2011-2021 годы пересчитаны с учетом итогов ВПН-2020.", "1"),
        (" 2)\xa0Данные за 2005-2015 гг.", "2"),
        ("1  Начиная с января 2015 г. показатель рассчитан", "1"),  # the 806 bulletin's style
        ("2  2009-2013гг. -  Данные с учетом", "2"),
        ("*) Данные за 2012-2022 годы публикуются без учета итогов ВПН-2020.", "*"),
        ("¹ По данным Банка России", "1"),
        ("Данные приведены по состоянию на 1 января", None),
        ("2009-2013 гг. - данные", None),
        ("_________", None),
        ("", None),
        (None, None),
        (12.0, None),
    ],
)
def test_footnote_mark(line: object, mark: str | None) -> None:
    assert footnote_mark(line) == mark


def test_footnote_marks_of_cells_holding_several_lines() -> None:
    cells = ["___________", "1) Данные пересчитаны.\n2) Данные изменены.\n   ", None, "3) С 2011 г.", ""]
    assert footnote_marks(cells) == frozenset({"1", "2", "3"})


def _corpus_files(shared: Path) -> list[Path]:
    files = sorted(p for p in (shared / "corpus").rglob("*") if p.suffix in (".xls", ".xlsx"))
    return files + sorted((shared / "rosstat").glob("*.xls*"))


def _footnotes(rows: list[list]) -> frozenset[str]:
    """Marks defined by the lines in column A of the sheet (a stand-in for the table's footnote area)."""
    return footnote_marks(row[0] for row in rows if row)


def test_corpus_text_cells_in_region_rows(shared_data: Path) -> None:
    """Every text cell in a region row of the corpus is a value, a status or a refusal for a stated
    cause; the glued marks (`1202)`) resolve against the sheet's own footnotes."""
    resolver = RegionResolver.from_reference()
    refused: dict[str, str] = {}
    glued = 0
    for path in _corpus_files(shared_data):
        if "emiss" in path.parent.name:  # EMISS sheets: dimension columns of text beside the values
            continue
        workbook = CalamineWorkbook.from_path(str(path))
        for sheet in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            notes = _footnotes(rows)
            for row in rows:
                if not row or resolver.classify(row[0]).kind not in (REGION, OWN_UNIT, UNALLOCATED):
                    continue
                for cell in row[1:]:
                    if not isinstance(cell, str):
                        continue
                    result = parse_value(cell, notes)
                    if isinstance(result, str):
                        refused[cell.strip()] = result
                    elif result.notes and result.value is not None:
                        glued += 1
    # NOTE: what Rosstat typed and no rule may read: a stray space inside a number ("1569, 8",
    # "871, 5", "2 045 ,3", "107 51,6"), ",,," and "ё" where a value belongs.
    assert set(refused) == {"1569, 8", "871, 5", "2 045 ,3", "107 51,6", ",,,", "ё"}, refused
    assert glued >= 30  # "1202)", "129186991)", ... read against the sheet's footnotes
