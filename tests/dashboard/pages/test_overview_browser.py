"""Browser tests of the overview (/) in real headless Chromium."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from tests.dashboard.browser import click_segment, follow_nav_keeping_area, xy_traces
from tests.dashboard.conftest import (
    console_errors,
    current_query,
    has_horizontal_scroll,
    save_screenshot,
    wait_for_graph,
)

pytestmark = pytest.mark.browser

COMPARE = "overview-compare-graph"
PARTICIPANTS = "overview-participants-graph"




def first_x(dash_duo) -> object:
    data = xy_traces(dash_duo, COMPARE)
    return data[0]["x"][0] if data and data[0]["x"] else None




def test_cards_and_comparison_switch_reproduced_by_url(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?lang=en")
    # Headline figures from the bundled data, each with its page behind it.
    dash_duo.wait_for_text_to_equal("#overview-card-investment-value", ">50 bn RUB")
    dash_duo.wait_for_text_to_equal("#overview-card-grp-value", "No. 46 of 85")  # as test_overview_data reads it
    # The newest edition's figures (rr2024_s03_living_standards.xlsx 3.4.!Y15; rr2024_s10_investment.xlsx
    # 10.2.!Y15), Rosstat's own per-capita figure rather than one derived from two tables.
    dash_duo.wait_for_text_to_equal("#overview-card-wages-value", "61,587.9 RUB")
    dash_duo.wait_for_text_to_equal("#overview-card-per-capita-value", "117,541 RUB")
    grp_link = dash_duo.find_element("#overview-card-grp-link").get_attribute("href")
    assert "/indicators?" in grp_link and "indicator=grp" in grp_link and "view=ranking" in grp_link
    per_capita_link = dash_duo.find_element("#overview-card-per-capita-link").get_attribute("href")
    assert "indicator=investment_per_capita" in per_capita_link and "edition=RR-2024" in per_capita_link
    wait_for_graph(dash_duo, PARTICIPANTS)
    until(lambda: xy_traces(dash_duo, PARTICIPANTS) and 70 in xy_traces(dash_duo, PARTICIPANTS)[0]["y"], timeout=10)

    wait_for_graph(dash_duo, COMPARE)
    until(lambda: first_x(dash_duo) == 2000, timeout=10)  # GRP per capita, yearly from 2000
    names = {trace["name"] for trace in xy_traces(dash_duo, COMPARE)}
    assert names == {"Kaluga Oblast", "Russian Federation"}
    save_screenshot(dash_duo, "overview")

    click_segment(dash_duo, "overview-compare", "Average wage")
    until(lambda: str(first_x(dash_duo)).startswith("2009-01"), timeout=10)  # monthly wages from 2009
    until(lambda: "compare=avg_wage" in current_query(dash_duo), timeout=5)

    url = dash_duo.driver.current_url
    dash_duo.driver.get("about:blank")
    dash_duo.wait_for_page(url)
    wait_for_graph(dash_duo, COMPARE)
    until(lambda: str(first_x(dash_duo)).startswith("2009-01"), timeout=10)
    assert console_errors(dash_duo) == []


def test_area_carries_to_other_pages_card_links_and_language(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?lang=en&area=oncology")
    # One distinct product (osimertinib, cited twice), as test_overview_data's bundled summary counts it.
    # The cards' callback replaces the cards the layout drew: the wait finds the element anew at each try.
    dash_duo.wait_for_contains_text("#overview-card-products", "In Oncology: 1", timeout=10)
    assert "area=oncology" in dash_duo.find_element("#overview-card-products-link").get_attribute("href")

    follow_nav_keeping_area(dash_duo, "investments", "/investments", "oncology", "Oncology")

    dash_duo.find_element("#nav-overview").click()
    dash_duo.wait_for_element("#overview-card-grp-link", timeout=10).click()
    until(lambda: dash_duo.driver.execute_script("return window.location.pathname;") == "/indicators",
          timeout=10)
    assert "view=ranking" in current_query(dash_duo) and "area=oncology" in current_query(dash_duo)

    dash_duo.find_element("#nav-overview").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Kaluga region and its pharmaceutical cluster")
    dash_duo.find_element("#lang-ru").click()
    dash_duo.wait_for_text_to_equal("h1.page-title", "Калужская область и её фармкластер")
    dash_duo.wait_for_text_to_equal("#overview-card-grp-value", "46-е место из 85")
    assert "area=oncology" in current_query(dash_duo)
    assert console_errors(dash_duo) == []


def test_narrow_viewport(dash_duo, atlas_app):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(375, 800)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?lang=ru")
    wait_for_graph(dash_duo, COMPARE)
    # the page writes a no-break space between digit groups; WebDriver reads it as a plain space
    dash_duo.wait_for_text_to_equal("#overview-card-wages-value", "61 587,9 руб.")
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, "overview-375px")
    assert console_errors(dash_duo) == []


@pytest.mark.parametrize(("lang", "grp_period", "older", "wage_period"), [
    ("en", "Period: 2022", "2022 — older than the newest edition (Regions of Russia. Socio-economic indicators, "
                           "2024: data to 2023)", "Period: 2023"),
    ("ru", "Период: 2022", "2022 — старше новейшего издания (Регионы России. Социально-экономические "
                           "показатели. 2024: данные по 2023 г.)", "Период: 2023"),
])
def test_every_card_says_its_period_and_flags_an_older_figure(dash_duo, atlas_app, lang, grp_period, older,
                                                              wage_period):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?lang={lang}")
    # GRP is published a year later than wages and investment: the 2024 edition's GRP is for 2022, its
    # wage and investment per capita for 2023 (test_overview_data pins the figures), so GRP is flagged.
    dash_duo.wait_for_text_to_equal("#overview-card-grp-period", grp_period)
    dash_duo.wait_for_text_to_equal("#overview-card-grp-older", older)
    for card in ("wages", "per-capita"):
        dash_duo.wait_for_text_to_equal(f"#overview-card-{card}-period", wage_period)
        assert not dash_duo.driver.find_elements("css selector", f"#overview-card-{card}-older")
    # the cluster cards say their period too: the newest cited participants count is from 2025
    for card in ("investment", "participants", "products"):
        assert dash_duo.find_element(f"#overview-card-{card}-period").text.strip()
    assert dash_duo.find_element("#overview-card-participants-period").text.endswith("2025")
    save_screenshot(dash_duo, f"overview-periods-{lang}-1440")
    assert console_errors(dash_duo) == []
