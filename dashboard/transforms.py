"""Views of a series as published, per capita, as an index, or year on year: the one transform path of the
indicators chart and of the API's /observations?transform= (so a chart's CSV is its numbers, byte for byte).

Input frames have columns region_code, edition, period, year, value (value None/NaN = missing); other columns are
carried through. A transform never fills a gap: where an input is missing, the output is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

TRANSFORMS = ("published", "per_capita", "index", "yoy")
POPULATION_INDICATOR = "population"  # average annual population, thousand people (the 2021 panel's `pop`)

# Units for which "per capita" means something (absolute amounts, not rates, shares or indices).
_RATE_MARKERS = ("%", "процент", " на ", "на 1", "на 10", "на 100", "индекс")

# How a derived figure is labelled in the files (the API's `unit` and `transform_note`): the same words as the
# indicators page's unit line and notes (dashboard/pages/indicators.py; tests/dashboard/test_transform_exports.py
# checks that the two agree).
TEXT = {
    "per_capita_unit": {"ru": "на 1000 жителей", "en": "per 1,000 people"},
    "index_unit": {"ru": "индекс, {year} = 100", "en": "index, {year} = 100"},
    "yoy_unit": {"ru": "% к тому же периоду прошлого года", "en": "% change on the same period a year earlier"},
    "yoy_unit_derived": {"ru": "% к тому же периоду прошлого года (расчёт по уровням)",
                         "en": "% change on the same period a year earlier (derived from the levels)"},
    "note_per_capita": {
        "ru": "Расчёт: значение / среднегодовая численность населения (тыс. человек) того же региона и года = на "
              "1000 человек среднегодовой численности населения того же года ({source}).",
        "en": "Derived: value / average annual population (thousand people) of the same region and year = per "
              "1,000 people of the average annual population of the same year ({source})."},
    "note_index": {"ru": "Расчёт: значение / значение {year} года того же региона и издания × 100 ({year} = 100).",
                   "en": "Derived: value / the same region's and edition's value of {year} × 100 ({year} = 100)."},
    "note_yoy_published": {
        "ru": "Изменение к прошлому году — опубликованный Росстатом индекс «{name}» ({code}) минус 100.",
        "en": "Year on year is Rosstat's published index \u201c{name}\u201d ({code}) minus 100."},
    "note_yoy_derived": {
        "ru": "Расчёт по уровням: (значение / значение того же периода прошлого года − 1) × 100 (Росстат не публикует "
              "индекс для этого показателя).",
        "en": "Derived from the levels: (value / the value of the same period a year earlier − 1) × 100 (Rosstat "
              "publishes no index for this indicator)."},
}


def _text(key: str, lang: str | None, **values: object) -> str:
    words = TEXT[key]
    return (words["en"] if lang == "en" else words["ru"]).format(**values)


def per_capita_allowed(unit_ru: str | None) -> bool:
    """Per capita only for absolute amounts; not for rates, shares, indices or an unknown unit."""
    if not isinstance(unit_ru, str) or not unit_ru:
        return False
    unit = f" {unit_ru.lower()} "
    return not any(marker in unit for marker in _RATE_MARKERS)


def per_capita_offered(code: str, additive: object, unit_ru: str | None) -> bool:
    """Per capita is offered only for totals: the registry's additive flag (the unit's rule where the registry has
    none), and never for the population itself. The chart and the API ask this one function."""
    if code == POPULATION_INDICATOR:
        return False
    if additive is None or additive is pd.NA or (isinstance(additive, float) and additive != additive):
        return per_capita_allowed(unit_ru)
    return bool(int(additive))


def unit_label(unit: str | None, transform: str, base_year: int | None, lang: str | None,
               published_index: bool = False) -> str:
    """The unit of a view's figures: the indicator's unit as published, or what the transform makes of it."""
    if transform == "per_capita":
        return f"{unit or ''} {_text('per_capita_unit', lang)}".strip()
    if transform == "index":
        return _text("index_unit", lang, year=base_year)
    if transform == "yoy":
        return _text("yoy_unit" if published_index else "yoy_unit_derived", lang)
    return unit or ""


def transform_note(transform: str, base_year: int | None, lang: str | None, population_source: str = "",
                   published_index: tuple[str, str] | None = None) -> str | None:
    """How a derived figure was computed, for the files' `transform_note`; None for a figure as published.

    population_source: the population indicator's name and table; published_index: (code, name) of Rosstat's own
    year-on-year index where the view uses it.
    """
    if transform == "per_capita":
        return _text("note_per_capita", lang, source=population_source)
    if transform == "index":
        return _text("note_index", lang, year=base_year)
    if transform == "yoy":
        if published_index:
            return _text("note_yoy_published", lang, code=published_index[0], name=published_index[1])
        return _text("note_yoy_derived", lang)
    return None


def population_source(name: str | None, source_table: str | None, lang: str | None) -> str:
    """The population figure a per-capita view divides by: its name and published table, in the page's language
    ("Регионы России 2021, табл. 1.2" / "Regions of Russia 2021, table 1.2", as the indicators page words it)."""
    table = source_table if isinstance(source_table, str) else ""
    if lang == "en":
        table = table.replace("Регионы России", "Regions of Russia")
    else:
        table = table.replace(" table ", " табл. ").replace(" tables ", " табл. ")
    return "; ".join(x for x in (name, table) if isinstance(x, str) and x)


def _within_year(frame: pd.DataFrame) -> pd.Series:
    """Where a period sits within its year: "" for a year, "-03" for March, "-Q3", "-H1", "-YTD09", "-12-31".

    NOTE: keyed on the period code, not on the month column: quarters, half-years and points in time have no month
    (the loader leaves it empty), and keying on region and year alone paired every quarter with every other one.
    """
    return frame["period"].astype(str).str[4:]


def per_capita(frame: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Value per 1,000 inhabitants: value / population (thousand people) for the same region and year."""
    pop = (population.dropna(subset=["value"]).sort_values("edition")
           .drop_duplicates(["region_code", "year"], keep="last")[["region_code", "year", "value"]]
           .rename(columns={"value": "_population"}))
    out = frame.merge(pop, on=["region_code", "year"], how="left")
    out["value"] = out["value"] / out["_population"]
    return out.drop(columns=["_population"])


