"""Browser tests of the chart exports in real headless Chromium: the export menu (mouse and keyboard, RU/EN),
CSV/XLSX/PNG/SVG files in dash_duo's download folder compared with what the chart plots, the page pack, and the
products grid's own CSV export behind the formula guard.

The database is a copy of the bundled one where a few product and company names are replaced by hostile text
(a SYNTHETIC change for these tests; every other figure is the bundled data's).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import sqlite3
import struct
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from dashboard.model.export import BOM
from etl.db import make_engine
from tests.dashboard.browser import click_segment, traces
from tests.dashboard.conftest import ARTIFACTS, console_errors, has_horizontal_scroll, save_screenshot, wait_for_graph

pytestmark = pytest.mark.browser

HOSTILE_PRODUCTS = ("=1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1")
# The read model strips the blanks around a name, so "\t=1" is shown (and exported) as "=1": still guarded.
SHOWN = tuple(dict.fromkeys(name.strip() for name in HOSTILE_PRODUCTS))
HOSTILE_COMPANY = "=HYPERLINK(\"http://example.invalid\")"
COMPARE = "overview-compare"
TREE = "products-tree"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def hostile_db(request, tmp_path_factory) -> str:
    """SYNTHETIC: the bundled database with hostile names on five products and one company.

    EXPORTS_TEST_SOURCE_DB (a SQLite file built by `etl refresh`) stands in for the session's bundled database
    when set: a developer's shortcut past the one-to-two-minute build.
    """
    source_path = os.environ.get("EXPORTS_TEST_SOURCE_DB") or \
        request.getfixturevalue("bundled_db_url").removeprefix("sqlite:///")
    path = tmp_path_factory.mktemp("hostile") / "atlas.sqlite"
    # The backup API, not a file copy: the bundled database is in WAL mode and may be open.
    with sqlite3.connect(f"file:{source_path}?mode=ro", uri=True) as source, sqlite3.connect(path) as target:
        source.backup(target)
    with sqlite3.connect(path) as conn:
        keys = [k for (k,) in conn.execute("SELECT record_key FROM products ORDER BY record_key LIMIT 5")]
        for key, name in zip(keys, HOSTILE_PRODUCTS, strict=True):
            conn.execute("UPDATE products SET trade_name = ? WHERE record_key = ?", (name, key))
        (company,) = conn.execute("SELECT p.company_key FROM products p JOIN companies c ON c.key = p.company_key"
                                  " ORDER BY p.record_key LIMIT 1").fetchone()
        conn.execute("UPDATE companies SET name_ru = ?, name_en = ? WHERE key = ?",
                     (HOSTILE_COMPANY, HOSTILE_COMPANY, company))
        conn.execute("UPDATE products SET company_label = ? WHERE company_key = ?", (HOSTILE_COMPANY, company))
    return f"sqlite:///{path}"


@pytest.fixture
def export_app(hostile_db):
    from dashboard.app import create_app

    return create_app(make_engine(hostile_db), {"CACHE_TYPE": "SimpleCache"})


def downloaded(dash_duo, suffix: str, timeout: float = 20) -> Path:
    """The newest finished download ending with `suffix` (Chromium writes .crdownload until it is done)."""
    folder = Path(dash_duo.download_path)
    found: list[Path] = []

    def ready() -> bool:
        found[:] = sorted((p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0),
                          key=lambda p: p.stat().st_mtime)
        return bool(found) and not list(folder.glob("*.crdownload"))

    until(ready, timeout=timeout)
    time.sleep(0.2)  # the rename is atomic, but let the size settle on a slow disk
    return found[-1]


def open_menu(dash_duo, card: str) -> None:
    dash_duo.find_element(f"#{card}-export summary").click()
    until(lambda: dash_duo.driver.execute_script(
        f"return document.getElementById('{card}-export').open;"), timeout=5)


def choose(dash_duo, card: str, selector: str) -> None:
    open_menu(dash_duo, card)
    dash_duo.find_element(f"#{card}-export {selector}").click()


def plotted_values(dash_duo, graph: str) -> list[float]:
    return sorted(float(v) for tr in traces(dash_duo, graph) for v in tr.get("y") or [] if v is not None)


def test_card_menu_downloads_csv_xlsx_png_svg_of_what_the_chart_shows(dash_duo, export_app):
    dash_duo.start_server(export_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?lang=en")
    wait_for_graph(dash_duo, f"{COMPARE}-graph")
    until(lambda: plotted_values(dash_duo, f"{COMPARE}-graph"), timeout=20)
    shown = plotted_values(dash_duo, f"{COMPARE}-graph")
    title = dash_duo.find_element(f"#{COMPARE}-title").text.strip()
    source = dash_duo.find_element(f"#{COMPARE}-source").text.strip()
    assert source

    dash_duo.driver.execute_script(f"document.getElementById('{COMPARE}').scrollIntoView({{block: 'center'}});")
    open_menu(dash_duo, COMPARE)
    items = [e.text for e in dash_duo.find_elements(f"#{COMPARE}-export .export-menu-item")]
    assert items == ["Data (CSV)", "Excel workbook (XLSX)", "Image (PNG)", "Vector image (SVG)"]
    save_screenshot(dash_duo, "exports-menu-1440")
    dash_duo.find_element(f"#{COMPARE}-export button.export-menu-item").click()  # CSV
    path = downloaded(dash_duo, ".csv")
    raw = path.read_bytes()
    assert raw.startswith(BOM.encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert sorted(float(r["value"]) for r in rows if r["value"]) == shown
    assert {"period_kind", "unit", "edition_title", "source_url"} <= set(rows[0])
    assert all(r["edition_title"] and r["unit"] for r in rows)
    until(lambda: not dash_duo.driver.execute_script(
        f"return document.getElementById('{COMPARE}-export').open;"), timeout=5)  # the menu folds after a choice

    choose(dash_duo, COMPARE, "button[id*='chart-xlsx-button']")
    book = openpyxl.load_workbook(downloaded(dash_duo, ".xlsx"))
    assert book.sheetnames == ["Data", "About"]
    data = book["Data"]
    header = [c.value for c in data[1]]
    value_column = next(i for i, h in enumerate(header) if str(h).startswith("value, "))
    values = [row[value_column] for row in data.iter_rows(min_row=2, values_only=True)]
    assert sorted(v for v in values if v is not None) == shown
    assert all(isinstance(v, float | int) for v in values if v is not None)
    assert data.freeze_panes == "A2"
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row[0]}
    assert about["Chart"] == title
    assert about["Address of this view"].startswith(dash_duo.server_url)
    assert about["Source line (as on the chart)"] == " ".join(source.split())
    # The loads that brought the figures, with their dates, and the licence their provenance records.
    assert any(key.startswith("Load ") and "UTC" in str(value) for key, value in about.items())
    assert "General rule" in about and any(str(k).startswith("Editions: RR-") for k in about)

    choose(dash_duo, COMPARE, f"#{COMPARE}-png")
    png_path = downloaded(dash_duo, ".png")
    shutil.copy(png_path, ARTIFACTS / "exports-chart.png")  # kept to look at
    png = png_path.read_bytes()
    assert len(png) > 1000 and png.startswith(PNG_SIGNATURE)
    choose(dash_duo, COMPARE, f"#{COMPARE}-svg")
    svg = downloaded(dash_duo, ".svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg")
    assert title in svg
    # The source line is drawn into the image (wrapped over lines): every word of it is there.
    assert all(word in svg for word in source.replace(";", " ").split() if word.isalpha())
    assert console_errors(dash_duo) == []


def test_menu_works_from_the_keyboard_in_russian_and_fits_375px(dash_duo, export_app):
    dash_duo.start_server(export_app)
    dash_duo.driver.set_window_size(375, 900)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/products?lang=ru")
    wait_for_graph(dash_duo, f"{TREE}-graph")
    summary = dash_duo.find_element(f"#{TREE}-export summary")
    assert summary.text == "Скачать"
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", summary)
    summary.send_keys(Keys.ENTER)
    until(lambda: dash_duo.driver.execute_script(f"return document.getElementById('{TREE}-export').open;"), 5)
    items = [e.text for e in dash_duo.find_elements(f"#{TREE}-export .export-menu-item")]
    assert items == ["Данные (CSV)", "Таблица Excel (XLSX)", "Картинка (PNG)", "Векторный рисунок (SVG)"]
    save_screenshot(dash_duo, "exports-menu-375")
    assert not has_horizontal_scroll(dash_duo)
    # Tab reaches the first item; Escape closes the menu and gives the focus back to its button.
    dash_duo.driver.switch_to.active_element.send_keys(Keys.TAB)
    assert dash_duo.driver.switch_to.active_element.text == "Данные (CSV)"
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    until(lambda: not dash_duo.driver.execute_script(f"return document.getElementById('{TREE}-export').open;"), 5)
    assert dash_duo.driver.switch_to.active_element.tag_name == "summary"
    # Enter on an item chooses it: the CSV of the tree, hostile product names guarded.
    summary.send_keys(Keys.ENTER)
    until(lambda: dash_duo.driver.execute_script(f"return document.getElementById('{TREE}-export').open;"), 5)
    dash_duo.driver.switch_to.active_element.send_keys(Keys.TAB)
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ENTER)
    text = downloaded(dash_duo, ".csv").read_bytes().decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    for name in SHOWN:
        assert name not in cells and "'" + name in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert console_errors(dash_duo) == []


def test_page_pack_has_every_chart_of_the_page_and_keeps_hostile_names_text(dash_duo, export_app):
    dash_duo.start_server(export_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/products?lang=en")
    cards = [e.get_attribute("id") for e in dash_duo.find_elements("section.chart-card")]
    for card in cards:
        wait_for_graph(dash_duo, f"{card}-graph")
    titles = [dash_duo.find_element(f"#{card}-title").text.strip() for card in cards]
    until(lambda: any(traces(dash_duo, f"{TREE}-graph")), timeout=20)
    pack = dash_duo.find_element("#page-pack-button")
    assert pack.text == "Every chart on this page (XLSX)" and pack.is_displayed()
    pack.click()
    path = downloaded(dash_duo, ".xlsx")
    assert path.name == "products_charts.xlsx"
    book = openpyxl.load_workbook(path)
    assert len(book.sheetnames) == len(cards) + 1 and book.sheetnames[-1] == "About"
    assert [name for name in book.sheetnames[:-1]] == [t[:31].strip() for t in titles]
    about_titles = [row[0] for row in book["About"].iter_rows(values_only=True)]
    assert all(title in about_titles for title in titles)
    tree = book[book.sheetnames[cards.index(TREE)]]
    labels = {}
    for row in tree.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                labels[cell.value.replace("_x000D_", "\r")] = cell
    for name in SHOWN:
        assert labels[name].data_type == "s" and labels[name].quotePrefix
    for sheet in book:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    # Pages without charts do not offer the pack.
    dash_duo.wait_for_page(f"{dash_duo.server_url}/api?lang=en")
    until(lambda: not dash_duo.find_element("#page-pack-button").is_displayed(), timeout=10)
    assert console_errors(dash_duo) == []


def test_products_grid_export_goes_through_the_formula_guard(dash_duo, export_app):
    dash_duo.start_server(export_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/products?lang=en")
    until(lambda: dash_duo.driver.execute_script(
        "try { return window.dash_ag_grid.getApi('products-grid').getDisplayedRowCount(); }"
        " catch (e) { return 0; }") > 0, timeout=20)
    dash_duo.find_element("#products-export").click()
    text = downloaded(dash_duo, ".csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cells = [cell for row in rows for cell in row]
    for name in SHOWN:
        assert "'" + name in cells and name not in cells
    assert "'" + HOSTILE_COMPANY in cells and HOSTILE_COMPANY not in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert console_errors(dash_duo) == []


def test_indicators_card_keeps_the_api_csv_and_its_xlsx_holds_the_same_rows(dash_duo, export_app):
    dash_duo.start_server(export_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/indicators?lang=en")
    card = "indicators-chart"
    wait_for_graph(dash_duo, f"{card}-graph")
    until(lambda: (dash_duo.find_element(f"#{card}-csv").get_attribute("href") or "").count("/api/v1/"), 20)
    href = dash_duo.find_element(f"#{card}-csv").get_attribute("href")
    with urllib.request.urlopen(href) as response:  # the CSV the menu's first item downloads: the API's
        api_rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8-sig"), newline="")))
    assert api_rows
    choose(dash_duo, card, "button[id*='chart-xlsx-button']")
    book = openpyxl.load_workbook(downloaded(dash_duo, ".xlsx"))
    sheet = book["Data"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    value = next(h for h in header if str(h).startswith("value"))
    assert [r[value] for r in rows] == [float(r["value"]) if r["value"] else None for r in api_rows]
    assert [(r["region_code"], r["period"], r["edition"]) for r in rows] == \
        [(r["region_code"], r["period"], r["edition"]) for r in api_rows]
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row[0]}
    assert about["Chart"] == dash_duo.find_element(f"#{card}-title").text.strip()
    choose(dash_duo, card, f"#{card}-svg")
    svg = downloaded(dash_duo, ".svg").read_text(encoding="utf-8")
    assert about["Chart"] in svg
    assert console_errors(dash_duo) == []


@pytest.mark.parametrize("transform", ["per_capita", "yoy"])
def test_a_transformed_indicators_view_exports_the_numbers_it_plots(dash_duo, export_app, transform):
    dash_duo.start_server(export_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/indicators?indicator=grp&regions=RU-KLU,RU-TUL&years=2010,2017"
                           f"&edition=RR-2021&transform={transform}&lang=en")
    card = "indicators-chart"
    wait_for_graph(dash_duo, f"{card}-graph")
    until(lambda: f"transform={transform}" in (dash_duo.find_element(f"#{card}-csv").get_attribute("href") or ""),
          20)
    until(lambda: plotted_values(dash_duo, f"{card}-graph"), timeout=20)
    shown = plotted_values(dash_duo, f"{card}-graph")
    with urllib.request.urlopen(dash_duo.find_element(f"#{card}-csv").get_attribute("href")) as response:
        api_rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8-sig"), newline="")))
    # One edition: the CSV holds exactly the numbers drawn, marked as derived, in the card's unit.
    assert sorted(float(r["value"]) for r in api_rows if r["value"]) == shown and len(shown) >= 12
    assert {r["transform"] for r in api_rows} == {transform} and all(r["transform_note"] for r in api_rows)
    assert {r["unit"] for r in api_rows} == {dash_duo.find_element(f"#{card}-unit").text.strip()}
    choose(dash_duo, card, "button[id*='chart-xlsx-button']")
    book = openpyxl.load_workbook(downloaded(dash_duo, ".xlsx"))
    header = [c.value for c in book["Data"][1]]
    value = next(h for h in header if str(h).startswith("value"))
    rows = [dict(zip(header, row, strict=True)) for row in book["Data"].iter_rows(min_row=2, values_only=True)]
    assert sorted(r[value] for r in rows if r[value] is not None) == shown
    about = [row[1] for row in book["About"].iter_rows(values_only=True) if row[0] == "Transform"]
    assert about == [f"{transform} (derived figures): {api_rows[0]['transform_note']}"]
    assert console_errors(dash_duo) == []


def test_a_scatters_csv_and_xlsx_hold_its_points_x_y_and_size(dash_duo, export_app):
    dash_duo.start_server(export_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/indicators?indicator=grp&view=scatter&year=2019"
                           "&vs=grp_per_capita&size=population&lang=en")
    card = "indicators-chart"
    wait_for_graph(dash_duo, f"{card}-graph", timeout=40)
    until(lambda: "/api/v1/scatter?" in (dash_duo.find_element(f"#{card}-csv").get_attribute("href") or ""), 20)
    until(lambda: (t := traces(dash_duo, f"{card}-graph")) and t[0]["type"] == "scatter" and len(t[0]["x"]) >= 80,
          timeout=20)
    points = traces(dash_duo, f"{card}-graph")[0]
    drawn = list(zip(points["x"], points["y"], strict=True))
    with urllib.request.urlopen(dash_duo.find_element(f"#{card}-csv").get_attribute("href")) as response:
        api_rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8-sig"), newline="")))
    # The CSV the menu offers: a row per point, its x and its y, and the size figure the point is drawn from.
    assert [(float(r["x_value"]), float(r["y_value"])) for r in api_rows] == drawn
    assert {r["size_indicator_code"] for r in api_rows} == {"population"}
    assert {r["x_period"] for r in api_rows} == {r["y_period"] for r in api_rows} == {"2019"}
    choose(dash_duo, card, "button[id*='chart-xlsx-button']")
    book = openpyxl.load_workbook(downloaded(dash_duo, ".xlsx"))
    header = [c.value for c in book["Data"][1]]
    assert {"x_value, million RUB", "y_value, RUB", "size_value, thousand persons"} <= set(header)
    rows = [dict(zip(header, row, strict=True)) for row in book["Data"].iter_rows(min_row=2, values_only=True)]
    assert [(r["x_value, million RUB"], r["y_value, RUB"]) for r in rows] == drawn
    assert [r["size_value, thousand persons"] for r in rows] == \
        [float(r["size_value"]) if r["size_value"] else None for r in api_rows]
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row[0]}
    assert about["Numbers"].startswith("Exactly the points the chart shows")
    assert (about["Unit (x)"], about["Unit (y)"]) == ("million RUB", "RUB")
    assert console_errors(dash_duo) == []


@pytest.mark.parametrize("path, card", [("/indicators?view=map&lang=ru", "indicators-chart"),
                                        ("/companies?lang=ru", "companies-map")])
def test_maps_export_as_png_and_svg_with_their_source(dash_duo, export_app, path, card):
    dash_duo.start_server(export_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
    wait_for_graph(dash_duo, f"{card}-graph")
    # (the indicators map is a choropleth; the companies map draws its districts as filled scatter outlines)
    until(lambda: len(traces(dash_duo, f"{card}-graph")) > 1, timeout=30)
    until(lambda: dash_duo.find_element(f"#{card}-source").text.strip(), timeout=20)
    source = dash_duo.find_element(f"#{card}-source").text.strip()
    choose(dash_duo, card, f"#{card}-png")
    png_path = downloaded(dash_duo, ".png")
    shutil.copy(png_path, ARTIFACTS / f"exports-{card}.png")  # kept to look at
    assert png_path.read_bytes().startswith(PNG_SIGNATURE) and png_path.stat().st_size > 10_000
    choose(dash_duo, card, f"#{card}-svg")
    svg = downloaded(dash_duo, ".svg").read_text(encoding="utf-8")
    assert "<path" in svg
    words = [w for w in source.replace(";", " ").replace(":", " ").split() if w.isalpha()]
    assert words and all(word in svg for word in words)
    assert RANK_WORDS["ru"] not in svg  # (the ranking's line on Kaluga's place is not the map's)
    assert console_errors(dash_duo) == []


# The start of the ranking's line on Kaluga's place (the card's note line) in each language, and the line view's label.
RANK_WORDS = {"ru": "-е место из 85", "en": "Kaluga Oblast: rank "}
LINE_VIEW = {"ru": "Динамика", "en": "Line"}


def _svg_size(svg: str) -> tuple[int, int]:
    width, height = re.match(r'\s*<svg [^>]*?width="(\d+)" height="(\d+)"', svg).groups()
    return int(width), int(height)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_ranking_image_carries_kalugas_place_and_the_line_views_does_not(dash_duo, export_app, lang):
    card = "indicators-chart"
    dash_duo.start_server(export_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/indicators?lang={lang}&indicator=grp_per_capita&view=ranking"
                           "&year=2022")
    wait_for_graph(dash_duo, f"{card}-graph")
    dash_duo.wait_for_contains_text("#indicators-rank", RANK_WORDS[lang], timeout=20)
    until(lambda: traces(dash_duo, f"{card}-graph") and traces(dash_duo, f"{card}-graph")[0]["type"] == "bar", 20)
    rank = dash_duo.find_element("#indicators-rank").text.strip()
    title = dash_duo.find_element(f"#{card}-title").text.strip()
    choose(dash_duo, card, f"#{card}-svg")
    svg_path = downloaded(dash_duo, ".svg")
    svg = svg_path.read_text(encoding="utf-8")
    shutil.copy(svg_path, ARTIFACTS / f"exports-ranking-{lang}.svg")  # kept to look at
    # The line as the page shows it, in its language, whole on one line of the image: under the title (and unit),
    # above the chart (plotly's own <svg>, nested in the image's).
    assert f">{rank}</text>" in svg
    chart_starts = svg.index("<svg", 1)
    assert svg.index(title) < svg.index(f">{rank}</text>") < chart_starts
    # The PNG is the same picture at twice the size: as tall as the SVG with the line.
    choose(dash_duo, card, f"#{card}-png")
    png_path = downloaded(dash_duo, ".png")
    shutil.copy(png_path, ARTIFACTS / f"exports-ranking-{lang}.png")  # kept to look at
    png = png_path.read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    width, height = _svg_size(svg)
    assert struct.unpack(">II", png[16:24]) == (2 * width, 2 * height)

    # The line view has no such line (the page's is empty and hidden), and its image holds none.
    svg_path.unlink()  # (a second download of the same name replaces the file: wait for the new one)
    click_segment(dash_duo, "indicators-view", LINE_VIEW[lang])
    until(lambda: (t := traces(dash_duo, f"{card}-graph")) and t[0]["type"] == "scatter", timeout=20)
    until(lambda: not dash_duo.find_element("#indicators-rank").text.strip(), timeout=10)
    choose(dash_duo, card, f"#{card}-svg")
    line_svg = downloaded(dash_duo, ".svg").read_text(encoding="utf-8")
    assert dash_duo.find_element(f"#{card}-title").text.strip() in line_svg
    assert rank not in line_svg and RANK_WORDS[lang] not in line_svg
    assert console_errors(dash_duo) == []
