"""The scorecard's read model: periods, ranks per period, changes, and the rows for unpublished years."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.model.scorecard import (
    HEADLINES,
    KALUGA,
    NEIGHBOURS,
    STATUSES,
    Headline,
    change,
    choose_period,
    previous_period,
    rank_among,
    scorecard,
)


def test_rank_is_among_regions_with_a_value_highest_first_ties_share():
    # synthetic cross-section
    values = pd.DataFrame({"region_code": ["A", "B", "C", "D", "E"], "value": [5.0, 9.0, 5.0, None, 1.0]})
    assert rank_among(values, "B") == (1, 4, 1)
    assert rank_among(values, "A") == (2, 4, 2) and rank_among(values, "C") == (2, 4, 2)
    assert rank_among(values, "E") == (4, 4, 1)
    assert rank_among(values, "D") is None and rank_among(values, "Z") is None


@pytest.mark.parametrize(("period", "kind", "before"), [
    ("2022", "year", "2021"), ("2023-01", "month", "2022-12"), ("2023-07", "month", "2023-06"),
    ("2023-Q1", "quarter", "2022-Q4"), ("2023-12-31", "point", "2022-12-31"), ("2023-YTD09", "ytd", "2022-YTD09"),
])
def test_previous_period_is_of_the_same_kind(period, kind, before):
    assert previous_period(period, kind) == before


def test_change_in_percent_for_levels_and_points_for_rates():
    assert change(110.0, 100.0, "percent") == pytest.approx(10.0)
    assert change(4.2, 5.0, "points") == pytest.approx(-0.8)
    assert change(1.0, None, "percent") is None and change(1.0, 0.0, "percent") is None


def test_a_monthly_indicator_is_ranked_for_one_month_never_pooled():
    # synthetic: two editions, months of 2021 and 2022; the newest month of the year is chosen, and the newest
    # edition that covers (nearly) every region for it
    rows = []
    for month in ("2021-11", "2021-12", "2022-01"):
        for region, value in (("A", 1.0), ("B", 2.0), ("C", 3.0)):
            rows.append({"region_code": region, "period": month, "year": int(month[:4]), "value": value,
                         "edition": "CBR-CPI-2026-03"})
    rows.append({"region_code": "A", "period": "2021-12", "year": 2021, "value": 7.0, "edition": "CBR-CPI-2027-01"})
    frame = pd.DataFrame(rows)
    # the 2027 edition has one region of three for December: the covering edition is kept
    assert choose_period(frame, 2021) == ("2021-12", "CBR-CPI-2026-03")
    assert choose_period(frame, 2022) == ("2022-01", "CBR-CPI-2026-03")
    assert choose_period(frame, 2019) is None


def test_headline_codes_are_distinct_and_cover_the_issue_list():
    keys = {h.key for h in HEADLINES}
    assert len(keys) == len(HEADLINES) and len({h.indicator for h in HEADLINES}) == len(HEADLINES)
    for wanted in ("grp", "grp_per_capita", "investment", "investment_per_capita", "wage", "income", "unemployment",
                   "industrial_production", "prices", "population", "innovative_goods", "exports_non_cis"):
        assert wanted in keys
    assert NEIGHBOURS == ("RU-MOS", "RU-TUL", "RU-ORL", "RU-BRY", "RU-SMO")


def test_scorecard_on_reference_data_says_not_published(loaded_engine):
    """Only the reference tables (no figures): every row is there, each saying why it has no value."""
    unknown = Headline("nothing", "no_such_indicator_code", "percent")
    table = scorecard(loaded_engine, 2021, (KALUGA, "RU-TUL"), "en", headlines=(HEADLINES[0], unknown))
    rows = table.records()
    assert len(rows) == 4 and {r["status"] for r in rows} <= set(STATUSES)
    by = {(r["headline"], r["region_code"]): r for r in rows}
    assert by[("grp", KALUGA)]["status"] == "not_published" and by[("grp", KALUGA)]["value"] is None
    assert by[("grp", KALUGA)]["indicator_name"] == "Gross regional product"
    assert by[("nothing", "RU-TUL")]["status"] == "not_loaded"
    assert by[("grp", "RU-TUL")]["region_name"] == "Tula Oblast"
