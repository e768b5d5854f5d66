"""Human names of publication editions (RR-2019 -> "Регионы России 2019"), from data/reference."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from dashboard.i18n import pick
from etl.paths import REFERENCE_DIR


@lru_cache(maxsize=1)
def _editions() -> dict[str, dict]:
    frame = pd.read_csv(REFERENCE_DIR / "editions.csv", dtype=str, keep_default_na=False)
    return {row["code"]: row for row in frame.to_dict("records")}


def edition_label(code: str, lang: str) -> str:
    """The edition's short name; its code when it is not in the reference table."""
    row = _editions().get(code)
    if row is None:
        return code
    return pick(lang, row["name_ru"], row["name_en"])


def edition_short(code: str, lang: str) -> str:
    """A compact edition name for legends ("RR 2019")."""
    row = _editions().get(code)
    if row is None:
        return code
    return pick(lang, row["short_ru"], row["short_en"])


def edition_url(code: str) -> str | None:
    row = _editions().get(code)
    return (row or {}).get("url") or None
