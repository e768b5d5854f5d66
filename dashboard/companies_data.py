"""Shaping for the companies directory and profiles: filters, counts per district, district outlines
(and the districts map drawn from them), each company's cited investments and events, as written.

Pure functions over the tables dashboard.queries returns, as frames or as plain rows (lists of dicts:
queries.company_rows and the like; the map callbacks read those), and the GeoJSON dashboard.geo reads.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd

from dashboard import figure_dicts as plain
from dashboard.figures import KALUGA_COLOUR, PALETTE, base_layout
from dashboard.geo import kaluga_districts
from dashboard.i18n import format_number, normalise_language, pick, t

UNMAPPED = "__unmapped__"
# The municipal units' names are Russian only in the boundary file; these are their usual English forms.
DISTRICT_EN = {
    "Бабынинский район": "Babyninsky District", "Барятинский район": "Baryatinsky District",
    "Боровский район": "Borovsky District", "Дзержинский район": "Dzerzhinsky District",
    "Думиничский район": "Duminichsky District", "Жиздринский район": "Zhizdrinsky District",
    "Жуковский район": "Zhukovsky District", "Износковский район": "Iznoskovsky District",
    "Калуга": "Kaluga (city)", "Кировский район": "Kirovsky District", "Козельский район": "Kozelsky District",
    "Куйбышевский район": "Kuybyshevsky District", "Людиновский район": "Lyudinovsky District",
    "Малоярославецкий район": "Maloyaroslavetsky District", "Медынский район": "Medynsky District",
    "Мещовский район": "Meshchovsky District", "Мосальский район": "Mosalsky District",
    "Обнинск": "Obninsk (city)", "Перемышльский район": "Peremyshlsky District",
    "Спас-Деменский район": "Spas-Demensky District", "Сухиничский район": "Sukhinichsky District",
    "Тарусский район": "Tarussky District", "Ульяновский район": "Ulyanovsky District",
    "Ферзиковский район": "Ferzikovsky District", "Хвастовичский район": "Khvastovichsky District",
    "Юхновский район": "Yukhnovsky District",
}
SEARCH_COLUMNS = ("name_ru", "name_en", "site", "district", "parent_company", "parent_country", "kind",
                  "products_text")


def clean(value: object) -> str:
    """Text of a cell, stripped; empty for a missing value."""
    return value.strip() if isinstance(value, str) else ""


Table = pd.DataFrame | list[dict]  # a frame, or its rows as dicts (missing values None or NaN)


def _columns(table: Table, names: Iterable[str]) -> dict[str, list]:
    """The named columns of a frame or of rows, as lists."""
    if isinstance(table, pd.DataFrame):
        return {c: table[c].tolist() for c in names}
    return {c: [row.get(c) for row in table] for c in names}


def district_label(district: str | None, lang: str | None) -> str:
    """A district's name in the page language (Russian as in the boundary file, else its English form)."""
    name = clean(district)
    return DISTRICT_EN.get(name, name) if normalise_language(lang) == "en" else name


def company_name(row: pd.Series | dict, lang: str | None) -> str:
    return pick(lang, row.get("name_ru"), row.get("name_en")) or str(row.get("key", ""))


# --- the directory ----------------------------------------------------------------------------

def filter_companies(companies: Table, keys: set[str] | None = None, district: str | None = None,
                     query: str | None = None) -> Table:
    """Companies among `keys` (None = all), in `district` (UNMAPPED = without one), matching `query`."""
    if not isinstance(companies, pd.DataFrame):
        words = clean(query).casefold().split()
        return [row for row in companies
                if (keys is None or row["key"] in keys)
                and (not district or (clean(row["district"]) == "" if district == UNMAPPED
                                      else row["district"] == district))
                and (not words or _matches(words, [row[c] for c in SEARCH_COLUMNS if c in row]))]
    frame = companies
    if keys is not None:
        frame = frame[frame["key"].isin(keys)]
    if district == UNMAPPED:
        frame = frame[frame["district"].map(clean) == ""]
    elif district:
        frame = frame[frame["district"] == district]
    words = clean(query).casefold().split()
    if words:
        columns = [frame[c].tolist() for c in SEARCH_COLUMNS if c in frame.columns]
        frame = frame.loc[np.array([_matches(words, values) for values in zip(*columns, strict=True)], dtype=bool)]
    return frame


def _matches(words: list[str], values: Iterable) -> bool:
    """Whether every word of a search is in a company's searched fields."""
    text = " ".join(_cell_text(v) for v in values).casefold()
    return all(w in text for w in words)


def _cell_text(value: object) -> str:
    """A cell as searched text: missing values are empty."""
    if isinstance(value, str):
        return value
    return "" if value is None or pd.isna(value) else str(value)


COUNT_COLUMNS = ["district", "label", "companies", "names"]


