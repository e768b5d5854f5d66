"""Published figures of one indicator: value, unit, period and its kind, edition, the cell it was read from."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from sqlalchemy import Engine, Select, bindparam, select, union

from dashboard.model.labels import edition_label, observation_source, pick_label
from dashboard.model.table import Column, Page, Table, blank_as_null, empty, fetch, missing_codes
from etl.schema import Edition, Indicator, IndicatorCoverage, Load, Observation, Region

# The kinds of period observations are stored under (etl.periods.KINDS; a test keeps them equal,
# the dashboard imports no parser module).
PERIOD_KINDS = ("year", "quarter", "half_year", "month", "ytd", "point")
# A period code as stored (etl.periods.Period.code): 2017, 2017-Q3, 2017-H1, 2017-03, 2017-YTD09, 2017-01-01.
PERIOD_PATTERN = ("^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?|-Q[1-4]|-H[12]|-YTD(0[1-9]|1[0-2]))?$")
# How editions are given: every edition's row, or one row per region and period (newest_wins).
EDITIONS = ("all", "newest")
# Figures not published: rows with an empty value and a status (keep), or left out (omit), as a ranking draws them.
MISSING = ("keep", "omit")

COLUMNS = (
    Column("indicator_code", "string", "Indicator code.", nullable=False),
    Column("indicator_name", "string", "Indicator name in the requested language."),
    Column("unit", "string", "Unit in the requested language; missing when the source states none."),
    Column("region_code", "string", "Region code.", nullable=False),
    Column("region_name", "string", "Region name in the requested language."),
    Column("period", "string", 'Period code: "2017", "2017-Q3", "2017-H1", "2017-03", "2017-YTD09" (January to '
           'September), "2017-01-01" (a point in time).', nullable=False),
    Column("period_kind", "string", "year, quarter, half_year, month, ytd or point.", nullable=False),
    Column("year", "integer", "Year of the period.", nullable=False),
    Column("month", "integer", "Month of a month, year-to-date or point period."),
    Column("value", "number", "The published figure; missing when the cell holds none (see status)."),
    Column("value_text", "string", "The cell's text where it was not a plain number, as published."),
    Column("status", "string", '"" for a published number; not_available, not_applicable, confidential or blank '
           "otherwise.", nullable=False),
    Column("edition", "string", "Code of the publication edition the figure was read from.", nullable=False),
    Column("edition_title", "string", "Title of the edition in the requested language (its code if unknown).",
           nullable=False),
    Column("publisher", "string", "Publisher of the edition."),
    Column("source_url", "string", "Web page of the edition."),
    Column("source_file", "string", "File the figure was read from.", nullable=False),
    Column("source_sheet", "string", "Sheet of that file."),
    Column("source_cell", "string", "Cell (A1 reference) holding the figure."),
    Column("source_header", "string", "Header cells giving the period and column group, outermost first."),
    Column("source", "string", "One line naming the source: publisher, edition, file, sheet and cell.",
           nullable=False),
    Column("load_id", "integer", "The load that wrote the figure (see /loads).", nullable=False),
)


@dataclass(frozen=True)
class ObservationRequest:
    """One indicator's figures: for some regions (all when empty), years, an edition and a period kind."""

    indicator: str
    regions: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    edition: str | None = None
    period_kind: str | None = None
    lang: str | None = None
    period: str | None = None  # one period code (PERIOD_PATTERN), as a ranking or a map draws it
    region_kind: str | None = None  # only regions of this kind ("region": the federal subjects a ranking ranks)
    editions: str = "all"  # "newest": one row per region and period (newest_wins), as the line chart merges them
    missing: str = "keep"  # "omit": only rows with a value


