"""Shaping for the sources page: which rows cite each URL, what was loaded from where, load history.

Pure functions over the frames dashboard.queries and the read model return (the database only, never a
file), so they can be tested without a browser and reused by the page's callbacks.
"""

from __future__ import annotations

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


def source_summary(sources: pd.DataFrame, cites: pd.DataFrame) -> pd.DataFrame:
    """Every source (listed or only cited) with its rows counted per citing table, most cited first."""
    counts = (cites.pivot_table(index="url", columns="table", values="record_key", aggfunc="count", fill_value=0)
              if not cites.empty else pd.DataFrame())
    counts = counts.reindex(columns=list(CITING_TABLES), fill_value=0)
    listed = sources[["url", "title", "publisher", "published", "cited_rows", "cited_in"]].copy()
    listed["listed"] = True
    extra = sorted(set(counts.index) - set(listed["url"]))
    if extra:
        listed = pd.concat([listed, pd.DataFrame({"url": extra, "listed": False})], ignore_index=True)
    summary = listed.merge(counts, left_on="url", right_index=True, how="left")
    for table in CITING_TABLES:
        summary[table] = summary[table].fillna(0).astype(int)
    summary["rows"] = summary[list(CITING_TABLES)].sum(axis=1).astype(int)
    summary["publisher"] = [_text(p) or host(u) or ""
                            for p, u in zip(summary["publisher"], summary["url"], strict=True)]
    summary["bundled"] = summary["url"].map(is_bundled)
    # What the search box matches, lower-cased once here rather than on every request.
    summary["haystack"] = (summary["url"].fillna("") + " " + summary["title"].fillna("") + " "
                           + summary["publisher"].fillna("")).str.casefold()
    return summary.sort_values(["rows", "publisher", "url"], ascending=[False, True, True], ignore_index=True)


def filter_summary(summary: pd.DataFrame, query: str | None, tables: list[str] | None) -> pd.DataFrame:
    """Sources whose URL, title or publisher contains `query` and that some chosen table cites."""
    shown = summary
    chosen = [t for t in (tables or []) if t in CITING_TABLES]
    if chosen:
        shown = shown[shown[chosen].sum(axis=1) > 0]
    needle = (query or "").strip().casefold()
    if needle:
        shown = shown[[needle in text for text in shown["haystack"]]]
    return shown


def publisher_counts(summary: pd.DataFrame, tables: list[str] | None = None, top: int = 15) -> pd.DataFrame:
    """Citing rows per publisher and table (long form) for the `top` most cited publishers.

    Plain Python over the ~120 sources: several times cheaper than groupby + melt on every request.
    """
    chosen = [t for t in (tables or []) if t in CITING_TABLES] or list(CITING_TABLES)
    per_table: dict[str, dict[str, int]] = {}
    pages: dict[str, int] = {}
    columns = [summary[t].tolist() for t in chosen]
    for n, publisher in enumerate(summary["publisher"].tolist()):
        counts = per_table.setdefault(publisher, dict.fromkeys(chosen, 0))
        pages[publisher] = pages.get(publisher, 0) + 1
        for table, values in zip(chosen, columns, strict=True):
            counts[table] += int(values[n])
    totals = {p: sum(c.values()) for p, c in per_table.items()}
    ranked = sorted((p for p in totals if totals[p] > 0), key=lambda p: (-totals[p], -pages[p]))[:top]
    rows = [(p, pages[p], totals[p], table, per_table[p][table])
            for table in chosen for p in ranked if per_table[p][table] > 0]
    return pd.DataFrame(rows, columns=["publisher", "pages", "rows", "table", "count"])


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
