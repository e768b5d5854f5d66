"""Browser tests of the Kaluga scorecard (/scorecard) in real headless Chromium."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from dash.testing.wait import until

from tests.dashboard.conftest import console_errors, current_query, has_horizontal_scroll, save_screenshot

pytestmark = pytest.mark.browser

GRID = "#scorecard-grid"


def cell(dash_duo, headline: str, col: str) -> str:
    """The text of one grid cell: the row whose indicator link is `headline`'s, the column `col` (field)."""
    return dash_duo.driver.execute_script(
        """var rows = document.querySelectorAll(arguments[0] + ' .ag-center-cols-container .ag-row');
           var pinned = document.querySelectorAll(arguments[0] + ' .ag-pinned-left-cols-container .ag-row');
           for (var i = 0; i < pinned.length; i++) {
             if (pinned[i].innerText.trim() === arguments[1]) {
               var index = pinned[i].getAttribute('row-index');
               var row = document.querySelector(arguments[0] + ' .ag-center-cols-container .ag-row[row-index="'
                                                + index + '"]');
               var c = row && row.querySelector('[col-id="' + arguments[2] + '"]');
               return c ? c.innerText.trim() : null;
             }
           }
           return null;""", GRID, headline, col)


def first_indicators(dash_duo, n: int = 3) -> list[str]:
    return dash_duo.driver.execute_script(
        """var rows = Array.from(document.querySelectorAll(arguments[0] + ' .ag-pinned-left-cols-container .ag-row'));
           rows.sort(function (a, b) { return a.getBoundingClientRect().top - b.getBoundingClientRect().top; });
           return rows.slice(0, arguments[1]).map(function (r) { return r.innerText.trim(); });""", GRID, n)


def downloaded(dash_duo, suffix: str, timeout: float = 20) -> Path:
    folder = Path(dash_duo.download_path)
    found: list[Path] = []

    def ready() -> bool:
        found[:] = sorted(p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0)
        return bool(found) and not list(folder.glob("*.crdownload"))

    until(ready, timeout=timeout)
    time.sleep(0.2)
    return found[-1]


def test_scorecard_ranks_sorts_links_and_exports(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/scorecard?lang=en&year=2021")
    until(lambda: cell(dash_duo, "GRP", "r0") == "46 of 85", timeout=20)
    assert cell(dash_duo, "GRP", "v0") == "671,156" and cell(dash_duo, "GRP", "c0") == "+19.4%"
    # cell texts are read with innerText, which keeps the no-break spaces the formats write
    assert cell(dash_duo, "Unemployment rate (LFS)", "c0") == "-0.8\u00a0pp"
    # 3.9% is shared by four regions: they share places 66 to 69 (the ranking view lists them one by one)
    assert cell(dash_duo, "Unemployment rate (LFS)", "r0") == "66–69 of 85"
    # the monthly index is ranked for one month (December), among the regions the Bank of Russia publishes
    assert cell(dash_duo, "Consumer prices, year on year, monthly (Bank of Russia)", "period") == "December 2021"
    # neighbours by default: five peers beside Kaluga
    headers = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' .ag-header-group-text'))"
        ".map(function (e) { return e.innerText.trim(); });", GRID)
    for name in ("Kaluga Oblast", "Moscow Oblast", "Tula Oblast", "Oryol Oblast", "Bryansk Oblast", "Smolensk Oblast"):
        assert name in headers
    assert dash_duo.driver.title == "Scorecard — Kaluga Cluster Atlas"

    # sortable: Kaluga's rank, best first
    before = first_indicators(dash_duo)
    dash_duo.find_element(f"{GRID} .ag-header-cell[col-id='r0']").click()
    until(lambda: first_indicators(dash_duo) != before, timeout=10)
    assert first_indicators(dash_duo, 1) == ["Imports from non-CIS countries"]  # rank 5 of 85, the best in 2021

    # exportable: the model's table as CSV, every headline for Kaluga and the peers
    dash_duo.find_element("#scorecard-download-button").click()
    path = downloaded(dash_duo, ".csv")
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 19 * 6
    grp = next(r for r in rows if r["headline"] == "grp" and r["region_code"] == "RU-KLU")
    assert (grp["rank"], grp["ranked"], grp["period"], grp["edition"]) == ("46", "85", "2021", "RR-2024")

    # each row links to its chart: the ranking of the same period and edition, where the rank comes from
    link = dash_duo.find_element(f"{GRID} .ag-pinned-left-cols-container a.scorecard-link")
    href = link.get_attribute("href")
    assert "/indicators?" in href and "view=ranking" in href and "edition=" in href
    save_screenshot(dash_duo, "scorecard-en-1440")
    assert console_errors(dash_duo) == []


def test_peers_change_and_url_reproduces_the_view(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/scorecard?lang=ru&year=2023&peers=RU-MOW,RU-TUL")
    until(lambda: cell(dash_duo, "ВРП", "period") == "не опубликовано за 2023 г.", timeout=20)
    assert cell(dash_duo, "Среднемесячная зарплата", "r0") == "32 из 85"
    assert cell(dash_duo, "Среднемесячная зарплата", "v0") == "61\u00a0588"
    headers = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' .ag-header-group-text'))"
        ".map(function (e) { return e.innerText.trim(); });", GRID)
    assert set(headers) >= {"Калужская область", "г. Москва", "Тульская область"}
    until(lambda: current_query(dash_duo).replace("%2C", ",").find("peers=RU-MOW,RU-TUL") >= 0, timeout=10)
    assert dash_duo.driver.title == "Сводка — Атлас Калужского фармкластера"
    save_screenshot(dash_duo, "scorecard-ru-1440")
    assert console_errors(dash_duo) == []


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_shared_places_are_shown_whole(dash_duo, atlas_app, lang):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/scorecard?lang={lang}&year=2021")
    unemployment = "Уровень безработицы (МОТ)" if lang == "ru" else "Unemployment rate (LFS)"
    until(lambda: cell(dash_duo, unemployment, "r0") == ("66–69 из 85" if lang == "ru" else "66–69 of 85"),
          timeout=20)
    # every rank cell's text fits its column: none is cut to "66–69 из…"
    cut = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' .ag-cell[col-id^=\"r\"]'))"
        ".filter(function (c) { return [c].concat(Array.from(c.querySelectorAll('*')))"
        "  .some(function (e) { return e.scrollWidth > e.clientWidth; }); })"
        ".map(function (c) { return c.innerText; });",
        GRID)
    assert cut == []


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_narrow_viewport(dash_duo, atlas_app, lang):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(375, 800)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/scorecard?lang={lang}")
    until(lambda: cell(dash_duo, "ВРП" if lang == "ru" else "GRP", "v0") not in (None, ""), timeout=20)
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, f"scorecard-{lang}-375")
    assert console_errors(dash_duo) == []
