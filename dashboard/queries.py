"""Read-only queries for the pages: `select()` builders with bound parameters, returned as frames.

Pages never touch SQL; they call these functions, which are memoized in the app's cache (so a
refresh of the database is visible after CACHE_TIMEOUT, or at once after a restart).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
from flask import current_app
from sqlalchemy import Engine, Select, bindparam, distinct, func, literal, select, true, union_all

from dashboard.cache import cache
from dashboard.model.indicators import yoy_partner
from dashboard.model.observations import editions_of
from etl.schema import (
    AtcGroup,
    ClusterIndicator,
    Company,
    CompanyRecord,
    Event,
    Indicator,
    IndicatorCoverage,
    Investment,
    Load,
    Observation,
    Product,
    Region,
    Source,
    TherapyArea,
    Translation,
)

ENGINE_KEY = "atlas_engine"


def engine() -> Engine:
    """The engine the running app was created with."""
    return current_app.extensions[ENGINE_KEY]


def run(query: Select) -> pd.DataFrame:
    """Execute a select and return its rows as a frame (columns named as selected)."""
    with engine().connect() as conn:
        result = conn.execute(query)
        # NOTE: plain tuples: a frame built from Row objects costs 2-3x as much (pandas probes each row).
        return pd.DataFrame([tuple(row) for row in result.all()], columns=list(result.keys()))


# --- regions and indicators -------------------------------------------------------------------

@cache.memoize()
def regions() -> pd.DataFrame:
    return run(select(Region.code, Region.name_ru, Region.name_en, Region.kind, Region.parent_code,
                      Region.sort_order).order_by(Region.sort_order))


@cache.memoize()
def indicators() -> pd.DataFrame:
    """Indicators that have observations, with how many regions, years and editions they cover.

    Read from indicator_coverage, which the loader keeps (never an aggregate over observations):
    `regions` is the most regions one edition covers in one kind of period.
    """
    return run(_indicators_query())


@cache.memoize()
def indicator(code: str) -> dict | None:
    """indicators()' row of one indicator as a dict, or None when it has no observations (or no such code).

    NOTE: a chart needs one indicator's row; reading the whole catalogue into a frame for it cost ~30 ms of
    every request that missed the cache.
    """
    # A plain dict (missing values None, not NaN): a one-row frame cost more than the query.
    with engine().connect() as conn:
        row = conn.execute(_indicators_query(code)).mappings().first()
    return dict(row) if row is not None else None


def _indicators_query(code: str | None = None) -> Select:
    coverage = (
        select(
            IndicatorCoverage.indicator_code,
            func.max(IndicatorCoverage.regions).label("regions"),
            # Years with a published number (missing-value rows do not extend the range).
            func.min(IndicatorCoverage.first_year).label("first_year"),
            func.max(IndicatorCoverage.last_year).label("last_year"),
            func.count(distinct(IndicatorCoverage.edition)).label("editions"),
        )
        .where(IndicatorCoverage.indicator_code == code if code is not None else true())
        .group_by(IndicatorCoverage.indicator_code)
        .subquery()
    )
    return (
        select(Indicator.code, Indicator.name_ru, Indicator.name_en, Indicator.unit_ru, Indicator.unit_en,
               Indicator.topic, Indicator.source_table, Indicator.frequency, Indicator.period_kind,
               Indicator.additive, coverage.c.regions,
               coverage.c.first_year, coverage.c.last_year, coverage.c.editions)
        .join(coverage, coverage.c.indicator_code == Indicator.code)
        .order_by(Indicator.topic, Indicator.code)
    )


def _observation_columns():
    return (Observation.indicator_code, Observation.region_code, Observation.period, Observation.year,
            Observation.month, Observation.value, Observation.status, Observation.edition,
            Observation.source_file, Observation.source_sheet, Observation.source_cell,
            Observation.load_id)


@cache.memoize()
def observations(indicator: str, region_codes: tuple[str, ...], year_from: int | None = None,
                 year_to: int | None = None, edition: str | None = None, period: str | None = None) -> pd.DataFrame:
    """Observations of one indicator for some regions, every edition unless one is named (one period if named)."""
    query = (select(*_observation_columns())
             .where(Observation.indicator_code == indicator, Observation.region_code.in_(region_codes))
             .order_by(Observation.region_code, Observation.period, Observation.edition))
    if year_from is not None:
        query = query.where(Observation.year >= year_from)
    if year_to is not None:
        query = query.where(Observation.year <= year_to)
    if edition:
        query = query.where(Observation.edition == edition)
    if period is not None:
        query = query.where(Observation.period == period)
    return run(query)


@cache.memoize()
def periods(indicator: str) -> list[tuple[str, int, int]]:
    """(period, year, regions with a published figure) of one indicator, oldest first.

    An indicator is published for one kind of period (indicator_coverage has one kind per indicator),
    so these are the periods a ranking or map can show: one month of a monthly indicator, never a year of months.
    """
    query = (select(Observation.period, func.min(Observation.year), func.count(distinct(Observation.region_code)))
             .where(Observation.indicator_code == indicator, Observation.value.is_not(None))
             .group_by(Observation.period).order_by(Observation.period))
    with engine().connect() as conn:
        return [(period, int(year), int(n)) for period, year, n in conn.execute(query)]


@cache.memoize()
def published_yoy(code: str) -> str | None:
    """Rosstat's own year-on-year index of a level indicator, if it publishes one
    (dashboard.model.indicators.yoy_partners)."""
    return yoy_partner(engine(), code)


@cache.memoize()
def load_finished() -> dict[int, str]:
    """When each load finished (ISO date), for the "last updated" line of a chart."""
    with engine().connect() as conn:
        rows = conn.execute(select(Load.id, Load.finished_at, Load.started_at))
        return {int(i): (finished or started).date().isoformat() for i, finished, started in rows
                if finished or started}


@cache.memoize()
def cross_section(indicator: str, period: str, edition: str) -> pd.DataFrame:
    """Every region's value of one indicator for one period and edition (rankings, maps)."""
    query = (select(*_observation_columns())
             .where(Observation.indicator_code == indicator, Observation.period == period,
                    Observation.edition == edition))
    return run(query)


