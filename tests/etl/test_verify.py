"""`etl verify`: a load's observations re-read from the raw file by a reader independent of the parser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select, update

from etl import load, verify
from etl.cli import EXIT_ERROR, EXIT_OK, EXIT_REJECTED, main
from etl.db import make_engine, migrate
from etl.paths import EXTRACTS_DIR
from etl.periods import Period
from etl.pipeline import load_path
from etl.schema import Load, Observation
from etl.sources import reference
from etl.sources.base import Parsed
from etl.sources.observations import ObservationBuilder
from tests.fixtures import GRP_ROWS, grp_table, write_rr_workbook, write_workbook

EDITION = "SYNTHETIC-1"
FILE_NAME = "synthetic_verify.xlsx"

# SYNTHETIC fixture: two sheets in the Rosstat manner, made up for the test suite. Sheet "1.1." has
# year columns (one with a glued footnote mark) and every kind of value cell; sheet "2.1." has a year
# row above sub-period labels of every kind.
SHEETS = {
    "1.1.": [
        ["SYNTHETIC test file: not Rosstat data"],
        ["1.1. SYNTHETIC ТАБЛИЦА"],
        [None, 2016, "20172)"],
        ["Калужская область", 11.1, "1202)"],
        ["Тульская область", "…", "-"],
        ["Брянская область", "x", None, "SYNTHETIC"],
        ["Орловская область", "в 2,9 р.", " 1 234,5 "],
        ["Владимирская область", "…4)", 5],
    ],
    "2.1.": [
        ["2.1. SYNTHETIC ТАБЛИЦА ПО ПЕРИОДАМ"],
        [None, "2023 г.", None, None, None, None, "2024"],
        [None, "I квартал", "I полугодие", "январь-сентябрь", "март", "на 1 января", "на конец года"],
        ["Калужская область", 1.5, 2, 3, 4, 5, 6],
    ],
    # Cumulative figures under month, quarter, half-year and "N месяцев" labels, and a month given as a date.
    "4.1.": [
        ["4.1. SYNTHETIC НАРАСТАЮЩИМ ИТОГОМ"],
        [None, "2023 год", None, None, None, dt.datetime(2023, 5, 1)],
        [None, "январь", "I квартал", "I полугодие", "9 месяцев"],
        ["Калужская область", 10, 11, 12, 13, 14],
    ],
    # Months nested under their quarter.
    "5.1.": [
        ["5.1. SYNTHETIC ПО МЕСЯЦАМ"],
        [None, "2022"],
        [None, "I квартал"],
        [None, "январь", "февраль", "март"],
        ["Калужская область", 1, 2, 3],
    ],
    "3.1.": [
        ["3.1. SYNTHETIC ЧИСЛЕННОСТЬ"],
        ["(оценка на конец года; тысяч человек)"],
        [None, 2021, 2022],
        ["Калужская область", 1000.5, 1001.5],
    ],
}

# (indicator, region, period, value, status, sheet, cell, header, value_text): what a right parser stores.
FIGURES = [
    ("syn_year", "RU-KLU", Period("year", 2016), 11.1, "", "1.1.", "B4", "B3", None),
    ("syn_year", "RU-KLU", Period("year", 2017), 120.0, "", "1.1.", "C4", "C3", "1202)"),
    ("syn_year", "RU-TUL", Period("year", 2016), None, "not_available", "1.1.", "B5", "B3", None),
    ("syn_year", "RU-TUL", Period("year", 2017), None, "not_applicable", "1.1.", "C5", "C3", None),
    ("syn_year", "RU-BRY", Period("year", 2016), None, "confidential", "1.1.", "B6", "B3", None),
    ("syn_year", "RU-BRY", Period("year", 2017), None, "blank", "1.1.", "C6", "C3", None),
    ("syn_year", "RU-ORL", Period("year", 2016), 290.0, "", "1.1.", "B7", "B3", "в 2,9 р."),
    ("syn_year", "RU-ORL", Period("year", 2017), 1234.5, "", "1.1.", "C7", "C3", "1 234,5"),
    ("syn_year", "RU-VLA", Period("year", 2016), None, "not_available", "1.1.", "B8", "B3", None),
    ("syn_year", "RU-VLA", Period("year", 2017), 5.0, "", "1.1.", "C8", "C3", None),
    ("syn_sub", "RU-KLU", Period("quarter", 2023, quarter=1), 1.5, "", "2.1.", "B4", "B2 B3", None),
    ("syn_sub", "RU-KLU", Period("half_year", 2023, half=1), 2.0, "", "2.1.", "C4", "B2 C3", None),
    ("syn_sub", "RU-KLU", Period("ytd", 2023, month=9), 3.0, "", "2.1.", "D4", "B2 D3", None),
    ("syn_sub", "RU-KLU", Period("month", 2023, month=3), 4.0, "", "2.1.", "E4", "B2 E3", None),
    ("syn_sub", "RU-KLU", Period("point", 2023, month=1, day=1), 5.0, "", "2.1.", "F4", "B2 F3", None),
    ("syn_sub", "RU-KLU", Period("point", 2024, month=12, day=31), 6.0, "", "2.1.", "G4", "G2 G3", None),
    ("syn_cum", "RU-KLU", Period("ytd", 2023, month=1), 10.0, "", "4.1.", "B4", "B2 B3", None),
    ("syn_cum", "RU-KLU", Period("ytd", 2023, month=3), 11.0, "", "4.1.", "C4", "B2 C3", None),
    ("syn_cum", "RU-KLU", Period("ytd", 2023, month=6), 12.0, "", "4.1.", "D4", "B2 D3", None),
    ("syn_cum", "RU-KLU", Period("ytd", 2023, month=9), 13.0, "", "4.1.", "E4", "B2 E3", None),
    ("syn_cum", "RU-KLU", Period("month", 2023, month=5), 14.0, "", "4.1.", "F4", "F2", None),
    ("syn_nest", "RU-KLU", Period("month", 2022, month=1), 1.0, "", "5.1.", "B5", "B2 B3 B4", None),
    ("syn_nest", "RU-KLU", Period("month", 2022, month=2), 2.0, "", "5.1.", "C5", "B2 B3 C4", None),
    ("syn_nest", "RU-KLU", Period("month", 2022, month=3), 3.0, "", "5.1.", "D5", "B2 B3 D4", None),
    ("syn_point", "RU-KLU", Period("point", 2021, month=12, day=31), 1000.5, "", "3.1.", "B4", "A2 B3", None),
    ("syn_point", "RU-KLU", Period("point", 2022, month=12, day=31), 1001.5, "", "3.1.", "C4", "A2 C3", None),
]


def synthetic_parsed(figures=FIGURES, file_name: str = FILE_NAME) -> Parsed:
    """SYNTHETIC: the tables a right parser makes of SHEETS, built directly."""
    builder = ObservationBuilder(EDITION, file_name)
    for indicator, region, period, value, status, sheet, cell, header, text in figures:
        builder.add(indicator, region, period, value, status, sheet, cell, header=header, value_text=text)
    indicators = pd.DataFrame([
        {"code": "syn_year", "name_ru": "SYNTHETIC годовой", "topic": "other", "frequency": "year"},
        {"code": "syn_sub", "name_ru": "SYNTHETIC по периодам", "topic": "other", "frequency": "month"},
        {"code": "syn_cum", "name_ru": "SYNTHETIC нарастающим итогом", "topic": "other", "frequency": "month"},
        {"code": "syn_nest", "name_ru": "SYNTHETIC по месяцам", "topic": "other", "frequency": "month"},
        {"code": "syn_point", "name_ru": "SYNTHETIC на конец года", "topic": "other", "frequency": "year"},
    ])
    return Parsed(adapter="rosstat_workbook", edition=EDITION,
                  tables={"indicators": indicators, "observations": builder.frame()})


@pytest.fixture
def no_shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ATLAS_SHARED_DATA, so a search by file name finds nothing."""
    folder = tmp_path / "shared"
    folder.mkdir()
    monkeypatch.setenv("ATLAS_SHARED_DATA", str(folder))
    return folder


