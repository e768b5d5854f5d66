"""From a file on disk to a load report: adapter detection, and bad input refused on both backends."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from etl import pipeline
from etl.errors import InputError
from etl.paths import EXTRACTS_DIR, REFERENCE_DIR
from etl.pipeline import Options, detect_adapter, load_path, parse_path
from tests.fixtures import (
    DATA_TABLES,
    GRP_ROWS,
    PANEL_HEADER,
    grp_table,
    loads_rows,
    monthly_sheet,
    row_counts,
    table_rows,
    write_csv,
    write_rr_workbook,
    write_workbook,
)

FORMULA = "text that looks like a spreadsheet formula where a number was expected"


# --- which adapter reads which file ---------------------------------------------------------------


def test_detect_adapter(tmp_path: Path) -> None:
    workbook = write_rr_workbook(tmp_path / "rr_2019.xlsx", grp_table(GRP_ROWS))
    monthly = write_workbook(tmp_path / "m_2016-01.xlsx", {"рублей": monthly_sheet(
        "SYNTHETIC заработная плата", "Рублей", ["2009 год"], [["Калужская область", 1, 2, 3]])})
    panel = write_csv(tmp_path / "p.csv", PANEL_HEADER, [["Калужская область", "2016", "1", "2"]])
    assert detect_adapter(workbook) == "rosstat_workbook"
    assert detect_adapter(monthly) == "rosstat_monthly"
    assert detect_adapter(panel) == "rosstat_panel"
    assert detect_adapter(REFERENCE_DIR) == "reference"
    assert detect_adapter(EXTRACTS_DIR / "rr2019_s09_grp") == "extract"


def test_unrecognised_files(tmp_path: Path) -> None:
    other = write_csv(tmp_path / "other.csv", ["a", "b"], [["1", "2"]])
    with pytest.raises(InputError, match="no adapter recognises this file; name one with --adapter"):
        detect_adapter(other)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("région,année\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1\.csv, row 1: not UTF-8 text"):
        detect_adapter(latin1)
    with pytest.raises(InputError, match=r"^absent\.xlsx: no such file$"):
        parse_path(tmp_path / "absent.xlsx")
    with pytest.raises(InputError, match="unknown adapter 'nope'; choose from "):
        parse_path(other, "nope")


def test_options_reach_the_adapter(tmp_path: Path) -> None:
    path = write_rr_workbook(tmp_path / "rr_2019.xlsx", grp_table(GRP_ROWS))
    parsed = parse_path(path, options=Options(edition="RR-2099", sheets=["9.1."]))
    assert set(parsed.tables["observations"]["edition"]) == {"RR-2099"}
    assert parsed.notes == []  # the contents sheet was not even looked at
    assert set(pipeline.ADAPTERS) >= {"rosstat_workbook", "rosstat_monthly", "rosstat_panel", "extract",
                                      "reference"}


# --- bad input: refused, recorded, and the database untouched (both backends) ---------------------


def corrupt(tmp_path: Path) -> tuple[Path, Options]:
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(b"PK\x03\x04 SYNTHETIC garbage " + bytes(range(256)) * 4)
    return path, Options()


def wrong_sheet(tmp_path: Path) -> tuple[Path, Options]:
    return write_rr_workbook(tmp_path / "sheet_2019.xlsx", grp_table(GRP_ROWS)), Options(sheets=["9.7."])


def text_in_number(tmp_path: Path) -> tuple[Path, Options]:
    rows = [*GRP_ROWS[:2], ["Калужская область", "12,3abc", 12.2]]
    return write_rr_workbook(tmp_path / "text_2019.xlsx", grp_table(rows)), Options()


def hyperlink(tmp_path: Path) -> tuple[Path, Options]:
    rows = [*GRP_ROWS[:2], ["Калужская область", 11.1, '=HYPERLINK("http://x","y")']]
    return write_rr_workbook(tmp_path / "link_2019.xlsx", grp_table(rows)), Options()


def dde(tmp_path: Path) -> tuple[Path, Options]:
    return write_csv(tmp_path / "dde.csv", PANEL_HEADER, [
        ["Калужская область", "2016", "1", "2"], ["Тульская область", "2016", "=cmd|' /C calc'!A0", "2"],
    ]), Options()


def duplicate(tmp_path: Path) -> tuple[Path, Options]:
    rows = [*GRP_ROWS, ["Калужская  область", 1, 2]]
    return write_rr_workbook(tmp_path / "dup_2019.xlsx", grp_table(rows)), Options()


def unknown_region(tmp_path: Path) -> tuple[Path, Options]:
    rows = [*GRP_ROWS, ["Атлантида", 1, 2]]
    return write_rr_workbook(tmp_path / "atl_2019.xlsx", grp_table(rows)), Options()


def wrong_unit(tmp_path: Path) -> tuple[Path, Options]:
    return write_rr_workbook(tmp_path / "unit_2019.xlsx", grp_table(GRP_ROWS, unit="тысяч рублей")), Options()


# case -> (builder, expected rejections as (sheet, row, column, reason fragment, found))
BAD_INPUTS: dict[str, tuple[Callable, list[tuple]]] = {
    "corrupt": (corrupt, [(None, None, None, "cannot be read as a workbook", None)]),
    "wrong_sheet": (wrong_sheet, [
        ("9.7.", None, None, "no such sheet; the workbook has: Раздел 9, 9.1.", None)]),
    "text_in_number": (text_in_number, [("9.1.", 8, "B", "text where a number was expected", "12,3abc")]),
    "hyperlink": (hyperlink, [("9.1.", 8, "C", FORMULA, '=HYPERLINK("http://x","y")')]),
    "dde": (dde, [(None, 3, "grp", FORMULA, "=cmd|' /C calc'!A0")]),
    "duplicate": (duplicate, [
        ("9.1.", 10, "B", "duplicate observations row (indicator_code=grp, region_code=RU-KLU, period=2016, "
                          "edition=RR-2019); same as sheet '9.1.' cell B8", None),
        ("9.1.", 10, "C", "same as sheet '9.1.' cell C8", None),
    ]),
    "unknown_region": (unknown_region, [("9.1.", 10, "A", "unknown region name", "Атлантида")]),
    "wrong_unit": (wrong_unit, [("9.1.", 4, "A", "wrong unit for grp: expected 'миллионов рублей'",
                                 "тысяч рублей")]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_changes_nothing_and_is_recorded(loaded_engine: Engine, tmp_path: Path, case: str) -> None:
    builder, expected = BAD_INPUTS[case]
    # Something already loaded, so "nothing changed" is tested against real rows.
    good = write_rr_workbook(tmp_path / "good_2019.xlsx", grp_table(GRP_ROWS))
    assert load_path(loaded_engine, good).status == "applied"
    before = table_rows(loaded_engine)
    loads_before = len(loads_rows(loaded_engine))

    path, options = builder(tmp_path)
    report = load_path(loaded_engine, path, options=options)

    assert report.status == "rejected"
    got = [(r.sheet, r.row, r.column) for r in report.rejections]
    assert got == [(sheet, row, column) for sheet, row, column, *_ in expected]
    for rejection, (*_, reason, found) in zip(report.rejections, expected, strict=True):
        assert rejection.file == path.name
        assert reason in rejection.reason
        if found is not None:
            assert rejection.found == found
    assert report.error and path.name in report.error

    assert table_rows(loaded_engine) == before
    loads = loads_rows(loaded_engine)
    assert len(loads) == loads_before + 1
    record = loads[-1]
    assert (record.file_name, record.status, record.rows_added, record.rows_rejected) == (
        path.name, "rejected", 0, len(expected))
    assert record.report["rejections_total"] == len(expected)
    assert [r["row"] for r in record.report["rejections"]] == [row for _, row, *_ in expected]
    assert record.report["rejections"][0]["reason"] == report.rejections[0].reason
    assert path.name in record.report["error"]


def test_hostile_text_is_never_stored(loaded_engine: Engine, tmp_path: Path) -> None:
    for builder in (hyperlink, dde):
        path, options = builder(tmp_path)
        load_path(loaded_engine, path, options=options)
        # Even when told to load the good rows, the hostile cell is not among them.
        report = load_path(loaded_engine, path, options=options, allow_rejections=True)
        assert report.status == "applied"
        assert len(report.rejections) == 1
    for table, rows in table_rows(loaded_engine).items():
        for row in rows:
            assert not any(isinstance(v, str) and ("HYPERLINK" in v or "cmd|" in v) for v in row), table


def test_allow_rejections_loads_the_good_rows(loaded_engine: Engine, tmp_path: Path) -> None:
    path, options = unknown_region(tmp_path)
    report = load_path(loaded_engine, path, options=options, allow_rejections=True)
    assert report.status == "applied"
    assert [t.added for t in report.tables if t.table == "observations"] == [8]
    record = loads_rows(loaded_engine)[-1]
    assert (record.status, record.rows_added, record.rows_rejected) == ("applied", 8, 1)
    assert record.report["rejections"][0]["found"] == "Атлантида"


def test_dry_run_of_bad_input_records_nothing(loaded_engine: Engine, tmp_path: Path) -> None:
    before = table_rows(loaded_engine, (*DATA_TABLES, "loads"))
    for builder in (corrupt, unknown_region):
        path, options = builder(tmp_path)
        report = load_path(loaded_engine, path, options=options, dry_run=True)
        assert report.status == "rejected"
        assert report.load_id is None
    assert table_rows(loaded_engine, (*DATA_TABLES, "loads")) == before


def test_missing_file_is_recorded(engine: Engine, tmp_path: Path) -> None:
    report = load_path(engine, tmp_path / "absent.xlsx")
    assert report.status == "rejected"
    assert report.rejections[0].reason == "no such file"
    record = loads_rows(engine)[-1]
    assert (record.file_name, record.sha256, record.adapter) == ("absent.xlsx", "", "unknown")
    assert row_counts(engine) == dict.fromkeys(DATA_TABLES, 0)


# --- item 7: what calamine misreads, hostile workbooks, crashes (SYNTHETIC fixtures) ------------------------


def _edit(path: Path, edit: Callable) -> Path:
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    edit(workbook["9.1."])
    workbook.save(path)
    return path


def test_formula_without_a_saved_value_is_rejected_with_its_cell(tmp_path: Path) -> None:
    """SYNTHETIC: Kaluga 2017 is a formula never calculated (openpyxl saves it without a value)."""
    path = _edit(write_rr_workbook(tmp_path / "formula_2019.xlsx", grp_table(GRP_ROWS)),
                 lambda sheet: sheet.__setitem__("C8", "=B8*1.1"))
    parsed = parse_path(path)
    [rejection] = [r for r in parsed.rejections if "formula" in r.reason]
    assert (rejection.sheet, rejection.row, rejection.column, rejection.found) == ("9.1.", 8, "C", "C8")
    assert rejection.reason.startswith("formula saved without its value in the table's data area (rows 6-9)")
    assert "C8" not in set(parsed.tables["observations"]["source_cell"])


def test_a_spreadsheet_error_cell_is_rejected_with_its_cell(tmp_path: Path) -> None:
    """SYNTHETIC: Kaluga 2017 holds #VALUE! (an error value, t="e"): calamine reads it as blank, never stored so."""
    def put_error(sheet) -> None:
        sheet["C8"] = "#VALUE!"
        assert sheet["C8"].data_type == "e"

    parsed = parse_path(_edit(write_rr_workbook(tmp_path / "error_2019.xlsx", grp_table(GRP_ROWS)), put_error))
    [rejection] = [r for r in parsed.rejections if "spreadsheet error" in r.reason]
    assert (rejection.sheet, rejection.row, rejection.column, rejection.found) == ("9.1.", 8, "C", "#VALUE!")
    assert rejection.reason.startswith("cell C8 holds the spreadsheet error #VALUE!")
    assert "C8" not in set(parsed.tables["observations"]["source_cell"])


