"""SYNTHETIC fixture database for the read model and the API: the project's real reference tables
(regions, indicators, editions, therapy areas) plus a handful of made-up observations and cluster
records. Every value here is invented for the tests; file names say SYNTHETIC.

It holds on purpose: a missing figure with its status, a month and a year-to-date period, an
edition the editions table does not know, blank optional fields (an investment's scope, an
indicator's unit), and names a spreadsheet would run as formulas.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import Engine, Integer

from etl import load
from etl.db import migrate
from etl.schema import Base
from etl.sources import reference
from etl.sources.base import Parsed
from tests.fixtures import backend_engine

HOSTILE = ("=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1:A2)", "\tfoo", "\rbar")
REGIONS = ("RU-KLU", "RU-MOW", "RU-TUL")
YEARS = (2015, 2016, 2017, 2018)
UNKNOWN_EDITION = "SYNTHETIC-EDITION"
SYNTHETIC_INDICATOR = "synthetic_hostile"
WEB_SOURCE = "https://example.org/synthetic/kaluga-news"
FILE_SOURCE = "file:seed/synthetic_interview.txt"

BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


def synthetic_value(region: str, year: int, edition: str) -> float:
    """A made-up figure, different per region, year and edition."""
    return float(REGIONS.index(region) * 1000 + (year - 2000) * 10 + (edition == "RR-2021")) + 0.5


def _observation(indicator: str, region: str, period: str, kind: str, year: int, month: int | None,
                 value: float | None, edition: str, cell: str, status: str = "", sheet: str | None = "SYN") -> dict:
    return {"indicator_code": indicator, "region_code": region, "period": period, "period_kind": kind,
            "year": year, "month": month, "value": value, "value_text": None if value is not None else "…",
            "status": status, "edition": edition, "source_file": "SYNTHETIC.xlsx", "source_sheet": sheet,
            "source_cell": cell, "source_header": "B4"}


def statistics() -> list[Parsed]:
    """Two SYNTHETIC statistical loads: yearly GRP in two editions, monthly wages in an unknown edition."""
    rows = []
    for r, region in enumerate(REGIONS):
        for y, year in enumerate(YEARS):
            for edition in ("RR-2019", "RR-2021"):
                value = synthetic_value(region, year, edition)
                status = ""
                if (region, year, edition) == ("RU-TUL", 2018, "RR-2019"):
                    value, status = None, "not_available"
                rows.append(_observation("grp", region, str(year), "year", year, None, value, edition,
                                         f"{'BCDE'[y]}{10 + r}", status))
    grp = Parsed(adapter="rosstat_workbook", edition="RR-2019", tables={"observations": _frame("observations", rows)})
    monthly = [
        _observation("avg_wage", "RU-KLU", "2017-03", "month", 2017, 3, 100.5, UNKNOWN_EDITION, "C7"),
        _observation("avg_wage", "RU-KLU", "2017-YTD09", "ytd", 2017, 9, 200.5, UNKNOWN_EDITION, "D7"),
        # A hostile sheet name: text cells of the CSV must come out guarded.
        _observation("avg_wage", "RU-MOW", "2017-03", "month", 2017, 3, 300.5, UNKNOWN_EDITION, "C8", sheet="+1"),
        _observation(SYNTHETIC_INDICATOR, "RU-KLU", "2017", "year", 2017, None, -2.5, UNKNOWN_EDITION, "B2"),
    ]
    indicator = pd.DataFrame([{
        "code": SYNTHETIC_INDICATOR, "name_ru": HOSTILE[0], "name_en": None, "unit_ru": None, "unit_en": None,
        "topic": "synthetic", "source_table": None, "frequency": "year"}])
    wages = Parsed(adapter="rosstat_monthly", edition=UNKNOWN_EDITION,
                   tables={"indicators": indicator, "observations": _frame("observations", monthly)})
    return [grp, wages]


def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """Rows of a table as a parser returns them: integer columns stay integers beside missing values."""
    frame = pd.DataFrame(rows)
    integers = [c.name for c in Base.metadata.tables[table].columns
                if isinstance(c.type, Integer) and c.name in frame.columns]
    return frame.astype(dict.fromkeys(integers, "Int64"))


def _records(table: str, rows: list[dict]) -> pd.DataFrame:
    """Rows of a cluster table; columns left out are missing (None)."""
    columns = [c.name for c in Base.metadata.tables[table].columns if c.name != "load_id"]
    return _frame(table, [{c: row.get(c) for c in columns} for row in rows])


def cluster() -> Parsed:
    """SYNTHETIC cluster records, companies named like formulas, one investment without a scope."""
    sources = _records("sources", [
        {"url": WEB_SOURCE, "title": "SYNTHETIC news page", "publisher": "Example Publisher", "cited_rows": 4,
         "cited_in": "companies;investments"},
        {"url": FILE_SOURCE, "title": "SYNTHETIC interview", "cited_rows": 1, "cited_in": "events"},
    ])
    companies = _records("companies", [
        {"key": f"synthetic_{n}", "name_ru": name, "name_en": name, "source_url": WEB_SOURCE,
         "source_ref": f"SYNTHETIC companies.csv, row {n}"}
        for n, name in enumerate(HOSTILE)
    ] + [{"key": "synthetic_plain", "name_ru": "Синтетическая компания", "name_en": "Synthetic company",
          "year": 2012, "jobs_low": 100.0, "jobs_high": 120.0, "source_url": WEB_SOURCE}])
    investments = _records("investments", [
        {"record_key": "investments:synthetic:1", "company_key": "synthetic_plain", "company_label": "Synthetic",
         "amount_raw": "1", "qualifier": "", "amount_low_mn": 1.0, "amount_high_mn": 1.0, "currency": "RUB",
         "currency_raw": "mln RUB", "period_raw": "2015", "year_from": 2015, "year_to": 2015, "status": "done",
         "scope": None, "source_url": WEB_SOURCE},
        {"record_key": "investments:synthetic:2", "company_key": "synthetic_0", "company_label": HOSTILE[0],
         "amount_raw": "~2", "qualifier": "~", "amount_low_mn": 2.0, "amount_high_mn": 2.0, "currency": "EUR",
         "currency_raw": "mln EUR", "period_raw": "", "status": "planned", "scope": "  ",
         "source_url": WEB_SOURCE},
    ])
    products = _records("products", [
        {"record_key": "products:synthetic:1", "company_key": "synthetic_plain", "trade_name": "Synthetinib",
         "atc_code": "L01XX", "therapy_area_code": "oncology", "source_url": WEB_SOURCE},
        {"record_key": "products:synthetic:2", "company_key": "synthetic_1", "trade_name": HOSTILE[1],
         "source_url": FILE_SOURCE},
    ])
    events = _records("events", [
        {"record_key": "events:synthetic:1", "date_raw": "2012", "date": "2012", "year": 2012, "is_planned": 0,
         "event_type": "opening", "company_key": "synthetic_plain", "description": "SYNTHETIC opening",
         "source_url": WEB_SOURCE},
        {"record_key": "events:synthetic:2", "date_raw": "soon", "is_planned": 1, "event_type": "plan",
         "company_key": "synthetic_2", "description": HOSTILE[2], "source_url": FILE_SOURCE},
    ])
    return Parsed(adapter="cluster", tables={"sources": sources, "companies": companies, "investments": investments,
                                             "products": products, "events": events})


def build(engine: Engine) -> Engine:
    """Migrate and load the reference tables and every SYNTHETIC load above."""
    migrate(engine)
    for n, parsed in enumerate([reference.parse(), *statistics(), cluster()]):
        report = load.apply(engine, parsed, file_name=f"SYNTHETIC-{n}", sha256=f"synthetic-{n}")
        assert report.status == "applied", report.error
    return engine




@pytest.fixture(scope="module", params=BACKENDS)
def model_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The SYNTHETIC fixture database on each backend, built once per test module."""
    for engine in backend_engine(request.param, tmp_path_factory.mktemp("model")):
        yield build(engine)
