"""The open data API under /api/v1/: every table of the read model as JSON or CSV, and its OpenAPI document.

Endpoints, their parameters and their columns are declared once, as data (ENDPOINTS); the handler,
the parameter checks and the OpenAPI document are all made from that declaration, so they cannot
drift apart. Errors are JSON {"error": message} with a 4xx status; no request gives a 500.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from flask import Blueprint, Flask, Response, request, url_for
from sqlalchemy import Engine
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from dashboard import queries, transforms
from dashboard.model import cluster, indicators, loads, observations, regions, sources
from dashboard.model.export import csv_bytes
from dashboard.model.table import Column, Page, Table, empty, typed_rows

PREFIX = "/api/v1"
DEFAULT_LIMIT = 1000
MAX_LIMIT = 50_000
MAX_OFFSET = 10_000_000
MAX_TEXT = 200
MAX_LIST = 200
YEAR_MIN, YEAR_MAX = 1000, 9999
_INTEGER = re.compile(r"^[+-]?\d{1,12}$")
# Codes and filter values: letters, digits and _ . : - (what every code in the database is made of).
CODE_PATTERN = "^[A-Za-z0-9_.:-]+$"
_CODE = re.compile(CODE_PATTERN)


class ApiError(Exception):
    """A request the API refuses: answered as {"error": message} with `status`."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Param:
    """One query parameter: its type ("string", "integer", "list": comma-separated), limits, meaning."""

    name: str
    type: str
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    default: Any = None
    example: Any = None
    pattern: str | None = None  # a string's shape (in place of a code's), checked as the document states it
    shape: str = ""  # that shape in words, for the 400's message


@dataclass(frozen=True)
class Endpoint:
    """One table the API serves: its path, parameters, columns and how the read model fetches it."""

    name: str
    summary: str
    columns: tuple[Column, ...]
    read: Callable[[Engine, dict[str, Any], Page], Table]
    params: tuple[Param, ...] = ()
    description: str = ""

    @property
    def path(self) -> str:
        return f"{PREFIX}/{self.name}"

    @property
    def all_params(self) -> tuple[Param, ...]:
        return (*self.params, *COMMON_PARAMS)


COMMON_PARAMS = (
    Param("format", "string", "Response format: json (rows with paging links) or csv (UTF-8 with BOM; text "
          "cells a spreadsheet would run as formulas start with an apostrophe).", enum=("json", "csv"),
          default="json"),
    Param("limit", "integer", "Rows per page.", minimum=1, maximum=MAX_LIMIT, default=DEFAULT_LIMIT),
    Param("offset", "integer", "Rows to skip (the `next` link gives the following page).", minimum=0,
          maximum=MAX_OFFSET, default=0),
)
LANG = Param("lang", "string", "Language of names, units and titles.", enum=("ru", "en"), default="ru")
COMPANY = Param("company", "string", "Only rows of this company (its key, see /companies).",
                example="novo_nordisk")


# Every observation row says whether its value is as published or derived, and how (the indicators chart's
# transforms: dashboard/transforms.py, the one path both take).
TRANSFORM_COLUMNS = (
    Column("transform", "string", "published: the figure as published. per_capita, index or yoy: a figure derived "
           "from published ones, as the indicators chart shows it (see transform_note); `unit` is then the derived "
           "figure's unit.", nullable=False),
    Column("transform_note", "string", "How a derived figure was computed: what it is divided by (the population "
           "and its table), its base year, or the published index it is read from. Missing for a published figure."),
)
OBSERVATION_COLUMNS = (*observations.COLUMNS, *TRANSFORM_COLUMNS)


def _read_observations(engine: Engine, args: dict, page: Page) -> Table:
    request_ = observations.ObservationRequest(
        indicator=args["indicator"], regions=tuple(args.get("region") or ()), year_from=args.get("from"),
        year_to=args.get("to"), edition=args.get("edition"), period_kind=args.get("period_kind"),
        lang=args["lang"], period=args.get("period"), region_kind=args.get("region_kind"),
        editions=args.get("editions") or "all", missing=args.get("missing") or "keep")
    transform = args.get("transform") or "published"
    if args.get("base_year") is not None and transform != "index":
        raise ApiError(400, "base_year applies to transform=index only")
    if transform == "published":
        table = observations.observations(engine, request_, page)
        return Table(OBSERVATION_COLUMNS, [(*row, "published", None) for row in table.rows], table.total,
                     table.unknown)
    return _derived_observations(engine, request_, transform, args.get("base_year"), page)


