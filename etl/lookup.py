"""Read-only look-ups the CLI needs: find indicators and regions by a loose text filter."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select

from etl.schema import Indicator, Load, Observation, Region


def _matches(frame: pd.DataFrame, text: str | None, columns: list[str]) -> list[str]:
    """Codes whose code or any name contains `text`, ignoring case (Cyrillic too)."""
    if not text:
        return frame.iloc[:, 0].tolist()
    needle = text.casefold()
    hit = frame[columns].fillna("").apply(lambda col: col.str.casefold().str.contains(needle, regex=False))
    return frame.loc[hit.any(axis=1)].iloc[:, 0].tolist()


def find_indicators(conn: Connection, text: str | None) -> list[str]:
    frame = pd.DataFrame(conn.execute(select(Indicator.code, Indicator.name_ru, Indicator.name_en)).all(),
                         columns=["code", "name_ru", "name_en"])
    return _matches(frame, text, ["code", "name_ru", "name_en"])


def find_regions(conn: Connection, text: str | None) -> list[str]:
    frame = pd.DataFrame(conn.execute(select(Region.code, Region.name_ru, Region.name_en)).all(),
                         columns=["code", "name_ru", "name_en"])
    return _matches(frame, text, ["code", "name_ru", "name_en"])


def observations_query(indicator_codes: list[str], region_codes: list[str],
                       year_from: int | None = None, year_to: int | None = None):
    """Observations with their indicator's unit and their source, for the given codes."""
    query = (
        select(
            Observation.indicator_code.label("indicator"),
            Observation.region_code.label("region"),
            Observation.period,
            Observation.value,
            Observation.status,
            Indicator.unit_ru.label("unit"),
            Observation.edition,
            Observation.source_file,
            Observation.source_sheet,
            Observation.source_cell,
            Observation.load_id,
        )
        .join(Indicator, Indicator.code == Observation.indicator_code)
        .where(Observation.indicator_code.in_(indicator_codes), Observation.region_code.in_(region_codes))
        .order_by(Observation.indicator_code, Observation.region_code, Observation.period,
                  Observation.edition)
    )
    if year_from is not None:
        query = query.where(Observation.year >= year_from)
    if year_to is not None:
        query = query.where(Observation.year <= year_to)
    return query


def loads_query(limit: int = 50):
    return select(Load).order_by(Load.id.desc()).limit(limit)
