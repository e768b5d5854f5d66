"""`python -m etl`: refresh, load, dry run, history, queries and rollback, through etl.cli.main."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from etl import pipeline
from etl.cli import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, EXIT_REJECTED, main
from etl.db import make_engine
from etl.extracts import bundled_in_load_order
from etl.paths import REFERENCE_DIR
from etl.schema import Observation, SupersededValue
from tests.fixtures import GRP_ROWS, grp_table, loads_rows, row_counts, write_rr_workbook

HEADER = "indicator,region,period,value,unit,edition,source"
# Kaluga's GRP, million RUB, as the bundled editions publish it (RR-2022's extract holds only the
# figures the 2024 edition revised or dropped, and it revised none of these).
KALUGA_GRP_2016_2017 = [
    ["grp", "RU-KLU", "2016", "372345.1", "миллионов рублей", "RR-2019"],
    ["grp", "RU-KLU", "2016", "372345.1", "миллионов рублей", "RR-2020"],
    ["grp", "RU-KLU", "2016", "409462.3", "миллионов рублей", "RR-2021"],
    ["grp", "RU-KLU", "2016", "409462.3", "миллионов рублей", "RR-2024"],
    ["grp", "RU-KLU", "2017", "417065.0", "миллионов рублей", "RR-2019"],
    ["grp", "RU-KLU", "2017", "415966.7", "миллионов рублей", "RR-2020"],
    ["grp", "RU-KLU", "2017", "457052.5", "миллионов рублей", "RR-2021"],
    ["grp", "RU-KLU", "2017", "457052.5", "миллионов рублей", "RR-2024"],
]


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database URL after one `refresh` of the bundled data (shared by read-only tests)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli')}/atlas.sqlite"
    assert main(["--database-url", url, "refresh"]) == EXIT_OK
    return url


@pytest.fixture
def fresh_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/fresh.sqlite"


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def loads_of(url: str) -> list:
    engine = make_engine(url)
    try:
        return loads_rows(engine)
    finally:
        engine.dispose()


def test_refresh_loads_every_bundled_source(refreshed: str) -> None:
    loads = loads_of(refreshed)
    assert [r.file_name for r in loads] == ["data/reference"] + [
        f"data/extracts/{p.name}" for p in bundled_in_load_order()]
    assert {r.status for r in loads} == {"applied"}
    assert {r.rows_rejected for r in loads} == {0}
    engine = make_engine(refreshed)
    try:
        counts = row_counts(engine)
    finally:
        engine.dispose()
    bundled = sum(json.loads((p / "provenance.json").read_text(encoding="utf-8"))["tables"]
                  .get("observations", {}).get("rows", 0) for p in bundled_in_load_order())
    assert bundled == 2_728_732
    # NOTE: the corpus copy of the 806 bulletin's industrial production index (m806_2016_01_005_013)
    # holds the very figures of the bundled m806_2016_01_ipi (three indicators): loaded second, it only
    # re-cites them, so every superseded row holds the value and status the database still has.
    assert counts["superseded_values"] == 24735
    assert counts["observations"] == bundled - 24735 == 2_703_997
    engine = make_engine(refreshed)
    try:
        with engine.connect() as conn:
            old = [[json.loads(v) if isinstance(v, str) else v for v in row]
                   for row in conn.execute(select(SupersededValue.row_key, SupersededValue.old_values))]
            codes = {key["indicator_code"] for key, _ in old}
            current = {tuple(row[:4]): (row[4], row[5]) for row in conn.execute(
                select(Observation.indicator_code, Observation.region_code, Observation.period, Observation.edition,
                       Observation.value, Observation.status).where(Observation.indicator_code.in_(codes)))}
    finally:
        engine.dispose()
    for key, values in old:
        figure = (key["indicator_code"], key["region_code"], key["period"], key["edition"])
        assert current[figure] == (values["value"], values["status"]), figure


def test_refresh_if_stale_loads_nothing(refreshed: str, capsys: pytest.CaptureFixture) -> None:
    before = loads_of(refreshed)
    code, _, err = run(capsys, "--database-url", refreshed, "refresh", "--if-stale")
    assert code == EXIT_OK
    assert "database is up to date with the bundled data" in err
    assert loads_of(refreshed) == before


def test_observations_csv(refreshed: str, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "--database-url", refreshed, "observations", "--indicator", "валовой",
                       "--region", "калуж", "--from", "2016", "--to", "2017", "--format", "csv")
    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[0] == HEADER
    rows = list(csv.reader(io.StringIO(out)))[1:]
    assert [r[:6] for r in rows if r[0] == "grp"] == KALUGA_GRP_2016_2017
    sources = [r[6] for r in rows if r[0] == "grp"]
    assert sources[0].startswith("regions_of_russia_2019_s09_grp.xlsx, sheet 9.1., R13, load ")
    assert sources[1].startswith("rr2020_s08_grp.xlsx, sheet 8.1., R13, load ")
    assert sources[2].startswith("regions_panel_2000_2020.csv, grp:123, load ")
    assert sources[3].startswith("rr2024_s08_grp.xlsx, sheet 8.1., R17, load ")
    assert sources[4].startswith("regions_of_russia_2019_s09_grp.xlsx, sheet 9.1., S13, load ")
    # "валовой" also names GRP per capita (and gross harvests, enrolment ratios); every row is
    # Kaluga's, 2016-2017 (a point in time such as 2017-12-31 included).
    assert {"grp", "grp_per_capita"} < {r[0] for r in rows}
    assert [r[:4] + r[5:6] for r in rows if r[0] == "grp_per_capita"] == [
        ["grp_per_capita", "RU-KLU", "2016", "367867.8", "RR-2019"],
        ["grp_per_capita", "RU-KLU", "2016", "367867.8", "RR-2020"],
        ["grp_per_capita", "RU-KLU", "2016", "404538.6", "RR-2022"],
        ["grp_per_capita", "RU-KLU", "2016", "392893.2", "RR-2024"],
        ["grp_per_capita", "RU-KLU", "2017", "411565.3", "RR-2019"],
        ["grp_per_capita", "RU-KLU", "2017", "410481.4", "RR-2020"],
        ["grp_per_capita", "RU-KLU", "2017", "451025.5", "RR-2022"],
        ["grp_per_capita", "RU-KLU", "2017", "435720.9", "RR-2024"]]
    assert {r[1] for r in rows} == {"RU-KLU"}
    assert {r[2][:4] for r in rows} == {"2016", "2017"}


@pytest.mark.parametrize(
    ("indicator", "region"),
    [("Gross regional product", "kaluga"), ("ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ", "КАЛУЖ"), ("grp", "RU-KLU")],
)
def test_observation_filters_in_english_and_any_case(refreshed: str, capsys: pytest.CaptureFixture,
                                                     indicator: str, region: str) -> None:
    code, out, _ = run(capsys, "--database-url", refreshed, "observations", "--indicator", indicator,
                       "--region", region, "--from", "2016", "--to", "2017", "--format", "csv")
    assert code == EXIT_OK
    rows = list(csv.reader(io.StringIO(out)))
    assert ",".join(rows[0]) == HEADER
    assert [r[:6] for r in rows[1:] if r[0] == "grp"] == KALUGA_GRP_2016_2017


def test_observations_table_shows_missing_values(refreshed: str, capsys: pytest.CaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = run(capsys, "--database-url", refreshed, "observations", "--indicator",
                       "Gross regional product", "--region", "Chechen", "--from", "2000", "--to", "2000")
    assert code == EXIT_OK
    assert "missing (not_available)" in out
    assert "RU-CE" in out


def test_observations_without_a_match(refreshed: str, capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(capsys, "--database-url", refreshed, "observations", "--region", "Атлантида")
    assert code == EXIT_ERROR
    assert out == ""
    assert "no region matches 'Атлантида'" in err


def test_loads_history(refreshed: str, capsys: pytest.CaptureFixture,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = run(capsys, "--database-url", refreshed, "loads", "--limit", "200")
    assert code == EXIT_OK
    assert "data/extracts/rr2019_s09_grp" in out
    assert "rosstat_workbook" in out
    assert out.count("applied") == len(loads_of(refreshed))


def test_load_dry_run_shows_the_diff_and_writes_nothing(refreshed: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    before = loads_of(refreshed)
    # SYNTHETIC figures under the 2019 edition: every one differs from the bundled RR-2019 figure.
    path = write_rr_workbook(tmp_path / "grp_2019.xlsx", grp_table(GRP_ROWS))
    code, _, err = run(capsys, "--database-url", refreshed, "load", str(path), "--dry-run")
    assert code == EXIT_OK
    assert "dry run: nothing was written" in err
    assert "~ observations" in err
    assert ("'region_code': 'RU-KLU', 'period': '2017', 'edition': 'RR-2019', "
            "'value': {'old': 417065.0, 'new': 12.2}") in err
    assert loads_of(refreshed) == before


def test_load_and_rollback(fresh_url: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert run(capsys, "--database-url", fresh_url, "load", str(REFERENCE_DIR))[0] == EXIT_OK
    path = write_rr_workbook(tmp_path / "grp_2019.xlsx", grp_table(GRP_ROWS))
    code, _, err = run(capsys, "--database-url", fresh_url, "load", str(path))
    assert code == EXIT_OK
    assert "grp_2019.xlsx" in err
    load_id = loads_of(fresh_url)[-1].id
    code, _, err = run(capsys, "--database-url", fresh_url, "rollback", str(load_id))
    assert code == EXIT_OK
    assert f"load {load_id} rolled back: {{'observations': 8}}" in err
    assert loads_of(fresh_url)[-1].status == "rolled_back"


def test_a_load_into_a_database_without_reference_data_loads_it_first(fresh_url: str, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture) -> None:
    """Without regions every figure would fail its foreign key; the reference load comes first, and says so."""
    path = write_rr_workbook(tmp_path / "grp_2019.xlsx", grp_table(GRP_ROWS))
    code, _, err = run(capsys, "--database-url", fresh_url, "load", str(path), "--dry-run")
    assert code == EXIT_ERROR
    assert "holds no reference data" in err and "IntegrityError" not in err
    assert loads_of(fresh_url) == []
    code, _, err = run(capsys, "--database-url", fresh_url, "load", str(path))
    assert code == EXIT_OK
    assert "the database held no reference data: loaded data/reference first (load 1)" in err
    assert [(r.file_name, r.status) for r in loads_of(fresh_url)] == [("data/reference", "applied"),
                                                                     ("grp_2019.xlsx", "applied")]


def test_load_of_a_bad_file_exits_2_with_reasons(fresh_url: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    assert run(capsys, "--database-url", fresh_url, "load", str(REFERENCE_DIR))[0] == EXIT_OK
    path = write_rr_workbook(tmp_path / "atl_2019.xlsx", grp_table([*GRP_ROWS, ["Атлантида", 1, 2]]))
    code, _, err = run(capsys, "--database-url", fresh_url, "load", str(path))
    assert code == EXIT_REJECTED
    assert ("rejected atl_2019.xlsx, sheet '9.1.', row 10, column A: "
            "unknown region name (found 'Атлантида')") in err
    assert err.rstrip().splitlines()[-1] == ("nothing was loaded from 1 file: 1 rejection in 1 sheet (see above); "
                                             "--allow-rejections applies what is sound")
    assert loads_of(fresh_url)[-1].status == "rejected"

    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(b"SYNTHETIC not a workbook")
    code, _, err = run(capsys, "--database-url", fresh_url, "load", str(corrupt))
    assert code == EXIT_REJECTED
    assert "rejected corrupt.xlsx: cannot be read as a workbook" in err


def test_load_of_a_missing_sheet_lists_the_sheets(fresh_url: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    path = write_rr_workbook(tmp_path / "s_2019.xlsx", grp_table(GRP_ROWS))
    code, _, err = run(capsys, "--database-url", fresh_url, "load", str(path), "--sheet", "9.7.")
    assert code == EXIT_REJECTED
    assert "s_2019.xlsx, sheet '9.7.': no such sheet; the workbook has: Раздел 9, 9.1." in err


def test_rollback_refusal_is_an_error_exit(fresh_url: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture) -> None:
    run(capsys, "--database-url", fresh_url, "load", str(REFERENCE_DIR))
    for folder, value in (("v1", 1.0), ("v2", 2.0), ("v3", 3.0)):
        rows = [list(r) for r in GRP_ROWS]
        rows[2][2] = value
        (tmp_path / folder).mkdir()
        run(capsys, "--database-url", fresh_url, "load",
            str(write_rr_workbook(tmp_path / folder / "grp_2019.xlsx", grp_table(rows))))
    middle = loads_of(fresh_url)[-2].id
    code, _, err = run(capsys, "--database-url", fresh_url, "rollback", str(middle))
    assert code == EXIT_REJECTED
    assert f"load {middle} was partly superseded by a later load" in err


def test_migrate(fresh_url: str, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "--database-url", fresh_url, "migrate")
    assert code == EXIT_OK
    assert "schema is at the newest revision" in err


# --- refusals that help (SYNTHETIC fixtures) ------------------------------------------------------------


def test_allow_rejections_applies_what_is_sound_and_says_so(fresh_url: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    assert run(capsys, "--database-url", fresh_url, "load", str(REFERENCE_DIR))[0] == EXIT_OK
    rows = [*GRP_ROWS, ["Брянская область", "12,3abc", 5], ["Владимирская область", "abc", 1],
            ["Атлантида", 1, 2]]
    path = write_rr_workbook(tmp_path / "mixed_2019.xlsx", grp_table(rows))
    code, _, err = run(capsys, "--database-url", fresh_url, "load", str(path), "--allow-rejections")
    assert code == EXIT_PARTIAL
    lines = err.rstrip().splitlines()
    assert lines[-1] == "applied with 2 rejections in 1 sheet (see above)"
    # One line per cause: the two text cells are one message naming them.
    assert "rejected mixed_2019.xlsx, sheet '9.1.', row 10, column B: text where a number was expected" in err
    assert "B10, B11" in err
    assert "per sheet" in err and "unknown region name (1)" in err
    record = loads_of(fresh_url)[-1]
    assert (record.status, record.rows_added, record.rows_rejected) == ("applied", 10, 2)
    assert record.report["summary"][1] == ("mixed_2019.xlsx, sheet '9.1.', row 12, column A: unknown region name "
                                           "(found 'Атлантида')")
    assert {entry["sheet"]: (entry["accepted"], entry["rejected"]) for entry in record.report["sheets"]} == {
        "9.1.": (10, 2)}


def test_markup_in_a_cell_is_printed_literally(fresh_url: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    """SYNTHETIC: a region cell holding terminal markup; it must reach the screen as written."""
    assert run(capsys, "--database-url", fresh_url, "load", str(REFERENCE_DIR))[0] == EXIT_OK
    path = write_rr_workbook(tmp_path / "markup_2019.xlsx",
                             grp_table([*GRP_ROWS, ["[/bold][red]Атлантида[/red]", 1, 2]]))
    code, _, err = run(capsys, "--database-url", fresh_url, "load", str(path))
    assert code == EXIT_REJECTED
    assert "(found '[/bold][red]Атлантида[/red]')" in err


def test_a_crash_is_one_line_exit_1_and_recorded(fresh_url: str, tmp_path: Path, capsys: pytest.CaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A parser that crashes on odd input: no traceback on screen, a failed load in the history."""
    def crash(path: Path, options: pipeline.Options) -> None:
        raise ZeroDivisionError("SYNTHETIC crash\nsecond line")

    monkeypatch.setitem(pipeline.ADAPTERS, "rosstat_workbook", crash)
    path = write_rr_workbook(tmp_path / "crash_2019.xlsx", grp_table(GRP_ROWS))
    code, out, err = run(capsys, "--database-url", fresh_url, "load", str(path), "--adapter", "rosstat_workbook")
    assert code == EXIT_ERROR
    assert "Traceback" not in out + err
    assert "error crash_2019.xlsx: could not be loaded (ZeroDivisionError: SYNTHETIC crash)" in err
    assert err.rstrip().splitlines()[-1].startswith("failed: 1 load could not be completed")
    record = loads_of(fresh_url)[-1]
    assert (record.file_name, record.status) == ("crash_2019.xlsx", "failed")
    assert "Traceback" in record.report["traceback"]


