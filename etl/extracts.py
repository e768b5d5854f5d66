"""Compact, cited extracts of the raw files, committed under data/extracts so a fresh clone can
build its database without ../shared. `make data` writes them; the `extract` adapter reads them.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Float, Integer

from etl import load
from etl.checks import run_checks
from etl.errors import InputError, RejectedInput, Rejection
from etl.paths import EXTRACTS_DIR, REFERENCE_DIR, shared_data_dir
from etl.periods import parse_code
from etl.pipeline import Options, parse_path
from etl.schema import Base
from etl.sources import atc
from etl.sources.base import Parsed

PROVENANCE = "provenance.json"
# Refused cells listed one by one in a provenance record; the total is always given.
MAX_LISTED_REFUSALS = 200
# Raw files `make data` refused as a whole, with the reason (written beside the extracts).
REFUSED_FILES = "refused_files.json"
# Observation columns that are the same for a whole extract live in its provenance record; year,
# month and period kind are read back from the period's code.
_CONSTANT_OBSERVATION_COLUMNS = ("edition", "source_file")
_DERIVED_OBSERVATION_COLUMNS = ("year", "month", "period_kind")


@dataclass(frozen=True)
class ExtractSpec:
    name: str
    raw: str  # path relative to ../shared/data
    adapter: str | None  # None: detected from the file's content, as `etl load` does
    # Corpus files: what is sound is extracted and every refused cell is listed in the provenance
    # record (as `etl load --allow-rejections` would apply it); the curated files must be clean.
    allow_rejections: bool = False


EXTRACTS: tuple[ExtractSpec, ...] = (
    ExtractSpec("rr2019_s09_grp", "rosstat/regions_of_russia_2019_s09_grp.xlsx", "rosstat_workbook"),
    ExtractSpec("rr2019_s05_health", "rosstat/regions_of_russia_2019_s05_health.xlsx", "rosstat_workbook"),
    ExtractSpec("rr2021_panel", "rosstat/regions_panel_2000_2020.csv", "rosstat_panel"),
    ExtractSpec("m806_2016_01_wage", "rosstat/monthly_806_2016-01_average_wage.xls", "rosstat_monthly"),
    ExtractSpec("m806_2016_01_ipi", "rosstat/monthly_806_2016-01_industrial_production_index.xls",
                "rosstat_monthly"),
    ExtractSpec("cluster_sources", "cluster/sources.csv", "cluster_sources"),
    ExtractSpec("cluster_companies", "cluster/companies.csv", "cluster_companies"),
    ExtractSpec("cluster_investments", "cluster/investments.csv", "cluster_investments"),
    ExtractSpec("cluster_products", "cluster/products.csv", "cluster_products"),
    ExtractSpec("cluster_indicators", "cluster/indicators.csv", "cluster_indicators"),
    ExtractSpec("cluster_events", "cluster/events.csv", "cluster_events"),
    ExtractSpec("interview", "../seed/kaluga_pharma_cluster_interview.txt", "interview"),
)
ATC_EXTRACT = "atc"
ATC_RAW = "reference/who_atc_codes.csv"
# Corpus files that hold no regional figures (a contents list, a list of responsible units): their
# refusal is expected and recorded in the build report, not an error.
_CORPUS_PREFIX = "corpus/"
_YEARS = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def corpus_specs() -> tuple[ExtractSpec, ...]:
    """One extract per corpus file listed in data/reference/raw_sources.csv, named after the file."""
    table = pd.read_csv(REFERENCE_DIR / "raw_sources.csv", dtype=str, keep_default_na=False)
    # Newest year first within each folder, so the newest edition of a yearbook is the base its
    # older editions are reduced against (RevisionsOnly).
    def newest_first(raw: str) -> tuple:
        folder = Path(raw).parent.name
        return (-max(map(int, _YEARS.findall(folder)), default=0), folder, raw)

    files = sorted((f for f in table["file"] if f.startswith(_CORPUS_PREFIX)), key=newest_first)
    return tuple(ExtractSpec(Path(f).stem.replace("-", "_").lower(), f, None, allow_rejections=True)
                 for f in files)


def all_specs() -> tuple[ExtractSpec, ...]:
    """The curated extracts, then one per corpus file."""
    return (*EXTRACTS, *corpus_specs())


def raw_metadata(raw: str) -> dict:
    """Producer, publication, origin and licence of a raw file, from data/reference/raw_sources.csv."""
    table = pd.read_csv(REFERENCE_DIR / "raw_sources.csv", dtype=str, keep_default_na=False)
    key = raw.removeprefix("../")
    match = table[table["file"] == key]
    if match.empty:
        raise KeyError(f"{raw} has no entry in data/reference/raw_sources.csv")
    return match.iloc[0].to_dict()


def write_extract(parsed: Parsed, name: str, raw_path: Path, raw: str,
                  out_dir: Path = EXTRACTS_DIR, allow_rejections: bool = False) -> Path:
    """Write parsed tables and their provenance record into out_dir/name.

    With `allow_rejections`, refused cells are left out and listed in the provenance record.
    """
    rejections = run_checks(parsed, raw_path.name)
    if rejections and not allow_rejections:
        raise RejectedInput(rejections)
    target = out_dir / name
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.iterdir():
        stale.unlink()
    tables = {}
    for table, frame in parsed.tables.items():
        if table == "observations":
            frame = frame.drop(columns=[c for c in (*_CONSTANT_OBSERVATION_COLUMNS, *_DERIVED_OBSERVATION_COLUMNS)
                                        if c in frame.columns])
            file_name = f"{table}.csv.gz"
            frame.to_csv(target / file_name, index=False,
                         compression={"method": "gzip", "mtime": 0, "compresslevel": 9})
        else:
            file_name = f"{table}.csv"
            frame.to_csv(target / file_name, index=False)
        tables[table] = {"file": file_name, "rows": len(frame), "sha256": load.sha256_of(target / file_name)}
    provenance = {
        "name": name,
        "adapter": parsed.adapter,
        "edition": parsed.edition,
        "source_file": raw_path.name,
        "source": raw_metadata(raw),
        "raw_sha256": load.sha256_of(raw_path),
        "tables": tables,
        "notes": parsed.notes,
    }
    if allow_rejections:
        provenance["refused"] = {"total": len(rejections),
                                 "cells": [r.as_dict() for r in rejections[:MAX_LISTED_REFUSALS]]}
    (target / PROVENANCE).write_text(json.dumps(provenance, ensure_ascii=False, indent=2) + "\n")
    return target


def _csv_types(table: str, header: list[str]) -> tuple[dict, dict]:
    """read_csv's dtype and na_values for a table's columns, typed as the schema says.

    Empty cells are missing, except in NOT NULL text columns, where "" is a value (status "" = a
    published number). pandas does this while parsing, in C, which matters for a million rows.
    """
    columns = Base.metadata.tables[table].c
    dtype: dict[str, object] = {}
    na_values: dict[str, list[str]] = {}
    for name in header:
        kind = columns[name].type if name in columns else None
        if isinstance(kind, Integer):
            dtype[name] = "Int64"
        elif isinstance(kind, Float):
            dtype[name] = "float64"
        else:
            dtype[name] = object
        nullable = columns[name].nullable if name in columns else True
        na_values[name] = [""] if nullable or isinstance(kind, (Float, Integer)) else []
    return dtype, na_values


def _read_table(table: str, path: Path) -> pd.DataFrame:
    header = pd.read_csv(path, nrows=0).columns.tolist()
    dtype, na_values = _csv_types(table, header)
    frame = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=na_values)
    # Missing text is None, as every adapter gives it (column by column: a frame-wide where() took twice as long).
    for name in [name for name, kind in dtype.items() if kind is object]:
        values = frame[name].to_numpy(dtype=object)
        missing = pd.isna(values)
        if missing.any():
            values = values.copy()
            values[missing] = None
            frame[name] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def read_extract(path: Path) -> Parsed:
    """The `extract` adapter: an extract folder back into the tables its source produced."""
    try:
        provenance = json.loads((path / PROVENANCE).read_text())
    except (OSError, ValueError) as exc:
        raise InputError(Rejection(path.name, None, None, None, f"unreadable provenance record: {exc}")) from exc
    parsed = Parsed(adapter=provenance["adapter"], edition=provenance.get("edition"),
                    provenance={**provenance.get("source", {}), "source_file": provenance.get("source_file"),
                                "raw_sha256": provenance.get("raw_sha256")})
    for table, entry in provenance["tables"].items():
        frame = _read_table(table, path / entry["file"])
        if len(frame) != entry["rows"]:
            raise InputError(Rejection(entry["file"], None, None, None,
                                       f"expected {entry['rows']} rows, found {len(frame)}"))
        if table == "observations":
            frame["edition"] = provenance["edition"]
            frame["source_file"] = provenance["source_file"]
            _add_period_columns(frame)
        parsed.tables[table] = frame
    return parsed


def _add_period_columns(frame: pd.DataFrame) -> None:
    """Year, month and period kind from each period's code (worked out once per distinct code)."""
    periods = {code: parse_code(code) for code in frame["period"].unique()}
    kinds = {code: p.kind for code, p in periods.items()}
    years = {code: p.year for code, p in periods.items()}
    months = {code: p.month if p.kind in ("month", "ytd") else None for code, p in periods.items()}
    frame["period_kind"] = frame["period"].map(kinds).astype(object)
    frame["year"] = frame["period"].map(years).astype("int64")
    frame["month"] = frame["period"].map(months).astype("Int64")