def _derived_observations(engine: Engine, request_: observations.ObservationRequest, transform: str,
                          base_year: int | None, page: Page) -> Table:
    """A transformed view's rows: the chart's transform (transforms.transformed) over the read model's rows."""
    code, lang = request_.indicator, request_.lang
    found = indicators.catalogue(engine, lang, (code,))
    if found.unknown:
        return empty(OBSERVATION_COLUMNS, **found.unknown)
    meta = found.records()[0]
    if transform == "per_capita" and not transforms.per_capita_offered(code, meta["additive"], meta["unit_ru"]):
        raise ApiError(400, f"transform=per_capita is offered only for totals (additive indicators); {code} is "
                            "a rate, average, share or index")
    published_index = indicators.yoy_partner(engine, code) if transform == "yoy" else None
    unknown: dict[str, tuple[str, ...]] = {}
    frames: dict[tuple, pd.DataFrame] = {}

    def read(indicator: str, regions: Sequence[str], edition: str | None) -> pd.DataFrame:
        """Every year of an indicator's rows (the transform needs years outside the view's), read once a request."""
        key = (indicator, tuple(regions), edition)
        if key not in frames:
            population = indicator == transforms.POPULATION_INDICATOR and indicator != code
            # Every period and every edition: a transform works per edition over other periods; editions are merged
            # and the view's period kept afterwards.
            table = observations.observations(engine, replace(
                request_, indicator=indicator, regions=tuple(regions), edition=edition, year_from=None,
                year_to=None, period_kind=None if population else request_.period_kind, period=None,
                editions="all", missing="keep"))
            if not population:
                unknown.update(table.unknown)
            frames[key] = pd.DataFrame(table.rows, columns=table.names)
        return frames[key]

    if transform == "index" and base_year is None:
        # The view's first year; without one, the series' first year with a figure (the chart's default range).
        years = read(code, request_.regions, request_.edition).dropna(subset=["value"])["year"]
        base_year = request_.year_from or (int(years.min()) if len(years) else None)
        if base_year is None:  # not one figure to index
            return empty(OBSERVATION_COLUMNS, **unknown)
    frame = transforms.transformed(read, code, request_.regions, request_.edition, transform, base_year,
                                   published_index)
    if unknown:
        return empty(OBSERVATION_COLUMNS, **unknown)
    if frame.empty:
        return empty(OBSERVATION_COLUMNS)
    if request_.year_from is not None:
        frame = frame[frame["year"] >= request_.year_from]
    if request_.year_to is not None:
        frame = frame[frame["year"] <= request_.year_to]
    if request_.period is not None:
        frame = frame[frame["period"] == request_.period]
    if request_.editions == "newest":
        # After the transform, as the chart merges them: each edition's derived figure, the newest one wins.
        frame = frame.iloc[observations.newest_wins(frame["region_code"].tolist(), frame["period"].tolist(),
                                                    frame["edition"].tolist(), frame["value"].tolist())]
    if request_.missing == "omit":
        frame = frame[frame["value"].notna()]
    total = len(frame)
    shown = frame.iloc[page.offset:page.offset + page.limit if page.limit is not None else None]
    unit = transforms.unit_label(meta["unit"], transform, base_year, lang, published_index is not None)
    note = transforms.transform_note(transform, base_year, lang, _population_source(engine, lang) if transform
                                     == "per_capita" else "", _index_named(engine, lang, published_index))
    # The view's indicator and the derived figure's unit on every row (Rosstat's index, where year on year reads
    # it, is named in the note; its cells stay the rows' source).
    shown = shown.assign(indicator_code=code, indicator_name=meta["name"], unit=unit, transform=transform,
                         transform_note=note)
    names = [c.name for c in OBSERVATION_COLUMNS]
    rows = zip(*(shown[name].tolist() for name in names), strict=True)
    return Table(OBSERVATION_COLUMNS, typed_rows(OBSERVATION_COLUMNS, rows), total)


def _population_source(engine: Engine, lang: str | None) -> str:
    found = indicators.catalogue(engine, lang, (transforms.POPULATION_INDICATOR,))
    if found.unknown or not found.rows:
        return ""
    meta = found.records()[0]
    return transforms.population_source(meta["name"], meta["source_table"], lang)