@cache.memoize()
def editions(indicator: str) -> list[str]:
    return editions_of(engine(), indicator) if indicator else []


# --- the cluster ------------------------------------------------------------------------------

@cache.memoize()
def companies() -> pd.DataFrame:
    return run(select(Company.__table__).order_by(Company.name_en))


@cache.memoize()
def company_records(company_key: str | None = None) -> pd.DataFrame:
    query = select(CompanyRecord.__table__)
    if company_key:
        query = query.where(CompanyRecord.company_key == company_key)
    return run(query.order_by(CompanyRecord.record_key))


@cache.memoize()
def investments() -> pd.DataFrame:
    return run(select(Investment.__table__).order_by(Investment.year_from, Investment.record_key))


@cache.memoize()
def products() -> pd.DataFrame:
    return run(select(Product.__table__).order_by(Product.company_key, Product.trade_name))


@cache.memoize()
def therapy_areas() -> pd.DataFrame:
    return run(select(TherapyArea.code, TherapyArea.name_ru, TherapyArea.name_en, TherapyArea.atc_prefixes)
               .order_by(TherapyArea.name_en))


@cache.memoize()
def atc_groups() -> pd.DataFrame:
    return run(select(AtcGroup.code, AtcGroup.level, AtcGroup.name_en, AtcGroup.parent_code)
               .order_by(AtcGroup.code))


@cache.memoize()
def cluster_indicators() -> pd.DataFrame:
    return run(select(ClusterIndicator.__table__).order_by(ClusterIndicator.year, ClusterIndicator.record_key))


@cache.memoize()
def events() -> pd.DataFrame:
    return run(select(Event.__table__).order_by(Event.date, Event.record_key))


# --- the cluster as plain rows ------------------------------------------------------------------
# NOTE: the cluster tables are a few dozen rows each. Pages that shape them row by row (products,
# companies) read them as dicts: a frame cost more than the query (pandas infers each text column's
# type) and more again to walk row by row. Same rows and order as the frames above; only the
# columns a page shows. Shared by every caller: never modify a row. Each select is built once per
# process: a statement used again keeps its cache key, which SQLAlchemy otherwise works out anew
# (~0.15 ms of a 0.25 ms read).

