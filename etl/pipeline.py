"""Which adapter reads which file, and the path from a file on disk to a load report."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from etl import load
from etl.errors import InputError, Rejection
from etl.paths import shared_data_dir
from etl.sources import (
    atc,
    cbr_cpi,
    cluster,
    emiss,
    interview,
    reference,
    rosstat_monthly,
    rosstat_panel,
    rosstat_workbook,
)
from etl.sources.base import Parsed
from etl.sources.cells import open_workbook, read_sheet

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


@dataclass
class Options:
    """What a user may say about a file beyond its path."""

    edition: str | None = None
    sheets: list[str] | None = None
    atc_path: Path | None = None
    extra: dict = field(default_factory=dict)

    def atc_file(self) -> Path:
        return self.atc_path or shared_data_dir() / "reference" / "who_atc_codes.csv"


def _extract(path: Path, options: Options) -> Parsed:
    from etl.extracts import read_extract

    return read_extract(path)


ADAPTERS: dict[str, Callable[[Path, Options], Parsed]] = {
    "reference": lambda path, o: reference.parse(path),
    "extract": _extract,
    "rosstat_workbook": lambda path, o: rosstat_workbook.parse(path, edition=o.edition, sheets=o.sheets),
    "rosstat_monthly": lambda path, o: rosstat_monthly.parse(path, edition=o.edition),
    "rosstat_panel": lambda path, o: rosstat_panel.parse(path, edition=o.edition),
    "emiss": lambda path, o: emiss.parse(path, edition=o.edition),
    "cbr_cpi": lambda path, o: cbr_cpi.parse(path, edition=o.edition),
    "cluster_companies": lambda path, o: cluster.parse_companies(path),
    "cluster_investments": lambda path, o: cluster.parse_investments(path),
    "cluster_products": lambda path, o: cluster.parse_products(path, o.atc_file()),
    "cluster_indicators": lambda path, o: cluster.parse_indicators(path),
    "cluster_events": lambda path, o: cluster.parse_events(path),
    "cluster_sources": lambda path, o: cluster.parse_sources(path),
    "interview": lambda path, o: interview.parse_interview(path, o.atc_file()),
    "therapy_areas": lambda path, o: atc.parse_therapy_areas(path),
}

# A CSV is recognised by columns only its source has.
_CSV_SIGNATURES = (
    ("rosstat_panel", set(rosstat_panel.REQUIRED_COLUMNS)),
    ("cluster_companies", {"company_key", "name_ru", "city_or_park"}),
    ("cluster_investments", {"amount", "currency", "year_or_period"}),
    ("cluster_products", {"trade_name", "inn"}),
    ("cluster_events", {"event_type", "description"}),
    ("cluster_indicators", {"indicator", "value", "unit"}),
    ("cluster_sources", {"source_url", "rows", "files"}),
    ("therapy_areas", {"code", "atc_prefixes"}),
)


def detect_adapter(path: Path) -> str:
    """The adapter for a file, from its kind and its header; InputError when none fits."""
    if path.is_dir():
        if (path / "provenance.json").exists():
            return "extract"
        if (path / "regions.csv").exists():
            return "reference"
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return _workbook_adapter(path)
    if suffix == ".csv":
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                header = set(next(csv.reader(handle), []))
        except UnicodeDecodeError as exc:
            raise InputError(Rejection(path.name, None, 1, None, f"not UTF-8 text: {exc}")) from exc
        for adapter, columns in _CSV_SIGNATURES:
            if columns <= header:
                return adapter
    if suffix == ".txt" and "interview" in path.name:
        return "interview"
    raise InputError(Rejection(path.name, None, None, None,
                               "no adapter recognises this file; name one with --adapter "
                               f"({', '.join(sorted(ADAPTERS))})"))


# Sheets and rows a workbook's family is recognised from.
DETECT_SHEETS, DETECT_ROWS = 5, 20


def _workbook_adapter(path: Path) -> str:
    """The workbook's family, from its content only (sheet names and first rows), never its file name."""
    workbook = open_workbook(path)
    if emiss.looks_like_emiss(workbook.sheet_names):
        return "emiss"
    heads = [read_sheet(path, workbook, sheet)[:DETECT_ROWS] for sheet in workbook.sheet_names[:DETECT_SHEETS]]
    heads = [rows for rows in heads if any(c not in ("", None) for row in rows for c in row)]
    if cbr_cpi.looks_like_cbr_cpi(heads):
        return "cbr_cpi"
    # A bulletin's first sheet is a table of years over months/quarters; a yearbook's is a contents
    # sheet or a table of years.
    if heads and rosstat_monthly.looks_monthly(heads[0]):
        return "rosstat_monthly"
    return "rosstat_workbook"


def parse_path(path: Path, adapter: str | None = None, options: Options | None = None) -> Parsed:
    """Parse a file with the named (or detected) adapter."""
    if not path.exists():
        raise InputError(Rejection(path.name, None, None, None, "no such file"))
    adapter = adapter or detect_adapter(path)
    if adapter not in ADAPTERS:
        raise InputError(Rejection(path.name, None, None, None,
                                   f"unknown adapter {adapter!r}; choose from {', '.join(sorted(ADAPTERS))}"))
    return ADAPTERS[adapter](path, options or Options())


def load_path(
    engine: Engine,
    path: Path,
    adapter: str | None = None,
    options: Options | None = None,
    dry_run: bool = False,
    allow_rejections: bool = False,
    on_table_done: load.ProgressCallback | None = None,
) -> load.LoadReport:
    """Parse, check and apply one file; parse failures become a recorded, failed load."""
    path = Path(path)
    sha = load.sha256_of(path) if path.exists() else ""
    try:
        parsed = parse_path(path, adapter, options)
    except InputError as exc:
        report = load.LoadReport(path.name, sha, adapter or "unknown", None, status="rejected",
                                 rejections=[exc.rejection], error=str(exc))
        if not dry_run:
            load.record_failure(engine, report, source_path=path)
        return report
    return load.apply(engine, parsed, file_name=path.name, sha256=sha, dry_run=dry_run,
                      allow_rejections=allow_rejections, on_table_done=on_table_done, source_path=path)