def district_counts(companies: Table, districts: Iterable[str], lang: str | None) -> pd.DataFrame:
    """Every district of the map with how many of `companies` have a site there, and which."""
    return pd.DataFrame(district_count_rows(companies, districts, lang), columns=COUNT_COLUMNS)


def district_count_rows(companies: Table, districts: Iterable[str], lang: str | None) -> list[dict]:
    """district_counts as rows (dicts)."""
    names_in: dict[str, list[str]] = {}
    cols = _columns(companies, ("district", "name_ru", "name_en", "key"))
    for district, name_ru, name_en, key in zip(cols["district"], cols["name_ru"], cols["name_en"], cols["key"],
                                               strict=True):
        if isinstance(district, str):
            names_in.setdefault(district, []).append(pick(lang, name_ru, name_en) or str(key))
    return [{"district": district, "label": district_label(district, lang),
             "companies": len(names_in.get(district, ())), "names": ", ".join(names_in.get(district, ()))}
            for district in districts]


def unmapped(companies: Table) -> Table:
    """Companies whose cited site names no single district (e.g. "SEZ Kaluga", two planned sites)."""
    if not isinstance(companies, pd.DataFrame):
        return [row for row in companies if clean(row["district"]) == ""]
    return companies[companies["district"].map(clean) == ""]


# --- district outlines ------------------------------------------------------------------------

def _polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else list(geometry["coordinates"])


