"""Shaping for the products page: the ATC tree, counts by company and year, cited registration counts.

Pure functions over the tables dashboard.queries returns (products, atc_groups, therapy_areas,
cluster_indicators, companies, sources), as frames or as plain rows (lists of dicts: queries.product_rows
and the like); no database access here. The page reads plain rows: its tables are a few dozen rows, and
pandas steps on them cost more than the callback's whole budget. Functions named *_rows return rows; the
others the same rows as a frame.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from dashboard.i18n import FIGURE, normalise_language, pick
from dashboard.model import labels

CLUSTER_KEY = "cluster"  # products the interview attributes to "cluster participants", no company named
NO_ATC = "__no_atc__"
NO_AREA = "__no_area__"
ROOT = "__root__"

LABELS = {
    "root": {"ru": "Все продукты", "en": "All products"},
    "no_atc": {"ru": "Код АТХ не присвоен", "en": "ATC not assigned"},
    "no_area": {"ru": "Область не указана", "en": "Therapy area not recorded"},
    "cluster": {"ru": "Участники кластера (не названы)", "en": "Cluster participants (not named)"},
    "no_year": {"ru": "год не указан", "en": "year not stated"},
}

# The products' recorded texts, as a page in that language shows them (names as recorded where no Russian is
# known), and the cited counts' (RecordedText kinds by column).
PRODUCT_TEXTS = {"trade_name": (), "inn": (), "dosage_form": (), "status_raw": (), "therapy_area_raw": (), "note": ()}
CITED_TEXTS = {"value_raw": (FIGURE,), "unit": ("unit",), "indicator": (), "year_raw": (), "note": (),
               "company": ("scope", "place"), "scope": ("scope", "place")}

# Cited counts of registered or launched products (cluster_indicators rows from the interview).
# NOTE: they are counts only — the products are not named — so they never become product rows.
REGISTRATION_PATTERN = re.compile(r"^(drugs registered by|new products brought to market by)\b", re.IGNORECASE)
# Cited pipeline figures (in development / in registration), shown as written beside the counts.
PIPELINE_PATTERN = re.compile(r"in development|in registration|being registered|product portfolio",
                              re.IGNORECASE)


def label(key: str, lang: str | None) -> str:
    return LABELS[key][normalise_language(lang)]


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


Table = pd.DataFrame | list[dict]  # a frame, or its rows as dicts (missing values None or NaN)


def _columns(table: Table, names: Iterable[str]) -> dict[str, list]:
    """The named columns of a frame or of rows, as lists."""
    if isinstance(table, pd.DataFrame):
        return {c: table[c].tolist() for c in names}
    return {c: [row.get(c) for row in table] for c in names}


def _records(table: Table) -> list[dict]:
    return table.to_dict("records") if isinstance(table, pd.DataFrame) else table


# --- names ------------------------------------------------------------------------------------

def company_names(companies: Table, products: Table, lang: str | None) -> dict[str, str]:
    """company key -> display name: the directory's name, else the label a product row gives."""
    names: dict[str, str] = {}
    cols = _columns(products, ("company_key", "company_label"))
    for key, company_label in zip(cols["company_key"], cols["company_label"], strict=True):
        if _text(key):
            names.setdefault(key, _text(company_label) or key)
    cols = _columns(companies, ("key", "name_ru", "name_en"))
    for key, name_ru, name_en in zip(cols["key"], cols["name_ru"], cols["name_en"], strict=True):
        names[key] = pick(lang, name_ru, name_en) or key
    names[CLUSTER_KEY] = label("cluster", lang)
    return names


def atc_name(code: str, atc_groups: pd.DataFrame | dict[str, str]) -> str:
    """The name of an ATC code: WHO's in sentence case (WHO writes levels 1-3 in capitals), or its Russian name.

    `atc_groups`: the atc_groups table, or atc_names of it (a lookup for many codes)."""
    names = atc_groups if isinstance(atc_groups, dict) else atc_names(atc_groups)
    return names.get(code, code)


def atc_names(atc_groups: Table, russian: dict[str, str] | None = None) -> dict[str, str]:
    """code -> atc_name for every code of the atc_groups table (the first row of a code).

    `russian`: the official Russian names by code (the translations table's field "atc", for a Russian page);
    a code without one keeps WHO's English name."""
    names: dict[str, str] = {}
    cols = _columns(atc_groups, ("code", "name_en"))
    for code, name in zip(cols["code"], cols["name_en"], strict=True):
        if code not in names:
            text = str(name)
            names[code] = text[:1] + text[1:].lower() if text.isupper() else text
    if russian:
        names.update({code: russian[code] for code in names if code in russian})
    return names


