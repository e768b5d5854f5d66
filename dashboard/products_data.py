"""Shaping for the products page: the ATC tree, counts by company and year, cited registration counts.

Pure functions over the frames dashboard.queries returns (products, atc_groups, therapy_areas,
cluster_indicators, companies, sources); no database access here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from dashboard.i18n import normalise_language, pick

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


# --- names ------------------------------------------------------------------------------------

def company_names(companies: pd.DataFrame, products: pd.DataFrame, lang: str | None) -> dict[str, str]:
    """company key -> display name: the directory's name, else the label a product row gives."""
    names: dict[str, str] = {}
    for row in products.itertuples():
        if _text(row.company_key):
            names.setdefault(row.company_key, _text(row.company_label) or row.company_key)
    for row in companies.itertuples():
        names[row.key] = pick(lang, row.name_ru, row.name_en) or row.key
    names[CLUSTER_KEY] = label("cluster", lang)
    return names


def atc_name(code: str, atc_groups: pd.DataFrame) -> str:
    """The WHO name of an ATC code in sentence case (WHO writes levels 1-3 in capitals)."""
    match = atc_groups.loc[atc_groups["code"] == code, "name_en"]
    if match.empty:
        return code
    name = str(match.iat[0])
    return name[:1] + name[1:].lower() if name.isupper() else name


def area_names(therapy_areas: pd.DataFrame, lang: str | None) -> dict[str, str]:
    return {r.code: pick(lang, r.name_ru, r.name_en) for r in therapy_areas.itertuples()}


# --- sources ----------------------------------------------------------------------------------

def source_label(url: str, sources: pd.DataFrame) -> tuple[str, str | None]:
    """(label, link) for a cited URL: its publisher and the page; bundled files are named, not linked."""
    match = sources[sources["url"] == url]
    row = match.iloc[0] if not match.empty else None
    if url.startswith(("http://", "https://")):
        publisher = _text(row["publisher"]) if row is not None else ""
        return publisher or re.sub(r"^https?://(www\.)?", "", url).split("/")[0], url
    title = _text(row["title"]) if row is not None else ""
    return title or url.removeprefix("file:"), None


def source_items(urls: Iterable[str], sources: pd.DataFrame) -> list[tuple[str, str | None]]:
    """Distinct (label, link) pairs for source_line, in first-seen order."""
    seen = dict.fromkeys(u for u in urls if isinstance(u, str) and u)
    return [source_label(url, sources) for url in seen]


# --- filtering --------------------------------------------------------------------------------

def filter_products(products: pd.DataFrame, area: str | None = None,
                    companies: Iterable[str] | None = None) -> pd.DataFrame:
    """Products in the therapy area (None = all) made by the chosen companies (None or empty = all)."""
    frame = products
    if area:
        frame = frame[frame["therapy_area_code"] == area]
    chosen = set(companies or ())
    if chosen:
        frame = frame[frame["company_key"].isin(chosen)]
    return frame


def with_identity(products: pd.DataFrame) -> pd.DataFrame:
    """Products with a `product_id`: one product may be cited by several rows (same company and ATC
    code, or same company and trade name); the tree and the counts show it once."""
    frame = products.copy()
    atc = frame["atc_code"].map(_text)
    name = frame["trade_name"].map(lambda v: _text(v).casefold())
    frame["product_id"] = [f"{company}|atc:{code}" if code else f"{company}|name:{trade}"
                           for company, code, trade in zip(frame["company_key"], atc, name, strict=True)]
    return frame


def distinct_products(products: pd.DataFrame) -> pd.DataFrame:
    """One row per product: the shortest trade name among its rows, every source, the years cited."""
    if products.empty:
        return pd.DataFrame(columns=["product_id", "company_key", "trade_name", "inn", "atc_code",
                                     "therapy_area_code", "status_raw", "year", "records", "source_urls"])
    frame = with_identity(products)
    rows = []
    for product_id, part in frame.groupby("product_id", sort=False):
        first = part.loc[part["trade_name"].map(lambda v: len(_text(v))).idxmin()]
        rows.append({
            "product_id": product_id,
            "company_key": first["company_key"],
            "trade_name": _text(first["trade_name"]),
            "inn": next((_text(v) for v in part["inn"] if _text(v)), ""),
            "atc_code": _text(first["atc_code"]),
            "therapy_area_code": next((_text(v) for v in part["therapy_area_code"] if _text(v)), ""),
            "status_raw": "; ".join(dict.fromkeys(_text(v) for v in part["status_raw"] if _text(v))),
            "year": ", ".join(str(int(y)) for y in sorted({int(y) for y in part["year"].dropna()})),
            "records": len(part),
            "source_urls": list(dict.fromkeys(part["source_url"])),
        })
    return pd.DataFrame(rows)


