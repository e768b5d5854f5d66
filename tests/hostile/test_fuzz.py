"""Property-based fuzzing (hypothesis) of the adapters' parse and of the loader, with SYNTHETIC inputs.

Random «Регионы России»-style workbooks (titles, units, year headers, region names from the real
regions table mixed with junk, numbers, numbers as text, footnote marks, status marks, blanks) and
random cluster CSVs: parsing either succeeds or raises EtlError naming the file; a load is applied,
or refused with every rejection naming file and place, and a refused load changes nothing (a dump
of every data table before == after). Never another exception, never a partial load.

The number of examples is bounded for `make test`; HYPOTHESIS_PROFILE=soak (`make soak`) runs many more.
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from functools import cache
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from etl import pipeline
from etl.errors import EtlError
from etl.paths import REFERENCE_DIR
from tests.fixtures import PUBLICATION_LINE, table_rows

_COMMON = {"deadline": None, "derandomize": False, "print_blob": True,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                     HealthCheck.data_too_large]}
# NOTE: `make test` draws the same examples every run (derandomize), so it never fails by chance; the soak
# profile draws new ones each run. Both found a table of region rows without a header row crashing the layout
# reader (etl/sources/layout.py, fixed; the case stays in cases.py).
settings.register_profile("hostile", max_examples=40, **{**_COMMON, "derandomize": True})
settings.register_profile("soak", max_examples=500, **_COMMON)
# NOTE: chosen per test (not loaded globally), so the API's schemathesis tests keep their own settings.
FUZZ = settings.get_profile("soak" if os.environ.get("HYPOTHESIS_PROFILE") == "soak" else "hostile")
ALLOWED = {"applied", "rejected"}


@cache
def region_names() -> list[str]:
    with (REFERENCE_DIR / "regions.csv").open(encoding="utf-8") as handle:
        return [row["name_ru"] for row in csv.DictReader(handle)]


junk = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
markup = st.sampled_from(["[/bold]", "[link=file:///etc/passwd]x[/link]", "<script>alert(1)</script>",
                          "=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "\t=2", "'; DROP TABLE observations;--"])
region = st.one_of(st.sampled_from(region_names()), st.sampled_from(region_names()).map(lambda n: n + "1)"),
                   junk, markup)
number = st.floats(min_value=-1e18, max_value=1e18, allow_nan=False, allow_infinity=False)
number_text = st.one_of(
    number.map(lambda x: f"{x:,.1f}".replace(",", " ").replace(".", ",")),
    st.integers(0, 10**6).map(lambda n: f"{n}1)"),
    st.sampled_from(["…", "-", "x", "...", "…1)", "в 2,9 р.", "NaN", "inf", "-Infinity", "1e400", "#DIV/0!", ""]),
)
cell = st.one_of(st.none(), number, number_text, junk, markup)
year = st.one_of(st.integers(1990, 2030), st.integers(1990, 2030).map(lambda y: f"{y} год"),
                 st.integers(1990, 2030).map(lambda y: f"{y}2)"),
                 st.sampled_from(["2020-13-45", "99999", "0", "2000/2001", "I квартал", "январь"]), junk)
title = st.one_of(st.sampled_from(["9.1. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ", "ИНВЕСТИЦИИ В ОСНОВНОЙ КАПИТАЛ",
                                   "ЧИСЛЕННОСТЬ НАСЕЛЕНИЯ"]), junk, markup)
unit = st.one_of(st.none(), st.sampled_from(["(миллионов рублей)", "(тысяч человек)", "(в процентах)"]), junk)


@st.composite
def workbooks(draw: st.DrawFn) -> list[list]:
    """Rows of one SYNTHETIC sheet shaped like a Rosstat table, every part of it drawn at random."""
    years = draw(st.lists(year, min_size=1, max_size=5))
    rows: list[list] = []
    if draw(st.booleans()):
        rows.append([PUBLICATION_LINE])
    rows.append([draw(title)])
    if (u := draw(unit)) is not None:
        rows.append([u])
    rows.append([None, *years])
    for _ in range(draw(st.integers(0, 12))):
        rows.append([draw(region), *draw(st.lists(cell, min_size=len(years), max_size=len(years) + 1))])
    if draw(st.booleans()):
        rows.append(["1) SYNTHETIC footnote."])
    return rows


def write_sheet(path: Path, rows: list[list], sheet: str) -> Path:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    worksheet = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, float | int) and not isinstance(value, bool):
                worksheet.write_number(r, c, value)
            else:
                worksheet.write_string(r, c, str(value))
    book.close()
    return path


sheet_names = st.one_of(st.just("9.1."), st.text(alphabet="абвгдеёжзabcxyz0123456789 .'-_", min_size=1, max_size=20)
                        .filter(lambda s: s.strip() and not s.startswith("'") and not s.endswith("'")))


def assert_clean(report, before: dict, engine: Engine, name: str) -> None:
    """Applied, or refused with places named and nothing written; never failed (a crash or a database error)."""
    assert report.status in ALLOWED, report.error
    if report.status == "rejected":
        assert report.rejections
        assert all(r.file == name for r in report.rejections), report.rejections
        assert table_rows(engine) == before


@FUZZ
@given(rows=workbooks(), sheet=sheet_names)
def test_random_workbooks_parse_or_are_refused(rows: list[list], sheet: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_sheet(Path(folder) / "fuzz_2019.xlsx", rows, sheet)
        try:
            parsed = pipeline.parse_path(path)
        except EtlError as exc:
            assert "fuzz_2019.xlsx" in str(exc)
            return
        for rejection in parsed.rejections:
            assert rejection.file == "fuzz_2019.xlsx"
            assert rejection.sheet is None or rejection.sheet == sheet
        frame = parsed.tables.get("observations")
        if frame is not None and not frame.empty:
            values = frame["value"].dropna()
            assert all(math.isfinite(v) for v in values)


@FUZZ
@given(rows=workbooks())
def test_random_workbooks_load_or_change_nothing(rows: list[list], hostile_db: tuple[Engine, str]) -> None:
    engine, _ = hostile_db
    with tempfile.TemporaryDirectory() as folder:
        path = write_sheet(Path(folder) / "fuzz_load_2019.xlsx", rows, "9.1.")
        before = table_rows(engine)
        report = pipeline.load_path(engine, path)
        if report.status == "rejected" and report.adapter == "unknown":
            # Refused before parsing (InputError): nothing is written but the attempt's record.
            assert table_rows(engine) == before
            return
        assert_clean(report, before, engine, "fuzz_load_2019.xlsx")


csv_text = st.one_of(junk, markup, number.map(repr), number_text,
                     st.sampled_from(["2020-13-45", "31.02.2016", "2014", "2010 (by 2010-06-22)", "javascript:alert(1)",
                                      "https://example.org/synthetic", "mln RUB", "NaN", "inf", "-5e300", ""]))
CSV_HEADERS = {
    "companies.csv": ("name_ru", "name_en", "city_or_park", "parent_company", "parent_country", "kind",
                      "year_opened_or_joined", "products_or_therapy_areas", "jobs", "source_url", "quote",
                      "company_key"),
    "investments.csv": ("company", "amount", "currency", "year_or_period", "status", "scope", "note", "source_url",
                        "quote", "company_key"),
    "indicators.csv": ("year", "indicator", "value", "unit", "scope", "note", "source_url", "quote"),
    "events.csv": ("date", "event_type", "company", "description", "location", "source_url", "quote", "company_key"),
}


@st.composite
def cluster_csvs(draw: st.DrawFn) -> tuple[str, list[list[str]]]:
    name = draw(st.sampled_from(sorted(CSV_HEADERS)))
    header = CSV_HEADERS[name]
    rows = draw(st.lists(st.lists(csv_text, min_size=len(header), max_size=len(header)), max_size=6))
    return name, rows


@FUZZ
@given(data=cluster_csvs())
def test_random_cluster_csvs_load_or_change_nothing(data: tuple[str, list[list[str]]],
                                                    hostile_db: tuple[Engine, str]) -> None:
    engine, _ = hostile_db
    name, rows = data
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_HEADERS[name])
            writer.writerows(rows)
        before = table_rows(engine)
        report = pipeline.load_path(engine, path)
        assert_clean(report, before, engine, name)


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
