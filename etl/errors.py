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
        shown = "\n".join(f"  - {r}" for r in rejections[:20])
        more = f"\n  ... and {len(rejections) - 20} more" if len(rejections) > 20 else ""
        super().__init__(f"{len(rejections)} rejected row(s):\n{shown}{more}")
        self.rejections = rejections
