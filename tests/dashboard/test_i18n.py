"""RU/EN strings and number formats."""

from dashboard.i18n import STRINGS, format_number, normalise_language, pick, plotly_separators, t


def test_every_string_has_both_languages():
    assert all(set(entry) == {"ru", "en"} and all(entry.values()) for entry in STRINGS.values())


def test_russian_numbers_use_decimal_comma_and_narrow_space():
    assert format_number(417065.0, "ru") == "417\u202f065"
    assert format_number(23903.3, "ru", 1) == "23\u202f903,3"
    assert format_number(23903.3, "en", 1) == "23,903.3"
    assert format_number(4.25, "ru") == "4,25"


def test_missing_values_are_said_to_be_missing():
    assert format_number(None, "en") == "missing"
    assert format_number(float("nan"), "ru") == "нет данных"


def test_language_fallbacks():
    assert normalise_language("de") == "ru"
    assert t("nav.sources", "en") == "Sources"
    assert t("no.such.key", "en") == "no.such.key"
    assert pick("en", "Калуга", None) == "Калуга"
    assert pick("en", "Калуга", "Kaluga") == "Kaluga"
    assert plotly_separators("ru") == ", " and plotly_separators("en") == ".,"
