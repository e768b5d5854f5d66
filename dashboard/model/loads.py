"""The load history, and the data version: what changes whenever a load is applied or rolled back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, and_, func, select

from dashboard.model.table import Column, Page, Table, blank_as_null, fetch
from etl import history
from etl.schema import Indicator, Load, LoadChange, Region

COLUMNS = (
    Column("id", "integer", "Load id; every observation names the load that wrote it.", nullable=False),
    Column("file_name", "string", "The file or folder loaded.", nullable=False),
    Column("sha256", "string", "SHA-256 of what was loaded.", nullable=False),
    Column("adapter", "string", "The reader that parsed it.", nullable=False),
    Column("edition", "string", "Publication edition, for statistical sources."),
    Column("started_at", "date-time", "When the load started (UTC).", nullable=False),
    Column("finished_at", "date-time", "When it finished."),
    Column("status", "string", "applied, failed, rejected or rolled_back.", nullable=False),
    Column("rows_added", "integer", "Rows it added.", nullable=False),
    Column("rows_changed", "integer", "Rows it changed.", nullable=False),
    Column("rows_unchanged", "integer", "Rows it found unchanged.", nullable=False),
    Column("rows_rejected", "integer", "Rows it refused.", nullable=False),
)


def loads(engine: Engine, status: str | None = None, page: Page | None = None) -> Table:
    """Loads, newest first."""
    query = select(Load.id, Load.file_name, Load.sha256, Load.adapter, blank_as_null(Load.edition), Load.started_at,
                   Load.finished_at, Load.status, Load.rows_added, Load.rows_changed, Load.rows_unchanged,
                   Load.rows_rejected).order_by(Load.id.desc())
    if status:
        query = query.where(Load.status == status)
    return fetch(engine, query, COLUMNS, page)


def data_version(engine: Engine) -> str:
    """Changes whenever the data does: the newest applied load and how many loads were rolled back.

    The one rule is etl.history.data_version_of: the admin's apply compares its preview's version with it.
    """
    return history.data_version(engine)


FILE_COLUMNS = (
    Column("file_name", "string", "The file or folder loaded.", nullable=False),
    Column("load_id", "integer", "Its newest load.", nullable=False),
    Column("status", "string", "That load's status.", nullable=False),
    Column("adapter", "string", "The reader that parsed it.", nullable=False),
    Column("edition", "string", "Publication edition, for statistical sources."),
    Column("sha256", "string", "SHA-256 of what was loaded.", nullable=False),
    Column("source_path", "string", "Where it was read from."),
    Column("tables", "string", "Rows per table it holds ('observations: 13632; ...'), from the load's report."),
    Column("notes", "string", "The load's notes, ' | '-separated."),
    Column("publication", "string", "The publication the figures come from (an extract's provenance)."),
    Column("producer", "string", "Who published it."),
    Column("origin", "string", "Where the raw file was taken from (repository @ commit, path)."),
    Column("licence", "string", "The licence of the raw file and its data, as stated."),
    Column("raw_sha256", "string", "SHA-256 of the raw file the extract was derived from."),
)
_PROVENANCE_FIELDS = ("publication", "producer", "origin", "licence", "raw_sha256")


def loaded_files(engine: Engine) -> Table:
    """Each file or folder ever loaded, with its newest load: what the database says it was read from."""
    query = select(Load.file_name, Load.id, Load.status, Load.adapter, blank_as_null(Load.edition), Load.sha256,
                   blank_as_null(Load.source_path), Load.report).order_by(Load.file_name, Load.id.desc())

    def newest(rows: list[tuple]) -> list[tuple]:
        seen: dict[str, tuple] = {}
        for *head, report in rows:
            if head[0] not in seen:
                seen[head[0]] = (*head, *_report_summary(report))
        return list(seen.values())

    table = fetch(engine, query, FILE_COLUMNS, None, newest)
    table.total = len(table.rows)  # one row per file, not per load
    return table


def _report_summary(report: object) -> tuple:
    # NOTE: the report is JSON the loader wrote; a crash before reading leaves it empty or partial.
    if not isinstance(report, dict):
        return (None,) * (2 + len(_PROVENANCE_FIELDS))
    tables = report.get("tables") or {}
    counts = "; ".join(f"{name}: {sum(int(v or 0) for v in (entry or {}).values())}"
                       for name, entry in tables.items() if isinstance(entry, dict))
    notes = " | ".join(str(n) for n in report.get("notes") or [])
    provenance = report.get("provenance") if isinstance(report.get("provenance"), dict) else {}
    return (counts or None, notes or None,
            *[str(provenance[f]) if provenance.get(f) not in (None, "") else None for f in _PROVENANCE_FIELDS])


# --- the public changelog and the admin's history -------------------------------------------------------------

CHANGELOG_STATUSES = ("applied", "rolled_back")


@dataclass
class Change:
    """One applied or rolled-back load as the changelog and the history show it."""

    load_id: int
    status: str
    file_name: str
    sha256: str
    adapter: str
    edition: str | None
    started_at: datetime
    finished_at: datetime | None
    rows_added: int
    rows_changed: int
    rows_unchanged: int
    rows_rejected: int
    applied_by: str | None
    rolled_back_by: str | None
    rolled_back_at: datetime | None
    # None when not recorded and no longer computable (a rolled-back load from before the history).
    indicators: list[dict] | None
    regions: list[dict] | None
    periods: list[str] | None
    revisions: int | None
    tables: dict[str, dict] = field(default_factory=dict)


def changes(engine: Engine, statuses: tuple[str, ...] | None = CHANGELOG_STATUSES, limit: int = 20,
            offset: int = 0, with_touched: bool = True, load_id: int | None = None) -> tuple[list[Change], int]:
    """Loads, newest first, with who applied and rolled them back and what they touched; and how many in all.

    What a load touched is recorded when it is applied from /admin or rolled back; for a load applied
    from the command line it is read from the figures that still carry its id.
    """
    where = Load.status.in_(statuses) if statuses else Load.id.is_not(None)
    if load_id is not None:
        where = and_(where, Load.id == load_id)
    query = (select(Load.id, Load.status, Load.file_name, Load.sha256, Load.adapter, Load.edition, Load.started_at,
                    Load.finished_at, Load.rows_added, Load.rows_changed, Load.rows_unchanged, Load.rows_rejected,
                    Load.report, LoadChange.applied_by, LoadChange.rolled_back_by, LoadChange.rolled_back_at,
                    LoadChange.indicators, LoadChange.regions, LoadChange.periods, LoadChange.revisions)
             .outerjoin(LoadChange, LoadChange.load_id == Load.id).where(where)
             .order_by(Load.id.desc()).limit(limit).offset(offset))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(Load).where(where)).scalar()
        rows = conn.execute(query).all()
        result = []
        for row in rows:
            indicators, regions, periods, revisions = row.indicators, row.regions, row.periods, row.revisions
            if indicators is None and row.status == "applied" and with_touched:
                # NOTE: revisions between editions are counted only when recorded (a join over every figure
                # of the load, seconds for a large one: too slow for a public page on a request).
                indicators, regions, periods = history.touched(conn, row.id)
            result.append(Change(
                row.id, row.status, row.file_name, row.sha256, row.adapter, row.edition or None, row.started_at,
                row.finished_at, row.rows_added or 0, row.rows_changed or 0, row.rows_unchanged or 0,
                row.rows_rejected or 0, row.applied_by, row.rolled_back_by, row.rolled_back_at,
                None if indicators is None else _named(conn, Indicator, indicators),
                None if regions is None else _named(conn, Region, regions),
                periods, revisions,
                (row.report or {}).get("tables") or {} if isinstance(row.report, dict) else {}))
    return result, total


def _named(conn, model, codes: list[str]) -> list[dict]:
    """Codes with their RU and EN names, in the order given (a code without a row keeps its code as name)."""
    names = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        names.update({r.code: (r.name_ru, r.name_en) for r in conn.execute(
            select(model.code, model.name_ru, model.name_en).where(model.code.in_(chunk)))})
    return [{"code": c, "name_ru": names.get(c, (c, c))[0], "name_en": names.get(c, (c, c))[1] or names.get(c, (c,))[0]}
            for c in codes]
