"""The monthly bulletin's facts: Kaluga's key figures for a month with the previous period and the rank among
regions, the cluster's investments, products, figures and events, and the sources they cite.

Everything here is read from the database; a figure that is not there is returned as missing (value None),
never filled in. The PDF (dashboard.bulletin) and the bulletin page only lay these facts out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Engine, and_, func, or_, select

from dashboard.model.labels import edition_label, observation_source, pick_label, source_label, source_link
from etl.schema import (
    ClusterIndicator,
    Edition,
    Event,
    Indicator,
    IndicatorCoverage,
    Investment,
    Observation,
    Product,
    Region,
    Source,
    TherapyArea,
)

KALUGA = "RU-KLU"
RUSSIA = "RU"
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

# Kaluga's monthly key figures: Rosstat's 806-р bulletin (wages, production, incomes, retail, the cost of the
# basket) and the Bank of Russia's consumer prices (the only monthly series after January 2016). Codes of
# data/reference/indicators.csv, or the 806 tables' identity codes the loader gives (etl.indicators).
KEY_MONTHLY: tuple[str, ...] = (
    "avg_wage",
    "avg_wage_yoy",
    "ipi_yoy",
    "ipi_mom",
    "m806_indeks_proizvodstva_79d04a0a0e",  # manufacturing, % of the same month a year earlier
    "m806_dinamika_realnykh_d_0a89edbd2d",  # real money incomes, % of the same month a year earlier
    "m806_oborot_roznichnoi_t_2149e2b27e",  # retail turnover, food, % of the same month a year earlier
    "m806_oborot_roznichnoi_t_d474d0a504",  # retail turnover, non-food, % of the same month a year earlier
    "m806_stoimost_fiksirovan_5c77f25090",  # cost of the fixed basket of goods and services, RUB
    "cbr_cpi_yoy",
    "cbr_cpi_mom",
)
# Yearly figures: the newest year published up to the bulletin's year, with that year said.
KEY_YEARLY: tuple[str, ...] = (
    "grp",
    "grp_per_capita",
    "investment_fixed_capital",
    "investment_per_capita",
    "avg_wage_annual",
    "population",
    "unemployment_rate",
)
# The bulletin's charts: the 24 months to the bulletin's month, Kaluga beside Russia.
CHART_CODES: tuple[str, ...] = ("avg_wage", "ipi_yoy", "cbr_cpi_yoy")
CHART_MONTHS = 24


class BadMonth(ValueError):
    """A month that is not YYYY-MM."""


@dataclass(frozen=True)
class KeyFigure:
    """One of Kaluga's key figures: its value for the period (None when missing), the previous period's, the rank."""

    code: str
    name: str
    unit: str | None
    frequency: str  # month / year
    period: str | None
    value: float | None
    value_text: str | None
    previous_period: str | None
    previous_value: float | None
    rank: int | None  # 1 = the highest value among the regions (federal subjects) publishing it
    ranked: int | None  # how many regions have a value for that period and edition
    edition: str | None
    edition_title: str | None
    source: str | None  # publisher, edition, file, sheet, cell

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value


@dataclass(frozen=True)
class Series:
    """One region's monthly values of one indicator for a chart."""

    region_code: str
    region_name: str
    points: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Chart:
    code: str
    name: str
    unit: str | None
    series: tuple[Series, ...]
    edition: str | None
    edition_title: str | None


@dataclass(frozen=True)
class CitedRow:
    """A cluster record as cited: its fields as written, and its source."""

    fields: dict
    source_url: str | None
    source_label: str | None
    source_link: str | None


@dataclass(frozen=True)
class EditionRef:
    code: str
    title: str
    publisher: str | None
    url: str | None


@dataclass
class Bulletin:
    month: str
    lang: str
    region_name: str
    monthly: list[KeyFigure]
    yearly: list[KeyFigure]
    charts: list[Chart]
    investments: list[CitedRow]
    investments_total: int  # records up to the bulletin's year (the list may show only the newest)
    investments_undated: int
    cluster_figures: list[CitedRow]
    products_to_date: int
    products_undated: int
    products_by_area: list[tuple[str, int]]
    products_of_year: list[CitedRow]
    events: list[CitedRow]  # dated in the month
    events_of_year: list[CitedRow]  # dated only to the bulletin's year
    editions: list[EditionRef] = field(default_factory=list)
    sources: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # url, label, link

    @property
    def has_monthly_data(self) -> bool:
        return any(f.value is not None for f in self.monthly)


def parse_month(text: object) -> tuple[int, int]:
    """(year, month) of a "YYYY-MM" text; BadMonth otherwise."""
    match = MONTH.match(str(text or "").strip())
    if not match:
        raise BadMonth(f"not a month: {text!r} (expected YYYY-MM, e.g. 2015-12)")
    return int(match.group(1)), int(match.group(2))