def load_synthetic(engine: Engine, folder: Path) -> tuple[int, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    path = write_workbook(folder / FILE_NAME, SHEETS)
    report = load.apply(engine, synthetic_parsed(), file_name=path.name, sha256=load.sha256_of(path),
                        source_path=path)
    assert report.status == "applied", report.error
    return report.load_id, path


def set_observation(engine: Engine, cell: str, sheet: str = "1.1.", **values) -> None:
    with engine.begin() as conn:
        changed = conn.execute(update(Observation).where(
            Observation.source_sheet == sheet, Observation.source_cell == cell).values(**values)).rowcount
    assert changed == 1


# --- the synthetic workbook, on SQLite and PostgreSQL ----------------------------------------------


def test_synthetic_load_verifies_with_no_difference(loaded_engine: Engine, tmp_path: Path,
                                                    no_shared: Path) -> None:
    load_id, path = load_synthetic(loaded_engine, tmp_path / "raw")
    with loaded_engine.connect() as conn:
        assert conn.execute(select(Load.source_path).where(Load.id == load_id)).scalar() == str(path.resolve())
    report = verify.verify_load(loaded_engine, load_id)
    assert [str(d) for d in report.differences] == []
    assert report.observations == len(FIGURES)
    assert report.files == [path.resolve()]
    assert report.summary().startswith(
        f"verified {len(FIGURES)} observations of load {load_id} from {path.resolve()}: 0 differences; ")
    assert report.throughput > 0


def test_tampered_value_is_reported(loaded_engine: Engine, tmp_path: Path, no_shared: Path) -> None:
    load_id, _ = load_synthetic(loaded_engine, tmp_path / "raw")
    set_observation(loaded_engine, "B4", value=11.2)
    # The glued-footnote defect: "1202)" read as 12 (footnote "02)") instead of 120 (footnote "2)").
    set_observation(loaded_engine, "C4", value=12.0)
    # Within the tolerance: not a difference.
    set_observation(loaded_engine, "C8", value=5.0 * (1 + 1e-12))
    report = verify.verify_load(loaded_engine, load_id)
    found = {(d.sheet, d.cell, d.category) for d in report.differences}
    assert found == {("1.1.", "B4", verify.VALUE), ("1.1.", "C4", verify.VALUE)}
    [b4] = [d for d in report.differences if d.cell == "B4"]
    assert (b4.indicator, b4.region, b4.period, b4.stored, b4.found) == ("syn_year", "RU-KLU", "2016", "11.2", "11.1")
    assert report.summary().startswith(f"verified {len(FIGURES)} observations of load {load_id} from ")
    assert ": 2 differences (2 value);" in report.summary()


def test_tampered_status_and_text_are_reported(loaded_engine: Engine, tmp_path: Path, no_shared: Path) -> None:
    load_id, _ = load_synthetic(loaded_engine, tmp_path / "raw")
    set_observation(loaded_engine, "B5", value=0.0, status="")  # "…" stored as a zero
    set_observation(loaded_engine, "C5", status="not_available")  # "-" stored as "…"
    set_observation(loaded_engine, "C6", value=0.0, status="")  # an empty cell stored as a zero
    set_observation(loaded_engine, "B7", value_text="в 3,9 р.")
    report = verify.verify_load(loaded_engine, load_id)
    assert {(d.cell, d.category) for d in report.differences} == {
        ("B5", verify.STATUS), ("C5", verify.STATUS), ("C6", verify.STATUS), ("B7", verify.TEXT)}


@pytest.mark.parametrize(
    ("sheet", "cell", "values"),
    [
        ("1.1.", "B4", {"period": "2042", "year": 2042}),  # an invented year
        ("1.1.", "C4", {"period": "2018", "year": 2018}),  # a year no header cell says
        # "январь-сентябрь" stored as the single month of September
        ("2.1.", "D4", {"period": "2023-09", "period_kind": "month", "month": 9}),
        ("2.1.", "B4", {"period": "2023-Q2"}),  # the wrong quarter
        ("2.1.", "C4", {"period": "2023", "period_kind": "year", "month": None}),  # a half-year as the year
        ("2.1.", "F4", {"period": "2023-02-01"}),  # "на 1 января" as 1 February
        ("2.1.", "G4", {"period": "2024", "period_kind": "year"}),  # "на конец года" as the year
        ("2.1.", "E4", {"period_kind": "ytd"}),  # kind disagrees with the code
        ("4.1.", "E4", {"period": "2023-Q3", "period_kind": "quarter", "month": None}),  # "9 месяцев" as Q3
        ("4.1.", "F4", {"period": "2023-04", "month": 4}),  # the date says May
        ("5.1.", "D5", {"period": "2022-Q1", "period_kind": "quarter", "month": None}),  # "март" as its quarter
        ("3.1.", "B4", {"period": "2021-01-01"}),  # the unit line says "на конец года"
        ("3.1.", "C4", {"period": "2022", "period_kind": "year"}),  # a point stored as the year: the path says
    ],
)
def test_tampered_period_is_reported(loaded_engine: Engine, tmp_path: Path, no_shared: Path,
                                     sheet: str, cell: str, values: dict) -> None:
    load_id, _ = load_synthetic(loaded_engine, tmp_path / "raw")
    set_observation(loaded_engine, cell, sheet=sheet, **values)
    report = verify.verify_load(loaded_engine, load_id)
    assert {(d.sheet, d.cell) for d in report.differences} == {(sheet, cell)}
    assert {d.category for d in report.differences} == {verify.PERIOD}


def test_header_pointing_elsewhere_is_reported(loaded_engine: Engine, tmp_path: Path, no_shared: Path) -> None:
    load_id, _ = load_synthetic(loaded_engine, tmp_path / "raw")
    set_observation(loaded_engine, "B4", source_header="A1")
    set_observation(loaded_engine, "C4", source_header=None)
    report = verify.verify_load(loaded_engine, load_id)
    assert {(d.cell, d.category) for d in report.differences} == {
        ("B4", verify.PERIOD), ("C4", verify.HEADER_NOT_RECORDED)}
    assert "1 header not recorded, 1 period" in report.summary()


def test_missing_file_is_an_error(loaded_engine: Engine, tmp_path: Path, no_shared: Path) -> None:
    load_id, path = load_synthetic(loaded_engine, tmp_path / "raw")
    path.unlink()
    with pytest.raises(verify.VerifyError, match=f"raw file {FILE_NAME} of load {load_id} not found"):
        verify.verify_load(loaded_engine, load_id)
    with pytest.raises(verify.VerifyError, match="no such file"):
        verify.verify_load(loaded_engine, load_id, file=tmp_path / "elsewhere.xlsx")


def test_file_found_by_name_or_named(loaded_engine: Engine, tmp_path: Path, no_shared: Path) -> None:
    load_id, path = load_synthetic(loaded_engine, tmp_path / "raw")
    moved = no_shared / "deep" / "folder" / FILE_NAME
    moved.parent.mkdir(parents=True)
    path.rename(moved)
    report = verify.verify_load(loaded_engine, load_id)
    assert (report.files, report.differences) == ([moved.resolve()], [])
    renamed = tmp_path / "renamed.xlsx"
    moved.rename(renamed)
    assert verify.verify_load(loaded_engine, load_id, file=renamed).differences == []


def test_changed_file_is_refused_unless_forced(loaded_engine: Engine, tmp_path: Path, no_shared: Path) -> None:
    load_id, path = load_synthetic(loaded_engine, tmp_path / "raw")
    sheets = {name: [list(r) for r in rows] for name, rows in SHEETS.items()}
    sheets["1.1."][3][1] = 11.3  # SYNTHETIC revision of B4
    write_workbook(path, sheets)
    with pytest.raises(verify.VerifyError, match=r"is not the file load \d+ read: its SHA-256"):
        verify.verify_load(loaded_engine, load_id)
    report = verify.verify_load(loaded_engine, load_id, force=True)
    assert [(d.cell, d.stored, d.found) for d in report.differences] == [("B4", "11.1", "11.3")]
    assert any("--force" in note for note in report.notes)


def test_unknown_and_unapplied_loads_are_errors(loaded_engine: Engine, tmp_path: Path, no_shared: Path) -> None:
    with pytest.raises(verify.VerifyError, match="no load 999"):
        verify.verify_load(loaded_engine, 999)
    load_id, _ = load_synthetic(loaded_engine, tmp_path / "raw")
    load.rollback_load(loaded_engine, load_id)
    with pytest.raises(verify.VerifyError, match="is rolled_back"):
        verify.verify_load(loaded_engine, load_id)


def test_rows_a_load_changed_are_verified_with_it(loaded_engine: Engine, tmp_path: Path, no_shared: Path) -> None:
    first, _ = load_synthetic(loaded_engine, tmp_path / "v1")
    # SYNTHETIC second edition of the file: one revised cell, so the second load owns one row.
    sheets = {name: [list(r) for r in rows] for name, rows in SHEETS.items()}
    sheets["1.1."][3][1] = 11.3
    (tmp_path / "v2").mkdir()
    path = write_workbook(tmp_path / "v2" / FILE_NAME, sheets)
    figures = [(*f[:3], 11.3, *f[4:]) if f[6] == "B4" and f[5] == "1.1." else f for f in FIGURES]
    second = load.apply(loaded_engine, synthetic_parsed(figures), file_name=path.name,
                        sha256=load.sha256_of(path), source_path=path)
    assert second.changed == 1
    report = verify.verify_load(loaded_engine, second.load_id)
    assert (report.observations, report.differences) == (1, [])
    assert verify.verify_load(loaded_engine, first, file=tmp_path / "v1" / FILE_NAME).observations == len(FIGURES) - 1


# --- rules of the independent reader ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("1202)", [120.0]), ("123,4", [123.4]), ("1 234,5", [1234.5]), ("−5,5", [-5.5]), ("в 2,9 р.", [290.0]),
     ("12 3)", [12.0]), ("10,1 12)", [10.1]), ("abc", []), ("1205)", [120.0]), ("1200)", []),
     ("12 34", []), ("1 234 567", [1234567.0]), ("–5", [-5.0]), ("– 5", []), ("120²", [120.0]),
     ("45,6*", [45.6]), ("1202) 3)", [120.0]), ("123,4 1), 2)", [123.4]), ("в 3 раза", [300.0])],
)
def test_text_numbers(text: str, numbers: list[float]) -> None:
    assert verify._text_numbers(text) == numbers


