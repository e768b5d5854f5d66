"""Shaping for the sources page: which rows cite each URL, what was loaded from where, load history.

Pure functions over the frames dashboard.queries and the read model return (the database only, never a
file), so they can be tested without a browser and reused by the page's callbacks.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

# Source names, links and markdown escaping have one home (the read model's labels); re-exported for the page.
from dashboard.model.labels import host, is_bundled, markdown_link, markdown_text  # noqa: F401

# The tables whose rows carry a source_url, in the order the page lists them.
CITING_TABLES: tuple[str, ...] = ("events", "investments", "products", "company_records", "cluster_indicators")
INTERVIEW_URL = "file:seed/kaluga_pharma_cluster_interview.txt"
CITATION_COLUMNS = ["url", "table", "record_key", "label"]


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def _join(*parts: object, sep: str = " ") -> str:
    return sep.join(p for p in (_text(v) for v in parts) if p)


def _short(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def row_label(table: str, row: dict) -> str:
    """A short human label for one citing row, with its figures kept exactly as written."""
    if table == "events":
        return _short(_join(_text(row.get("date_raw")) + ":", row.get("description")))
    if table == "investments":
        amount = _join(row.get("amount_raw"), row.get("currency_raw"))
        return _short(_join(_text(row.get("company_label")) + ":", amount, f"({_text(row.get('period_raw'))})"
                            if _text(row.get("period_raw")) else "", row.get("status")))
    if table == "products":
        company = _text(row.get("company_label"))
        return _short(_join(row.get("trade_name"), f"({company})" if company else ""))
    if table == "company_records":
        return _short(_join(row.get("name_en") or row.get("name_ru"), row.get("kind") and
                            f"— {_text(row.get('kind'))}"))
    if table == "cluster_indicators":
        return _short(_join(_text(row.get("indicator")) + ",", _text(row.get("year_raw")) + ":",
                            row.get("value_raw"), row.get("unit")))
    return _text(row.get("record_key"))


def citations(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per citing record: url, table, record_key and a readable label of the record."""
    parts = []
    for table in CITING_TABLES:
        frame = tables.get(table)
        if frame is None or frame.empty:
            continue
        records = frame.to_dict("records")
        parts.append(pd.DataFrame({
            "url": [r["source_url"] for r in records],
            "table": table,
            "record_key": [r["record_key"] for r in records],
            "label": [row_label(table, r) for r in records],
        }))
    if not parts:
        return pd.DataFrame(columns=CITATION_COLUMNS)
    return pd.concat(parts, ignore_index=True).sort_values(["url", "table", "record_key"], ignore_index=True)


