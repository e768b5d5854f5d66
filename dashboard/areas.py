"""Which therapy areas each cluster company works in: from its products and its products text.

Shared by the pages the global therapy-area filter applies to (investments, products, companies,
timeline). Pure functions over the frames queries.products() and queries.companies() return.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from etl.sources.cluster import THERAPY_KEYWORDS

# companies.products_text is short English prose ("GI and respiratory tract, cardiovascular, NSAIDs").
# The ETL's keywords (built for products.therapy_area) miss some of its words; these add them,
# each tied to the area whose ATC prefixes (data/reference/therapy_areas.csv) cover the products meant.
EXTRA_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("insulin", "endocrinology"),         # A10
    ("cardiovascular", "cardiology"),     # C
    ("gi", "gastroenterology"),           # "GI tract": A02-A09
    ("hepatoprotect", "gastroenterology"),  # A05
    ("spasmolytic", "gastroenterology"),  # A03
    ("chondroprotect", "musculoskeletal"),  # M01AX
    ("cns", "neurology"),                 # "CNS" drugs: N03, N04, N07 (psycholeptics have their own word)
    ("anesthe", "anaesthetics"),          # N01 anaesthetics: their own area, not neurology
    ("anaesthe", "anaesthetics"),
    ("obstetric", "obstetrics"),          # G02A, H01BB
    ("vaccin", "immunology"),             # J07
    ("transplant", "immunology"),         # L04 immunosuppressants
    ("reproductive", "genitourinary"),    # G
    ("radiopharmaceutical", "diagnostics"),  # V09
    ("diagnostic", "diagnostics"),        # V04
    ("infusion", "blood"),                # B05 blood substitutes and perfusion solutions
)

# Keywords match at the start of a word ("antivir" finds "antivirals"); the two-letter and
# three-letter abbreviations must be whole words ("gi" must not match "surgical").
_WHOLE_WORDS = {"gi", "cns"}
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"\b{re.escape(word)}" + (r"\b" if word in _WHOLE_WORDS else ""), re.IGNORECASE), code)
    for word, code in (*THERAPY_KEYWORDS, *EXTRA_KEYWORDS)
)


def areas_in_text(text: str | None) -> set[str]:
    """Every therapy area whose keyword appears in free text (all hits, not only the first)."""
    if not isinstance(text, str) or not text:
        return set()
    return {code for pattern, code in _RULES if pattern.search(text)}


def company_areas(products: pd.DataFrame, companies: pd.DataFrame) -> dict[str, set[str]]:
    """company key -> therapy areas: products.therapy_area_code plus keywords in companies.products_text.

    Every key found in either table is present (with an empty set when nothing is known). Product
    rows not tied to one company carry the pseudo key "cluster" and are kept as the data has them.
    """
    return _company_areas(zip(companies.get("key", []), companies.get("products_text", []), strict=True),
                          zip(products.get("company_key", []), products.get("therapy_area_code", []), strict=True))


def _company_areas(company_texts: Iterable[tuple[object, object]],
                   product_codes: Iterable[tuple[object, object]]) -> dict[str, set[str]]:
    # company_areas over (key, products_text) and (company_key, therapy_area_code) pairs.
    company_texts = list(company_texts)
    areas: dict[str, set[str]] = {}
    for key, _ in company_texts:
        if not _missing(key):
            areas.setdefault(str(key), set())
    for key, text in company_texts:
        if isinstance(key, str):
            areas[key] |= areas_in_text(text)
    for key, code in product_codes:
        if not isinstance(key, str):
            continue
        areas.setdefault(key, set())
        if isinstance(code, str) and code:
            areas[key].add(code)
    return areas


def _missing(value: object) -> bool:
    # What Series.dropna drops: None, NaN, pd.NA, NaT.
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def companies_in_area(area: str | None, products: pd.DataFrame, companies: pd.DataFrame) -> set[str] | None:
    """Keys of companies working in `area`; None when no area is chosen (no filter)."""
    if not area:
        return None
    return {key for key, codes in company_areas(products, companies).items() if area in codes}


def companies_in_area_rows(area: str | None, products: Iterable[dict], companies: Iterable[dict]) -> set[str] | None:
    """companies_in_area over the tables' rows as dicts (queries.product_rows, queries.company_rows)."""
    if not area:
        return None
    areas = _company_areas(((c["key"], c["products_text"]) for c in companies),
                           ((p["company_key"], p["therapy_area_code"]) for p in products))
    return {key for key, codes in areas.items() if area in codes}
