"""Rules a parsed source must pass before the loader writes anything."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from etl.errors import Rejection
from etl.schema import NATURAL_KEYS
from etl.sources.base import Parsed

# A year-month(-day) or day.month.year written in a text; each is checked to exist.
_ISO_LIKE = re.compile(r"(?<![\d.-])(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?![\d.-])")
_DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])")


def date_problem(text: str | None) -> str | None:
    """Why a date written in `text` ('2020-13-45', '31.02.2016') does not exist; None when every one does."""
    for match in _ISO_LIKE.finditer(text or ""):
        year, month, day = match.group(1), match.group(2), match.group(3)
        reason = _no_such_date(int(year), int(month), int(day) if day else 1)
        if reason:
            return f"date {match.group(0)!r} does not exist ({reason})"
    for match in _DOTTED.finditer(text or ""):
        day, month, year = match.groups()
        reason = _no_such_date(int(year), int(month), int(day))
        if reason:
            return f"date {match.group(0)!r} does not exist ({reason})"
    return None


def _no_such_date(year: int, month: int, day: int) -> str | None:
    if not 1 <= month <= 12:
        return f"month {month}"
    try:
        dt.date(year, month, day)
    except ValueError:
        return f"day {day} of month {month}"
    return None


def _where(row: pd.Series) -> str:
    if "source_cell" in row and row.get("source_cell"):
        sheet = row.get("source_sheet")
        return f"{'sheet ' + repr(sheet) + ' ' if sheet else ''}cell {row['source_cell']}"
    if "source_ref" in row and row.get("source_ref"):
        return str(row["source_ref"])
    return "an earlier row"


def duplicate_keys(parsed: Parsed, file_name: str) -> list[Rejection]:
    """Two rows of one load that claim the same natural key (same region, indicator, period...).

    Every row of such a key is dropped from `parsed` (which of them is right cannot be told), so that
    with --allow-rejections only what is sound is applied; the rejections name the second and later."""
    rejections = []
    for table, frame in parsed.tables.items():
        keys = list(NATURAL_KEYS.get(table, ()))
        if frame.empty or not keys or not set(keys) <= set(frame.columns):
            continue
        if table == "indicators":
            continue  # one indicator may be named by several tables of a file; the first wins
        duplicated = frame.duplicated(keys, keep=False)
        if not duplicated.any():
            continue
        dupes = frame[duplicated]
        parsed.tables[table] = frame[~duplicated]
        for _, group in dupes.groupby(keys, sort=False, dropna=False):
            first = group.iloc[0]
            for _, row in group.iloc[1:].iterrows():
                sheet, row_number, column = _location(row)
                key = ", ".join(f"{k}={row[k]}" for k in keys)
                rejections.append(Rejection(
                    file_name, sheet, row_number, column,
                    f"duplicate {table} row ({key}); same as {_where(first)}",
                ))
    return rejections


# Where a parser says a figure stood: "column:line" for a CSV cell ("grp:124"), A1 for a sheet's cell, and
# "... row N" in a record's source_ref.
_CSV_CELL = re.compile(r"(.+):([0-9]{1,9})")
_SHEET_CELL = re.compile(r"([A-Za-z]{1,3})([0-9]{1,9})")
_REF_ROW = re.compile(r"row ([0-9]{1,9})$")


def _location(row: pd.Series) -> tuple[str | None, int | None, str | None]:
    """(sheet, line, column) a rejected row names; a missing (NaN) or unusual cell names what it can, never
    raises (a rejection must reach the user as a message)."""
    cell = row.get("source_cell") if "source_cell" in row else None
    cell = cell.strip() if isinstance(cell, str) else ""
    # NOTE: "column:line" is tried first: it also starts with a letter.
    if found := _CSV_CELL.fullmatch(cell):
        return None, int(found[2]), found[1]
    sheet = row.get("source_sheet")
    sheet = sheet if isinstance(sheet, str) else None
    if found := _SHEET_CELL.fullmatch(cell):
        return sheet, int(found[2]), found[1]
    if cell:
        return sheet, None, cell
    ref = row.get("source_ref") if "source_ref" in row else None
    if isinstance(ref, str) and (found := _REF_ROW.search(ref)):
        return None, int(found[1]), None
    return None, None, None


# --- plausibility ------------------------------------------------------------------------------------

# No statistic any source publishes comes near this (Russia's GDP is ~2e8 million roubles); a larger
# figure is a damaged or hostile cell (GRP of -5e300).
MAX_MAGNITUDE = 1e15
# Numeric columns per table, and whether a negative value is impossible there.
NUMERIC_COLUMNS: dict[str, dict[str, bool]] = {
    "observations": {"value": False},
    "investments": {"amount_low_mn": True, "amount_high_mn": True},
    "cluster_indicators": {"value_low": False, "value_high": False},
    "companies": {"jobs_low": True, "jobs_high": True},
}
# A count of people or things cannot be negative, unless the indicator is a change or a balance.
# NOTE: amounts can: Rosstat publishes negative insurance premiums, profit balances and FDI; so only
# counts are checked, and every negative figure of the corpus passes.
_COUNT_UNIT = re.compile(r"^(тыс(\.|яч[аи]?)?\s*)?(человек|чел\.?|единиц[аы]?|штук[аи]?)$")
_MAY_BE_NEGATIVE = re.compile(r"прирост|изменени|сальдо|убыл|разниц|баланс|результат|отклонени|миграц|"
                              r"увеличени|уменьшени|динамик", re.IGNORECASE)


def implausible_values(parsed: Parsed, file_name: str) -> list[Rejection]:
    """Values no source can mean: not finite, beyond MAX_MAGNITUDE, a negative count, a published figure
    without a value, a date that does not exist. The rows are dropped from `parsed`, so that with
    --allow-rejections only what is sound is applied."""
    rejections: list[Rejection] = []
    for table, frame in list(parsed.tables.items()):
        if frame.empty:
            continue
        bad = pd.Series(False, index=frame.index)
        for column, never_negative in NUMERIC_COLUMNS.get(table, {}).items():
            if column in frame.columns:
                bad |= _check_numbers(frame, column, never_negative, file_name, rejections)
        if table == "observations":
            bad |= _check_observations(parsed, frame, file_name, rejections)
        # NOTE: the raw text of a period or year ("2020-13-45") is what a parser read a year from.
        for column in [c for c in frame.columns if c == "date" or c.endswith("_date") or c in DATE_TEXT_COLUMNS]:
            bad |= _check_dates(frame, column, file_name, rejections)
        bad |= _check_texts(frame, file_name, rejections, bad)
        if bad.any():
            parsed.tables[table] = frame[~bad]
    return rejections


_SHOWN_CHARS = 200


def _reject(frame: pd.DataFrame, mask: pd.Series, column: str, reason, file_name: str,
            rejections: list[Rejection]) -> pd.Series:
    for _, row in frame[mask].iterrows():
        sheet, line, where = _location(row)
        value = row[column]
        shown = None if value is None else str(value)
        if shown is not None and len(shown) > _SHOWN_CHARS:
            shown = shown[:_SHOWN_CHARS] + "…"  # NOTE: a 100,000-character field is named, not echoed
        rejections.append(Rejection(file_name, sheet, line, where or column, reason(row), shown))
    return mask


def _check_numbers(frame: pd.DataFrame, column: str, never_negative: bool, file_name: str,
                   rejections: list[Rejection]) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    infinite = pd.Series(np.isinf(values), index=frame.index)
    huge = pd.Series(np.abs(np.nan_to_num(values, posinf=0, neginf=0)) > MAX_MAGNITUDE, index=frame.index)
    bad = _reject(frame, infinite, column, lambda _: f"{column} is not a finite number", file_name, rejections)
    bad |= _reject(frame, huge, column, lambda _: f"{column} is beyond ±{MAX_MAGNITUDE:.0e}, larger than any "
                   "published statistic (damaged cell?)", file_name, rejections)
    if never_negative:
        negative = pd.Series(values < 0, index=frame.index) & ~bad
        bad |= _reject(frame, negative, column, lambda _: f"{column} cannot be negative", file_name, rejections)
    return bad


def _check_observations(parsed: Parsed, frame: pd.DataFrame, file_name: str,
                        rejections: list[Rejection]) -> pd.Series:
    bad = pd.Series(False, index=frame.index)
    if "status" in frame.columns and "value" in frame.columns:
        empty = frame["value"].isna() & (frame["status"].fillna("") == "")
        bad |= _reject(frame, empty, "value", lambda _: "a published figure without a value", file_name,
                       rejections)
    indicators = parsed.tables.get("indicators")
    if indicators is None or indicators.empty or not {"code", "unit_ru", "name_ru"} <= set(indicators.columns):
        return bad
    counts = {row.code: row.name_ru for row in indicators.itertuples(index=False)
              if _COUNT_UNIT.match(" ".join(str(row.unit_ru or "").lower().split()))
              and not _MAY_BE_NEGATIVE.search(f"{row.name_ru} {row.code}")}
    if counts:
        negative = frame["indicator_code"].isin(list(counts)) & (frame["value"] < 0) & ~bad
        bad |= _reject(frame, negative, "value",
                       lambda row: f"a negative count is impossible for «{counts[row['indicator_code']]}»",
                       file_name, rejections)
    return bad


# Text columns that hold a date or a period as the source wrote it.
DATE_TEXT_COLUMNS = {"period_raw", "year_raw"}
# Excel's own limit for a cell; a longer text in a CSV is a damaged or hostile field.
MAX_TEXT_CHARS = 32_767
_URL_COLUMNS = {"source_url", "url", "site_url"}
# A source is a web address, or a document of the bundled sources cited by its relative path (the seed
# interview: "file:seed/kaluga_pharma_cluster_interview.txt"); never an absolute path, "..", or a script.
_WEB_URL = re.compile(r"^(?:https?://[^\s]+|file:(?![/\\])(?!.*\.\.)[\w./-]+)$", re.IGNORECASE)


def _check_texts(frame: pd.DataFrame, file_name: str, rejections: list[Rejection], bad: pd.Series) -> pd.Series:
    """Texts beyond MAX_TEXT_CHARS, and source links that are neither http(s) addresses nor a bundled document's
    relative path (javascript:, file:///etc/passwd, file:../x are refused)."""
    found = pd.Series(False, index=frame.index)
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        # NOTE: judged once per distinct value, then marked on the rows holding it: a column of a million
        # cells holds a few thousand texts (a per-cell isinstance/len took ~10 s of a full build).
        distinct = [v for v in _distinct(frame[column]) if isinstance(v, str)]
        too_long = [v for v in distinct if len(v) > MAX_TEXT_CHARS]
        if too_long:
            long = _holding(frame[column], too_long) & ~bad & ~found
            found |= _reject(frame, long, column, lambda row, c=column: f"{c} holds {len(row[c]):,} characters; "
                             f"the limit for a text is {MAX_TEXT_CHARS:,}", file_name, rejections)
        if column in _URL_COLUMNS:
            not_web_values = [v for v in distinct if v.strip() and not _WEB_URL.match(v.strip())]
            if not_web_values:
                not_web = _holding(frame[column], not_web_values) & ~bad & ~found
                found |= _reject(frame, not_web, column, lambda _, c=column: f"{c} is not an http(s) address",
                                 file_name, rejections)
    return found


def _distinct(column: pd.Series) -> list:
    try:
        return pd.unique(column.to_numpy()).tolist()
    except TypeError:  # an unhashable cell (a parser's list): every cell is its own value
        return column.tolist()


def _holding(column: pd.Series, values: list[str]) -> pd.Series:
    """Which rows of `column` hold one of the texts `values`."""
    wanted = set(values)
    try:
        return column.isin(wanted)
    except TypeError:
        return column.map(lambda v: isinstance(v, str) and v in wanted).astype(bool)


def _check_dates(frame: pd.DataFrame, column: str, file_name: str, rejections: list[Rejection]) -> pd.Series:
    problems = frame[column].map(lambda text: date_problem(text) if isinstance(text, str) else None)
    return _reject(frame, problems.notna(), column, lambda row: problems[row.name], file_name, rejections)


def read_counts(parsed: Parsed) -> dict[str | None, int]:
    """Figures read per sheet (observations); rows read for a source without sheets (key None)."""
    frame = parsed.tables.get("observations")
    if frame is not None and not frame.empty and "source_sheet" in frame.columns:
        counts = frame.groupby(frame["source_sheet"].fillna(""), sort=False).size()
        return {sheet or None: int(count) for sheet, count in counts.items()}
    return {None: parsed.row_count()}


def run_checks(parsed: Parsed, file_name: str) -> list[Rejection]:
    """Every rejection the checks find, added to what the parser refused; implausible rows are dropped."""
    return [*parsed.rejections, *duplicate_keys(parsed, file_name), *implausible_values(parsed, file_name)]
