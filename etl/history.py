"""The history of applied and rolled-back loads: who, what they touched, the preview's diff, the stale-preview guard.

Everything here runs inside the loader's own transactions (etl.load's `on_begin`/`before_end`
hooks), so a load and its history are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Connection, Engine, and_, insert, select, text, update
from sqlalchemy.orm import aliased

from etl import load
from etl.errors import EtlError
from etl.schema import Indicator, Load, LoadChange, Observation, Region, SupersededValue

# Rows of each list a preview keeps for display (the counts are always complete).
PREVIEW_ROWS = 2000


class UnknownLoad(EtlError):
    """No load has this id."""


class NotRollbackable(EtlError):
    """The load exists but cannot be rolled back (not applied, or already rolled back)."""


class StalePreview(EtlError):
    """The data changed between a preview and its apply."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# NOTE: plain SQL rather than a select(): every dashboard request reads the version, and building and
# looking up the compiled select cost twice the query itself (0.5 against 0.17 ms on SQLite).
_DATA_VERSION_SQL = text(
    f"SELECT max(CASE WHEN status = 'applied' THEN id END), count(CASE WHEN status = 'rolled_back' THEN 1 END) "
    f"FROM {Load.__tablename__}")


def data_version_of(conn: Connection) -> str:
    """Changes whenever the data does: the newest applied load and how many loads were rolled back."""
    newest, rolled_back = conn.execute(_DATA_VERSION_SQL).one()
    return f"{newest or 0}.{rolled_back}"


def data_version(engine: Engine) -> str:
    with engine.connect() as conn:
        return data_version_of(conn)


def lock_for_apply(conn: Connection) -> None:
    """Serialise applies: PostgreSQL waits on an advisory lock held to the end of the transaction.

    SQLite needs nothing: the load's first INSERT already holds its single write lock.
    """
    if conn.dialect.name == "postgresql":
        load.lock_loads(conn)


def require_version(expected: str) -> Callable[[Connection, load.LoadReport], None]:
    """An `on_begin` hook that refuses the load when the data changed since the preview at `expected`."""

    def check(conn: Connection, _report: load.LoadReport) -> None:
        lock_for_apply(conn)
        found = data_version_of(conn)
        if found != expected:
            raise StalePreview(f"the data changed since the preview (version {expected}, now {found}): "
                               "preview the file again")

    return check


def touched(conn: Connection, load_id: int) -> tuple[list[str], list[str], list[str]]:
    """Indicators, regions and periods of the figures a load added or changed (they carry its id)."""
    def distinct(column) -> list[str]:
        return sorted(r[0] for r in conn.execute(select(column).distinct().where(Observation.load_id == load_id)))

    return distinct(Observation.indicator_code), distinct(Observation.region_code), distinct(Observation.period)


def edition_revisions(conn: Connection, load_id: int) -> pd.DataFrame:
    """Figures of this load whose (indicator, region, period) another edition already holds.

    One row per figure, against the newest other edition: its value and status there and here, and
    `revised` when they differ (a revision between editions rather than a new figure).
    """
    new, old = aliased(Observation), aliased(Observation)
    query = (select(new.indicator_code, new.region_code, new.period, new.edition, new.value, new.status,
                    old.edition.label("old_edition"), old.value.label("old_value"), old.status.label("old_status"))
             .join(old, and_(old.indicator_code == new.indicator_code, old.region_code == new.region_code,
                             old.period == new.period, old.edition != new.edition, old.load_id != load_id))
             .where(new.load_id == load_id))
    frame = pd.DataFrame(conn.execute(query).all(),
                         columns=["indicator_code", "region_code", "period", "edition", "value", "status",
                                  "old_edition", "old_value", "old_status"])
    if frame.empty:
        return frame.assign(revised=pd.Series(dtype=bool))
    frame = (frame.sort_values("old_edition").drop_duplicates(["indicator_code", "region_code", "period",
                                                                "edition"], keep="last"))
    same_value = (frame["value"] == frame["old_value"]) | (frame["value"].isna() & frame["old_value"].isna())
    frame["revised"] = ~same_value | (frame["status"].fillna("") != frame["old_status"].fillna(""))
    return frame.reset_index(drop=True)


def changed_figures(conn: Connection, load_id: int) -> pd.DataFrame:
    """Every figure of the same edition this load changes: old and new value and status."""
    rows = conn.execute(select(SupersededValue.row_key, SupersededValue.old_values).where(
        SupersededValue.superseded_by_load_id == load_id, SupersededValue.table_name == "observations")).all()
    columns = ["indicator_code", "region_code", "period", "edition"]
    if not rows:
        return pd.DataFrame(columns=[*columns, "old_value", "old_status", "value", "status"])
    old = pd.DataFrame([{**{c: key[c] for c in columns}, "old_value": values.get("value"),
                         "old_status": values.get("status")} for key, values in rows])
    current = pd.DataFrame(conn.execute(select(
        Observation.indicator_code, Observation.region_code, Observation.period, Observation.edition,
        Observation.value, Observation.status).where(Observation.load_id == load_id)).all(),
        columns=[*columns, "value", "status"])
    return old.merge(current, on=columns, how="left")