def _index_named(engine: Engine, lang: str | None, code: str | None) -> tuple[str, str] | None:
    if code is None:
        return None
    found = indicators.catalogue(engine, lang, (code,))
    return (code, found.records()[0]["name"] or code) if found.rows else (code, code)


# --- the scatter: two indicators (and a third for the point size) paired by region, as the indicators chart draws it

SCATTER_AXES = {"x": "the x axis's", "y": "the y axis's", "size": "the point size's"}
# Each axis's fields, as its observation row names them (OBSERVATION_COLUMNS), and whether a drawn point always has one.
_AXIS_FIELDS = (
    ("indicator_code", "string", "indicator code", True),
    ("indicator_name", "string", "indicator name in the requested language", False),
    ("unit", "string", "unit in the requested language (a derived figure's unit with `transform`)", False),
    ("period", "string", "period code of the figure (see /observations' `period`)", True),
    ("edition", "string", "code of the edition the figure was read from", True),
    ("edition_title", "string", "title of that edition", True),
    ("value", "number", "figure", True),
    ("transform", "string", "published, or the transform that derived the figure (x only)", True),
    ("transform_note", "string", "how a derived figure was computed; missing for a published one", False),
    ("source_url", "string", "web page of the edition", False),
    ("source", "string", "one line naming the source: publisher, edition, file, sheet and cell", True),
    ("load_id", "integer", "load that wrote the figure (see /loads)", True),
)


def _scatter_columns() -> tuple[Column, ...]:
    columns = [Column("region_code", "string", "Region code: one row per region the scatter draws as a point.",
                      nullable=False),
               Column("region_name", "string", "Region name in the requested language.")]
    for axis, whose in SCATTER_AXES.items():
        for field, kind, what, always in _AXIS_FIELDS:
            extra = ""
            if axis == "size" and field == "value":
                extra = (" The point's area grows with it; a region without a figure, or with one not above 0, is "
                         "drawn at the smallest size.")
            columns.append(Column(f"{axis}_{field}", kind, f"{whose.capitalize()} {what}.{extra}",
                                  nullable=not always or axis == "size"))
    return tuple(columns)


SCATTER_COLUMNS = _scatter_columns()


def _read_scatter(engine: Engine, args: dict, page: Page) -> Table:
    """The points of a scatter: every region with a figure of x and of y for the period, each axis in one edition.

    x: `period`, its transform, the chosen edition else observations.cross_section_edition; y and size: as published,
    the same period where they have it, else their newest period of that year (observations.period_in_year), each in
    its own edition chosen by the same rule unless given. Every read goes through /observations' own read
    (_read_observations), so a point's x is the ranking's bar for the same view.
    """
    lang = args["lang"]
    transform = args.get("transform") or "published"
    if args.get("base_year") is not None and transform != "index":  # (refused before any code is looked up, as
        raise ApiError(400, "base_year applies to transform=index only")  # /observations refuses it)
    codes = {axis: args.get(axis) for axis in SCATTER_AXES}
    found = indicators.catalogue(engine, lang, tuple(dict.fromkeys(code for code in codes.values() if code)))
    unknown = {"indicator": found.unknown.get("indicator", ()),
               "edition": tuple(dict.fromkeys(e for key in ("edition", "y_edition", "size_edition")
                                              for e in observations.unknown_edition(engine, args.get(key))))}
    if any(unknown.values()):
        return empty(SCATTER_COLUMNS, **{k: v for k, v in unknown.items() if v})
    meta = {row["code"]: row for row in found.records()}
    common = {"region": args.get("region"), "region_kind": args.get("region_kind"), "lang": lang,
              "missing": "omit", "editions": "all"}
    names = [c.name for c in OBSERVATION_COLUMNS]

    def axis_rows(code: str, period: str | None, edition: str | None, derive: dict) -> dict[str, dict] | Table:
        """An axis's rows by region: one period, one edition (the rule's, unless given); a Table when refused."""
        if period is None:  # nothing of this indicator in the period's year
            return {}
        table = _read_observations(engine, {**common, "indicator": code, "period": period, "edition": edition,
                                            **derive}, Page())
        if table.unknown:
            return table
        rows = [dict(zip(names, row, strict=True)) for row in table.rows]
        chosen = edition or observations.cross_section_edition([r["edition"] for r in rows],
                                                               [r["value"] for r in rows])
        return {r["region_code"]: r for r in rows if r["edition"] == chosen and r["value"] is not None}

    period = args["period"]
    x = axis_rows(codes["x"], period, args.get("edition"),
                  {"transform": transform, "base_year": args.get("base_year")})
    if isinstance(x, Table):
        return empty(SCATTER_COLUMNS, **x.unknown)
    y = axis_rows(codes["y"], observations.period_in_year(engine, codes["y"], period), args.get("y_edition"), {})
    size: dict[str, dict] | Table = {}
    size_period = observations.period_in_year(engine, codes["size"], period) if codes["size"] else None
    if codes["size"]:
        size = axis_rows(codes["size"], size_period, args.get("size_edition"), {})
    if isinstance(y, Table) or isinstance(size, Table):  # (unknown codes were checked above: not reached)
        return empty(SCATTER_COLUMNS, **(y.unknown if isinstance(y, Table) else size.unknown))
    points = [region for region in sorted(x) if region in y]
    size_label: tuple = (None,) * len(_AXIS_FIELDS)
    if codes["size"]:
        # A point without a size figure still names the indicator its size is read from, and the period looked at.
        named = meta[codes["size"]]
        size_label = (codes["size"], named["name"], named["unit"], size_period,
                      *(None,) * (len(_AXIS_FIELDS) - 4))

    def fields(row: dict | None) -> tuple:
        return tuple(row[field] for field, *_rest in _AXIS_FIELDS) if row else size_label

    shown = points[page.offset:page.offset + page.limit if page.limit is not None else None]
    rows = [(region, x[region]["region_name"], *fields(x[region]), *fields(y[region]), *fields(size.get(region)))
            for region in shown]
    return Table(SCATTER_COLUMNS, typed_rows(SCATTER_COLUMNS, rows), len(points))


