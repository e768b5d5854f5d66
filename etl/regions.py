"""Canonical regions and the alias table that maps every published spelling onto them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.paths import REFERENCE_DIR
from etl.sources.base import Parsed
from etl.text import normalise_name

REGIONS_CSV = REFERENCE_DIR / "regions.csv"
COUNTRY_CODE = "RU"
KALUGA_CODE = "RU-KLU"


def read_regions(path: Path = REGIONS_CSV) -> pd.DataFrame:
    """The reference table of regions, one row per canonical region."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["sort_order"] = frame["sort_order"].astype(int)
    return frame


def alias_map(regions: pd.DataFrame) -> dict[str, str]:
    """Normalised spelling -> region code, from names RU/EN, codes and listed aliases."""
    aliases: dict[str, str] = {}
    for row in regions.itertuples(index=False):
        spellings = [row.code, row.name_ru, row.name_en, *filter(None, row.aliases.split("|"))]
        for spelling in spellings:
            key = normalise_name(spelling)
            owner = aliases.setdefault(key, row.code)
            if owner != row.code:
                raise ValueError(f"alias {spelling!r} names both {owner} and {row.code}")
    return aliases


class RegionResolver:
    """Maps a label from a source file to a canonical region code, or None when unknown."""

    def __init__(self, aliases: dict[str, str]):
        self._aliases = aliases

    @classmethod
    def from_reference(cls, path: Path = REGIONS_CSV) -> RegionResolver:
        return cls(alias_map(read_regions(path)))

    def resolve(self, label: object) -> str | None:
        if not isinstance(label, str) or not label.strip():
            return None
        key = normalise_name(label)
        if key in self._aliases:
            return self._aliases[key]
        # NOTE: the first row of some tables is the total over all regions, titled like
        # "Валовой региональный продукт по субъектам Российской Федерации ... – всего" or
        # "Валовое накопление основного капитала субъектов Российской Федерации".
        if "российской федерации" in key and (key.endswith("всего") or "субъект" in key):
            return COUNTRY_CODE
        return None


def parse_regions(path: Path = REGIONS_CSV) -> Parsed:
    """The regions reference as tables `regions` and `region_aliases`."""
    regions = read_regions(path)
    aliases = alias_map(regions)
    table = regions.drop(columns=["aliases"]).copy()
    table["parent_code"] = table["parent_code"].replace("", None)
    alias_frame = pd.DataFrame(sorted(aliases.items()), columns=["alias", "region_code"])
    return Parsed(adapter="regions", tables={"regions": table, "region_aliases": alias_frame})
