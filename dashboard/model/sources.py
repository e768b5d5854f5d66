"""Where figures come from: cited pages and bundled files, publication editions, therapy areas."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select

from dashboard.model.labels import edition_label, pick_label, source_label, source_link
from dashboard.model.table import Column, Page, Table, blank_as_null, empty, fetch, missing_codes
from etl.schema import Edition, Source, TherapyArea

SOURCE_COLUMNS = (
    Column("url", "string", 'Address of the cited page, or "file:..." for a bundled file.', nullable=False),
    Column("label", "string", "Short name: the publisher, else the site; a bundled file's title.", nullable=False),
    Column("link", "string", "Address to link to (web pages only)."),
    Column("title", "string", "Title of the page or file."),
    Column("publisher", "string", "Publisher."),
    Column("published", "string", "Publication date as recorded."),
    Column("cited_rows", "integer", "How many rows of the cluster data cite it."),
    Column("cited_in", "string", "Tables that cite it, ';'-separated."),
    Column("load_id", "integer", "The load that wrote it."),
)

EDITION_COLUMNS = (
    Column("code", "string", "Edition code, the `edition` parameter of /observations.", nullable=False),
    Column("title", "string", "Title in the requested language.", nullable=False),
    Column("name_ru", "string", "Title in Russian.", nullable=False),
    Column("name_en", "string", "Title in English."),
    Column("short_ru", "string", "Short name in Russian."),
    Column("short_en", "string", "Short name in English."),
    Column("publisher", "string", "Publisher."),
    Column("url", "string", "Web page of the edition."),
    Column("load_id", "integer", "The load that wrote it."),
)

THERAPY_AREA_COLUMNS = (
    Column("code", "string", "Therapy area code, the `therapy_area` parameter of /products.", nullable=False),
    Column("name", "string", "Name in the requested language.", nullable=False),
    Column("name_ru", "string", "Name in Russian.", nullable=False),
    Column("name_en", "string", "Name in English.", nullable=False),
    Column("atc_prefixes", "string", "WHO ATC code prefixes of the area, space-separated."),
)


def sources(engine: Engine, page: Page | None = None) -> Table:
    """Every cited page and bundled file, by address."""
    query = select(Source.url, blank_as_null(Source.title), blank_as_null(Source.publisher),
                   blank_as_null(Source.published), Source.cited_rows, blank_as_null(Source.cited_in),
                   Source.load_id).order_by(Source.url)

    def labelled(rows: list[tuple]) -> list[tuple]:
        return [(url, source_label(url, title, publisher), source_link(url), title, publisher, *rest)
                for url, title, publisher, *rest in rows]

    return fetch(engine, query, SOURCE_COLUMNS, page, labelled)


def editions(engine: Engine, lang: str | None = None, codes: Sequence[str] = (), page: Page | None = None) -> Table:
    """Publication editions with their titles and pages; only `codes` when given (unknown ones reported)."""
    unknown = missing_codes(engine, Edition.code, codes)
    if unknown:
        return empty(EDITION_COLUMNS, edition=unknown)
    query = select(Edition.code, Edition.name_ru, blank_as_null(Edition.name_en), blank_as_null(Edition.short_ru),
                   blank_as_null(Edition.short_en), blank_as_null(Edition.publisher), blank_as_null(Edition.url),
                   Edition.load_id).order_by(Edition.code)
    if codes:
        query = query.where(Edition.code.in_(tuple(codes)))

    def labelled(rows: list[tuple]) -> list[tuple]:
        return [(code, edition_label(code, ru, en, lang), ru, en, *rest) for code, ru, en, *rest in rows]

    return fetch(engine, query, EDITION_COLUMNS, page, labelled)


def therapy_areas(engine: Engine, lang: str | None = None, page: Page | None = None) -> Table:
    """Therapy areas as the cluster speaks of them, with their ATC groups."""
    query = select(TherapyArea.code, TherapyArea.name_ru, TherapyArea.name_en,
                   blank_as_null(TherapyArea.atc_prefixes)).order_by(TherapyArea.code)

    def labelled(rows: list[tuple]) -> list[tuple]:
        return [(code, pick_label(lang, ru, en) or code, ru, en, prefixes) for code, ru, en, prefixes in rows]

    return fetch(engine, query, THERAPY_AREA_COLUMNS, page, labelled)
