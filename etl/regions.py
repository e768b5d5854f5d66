"""Canonical regions, the alias table that maps every published spelling onto them, and what a
table's stub labels are (a region, a figure no region owns, a heading, or unknown).

Region kinds in data/reference/regions.csv: `country`; `federal_district` (with the Southern
district's earlier compositions, named by EMISS "(по 2009 год)" and "(с 2010 года)", as their own
rows); `region` (the 85 federal subjects); `region_part` (a subject without its autonomous okrugs,
a former autonomous okrug inside today's subject, Moscow and its oblast in their pre-2012 borders,
Russia without the subjects admitted in 2022); `region_group` (two subjects published as one row);
`economic_region` (the Soviet-era economic regions of older EMISS series); `unallocated` (figures no
region owns: "Не распределено по субъектам Российской Федерации", "За пределами Российской
Федерации"; stored under their own codes, never as Russia).

The names of a table's non-region rows live in data/reference/stub_labels.csv: `heading` rows
("в том числе:") introduce the rows below them and hold no data; `breakdown` rows ("на федеральном
уровне") split the row above them by a category and are no region; a `column_numbers` row ("А"
over 1, 2, 3 ...) numbers a form's columns under its header.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from etl.paths import REFERENCE_DIR
from etl.sources.base import Parsed
from etl.text import clean_spaces, fix_lookalikes, normalise_region_name, strip_name_footnotes

REGIONS_CSV = REFERENCE_DIR / "regions.csv"
STUB_LABELS_CSV = REFERENCE_DIR / "stub_labels.csv"
COUNTRY_CODE = "RU"
KALUGA_CODE = "RU-KLU"
_RESOLVED_MAX = 100_000  # labels a resolver remembers before its memo starts over

# What a stub label is (RegionResolver.classify).
REGION = "region"  # the country, a federal district, a federal subject, a part or a group of them
OWN_UNIT = "own_unit"  # "Российская Федерация, млн т": a region whose row has its own unit (`unit`)
UNALLOCATED = "unallocated"  # "Не распределено по субъектам РФ": a figure no region owns, never Russia
HEADING = "heading"  # "в том числе:", "из них:": a label over the rows below it, holding no data
BREAKDOWN = "breakdown"  # "на федеральном уровне": the row above split by a category, no region
COLUMN_NUMBERS = "column_numbers"  # "А" over "1, 2, 3 ...": the row numbering a form's columns, no data
BLANK = "blank"  # an empty stub cell
UNKNOWN = "unknown"  # none of these: the caller refuses it as an unknown region name
STUB_KINDS = (HEADING, BREAKDOWN, COLUMN_NUMBERS)

# NOTE: a few rows carry their own unit after the name ("Российская Федерация, млн т" above regions
# in thousands of tonnes); such a row is never read in the table's unit.
_UNIT_TAIL = re.compile(r"^(.*?)(?:,\s*|\s+)((?:трлн|млрд|млн|тыс)\b.*)$", re.IGNORECASE)
# NOTE: some tables open with the total titled like "Валовой региональный продукт по субъектам
# Российской Федерации ... – всего"; a title that excludes or leaves anything out is not the total.
# (Titles, units and footnotes also name "субъектов Российской Федерации": without "всего" a label
# is Russia only when regions.csv lists it.)
_NOT_THE_TOTAL = re.compile(r"распредел|пределами|\bбез\b|\bкроме\b|\bне\b|\bучета\b|\bновых\b")
# Phrases that open a heading row when a colon follows ("в том числе по видам:").
_HEADING_OPENERS = ("в том числе", "в т. ч.", "из них", "из него", "из нее", "включая")


class RegionClass(NamedTuple):
    """What a stub label is: its kind, the region code (REGION, OWN_UNIT, UNALLOCATED) and, for
    OWN_UNIT, the unit the row states."""

    kind: str
    code: str | None
    unit: str | None = None


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
            key = normalise_region_name(spelling)
            owner = aliases.setdefault(key, row.code)
            if owner != row.code:
                raise ValueError(f"alias {spelling!r} names both {owner} and {row.code}")
    return aliases


def stub_key(label: str) -> str:
    """The key a heading or breakdown label is matched on (its leading phrase kept)."""
    text = strip_name_footnotes(fix_lookalikes(clean_spaces(label)))
    return text.rstrip(" :;,.").lower().replace("ё", "е").replace("т.ч.", "т. ч.")


def read_stub_labels(path: Path = STUB_LABELS_CSV) -> dict[str, str]:
    """Normalised label -> HEADING | BREAKDOWN | COLUMN_NUMBERS, from data/reference/stub_labels.csv."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    unknown = set(frame["kind"]) - set(STUB_KINDS)
    if unknown:
        raise ValueError(f"{path.name}: unknown kinds {sorted(unknown)}")
    return {stub_key(label): kind for label, kind in zip(frame["label"], frame["kind"], strict=True)}


