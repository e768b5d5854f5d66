"""Shaping for the timeline page: date precision, conflicting dates, filters, plot positions.

Pure functions over queries.event_rows() (and queries.company_rows() for names), so the page's callbacks
stay small and the rules are testable without a browser. A date is never made more precise than
the source wrote it: "2012" covers the whole year, "2012-03" the whole month.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

import pandas as pd

from dashboard.model import labels

STATUSES = ("all", "happened", "planned")
# Event types that happen once per company (a plant opens once): different dates for one of them
# from different pages are a conflict to show, not several events. Agreements and launches recur.
ONE_OFF_TYPES = frozenset({"plant opening", "construction start"})
# Families group the recorded event types for colour and ordering; the types themselves are kept.
FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("agreement", ("agreement", "negotiations")),
    ("construction", ("construction",)),
    ("production", ("plant opening", "production launch", "localization", "license")),
    ("infrastructure", ("infrastructure",)),
    ("institutional", ("institutional", "status", "membership", "sez")),
    ("ownership", ("ownership", "investment exit", "project transfer")),
)
FAMILY_ORDER = (*(name for name, _ in FAMILIES), "other")


def family(event_type: str | None) -> str:
    """The family of an event type ('agreement (SPIC)' -> 'agreement'); 'other' when none fits."""
    text = (event_type or "").strip().casefold()
    for name, prefixes in FAMILIES:
        if text.startswith(prefixes):
            return name
    return "other"


def precision(date: str | None) -> str | None:
    """'year', 'month' or 'day' for an ISO prefix date; None when the source gives no date."""
    if not isinstance(date, str) or not date:
        return None
    return {4: "year", 7: "month", 10: "day"}.get(len(date))


def date_span(date: str | None) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First and last day the written date covers: '2012' -> 2012-01-01..2012-12-31."""
    start, end = _span(date)
    return (None, None) if start is None else (pd.Timestamp(start), pd.Timestamp(end))


def _span(date: str | None) -> tuple[datetime | None, datetime | None]:
    # date_span with the standard library: a pandas offset per event cost more than the rest of the shaping.
    kind = precision(date)
    if kind is None:
        return None, None
    if kind == "year":
        year = int(date)
        return datetime(year, 1, 1), datetime(year, 12, 31)
    if kind == "month":
        year, month = int(date[:4]), int(date[5:7])
        return datetime(year, month, 1), datetime(year, month, calendar.monthrange(year, month)[1])
    day = datetime.fromisoformat(date)
    return day, day


def consistent(a: str | None, b: str | None) -> bool:
    """Two written dates agree when one covers the other ('2015-04' and '2015-04-13' do)."""
    if not a or not b:
        return True
    return a.startswith(b) or b.startswith(a)


def source_label(url: str | None) -> str:
    """A short name for a source: its site, or the bundled file's name (the read model's one rule)."""
    return labels.source_label(url) or ""


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.date().isoformat()


def shape_events(events: Iterable[dict], companies: Iterable[dict] = ()) -> list[dict]:
    """Events (queries.event_rows) with precision, covered span, plot midpoint, family, search text and
    conflict marks, one dict each (start, end and mid datetimes or None), by date then record key.

    Plain Python over the ~80 events: a frame, its date columns and a groupby cost several times more.
    """
    names = {c["key"]: " ".join(str(n) for n in (c["name_ru"], c["name_en"]) if isinstance(n, str))
             for c in companies}
    rows = []
    sources: dict[str, str] = {}  # one label per address (several events cite one page)
    for event in events:
        start, end = _span(event["date"])
        mid = None if start is None else start + (end - start) / 2
        label, key, url = event["company_label"], event["company_key"], event["source_url"]
        source = sources[url] if url in sources else sources.setdefault(url, source_label(url))
        rows.append({
            **event, "precision": precision(event["date"]), "start": start, "end": end, "mid": mid,
            # Plot positions as ISO text, computed once: the chart callback then only copies strings.
            "x": _iso(mid), "x0": _iso(start), "x1": _iso(end), "family": family(event["event_type"]),
            "planned": bool(event["is_planned"] or 0), "source": source,
            "search": " ".join(str(v) for v in (label, key, names.get(key, "")) if isinstance(v, str)).casefold()})
    mark_conflicts(rows)
    return sorted(rows, key=lambda r: (r["start"] is None, r["start"] or _NO_DATE, r["end"] or _NO_DATE,
                                       r["record_key"]))