def run_rows(query: Select, params: dict | None = None) -> list[dict]:
    """Execute a select (with its bound parameters' values) and return its rows as dicts (keys named as selected;
    missing values None)."""
    with engine().connect() as conn:
        result = conn.execute(query, params or {})
        keys = list(result.keys())
        return [dict(zip(keys, row, strict=True)) for row in result.all()]


@cache.memoize()
def region_rows() -> list[dict]:
    """regions() as dicts, in the same order."""
    return run_rows(_region_rows_query())


@lru_cache(maxsize=1)
def _region_rows_query() -> Select:
    return (select(Region.code, Region.name_ru, Region.name_en, Region.kind, Region.parent_code, Region.sort_order)
            .order_by(Region.sort_order))


@cache.memoize()
def observation_rows(indicator: str, region_codes: tuple[str, ...], edition: str | None = None,
                     period: str | None = None) -> list[dict]:
    """observations(indicator, region_codes, edition=edition, period=period) as dicts, in the same order."""
    params = {"indicator": indicator, "regions": list(region_codes), "edition": edition, "period": period}
    return run_rows(_observation_rows_query(bool(edition), period is not None),
                    {k: v for k, v in params.items() if v is not None and v != ""})


@lru_cache(maxsize=4)
def _observation_rows_query(one_edition: bool, one_period: bool) -> Select:
    query = (select(*_observation_columns())
             .where(Observation.indicator_code == bindparam("indicator"),
                    Observation.region_code.in_(bindparam("regions", expanding=True)))
             .order_by(Observation.region_code, Observation.period, Observation.edition))
    if one_edition:
        query = query.where(Observation.edition == bindparam("edition"))
    if one_period:
        query = query.where(Observation.period == bindparam("period"))
    return query


@cache.memoize()
def product_rows() -> list[dict]:
    """products() as dicts, without the quote and source reference (no page shows them)."""
    return run_rows(_product_rows_query())


@lru_cache(maxsize=1)
def _product_rows_query() -> Select:
    return (select(Product.record_key, Product.company_key, Product.company_label, Product.trade_name,
                   Product.inn, Product.dosage_form, Product.status_raw, Product.year,
                   Product.therapy_area_raw, Product.atc_code, Product.therapy_area_code,
                   Product.registration_number, Product.note, Product.source_url)
            .order_by(Product.company_key, Product.trade_name))


@cache.memoize()
def company_rows() -> list[dict]:
    """companies() as dicts, without the source reference."""
    return run_rows(_company_rows_query())


@lru_cache(maxsize=1)
def _company_rows_query() -> Select:
    return (select(Company.key, Company.name_ru, Company.name_en, Company.site, Company.district,
                   Company.parent_company, Company.parent_country, Company.kind, Company.year,
                   Company.year_raw, Company.jobs_low, Company.jobs_high, Company.jobs_raw,
                   Company.products_text, Company.source_url)
            .order_by(Company.name_en))


@cache.memoize()
def cluster_indicator_rows() -> list[dict]:
    """cluster_indicators() as dicts, without the quote and source reference."""
    return run_rows(_cluster_indicator_rows_query())


@lru_cache(maxsize=1)
def _cluster_indicator_rows_query() -> Select:
    return (select(ClusterIndicator.record_key, ClusterIndicator.indicator, ClusterIndicator.year_raw,
                   ClusterIndicator.year, ClusterIndicator.is_target, ClusterIndicator.value_raw,
                   ClusterIndicator.qualifier, ClusterIndicator.value_low, ClusterIndicator.value_high,
                   ClusterIndicator.unit, ClusterIndicator.scope, ClusterIndicator.note,
                   ClusterIndicator.source_url)
            .order_by(ClusterIndicator.year, ClusterIndicator.record_key))


@cache.memoize()
def investment_rows() -> list[dict]:
    """investments() as dicts, without the note, quote and source reference."""
    return run_rows(_investment_rows_query())