class RegionResolver:
    """Maps a label from a source file to a canonical region code, or None when unknown."""

    def __init__(self, aliases: dict[str, str], kinds: dict[str, str] | None = None,
                 stub_labels: dict[str, str] | None = None):
        self._aliases = aliases
        # Region code -> UNALLOCATED for the codes whose rows belong to no region.
        self._kinds = kinds or {}
        self._stub_labels = stub_labels or {}
        # Label as found in a file -> its class; the same labels recur in every table and file.
        self._classified: dict[str, RegionClass] = {}

    @classmethod
    def from_reference(cls, path: Path = REGIONS_CSV, stub_labels: Path = STUB_LABELS_CSV) -> RegionResolver:
        """The resolver for the aliases in `path`; read once per process while the files are unchanged."""
        # NOTE: every parse() call asks for the resolver; the cache is keyed on the files' size and
        # mtime, so an edited regions.csv is read again. The instance is shared: treat it as read-only.
        stat, stub_stat = Path(path).stat(), Path(stub_labels).stat()
        return _resolver_from(cls, str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size,
                              str(Path(stub_labels).resolve()), stub_stat.st_mtime_ns, stub_stat.st_size)

    def classify(self, label: object) -> RegionClass:
        """What a stub label is: (REGION | UNALLOCATED, code), (OWN_UNIT, code, unit), or
        (HEADING | BREAKDOWN | COLUMN_NUMBERS | BLANK | UNKNOWN, None)."""
        if not isinstance(label, str):
            return RegionClass(BLANK, None) if label is None else RegionClass(UNKNOWN, None)
        try:
            return self._classified[label]
        except KeyError:
            pass
        found = self._classify(label)
        if len(self._classified) >= _RESOLVED_MAX:
            self._classified.clear()
        self._classified[label] = found
        return found

    def resolve(self, label: object) -> str | None:
        """The code of a region or unallocated row; None for anything else, a row in its own unit included."""
        found = self.classify(label)
        return found.code if found.kind in (REGION, UNALLOCATED) else None

    def _classify(self, label: str) -> RegionClass:
        if not label.strip():
            return RegionClass(BLANK, None)
        code = self._code(label)
        if code is not None:
            return RegionClass(self._kinds.get(code, REGION), code)
        key = stub_key(label)
        if key in self._stub_labels:
            return RegionClass(self._stub_labels[key], None)
        if label.rstrip().endswith(":") and key.startswith(_HEADING_OPENERS):
            return RegionClass(HEADING, None)
        own_unit = _UNIT_TAIL.match(fix_lookalikes(clean_spaces(label)))
        if own_unit and (code := self._code(own_unit.group(1))) is not None and code not in self._kinds:
            return RegionClass(OWN_UNIT, code, strip_name_footnotes(own_unit.group(2)))
        return RegionClass(UNKNOWN, None)

    def _code(self, label: str) -> str | None:
        key = normalise_region_name(label)
        if not key:
            return None
        if key in self._aliases:
            return self._aliases[key]
        if key.endswith("всего") and "субъект" in key and "российской федерации" in key \
                and not _NOT_THE_TOTAL.search(key):
            return COUNTRY_CODE
        return None


@lru_cache(maxsize=8)
def _resolver_from(cls: type[RegionResolver], path: str, mtime_ns: int, size: int,
                   stub_path: str, stub_mtime_ns: int, stub_size: int) -> RegionResolver:
    """RegionResolver.from_reference, cached on (class, paths, mtimes, sizes)."""
    regions = read_regions(Path(path))
    kinds = {code: UNALLOCATED for code in regions.loc[regions["kind"] == UNALLOCATED, "code"]}
    return cls(alias_map(regions), kinds, read_stub_labels(Path(stub_path)))


def parse_regions(path: Path = REGIONS_CSV) -> Parsed:
    """The regions reference as tables `regions` and `region_aliases`."""
    regions = read_regions(path)
    aliases = alias_map(regions)
    table = regions.drop(columns=["aliases"]).copy()
    table["parent_code"] = table["parent_code"].replace("", None)
    alias_frame = pd.DataFrame(sorted(aliases.items()), columns=["alias", "region_code"])
    return Parsed(adapter="regions", tables={"regions": table, "region_aliases": alias_frame})