class RevisionsOnly:
    """Older editions of a yearbook bundled as the figures the newest edition revised or dropped.

    The newest edition of a yearbook family (editions "<family>-<year>") is bundled whole; of an
    older edition only the figures the newest one does not publish, or publishes with another value
    or status, are kept, so revisions stay visible at a fraction of the size. Files must come newest
    first (corpus_specs orders them so); an older edition met first is simply kept whole.
    """

    _EDITION = re.compile(r"^(?P<family>[A-Z]+)-(?P<year>\d{4})$")

    def __init__(self) -> None:
        self.newest: dict[str, int] = {}
        self.base: dict[str, list[pd.DataFrame]] = {}

    def reduce(self, parsed: Parsed) -> None:
        """Keep `parsed` whole when its edition is its family's newest; else keep its revisions only."""
        match = self._EDITION.match(parsed.edition or "")
        observations = parsed.tables.get("observations")
        if not match or observations is None or parsed.adapter != "rosstat_workbook":
            return
        family, year = match["family"], int(match["year"])
        newest = self.newest.setdefault(family, year)
        keys = ["indicator_code", "region_code", "period"]
        if year == newest:
            self.base.setdefault(family, []).append(observations[[*keys, "value", "status"]])
            return
        if year > newest:
            return  # an out-of-order newer edition: kept whole, the base stays as it is
        base = pd.concat(self.base[family]).drop_duplicates(keys)
        merged = observations.merge(base, on=keys, how="left", suffixes=("", "_newest"), indicator=True)
        same = ((merged["_merge"] == "both") & (merged["status"] == merged["status_newest"])
                & ((merged["value"] == merged["value_newest"])
                   | (merged["value"].isna() & merged["value_newest"].isna())))
        kept = observations[~same.to_numpy()]
        parsed.notes.append(f"bundled as revisions: {len(kept)} of {len(observations)} figures, those that "
                            f"{family}-{newest} does not publish or publishes with another value or status")
        parsed.tables["observations"] = kept.reset_index(drop=True)
        used = set(kept["indicator_code"])
        parsed.tables["indicators"] = parsed.tables["indicators"][parsed.tables["indicators"]["code"].isin(used)]