def test_merged_region_cells_in_the_data_area_are_rejected(tmp_path: Path) -> None:
    """SYNTHETIC: a region name merged over two rows; the second row would read as a row without a name."""
    path = _edit(write_rr_workbook(tmp_path / "merged_2019.xlsx", grp_table(GRP_ROWS)),
                 lambda sheet: sheet.merge_cells("A8:A9"))
    parsed = parse_path(path)
    merged = [r for r in parsed.rejections if r.reason.startswith("merged cells")]
    assert [(r.sheet, r.row, r.column, r.found) for r in merged] == [("9.1.", 8, "A", "A8:A9")]
    assert "the value shows in A8 only" in merged[0].reason


def test_a_merged_range_repeating_its_value_in_every_cell_is_told_apart() -> None:
    """SYNTHETIC rows: a range reads right only when every cell shows its first cell's value; a cell
    beyond its row's end, or a row beyond the sheet's, is blank."""
    rows = [["a", "a", "x"], ["a", "a"], ["a"]]
    assert pipeline._repeats(rows, 1, 1, 2, 2)
    assert pipeline._repeats(rows, 1, 1, 3, 1)
    assert not pipeline._repeats(rows, 1, 1, 3, 2)  # B3 is beyond its row's end
    assert not pipeline._repeats(rows, 1, 1, 1, 3)  # C1 shows another value
    assert not pipeline._repeats(rows, 1, 1, 4, 1)  # row 4 is beyond the sheet
    assert not pipeline._repeats([["", ""]], 1, 1, 1, 2)  # a blank first cell
    assert pipeline._repeats([[1.0], [1]], 1, 1, 2, 1)  # equal figures