def index_to_base(frame: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """Value as an index, base year = 100, within each region and edition (the same period of the base year)."""
    out = frame.assign(_within=_within_year(frame))
    keys = ["region_code", "edition", "_within"]
    base = out[out["year"] == base_year][[*keys, "value"]].rename(columns={"value": "_base"})
    out = out.merge(base.drop_duplicates(keys), on=keys, how="left")
    out["value"] = out["value"] / out["_base"] * 100
    return out.drop(columns=["_base", "_within"])


def year_on_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Percentage change against the same period a year earlier, within each region and edition."""
    out = frame.assign(_within=_within_year(frame))
    keys = ["region_code", "edition", "_within"]
    previous = out[[*keys, "year", "value"]].copy()
    previous["year"] = previous["year"] + 1
    previous = previous.rename(columns={"value": "_previous"}).drop_duplicates([*keys, "year"])
    out = out.merge(previous, on=[*keys, "year"], how="left")
    out["value"] = (out["value"] / out["_previous"] - 1) * 100
    return out.drop(columns=["_previous", "_within"])


def apply_transform(frame: pd.DataFrame, transform: str, base_year: int | None,
                    population: pd.DataFrame | None = None) -> pd.DataFrame:
    """The frame with `value` transformed. A transform that lacks its input is refused, never passed off as done."""
    if transform not in TRANSFORMS:
        raise ValueError(f"unknown transform: {transform!r}")
    frame = frame.astype({"value": "float64"})
    if transform == "per_capita":
        if population is None:
            raise ValueError("per_capita needs the population")
        out = per_capita(frame, population.astype({"value": "float64"}))
    elif transform == "index":
        if base_year is None:
            raise ValueError("index needs a base year")
        out = index_to_base(frame, base_year)
    elif transform == "yoy":
        out = year_on_year(frame)
    else:
        return frame
    # A division by zero (a base or a previous figure of 0) is no figure: missing, as in the chart so in the files.
    out["value"] = out["value"].where(np.isfinite(out["value"]))
    return out


Reader = Callable[[str, Sequence[str], "str | None"], pd.DataFrame]


def transformed(read: Reader, indicator: str, regions: Sequence[str], edition: str | None, transform: str,
                base_year: int | None, published_index: str | None = None) -> pd.DataFrame:
    """A view's figures after its transform, over every year (a year on year or an index needs years outside the
    view's range; the caller keeps its years afterwards): the one path the chart and the API take.

    read(code, regions, edition) gives an indicator's rows for those regions (all when empty) and edition (all when
    None). Year on year uses Rosstat's own index (`published_index`, in % of the same period a year earlier) minus
    100 where one is published, else the levels. Per capita divides by the population of the same region and year
    (every edition read; the newest-coded edition's figure wins). Each edition is transformed on its own, so a
    ratio never mixes two editions.
    """
    if transform == "yoy" and published_index:
        frame = read(published_index, regions, edition).astype({"value": "float64"})
        frame["value"] = frame["value"] - 100
        return frame
    frame = read(indicator, regions, edition)
    if frame.empty or transform == "published":
        return frame
    population = read(POPULATION_INDICATOR, regions, None) if transform == "per_capita" else None
    return apply_transform(frame, transform, base_year, population)
