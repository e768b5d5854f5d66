"""Parse the cited cluster CSVs (companies, investments, products, indicators, events, sources)."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from etl.checks import date_problem
from etl.errors import InputError, Rejection
from etl.paths import REFERENCE_DIR
from etl.sources import atc
from etl.sources.base import Parsed
from etl.values import (
    count_numbers,
    first_year,
    iso_date_prefix,
    looks_like_formula,
    normalise_alias,
    parse_period,
    parse_quantity,
    to_frame,
)

DEFAULT_SITE_DISTRICTS = REFERENCE_DIR / "site_districts.csv"

COMPANY_COLUMNS = (
    "name_ru", "name_en", "city_or_park", "parent_company", "parent_country", "kind",
    "year_opened_or_joined", "products_or_therapy_areas", "jobs", "source_url", "quote",
    "company_key",
)
INVESTMENT_COLUMNS = (
    "company", "amount", "currency", "year_or_period", "status", "scope", "note", "source_url",
    "quote", "company_key",
)
PRODUCT_COLUMNS = (
    "company", "trade_name", "inn", "dosage_form", "year_registered_or_status", "therapy_area",
    "registration_number", "note", "source_url", "quote", "company_key",
)
INDICATOR_COLUMNS = ("year", "indicator", "value", "unit", "scope", "note", "source_url", "quote")
EVENT_COLUMNS = (
    "date", "event_type", "company", "description", "location", "source_url", "quote",
    "company_key",
)
SOURCE_COLUMNS = ("source_url", "rows", "files")

# company_records column -> companies.csv column.
COMPANY_FIELDS = {
    "name_ru": "name_ru",
    "name_en": "name_en",
    "site": "city_or_park",
    "parent_company": "parent_company",
    "parent_country": "parent_country",
    "kind": "kind",
    "year_raw": "year_opened_or_joined",
    "jobs_raw": "jobs",
    "products_text": "products_or_therapy_areas",
}
CURRENCY_SCALE = {"mln": 1, "bn": 1000}
CURRENCIES = ("RUB", "USD", "EUR")
# Raw therapy-area words -> therapy area code; used only when the ATC code gives no area.
THERAPY_KEYWORDS = (
    ("antivir", "anti_infectives"),
    ("infection", "anti_infectives"),
    ("diabet", "endocrinology"),
    ("endocrin", "endocrinology"),
    ("oncolog", "oncology"),
    ("cancer", "oncology"),
    ("gastroenterolog", "gastroenterology"),
    ("nsaid", "musculoskeletal"),
    ("nuclear medicine", "diagnostics"),
    ("cardiolog", "cardiology"),
    ("heart", "cardiology"),
    ("neurolog", "neurology"),
    ("respirat", "respiratory"),
    ("gynecolog", "genitourinary"),
    ("urolog", "genitourinary"),
    ("dermatolog", "dermatology"),
)
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_PARENTHESES = re.compile(r"\(([^()]*)\)")


@dataclass(frozen=True)
class Row:
    """One accepted CSV record: its 1-based starting line (header = 1) and its stripped cells."""

    line: int
    cells: dict[str, str | None]

    def get(self, column: str) -> str | None:
        return self.cells.get(column)


# --- reading -------------------------------------------------------------------------------


def _check_header(path: Path, header: list[str], required: Sequence[str]) -> None:
    """Refuse the whole file when a required column is missing."""
    missing = [column for column in required if column not in header]
    if missing:
        raise InputError(
            Rejection(path.name, None, 1, missing[0],
                      f"missing required column(s) {', '.join(missing)}", ", ".join(header))
        )


def _row_problem(path: Path, header: list[str], record: list[str], line: int,
                 seen: dict[tuple[str, ...], int], non_empty: Sequence[str]) -> Rejection | None:
    """Why a record is refused (wrong width, duplicate, formula, empty required value), or None."""
    if len(record) != len(header):
        return Rejection(path.name, None, line, None,
                         f"expected {len(header)} fields, found {len(record)}", ",".join(record))
    if tuple(record) in seen:
        return Rejection(path.name, None, line, None,
                         f"duplicate row, same as row {seen[tuple(record)]}")
    for column, cell in zip(header, record, strict=True):
        if looks_like_formula(cell):
            return Rejection(path.name, None, line, column,
                             "cell looks like a spreadsheet formula", cell)
    for column in non_empty:
        if not record[header.index(column)].strip():
            return Rejection(path.name, None, line, column, "required value is empty", "")
    return None


def read_rows(path: Path, required: Sequence[str],
              non_empty: Sequence[str] = ()) -> tuple[list[Row], list[Rejection]]:
    """Accepted rows of a CSV (empty cells -> None) and the rejections for the rest."""
    path = Path(path)
    rows: list[Row] = []
    rejections: list[Rejection] = []
    seen: dict[tuple[str, ...], int] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            _read_records(path, reader, required, non_empty, rows, rejections, seen)
        except (csv.Error, UnicodeDecodeError) as exc:
            # NOTE: a cell over csv's field limit (128 KB) or bytes that are not UTF-8 refuse the file;
            # text is decoded in blocks, so a decoding error has no line.
            line = reader.line_num if isinstance(exc, csv.Error) else None
            raise InputError(Rejection(path.name, None, line, None, f"not a readable UTF-8 CSV: {exc}")) from exc
    return rows, rejections


def _read_records(path: Path, reader, required: Sequence[str], non_empty: Sequence[str], rows: list[Row],
                  rejections: list[Rejection], seen: dict[tuple[str, ...], int]) -> None:
    """Read the header and every record into `rows`, or `rejections` with the line each starts on."""
    header = [column.strip() for column in next(reader, [])]
    _check_header(path, header, required)
    last_line = reader.line_num
    for record in reader:
        # A quoted cell may span lines, so a record starts one line after the previous ended.
        line, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        problem = _row_problem(path, header, record, line, seen, non_empty)
        seen.setdefault(tuple(record), line)
        if problem:
            rejections.append(problem)
            continue
        cells = zip(header, record, strict=True)
        rows.append(Row(line, {column: cell.strip() or None for column, cell in cells}))


def record_keys(prefix: str, pairs: Sequence[tuple[str | None, str | None]]) -> list[str]:
    """Keys from content and source, stable under edits: kind, company, url hash, n-th (company, url).

    Never the file's name: the same rows loaded from a renamed copy must land on the same records.
    """
    counts: Counter[tuple[str, str]] = Counter()
    keys = []
    for company, url in pairs:
        pair = (company or "none", url or "")
        counts[pair] += 1
        digest = hashlib.sha1(pair[1].encode("utf-8")).hexdigest()[:10]
        keys.append(f"{prefix}:{pair[0]}:{digest}:{counts[pair]}")
    return keys


def _row_keys(rows: Sequence[Row], prefix: str, key_column: str | None) -> list[str]:
    """record_keys for CSV rows; files without a company column count as company 'none'."""
    return record_keys(prefix, [(row.get(key_column) if key_column else None, row.get("source_url"))
                              for row in rows])


def source_ref(path: Path, line: int) -> str:
    """Where a figure was read: 'investments.csv, row 7'."""
    return f"{Path(path).name}, row {line}"


def _cited(row: Row, path: Path) -> dict:
    """The provenance columns every cited table shares."""
    return {"source_url": row.get("source_url"), "quote": row.get("quote"),
            "source_ref": source_ref(path, row.line)}


# --- companies -----------------------------------------------------------------------------


def read_site_districts(path: Path = DEFAULT_SITE_DISTRICTS) -> list[tuple[str, str | None]]:
    """(keyword, district) pairs; a blank district marks a place wider than one municipal unit."""
    rows, _ = read_rows(Path(path), ("keyword", "district"), ("keyword",))
    return [(row.get("keyword") or "", row.get("district")) for row in rows]


def district_for(site: str | None, keywords: Sequence[tuple[str, str | None]]) -> str | None:
    """The one municipal unit a site text names, or None when it names none or several."""
    if not site:
        return None
    taken: list[tuple[int, int]] = []
    districts: set[str] = set()
    # Longest keywords first, so "Kaluga region" (no district) claims its span before "Kaluga".
    for keyword, district in sorted(keywords, key=lambda pair: -len(pair[0])):
        for match in re.finditer(rf"\b{re.escape(keyword)}\b", site, re.IGNORECASE):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            taken.append(match.span())
            if district:
                districts.add(district)
    return districts.pop() if len(districts) == 1 else None


def opening_year(year_raw: str | None) -> int | None:
    """The year from an opening/joining year ('2015', '2016 (... opened)'), not plans or deals."""
    year = first_year(year_raw)
    if year is None or year_raw is None:
        return None
    remark = year_raw.replace(str(year), "", 1).strip().lower()
    # NOTE: the column mixes opening years with agreement, approval and planned-start years.
    if not remark or (re.search(r"\bopen(ed|ing)\b|\bjoined\b", remark) and "plan" not in remark):
        return year
    return None


def _company_record(row: Row, key: str, path: Path) -> dict:
    """One company_records row from one companies.csv row."""
    fields = {column: row.get(source) for column, source in COMPANY_FIELDS.items()}
    return {"record_key": key, "company_key": row.get("company_key"), **fields, **_cited(row, path)}


def _first(rows: Sequence[Row], column: str) -> str | None:
    """The first non-empty value of a column among a company's rows."""
    return next((row.get(column) for row in rows if row.get(column)), None)