@pytest.mark.parametrize(
    ("text", "status"),
    [("…", "not_available"), ("…4)", "not_available"), ("…5", "not_available"), ("....", "not_available"),
     ("……", "not_available"), ("…..", "not_available"), (".", None),
     ("х", "confidential"), ("X 2", "confidential"), ("—", "not_applicable"), ("-3)", "not_applicable"),
     ("-5", None), ("12", None), ("x12)3", None)],
)
def test_mark_status(text: str, status: str | None) -> None:
    assert verify._mark_status(text) == status


@pytest.mark.parametrize(
    ("text", "period"),
    [("март", ("month", (3,))), ("Марта 1)", ("month", (3,))), ("январь-сентябрь 2023 г.", ("ytd", (9,))),
     ("январь – март", ("ytd", (3,))), ("III квартал", ("quarter", (3,))), ("2 квартал", ("quarter", (2,))),
     ("II полугодие", ("half_year", (2,))), ("на 1 января 2020 г.", ("point", (1, 1))),
     ("на конец года", ("point", (12, 31))), ("2019", None), ("20212)", None), ("Всего", None),
     ("в % к декабрю предыдущего года", None), ("февраль-март", None),
     ("январь-сенртярь", ("ytd", (9,))), ("маят", None), ("Марки", None), ("декабрь6", ("month", (12,))),
     ("январь-декабрь 2", ("ytd", (12,))),
     ("9 месяцев", ("ytd", (9,))), ("Год", ("year", ())), ("2016 год", None)],
)
def test_sub_period(text: str, period: tuple | None) -> None:
    assert verify._sub_period(text) == period


