"""The one writer: idempotent upserts, change history, exact rollback, dry runs, failures mid-load."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, Text, case, func, select, text

from etl import load
from etl.checks import read_counts
from etl.errors import EtlError
from etl.extracts import read_extract
from etl.paths import EXTRACTS_DIR
from etl.pipeline import load_path, parse_path
from etl.schema import Indicator, IndicatorCoverage, Observation
from etl.sources import reference
from etl.sources.base import Parsed
from tests.fixtures import (
    DATA_TABLES,
    GRP_ROWS,
    grp_table,
    loads_rows,
    row_counts,
    table_rows,
    write_rr_workbook,
)


def grp_workbook(folder: Path, kaluga_2017: float = 12.2) -> Path:
    """The SYNTHETIC GRP table, always under the same file name, with Kaluga 2017 set as given."""
    rows = [list(r) for r in GRP_ROWS]
    rows[2][2] = kaluga_2017
    folder.mkdir(parents=True, exist_ok=True)
    return write_rr_workbook(folder / "grp_2019.xlsx", grp_table(rows))


def kaluga_2017(engine: Engine) -> tuple:
    with engine.connect() as conn:
        return conn.execute(select(Observation.value, Observation.load_id, Observation.source_cell).where(
            Observation.indicator_code == "grp", Observation.region_code == "RU-KLU",
            Observation.period == "2017")).one()


def observations_parsed(rows: list[dict], indicators: list[dict] | None = None) -> Parsed:
    """A SYNTHETIC parsed workbook, built directly."""
    base = {"period": "2017", "year": 2017, "month": None, "status": "", "edition": "SYNTHETIC",
            "source_file": "synthetic.xlsx", "source_sheet": "S", "source_cell": "B2"}
    tables = {"observations": pd.DataFrame([{**base, **row} for row in rows])}
    if indicators is not None:
        tables["indicators"] = pd.DataFrame(indicators)
    return Parsed(adapter="rosstat_workbook", tables=tables, edition="SYNTHETIC")


# --- the reference load ---------------------------------------------------------------------------


def test_reference_load(engine: Engine) -> None:
    parsed = reference.parse()
    report = load.apply(engine, parsed, file_name="reference", sha256="abc")
    assert report.status == "applied"
    counts = row_counts(engine)
    for table, frame in parsed.tables.items():
        assert counts[table] == len(frame), table
        assert [t.added for t in report.tables if t.table == table] == [len(frame)]
    assert report.added == parsed.row_count()
    record = loads_rows(engine)[-1]
    assert (record.file_name, record.sha256, record.adapter) == ("reference", "abc", "reference")
    assert record.status == "applied"
    assert record.rows_added == parsed.row_count()
    assert record.finished_at >= record.started_at
    assert record.report["tables"]["regions"] == {"added": counts["regions"], "changed": 0, "unchanged": 0}


# --- idempotence ----------------------------------------------------------------------------------


def test_second_load_of_the_same_file_changes_nothing(loaded_engine: Engine, tmp_path: Path) -> None:
    path = grp_workbook(tmp_path)
    first = load_path(loaded_engine, path)
    assert (first.status, first.added, first.changed) == ("applied", 8, 0)
    before = table_rows(loaded_engine)
    second = load_path(loaded_engine, path)
    assert (second.status, second.added, second.changed, second.unchanged) == ("applied", 0, 0, 9)
    assert table_rows(loaded_engine) == before
    # The rows keep pointing at the load that wrote them.
    assert kaluga_2017(loaded_engine) == (12.2, first.load_id, "C8")
    # "…" is stored as a missing value with its status, never as a number.
    with loaded_engine.connect() as conn:
        missing = conn.execute(select(Observation.value, Observation.status).where(
            Observation.region_code == "RU-TUL", Observation.period == "2017")).one()
    assert tuple(missing) == (None, "not_available")


def test_bundled_extract_loads_idempotently(loaded_engine: Engine) -> None:
    path = EXTRACTS_DIR / "rr2019_s09_grp"
    first = load_path(loaded_engine, path)
    assert first.status == "applied", first.error
    observations = next(t for t in first.tables if t.table == "observations")
    assert (observations.added, observations.changed) == (13632, 0)
    second = load_path(loaded_engine, path)
    assert (second.added, second.changed, second.unchanged) == (0, 0, 13640)
    assert row_counts(loaded_engine)["observations"] == 13632
    assert kaluga_2017(loaded_engine) == (417065.0, first.load_id, "S13")


# --- changes, history and rollback ----------------------------------------------------------------


def test_changed_value_is_kept_and_rolled_back_exactly(loaded_engine: Engine, tmp_path: Path) -> None:
    first = load_path(loaded_engine, grp_workbook(tmp_path / "v1"))
    before = table_rows(loaded_engine)

    second = load_path(loaded_engine, grp_workbook(tmp_path / "v2", kaluga_2017=99.9))
    assert (second.status, second.added, second.changed, second.unchanged) == ("applied", 0, 1, 8)
    [change] = [t for t in second.tables if t.table == "observations"]
    assert change.changed_sample == [{"indicator_code": "grp", "region_code": "RU-KLU", "period": "2017",
                                      "edition": "RR-2019", "value": {"old": 12.2, "new": 99.9}}]
    assert kaluga_2017(loaded_engine) == (99.9, second.load_id, "C8")
    [history] = table_rows(loaded_engine, ("superseded_values",))["superseded_values"]
    _, table, row_key, old_values, superseded_by = history
    assert (table, superseded_by) == ("observations", second.load_id)
    assert row_key == {"indicator_code": "grp", "region_code": "RU-KLU", "period": "2017",
                       "edition": "RR-2019"}
    assert old_values["value"] == 12.2
    assert old_values["load_id"] == first.load_id
    assert loads_rows(loaded_engine)[-1].rows_changed == 1

    restored = load.rollback_load(loaded_engine, second.load_id)
    assert restored == {"observations": 1}
    assert table_rows(loaded_engine) == before
    assert loads_rows(loaded_engine)[-1].status == "rolled_back"


def test_rollback_of_a_first_load_deletes_what_it_added(loaded_engine: Engine, tmp_path: Path) -> None:
    before = table_rows(loaded_engine)
    report = load_path(loaded_engine, grp_workbook(tmp_path))
    assert row_counts(loaded_engine)["observations"] == 8
    assert load.rollback_load(loaded_engine, report.load_id) == {"observations": 8}
    assert table_rows(loaded_engine) == before


def test_rollback_refuses_when_a_later_load_changed_the_same_rows(loaded_engine: Engine,
                                                                  tmp_path: Path) -> None:
    load_path(loaded_engine, grp_workbook(tmp_path / "v1"))
    middle = load_path(loaded_engine, grp_workbook(tmp_path / "v2", kaluga_2017=20.0))
    last = load_path(loaded_engine, grp_workbook(tmp_path / "v3", kaluga_2017=30.0))
    before = table_rows(loaded_engine)
    with pytest.raises(EtlError, match=f"load {middle.load_id} was partly superseded by a later load"):
        load.rollback_load(loaded_engine, middle.load_id)
    assert table_rows(loaded_engine) == before
    # Undoing the newest first, then the middle one, walks back to the first version.
    load.rollback_load(loaded_engine, last.load_id)
    assert kaluga_2017(loaded_engine)[0] == 20.0
    load.rollback_load(loaded_engine, middle.load_id)
    assert kaluga_2017(loaded_engine)[0] == 12.2


# --- dry runs -------------------------------------------------------------------------------------


def test_dry_run_writes_nothing_but_reports(loaded_engine: Engine, tmp_path: Path) -> None:
    load_path(loaded_engine, grp_workbook(tmp_path / "v1"))
    rows = [*GRP_ROWS, ["Брянская область", 7.0, 8.0]]
    rows[2] = ["Калужская область", 11.1, 99.9]
    (tmp_path / "v2").mkdir()
    path = write_rr_workbook(tmp_path / "v2" / "grp_2019.xlsx", grp_table(rows))
    before = table_rows(loaded_engine, (*DATA_TABLES, "loads"))

    report = load_path(loaded_engine, path, dry_run=True)

    assert (report.status, report.added, report.changed, report.unchanged) == ("dry_run", 2, 1, 8)
    assert report.load_id is None
    [change] = [t for t in report.tables if t.table == "observations"]
    assert change.changed_sample == [{"indicator_code": "grp", "region_code": "RU-KLU", "period": "2017",
                                      "edition": "RR-2019", "value": {"old": 12.2, "new": 99.9}}]
    added = sorted((r["region_code"], r["period"], r["value"]) for r in change.added_sample)
    assert added == [("RU-BRY", "2016", 7.0), ("RU-BRY", "2017", 8.0)]
    assert table_rows(loaded_engine, (*DATA_TABLES, "loads")) == before


# --- failures -------------------------------------------------------------------------------------


class InjectedFailure(EtlError):
    """Raised from the progress callback to fail a load half-way."""


def test_failure_after_the_first_table_rolls_everything_back(loaded_engine: Engine, tmp_path: Path) -> None:
    load_path(loaded_engine, grp_workbook(tmp_path / "v1"))
    before = table_rows(loaded_engine)
    seen = []

    def fail_after_first(table: str, done: int, total: int) -> None:
        seen.append((table, done, total))
        raise InjectedFailure(f"injected after {table}")

    # New indicator + changed observations: two tables, the first of which is written before the failure.
    parsed = parse_path(grp_workbook(tmp_path / "v2", kaluga_2017=99.9))
    parsed.tables["indicators"] = pd.concat([parsed.tables["indicators"], pd.DataFrame([{
        "code": "synthetic_new", "name_ru": "SYNTHETIC", "topic": "other", "frequency": "year"}])])
    report = load.apply(loaded_engine, parsed, file_name="grp_2019.xlsx", sha256="x",
                        on_table_done=fail_after_first)

    assert seen == [("indicators", 1, 2)]
    assert report.status == "failed"
    assert report.error == "InjectedFailure: injected after indicators"
    assert report.tables == []
    assert table_rows(loaded_engine) == before
    record = loads_rows(loaded_engine)[-1]
    assert (record.status, record.rows_added, record.report["error"]) == ("failed", 0, report.error)


def test_unexpected_exception_mid_load_leaves_the_database_as_before(loaded_engine: Engine,
                                                                    tmp_path: Path) -> None:
    load_path(loaded_engine, grp_workbook(tmp_path / "v1"))
    before = table_rows(loaded_engine, (*DATA_TABLES, "loads"))

    def crash(table: str, done: int, total: int) -> None:
        raise RuntimeError("SYNTHETIC crash")

    report = load_path(loaded_engine, grp_workbook(tmp_path / "v2", kaluga_2017=99.9), on_table_done=crash)
    # Not an ETL error: the transaction (and its `running` load record) is undone, and the attempt is
    # recorded as a failed load, its traceback kept in the report for developers only.
    assert report.status == "failed"
    assert report.error == "grp_2019.xlsx: could not be loaded (RuntimeError: SYNTHETIC crash)"
    assert table_rows(loaded_engine) == {t: r for t, r in before.items() if t != "loads"}
    loads = loads_rows(loaded_engine)
    assert len(loads) == len(before["loads"]) + 1
    assert (loads[-1].status, loads[-1].report["error"]) == ("failed", report.error)
    assert "Traceback" in loads[-1].report["traceback"] and "SYNTHETIC crash" in loads[-1].report["traceback"]


def test_foreign_key_violation_fails_the_whole_load(loaded_engine: Engine) -> None:
    before = table_rows(loaded_engine)
    parsed = observations_parsed([
        {"indicator_code": "grp", "region_code": "RU-KLU", "value": 1.0},
        {"indicator_code": "grp", "region_code": "XX-SYNTHETIC", "value": 2.0},
    ])
    report = load.apply(loaded_engine, parsed, file_name="synthetic.xlsx", sha256="x")
    assert report.status == "failed"
    # The driver's own error is reported, not a follow-up "current transaction is aborted".
    assert report.error.startswith("IntegrityError: ")
    assert "foreign key" in report.error.lower()
    assert table_rows(loaded_engine) == before
    assert loads_rows(loaded_engine)[-1].status == "failed"


def test_postgresql_writes_observations_without_row_triggers_only_when_allowed(loaded_engine: Engine) -> None:
    """A superuser writes observations with the foreign-key triggers off, for those statements only; a role
    that may not set session_replication_role keeps them on, and its transaction goes on."""
    if loaded_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    observations = Observation.__table__
    with loaded_engine.connect() as conn, conn.begin():
        with load._without_row_checks(conn, observations) as off:
            assert off is True
            assert conn.exec_driver_sql("SHOW session_replication_role").scalar() == "replica"
        assert conn.exec_driver_sql("SHOW session_replication_role").scalar() == "origin"
        with load._without_row_checks(conn, load.Base.metadata.tables["regions"]) as off:
            assert off is False
        # NOTE: CREATE ROLE is transactional: the role goes with the rollback at the end of this block.
        role = f"atlas_test_{uuid.uuid4().hex[:12]}"
        conn.exec_driver_sql(f"CREATE ROLE {role} NOLOGIN")
        conn.execute(text(f"SET LOCAL ROLE {role}"))
        with load._without_row_checks(conn, observations) as off:
            assert off is False
            assert conn.exec_driver_sql("SHOW session_replication_role").scalar() == "origin"
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        conn.rollback()


def test_unit_conflicting_with_the_database_fails_the_load(loaded_engine: Engine) -> None:
    before = table_rows(loaded_engine)
    parsed = observations_parsed(
        [{"indicator_code": "grp", "region_code": "RU-KLU", "value": 1.0}],
        indicators=[{"code": "grp", "name_ru": "ВРП", "unit_ru": "тысяч рублей", "topic": "economy",
                     "frequency": "year"}],
    )
    report = load.apply(loaded_engine, parsed, file_name="synthetic.xlsx", sha256="x")
    assert report.status == "rejected"
    [rejection] = report.rejections
    assert (rejection.file, rejection.column, rejection.found) == ("synthetic.xlsx", "unit", "тысяч рублей")
    assert rejection.reason == "wrong unit for grp: expected 'миллионов рублей'"
    assert "wrong unit for grp: expected 'миллионов рублей'" in report.error
    record = loads_rows(loaded_engine)[-1]
    assert (record.status, record.rows_rejected) == ("rejected", 1)
    assert record.report["rejections"][0]["reason"] == rejection.reason
    assert table_rows(loaded_engine) == before


def test_data_files_never_overwrite_reference_indicators(loaded_engine: Engine) -> None:
    parsed = observations_parsed(
        [{"indicator_code": "grp", "region_code": "RU-KLU", "value": 1.0}],
        indicators=[{"code": "grp", "name_ru": "SYNTHETIC другое имя", "unit_ru": "миллионов рублей",
                     "topic": "other", "frequency": "year"}],
    )
    report = load.apply(loaded_engine, parsed, file_name="synthetic.xlsx", sha256="x")
    assert report.status == "applied"
    assert [(t.table, t.added, t.changed, t.unchanged) for t in report.tables] == [
        ("indicators", 0, 0, 1), ("observations", 1, 0, 0)]
    with loaded_engine.connect() as conn:
        query = select(Indicator.name_ru, Indicator.topic).where(Indicator.code == "grp")
        name, topic = conn.execute(query).one()
    assert (name, topic) == ("Валовой региональный продукт", "economy")


def test_extract_and_raw_file_load_the_same_observations(engine: Engine, parse_shared) -> None:
    """The committed extract and the raw file it came from give identical observations."""
    raw = parse_shared("regions_of_russia_2019_s09_grp.xlsx")
    extract = read_extract(EXTRACTS_DIR / "rr2019_s09_grp")
    load.apply(engine, reference.parse(), file_name="reference", sha256="x")
    load.apply(engine, extract, file_name="extract", sha256="x")
    again = load.apply(engine, raw, file_name="raw", sha256="x")
    assert (again.status, again.added, again.changed, again.unchanged) == ("applied", 0, 0, 13640)


# --- helpers --------------------------------------------------------------------------------------


def test_sha256_of_file_and_folder(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b.txt").write_bytes(b"beta")
    (tmp_path / "d" / "a.txt").write_bytes(b"alpha")
    assert load.sha256_of(tmp_path / "d" / "a.txt") == hashlib.sha256(b"alpha").hexdigest()
    assert load.sha256_of(tmp_path / "d") == hashlib.sha256(b"alphabeta").hexdigest()


# --- catalogue coverage, kept by the loader ---------------------------------------------------------


def coverage_rows(engine: Engine) -> list[tuple]:
    columns = ("indicator_code", "edition", "period_kind", "regions", "first_period", "last_period", "first_year",
               "last_year", "observations", "published")
    table = IndicatorCoverage.__table__
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(*[table.c[c] for c in columns])).all())


def recomputed_coverage(engine: Engine) -> list[tuple]:
    """The coverage a full GROUP BY over every observation gives: what the kept table must equal."""
    published = Observation.value.is_not(None)
    query = (select(Observation.indicator_code, Observation.edition, Observation.period_kind,
                    func.count(Observation.region_code.distinct()),
                    func.min(case((published, Observation.period))), func.max(case((published, Observation.period))),
                    func.min(case((published, Observation.year))), func.max(case((published, Observation.year))),
                    func.count(), func.count(Observation.value))
             .group_by(Observation.indicator_code, Observation.edition, Observation.period_kind))
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(query).all())


def test_coverage_follows_loads_changes_and_rollbacks(loaded_engine: Engine, tmp_path: Path) -> None:
    assert coverage_rows(loaded_engine) == recomputed_coverage(loaded_engine)
    first = load_path(loaded_engine, grp_workbook(tmp_path / "v1"))
    after_first = coverage_rows(loaded_engine)
    assert after_first == recomputed_coverage(loaded_engine)
    [grp] = [r for r in after_first if r[0] == "grp"]
    # Four regions, 2016 and 2017; Tula's 2017 is "…" (a row, not a published number).
    assert grp[1:] == ("RR-2019", "year", 4, "2016", "2017", 2016, 2017, 8, 7)
    with loaded_engine.connect() as conn:
        assert conn.execute(select(IndicatorCoverage.updated_by_load_id)
                            .where(IndicatorCoverage.indicator_code == "grp")).scalar() == first.load_id

    # A synthetic second edition with a gap: its own row, the first edition's untouched.
    gap = load.apply(loaded_engine, observations_parsed([
        {"indicator_code": "grp", "region_code": "RU-KLU", "value": 5.0},
        {"indicator_code": "grp", "region_code": "RU-MOW", "period": "2018", "year": 2018, "value": None,
         "status": "not_available"},
    ]), file_name="synthetic", sha256="s")
    assert gap.status == "applied", gap.error
    assert coverage_rows(loaded_engine) == recomputed_coverage(loaded_engine)
    [synthetic] = [r for r in coverage_rows(loaded_engine) if r[:2] == ("grp", "SYNTHETIC")]
    assert synthetic[3:] == (2, "2017", "2017", 2017, 2017, 2, 1)

    changed = load_path(loaded_engine, grp_workbook(tmp_path / "v2", kaluga_2017=99.9))
    assert changed.changed == 1
    assert coverage_rows(loaded_engine) == recomputed_coverage(loaded_engine)
    load.rollback_load(loaded_engine, changed.load_id)
    load.rollback_load(loaded_engine, gap.load_id)
    assert coverage_rows(loaded_engine) == after_first
    load.rollback_load(loaded_engine, first.load_id)
    assert coverage_rows(loaded_engine) == recomputed_coverage(loaded_engine)
    assert not [r for r in coverage_rows(loaded_engine) if r[0] == "grp"]


def test_ready_to_write_sorts_and_counts_what_apply_would(loaded_engine: Engine, tmp_path: Path) -> None:
    """SYNTHETIC: the observations sorted into key order and their coverage counted ahead, as apply writes them."""
    parsed = parse_path(grp_workbook(tmp_path))
    shuffled = parsed.tables["observations"].iloc[::-1]
    parsed.tables["observations"] = shuffled
    ready = load.ready_to_write(parsed)
    keys = list(load.NATURAL_KEYS["observations"])
    ordered = parsed.tables["observations"]
    assert ready.in_key_order == frozenset({"observations"})
    assert list(ordered[keys].itertuples(index=False)) == sorted(shuffled[keys].itertuples(index=False))
    report = load.apply(loaded_engine, parsed, file_name="grp_2019.xlsx", sha256="s", ready=ready)
    assert report.status == "applied", report.error
    assert coverage_rows(loaded_engine) == recomputed_coverage(loaded_engine)
    [grp] = [r for r in ready.coverage if r["indicator_code"] == "grp"]
    assert (grp["regions"], grp["first_period"], grp["last_period"], grp["observations"], grp["published"]) == (
        4, "2016", "2017", 8, 7)
    # The figures per sheet and the distinct values the load's probe and reference checks read, as apply reads them.
    assert ready.counts == read_counts(parsed)
    assert set(ready.distinct["observations"]) == {"edition", "indicator_code", "region_code"}
    for column, values in ready.distinct["observations"].items():
        assert values == list(dict.fromkeys(ordered[column].dropna())), column
    assert report.sheets == load.apply(loaded_engine, parsed, file_name="grp_2019.xlsx", sha256="s",
                                       dry_run=True).sheets


def test_dry_run_and_failed_loads_leave_coverage_alone(loaded_engine: Engine, tmp_path: Path) -> None:
    before = coverage_rows(loaded_engine)
    report = load_path(loaded_engine, grp_workbook(tmp_path), dry_run=True)
    assert report.status == "dry_run"
    assert coverage_rows(loaded_engine) == before


# --- column types: what a load writes is what it reads back ----------------------------------------

# SYNTHETIC values for every column type a load writes (integer, double precision, varchar, text): texts that
# text COPY had to escape (tab, newline, backslash, its NULL marker \N), Cyrillic and beyond, the empty text;
# floats whose decimal form is not exact, tiny, large, negative and whole ones (within checks.MAX_MAGNITUDE).
AWKWARD_TEXTS = ["Калужская область", "tab\there", "line\nbreak\r\n", "back\\slash\\", "\\N", "", "quote ' \" ; , |",
                 "📈 рост €"]
EXACT_FLOATS = [0.1 + 0.2, -123.456, 999_999_999_999_999.9, 1e-300, 5e-324, 2.0**49 + 0.5, 42.0, None]
OBSERVATION_COLUMNS = ["indicator_code", "region_code", "period", "period_kind", "year", "month", "value",
                       "value_text", "status", "edition", "source_file", "source_sheet", "source_cell",
                       "source_header"]


def typed_parsed(texts: list[str], floats: list[float | None], extra_period: bool = False) -> Parsed:
    """A SYNTHETIC load of two regions, one indicator and an observation per text, built directly."""
    regions = pd.DataFrame([
        {"code": "XX-A", "name_ru": texts[0], "name_en": texts[1], "kind": "region", "parent_code": None,
         "sort_order": 1},
        {"code": "XX-B", "name_ru": texts[2], "name_en": texts[3], "kind": "region_part", "parent_code": "XX-A",
         "sort_order": -5},
    ])
    indicators = pd.DataFrame([
        {"code": "synthetic_types", "name_ru": texts[4] + texts[0], "name_en": None, "unit_ru": "млн руб.\\всего",
         "unit_en": texts[5], "topic": "synthetic", "frequency": "year", "period_kind": "year", "additive": None,
         "section": texts[1], "table_number": None, "identity": "\n".join(texts)},
        {"code": "synthetic_types_2", "name_ru": texts[3], "name_en": texts[2], "unit_ru": None, "unit_en": None,
         "topic": "synthetic", "frequency": "month", "period_kind": None, "additive": 1, "section": None,
         "table_number": "1.2", "identity": None},
    ])
    rows = []
    for index, (text_value, number) in enumerate(zip(texts, floats, strict=True)):
        rows.append({
            "indicator_code": "synthetic_types", "region_code": "XX-A" if index % 2 else "XX-B",
            "period": str(2001 + index), "period_kind": "year", "year": 2001 + index,
            "month": None if index % 3 else index + 1, "value": number,
            "value_text": None if index == 1 else text_value,
            "status": "not_available" if number is None else "", "edition": "SYNTHETIC",
            "source_file": "synthetic.xlsx", "source_sheet": text_value, "source_cell": None if index % 2 else "B2",
            "source_header": texts[-1 - index] or None,
        })
    if extra_period:
        rows.append({**rows[0], "period": "2020", "year": 2020, "month": 12, "value": -0.5, "value_text": None})
    return Parsed(adapter="synthetic", tables={"regions": regions, "indicators": indicators,
                                               "observations": pd.DataFrame(rows)}, edition="SYNTHETIC")


def as_stored(frame: pd.DataFrame, table: str, columns: list[str], key: str) -> list[tuple]:
    """The frame's rows as the database should hand them back: None for missing, each value as its column's type
    (pandas holds an integer column with a missing value as floats)."""
    python_types = [load.Base.metadata.tables[table].c[c].type.python_type for c in columns]
    rows = frame.sort_values(key)[columns].astype(object).to_numpy().tolist()
    return [tuple(None if v is None or (isinstance(v, float) and pd.isna(v)) else kind(v)
                  for kind, v in zip(python_types, row, strict=True)) for row in rows]


def stored(engine: Engine, table: str, columns: list[str], key: str) -> list[tuple]:
    target = load.Base.metadata.tables[table]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*[target.c[c] for c in columns]).order_by(target.c[key]))]


def assert_round_trip(engine: Engine, parsed: Parsed) -> None:
    for table, key in (("regions", "code"), ("indicators", "code"), ("observations", "period")):
        frame = parsed.tables[table]
        columns = OBSERVATION_COLUMNS if table == "observations" else list(frame.columns)
        expected = as_stored(frame, table, columns, key)
        got = stored(engine, table, columns, key)
        assert got == expected, table
        # Exact, not merely equal as Python compares 2 == 2.0: the integer columns come back as int.
        assert [type(v) for row in got for v in row] == [type(v) for row in expected for v in row], table


def test_every_column_type_round_trips_exactly_through_both_write_paths(engine: Engine) -> None:
    first = typed_parsed(AWKWARD_TEXTS, EXACT_FLOATS)
    report = load.apply(engine, first, file_name="synthetic.xlsx", sha256="one")
    assert report.status == "applied", report.error
    # A new indicator's observations go straight into the table; regions and indicators through staging.
    assert next(t for t in report.tables if t.table == "observations").written_alone is not None
    assert_round_trip(engine, first)

    # The same keys with every value moved (a text to another, a number to missing and back), one row more:
    # a staged upsert into tables that already hold rows.
    texts = AWKWARD_TEXTS[1:] + AWKWARD_TEXTS[:1]
    floats = [None, *[-v for v in EXACT_FLOATS[1:-1]], 1e15]
    second = typed_parsed(texts, floats, extra_period=True)
    report = load.apply(engine, second, file_name="synthetic.xlsx", sha256="two")
    assert report.status == "applied", report.error
    observations = next(t for t in report.tables if t.table == "observations")
    assert observations.written_alone is None
    assert (observations.added, observations.changed, observations.unchanged) == (1, 8, 0)
    assert_round_trip(engine, second)


def test_extreme_floats_and_integers_round_trip_exactly(engine: Engine) -> None:
    """Beyond what the checks let a load through: the writer itself keeps every double and int4 exactly."""
    table = Table("synthetic_extremes", MetaData(), Column("whole", Integer), Column("number", Float),
                  Column("label", String(20)), Column("note", Text), prefixes=["TEMPORARY"])
    frame = pd.DataFrame({  # SYNTHETIC
        "whole": [2**31 - 1, -(2**31), 0, None],
        "number": [1.7976931348623157e308, -2.2250738585072014e-308, -5e-324, None],
        "label": ["\\.", "\t\\t", "\r", None],
        "note": ["a\x7fb", "ё" * 5000, None, "end\\"],
    })
    with engine.connect() as conn, conn.begin():
        table.create(conn)
        load._copy_rows(conn, table, frame)
        got = [tuple(r) for r in conn.execute(select(table)).all()]
        conn.rollback()
    assert got == [(2**31 - 1, 1.7976931348623157e308, "\\.", "a\x7fb"),
                   (-(2**31), -2.2250738585072014e-308, "\t\\t", "ё" * 5000),
                   (0, -5e-324, "\r", None),
                   (None, None, None, "end\\")]


def test_postgresql_copies_in_binary_with_each_columns_own_type(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    with engine.connect() as conn:
        observations = Observation.__table__
        columns = [c.name for c in observations.c if c.name != "id"]
        assert load._binary_types(conn, observations, columns) == [
            "varchar", "varchar", "varchar", "varchar", "int4", "int4", "float8", "varchar", "varchar", "varchar",
            "varchar", "varchar", "varchar", "varchar", "int4"]
        # A type without a binary mapping makes the table's COPY a text COPY, which PostgreSQL casts.
        assert load._binary_types(conn, load.Base.metadata.tables["loads"], ["id", "report"]) is None


@pytest.mark.parametrize(("column", "value", "message"), [
    ("year", 2017.5, "observations.year: 2017.5 is not a whole number"),
    ("month", float("inf"), "observations.month: inf is not a whole number"),
])
def test_a_value_its_column_cannot_hold_fails_the_load_with_a_clear_error(
        loaded_engine: Engine, column: str, value: float, message: str) -> None:
    before = table_rows(loaded_engine)
    parsed = observations_parsed([{"indicator_code": "grp", "region_code": "RU-KLU", "value": 1.0},
                                  {"indicator_code": "grp", "region_code": "RU-TUL", "value": 2.0, column: value}])
    report = load.apply(loaded_engine, parsed, file_name="synthetic.xlsx", sha256="x")
    assert report.status == "failed"
    assert report.error.startswith("DataError: ") and message in report.error, report.error
    assert table_rows(loaded_engine) == before


def test_postgresql_refuses_an_integer_beyond_its_column(loaded_engine: Engine) -> None:
    """psycopg's binary dumpers do not check the range (2**40 as int4 was written as 0): the load does."""
    if loaded_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's integers are 64-bit")
    before = table_rows(loaded_engine)
    parsed = observations_parsed([{"indicator_code": "grp", "region_code": "RU-KLU", "value": 1.0, "year": 2**40}])
    report = load.apply(loaded_engine, parsed, file_name="synthetic.xlsx", sha256="x")
    assert report.status == "failed"
    assert "observations.year: 1099511627776 is out of range for int4" in report.error, report.error
    assert table_rows(loaded_engine) == before