def _jobs(jobs_raw: str | None, notes: list[str], key: str) -> tuple[float | None, float | None]:
    """Jobs as low/high; an unreadable figure stays raw only, with a note."""
    if not jobs_raw:
        return None, None
    try:
        quantity = parse_quantity(jobs_raw)
    except ValueError:
        notes.append(f"companies: {key}: jobs {jobs_raw!r} kept as text only")
        return None, None
    return quantity.low, quantity.high


def _company(key: str, rows: Sequence[Row], path: Path,
             keywords: Sequence[tuple[str, str | None]], notes: list[str]) -> dict:
    """One companies row: each field from the first row of the key that has it."""
    fields = {column: _first(rows, source) for column, source in COMPANY_FIELDS.items()}
    # Prefer a row that states an opening year; else keep the first year text, with no year.
    opened = next((row for row in rows if opening_year(row.get("year_opened_or_joined"))), None)
    if opened:
        fields["year_raw"] = opened.get("year_opened_or_joined")
    jobs_low, jobs_high = _jobs(fields["jobs_raw"], notes, key)
    district = district_for(fields["site"], keywords)
    if fields["site"] and district is None:
        notes.append(f"companies: {key}: no single district for site {fields['site']!r}")
    return {
        "key": key, **fields, "district": district, "year": opening_year(fields["year_raw"]),
        "jobs_low": jobs_low, "jobs_high": jobs_high,
        "source_url": rows[0].get("source_url"), "source_ref": source_ref(path, rows[0].line),
    }


