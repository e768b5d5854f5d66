"""Headline figures for the overview: pure functions over the frames and rows dashboard.queries returns."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from dashboard.investments_data import CLUSTER_KEYS
from dashboard.products_data import distinct_products
from dashboard.transforms import per_capita

# Counts of cluster members, however the source words it. Other "companies" rows are not member
# counts: "new companies joined cluster" (a flow), "companies negotiating SEZ placement", "pharma
# companies operating in region" (the region, not the cluster), "production and R&D companies" (a subset).
PARTICIPANT_INDICATORS = re.compile(r"^\s*cluster (participants|companies|enterprises)\s*$", re.IGNORECASE)
# The association's own cumulative total ("over 50 bn RUB since 2007", interview).
HEADLINE_INVESTMENT = re.compile(r"investment.*since 2007", re.IGNORECASE)


def investment_headline(cluster_indicators: pd.DataFrame) -> dict | None:
    """The cited cluster investment since 2007, as written; None when no such row is loaded."""
    rows = cluster_indicators[cluster_indicators["indicator"].fillna("").str.contains(HEADLINE_INVESTMENT)]
    if rows.empty:
        return None
    return rows.sort_values("record_key").iloc[0].to_dict()


PARTICIPANT_COLUMNS = ["year", "value_raw", "qualifier", "value_low", "value_high", "unit", "indicator", "year_raw",
                       "source_url", "record_key"]


def participants(cluster_indicators: Iterable[dict]) -> list[dict]:
    """Cited counts of cluster members by year (targets and undated rows left out), oldest first: one dict
    (PARTICIPANT_COLUMNS) per cited count, from the cluster indicators' rows (queries.cluster_indicator_rows)."""
    rows = [{**{column: row[column] for column in PARTICIPANT_COLUMNS}, "year": int(row["year"])}
            for row in cluster_indicators
            if PARTICIPANT_INDICATORS.match(row["indicator"] or "") and row["year"] is not None
            and not int(row["is_target"] or 0)]
    return sorted(rows, key=lambda row: (row["year"], row["record_key"]))


def products_summary(products: pd.DataFrame, area: str | None = None) -> dict:
    """Distinct products, therapy areas, companies; and the products in `area` when one is chosen.

    A product cited by several rows counts once (products_data.distinct_products). Rows tied to the
    cluster as a whole (company key "cluster") count as products, not as a company.
    """
    products = distinct_products(products)
    areas = products["therapy_area_code"].replace("", None).dropna()
    companies = products.loc[~products["company_key"].isin(CLUSTER_KEYS), "company_key"]
    return {
        "products": len(products),
        "areas": int(areas.nunique()),
        "companies": int(companies.nunique()),
        "unclassified": int(len(products) - len(areas)),
        "cited_rows": int(products["records"].sum()) if len(products) else 0,
        "in_area": None if not area else int((products["therapy_area_code"] == area).sum()),
    }


def newest_edition(editions: list[str]) -> str | None:
    """The latest edition code (codes sort by year: RR-2019 < RR-2021)."""
    return sorted(editions)[-1] if editions else None


def latest_period(frame: pd.DataFrame, region_code: str) -> str | None:
    """The latest period with a published value for one region."""
    rows = frame[(frame["region_code"] == region_code) & frame["value"].notna()]
    return None if rows.empty else str(rows["period"].max())


def subjects_only(frame: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Rows of federal subjects (regions.kind == "region"): no country, districts or region parts."""
    codes = set(regions.loc[regions["kind"] == "region", "code"])
    return frame[frame["region_code"].isin(codes)]


def rank_among_subjects(frame: pd.DataFrame, regions: pd.DataFrame, region_code: str) -> dict | None:
    """Rank of one region by value (1 = highest) among federal subjects with a value.

    Ties share the better rank. None when the region has no value.
    """
    rows = subjects_only(frame, regions).dropna(subset=["value"])
    own = rows[rows["region_code"] == region_code]
    if own.empty:
        return None
    value = float(own["value"].iloc[0])
    return {"rank": int((rows["value"] > value).sum()) + 1, "n": len(rows), "value": value,
            "period": str(own["period"].iloc[0]), "edition": str(own["edition"].iloc[0])}


def per_capita_cross_section(values: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Value per 1,000 inhabitants for every region, as the indicators page computes it."""
    return per_capita(values.astype({"value": "float64"}), population.astype({"value": "float64"}))


# --- how old each card's figure is -----------------------------------------------------------------

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


def period_year(period: object) -> int | None:
    """The (last) year a period names: "2022" -> 2022, "2015-12" -> 2015, "2017-2019" -> 2019; None without one."""
    if period is None or (isinstance(period, float) and pd.isna(period)):
        return None
    years = [int(y) for y in _YEAR.findall(str(period))]
    return max(years) if years else None


def edition_year(edition: str | None) -> int | None:
    """The year an edition is of: RR-2024 -> 2024, 806-2016-01 -> 2016, CBR-CPI-2026-03 -> 2026."""
    if not edition:
        return None
    found = _YEAR.search(edition)
    return int(found.group(1)) if found else None


def newest_reference(figures: list[dict]) -> dict | None:
    """The newest edition among the cards' published figures ({"edition", "period"} each) and the newest year
    it gives any of them: the yardstick a card's figure is "older" against. None without published figures."""
    dated = [f for f in figures if edition_year(f.get("edition")) and period_year(f.get("period"))]
    if not dated:
        return None
    newest = max(dated, key=lambda f: (edition_year(f["edition"]), f["edition"]))["edition"]
    year = max(period_year(f["period"]) for f in dated if f["edition"] == newest)
    return {"edition": newest, "year": year}


def is_older(period: object, reference: dict | None) -> bool:
    """Whether a figure's period ends before the newest edition's newest year (a figure to flag as old)."""
    year = period_year(period)
    return bool(reference) and year is not None and year < reference["year"]