def shift_month(month: str, by: int) -> str:
    year, number = parse_month(month)
    index = year * 12 + number - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_range(engine: Engine) -> tuple[str, str] | None:
    """The first and last month any key monthly figure is published for (from the coverage the loader keeps)."""
    query = (select(func.min(IndicatorCoverage.first_period), func.max(IndicatorCoverage.last_period))
             .where(IndicatorCoverage.indicator_code.in_(KEY_MONTHLY), IndicatorCoverage.period_kind == "month"))
    with engine.connect() as conn:
        first, last = conn.execute(query).one()
    return (first, last) if first and last else None


def months_with_data(engine: Engine) -> list[str]:
    """Every month in the published range, newest first (a month inside it may still lack Kaluga's figures)."""
    bounds = month_range(engine)
    if bounds is None:
        return []
    months, month = [], bounds[1]
    while month >= bounds[0]:
        months.append(month)
        month = shift_month(month, -1)
    return months


# --- Kaluga's key figures ---------------------------------------------------------------------------------------


def _indicator_names(conn, codes: tuple[str, ...], lang: str) -> dict[str, tuple[str, str | None]]:
    rows = conn.execute(select(Indicator.code, Indicator.name_ru, Indicator.name_en, Indicator.unit_ru,
                               Indicator.unit_en).where(Indicator.code.in_(codes))).all()
    return {code: (pick_label(lang, ru, en) or code, pick_label(lang, unit_ru, unit_en))
            for code, ru, en, unit_ru, unit_en in rows}


def _edition_titles(conn, lang: str) -> dict[str, tuple[str, str | None, str | None]]:
    rows = conn.execute(select(Edition.code, Edition.name_ru, Edition.name_en, Edition.publisher, Edition.url)).all()
    return {code: (edition_label(code, ru, en, lang), publisher, url) for code, ru, en, publisher, url in rows}


_OBSERVATION = (Observation.period, Observation.value, Observation.value_text, Observation.edition,
                Observation.source_file, Observation.source_sheet, Observation.source_cell)


def _rank(conn, code: str, period: str, edition: str, value: float) -> tuple[int, int]:
    """Kaluga's place among the federal subjects with a value for the same period and edition (1 = highest)."""
    values = (select(Observation.value)
              .join(Region, Region.code == Observation.region_code)
              .where(Observation.indicator_code == code, Observation.period == period,
                     Observation.edition == edition, Region.kind == "region", Observation.value.is_not(None))
              .subquery())
    higher, total = conn.execute(select(func.count().filter(values.c.value > value), func.count())
                                 .select_from(values)).one()
    return int(higher) + 1, int(total)


def _key_figure(conn, code: str, frequency: str, row, previous, names, editions) -> KeyFigure:
    name, unit = names.get(code, (code, None))
    if row is None:
        return KeyFigure(code, name, unit, frequency, None, None, None, None, None, None, None, None, None, None)
    period, value, value_text, edition, file, sheet, cell = row
    title, publisher, _url = editions.get(edition, (edition, None, None))
    rank = ranked = None
    if value is not None:
        rank, ranked = _rank(conn, code, period, edition, value)
        if ranked == 0:
            rank = ranked = None
    return KeyFigure(code, name, unit, frequency, period, value, value_text,
                     previous[0] if previous else None, previous[1] if previous else None, rank, ranked,
                     edition, title, observation_source(publisher, title, file, sheet, cell))


def key_monthly(engine: Engine, month: str, lang: str) -> list[KeyFigure]:
    """Kaluga's key monthly figures for `month`, each with the month before in the same edition."""
    parse_month(month)
    previous_month = shift_month(month, -1)
    out = []
    with engine.connect() as conn:
        names = _indicator_names(conn, KEY_MONTHLY, lang)
        editions = _edition_titles(conn, lang)
        for code in KEY_MONTHLY:
            base = select(*_OBSERVATION).where(Observation.indicator_code == code, Observation.region_code == KALUGA,
                                               Observation.period_kind == "month")
            # The newest edition that publishes the month (edition codes sort by date within a family).
            row = conn.execute(base.where(Observation.period == month)
                               .order_by(Observation.value.is_(None), Observation.edition.desc()).limit(1)).first()
            previous = None
            if row is not None:
                previous = conn.execute(select(Observation.period, Observation.value).where(
                    Observation.indicator_code == code, Observation.region_code == KALUGA,
                    Observation.period == previous_month, Observation.edition == row.edition,
                    Observation.value.is_not(None))).first()
            out.append(_key_figure(conn, code, "month", row, previous, names, editions))
    return out