@lru_cache(maxsize=1)
def _investment_rows_query() -> Select:
    return (select(Investment.record_key, Investment.company_key, Investment.company_label, Investment.amount_raw,
                   Investment.qualifier, Investment.amount_low_mn, Investment.amount_high_mn, Investment.currency,
                   Investment.currency_raw, Investment.period_raw, Investment.year_from, Investment.year_to,
                   Investment.status, Investment.scope, Investment.source_url)
            .order_by(Investment.year_from, Investment.record_key))


@cache.memoize()
def event_rows() -> list[dict]:
    """events() as dicts, without the quote and source reference."""
    return run_rows(_event_rows_query())


@lru_cache(maxsize=1)
def _event_rows_query() -> Select:
    return (select(Event.record_key, Event.date_raw, Event.date, Event.year, Event.is_planned, Event.event_type,
                   Event.company_label, Event.company_key, Event.description, Event.location, Event.source_url)
            .order_by(Event.date, Event.record_key))


@cache.memoize()
def source_rows() -> list[dict]:
    """Each source's url, title and publisher (what a source line names), in sources()' order."""
    return run_rows(_source_rows_query())


@lru_cache(maxsize=1)
def _source_rows_query() -> Select:
    return select(Source.url, Source.title, Source.publisher).order_by(Source.url)


@cache.memoize()
def atc_rows() -> list[dict]:
    """Each ATC group's code and WHO name, in atc_groups()' order."""
    return run_rows(_atc_rows_query())


@lru_cache(maxsize=1)
def _atc_rows_query() -> Select:
    return select(AtcGroup.code, AtcGroup.name_en).order_by(AtcGroup.code)


@cache.memoize()
def therapy_area_rows() -> list[dict]:
    """therapy_areas() as dicts."""
    return run_rows(_therapy_area_rows_query())


@lru_cache(maxsize=1)
def _therapy_area_rows_query() -> Select:
    return (select(TherapyArea.code, TherapyArea.name_ru, TherapyArea.name_en, TherapyArea.atc_prefixes)
            .order_by(TherapyArea.name_en))


@cache.memoize()
def company_record_rows(company_key: str) -> list[dict]:
    """company_records(company_key) as dicts, without the quote and source reference."""
    return run_rows(_company_record_rows_query().where(CompanyRecord.company_key == company_key))


@lru_cache(maxsize=1)
def _company_record_rows_query() -> Select:
    columns = [column for column in CompanyRecord.__table__.c if column.name not in ("quote", "source_ref", "load_id")]
    return select(*columns).order_by(CompanyRecord.record_key)


@cache.memoize()
def translations(field: str) -> dict[str, str]:
    """Russian texts of one field of the translations table: "cluster" (the cluster records' English texts,
    keyed on the text as recorded) or "atc" (official Russian ATC names, keyed on the code)."""
    # NOTE: read as plain rows: a frame of the ~500 texts cost ~1 ms more than the query, on every Russian page.
    with engine().connect() as conn:
        return {value: text for value, text in conn.execute(select(Translation.value, Translation.text_ru)
                                                            .where(Translation.field == field))}


@cache.memoize()
def sources() -> pd.DataFrame:
    return run(select(Source.__table__).order_by(Source.url))


@cache.memoize()
def loads(limit: int = 200) -> pd.DataFrame:
    return run(select(Load.id, Load.file_name, Load.sha256, Load.adapter, Load.edition, Load.started_at,
                      Load.finished_at, Load.status, Load.rows_added, Load.rows_changed,
                      Load.rows_unchanged, Load.rows_rejected).order_by(Load.id.desc()).limit(limit))


@cache.memoize()
def citing_rows() -> list[tuple[str, str, int]]:
    """(table, source_url, rows): how many rows of each cluster table cite each address, counted in SQL."""
    counts = [select(literal(model.__tablename__), model.source_url, func.count())
              .where(model.source_url.is_not(None)).group_by(model.source_url)
              for model in (Event, Investment, Product, CompanyRecord, ClusterIndicator)]
    with engine().connect() as conn:
        return [(table, url, int(n)) for table, url, n in conn.execute(union_all(*counts)).all()]
