"""The seed interview's own figures (I. Novikova on the Kaluga cluster) as cited, quoted facts."""

from __future__ import annotations

from pathlib import Path

from etl.errors import InputError, Rejection
from etl.sources import atc
from etl.sources.base import Parsed
from etl.sources.cluster import area_from_text, record_keys
from etl.values import first_year, iso_date_prefix, parse_quantity, to_frame

SOURCE_URL = "file:seed/kaluga_pharma_cluster_interview.txt"
TITLE = (
    "Kaluga Pharmaceutical Cluster — an Environment for Development of Innovations "
    "(interview with Irina Novikova)"
)
# NOTE: the interview is undated. It says "In 2017, the company registered 6 drugs, and early
# this year – another three", so "this year" is 2018; every "this year" below relies on that.
THIS_YEAR_NOTE = 'interview undated: "this year" read as 2018, since it names 2017 as past'
AS_OF = "as of interview (2018, inferred)"

INDICATORS: tuple[dict, ...] = (
    {"company_key": "cluster", "indicator": "investment by cluster participants since 2007",
     "year_raw": "2007 onwards (as of interview)", "value_raw": ">50", "unit": "bn RUB",
     "scope": "cluster", "note": "cumulative since 2007",
     "quote": "Since 2007, participants of our cluster alone have invested over 50 billion "
              "rubles."},
    {"company_key": "bion", "indicator": "new products brought to market by BION",
     "year_raw": "2016", "value_raw": "7", "unit": "products", "scope": "BION", "note": None,
     "quote": "In 2016 alone, the company brought seven new products to the market."},
    {"company_key": "bion",
     "indicator": "pharmaceutical substances registered or being registered by BION",
     "year_raw": AS_OF, "value_raw": ">30", "unit": "substances", "scope": "BION",
     "note": THIS_YEAR_NOTE,
     "quote": "BION has so far registered or is in the process of registering over 30 "
              "pharmaceutical substances."},
    {"company_key": "mir_pharm", "indicator": "drugs registered by Mir-Pharm", "year_raw": "2017",
     "value_raw": "6", "unit": "drugs", "scope": "Mir-Pharm", "note": None,
     "quote": "In 2017, the company registered 6 drugs"},
    {"company_key": "mir_pharm", "indicator": "drugs registered by Mir-Pharm",
     "year_raw": 'early 2018 ("early this year")', "value_raw": "3", "unit": "drugs",
     "scope": "Mir-Pharm", "note": THIS_YEAR_NOTE,
     "quote": "In 2017, the company registered 6 drugs, and early this year – another three."},
    {"company_key": "mir_pharm",
     "indicator": "new drugs in development and registration at Mir-Pharm", "year_raw": AS_OF,
     "value_raw": "50", "unit": "drugs", "scope": "Mir-Pharm", "note": THIS_YEAR_NOTE,
     "quote": "It is currently in the process of development and registration of 50 new drugs"},
    {"company_key": "cluster",
     "indicator": "agreements signed for new pharmaceutical plants in the region",
     "year_raw": AS_OF, "value_raw": "4", "unit": "agreements", "scope": "cluster",
     "note": THIS_YEAR_NOTE,
     "quote": "we have signed four agreements for establishment of pharmaceutical plants "
              "within the region."},
)

_PLANTS_QUOTE = (
    "Two new plants will be opened this year for manufacturing of finished medical products – "
    "by Russian companies Pharm-Sintez and Sphere-Pharm."
)
EVENTS: tuple[dict, ...] = (
    {"date_raw": "2012", "event_type": "institutional",
     "company_label": "Kaluga Pharmaceutical Cluster association", "company_key": "cluster",
     "description": "Kaluga Pharmaceutical Cluster association established", "location": None,
     "quote": "Kaluga Pharmaceutical Cluster association was established in 2012"},
    {"date_raw": '2018 (planned; "this year")', "event_type": "plant opening",
     "company_label": "Pharm-Sintez", "company_key": "pharm_sintez",
     "description": "New plant for finished medical products to open (one of two this year)",
     "location": None, "quote": _PLANTS_QUOTE},
    {"date_raw": '2018 (planned; "this year")', "event_type": "plant opening",
     "company_label": "Sphere-Pharm", "company_key": "sphere_pharm",
     "description": "New plant for finished medical products to open (one of two this year)",
     "location": None, "quote": _PLANTS_QUOTE},
    {"date_raw": '2018 (planned; "by the end of the year")', "event_type": "infrastructure",
     "company_label": "Hemofarm", "company_key": "hemofarm_stada",
     "description": "Commissioning of an integrated laboratory complex expected", "location": None,
     "quote": "We are also expecting the commissioning of an integrated laboratory complex by "
              "Hemofarm by the end of the year."},
    {"date_raw": "2018 (planned)", "event_type": "plant opening",
     "company_label": "Sanatmetal CIS", "company_key": "sanatmetal",
     "description": "Plant for implants and prosthetic appliances planned", "location": None,
     "quote": "Sanatmetal CIS is planning to open a plant for manufacturing of various implants "
              "and prosthetic appliances in 2018."},
)

