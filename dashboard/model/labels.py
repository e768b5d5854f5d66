"""How a source, an edition, a cell and a missing value are named and linked: one rule each.

Pages, downloads and the API all go through these functions, so a change of a label is one edit.
"""

from __future__ import annotations

import math
from urllib.parse import quote, urlsplit

import pandas as pd

from dashboard.i18n import normalise_language

# Characters a markdown renderer would act on; escaped so data text is shown as written.
_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_{}[]()<>#+-.!|~"})


def is_missing(value: object) -> bool:
    """None, NaN (pandas' missing), pandas.NA and blank text are all 'not recorded'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    if isinstance(value, str):
        return not value.strip()
    return value is pd.NA


def text_or_none(value: object) -> str | None:
    """A cell as stripped text, or None when it is missing."""
    return None if is_missing(value) else str(value).strip()


def pick_label(lang: str | None, ru: object, en: object) -> str | None:
    """A data label in the chosen language; the other language when one is missing; None when both are."""
    ru_text, en_text = text_or_none(ru), text_or_none(en)
    if normalise_language(lang) == "en":
        return en_text or ru_text
    return ru_text or en_text


# --- sources ------------------------------------------------------------------------------------


def is_bundled(url: object) -> bool:
    """A bundled file ("file:seed/..."): named, never linked (it has no web address)."""
    return isinstance(url, str) and url.startswith("file:")


def is_web_url(url: object) -> bool:
    return isinstance(url, str) and url.startswith(("http://", "https://"))


def host(url: object) -> str | None:
    """The site a web address is on, without 'www.' or the mobile 'm.'."""
    if not is_web_url(url):
        return None
    name = urlsplit(str(url)).hostname or ""
    return name.removeprefix("www.").removeprefix("m.") or None


def source_link(url: object) -> str | None:
    """The address to link a source to: web pages only."""
    return str(url) if is_web_url(url) else None


def source_label(url: object, title: object = None, publisher: object = None) -> str | None:
    """A short name for a cited source: the publisher, else the site; a bundled file's title, else its name."""
    if is_missing(url):
        return text_or_none(publisher) or text_or_none(title)
    url = str(url)
    if is_bundled(url):
        return text_or_none(title) or url.removeprefix("file:").rsplit("/", 1)[-1]
    return text_or_none(publisher) or host(url) or url


def edition_label(code: str, name_ru: object = None, name_en: object = None, lang: str | None = None) -> str:
    """An edition's title in `lang`; its code when the editions table has no title for it."""
    return pick_label(lang, name_ru, name_en) or code


def cell_reference(source_file: object, sheet: object = None, cell: object = None) -> str | None:
    """Where a figure was read: "file.xlsx, sheet 9.1., B6" (parts that are not recorded left out)."""
    sheet_text = text_or_none(sheet)
    parts = [text_or_none(source_file), f"sheet {sheet_text}" if sheet_text else None, text_or_none(cell)]
    return ", ".join(p for p in parts if p) or None


def observation_source(publisher: object, edition_title: str, source_file: object, sheet: object,
                       cell: object) -> str:
    """One line naming where an observation comes from: "Rosstat · <edition>: <file, sheet, cell>"."""
    head = " · ".join(p for p in (text_or_none(publisher), edition_title) if p)
    where = cell_reference(source_file, sheet, cell)
    return f"{head}: {where}" if where else head


# --- markdown -----------------------------------------------------------------------------------


def markdown_text(text: object) -> str:
    """Text shown literally by a markdown cell (no links, emphasis or HTML from the data)."""
    return (text_or_none(text) or "").translate(_MARKDOWN_SPECIAL)


def markdown_link(label: object, url: object) -> str:
    """A markdown link to a web source; plain escaped text for a bundled file or no address."""
    if not is_web_url(url):
        return markdown_text(label)
    return f"[{markdown_text(label)}]({quote(str(url), safe=':/?#&=%~+,;@!$*')})"