def test_an_unexpected_error_outside_a_load_is_one_line(capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(capsys, "--database-url", "nosuchdialect://x", "loads")
    assert code == EXIT_ERROR
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error ")


def test_hostile_workbooks_are_refused_with_exit_2(fresh_url: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    """SYNTHETIC: the sparse-corner workbook is refused before it is read, and the refusal recorded."""
    from tests.etl.test_guard import CORNER, _sheet_xml, write_xlsx

    path = write_xlsx(tmp_path / "corner.xlsx", _sheet_xml(CORNER, "A1:XFD1048576"))
    code, _, err = run(capsys, "--database-url", fresh_url, "load", str(path))
    assert code == EXIT_REJECTED
    assert "rejected corner.xlsx, sheet 'S': used range A1:XFD1048576 spans 17,179,869,184 cells" in err
    assert loads_of(fresh_url)[-1].status == "rejected"


@pytest.mark.parametrize("argv", [
    ("observations", "--indicator", "grp", "--from", "99999999999999999999"),
    ("observations", "--to", "-5"),
    ("observations", "--from", "20x"),
    ("rollback", "99999999999999999999999"),
    ("rollback", "-1"),
])
def test_out_of_range_numbers_are_refused_with_exit_2_and_no_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture, argv: tuple[str, ...]) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    with pytest.raises(SystemExit) as stopped:
        main(["--database-url", url, *argv])
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert "Traceback" not in err and ("is not a year" in err or "is not a load id" in err)