_MIR_PHARM_QUOTE = (
    "They introduced drugs like Mifepristone, Mirolute, Ginepristone, Ginestril, Traneskam, "
    "Meksiprim."
)
_MIR_PHARM_STATUS = "introduced by Mir-Pharm; now made to STADA's order"
_GYNECOLOGY_QUOTE = (
    "Among them are highly-demanded import substituting gynecological drugs – Atosiban and "
    "Carbetocin."
)
_VITAL_QUOTE = (
    "cluster participants manufacture vital and essential drugs: diclofenac, articaine, "
    "xylometazoline, indapamide, dalargin"
)
_VITAL_STATUS = "made by cluster participants (vital and essential drug)"

# Record keys come from the content, never the file name (a renamed copy must land on the same
# records); the kind keeps the keys the interview's records have always had.
RECORD_KIND = "kaluga_pharma_cluster_interview"


def _mir_pharm(trade_name: str, inn: str | None) -> dict:
    """A Mir-Pharm drug the interview says is now made to STADA's order."""
    return {"company_key": "mir_pharm", "company_label": "Mir-Pharm", "trade_name": trade_name,
            "inn": inn, "status_raw": _MIR_PHARM_STATUS, "therapy_area_raw": None,
            "quote": _MIR_PHARM_QUOTE}


def _in_development(trade_name: str, inn: str) -> dict:
    """A Mir-Pharm gynecological drug in development."""
    return {"company_key": "mir_pharm", "company_label": "Mir-Pharm", "trade_name": trade_name,
            "inn": inn, "status_raw": "in development", "therapy_area_raw": "gynecology",
            "quote": _GYNECOLOGY_QUOTE}


def _vital(trade_name: str, inn: str | None) -> dict:
    """A vital and essential drug made by unnamed cluster participants."""
    return {"company_key": "cluster", "company_label": "cluster participants (not named)",
            "trade_name": trade_name, "inn": inn, "status_raw": _VITAL_STATUS,
            "therapy_area_raw": None, "quote": _VITAL_QUOTE}


# An INN is set only where the name itself is a level-5 name in the WHO ATC file (checked there
# when parse_interview gets atc_path); Mirolute, Traneskam, dalargin etc. are not.
PRODUCTS: tuple[dict, ...] = (
    _mir_pharm("Mifepristone", "mifepristone"),
    _mir_pharm("Mirolute", None),
    _mir_pharm("Ginepristone", None),
    _mir_pharm("Ginestril", None),
    _mir_pharm("Traneskam", None),
    _mir_pharm("Meksiprim", None),
    _in_development("Atosiban", "atosiban"),
    _in_development("Carbetocin", "carbetocin"),
    _vital("diclofenac", "diclofenac"),
    _vital("articaine", "articaine"),
    _vital("xylometazoline", "xylometazoline"),
    _vital("indapamide", "indapamide"),
    _vital("dalargin", None),
)


def _collapse(text: str) -> str:
    """Whitespace runs as one space, so a re-wrapped file still matches its quotes."""
    return " ".join(text.split())


def quote_line(path: Path, lines: list[str], quote: str) -> int:
    """The 1-based line holding a quote (whitespace runs ignored); InputError if none does."""
    wanted = _collapse(quote)
    for number, line in enumerate(lines, start=1):
        if wanted in _collapse(line):
            return number
    raise InputError(Rejection(path.name, None, None, "quote",
                               "quoted figure not found in the interview text", quote))


