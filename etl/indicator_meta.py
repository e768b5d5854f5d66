"""Indicator metadata for every table the readers discover: English name and unit, topic, section, additive flag.

The table readers call `describe()` once per indicator (table title + column-group path). Everything it
knows comes from three reference files, read once per process:

- `data/reference/table_titles_en.csv`: English titles of the «Регионы России» tables (kind `title`) and
  of recurring column-group labels (kind `group`), keyed on `title_key()` of the Russian text;
- `data/reference/units_en.csv`: unit and qualifier lines ("миллионов рублей", "на конец года") keyed on
  `unit_key()`, each with the additive hint the unit gives by itself (1, 0 or blank for "says nothing");
- `data/reference/sections.csv`: section headings (every spelling seen across editions) -> English name
  and the dashboard topic code.

A title, label or unit that is not in the files gets no English text (None): the dashboard then shows
the Russian one. Nothing is translated word by word.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from etl.paths import REFERENCE_DIR
from etl.text import clean_spaces, normalise_name

TITLES_CSV = REFERENCE_DIR / "table_titles_en.csv"
UNITS_CSV = REFERENCE_DIR / "units_en.csv"
SECTIONS_CSV = REFERENCE_DIR / "sections.csv"

OTHER_TOPIC = "other"


@dataclass(frozen=True)
class IndicatorDescription:
    """What `describe()` knows about one indicator; None where the reference files do not say."""

    name_en: str | None
    unit_en: str | None
    topic: str
    section_en: str | None
    additive: int | None


# --- keys -------------------------------------------------------------------------------------------

_TABLE_NUMBER = re.compile(r"^\d{1,2}(?:\s*\.\s*\d{1,2})+\s*\.?\s*")
# NOTE: Rosstat glues footnote marks inside titles too ("ФЕДЕРАЦИИ1) И В СУБЪЕКТАХ", "ХОЗЯЙСТВ*)");
# only a single digit directly after a letter, quote or bracket is a mark, so "ОКВЭД2" survives.
_INNER_FOOTNOTE = re.compile(r"([^\W\d_]|[»\")])\d\)(?:\s*;\s*\d\))*")
# NOTE: the 806 bulletin lists footnotes after a space: "Иностранные инвестиции 1,2".
_FOOTNOTE_LIST = re.compile(r"\s+\d(?:\s*,\s*\d)+$")
# NOTE: "ОКВЭД21)" is OKVED2 + footnote 1; strip_footnotes would eat the "2" with the mark.
_OKVED2_FOOTNOTE = re.compile(r"(?i)(оквэд)\s*2\s*\d\)")
_OKVED2_SPACED = re.compile(r"(?i)(оквэд)\s+2\b")
_WORD_HYPHEN = re.compile(r"(?<=[а-яёa-z])-(?=[а-яёa-z])")
_THOUSANDS = re.compile(r"(?<=\d) (?=000\b)")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:)])")
_SPACE_AFTER_BRACKET = re.compile(r"\(\s+")
_ABBREVIATION_DOT = re.compile(r"(?<=[а-яa-z])\.\s*(?=\S)")


def _fold(text: str) -> str:
    # NOTE: words broken across lines keep their hyphen ("Представи-тельские"): keys drop every
    # hyphen between letters, so both spellings (and "научно-исследовательские") match.
    # Each pattern runs only when the text holds what it needs (a str scan is cheaper than the regex's
    # try at every position, and most titles hold no hyphen, no " 000" and no bracket).
    key = _WORD_HYPHEN.sub("", text) if "-" in text else text
    key = _THOUSANDS.sub("", key) if " 000" in key else key
    key = _SPACE_BEFORE_PUNCT.sub(r"\1", key) if any(mark in key for mark in ",.;:)") else key
    key = _SPACE_AFTER_BRACKET.sub("(", key) if "(" in key else key
    return key.replace("«", '"').replace("»", '"').replace("“", '"').replace("”", '"')


# The same titles, labels and units recur in every table of a workbook: keys are remembered.
@lru_cache(maxsize=1 << 16)
def title_key(text: str) -> str:
    """The key a table title or column-group label is matched on (normalise_name plus Rosstat quirks).

    Table number, glued footnote marks, case, quotes, '10 000' vs '10000' and spacing around
    punctuation are folded, so every edition's spelling of a title finds the same row.
    """
    text = clean_spaces(str(text))
    if "2" in text:  # both OKVED patterns need the "2" of "ОКВЭД2"
        text = _OKVED2_FOOTNOTE.sub(r"\g<1>2", text)
        text = _OKVED2_SPACED.sub(r"\g<1>2", text)
    text = _TABLE_NUMBER.sub("", text)
    text = (_INNER_FOOTNOTE.sub(r"\1", text) if ")" in text else text).replace("*)", "").lstrip(". ")
    text = _FOOTNOTE_LIST.sub("", text) if "," in text else text
    # NOTE: a label broken across lines may keep its dash ("Страховые возмещения-").
    return _fold(normalise_name(text)).rstrip(" -")


@lru_cache(maxsize=1 << 16)
def unit_key(text: str) -> str:
    """The key a unit or qualifier line is matched on: as title_key, and 'млн.'/'тыс.' dots folded."""
    text = clean_spaces(str(text)).strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    key = _fold(normalise_name(text))
    key = _ABBREVIATION_DOT.sub(" ", key) if "." in key else key
    return re.sub(r"\s+", " ", key).replace("▪", "·").strip()


def section_key(heading: str) -> str:
    """A section heading without 'Раздел' and its number: '8. ВАЛОВОЙ ...' -> 'валовой ...'."""
    text = clean_spaces(str(heading))
    text = re.sub(r"(?i)^раздел\s*", "", text)
    text = re.sub(r"^\d{1,2}\s*\.?\s*", "", text)
    return normalise_name(text)


# --- reference files --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Reference:
    titles: dict[str, str]
    groups: dict[str, str]
    title_topics: dict[str, str]  # key -> topic of the «Регионы России» section the title belongs to
    units: dict[str, tuple[str, int | None]]
    sections: dict[str, tuple[str, str]]  # key -> (name_en, topic)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def _reference() -> _Reference:
    titles: dict[str, str] = {}
    groups: dict[str, str] = {}
    title_topics: dict[str, str] = {}
    for row in _rows(TITLES_CSV):
        target = groups if row["kind"] == "group" else titles
        if row["title_en"]:
            target[row["title_key"]] = row["title_en"]
        if row["kind"] == "title" and row.get("topic"):
            title_topics[row["title_key"]] = row["topic"]
    units = {
        row["unit_key"]: (row["unit_en"], int(row["additive"]) if row["additive"] else None)
        for row in _rows(UNITS_CSV)
    }
    sections = {section_key(row["name_ru"]): (row["name_en"], row["topic"]) for row in _rows(SECTIONS_CSV)}
    return _Reference(titles, groups, title_topics, units, sections)


def clear_cache() -> None:
    """Forget the reference files and every description (tests that edit the CSVs call this)."""
    _reference.cache_clear()
    _describe.cache_clear()
    for cached in (title_key, unit_key, translate_unit, translate_title, section_of, topic_of_title, _label):
        cached.cache_clear()


# --- translation ------------------------------------------------------------------------------------

_TRAILING_QUALIFIER = re.compile(r"^(?P<base>.*\S)\s*\((?P<qualifier>[^()]*)\)$")


def _unit_piece(piece: str) -> str | None:
    ref = _reference()
    found = ref.units.get(unit_key(piece))
    if found is not None:
        return found[0]
    # "на конец месяца, млн. рублей": two qualifiers joined by a comma.
    if "," in piece:
        parts = [_unit_piece(part) for part in piece.split(",") if part.strip()]
        if parts and all(parts):
            return ", ".join(parts)  # type: ignore[arg-type]
    return None


@lru_cache(maxsize=1 << 14)
def translate_unit(unit_ru: str | None) -> str | None:
    """English for a unit line such as 'на конец года; тысяч коек' (every part known), else None."""
    pieces = _unit_pieces(unit_ru)
    english = [_unit_piece(piece) for piece in pieces]
    if not english or not all(english):
        return None
    return "; ".join(english)  # type: ignore[arg-type]


@lru_cache(maxsize=1 << 14)
def _label(text: str, prefer_group: bool) -> str | None:
    """English for one title part or column-group label."""
    ref = _reference()
    key = title_key(text)
    if not key:
        return None
    order = (ref.groups, ref.titles) if prefer_group else (ref.titles, ref.groups)
    for table in order:
        if key in table:
            return table[key]
    unit = ref.units.get(unit_key(text))
    return unit[0] if unit else None


_INCLUDING = {"в том числе": "including", "из них": "of which", "в т.ч.": "including", "включая": "including"}


@lru_cache(maxsize=1 << 14)
def translate_title(title_ru: str) -> str | None:
    """English for a table title as the readers build it ('Parent: Sub (qualifier)'), else None."""
    text = clean_spaces(title_ru)
    whole = _title_part(text)
    if whole or ": " not in text:
        return whole
    parts = [_title_part(part) for part in text.split(": ")]
    return ": ".join(parts) if all(parts) else None  # type: ignore[arg-type]


def _title_part(text: str) -> str | None:
    """One title part: known as it stands, or a known part with a bracketed qualifier, with measures
    joined by ';' ('Всего; тыс. человек'), or with a unit after its last comma ('Всего, тыс. человек')."""
    found = _label(text, prefer_group=False)
    if found:
        return found
    bare = clean_spaces(text).lower().rstrip(" :")
    if bare in _INCLUDING:
        return _INCLUDING[bare]
    qualified = _TRAILING_QUALIFIER.match(text)
    if qualified:
        base = _title_part(qualified.group("base"))
        qualifier = translate_unit(qualified.group("qualifier"))
        return f"{base} ({qualifier})" if base and qualifier else None
    if "; " in text:
        pieces = [_title_part(piece) for piece in text.split("; ")]
        return "; ".join(pieces) if all(pieces) else None  # type: ignore[arg-type]
    head, comma, tail = text.rpartition(", ")
    if comma and unit_key(tail) in _reference().units:
        first = _title_part(head)
        return f"{first}, {_reference().units[unit_key(tail)][0]}" if first else None
    return None


# --- topic and section ------------------------------------------------------------------------------

@lru_cache(maxsize=1 << 14)
def section_of(heading: str | None) -> tuple[str, str | None]:
    """(topic, English section name) for a section heading or contents-sheet name; ('other', None) if none."""
    if not heading or not heading.strip():
        return OTHER_TOPIC, None
    sections = _reference().sections
    key = section_key(heading)
    if key in sections:
        name_en, topic = sections[key]
        return topic, name_en
    # A heading that words a known section a little differently ("Раздел 13. Сельское хозяйство и ...").
    for known in sorted(sections, key=len, reverse=True):
        if key.startswith(known):
            name_en, topic = sections[known]
            return topic, name_en
    # Unknown headings keep the topic the older keyword rule gave them. Imported here because
    # etl.indicators is expected to import this module.
    from etl.indicators import topic_for

    return topic_for(heading), None


@lru_cache(maxsize=1 << 14)
def topic_of_title(title_ru: str) -> str | None:
    """The topic of the «Регионы России» section a known title belongs to (for sources without sections).

    The whole title is tried first, then its ': '-separated parts from the outermost, each also
    without a trailing bracket; titles that occur in several sections ('Всего') have no topic.
    """
    topics = _reference().title_topics
    text = clean_spaces(title_ru)
    for part in (text, *text.split(": ")):
        for candidate in (part, _TRAILING_QUALIFIER.sub(r"\g<base>", part)):
            topic = topics.get(title_key(candidate))
            if topic:
                return topic
    return None


# --- additive ---------------------------------------------------------------------------------------

# Words that make a figure a rate, index, average, share or other ratio: never divide it by population.
# Plain stems are tested with `in` (one regex alternation of them all is ten times slower).
_RATIO_STEMS = (
    "на душу", "на одного", "на одну", "в расчете на", "с одного", "с одной", "приходящ", "приходится",
    "в среднем", "среднемесячн", "среднедушев", "медиан", "индекс", "коэффициент", "удельный вес", "структур",
    "соотношени", "уровень", "плотност", "лесистост", "рентабельност", "урожайност", "износ", "продолжительност",
    "обеспеченност", "охват", "нагрузк", "смертност", "рождаемост", "заболеваемост", "процент", "%", "надой",
    "яйценоскост", "настриг", "тариф",
)
_MONTHS_GENITIVE = frozenset(
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()
)
_PER_NUMBERS = frozenset({"1", "10", "100", "1000", "10000", "100000", "один"})
_AVERAGE_FORMS = frozenset("средний средняя среднее средние средних среднего средней среднюю средним средними".split())
# "средняя численность", "специалистов среднего звена", "малого и среднего бизнеса" are not averages.
_NOT_AVERAGE_NEXT = ("численност", "звен", "медицинск", "общего", "профессионал", "бизнес", "предпринимат")
_RATIO_WORDS = frozenset({"доля", "доли", "цены", "цена", "цен", "раз"})
_RATIO_WORD_STARTS = ("темп", "реальн")
_WORDS = re.compile(r"[\w%]+")
_BASKET_COST = re.compile(r"стоимост\w* [^;:]*набор")


def _is_ratio(key: str) -> bool:
    """True when a title, label or unit key names a rate, index, average, share, price or ratio."""
    if any(stem in key for stem in _RATIO_STEMS):
        return True
    if key.startswith(("величина прожиточного", "граница бедности")):
        return True
    if "стоимост" in key and _BASKET_COST.search(key):
        return True
    words = _WORDS.findall(key)
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if word in _RATIO_WORDS or word.startswith(_RATIO_WORD_STARTS):
            return True
        # "на 1000 человек" is per 1,000; "на 1 января" is a date.
        if word == "на" and following in _PER_NUMBERS:
            after = words[i + 2] if i + 2 < len(words) else ""
            if after not in _MONTHS_GENITIVE:
                return True
        if word in _AVERAGE_FORMS and following and following != "и" and not following.startswith(_NOT_AVERAGE_NEXT):
            return True
    return False


# Titles that name a total (a count, an amount, a volume), used when the unit says nothing.
_TOTAL_TITLE = re.compile(
    r"^(число|численность|количество|объем|оборот|ввод|производство|валовой сбор|поголовье|выпуск|прием|"
    r"посевные площади|площадь|инвестиции|доходы|расходы|задолженность|вклады|депозиты|средства|"
    r"выбросы|сброс|использование свежей|улов|продукция|отгружено|сальдированный|прибыль|кредиторская|дебиторская|"
    r"просроченная задолженность|"
    r"валовой региональный продукт|валовое накопление|жилищный фонд|стоимость основных фондов|общая площадь|"
    r"(?:разработанные|используемые) передовые производственные технологии|организации, выполнявшие)"
)


def additive_flag(title_ru: str, unit_ru: str | None, group_path: tuple[str, ...] = ()) -> int | None:
    """1: a total that may be divided by population; 0: a rate, index, average, share or price; None: unknown.

    Decided from the title, the column-group path and the unit together: any part that names a ratio
    makes the figure non-additive; otherwise a unit that names an amount (millions of roubles,
    thousands of people, tonnes...) makes it 1, and so does, when the unit line is absent or holds only
    known qualifiers ('на конец года'), a title that names a count or a volume. An unknown unit leaves
    the flag undecided. Population itself is a total and gets 1: dividing population by population is
    meaningless, and the dashboard's per-capita rule must leave the population indicator alone.
    """
    units = _reference().units
    for text in (_without_neutral_brackets(title_ru), *group_path):
        if text and _is_ratio(title_key(text)):
            return 0
    for label in group_path:
        known = units.get(unit_key(label))
        if known is not None and known[1] == 0:
            return 0
    hints: list[int | str | None] = [units[key][1] for key in _units_in_title(title_ru) if key in units]
    for piece in _unit_pieces(unit_ru):
        hints += _unit_hints(piece)
    if 0 in hints:
        return 0
    if 1 in hints:
        return 1
    if _UNKNOWN in hints:
        return None
    # No unit says anything: a title part or column group naming a count or an amount decides.
    parts = [*clean_spaces(title_ru).split(": "), *group_path]
    return 1 if any(_TOTAL_TITLE.match(title_key(part)) for part in parts) else None


_UNKNOWN = "unknown"
_BRACKET = re.compile(r"\s*\(([^()]*)\)")


def _without_neutral_brackets(title_ru: str) -> str:
    """The title without brackets made only of known qualifiers that say nothing about additivity.

    "Среднегодовая численность занятых (в среднем за год)" is a count averaged over the year: the
    bracket must not make it look like an average of a rate.
    """
    units = _reference().units

    def neutral(match: re.Match[str]) -> str:
        keys = [unit_key(piece) for piece in match.group(1).split(";") if piece.strip()]
        return "" if keys and all(key in units and units[key][1] != 0 for key in keys) else match.group(0)

    return _BRACKET.sub(neutral, title_ru)


def _unit_hints(piece: str) -> list[int | str | None]:
    """What one part of a unit line says: its units_en.csv hint, 0 for a ratio, or unknown.

    A part made of comma-separated pieces ('На конец месяца, млн. рублей') is read piece by piece; a
    part that is a known column-group label (some readers pass the measure line as the unit) says nothing.
    """
    ref = _reference()
    key = unit_key(piece)
    if key in ref.units:
        return [ref.units[key][1]]
    if _is_ratio(key):
        return [0]
    if "," in piece:
        return [hint for sub in piece.split(",") if sub.strip() for hint in _unit_hints(sub)]
    if title_key(piece) in ref.groups:
        return [None]
    return [_UNKNOWN]


def _units_in_title(title_ru: str) -> list[str]:
    """Unit keys a title carries itself: a part such as ': Тыс. рублей' or a bracket such as '(млн рублей)'."""
    units = _reference().units
    found = []
    for part in clean_spaces(title_ru).split(": "):
        if unit_key(part) in units:
            found.append(unit_key(part))
        for bracket in re.findall(r"\(([^()]*)\)", part):
            found += [unit_key(p) for p in bracket.split(";") if unit_key(p) in units]
    return found


def _unit_pieces(unit_ru: str | None) -> list[str]:
    if not unit_ru or not unit_ru.strip():
        return []
    text = clean_spaces(unit_ru).strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return [piece for piece in (p.strip() for p in text.split(";")) if piece]


# --- the public call --------------------------------------------------------------------------------

def describe(
    title_ru: str,
    unit_ru: str | None,
    section: str | None,
    group_path: tuple[str, ...] = (),
    table_number: str | None = None,
) -> IndicatorDescription:
    """English name and unit, topic, English section name and additive flag of one indicator.

    `title_ru` is the table title as read (parent and sub-table titles joined by ': ', qualifiers in
    brackets allowed; a leading table number is ignored), `unit_ru` the unit line (with or without its
    brackets, parts separated by ';'), `section` the section heading ('8. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ
    ПРОДУКТ') or contents-sheet name, `group_path` the column-group labels above the period, outermost
    first. `table_number` is accepted for the readers' convenience and only stripped from the title:
    section numbers differ between editions, so topics never come from numbers.
    """
    return _describe(title_ru or "", unit_ru or None, section or None, tuple(group_path or ()), table_number)


@lru_cache(maxsize=1 << 14)
def _describe(
    title_ru: str, unit_ru: str | None, section: str | None, group_path: tuple[str, ...], table_number: str | None,
) -> IndicatorDescription:
    title = clean_spaces(title_ru)
    if table_number and title.startswith(table_number):
        title = title[len(table_number):].lstrip(" .")
    name_en = translate_title(title) if title else None
    if name_en and group_path:
        labels = [_label(label, prefer_group=True) for label in group_path]
        name_en = ": ".join([name_en, *labels]) if all(labels) else None  # type: ignore[list-item]
    topic, section_en = section_of(section)
    if section_en is None and topic == OTHER_TOPIC:
        # No known section (the 806 bulletin, EMISS, thematic tables): the section its title has in
        # «Регионы России», if it has one.
        topic = topic_of_title(title) or OTHER_TOPIC
    return IndicatorDescription(
        name_en=name_en,
        unit_en=translate_unit(unit_ru),
        topic=topic,
        section_en=section_en,
        additive=additive_flag(title, unit_ru, group_path),
    )