def test_merged_header_cells_are_fine(tmp_path: Path) -> None:
    """SYNTHETIC: the title merged across the table, above its figures, is no data-area problem."""
    path = _edit(write_rr_workbook(tmp_path / "title_2019.xlsx", grp_table(GRP_ROWS)),
                 lambda sheet: sheet.merge_cells("A3:C3"))
    assert not [r for r in parse_path(path).rejections if r.reason.startswith("merged cells")]


def test_renamed_cluster_csv_adds_nothing(engine: Engine, tmp_path: Path) -> None:
    """SYNTHETIC: the same investments CSV under a new name: 0 added (record keys ignore the file name)."""
    from etl.sources.cluster import INVESTMENT_COLUMNS

    rows = [["Acme", str(10 + n), "mln RUB", "2014", "made", "", "", f"https://example.org/{n % 2}", "q", "acme"]
            for n in range(5)]
    first = load_path(engine, write_csv(tmp_path / "investments.csv", INVESTMENT_COLUMNS, rows))
    assert (first.status, first.added) == ("applied", 5)
    renamed = load_path(engine, write_csv(tmp_path / "investments_2025.csv", INVESTMENT_COLUMNS, rows))
    assert (renamed.status, renamed.added) == ("applied", 0)
    assert row_counts(engine)["investments"] == 5


