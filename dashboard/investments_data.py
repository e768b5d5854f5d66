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
from urllib.parse import urlsplit

import pandas as pd

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

    Made figures are placed at the year they run to (year_to, else year_from): money spent by then.
    Planned figures at the year they were announced (year_from, else the target year_to).
    Rows with neither year stay undated (year is missing); they are listed, never given a year.
    """
    frame = investments.copy()
    frame["status_group"] = [status_group(s) for s in frame["status"]]
    frame["level"] = [level(k, s) for k, s in zip(frame["company_key"], frame["scope"], strict=True)]
    year_to = pd.to_numeric(frame["year_to"], errors="coerce")
    year_from = pd.to_numeric(frame["year_from"], errors="coerce")
    made = frame["status_group"] == "made"
    frame["year"] = year_to.where(made, year_from).fillna(year_from.where(made, year_to)).astype("Int64")
    for column in ("amount_low_mn", "amount_high_mn"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def filter_companies(frame: pd.DataFrame, keys: set[str] | None) -> pd.DataFrame:
    """Rows of the given companies (None = no filter: every row)."""
    if keys is None:
        return frame
    return frame[frame["company_key"].isin(keys)]


def one_figure_per_company(frame: pd.DataFrame, currency: str, group: str, dated_only: bool = False,
                           up_to: int | None = None) -> pd.DataFrame:
    """THE ONE-FIGURE RULE: per company, the row with the largest lower bound (see module docstring)."""
    rows = frame[(frame["level"] == "company") & (frame["currency"] == currency)
                 & (frame["status_group"] == group) & frame["amount_low_mn"].notna()]
    if dated_only or up_to is not None:
        rows = rows[rows["year"].notna()]
    if up_to is not None:
        rows = rows[rows["year"] <= up_to]
    rows = rows.sort_values(["company_key", "amount_low_mn", "year", "record_key"],
                            ascending=[True, False, False, True], na_position="last")
    return rows.drop_duplicates("company_key", keep="first").reset_index(drop=True)


def upper(rows: pd.DataFrame) -> pd.Series:
    """The top of each figure's range; a "more than" figure has none, so its lower bound stands in."""
    return rows["amount_high_mn"].fillna(rows["amount_low_mn"])


def cumulative_curve(frame: pd.DataFrame, currency: str, group: str,
                     start: int = START_YEAR) -> pd.DataFrame:
    """Sum over companies of the one figure dated up to each year (a step curve, "as cited by then").

    Columns: year, low, high (sum of range tops), companies, open_ended (figures cited as "more
    than", whose true value lies above the line), record_keys (the rows summed, largest first).
    """
    dated = frame[(frame["level"] == "company") & (frame["currency"] == currency)
                  & (frame["status_group"] == group) & frame["year"].notna() & frame["amount_low_mn"].notna()]
    columns = ["year", "low", "high", "companies", "open_ended", "record_keys"]
    if dated.empty:
        return pd.DataFrame(columns=columns)
    first, last = min(start, int(dated["year"].min())), int(dated["year"].max())
    points = []
    for year in range(first, last + 1):
        chosen = one_figure_per_company(frame, currency, group, up_to=year)
        points.append({
            "year": year, "low": float(chosen["amount_low_mn"].sum()), "high": float(upper(chosen).sum()),
            "companies": len(chosen), "open_ended": int((chosen["qualifier"] == ">").sum()),
            "record_keys": tuple(chosen.sort_values("amount_low_mn", ascending=False)["record_key"]),
        })
    return pd.DataFrame(points, columns=columns)


def by_company(frame: pd.DataFrame, currency: str) -> pd.DataFrame:
    """One made and one planned figure per company in one currency (dated or not), largest first."""
    parts = [one_figure_per_company(frame, currency, group) for group in ("made", "planned")]
    rows = pd.concat([p for p in parts if not p.empty] or [parts[0]], ignore_index=True)
    rows["high_or_low"] = upper(rows)
    order = rows.groupby("company_key")["amount_low_mn"].max().sort_values(ascending=False)
    rows["rank"] = rows["company_key"].map({k: n for n, k in enumerate(order.index)})
    return rows.sort_values(["rank", "status_group"]).reset_index(drop=True)


def by_country(frame: pd.DataFrame, companies: pd.DataFrame, currency: str,
               keys: set[str] | None = None) -> pd.DataFrame:
    """Per parent country as written: participants counted, and their made figures summed (one each).

    Countries are not split ("Germany / Italy" stays one entry) so no company is counted twice.
    Companies with a figure but no record in the companies table go under a missing country.
    Columns: country, companies, low, with_figure, open_ended, record_keys.
    """
    countries = companies.set_index("key")["parent_country"].replace("", None)
    participants = countries if keys is None else countries[countries.index.isin(keys)]
    made = one_figure_per_company(filter_companies(frame, keys), currency, "made")
    made["country"] = made["company_key"].map(countries).fillna("")
    counts = participants.fillna("").value_counts()
    records = []
    for country in sorted(set(counts.index) | set(made["country"])):
        part = made[made["country"] == country].sort_values("amount_low_mn", ascending=False)
        records.append({
            "country": country or None, "companies": int(counts.get(country, 0)),
            "low": float(part["amount_low_mn"].sum()) if len(part) else None,
            "with_figure": len(part), "open_ended": int((part["qualifier"] == ">").sum()),
            "record_keys": tuple(part["record_key"])})
    out = pd.DataFrame(records, columns=["country", "companies", "low", "with_figure", "open_ended",
                                         "record_keys"])
    return out.sort_values(["low", "companies"], ascending=False, na_position="last").reset_index(drop=True)