def _aliases(path: Path, rows: Sequence[Row]) -> tuple[list[dict], list[Rejection]]:
    """Every name and key of a company as an alias; an alias two keys claim is refused."""
    owner: dict[str, tuple[str, int]] = {}
    rejections = []
    for row in rows:
        key = row.get("company_key") or ""
        for column in ("company_key", "name_ru", "name_en"):
            alias = normalise_alias(row.get(column) or "")
            if not alias:
                continue
            claimed = owner.setdefault(alias, (key, row.line))
            if claimed[0] != key:
                rejections.append(Rejection(
                    path.name, None, row.line, column,
                    f"alias already claimed by company {claimed[0]!r} (row {claimed[1]})", alias))
    records = [{"alias": alias, "company_key": key} for alias, (key, _) in owner.items()]
    return records, rejections


def parse_companies(path: Path, districts_path: Path = DEFAULT_SITE_DISTRICTS) -> Parsed:
    """companies (one per key), company_records (one per row) and company_aliases."""
    path = Path(path)
    rows, rejections = read_rows(path, COMPANY_COLUMNS, ("company_key", "source_url"))
    keywords = read_site_districts(districts_path)
    notes: list[str] = []
    keys = _row_keys(rows, "companies", "company_key")
    records = [_company_record(row, key, path) for row, key in zip(rows, keys, strict=True)]
    by_key: dict[str, list[Row]] = {}
    for row in rows:
        by_key.setdefault(row.get("company_key") or "", []).append(row)
    companies = [_company(key, group, path, keywords, notes) for key, group in by_key.items()]
    aliases, alias_rejections = _aliases(path, rows)
    tables = {
        "companies": to_frame("companies", companies),
        "company_records": to_frame("company_records", records),
        "company_aliases": to_frame("company_aliases", aliases),
    }
    return Parsed("cluster_companies", tables, rejections + alias_rejections, notes)


