"""RU and EN: interface strings, numbers, plurals and dates (Babel). The language is always in the URL (?lang=).

One format per language everywhere (cards, tables, AG Grid, chart axes): Russian groups digits with a
no-break space (U+00A0, CLDR's and the browsers' `ru-RU`) and writes a decimal comma; English writes
12,345.6. Counts take Babel's plural rules (1 компания, 2 компании, 5 компаний, 21 компания).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import NumberPattern, format_compact_decimal, parse_pattern

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"

STRINGS: dict[str, dict[str, str]] = {
    "app.title": {"ru": "Атлас Калужского фармкластера", "en": "Kaluga Cluster Atlas"},
    "app.tagline": {"ru": "Калужская область и её фармацевтический кластер: только реальные данные с источниками",
                    "en": "Kaluga region and its pharmaceutical cluster: real data, every figure cited"},
    "nav.overview": {"ru": "Обзор", "en": "Overview"},
    "nav.indicators": {"ru": "Показатели регионов", "en": "Regional indicators"},
    "nav.investments": {"ru": "Инвестиции", "en": "Investments"},
    "nav.products": {"ru": "Продукция", "en": "Products"},
    "nav.companies": {"ru": "Компании", "en": "Companies"},
    "nav.timeline": {"ru": "Хронология", "en": "Timeline"},
    "nav.sources": {"ru": "Источники", "en": "Sources"},
    "nav.menu": {"ru": "Разделы", "en": "Sections"},
    "nav.changes": {"ru": "Изменения данных", "en": "Data changes"},
    "filter.area": {"ru": "Терапевтическая область", "en": "Therapy area"},
    "filter.area.all": {"ru": "Все области", "en": "All areas"},
    "filter.language": {"ru": "Язык", "en": "Language"},
    "card.download_csv": {"ru": "Скачать данные (CSV)", "en": "Download data (CSV)"},
    "card.source": {"ru": "Источник", "en": "Source"},
    "card.api": {"ru": "Эти данные в API", "en": "This view in the API"},
    "card.unknown": {"ru": "Нет такого показателя: {code}", "en": "No such indicator: {code}"},
    "card.sources": {"ru": "Источники", "en": "Sources"},
    "card.unit": {"ru": "Единица", "en": "Unit"},
    "card.edition": {"ru": "Издание", "en": "Edition"},
    "card.period": {"ru": "Период", "en": "Period"},
    "card.value": {"ru": "Значение", "en": "Value"},
    "card.loading": {"ru": "Загрузка…", "en": "Loading…"},
    "card.export": {"ru": "Скачать", "en": "Download"},
    "card.export_formats": {"ru": "CSV, XLSX, PNG или SVG", "en": "CSV, XLSX, PNG or SVG"},
    "card.export_csv": {"ru": "Данные (CSV)", "en": "Data (CSV)"},
    "card.export_xlsx": {"ru": "Таблица Excel (XLSX)", "en": "Excel workbook (XLSX)"},
    "card.export_png": {"ru": "Картинка (PNG)", "en": "Image (PNG)"},
    "card.export_svg": {"ru": "Векторный рисунок (SVG)", "en": "Vector image (SVG)"},
    "card.page_pack": {"ru": "Все графики страницы (XLSX)", "en": "Every chart on this page (XLSX)"},
    "empty.no_data": {"ru": "Нет данных для выбранных параметров", "en": "No data for this selection"},
    "empty.missing": {"ru": "Показатель не опубликован", "en": "Not published"},
    "value.missing": {"ru": "нет данных", "en": "missing"},
    "status.not_available": {"ru": "нет данных (…)", "en": "not available (…)"},
    "status.not_applicable": {"ru": "явление отсутствует (-)", "en": "not applicable (-)"},
    "status.confidential": {"ru": "конфиденциально (x)", "en": "confidential (x)"},
    "status.blank": {"ru": "пустая ячейка", "en": "empty cell"},
    "region.kaluga": {"ru": "Калужская область", "en": "Kaluga Oblast"},
    "footer.note": {"ru": "Все цифры — из опубликованных источников; пропуски показаны как пропуски.",
                    "en": "Every figure comes from a published source; gaps are shown as gaps."},
    "nav.scorecard": {"ru": "Сводка", "en": "Scorecard"},
    "title.company": {"ru": "Профиль компании", "en": "Company profile"},
    "title.api": {"ru": "Открытые данные: API", "en": "Open data API"},
    "title.not_found": {"ru": "Страница не найдена", "en": "Page not found"},
    "title.contact": {"ru": "Связаться с нами", "en": "Contact"},
    "title.subscribe": {"ru": "Подписка на дайджест", "en": "Digest subscription"},
    "nav.bulletin": {"ru": "Бюллетень", "en": "Bulletin"},
    "nav.skip": {"ru": "Перейти к содержанию", "en": "Skip to content"},
    # the cluster records were compiled in English from the cited pages (see RecordedText)
    "note.translation": {"ru": "Записи о кластере составлены по источникам на английском; здесь они в переводе "
                               "проекта, цифры — как в источнике.",
                         "en": "The cluster records as compiled in English from the cited sources; figures as the "
                               "sources give them."},
}


def page_text(table: dict[str, dict[str, str]]) -> Callable[..., str]:
    """A page's translator over its own strings: tx(key, lang, **fields) -> the filled-in string."""

    def tx(key: str, lang: str | None, /, **fields) -> str:
        return table[key][normalise_language(lang)].format(**fields)

    return tx