@pytest.mark.parametrize(
    ("text", "points"),
    [("(оценка на конец года; тысяч человек)", {(12, 31)}), ("(на 1 января; человек)", {(1, 1)}),
     ("на начало отчетного года", {(1, 1)}), ("в среднем за год", set()), ("сена 1 января", set())],
)
def test_points_in(text: str, points: set) -> None:
    assert verify._points_in(text) == {("point", p) for p in points}


@pytest.mark.parametrize(
    ("cells", "year", "said"),
    [([2021], 2021, True), ([2021.0], 2021, True), (["20212)"], 2021, True), (["2023 4)"], 2023, True),
     (["2017 г."], 2017, True), ([dt.datetime(2016, 2, 1)], 2016, True), (["20212)"], 2022, False),
     ([None, "январь"], 2021, False), (["12021"], 2021, False)],
)
def test_mentions_year(cells: list, year: int, said: bool) -> None:
    assert verify._mentions_year(cells, year) is said


# --- through the parser and the CLI (SQLite) --------------------------------------------------------


@pytest.fixture
def cli_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/verify.sqlite"
    engine = make_engine(url)
    try:
        migrate(engine)
        assert load.apply(engine, reference.parse(), file_name="reference", sha256="test").status == "applied"
    finally:
        engine.dispose()
    return url


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_verify(cli_url: str, tmp_path: Path, no_shared: Path, capsys: pytest.CaptureFixture) -> None:
    engine = make_engine(cli_url)
    try:
        load_id, path = load_synthetic(engine, tmp_path / "raw")
        code, out, err = run(capsys, "--database-url", cli_url, "verify", str(load_id))
        assert (code, out) == (EXIT_OK, "")
        assert f"verified {len(FIGURES)} observations of load {load_id} from {path.resolve()}: 0 differences" in err
        assert "observations/s" in err

        set_observation(engine, "B4", value=11.2)
        code, out, err = run(capsys, "--database-url", cli_url, "verify", str(load_id))
        assert code == EXIT_REJECTED
        assert out.splitlines() == [
            "syn_year RU-KLU 2016 at 1.1.!B4: value: stored 11.2, found 11.1"]
        assert ": 1 differences (1 value);" in err

        code, _, err = run(capsys, "--database-url", cli_url, "verify", str(load_id), "--file",
                           str(tmp_path / "nowhere.xlsx"))
        assert code == EXIT_ERROR
        assert "nowhere.xlsx: no such file" in err
        path.unlink()
        code, _, err = run(capsys, "--database-url", cli_url, "verify", str(load_id))
        assert code == EXIT_ERROR
        assert f"raw file {FILE_NAME} of load {load_id} not found" in err
        assert "Traceback" not in err
        code, _, err = run(capsys, "--database-url", cli_url, "verify", "12345")
        assert (code, "no load 12345" in err) == (EXIT_ERROR, True)
        # The reference load holds no observations: nothing differs.
        code, out, err = run(capsys, "--database-url", cli_url, "verify", "1")
        assert (code, out, err.splitlines()[-1]) == (EXIT_OK, "", "verified 0 observations of load 1: 0 differences")
    finally:
        engine.dispose()