def _cluster(subject: str) -> Callable[[Engine, dict, Page], Table]:
    def read(engine: Engine, args: dict, page: Page) -> Table:
        return cluster.records(engine, subject, company=args.get("company"),
                               therapy_area=args.get("therapy_area"), page=page)
    return read


ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in (
    Endpoint(
        "indicators", "Indicator catalogue", indicators.COLUMNS,
        lambda engine, a, page: indicators.catalogue(engine, a["lang"], a.get("code") or (), a.get("topic"), page),
        (Param("code", "list", "Only these indicators (comma-separated codes).", example="grp,avg_wage"),
         Param("topic", "string", "Only indicators of this topic.", example="economy"), LANG),
        "Every indicator the atlas knows, with its unit, topic and frequency; `has_observations` tells "
        "whether figures are loaded."),
    Endpoint(
        "regions", "Regions", regions.COLUMNS,
        lambda engine, a, page: regions.regions(engine, a["lang"], a.get("code") or (), a.get("kind"), page),
        (Param("code", "list", "Only these regions (comma-separated codes).", example="RU-KLU,RU-MOW"),
         Param("kind", "string", "Only regions of this kind (country, federal_district, region, region_part).",
               example="region"), LANG)),
    Endpoint(
        "observations", "Figures of one indicator, as published or as the indicators chart transforms them",
        OBSERVATION_COLUMNS, _read_observations,
        (Param("indicator", "string", "Indicator code (see /indicators).", required=True, example="grp"),
         Param("region", "list", "Region codes, comma-separated (see /regions); every region when left out.",
               example="RU-KLU"),
         Param("from", "integer", "First year.", minimum=YEAR_MIN, maximum=YEAR_MAX, example=2010),
         Param("to", "integer", "Last year (not before `from`: a reversed range is refused with 400).",
               minimum=YEAR_MIN, maximum=YEAR_MAX, example=2020),
         Param("period", "string", "Only this period, its code as stored: 2017, 2017-Q3, 2017-H1, 2017-03, "
               "2017-YTD09 (January to September) or 2017-01-01 (a point in time); a period the indicator does not "
               "have gives no rows.", example="2015-12", pattern=observations.PERIOD_PATTERN,
               shape="a period code: 2017, 2017-Q3, 2017-H1, 2017-03, 2017-YTD09 or 2017-01-01"),
         Param("region_kind", "string", "Only regions of this kind (see /regions: country, federal_district, region, "
               "...); region_kind=region gives the federal subjects, which the indicators ranking and map show.",
               example="region"),
         Param("edition", "string", "Only figures of this edition (see /editions).", example="RR-2021"),
         Param("editions", "string", "all: every edition's row (one per indicator, region, period and edition). "
               "newest: one row per region and period, as the indicators line chart merges editions: the newest "
               "edition (by the date its code ends with: RR-2024, 806-2016-01) that publishes a value, the newest "
               "edition's empty row only where none does. With `transform`, each edition is transformed first.",
               enum=observations.EDITIONS, default="all"),
         Param("missing", "string", "keep: a figure not published (or, with `transform`, not derivable) is a row "
               "with an empty value (and its status); omit: only rows with a value, as the indicators ranking and map "
               "draw them.", enum=observations.MISSING, default="keep"),
         Param("period_kind", "string", "Only periods of this kind.", enum=observations.PERIOD_KINDS),
         Param("transform", "string", "The figures as published, or derived as the indicators chart shows them: "
               "per_capita (per 1,000 people of the average annual population of the same region and year; only "
               "for totals, else 400), index (base_year = 100, within each region and edition) or yoy (% change on "
               "the same period a year earlier: Rosstat's published index minus 100 where there is one, else "
               "derived from the levels). Derived rows say so in `transform` and `transform_note`.",
               enum=transforms.TRANSFORMS, default="published"),
         Param("base_year", "integer", "Base year of transform=index (its figures = 100); default: `from`, else "
               "the series' first year with a figure. Refused (400) with any other transform.",
               minimum=YEAR_MIN, maximum=YEAR_MAX, example=2010),
         LANG),
        "Every figure as published, one row per indicator, region, period and edition, with the file, "
        "sheet and cell it was read from. Missing figures are rows with an empty value and a status. With "
        "`transform`, the same rows with the chart's derived figures (the years outside from/to and `period` are "
        "read for them: a year on year of `from` uses the year before). With `editions=newest`, one row per "
        "region and period."),
    Endpoint(
        "scatter", "Two indicators paired by region for one period, as the indicators scatter draws them",
        SCATTER_COLUMNS, _read_scatter,
        (Param("x", "string", "Indicator of the x axis (see /indicators).", required=True, example="grp"),
         Param("y", "string", "Indicator of the y axis.", required=True, example="grp_per_capita"),
         Param("size", "string", "Indicator the points' size is drawn from (optional).", example="population"),
         Param("period", "string", "The x indicator's period, its code as stored (see /observations). y and size are "
               "read for the same period where they have a figure for it, else for their newest period of the same "
               "year (a monthly indicator beside a yearly one: its latest month); nothing of theirs from another "
               "year.", required=True, example="2019", pattern=observations.PERIOD_PATTERN,
               shape="a period code: 2017, 2017-Q3, 2017-H1, 2017-03, 2017-YTD09 or 2017-01-01"),
         Param("region", "list", "Only these regions, comma-separated; every region when left out.",
               example="RU-KLU,RU-TUL,RU-MOS"),
         Param("region_kind", "string", "Only regions of this kind; region_kind=region gives the federal subjects, "
               "which the indicators scatter draws.", example="region"),
         Param("edition", "string", "The x indicator's edition; default: the newest edition with nearly the most "
               "regions with a figure for the period (at least 90% of the most), as the indicators chart picks it.",
               example="RR-2024"),
         Param("y_edition", "string", "The y indicator's edition; default: picked by the same rule.",
               example="RR-2024"),
         Param("size_edition", "string", "The size indicator's edition; default: picked by the same rule.",
               example="RR-2024"),
         Param("transform", "string", "The x figures as published or derived as the indicators chart shows them (see "
               "/observations' `transform`); y and size are always as published, as the chart draws them.",
               enum=transforms.TRANSFORMS, default="published"),
         Param("base_year", "integer", "Base year of transform=index (its x figures = 100); refused (400) with any "
               "other transform.", minimum=YEAR_MIN, maximum=YEAR_MAX, example=2015),
         LANG),
        "One row per region with a figure of both x and y for the period: the points of the indicators page's "
        "scatter, each axis's figure with its indicator, unit, period, edition and source (file, sheet and cell), and "
        "the size figure where one is asked for (empty where the region has none: the point is drawn at the smallest "
        "size). Each axis shows one edition, so the regions compare. Regions in code order."),
    Endpoint("companies", "Companies of the cluster", cluster.SUBJECTS["companies"].columns,
             _cluster("companies"), (COMPANY,), cluster.SUBJECTS["companies"].description),
    Endpoint("investments", "Cited investments", cluster.SUBJECTS["investments"].columns,
             _cluster("investments"), (COMPANY,), cluster.SUBJECTS["investments"].description),
    Endpoint("products", "Products made in the cluster", cluster.SUBJECTS["products"].columns,
             _cluster("products"),
             (Param("therapy_area", "string", "Only products of this therapy area (see /therapy_areas).",
                    example="oncology"), COMPANY), cluster.SUBJECTS["products"].description),
    Endpoint("events", "Events of the cluster", cluster.SUBJECTS["events"].columns, _cluster("events"),
             (COMPANY,), cluster.SUBJECTS["events"].description),
    Endpoint("sources", "Cited sources", sources.SOURCE_COLUMNS,
             lambda engine, a, page: sources.sources(engine, page),
             description="Every cited web page and bundled file the cluster data rests on."),
    Endpoint("editions", "Publication editions", sources.EDITION_COLUMNS,
             lambda engine, a, page: sources.editions(engine, a["lang"], a.get("code") or (), page),
             (Param("code", "list", "Only these editions (comma-separated codes).", example="RR-2019"), LANG)),
    Endpoint("therapy_areas", "Therapy areas", sources.THERAPY_AREA_COLUMNS,
             lambda engine, a, page: sources.therapy_areas(engine, a["lang"], page), (LANG,)),
    Endpoint("loads", "Load history", loads.COLUMNS,
             lambda engine, a, page: loads.loads(engine, a.get("status"), page),
             (Param("status", "string", "Only loads with this status.",
                    enum=("applied", "failed", "rejected", "rolled_back", "running")),),
             "Every run of the loader, newest first; each observation's load_id points here."),
)}


