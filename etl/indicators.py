"""The indicator registry: stable codes, RU/EN names and units for indicators we know by title."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

import pandas as pd

from etl.paths import REFERENCE_DIR
from etl.text import normalise_name, slugify

INDICATORS_CSV = REFERENCE_DIR / "indicators.csv"
INDICATOR_COLUMNS = [
    "code", "name_ru", "name_en", "unit_ru", "unit_en", "topic", "source_table", "frequency",
]
# What a table reader knows beyond the reference file's columns (etl.schema.Indicator).
INDICATOR_META_COLUMNS = ["period_kind", "additive", "section", "table_number", "identity"]
SLUG_LENGTH = 24  # keeps codes short: they are repeated in every observation row and its index

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
    period_kind: str | None = None
    additive: int | None = None
    section: str | None = None
    table_number: str | None = None
    identity: str | None = None

    def as_row(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def match_key(match: str) -> str:
    """A registry match key with digit groups closed up: editions write "10 000" and "10000" alike."""
    return _DIGIT_GROUP.sub("", match)


_DIGIT_GROUP = re.compile(r"(?<=\d) (?=\d{3}\b)")


def identity_code(slug_text: str, identity: str) -> str:
    """A short readable code that stays unique: the slug's start plus a hash of the full identity.

    Two tables whose titles share their first characters get different codes; the same table in
    another edition (same number, title, unit and column groups) gets the same one.
    """
    digest = hashlib.sha1(identity.encode("utf-8")).hexdigest()[:10]
    slug = slugify(slug_text, max_length=SLUG_LENGTH) or "indicator"
    return f"{slug}_{digest}"


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
        self._by_match = {match_key(row["match"]): row for row in frame.to_dict("records")}

    @classmethod
    def from_reference(cls, path: Path = INDICATORS_CSV) -> IndicatorRegistry:
        """The registry read from `path`; read once per process while the file is unchanged."""
        # NOTE: every parse() call asks for the registry; the cache is keyed on the file's size and
        # mtime, so an edited indicators.csv is read again. The instance is shared: treat it as read-only.
        stat = Path(path).stat()
        return _registry_from(cls, str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)

    def lookup(self, match: str) -> dict | None:
        return self._by_match.get(match_key(match))

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
        return self._known(known, name_ru, unit_ru, topic, source_table, frequency)

    def identify(
        self,
        match: str,
        identity: str,
        slug_text: str,
        name_ru: str,
        unit_ru: str | None,
        topic: str,
        source_table: str | None,
        **meta: object,
    ) -> tuple[IndicatorMeta, str | None]:
        """Like resolve, for a table's indicator: an unknown one is coded from its full identity.

        `meta` fills period_kind, section, table_number, additive (and name_en, unit_en, topic when
        the metadata describer gives them).
        """
        known = self.lookup(match)
        kind = meta.get("period_kind")
        if known is not None and known.get("period_kind") and kind not in (None, known["period_kind"]):
            # The same title over periods of another kind (quarters, points) is another series.
            known = None
        if known is None:
            name_en, unit_en = meta.pop("name_en", None), meta.pop("unit_en", None)
            return IndicatorMeta(identity_code(slug_text, identity), name_ru, name_en, unit_ru, unit_en, topic,
                                 source_table, identity=identity, **meta), None
        for key in ("name_en", "unit_en"):
            meta.pop(key, None)
        base, mismatch = self._known(known, name_ru, unit_ru, topic, source_table, "year")
        row = base.as_row()
        row.update(identity=identity, **{k: v for k, v in meta.items() if k != "additive" or v is not None})
        return IndicatorMeta(**row), mismatch

    def _known(self, known: dict, name_ru: str, unit_ru: str | None, topic: str, source_table: str | None,
               frequency: str) -> tuple[IndicatorMeta, str | None]:
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