def test_hostile_workbook_is_refused_and_recorded(engine: Engine, tmp_path: Path) -> None:
    from tests.etl.test_guard import CORNER, _sheet_xml, write_xlsx

    path = write_xlsx(tmp_path / "corner.xlsx", _sheet_xml(CORNER, "A1:XFD1048576"))
    report = load_path(engine, path)
    assert report.status == "rejected"
    assert "used range A1:XFD1048576" in report.rejections[0].reason
    assert loads_rows(engine)[-1].status == "rejected"
    assert row_counts(engine) == dict.fromkeys(DATA_TABLES, 0)


def test_a_parser_crash_is_a_recorded_failed_load(engine: Engine, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(path: Path, options: Options) -> None:
        raise KeyError("SYNTHETIC")

    monkeypatch.setitem(pipeline.ADAPTERS, "rosstat_workbook", crash)
    path = write_rr_workbook(tmp_path / "rr_2019.xlsx", grp_table(GRP_ROWS))
    report = load_path(engine, path, "rosstat_workbook")
    assert (report.status, report.error) == ("failed", "rr_2019.xlsx: could not be loaded (KeyError: 'SYNTHETIC')")
    record = loads_rows(engine)[-1]
    assert (record.file_name, record.status, record.report["error"]) == ("rr_2019.xlsx", "failed", report.error)
    assert "KeyError" in record.report["traceback"]
    assert row_counts(engine) == dict.fromkeys(DATA_TABLES, 0)
    # A dry run records nothing, and still returns instead of raising.
    assert load_path(engine, path, "rosstat_workbook", dry_run=True).status == "failed"
    assert len(loads_rows(engine)) == 1


# --- several files in turn, the next ones prepared meanwhile (SYNTHETIC fixtures) --------------------------


def _four_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, str | None, str]]:
    """Two good workbooks around a corrupt one and one whose parser crashes."""
    reader = pipeline.ADAPTERS["rosstat_workbook"]

    def crash_on_one(path: Path, options: Options):
        if path.name == "crash_2019.xlsx":
            raise KeyError("SYNTHETIC")
        return reader(path, options)

    monkeypatch.setitem(pipeline.ADAPTERS, "rosstat_workbook", crash_on_one)
    first = write_rr_workbook(tmp_path / "first_2019.xlsx", grp_table(GRP_ROWS))
    broken, _ = corrupt(tmp_path)
    crashing = write_rr_workbook(tmp_path / "crash_2019.xlsx", grp_table(GRP_ROWS))
    changed = [[region, *(v + 1 if isinstance(v, float) else v for v in values)] for region, *values in GRP_ROWS]
    second = write_rr_workbook(tmp_path / "second_2019.xlsx", grp_table(changed))
    return [(p, None, f"bundled/{p.name}") for p in (first, broken, crashing, second)]


