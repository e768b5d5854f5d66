"""Periods with a kind: what a column of a Rosstat table covers, and the code it is stored under.

A figure is published for a year, a quarter, a half-year, a month, the months of a year so far
(January to some month: a cumulative figure, never a single month), or a point in time ("на 1
января", "на конец года"). The code keeps them apart in one text column and sorts within a kind:

    year       "2017"        quarter  "2017-Q3"      half_year "2017-H1"
    month      "2017-03"     ytd      "2017-YTD09"   point     "2017-01-01"

Header labels are read here and nowhere else: years with glued footnote marks ("20212)",
"2023 4)"), month names, quarters ("III квартал"), half-years ("I полугодие"), year-to-date spans
("январь-сентябрь"), points in time ("на 1 января", "на конец года"). A label that is none of these
is not a period; a label that could be two things is reported as ambiguous, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from etl.text import clean_spaces

KINDS = ("year", "quarter", "half_year", "month", "ytd", "point")

MONTH_NAMES = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
               "октябрь", "ноябрь", "декабрь")
# Stems that cover the nominative ("январь"), genitive ("января") and short forms ("янв.").
_MONTH_STEMS = {name[:3]: number for number, name in enumerate(MONTH_NAMES, start=1)}
_MONTH_STEMS["мая"] = 5
_MONTH_WORD = r"(?:янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек)[а-яё]*\.?"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

YEAR_MIN, YEAR_MAX = 1950, 2049

# A year, optionally with a footnote mark glued on ("20212)", "2023 4)", "2017г.", "2017 год").
_YEAR_LABEL = re.compile(
    r"^(?P<year>(?:19[5-9]\d|20[0-4]\d))\s*(?:г(?:од|\.)?|гг\.?)?\s*(?P<note>\d{1,2}\)(?:\s*[;,]\s*\d{1,2}\))*)?\s*[*]*$",
    re.I)
# NOTE: the 806 bulletins mark footnotes with bare digits after a space or glued on ("2013 год 2",
# "2015 год 1,2", "январь-декабрь5", "декабрь6"); after "год"/"г." or a month word they cannot be
# anything else.
# One digit only: "март 15" stays unread rather than guessed.
_YEAR_BARE_NOTE = re.compile(r"^(?P<year>(?:19[5-9]\d|20[0-4]\d))\s*(?:год|г\.)\s+(?P<note>\d(?:,\d)*)$", re.I)
_BARE_NOTE_TAIL = re.compile(r"(?<=[а-яё.])\s*\d(?:,\d)*$", re.I)
_FOOTNOTE_ONLY = re.compile(r"^\d{1,2}\)$")
_YEAR_ANYWHERE = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")
_QUARTER = re.compile(r"^(?P<q>i{1,3}|iv|[1-4])\s*(?:-?й\s*)?квартал[а-я]*$", re.I)
_HALF = re.compile(r"^(?P<h>i{1,2}|[12])\s*(?:-?е\s*)?полугоди[а-я]*$", re.I)
_YTD = re.compile(rf"^(?P<first>{_MONTH_WORD})\s*[-–—]\s*(?P<last>{_MONTH_WORD})$", re.I)
_POINT = re.compile(rf"^на\s+(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH_WORD})$", re.I)
_END_OF_YEAR = re.compile(r"^на\s+конец\s+(?:года|отчетного\s+года|периода\s+)?$", re.I)


@dataclass(frozen=True)
class Period:
    """One period of a kind; `code` is what observations store."""

    kind: str
    year: int
    month: int | None = None  # month / ytd (its last month) / point (its month)
    quarter: int | None = None
    half: int | None = None
    day: int | None = None

    # NOTE: cached per instance (a frozen dataclass still has a __dict__): an adapter asks each column's
    # period for its code once per figure, hundreds of thousands of times per file.
    @cached_property
    def code(self) -> str:
        if self.kind == "year":
            return str(self.year)
        if self.kind == "quarter":
            return f"{self.year}-Q{self.quarter}"
        if self.kind == "half_year":
            return f"{self.year}-H{self.half}"
        if self.kind == "month":
            return f"{self.year}-{self.month:02d}"
        if self.kind == "ytd":
            return f"{self.year}-YTD{self.month:02d}"
        return f"{self.year}-{self.month:02d}-{self.day:02d}"

    @cached_property
    def stored_month(self) -> int | None:
        """The month an observation stores: a month's or a year-to-date's (its last month), else none."""
        return self.month if self.kind in ("month", "ytd") else None

    @property
    def last_month(self) -> int | None:
        """The last month the period covers (for a point: its month)."""
        if self.kind == "year":
            return 12
        if self.kind == "quarter":
            return self.quarter * 3
        if self.kind == "half_year":
            return self.half * 6
        return self.month


@dataclass(frozen=True)
class Label:
    """What one header cell says about its column's period; every field None when it says nothing.

    `year` alone is a year column; the other fields name a sub-period that needs a year from
    another header row (or carry one: "январь-сентябрь 2023").
    """

    year: int | None = None
    kind: str | None = None  # the sub-period's kind: quarter / half_year / month / ytd / point
    month: int | None = None
    quarter: int | None = None
    half: int | None = None
    day: int | None = None
    footnote: str | None = None

    @property
    def is_period(self) -> bool:
        return self.year is not None or self.kind is not None

    def period(self, year: int | None = None) -> Period | None:
        """The full period, taking the year from `year` where the label has none."""
        year = self.year if self.year is not None else year
        if year is None:
            return None
        if self.kind is None:
            return Period("year", year)
        return Period(self.kind, year, month=self.month, quarter=self.quarter, half=self.half, day=self.day)


def month_number(word: str) -> int | None:
    """1-12 for a month word in any case form ('сентября', 'Март', 'янв.'), else None."""
    word = word.strip(" .").lower()
    if len(word) < 3:
        return None
    number = _MONTH_STEMS.get(word[:3])
    if number is None:
        return None
    # "мар" also starts words that are not months; a month word is short.
    return number if len(word) <= 9 else None


def read_label(cell: object) -> Label:
    """What a header cell says about its column's period (an empty Label when nothing)."""
    if isinstance(cell, bool) or cell is None:
        return _NO_LABEL
    if isinstance(cell, (int, float)):
        if float(cell).is_integer() and YEAR_MIN <= cell <= YEAR_MAX:
            return _year_label(int(cell))
        return _NO_LABEL
    if not isinstance(cell, str):
        return _NO_LABEL
    return _read_text_label(cell)