# --- parameters ---------------------------------------------------------------------------------


def parse_args(endpoint: Endpoint, args: Mapping[str, list[str]]) -> dict[str, Any]:
    """The query string checked against the endpoint's parameters; ApiError(400) names the first problem."""
    declared = {p.name: p for p in endpoint.all_params}
    for name in args:
        if name not in declared:
            raise ApiError(400, f"unknown parameter: {_shown(name)}")
    parsed: dict[str, Any] = {}
    for param in endpoint.all_params:
        values = args.get(param.name) or []
        if len(values) > 1:
            raise ApiError(400, f"{param.name} given {'twice' if len(values) == 2 else f'{len(values)} times'}")
        if not values:
            if param.required:
                raise ApiError(400, f"{param.name} is required")
            parsed[param.name] = param.default
            continue
        parsed[param.name] = _value(param, values[0])
    if parsed.get("from") is not None and parsed.get("to") is not None and parsed["from"] > parsed["to"]:
        raise ApiError(400, "from is after to")
    return parsed


def _value(param: Param, value: str) -> Any:
    """One parameter's value, checked exactly as the OpenAPI document describes it (no trimming)."""
    if not value:
        raise ApiError(400, f"{param.name} is empty")
    if param.type == "integer":
        if not _INTEGER.match(value):
            raise ApiError(400, f"{param.name} must be an integer")
        number = int(value)
        if (param.minimum is not None and number < param.minimum) or (
                param.maximum is not None and number > param.maximum):
            raise ApiError(400, f"{param.name} must be between {param.minimum} and {param.maximum}")
        return number
    if param.pattern:
        # (the pattern read as the document's readers read it, like a code's: Python's `$` and JSON Schema's agree)
        if len(value) > MAX_TEXT or not re.match(param.pattern, value):
            raise ApiError(400, f"{param.name} must be {param.shape or 'of the documented form'}")
        return value
    if param.enum:
        if value not in param.enum:
            raise ApiError(400, f"{param.name} must be one of: {', '.join(param.enum)}")
        return value
    items = value.split(",") if param.type == "list" else [value]
    if len(items) > MAX_LIST:
        raise ApiError(400, f"{param.name} lists more than {MAX_LIST} codes")
    for item in items:
        if not item:
            raise ApiError(400, f"{param.name} has an empty item")
        if len(item) > MAX_TEXT:
            raise ApiError(400, f"{param.name} is longer than {MAX_TEXT} characters")
        if not _CODE.match(item):
            raise ApiError(400, f"{param.name} must be a code: letters, digits, _ . : -")
    return tuple(dict.fromkeys(items)) if param.type == "list" else value


