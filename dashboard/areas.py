"""Which therapy areas each cluster company works in: from its products and its products text.

Shared by the pages the global therapy-area filter applies to (investments, products, companies,
timeline). Pure functions over the frames queries.products() and queries.companies() return.
"""

from __future__ import annotations

import re

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
    areas: dict[str, set[str]] = {}
    for key in companies.get("key", pd.Series(dtype=object)).dropna():
        areas.setdefault(str(key), set())
    for key, text in zip(companies.get("key", []), companies.get("products_text", []), strict=True):
        if isinstance(key, str):
            areas[key] |= areas_in_text(text)
    for key, code in zip(products.get("company_key", []), products.get("therapy_area_code", []),
                         strict=True):
        if not isinstance(key, str):
            continue
        areas.setdefault(key, set())
        if isinstance(code, str) and code:
            areas[key].add(code)
    return areas


def companies_in_area(area: str | None, products: pd.DataFrame, companies: pd.DataFrame) -> set[str] | None:
    """Keys of companies working in `area`; None when no area is chosen (no filter)."""
    if not area:
        return None
    return {key for key, codes in company_areas(products, companies).items() if area in codes}
