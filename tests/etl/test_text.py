"""Text clean-up: spaces, look-alike letters, footnote markers, year headers, slugs."""

from __future__ import annotations

import pytest

from etl.text import (
    clean_spaces,
    find_year,
    fix_lookalikes,
    normalise_name,
    normalise_region_name,
    slugify,
    strip_footnotes,
    strip_name_footnotes,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Тюменская область без\n    автономных округов ", "Тюменская область без автономных округов"),
        ("г.\xa0Москва", "г. Москва"),
        ("\t", ""),
    ],
)
def test_clean_spaces(text: str, expected: str) -> None:
    assert clean_spaces(text) == expected


def test_clean_spaces_folds_every_white_space_character() -> None:
    """Each character Python calls white space (thin and ideographic spaces, line and paragraph
    separators, NBSP) becomes one space between words and goes at either end; others stay."""
    import sys

    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        text = f"{char}a{char}{char}b{char}"
        assert clean_spaces(text) == ("a b" if char.isspace() else text), hex(code)


def test_fix_lookalikes_maps_latin_letters_inside_cyrillic_words_only() -> None:
    # The Latin "p" in "Калинингpадская" is how the 2019 workbook spells it (tables 9.3 and 9.5).
    assert "p" in "Калинингpадская" and "р" not in "Калинингpадская"
    assert fix_lookalikes("Калинингpадская область") == "Калининградская область"
    # Latin words stay Latin.
    assert fix_lookalikes("SYNTHETIC cop область") == "SYNTHETIC cop область"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Российская Федерация1)", "Российская Федерация"),
        ("ЧИСЛО БОЛЬНИЧНЫХ КОЕК1);2)", "ЧИСЛО БОЛЬНИЧНЫХ КОЕК"),
        ("г.Москва 2", "г.Москва"),
        ("Российская Федерация 1 ", "Российская Федерация"),
        ("Тюменская область без авт. округов 3", "Тюменская область без авт. округов"),
        ("Калужская область²", "Калужская область"),
        ("Калужская область", "Калужская область"),
    ],
)
def test_strip_footnotes(text: str, expected: str) -> None:
    assert strip_footnotes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Российская Федерация1", "Российская Федерация"),
        ("г.Москва4", "г.Москва"),
        ("Республика Крым 2)", "Республика Крым"),
        ("Ханты-Мансийский автономный округ – Югра3)", "Ханты-Мансийский автономный округ – Югра"),
        ("Московская область1),2)", "Московская область"),
        ("Московская область 2);3)", "Московская область"),
        ("Южный федеральный округ 2); 3)", "Южный федеральный округ"),
        ("Российская Федерация 1,2", "Российская Федерация"),
        ("Сибирский федеральный округ²⁾", "Сибирский федеральный округ"),
        ("г.Москва ²", "г.Москва"),
        ("Тюменская область*", "Тюменская область"),
        # Digits that belong to the name stay: a date or year, or more than two digits.
        ("Российская Федерация без учета новых субъектов (с 01.01.2023)",
         "Российская Федерация без учета новых субъектов (с 01.01.2023)"),
        ("Южный федеральный округ (по 2009 год)", "Южный федеральный округ (по 2009 год)"),
        ("X-SFD-2009", "X-SFD-2009"),
        ("Российская Федерация 2022", "Российская Федерация 2022"),
        ("Калужская область", "Калужская область"),
    ],
)
def test_strip_name_footnotes(text: str, expected: str) -> None:
    assert strip_name_footnotes(text) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("г.Москва4", "г. Москва"),
        ("Ненецкий авт.округ", "Ненецкий авт. округ"),
        ("в том числе:     Ненецкий авт. округ", "Ненецкий авт. округ"),
        ("Республика Саха(Якутия)", "Республика Саха (Якутия)"),
        ("Ханты-Ман\xadсийский автономный округ – Югра", "Ханты-Мансийский автономный округ - Югра"),
        ("Калинингpадская  область", "Калининградская область"),
        ("Сибирский \nфедеральный округ²⁾", "Сибирский федеральный округ"),
    ],
)
def test_normalise_region_name_folds_spellings_together(a: str, b: str) -> None:
    assert normalise_region_name(a) == normalise_region_name(b)


def test_normalise_region_name_keeps_a_date_inside_the_name() -> None:
    label = "    Российская Федерация без учета новых субъектов (с 01.01.2023)"
    assert normalise_region_name(label) == "российская федерация без учета новых субъектов (с 01.01.2023)"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Российская Федерация1)", "российская федерация"),
        ("Калинингpадская  область", "Калининградская область"),
        ("Кемеровская область – Кузбасс", "Кемеровская область-Кузбасс"),
        ("г.Москва ", "г. Москва"),
        ("Республика Северная Осетия - Алания", "Республика Северная Осетия-Алания"),
        ("в том числе:                     Ханты-Мансийский       авт. округ - Югра",
         "Ханты-Мансийский авт. округ-Югра"),
        ("Ставропольский КРАЙ", "ставропольский край"),
        ("Орёл:", "Орел"),
    ],
)
def test_normalise_name_folds_spellings_together(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize(
    ("cell", "year"),
    [
        (2017, 2017),
        (2017.0, 2017),
        ("2017", 2017),
        ("2010 год ", 2010),
        ("2009 г.", 2009),
        ("2017 г.1)", 2017),
        ("2009 год", 2009),
        (" 2015\xa0год", 2015),
        # Not plain years.
        ("2017 в % к 2016", None),
        (2017.5, None),
        (1800, None),
        (True, None),
        (None, None),
        ("январь", None),
        ("", None),
    ],
)
def test_find_year(cell: object, year: int | None) -> None:
    assert find_year(cell) == year


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Валовой региональный продукт", "valovoi_regionalnyi_produkt"),
        ("Число больничных коек: Всего (на конец года)", "chislo_bolnichnykh_koek_vsego_na_konets_goda"),
        ("Gross regional product, % of 2016", "gross_regional_product_of_2016"),
        ("Объём", "obem"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_respects_max_length_without_trailing_underscore() -> None:
    slug = slugify("Фактическое конечное потребление домашних хозяйств", max_length=20)
    assert len(slug) <= 20
    assert not slug.endswith("_")
    assert slug == "fakticheskoe_konechn"