# --- investments ---------------------------------------------------------------------------


def parse_currency(text: str | None) -> tuple[str, int]:
    """'bn RUB' -> ('RUB', 1000): the ISO code and the factor to millions; ValueError otherwise."""
    scale, _, code = (text or "").strip().partition(" ")
    if scale.lower() not in CURRENCY_SCALE or code.strip().upper() not in CURRENCIES:
        raise ValueError(f"unknown currency {text!r}")
    return code.strip().upper(), CURRENCY_SCALE[scale.lower()]


def _investment(row: Row, key: str, path: Path) -> dict | Rejection:
    """One investments row, or the rejection of an unreadable amount or currency."""
    try:
        currency, scale = parse_currency(row.get("currency"))
    except ValueError:
        return Rejection(path.name, None, row.line, "currency",
                         f"unknown currency (expected mln/bn {'/'.join(CURRENCIES)})",
                         row.get("currency"))
    try:
        amount = parse_quantity(row.get("amount") or "", scale)
    except ValueError:
        return Rejection(path.name, None, row.line, "amount",
                         "amount is not a figure like 93.3, >8, ~100 or 80-100", row.get("amount"))
    year_from, year_to = parse_period(row.get("year_or_period"))
    return {
        "record_key": key, "company_key": row.get("company_key"),
        "company_label": row.get("company"), "amount_raw": row.get("amount"),
        "qualifier": amount.qualifier, "amount_low_mn": amount.low, "amount_high_mn": amount.high,
        "currency": currency, "currency_raw": row.get("currency"),
        "period_raw": row.get("year_or_period"), "year_from": year_from, "year_to": year_to,
        "status": row.get("status"), "scope": row.get("scope"), "note": row.get("note"),
        **_cited(row, path),
    }


def parse_investments(path: Path) -> Parsed:
    """investments: amounts in millions of the quoted currency, never converted to another."""
    path = Path(path)
    non_empty = ("company", "amount", "currency", "year_or_period", "status", "source_url",
                 "company_key")
    rows, rejections = read_rows(path, INVESTMENT_COLUMNS, non_empty)
    keys = _row_keys(rows, "investments", "company_key")
    results = [_investment(row, key, path) for row, key in zip(rows, keys, strict=True)]
    records = [result for result in results if isinstance(result, dict)]
    rejections += [result for result in results if isinstance(result, Rejection)]
    return Parsed("cluster_investments", {"investments": to_frame("investments", records)},
                  rejections)


# --- products ------------------------------------------------------------------------------


def english_inn(inn: str | None, trade_name: str | None) -> str | None:
    """The English INN: text in parentheses, the field if Latin, or the trade name's gloss."""
    if not inn:
        return None
    inside = _PARENTHESES.search(inn)
    if inside and not _CYRILLIC.search(inside[1]):
        return inside[1].strip()
    if not _CYRILLIC.search(inn):
        return inn
    # NOTE: some rows give the INN in Russian only ("мелоксикам") while the trade name is that
    # INN with an English gloss ("Мелоксикам (Meloxicam)"); the gloss is then the English INN.
    gloss = _PARENTHESES.search(trade_name or "")
    if gloss and normalise_alias(_PARENTHESES.sub("", trade_name or "")) == normalise_alias(inn):
        return gloss[1].strip()
    return None


