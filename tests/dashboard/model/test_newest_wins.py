"""The rule that merges editions (dashboard.model.observations.newest_wins), which the indicators line chart and the
API's editions=newest both apply: one row per region and period, the newest edition that publishes a value, missing
only if none does. SYNTHETIC rows."""

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