# NOTE: a Label is frozen, so the empty one and each year's are made once: the table readers ask
# read_label of every number near a header, and building a frozen dataclass is slow.
_NO_LABEL = Label()


@lru_cache(maxsize=1 << 10)
def _year_label(year: int) -> Label:
    return Label(year=year)


@lru_cache(maxsize=1 << 14)
def _read_text_label(text: str) -> Label:
    text = clean_spaces(text).rstrip(" :")
    if not text:
        return Label()
    year_match = _YEAR_LABEL.match(text)
    if year_match:
        notes = re.findall(r"\d{1,2}", year_match["note"] or "")
        return Label(year=int(year_match["year"]), footnote=",".join(notes) or None)
    if year_match := _YEAR_BARE_NOTE.match(text):
        return Label(year=int(year_match["year"]), footnote=year_match["note"])
    # A sub-period, possibly with its year after it ("январь-сентябрь 2023 г.", "I квартал 2016").
    year = None
    rest = text
    tail = re.search(r"\s+((?:19[5-9]\d|20[0-4]\d))\s*(?:г(?:од[а-я]*|\.)?)?\s*(\d{1,2}\))?$", text)
    if tail:
        year = int(tail.group(1))
        rest = text[:tail.start()]
    rest = re.sub(r"\s*\d{1,2}\)$", "", rest).strip(" ,")
    rest = _BARE_NOTE_TAIL.sub("", rest)
    lowered = rest.lower()
    if m := _QUARTER.match(lowered):
        return Label(year=year, kind="quarter", quarter=_ROMAN[m["q"].lower()])
    if m := _HALF.match(lowered):
        return Label(year=year, kind="half_year", half=_ROMAN[m["h"].lower()])
    if m := _YTD.match(lowered):
        first, last = month_number(m["first"]), month_number(m["last"])
        if first == 1 and last and last > 1:
            return Label(year=year, kind="ytd", month=last)
        return Label()  # a span that does not start in January is not a year-to-date figure
    if m := _POINT.match(lowered):
        month, day = month_number(m["month"]), int(m["day"])
        if month and 1 <= day <= 31:
            return Label(year=year, kind="point", month=month, day=day)
        return Label()
    if _END_OF_YEAR.match(lowered + " " if lowered.endswith("периода") else lowered):
        return Label(year=year, kind="point", month=12, day=31)
    if " " not in lowered and (month := month_number(lowered)) and lowered.rstrip(".") in _month_forms(month):
        return Label(year=year, kind="month", month=month)
    return Label()


@lru_cache(maxsize=12)
def _month_forms(month: int) -> frozenset[str]:
    name = MONTH_NAMES[month - 1]
    stem = name[:-1] if name[-1] in "ьй" else name
    genitive = {"март": "марта", "август": "августа"}.get(name, stem + "я")
    return frozenset({name, genitive, name[:3], name[:4]})


def has_year(cell: object) -> bool:
    """True when a header cell names a year (alone or with a sub-period)."""
    return read_label(cell).year is not None


def with_year(label: Label, year: int) -> Label:
    return replace(label, year=year)


def parse_code(code: str) -> Period:
    """The Period a stored code stands for (the inverse of Period.code)."""
    if re.fullmatch(r"\d{4}", code):
        return Period("year", int(code))
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", code):
        return Period("quarter", int(m[1]), quarter=int(m[2]))
    if m := re.fullmatch(r"(\d{4})-H([12])", code):
        return Period("half_year", int(m[1]), half=int(m[2]))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", code):
        return Period("month", int(m[1]), month=int(m[2]))
    if m := re.fullmatch(r"(\d{4})-YTD(\d{2})", code):
        return Period("ytd", int(m[1]), month=int(m[2]))
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", code):
        return Period("point", int(m[1]), month=int(m[2]), day=int(m[3]))
    raise ValueError(f"not a period code: {code!r}")


__all__ = ["KINDS", "Label", "Period", "has_year", "month_number", "parse_code", "read_label", "with_year"]