def citation_counts(rows: Iterable[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    """Rows citing each address per citing table, from (table, url, rows) counts (queries.citing_rows)."""
    counts: dict[str, dict[str, int]] = {}
    for table, url, n in rows:
        if table in CITING_TABLES and url is not None:
            per_table = counts.setdefault(url, dict.fromkeys(CITING_TABLES, 0))
            per_table[table] += int(n)
    return counts


SOURCE_FIELDS = ("url", "title", "publisher", "published", "cited_rows", "cited_in")
SUMMARY_COLUMNS = [*SOURCE_FIELDS, "listed", *CITING_TABLES, "rows", "bundled", "haystack"]


def source_summary(sources: pd.DataFrame, counts: dict[str, dict[str, int]]) -> list[dict]:
    """Every source (listed or only cited) with its rows counted per citing table, most cited first.

    One dict per source (SUMMARY_COLUMNS): plain Python over the ~120 sources, several times cheaper than
    merging and sorting frames on every request; summary_frame makes the table the downloads write.
    """
    listed = [(*values, True) for values in zip(*(sources[c].tolist() for c in SOURCE_FIELDS), strict=True)]
    known = {values[0] for values in listed}
    missing = float("nan")
    listed += [(url, missing, missing, missing, missing, missing, False) for url in sorted(set(counts) - known)]
    no_rows = dict.fromkeys(CITING_TABLES, 0)
    rows = []
    for url, title, publisher, published, cited_rows, cited_in, is_listed in listed:
        per_table = counts.get(url, no_rows)
        publisher = _text(publisher) or host(url) or ""
        rows.append({"url": url, "title": title, "publisher": publisher, "published": published,
                     "cited_rows": cited_rows, "cited_in": cited_in, "listed": is_listed, **per_table,
                     "rows": sum(per_table.values()), "bundled": is_bundled(url),
                     # What the search box matches, lower-cased once here rather than on every request.
                     "haystack": f"{url} {_text_or_blank(title)} {publisher}".casefold()})
    rows.sort(key=lambda row: (-row["rows"], row["publisher"], row["url"]))
    return rows


def _text_or_blank(value: object) -> str:
    # The title as recorded (unstripped), or "" when there is none.
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def summary_frame(summary: list[dict], columns: list[str] | None = None) -> pd.DataFrame:
    """The summary (or a filtered part of it) as a table, for the CSV downloads."""
    return pd.DataFrame(summary, columns=columns or SUMMARY_COLUMNS)


def filter_summary(summary: list[dict], query: str | None, tables: list[str] | None) -> list[dict]:
    """Sources whose URL, title or publisher contains `query` and that some chosen table cites."""
    chosen = [t for t in (tables or []) if t in CITING_TABLES]
    needle = (query or "").strip().casefold()
    return [row for row in summary
            if (not chosen or any(row[t] for t in chosen)) and (not needle or needle in row["haystack"])]


PUBLISHER_COUNT_COLUMNS = ["publisher", "pages", "rows", "table", "count"]


def publisher_counts(summary: list[dict], tables: list[str] | None = None,
                     top: int = 15) -> list[tuple[str, int, int, str, int]]:
    """Citing rows per publisher and table (long form, PUBLISHER_COUNT_COLUMNS) for the `top` most cited
    publishers."""
    chosen = [t for t in (tables or []) if t in CITING_TABLES] or list(CITING_TABLES)
    per_table: dict[str, dict[str, int]] = {}
    pages: dict[str, int] = {}
    for row in summary:
        publisher = row["publisher"]
        counts = per_table.setdefault(publisher, dict.fromkeys(chosen, 0))
        pages[publisher] = pages.get(publisher, 0) + 1
        for table in chosen:
            counts[table] += int(row[table])
    totals = {p: sum(c.values()) for p, c in per_table.items()}
    ranked = sorted((p for p in totals if totals[p] > 0), key=lambda p: (-totals[p], -pages[p]))[:top]
    return [(p, pages[p], totals[p], table, per_table[p][table])
            for table in chosen for p in ranked if per_table[p][table] > 0]


EXTRACT_COLUMNS = ["file_name", "load_id", "status", "adapter", "edition", "publication", "producer", "origin",
                   "licence", "raw_sha256", "sha256", "source_path", "tables", "notes"]


def extract_records(files: pd.DataFrame) -> pd.DataFrame:
    """One row per loaded file or folder (its newest load), by name: what the database says was loaded."""
    return files.reindex(columns=EXTRACT_COLUMNS).sort_values("file_name", ignore_index=True)


def edition_codes(loads: pd.DataFrame, editions: pd.DataFrame | None = None) -> list[str]:
    """Publication editions the loads or the editions table refer to, sorted."""
    codes = set(loads["edition"].dropna()) if "edition" in loads else set()
    if editions is not None and "code" in editions:
        codes |= set(editions["code"].dropna())
    return sorted(c for c in codes if c)


LOAD_COLUMNS = ["id", "file_name", "adapter", "edition", "status", "started_at", "finished_at",
                "rows_added", "rows_changed", "rows_unchanged", "rows_rejected"]


def load_history(loads: pd.DataFrame) -> pd.DataFrame:
    """The load records, newest first, with start and finish times to the second."""
    frame = loads.reindex(columns=LOAD_COLUMNS).copy()
    for column in ("started_at", "finished_at"):
        frame[column] = pd.to_datetime(frame[column], errors="coerce").dt.strftime("%Y-%m-%d %H:%M:%S")
    return frame.sort_values("id", ascending=False, ignore_index=True)