def area_names(therapy_areas: Table, lang: str | None) -> dict[str, str]:
    cols = _columns(therapy_areas, ("code", "name_ru", "name_en"))
    return {code: pick(lang, name_ru, name_en)
            for code, name_ru, name_en in zip(cols["code"], cols["name_ru"], cols["name_en"], strict=True)}


# --- sources ----------------------------------------------------------------------------------

def source_label(url: str, sources: pd.DataFrame | SourceLabels) -> tuple[str, str | None]:
    """(label, link) for a cited URL: its publisher and the page; bundled files are named, not linked."""
    if isinstance(sources, SourceLabels):
        return sources(url)
    match = sources[sources["url"] == url]
    row = match.iloc[0] if not match.empty else None
    return _source_label(url, None if row is None else row["title"], None if row is None else row["publisher"])


def _source_label(url: str, title: object, publisher: object) -> tuple[str, str | None]:
    # The read model's one rule for naming and linking a source.
    return labels.source_label(url, title, publisher) or str(url), labels.source_link(url)


class SourceLabels:
    """source_label for many URLs: the sources table read once, each URL's label worked out once.

    Every function here that takes `sources` accepts one in place of the table.
    """

    def __init__(self, sources: Table):
        self._known: dict[str, tuple] = {}
        cols = _columns(sources, ("url", "title", "publisher"))
        for url, title, publisher in zip(cols["url"], cols["title"], cols["publisher"], strict=True):
            self._known.setdefault(url, (title, publisher))  # the first row, as source_label takes
        self._labels: dict[str, tuple[str, str | None]] = {}

    def __call__(self, url: str) -> tuple[str, str | None]:
        if url not in self._labels:
            self._labels[url] = _source_label(url, *self._known.get(url, (None, None)))
        return self._labels[url]


def _labeller(sources: Table | SourceLabels) -> SourceLabels:
    return sources if isinstance(sources, SourceLabels) else SourceLabels(sources)


def source_items(urls: Iterable[str], sources: pd.DataFrame | SourceLabels) -> list[tuple[str, str | None]]:
    """Distinct (label, link) pairs for source_line, in first-seen order."""
    seen = dict.fromkeys(u for u in urls if isinstance(u, str) and u)
    if not seen:
        return []
    labels = _labeller(sources)
    return [labels(url) for url in seen]


# --- filtering --------------------------------------------------------------------------------

def filter_products(products: Table, area: str | None = None,
                    companies: Iterable[str] | None = None) -> Table:
    """Products in the therapy area (None = all) made by the chosen companies (None or empty = all)."""
    if not isinstance(products, pd.DataFrame):
        chosen = set(companies or ())
        return [row for row in products if (not area or row.get("therapy_area_code") == area)
                and (not chosen or row.get("company_key") in chosen)]
    frame = products
    if area:
        frame = frame[frame["therapy_area_code"] == area]
    chosen = set(companies or ())
    if chosen:
        frame = frame[frame["company_key"].isin(chosen)]
    return frame


def _product_ids(company_keys: Iterable, atc_codes: Iterable, trade_names: Iterable) -> list[str]:
    return [f"{company}|atc:{_text(code)}" if _text(code) else f"{company}|name:{_text(trade).casefold()}"
            for company, code, trade in zip(company_keys, atc_codes, trade_names, strict=True)]


def with_identity(products: pd.DataFrame) -> pd.DataFrame:
    """Products with a `product_id`: one product may be cited by several rows (same company and ATC
    code, or same company and trade name); the tree and the counts show it once."""
    frame = products.copy()
    frame["product_id"] = _product_ids(frame["company_key"], frame["atc_code"], frame["trade_name"])
    return frame


