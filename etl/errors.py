"""Typed errors that name where bad input was found: file, sheet, row, column, expected, found."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Rejection:
    """One input row or cell refused by a parser or a check, and why."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    reason: str
    found: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        found = f" (found {self.found!r})" if self.found is not None else ""
        return f"{', '.join(where)}: {self.reason}{found}"


class EtlError(Exception):
    """Base for every error the ETL raises on purpose."""


class InputError(EtlError):
    """The input is unusable as a whole (corrupt file, no table found, unknown format, wrong unit)."""

    def __init__(self, rejection: Rejection):
        super().__init__(str(rejection))
        self.rejection = rejection


class RejectedInput(EtlError):
    """The input has rows that were refused; the load wrote nothing."""

    def __init__(self, rejections: list[Rejection]):
        messages = summarise(rejections)
        shown = "\n".join(f"  - {m}" for m in messages[:20])
        more = f"\n  ... and {len(messages) - 20} more causes" if len(messages) > 20 else ""
        super().__init__(f"{len(rejections)} rejected cell(s) or row(s):\n{shown}{more}")
        self.rejections = rejections


# --- refusals that help: one message per cause ---------------------------------------------------------

EXAMPLES = 3


def _is_cell(rejection: Rejection) -> bool:
    """A spreadsheet cell (column letters and a row), not a CSV line and its column name."""
    column = rejection.column or ""
    return rejection.row is not None and column.isascii() and column.isalpha() and column.isupper()


def _place(rejection: Rejection) -> str:
    if _is_cell(rejection):
        return f"{rejection.column}{rejection.row}"
    if rejection.row is not None and rejection.column:
        return f"row {rejection.row} ({rejection.column})"
    if rejection.row is not None:
        return f"row {rejection.row}"
    return f"column {rejection.column}" if rejection.column else ""


def summarise(rejections: list[Rejection], examples: int = EXAMPLES) -> list[str]:
    """One message per file, sheet and reason: the count and the first cells or rows, e.g.
    "f.xlsx, sheet '13.5.': text where a number was expected in 340 cells: U17, U18, U19, … (found '…')".

    A cause that occurs once keeps its full message. The order is that of each cause's first rejection.
    """
    groups: dict[tuple[str, str | None, str], list[Rejection]] = {}
    for rejection in rejections:
        groups.setdefault((rejection.file, rejection.sheet, rejection.reason), []).append(rejection)
    messages = []
    for (file, sheet, reason), group in groups.items():
        if len(group) == 1:
            messages.append(str(group[0]))
            continue
        places = [p for p in dict.fromkeys(_place(r) for r in group) if p]
        cells = all(_is_cell(r) for r in group)
        noun = "cells" if cells else "rows" if all(r.row is not None for r in group) else "places"
        shown = ", ".join(places[:examples]) + (", …" if len(places) > examples else "")
        found = {r.found for r in group if r.found is not None}
        found_text = ""
        if len(found) == 1:
            found_text = f" (found {next(iter(found))!r})"
        elif found:
            found_text = f" (found e.g. {next(r.found for r in group if r.found is not None)!r})"
        where = file + (f", sheet {sheet!r}" if sheet else "")
        messages.append(f"{where}: {reason} in {len(group)} {noun}: {shown}{found_text}")
    return messages


def sheet_summary(accepted: dict[str | None, int], rejections: list[Rejection]) -> list[dict]:
    """Per sheet (None: a file without sheets): figures accepted, rejected, and the main reasons."""
    sheets: dict[str | None, dict] = {sheet: {"sheet": sheet, "accepted": count, "rejected": 0, "reasons": {}}
                                      for sheet, count in accepted.items()}
    for rejection in rejections:
        entry = sheets.setdefault(rejection.sheet, {"sheet": rejection.sheet, "accepted": 0, "rejected": 0,
                                                    "reasons": {}})
        entry["rejected"] += 1
        entry["reasons"][rejection.reason] = entry["reasons"].get(rejection.reason, 0) + 1
    out = []
    for entry in sheets.values():
        reasons = sorted(entry["reasons"].items(), key=lambda item: -item[1])
        out.append({**entry, "reasons": [f"{reason} ({count})" for reason, count in reasons[:3]]})
    return out
