"""The rule that merges editions (dashboard.model.observations.newest_wins), which the indicators line chart and the
API's editions=newest both apply: one row per region and period, the newest edition that publishes a value, missing
only if none does; the edition a cross-section shows and the period a second indicator is paired in. SYNTHETIC rows
and the SYNTHETIC fixture database."""

from __future__ import annotations

import math

from dashboard.model.observations import edition_age, newest_wins


def _merged(rows: list[tuple]) -> list[tuple]:
    regions, periods, editions, values = zip(*rows, strict=True)
    return [rows[i] for i in newest_wins(regions, periods, editions, values)]


def test_editions_age_by_the_date_their_code_ends_with():
    ordered = ["NO-DATE", "RR-2019", "806-2016-01", "RR-2021", "806-2021-03", "RR-2024"]
    assert sorted(reversed(ordered), key=edition_age) == ["NO-DATE", "806-2016-01", "RR-2019", "RR-2021",
                                                          "806-2021-03", "RR-2024"]


def test_the_newest_edition_with_a_value_wins_and_missing_only_if_none_has_one():
    rows = [
        ("RU-KLU", "2017", "RR-2019", 1.0), ("RU-KLU", "2017", "RR-2024", 3.0), ("RU-KLU", "2017", "RR-2021", 2.0),
        # the newest edition has no figure: the newest that has one wins (a NaN is as missing as a None)
        ("RU-KLU", "2018", "RR-2021", 5.0), ("RU-KLU", "2018", "RR-2024", None),
        ("RU-KLU", "2018", "RR-2022", math.nan),
        # no edition has one: the newest edition's empty row
        ("RU-TUL", "2018", "RR-2024", None), ("RU-TUL", "2018", "RR-2021", None),
        ("RU-TUL", "2017", "RR-2019", 7.0),
    ]
    assert _merged(rows) == [("RU-KLU", "2017", "RR-2024", 3.0), ("RU-KLU", "2018", "RR-2021", 5.0),
                             ("RU-TUL", "2018", "RR-2024", None), ("RU-TUL", "2017", "RR-2019", 7.0)]


def test_nothing_to_merge():
    assert newest_wins([], [], [], []) == []


# --- a cross-section's edition (the indicators ranking, map and scatter, the API's /scatter) -------------------


def test_a_cross_section_shows_the_newest_edition_with_nearly_the_most_regions():
    from dashboard.model.observations import cross_section_edition

    # RR-2024 has 9 figures of 10 (90%): newest among the nearly complete ones.
    assert cross_section_edition(["RR-2021"] * 10 + ["RR-2024"] * 9, [1.0] * 19) == "RR-2024"
    # A preliminary edition of a few regions does not stand for the country.
    assert cross_section_edition(["RR-2021"] * 10 + ["RR-2024"] * 8, [1.0] * 18) == "RR-2021"
    # Missing figures (None, or a NaN from a derived frame) are not counted; nothing at all: no edition.
    assert cross_section_edition(["RR-2019", "RR-2024", "RR-2024"], [1.0, None, math.nan]) == "RR-2019"
    assert cross_section_edition(["RR-2024"], [None]) is None and cross_section_edition([], []) is None


def test_a_second_indicator_is_read_in_the_same_period_else_its_newest_of_that_year(model_engine):
    from dashboard.model.observations import period_in_year

    assert period_in_year(model_engine, "grp", "2017") == "2017"
    # avg_wage (SYNTHETIC) has 2017-03 and 2017-YTD09 but no "2017": the greatest code of that year.
    assert period_in_year(model_engine, "avg_wage", "2017") == "2017-YTD09"
    assert period_in_year(model_engine, "avg_wage", "2017-03") == "2017-03"
    # Nothing of the indicator in that year: None (never a period of another year).
    assert period_in_year(model_engine, "avg_wage", "2016") is None
    assert period_in_year(model_engine, "grp", "2030") is None
