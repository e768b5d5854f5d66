"""RU/EN strings, number formats (one per language), plurals (Babel's rules) and dates."""

import datetime as dt

import pytest

from dashboard.i18n import (
    NBSP,
    STRINGS,
    axis_number_format,
    format_compact,
    format_count,
    format_date,
    format_number,
    format_period,
    graph_config,
    grid_number_formatter,
    normalise_language,
    pick,
    plotly_separators,
    plural,
    t,
)


def test_every_string_has_both_languages():
    assert all(set(entry) == {"ru", "en"} and all(entry.values()) for entry in STRINGS.values())


def test_russian_numbers_use_decimal_comma_and_no_break_space():
    assert format_number(417065.0, "ru") == "417\u00a0065"
    assert format_number(23903.3, "ru", 1) == "23\u00a0903,3"
    assert format_number(1234567.891, "ru", 2) == "1\u00a0234\u00a0567,89"
    assert format_number(4.25, "ru") == "4,25"
    assert format_number(-5.25, "ru", 1) in {"-5,2", "-5,3"}  # half-even rounding either way is a format


def test_english_numbers_use_comma_thousands_and_decimal_point():
    assert format_number(23903.3, "en", 1) == "23,903.3"
    assert format_number(417065, "en") == "417,065"
    assert format_number(0.5, "en") == "0.50"


def test_one_thousands_separator_in_russian_everywhere():
    # the Plotly layout, the AG Grid formatter's locale and format_number agree on the characters
    assert plotly_separators("ru") == "," + NBSP and plotly_separators("en") == ".,"
    assert NBSP in format_number(12345, "ru") and "\u202f" not in format_number(12345, "ru")
    assert "ru-RU" in grid_number_formatter("ru")["function"]
    english = grid_number_formatter("en", 1)["function"]
    assert "en-US" in english and ", 1," in english
    assert "нет данных" in grid_number_formatter("ru")["function"]


def test_axes_show_no_latin_suffixes():
    assert axis_number_format("ru") == {"exponentformat": "none", "separatethousands": True}
    assert format_compact(80_000_000, "ru") == f"80{NBSP}млн"
    assert format_compact(1_500, "ru") == f"1,5{NBSP}тыс."
    assert format_compact(80_000_000, "en") == "80M"


def test_missing_values_are_said_to_be_missing():
    assert format_number(None, "en") == "missing"
    assert format_number(float("nan"), "ru") == "нет данных"


@pytest.mark.parametrize(("n", "ru", "en"), [
    (1, "1 компания", "1 company"),
    (2, "2 компании", "2 companies"),
    (5, "5 компаний", "5 companies"),
    (21, "21 компания", "21 companies"),
    (11, "11 компаний", "11 companies"),
    (22, "22 компании", "22 companies"),
    (0, "0 компаний", "0 companies"),
])
def test_plurals_follow_babel_rules(n, ru, en):
    assert format_count(n, "company", "ru") == ru
    assert format_count(n, "company", "en") == en


@pytest.mark.parametrize(("n", "form"), [(1, "продукт"), (2, "продукта"), (5, "продуктов"), (21, "продукт")])
def test_plural_by_key_or_by_word(n, form):
    assert plural(n, "product", "ru") == form
    assert plural(n, "products", "ru") == form  # any form of the noun finds its forms
    assert plural(1, "products", "en") == "product" and plural(2, "product", "en") == "products"


def test_plural_of_unknown_noun_says_where_to_add_it():
    with pytest.raises(KeyError, match="PLURALS"):
        plural(2, "widget", "ru")


def test_dates_and_periods_in_each_language():
    assert format_date(dt.date(2024, 3, 5), "ru", "long") == "5 марта 2024\u202fг."
    assert format_date("2024-03-05", "en", "long") == "March 5, 2024"
    assert format_period("2015-12", "ru") == "декабрь 2015"
    assert format_period("2015-12", "en") == "December 2015"
    assert format_period("2017-Q3", "ru") == "III кв. 2017" and format_period("2017-Q3", "en") == "Q3 2017"
    assert format_period("2017-YTD09", "ru") == "январь–сентябрь 2017"
    assert format_period("2017-YTD09", "en") == "January–September 2017"
    assert format_period("2019", "en") == "2019"
    assert format_period(None, "ru") == "нет данных"


def test_graph_config_sets_plotly_locale():
    base = {"displaylogo": False}
    assert graph_config("ru", base) == {"displaylogo": False, "locale": "ru"}
    assert graph_config("en", base)["locale"] == "en" and "locale" not in base


def test_language_fallbacks():
    assert normalise_language("de") == "ru"
    assert t("nav.sources", "en") == "Sources"
    assert t("no.such.key", "en") == "no.such.key"
    assert pick("en", "Калуга", None) == "Калуга"
    assert pick("en", "Калуга", "Kaluga") == "Kaluga"


def test_recorded_values_in_the_page_language():
    from dashboard.i18n import has_latin_words, translate_value

    assert translate_value("country", "Germany / Italy", "ru") == "Германия / Италия"
    assert translate_value("country", "Serbia (later Germany)", "ru") == "Сербия (позже Германия)"
    assert translate_value("country", "UK/Sweden", "ru") == "Великобритания/Швеция"
    assert translate_value("place", "SEZ Kaluga (Borovsk site)", "ru") == "ОЭЗ «Калуга» (площадка «Боровск»)"
    assert translate_value("place", "Kaluga region", "ru") == "Калужская область"
    assert translate_value("status", "made/under way", "ru") == "вложено / вкладывается"
    assert translate_value("unit", "bn RUB", "ru") == "млрд руб."
    assert translate_value("country", "Germany", "en") == "Germany"
    assert translate_value("country", None, "ru") == ""
    assert has_latin_words("Novo Nordisk") and not has_latin_words("Калуга, 2015")
