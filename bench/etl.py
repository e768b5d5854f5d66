"""ETL benchmark (`make bench`): parse speed, 1M-row upsert throughput, full build from data/, database
size and `etl verify` throughput.

A report, not a test: it prints what it measured against each target and writes the same to
bench/results/etl.json; it never fails because something was slow. Every timed figure is the median of
RUNS runs with their min and max, and the machine's load average is recorded beside it (the machine is
shared: other work slows every figure). The upsert runs on SYNTHETIC observations in a scratch SQLite file
and a scratch PostgreSQL schema; the builds go into scratch databases, never the real one.
`--only parse` (or upsert, build, verify; repeatable) runs just those sections and writes etl-<sections>.json.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# NOTE: `python bench/etl.py` puts bench/ first on sys.path, where this very file would shadow the
# `etl` package; the repository root is searched instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench"]
sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import Engine, make_url, select  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from bench.common import (  # noqa: E402
    Result,
    format_number,
    format_table,
    load_average,
    spread,
    summary_table,
    timed,
    write_results,
)
from etl import load, verify  # noqa: E402
from etl.db import make_engine, migrate  # noqa: E402
from etl.errors import EtlError  # noqa: E402
from etl.paths import shared_data_dir  # noqa: E402
from etl.pipeline import parse_path  # noqa: E402
from etl.regions import read_regions  # noqa: E402
from etl.schema import Load, Observation  # noqa: E402
from etl.sources import cells, reference  # noqa: E402
from etl.sources.base import Parsed  # noqa: E402
from etl.sources.cells import open_workbook, read_sheet  # noqa: E402

RUNS = 3
PARSE_METRIC = "parse: plain pandas / ours, median of 3 cold runs"
PARSE_TARGET_RATIO = 7.0
SYNTHETIC_ROWS = 1_000_000
SYNTHETIC_EDITION = "BENCH-synthetic"
CHANGED_SHARE = 0.01
UPSERT_TARGETS = {"sqlite": 150_000.0, "postgresql": 50_000.0}
BUILD_TARGET_SECONDS = 30.0
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# Reference tables read once per process and kept between cold runs (stated in the output): the region
# names, the indicator registry and the indicator-metadata CSVs. Every other cache in etl is cleared.
KEPT_CACHES = frozenset({"etl.regions._resolver_from", "etl.indicators._registry_from",
                         "etl.indicator_meta._reference"})


def say(text: str = "") -> None:
    """Progress and tables go to stdout as they are produced."""
    print(text, flush=True)


def fmt_spread(figures: dict[str, float], digits: int = 2) -> str:
    """'12.34 (11.90-13.02)': median, then min-max."""
    return f"{figures['median']:.{digits}f} ({figures['min']:.{digits}f}-{figures['max']:.{digits}f})"


# --- 1. Parse speed -----------------------------------------------------------------------------

# The corpus: every workbook under ../shared/data/corpus (the target is "on the corpus"), about a
# minute a run for plain pandas. Ours refuses the few that hold no table of regions (contents and
# responsible-units sections), as a load would: that is measured too.
WORKBOOK_PATTERNS = ("*.xls", "*.xlsx")

# The subset measured until 2026-12-01 (plain pandas took minutes per run on the whole corpus then): every
# section of the 2024 edition except the two s00 sheets, three 806 bulletins, two EMISS exports, the Bank of
# Russia CPI workbook and two thematic tables. Reported beside the whole corpus, from the same runs.
PARSE_SUBSET: tuple[tuple[str, str, int | None], ...] = (
    ("regions_of_russia_2024", "rr2024_s[0-9][0-9]_*.xlsx", None),
    ("monthly_806_2016-01", "*.xls", 3),
    ("emiss_fedstat_exports", "emiss_env_protection_investment_2009-2016.xls", None),
    ("emiss_fedstat_exports", "emiss_production_index_okved2_2015-2024.xls", None),
    ("cbr_regional_cpi", "*.xlsx", None),
    ("rosstat_thematic_tables", "fixed_assets_residual_book_value_by_region_2000-2024.xlsx", None),
    ("rosstat_thematic_tables", "rd_personnel_by_region_2010-2024.xls", None),
)
SKIPPED_SECTIONS = ("_s00_",)


def corpus_workbooks(corpus: Path) -> list[Path]:
    """Every workbook of the corpus, in a fixed order."""
    return sorted(p for pattern in WORKBOOK_PATTERNS for p in corpus.rglob(pattern) if p.is_file())


def parse_subset(corpus: Path) -> list[Path]:
    """The files of PARSE_SUBSET present in the corpus, in a fixed order."""
    files: list[Path] = []
    for folder, pattern, first in PARSE_SUBSET:
        found = [p for p in sorted((corpus / folder).glob(pattern)) if not any(s in p.name for s in SKIPPED_SECTIONS)]
        files += found[:first] if first else found
    return files


def plain_engine(path: Path) -> str:
    return "xlrd" if path.suffix.lower() == ".xls" else "openpyxl"


def plain_pandas(path: Path, engine: str, database: Path) -> int:
    """The plain path: every sheet through pandas.read_excel, then DataFrame.to_sql into SQLite."""
    with warnings.catch_warnings():
        # NOTE: pandas 3 warns that its xlrd engine is deprecated; xlrd is still what reads .xls with it.
        warnings.simplefilter("ignore", DeprecationWarning)
        sheets = pd.read_excel(path, sheet_name=None, engine=engine)
    with closing(sqlite3.connect(database)) as conn:
        for n, frame in enumerate(sheets.values()):
            if frame.columns.empty:
                continue  # an empty sheet: to_sql cannot make a table of no columns (it stopped the file)
            frame.to_sql(f"sheet_{n}", conn, index=False, if_exists="replace")
        conn.commit()
    return sum(len(frame) for frame in sheets.values())


def count_cells(path: Path) -> int:
    """Non-blank cells in every sheet of the workbook (untimed; the same count serves both sides)."""
    workbook = open_workbook(path)
    return sum(1 for sheet in workbook.sheet_names for row in read_sheet(path, workbook, sheet)
               for value in row if value not in ("", None))


def clear_parse_caches() -> list[str]:
    """Forget what the parser remembers between files, so every run reads cold; KEPT_CACHES stay."""
    cleared = []
    for name, module in list(sys.modules.items()):
        if name != "etl" and not name.startswith("etl."):
            continue
        for attr, value in list(vars(module).items()):
            qualified = f"{name}.{attr}"
            if (callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name
                    and qualified not in KEPT_CACHES):
                value.cache_clear()
                cleared.append(qualified)
    cells._text_cache.clear()
    return [*cleared, "etl.sources.cells._text_cache"]


def ours(path: Path) -> tuple[str, int]:
    """etl.pipeline.parse_path (adapter detected): its adapter and observations, or how it refused."""
    try:
        parsed = parse_path(path)
    except EtlError as exc:
        return f"refused: {str(exc).splitlines()[0][:80]}", 0
    return parsed.adapter, len(parsed.tables.get("observations", ()))


def parse_speed(shared: Path, scratch: Path) -> tuple[list[Result], dict]:
    """Ours against pandas + openpyxl/xlrd + to_sql, RUNS cold runs side by side, per file and in all."""
    corpus = shared / "corpus"
    files = corpus_workbooks(corpus)
    if not files:
        say(f"parse speed: SKIPPED, no corpus files under {corpus}")
        return [Result(PARSE_METRIC, None, "x", PARSE_TARGET_RATIO, note=f"{corpus} absent")], {}
    cell_counts = {p: count_cells(p) for p in files}
    # Warm-up (untimed): the reference tables are read once per process, as in a refresh.
    ours(files[0])
    cleared: list[str] = []
    times: dict[str, dict[Path, list[float]]] = {"ours": {p: [] for p in files}, "plain": {p: [] for p in files}}
    runs: list[dict[str, Any]] = []
    outcome: dict[Path, tuple[str, int]] = {}
    plain_db = scratch / "plain_pandas.sqlite"
    for run in range(RUNS):
        record: dict[str, Any] = {"run": run + 1, "load_average_start": load_average()}
        cleared = clear_parse_caches()
        totals = {"ours": 0.0, "plain": 0.0}
        # NOTE: the two sides read each file back to back, taking turns to go first, so a burst of other
        # work on the shared machine falls on both alike; our caches are cleared once per run only, as a
        # refresh would keep them across its files (the plain side touches none of them).
        for n, path in enumerate(files):
            for side in (("ours", "plain") if (run + n) % 2 == 0 else ("plain", "ours")):
                if side == "ours":
                    seconds, outcome[path] = timed(lambda p=path: ours(p))
                else:
                    seconds, _ = timed(lambda p=path: plain_pandas(p, plain_engine(p), plain_db))
                times[side][path].append(seconds)
                totals[side] += seconds
        record.update({"ours_s": totals["ours"], "plain_s": totals["plain"], "load_average_end": load_average()})
        record["ratio"] = record["plain_s"] / record["ours_s"]
        runs.append(record)
        say(f"  run {run + 1}: ours {record['ours_s']:.2f} s, plain {record['plain_s']:.2f} s, plain/ours "
            f"{record['ratio']:.2f}x (load average {record['load_average_start']} at start,"
            f" {record['load_average_end']} at end)")
    per_file = {}
    for path in files:
        o, p = spread(times["ours"][path]), spread(times["plain"][path])
        per_file[str(path.relative_to(corpus))] = {
            "adapter": outcome[path][0], "observations": outcome[path][1], "cells": cell_counts[path],
            "plain_engine": plain_engine(path), "ours_s": o, "plain_s": p, "ratio": p["median"] / o["median"]}
    say(format_table(
        ("file", "adapter", "cells", "observations", "ours s", "plain s", "plain/ours"),
        [(name, d["adapter"][:24], f"{d['cells']:,}", f"{d['observations']:,}", f"{d['ours_s']['median']:.3f}",
          f"{d['plain_s']['median']:.3f}", f"{d['ratio']:.1f}x") for name, d in per_file.items()]))
    cells_total = sum(cell_counts.values())
    sides = {}
    for side in ("ours", "plain"):
        figures = spread([r[f"{side}_s"] for r in runs])
        sides[side] = {"seconds": figures, "files_per_s": len(files) / figures["median"],
                       "cells_per_s": cells_total / figures["median"],
                       "load_average": [r["load_average_start"] for r in runs]}
    ratio = sides["plain"]["seconds"]["median"] / sides["ours"]["seconds"]["median"]
    ratios = spread([r["ratio"] for r in runs])
    say(format_table(
        ("side", "seconds: median (min-max)", "files/s", "cells/s", "load average at each run's start"),
        [(side, fmt_spread(d["seconds"]), f"{d['files_per_s']:.2f}", format_number(d["cells_per_s"]),
          ", ".join(str(x) for x in d["load_average"])) for side, d in sides.items()]))
    say(f"  {len(files)} files, {cells_total:,} non-blank cells; plain/ours {ratio:.2f}x"
        f" (per-run ratios {fmt_spread(ratios)})\n"
        "  ours = etl.pipeline.parse_path(path): detection, the adapter, misread-cell checks; tidy observations\n"
        "  plain = pandas.read_excel(path, sheet_name=None, engine=openpyxl|xlrd) + DataFrame.to_sql into scratch"
        " SQLite\n"
        f"  cold: before each of our runs {len(cleared)} in-process caches are cleared (the guard's per-file"
        " facts, text/period/layout/indicator memos); the reference tables (regions, indicator registry,"
        " indicator-metadata CSVs) stay loaded, as in one refresh; the OS file cache is warm for both sides")
    # Each family of the corpus (its folder), and the subset measured before, from the same runs.
    groups: dict[str, list[Path]] = {}
    for path in files:
        groups.setdefault(path.parent.name, []).append(path)
    subset = [p for p in parse_subset(corpus) if p in times["ours"]]
    groups[f"earlier subset ({len(subset)} files)"] = subset
    by_group = {}
    for name, members in groups.items():
        ours_s = spread([sum(times["ours"][p][k] for p in members) for k in range(RUNS)])
        plain_s = spread([sum(times["plain"][p][k] for p in members) for k in range(RUNS)])
        by_group[name] = {"files": len(members), "ours_s": ours_s, "plain_s": plain_s,
                          "ratio": plain_s["median"] / ours_s["median"]}
    say(format_table(("files", "n", "ours s", "plain s", "plain/ours"),
                     [(name, str(d["files"]), fmt_spread(d["ours_s"]), fmt_spread(d["plain_s"]), f"{d['ratio']:.2f}x")
                      for name, d in by_group.items()]))
    note = (f"{len(files)} corpus files; ours {fmt_spread(sides['ours']['seconds'])} s, plain "
            f"{fmt_spread(sides['plain']['seconds'])} s; per-run ratio {fmt_spread(ratios)}x")
    details = {"files": [str(p.relative_to(corpus)) for p in files], "cells": cells_total, "runs": runs,
               "sides": sides, "ratio_of_medians": ratio, "per_run_ratio": ratios, "per_file": per_file,
               "by_family": by_group,
               "caches_cleared_each_run": cleared, "caches_kept": sorted(KEPT_CACHES)}
    return [Result(PARSE_METRIC, ratio, "x", PARSE_TARGET_RATIO, note=note),
            Result("parse ours: files/s", sides["ours"]["files_per_s"], "files/s", note=note),
            Result("parse ours: cells/s", sides["ours"]["cells_per_s"], "cells/s"),
            Result("parse plain pandas: cells/s", sides["plain"]["cells_per_s"], "cells/s")], details


# --- 2. Upsert throughput -------------------------------------------------------------------------

@dataclass
class Synthetic:
    """SYNTHETIC bench data: invented indicators over the real region codes, and three loads of them."""

    indicators: Parsed
    first: Parsed
    changed: Parsed
    changed_rows: int


def _periods() -> pd.DataFrame:
    """Years 2000-2024 and the months of 2015-2024: period text, year, month."""
    years = [(str(y), y, None) for y in range(2000, 2025)]
    months = [(f"{y}-{m:02d}", y, m) for y in range(2015, 2025) for m in range(1, 13)]
    # Month stays whole numbers and None (object), as the parsers give it, not floats with NaN.
    return pd.DataFrame(years + months, columns=["period", "year", "month"], dtype=object)


def synthetic_data(rows: int = SYNTHETIC_ROWS, seed: int = 20240501) -> Synthetic:
    """`rows` SYNTHETIC observations (random values, invented codes bench_ind_NNN) and 1% changed."""
    rng = np.random.default_rng(seed)
    regions = read_regions()["code"].to_numpy(dtype=object)
    periods = _periods()
    per_indicator = len(regions) * len(periods)
    count = -(-rows // per_indicator)
    codes = np.array([f"bench_ind_{i:03d}" for i in range(count)], dtype=object)
    index = np.arange(rows)
    period_at = index % len(periods)
    values = np.round(rng.normal(1000.0, 300.0, rows), 1)
    missing = rng.random(rows) < 0.01
    values[missing] = np.nan
    frame = pd.DataFrame({
        "indicator_code": codes[index // per_indicator],
        "region_code": regions[(index // len(periods)) % len(regions)],
        "period": periods["period"].to_numpy(dtype=object)[period_at],
        "year": periods["year"].to_numpy(dtype=np.int64)[period_at],
        "month": periods["month"].to_numpy(dtype=object)[period_at],
        "value": values,
        "status": np.where(missing, "not_available", ""),
        "edition": SYNTHETIC_EDITION,
        "source_file": "bench: synthetic observations",
        "source_sheet": "synthetic",
        "source_cell": ("R" + pd.Series(index // len(periods) + 2).astype(str)
                        + "C" + (period_at + 2).astype(str)),
    })
    indicators = pd.DataFrame({
        "code": codes, "name_ru": [f"Синтетический показатель {i} (бенчмарк)" for i in range(count)],
        "name_en": [f"Synthetic bench indicator {i}" for i in range(count)], "unit_ru": "единиц",
        "unit_en": "units", "topic": "other", "source_table": "bench: synthetic", "frequency": "year",
    })
    changed = frame.copy()
    candidates = np.flatnonzero(~missing)
    picked = rng.choice(candidates, size=int(rows * CHANGED_SHARE), replace=False)
    changed.loc[picked, "value"] = changed.loc[picked, "value"] + 1.0
    return Synthetic(
        indicators=Parsed("bench_synthetic", {"indicators": indicators}, edition=SYNTHETIC_EDITION),
        first=Parsed("bench_synthetic", {"observations": frame}, edition=SYNTHETIC_EDITION),
        changed=Parsed("bench_synthetic", {"observations": changed}, edition=SYNTHETIC_EDITION),
        changed_rows=len(picked),
    )


def _apply(engine: Engine, parsed: Parsed, label: str) -> tuple[float, load.LoadReport]:
    """Seconds one `etl.load.apply` of `parsed` takes, and its report (which must be 'applied')."""
    seconds, report = timed(lambda: load.apply(engine, parsed, file_name=f"bench: {label}",
                                               sha256=secrets.token_hex(32)))
    if report.status != "applied":
        raise RuntimeError(f"bench load {label!r} was not applied: {report.status} {report.error}")
    return seconds, report


def upsert_throughput(engine: Engine, backend: str, data: Synthetic) -> tuple[list[Result], list[dict]]:
    """Migrate, load the reference and the bench indicators, then time three 1M-row loads."""
    migrate(engine)
    _apply(engine, reference.parse(), "reference")
    _apply(engine, data.indicators, "synthetic indicators")
    rows = len(data.first.tables["observations"])
    expected = {
        "first load (all added)": (rows, 0, 0),
        "reload (all unchanged)": (0, 0, rows),
        f"reload, {CHANGED_SHARE:.0%} changed": (0, data.changed_rows, rows - data.changed_rows),
    }
    results, loads = [], []
    for (step, counts), parsed in zip(expected.items(), [data.first, data.first, data.changed], strict=True):
        seconds, report = _apply(engine, parsed, step)
        found = (report.added, report.changed, report.unchanged)
        note = "counts as expected" if found == counts else f"UNEXPECTED counts {found}, expected {counts}"
        target = UPSERT_TARGETS[backend] if step.startswith("first") else None
        results.append(Result(f"upsert {backend}: {step}", rows / seconds, "rows/s", target, note=note))
        loads.append({"backend": backend, "load": step, "seconds": seconds, "rows_per_s": rows / seconds,
                      "load_average": load_average(),
                      **dict(zip(("added", "changed", "unchanged"), found, strict=True))})
        say(f"  {backend}: {step}: {seconds:.2f} s ({note}; load average {load_average()})")
    return results, loads


def upsert_section(data: Synthetic, scratch: Path, postgres_url: str) -> tuple[list[Result], dict]:
    """The upsert benchmark on a scratch SQLite file and, when reachable, a scratch PostgreSQL schema."""
    results, loads = [], []
    sqlite_engine = make_engine(f"sqlite:///{scratch / 'upsert.sqlite'}")
    try:
        more, done = upsert_throughput(sqlite_engine, "sqlite", data)
        results, loads = results + more, loads + done
    finally:
        sqlite_engine.dispose()
    try:
        with scratch_schema(postgres_url) as (engine, schema):
            say(f"  postgresql: scratch schema {schema}")
            more, done = upsert_throughput(engine, "postgresql", data)
            results, loads = results + more, loads + done
    except OperationalError as exc:
        say(f"  postgresql: SKIPPED, cannot connect ({str(exc).splitlines()[0]})")
        results.append(Result("upsert postgresql: first load (all added)", None, "rows/s",
                              UPSERT_TARGETS["postgresql"], note="server not reachable"))
    say(format_table(("backend", "load", "seconds", "rows/s", "added", "changed", "unchanged", "load avg"),
                     [(d["backend"], d["load"], f"{d['seconds']:.2f}", format_number(d["rows_per_s"]),
                       f"{d['added']:,}", f"{d['changed']:,}", f"{d['unchanged']:,}", d["load_average"])
                      for d in loads]))
    say("  one run of each load (not a median): 1M rows take minutes; the build below is timed 3 times")
    return results, {"rows": len(data.first.tables["observations"]), "changed_rows": data.changed_rows,
                     "synthetic": True, "loads": loads}


@contextmanager
def scratch_schema(url: str) -> Iterator[tuple[Engine, str]]:
    """An engine whose search_path is a fresh schema bench_<random>, dropped afterwards."""
    schema = f"bench_{secrets.token_hex(4)}"
    admin = make_engine(url)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        try:
            yield engine, schema
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        admin.dispose()


# --- 3. Full build and database size ---------------------------------------------------------------

BUILD_METRIC = "full build {}: python -m etl refresh, empty database, median of 3"


def refresh(url: str) -> tuple[float, subprocess.CompletedProcess]:
    """Seconds `python -m etl refresh` takes into the database at `url` (a fresh process)."""
    command = [sys.executable, "-m", "etl", "--database-url", url, "refresh"]
    return timed(lambda: subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False))


def failure(process: subprocess.CompletedProcess) -> str | None:
    """None for a refresh that succeeded, else its exit code and the end of what it printed."""
    if process.returncode == 0:
        return None
    return f"exit {process.returncode}: " + " | ".join((process.stderr or process.stdout).strip().splitlines()[-3:])


def sqlite_size(path: Path) -> int:
    """Bytes of a SQLite database on disk: the file and any WAL/shared-memory files beside it."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())


