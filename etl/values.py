"""Small pure helpers for quoted cluster values: figures, periods, dates, names, frames."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pandas as pd
from sqlalchemy import Integer

from etl.schema import Base

YEAR = r"(?<!\d)(?:1[89]\d\d|20\d\d)(?!\d)"
# NOTE: figures are written English style: "500,000" is five hundred thousand, "93.3" a decimal.
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

_YEAR_RE = re.compile(YEAR)
_RANGE_RE = re.compile(rf"({YEAR})\s*[-–—]\s*({YEAR})")
_TO_PREFIX_RE = re.compile(r"^\s*(?:to|by|until|as of)\b", re.IGNORECASE)
_NUMBER_RE = re.compile(NUMBER)
_REMARK_RE = re.compile(r"\s*\([^()]*\)\s*$")
_EXACT_RE = re.compile(rf"^({NUMBER})$")
_QUALIFIED_RE = re.compile(rf"^([>~<])\s*({NUMBER})$")
_UP_TO_RE = re.compile(rf"^up to\s+({NUMBER})$", re.IGNORECASE)
_BETWEEN_RE = re.compile(rf"^({NUMBER})\s*[-–—]\s*({NUMBER})$")
# "after 2022" or "before 2022" bound a date without giving it, so they are not a date.
_ISO_DATE_RE = re.compile(
    r"(?<!\d)(?<!after )(?<!before )((?:1[89]|20)\d\d)"
    r"(?:-(0[1-9]|1[0-2])(?!\d)(?:-(0[1-9]|[12]\d|3[01])(?!\d))?)?(?!\d)",
    re.IGNORECASE,
)
_FORMULA_RE = re.compile(r"^\s*(?:[=@]|[+-][^\W\d_])")


@dataclass(frozen=True)
class Quantity:
    """A quoted figure as a qualifier and a low/high range (None where the quote gives no bound)."""

    qualifier: str  # ">" more than, "<" less than, "<=" up to, "~" about, "range", "" exact
    low: float | None
    high: float | None


def _number(text: str, scale: int) -> float:
    """An English-style number times `scale`, exact in decimal (1.1 bn -> 1100.0 mln)."""
    try:
        return float(Decimal(text.replace(",", "")) * scale)
    except InvalidOperation as error:
        raise ValueError(f"not a number: {text!r}") from error


def strip_remark(text: str) -> str:
    """Drop one trailing parenthetical remark: '>4 (RUSNANO 1.2)' -> '>4'."""
    return _REMARK_RE.sub("", text).strip()


def parse_quantity(text: str, scale: int = 1) -> Quantity:
    """Parse '93.3', '>8', '~100', '80-100', 'up to 3.5' (times `scale`); else ValueError."""
    core = strip_remark(text.strip())
    if match := _EXACT_RE.match(core):
        value = _number(match[1], scale)
        return Quantity("", value, value)
    if match := _QUALIFIED_RE.match(core):
        value = _number(match[2], scale)
        low, high = {">": (value, None), "~": (value, value), "<": (None, value)}[match[1]]
        return Quantity(match[1], low, high)
    if match := _UP_TO_RE.match(core):
        return Quantity("<=", None, _number(match[1], scale))
    if match := _BETWEEN_RE.match(core):
        low, high = _number(match[1], scale), _number(match[2], scale)
        if low > high:
            raise ValueError(f"range runs backwards: {text!r}")
        return Quantity("range", low, high)
    raise ValueError(f"not a figure: {text!r}")


def count_numbers(text: str) -> int:
    """How many separate figures a text holds ('100 -> 272' holds two)."""
    return len(_NUMBER_RE.findall(text))


def first_year(text: str | None) -> int | None:
    """The first four-digit year (1800-2099) in a text, or None."""
    match = _YEAR_RE.search(text or "")
    return int(match[0]) if match else None


def parse_period(text: str | None) -> tuple[int | None, int | None]:
    """Years a period covers: '2011-2015' -> both; 'to 2015' -> (None, 2015); '2014' -> 2014."""
    text = text or ""
    if match := _RANGE_RE.search(text):
        start, end = int(match[1]), int(match[2])
        return (start, end) if start <= end else (None, None)
    year = first_year(text)
    if year is None:
        return None, None
    if _TO_PREFIX_RE.match(text):
        return None, year
    # NOTE: "2010s (cumulative)" names a decade still running when quoted: only the start is known.
    if re.search(rf"(?<!\d){year}s\b", text):
        return year, None
    return year, year


def iso_date_prefix(text: str | None) -> str | None:
    """The first ISO date or prefix in a text ('2014-04-10', '2012-03', '2012'), or None."""
    match = _ISO_DATE_RE.search(text or "")
    if not match:
        return None
    return "-".join(part for part in match.groups() if part)


def normalise_alias(text: str) -> str:
    """A name as an alias key: lower case, runs of whitespace collapsed to one space."""
    return " ".join(text.lower().split())


def looks_like_formula(text: str | None) -> bool:
    """True for cells a spreadsheet would run as a formula ('=HYPERLINK(...)', '@SUM', '-cmd')."""
    return bool(text) and bool(_FORMULA_RE.match(text))


def table_columns(table: str) -> list[str]:
    """The columns an adapter must supply for a table: all but load_id and autoincrement ids."""
    columns = Base.metadata.tables[table].columns
    return [
        column.name
        for column in columns
        if column.name != "load_id"
        and not (column.primary_key and isinstance(column.type, Integer))
    ]


def to_frame(table: str, records: list[dict]) -> pd.DataFrame:
    """Records -> a frame with exactly the table's columns; missing values are None, never NaN."""
    columns = table_columns(table)
    unknown = {key for record in records for key in record} - set(columns)
    if unknown:
        raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
    frame = pd.DataFrame(records, columns=columns, dtype=object)
    return frame.astype(object).where(frame.notna(), None)