def normalise_language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None) -> str:
    """The interface string `key` in `lang` (falls back to Russian, then to the key)."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    return entry.get(normalise_language(lang)) or entry[DEFAULT_LANGUAGE]


def _text(value: object) -> str:
    """A label from a data frame cell: NaN and None (no name recorded) become ""."""
    return value if isinstance(value, str) else ""


def pick(lang: str | None, ru: str | None, en: str | None) -> str:
    """A data label in the chosen language; Russian when no English name is recorded."""
    ru, en = _text(ru), _text(en)
    if normalise_language(lang) == "en" and en:
        return en
    return ru or en


NBSP = "\u00a0"
_BABEL_LOCALE = {"ru": "ru_RU", "en": "en_US"}
INTL_LOCALE = {"ru": "ru-RU", "en": "en-US"}  # the browser's Intl.NumberFormat names of the same formats


@lru_cache(maxsize=4)
def _locale(lang: str | None) -> Locale:
    return _babel_locale(_BABEL_LOCALE[normalise_language(lang)])


@lru_cache(maxsize=8)
def _babel_locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


@lru_cache(maxsize=16)
def _number_pattern(pattern: str) -> NumberPattern:
    # NOTE: babel.numbers.format_decimal parses its pattern (and the locale) anew at every call, ~40 us; a map or a
    # scatter formats a few hundred numbers. Parsed once, Babel's own NumberPattern.apply does the same formatting.
    return parse_pattern(pattern)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def default_decimals(value: float) -> int:
    """Digits after the point when the caller does not say: none for big or whole numbers, else 1-2."""
    value = float(value)
    return 0 if abs(value) >= 1000 or value.is_integer() else (1 if abs(value) >= 10 else 2)


def format_number(value: float | None, lang: str | None, decimals: int | None = None) -> str:
    """12\u00a0345,6 in Russian, 12,345.6 in English (Babel, CLDR); 'нет данных' / 'missing' for no value."""
    if _is_missing(value):
        return t("value.missing", lang)
    value = float(value)  # type: ignore[arg-type]
    if decimals is None:
        decimals = default_decimals(value)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = _number_pattern(pattern).apply(value, _locale(lang))
    return "0" if re.fullmatch(r"-0(?:[.,]0*)?", text) and decimals == 0 else text


def format_compact(value: float | None, lang: str | None, decimals: int = 1) -> str:
    """A short big number: «80 млн», «1,5 тыс.» in Russian, 80M, 1.5K in English (CLDR's short forms)."""
    if _is_missing(value):
        return t("value.missing", lang)
    return format_compact_decimal(float(value), format_type="short", locale=_locale(lang),  # type: ignore[arg-type]
                                  fraction_digits=decimals)


def format_percent(value: float | None, lang: str | None, decimals: int = 1) -> str:
    """A share already in percent (12.5 -> «12,5 %» / 12.5%), as each language writes it."""
    if _is_missing(value):
        return t("value.missing", lang)
    number = format_number(value, lang, decimals)
    return f"{number}{NBSP}%" if normalise_language(lang) == "ru" else f"{number}%"


# Nouns counted on the pages: every CLDR plural category of each language (ru: one/few/many/other,
# en: one/other). `other` in Russian is the fraction form (1,5 компании).
PLURALS: dict[str, dict[str, dict[str, str]]] = {
    "company": {"ru": {"one": "компания", "few": "компании", "many": "компаний", "other": "компании"},
                "en": {"one": "company", "other": "companies"}},
    "product": {"ru": {"one": "продукт", "few": "продукта", "many": "продуктов", "other": "продукта"},
                "en": {"one": "product", "other": "products"}},
    "event": {"ru": {"one": "событие", "few": "события", "many": "событий", "other": "события"},
              "en": {"one": "event", "other": "events"}},
    "source": {"ru": {"one": "источник", "few": "источника", "many": "источников", "other": "источника"},
               "en": {"one": "source", "other": "sources"}},
    "record": {"ru": {"one": "запись", "few": "записи", "many": "записей", "other": "записи"},
               "en": {"one": "record", "other": "records"}},
    "region": {"ru": {"one": "регион", "few": "региона", "many": "регионов", "other": "региона"},
               "en": {"one": "region", "other": "regions"}},
    "figure": {"ru": {"one": "значение", "few": "значения", "many": "значений", "other": "значения"},
               "en": {"one": "figure", "other": "figures"}},
    "row": {"ru": {"one": "строка", "few": "строки", "many": "строк", "other": "строки"},
            "en": {"one": "row", "other": "rows"}},
    "load": {"ru": {"one": "загрузка", "few": "загрузки", "many": "загрузок", "other": "загрузки"},
             "en": {"one": "load", "other": "loads"}},
    "investment": {"ru": {"one": "инвестиция", "few": "инвестиции", "many": "инвестиций", "other": "инвестиции"},
                   "en": {"one": "investment", "other": "investments"}},
    "project": {"ru": {"one": "проект", "few": "проекта", "many": "проектов", "other": "проекта"},
                "en": {"one": "project", "other": "projects"}},
    "participant": {"ru": {"one": "участник", "few": "участника", "many": "участников", "other": "участника"},
                    "en": {"one": "participant", "other": "participants"}},
    "therapy_area": {"ru": {"one": "терапевтическая область", "few": "терапевтические области",
                            "many": "терапевтических областей", "other": "терапевтической области"},
                     "en": {"one": "therapy area", "other": "therapy areas"}},
    "indicator": {"ru": {"one": "показатель", "few": "показателя", "many": "показателей", "other": "показателя"},
                  "en": {"one": "indicator", "other": "indicators"}},
    "edition": {"ru": {"one": "издание", "few": "издания", "many": "изданий", "other": "издания"},
                "en": {"one": "edition", "other": "editions"}},
    "year": {"ru": {"one": "год", "few": "года", "many": "лет", "other": "года"},
             "en": {"one": "year", "other": "years"}},
    "file": {"ru": {"one": "файл", "few": "файла", "many": "файлов", "other": "файла"},
             "en": {"one": "file", "other": "files"}},
    "site": {"ru": {"one": "площадка", "few": "площадки", "many": "площадок", "other": "площадки"},
             "en": {"one": "site", "other": "sites"}},
}


def _forms_key(word: str) -> str | None:
    """The PLURALS key of a key or of any of its forms in either language ("companies" -> "company")."""
    if word in PLURALS:
        return word
    for key, languages in PLURALS.items():
        if any(word in forms.values() for forms in languages.values()):
            return key
    return None


def plural_category(n: float, lang: str | None) -> str:
    """Babel's (CLDR's) plural category of `n`: one, few, many or other."""
    n = abs(n)
    return _locale(lang).plural_form(int(n) if float(n).is_integer() else n)


def plural(n: float, forms_key: str | dict[str, str], lang: str | None) -> str:
    """The noun form for `n`: plural(21, "company", "ru") -> "компания"; a dict of forms works too."""
    if isinstance(forms_key, dict):
        forms = forms_key
    else:
        key = _forms_key(forms_key)
        if key is None:
            raise KeyError(f"no plural forms for {forms_key!r}: add them to dashboard.i18n.PLURALS")
        forms = PLURALS[key][normalise_language(lang)]
    return forms.get(plural_category(n, lang)) or forms["other"]


def format_count(n: float, noun_key: str, lang: str | None, decimals: int | None = None) -> str:
    """A count with its noun: "1 company", "2 companies", "21 компания", "5 компаний"."""
    return f"{format_number(n, lang, decimals)} {plural(n, noun_key, lang)}"


def format_date(value: dt.date | dt.datetime | str | None, lang: str | None, fmt: str = "medium") -> str:
    """A date as each language writes it: fmt 'short' (05.03.2024 / 3/5/24), 'medium', 'long', 'month'
    (март 2024 / March 2024) or a CLDR pattern; ISO text is accepted."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return t("value.missing", lang)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, dt.datetime):
        value = value.date()
    pattern = {"month": "LLLL y"}.get(fmt, fmt)
    return babel_format_date(value, format=pattern, locale=_locale(lang))


_QUARTER_RU = {1: "I", 2: "II", 3: "III", 4: "IV"}
_PERIOD_CODE = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})(?:-(?P<day>\d{2}))?|Q(?P<q>[1-4])|"
                          r"H(?P<h>[12])|YTD(?P<ytd>\d{2})))?$")


def format_period(code: str | None, lang: str | None) -> str:
    """A stored period code as words: 2017; март 2017 / March 2017; III кв. 2017 / Q3 2017;
    I полугодие 2017 / H1 2017; январь–сентябрь 2017 / January–September 2017; 1 янв. 2017 / Jan 1, 2017."""
    if code is None or (isinstance(code, float) and math.isnan(code)) or str(code) == "":
        return t("value.missing", lang)
    match = _PERIOD_CODE.match(str(code))
    if not match:
        return str(code)
    lang = normalise_language(lang)
    year = int(match["year"])
    if match["day"]:
        return format_date(dt.date(year, int(match["month"]), int(match["day"])), lang, "medium")
    if match["month"]:
        return format_date(dt.date(year, int(match["month"]), 1), lang, "month")
    if match["q"]:
        q = int(match["q"])
        return f"{_QUARTER_RU[q]} кв. {year}" if lang == "ru" else f"Q{q} {year}"
    if match["h"]:
        h = int(match["h"])
        return f"{_QUARTER_RU[h]} полугодие {year}" if lang == "ru" else f"H{h} {year}"
    if match["ytd"]:
        last = format_date(dt.date(year, int(match["ytd"]), 1), lang, "LLLL")
        first = format_date(dt.date(year, 1, 1), lang, "LLLL")
        return f"{first}–{last} {year}"
    return str(year)


def plotly_separators(lang: str | None) -> str:
    """Plotly's `separators` layout value (decimal then thousands), the same characters as format_number."""
    return "," + NBSP if normalise_language(lang) == "ru" else ".,"


def axis_number_format(lang: str | None) -> dict:
    """Axis keys that write tick numbers in full with the language's separators: no Latin k/M/G suffix
    (plotly's default SI suffixes) on a Russian axis, and the same plain digits on an English one.

    Merge into an axis: `{"yaxis": {**axis_number_format(lang), "title": ...}}`; pair with the layout's
    `separators: plotly_separators(lang)` (dashboard.figures.base_layout sets it)."""
    return {"exponentformat": "none", "separatethousands": True}


# Plotly's modebar and notifier texts in Russian (assets/i18n.js registers them as plotly's `ru` locale;
# the config's `locale` picks it). English is plotly's own text.
def graph_config(lang: str | None, base: dict | None = None) -> dict:
    """A dcc.Graph `config` in `lang`: the modebar's tooltips and plotly's date names follow the page."""
    config = dict(base or {})
    config["locale"] = "ru" if normalise_language(lang) == "ru" else "en"
    return config


def grid_number_formatter(lang: str | None, decimals: int | None = None) -> dict:
    """An AG Grid `valueFormatter` writing numbers as format_number does (Intl.NumberFormat, same locale).

    `decimals` None: as format_number's default (0 for big or whole numbers, 1 from 10, else 2); a missing
    value reads 'нет данных' / 'missing'. The function is window.dashAgGridFunctions.atlasNumber (assets/i18n.js).
    """
    lang = normalise_language(lang)
    digits = "null" if decimals is None else str(int(decimals))
    missing = t("value.missing", lang).replace("'", "\\'")
    return {"function": f"atlasNumber(params.value, '{INTL_LOCALE[lang]}', {digits}, '{missing}')"}


def grid_locale_text(lang: str | None) -> dict:
    """AG Grid's own words (filter menu, 'No Rows To Show', pagination) in Russian; English is AG Grid's."""
    if normalise_language(lang) != "ru":
        return {}
    return dict(_AG_GRID_RU)


_AG_GRID_RU = {
    "noRowsToShow": "Нет строк", "loadingOoo": "Загрузка…", "page": "Страница", "of": "из", "to": "–",
    "more": "ещё", "next": "Следующая", "last": "Последняя", "first": "Первая", "previous": "Предыдущая",
    "filterOoo": "Фильтр…", "equals": "Равно", "notEqual": "Не равно", "contains": "Содержит",
    "notContains": "Не содержит", "startsWith": "Начинается с", "endsWith": "Заканчивается на",
    "blank": "Пусто", "notBlank": "Не пусто", "lessThan": "Меньше", "greaterThan": "Больше",
    "lessThanOrEqual": "Меньше или равно", "greaterThanOrEqual": "Больше или равно", "inRange": "В диапазоне",
    "andCondition": "И", "orCondition": "ИЛИ", "applyFilter": "Применить", "resetFilter": "Сбросить",
    "clearFilter": "Очистить", "cancelFilter": "Отмена", "selectAll": "Выбрать все", "searchOoo": "Поиск…",
    "noMatches": "Нет совпадений", "pageSizeSelectorLabel": "Строк на странице:", "ariaPageSizeSelectorLabel":
    "Строк на странице", "sortAscending": "По возрастанию", "sortDescending": "По убыванию",
    "columns": "Столбцы", "filters": "Фильтры", "pinColumn": "Закрепить столбец", "autosizeThisColumn":
    "Автоширина столбца", "autosizeAllColumns": "Автоширина всех столбцов", "resetColumns": "Сбросить столбцы",
    "copy": "Копировать", "export": "Экспорт", "csvExport": "Экспорт в CSV", "inRangeStart": "От",
    "inRangeEnd": "До", "dateFormatOoo": "дд.мм.гггг", "ariaFilterValue": "Значение фильтра",
    "ariaFilteringOperator": "Условие фильтра", "ariaFilterInput": "Поле фильтра",
}


# --- values the data stores in one language -----------------------------------------------------------------
# The cluster records were compiled in English (places, countries, statuses, kinds, units) and Rosstat's in
# Russian; these tables give the other language. A value with no entry is shown as recorded.

VALUE_TERMS: dict[str, dict[str, str]] = {
    # places of the region (longest phrases first when applied)
    "place": {
        "northern Kaluga region": "север Калужской области", "Kaluga region": "Калужская область",
        "Babyninsky district": "Бабынинский район", "Borovsk district": "Боровский район",
        "Maloyaroslavets district": "Малоярославецкий район", "Lyudinovo district": "Людиновский район",
        "Vorotynsk industrial park": "индустриальный парк «Воротынск»", "Vorsino area": "район Ворсино",
        "Vorsino industrial park": "индустриальный парк «Ворсино»",
        "Grabtsevo industrial park": "индустриальный парк «Грабцево»",
        "Obninsk industrial park": "индустриальный парк «Обнинск»",
        "Rosva industrial park": "индустриальный парк «Росва»",
        "SEZ Kaluga": "ОЭЗ «Калуга»", "Borovsk site": "площадка «Боровск»", "Borovsk": "Боровск",
        "Grabtsevo": "Грабцево", "Kaluga": "Калуга", "Obninsk": "Обнинск", "Rosva": "Росва", "Vorsino": "Ворсино",
        "Lyudinovo": "Людиново", "Maloyaroslavets": "Малоярославец",
    },
    "country": {
        "Russia": "Россия", "Denmark": "Дания", "Germany": "Германия", "Italy": "Италия", "USA": "США",
        "Serbia": "Сербия", "UK": "Великобритания", "United Kingdom": "Великобритания", "Sweden": "Швеция",
        "India": "Индия", "Switzerland": "Швейцария", "France": "Франция", "Japan": "Япония",
        "Slovenia": "Словения", "Belgium": "Бельгия", "Israel": "Израиль", "China": "Китай", "later": "позже",
        "partner": "партнёр",
    },
    "status": {
        "made/under way": "вложено / вкладывается", "made": "вложено", "planned": "запланировано",
        "allocated": "выделено", "announced": "объявлено", "happened": "состоялось",
    },
    "scope": {
        "cluster (SEZ pharma site)": "кластер (фармплощадка ОЭЗ)", "company (Russia-wide)": "компания (по всей России)",
        "education infrastructure": "образовательная инфраструктура", "cluster": "кластер", "company": "компания",
    },
    "kind": {
        "R&D / infrastructure": "НИОКР / инфраструктура", "anchor plant": "якорный завод",
        "APIs and FDFs": "субстанции и готовые формы", "APIs and FDF": "субстанции и готовые формы",
        "APIs": "субстанции", "API plant": "завод субстанций", "radiopharma plant": "завод радиофармпрепаратов",
        "full cycle, own developments": "полный цикл, собственные разработки", "full cycle": "полный цикл",
        "vaccines, under construction": "вакцины, строится", "R&D unit": "подразделение НИОКР",
        "R&D centre": "центр НИОКР", "R&D": "НИОКР", "medical devices": "медицинские изделия",
        "acquired complex": "купленный комплекс", "modernisation": "модернизация", "planned JV": "планируемое СП",
        "planned": "план", "plan": "план", "SME": "МСП", "education": "образование", "plant": "завод",
    },
    # the events' types (the timeline's groups are its own)
    "event_type": {
        "agreement": "соглашение", "agreement (SPIC)": "соглашение (СПИК)",
        "agreement (memorandum)": "соглашение (меморандум)", "negotiations": "переговоры",
        "construction start": "начало строительства", "construction phase": "этап строительства",
        "plant opening": "открытие завода", "production launch": "запуск производства", "license": "лицензия",
        "localization": "локализация", "infrastructure": "инфраструктура",
        "infrastructure (education)": "инфраструктура (образование)", "institutional": "институциональное",
        "membership": "членство", "status": "статус", "SEZ expansion": "расширение ОЭЗ",
        "SEZ expansion approval": "одобрение расширения ОЭЗ", "SEZ residency": "резидентство ОЭЗ",
        "SEZ residency approval": "одобрение резидентства ОЭЗ", "investment exit": "выход из капитала",
        "ownership change": "смена владельца", "project transfer": "передача проекта",
    },
    "unit": {
        "bn RUB": "млрд руб.", "mln RUB": "млн руб.", "bn EUR": "млрд евро", "mln EUR": "млн евро",
        "bn USD": "млрд долл. США", "mln USD": "млн долл. США", "RUB": "руб.", "EUR": "евро", "USD": "долл. США",
        # what the cluster's cited figures count
        "jobs": "рабочих мест", "companies": "компаний", "products": "продуктов",
        "product names": "наименований продукции",
        "drugs": "препаратов", "substances": "субстанций", "patients": "пациентов", "agreements": "соглашений",
        "plants": "заводов", "lines": "линий", "tonnes": "т", "MW": "МВт", "per year": "в год",
        "mln packs": "млн упаковок", "mln tablets": "млн таблеток",
        "mln units (ampoules and vials)": "млн единиц (ампулы и флаконы)",
    },
    "publisher": {
        "Rosstat (EMISS)": "Росстат (ЕМИСС)", "Rosstat": "Росстат", "Bank of Russia": "Банк России",
    },
    # the database's tables, as the sources page names what a file loaded
    "table": {
        "observations": "значения", "indicators": "показатели", "atc_groups": "группы АТХ",
        "cluster_indicators": "показатели кластера", "companies": "компании",
        "company_aliases": "варианты названий компаний", "company_records": "записи о компаниях",
        "editions": "издания", "events": "события", "investments": "инвестиции", "products": "продукция",
        "region_aliases": "варианты названий регионов", "regions": "регионы", "sources": "источники",
        "therapy_areas": "терапевтические области", "translations": "переводы",
    },
    "load_status": {
        "applied": "применена", "rolled_back": "отменена", "failed": "ошибка", "refused": "отклонена",
        "dry_run": "пробная", "running": "идёт",
    },
}


@lru_cache(maxsize=16)
def _term_pattern(kind: str) -> re.Pattern:
    terms = sorted(VALUE_TERMS[kind], key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(term) for term in terms) + r")(?![\w-])")