def build_runs(backend: str, build: Callable[[int], tuple[float, subprocess.CompletedProcess, dict]]
               ) -> tuple[list[Result], dict]:
    """RUNS builds with `build(n)`; the metric is their median, min and max, each with its load average."""
    runs = []
    for n in range(RUNS):
        average = load_average()
        seconds, process, extra = build(n)
        runs.append({"run": n + 1, "seconds": seconds, "load_average": average, "error": failure(process), **extra})
        say(f"  {backend} run {n + 1}: {seconds:.2f} s (load average {average})"
            + (f" FAILED {runs[-1]['error']}" if runs[-1]["error"] else ""))
        if runs[-1]["error"]:
            break
    failed = [r["error"] for r in runs if r["error"]]
    if failed:
        return [Result(BUILD_METRIC.format(backend), None, "s", BUILD_TARGET_SECONDS, higher_is_better=False,
                       note=failed[0])], {"runs": runs}
    figures = spread([r["seconds"] for r in runs])
    note = (f"median {figures['median']:.2f} s, min {figures['min']:.2f}, max {figures['max']:.2f}; load average "
            + ", ".join(str(r["load_average"]) for r in runs))
    results = [Result(BUILD_METRIC.format(backend), figures["median"], "s", BUILD_TARGET_SECONDS,
                      higher_is_better=False, note=note)]
    sizes = {key: runs[0][key] for key in runs[0] if key.endswith("_bytes")}
    for key, size in sizes.items():
        results.append(Result(f"database size {backend}: {key.removesuffix('_bytes').replace('_', ' ')}",
                              size / 1e6, "MB", note=f"{size:,} bytes after the first build"))
    say(f"  {backend}: {note}; " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items()))
    return results, {"seconds": figures, "runs": runs, "sizes_bytes": sizes}


