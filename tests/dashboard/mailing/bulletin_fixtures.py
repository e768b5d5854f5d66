"""A small synthetic bulletin database (every figure here is SYNTHETIC, made up for the tests): a few regions'
monthly average wage for two months, Kaluga's GRP for two years, one investment, product and event."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, insert

from etl.schema import Edition, Event, IndicatorCoverage, Investment, Load, Observation, Product, Source

MONTH = "2015-12"
EDITION = "SYN-806"
# (region, period) -> value; SYNTHETIC.
WAGES = {("RU-KLU", "2015-11"): 30000.0, ("RU-KLU", "2015-12"): 35000.0,
         ("RU-MOW", "2015-11"): 50000.0, ("RU-MOW", "2015-12"): 60000.0,
         ("RU-TUL", "2015-11"): 20000.0, ("RU-TUL", "2015-12"): 25000.0,
         ("RU", "2015-11"): 33000.0, ("RU", "2015-12"): 36000.0}
GRP = {("RU-KLU", "2014"): 300000.0, ("RU-KLU", "2015"): 320000.5, ("RU-MOW", "2015"): 900000.0}
SOURCE = "https://example.test/synthetic-news"


def add_synthetic_bulletin_data(engine: Engine) -> None:
    now = dt.datetime(2026, 1, 1)
    with engine.begin() as conn:
        load_id = conn.execute(insert(Load).values(
            file_name="synthetic", sha256="synthetic", adapter="synthetic", started_at=now, finished_at=now,
            status="applied").returning(Load.id)).scalar_one()
        conn.execute(insert(Edition).values(code=EDITION, name_ru="Синтетическое издание (тест)",
                                            name_en="Synthetic edition (test)", publisher="Test",
                                            url="https://example.test/edition", load_id=load_id))
        rows = [dict(indicator_code="avg_wage", region_code=region, period=period, period_kind="month", year=2015,
                     month=int(period[-2:]), value=value, status="", edition=EDITION, source_file="synthetic.xls",
                     source_sheet="s", source_cell=f"B{i}", load_id=load_id)
                for i, ((region, period), value) in enumerate(WAGES.items(), start=2)]
        rows += [dict(indicator_code="grp", region_code=region, period=period, period_kind="year", year=int(period),
                      month=None, value=value, status="", edition=EDITION, source_file="synthetic.xls",
                      source_sheet="g", source_cell=f"C{i}", load_id=load_id)
                 for i, ((region, period), value) in enumerate(GRP.items(), start=2)]
        conn.execute(insert(Observation), rows)
        conn.execute(insert(IndicatorCoverage).values(
            indicator_code="avg_wage", edition=EDITION, period_kind="month", regions=4, first_period="2015-11",
            last_period="2015-12", first_year=2015, last_year=2015, observations=8, published=8))
        conn.execute(insert(Source).values(url=SOURCE, title="Synthetic news", publisher="Test News"))
        conn.execute(insert(Investment).values(
            record_key="syn-inv", company_key="synco", company_label="SynCo", amount_raw="~7", qualifier="~",
            amount_low_mn=7000.0, amount_high_mn=7000.0, currency="RUB", currency_raw="bn RUB", period_raw="to 2015",
            year_from=None, year_to=2015, status="made", source_url=SOURCE))
        conn.execute(insert(Product).values(record_key="syn-prod", company_key="synco", company_label="SynCo",
                                            trade_name="Synthetin", year=2015, source_url=SOURCE))
        conn.execute(insert(Event).values(record_key="syn-event", date_raw="5 December 2015", date="2015-12-05",
                                          year=2015, is_planned=0, event_type="plant opening",
                                          company_label="SynCo", description="Synthetic plant opened",
                                          source_url=SOURCE))


@pytest.fixture
def bulletin_engine(loaded_engine: Engine) -> Engine:
    """A migrated database with the reference tables and the SYNTHETIC bulletin figures, on each backend."""
    add_synthetic_bulletin_data(loaded_engine)
    return loaded_engine
