"""Every page in both languages: no text of the other language outside proper names, and the page's title.

A Russian page may show Latin script only in proper names (companies, products and their substances, the
cited sources' titles and publishers as recorded), codes and units written in capitals (RU-KLU, CSV, PNG,
GMP), web addresses and file names; an English page may show Cyrillic only in the same proper names. Data
recorded in one language and shown as recorded is marked with its language (`lang="en"` / `lang="ru"`, class
`original-text`: the OriginalText grid cell of assets/i18n.js) and read as such, not as page text; code
(`pre`, `code`: API examples, parameter and file names) is in neither language.
"""

from __future__ import annotations

import re

import pytest
from dash.testing.wait import until
from sqlalchemy import create_engine, text

from tests.dashboard.conftest import console_errors, save_screenshot

pytestmark = pytest.mark.browser

LATIN = re.compile(r"(?<![\w.@/-])[A-Za-z][A-Za-z'’]+(?:-[A-Za-z]+)*(?![\w.@/-])")
CYRILLIC = re.compile(r"[А-Яа-яЁё]{2,}(?:-[А-Яа-яЁё]+)*")  # one letter is a code: 806-р, р.
# Written the same in both languages: capitals are codes and units (RU-KLU, CSV, XLSX, PNG, API, GMP, SEZ).
ALL_CAPS = re.compile(r"^[A-Z]{1,6}$")
ROMAN = re.compile(r"^(?:i{1,3}|iv|v|vi{1,3}|ix|x)$", re.IGNORECASE)  # quarters in Rosstat's titles: «в iv квартале»

# The visible text of the page with marked original-language data left out, and the modebar's tooltips.
PAGE_TEXT = """
var lang = arguments[0];
var body = document.body.cloneNode(true);
body.querySelectorAll('[lang]:not([lang="' + lang + '"]), .original-text, pre, code, script, style, noscript')
    .forEach(function (e) { e.remove(); });
// innerText of a detached clone is its textContent: keep blocks apart so words do not run together
body.querySelectorAll('div, p, li, td, th, span, a, h1, h2, h3, button, label, option')
    .forEach(function (e) { e.append(' '); });
var titles = Array.from(document.querySelectorAll('.modebar-btn'))
    .map(function (e) { return e.getAttribute('data-title') || ''; });
return body.textContent + ' ' + titles.join(' ');
"""


# Names of software and formats a page may mention in either language.
SOFTWARE = {"excel", "plotly", "openstreetmap", "odbl", "python", "pandas", "curl", "openapi", "json"}


def proper_names(db_url: str) -> set[str]:
    """Words of the names the data records as proper names: companies, parents, products and substances,
    sources' titles and publishers, and the cited pages' addresses."""
    engine = create_engine(db_url)
    queries = [
        "select name_ru, name_en, parent_company from companies",
        "select company_label, null, null from events",
        "select company_label, null, null from investments",
        "select trade_name, inn, company_label from products",
        "select name_ru, name_en, parent_company from company_records",
        "select title, publisher, url from sources",
    ]
    words: set[str] = set(SOFTWARE)
    with engine.connect() as conn:
        for query in queries:
            for row in conn.execute(text(query)):
                for value in row:
                    if isinstance(value, str):
                        words.update(w.casefold() for w in re.findall(r"[\w'’]+", value))
    engine.dispose()
    return words


def foreign_words(page_text: str, lang: str, allowed: set[str]) -> list[str]:
    """Words of the other language in a page's text, beyond proper names, codes and addresses."""
    found = LATIN.findall(page_text) if lang == "ru" else CYRILLIC.findall(page_text)
    leaks = []
    for word in found:
        parts = re.findall(r"[\w'’]+", word)
        if lang == "ru" and (all(ALL_CAPS.match(p) for p in word.split("-")) or ROMAN.match(word)):
            continue
        if parts and all(p.casefold() in allowed for p in parts):
            continue
        leaks.append(word)
    return sorted(set(leaks))


def site_pages(dash_duo, bundled_db_url) -> list[str]:
    """Every page the navigation lists, two company profiles (the first by key, and the one with the most cited
    records, investments, products and events: every recorded field a profile shows), the API page and an
    unknown address."""
    dash_duo.wait_for_element("#site-nav a")
    paths = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#site-nav a'))"
        ".map(function (a) { return new URL(a.href).pathname; });")
    engine = create_engine(bundled_db_url)
    with engine.connect() as conn:
        first = conn.execute(text("select key from companies order by key limit 1")).scalar_one()
        fullest = conn.execute(text(
            "select c.key from companies c order by"
            " (select count(*) from company_records r where r.company_key = c.key)"
            " + (select count(*) from investments i where i.company_key = c.key)"
            " + (select count(*) from products p where p.company_key = c.key)"
            " + (select count(*) from events e where e.company_key = c.key) desc, c.key limit 1")).scalar_one()
    engine.dispose()
    return list(dict.fromkeys([*paths, f"/companies/{first}", f"/companies/{fullest}", "/api", "/no-such-page"]))


TITLES = {"ru": "Атлас Калужского фармкластера", "en": "Kaluga Cluster Atlas"}

@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_page_speaks_its_language(dash_duo, atlas_app, bundled_db_url, lang):
    dash_duo.start_server(atlas_app)
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?lang={lang}")
    allowed = proper_names(bundled_db_url)
    leaks: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    for path in site_pages(dash_duo, bundled_db_url):
        dash_duo.driver.get(f"{dash_duo.server_url}{path}?lang={lang}")
        dash_duo.wait_for_element("h1", timeout=20)
        # the page's callbacks have answered: nothing is loading any more
        until(lambda: not dash_duo.driver.find_elements("css selector", "[data-dash-is-loading='true']"),
              timeout=30)
        until(lambda: TITLES[lang] in dash_duo.driver.title, timeout=10)
        titles[path] = dash_duo.driver.title
        words = foreign_words(dash_duo.driver.execute_script(PAGE_TEXT, lang), lang, allowed)
        if words:
            leaks[path] = words
        save_screenshot(dash_duo, f"language-{lang}{path.replace('/', '_') or '_'}")
    assert leaks == {}, f"text in the other language on {lang} pages: {leaks}"
    # every page has its own title, in the page's language (the company profiles share their template's)
    named = {re.sub(r"^/companies/.+", "/companies/<key>", p): t for p, t in titles.items() if p not in ("/",)}
    assert len(set(named.values())) == len(named), titles
    other = "en" if lang == "ru" else "ru"
    assert not any(TITLES[other] in t for t in titles.values()), titles
    # the unknown address answers HTTP 404 on purpose, which the browser logs; nothing else may be logged
    assert [e for e in console_errors(dash_duo) if "/no-such-page" not in e.get("message", "")] == []


def test_foreign_words_rules():
    """The checker itself (synthetic text): names, codes, addresses and files pass; other words do not."""
    allowed = {"novo", "nordisk", "berlin", "chemie", "обнинск"}
    text_ru = "Novo Nordisk открыла завод; RU-KLU, CSV, tass.ru, rr2024_s03.xlsx; Berlin-Chemie; planned 2015"
    assert foreign_words(text_ru, "ru", allowed) == ["planned"]
    assert foreign_words("Plant in Обнинск; Калужская область", "en", allowed) == ["Калужская", "область"]