def sqlite_build(scratch: Path, keep: Path) -> Callable[[int], tuple[float, subprocess.CompletedProcess, dict]]:
    """A build into a new scratch SQLite file; the first is kept at `keep` (the verify section reads it)."""
    def build(n: int) -> tuple[float, subprocess.CompletedProcess, dict]:
        path = keep if n == 0 else scratch / f"build_{n}.sqlite"
        seconds, process = refresh(f"sqlite:///{path}")
        extra = {"file_bytes": sqlite_size(path), "observations": _count_observations(path)}
        if n:
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                p.unlink(missing_ok=True)
        return seconds, process, extra
    return build


def _count_observations(path: Path) -> int | None:
    try:
        with closing(sqlite3.connect(path)) as conn:
            return conn.execute("SELECT count(*) FROM observations").fetchone()[0]
    except sqlite3.Error:
        return None


def postgres_build(postgres_url: str) -> Callable[[int], tuple[float, subprocess.CompletedProcess, dict]]:
    """A build into a fresh scratch schema (search_path passed in the URL), sized before it is dropped."""
    def build(n: int) -> tuple[float, subprocess.CompletedProcess, dict]:
        with scratch_schema(postgres_url) as (engine, schema):
            url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
            seconds, process = refresh(url.render_as_string(hide_password=False))
            extra: dict[str, Any] = {}
            if process.returncode == 0:
                with engine.connect() as conn:
                    # NOTE: PostgreSQL's sum() of bigints is a numeric (a Decimal here): made int.
                    extra["observations_table_and_indexes_bytes"] = int(conn.exec_driver_sql(
                        f"SELECT pg_total_relation_size('\"{schema}\".observations')").scalar())
                    extra["schema_total_bytes"] = int(conn.exec_driver_sql(
                        "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n"
                        " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                        (schema,)).scalar())
                    extra["observations"] = conn.exec_driver_sql("SELECT count(*) FROM observations").scalar()
        return seconds, process, extra
    return build


def full_build(scratch: Path, postgres_url: str, keep: Path) -> tuple[list[Result], dict]:
    """`python -m etl refresh` from data/ into empty SQLite files and empty PostgreSQL schemas."""
    results, details = build_runs("sqlite", sqlite_build(scratch, keep))
    out = {"sqlite": details}
    try:
        more, out["postgresql"] = build_runs("postgresql", postgres_build(postgres_url))
        results += more
    except OperationalError as exc:
        say(f"  postgresql: SKIPPED, cannot connect ({str(exc).splitlines()[0]})")
        results.append(Result(BUILD_METRIC.format("postgresql"), None, "s", BUILD_TARGET_SECONDS,
                              higher_is_better=False, note="server not reachable"))
    return results, out


# --- 4. etl verify throughput ---------------------------------------------------------------------

# Loads verified, by the extract each one read: the largest of the 2024 edition's sections, an 806
# bulletin, an EMISS export, the Bank of Russia CPI and a thematic table (their raw files are in the corpus).
VERIFY_LOADS = ("rr2024_s03_living_standards", "m806_2016_01_005_013", "emiss_env_protection_investment_2009_2016",
                "cbr_reg_cpd", "fixed_assets_residual_book_value")


def verify_loads(engine: Engine) -> list[tuple[int, str]]:
    """(load id, file name) of the applied loads whose name holds one of VERIFY_LOADS, in that order."""
    with engine.connect() as conn:
        loads = conn.execute(select(Load.id, Load.file_name).where(Load.status == "applied")
                             .order_by(Load.id)).all()
        owned = {r[0] for r in conn.execute(select(Observation.load_id).distinct())}
    picked = []
    for key in VERIFY_LOADS:
        match = next(((i, name) for i, name in loads if key in name and i in owned), None)
        if match:
            picked.append(match)
        else:
            say(f"  no applied load of {key} owns observations; skipped")
    return picked


def verify_throughput(database: Path) -> tuple[list[Result], dict]:
    """verify.verify_load over several loads of a built database, RUNS times (verify's memos cleared)."""
    metric = "etl verify: observations/s, median of 3"
    engine = make_engine(f"sqlite:///{database}")
    try:
        loads = verify_loads(engine)
        if not loads:
            return [Result(metric, None, "obs/s", note="no load to verify")], {}
        runs, per_load = [], {name: [] for _, name in loads}
        for n in range(RUNS):
            clear_parse_caches()
            average, observations, seconds, differences = load_average(), 0, 0.0, 0
            for load_id, name in loads:
                report = verify.verify_load(engine, load_id)
                observations += report.observations
                seconds += report.seconds
                differences += len(report.differences)
                per_load[name].append({"load": load_id, "observations": report.observations,
                                       "seconds": report.seconds, "differences": len(report.differences)})
            runs.append({"run": n + 1, "observations": observations, "seconds": seconds,
                         "observations_per_s": observations / seconds, "differences": differences,
                         "load_average": average})
            say(f"  run {n + 1}: {observations:,} observations in {seconds:.2f} s = "
                f"{observations / seconds:,.0f}/s, {differences} differences (load average {average})")
    finally:
        engine.dispose()
    say(format_table(("load", "observations", "seconds (median)", "observations/s", "differences"),
                     [(name, f"{r[0]['observations']:,}", f"{spread([x['seconds'] for x in r])['median']:.2f}",
                       format_number(r[0]["observations"] / spread([x["seconds"] for x in r])["median"]),
                       r[0]["differences"]) for name, r in per_load.items()]))
    figures = spread([r["observations_per_s"] for r in runs])
    note = (f"{len(loads)} loads, {runs[0]['observations']:,} observations, {runs[0]['differences']} differences; "
            f"min {figures['min']:,.0f}, max {figures['max']:,.0f}; load average "
            + ", ".join(str(r["load_average"]) for r in runs))
    return [Result(metric, figures["median"], "obs/s", note=note)], {
        "loads": [name for _, name in loads], "observations_per_s": figures, "runs": runs, "per_load": per_load}


# --- Report ---------------------------------------------------------------------------------------

def postgres_url() -> str:
    """BENCH_POSTGRES_URL, else TEST_POSTGRES_URL, else the local default server."""
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


SECTIONS = ("parse", "upsert", "build", "verify")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=SECTIONS, metavar="SECTION",
                        help=f"run only this section ({', '.join(SECTIONS)}); may be repeated."
                             " Default: all. A partial run writes bench/results/etl-<sections>.json"
                             " and leaves etl.json alone. verify without build builds one SQLite database.")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks (all unless --only), print the summary and write bench/results/."""
    args = parse_args(argv)
    sections = [s for s in SECTIONS if s in (args.only or SECTIONS)]
    pg_url = postgres_url()
    results: list[Result] = []
    details: dict = {"postgres_url": make_url(pg_url).render_as_string(hide_password=True),
                     "load_average_at_start": os.getloadavg(), "cpus": os.cpu_count(), "sections": sections,
                     "runs": RUNS}
    say(f"machine: {os.cpu_count()} CPUs, load average {load_average():.2f} at start"
        " (other work on the machine slows every number below)\n")
    name = "etl" if len(sections) == len(SECTIONS) else "etl-" + "-".join(sections)

    def save() -> Path:
        # Written after every section, so a late failure never loses the figures already measured.
        return write_results(name, results, details)

    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        scratch = Path(tmp)
        built = scratch / "build_0.sqlite"
        if "parse" in sections:
            say("== 1. Parse speed: ours vs plain pandas, corpus subset, median of 3 cold runs ==")
            more, details["parse"] = parse_speed(shared_data_dir(), scratch)
            results += more
            save()
        if "upsert" in sections:
            say(f"\n== 2. Upsert throughput: {SYNTHETIC_ROWS:,} SYNTHETIC observations (scratch databases) ==")
            seconds, data = timed(synthetic_data)
            say(f"  generated in {seconds:.1f} s")
            more, details["upsert"] = upsert_section(data, scratch, pg_url)
            results += more
            save()
            del data
        if "build" in sections:
            say("\n== 3. Full build from data/: python -m etl refresh into empty scratch databases; size ==")
            more, details["build"] = full_build(scratch, pg_url, built)
            results += more
            save()
        if "verify" in sections:
            say("\n== 4. etl verify throughput: verify_load over loads of the built SQLite database ==")
            if not built.exists():
                seconds, process = refresh(f"sqlite:///{built}")
                say(f"  built {built.name} in {seconds:.1f} s" + (f" FAILED {failure(process)}"
                                                                   if process.returncode else ""))
            more, details["verify"] = verify_throughput(built)
            results += more
            save()
    details["load_average_at_end"] = os.getloadavg()
    say(f"\n== Summary == (load average {load_average():.2f} at the end)")
    say(summary_table(results))
    path = save()
    say(f"\nwritten to {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
