"""Regions: the country, federal districts, federal subjects and published parts of them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select

from dashboard.model.labels import pick_label
from dashboard.model.table import Column, Page, Table, blank_as_null, empty, fetch, missing_codes
from etl.schema import Region

COLUMNS = (
    Column("code", "string", "Region code (ISO 3166-2:RU for federal subjects, e.g. RU-KLU).", nullable=False),
    Column("name", "string", "Name in the requested language."),
    Column("name_ru", "string", "Name in Russian.", nullable=False),
    Column("name_en", "string", "Name in English.", nullable=False),
    Column("kind", "string", "country, federal_district, region, region_part or unallocated.", nullable=False),
    Column("parent_code", "string", "The region it belongs to (a federal district, the country)."),
    Column("sort_order", "integer", "Order in Rosstat's tables.", nullable=False),
)

def regions(engine: Engine, lang: str | None = None, codes: Sequence[str] = (), kind: str | None = None,
            page: Page | None = None) -> Table:
    """Regions in the order Rosstat lists them; only `codes` when given (unknown ones reported)."""
    unknown = missing_codes(engine, Region.code, codes)
    if unknown:
        return empty(COLUMNS, region=unknown)
    query = select(Region.code, Region.name_ru, Region.name_en, Region.kind, blank_as_null(Region.parent_code),
                   Region.sort_order).order_by(Region.sort_order, Region.code)
    if codes:
        query = query.where(Region.code.in_(tuple(codes)))
    if kind:
        query = query.where(Region.kind == kind)

    def labelled(rows: list[tuple]) -> list[tuple]:
        return [(code, pick_label(lang, ru, en), ru, en, *rest) for code, ru, en, *rest in rows]

    return fetch(engine, query, COLUMNS, page, labelled)