_NO_DATE = datetime.min


def mark_conflicts(rows: list[dict]) -> list[dict]:
    """Set `conflict` (a group id or ''), `conflict_parts` (each member's date as written and its source, in
    date order) and `conflict_dates` (conflict_listing of them) on one-off events whose dates disagree.

    A group is one company's one-off event type (happened and planned kept apart); it conflicts when
    two of its dates do not cover one another. Every member is marked, none is dropped.
    """
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        row["conflict"] = ""
        row["conflict_parts"] = ()
        row["conflict_dates"] = ""
        if row["event_type"] in ONE_OFF_TYPES and isinstance(row["date"], str) and row["company_key"] is not None:
            groups.setdefault((row["company_key"], row["event_type"], row["planned"]), []).append(row)
    for (company, event_type, planned), part in groups.items():
        dates = [row["date"] for row in part]
        if all(consistent(a, b) for i, a in enumerate(dates) for b in dates[i + 1:]):
            continue
        group = f"{company}|{event_type}|{'planned' if planned else 'happened'}"
        ordered = sorted(part, key=lambda row: (row["start"], row["record_key"]))
        parts = tuple((row["date_raw"], row["source"]) for row in ordered)
        listing = conflict_listing(parts)
        for row in part:
            row["conflict"] = group
            row["conflict_parts"] = parts
            row["conflict_dates"] = listing
    return rows


def conflict_listing(parts: tuple[tuple[str, str], ...], word: Callable[[str], str] = str) -> str:
    """A conflict group's dates as each source words them ('2014-04-10 (tass.ru); 2015-04 (...)'); `word`
    renders a date as written (a page's translation of it, say)."""
    return "; ".join(f"{word(date)} ({source})" for date, source in parts)


def year_bounds(rows: list[dict]) -> tuple[int, int]:
    """First and last year any dated event falls in."""
    years = [row["year"] for row in rows if row["year"] is not None]
    if not years:
        return 2000, 2030
    return int(min(years)), int(max(years))


def type_counts(rows: list[dict]) -> list[tuple[str, int]]:
    """(event type, how many events) by family, then most frequent first, then by name."""
    counts = Counter(row["event_type"] for row in rows)
    return sorted(counts.items(), key=lambda item: (FAMILY_ORDER.index(family(item[0])), -item[1], item[0]))


def filter_events(rows: list[dict], types: list[str] | None = None, year_from: int | None = None,
                  year_to: int | None = None, status: str = "all", company: str | None = None,
                  company_keys: set[str] | frozenset[str] | None = None, include_undated: bool = True) -> list[dict]:
    """The events that pass every filter; `company_keys` None means no therapy-area filter.

    Undated events have no year to test, so a year range keeps them only when include_undated is set.
    """
    chosen = set(types or ())
    needle = (company or "").strip().casefold()

    def keep(row: dict) -> bool:
        year = row["year"]
        if year is None:
            if not include_undated:
                return False
        elif (year_from is not None and year < year_from) or (year_to is not None and year > year_to):
            return False
        return ((not chosen or row["event_type"] in chosen)
                and (status != "planned" or row["planned"]) and (status != "happened" or not row["planned"])
                and (not needle or needle in row["search"])
                and (company_keys is None or row["company_key"] in company_keys))

    return [row for row in rows if keep(row)]


def plot_rows(rows: list[dict]) -> tuple[list[str], list[float]]:
    """Y rows for the chart: the types present (by family, then first date) and each dated event's y position
    (in the order of `rows`, undated events left out).

    Events on the same row at the same plotted date are spread a little so that none hides another.
    """
    dated = [row for row in rows if row["mid"] is not None]
    first: dict[str, tuple] = {}
    for row in dated:
        key = (FAMILY_ORDER.index(row["family"]), row["start"])
        if row["event_type"] not in first or key < first[row["event_type"]]:
            first[row["event_type"]] = key
    order = sorted(first, key=first.__getitem__)
    position = {event_type: n for n, event_type in enumerate(order)}
    places = [(row["event_type"], row["mid"]) for row in dated]
    sizes = Counter(places)
    seen: Counter = Counter()
    positions = []
    for place in places:
        size, n = sizes[place], seen[place]
        seen[place] += 1
        # Spread within the row's band (at most 0.8 of a row), whatever the number of events.
        step = min(0.22, 0.8 / size)
        positions.append(position[place[0]] + (n - (size - 1) / 2) * step)
    return order, positions