@pytest.mark.parametrize("ahead", [0, 2])
def test_load_paths_loads_each_file_as_load_path_would(loaded_engine: Engine, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch, ahead: int) -> None:
    items = _four_files(tmp_path, monkeypatch)
    monkeypatch.setattr(pipeline, "PREPARE_AHEAD", {loaded_engine.dialect.name: ahead})
    started: list[str] = []
    reports = list(pipeline.load_paths(loaded_engine, items, on_start=started.append))

    assert started == [name for *_, name in items]
    assert [(r.file_name, r.status) for r in reports] == [
        ("bundled/first_2019.xlsx", "applied"), ("bundled/corrupt.xlsx", "rejected"),
        ("bundled/crash_2019.xlsx", "failed"), ("bundled/second_2019.xlsx", "applied")]
    assert reports[2].error == "bundled/crash_2019.xlsx: could not be loaded (KeyError: 'SYNTHETIC')"
    # The second workbook changes every number of the first (and every figure's source file): written after it.
    assert [(t.added, t.changed) for t in reports[3].tables if t.table == "observations"] == [(0, 8)]
    history = [(r.file_name, r.status) for r in loads_rows(loaded_engine)[1:]]
    assert history == [(r.file_name, r.status) for r in reports]
    crash_record = loads_rows(loaded_engine)[3]
    assert "KeyError" in crash_record.report["traceback"] and "crash_on_one" in crash_record.report["traceback"]


def test_load_paths_prepares_the_next_files_in_another_process_while_one_is_written(
        loaded_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = _four_files(tmp_path, monkeypatch)
    monkeypatch.setattr(pipeline, "PREPARE_AHEAD", {loaded_engine.dialect.name: 2})
    # Set by the reader as it starts on a file, in whichever process reads it (a forked one inherits them).
    parsing = {path.name: multiprocessing.get_context("fork").Event() for path, *_ in items}
    readers = multiprocessing.get_context("fork").SimpleQueue()
    reader = pipeline.ADAPTERS["rosstat_workbook"]

    def reading(path: Path, options: Options):
        readers.put((path.name, os.getpid()))
        parsing[path.name].set()
        return reader(path, options)

    monkeypatch.setitem(pipeline.ADAPTERS, "rosstat_workbook", reading)
    load_prepared = pipeline.load_prepared
    next_parsed_while_writing: dict[str, bool] = {}

    def writing(engine: Engine, ready: pipeline.Prepared, **kwargs) -> object:
        position = [name for *_, name in items].index(ready.name)
        # The corrupt file is refused before any reader opens it.
        if position + 1 < len(items) and items[position + 1][0].name in ("crash_2019.xlsx", "second_2019.xlsx"):
            next_parsed_while_writing[ready.name] = parsing[items[position + 1][0].name].wait(timeout=60)
        return load_prepared(engine, ready, **kwargs)

    monkeypatch.setattr(pipeline, "load_prepared", writing)
    reports = list(pipeline.load_paths(loaded_engine, items))
    assert [r.status for r in reports] == ["applied", "rejected", "failed", "applied"]
    # The corrupt file never reaches a reader; the crashing one is read, and fails, in the other process.
    assert next_parsed_while_writing == {"bundled/corrupt.xlsx": True, "bundled/crash_2019.xlsx": True}
    pids = {}
    while not readers.empty():
        name, pid = readers.get()
        pids[name] = pid
    assert pids["first_2019.xlsx"] == os.getpid()
    assert pids["crash_2019.xlsx"] == pids["second_2019.xlsx"] != os.getpid()


def test_load_paths_goes_on_when_the_preparing_process_dies(loaded_engine: Engine, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """SYNTHETIC: the preparing process ends abruptly on the third file; it and the rest are prepared here."""
    reader, here = pipeline.ADAPTERS["rosstat_workbook"], os.getpid()
    items = _four_files(tmp_path, monkeypatch)
    monkeypatch.setattr(pipeline, "PREPARE_AHEAD", {loaded_engine.dialect.name: 2})

    def dying(path: Path, options: Options):
        if path.name == "crash_2019.xlsx" and os.getpid() != here:
            os._exit(9)
        return reader(path, options)

    monkeypatch.setitem(pipeline.ADAPTERS, "rosstat_workbook", dying)
    reports = list(pipeline.load_paths(loaded_engine, items))
    assert [(r.file_name, r.status) for r in reports] == [
        ("bundled/first_2019.xlsx", "applied"), ("bundled/corrupt.xlsx", "rejected"),
        ("bundled/crash_2019.xlsx", "applied"), ("bundled/second_2019.xlsx", "applied")]
    assert [(t.added, t.changed) for t in reports[3].tables if t.table == "observations"] == [(0, 8)]