DISTINCT_COLUMNS = ["product_id", "company_key", "trade_name", "inn", "atc_code", "therapy_area_code",
                    "status_raw", "year", "records", "source_urls"]


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _distinct(products: Table) -> list[dict]:
    """distinct_products as dicts.

    NOTE: plain lists, not a groupby: a product list is a few dozen rows, and per-group pandas steps
    cost more than the page's whole budget for a chart.
    """
    if len(products) == 0:
        return []
    cols = _columns(products, ("company_key", "trade_name", "inn", "atc_code", "therapy_area_code", "status_raw",
                               "year", "source_url"))
    groups: dict[str, list[int]] = {}
    for n, product_id in enumerate(_product_ids(cols["company_key"], cols["atc_code"], cols["trade_name"])):
        groups.setdefault(product_id, []).append(n)
    rows = []
    for product_id, part in groups.items():
        lengths = [len(_text(cols["trade_name"][n])) for n in part]
        first = part[lengths.index(min(lengths))]  # the shortest name; the first of equally short ones
        rows.append({
            "product_id": product_id,
            "company_key": cols["company_key"][first],
            "trade_name": _text(cols["trade_name"][first]),
            "inn": next((_text(cols["inn"][n]) for n in part if _text(cols["inn"][n])), ""),
            "atc_code": _text(cols["atc_code"][first]),
            "therapy_area_code": next((_text(cols["therapy_area_code"][n]) for n in part
                                       if _text(cols["therapy_area_code"][n])), ""),
            "status_raw": "; ".join(dict.fromkeys(_text(cols["status_raw"][n]) for n in part
                                                  if _text(cols["status_raw"][n]))),
            "year": ", ".join(str(y) for y in sorted({int(cols["year"][n]) for n in part
                                                      if not _missing(cols["year"][n])})),
            "records": len(part),
            "source_urls": list(dict.fromkeys(cols["source_url"][n] for n in part)),
        })
    return rows


def distinct_products(products: pd.DataFrame) -> pd.DataFrame:
    """One row per product: the shortest trade name among its rows, every source, the years cited."""
    if products.empty:
        return pd.DataFrame(columns=DISTINCT_COLUMNS)
    return pd.DataFrame(_distinct(products))


# --- the therapy-area tree --------------------------------------------------------------------

TREE_COLUMNS = ["id", "parent", "label", "value", "level", "group", "company", "period", "source"]


def therapy_tree(products: Table, atc_groups: Table | dict[str, str], therapy_areas: Table,
                 names: dict[str, str], sources: Table | SourceLabels, lang: str | None) -> pd.DataFrame:
    """Nodes of the treemap/sunburst: all products -> ATC level 1 -> ATC level 2 -> product.

    Products without an ATC code sit under "ATC not assigned" -> their therapy area -> product.
    Columns: id, parent, label, value (products below), level, group (top-level branch), company,
    period, source.
    """
    return pd.DataFrame(tree_rows(products, atc_groups, therapy_areas, names, sources, lang), columns=TREE_COLUMNS)


def tree_rows(products: Table, atc_groups: Table | dict[str, str], therapy_areas: Table,
              names: dict[str, str], sources: Table | SourceLabels, lang: str | None) -> list[dict]:
    """therapy_tree's nodes as rows (dicts), parents before their children."""
    items = _distinct(products)
    if not items:
        return []
    areas = area_names(therapy_areas, lang)
    atc = atc_groups if isinstance(atc_groups, dict) else atc_names(atc_groups)
    labels = _labeller(sources)
    nodes: dict[str, dict] = {}

    def node(node_id: str, parent: str, text: str, level: int, group: str) -> None:
        entry = nodes.setdefault(node_id, {"id": node_id, "parent": parent, "label": text, "value": 0,
                                           "level": level, "group": group, "company": "", "period": "",
                                           "source": ""})
        entry["value"] += 1

    for item in items:
        code = item["atc_code"]
        node(ROOT, "", label("root", lang), 0, "")
        if code:
            first, second = code[:1], code[:3]
            node(f"atc:{first}", ROOT, f"{first} · {atc_name(first, atc)}", 1, first)
            node(f"atc:{second}", f"atc:{first}", f"{second} · {atc_name(second, atc)}", 2, first)
            parent = f"atc:{second}"
        else:
            area = item["therapy_area_code"] or NO_AREA
            node(NO_ATC, ROOT, label("no_atc", lang), 1, NO_ATC)
            area_text = areas.get(area) or label("no_area", lang)
            node(f"{NO_ATC}:{area}", NO_ATC, area_text, 2, NO_ATC)
            parent = f"{NO_ATC}:{area}"
        group = code[:1] if code else NO_ATC
        source = "; ".join(lbl for lbl, _ in source_items(item["source_urls"], labels))
        period = item["year"] or item["status_raw"] or label("no_year", lang)
        nodes[f"product:{item['product_id']}"] = {
            "id": f"product:{item['product_id']}", "parent": parent, "label": item["trade_name"], "value": 1,
            "level": 3, "group": group, "company": names.get(item["company_key"], item["company_key"]),
            "period": period, "source": source}
    return list(nodes.values())