def observations(engine: Engine, request: ObservationRequest, page: Page | None = None) -> Table:
    """The figures a request names, ordered by region, period and edition; unknown codes reported.

    With editions="newest", one row per region and period: the newest edition's (newest_wins), paged after the
    merge.
    """
    if request.period_kind and request.period_kind not in PERIOD_KINDS:
        return empty(COLUMNS, period_kind=(request.period_kind,))
    if request.editions not in EDITIONS or request.missing not in MISSING:
        raise ValueError(f"unknown editions or missing: {request.editions!r}, {request.missing!r}")
    regions = tuple(dict.fromkeys(request.regions))
    params = {"indicator": request.indicator, "regions": list(regions), "year_from": request.year_from,
              "year_to": request.year_to, "edition": request.edition, "period_kind": request.period_kind,
              "period": request.period, "region_kind": request.region_kind}
    params = {name: value for name, value in params.items() if name == "indicator" or value not in (None, [], "")}
    query = _query(frozenset(params) | ({"has_value"} if request.missing == "omit" else set()))
    merged = request.editions == "newest"
    table = fetch(engine, query, COLUMNS, None if merged else page, lambda rows: _labelled(rows, request.lang),
                  params)
    if merged:
        table = merge_editions(table, page)
    # Codes are checked only when the rows do not already show them to exist (no query on a hit).
    seen = set(table.column("region_code"))
    unknown = {
        "indicator": () if table.rows else missing_codes(engine, Indicator.code, [request.indicator]),
        "region": missing_codes(engine, Region.code, [r for r in regions if r not in seen]),
        "edition": () if table.rows else unknown_edition(engine, request.edition),
    }
    return empty(COLUMNS, **unknown) if any(unknown.values()) else table


@lru_cache(maxsize=64)
def _query(filters: frozenset[str]) -> Select:
    """The statement for one set of filters, built once (its values are bound at execution)."""
    query = (
        select(Observation.indicator_code, Indicator.name_ru, Indicator.name_en, Indicator.unit_ru,
               Indicator.unit_en, Observation.region_code, Region.name_ru, Region.name_en, Observation.period,
               Observation.period_kind, Observation.year, Observation.month, Observation.value,
               blank_as_null(Observation.value_text), Observation.status, Observation.edition, Edition.name_ru,
               Edition.name_en, blank_as_null(Edition.publisher), blank_as_null(Edition.url),
               Observation.source_file, blank_as_null(Observation.source_sheet),
               blank_as_null(Observation.source_cell), blank_as_null(Observation.source_header),
               Observation.load_id)
        .join(Indicator, Indicator.code == Observation.indicator_code)
        .join(Region, Region.code == Observation.region_code)
        .outerjoin(Edition, Edition.code == Observation.edition)
        .where(Observation.indicator_code == bindparam("indicator"))
        # The unique index (indicator, region, period, edition) gives this order without a sort.
        .order_by(Observation.region_code, Observation.period, Observation.edition)
    )
    if "regions" in filters:
        query = query.where(Observation.region_code.in_(bindparam("regions", expanding=True)))
    if "year_from" in filters:
        query = query.where(Observation.year >= bindparam("year_from"))
    if "year_to" in filters:
        query = query.where(Observation.year <= bindparam("year_to"))
    if "edition" in filters:
        query = query.where(Observation.edition == bindparam("edition"))
    if "period_kind" in filters:
        query = query.where(Observation.period_kind == bindparam("period_kind"))
    if "period" in filters:
        query = query.where(Observation.period == bindparam("period"))
    if "region_kind" in filters:
        query = query.where(Region.kind == bindparam("region_kind"))
    if "has_value" in filters:
        # (before a merge of editions too: the newest edition with a value wins either way)
        query = query.where(Observation.value.is_not(None))
    return query


def _labelled(rows: Sequence, lang: str | None) -> list[tuple]:
    """Rows with names and units in `lang` and a one-line source; each label worked out once per call."""
    out = []
    indicators: dict[tuple, tuple] = {}
    regions: dict[str, str | None] = {}
    editions: dict[tuple, str] = {}
    places: dict[tuple, str] = {}
    for (indicator, ind_ru, ind_en, unit_ru, unit_en, region, reg_ru, reg_en, period, kind, year, month, value,
         value_text, status, edition, ed_ru, ed_en, publisher, url, file, sheet, cell, header, load_id) in rows:
        names = indicators.get(indicator)
        if names is None:
            names = indicators[indicator] = (pick_label(lang, ind_ru, ind_en), pick_label(lang, unit_ru, unit_en))
        region_name = regions.get(region)
        if region_name is None:
            region_name = regions[region] = pick_label(lang, reg_ru, reg_en)
        title = editions.get((edition, publisher))
        if title is None:
            title = editions[(edition, publisher)] = edition_label(edition, ed_ru, ed_en, lang)
        place = places.get((edition, publisher, file, sheet))
        if place is None:
            place = places[(edition, publisher, file, sheet)] = observation_source(publisher, title, file, sheet, None)
        out.append((indicator, *names, region, region_name, period, kind, year, month, value, value_text, status,
                    edition, title, publisher, url, file, sheet, cell, header,
                    f"{place}, {cell}" if cell else place, load_id))
    return out


