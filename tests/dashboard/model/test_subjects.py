"""Each subject of the read model over the SYNTHETIC fixture database, on SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from dashboard.model import cluster, indicators, loads, observations, regions, sources
from dashboard.model.observations import PERIOD_KINDS, ObservationRequest
from dashboard.model.table import Page
from etl import load
from etl.paths import REFERENCE_DIR
from etl.periods import KINDS
from tests.dashboard.model.fixtures import (
    HOSTILE,
    REGIONS,
    SYNTHETIC_INDICATOR,
    UNKNOWN_EDITION,
    WEB_SOURCE,
    YEARS,
    build,
    synthetic_value,
)

EDITIONS = pd.read_csv(REFERENCE_DIR / "editions.csv", dtype=str, keep_default_na=False).set_index("code")


def observe(engine: Engine, page: Page | None = None, **request) -> observations.Table:
    return observations.observations(engine, ObservationRequest(**request), page)


# --- observations -------------------------------------------------------------------------------


def test_period_kinds_are_the_etls() -> None:
    assert PERIOD_KINDS == KINDS


def test_one_region_every_edition_in_order_with_its_source(model_engine: Engine) -> None:
    table = observe(model_engine, indicator="grp", regions=("RU-KLU",), lang="en")
    assert table.total == len(table.rows) == len(YEARS) * 2
    assert table.unknown == {}
    keys = [(r["period"], r["edition"]) for r in table.records()]
    assert keys == [(str(y), e) for y in YEARS for e in ("RR-2019", "RR-2021")]
    first = table.records()[0]
    assert first["value"] == synthetic_value("RU-KLU", 2015, "RR-2019")
    assert (first["indicator_name"], first["unit"]) == ("Gross regional product", "million RUB")
    assert (first["region_name"], first["period_kind"], first["year"], first["month"]) == \
        ("Kaluga Oblast", "year", 2015, None)
    edition = EDITIONS.loc["RR-2019"]
    assert (first["edition_title"], first["publisher"], first["source_url"]) == \
        (edition["name_en"], edition["publisher"], edition["url"])
    assert (first["source_file"], first["source_sheet"], first["source_cell"], first["source_header"]) == \
        ("SYNTHETIC.xlsx", "SYN", "B10", "B4")
    assert first["source"] == f"Rosstat · {edition['name_en']}: SYNTHETIC.xlsx, sheet SYN, B10"
    assert isinstance(first["load_id"], int)


def test_names_follow_the_language(model_engine: Engine) -> None:
    row = observe(model_engine, indicator="grp", regions=("RU-KLU",), lang="ru").records()[0]
    assert (row["indicator_name"], row["unit"], row["region_name"]) == \
        ("Валовой региональный продукт", "миллионов рублей", "Калужская область")
    assert row["edition_title"] == EDITIONS.loc["RR-2019", "name_ru"]


def test_a_missing_figure_is_a_row_with_its_status(model_engine: Engine) -> None:
    rows = observe(model_engine, indicator="grp", regions=("RU-TUL",), year_from=2018, edition="RR-2019").records()
    assert [(r["value"], r["status"], r["value_text"]) for r in rows] == [(None, "not_available", "…")]


def test_filters(model_engine: Engine) -> None:
    every = observe(model_engine, indicator="grp")
    assert every.total == len(REGIONS) * len(YEARS) * 2
    assert {r["region_code"] for r in every.records()} == set(REGIONS)
    years = observe(model_engine, indicator="grp", year_from=2016, year_to=2017, edition="RR-2021")
    assert {(r["year"], r["edition"]) for r in years.records()} == {(2016, "RR-2021"), (2017, "RR-2021")}
    assert years.total == len(REGIONS) * 2
    months = observe(model_engine, indicator="avg_wage", period_kind="month")
    assert [(r["region_code"], r["period"]) for r in months.records()] == [("RU-KLU", "2017-03"), ("RU-MOW", "2017-03")]
    ytd = observe(model_engine, indicator="avg_wage", period_kind="ytd").records()
    assert [(r["period"], r["month"], r["value"]) for r in ytd] == [("2017-YTD09", 9, 200.5)]


def test_an_edition_the_editions_table_does_not_know_is_named_by_its_code(model_engine: Engine) -> None:
    row = observe(model_engine, indicator="avg_wage", regions=("RU-KLU",), edition=UNKNOWN_EDITION).records()[0]
    assert (row["edition_title"], row["publisher"], row["source_url"]) == (UNKNOWN_EDITION, None, None)
    assert row["source"] == f"{UNKNOWN_EDITION}: SYNTHETIC.xlsx, sheet SYN, C7"


def test_a_blank_unit_is_missing_not_a_crash(model_engine: Engine) -> None:
    row = observe(model_engine, indicator=SYNTHETIC_INDICATOR, lang="en").records()[0]
    assert (row["unit"], row["indicator_name"], row["value"]) == (None, HOSTILE[0], -2.5)


def test_unknown_codes_give_an_empty_result_that_names_them(model_engine: Engine) -> None:
    cases = {
        ("nope", (), None, None): {"indicator": ("nope",)},
        ("grp", ("RU-KLU", "XX", "RU-YY"), None, None): {"region": ("XX", "RU-YY")},
        ("grp", (), "NO-EDITION", None): {"edition": ("NO-EDITION",)},
        ("grp", (), None, "decade"): {"period_kind": ("decade",)},
    }
    for (indicator, region_codes, edition, kind), unknown in cases.items():
        table = observe(model_engine, indicator=indicator, regions=region_codes, edition=edition, period_kind=kind)
        assert (table.rows, table.total, table.unknown) == ([], 0, unknown)


def test_known_codes_without_figures_are_an_empty_result_not_unknown(model_engine: Engine) -> None:
    table = observe(model_engine, indicator="grp", year_from=1990, year_to=1991)
    assert (table.rows, table.unknown) == ([], {})
    assert observe(model_engine, indicator="grp_per_capita", regions=("RU-KLU",)).unknown == {}
    # An edition a load names is known even when the editions table is silent about it.
    assert observe(model_engine, indicator="grp", edition=UNKNOWN_EDITION).unknown == {}


def test_pages(model_engine: Engine) -> None:
    whole = observe(model_engine, indicator="grp", regions=("RU-KLU", "RU-TUL")).rows
    pages = [observe(model_engine, Page(3, offset), indicator="grp", regions=("RU-KLU", "RU-TUL"))
             for offset in range(0, len(whole), 3)]
    assert [row for page in pages for row in page.rows] == whole
    assert {page.total for page in pages} == {len(whole)}
    # RU-TUL is on none of the first page's rows and is still known.
    assert pages[0].unknown == {}


def test_editions_of(model_engine: Engine) -> None:
    assert observations.editions_of(model_engine, "grp") == ["RR-2019", "RR-2021"]
    assert observations.editions_of(model_engine, "nope") == []


# --- indicators, regions, sources, loads --------------------------------------------------------


def test_catalogue(model_engine: Engine) -> None:
    table = indicators.catalogue(model_engine, "en")
    by_code = {r["code"]: r for r in table.records()}
    assert by_code["grp"]["has_observations"] is True
    assert by_code["grp_per_capita"]["has_observations"] is False
    assert (by_code["grp"]["name"], by_code["grp"]["unit"]) == ("Gross regional product", "million RUB")
    assert by_code[SYNTHETIC_INDICATOR]["unit"] is None
    assert table.total == len(table.rows)
    assert [r["code"] for r in indicators.catalogue(model_engine, codes=["grp"]).records()] == ["grp"]
    assert indicators.catalogue(model_engine, codes=["grp", "zz"]).unknown == {"indicator": ("zz",)}
    assert {r["topic"] for r in indicators.catalogue(model_engine, topic="economy").records()} == {"economy"}


def test_regions(model_engine: Engine) -> None:
    row = regions.regions(model_engine, "en", ["RU-KLU"]).records()
    assert [(r["code"], r["name"], r["kind"]) for r in row] == [("RU-KLU", "Kaluga Oblast", "region")]
    assert regions.regions(model_engine, codes=["XX"]).unknown == {"region": ("XX",)}
    assert {r["kind"] for r in regions.regions(model_engine, kind="country").records()} == {"country"}


def test_sources_editions_and_areas(model_engine: Engine) -> None:
    rows = {r["url"]: r for r in sources.sources(model_engine).records()}
    assert (rows[WEB_SOURCE]["label"], rows[WEB_SOURCE]["link"]) == ("Example Publisher", WEB_SOURCE)
    bundled = rows["file:seed/synthetic_interview.txt"]
    assert (bundled["label"], bundled["link"], bundled["publisher"]) == ("SYNTHETIC interview", None, None)
    editions = sources.editions(model_engine, "en").records()
    assert [r["code"] for r in editions] == sorted(EDITIONS.index)
    for row in editions:
        csv_row = EDITIONS.loc[row["code"]]
        assert row["title"] == csv_row["name_en"]
        assert row["url"] == (csv_row["url"] or None)
    assert sources.editions(model_engine, codes=["ZZ"]).unknown == {"edition": ("ZZ",)}
    areas = {r["code"]: r for r in sources.therapy_areas(model_engine, "ru").records()}
    assert areas["oncology"]["name"] == areas["oncology"]["name_ru"]


def test_loads_newest_first(model_engine: Engine) -> None:
    table = loads.loads(model_engine)
    ids = table.column("id")
    assert ids == sorted(ids, reverse=True)
    assert set(table.column("status")) == {"applied"}
    assert all(r["started_at"].endswith("Z") for r in table.records())
    assert loads.loads(model_engine, status="failed").rows == []


def test_data_version_changes_with_every_load_and_rollback(engine: Engine) -> None:
    build(engine)
    before = loads.data_version(engine)
    newest = max(loads.loads(engine).column("id"))
    load.rollback_load(engine, newest)
    after_rollback = loads.data_version(engine)
    assert after_rollback != before
    report = load.apply(engine, build.__globals__["cluster"](), file_name="again", sha256="again")
    assert report.status == "applied"
    assert loads.data_version(engine) not in (before, after_rollback)


# --- the cluster --------------------------------------------------------------------------------


def test_cluster_tables_with_source_labels(model_engine: Engine) -> None:
    for subject, spec in cluster.SUBJECTS.items():
        table = cluster.records(model_engine, subject)
        assert table.rows, subject
        assert table.names == [c.name for c in spec.columns]
        assert {"source_label", "source_link"} <= set(table.names)
    companies = cluster.records(model_engine, "companies").records()
    assert {r["name_en"] for r in companies} >= set(HOSTILE)
    assert {r["source_label"] for r in companies} == {"Example Publisher"}


def test_blank_optional_fields_are_missing(model_engine: Engine) -> None:
    scopes = {r["record_key"]: r["scope"] for r in cluster.records(model_engine, "investments").records()}
    assert scopes == {"investments:synthetic:1": None, "investments:synthetic:2": None}


def test_cluster_filters_and_unknown_codes(model_engine: Engine) -> None:
    oncology = cluster.records(model_engine, "products", therapy_area="oncology").records()
    assert [r["trade_name"] for r in oncology] == ["Synthetinib"]
    events = cluster.records(model_engine, "events", company="synthetic_2").records()
    assert [r["record_key"] for r in events] == ["events:synthetic:2"]
    assert events[0]["source_link"] is None
    assert [r["key"] for r in cluster.records(model_engine, "companies", company="synthetic_plain").records()] == \
        ["synthetic_plain"]
    assert cluster.records(model_engine, "products", therapy_area="zz").unknown == {"therapy_area": ("zz",)}
    assert cluster.records(model_engine, "investments", company="zz").unknown == {"company": ("zz",)}
