"""Transforms never fill a gap, compare like periods, and refuse what they lack (SYNTHETIC frames, labelled so)."""

import math

import pandas as pd
import pytest

from dashboard.transforms import (
    apply_transform,
    index_to_base,
    per_capita,
    per_capita_allowed,
    per_capita_offered,
    transformed,
    year_on_year,
)


def frame(values: dict[int, float | None], region: str = "RU-KLU") -> pd.DataFrame:
    """SYNTHETIC series for one region and edition."""
    return pd.DataFrame({"region_code": region, "edition": "E", "period": [str(y) for y in values],
                         "year": list(values), "month": None, "value": list(values.values())})


def test_index_base_year_is_100_and_gaps_stay_gaps():
    out = index_to_base(frame({2000: 50.0, 2001: None, 2002: 75.0}).astype({"value": float}), 2000)
    assert out["value"].iloc[0] == 100.0
    assert math.isnan(out["value"].iloc[1])
    assert out["value"].iloc[2] == 150.0


def test_year_on_year_needs_the_previous_year():
    out = year_on_year(frame({2000: 100.0, 2001: 110.0, 2003: 121.0}).astype({"value": float}))
    assert math.isnan(out["value"].iloc[0])
    assert round(out["value"].iloc[1], 9) == 10.0
    assert math.isnan(out["value"].iloc[2])  # 2002 is missing, so 2003 has no change


def test_per_capita_divides_by_population_of_the_same_year():
    population = frame({2000: 1000.0, 2001: None})
    out = per_capita(frame({2000: 500.0, 2001: 600.0}).astype({"value": float}),
                     population.astype({"value": float}))
    assert out["value"].iloc[0] == 0.5
    assert math.isnan(out["value"].iloc[1])


def test_per_capita_only_for_absolute_units():
    assert per_capita_allowed("миллионов рублей")
    assert not per_capita_allowed("процентов")
    assert not per_capita_allowed("на 1000 человек населения")
    assert not per_capita_allowed(None)


def test_published_is_unchanged():
    data = frame({2000: 1.0})
    assert apply_transform(data, "published", None)["value"].tolist() == [1.0]


def quarters(values: dict[str, float | None]) -> pd.DataFrame:
    """SYNTHETIC quarterly series: the loader leaves a quarter's month empty."""
    return pd.DataFrame({"region_code": "RU-KLU", "edition": "E", "period": list(values),
                         "year": [int(p[:4]) for p in values], "month": None, "value": list(values.values())})


def test_quarters_compare_with_the_same_quarter_only():
    data = quarters({"2016-Q1": 100.0, "2016-Q2": 200.0, "2017-Q1": 110.0, "2017-Q2": 150.0})
    out = year_on_year(data.astype({"value": float}))
    assert out["period"].tolist() == data["period"].tolist()  # one row each, never a quarter times every other
    assert [round(v, 9) for v in out["value"].tolist()[2:]] == [10.0, -25.0]
    indexed = index_to_base(data.astype({"value": float}), 2016)
    assert [round(v, 9) for v in indexed["value"].tolist()] == [100.0, 100.0, 110.0, 75.0]


def test_a_transform_without_its_input_is_refused_not_passed_off():
    data = frame({2000: 1.0})
    with pytest.raises(ValueError, match="population"):
        apply_transform(data, "per_capita", None)
    with pytest.raises(ValueError, match="base year"):
        apply_transform(data, "index", None)
    with pytest.raises(ValueError, match="unknown transform"):
        apply_transform(data, "per_person", None)


def test_per_capita_offered_for_totals_only_never_for_the_population():
    assert per_capita_offered("grp", True, "миллионов рублей")
    assert not per_capita_offered("avg_wage", False, "рублей")
    assert not per_capita_offered("population", True, "тысяч человек")
    assert per_capita_offered("x", None, "миллионов рублей") and not per_capita_offered("x", float("nan"), "%")


def test_transformed_reads_rosstats_index_where_published_and_the_population_for_per_capita():
    reads = []

    def read(code, regions, edition):
        reads.append((code, tuple(regions), edition))
        values = {"level": {2000: 10.0, 2001: 12.0}, "level_yoy": {2000: 104.0, 2001: 120.0},
                  "population": {2000: 2.0, 2001: 3.0}}[code]
        return frame(values)

    out = transformed(read, "level", ["RU-KLU"], "E", "yoy", None, published_index="level_yoy")
    assert out["value"].tolist() == [4.0, 20.0] and reads == [("level_yoy", ("RU-KLU",), "E")]
    reads.clear()
    out = transformed(read, "level", ["RU-KLU"], "E", "per_capita", None)
    assert out["value"].tolist() == [5.0, 4.0]
    assert reads == [("level", ("RU-KLU",), "E"), ("population", ("RU-KLU",), None)]  # every population edition


def test_a_division_by_zero_is_a_missing_figure_not_an_infinity():
    out = year_on_year(frame({2000: 0.0, 2001: 5.0}).astype({"value": float}))
    assert math.isinf(out["value"].iloc[1])  # the bare arithmetic ...
    done = apply_transform(frame({2000: 0.0, 2001: 5.0}), "yoy", None)
    assert done["value"].isna().tolist() == [True, True]  # ... is never passed on
    assert apply_transform(frame({2000: 0.0, 2001: 5.0}), "index", 2000)["value"].isna().all()