# --- counts -----------------------------------------------------------------------------------

BY_COMPANY_COLUMNS = ["company_key", "company", "products", "records", "product_names", "years", "sources"]


def products_by_company(products: Table, names: dict[str, str],
                        sources: Table | SourceLabels | None = None) -> pd.DataFrame:
    """Distinct products and cited rows per company, most products first, with the years and sources
    their rows give (for the hover)."""
    return pd.DataFrame(by_company_rows(products, names, sources), columns=BY_COMPANY_COLUMNS)


def by_company_rows(products: Table, names: dict[str, str],
                    sources: Table | SourceLabels | None = None) -> list[dict]:
    """products_by_company as rows (dicts)."""
    items = _distinct(products)
    if not items:
        return []
    labeller = _labeller(sources) if sources is not None else None
    by_company: dict[str, list[dict]] = {}
    for item in items:
        if not _missing(item["company_key"]):  # as groupby: rows without a company are not counted
            by_company.setdefault(item["company_key"], []).append(item)
    rows = []
    for key, part in by_company.items():
        years = sorted({y for item in part for y in item["year"].split(", ") if y})
        urls = [u for item in part for u in item["source_urls"]]
        labels = [lbl for lbl, _ in source_items(urls, labeller)] if labeller is not None else []
        rows.append({"company_key": key, "company": names.get(key, key), "products": len(part),
                     "records": sum(item["records"] for item in part),
                     "product_names": ", ".join(item["trade_name"] for item in part),
                     "years": ", ".join(years), "sources": "; ".join(labels)})
    rows.sort(key=lambda row: (-row["products"], row["company"]))  # stable: ties keep first-seen order
    return rows


BY_YEAR_COLUMNS = ["year", "products", "product_names", "statuses", "sources"]


def products_by_year(products: Table,
                     sources: Table | SourceLabels | None = None) -> tuple[pd.DataFrame, int]:
    """Distinct products per year their source gives (a product cited for two years counts in each,
    with the status and source each row states), and how many products have no year in any row."""
    rows, missing = by_year_rows(products, sources)
    return pd.DataFrame(rows, columns=BY_YEAR_COLUMNS), missing


def by_year_rows(products: Table, sources: Table | SourceLabels | None = None) -> tuple[list[dict], int]:
    """products_by_year as rows (dicts), and the products without a year."""
    if len(products) == 0:
        return [], 0
    cols = _columns(products, ("company_key", "atc_code", "trade_name", "year", "status_raw", "source_url"))
    ids = _product_ids(cols["company_key"], cols["atc_code"], cols["trade_name"])
    years, names, statuses, urls = (cols[c] for c in ("year", "trade_name", "status_raw", "source_url"))
    by_year: dict[int, list[int]] = {}
    for n, year in enumerate(years):
        if not _missing(year):
            by_year.setdefault(int(year), []).append(n)
    missing = len(set(ids)) - len({ids[n] for part in by_year.values() for n in part})
    if not by_year:
        return [], missing
    labeller = _labeller(sources) if sources is not None else None
    rows = []
    for year in sorted(by_year):
        part = by_year[year]
        first_rows = {}
        for n in part:
            first_rows.setdefault(ids[n], n)  # a product's first row in the year
        rows.append({"year": year, "products": len(first_rows),
                     "product_names": ", ".join(dict.fromkeys(_text(names[n]) for n in first_rows.values())),
                     "statuses": "; ".join(dict.fromkeys(_text(statuses[n]) for n in part if _text(statuses[n]))),
                     "sources": "; ".join(lbl for lbl, _ in source_items((urls[n] for n in part), labeller))
                     if labeller is not None else ""})
    return rows, missing


def _company_of(record_key: str, known: set[str]) -> str | None:
    """The company key embedded in a cluster_indicators record key (interview rows carry one)."""
    return next((part for part in str(record_key).split(":") if part in known), None)


REGISTRATION_COLUMNS = ["company_key", "company", "year", "year_raw", "value", "value_raw", "unit", "indicator",
                        "note", "source_url"]


