"""Kaluga's scorecard: every headline indicator for one year, with rank among the regions and the change.

For each headline indicator and each region asked for (Kaluga and its peers): the value of the chosen
year's period in the newest edition that publishes that period, the region's rank among the federal
subjects for that one period (1 = the highest value; a monthly indicator is ranked for one month, never
over a year of months), and the change against the previous period of the same kind in the same edition
(percent for levels, points for rates and indices). Where an indicator is not published for the year,
the rows say so (status) rather than borrow another year.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from dashboard.model.indicators import catalogue
from dashboard.model.observations import ObservationRequest, observations
from dashboard.model.regions import regions as read_regions
from dashboard.model.table import Column, Table, typed_rows

KALUGA = "RU-KLU"
# Kaluga's neighbours: Moscow Oblast, Tula, Oryol, Bryansk and Smolensk oblasts (ISO 3166-2:RU, regions table).
NEIGHBOURS = ("RU-MOS", "RU-TUL", "RU-ORL", "RU-BRY", "RU-SMO")


@dataclass(frozen=True)
class Headline:
    """One scorecard row: a key for its label, the indicator code, and how its change is measured."""

    key: str
    indicator: str
    change: str  # "percent": a level (the change in %); "points": a rate or an index (the difference)


# NOTE: codes from data/reference/indicators.csv where the registry names them; the others are the
# registry's stable codes (a slug plus a hash of the table's identity) of «Регионы России» tables:
# 3.2 money income, 3.1.1 real incomes, 2.10.1 unemployment (LFS), 12.3.2 industrial production (OKVED2),
# 20.1 consumer prices, 1.2 average annual population, 18.5 R&D expenditure, 18.12.1 innovation activity,
# 18.14.1 innovative goods, 21.1-21.2 foreign trade (the 2022 edition only: published to 2021).
HEADLINES: tuple[Headline, ...] = (
    Headline("grp", "grp", "percent"),
    Headline("grp_per_capita", "grp_per_capita", "percent"),
    Headline("investment", "investment_fixed_capital", "percent"),
    Headline("investment_per_capita", "investment_per_capita", "percent"),
    Headline("wage", "avg_wage_annual", "percent"),
    Headline("income", "srednedushevye_denezhnye_f87db53bb0", "percent"),
    Headline("real_income", "realnye_denezhnye_dokhod_27c846d956", "points"),
    Headline("unemployment", "uroven_bezrabotitsy_urov_e04e9442b5", "points"),
    Headline("industrial_production", "indeksy_promyshlennogo_p_6e39fbe54e", "points"),
    Headline("prices", "indeksy_potrebitelskikh_1a11ce8374", "points"),
    Headline("prices_monthly", "cbr_cpi_yoy", "points"),
    Headline("population", "srednegodovaya_chislenno_8f6c47df22", "percent"),
    Headline("rd_expenditure", "vnutrennie_zatraty_na_na_7be539bc64", "percent"),
    Headline("innovation_activity", "innovatsionnaya_aktivnos_e9552054eb", "points"),
    Headline("innovative_goods", "obem_innovatsionnykh_tov_15ad640c29", "percent"),
    Headline("exports_non_cis", "vneshnyaya_torgovlya_so_c073d7eb1c", "percent"),
    Headline("exports_cis", "vneshnyaya_torgovlya_so_71415ee2ac", "percent"),
    Headline("imports_non_cis", "vneshnyaya_torgovlya_so_0b8c149258", "percent"),
    Headline("imports_cis", "vneshnyaya_torgovlya_so_f3750014f3", "percent"),
)

# Why a row has no value: "" a value; "not_published" no figure of the indicator for the year in any
# edition; "missing" the period is published but not for this region; "not_loaded" the indicator is not
# in the database.
STATUSES = ("", "not_published", "missing", "not_loaded")

COLUMNS = (
    Column("headline", "string", "Key of the headline row (grp, wage, prices, ...).", nullable=False),
    Column("indicator_code", "string", "Indicator code, the `indicator` parameter of /observations.",
           nullable=False),
    Column("indicator_name", "string", "Indicator name in the requested language."),
    Column("unit", "string", "Unit in the requested language."),
    Column("frequency", "string", "year or month."),
    Column("region_code", "string", "Region code.", nullable=False),
    Column("region_name", "string", "Region name in the requested language."),
    Column("period", "string", "The period shown: the year, or the newest month of the year published."),
    Column("period_kind", "string", "year, month, point, ..."),
    Column("edition", "string", "The edition the period's figures come from (the newest that has the period)."),
    Column("edition_title", "string", "Its title in the requested language."),
    Column("value", "number", "The published figure; missing where status says why."),
    Column("rank", "integer", "Rank among the federal subjects for this period and edition (1 = highest; "
           "ties share the better rank)."),
    Column("ranked", "integer", "Federal subjects with a figure for this period and edition."),
    Column("tied", "integer", "Regions sharing this value (1: none other); they hold places rank to rank + tied - 1."),
    Column("previous_period", "string", "The previous period of the same kind."),
    Column("previous_value", "number", "The figure of the previous period, same edition."),
    Column("change", "number", "value − previous_value in percent of previous_value (change_unit percent) "
           "or in the indicator's points (change_unit points)."),
    Column("change_unit", "string", "percent or points.", nullable=False),
    Column("status", "string", '"" a value; not_published, missing or not_loaded otherwise.', nullable=False),
    Column("source", "string", "Publisher, edition, file, sheet and cell of the figure."),
)


def rank_among(values: pd.DataFrame, region_code: str) -> tuple[int, int, int] | None:
    """(rank, ranked, tied) of a region in one period's cross-section of federal subjects: 1 = highest value,
    ties share the better rank and `tied` says how many regions share it (rates published to one decimal tie
    often: 3.9% unemployment is places 66 to 69 of 85); None when the region has no value."""
    rows = values.dropna(subset=["value"])
    own = rows.loc[rows["region_code"] == region_code, "value"]
    if own.empty:
        return None
    value = float(own.iloc[0])
    return int((rows["value"] > value).sum()) + 1, len(rows), int((rows["value"] == value).sum())


def previous_period(period: str, kind: str) -> str | None:
    """The period before `period` of the same kind: 2022 -> 2021, 2023-01 -> 2022-12, 2023-12-31 -> 2022-12-31."""
    if kind == "year":
        return str(int(period) - 1)
    if kind == "month":
        year, month = int(period[:4]), int(period[5:7])
        return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    if kind == "quarter":
        year, q = int(period[:4]), int(period[-1])
        return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"
    if kind == "point":
        return f"{int(period[:4]) - 1}{period[4:]}"
    if kind in ("half_year", "ytd"):
        return f"{int(period[:4]) - 1}{period[4:]}"  # the same span a year earlier
    return None


def change(value: float | None, previous: float | None, unit: str) -> float | None:
    if value is None or previous is None or (isinstance(value, float) and math.isnan(value)) \
            or (isinstance(previous, float) and math.isnan(previous)):
        return None
    if unit == "points":
        return float(value) - float(previous)
    return None if previous == 0 else (float(value) / float(previous) - 1.0) * 100.0


def edition_age(code: str) -> tuple:
    """Sort key of an edition by when it was published (the date its code ends with: RR-2024, 806-2016-01)."""
    found = re.findall(r"(?<!\d)((?:19|20)\d{2})(?:-(\d{2}))?(?:-(\d{2}))?(?!\d)", code)
    if not found:
        return (0, 0, 0, code)
    year, month, day = found[-1]
    return (int(year), int(month or 0), int(day or 0), code)


def choose_period(frame: pd.DataFrame, year: int) -> tuple[str, str] | None:
    """(period, edition) shown for `year`: the year itself or, for a finer kind (months), the newest period of
    the year published; then the newest edition among those covering at least 90% as many regions as the
    best-covered one for that period. NOTE: the indicators page's ranking takes the same period and edition
    (a bare year, then its newest period; `_cross_section`), so a row's rank is the ranking view's."""
    rows = frame[(frame["year"] == year) & frame["value"].notna()]
    if rows.empty:
        return None
    period = str(rows["period"].max())
    counts = rows.loc[rows["period"] == period, "edition"].value_counts().to_dict()
    best = max(counts.values())
    edition = max(counts, key=lambda e: (counts[e] >= best * 0.9, edition_age(str(e))))
    return period, str(edition)


def scorecard(engine: Engine, year: int, regions: Sequence[str] = (KALUGA, *NEIGHBOURS), lang: str | None = None,
              headlines: Sequence[Headline] = HEADLINES) -> Table:
    """The scorecard for `year`: one row per headline indicator and region, in headline then region order."""
    regions = tuple(dict.fromkeys(regions)) or (KALUGA,)
    subjects = read_regions(engine, lang, kind="region").frame()
    names = read_regions(engine, lang, codes=regions).frame().set_index("code")["name"].to_dict()
    subject_codes = tuple(subjects["code"])
    known = set(catalogue(engine).column("code"))
    meta = catalogue(engine, lang, codes=[h.indicator for h in headlines if h.indicator in known])
    meta = meta.frame().set_index("code") if len(meta) else pd.DataFrame()
    out = []
    for headline in headlines:
        base = {"headline": headline.key, "indicator_code": headline.indicator, "change_unit": headline.change}
        if headline.indicator not in meta.index:
            out += [{**base, "region_code": r, "region_name": names.get(r), "status": "not_loaded"} for r in regions]
            continue
        info = meta.loc[headline.indicator]
        base.update(indicator_name=info["name"], unit=_blank(info["unit"]), frequency=info["frequency"])
        frame = observations(engine, ObservationRequest(headline.indicator, subject_codes, year - 1, year,
                                                        lang=lang)).frame()
        chosen = choose_period(frame, year)
        if chosen is None:
            out += [{**base, "region_code": r, "region_name": names.get(r), "status": "not_published"}
                    for r in regions]
            continue
        period, edition = chosen
        in_edition = frame[frame["edition"] == edition]
        now = in_edition[in_edition["period"] == period]
        kind = str(now["period_kind"].iloc[0])
        before_period = previous_period(period, kind)
        before = in_edition[in_edition["period"] == before_period].set_index("region_code")["value"]
        by_region = now.set_index("region_code")
        for region in regions:
            row = {**base, "region_code": region, "region_name": names.get(region), "period": period,
                   "period_kind": kind, "edition": edition, "edition_title": now["edition_title"].iloc[0],
                   "previous_period": before_period}
            value = by_region.at[region, "value"] if region in by_region.index else None
            if value is None or pd.isna(value):
                out.append({**row, "status": "missing"})
                continue
            ranked = rank_among(now[["region_code", "value"]], region)
            previous = before.get(region)
            previous = None if previous is None or pd.isna(previous) else float(previous)
            out.append({**row, "value": float(value), "rank": ranked[0] if ranked else None,
                        "ranked": ranked[1] if ranked else None, "tied": ranked[2] if ranked else None,
                        "previous_value": previous,
                        "change": change(float(value), previous, headline.change), "status": "",
                        "source": by_region.at[region, "source"]})
    rows = [tuple(r.get(c.name) if c.name != "status" else r.get("status", "") for c in COLUMNS) for r in out]
    return Table(COLUMNS, typed_rows(COLUMNS, rows), len(rows))


def _blank(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def year_coverage(engine: Engine, headlines: Sequence[Headline] = HEADLINES) -> dict[int, int]:
    """Years Kaluga has a figure for, each with the number of headline indicators that have one (the year
    picker and its default)."""
    counts: dict[int, int] = {}
    for headline in headlines:
        table = observations(engine, ObservationRequest(headline.indicator, (KALUGA,)))
        for year in {int(y) for y, v in zip(table.column("year"), table.column("value"), strict=True)
                     if v is not None}:
            counts[year] = counts.get(year, 0) + 1
    return counts