def area_from_text(text: str | None) -> str | None:
    """A therapy area from free text: the keyword that appears first wins."""
    lowered = (text or "").lower()
    hits = [(lowered.find(word), code) for word, code in THERAPY_KEYWORDS if word in lowered]
    return min(hits)[1] if hits else None


# A product's year is the year its source says it was registered, launched or first produced: the
# year right after one of these words, in the same clause (up to ';').
# NOTE: the status column also holds years of other facts ("banned in Ukraine 2019", "sales >2.5 bn
# RUB in 2012", "planned 2022", "full cycle expected 2020"); those are not the product's year.
_PRODUCT_YEAR = re.compile(r"\b(?:registered|launched|introduced|produced from|from|since)\b[^;\d]*?"
                           r"(?<!\d)((?:19|20)\d\d)(?!\d)", re.IGNORECASE)


def product_year(status: str | None) -> int | None:
    """The year a product was registered, launched or first produced, as its status text states; else None."""
    match = _PRODUCT_YEAR.search(status or "")
    return int(match[1]) if match else None


def _product(row: Row, key: str, path: Path, index: dict[str, list[str]],
             areas: pd.DataFrame, notes: list[str]) -> dict:
    """One products row with the ATC code and therapy area derived from the INN."""
    atc_code, note = atc.match_inn(english_inn(row.get("inn"), row.get("trade_name")), index)
    if note:
        notes.append(f"{path.name}, row {row.line}: {note}")
    area = atc.therapy_area_for(atc_code, areas) or area_from_text(row.get("therapy_area"))
    return {
        "record_key": key, "company_key": row.get("company_key"),
        "company_label": row.get("company"), "trade_name": row.get("trade_name"),
        "inn": row.get("inn"), "dosage_form": row.get("dosage_form"),
        "status_raw": row.get("year_registered_or_status"),
        "year": product_year(row.get("year_registered_or_status")),
        "therapy_area_raw": row.get("therapy_area"), "atc_code": atc_code,
        "therapy_area_code": area,
        # NOTE: no State Register (GRLS) export was available: numbers stay as given, usually none.
        "registration_number": row.get("registration_number"),
        "note": row.get("note"), **_cited(row, path),
    }


def parse_products(path: Path, atc_path: Path,
                   areas_path: Path = atc.DEFAULT_THERAPY_AREAS) -> Parsed:
    """products, with ATC codes matched on the English INN and therapy areas from ATC or text."""
    path = Path(path)
    rows, rejections = read_rows(path, PRODUCT_COLUMNS, ("company_key", "trade_name", "source_url"))
    index = atc.inn_index(atc.read_atc(atc_path))
    areas = atc.parse_therapy_areas(areas_path).tables["therapy_areas"]
    notes: list[str] = []
    keys = _row_keys(rows, "products", "company_key")
    records = [_product(row, key, path, index, areas, notes)
               for row, key in zip(rows, keys, strict=True)]
    tables = {"products": to_frame("products", records)}
    return Parsed("cluster_products", tables, rejections, notes)


# --- indicators ----------------------------------------------------------------------------


def _indicator(row: Row, key: str, path: Path, notes: list[str]) -> dict | Rejection:
    """One cluster_indicators row; a cell with several figures is kept as text ('compound')."""
    value_raw = row.get("value") or ""
    try:
        value = parse_quantity(value_raw)
        qualifier, low, high = value.qualifier, value.low, value.high
    except ValueError:
        if count_numbers(value_raw) < 2:
            return Rejection(path.name, None, row.line, "value",
                             "value is not a figure like 20, >20, ~20 or 20-30", value_raw)
        # NOTE: some cells hold two figures ("100 -> 272", "25 / 30"): kept raw, not split.
        qualifier, low, high = "compound", None, None
        notes.append(f"{path.name}, row {row.line}: value {value_raw!r} kept as text (compound)")
    year_raw = row.get("year") or ""
    is_target = "target" in year_raw.lower() or "target" in (row.get("indicator") or "").lower()
    return {
        "record_key": key, "indicator": row.get("indicator"), "year_raw": year_raw,
        "year": first_year(year_raw), "is_target": int(is_target), "value_raw": value_raw,
        "qualifier": qualifier, "value_low": low, "value_high": high, "unit": row.get("unit"),
        "scope": row.get("scope"), "note": row.get("note"), **_cited(row, path),
    }


