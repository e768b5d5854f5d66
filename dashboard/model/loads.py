"""The load history, and the data version: what changes whenever a load is applied or rolled back."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from dashboard.model.table import Column, Page, Table, blank_as_null, fetch
from etl.schema import Load

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
    """Changes whenever the data does: the newest applied load and how many loads were rolled back."""
    query = select(func.max(Load.id).filter(Load.status == "applied"),
                   func.count(Load.id).filter(Load.status == "rolled_back"))
    with engine.connect() as conn:
        newest, rolled_back = conn.execute(query).one()
    return f"{newest or 0}.{rolled_back}"


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