def test_parser_load_records_its_path_and_verifies(loaded_engine: Engine, tmp_path: Path, no_shared: Path) -> None:
    """Through the workbook parser: every value and every header path agrees."""
    path = write_rr_workbook(tmp_path / "grp_2019.xlsx", grp_table(GRP_ROWS))
    report = load_path(loaded_engine, path)
    assert report.status == "applied", report.error
    with loaded_engine.connect() as conn:
        assert conn.execute(select(Load.source_path).where(Load.id == report.load_id)).scalar() == str(path.resolve())
    checked = verify.verify_load(loaded_engine, report.load_id)
    assert checked.observations == 8
    assert [str(d) for d in checked.differences] == []


def test_failed_load_records_its_path(loaded_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"SYNTHETIC: not a workbook")
    report = load_path(loaded_engine, path, "rosstat_workbook")
    assert report.status != "applied"
    with loaded_engine.connect() as conn:
        assert conn.execute(select(Load.source_path).where(Load.id == report.load_id)).scalar() == str(path.resolve())


# --- real files (skipped without ../shared/data) ------------------------------------------------------


def _verify_real(engine: Engine, path: Path) -> verify.VerifyReport:
    loaded = load_path(engine, path)
    assert loaded.status == "applied", loaded.error
    report = verify.verify_load(engine, loaded.load_id)
    assert report.observations == loaded.added
    assert [str(d) for d in report.differences][:20] == []
    return report


