"""The one writer: applies a parsed source to the database in one transaction, with provenance.

Each table is upserted through a temporary staging table with set-based SQL, so the same code
serves SQLite and PostgreSQL and a million rows stay fast. The rows a load changes are kept in
`superseded_values`, so a load can be undone exactly; a dry run does all the work and rolls back.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError

from etl.checks import read_counts, run_checks
from etl.errors import EtlError, RejectedInput, Rejection, sheet_summary, summarise
from etl.indicators import normalise_unit
from etl.schema import LOAD_ORDER, NATURAL_KEYS, Base, IndicatorCoverage, Load, Observation, SupersededValue
from etl.sources.base import Parsed

# Tables a data file may add to but never overwrite: the reference load owns their contents.
INSERT_ONLY = {"indicators": {"rosstat_workbook", "rosstat_panel", "rosstat_monthly", "extract"}}
SAMPLE_ROWS = 200


@dataclass
class TableChange:
    table: str
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    changed_sample: list[dict] = field(default_factory=list)
    added_sample: list[dict] = field(default_factory=list)
    # The rows as written when the load only added rows whose keys no other row can share (see _only_adds).
    written_alone: pd.DataFrame | None = field(default=None, repr=False)
    # True when the rows were written without PostgreSQL's per-row foreign-key checks (_without_row_checks).
    references_unchecked: bool = field(default=False, repr=False)


@dataclass
class LoadReport:
    file_name: str
    sha256: str
    adapter: str
    edition: str | None
    status: str = "running"
    load_id: int | None = None
    tables: list[TableChange] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    provenance: dict | None = None
    error: str | None = None
    # Per sheet: figures read, rejected and the main reasons (etl.errors.sheet_summary).
    sheets: list[dict] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(t.added for t in self.tables)

    @property
    def changed(self) -> int:
        return sum(t.changed for t in self.tables)

    @property
    def unchanged(self) -> int:
        return sum(t.unchanged for t in self.tables)

    def as_json(self) -> dict:
        return {
            "tables": {t.table: {"added": t.added, "changed": t.changed, "unchanged": t.unchanged}
                       for t in self.tables},
            "rejections": [r.as_dict() for r in self.rejections[:1000]],
            "rejections_total": len(self.rejections),
            "summary": summarise(self.rejections)[:200],
            "sheets": self.sheets,
            "notes": self.notes[:200],
            "error": self.error,
            "provenance": self.provenance,
        }


ProgressCallback = Callable[[str, int, int], None]
# Called inside a load's (or a rollback's) transaction: raising EtlError there undoes everything.
TransactionHook = Callable[[Connection, "LoadReport"], None]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    paths = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for item in paths:
        with item.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def apply(
    engine: Engine,
    parsed: Parsed,
    *,
    file_name: str,
    sha256: str,
    dry_run: bool = False,
    allow_rejections: bool = False,
    on_table_done: ProgressCallback | None = None,
    source_path: str | Path | None = None,
    on_begin: TransactionHook | None = None,
    before_end: TransactionHook | None = None,
    rejections: list[Rejection] | None = None,
    ready: ReadyToWrite | None = None,
) -> LoadReport:
    """Check and write `parsed` in one transaction; on any failure the database is unchanged.

    `rejections` are run_checks' findings on `parsed` and `ready` ready_to_write's, when the caller has
    already run them (etl.pipeline.prepare, on the checked `parsed`).

    `source_path` is where the file was read from, kept so `etl verify` can re-read it. `on_begin`
    runs in the transaction once the load is recorded (the admin's check that the data did not change
    since its preview), `before_end` after every write, before the commit or a dry run's rollback (the
    admin's preview and history); either may raise EtlError to undo the load.
    """
    source_path = _absolute(source_path)
    report = LoadReport(file_name, sha256, parsed.adapter, parsed.edition, notes=list(parsed.notes),
                        provenance=parsed.provenance)
    report.rejections = run_checks(parsed, file_name) if rejections is None else rejections
    report.sheets = sheet_summary(ready.counts if ready else read_counts(parsed), report.rejections)
    if report.rejections and not allow_rejections:
        report.status = "rejected"
        report.error = str(RejectedInput(report.rejections))
        if not dry_run:
            record_failure(engine, report, source_path=source_path)
        return report
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            references_checked_here = _suspend_foreign_keys(conn)
            try:
                _queue_behind_other_loads(conn)
                report.load_id = _start_load(conn, report, source_path)
                if on_begin:
                    on_begin(conn, report)
                tables = [t for t in LOAD_ORDER if t in parsed.tables and not parsed.tables[t].empty]
                for done, table in enumerate(tables, start=1):
                    distinct = ready.distinct.get(table) if ready else None
                    change = _upsert(conn, table, parsed.tables[table], report, collect_added=dry_run,
                                     in_key_order=ready is not None and table in ready.in_key_order,
                                     distinct=distinct)
                    if references_checked_here or change.references_unchecked:
                        # After the write: a row may name a parent written with it (a region's parent region).
                        _check_references(conn, Base.metadata.tables[table], parsed.tables[table], distinct)
                    report.tables.append(change)
                    if on_table_done:
                        on_table_done(table, done, len(tables))
                observations = parsed.tables.get("observations")
                if observations is not None and not observations.empty:
                    written = next((c.written_alone for c in report.tables if c.table == "observations"), None)
                    if written is not None:
                        insert_coverage(conn, written, report.load_id, ready.coverage if ready else None)
                    else:
                        refresh_coverage(conn, observations["indicator_code"].dropna().unique().tolist(),
                                         observations["edition"].dropna().unique().tolist(), report.load_id)
                report.status = "dry_run" if dry_run else "applied"
                _finish_load(conn, report)
                if before_end:
                    before_end(conn, report)
                if references_checked_here:
                    _check_other_references(conn)
                if dry_run:
                    transaction.rollback()
                    report.load_id = None
                else:
                    transaction.commit()
            except BaseException:
                transaction.rollback()
                raise
            finally:
                if references_checked_here:
                    _restore_foreign_keys(conn)
    except (EtlError, SQLAlchemyError) as exc:
        report.status = "failed"
        report.error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        if _another_load_holds_the_lock(exc):
            # NOTE: a refusal (exit 2) that says why, not the driver's "database is locked".
            report.status = "rejected"
            report.error = (f"{file_name}: another load was writing to the database for longer than "
                            f"{LOCK_WAIT_SECONDS:g} s; nothing was written: load the file again when it has finished")
            report.tables = []
            if not dry_run:
                with suppress(SQLAlchemyError):  # the history may be locked too; the message says it all
                    record_failure(engine, report, source_path=source_path)
            return report
        if isinstance(exc, RejectedInput):
            # A check against the database (an indicator's unit) refused rows: report them as the
            # parser's rejections are reported, not as a bare "1 rejected row(s):".
            report.status = "rejected"
            report.rejections = [*report.rejections, *exc.rejections]
            report.error = str(exc)
        report.tables = []
        if not dry_run:
            record_failure(engine, report, source_path=source_path)
    return report


# How long a load waits for another load's transaction to end before it is refused (seconds).
LOCK_WAIT_SECONDS = 600.0
# The same key as etl.history's lock for the admin's applies, so every writer queues on one lock.
_APPLY_LOCK = 7_342_010
# The arguments of PostgreSQL's advisory lock that every writer takes (etl.history's applies too): the key
# above and a hash of the load history table's OID, so loads queue behind loads into the same tables.
# NOTE: advisory locks are per database, not per schema: with the key alone, loads into other schemas of the
# same database (the scratch schemas of tests and benches on a shared server) queued behind each other, and a
# full build could spend half its time waiting for someone else's.
APPLY_LOCK_ARGS = "CAST(:key AS integer), hashtext(CAST(CAST(CAST(:table AS regclass) AS oid) AS text))"
APPLY_LOCK_PARAMS = {"key": _APPLY_LOCK, "table": Load.__tablename__}


def lock_loads(conn: Connection) -> None:
    """PostgreSQL: wait, to the end of the transaction, for any other load into the same tables."""
    conn.execute(text(f"SELECT pg_advisory_xact_lock({APPLY_LOCK_ARGS})"), APPLY_LOCK_PARAMS)


def _queue_behind_other_loads(conn: Connection) -> None:
    """Make concurrent loads queue instead of failing on each other's rows.

    PostgreSQL: an advisory lock held to the end of the transaction (two loads upserting the same keys
    would otherwise meet a UniqueViolation). SQLite: its single write lock, taken by the load record's
    INSERT (the transaction's first statement, so no read snapshot is held), waited for up to
    LOCK_WAIT_SECONDS instead of the driver's 5 s.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": f"{int(LOCK_WAIT_SECONDS * 1000)}"})
        lock_loads(conn)
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(LOCK_WAIT_SECONDS * 1000)}")