def _shown(text: str) -> str:
    """User text quoted back in an error, printable and short."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= 60 else clean[:59] + "…"


# --- responses ----------------------------------------------------------------------------------


def _json(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, mimetype="application/json", headers=headers)


def error(status: int, message: str) -> Response:
    return _json({"error": message}, status)


def _unknown_message(unknown: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"unknown {kind.replace('_', ' ')}: {', '.join(_shown(c) for c in codes)}"
                     for kind, codes in unknown.items())


def _page_url(endpoint: Endpoint, offset: int) -> str:
    """The same request from `offset` on, as an absolute address (a client follows it as given)."""
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "offset"]
    query.append(("offset", str(offset)))
    return f"{request.host_url.rstrip('/')}{endpoint.path}?{urlencode(query)}"


def link(name: str, **params: str | int | Sequence[str] | None) -> str:
    """The API address of a view: link("observations", indicator="grp", region=["RU-KLU"], format="csv").

    Chart cards link to it; parameters left None are left out, lists are comma-joined.
    """
    endpoint = ENDPOINTS[name]
    query = {key: ",".join(value) if isinstance(value, (list, tuple)) else str(value)
             for key, value in params.items() if value is not None}
    return f"{endpoint.path}?{urlencode(query)}" if query else endpoint.path


def table_for(engine: Engine, name: str, **params: str | int | Sequence[str] | None) -> Table:
    """What link(name, **params) answers, read without HTTP (a chart's CSV is then the API's, byte for byte).

    Raises ApiError as the API would answer: 400 for a bad parameter, 404 for an unknown code.
    """
    endpoint = ENDPOINTS[name]
    query = {key: [",".join(value) if isinstance(value, (list, tuple)) else str(value)]
             for key, value in params.items() if value is not None}
    return _read(endpoint, engine, parse_args(endpoint, query))


def _read(endpoint: Endpoint, engine: Engine, args: dict[str, Any]) -> Table:
    table = endpoint.read(engine, args, Page(args["limit"], args["offset"]))
    if table.unknown:
        raise ApiError(404, _unknown_message(table.unknown))
    return table


def serve(endpoint: Endpoint) -> Response:
    args = parse_args(endpoint, request.args.to_dict(flat=False))
    page = Page(args["limit"], args["offset"])
    table = _read(endpoint, queries.engine(), args)
    has_next = page.offset + len(table.rows) < table.total
    next_url = _page_url(endpoint, page.offset + len(table.rows)) if has_next and table.rows else None
    headers = {"X-Total-Count": str(table.total)}
    if next_url:
        headers["Link"] = f'<{next_url}>; rel="next"'
    if args["format"] == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{endpoint.name}.csv"'
        return Response(csv_bytes(table), mimetype="text/csv", content_type="text/csv; charset=utf-8",
                        headers=headers)
    return _json({"rows": table.records(), "total": table.total, "limit": page.limit, "offset": page.offset,
                  "next": next_url}, headers=headers)


# --- OpenAPI ------------------------------------------------------------------------------------


def _param_schema(param: Param) -> dict:
    if param.type == "integer":
        schema: dict = {"type": "integer"}
        if param.minimum is not None:
            schema["minimum"] = param.minimum
        if param.maximum is not None:
            schema["maximum"] = param.maximum
    elif param.type == "list":
        schema = {"type": "array", "minItems": 1, "maxItems": MAX_LIST,
                  "items": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": CODE_PATTERN}}
    elif param.enum:
        schema = {"type": "string", "enum": list(param.enum)}
    elif param.pattern:
        schema = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": param.pattern}
    else:
        schema = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": CODE_PATTERN}
    if param.default is not None:
        schema["default"] = param.default
    return schema


def _column_schema(column: Column) -> dict:
    if column.type == "date-time":
        schema: dict = {"type": "string", "format": "date-time"}
    else:
        schema = {"type": column.type}
    if column.nullable:
        schema["type"] = [schema["type"], "null"]
    schema["description"] = column.description
    return schema


def _row_schema(columns: tuple[Column, ...]) -> dict:
    return {"type": "object", "additionalProperties": False, "required": [c.name for c in columns],
            "properties": {c.name: _column_schema(c) for c in columns}}


ERROR_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["error"],
                "properties": {"error": {"type": "string", "description": "What was wrong with the request."}}}


def _error_response(description: str) -> dict:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document() -> dict:
    """The OpenAPI 3.1 document of every endpoint, made from the same declarations the handlers use."""
    paths: dict = {}
    schemas: dict = {"Error": ERROR_SCHEMA}
    for endpoint in ENDPOINTS.values():
        row = f"{endpoint.name.title().replace('_', '')}Row"
        schemas[row] = _row_schema(endpoint.columns)
        parameters = []
        for param in endpoint.all_params:
            spec = {"name": param.name, "in": "query", "required": param.required,
                    "description": param.description, "schema": _param_schema(param)}
            if param.type == "list":
                spec.update(style="form", explode=False)
            if param.example is not None:
                spec["example"] = param.example
            parameters.append(spec)
        paths[endpoint.path] = {"get": {
            "operationId": endpoint.name,
            "summary": endpoint.summary,
            "description": endpoint.description or endpoint.summary,
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": "One page of rows.",
                    "headers": {
                        "X-Total-Count": {"description": "Rows matching the request, on every page.",
                                          "schema": {"type": "string", "pattern": "^[0-9]+$"}},
                        "Access-Control-Allow-Origin": {"schema": {"type": "string", "enum": ["*"]}},
                    },
                    "content": {
                        "application/json": {"schema": {
                            "type": "object", "additionalProperties": False,
                            "required": ["rows", "total", "limit", "offset", "next"],
                            "properties": {
                                "rows": {"type": "array", "items": {"$ref": f"#/components/schemas/{row}"}},
                                "total": {"type": "integer", "minimum": 0},
                                "limit": {"type": "integer", "minimum": 1},
                                "offset": {"type": "integer", "minimum": 0},
                                "next": {"type": ["string", "null"],
                                         "description": "The next page's address; null on the last page."},
                            }}},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                "400": _error_response("A malformed, repeated or unknown parameter."),
                "404": _error_response("An indicator, region, edition, company or therapy area that does not "
                                       "exist."),
                "503": _error_response("The database is not reachable; try again shortly."),
            },
        }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kaluga Cluster Atlas open data API", "version": "1.0.0",
                 "description": "Regional statistics of Russia as Rosstat publishes them, and the Kaluga "
                                "pharmaceutical cluster's cited records. Every figure carries its source."},
        "paths": paths,
        "components": {"schemas": schemas},
    }


@lru_cache(maxsize=1)
def _openapi_json() -> str:
    return json.dumps(openapi_document(), ensure_ascii=False, separators=(",", ":"))


# --- the blueprint ------------------------------------------------------------------------------


def create_blueprint() -> Blueprint:
    """The API's routes; a new blueprint per app, so tests can build many apps."""
    api = Blueprint("api", __name__, url_prefix=PREFIX)

    for endpoint in ENDPOINTS.values():
        api.add_url_rule(f"/{endpoint.name}", endpoint.name, lambda e=endpoint: serve(e), methods=["GET"])

    @api.get("/openapi.json")
    def openapi() -> Response:
        return Response(_openapi_json(), mimetype="application/json")

    @api.get("/")
    def index() -> Response:
        return _json({"openapi": url_for("api.openapi"), "docs": "/api",
                      "endpoints": {name: e.path for name, e in ENDPOINTS.items()}})

    @api.route("/<path:rest>")
    def not_found(rest: str) -> Response:
        return error(404, f"no such endpoint: {_shown(rest)}")

    @api.errorhandler(ApiError)
    def refused(exc: ApiError) -> Response:
        return error(exc.status, exc.message)

    # A refused or dropped connection, a pool or statement timeout: the database, not the request.
    @api.errorhandler(OperationalError)
    @api.errorhandler(InterfaceError)
    @api.errorhandler(DisconnectionError)
    @api.errorhandler(PoolTimeout)
    def database_down(_exc: Exception) -> Response:
        return error(503, "the database is not reachable; try again shortly")

    @api.after_request
    def cors(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    return api


def register(server: Flask) -> None:
    """Add the API to the app's Flask server; HTTP errors on /api/ paths answer as JSON too."""
    server.register_blueprint(create_blueprint())

    @server.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not request.path.startswith(PREFIX):
            return exc
        response = error(exc.code or 500, exc.description or exc.name)
        response.headers["Access-Control-Allow-Origin"] = "*"
        if exc.code == 405:
            response.headers["Allow"] = ", ".join(exc.valid_methods or ["GET"])
        return response
