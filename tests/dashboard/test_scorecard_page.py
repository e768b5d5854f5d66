"""The scorecard over the bundled database: its ranks are the indicators page's ranking view's, row by row."""

from __future__ import annotations

import re

import pytest

from dashboard.model.scorecard import KALUGA, NEIGHBOURS, scorecard
from etl.db import make_engine
from tests.dashboard.pages.render import visit

RANK = re.compile(r"Kaluga Oblast: rank (\d+) of (\d+)")


def _texts(node: object):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def ranking_view_rank(client, indicator: str, period: str, edition: str) -> tuple[int, int] | None:
    """Kaluga's rank as the indicators page's ranking view states it for one period and edition."""
    url = f"/indicators?lang=en&indicator={indicator}&view=ranking&year={period}&edition={edition}"
    for _output, status, response in visit(client, url):
        assert status == 200
        for text in _texts(response):
            found = RANK.search(text)
            if found:
                return int(found.group(1)), int(found.group(2))
    return None


@pytest.fixture
def kaluga_rows(bundled_db_url):
    table = scorecard(make_engine(bundled_db_url), 2021, (KALUGA, *NEIGHBOURS), "en")
    return [r for r in table.records() if r["region_code"] == KALUGA]


def test_scorecard_ranks_match_the_ranking_view(client, kaluga_rows):
    ranked = [r for r in kaluga_rows if r["rank"] is not None]
    # 2021 is published for every headline indicator in the bundled data, the monthly CPI (Bank of Russia)
    # for December 2021 among them
    assert len(ranked) == len(kaluga_rows) == 19
    monthly = next(r for r in ranked if r["headline"] == "prices_monthly")
    assert monthly["period"] == "2021-12" and monthly["period_kind"] == "month" and monthly["ranked"] <= 85
    tied = 0
    for row in ranked:
        view_rank, view_ranked = ranking_view_rank(client, row["indicator_code"], row["period"], row["edition"])
        assert view_ranked == row["ranked"], row["headline"]
        # equal values share places: the view lists tied regions one after another, so its place for Kaluga is one
        # of the places the scorecard gives as shared (rank to rank + tied - 1); untied, the two are equal
        assert row["rank"] <= view_rank <= row["rank"] + row["tied"] - 1, row["headline"]
        tied += row["tied"] > 1
    assert tied < len(ranked) // 2  # most headline figures are untied, so most places agree exactly


def test_scorecard_figures_and_changes_on_the_bundled_data(kaluga_rows):
    by = {r["headline"]: r for r in kaluga_rows}
    # the GRP rank the overview shows for 2021 as well (46 of 85; RR-2024, table 8.1)
    assert (by["grp"]["rank"], by["grp"]["ranked"], by["grp"]["edition"]) == (46, 85, "RR-2024")
    assert by["grp"]["value"] == pytest.approx(671155.5) and by["grp"]["previous_period"] == "2020"
    assert by["grp"]["change"] == pytest.approx((671155.5 / 561895.8 - 1) * 100)
    assert by["unemployment"]["change_unit"] == "points" and by["unemployment"]["change"] == pytest.approx(-0.8)
    assert by["prices_monthly"]["previous_period"] == "2021-11"
    assert all(r["source"] for r in kaluga_rows)


def test_scorecard_workbook_is_the_model_table_with_an_about_sheet(atlas_app):
    import io
    import sys

    import openpyxl

    page = next(m for name, m in sys.modules.items() if name.endswith("scorecard") and hasattr(m, "scorecard_xlsx"))
    with atlas_app.server.app_context():
        data = page.scorecard_xlsx(2021, ("RU-TUL",), "en")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Scorecard", "About"]
    rows = list(book["Scorecard"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 19 * 2 and "rank" in header and "tied" in header
    grp = dict(zip(header, next(r for r in body if r[0] == "grp" and r[5] == "RU-KLU"), strict=True))
    assert (grp["value"], grp["rank"], grp["ranked"], grp["edition"]) == (671155.5, 46, 85, "RR-2024")
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Year"] == 2021 and about["Regions"] == "Kaluga Oblast; Tula Oblast"
