"""Tests of the interview adapter: its facts against the real interview, ATC file and companies."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import InputError
from etl.sources import interview
from etl.values import table_columns

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
INTERVIEW = SHARED / ".." / "seed" / "kaluga_pharma_cluster_interview.txt"
ATC_FILE = SHARED / "reference" / "who_atc_codes.csv"
pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not INTERVIEW.is_file(), reason="../shared/seed interview is not present"),
]


@pytest.fixture(scope="module")
def parsed() -> interview.Parsed:
    return interview.parse_interview(INTERVIEW, atc_path=ATC_FILE)


def by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.set_index(column, drop=False)


def test_tables_have_exactly_the_schema_columns(parsed) -> None:
    assert set(parsed.tables) == {"sources", "cluster_indicators", "events", "products"}
    for table, frame in parsed.tables.items():
        assert list(frame.columns) == table_columns(table)
        assert not any(isinstance(v, float) and math.isnan(v) for v in frame.to_numpy().ravel())
        assert frame.get("record_key", pd.Series(dtype=object)).is_unique
    assert parsed.rejections == []


def test_source_row(parsed) -> None:
    source = parsed.tables["sources"].iloc[0]
    assert source.url == "file:seed/kaluga_pharma_cluster_interview.txt"
    assert source.title.startswith("Kaluga Pharmaceutical Cluster — an Environment")
    assert source.publisher is None
    assert source.cited_rows == 25


def test_indicator_figures(parsed) -> None:
    frame = parsed.tables["cluster_indicators"]
    assert len(frame) == 7
    invested = frame[frame.indicator == "investment by cluster participants since 2007"].iloc[0]
    assert (invested.value_raw, invested.qualifier, invested.value_low, invested.unit) == (
        ">50", ">", 50.0, "bn RUB")
    assert invested.year_raw == "2007 onwards (as of interview)"
    mir = frame[frame.record_key.str.contains(":mir_pharm:")]
    assert list(zip(mir.value_raw, mir.year, strict=True)) == [
        ("6", 2017), ("3", 2018), ("50", 2018)]
    early = mir.iloc[1]
    assert early.year_raw == 'early 2018 ("early this year")'
    assert "2017" in early.note and "this year" in early.note
    bion = frame[frame.scope == "BION"]
    assert list(bion.value_raw) == ["7", ">30"]
    assert frame.iloc[-1].value_raw == "4"


def test_events(parsed) -> None:
    frame = parsed.tables["events"]
    assert list(frame.company_key) == [
        "cluster", "pharm_sintez", "sphere_pharm", "hemofarm_stada", "sanatmetal"]
    assert list(frame.date) == ["2012", "2018", "2018", "2018", "2018"]
    assert list(frame.is_planned) == [0, 1, 1, 1, 1]


def test_products_and_inns_come_from_the_atc_file(parsed) -> None:
    frame = by(parsed.tables["products"], "trade_name")
    assert len(frame) == 13
    assert frame.loc[["Mirolute", "Traneskam", "Meksiprim", "dalargin"], "inn"].isna().all()
    assert frame.loc["Mifepristone", "atc_code"] == "G03XB01"
    assert frame.loc["Atosiban", "atc_code"] == "G02CX01"
    assert frame.loc["Carbetocin", "atc_code"] == "H01BB03"
    assert frame.loc["indapamide", "atc_code"] == "C03BA11"
    assert frame.loc["articaine", "atc_code"] == "N01BB08"
    # Several codes: systemic before topical (D, S), noted on the row.
    assert frame.loc["diclofenac", "atc_code"] == "M01AB05"
    assert "D11AX18" in frame.loc["diclofenac", "note"]
    assert frame.loc["Mifepristone", "status_raw"] == (
        "introduced by Mir-Pharm; now made to STADA's order")
    assert frame.loc["Atosiban", "status_raw"] == "in development"
    assert set(frame[frame.company_key == "cluster"].index) == {
        "diclofenac", "articaine", "xylometazoline", "indapamide", "dalargin"}
    assert frame.registration_number.isna().all()


def test_company_keys_exist_in_companies_csv(parsed) -> None:
    with (SHARED / "cluster" / "companies.csv").open(encoding="utf-8") as handle:
        known = {row["company_key"] for row in csv.DictReader(handle)}
    used = set(parsed.tables["events"].company_key) | set(parsed.tables["products"].company_key)
    # "cluster" names the association; Sanatmetal has no row in companies.csv.
    assert used - known == {"cluster", "sanatmetal"}


def test_quotes_hold_their_figures(parsed) -> None:
    for row in parsed.tables["cluster_indicators"].itertuples():
        words = {"7": "seven", "3": "three", "4": "four"}
        figure = row.value_raw.lstrip(">~")
        assert figure in row.quote or words[figure] in row.quote


def test_without_atc_path_no_codes_are_assigned() -> None:
    frame = interview.parse_interview(INTERVIEW).tables["products"]
    assert frame.atc_code.isna().all()
    assert set(frame[frame.trade_name == "Atosiban"].therapy_area_code) == {"genitourinary"}


def test_edited_interview_is_refused(tmp_path: Path) -> None:
    # Synthetic: the real interview with one figure changed.
    edited = tmp_path / "kaluga_pharma_cluster_interview.txt"
    text = INTERVIEW.read_text(encoding="utf-8")
    edited.write_text(text.replace("brought seven new products", "brought eight new products"),
                      encoding="utf-8")
    with pytest.raises(InputError) as error:
        interview.parse_interview(edited)
    assert error.value.rejection.column == "quote"
    assert "seven" in error.value.rejection.found


def test_rewrapped_whitespace_is_not_an_edit(tmp_path: Path) -> None:
    # Synthetic: the real interview with runs of spaces collapsed.
    copy = tmp_path / "kaluga_pharma_cluster_interview.txt"
    text = INTERVIEW.read_text(encoding="utf-8")
    collapsed = "\n".join(" ".join(line.split()) for line in text.splitlines())
    copy.write_text(collapsed, encoding="utf-8")
    assert len(interview.parse_interview(copy).tables["cluster_indicators"]) == 7
