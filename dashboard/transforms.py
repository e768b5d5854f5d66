"""Views of a series as published, per capita, as an index, or year on year: pure frame functions.

Input frames have columns region_code, edition, period, year, month, value (value None = missing).
A transform never fills a gap: where an input is missing, the output is missing.
"""

from __future__ import annotations

import pandas as pd

TRANSFORMS = ("published", "per_capita", "index", "yoy")
POPULATION_INDICATOR = "population"  # average annual population, thousand people (the 2021 panel's `pop`)

# Units for which "per capita" means something (absolute amounts, not rates, shares or indices).
_RATE_MARKERS = ("%", "процент", " на ", "на 1", "на 10", "на 100", "индекс")


def per_capita_allowed(unit_ru: str | None) -> bool:
    """Per capita only for absolute amounts; not for rates, shares, indices or an unknown unit."""
    if not isinstance(unit_ru, str) or not unit_ru:
        return False
    unit = f" {unit_ru.lower()} "
    return not any(marker in unit for marker in _RATE_MARKERS)


def per_capita(frame: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Value per 1,000 inhabitants: value / population (thousand people) for the same region and year."""
    pop = (population.dropna(subset=["value"]).sort_values("edition")
           .drop_duplicates(["region_code", "year"], keep="last")[["region_code", "year", "value"]]
           .rename(columns={"value": "population"}))
    out = frame.merge(pop, on=["region_code", "year"], how="left")
    out["value"] = out["value"] / out["population"]
    return out.drop(columns=["population"])


def index_to_base(frame: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """Value as an index, base year = 100, within each region and edition (monthly: same month)."""
    out = frame.copy()
    keys = ["region_code", "edition"] + (["month"] if out["month"].notna().any() else [])
    base = out[out["year"] == base_year][[*keys, "value"]].rename(columns={"value": "base"})
    out = out.merge(base, on=keys, how="left")
    out["value"] = out["value"] / out["base"] * 100
    return out.drop(columns=["base"])


def year_on_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Percentage change against the same period a year earlier, within each region and edition."""
    out = frame.copy()
    keys = ["region_code", "edition"] + (["month"] if out["month"].notna().any() else [])
    previous = out[[*keys, "year", "value"]].copy()
    previous["year"] = previous["year"] + 1
    previous = previous.rename(columns={"value": "previous"})
    out = out.merge(previous, on=[*keys, "year"], how="left")
    out["value"] = (out["value"] / out["previous"] - 1) * 100
    return out.drop(columns=["previous"])


def apply_transform(frame: pd.DataFrame, transform: str, base_year: int | None,
                    population: pd.DataFrame | None = None) -> pd.DataFrame:
    frame = frame.astype({"value": "float64"})
    if transform == "per_capita" and population is not None:
        return per_capita(frame, population.astype({"value": "float64"}))
    if transform == "index" and base_year is not None:
        return index_to_base(frame, base_year)
    if transform == "yoy":
        return year_on_year(frame)
    return frame
