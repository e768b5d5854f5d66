"""The cluster pages' rules: where an investment figure sits on a time axis, a product's year, a
product's therapy area, and one profile value per field with its source.

Each rule is tested on the texts and rows of the bundled database (real citations) and, where a
case the data lacks is needed, on synthetic rows (labelled so).
"""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import companies_data as cdata
from dashboard import investments_data as data
from dashboard import queries
from dashboard.areas import areas_in_text, companies_in_area
from dashboard.model.cluster import announcement_year, placement_year
from etl.sources.cluster import product_year


@pytest.fixture
def bundled(atlas_app) -> dict[str, pd.DataFrame]:
    with atlas_app.server.app_context():
        return {"investments": queries.investments(), "products": queries.products(),
                "companies": queries.companies(), "company_records": queries.company_records()}


# --- investments: the placement rule -------------------------------------------------------------

@pytest.mark.parametrize(("period", "year"), [
    # Period texts as the bundled citations write them.
    ("announced 2011-02", 2011), ("2005 announcement", 2005), ("approved 2017-09", 2017),
    ("agreement 2016-12; commissioning planned 2018", 2016), ("SPIC signed 2023", 2023),
    ("announced early 2010", 2010), ("signed at SPIEF-2023 (14 June 2023 per infoobninsk.ru)", 2023),
    ("2025-2026 (announced June 2024)", 2024), ("SPIEF-2021 intent agreement", 2021),
    ("agreement reported 2010-09-14", 2010),
    # Only a target or launch year: not an announcement.
    ("first stage; launch planned Q1 2018", None), ("SPIEF agreement; launch planned by 2025", None),
    ("to 2027", None), ("to end-2025", None), ("2025-2026", None), ("date not in excerpt", None), (None, None),
])
def test_announcement_year(period, year):
    assert announcement_year(period) == year


def test_placement_year_by_status():
    assert placement_year("made", "to 2015", None, 2015) == 2015
    assert placement_year("made", "2011-2015", 2011, 2015) == 2015
    # ">8 bn RUB" in "the 2010s": a decade, no year the money was spent by.
    assert placement_year("made", "2010s (cumulative)", 2010, None) is None
    assert placement_year("made", "to opening", None, None) is None
    assert placement_year("planned", "announced 2011-02", 2011, 2011) == 2011
    assert placement_year("planned", "first stage; launch planned Q1 2018", 2018, 2018) is None
    assert placement_year("allocated", "2013-2016 (4-year programme)", 2013, 2016) == 2013


def row(frame: pd.DataFrame, company: str, amount: str) -> pd.Series:
    match = frame[(frame["company_key"] == company) & (frame["amount_raw"] == amount)]
    assert len(match) == 1, f"expected one {company} {amount} row, found {len(match)}"
    return match.iloc[0]


def test_undated_figure_is_listed_not_plotted(bundled):
    rows = data.prepare(bundled["investments"])
    novo = row(rows, "novo_nordisk", ">8")  # ">8 bn RUB", "2010s (cumulative)"
    assert pd.isna(novo["year"])
    assert novo["record_key"] in {r["record_key"] for r in data.undated_rows(data.rows_of(rows))}
    curve = data.cumulative_curve(rows, "RUB", "made").set_index("year")
    # Before the first dated RUB figure (Nearmedic 1.3 bn to 2013) the made curve is empty: the >8 bn
    # is never placed at 2010 (it was, making 2010-2017 8 bn too high).
    assert curve.loc[2010:2012, "low"].eq(0).all()
    assert curve.at[2013, "low"] == 1300
    assert not any(novo["record_key"] in keys for keys in curve["record_keys"])


def test_planned_rows_at_announcement_year_target_only_listed(bundled):
    rows = data.prepare(bundled["investments"])
    assert row(rows, "pharmasyntez", "5")["year"] == 2024  # "2025-2026 (announced June 2024)"
    assert row(rows, "miraksbiopharma", "~3")["year"] == 2016  # agreement 2016-12; commissioning 2018
    assert pd.isna(row(rows, "pharm_aid", "9")["year"])  # "SPIEF agreement; launch planned by 2025"
    assert pd.isna(row(rows, "medical_glass_plant", "60")["year"])  # "launch planned Q1 2018"
    assert pd.isna(row(rows, "pharmasyntez", "~7.5")["year"])  # "to 2027": a target
    undated = {r["record_key"] for r in data.undated_rows(data.rows_of(rows))}
    assert row(rows, "pharm_aid", "9")["record_key"] in undated
    planned = data.cumulative_curve(rows, "RUB", "planned")
    assert planned["year"].max() == 2025  # Pharm-Sintez "announced 2025"; no target year beyond it


# --- products: the product's year and its therapy area ------------------------------------------

