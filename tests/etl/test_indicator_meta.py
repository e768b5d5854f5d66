"""Indicator metadata: English names and units, topics, sections and the additive flag.

Titles and units below are real ones from the «Регионы России» corpus (2019-2024 editions), written the
way the table reader passes them (parent and sub-table titles joined by ': ', qualifiers in brackets).
The last test reads every title and unit line of the corpus itself (skipped when it is absent).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from etl import indicator_meta
from etl.indicator_meta import (
    IndicatorDescription,
    additive_flag,
    describe,
    section_of,
    title_key,
    translate_title,
    translate_unit,
    unit_key,
)
from etl.indicators import topic_for

# --- the additive flag: real (title, unit[, group path]) -> expected ---------------------------------

ADDITIVE_CASES = [
    # Totals that may be divided by population.
    ("Валовой региональный продукт", "миллионов рублей", (), 1),
    ("Численность населения (оценка на конец года)", "тысяч человек", (), 1),
    ("Среднегодовая численность населения (оценка)", "тысяч человек", (), 1),
    ("Инвестиции в основной капитал (в фактически действовавших ценах)", "миллионов рублей", (), 1),
    ("Число больничных коек: Всего (на конец года)", "тысяч коек", (), 1),
    ("Численность безработных (по данным выборочных обследований рабочей силы)", "тысяч человек", (), 1),
    ("Производство молока (в хозяйствах всех категорий)", "тысяч тонн", (), 1),
    ("Поголовье крупного рогатого скота (в хозяйствах всех категорий; на конец года)", "тысяч голов", (), 1),
    ("Ввод в действие жилых домов: Всего", "тысяч квадратных метров общей площади жилых помещений", (), 1),
    ("Оборот розничной торговли (в фактически действовавших ценах)", "миллионов рублей", (), 1),
    ("Оборот розничной торговли (в фактически действовавших ценах)", "млрд руб.", (), 1),
    ("Число предприятий и организаций (на конец года)", None, (), 1),
    ("Итоги сплошных наблюдений: Среднесписочная численность работников (без внешних совместителей) "
     "в 2010, 2015 гг.", "тысяч человек", (), 1),
    ("Внешняя торговля со странами СНГ: Экспорт (в фактически действовавших ценах)", "миллионов долларов США", (), 1),
    ("Выбросы загрязняющих веществ в атмосферный воздух, отходящих от стационарных источников", "тысяч тонн", (), 1),
    ("Просроченная задолженность по заработной плате работникам организаций (на конец года)",
     "миллионов рублей", (), 1),
    ("Выпуск специалистов среднего звена", "тысяч человек", (), 1),
    ("Численность среднего медицинского персонала: Всего (на конец года)", "тысяч человек", (), 1),
    ("Вклады (депозиты) физических лиц на рублевых счетах в Сбербанке России (миллионов рублей)",
     "на начало года", (), 1),
    ("Жилые дома, находящиеся в незавершенном строительстве", None, ("Число жилых домов",), 1),
    # The monthly 806 bulletin, name and unit as its reader builds them.
    ("Численность работников, выбывших из организаций: Всего; тыс. человек (за квартал)", "тыс. человек", (), 1),
    ("Кредиторская задолженность организаций (без субъектов малого предпринимательства): На конец месяца, "
     "млн. рублей", "На конец месяца, млн. рублей", (), 1),
    ("Иностранные инвестиции 1,2: В % к итогу (с начала года нарастающим итогом)", "В % к итогу", (), 0),
    ("Индекс промышленного производства: в % к предыдущему месяцу", "в % к предыдущему месяцу", (), 0),
    # Rates, indices, averages, shares, prices: never divided by population.
    ("Валовой региональный продукт на душу населения", "рублей", (), 0),
    ("Индекс физического объема валового регионального продукта (в постоянных ценах)",
     "в процентах к предыдущему году", (), 0),
    ("Среднемесячная номинальная начисленная заработная плата работников организаций", "рублей", (), 0),
    ("Уровень безработицы: Уровень безработицы (по данным выборочных обследований рабочей силы)",
     "в процентах", (), 0),
    ("Число больничных коек: На 10 000 человек населения (на конец года)", "коек", (), 0),
    ("Общие коэффициенты рождаемости", "число родившихся на 1000 человек населения", (), 0),
    ("Ожидаемая продолжительность жизни при рождении: Все население", "число лет", (), 0),
    ("Удельный вес городского населения в общей численности населения (в процентах)", "оценка на конец года", (), 0),
    ("Индексы потребительских цен (в процентах)", "декабрь к декабрю предыдущего года", (), 0),
    ("Средние цены на первичном рынке жилья (на конец года)", "рублей за квадратный метр общей площади", (), 0),
    ("Урожайность картофеля (в хозяйствах всех категорий)", "центнеров с одного гектара убранной площади", (), 0),
    ("Потребление молока и молочных продуктов на душу населения (килограммов)", "в год", (), 0),
    ("Численность населения на одну больничную койку (на конец года)", "человек", (), 0),
    ("Структура денежных доходов населения", "в процентах от общего объема денежных доходов", ("Оплата труда",), 0),
    ("Средняя годовая яйценоскость кур-несушек в сельскохозяйственных организациях", "штук", (), 0),
    ("Стоимость фиксированного набора потребительских товаров и услуг: Стоимость фиксированного набора",
     "рублей", (), 0),
    ("Плотность железнодорожных путей общего пользования (на конец года; км путей на 10000 км2 территории)",
     None, (), 0),
    ("Соотношение мужчин и женщин (на 1000 мужчин приходится женщин)", "оценка на конец года", (), 0),
    ("Степень износа основных фондов (на конец года)", "в процентах", (), 0),
    ("Медианный среднедушевой денежный доход населения (в месяц)", "рублей", (), 0),
    ("Величина прожиточного минимума пенсионера в целях установления социальной доплаты к пенсии",
     "рублей в месяц", (), 0),
    ("Реальные денежные доходы: Реальные доходы населения", "в процентах к предыдущему году", (), 0),
    ("Численность пенсионеров: На 1000 человек населения", None, (), 0),
    ("Инновационная активность организации: Уровень инновационной активности организаций", "в процентах",
     ("по критериям 4-й редакции Руководства Осло",), 0),
    # Nothing to decide on.
    ("Прочие показатели", None, (), None),
    ("Численность населения", "условных единиц", (), None),
]


@pytest.mark.parametrize(("title", "unit", "groups", "expected"), ADDITIVE_CASES)
def test_additive_flag_on_real_titles(title: str, unit: str | None, groups: tuple[str, ...],
                                      expected: int | None) -> None:
    assert additive_flag(title, unit, groups) == expected
    assert describe(title, unit, None, groups).additive == expected


def test_at_least_25_real_cases_cover_both_flags() -> None:
    flags = [case[-1] for case in ADDITIVE_CASES]
    assert len(ADDITIVE_CASES) >= 25 and flags.count(0) >= 10 and flags.count(1) >= 10


def test_a_date_after_na_is_not_a_rate() -> None:
    # "на 1 января" is a point in time, not "per 1".
    assert additive_flag("Численность населения на 1 января", "тысяч человек") == 1


def test_a_yearly_average_of_a_count_is_a_total() -> None:
    assert additive_flag("Среднегодовая численность занятых (в среднем за год)", "тысяч человек") == 1
    assert additive_flag("Уровень безработицы (в среднем за год)", "в процентах") == 0


# --- describe: names, units, topics, sections --------------------------------------------------------


def test_describe_grp() -> None:
    assert describe("Валовой региональный продукт", "миллионов рублей", "8. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ") == (
        IndicatorDescription("Gross regional product", "million RUB", "economy", "Gross regional product", 1)
    )


def test_describe_sub_table_with_qualifier() -> None:
    described = describe("Число больничных коек: Всего (на конец года)", "тысяч коек", "5. ЗДРАВООХРАНЕНИЕ",
                         (), "5.1.1")
    assert described.name_en == "Hospital beds: Total (end of year)"
    assert described.unit_en == "thousand beds"
    assert (described.topic, described.section_en, described.additive) == ("health", "Health care", 1)


def test_title_as_printed_in_the_sheet() -> None:
    # Table number, capitals and a glued footnote mark, as in the sheet's title row.
    assert translate_title("5.1. ЧИСЛО БОЛЬНИЧНЫХ КОЕК1)") == "Hospital beds"
    assert translate_title("ВЕЛИЧИНА ПРОЖИТОЧНОГО МИНИМУМА, УСТАНОВЛЕННАЯ В ЦЕЛОМ ПО РОССИЙСКОЙ ФЕДЕРАЦИИ1) "
                           "И В СУБЪЕКТАХ РОССИЙСКОЙ ФЕДЕРАЦИИ2)") == (
        "Subsistence minimum set for the Russian Federation as a whole and in the constituent entities "
        "of the Russian Federation")
    assert translate_title("СТРУКТУРА ПОТРЕБИТЕЛЬСКИХ РАСХОДОВ ДОМАШНИХ ХОЗЯЙСТВ*)") == (
        "Structure of household consumer spending")


def test_okved2_keeps_its_2_when_a_footnote_is_glued() -> None:
    assert translate_title("«Добыча полезных ископаемых» в соответствии с ОКВЭД21)") == (
        '"Mining and quarrying" under OKVED2')
    assert translate_title("«Добыча полезных ископаемых» в соответствии с ОКВЭД (2005-2016 гг.)") == (
        '"Mining and quarrying" under OKVED (2005-2016)')


def test_spellings_of_one_title_share_a_key() -> None:
    assert title_key("На 10 000 человек населения") == title_key("На 10000 человек населения")
    assert title_key("Численность профессорско-преподавательского персонала , осуществляющего") == title_key(
        "численность профессорско-преподавательского персонала, осуществляющего")
    assert title_key("Страховые возмещения-") == title_key("страховые возмещения")


def test_monthly_bulletin_names() -> None:
    assert translate_title("Численность работников, выбывших из организаций: В том числе: по собственному желанию; "
                           "тыс. человек (за квартал)") == (
        "Employees who left organisations: including: At own request; thousand people (quarter)")
    assert translate_title("Численность требуемых работников на вакантные рабочие места: На конец отчетного "
                           "периода, тыс. человек") == (
        "Workers required for vacant jobs: end of reporting period, thousand people")
    assert translate_title("Иностранные инвестиции 1,2: Тыс. долларов США (с начала года нарастающим итогом)") == (
        "Foreign investment: thousand USD (year to date, cumulative)")


def test_words_broken_across_lines_match() -> None:
    assert title_key("Представи-тельские расходы") == title_key("Представительские расходы")
    assert title_key("научно-исследова-тельские работы") == title_key("научно-исследовательские работы")


def test_group_path_is_translated() -> None:
    described = describe("Структура социальных выплат", "в процентах", "3. УРОВЕНЬ ЖИЗНИ НАСЕЛЕНИЯ", ("пенсии",))
    assert described.name_en == "Structure of social payments: Pensions"
    assert described.topic == "living_standards"
    assert describe("Численность рабочей силы", "тысяч человек", "2. ТРУД", ("мужчины",)).name_en == (
        "Labour force: Men")


def test_unknown_parts_give_no_english_name() -> None:
    # The dashboard then shows the Russian name: nothing is translated word by word.
    assert describe("Совершенно новая таблица", "миллионов рублей", "8. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ").name_en is None
    assert describe("Валовой региональный продукт", None, None, ("Неизвестная группа",)).name_en is None
    assert translate_title("Валовой региональный продукт (неведомое уточнение)") is None
    assert translate_title("Валовой региональный продукт: Неизвестная часть") is None


@pytest.mark.parametrize(("unit", "expected"), [
    ("миллионов рублей", "million RUB"),
    ("тысяч человек", "thousand people"),
    ("в процентах к предыдущему году", "% of previous year"),
    ("рублей", "RUB"),
    ("человек", "people"),
    ("на 1000 человек населения", "per 1,000 population"),
    ("на 10 000 человек населения", "per 10,000 population"),
    ("единиц", "units"),
    ("(на конец года; тысяч коек)", "end of year; thousand beds"),
    ("Млн. рублей", "million RUB"),
    ("На конец месяца, млн. рублей", "end of month, million RUB"),
    ("В % к соответствующему периоду предыдущего года", "% of the same period of the previous year"),
    ("декабрь к декабрю предыдущего года", "December on December of the previous year"),
    ("млрд руб.", "billion RUB"),
    ("условных единиц", None),
    ("на конец года; условных единиц", None),
    (None, None),
    ("", None),
])
def test_units(unit: str | None, expected: str | None) -> None:
    assert translate_unit(unit) == expected


@pytest.mark.parametrize(("heading", "topic", "section_en"), [
    ("8. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ", "economy", "Gross regional product"),
    ("9. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ", "economy", "Gross regional product"),  # the 2019 edition's number
    ("Раздел 8. Валовой региональный продукт", "economy", "Gross regional product"),
    ("11. ОРГАНИЗАЦИИ", "enterprises", "Organisations"),
    ("Раздел 11. Предприятия и организации", "enterprises", "Enterprises and organisations"),
    ("13. СЕЛЬСКОЕ, ЛЕСНОЕ ХОЗЯЙСТВО, РЫБОЛОВСТВО И РЫБОВОДСТВО", "agriculture",
     "Agriculture, forestry, fishing and fish farming"),
    ("7. ЗЕМЕЛЬНЫЕ РЕСУРСЫ И ОХРАНА ОКРУЖАЮЩЕЙ ПРИРОДНОЙ СРЕДЫ", "environment",
     "Land resources and environmental protection"),
    ("3. УРОВЕНЬ ЖИЗНИ НАСЕЛЕНИЯ", "living_standards", "Living standards"),
    ("18. НАУКА И ИННОВАЦИИ", "innovation", "Science and innovation"),
    ("21. ВНЕШНЯЯ ТОРГОВЛЯ", "foreign_trade", "Foreign trade"),
    (None, "other", None),
    ("", "other", None),
    ("99. НЕВЕДОМЫЙ РАЗДЕЛ", "other", None),
    ("99. ЗДРАВООХРАНЕНИЕ И СПОРТ", "health", "Health care"),  # a known heading worded a little longer
])
def test_sections(heading: str | None, topic: str, section_en: str | None) -> None:
    assert section_of(heading) == (topic, section_en)


def test_without_a_section_the_title_gives_the_topic() -> None:
    # Sources without sections (806 bulletin, EMISS): the section the title has in «Регионы России».
    assert describe("Импорт: Всего; млн.долларов США", "млн.долларов США", None).topic == "foreign_trade"
    assert describe("Валовой региональный продукт в основных ценах (ОКВЭД 2)", "тысяча рублей", None).topic == (
        "economy")
    assert describe("Число больничных коек: Всего (на конец года)", "тысяч коек", None).topic == "health"
    # A title found in several sections, or unknown, says nothing; a known section always wins.
    assert describe("Всего", None, None).topic == "other"
    assert describe("Совершенно новая таблица", None, None).topic == "other"
    assert describe("Импорт", "миллионов долларов США", "5. ЗДРАВООХРАНЕНИЕ").topic == "health"


def test_existing_topic_codes_keep_their_meaning() -> None:
    """Where the older keyword rule (etl.indicators.topic_for) named a topic, sections.csv agrees."""
    with open(indicator_meta.SECTIONS_CSV, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            old = topic_for(row["name_ru"])
            if old != "other":
                assert row["topic"] == old, row["name_ru"]


def test_describe_is_cached() -> None:
    indicator_meta.clear_cache()
    first = describe("Валовой региональный продукт", "миллионов рублей", "8. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ")
    again = describe("Валовой региональный продукт", "миллионов рублей", "8. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ")
    assert first is again


# --- the reference files -----------------------------------------------------------------------------


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_titles_csv_is_consistent() -> None:
    rows = _csv(indicator_meta.TITLES_CSV)
    assert {row["kind"] for row in rows} == {"title", "group"}
    topics = {row["topic"] for row in _csv(indicator_meta.SECTIONS_CSV)}
    assert {row["topic"] for row in rows} <= topics | {""}
    keys = [(row["kind"], row["title_key"]) for row in rows]
    assert len(keys) == len(set(keys))
    for row in rows:
        assert row["title_key"] == title_key(row["title_ru"]), row
        assert row["title_en"].strip() and not re.search(r"[а-яё]", row["title_en"], re.I), row


def test_units_csv_is_consistent() -> None:
    rows = _csv(indicator_meta.UNITS_CSV)
    assert len({row["unit_key"] for row in rows}) == len(rows)
    for row in rows:
        assert row["unit_key"] == unit_key(row["unit_ru"]), row
        assert row["additive"] in ("", "0", "1"), row
        assert row["unit_en"].strip() and not re.search(r"[а-яё]", row["unit_en"], re.I), row


def test_sections_csv_covers_the_21_sections() -> None:
    rows = _csv(indicator_meta.SECTIONS_CSV)
    assert {int(row["section_number"]) for row in rows} == set(range(1, 22))
    assert all(row["topic"] and row["name_en"] for row in rows)


# --- the whole corpus --------------------------------------------------------------------------------


def test_every_bundled_indicator_has_an_english_name_and_unit() -> None:
    """Every indicator `make run` loads (the extracts and the registry) has an English name, and an English
    unit where it has a unit: an English page names none in Russian only."""
    from etl.paths import EXTRACTS_DIR, REFERENCE_DIR

    missing = []
    for path in [*sorted(EXTRACTS_DIR.glob("*/indicators.csv")), REFERENCE_DIR / "indicators.csv"]:
        for row in _csv(path):
            if not row["name_en"].strip() or (row["unit_ru"].strip() and not row["unit_en"].strip()):
                missing.append((path.parent.name, row["code"]))
    assert missing == []


def test_emiss_classifier_values_and_806_sub_rows_are_translated() -> None:
    """The EMISS environmental-investment classifier and the 806 bulletin's sub-rows read as units: English
    from the reference files, the additive flag as before."""
    title = ("Инвестиции в основной капитал, направленные на охрану окружающей среды и рациональное использование "
             "природных ресурсов с 2009 г. по 2016 г.")
    described = describe(title, "тысяча рублей", None, ("Рекультивация земель /включая приведение земель, нарушенных "
                                                         "торфоразработками, в состояние, пригодное для использования "
                                                         "по назначению/",))
    assert described.name_en == ("Investment in fixed capital for environmental protection and rational use of natural "
                                 "resources, 2009-2016: Land reclamation /including bringing land disturbed by peat "
                                 "extraction into a condition fit for its intended use/")
    assert (described.unit_en, described.additive) == ("thousand RUB", 1)
    assert translate_unit("В том числе: на дополнительно введенные рабочие места, тыс. человек") == \
        "of which: for newly created jobs, thousand people"
    assert translate_unit("Всего, тыс. человек") == "total, thousand people"
    assert additive_flag("Численность работников, принятых в организации", "Всего, тыс. человек") == 1
    assert additive_flag("Кредиторская задолженность организаций (без субъектов малого предпринимательства)",
                         "В том числе объем просроченной кредиторской задолженности") == 1


_NUMBERED_TITLE = re.compile(r"^\d{1,2}(?:\s*\.\s*\d{1,2})+\s*\.?\s+\S")


def _corpus_lines(shared_data: Path) -> tuple[set[str], set[str]]:
    """Every numbered table title and every bracketed unit line of the «Регионы России» workbooks."""
    from python_calamine import CalamineWorkbook

    files = sorted(shared_data.glob("corpus/regions_of_russia_*/*.xlsx"))
    files += sorted(shared_data.glob("rosstat/regions_of_russia_*.xlsx"))
    titles: set[str] = set()
    units: set[str] = set()
    for path in files:
        workbook = CalamineWorkbook.from_path(str(path))
        for sheet in workbook.sheet_names:
            for row in workbook.get_sheet_by_name(sheet).to_python():
                texts = [cell.strip() for cell in row if isinstance(cell, str) and cell.strip()]
                if len(texts) != 1:
                    continue
                line = " ".join(texts[0].split())
                if _NUMBERED_TITLE.match(line) and re.search(r"[А-ЯЁа-яё]", line):
                    titles.add(line)
                elif line.startswith("(") and line.endswith(")"):
                    units.add(line)
    return titles, units


def test_every_corpus_title_and_unit_line_is_translated(shared_data: Path) -> None:
    titles, units = _corpus_lines(shared_data)
    if not titles:
        pytest.skip("no «Регионы России» workbooks in the shared data")
    untranslated = sorted(t for t in titles if translate_title(t) is None)
    assert not untranslated, untranslated[:20]
    assert not sorted(u for u in units if translate_unit(u) is None)
    assert len(titles) > 900  # distinct title lines of the 2019-2024 editions (974 when written)