def _suspend_foreign_keys(conn: Connection) -> bool:
    """SQLite: turn the connection's foreign-key enforcement off for one load; True when it was turned off.

    NOTE: SQLite checks a child row's foreign keys row by row (three parent look-ups per figure: about a
    fifth of a full build's time); the load checks the same references once per distinct value instead
    (`_check_references`, `_check_other_references`), in the same transaction, before it commits, so a
    load that names an unknown region or indicator still fails whole with an IntegrityError. The pragma
    only takes effect outside a transaction, so it is set before the load's first write; PostgreSQL keeps
    its constraints as they are.
    """
    if conn.dialect.name != "sqlite":
        return False
    raw = conn.connection.driver_connection
    if raw.in_transaction:
        return False
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    return conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0


def _restore_foreign_keys(conn: Connection) -> None:
    """Turn enforcement back on once the load's transaction has ended; a connection that cannot is discarded."""
    try:
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        if conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1:
            return
    except SQLAlchemyError:
        pass
    conn.invalidate()


def _integrity_error(conn: Connection, message: str) -> IntegrityError:
    dbapi_error = conn.dialect.loaded_dbapi.IntegrityError
    return IntegrityError(message, None, dbapi_error(message))


def _check_references(conn: Connection, target: Table, frame: pd.DataFrame,
                      distinct: dict[str, list] | None = None) -> None:
    """Refuse what the target's foreign keys would refuse: a value that names no row of the parent table.

    Checked once per distinct value of the frame (every row the load wrote comes from it), after the write:
    on SQLite with its foreign keys suspended for the load, on PostgreSQL for rows written without their
    triggers (_without_row_checks). `distinct` holds columns' distinct values worked out ahead (ready_to_write).
    """
    for fk in sorted(target.foreign_keys, key=lambda k: k.parent.name):
        column = fk.parent.name
        if column not in frame.columns:
            continue
        values = distinct_values(frame, column, distinct)
        parent = fk.column
        if isinstance(parent.type, String):
            values = [str(v) for v in values]
        found: set = set()
        for start in range(0, len(values), _PROBE_CHUNK):
            chunk = values[start:start + _PROBE_CHUNK]
            query = select(parent).where(parent.in_(chunk))
            if conn.dialect.name == "postgresql":
                # The lock PostgreSQL's own check takes: the parent rows cannot go before this load commits.
                query = query.with_for_update(key_share=True)
            found.update(conn.execute(query).scalars())
        missing = [v for v in values if v not in found]
        if missing:
            shown = ", ".join(repr(v) for v in missing[:5])
            if len(missing) > 5:
                shown += f" and {len(missing) - 5} more"
            raise _integrity_error(conn, f"FOREIGN KEY constraint failed: {target.name}.{column} {shown} "
                                         f"not in {parent.table.name}.{parent.name}")


