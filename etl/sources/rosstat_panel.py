"""The tidy "Регионы России" 2021 panel (one row per region and year, one column per indicator)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from etl.errors import InputError, Rejection
from etl.indicators import IndicatorRegistry
from etl.periods import Period
from etl.regions import RegionResolver
from etl.sources.base import Parsed
from etl.sources.cells import NOT_AVAILABLE
from etl.sources.observations import ObservationBuilder

ADAPTER = "rosstat_panel"
REQUIRED_COLUMNS = ("region_rus", "year")
DEFAULT_EDITION = "RR-2021"
_FORMULA = re.compile(r"^[=+@]|^-[A-Za-z]")


def looks_like_panel(columns: list[str]) -> bool:
    return all(c in columns for c in REQUIRED_COLUMNS)


def parse(
    path: Path,
    edition: str | None = None,
    registry: IndicatorRegistry | None = None,
    resolver: RegionResolver | None = None,
) -> Parsed:
    """Parse the long panel CSV into indicators and observations frames."""
    registry = registry or IndicatorRegistry.from_reference()
    resolver = resolver or RegionResolver.from_reference()
    edition = edition or DEFAULT_EDITION
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(Rejection(path.name, None, None, None, f"not a readable CSV: {exc}")) from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(Rejection(path.name, None, 1, missing[0], "required column missing",
                                   ", ".join(frame.columns)))
    parsed = Parsed(adapter=ADAPTER, edition=edition)
    value_columns = [c for c in frame.columns if c not in REQUIRED_COLUMNS]
    indicators = {}
    for column in value_columns:
        known = registry.lookup(f"panel:{column}")
        if known is None:
            parsed.rejections.append(Rejection(path.name, None, 1, column,
                                               "column is not a known panel indicator", column))
            continue
        meta, _ = registry.resolve(f"panel:{column}", column, None, "other", None)
        indicators[column] = meta
    observations = ObservationBuilder(edition, path.name)
    for offset, row in enumerate(frame.itertuples(index=False)):
        line = offset + 2  # header is line 1
        record = row._asdict()
        region = resolver.resolve(record["region_rus"])
        if region is None:
            parsed.rejections.append(Rejection(path.name, None, line, "region_rus",
                                               "unknown region name", record["region_rus"]))
            continue
        year_text = record["year"].strip()
        if not re.fullmatch(r"(19|20)\d\d", year_text):
            parsed.rejections.append(Rejection(path.name, None, line, "year", "not a year", year_text))
            continue
        for column, meta in indicators.items():
            text = record[column].strip()
            value, status = None, ""
            if text in ("NA", "", "…", "..."):
                status = NOT_AVAILABLE
            else:
                try:
                    value = float(text)
                except ValueError:
                    reason = ("text that looks like a spreadsheet formula where a number was expected"
                              if _FORMULA.match(text) else "text where a number was expected")
                    parsed.rejections.append(Rejection(path.name, None, line, column, reason, text[:100]))
                    continue
            observations.add(meta.code, region, Period("year", int(year_text)), value, status,
                             None, f"{column}:{line}")
    parsed.tables["indicators"] = pd.DataFrame([m.as_row() for m in indicators.values()])
    parsed.tables["observations"] = observations.frame()
    return parsed
