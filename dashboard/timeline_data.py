"""Shaping for the timeline page: date precision, conflicting dates, filters, plot positions.

Pure functions over queries.events() (and queries.companies() for names), so the page's callbacks
stay small and the rules are testable without a browser. A date is never made more precise than
the source wrote it: "2012" covers the whole year, "2012-03" the whole month.
"""

from __future__ import annotations

from collections import Counter

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
    kind = precision(date)
    if kind is None:
        return None, None
    start = pd.Timestamp(date if kind != "year" else f"{date}-01-01")
    if kind == "year":
        end = start + pd.offsets.YearEnd(0)
    elif kind == "month":
        end = start + pd.offsets.MonthEnd(0)
    else:
        end = start
    return start, end


def consistent(a: str | None, b: str | None) -> bool:
    """Two written dates agree when one covers the other ('2015-04' and '2015-04-13' do)."""
    if not a or not b:
        return True
    return a.startswith(b) or b.startswith(a)


def source_label(url: str | None) -> str:
    """A short name for a source: its site, or the bundled file's name (the read model's one rule)."""
    return labels.source_label(url) or ""


def shape_events(events: pd.DataFrame, companies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Events with precision, covered span, plot midpoint, family, search text and conflict marks."""
    frame = events.copy()
    frame["precision"] = frame["date"].map(precision)
    spans = [date_span(d) for d in frame["date"]]
    frame["start"] = pd.to_datetime([s for s, _ in spans])
    frame["end"] = pd.to_datetime([e for _, e in spans])
    frame["mid"] = frame["start"] + (frame["end"] - frame["start"]) / 2
    # Plot positions as ISO text, computed once: the chart callback then only copies strings.
    for column, source in (("x", "mid"), ("x0", "start"), ("x1", "end")):
        frame[column] = frame[source].dt.strftime("%Y-%m-%d").astype(object).where(frame[source].notna(), None)
    frame["family"] = frame["event_type"].map(family)
    frame["planned"] = frame["is_planned"].fillna(0).astype(int).astype(bool)
    frame["source"] = frame["source_url"].map(source_label)
    names: dict[str, str] = {}
    if companies is not None and not companies.empty:
        for key, ru, en in zip(companies["key"], companies["name_ru"], companies["name_en"], strict=True):
            names[key] = " ".join(str(n) for n in (ru, en) if isinstance(n, str))
    frame["search"] = [" ".join(str(v) for v in (label, key, names.get(key, "")) if isinstance(v, str)).casefold()
                       for label, key in zip(frame["company_label"], frame["company_key"], strict=True)]
    frame = mark_conflicts(frame)
    return frame.sort_values(["start", "end", "record_key"], na_position="last", ignore_index=True)


def mark_conflicts(frame: pd.DataFrame) -> pd.DataFrame:
    """Add `conflict` (a group id or '') and `conflict_dates` for one-off events whose dates disagree.

    A group is one company's one-off event type (happened and planned kept apart); it conflicts when
    two of its dates do not cover one another. Every member is marked, none is dropped.
    """
    frame = frame.copy()
    frame["conflict"] = ""
    frame["conflict_dates"] = ""
    candidates = frame[frame["event_type"].isin(ONE_OFF_TYPES) & frame["date"].notna()
                       & frame["company_key"].notna()]
    for (company, event_type, planned), part in candidates.groupby(["company_key", "event_type", "planned"]):
        dates = part["date"].tolist()
        if all(consistent(a, b) for i, a in enumerate(dates) for b in dates[i + 1:]):
            continue
        group = f"{company}|{event_type}|{'planned' if planned else 'happened'}"
        ordered = part.sort_values(["start", "record_key"])
        listing = "; ".join(f"{d} ({s})" for d, s in zip(ordered["date_raw"], ordered["source"], strict=True))
        frame.loc[part.index, "conflict"] = group
        frame.loc[part.index, "conflict_dates"] = listing
    return frame


def year_bounds(frame: pd.DataFrame) -> tuple[int, int]:
    """First and last year any dated event falls in."""
    years = frame["year"].dropna()
    if years.empty:
        return 2000, 2030
    return int(years.min()), int(years.max())


def type_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Event types with how many events each has, by family then most frequent first."""
    counts = frame.groupby("event_type").size().rename("events").reset_index()
    counts["family"] = counts["event_type"].map(family)
    counts["order"] = counts["family"].map(FAMILY_ORDER.index)
    return counts.sort_values(["order", "events", "event_type"], ascending=[True, False, True],
                              ignore_index=True)


def filter_events(frame: pd.DataFrame, types: list[str] | None = None, year_from: int | None = None,
                  year_to: int | None = None, status: str = "all", company: str | None = None,
                  company_keys: set[str] | None = None, include_undated: bool = True) -> pd.DataFrame:
    """The events that pass every filter; `company_keys` None means no therapy-area filter.

    Undated events have no year to test, so a year range keeps them only when include_undated is set.
    """
    keep = pd.Series(True, index=frame.index)
    if types:
        keep &= frame["event_type"].isin(types)
    dated = frame["year"].notna()
    in_range = pd.Series(True, index=frame.index)
    if year_from is not None:
        in_range &= frame["year"] >= year_from
    if year_to is not None:
        in_range &= frame["year"] <= year_to
    keep &= (dated & in_range) | (~dated & include_undated)
    if status == "planned":
        keep &= frame["planned"]
    elif status == "happened":
        keep &= ~frame["planned"]
    needle = (company or "").strip().casefold()
    if needle:
        keep &= frame["search"].str.contains(needle, regex=False)
    if company_keys is not None:
        keep &= frame["company_key"].isin(company_keys)
    return frame[keep]


def plot_rows(frame: pd.DataFrame) -> tuple[list[str], pd.Series]:
    """Y rows for the chart: the types present (by family, then first date) and each event's y position.

    Events on the same row at the same plotted date are spread a little so that none hides another.
    Plain Python over at most a few hundred rows: cheaper than pandas groupby on every request.
    """
    dated = frame[frame["mid"].notna()]
    types, mids = dated["event_type"].tolist(), dated["mid"].tolist()
    first: dict[str, tuple] = {}
    for event_type, fam, start in zip(types, dated["family"], dated["start"], strict=True):
        key = (FAMILY_ORDER.index(fam), start)
        if event_type not in first or key < first[event_type]:
            first[event_type] = key
    order = sorted(first, key=first.__getitem__)
    row = {event_type: n for n, event_type in enumerate(order)}
    sizes = Counter(zip(types, mids, strict=True))
    seen: Counter = Counter()
    positions = []
    for place in zip(types, mids, strict=True):
        size, n = sizes[place], seen[place]
        seen[place] += 1
        # Spread within the row's band (at most 0.8 of a row), whatever the number of events.
        step = min(0.22, 0.8 / size)
        positions.append(row[place[0]] + (n - (size - 1) / 2) * step)
    return order, pd.Series(positions, index=dated.index, dtype=float)
