"""Canonical regions and the alias table that maps every published spelling onto them."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from etl.paths import REFERENCE_DIR
from etl.sources.base import Parsed
from etl.text import clean_spaces, normalise_name

REGIONS_CSV = REFERENCE_DIR / "regions.csv"
COUNTRY_CODE = "RU"
KALUGA_CODE = "RU-KLU"
_RESOLVED_MAX = 100_000  # labels a resolver remembers before its memo starts over

# What a stub label is (RegionResolver.classify).
REGION = "region"  # the country, a federal district, a federal subject or a part of one
UNALLOCATED = "unallocated"  # "Не распределено по субъектам РФ": a figure no region owns, never Russia
HEADING = "heading"  # "в том числе:", "из них:": a label over the rows below it, holding no data
BLANK = "blank"  # an empty stub cell
UNKNOWN = "unknown"  # none of these: the caller refuses it as an unknown region name
# NOTE: headings are phrases that introduce the rows below them, followed by nothing or a colon.
_HEADING = re.compile(r"^(в том числе|в т\. ?ч\.|из них|из него|из нее|включая|по субъектам [^:]*)\s*:?$")


class RegionClass(NamedTuple):
    kind: str
    code: str | None


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

    def __init__(self, aliases: dict[str, str], kinds: dict[str, str] | None = None):
        self._aliases = aliases
        # Region code -> UNALLOCATED for the codes whose rows belong to no region; REGION otherwise.
        self._kinds = kinds or {}
        # Label as found in a file -> code (or None); the same labels recur in every table and file.
        self._resolved: dict[str, str | None] = {}

    @classmethod
    def from_reference(cls, path: Path = REGIONS_CSV) -> RegionResolver:
        """The resolver for the aliases in `path`; read once per process while the file is unchanged."""
        # NOTE: every parse() call asks for the resolver; the cache is keyed on the file's size and
        # mtime, so an edited regions.csv is read again. The instance is shared: treat it as read-only.
        stat = Path(path).stat()
        return _resolver_from(cls, str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)

    def classify(self, label: object) -> RegionClass:
        """What a stub label is: (REGION | UNALLOCATED, code) or (HEADING | BLANK | UNKNOWN, None)."""
        if label is None or (isinstance(label, str) and not label.strip()):
            return RegionClass(BLANK, None)
        code = self.resolve(label)
        if code is not None:
            return RegionClass(self._kinds.get(code, REGION), code)
        if isinstance(label, str) and _HEADING.match(normalise_name(clean_spaces(label)) or label.lower()):
            return RegionClass(HEADING, None)
        return RegionClass(UNKNOWN, None)

    def resolve(self, label: object) -> str | None:
        """The region code of a stub label (an unallocated row gives its own code), None otherwise."""
        if not isinstance(label, str):
            return None
        try:
            return self._resolved[label]
        except KeyError:
            pass
        code = self._resolve(label)
        if len(self._resolved) >= _RESOLVED_MAX:
            self._resolved.clear()
        self._resolved[label] = code
        return code

    def _resolve(self, label: str) -> str | None:
        if not label.strip():
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


@lru_cache(maxsize=8)
def _resolver_from(cls: type[RegionResolver], path: str, mtime_ns: int, size: int) -> RegionResolver:
    """RegionResolver.from_reference, cached on (class, path, mtime, size)."""
    regions = read_regions(Path(path))
    kinds = {code: UNALLOCATED for code in regions.loc[regions["kind"] == UNALLOCATED, "code"]}
    return cls(alias_map(regions), kinds)


def parse_regions(path: Path = REGIONS_CSV) -> Parsed:
    """The regions reference as tables `regions` and `region_aliases`."""
    regions = read_regions(path)
    aliases = alias_map(regions)
    table = regions.drop(columns=["aliases"]).copy()
    table["parent_code"] = table["parent_code"].replace("", None)
    alias_frame = pd.DataFrame(sorted(aliases.items()), columns=["alias", "region_code"])
    return Parsed(adapter="regions", tables={"regions": table, "region_aliases": alias_frame})