# Tables a load writes without _upsert's check. superseded_values is left out: its one reference is
# the load's own id, and it grows with every change ever made.
def _check_other_references(conn: Connection) -> None:
    """SQLite's own check of the small tables a load writes besides the loaded ones (its record, hooks)."""
    for table in Base.metadata.sorted_tables:
        if table.name in LOAD_ORDER or table.name in ("observations", "superseded_values") or not table.foreign_keys:
            continue
        problem = conn.exec_driver_sql(f"PRAGMA foreign_key_check({table.name})").first()
        if problem is not None:
            raise _integrity_error(conn, f"FOREIGN KEY constraint failed: a row of {problem[0]} names no row "
                                         f"of {problem[2]}")


def _another_load_holds_the_lock(exc: BaseException) -> bool:
    message = str(exc).lower()
    return "database is locked" in message or "lock timeout" in message or "locknotavailable" in message


def _absolute(path: str | Path | None) -> str | None:
    return None if path is None else str(Path(path).resolve())


def _start_load(conn: Connection, report: LoadReport, source_path: str | None) -> int:
    result = conn.execute(insert(Load).values(
        file_name=report.file_name, sha256=report.sha256, adapter=report.adapter,
        edition=report.edition, started_at=datetime.now(UTC).replace(tzinfo=None), status="running",
        source_path=source_path,
    ))
    return result.inserted_primary_key[0]


def _finish_load(conn: Connection, report: LoadReport) -> None:
    conn.execute(update(Load).where(Load.id == report.load_id).values(
        finished_at=datetime.now(UTC).replace(tzinfo=None), status=report.status,
        rows_added=report.added, rows_changed=report.changed, rows_unchanged=report.unchanged,
        rows_rejected=len(report.rejections), report=report.as_json(),
    ))


def record_failure(engine: Engine, report: LoadReport, source_path: str | Path | None = None) -> None:
    """Record a refused or failed load in its own transaction, after the data was rolled back."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        result = conn.execute(insert(Load).values(
            file_name=report.file_name, sha256=report.sha256, adapter=report.adapter,
            edition=report.edition, started_at=now, finished_at=now, status=report.status,
            rows_rejected=len(report.rejections), report=report.as_json(),
            source_path=_absolute(source_path),
        ))
        report.load_id = result.inserted_primary_key[0]


def _object_columns(frame: pd.DataFrame) -> list[np.ndarray]:
    """The frame's columns as arrays of plain Python values, with None for every missing value."""
    # NOTE: converted column by column: for a million rows this is ~3x faster than
    # astype(object).where(notna).itertuples() on the whole frame, with the same values.
    columns = []
    for _, column in frame.items():
        values = column.to_numpy(dtype=object)
        missing = column.isna().to_numpy()
        if missing.any():
            values = np.where(missing, None, values)
        columns.append(values)
    return columns


def _records(frame: pd.DataFrame) -> Iterator[tuple]:
    """The frame's rows as tuples of plain Python values, with None for every missing value."""
    return zip(*[values.tolist() for values in _object_columns(frame)], strict=True)


# Rows one SQLite INSERT statement carries (fewer when the driver allows fewer parameters).
_ROWS_PER_STATEMENT = 100
# Statements whose parameters are laid out at once (bounds the memory a million-row load takes).
_STATEMENTS_PER_SLICE = 500