def _cited(path: Path, lines: list[str], fact: dict) -> dict:
    """Source columns of a fact, after checking its quote is in the file."""
    line = quote_line(path, lines, fact["quote"])
    return {"source_url": SOURCE_URL, "quote": fact["quote"],
            "source_ref": f"{path.name}, line {line}"}


def _keys(path: Path, facts: tuple[dict, ...]) -> list[str]:
    """Record keys as for the cluster CSVs: stem, company, url hash, occurrence."""
    return record_keys(RECORD_KIND, [(fact["company_key"], SOURCE_URL) for fact in facts])


def _indicator_records(path: Path, lines: list[str]) -> list[dict]:
    """cluster_indicators rows from INDICATORS, values parsed like the CSV's."""
    records = []
    for key, fact in zip(_keys(path, INDICATORS), INDICATORS, strict=True):
        value = parse_quantity(fact["value_raw"])
        fields = {name: fact[name] for name in ("indicator", "year_raw", "value_raw", "unit",
                                                "scope", "note")}
        records.append({"record_key": key, **fields, "year": first_year(fact["year_raw"]),
                        "is_target": 0, "qualifier": value.qualifier, "value_low": value.low,
                        "value_high": value.high, **_cited(path, lines, fact)})
    return records


def _event_records(path: Path, lines: list[str]) -> list[dict]:
    """events rows from EVENTS."""
    records = []
    for key, fact in zip(_keys(path, EVENTS), EVENTS, strict=True):
        date = iso_date_prefix(fact["date_raw"])
        fields = {name: value for name, value in fact.items() if name != "quote"}
        records.append({"record_key": key, **fields, "date": date,
                        "year": int(date[:4]) if date else None,
                        "is_planned": int("planned" in fact["date_raw"]),
                        **_cited(path, lines, fact)})
    return records


def _atc_code(inn: str | None, index: dict[str, list[str]] | None,
              atc_path: Path | None) -> tuple[str | None, str | None]:
    """(ATC code, note) for an interview INN; an INN missing from the ATC file is an InputError."""
    if index is None or not inn:
        return None, None
    code, note = atc.match_inn(inn, index)
    if code is None:
        raise InputError(Rejection(Path(atc_path or "").name, None, None, "atc_name",
                                   "interview INN not in the ATC file", inn))
    return code, note


def _product_records(path: Path, lines: list[str], atc_path: Path | None,
                     areas_path: Path) -> list[dict]:
    """products rows from PRODUCTS; ATC codes only when an ATC file is given."""
    index = atc.inn_index(atc.read_atc(atc_path)) if atc_path else None
    areas = atc.parse_therapy_areas(areas_path).tables["therapy_areas"]
    records = []
    for key, fact in zip(_keys(path, PRODUCTS), PRODUCTS, strict=True):
        code, note = _atc_code(fact["inn"], index, atc_path)
        area = atc.therapy_area_for(code, areas) or area_from_text(fact["therapy_area_raw"])
        fields = {name: value for name, value in fact.items() if name != "quote"}
        records.append({"record_key": key, **fields, "dosage_form": None, "year": None,
                        "atc_code": code, "therapy_area_code": area, "registration_number": None,
                        "note": note, **_cited(path, lines, fact)})
    return records


def parse_interview(path: Path, atc_path: Path | None = None,
                    areas_path: Path = atc.DEFAULT_THERAPY_AREAS) -> Parsed:
    """cluster_indicators, events, products and the sources row quoted from the interview.

    Each fact's quote must be in the file (whitespace runs ignored), so an edited interview is
    refused with InputError. With atc_path, products get ATC codes and therapy areas.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    indicators = _indicator_records(path, lines)
    events = _event_records(path, lines)
    products = _product_records(path, lines, atc_path, areas_path)
    notes = [f"{path.name}: {row['trade_name']}: {row['note']}" for row in products if row["note"]]
    source = {"url": SOURCE_URL, "title": TITLE, "publisher": None, "published": None,
              "cited_rows": len(indicators) + len(events) + len(products),
              "cited_in": "events;indicators;products"}
    tables = {
        "sources": to_frame("sources", [source]),
        "cluster_indicators": to_frame("cluster_indicators", indicators),
        "events": to_frame("events", events),
        "products": to_frame("products", products),
    }
    return Parsed("interview", tables, notes=[*notes, THIS_YEAR_NOTE])
