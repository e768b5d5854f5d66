"""The indicator registry: stable codes, RU/EN names and units for indicators we know by title."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from etl.paths import REFERENCE_DIR
from etl.text import normalise_name, slugify

INDICATORS_CSV = REFERENCE_DIR / "indicators.csv"
INDICATOR_COLUMNS = [
    "code", "name_ru", "name_en", "unit_ru", "unit_en", "topic", "source_table", "frequency",
]

# Section headings of "Регионы России" mapped onto the dashboard's topics.
_TOPIC_KEYWORDS = (
    ("здравоохран", "health"),
    ("валов", "economy"),
    ("население", "population"),
    ("труд", "labour"),
    ("занятост", "labour"),
    ("уровень жизни", "living_standards"),
    ("доход", "living_standards"),
    ("образован", "education"),
    ("инвестиц", "investment"),
    ("промышлен", "industry"),
    ("наук", "innovation"),
    ("инновац", "innovation"),
    ("цен", "prices"),
    ("заработн", "living_standards"),
)


@dataclass(frozen=True)
class IndicatorMeta:
    code: str
    name_ru: str
    name_en: str | None
    unit_ru: str | None
    unit_en: str | None
    topic: str
    source_table: str | None
    frequency: str = "year"

    def as_row(self) -> dict:
        return {column: getattr(self, column) for column in INDICATOR_COLUMNS}


def topic_for(heading: str | None) -> str:
    """The dashboard topic for a section heading such as '9. ВАЛОВОЙ РЕГИОНАЛЬНЫЙ ПРОДУКТ'."""
    text = (heading or "").lower()
    for keyword, topic in _TOPIC_KEYWORDS:
        if keyword in text:
            return topic
    return "other"


def normalise_unit(unit: str | None) -> str:
    return normalise_name(unit or "").replace(" ", "")


class IndicatorRegistry:
    """Looks up known indicators by match key ('title:...', 'panel:grp', 'monthly:...')."""

    def __init__(self, frame: pd.DataFrame):
        frame = frame.fillna("")
        self._by_match = {row["match"]: row for row in frame.to_dict("records")}

    @classmethod
    def from_reference(cls, path: Path = INDICATORS_CSV) -> IndicatorRegistry:
        """The registry read from `path`; read once per process while the file is unchanged."""
        # NOTE: every parse() call asks for the registry; the cache is keyed on the file's size and
        # mtime, so an edited indicators.csv is read again. The instance is shared: treat it as read-only.
        stat = Path(path).stat()
        return _registry_from(cls, str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)

    def lookup(self, match: str) -> dict | None:
        return self._by_match.get(match)

    def resolve(
        self,
        match: str,
        name_ru: str,
        unit_ru: str | None,
        topic: str,
        source_table: str | None,
        frequency: str = "year",
    ) -> tuple[IndicatorMeta, str | None]:
        """Metadata for an indicator, and the registry's unit when the source's unit disagrees."""
        known = self.lookup(match)
        if known is None:
            code = slugify(f"{name_ru} {unit_ru or ''}", max_length=110)
            return IndicatorMeta(code, name_ru, None, unit_ru, None, topic, source_table, frequency), None
        expected_unit = known["unit_ru"] or None
        mismatch = None
        if expected_unit and unit_ru and normalise_unit(expected_unit) != normalise_unit(unit_ru):
            mismatch = expected_unit
        meta = IndicatorMeta(
            code=known["code"],
            name_ru=known["name_ru"] or name_ru,
            name_en=known["name_en"] or None,
            unit_ru=expected_unit or unit_ru,
            unit_en=known["unit_en"] or None,
            topic=known["topic"] or topic,
            source_table=known["source_table"] or source_table,
            frequency=known.get("frequency") or frequency,
        )
        return meta, mismatch


@lru_cache(maxsize=8)
def _registry_from(cls: type[IndicatorRegistry], path: str, mtime_ns: int, size: int) -> IndicatorRegistry:
    """IndicatorRegistry.from_reference, cached on (class, path, mtime, size)."""
    return cls(pd.read_csv(path, dtype=str, keep_default_na=False))