@pytest.mark.parametrize(("status", "year"), [
    ("produced from 2017-09", 2017), ("full-cycle production launched 2020-12", 2020),
    ("registered end-2017", 2017), ("new line from 2017; full cycle expected 2020", 2017),
    ("localization stage 1 from 2021-07; in RF since end-2019", 2021),
    ("on market (packed in Russia; banned in Ukraine 2019 for RU-labelled series)", None),
    ("on market (sales >2.5 bn RUB in 2012)", None), ("planned 2022", None), ("in development", None),
])
def test_product_year(status, year):
    assert product_year(status) == year


def test_product_years_and_areas_in_the_database(bundled):
    products = bundled["products"]

    def only(column: str, value: str) -> pd.Series:
        match = products[products[column] == value]
        assert len(match) == 1, f"expected one product {value}, found {len(match)}"
        return match.iloc[0]

    assert pd.isna(only("trade_name", "Мезим форте (Mezym forte)")["year"])  # the ban in Ukraine, 2019
    kagocel = products[products["trade_name"] == "Кагоцел (Kagocel)"]
    assert sorted(kagocel["year"].dropna().astype(int)) == [2015]  # not the 2012 sales
    # ATC group N is not all neurology; H01BB is obstetric, not endocrine.
    articaine = only("trade_name", "articaine")
    assert (articaine["atc_code"], articaine["therapy_area_code"]) == ("N01BB08", "anaesthetics")
    carbetocin = only("trade_name", "Carbetocin")
    assert (carbetocin["atc_code"], carbetocin["therapy_area_code"]) == ("H01BB03", "obstetrics")
    assert not (products["therapy_area_code"] == "neurology").any()
    # Companies follow their products and products text: Mir-Pharm is obstetric through carbetocin,
    # B-Pharm and Favorit ("anesthetics") are in anaesthetics, not in neurology for it.
    endocrine = companies_in_area("endocrinology", products, bundled["companies"])
    assert "mir_pharm" not in endocrine and "novo_nordisk" in endocrine
    assert "mir_pharm" in companies_in_area("obstetrics", products, bundled["companies"])
    anaesthetics = companies_in_area("anaesthetics", products, bundled["companies"])
    assert {"b_pharm", "favorit_trade_binergia", "okhfk"} <= anaesthetics
    assert areas_in_text("anesthetics in cartridges") == {"anaesthetics"}


# --- company profiles: one value per field with its record --------------------------------------

def test_profile_facts_synthetic():
    """SYNTHETIC records: two agree on the site (spelling aside), disagree on jobs; one states a year."""
    records = pd.DataFrame([
        {"record_key": "r1", "site": "Obninsk", "jobs_raw": "150", "year_raw": None, "source_url": "https://a.example/1"},
        {"record_key": "r2", "site": "obninsk ", "jobs_raw": ">300", "year_raw": "2015",
         "source_url": "https://b.example/2"},
    ])
    facts = cdata.profile_facts(records)
    assert facts["site"] == [{"value": "Obninsk", "record_keys": ["r1", "r2"],
                              "source_urls": ["https://a.example/1", "https://b.example/2"]}]
    assert [(e["value"], e["source_urls"]) for e in facts["jobs_raw"]] == [
        ("150", ["https://a.example/1"]), (">300", ["https://b.example/2"])]
    assert facts["year_raw"] == [{"value": "2015", "record_keys": ["r2"], "source_urls": ["https://b.example/2"]}]
    assert facts["parent_company"] == []
    assert cdata.fact_text(facts["jobs_raw"]) == "150; >300"


def test_profile_facts_novo_nordisk(bundled):
    records = bundled["company_records"]
    facts = cdata.profile_facts(records[records["company_key"] == "novo_nordisk"])
    jobs = {entry["value"]: entry["source_urls"] for entry in facts["jobs_raw"]}
    assert set(jobs) == {"150", "~300", ">300", ">225 (planned)"}
    assert jobs["150"][0].startswith("https://investkaluga.com/en/media/news/novo-nordis")
    assert all(len(urls) == 1 for urls in jobs.values())
    # Every record that names the parent agrees: one value, with each record's source.
    assert [entry["value"] for entry in facts["parent_company"]] == ["Novo Nordisk A/S"]
    assert len(facts["parent_company"][0]["source_urls"]) == 5


def test_site_sources_are_the_records_that_give_the_site():
    """SYNTHETIC records: the map cites the record whose site the district is read from, not the first record."""
    records = pd.DataFrame([
        {"record_key": "r1", "site": None, "jobs_raw": "150", "source_url": "https://a.example/1"},
        {"record_key": "r2", "site": "Obninsk", "jobs_raw": None, "source_url": "https://b.example/2"},
    ])
    assert cdata.site_source_urls(records, "Obninsk") == ["https://b.example/2"]
    assert cdata.site_source_urls(records, None) == []