def key_yearly(engine: Engine, year: int, lang: str) -> list[KeyFigure]:
    """Kaluga's key yearly figures: the newest year up to `year` with a value, and the year before it."""
    out = []
    with engine.connect() as conn:
        names = _indicator_names(conn, KEY_YEARLY, lang)
        editions = _edition_titles(conn, lang)
        for code in KEY_YEARLY:
            # The newest year; of its editions the newest (RR-2024 before RR-2022; «Регионы России» codes sort
            # after EMISS and the thematic tables).
            row = conn.execute(select(*_OBSERVATION).where(
                Observation.indicator_code == code, Observation.region_code == KALUGA,
                Observation.period_kind == "year", Observation.year <= year, Observation.value.is_not(None))
                .order_by(Observation.year.desc(), Observation.edition.desc()).limit(1)).first()
            previous = None
            if row is not None:
                previous = conn.execute(select(Observation.period, Observation.value).where(
                    Observation.indicator_code == code, Observation.region_code == KALUGA,
                    Observation.period == str(int(row.period) - 1), Observation.edition == row.edition,
                    Observation.value.is_not(None))).first()
            out.append(_key_figure(conn, code, "year", row, previous, names, editions))
    return out


def charts(engine: Engine, month: str, lang: str) -> list[Chart]:
    """The chart series: CHART_MONTHS months to `month`, Kaluga and Russia, in the newest edition publishing them."""
    start = shift_month(month, -(CHART_MONTHS - 1))
    out = []
    with engine.connect() as conn:
        names = _indicator_names(conn, CHART_CODES, lang)
        editions = _edition_titles(conn, lang)
        regions = {code: pick_label(lang, ru, en) or code for code, ru, en in conn.execute(
            select(Region.code, Region.name_ru, Region.name_en).where(Region.code.in_((KALUGA, RUSSIA)))).all()}
        for code in CHART_CODES:
            rows = conn.execute(select(Observation.region_code, Observation.period, Observation.value,
                                       Observation.edition).where(
                Observation.indicator_code == code, Observation.region_code.in_((KALUGA, RUSSIA)),
                Observation.period_kind == "month", Observation.period >= start, Observation.period <= month,
                Observation.value.is_not(None)).order_by(Observation.edition.desc(), Observation.region_code,
                                                         Observation.period)).all()
            if not rows:
                continue
            edition = rows[0].edition
            series = []
            for region in (KALUGA, RUSSIA):
                points = tuple((r.period, float(r.value)) for r in rows if r.region_code == region
                               and r.edition == edition)
                if points:
                    series.append(Series(region, regions.get(region, region), points))
            name, unit = names.get(code, (code, None))
            out.append(Chart(code, name, unit, tuple(series), edition, editions.get(edition, (edition,))[0]))
    return out


# --- the cluster ------------------------------------------------------------------------------------------------


def _cited(rows, fields: tuple[str, ...]) -> list[CitedRow]:
    return [CitedRow(dict(zip(fields, row[:len(fields)], strict=True)), row.source_url,
                     source_label(row.source_url, row.source_title, row.source_publisher), source_link(row.source_url))
            for row in rows]


def _with_source(query, table):
    return (query.add_columns(table.source_url, Source.title.label("source_title"),
                              Source.publisher.label("source_publisher"))
            .outerjoin(Source, Source.url == table.source_url))


INVESTMENT_FIELDS = ("company_label", "amount_raw", "currency_raw", "period_raw", "status", "year")


def investments_to(engine: Engine, year: int, limit: int = 12) -> tuple[list[CitedRow], int, int]:
    """Cited investment records dated up to `year` (newest first, at most `limit`), how many in all, and how many
    carry no year at all (left out: they cannot be placed before or after the month)."""
    dated = func.coalesce(Investment.year_to, Investment.year_from)
    query = _with_source(select(*(getattr(Investment, f) for f in INVESTMENT_FIELDS[:-1]), dated.label("year"))
                         .where(dated <= year)
                         .order_by(dated.desc(), Investment.record_key).limit(limit), Investment)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        total = conn.execute(select(func.count()).select_from(Investment).where(dated <= year)).scalar_one()
        undated = conn.execute(select(func.count()).select_from(Investment).where(dated.is_(None))).scalar_one()
    return _cited(rows, INVESTMENT_FIELDS), int(total), int(undated)


CLUSTER_FIGURE_FIELDS = ("indicator", "year_raw", "value_raw", "unit", "year")


def cluster_figures_to(engine: Engine, year: int) -> list[CitedRow]:
    """The cluster's cited figures (participants, output, ...), not targets: the newest up to `year` of each."""
    query = _with_source(select(ClusterIndicator.indicator, ClusterIndicator.year_raw, ClusterIndicator.value_raw,
                                ClusterIndicator.unit, ClusterIndicator.year)
                         .where(ClusterIndicator.year <= year, ClusterIndicator.is_target == 0)
                         .order_by(ClusterIndicator.indicator, ClusterIndicator.year.desc(),
                                   ClusterIndicator.record_key), ClusterIndicator)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    newest, seen = [], set()
    for row in rows:
        if row.indicator not in seen:
            seen.add(row.indicator)
            newest.append(row)
    return _cited(newest, CLUSTER_FIGURE_FIELDS)


