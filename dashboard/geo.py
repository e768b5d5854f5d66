"""Bundled boundaries (data/geo, simplified by `make data`), read once per process when first used."""

from __future__ import annotations

import json
from functools import lru_cache

from etl.paths import DATA_DIR

GEO_DIR = DATA_DIR / "geo"


@lru_cache(maxsize=4)
def _read(name: str) -> dict | None:
    path = GEO_DIR / name
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def russia_regions() -> dict | None:
    """Regions of Russia (2013 boundaries) with a `code` property matching regions.code."""
    return _read("russia_regions.geojson")


def kaluga_districts() -> dict | None:
    """Kaluga region's 26 municipal units, property `district`."""
    return _read("kaluga_districts.geojson")
