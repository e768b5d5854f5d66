"""Text clean-up shared by the Rosstat adapters: names, footnote markers, years, slugs."""

from __future__ import annotations

import re

# NOTE: Rosstat files sometimes type Latin letters that look Cyrillic ("Калинингpадская" with a
# Latin "p"); inside a Cyrillic word they are mapped back before matching.
_LATIN_LOOKALIKES = str.maketrans("aceopxyAEKMHOPCTXBk", "асеорхуАЕКМНОРСТХВк")
_LOOKALIKE = re.compile("[aceopxyAEKMHOPCTXBk]").search
_CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")
_DASHES = re.compile(r"\s*[-‐‑‒–—―]\s*")
_DASH = re.compile("[-‐‑‒–—―]").search
_CITY = re.compile(r"^г\.\s*")
# Footnote markers glued to a name: "Российская Федерация1)", "ЧИСЛО КОЕК1);2)", "г.Москва 2",
# "Российская Федерация 1 ", superscript digits.
_FOOTNOTE_TAIL = re.compile(r"(\s*\d{1,2}\)\s*;?)+$|\s+\d{1,2}$|[¹²³⁴⁵⁶⁷⁸⁹⁰]+$")
# Footnote marks after a name: "Российская Федерация1", "г.Москва4", "Республика Крым 2)",
# "Московская область1),2)", "Российская Федерация 1,2", "Сибирский федеральный округ²⁾". Only for
# names that hold no digits of their own (regions); a mark follows a letter, a space or a bracket and
# is one or two digits, so a date or year in a name ("(с 01.01.2023)", "X-SFD-2009") is left whole.
_NAME_MARKS = re.compile(r"(?<=[^\W\d_]|[\s)⁾])(?:\s*(?:\d{1,2}\)|\d{1,2}(?!\d)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+⁾?|\*+)\s*[,;]?)+$")
_LEADING_PHRASES = re.compile(r"^(в том числе|из них|в т\.ч\.|включая)\s*:?\s*", re.IGNORECASE)
_POINT_BEFORE_WORD = re.compile(r"\.(?=[^\W\d_])")
_PAREN_AFTER_WORD = re.compile(r"(?<=\w)\(")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")

_LATIN = "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split()
_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _LATIN, strict=True))
_TRANSLIT["ъ"] = _TRANSLIT["ь"] = ""
_TRANSLIT_TABLE = str.maketrans(_TRANSLIT)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_UNDERSCORES = re.compile(r"_+")


def clean_spaces(text: str) -> str:
    """Collapse runs of white space (including newlines and NBSP) into single spaces."""
    # NOTE: str.split() splits on exactly the characters the regex \s+ matches in a str (NBSP among
    # them), checked over every code point; it is three times faster than the substitution.
    return " ".join(text.split())


def fix_lookalikes(text: str) -> str:
    """Map Latin look-alike letters to Cyrillic in words that are otherwise Cyrillic."""
    if _LOOKALIKE(text) is None:
        return text  # no look-alike letter at all (most labels): nothing to map, word by word
    return " ".join(
        word.translate(_LATIN_LOOKALIKES) if _CYRILLIC.search(word) else word
        for word in text.split(" ")
    )


def strip_footnotes(text: str) -> str:
    """Remove footnote markers glued to the end of a label."""
    if not _may_end_in_marks(text):
        return text.strip()  # NOTE: _FOOTNOTE_TAIL ends in ")", ";", a digit or white space; skip its scan
    previous = None
    while previous != text:
        previous = text
        text = _FOOTNOTE_TAIL.sub("", text).strip()
    return text


def strip_name_footnotes(text: str) -> str:
    """Remove footnote marks, glued or set apart, from the end of a name that has no digits of its own."""
    if not _may_end_in_marks(text):
        return text.rstrip()  # NOTE: _NAME_MARKS ends in a mark, a bracket, ",", ";" or white space
    return _NAME_MARKS.sub("", text).rstrip()


def _may_end_in_marks(text: str) -> bool:
    """False when the text's last character can end no footnote mark (nor the white space after one),
    so the end-anchored mark patterns, which are tried at every position, need not run."""
    last = text[-1:]
    return not last or last.isdigit() or last.isspace() or last in _MARK_ENDS


_MARK_ENDS = frozenset(");,*⁾⁰¹²³⁴⁵⁶⁷⁸⁹")


def _has_dash(text: str) -> bool:
    return _DASH(text) is not None


def normalise_name(text: str) -> str:
    """The key a region or indicator label is matched on: case, spacing, dashes, footnotes folded."""
    text = fix_lookalikes(clean_spaces(str(text)))
    text = strip_footnotes(text)
    text = _LEADING_PHRASES.sub("", text)
    # NOTE: _DASHES opens with \s*, so it is tried at every position: run only where a dash is.
    text = _DASHES.sub("-", text) if _has_dash(text) else text
    text = _CITY.sub("г. ", text) if text.startswith("г.") else text
    text = text.rstrip(" :;,.").lower().replace("ё", "е")
    return text


def normalise_region_name(text: str) -> str:
    """The key a region name is matched on: normalise_name's folds, footnote marks glued to the name
    removed (a date inside it kept), "авт.округ" spaced as "авт. округ", "Саха(Якутия)" as "Саха (Якутия)"."""
    text = fix_lookalikes(clean_spaces(str(text).replace("\xad", "")))  # soft hyphens: "Ханты-Ман\xadсийский"
    text = _LEADING_PHRASES.sub("", strip_name_footnotes(text))
    text = _DASHES.sub("-", text) if _has_dash(text) else text
    text = _POINT_BEFORE_WORD.sub(". ", text)
    text = _PAREN_AFTER_WORD.sub(" (", text)
    return text.rstrip(" :;,.").lower().replace("ё", "е")


def find_year(value: object) -> int | None:
    """The year a header cell stands for (2017, 2017.0, '2017 год ', '2017 г.1)'), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 1950 <= value <= 2049:
            return int(value)
        return None
    if not isinstance(value, str):
        return None
    text = clean_spaces(value)
    match = _YEAR.search(text)
    if not match:
        return None
    # Header text beyond the year ("2017 в % к 2016") means the column is not a plain year.
    rest = _YEAR.sub("", text, count=1)
    rest = re.sub(r"(год|гг?\.?|г\.)", "", rest)
    rest = strip_footnotes(rest).strip(" .*")
    return int(match.group(1)) if not rest else None


def slugify(text: str, max_length: int = 80) -> str:
    """An ASCII identifier made from Russian or English text (transliterated)."""
    out = text.lower().replace("ё", "е").translate(_TRANSLIT_TABLE)
    out = _NOT_SLUG.sub("_", out).strip("_")
    return _UNDERSCORES.sub("_", out)[:max_length].rstrip("_")