PRODUCT_FIELDS = ("trade_name", "company_label", "inn", "year")


def products_to(engine: Engine, year: int, lang: str) -> tuple[int, int, list[tuple[str, int]], list[CitedRow]]:
    """Products with a year up to `year`: how many, how many have no year, counts by therapy area, and the
    products of that year itself."""
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(Product).where(Product.year <= year)).scalar_one()
        undated = conn.execute(select(func.count()).select_from(Product).where(Product.year.is_(None))).scalar_one()
        areas = conn.execute(
            select(TherapyArea.name_ru, TherapyArea.name_en, func.count(Product.record_key))
            .join(TherapyArea, TherapyArea.code == Product.therapy_area_code)
            .where(Product.year <= year)
            .group_by(TherapyArea.code, TherapyArea.name_ru, TherapyArea.name_en)
            .order_by(func.count(Product.record_key).desc(), TherapyArea.code)).all()
        rows = conn.execute(_with_source(select(Product.trade_name, Product.company_label, Product.inn, Product.year)
                                         .where(Product.year == year)
                                         .order_by(Product.trade_name, Product.record_key), Product)).all()
    by_area = [(pick_label(lang, ru, en) or "", int(n)) for ru, en, n in areas]
    return int(total), int(undated), by_area, _cited(rows, PRODUCT_FIELDS)


EVENT_FIELDS = ("date", "date_raw", "event_type", "company_label", "description", "is_planned")


def events_in(engine: Engine, month: str) -> tuple[list[CitedRow], list[CitedRow]]:
    """Events dated in `month` (to the month or the day), and events of its year dated only to the year."""
    year, _ = parse_month(month)
    base = select(Event.date, Event.date_raw, Event.event_type, Event.company_label, Event.description,
                  Event.is_planned)
    in_month = _with_source(base.where(or_(Event.date == month, Event.date.like(f"{month}-%")))
                            .order_by(Event.date, Event.record_key), Event)
    of_year = _with_source(base.where(and_(Event.date == str(year))).order_by(Event.record_key), Event)
    with engine.connect() as conn:
        return _cited(conn.execute(in_month).all(), EVENT_FIELDS), _cited(conn.execute(of_year).all(), EVENT_FIELDS)


# --- the whole bulletin -----------------------------------------------------------------------------------------


def bulletin(engine: Engine, month: str, lang: str) -> Bulletin:
    """Every fact of the bulletin for `month` in `lang` (BadMonth for a malformed month)."""
    year, _ = parse_month(month)
    monthly = key_monthly(engine, month, lang)
    yearly = key_yearly(engine, year, lang)
    chart_list = charts(engine, month, lang)
    investments, investments_total, investments_undated = investments_to(engine, year)
    figures = cluster_figures_to(engine, year)
    products_total, products_undated, by_area, of_year = products_to(engine, year, lang)
    events, events_of_year = events_in(engine, month)
    with engine.connect() as conn:
        region = conn.execute(select(Region.name_ru, Region.name_en).where(Region.code == KALUGA)).first()
        used = sorted({f.edition for f in monthly + yearly if f.edition} | {c.edition for c in chart_list if c.edition})
        edition_rows = conn.execute(select(Edition.code, Edition.name_ru, Edition.name_en, Edition.publisher,
                                           Edition.url).where(Edition.code.in_(used)).order_by(Edition.code)).all()
    known = {code: EditionRef(code, edition_label(code, ru, en, lang), publisher or None, url or None)
             for code, ru, en, publisher, url in edition_rows}
    editions = [known.get(code, EditionRef(code, code, None, None)) for code in used]
    cited: dict[str, tuple[str, str | None, str | None]] = {}
    for row in investments + figures + of_year + events + events_of_year:
        if row.source_url and row.source_url not in cited:
            cited[row.source_url] = (row.source_url, row.source_label, row.source_link)
    return Bulletin(
        month=month, lang=lang,
        region_name=pick_label(lang, *(region or (None, None))) or KALUGA,
        monthly=monthly, yearly=yearly, charts=chart_list,
        investments=investments, investments_total=investments_total, investments_undated=investments_undated,
        cluster_figures=figures, products_to_date=products_total, products_undated=products_undated,
        products_by_area=by_area, products_of_year=of_year, events=events, events_of_year=events_of_year,
        editions=editions, sources=[cited[url] for url in sorted(cited)],
    )
