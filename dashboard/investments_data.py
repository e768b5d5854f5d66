"""Shaping cited investment figures honestly: one figure per company, per currency, never summed across.

The investments table holds citations, not investments: several rows can describe the same money
(Novo Nordisk ">8 bn RUB", "~100 mln USD", "80-100 mln USD"). Adding rows up would count it
twice, so every total here is built by THE ONE-FIGURE RULE:

    for each company, currency and status group (made / planned), take the single row with the
    largest lower bound (ties: the later year, then the record key). Cited cumulative figures grow
    over time, so the largest is the best "to date" figure, and an overlapping smaller citation
    (a later new line, an earlier stage) is never added on top of it.

Amounts are in millions of the row's currency. No exchange rates: currencies are never combined.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from dashboard.model import labels
from dashboard.model.cluster import placement_year

CURRENCIES = ("RUB", "USD", "EUR")
START_YEAR = 2007  # the cluster's founding year; the association's total counts "since 2007"
# Rows about the cluster as a whole (totals, budget programmes, the SEZ site), not one participant.
CLUSTER_KEYS = frozenset({"cluster", "sez_kaluga"})
# Units of cited cluster totals in cluster_indicators -> (currency, millions per unit).
TOTAL_UNITS = {f"{scale} {cur}": (cur, factor) for cur in CURRENCIES
               for scale, factor in (("bn", 1000.0), ("mln", 1.0))}
STATUS_GROUPS = ("made", "planned", "allocated")
_INVESTMENT_WORD = re.compile(r"\binvestment", re.IGNORECASE)


def status_group(status: str | None) -> str:
    """made / planned / allocated; "made/under way" counts as made (money already spent)."""
    text = (status or "").strip().lower()
    for group in STATUS_GROUPS:
        if text.startswith(group):
            return group
    return "other"


def level(company_key: str | None, scope: str | None) -> str:
    """company (a participant's own investment in Kaluga), cluster (a total or programme), or outside."""
    scope_text = (scope or "").lower()
    if company_key in CLUSTER_KEYS or scope_text.startswith("cluster"):
        return "cluster"
    # NOTE: Stada's ">600 mln EUR" (2020) is its investment across Russia, not in Kaluga.
    if "russia-wide" in scope_text:
        return "outside"
    return "company"


def prepare(investments: pd.DataFrame) -> pd.DataFrame:
    """Investment rows with status group, level, and the year each figure is placed at.

    The year follows the read model's placement rule (dashboard.model.cluster.placement_year): made
    figures at the year they run to, planned ones at the year they were announced. A row the rule
    gives no year (">8 bn RUB" in "the 2010s", a planned figure with only a target year) stays
    undated (year missing): it is listed with its source, never placed on a time axis.
    """
    frame = investments.copy()
    frame["status_group"] = [status_group(s) for s in frame["status"]]
    frame["level"] = [level(k, s) for k, s in zip(frame["company_key"], frame["scope"], strict=True)]
    year_to = pd.to_numeric(frame["year_to"], errors="coerce")
    year_from = pd.to_numeric(frame["year_from"], errors="coerce")
    frame["year"] = pd.array(
        [placement_year(group, period if isinstance(period, str) else None,
                        None if pd.isna(start) else int(start), None if pd.isna(end) else int(end))
         for group, period, start, end in zip(frame["status_group"], frame["period_raw"], year_from, year_to,
                                              strict=True)], dtype="Int64")
    for column in ("amount_low_mn", "amount_high_mn"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def prepared_rows(investments: list[dict]) -> list[dict]:
    """rows_of(prepare(frame)) for investment rows read as dicts (queries.investment_rows): the same rules
    (status group, level, placement year) and the same rows, without building a frame."""
    rows = []
    for pos, row in enumerate(investments):
        group = status_group(row["status"])
        period, start, end = row["period_raw"], row["year_from"], row["year_to"]
        low, high = row["amount_low_mn"], row["amount_high_mn"]
        rows.append({**row, "amount_low_mn": None if _missing(low) else float(low),
                     "amount_high_mn": None if _missing(high) else float(high),
                     "status_group": group, "level": level(row["company_key"], row["scope"]),
                     "year": placement_year(group, period if isinstance(period, str) else None,
                                            None if _missing(start) else int(start),
                                            None if _missing(end) else int(end)),
                     "_pos": pos})
    return rows


def filter_companies(frame: pd.DataFrame, keys: set[str] | None) -> pd.DataFrame:
    """Rows of the given companies (None = no filter: every row)."""
    if keys is None:
        return frame
    return frame[frame["company_key"].isin(keys)]


# --- the rules over plain rows ------------------------------------------------------------------
# NOTE: the investment rows are few (tens), and a pandas filter or sort of them costs a few hundred
# microseconds while the same work over plain dicts costs a few; a chart state needs dozens of such
# steps. So the rules are written once, over rows (dicts, missing values None, "_pos" the row's
# position in its frame), and the frame functions below apply them and return frames.


def rows_of(frame: pd.DataFrame) -> list[dict]:
    """A prepared frame's rows as dicts: missing values None, "_pos" the row's position in the frame."""
    columns = list(frame.columns)
    values = [frame[column].tolist() for column in columns]
    rows = []
    for pos, cells in enumerate(zip(*values, strict=True)):
        row = {column: None if _missing(cell) else cell for column, cell in zip(columns, cells, strict=True)}
        row["_pos"] = pos
        rows.append(row)
    return rows


def filter_rows(rows: list[dict], keys: set[str] | frozenset[str] | None) -> list[dict]:
    """filter_companies over rows."""
    return rows if keys is None else [row for row in rows if row["company_key"] in keys]


def _text_key(value: str | None) -> tuple:
    """Sorts text ascending with missing values last (pandas' na_position="last")."""
    return (value is None, value or "")


def _ordered(rows: list[dict], currency: str, group: str, dated: bool) -> list[dict]:
    """A participant's figures in one currency and group, in the one-figure rule's order: by company,
    then largest lower bound, later year (undated last), record key."""
    chosen = [row for row in rows if row["level"] == "company" and row["currency"] == currency
              and row["status_group"] == group and row["amount_low_mn"] is not None
              and (not dated or row["year"] is not None)]
    return sorted(chosen, key=lambda row: (_text_key(row["company_key"]), -row["amount_low_mn"],
                                           row["year"] is None, -(row["year"] or 0),
                                           _text_key(row["record_key"])))


def company_figures(rows: list[dict], currency: str, group: str, dated_only: bool = False,
                    up_to: int | None = None) -> list[dict]:
    """THE ONE-FIGURE RULE over rows: per company (in key order), the row with the largest lower bound."""
    chosen: dict[str | None, dict] = {}
    for row in _ordered(rows, currency, group, dated_only or up_to is not None):
        if up_to is None or row["year"] <= up_to:
            chosen.setdefault(row["company_key"], row)
    return list(chosen.values())


def _largest_first(rows: list[dict]) -> list[dict]:
    """Rows by lower bound, largest first, equal ones in the order pandas' sort_values(ascending=False)
    gives them (numpy's quicksort of the reversed values), so the shown order is the frame functions' one."""
    values = np.array([row["amount_low_mn"] for row in rows], dtype=float)[::-1]
    order = np.arange(len(rows))[::-1][values.argsort(kind="quicksort")][::-1]
    return [rows[n] for n in order]


def _top(row: dict) -> float:
    return row["amount_low_mn"] if row["amount_high_mn"] is None else row["amount_high_mn"]


def curve_points(rows: list[dict], currency: str, group: str, start: int = START_YEAR) -> list[dict]:
    """cumulative_curve over rows: one dict per year."""
    ordered = _ordered(rows, currency, group, dated=True)
    if not ordered:
        return []
    years = [row["year"] for row in ordered]
    points = []
    for year in range(min(start, min(years)), max(years) + 1):
        # The first of a company's rows dated up to the year is the one company_figures(up_to=year) picks.
        chosen: dict[str | None, dict] = {}
        for row in ordered:
            if row["year"] <= year:
                chosen.setdefault(row["company_key"], row)
        picked = list(chosen.values())
        points.append({
            "year": year, "low": math.fsum(row["amount_low_mn"] for row in picked),
            "high": math.fsum(_top(row) for row in picked), "companies": len(picked),
            "open_ended": sum(1 for row in picked if row["qualifier"] == ">"),
            "record_keys": tuple(row["record_key"] for row in _largest_first(picked)),
        })
    return points


def company_bars(rows: list[dict], currency: str) -> list[dict]:
    """by_company over rows: the made and planned figure of each company, with "high_or_low" (the
    range top) and "rank" (companies by their largest figure), largest company first, made before planned."""
    chosen = company_figures(rows, currency, "made") + company_figures(rows, currency, "planned")
    best: dict[str, dict] = {}
    for row in sorted((row for row in chosen if row["company_key"] is not None),
                      key=lambda row: (row["company_key"], -row["amount_low_mn"])):
        best.setdefault(row["company_key"], row)  # each company's largest figure, companies by key
    rank = {row["company_key"]: n for n, row in enumerate(_largest_first(list(best.values())))}
    bars = [{**row, "high_or_low": _top(row), "rank": rank.get(row["company_key"])} for row in chosen]
    return sorted(bars, key=lambda row: (row["rank"] is None, row["rank"] or 0, row["status_group"]))


def parent_countries(companies: Iterable[dict]) -> dict[str, str | None]:
    """company key -> parent country as written (None where none is recorded), from the companies' rows
    (queries.company_rows, or a frame's records)."""
    return {row["key"]: row["parent_country"] if isinstance(row["parent_country"], str) and row["parent_country"]
            else None for row in companies}


def country_totals(rows: list[dict], countries: dict[str, str | None], currency: str,
                   keys: set[str] | frozenset[str] | None = None) -> list[dict]:
    """by_country over rows; `countries` from parent_countries (every participant)."""
    counts: dict[str, int] = {}
    for key, country in countries.items():
        if keys is None or key in keys:
            counts[country or ""] = counts.get(country or "", 0) + 1
    made = company_figures(filter_rows(rows, keys), currency, "made")
    country_of = [countries.get(row["company_key"]) or "" for row in made]
    records = []
    for country in sorted(set(counts) | set(country_of)):
        part = _largest_first([row for row, c in zip(made, country_of, strict=True) if c == country])
        records.append({
            "country": country or None, "companies": counts.get(country, 0),
            "low": math.fsum(row["amount_low_mn"] for row in part) if part else None,
            "with_figure": len(part), "open_ended": sum(1 for row in part if row["qualifier"] == ">"),
            "record_keys": tuple(row["record_key"] for row in part)})
    # Largest sum first (countries without one last), then most participants; ties stay alphabetical.
    return sorted(records, key=lambda r: (r["low"] is None, -(r["low"] or 0.0), -r["companies"]))


def missing_rows(rows: list[dict], participants: set[str], currency: str) -> dict[str, list[str]]:
    """missing_from_sum over rows, for the given participants."""
    made = [row for row in rows if row["level"] == "company" and row["status_group"] == "made"
            and row["amount_low_mn"] is not None]
    in_currency = {row["company_key"] for row in made if row["currency"] == currency}
    other = {row["company_key"] for row in made if row["currency"] != currency} - in_currency
    return {"other_currency": sorted(other),
            "no_figure": sorted(participants - {row["company_key"] for row in made})}


def undated_rows(rows: list[dict]) -> list[dict]:
    """undated over rows."""
    return sorted((row for row in rows if row["level"] == "company" and row["year"] is None),
                  key=lambda row: (_text_key(row["currency"]), _text_key(row["company_label"])))


def reconcile_rows(rows: list[dict], totals: list[dict], currency: str) -> list[dict]:
    """reconcile over rows and cited totals (dicts as cited_totals' records)."""
    curve = curve_points(rows, currency, "made")
    out = []
    for row in totals:
        if row["currency"] != currency:
            continue
        point = _comparable_point(curve, row["year_from"], row["year_to"])
        total = row["low_mn"]
        low = None if point is None else float(point["low"])
        out.append({**row, "compared_to_year": None if point is None else int(point["year"]),
                    "companies_low": low, "companies": 0 if point is None else int(point["companies"]),
                    "open_ended": 0 if point is None else int(point["open_ended"]),
                    "gap_mn": None if low is None or _missing(total) else total - low,
                    "share": None if low is None or _missing(total) or not total else low / total})
    return out


def _comparable_point(curve: list[dict], year_from, year_to) -> dict | None:
    if not curve:
        return None
    if not _missing(year_to):
        before = [point for point in curve if point["year"] <= int(year_to)]
        return before[-1] if before else None
    if not _missing(year_from):
        return curve[-1]
    return None


# --- the rules as frames ------------------------------------------------------------------------


def _at(frame: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    """The frame's own rows (columns and types as they are) for rows picked by the functions above."""
    return frame.iloc[[row["_pos"] for row in rows]].reset_index(drop=True)


def one_figure_per_company(frame: pd.DataFrame, currency: str, group: str, dated_only: bool = False,
                           up_to: int | None = None) -> pd.DataFrame:
    """THE ONE-FIGURE RULE: per company, the row with the largest lower bound (see module docstring)."""
    return _at(frame, company_figures(rows_of(frame), currency, group, dated_only, up_to))


def upper(rows: pd.DataFrame) -> pd.Series:
    """The top of each figure's range; a "more than" figure has none, so its lower bound stands in."""
    return rows["amount_high_mn"].fillna(rows["amount_low_mn"])


CURVE_COLUMNS = ["year", "low", "high", "companies", "open_ended", "record_keys"]


def cumulative_curve(frame: pd.DataFrame, currency: str, group: str,
                     start: int = START_YEAR) -> pd.DataFrame:
    """Sum over companies of the one figure dated up to each year (a step curve, "as cited by then").

    Columns: year, low, high (sum of range tops), companies, open_ended (figures cited as "more
    than", whose true value lies above the line), record_keys (the rows summed, largest first).
    """
    return pd.DataFrame(curve_points(rows_of(frame), currency, group, start), columns=CURVE_COLUMNS)


def by_company(frame: pd.DataFrame, currency: str) -> pd.DataFrame:
    """One made and one planned figure per company in one currency (dated or not), largest first."""
    bars = company_bars(rows_of(frame), currency)
    out = _at(frame, bars)
    out["high_or_low"] = [row["high_or_low"] for row in bars]
    out["rank"] = pd.Series([row["rank"] for row in bars], dtype=None if bars else object)
    return out


COUNTRY_COLUMNS = ["country", "companies", "low", "with_figure", "open_ended", "record_keys"]


def by_country(frame: pd.DataFrame, companies: pd.DataFrame, currency: str,
               keys: set[str] | None = None) -> pd.DataFrame:
    """Per parent country as written: participants counted, and their made figures summed (one each).

    Countries are not split ("Germany / Italy" stays one entry) so no company is counted twice.
    Companies with a figure but no record in the companies table go under a missing country.
    Columns: country, companies, low, with_figure, open_ended, record_keys.
    """
    records = country_totals(rows_of(frame), parent_countries(companies.to_dict("records")), currency, keys)
    return pd.DataFrame(records, columns=COUNTRY_COLUMNS)


TOTAL_COLUMNS = ["record_key", "label", "amount_raw", "qualifier", "low_mn", "high_mn", "currency", "year_from",
                 "year_to", "period_raw", "source_url"]


def cited_total_rows(cluster_indicators: Iterable[dict], rows: list[dict]) -> list[dict]:
    """cited_totals over the cluster indicators' rows (queries.cluster_indicator_rows, or a frame's records)
    and the prepared investment rows (prepared_rows): one dict per cited total."""
    records = []
    for row in cluster_indicators:
        unit_text, indicator = row["unit"], row["indicator"]
        unit = TOTAL_UNITS.get((unit_text if isinstance(unit_text, str) else "").strip())
        if (unit is None or not _INVESTMENT_WORD.search(indicator if isinstance(indicator, str) else "")
                or row["is_target"]):
            continue
        currency, factor = unit
        records.append({
            "record_key": row["record_key"], "label": indicator, "amount_raw": f"{row['value_raw']} {unit_text}",
            "qualifier": row["qualifier"], "low_mn": _times(row["value_low"], factor),
            "high_mn": _times(row["value_high"], factor), "currency": currency, "year_from": _year(row["year"]),
            "year_to": None, "period_raw": row["year_raw"], "source_url": row["source_url"]})
    for row in rows:
        if row["level"] == "cluster" and row["status_group"] == "made":
            records.append({
                "record_key": row["record_key"], "label": row["company_label"],
                "amount_raw": f"{row['amount_raw']} {row['currency_raw']}", "qualifier": row["qualifier"],
                "low_mn": row["amount_low_mn"], "high_mn": row["amount_high_mn"], "currency": row["currency"],
                "year_from": _year(row["year_from"]), "year_to": _year(row["year_to"]),
                "period_raw": row["period_raw"], "source_url": row["source_url"]})
    return records


def cited_totals(cluster_indicators: pd.DataFrame, investments: pd.DataFrame) -> pd.DataFrame:
    """Cluster-wide investment totals as cited: indicator rows in money units, and cluster-level
    investment rows already made (public budget allocations are not investment by participants).

    Columns: record_key, label, amount_raw, qualifier, low_mn, high_mn, currency, year_from,
    year_to, period_raw, source_url.
    """
    return pd.DataFrame(cited_total_rows(cluster_indicators.to_dict("records"), rows_of(prepare(investments))),
                        columns=TOTAL_COLUMNS)


def reconcile(frame: pd.DataFrame, totals: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Each cited total in `currency` beside the per-company sum it can be compared with.

    A total with an end year is compared with the curve as cited up to that year; one with only a
    start year (the interview's ">50 bn since 2007") with every dated per-company figure; an undated
    one with nothing (compared_to_year stays missing). Columns added: compared_to_year,
    companies_low, companies, open_ended, gap_mn (total's lower bound minus the sum), share.
    """
    out = reconcile_rows(rows_of(frame), totals.to_dict("records"), currency)
    columns = [*totals.columns, "compared_to_year", "companies_low", "companies", "open_ended", "gap_mn",
               "share"]
    return pd.DataFrame(out, columns=columns)


def missing_from_sum(frame: pd.DataFrame, companies: pd.DataFrame, currency: str,
                     keys: set[str] | None = None) -> dict[str, list[str]]:
    """Why a per-company sum falls short: participants whose money is cited only in other currencies,
    and participants with no cited made figure at all (company keys, sorted)."""
    participants = set(companies["key"]) if keys is None else set(companies["key"]) & keys
    return missing_rows(rows_of(frame), participants, currency)


def undated(frame: pd.DataFrame) -> pd.DataFrame:
    """Participant rows that cite no year: listed as written, never placed on the curve."""
    return _at(frame, undated_rows(rows_of(frame)))


def source_label(url: str | None, sources: pd.DataFrame | None = None) -> str:
    """A short name for a cited URL: its publisher, else its site; the title for bundled files."""
    if not url:
        return ""
    if sources is not None and not sources.empty:
        match = sources[sources["url"] == url]
        if not match.empty:
            record = match.iloc[0]
            return _label(url, record.get("title"), record.get("publisher"))
    return _label(url, None, None)


def source_labels(urls, sources: list[dict] | None = None) -> dict[str, str]:
    """source_label of many URLs at once (one pass over the sources' rows, url, title and publisher as
    queries.source_rows reads them, not one per URL); only non-empty text URLs are keys."""
    known: dict[str, tuple] = {}
    for source in sources or ():
        known.setdefault(source["url"], (source["title"], source["publisher"]))  # the first, as source_label takes
    return {url: _label(url, *known.get(url, (None, None))) for url in dict.fromkeys(urls)
            if isinstance(url, str) and url}


def _label(url: str, title, publisher) -> str:
    # The read model's one rule for naming a source.
    return labels.source_label(url, title, publisher) or url


def is_web_url(url: str | None) -> bool:
    """Only http(s) addresses become links (bundled files are named, not linked)."""
    return labels.is_web_url(url)


def exact_decimals(value: float | None, most: int = 4) -> int:
    """The fewest decimals that show `value` without rounding it (up to `most`)."""
    if value is None or _missing(value):
        return 0
    for decimals in range(most + 1):
        if abs(round(value, decimals) - value) < 1e-9:
            return decimals
    return most


def _times(value, factor: float) -> float | None:
    return None if _missing(value) else float(value) * factor


def _year(value) -> int | None:
    return None if _missing(value) else int(value)


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