def _centroid(ring: list) -> tuple[float, float, float]:
    """(x, y, |area|) of a closed ring (planar, in degrees)."""
    xy = np.asarray(ring, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    area = cross.sum() / 2
    if area == 0:
        return float(x.mean()), float(y.mean()), 0.0
    cx = ((x[:-1] + x[1:]) * cross).sum() / (6 * area)
    cy = ((y[:-1] + y[1:]) * cross).sum() / (6 * area)
    return float(cx), float(cy), abs(float(area))


def typed_array(values: list[float | None]) -> dict:
    """Numbers in plotly's binary form ({"dtype": "f4" or "f8", "bdata": base64}; None becomes NaN, a gap).

    NOTE: the district outlines are ~12,600 numbers; as JSON text they took most of a map response's
    time to encode (and a browser longer to parse). They are sent in single precision where that keeps
    every value to the decimals it is written with (the boundary file gives degrees to 4 decimals; a
    float32 is within 2e-6 of each, a thousandth of a pixel on the map): rounding what is sent to those
    decimals gives back every value exactly. Half the bytes of double precision, and brotli (every
    callback response is compressed) took ~5 ms over the doubles against ~0.6 ms over the singles.
    Double precision where single would lose a written digit.
    """
    array = np.array([np.nan if v is None else v for v in values], dtype="<f8")
    decimals = _decimals(array)
    single = array.astype("<f4")
    if decimals is not None and np.array_equal(np.round(single.astype("<f8"), decimals), array, equal_nan=True):
        return {"dtype": "f4", "bdata": base64.b64encode(single.tobytes()).decode("ascii")}
    return {"dtype": "f8", "bdata": base64.b64encode(array.tobytes()).decode("ascii")}


def _decimals(array: np.ndarray) -> int | None:
    """The fewest decimals (up to 7) that write every number of the array exactly; None when 7 do not."""
    finite = array[~np.isnan(array)]
    return next((d for d in range(8) if np.array_equal(np.round(finite, d), finite)), None)


def district_shapes(geojson: dict | None) -> pd.DataFrame:
    """One row per district: outline coordinates (rings separated by None, for a filled scatter; and
    x_data, y_data: the same as typed_array), the centre of its largest part, and its area; largest
    first, so enclaves are drawn on top."""
    rows = []
    for feature in (geojson or {}).get("features", []):
        xs: list[float | None] = []
        ys: list[float | None] = []
        best = (0.0, 0.0, -1.0)
        for polygon in _polygons(feature["geometry"]):
            exterior = polygon[0]  # holes are left out: a filled hole would hide nothing but itself
            xs.extend([p[0] for p in exterior] + [None])
            ys.extend([p[1] for p in exterior] + [None])
            centre = _centroid(exterior)
            if centre[2] > best[2]:
                best = centre
        rows.append({"district": feature["properties"]["district"], "x": xs[:-1], "y": ys[:-1],
                     "x_data": typed_array(xs[:-1]), "y_data": typed_array(ys[:-1]),
                     "cx": best[0], "cy": best[1], "area": best[2]})
    frame = pd.DataFrame(rows, columns=["district", "x", "y", "x_data", "y_data", "cx", "cy", "area"])
    return frame.sort_values("area", ascending=False).reset_index(drop=True)


@lru_cache(maxsize=1)
def outlines() -> pd.DataFrame | None:
    """district_shapes of the boundaries dashboard.geo serves (the one reader of geometry), once per process;
    None when they are not bundled.

    Shared by every request: callers must not modify the frame or its coordinate lists.
    """
    geojson = kaluga_districts()
    return None if geojson is None else district_shapes(geojson)


def aspect_ratio(shapes: pd.DataFrame) -> float:
    """How many times a degree of latitude is longer than one of longitude at the map's mean latitude."""
    if shapes.empty:
        return 1.0
    return 1 / math.cos(math.radians(float(shapes["cy"].mean())))


# --- one company's profile --------------------------------------------------------------------

def find_company(companies: Table, key: str | None) -> pd.Series | dict | None:
    """The directory row of `key` (a dict for rows), or None for a key the directory does not know."""
    if not key:
        return None
    if not isinstance(companies, pd.DataFrame):
        return next((row for row in companies if row["key"] == key), None)
    match = companies[companies["key"] == key]
    return None if match.empty else match.iloc[0]


def amount_as_written(amount_raw: object, currency_raw: object) -> str:
    """'>8 bn RUB': the cited amount and its unit exactly as the source gives them."""
    return " ".join(p for p in (clean(amount_raw), clean(currency_raw)) if p)


def company_investments(investments: pd.DataFrame, key: str) -> pd.DataFrame:
    """The company's investment rows as written: amount with its currency (and each apart), status, period,
    scope, note."""
    part = investments[investments["company_key"] == key]
    return pd.DataFrame({
        "amount": [amount_as_written(a, c) for a, c in zip(part["amount_raw"], part["currency_raw"], strict=True)],
        "amount_raw": part["amount_raw"].map(clean).to_numpy(),
        "currency_raw": part["currency_raw"].map(clean).to_numpy(),
        "status": part["status"].map(clean).to_numpy(),
        "period": part["period_raw"].map(clean).to_numpy(),
        "label": part["company_label"].map(clean).to_numpy(),
        "note": part["note"].map(clean).to_numpy(),
        "source_url": part["source_url"].to_numpy(),
    })


def company_events(events: pd.DataFrame, key: str) -> pd.DataFrame:
    """The company's events in date order (dates as written; undated last)."""
    part = events[events["company_key"] == key].copy()
    part["_order"] = part["date"].fillna("9999")
    part = part.sort_values(["_order", "record_key"])
    return pd.DataFrame({
        "date": part["date_raw"].map(clean).to_numpy(),
        "planned": part["is_planned"].fillna(0).astype(int).astype(bool).to_numpy(),
        "type": part["event_type"].map(clean).to_numpy(),
        "description": part["description"].map(clean).to_numpy(),
        "location": part["location"].map(clean).to_numpy(),
        "source_url": part["source_url"].to_numpy(),
    })


def company_products(products: pd.DataFrame, key: str) -> pd.DataFrame:
    return products[products["company_key"] == key]


def profile_source_urls(*frames: pd.DataFrame) -> list[str]:
    """Every source cited on a profile, once, in the order the page shows them."""
    urls: list[str] = []
    for frame in frames:
        if "source_url" in frame.columns:
            urls.extend(u for u in frame["source_url"] if isinstance(u, str) and u)
    return list(dict.fromkeys(urls))


# --- the districts map ------------------------------------------------------------------------

def district_map_figure(shapes: pd.DataFrame, counts: Table, lang: str, *, selected: str | None = None,
                        height: int = 460, unit: str = "", period: str = "", source: str = "") -> dict:
    """Kaluga region's districts filled by how many companies have a site there, with a marker per
    district that has any. Drawn on plain axes (longitude, latitude at true proportions): it needs
    no map tiles or topojson from a CDN, so it works wherever the dashboard runs.

    A plain figure dict (figure_dicts): a graph_objects.Figure would validate every coordinate.
    """
    cols = _columns(counts, ("district", "companies", "names"))
    count_of = dict(zip(cols["district"], cols["companies"], strict=True))
    names_of = dict(zip(cols["district"], cols["names"], strict=True))
    most = max(count_of.values(), default=0) or 1
    traces = []
    for district, xs, ys in zip(shapes["district"], shapes["x_data"], shapes["y_data"], strict=True):
        n = int(count_of.get(district, 0))
        fill = f"rgba(0, 114, 178, {0.18 + 0.5 * n / most:.2f})" if n else "#eef1f4"
        label = district_label(district, lang)
        traces.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines", "fill": "toself", "fillcolor": fill,
                       "name": label, "line": {"color": "#ffffff", "width": 1}, "hoveron": "fills",
                       "hoverinfo": "text", "text": f"{label}: {format_number(n, lang)} {unit}",
                       "showlegend": False})
    if selected and selected in set(shapes["district"]):
        row = shapes[shapes["district"] == selected].iloc[0]
        traces.append({"type": "scatter", "x": row["x_data"], "y": row["y_data"], "mode": "lines", "name": "selected",
                       "hoverinfo": "skip", "line": {"color": KALUGA_COLOUR, "width": 3}, "showlegend": False})
    placed = [(district, int(count_of[district]), cx, cy)
              for district, cx, cy in zip(shapes["district"], shapes["cx"], shapes["cy"], strict=True)
              if count_of.get(district, 0) > 0]
    if placed:
        numbers = [n for _, n, _, _ in placed]
        traces.append({
            "type": "scatter", "x": [cx for _, _, cx, _ in placed], "y": [cy for _, _, _, cy in placed],
            "mode": "markers+text", "name": "companies",
            "marker": {"size": [20 + 1.5 * n for n in numbers], "color": PALETTE[0],
                       "line": {"color": "#ffffff", "width": 1.5}},
            "text": [format_number(n, lang) for n in numbers], "textfont": {"color": "#ffffff", "size": 13},
            "customdata": [[d, district_label(d, lang), format_number(n, lang), names_of.get(d, "")]
                           for d, n, _, _ in placed],
            "hovertemplate": ("<b>%{customdata[1]}</b><br>" + f"{t('card.value', lang)}: " + "%{customdata[2]} "
                              + unit + f"<br>{t('card.period', lang)}: {period}" + "<br>%{customdata[3]}"
                              + f"<br>{t('card.source', lang)}: {source}<extra></extra>"),
            "showlegend": False})
    layout = base_layout(lang, height, margin={"l": 4, "r": 4, "t": 32, "b": 4}, dragmode="pan",
                         xaxis={"visible": False, "fixedrange": False},
                         yaxis={"visible": False, "scaleanchor": "x", "scaleratio": aspect_ratio(shapes)})
    return plain.figure(traces, layout)