def translate_value(kind: str, value: object, lang: str | None) -> str:
    """A recorded value (a place, country, status, kind, unit, publisher) in `lang`: known English terms are
    replaced by their Russian names on a Russian page ("Germany / Italy" -> "Германия / Италия"); the rest of
    the text (names, numbers) stays as recorded. English pages get the value as recorded."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    if normalise_language(lang) != "ru" or kind not in VALUE_TERMS:
        return text
    table = VALUE_TERMS[kind]
    return _term_pattern(kind).sub(lambda m: table[m.group(1)], text)


def has_latin_words(text: str) -> bool:
    """Whether text holds a Latin word (two letters or more): what a Russian page must not show untranslated."""
    return bool(re.search(r"[A-Za-z]{2,}", text or ""))


# --- texts the cluster records hold in English only ----------------------------------------------------------
# The cluster records (notes, periods, sites, descriptions...) were compiled in English from the cited pages.
# A Russian page shows the project's Russian translation, loaded from data/reference/cluster_text_ru.csv into
# the database's translations table (field "cluster", keyed on the text as recorded); a controlled vocabulary's
# value (a status, a country, a place) through translate_value; and a text with neither as recorded, marked as
# English (lang="en", class original-text, the OriginalText grid cell of assets/i18n.js) with a Russian label.

ORIGINAL_LABEL = {"ru": " (текст источника, по-английски)", "en": ""}
FIGURE = "figure"  # RecordedText.frame: the column holds figures as written ('>5.2'), see russian_figures

_ENGLISH_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3})((?:,\d{3})+)(?![\d,]|\.\d)")
_ENGLISH_DECIMAL = re.compile(r"(?<![\d.,])(\d+)\.(\d+)(?![.\d])")


def russian_figures(text: str) -> str:
    """Figures a source wrote the English way, as Russian writes them: '~500,000' -> '~500 000', '3.5' -> '3,5'
    (the same numbers; a date such as 14.09.2010 is left alone)."""
    text = _ENGLISH_THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(",", NBSP), text)
    return _ENGLISH_DECIMAL.sub(r"\1,\2", text)



class RecordedText:
    """A page's reader of the cluster records' English texts in its language.

    `translations`: the translations table's field "cluster" as {text as recorded: Russian}. `kinds` of a
    call are VALUE_TERMS kinds tried, in order, when the text has no translation of its own.
    """

    def __init__(self, translations: dict[str, str], lang: str | None):
        self.lang = normalise_language(lang)
        self._ru = translations

    def _russian(self, text: str, kinds: tuple[str, ...]) -> str | None:
        found = self._ru.get(text)
        if found is not None:
            return found
        for kind in kinds:
            candidate = translate_value(kind, text, "ru")
            if not has_latin_words(candidate):
                return candidate
        return None if has_latin_words(text) else text

    def text(self, value: object, *kinds: str) -> str:
        """The value in the page's language as plain text (a chart's hover, a grid cell, a CSV): as recorded
        where no Russian is known."""
        text = value.strip() if isinstance(value, str) else ""
        if self.lang != "ru" or not text:
            return text
        return self._russian(text, kinds) or text

    def figure(self, value: object, *kinds: str) -> str:
        """A figure as written ('>5.2', '~500,000', 'up to 3.5') in the page's language, its numbers written the
        page's way ('>5,2', '~500 000', 'до 3,5')."""
        text = self.text(value, *kinds)
        return russian_figures(text) if self.lang == "ru" else text

    def translated(self, value: object, *kinds: str) -> bool:
        """Whether a Russian page can show the value in Russian (always true on an English page)."""
        text = value.strip() if isinstance(value, str) else ""
        return self.lang != "ru" or not text or self._russian(text, kinds) is not None

    def frame(self, frame, columns: dict[str, tuple[str, ...]]):
        """A copy of a data frame with `columns` (column -> kinds) in the page's language, as `text` gives them
        (as `figure` gives them for a column whose kinds include FIGURE); the frame itself on an English page."""
        if self.lang != "ru" or len(frame) == 0:
            return frame
        out = frame.copy()
        for column, kinds in columns.items():
            if column in out.columns:
                read, terms = self._reader(kinds)
                values = [read(value, *terms) if isinstance(value, str) else value for value in out[column]]
                out[column] = type(out[column])(values, index=out.index, dtype=object)  # None stays None
        return out

    def rows(self, rows: list[dict], columns: dict[str, tuple[str, ...]]) -> list[dict]:
        """frame() for plain rows (dicts): copies with `columns` in the page's language; the rows themselves
        (never modified) on an English page."""
        if self.lang != "ru" or not rows:
            return rows
        readers = [(column, *self._reader(kinds)) for column, kinds in columns.items()]
        out = []
        for row in rows:
            row = dict(row)
            for column, read, terms in readers:
                if isinstance(row.get(column), str):
                    row[column] = read(row[column], *terms)
            out.append(row)
        return out

    def _reader(self, kinds: tuple[str, ...]) -> tuple:
        """How a column with these kinds is read (figure or text) and the vocabulary kinds it is read with."""
        return self.figure if FIGURE in kinds else self.text, tuple(kind for kind in kinds if kind != FIGURE)

    def node(self, value: object, *kinds: str, name: bool = False):
        """The value for a page's HTML: in Russian where known; else as recorded, marked as English with a
        Russian label (a name — a company's, a product's — is shown as recorded, unlabelled)."""
        from dash import html  # NOTE: only the pages need components; the rest of this module is plain text

        text = value.strip() if isinstance(value, str) else ""
        if self.translated(text, *kinds):
            return self.text(text, *kinds)
        if name:
            return html.Span(text, lang="en")
        return html.Span([html.Span(text, lang="en", className="original-text"),
                          html.Small(ORIGINAL_LABEL["ru"], className="original-label")])