def parse_indicators(path: Path) -> Parsed:
    """cluster_indicators: cited cluster-level figures, values parsed like amounts."""
    path = Path(path)
    rows, rejections = read_rows(path, INDICATOR_COLUMNS, ("year", "indicator", "value",
                                                           "source_url"))
    notes: list[str] = []
    keys = _row_keys(rows, "indicators", None)
    results = [_indicator(row, key, path, notes) for row, key in zip(rows, keys, strict=True)]
    records = [result for result in results if isinstance(result, dict)]
    rejections += [result for result in results if isinstance(result, Rejection)]
    return Parsed("cluster_indicators",
                  {"cluster_indicators": to_frame("cluster_indicators", records)},
                  rejections, notes)


# --- events --------------------------------------------------------------------------------


def _event(row: Row, key: str, path: Path) -> dict | Rejection:
    """One events row: the ISO date prefix and year read from the quoted date; a date that does not
    exist ('2020-13-45') is refused."""
    date_raw = row.get("date") or ""
    date = iso_date_prefix(date_raw)
    problem = date_problem(date_raw)
    if problem:
        return Rejection(path.name, None, row.line, "date", problem, date_raw)
    return {
        "record_key": key, "date_raw": date_raw, "date": date,
        "year": int(date[:4]) if date else None,
        "is_planned": int("planned" in date_raw.lower()), "event_type": row.get("event_type"),
        "company_label": row.get("company"), "company_key": row.get("company_key"),
        "description": row.get("description"), "location": row.get("location"),
        **_cited(row, path),
    }


def parse_events(path: Path) -> Parsed:
    """events: dated (or planned) plant openings, agreements and institutional events."""
    path = Path(path)
    rows, rejections = read_rows(path, EVENT_COLUMNS, ("date", "event_type", "description",
                                                       "source_url"))
    keys = _row_keys(rows, "events", "company_key")
    results = [_event(row, key, path) for row, key in zip(rows, keys, strict=True)]
    records = [result for result in results if isinstance(result, dict)]
    rejections += [result for result in results if isinstance(result, Rejection)]
    return Parsed("cluster_events", {"events": to_frame("events", records)}, rejections)


# --- sources -------------------------------------------------------------------------------


def publisher_of(url: str) -> str | None:
    """The host of a URL without 'www.' or port, IDNA decoded ('xn--p1ai' -> 'рф')."""
    host = urlsplit(url).hostname
    if not host:
        return None
    with contextlib.suppress(UnicodeError):
        host = host.encode("ascii").decode("idna")
    return host.removeprefix("www.")


def _source(row: Row, path: Path, seen: dict[str, int]) -> dict | Rejection:
    """One sources row, or why it is refused (not a URL, repeated URL, count not a number)."""
    url = row.get("source_url") or ""
    publisher = publisher_of(url)
    if publisher is None:
        return Rejection(path.name, None, row.line, "source_url", "not a URL", url)
    if url in seen:
        return Rejection(path.name, None, row.line, "source_url",
                         f"duplicate source_url, same as row {seen[url]}", url)
    seen[url] = row.line
    rows_text = row.get("rows")
    if rows_text is not None and not rows_text.isdigit():
        return Rejection(path.name, None, row.line, "rows", "row count is not a number", rows_text)
    return {"url": url, "title": None, "publisher": publisher, "published": None,
            "cited_rows": int(rows_text) if rows_text else None, "cited_in": row.get("files")}


def parse_sources(path: Path) -> Parsed:
    """sources: every cited URL, its publisher (host) and how many rows cite it."""
    path = Path(path)
    rows, rejections = read_rows(path, SOURCE_COLUMNS, ("source_url",))
    seen: dict[str, int] = {}
    results = [_source(row, path, seen) for row in rows]
    records = [result for result in results if isinstance(result, dict)]
    rejections += [result for result in results if isinstance(result, Rejection)]
    return Parsed("cluster_sources", {"sources": to_frame("sources", records)}, rejections)