# --- one value per field, with the record it comes from ------------------------------------------

# The profile's fields as the cited records (company_records) hold them, in the order shown.
PROFILE_FIELDS = ("site", "parent_company", "parent_country", "kind", "year_raw", "jobs_raw", "products_text")
# The controlled vocabularies (dashboard.i18n.VALUE_TERMS kinds) a field's values are translated with when the
# translations table has no text of their own; parent companies are names, shown as recorded where none is known.
FIELD_KINDS: dict[str, tuple[str, ...]] = {"site": ("place",), "parent_company": (), "parent_country": ("country",),
                                           "kind": ("kind",), "year_raw": (), "jobs_raw": (), "products_text": ()}
NAME_FIELDS = frozenset({"parent_company"})


def _same(text: str) -> str:
    """How two spellings of a value are compared: case and runs of spaces do not make a new value."""
    return " ".join(text.split()).casefold()


def profile_facts(records: Table) -> dict[str, list[dict]]:
    """field -> every distinct value the company's cited records give, each with the records and
    sources that give it, in the records' order.

    One entry: every record that states the field agrees. Several: the sources disagree, and the page
    shows each value with its source; a field is never filled from one record and another from a
    second without saying so. Fields no record states map to an empty list.
    """
    facts: dict[str, list[dict]] = {field: [] for field in PROFILE_FIELDS}
    if len(records) == 0:
        return facts
    present = records.columns if isinstance(records, pd.DataFrame) else records[0].keys()
    columns = _columns(records, [c for c in (*PROFILE_FIELDS, "record_key", "source_url") if c in present])
    for n in range(len(records)):
        for field in PROFILE_FIELDS:
            value = clean(columns.get(field, [None] * len(records))[n])
            if not value:
                continue
            entry = next((e for e in facts[field] if _same(e["value"]) == _same(value)), None)
            if entry is None:
                entry = {"value": value, "record_keys": [], "source_urls": []}
                facts[field].append(entry)
            entry["record_keys"].append(columns["record_key"][n])
            url = clean(columns["source_url"][n])
            if url and url not in entry["source_urls"]:
                entry["source_urls"].append(url)
    return facts


def facts_by_company(records: pd.DataFrame) -> dict[str, dict[str, list[dict]]]:
    """profile_facts of every company in the records (company key -> facts)."""
    if records.empty:
        return {}
    return {key: profile_facts(part) for key, part in records.groupby("company_key", sort=False)}


def fact_text(entries: list[dict]) -> str:
    """A field's values as one line for a directory card: every distinct value, '; '-separated."""
    return "; ".join(entry["value"] for entry in entries)


def site_source_urls(records: Table, site: object) -> list[str]:
    """The sources of the records that give `site` (the directory's site, which the district is read from)."""
    wanted = _same(clean(site))
    if not wanted:
        return []
    return next((entry["source_urls"] for entry in profile_facts(records)["site"]
                 if _same(entry["value"]) == wanted), [])
