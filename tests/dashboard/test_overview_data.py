"""Overview headline figures: cited cluster figures and Kaluga's ranks among federal subjects."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import overview_data, queries
from etl.regions import KALUGA_CODE
from tests.dashboard.dash_callbacks import call, valid_figures


def test_investment_headline_is_the_associations_figure(atlas_app):
    with atlas_app.server.app_context():
        row = overview_data.investment_headline(queries.cluster_indicators())
    assert (row["value_raw"], row["unit"]) == (">50", "bn RUB")
    assert row["source_url"] == "file:seed/kaluga_pharma_cluster_interview.txt"


def test_participants_are_member_counts_only(atlas_app):
    with atlas_app.server.app_context():
        rows = pd.DataFrame(overview_data.participants(queries.cluster_indicator_rows()))
    assert rows["year"].is_monotonic_increasing
    assert (rows.iloc[0]["year"], rows.iloc[0]["value_raw"]) == (2013, ">50")
    assert (rows.iloc[-1]["year"], rows.iloc[-1]["value_raw"]) == (2025, "70")
    # Not member counts: flows, negotiations, a subset, the region's companies, undated rows.
    indicators = set(rows["indicator"])
    assert indicators <= {"cluster participants", "cluster companies", "cluster enterprises"}
    assert len(rows) == 9


def test_products_summary():
    products = pd.DataFrame({  # SYNTHETIC rows
        "company_key": ["a", "a", "b", "cluster", "cluster", "a"],
        "trade_name": ["P1", "P2", "P3", "P4", "P5", "P1 (again)"],
        "inn": None, "atc_code": None, "status_raw": None, "year": None, "source_url": "https://example.org",
        "therapy_area_code": ["oncology", "oncology", "cardiology", None, "dermatology", "oncology"]})
    products.loc[5, "trade_name"] = "P1"  # the same product cited twice counts once
    summary = overview_data.products_summary(products)
    assert summary == {"products": 5, "areas": 3, "companies": 2, "unclassified": 1, "cited_rows": 6,
                       "in_area": None}
    assert overview_data.products_summary(products, "oncology")["in_area"] == 2


def test_products_summary_bundled(atlas_app):
    with atlas_app.server.app_context():
        products = queries.products()
    summary = overview_data.products_summary(products, "oncology")
    assert len(products) == summary["cited_rows"] == 27
    assert summary["products"] == 25  # Kagocel and osimertinib are each cited twice
    assert summary["in_area"] == 1  # osimertinib (AstraZeneca)
    # "cluster" rows (products not tied to one company) do not count as a company.
    assert summary["companies"] == products.loc[products["company_key"] != "cluster", "company_key"].nunique()


def test_ranks_among_federal_subjects_only(atlas_app):
    with atlas_app.server.app_context():
        regions = queries.regions()
        edition = overview_data.newest_edition(queries.editions("grp"))
        kaluga = queries.observations("grp", (KALUGA_CODE,), edition=edition)
        period = overview_data.latest_period(kaluga, KALUGA_CODE)
        grp = queries.cross_section("grp", period, edition)
        wages = queries.cross_section("avg_wage", "2015-12", "806-2016-01")
        invest = queries.cross_section("investment_fixed_capital", "2020", "RR-2021")
        population = queries.cross_section("population", "2020", "RR-2021")
    # The newest edition and its last year; the rank read independently with openpyxl from
    # rr2024_s08_grp.xlsx, sheet 8.1., column X (2022) over the 85 federal subjects.
    assert (edition, period) == ("RR-2024", "2022")
    rank = overview_data.rank_among_subjects(grp, regions, KALUGA_CODE)
    assert (rank["rank"], rank["n"], rank["value"]) == (46, 85, 693947.6)
    # The 806 monitoring lists Russia and the districts too: they are not ranked.
    assert wages["region_code"].isin(["RU", "CFD"]).any()
    assert overview_data.rank_among_subjects(wages, regions, KALUGA_CODE)["n"] == 85
    per_capita = overview_data.per_capita_cross_section(invest, population)
    rank = overview_data.rank_among_subjects(per_capita, regions, KALUGA_CODE)
    assert rank["value"] == pytest.approx(112040.161 / 1001.8)
    assert rank["n"] == 85


def test_rank_ties_and_missing():
    regions = pd.DataFrame({"code": ["A", "B", "C", "RU"], "kind": ["region", "region", "region", "country"]})
    frame = pd.DataFrame({"region_code": ["A", "B", "C", "RU"], "value": [5.0, 5.0, None, 9.0],
                          "period": "2019", "edition": "E"})
    # A tie with A shares the rank; Russia (9) is not a federal subject, so it is not ranked.
    assert overview_data.rank_among_subjects(frame, regions, "B")["rank"] == 1
    assert overview_data.rank_among_subjects(frame, regions, "B")["n"] == 2
    assert overview_data.rank_among_subjects(frame, regions, "C") is None


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_chart_state_is_a_valid_plotly_figure(client, lang):
    participants = valid_figures(call(client, "overview-participants-graph.figure", {"overview-lang": lang}))
    (figure,) = participants.values()
    assert len(figure.data[0].x) == 9 and figure.layout.height == 300
    for compare in ("grp_per_capita", "avg_wage", "not_an_indicator"):
        response = call(client, "overview-compare-graph.figure", {"overview-compare": compare, "overview-lang": lang})
        (figure,) = valid_figures(response).values()
        assert [trace.line.color for trace in figure.data][:1] == ["#D55E00"]  # Kaluga first, in its colour


# --- the age of each card's figure (synthetic periods and edition codes) ------------------------------


def test_period_year_reads_the_last_year_a_period_names():
    from dashboard.overview_data import period_year

    assert period_year("2022") == 2022 and period_year("2015-12") == 2015 and period_year(2019) == 2019
    assert period_year("2017-YTD09") == 2017 and period_year("2013–2019") == 2019
    assert period_year("2007 onwards (as of interview)") == 2007
    assert period_year(None) is None and period_year("year not stated") is None


def test_a_figure_older_than_the_newest_edition_is_flagged():
    from dashboard.overview_data import edition_year, is_older, newest_reference

    # synthetic: a monthly bulletin of January 2016 beside two figures of the 2024 yearbook
    figures = [{"edition": "806-2016-01", "period": "2015-12"}, {"edition": "RR-2024", "period": "2022"},
               {"edition": "RR-2024", "period": "2023"}]
    reference = newest_reference(figures)
    assert reference == {"edition": "RR-2024", "year": 2023}
    assert is_older("2015-12", reference) and is_older("2022", reference)
    assert not is_older("2023", reference) and not is_older("2025", reference)
    assert not is_older(None, reference) and not is_older("2015", None)
    assert edition_year("CBR-CPI-2026-03") == 2026 and edition_year("") is None
    assert newest_reference([{"edition": "RR-2024", "period": None}]) is None