def build_all(shared: Path | None = None, out_dir: Path = EXTRACTS_DIR,
              progress=None) -> list[Path]:
    """Derive every extract from the raw files (the `make data` step)."""
    shared = shared or shared_data_dir()
    written = []
    needed_atc: set[str] = set()
    options = Options(atc_path=shared / ATC_RAW)
    refused: dict[str, str] = {}
    revisions = RevisionsOnly()
    for spec in all_specs():
        raw_path = (shared / spec.raw).resolve()
        try:
            parsed = parse_path(raw_path, spec.adapter, options)
        except InputError as exc:
            if not spec.allow_rejections:
                raise
            # A corpus file refused as a whole (e.g. a contents list with no regional table).
            refused[spec.raw] = str(exc.rejection)
            shutil.rmtree(out_dir / spec.name, ignore_errors=True)
            if progress:
                progress(f"{spec.name}: refused ({exc.rejection.reason})")
            continue
        if "products" in parsed.tables:
            needed_atc |= set(parsed.tables["products"]["atc_code"].dropna())
        if spec.allow_rejections:
            revisions.reduce(parsed)
        written.append(write_extract(parsed, spec.name, raw_path, spec.raw, out_dir, spec.allow_rejections))
        if progress:
            progress(spec.name)
    (out_dir / REFUSED_FILES).write_text(json.dumps(refused, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    atc_parsed = atc.parse_atc(shared / ATC_RAW, needed_atc)
    written.append(write_extract(atc_parsed, ATC_EXTRACT, shared / ATC_RAW, ATC_RAW, out_dir))
    from etl.geo import build_geo

    written.extend(build_geo(shared, out_dir.parent / "geo"))
    return written


def bundled_in_load_order(extracts_dir: Path = EXTRACTS_DIR) -> list[Path]:
    """Extract folders in the order a refresh loads them (ATC before products)."""
    names = [ATC_EXTRACT, *[spec.name for spec in all_specs()]]
    return [extracts_dir / name for name in names if (extracts_dir / name / PROVENANCE).exists()]
