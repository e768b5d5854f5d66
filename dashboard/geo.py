"""Bundled boundaries (data/geo, simplified by `make data`): as addresses for the browser, or read once per process.

Figures refer to the geometry by URL (plotly.js fetches a trace's `geojson` when it is a string and keeps it
per page), so the 334 KB of regions travel once, precompressed and cached by the browser for a year,
instead of inside every figure (dashboard/static.py serves /geo/).
"""

from __future__ import annotations

import json
from functools import lru_cache

from dashboard import static
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


def russia_regions_url() -> str | None:
    """The address of russia_regions() for a figure's `geojson` (versioned by content); None when not bundled."""
    return static.geo_url("russia_regions.geojson")


def kaluga_districts_url() -> str | None:
    """The address of kaluga_districts() for a figure's `geojson`; None when not bundled."""
    return static.geo_url("kaluga_districts.geojson")
