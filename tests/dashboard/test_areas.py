"""company -> therapy areas, from products and the companies' products text."""

from __future__ import annotations

import pandas as pd

from dashboard import queries
from dashboard.areas import areas_in_text, companies_in_area, company_areas


def frames(products: list[dict], companies: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.DataFrame(products, columns=["company_key", "therapy_area_code"]),
            pd.DataFrame(companies, columns=["key", "products_text"]))


def test_text_keywords_find_every_area_and_only_whole_abbreviations():
    assert areas_in_text("GI and respiratory tract, cardiovascular, vitamins, NSAIDs") == {
        "gastroenterology", "respiratory", "cardiology", "musculoskeletal"}
    assert areas_in_text("antivirals (Kagocel), collagen (Collost)") == {"anti_infectives"}
    # "gi" inside a word is not the GI tract.
    assert areas_in_text("surgical gloves, logistics") == set()
    assert areas_in_text(None) == set()


def test_products_and_text_are_combined_per_company():
    products, companies = frames(
        [{"company_key": "a", "therapy_area_code": "oncology"},
         {"company_key": "a", "therapy_area_code": None},
         {"company_key": "b", "therapy_area_code": "cardiology"}],
        [{"key": "a", "products_text": "insulins (diabetes)"},
         {"key": "c", "products_text": "pharmaceutical substances"}])
    assert company_areas(products, companies) == {
        "a": {"oncology", "endocrinology"}, "b": {"cardiology"}, "c": set()}


def test_no_area_means_no_filter():
    products, companies = frames([], [{"key": "a", "products_text": "oncology"}])
    assert companies_in_area(None, products, companies) is None
    assert companies_in_area("", products, companies) is None
    assert companies_in_area("oncology", products, companies) == {"a"}
    assert companies_in_area("cardiology", products, companies) == set()


def test_bundled_cluster_companies(atlas_app):
    with atlas_app.server.app_context():
        products, companies = queries.products(), queries.companies()
    areas = company_areas(products, companies)
    assert set(companies["key"]) <= set(areas)
    # Novo Nordisk: Fiasp (A10) and "insulins (diabetes)".
    assert areas["novo_nordisk"] == {"endocrinology"}
    # AstraZeneca: osimertinib (L01) and Forxiga (A10).
    assert areas["astrazeneca"] == {"oncology", "endocrinology"}
    # Berlin-Chemie only by its products text ("cardiology, neurology, gastroenterology") and Mezym.
    assert {"cardiology", "neurology", "gastroenterology"} <= areas["berlin_chemie_menarini"]
    assert companies_in_area("oncology", products, companies) >= {"astrazeneca", "pharm_sintez"}
    assert "novo_nordisk" not in companies_in_area("oncology", products, companies)
