"""RU and EN: interface strings and number formats. The language is always in the URL (?lang=)."""

from __future__ import annotations

import math
from collections.abc import Callable

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


def format_number(value: float | None, lang: str | None, decimals: int | None = None) -> str:
    """12 345,6 in Russian, 12,345.6 in English; a dash-free 'missing' word for no value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("value.missing", lang)
    if decimals is None:
        decimals = 0 if abs(value) >= 1000 or float(value).is_integer() else (1 if abs(value) >= 10 else 2)
    text = f"{value:,.{decimals}f}"
    if normalise_language(lang) == "ru":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def plotly_separators(lang: str | None) -> str:
    """Plotly's `separators` layout value: decimal then thousands."""
    return ", " if normalise_language(lang) == "ru" else ".,"