def _labels(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with indicator and region names (RU and EN) beside their codes."""
    if frame.empty:
        return frame.assign(indicator_ru=[], indicator_en=[], region_ru=[], region_en=[])
    indicators = pd.DataFrame(conn.execute(select(Indicator.code, Indicator.name_ru, Indicator.name_en,
                                                  Indicator.unit_ru)
                                           .where(Indicator.code.in_(frame["indicator_code"].unique().tolist()))).all(),
                              columns=["indicator_code", "indicator_ru", "indicator_en", "unit_ru"])
    regions = pd.DataFrame(conn.execute(select(Region.code, Region.name_ru, Region.name_en)).all(),
                           columns=["region_code", "region_ru", "region_en"])
    return frame.merge(indicators, on="indicator_code", how="left").merge(regions, on="region_code", how="left")


@dataclass
class Preview:
    """What applying a file would do, computed in the dry run's transaction."""

    tables: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    changed_total: int = 0
    revisions: list[dict] = field(default_factory=list)
    revisions_total: int = 0
    confirmed_total: int = 0
    indicators: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    other_changes: list[dict] = field(default_factory=list)
    other_added: list[dict] = field(default_factory=list)


def _records(frame: pd.DataFrame) -> list[dict]:
    frame = frame.head(PREVIEW_ROWS)
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def preview_hook(preview: Preview) -> Callable[[Connection, load.LoadReport], None]:
    """A `before_end` hook that fills `preview` from the dry run's own writes, just before they are undone."""

    def inspect(conn: Connection, report: load.LoadReport) -> None:
        load_id = report.load_id
        preview.tables = [{"table": t.table, "added": t.added, "changed": t.changed, "unchanged": t.unchanged}
                          for t in report.tables]
        changed = changed_figures(conn, load_id)
        preview.changed_total = len(changed)
        preview.changed = _records(_labels(conn, changed))
        revisions = edition_revisions(conn, load_id)
        revised = revisions[revisions["revised"]] if not revisions.empty else revisions
        preview.revisions_total = len(revised)
        preview.confirmed_total = len(revisions) - len(revised)
        preview.revisions = _records(_labels(conn, revised))
        preview.indicators, preview.regions, preview.periods = touched(conn, load_id)
        preview.other_changes = [{"table": t.table, **row} for t in report.tables if t.table != "observations"
                                 for row in t.changed_sample]
        preview.other_added = [{"table": t.table, **row} for t in report.tables
                               if t.table not in ("observations", "indicators") for row in t.added_sample]

    return inspect


def record_hook(analyst: str | None, expected: load.LoadReport | None = None
                ) -> Callable[[Connection, load.LoadReport], None]:
    """A `before_end` hook that records who applied the load and what it touched, in its transaction.

    With `expected` (the preview's report), a result that differs from the preview undoes the load.
    """

    def record(conn: Connection, report: load.LoadReport) -> None:
        if report.status != "applied":
            return
        if expected is not None:
            def counts(r: load.LoadReport) -> list[tuple]:
                return [(t.table, t.added, t.changed, t.unchanged) for t in r.tables]

            if counts(report) != counts(expected):
                raise StalePreview("the apply would not do what the preview showed: preview the file again")
        write_change(conn, report.load_id, analyst)

    return record


def write_change(conn: Connection, load_id: int, analyst: str | None) -> None:
    """Record what a load touched (call inside its transaction, or right after it for the CLI)."""
    indicators, regions, periods = touched(conn, load_id)
    revisions = edition_revisions(conn, load_id)
    conn.execute(insert(LoadChange).values(
        load_id=load_id, applied_by=analyst, indicators=indicators, regions=regions, periods=periods,
        revisions=int(revisions["revised"].sum()) if not revisions.empty else 0, recorded_at=_now()))


def rollback(engine: Engine, load_id: int, analyst: str | None = None) -> dict[str, int]:
    """Roll back one applied load exactly and record who did it and when (one transaction).

    UnknownLoad for an id no load has; NotRollbackable for a load that is not applied.
    """
    with engine.connect() as conn:
        row = conn.execute(select(Load.status, Load.file_name).where(Load.id == load_id)).first()
    if row is None:
        raise UnknownLoad(f"no load has id {load_id} (see `python -m etl loads`)")
    if row.status != "applied":
        raise NotRollbackable(f"load {load_id} ({row.file_name}) is {row.status.replace('_', ' ')}, not applied: "
                              "only an applied load can be rolled back")

    def record(conn: Connection) -> None:
        lock_for_apply(conn)
        status = conn.execute(select(Load.status).where(Load.id == load_id)).scalar()
        if status != "applied":
            raise NotRollbackable(f"load {load_id} is {str(status).replace('_', ' ')}, not applied")
        # NOTE: what the load touched is recorded before its rows go, so the changelog can still say it.
        if conn.execute(select(LoadChange.load_id).where(LoadChange.load_id == load_id)).first() is None:
            write_change(conn, load_id, None)
        conn.execute(update(LoadChange).where(LoadChange.load_id == load_id)
                     .values(rolled_back_by=analyst, rolled_back_at=_now()))

    return load.rollback_load(engine, load_id, on_begin=record)


__all__ = ["NotRollbackable", "Preview", "StalePreview", "UnknownLoad", "changed_figures", "data_version",
           "data_version_of", "edition_revisions", "preview_hook", "record_hook", "require_version", "rollback",
           "touched", "write_change"]