def _insert_sqlite(conn: Connection, name: str, frame: pd.DataFrame) -> None:
    """INSERT every row of `frame`, many rows per statement.

    NOTE: with one row per statement, each row paid the statement's own costs (a reset, SQLite's mutex,
    the driver releasing and retaking the GIL); a hundred rows a statement take about a fifth less CPU. The
    parameters are the frame's values laid out row by row (numpy, no tuple per row), a slice at a time.
    """
    raw = conn.connection.driver_connection
    width = len(frame.columns)
    columns = ", ".join(frame.columns)
    one_row = f"({', '.join('?' * width)})"
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if hasattr(raw, "getlimit") else 999
    per = max(1, min(_ROWS_PER_STATEMENT, limit // width))
    many_rows = f"INSERT INTO {name} ({columns}) VALUES {', '.join([one_row] * per)}"
    step = per * width
    with _driver_errors(conn, many_rows):
        for begin in range(0, len(frame), per * _STATEMENTS_PER_SLICE):
            part = frame.iloc[begin:begin + per * _STATEMENTS_PER_SLICE]
            matrix = np.empty((len(part), width), dtype=object)
            for index, values in enumerate(_object_columns(part)):
                matrix[:, index] = values
            full = len(part) // per
            flat = matrix.ravel()
            if full:
                raw.executemany(many_rows, (flat[at:at + step].tolist() for at in range(0, full * step, step)))
            if full * per < len(part):
                raw.executemany(f"INSERT INTO {name} ({columns}) VALUES {one_row}", matrix[full * per:].tolist())


@contextmanager
def _driver_errors(conn: Connection, statement: str) -> Iterator[None]:
    """Make a failure of a raw driver call a DBAPIError, as it is for statements SQLAlchemy runs."""
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        yield
    except dbapi_error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi_error, dialect=conn.dialect) from exc


def _stage(conn: Connection, target: Table, frame: pd.DataFrame) -> Table:
    """Copy `frame` into a temporary table shaped like `target` (COPY on PostgreSQL)."""
    name = f"stg_{target.name}"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    staging = Table(name, MetaData(), *[Column(c, target.c[c].type) for c in frame.columns],
                    prefixes=["TEMPORARY"])
    staging.create(conn)
    _copy_rows(conn, staging, frame, analyse=True)
    return staging


def _copy_rows(conn: Connection, table: Table, frame: pd.DataFrame, analyse: bool = False) -> None:
    """Write every row of `frame` into `table` as fast as the driver allows (binary COPY on PostgreSQL)."""
    name = table.name
    frame = _whole_numbers(conn, table, frame)
    if conn.dialect.name == "sqlite":
        _insert_sqlite(conn, name, frame)
        return
    if conn.dialect.name == "postgresql":
        _copy_postgresql(conn, table, frame)
        # NOTE: autovacuum never analyses temporary tables; without statistics the planner takes
        # the staging table for a small one and probes the target's index row by row (a nested-loop
        # anti-join: ~2x slower for a million rows).
        if analyse:
            conn.exec_driver_sql(f"ANALYZE {name}")
    else:
        conn.execute(insert(table), [dict(zip(frame.columns, r, strict=True)) for r in _records(frame)])


def _whole_numbers(conn: Connection, table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its integer columns' floats (pandas' whole numbers beside a missing value) as Int64."""
    # NOTE: a missing value makes pandas hold whole numbers as floats; PostgreSQL refuses 1.0 for an
    # integer column (text COPY refuses "1.0", binary COPY cannot send a float as an integer).
    floats = [c for c in frame.columns if isinstance(table.c[c].type, Integer) and frame[c].dtype.kind == "f"]
    if not floats:
        return frame
    return frame.assign(**{c: _numbers(conn, f"{table.name}.{c}", frame[c], whole=True) for c in floats})


def _numbers(conn: Connection, where: str, values: pd.Series, whole: bool) -> pd.Series:
    """`values` as Int64 (`whole`) or Float64, numeric text read as PostgreSQL's text input reads it.

    A value that is no number, or not a whole one, is a DataError that names it (not a TypeError from pandas).
    """
    numbers = pd.to_numeric(values, errors="coerce")
    unreadable = values.notna() & numbers.isna()
    if unreadable.any():
        raise _data_error(conn, f"{where}: {_first(values, unreadable)!r} is not a number")
    if not whole:
        return numbers.astype("Float64")
    if numbers.dtype.kind == "f":
        floats = numbers.to_numpy(dtype=float, na_value=0.0)
        broken = ~np.isfinite(floats) | (floats != np.round(floats))
        if broken.any():
            raise _data_error(conn, f"{where}: {_first(values, broken)!r} is not a whole number")
        huge = np.abs(floats) >= 2.0**63
        if huge.any():
            raise _data_error(conn, f"{where}: {_first(values, huge)!r} is out of range for an integer")
    try:
        return numbers.astype("Int64")
    except (TypeError, ValueError, OverflowError) as exc:
        raise _data_error(conn, f"{where}: a value is out of range for an integer ({exc})") from exc


# PostgreSQL's binary COPY applies no casts, so each column is sent as exactly its own type: the type as
# the dialect writes it in DDL (VARCHAR(300) -> VARCHAR), its name for psycopg's set_types and the Python
# type its binary dumper takes. A column of any other type makes the table's COPY a text COPY.
_BINARY_TYPES: dict[str, tuple[str, type]] = {
    "SMALLINT": ("int2", int), "INTEGER": ("int4", int), "BIGINT": ("int8", int),
    "REAL": ("float4", float), "FLOAT": ("float8", float), "DOUBLE PRECISION": ("float8", float),
    "VARCHAR": ("varchar", str), "TEXT": ("text", str),
}
# The Python type each binary dumper takes, by PostgreSQL's type name.
_PYTHON_TYPES: dict[str, type] = dict(_BINARY_TYPES.values())
# The largest magnitude each integer type holds. NOTE: psycopg's binary dumpers do not check it: 2**40
# sent as int4 was written as 0 (text COPY refused it as out of range).
_INTEGER_BITS = {"int2": 15, "int4": 31, "int8": 63}


def _binary_types(conn: Connection, table: Table, columns: list[str]) -> list[str] | None:
    """PostgreSQL's names of the columns' types, for a binary COPY; None when one has no binary mapping."""
    names = []
    for column in columns:
        ddl = table.c[column].type.compile(dialect=conn.dialect)
        known = _BINARY_TYPES.get(ddl.split("(")[0] if ddl.startswith("VARCHAR(") else ddl)
        if known is None:
            return None
        names.append(known[0])
    return names


def _binary_values(conn: Connection, table: Table, frame: pd.DataFrame, types: list[str]) -> pd.DataFrame:
    """The frame with every column holding what its binary dumper takes, or a DataError naming a bad value.

    Columns of the parsers' dtypes (int64, Int64, float64, text) pass unchanged. Others are converted as
    text COPY had PostgreSQL read them (an object column of numpy scalars or numeric text, a number given to
    a text column), so no numpy scalar reaches psycopg and what text COPY took still loads the same.
    """
    converted = {}
    for (column, values), pg_type in zip(frame.items(), types, strict=True):
        where = f"{table.name}.{column}"
        wanted = _PYTHON_TYPES[pg_type]
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        if inferred == "empty":
            continue
        if wanted is str:
            if inferred != "string":
                converted[column] = values.map(str, na_action="ignore")
        elif wanted is float:
            if values.dtype.kind != "f":
                converted[column] = _numbers(conn, where, values, whole=False)
        else:
            if inferred != "integer" or values.dtype == object:
                values = converted[column] = _numbers(conn, where, values, whole=True)
            limit = 1 << _INTEGER_BITS[pg_type]
            for extreme in (values.min(), values.max()):
                if not pd.isna(extreme) and not -limit <= int(extreme) < limit:
                    raise _data_error(conn, f"{where}: {int(extreme)} is out of range for {pg_type}")
    return frame.assign(**converted) if converted else frame


def _first(values: pd.Series, chosen: pd.Series | np.ndarray) -> object:
    """The first chosen value, as a plain Python value for a message (1.5, not np.float64(1.5))."""
    return values[chosen].iloc[:1].tolist()[0]


def _data_error(conn: Connection, message: str) -> DataError:
    """A value the database could not take, raised as its driver's DataError would be."""
    dbapi_error = conn.dialect.loaded_dbapi.DataError
    return DataError(message, None, dbapi_error(message))


def _copy_postgresql(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """COPY every row of `frame` into `table`: binary, in the columns' own types, when every type has a mapping.

    NOTE: text COPY had psycopg format every float, integer and text as text (about 15% of a full build's
    client time in write_row) and the server parse it back; binary COPY sends the values as they are held.
    """
    columns = list(frame.columns)
    types = _binary_types(conn, table, columns)
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    if types is not None:
        frame = _binary_values(conn, table, frame, types)
        statement += " (FORMAT BINARY)"
    raw = conn.connection.driver_connection
    with _driver_errors(conn, statement), raw.cursor() as cursor, cursor.copy(statement) as copy:
        if types is not None:
            copy.set_types(types)
        try:
            for row in _records(frame):
                copy.write_row(row)
        except (TypeError, ValueError, OverflowError) as exc:
            # A value the checks above let through that its dumper cannot write: a clear error, the COPY undone.
            raise _data_error(conn, f"{table.name}: a value does not suit its column's type ({exc})") from exc


# Columns that, when none of a load's values for them is in the table yet, prove that none of its
# keys is either (each is part of the natural key): such a load only adds rows.
_DISJOINT_PROBES: dict[str, tuple[str, ...]] = {"observations": ("indicator_code", "edition")}
_PROBE_CHUNK = 500


def _columns_written(target: Table, frame: pd.DataFrame) -> list[str]:
    """The frame's columns a load writes to `target` (its load id is the load's to set)."""
    return [c for c in frame.columns if c in target.c and c != "load_id"]


def _with_defaults(target: Table, frame: pd.DataFrame, load_id: int | None) -> pd.DataFrame:
    """The frame with the load's id and the schema's scalar defaults, as an INSERT ... SELECT gets them."""
    extra = {c.name: c.default.arg for c in target.c
             if c.name not in frame.columns and c.default is not None and c.default.is_scalar}
    if "load_id" in target.c:
        extra["load_id"] = load_id
    return frame.assign(**extra) if extra else frame


def _only_adds(conn: Connection, target: Table, frame: pd.DataFrame, distinct: dict[str, list] | None = None) -> bool:
    """True when no row of `frame` can share its natural key with a row already in `target` (`distinct`: columns'
    distinct values worked out ahead)."""
    probe = _DISJOINT_PROBES.get(target.name)
    if not probe or not set(probe) <= set(frame.columns):
        return False
    first, *rest = probe
    rest_values = {c: distinct_values(frame, c, distinct) for c in rest}
    codes = distinct_values(frame, first, distinct)
    for start in range(0, len(codes), _PROBE_CHUNK):
        query = select(literal(1)).select_from(target).where(target.c[first].in_(codes[start:start + _PROBE_CHUNK]))
        for column, values in rest_values.items():
            query = query.where(target.c[column].in_(values))
        if conn.execute(query.limit(1)).first() is not None:
            return False
    return True


def _check_units(conn: Connection, target: Table, frame: pd.DataFrame, report: LoadReport) -> None:
    existing = dict(conn.execute(select(target.c.code, target.c.unit_ru)
                                 .where(target.c.code.in_(frame["code"].tolist()))).all())
    for row in frame.itertuples(index=False):
        known = existing.get(row.code)
        if known and row.unit_ru and normalise_unit(known) != normalise_unit(row.unit_ru):
            raise RejectedInput([Rejection(report.file_name, None, None, "unit",
                                           f"wrong unit for {row.code}: expected {known!r}", row.unit_ru)])


# Tables whose rows PostgreSQL would check one by one against their foreign keys (_without_row_checks).
_BULK_TABLES = frozenset({"observations"})


@contextmanager
def _without_row_checks(conn: Connection, target: Table) -> Iterator[bool]:
    """PostgreSQL, a bulk table: write without the per-row foreign-key triggers; yields True when they are off.

    NOTE: PostgreSQL checks every row written to observations with a trigger per foreign key (indicator,
    region, load: a look-up and a row lock each). For a full build that was most of the time: COPY of 400,000
    observations took 16.4 s with the three triggers and 3.8 s without them (2 cores, load average ~8).
    `session_replication_role = replica` turns the triggers off for the statements inside, in this
    transaction only; the caller then checks the same references once per distinct value with the same
    FOR KEY SHARE locks on the parent rows (_check_references), before the commit, as SQLite's loads do.
    Setting it needs a superuser or the SET privilege on it (PostgreSQL 15); without it the triggers check.
    """
    if conn.dialect.name != "postgresql" or target.name not in _BULK_TABLES:
        yield False
        return
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    except DBAPIError:
        savepoint.rollback()
        yield False
        return
    savepoint.commit()
    yield True
    # NOTE: only on success: after a failed statement PostgreSQL refuses every command until the rollback,
    # which ends the setting anyway.
    conn.exec_driver_sql("SET LOCAL session_replication_role = origin")


def _analyse_if_stale(conn: Connection, target: Table) -> None:
    """PostgreSQL, a bulk table: ANALYZE it when its statistics lag behind its rows, before a load joins it.

    NOTE: without statistics (a build fills observations faster than autovacuum analyses it, and autovacuum
    may be off) the planner took 1.9 million observations for 120,000 and hashed or sorted the whole table for
    each of a staged load's three joins with its staging table (3.9, 4.8 and 5.4 s at load average ~9); with
    statistics it probes the unique index (0.1-0.6 s each). ANALYZE reads a sample (0.4-0.9 s for 2.7 million
    rows). Stale as autovacuum judges it: never analysed, or more rows changed since than 50 + 10%.
    """
    if conn.dialect.name != "postgresql" or target.name not in _BULK_TABLES:
        return
    facts = conn.execute(text(
        "SELECT c.reltuples, s.n_mod_since_analyze FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
        "WHERE c.oid = CAST(CAST(:table AS regclass) AS oid)"), {"table": target.name}).first()
    if facts is not None and (facts[0] < 0 or facts[1] > 50 + 0.1 * facts[0]):
        conn.exec_driver_sql(f"ANALYZE {target.name}")


def _upsert(conn: Connection, table: str, frame: pd.DataFrame, report: LoadReport,
            collect_added: bool, in_key_order: bool = False, distinct: dict[str, list] | None = None) -> TableChange:
    target = Base.metadata.tables[table]
    keys = list(NATURAL_KEYS[table])
    columns = _columns_written(target, frame)
    frame = frame[columns]
    value_columns = [c for c in columns if c not in keys]
    insert_only = report.adapter in INSERT_ONLY.get(table, set())
    if table == "indicators":
        _check_units(conn, target, frame, report)
    if _only_adds(conn, target, frame, distinct):
        # NOTE: a new edition or a new table (the bundled build is mostly these) goes straight into
        # the table: no staging copy, no key comparison, the same counts.
        change = TableChange(table, added=len(frame))
        if collect_added:
            change.added_sample = frame.head(SAMPLE_ROWS).astype(object).where(frame.head(SAMPLE_ROWS).notna(),
                                                                                 None).to_dict("records")
        # Rows in the order of the natural key's index: SQLite appends to its B-tree instead of
        # splitting pages all over it (about twice as fast for a large table).
        ordered = frame if in_key_order or len(frame) < 2 else frame.sort_values(keys, kind="stable")
        written = _with_defaults(target, ordered, report.load_id)
        with _without_row_checks(conn, target) as change.references_unchecked:
            _copy_rows(conn, target, written)
        if table == "observations":
            change.written_alone = written
        return change
    staging = _stage(conn, target, frame)
    _analyse_if_stale(conn, target)
    join = and_(*[target.c[k] == staging.c[k] for k in keys])
    change = TableChange(table)
    target_has_rows = conn.execute(select(exists().select_from(target))).scalar()
    if target_has_rows and value_columns and not insert_only:
        differs = or_(*[target.c[c].is_distinct_from(staging.c[c]) for c in value_columns])
        _supersede(conn, target, staging, join, differs, keys, value_columns, report, change)
        if change.changed:
            values = {c: staging.c[c] for c in value_columns}
            if "load_id" in target.c:
                values["load_id"] = report.load_id
            with _without_row_checks(conn, target) as change.references_unchecked:
                conn.execute(update(target).where(join).where(differs).values(values))
    if collect_added:
        sample = conn.execute(select(staging).where(~exists().where(join)).limit(SAMPLE_ROWS))
        change.added_sample = [dict(r._mapping) for r in sample]
    provenance = ["load_id"] if "load_id" in target.c else []
    new_rows = select(*[staging.c[c] for c in columns],
                      *[literal(report.load_id).label(c) for c in provenance])
    if target_has_rows:
        new_rows = new_rows.where(~exists().where(join))
    # NOTE: drivers disagree on rowcount for INSERT ... SELECT (psycopg reports -1 here),
    # so the rows added are counted directly.
    # An empty target takes every staged row, so only a non-empty one needs counting.
    count = select(func.count()).select_from(target)
    before = conn.execute(count).scalar() if target_has_rows else 0
    with _without_row_checks(conn, target) as unchecked:
        conn.execute(insert(target).from_select([*columns, *provenance], new_rows))
    change.references_unchecked = change.references_unchecked or unchecked
    change.added = conn.execute(count).scalar() - before if target_has_rows else len(frame)
    change.unchanged = len(frame) - change.added - change.changed
    # NOTE: dropped only on success: after a failed statement PostgreSQL refuses every command
    # until the rollback (a DROP in `finally` hid the real error), and the rollback removes the
    # staging table anyway.
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {staging.name}")
    return change


def _supersede(conn, target, staging, join, differs, keys, value_columns, report, change) -> None:
    """Keep the old version of every row this load changes, and count them."""
    tracked = [*value_columns, *(["load_id"] if "load_id" in target.c else [])]
    old = [target.c[c] for c in [*keys, *tracked]]
    new = [staging.c[c].label(f"new_{c}") for c in value_columns]
    rows = conn.execute(select(*old, *new).join_from(target, staging, join).where(differs)).all()
    change.changed = len(rows)
    history = []
    for row in rows:
        mapping = row._mapping
        row_key = {k: mapping[k] for k in keys}
        old_values = {c: mapping[c] for c in tracked}
        history.append({"table_name": target.name, "row_key": row_key, "old_values": old_values,
                        "superseded_by_load_id": report.load_id})
        if len(change.changed_sample) < SAMPLE_ROWS:
            change.changed_sample.append({
                **row_key,
                **{c: {"old": mapping[c], "new": mapping[f"new_{c}"]}
                   for c in value_columns if mapping[c] != mapping[f"new_{c}"]},
            })
    if history:
        conn.execute(insert(SupersededValue), history)


def refresh_coverage(conn: Connection, indicators: list[str], editions: list[str], load_id: int | None) -> None:
    """Recompute indicator_coverage for these indicators in these editions, inside the caller's transaction.

    A load writes observations only under its own (indicator, edition) keys, so these rows are the
    only ones it can change; one GROUP BY over those indicators' observations (the unique index's
    prefix) replaces them.
    """
    coverage = IndicatorCoverage.__table__
    published = Observation.value.is_not(None)
    editions = sorted(set(editions))
    indicators = sorted(set(indicators))
    for start in range(0, len(indicators), _PROBE_CHUNK):
        chunk = indicators[start:start + _PROBE_CHUNK]
        conn.execute(delete(coverage).where(coverage.c.indicator_code.in_(chunk), coverage.c.edition.in_(editions)))
        facts = (
            select(Observation.indicator_code, Observation.edition, Observation.period_kind,
                   func.count(Observation.region_code.distinct()),
                   func.min(case((published, Observation.period))), func.max(case((published, Observation.period))),
                   func.min(case((published, Observation.year))), func.max(case((published, Observation.year))),
                   func.count(), func.count(Observation.value), literal(load_id, Integer))
            .where(Observation.indicator_code.in_(chunk), Observation.edition.in_(editions))
            .group_by(Observation.indicator_code, Observation.edition, Observation.period_kind)
        )
        conn.execute(insert(coverage).from_select(
            ["indicator_code", "edition", "period_kind", "regions", "first_period", "last_period", "first_year",
             "last_year", "observations", "published", "updated_by_load_id"], facts))


_COVERAGE_KEYS = ["indicator_code", "edition", "period_kind"]


@dataclass
class ReadyToWrite:
    """What apply would work out from a checked Parsed before writing it, worked out ahead (ready_to_write)."""

    # Tables whose frame is already in the order of its natural key.
    in_key_order: frozenset[str]
    # insert_coverage's rows for the observations, if they turn out to be all of their indicators and editions.
    coverage: list[dict] | None
    # read_counts' figures per sheet.
    counts: dict[str | None, int]
    # Per table sorted ahead, the distinct values of the columns its load probes and checks references of.
    distinct: dict[str, dict[str, list]]


# Tables a load writes in the order of their natural key (_upsert), sorted ahead by ready_to_write.
_SORTED_AHEAD = ("observations",)


def ready_to_write(parsed: Parsed) -> ReadyToWrite:
    """Sort the checked frames into key order and count the observations' coverage, without the database.

    NOTE: a refresh on PostgreSQL does this in the process that prepares the next files (etl.pipeline), so the
    client's share of a full build's critical path is smaller (sorting 2.7 million figures and counting their
    coverage took ~6.6 s of CPU on a slow evening; the distinct values of the columns _only_adds and
    _check_references read, and the figures per sheet, ~2 s more of a build's critical path)."""
    ordered = set()
    distinct: dict[str, dict[str, list]] = {}
    for table in _SORTED_AHEAD:
        frame = parsed.tables.get(table)
        if frame is None or frame.empty:
            continue
        parsed.tables[table] = frame = frame.sort_values(list(NATURAL_KEYS[table]), kind="stable")
        ordered.add(table)
        target = Base.metadata.tables[table]
        read = {*_DISJOINT_PROBES.get(table, ()), *(fk.parent.name for fk in target.foreign_keys)}
        distinct[table] = {c: distinct_values(frame, c) for c in sorted(read) if c in frame.columns}
    observations = parsed.tables.get("observations")
    coverage = None
    if observations is not None and not observations.empty:
        target = Base.metadata.tables["observations"]
        coverage = coverage_rows(_with_defaults(target, observations[_columns_written(target, observations)], None))
    return ReadyToWrite(frozenset(ordered), coverage, read_counts(parsed), distinct)


def distinct_values(frame: pd.DataFrame, column: str, known: dict[str, list] | None = None) -> list:
    """The column's distinct values other than missing ones, in the order they first appear (`known[column]` when
    ready_to_write worked them out ahead)."""
    if known and column in known:
        return known[column]
    return [v for v in pd.unique(frame[column].to_numpy()) if v is not None and not pd.isna(v)]


def insert_coverage(conn: Connection, written: pd.DataFrame, load_id: int | None,
                    rows: list[dict] | None = None) -> None:
    """indicator_coverage for a load whose observations are every row of their indicators and editions.

    NOTE: when _only_adds proved that no row of these indicators and editions was stored before, the
    rows just written are all there is, so the facts refresh_coverage would aggregate in SQL (a GROUP BY
    over the table, ~10% of a full build) are counted from the frame instead (coverage_rows; `rows` when the
    caller counted them ahead).
    """
    coverage = IndicatorCoverage.__table__
    if rows is None:
        rows = coverage_rows(written)
    # NOTE: every indicator and edition written has coverage rows (counted over every row, blanks included): the
    # rows name them, a few hundred, where the frame would be walked again (2.7 million items in a full build).
    indicators = sorted({row["indicator_code"] for row in rows})
    editions = sorted({row["edition"] for row in rows})
    for start in range(0, len(indicators), _PROBE_CHUNK):
        chunk = indicators[start:start + _PROBE_CHUNK]
        conn.execute(delete(coverage).where(coverage.c.indicator_code.in_(chunk), coverage.c.edition.in_(editions)))
    if rows:
        conn.execute(insert(coverage), [{**row, "updated_by_load_id": load_id} for row in rows])


def coverage_rows(written: pd.DataFrame) -> list[dict]:
    """The indicator_coverage rows of observations that are all of their indicators and editions (no load id):
    the same counts, first and last periods and years of the rows with a value (a missing value is NULL)."""
    groups = written.groupby(_COVERAGE_KEYS, sort=True)
    facts = pd.DataFrame({"regions": groups["region_code"].nunique(), "observations": groups.size(),
                          "published": groups["value"].count()})
    published = written[written["value"].notna()]
    # NOTE: pandas takes a text column's minimum and maximum per group in Python; the periods (never missing:
    # part of the key) are compared as their ranks in sorted order instead, which gives the same first and last.
    ranks, periods = pd.factorize(published["period"], sort=True)
    published = published.assign(period=ranks).groupby(_COVERAGE_KEYS, sort=True)
    first, last = published["period"].min(), published["period"].max()
    facts = facts.join(pd.DataFrame({"first_period": pd.Series(periods[first.to_numpy()], index=first.index),
                                     "last_period": pd.Series(periods[last.to_numpy()], index=last.index),
                                     "first_year": published["year"].min(), "last_year": published["year"].max()}))
    rows = []
    for key, fact in zip(facts.index, facts.itertuples(index=False), strict=True):
        rows.append({
            **dict(zip(_COVERAGE_KEYS, key, strict=True)),
            "regions": int(fact.regions), "observations": int(fact.observations), "published": int(fact.published),
            "first_period": None if pd.isna(fact.first_period) else str(fact.first_period),
            "last_period": None if pd.isna(fact.last_period) else str(fact.last_period),
            "first_year": None if pd.isna(fact.first_year) else int(fact.first_year),
            "last_year": None if pd.isna(fact.last_year) else int(fact.last_year),
        })
    return rows


def _touched_by(conn: Connection, load_id: int, history: list) -> tuple[set[str], set[str]]:
    """Indicators and editions whose observations a load added or changed."""
    rows = conn.execute(select(Observation.indicator_code, Observation.edition).distinct()
                        .where(Observation.load_id == load_id)).all()
    rows += [(h.row_key["indicator_code"], h.row_key["edition"]) for h in history if h.table_name == "observations"]
    return {r[0] for r in rows}, {r[1] for r in rows}


def rollback_load(engine: Engine, load_id: int,
                  on_begin: Callable[[Connection], None] | None = None) -> dict[str, int]:
    """Undo one applied load exactly: delete the rows it added, restore the rows it changed.

    Only the newest applied load that touched a row can be undone; a later load that changed the
    same rows makes this refuse rather than guess. `on_begin` runs first in the same transaction
    (the history records the rollback there, so it is recorded exactly when it happens).
    """
    restored: dict[str, int] = {}
    with engine.begin() as conn:
        if on_begin:
            on_begin(conn)
        later = conn.execute(select(func.count()).select_from(SupersededValue).where(
            SupersededValue.superseded_by_load_id > load_id,
            SupersededValue.old_values["load_id"].as_integer() == load_id,
        )).scalar()
        if later:
            raise EtlError(f"load {load_id} was partly superseded by a later load; undo that first")
        history = conn.execute(select(SupersededValue.__table__).where(
            SupersededValue.superseded_by_load_id == load_id)).all()
        touched_indicators, touched_editions = _touched_by(conn, load_id, history)
        for table in reversed(LOAD_ORDER):
            target = Base.metadata.tables[table]
            keys = NATURAL_KEYS[table]
            entries = [h for h in history if h.table_name == table]
            for entry in entries:
                where = and_(*[target.c[k] == entry.row_key[k] for k in keys])
                conn.execute(update(target).where(where).values(entry.old_values))
            deleted = 0
            if "load_id" in target.c:
                _delete_unowned_dependents(conn, target, load_id)
                deleted = conn.execute(target.delete().where(target.c.load_id == load_id)).rowcount
            if deleted or entries:
                restored[table] = deleted + len(entries)
        conn.execute(SupersededValue.__table__.delete().where(
            SupersededValue.superseded_by_load_id == load_id))
        if touched_indicators:
            refresh_coverage(conn, sorted(touched_indicators), sorted(touched_editions), load_id)
        conn.execute(update(Load).where(Load.id == load_id).values(status="rolled_back"))
    return restored


def _delete_unowned_dependents(conn: Connection, target: Table, load_id: int) -> None:
    """Delete the rows of tables without a load_id (a company's aliases) that refer to rows the rollback removes.

    They came with the row they name (the adapter writes them together), so they go with it; left behind,
    they would block the delete on their foreign key.
    """
    for table in Base.metadata.sorted_tables:
        if "load_id" in table.c or table is target:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is target:
                removed = select(fk.column).where(target.c.load_id == load_id)
                conn.execute(table.delete().where(fk.parent.in_(removed)))


__all__ = ["LoadReport", "ReadyToWrite", "TableChange", "apply", "coverage_rows", "insert_coverage", "lock_loads",
           "ready_to_write", "refresh_coverage", "rollback_load", "sha256_of"]