def test_real_grp_workbook_verifies(loaded_engine: Engine, shared_data: Path) -> None:
    report = _verify_real(loaded_engine, shared_data / "rosstat" / "regions_of_russia_2019_s09_grp.xlsx")
    assert report.observations > 13000
    print(report.summary())


def test_real_xls_verifies(loaded_engine: Engine, shared_data: Path) -> None:
    report = _verify_real(loaded_engine, shared_data / "rosstat" / "monthly_806_2016-01_average_wage.xls")
    assert report.observations > 1000


def test_real_panel_csv_verifies(loaded_engine: Engine, shared_data: Path) -> None:
    # A CSV cell is "column:line"; the line's year column gives the period.
    report = _verify_real(loaded_engine, shared_data / "rosstat" / "regions_panel_2000_2020.csv")
    assert report.observations > 20000


def test_extract_load_verifies_against_its_raw_file(loaded_engine: Engine, shared_data: Path) -> None:
    loaded = load_path(loaded_engine, EXTRACTS_DIR / "rr2019_s09_grp")
    assert loaded.status == "applied", loaded.error
    report = verify.verify_load(loaded_engine, loaded.load_id)
    assert report.files == [(shared_data / "rosstat" / "regions_of_russia_2019_s09_grp.xlsx").resolve()]
    assert [str(d) for d in report.differences][:20] == []