def cited_totals(cluster_indicators: pd.DataFrame, investments: pd.DataFrame) -> pd.DataFrame:
    """Cluster-wide investment totals as cited: indicator rows in money units, and cluster-level
    investment rows already made (public budget allocations are not investment by participants).

    Columns: record_key, label, amount_raw, qualifier, low_mn, high_mn, currency, year_from,
    year_to, period_raw, source_url.
    """
    records = []
    for row in cluster_indicators.itertuples():
        unit = TOTAL_UNITS.get((row.unit or "").strip())
        if unit is None or not _INVESTMENT_WORD.search(row.indicator or "") or row.is_target:
            continue
        currency, factor = unit
        records.append({
            "record_key": row.record_key, "label": row.indicator, "amount_raw": f"{row.value_raw} {row.unit}",
            "qualifier": row.qualifier, "low_mn": _times(row.value_low, factor),
            "high_mn": _times(row.value_high, factor), "currency": currency,
            "year_from": _year(row.year), "year_to": None, "period_raw": row.year_raw,
            "source_url": row.source_url})
    cluster_rows = prepare(investments)
    cluster_rows = cluster_rows[(cluster_rows["level"] == "cluster")
                                & (cluster_rows["status_group"] == "made")]
    for row in cluster_rows.itertuples():
        records.append({
            "record_key": row.record_key, "label": row.company_label,
            "amount_raw": f"{row.amount_raw} {row.currency_raw}", "qualifier": row.qualifier,
            "low_mn": row.amount_low_mn, "high_mn": row.amount_high_mn, "currency": row.currency,
            "year_from": _year(row.year_from), "year_to": _year(row.year_to), "period_raw": row.period_raw,
            "source_url": row.source_url})
    columns = ["record_key", "label", "amount_raw", "qualifier", "low_mn", "high_mn", "currency",
               "year_from", "year_to", "period_raw", "source_url"]
    return pd.DataFrame(records, columns=columns)


def reconcile(frame: pd.DataFrame, totals: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Each cited total in `currency` beside the per-company sum it can be compared with.

    A total with an end year is compared with the curve as cited up to that year; one with only a
    start year (the interview's ">50 bn since 2007") with every dated per-company figure; an undated
    one with nothing (compared_to_year stays missing). Columns added: compared_to_year,
    companies_low, companies, open_ended, gap_mn (total's lower bound minus the sum), share.
    """
    rows = totals[totals["currency"] == currency]
    curve = cumulative_curve(frame, currency, "made")
    out = []
    for row in rows.to_dict("records"):
        point = _comparable_point(curve, row["year_from"], row["year_to"])
        total = row["low_mn"]
        low = None if point is None else float(point["low"])
        out.append({**row, "compared_to_year": None if point is None else int(point["year"]),
                    "companies_low": low, "companies": 0 if point is None else int(point["companies"]),
                    "open_ended": 0 if point is None else int(point["open_ended"]),
                    "gap_mn": None if low is None or _missing(total) else total - low,
                    "share": None if low is None or _missing(total) or not total else low / total})
    columns = [*totals.columns, "compared_to_year", "companies_low", "companies", "open_ended", "gap_mn",
               "share"]
    return pd.DataFrame(out, columns=columns)


def _comparable_point(curve: pd.DataFrame, year_from, year_to) -> pd.Series | None:
    if curve.empty:
        return None
    if not _missing(year_to):
        before = curve[curve["year"] <= int(year_to)]
        return before.iloc[-1] if not before.empty else None
    if not _missing(year_from):
        return curve.iloc[-1]
    return None


def missing_from_sum(frame: pd.DataFrame, companies: pd.DataFrame, currency: str,
                     keys: set[str] | None = None) -> dict[str, list[str]]:
    """Why a per-company sum falls short: participants whose money is cited only in other currencies,
    and participants with no cited made figure at all (company keys, sorted)."""
    made = frame[(frame["level"] == "company") & (frame["status_group"] == "made")
                 & frame["amount_low_mn"].notna()]
    in_currency = set(made.loc[made["currency"] == currency, "company_key"])
    other = set(made.loc[made["currency"] != currency, "company_key"]) - in_currency
    participants = set(companies["key"]) if keys is None else set(companies["key"]) & keys
    return {"other_currency": sorted(other), "no_figure": sorted(participants - set(made["company_key"]))}


def undated(frame: pd.DataFrame) -> pd.DataFrame:
    """Participant rows that cite no year: listed as written, never placed on the curve."""
    rows = frame[(frame["level"] == "company") & frame["year"].isna()]
    return rows.sort_values(["currency", "company_label"]).reset_index(drop=True)


def source_label(url: str | None, sources: pd.DataFrame | None = None) -> str:
    """A short name for a cited URL: its publisher, else its site; the title for bundled files."""
    if not url:
        return ""
    if sources is not None and not sources.empty:
        match = sources[sources["url"] == url]
        if not match.empty:
            record = match.iloc[0]
            if url.startswith("file:") and record.get("title"):
                return str(record["title"])
            if record.get("publisher"):
                return str(record["publisher"])
    host = urlsplit(url).netloc
    return host.removeprefix("www.").split(":")[0] if host else url.removeprefix("file:")


def is_web_url(url: str | None) -> bool:
    """Only http(s) addresses become links (bundled files are named, not linked)."""
    return bool(url) and str(url).startswith(("http://", "https://"))


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
