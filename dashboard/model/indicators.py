"""The indicator catalogue: names and units in a language, topic, frequency, period kind, metadata."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import Engine, exists, select

from dashboard.model.labels import pick_label
from dashboard.model.table import Column, Page, Table, blank_as_null, empty, fetch, missing_codes
from etl.schema import Indicator, IndicatorCoverage

COLUMNS = (
    Column("code", "string", "Indicator code, the `indicator` parameter of /observations.", nullable=False),
    Column("name", "string", "Name in the requested language (the other language when it has none)."),
    Column("unit", "string", "Unit in the requested language; missing when the source states none."),
    Column("name_ru", "string", "Name in Russian, as published.", nullable=False),
    Column("name_en", "string", "Name in English."),
    Column("unit_ru", "string", "Unit in Russian, as published."),
    Column("unit_en", "string", "Unit in English."),
    Column("topic", "string", "Topic (economy, health, population, ...).", nullable=False),
    Column("source_table", "string", "The published table(s) the indicator is read from."),
    Column("frequency", "string", "year or month.", nullable=False),
    Column("period_kind", "string", "Kind of every period it is published for, when classified."),
    Column("additive", "boolean", "True for a total, false for a rate, index or average; missing: not classified."),
    Column("section", "string", "Section of the publication."),
    Column("table_number", "string", "Table number in the publication."),
    Column("has_observations", "boolean", "Whether the database holds any figure of it.", nullable=False),
)


def catalogue(engine: Engine, lang: str | None = None, codes: Sequence[str] = (), topic: str | None = None,
              page: Page | None = None) -> Table:
    """Indicators in topic and code order; only `codes` when given (unknown ones reported)."""
    unknown = missing_codes(engine, Indicator.code, codes)
    if unknown:
        return empty(COLUMNS, indicator=unknown)
    # indicator_coverage is kept by the loader: a primary-key seek per indicator, never observations.
    observed = exists().where(IndicatorCoverage.indicator_code == Indicator.code)
    query = (select(Indicator.code, Indicator.name_ru, blank_as_null(Indicator.name_en),
                    blank_as_null(Indicator.unit_ru), blank_as_null(Indicator.unit_en), Indicator.topic,
                    blank_as_null(Indicator.source_table), Indicator.frequency, blank_as_null(Indicator.period_kind),
                    Indicator.additive, blank_as_null(Indicator.section), blank_as_null(Indicator.table_number),
                    observed)
             .order_by(Indicator.topic, Indicator.code))
    if codes:
        query = query.where(Indicator.code.in_(tuple(codes)))
    if topic:
        query = query.where(Indicator.topic == topic)

    def labelled(rows: list[tuple]) -> list[tuple]:
        return [(code, pick_label(lang, name_ru, name_en), pick_label(lang, unit_ru, unit_en), name_ru, name_en,
                 unit_ru, unit_en, *rest) for code, name_ru, name_en, unit_ru, unit_en, *rest in rows]

    return fetch(engine, query, COLUMNS, page, labelled)


# Units of Rosstat's own year-on-year indices: "в % к соответствующему месяцу (периоду) предыдущего года".
# NOTE: indices "в сопоставимых ценах" (volume, real terms) measure something else than the change of the
# nominal level and are never paired with it.
_YOY_UNIT = re.compile(r"в\s*%\s*к\s+соответствующ\w*\s+(месяцу|периоду)\s+предыдущего\s+года", re.IGNORECASE)


def _stem(name: str) -> str:
    """The part of an indicator name before its column group ("Производство электроэнергии: ..." -> the first part)."""
    return name.split(":", 1)[0].strip().lower()


def yoy_partners(engine: Engine) -> dict[str, str]:
    """Level indicator code -> the code of the index Rosstat publishes for its change on a year earlier.

    A pair is the same subject (the index's name before the colon starts the level's name; the longest such
    name wins), the same kind of period and an edition in common; the index's unit says "in % of the same
    month/period of the previous year". Levels are additive totals or amounts in money (wages).
    """
    query = (select(Indicator.code, Indicator.name_ru, Indicator.unit_ru, Indicator.period_kind,
                    IndicatorCoverage.edition)
             .join(IndicatorCoverage, IndicatorCoverage.indicator_code == Indicator.code))
    with engine.connect() as conn:
        return _pair(conn.execute(query).all())


def yoy_partner(engine: Engine, code: str) -> str | None:
    """yoy_partners(engine).get(code), reading only `code` and the indices that could be its partner.

    NOTE: a chart asks for one indicator's partner; pairing the whole catalogue (1,155 indicators) took ~20 ms
    of every uncached chart request. Only units naming the previous year can be a year-on-year index
    (_YOY_UNIT), so SQL narrows the candidates and _pair applies the one rule to them.
    """
    query = (select(Indicator.code, Indicator.name_ru, Indicator.unit_ru, Indicator.period_kind,
                    IndicatorCoverage.edition)
             .join(IndicatorCoverage, IndicatorCoverage.indicator_code == Indicator.code)
             .where((Indicator.code == code) | Indicator.unit_ru.like("%предыдущего года%")))
    with engine.connect() as conn:
        return _pair(conn.execute(query).all(), code).get(code)


def _pair(rows: Sequence[tuple], only: str | None = None) -> dict[str, str]:
    """The pairing rule of yoy_partners over (code, name_ru, unit_ru, period_kind, edition) rows; the pairs of
    `only` alone when given."""
    meta: dict[str, tuple[str, str, str | None]] = {}
    editions: dict[str, set[str]] = {}
    for code, name, unit, kind, edition in rows:
        meta[code] = (name or "", unit or "", kind)
        editions.setdefault(code, set()).add(edition)
    indices = {code: _stem(name) for code, (name, unit, _kind) in meta.items()
               if _YOY_UNIT.search(unit) and "сопостав" not in unit.lower()}
    partners: dict[str, str] = {}
    for code, (name, unit, kind) in meta.items():
        if (only is not None and code != only) or code in indices or "%" in unit or "индекс" in name.lower()[:8]:
            continue
        level = name.lower()
        candidates = [(len(stem), other) for other, stem in indices.items()
                      if stem and level.startswith(stem) and meta[other][2] == kind
                      and editions[other] & editions[code]]
        if candidates:
            partners[code] = max(candidates)[1]
    return partners
