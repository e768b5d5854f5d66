"""The project's own reference tables in data/reference: regions, indicator registry, editions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.indicators import INDICATOR_COLUMNS, INDICATORS_CSV
from etl.paths import REFERENCE_DIR
from etl.regions import REGIONS_CSV, parse_regions
from etl.sources import atc
from etl.sources.base import Parsed

ADAPTER = "reference"
EDITIONS_CSV = REFERENCE_DIR / "editions.csv"
EDITION_COLUMNS = ("code", "name_ru", "name_en", "short_ru", "short_en", "publisher", "url")


def parse_indicator_registry(path: Path = INDICATORS_CSV) -> pd.DataFrame:
    """One row per indicator code (the registry lists a code once per way sources name it)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.drop_duplicates("code", keep="first")[[*INDICATOR_COLUMNS, "period_kind", "additive"]]
    frame = frame.replace("", None)
    frame["additive"] = pd.to_numeric(frame["additive"]).astype("Int64")
    return frame


def parse_editions(path: Path = EDITIONS_CSV) -> pd.DataFrame:
    """Publication editions with their titles and pages (blank cells stored as missing)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.drop_duplicates("code", keep="first")[list(EDITION_COLUMNS)].replace("", None)


def parse(reference_dir: Path = REFERENCE_DIR) -> Parsed:
    """Regions, aliases, the indicator registry, editions and therapy areas as one load."""
    regions = parse_regions(reference_dir / REGIONS_CSV.name)
    parsed = Parsed(adapter=ADAPTER, tables=dict(regions.tables))
    parsed.tables["indicators"] = parse_indicator_registry(reference_dir / INDICATORS_CSV.name)
    parsed.tables["editions"] = parse_editions(reference_dir / EDITIONS_CSV.name)
    areas = atc.parse_therapy_areas(reference_dir / atc.DEFAULT_THERAPY_AREAS.name)
    parsed.tables["therapy_areas"] = areas.tables["therapy_areas"]
    return parsed