# Topics of the indicator catalogue (indicators.topic), as a reader names them.
TOPICS: dict[str, dict[str, str]] = {
    "agriculture": {"ru": "Сельское хозяйство", "en": "Agriculture"},
    "construction": {"ru": "Строительство", "en": "Construction"},
    "culture": {"ru": "Культура", "en": "Culture"},
    "economy": {"ru": "Экономика", "en": "Economy"},
    "education": {"ru": "Образование", "en": "Education"},
    "enterprises": {"ru": "Предприятия", "en": "Enterprises"},
    "environment": {"ru": "Окружающая среда", "en": "Environment"},
    "finance": {"ru": "Финансы", "en": "Finance"},
    "fixed_assets": {"ru": "Основные фонды", "en": "Fixed assets"},
    "foreign_trade": {"ru": "Внешняя торговля", "en": "Foreign trade"},
    "health": {"ru": "Здравоохранение", "en": "Health"},
    "ict": {"ru": "Информационные технологии и связь", "en": "ICT"},
    "industry": {"ru": "Промышленность", "en": "Industry"},
    "innovation": {"ru": "Наука и инновации", "en": "Science and innovation"},
    "investment": {"ru": "Инвестиции", "en": "Investment"},
    "labour": {"ru": "Труд и занятость", "en": "Labour"},
    "living_standards": {"ru": "Уровень жизни", "en": "Living standards"},
    "other": {"ru": "Прочее", "en": "Other"},
    "population": {"ru": "Население", "en": "Population"},
    "prices": {"ru": "Цены", "en": "Prices"},
    "trade": {"ru": "Торговля и услуги", "en": "Trade and services"},
    "transport": {"ru": "Транспорт", "en": "Transport"},
}


def topic_label(topic: str | None, lang: str | None) -> str:
    """A catalogue topic's name in `lang` ("fixed_assets" -> «Основные фонды» / "Fixed assets")."""
    entry = TOPICS.get(topic or "")
    if entry is None:
        return str(topic or "").replace("_", " ").capitalize()
    return entry[normalise_language(lang)]
