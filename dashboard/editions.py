"""Human names of publication editions (RR-2019 -> "Регионы России 2019"), from the database's editions table."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from dashboard import queries
from dashboard.cache import cache
from dashboard.model import labels
from dashboard.model import sources as model_sources


@cache.memoize()
def _editions() -> dict[str, dict]:
    table = model_sources.editions(queries.engine())
    return {row["code"]: row for row in table.records()}


def _edition(code: str) -> dict | None:
    # A label is never worth a broken page: with the database away the code stands in for the name,
    # and nothing is cached, so the names come back with the database.
    try:
        return _editions().get(code)
    except SQLAlchemyError:
        return None


def edition_label(code: str, lang: str) -> str:
    """The edition's title; its code when the editions table does not know it."""
    row = _edition(code) or {}
    return labels.edition_label(code, row.get("name_ru"), row.get("name_en"), lang)


def edition_short(code: str, lang: str) -> str:
    """A compact edition name for legends ("RR 2019"); its code when there is none."""
    row = _edition(code) or {}
    return labels.pick_label(lang, row.get("short_ru"), row.get("short_en")) or code


def edition_url(code: str) -> str | None:
    """The edition's web page, when it has one."""
    return labels.source_link((_edition(code) or {}).get("url"))
