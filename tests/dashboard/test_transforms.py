"""Transforms never fill a gap (SYNTHETIC frames, labelled so)."""

import math

import pandas as pd

from dashboard.transforms import apply_transform, index_to_base, per_capita, per_capita_allowed, year_on_year


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