# --- the therapy-area tree --------------------------------------------------------------------

def therapy_tree(products: pd.DataFrame, atc_groups: pd.DataFrame, therapy_areas: pd.DataFrame,
                 names: dict[str, str], sources: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """Nodes of the treemap/sunburst: all products -> ATC level 1 -> ATC level 2 -> product.

    Products without an ATC code sit under "ATC not assigned" -> their therapy area -> product.
    Columns: id, parent, label, value (products below), level, group (top-level branch), company,
    period, source.
    """
    items = distinct_products(products)
    columns = ["id", "parent", "label", "value", "level", "group", "company", "period", "source"]
    if items.empty:
        return pd.DataFrame(columns=columns)
    areas = area_names(therapy_areas, lang)
    nodes: dict[str, dict] = {}

    def node(node_id: str, parent: str, text: str, level: int, group: str) -> None:
        entry = nodes.setdefault(node_id, {"id": node_id, "parent": parent, "label": text, "value": 0,
                                           "level": level, "group": group, "company": "", "period": "",
                                           "source": ""})
        entry["value"] += 1

    for item in items.itertuples():
        node(ROOT, "", label("root", lang), 0, "")
        if item.atc_code:
            first, second = item.atc_code[:1], item.atc_code[:3]
            node(f"atc:{first}", ROOT, f"{first} · {atc_name(first, atc_groups)}", 1, first)
            node(f"atc:{second}", f"atc:{first}", f"{second} · {atc_name(second, atc_groups)}", 2, first)
            parent = f"atc:{second}"
        else:
            area = item.therapy_area_code or NO_AREA
            node(NO_ATC, ROOT, label("no_atc", lang), 1, NO_ATC)
            area_text = areas.get(area) or label("no_area", lang)
            node(f"{NO_ATC}:{area}", NO_ATC, area_text, 2, NO_ATC)
            parent = f"{NO_ATC}:{area}"
        group = item.atc_code[:1] if item.atc_code else NO_ATC
        source = "; ".join(lbl for lbl, _ in source_items(item.source_urls, sources))
        period = item.year or item.status_raw or label("no_year", lang)
        nodes[f"product:{item.product_id}"] = {
            "id": f"product:{item.product_id}", "parent": parent, "label": item.trade_name, "value": 1,
            "level": 3, "group": group, "company": names.get(item.company_key, item.company_key),
            "period": period, "source": source}
    return pd.DataFrame(list(nodes.values()), columns=columns)


# --- counts -----------------------------------------------------------------------------------

def products_by_company(products: pd.DataFrame, names: dict[str, str],
                        sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Distinct products and cited rows per company, most products first, with the years and sources
    their rows give (for the hover)."""
    columns = ["company_key", "company", "products", "records", "product_names", "years", "sources"]
    items = distinct_products(products)
    if items.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for key, part in items.groupby("company_key", sort=False):
        years = sorted({y for text in part["year"] for y in text.split(", ") if y})
        urls = [u for group in part["source_urls"] for u in group]
        labels = [lbl for lbl, _ in source_items(urls, sources)] if sources is not None else []
        rows.append({"company_key": key, "company": names.get(key, key), "products": len(part),
                     "records": int(part["records"].sum()), "product_names": ", ".join(part["trade_name"]),
                     "years": ", ".join(years), "sources": "; ".join(labels)})
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["products", "company"], ascending=[False, True]).reset_index(drop=True)


def products_by_year(products: pd.DataFrame, sources: pd.DataFrame | None = None) -> tuple[pd.DataFrame, int]:
    """Distinct products per year their source gives (a product cited for two years counts in each,
    with the status and source each row states), and how many products have no year in any row."""
    columns = ["year", "products", "product_names", "statuses", "sources"]
    if products.empty:
        return pd.DataFrame(columns=columns), 0
    frame = with_identity(products)
    dated = frame[frame["year"].notna()]
    missing = int(frame["product_id"].nunique() - dated["product_id"].nunique())
    if dated.empty:
        return pd.DataFrame(columns=columns), missing
    rows = []
    for year, part in dated.groupby(dated["year"].astype(int)):
        names = dict.fromkeys(_text(v) for v in part.drop_duplicates("product_id")["trade_name"])
        rows.append({"year": int(year), "products": int(part["product_id"].nunique()),
                     "product_names": ", ".join(names),
                     "statuses": "; ".join(dict.fromkeys(_text(v) for v in part["status_raw"] if _text(v))),
                     "sources": "; ".join(lbl for lbl, _ in source_items(part["source_url"], sources))
                     if sources is not None else ""})
    return pd.DataFrame(rows, columns=columns), missing


def _company_of(record_key: str, known: set[str]) -> str | None:
    """The company key embedded in a cluster_indicators record key (interview rows carry one)."""
    return next((part for part in str(record_key).split(":") if part in known), None)


def registration_counts(indicators: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Cited counts of products registered or brought to market, by company and year, kept as written."""
    columns = ["company_key", "company", "year", "year_raw", "value", "value_raw", "unit", "indicator",
               "note", "source_url"]
    rows = indicators[indicators["indicator"].map(lambda v: bool(REGISTRATION_PATTERN.search(_text(v))))]
    # Only exact counts are plotted as bars; a range or "more than" would need a drawn bar it does not give.
    rows = rows[(rows["qualifier"].map(_text) == "") & rows["value_low"].notna() & rows["year"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    known = set(names)
    frame = pd.DataFrame({
        "company_key": [_company_of(k, known) or "" for k in rows["record_key"]],
        "year": rows["year"].astype(int).to_numpy(),
        "year_raw": rows["year_raw"].map(_text).to_numpy(),
        "value": rows["value_low"].astype(float).to_numpy(),
        "value_raw": rows["value_raw"].map(_text).to_numpy(),
        "unit": rows["unit"].map(_text).to_numpy(),
        "indicator": rows["indicator"].map(_text).to_numpy(),
        "note": rows["note"].map(_text).to_numpy(),
        "source_url": rows["source_url"].to_numpy(),
    })
    scopes = rows["scope"].map(_text).to_numpy()
    frame.insert(1, "company", [names.get(k) or scope for k, scope in zip(frame["company_key"], scopes,
                                                                           strict=True)])
    return frame[columns].sort_values(["year", "company"]).reset_index(drop=True)


def pipeline_figures(indicators: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Cited figures on products in development or registration, as written (not plotted)."""
    rows = indicators[indicators["indicator"].map(lambda v: bool(PIPELINE_PATTERN.search(_text(v))))]
    known = set(names)
    frame = pd.DataFrame({
        "company_key": [_company_of(k, known) or "" for k in rows["record_key"]],
        "scope": rows["scope"].map(_text).to_numpy(),
        "indicator": rows["indicator"].map(_text).to_numpy(),
        "year_raw": rows["year_raw"].map(_text).to_numpy(),
        "value_raw": rows["value_raw"].map(_text).to_numpy(),
        "unit": rows["unit"].map(_text).to_numpy(),
        "source_url": rows["source_url"].to_numpy(),
    })
    frame["company"] = [names.get(k) or s for k, s in zip(frame["company_key"], frame["scope"], strict=True)]
    return frame.reset_index(drop=True)


# --- the product table ------------------------------------------------------------------------

def product_table(products: pd.DataFrame, names: dict[str, str], atc_groups: pd.DataFrame,
                  therapy_areas: pd.DataFrame, sources: pd.DataFrame, lang: str | None,
                  unknown_registration: str) -> pd.DataFrame:
    """One row per cited product row, for the grid: every field as written, sources as links."""
    areas = area_names(therapy_areas, lang)
    rows = []
    for row in products.itertuples():
        code = _text(row.atc_code)
        source, url = source_label(row.source_url, sources)
        rows.append({
            "record_key": row.record_key,
            "trade_name": _text(row.trade_name),
            "company": names.get(row.company_key, row.company_key),
            "company_key": row.company_key,
            "inn": _text(row.inn),
            "dosage_form": _text(row.dosage_form),
            "status": _text(row.status_raw),
            "year": int(row.year) if pd.notna(row.year) else None,
            "therapy_area": areas.get(_text(row.therapy_area_code)) or _text(row.therapy_area_raw),
            "atc": f"{code} · {atc_name(code, atc_groups)}" if code else "",
            # NOTE: no State Register (ГРЛС) export exists, so no registration number is known.
            "registration_number": _text(row.registration_number) or unknown_registration,
            "note": _text(row.note),
            "source": source,
            "source_url": url or "",
        })
    return pd.DataFrame(rows)