def registration_counts(indicators: Table, names: dict[str, str]) -> pd.DataFrame:
    """Cited counts of products registered or brought to market, by company and year, kept as written."""
    return pd.DataFrame(registration_rows(indicators, names), columns=REGISTRATION_COLUMNS)


def registration_rows(indicators: Table, names: dict[str, str]) -> list[dict]:
    """registration_counts as rows (dicts), by year and company."""
    known = set(names)
    rows = []
    for row in _records(indicators):
        if not REGISTRATION_PATTERN.search(_text(row["indicator"])):
            continue
        # Only exact counts are plotted as bars; a range or "more than" would need a drawn bar it does not give.
        if _text(row["qualifier"]) or _missing(row["value_low"]) or _missing(row["year"]):
            continue
        key = _company_of(row["record_key"], known) or ""
        rows.append({"company_key": key, "company": names.get(key) or _text(row["scope"]), "year": int(row["year"]),
                     "year_raw": _text(row["year_raw"]), "value": float(row["value_low"]),
                     "value_raw": _text(row["value_raw"]), "unit": _text(row["unit"]),
                     "indicator": _text(row["indicator"]), "note": _text(row["note"]),
                     "source_url": row["source_url"]})
    rows.sort(key=lambda row: (row["year"], row["company"]))  # stable: ties keep the table's order
    return rows


PIPELINE_COLUMNS = ["company_key", "scope", "indicator", "year_raw", "value_raw", "unit", "source_url", "company"]


def pipeline_figures(indicators: Table, names: dict[str, str]) -> pd.DataFrame:
    """Cited figures on products in development or registration, as written (not plotted)."""
    return pd.DataFrame(pipeline_rows(indicators, names), columns=PIPELINE_COLUMNS)


def pipeline_rows(indicators: Table, names: dict[str, str]) -> list[dict]:
    """pipeline_figures as rows (dicts), in the table's order."""
    known = set(names)
    rows = []
    for row in _records(indicators):
        if not PIPELINE_PATTERN.search(_text(row["indicator"])):
            continue
        key = _company_of(row["record_key"], known) or ""
        scope = _text(row["scope"])
        rows.append({"company_key": key, "scope": scope, "indicator": _text(row["indicator"]),
                     "year_raw": _text(row["year_raw"]), "value_raw": _text(row["value_raw"]),
                     "unit": _text(row["unit"]), "source_url": row["source_url"], "company": names.get(key) or scope})
    return rows


# --- the product table ------------------------------------------------------------------------

def product_table(products: Table, names: dict[str, str], atc_groups: Table | dict[str, str],
                  therapy_areas: Table, sources: Table | SourceLabels, lang: str | None,
                  unknown_registration: str) -> pd.DataFrame:
    """One row per cited product row, for the grid: every field as written, sources as links."""
    return pd.DataFrame(product_table_rows(products, names, atc_groups, therapy_areas, sources, lang,
                                           unknown_registration))


def product_table_rows(products: Table, names: dict[str, str], atc_groups: Table | dict[str, str],
                       therapy_areas: Table, sources: Table | SourceLabels, lang: str | None,
                       unknown_registration: str) -> list[dict]:
    """product_table as rows (dicts)."""
    areas = area_names(therapy_areas, lang)
    atc = atc_groups if isinstance(atc_groups, dict) else atc_names(atc_groups)
    labels = _labeller(sources)
    rows = []
    for row in _records(products):
        code = _text(row["atc_code"])
        source, url = labels(row["source_url"])
        rows.append({
            "record_key": row["record_key"],
            "trade_name": _text(row["trade_name"]),
            "company": names.get(row["company_key"], row["company_key"]),
            "company_key": row["company_key"],
            "inn": _text(row["inn"]),
            "dosage_form": _text(row["dosage_form"]),
            "status": _text(row["status_raw"]),
            "year": None if _missing(row["year"]) else int(row["year"]),
            "therapy_area": areas.get(_text(row["therapy_area_code"])) or _text(row["therapy_area_raw"]),
            "atc": f"{code} · {atc_name(code, atc)}" if code else "",
            # NOTE: no State Register (ГРЛС) export exists, so no registration number is known.
            "registration_number": _text(row["registration_number"]) or unknown_registration,
            "note": _text(row["note"]),
            "source": source,
            "source_url": url or "",
        })
    return rows
