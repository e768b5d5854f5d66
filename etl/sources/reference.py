"""The project's own reference tables in data/reference: regions, indicator registry, editions, and the
Russian of values the data records in English only (the cluster records' texts, ATC group names)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from etl.errors import InputError, Rejection
from etl.indicators import INDICATOR_COLUMNS, INDICATORS_CSV
from etl.paths import REFERENCE_DIR
from etl.regions import REGIONS_CSV, parse_regions
from etl.sources import atc
from etl.sources.base import Parsed

ADAPTER = "reference"
EDITIONS_CSV = REFERENCE_DIR / "editions.csv"
EDITION_COLUMNS = ("code", "name_ru", "name_en", "short_ru", "short_en", "publisher", "url")
CLUSTER_TEXT_CSV = REFERENCE_DIR / "cluster_text_ru.csv"
ATC_NAMES_CSV = REFERENCE_DIR / "atc_names_ru.csv"
_NUMBER = re.compile(r"\d+")
# "15,000 m2" is written "15 000 м²" in Russian: the square is no figure of the text.
_SQUARE_METRES = re.compile(r"(?<=\sm)2\b")


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


def _translation_rows(path: Path, columns: tuple[str, str, str, str], field: str,
                      same_numbers: bool) -> list[dict]:
    """Rows of one translation file as `translations` rows; bad input refused whole, naming file, row, column.

    `columns`: the file's (value, English text, Russian text, source) columns. With `same_numbers` a
    translation must carry every number of the text it translates (the same runs of digits, in any order):
    the project's translation never changes, drops or adds a figure. (Official ATC names are taken as
    published: "SGLT2" is in WHO's name, not in the Russian one.)
    """
    value_column, english_column, russian_column, source_column = columns
    frame = atc._read_csv(path, tuple(dict.fromkeys(columns)))
    rows, seen = [], {}
    for n, record in enumerate(frame.to_dict("records"), start=2):  # the header is row 1
        value, english, russian = record[value_column], record[english_column], record[russian_column]
        for column in dict.fromkeys(columns):
            if not record[column]:
                raise InputError(Rejection(path.name, None, n, column, "empty cell", ""))
        if value in seen:
            raise InputError(Rejection(path.name, None, n, value_column, f"duplicate of row {seen[value]}", value))
        seen[value] = n
        if same_numbers and _numbers(english) != _numbers(russian):
            raise InputError(Rejection(path.name, None, n, russian_column,
                                       f"numbers differ from the English text {english!r}", russian))
        rows.append({"field": field, "value": value, "text_ru": russian, "source": record[source_column]})
    return rows


def _numbers(text: str) -> list[str]:
    return sorted(_NUMBER.findall(_SQUARE_METRES.sub("", text)))


def parse_translations(reference_dir: Path = REFERENCE_DIR) -> pd.DataFrame:
    """The `translations` table: the project's Russian of the cluster records' English texts (field
    "cluster", keyed on the text as recorded) and the official Russian ATC names (field "atc", keyed on
    the code)."""
    rows = [*_translation_rows(reference_dir / CLUSTER_TEXT_CSV.name, ("text_en", "text_en", "text_ru", "source"),
                               "cluster", same_numbers=True),
            *_translation_rows(reference_dir / ATC_NAMES_CSV.name, ("code", "name_en", "name_ru", "source"), "atc",
                               same_numbers=False)]
    return pd.DataFrame(rows, columns=["field", "value", "text_ru", "source"])


def parse(reference_dir: Path = REFERENCE_DIR) -> Parsed:
    """Regions, aliases, the indicator registry, editions, therapy areas and translations as one load."""
    regions = parse_regions(reference_dir / REGIONS_CSV.name)
    parsed = Parsed(adapter=ADAPTER, tables=dict(regions.tables))
    parsed.tables["indicators"] = parse_indicator_registry(reference_dir / INDICATORS_CSV.name)
    parsed.tables["editions"] = parse_editions(reference_dir / EDITIONS_CSV.name)
    areas = atc.parse_therapy_areas(reference_dir / atc.DEFAULT_THERAPY_AREAS.name)
    parsed.tables["therapy_areas"] = areas.tables["therapy_areas"]
    parsed.tables["translations"] = parse_translations(reference_dir)
    return parsed