def unknown_edition(engine: Engine, edition: str | None) -> tuple[str, ...]:
    """The edition, when neither the editions table nor any load knows it."""
    if not edition:
        return ()
    known = union(select(Edition.code).where(Edition.code == edition),
                  select(Load.edition).where(Load.edition == edition))
    with engine.connect() as conn:
        return () if conn.execute(known).first() else (edition,)


def period_in_year(engine: Engine, indicator: str, period: str) -> str | None:
    """The period a second indicator is paired with `period` by (the indicators scatter's y axis and point size): the
    same period where the indicator has a figure for it, else its newest period of the same year with a figure (a
    monthly indicator beside a yearly one: its December), else None (nothing in that year: no pairing across years).

    "Newest" is the greatest period code, the order the page's period picker lists them in.
    """
    query = (select(Observation.period).distinct()
             .where(Observation.indicator_code == indicator, Observation.year == int(period[:4]),
                    Observation.value.is_not(None)))
    with engine.connect() as conn:
        found = set(conn.execute(query).scalars())
    if period in found:
        return period
    return max(found) if found else None


def cross_section_edition(editions: Sequence[str], values: Sequence) -> str | None:
    """The edition a cross-section of one period shows when none is chosen (the indicators ranking, map and scatter,
    and the API's scatter): the newest edition (edition_age) among those with nearly the most regions with a figure
    (at least 90% of the most), so the regions compare within one edition and a preliminary edition of a few regions
    does not stand for the country. None when no row has a figure.

    The one home of the rule: the page's cross-sections and the API's scatter ask it.
    """
    counts: dict[str, int] = {}
    for edition, value in zip(editions, values, strict=True):
        if value is not None and value == value:  # (a NaN from a derived frame is missing too)
            counts[edition] = counts.get(edition, 0) + 1
    if not counts:
        return None
    most = max(counts.values())
    return max(counts, key=lambda e: (counts[e] >= most * 0.9, edition_age(e)))


def editions_of(engine: Engine, indicator: str) -> list[str]:
    """The editions that publish an indicator, in code order (from the coverage the loader keeps)."""
    query = (select(IndicatorCoverage.edition).distinct().where(IndicatorCoverage.indicator_code == indicator)
             .order_by(IndicatorCoverage.edition))
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


# --- editions merged: the newest that publishes a figure ----------------------------------------

_EDITION_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:-(\d{2}))?(?:-(\d{2}))?(?!\d)")


def edition_age(code: str) -> tuple:
    """Sort key of an edition by when it was published: the date its code ends with (RR-2024, 806-2016-01); a code
    with no date sorts first."""
    found = _EDITION_DATE.findall(code)
    if not found:
        return (0, 0, 0, code)
    year, month, day = found[-1]
    return (int(year), int(month or 0), int(day or 0), code)


def newest_wins(regions: Sequence, periods: Sequence, editions: Sequence, values: Sequence) -> list[int]:
    """Where editions are merged (the indicators line chart, the API's editions=newest): the positions of the rows
    that stand for their region and period, one each: the newest edition (edition_age) that publishes a value, or,
    when none does, the newest edition's row (missing). In order of each region and period's first row.

    The one home of the rule: the chart's rows (dicts), the API's table and its derived frames all ask it.
    """
    best: dict[tuple, tuple[tuple, int]] = {}
    ages: dict[str, tuple] = {}
    for position, (region, period, edition, value) in enumerate(zip(regions, periods, editions, values, strict=True)):
        age = ages.get(edition)
        if age is None:
            age = ages[edition] = edition_age(edition)
        # (a NaN from a derived frame is as missing as a None)
        rank = (value is not None and value == value, age)
        key = (region, period)
        held = best.get(key)
        if held is None or rank > held[0]:
            best[key] = (rank, position)
    return [position for _rank, position in best.values()]


def merge_editions(table: Table, page: Page | None = None) -> Table:
    """A table of every edition's rows as one row per region and period (newest_wins), then paged."""
    names = table.names
    at = [names.index(c) for c in ("region_code", "period", "edition", "value")]
    columns = [[row[i] for row in table.rows] for i in at]
    rows = [table.rows[i] for i in newest_wins(*columns)]
    page = page or Page()
    end = None if page.limit is None else page.offset + page.limit
    return replace(table, rows=rows[page.offset:end], total=len(rows))
