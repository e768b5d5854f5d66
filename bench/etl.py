"""ETL benchmark (`make bench`): parse speed, 1M-row upsert throughput, full build from data/.

A report, not a test: it prints what it measured against each target and writes the same to
bench/results/etl.json; it never fails because something was slow. The upsert runs on SYNTHETIC
observations in a scratch SQLite file and a scratch PostgreSQL schema, never in the real database.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# NOTE: `python bench/etl.py` puts bench/ first on sys.path, where this very file would shadow the
# `etl` package; the repository root is searched instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench"]
sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import Engine, make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from bench.common import (  # noqa: E402
    Result,
    best_of,
    format_number,
    format_table,
    summary_table,
    timed,
    write_results,
)
from etl import load  # noqa: E402
from etl.db import make_engine, migrate  # noqa: E402
from etl.paths import shared_data_dir  # noqa: E402
from etl.regions import read_regions  # noqa: E402
from etl.sources import reference, rosstat_monthly, rosstat_workbook  # noqa: E402
from etl.sources.base import Parsed  # noqa: E402

WORKBOOKS = ("regions_of_russia_2019_s05_health.xlsx", "regions_of_russia_2019_s09_grp.xlsx")
BULLETINS = ("monthly_806_2016-01_average_wage.xls", "monthly_806_2016-01_industrial_production_index.xls")
PARSE_TARGET_RATIO = 7.0
SYNTHETIC_ROWS = 1_000_000
CHANGED_SHARE = 0.01
UPSERT_TARGETS = {"sqlite": 150_000.0, "postgresql": 50_000.0}
BUILD_TARGET_SECONDS = 10.0
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def say(text: str = "") -> None:
    """Progress and tables go to stdout as they are produced."""
    print(text, flush=True)


# --- 1. Parse speed -----------------------------------------------------------------------------

def plain_pandas(path: Path, engine: str, database: Path) -> int:
    """The plain path: every sheet through pandas.read_excel, then DataFrame.to_sql into SQLite."""
    sheets = pd.read_excel(path, sheet_name=None, engine=engine)
    with sqlite3.connect(database) as conn:
        for n, frame in enumerate(sheets.values()):
            frame.to_sql(f"sheet_{n}", conn, index=False, if_exists="replace")
    conn.close()
    return sum(len(frame) for frame in sheets.values())


def parse_speed(shared: Path, scratch: Path) -> tuple[list[Result], dict]:
    """Our Rosstat parsers against pandas + openpyxl (and xlrd for .xls, when installed)."""
    rosstat = shared / "rosstat"
    if not rosstat.is_dir():
        say(f"parse speed: SKIPPED, {rosstat} is not present (it holds the raw Rosstat workbooks)")
        return [Result("parse .xlsx: plain pandas / ours", None, "x", PARSE_TARGET_RATIO,
                       note=f"{rosstat} absent")], {}
    has_xlrd = importlib.util.find_spec("xlrd") is not None
    plain_db = scratch / "plain_pandas.sqlite"
    rows, details = [], {}
    total_ours = total_plain = 0.0
    for name, parser, plain_engine in [*[(w, rosstat_workbook.parse, "openpyxl") for w in WORKBOOKS],
                                       *[(b, rosstat_monthly.parse, "xlrd" if has_xlrd else None)
                                         for b in BULLETINS]]:
        path = rosstat / name
        if not path.exists():
            say(f"  {name}: not in {rosstat}; skipped")
            continue
        ours, parsed = best_of(lambda path=path, parser=parser: parser(path))
        plain = None
        if plain_engine:
            plain, _ = best_of(lambda path=path, engine=plain_engine: plain_pandas(path, engine, plain_db))
        if plain_engine == "openpyxl":
            total_ours, total_plain = total_ours + ours, total_plain + plain
        observations = len(parsed.tables["observations"])
        details[name] = {"observations": observations, "ours_s": ours, "plain_s": plain,
                         "plain_engine": plain_engine, "ratio": plain / ours if plain else None}
        rows.append((name, f"{observations:,}", f"{ours:.3f}", f"{plain:.3f}" if plain else "-",
                     plain_engine or "(xlrd not installed)", f"{plain / ours:.1f}x" if plain else "-"))
    say(format_table(("file", "observations", "ours s", "plain s", "plain engine", "plain/ours"), rows))
    say("  ours = etl.sources.rosstat_workbook/rosstat_monthly.parse (python-calamine, tidy frames);"
        " plain = pandas.read_excel(sheet_name=None) + DataFrame.to_sql; best of 3 each")
    if not total_ours:
        return [Result("parse .xlsx: plain pandas / ours", None, "x", PARSE_TARGET_RATIO,
                       note="no .xlsx workbook found")], details
    ratio = total_plain / total_ours
    return [Result("parse .xlsx: plain pandas+openpyxl / ours", ratio, "x", PARSE_TARGET_RATIO,
                   note=f"ours {total_ours:.3f} s, plain {total_plain:.3f} s over {len(WORKBOOKS)} workbooks")
            ], details


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
        "edition": "BENCH-synthetic",
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
    edition = "BENCH-synthetic"
    return Synthetic(
        indicators=Parsed("bench_synthetic", {"indicators": indicators}, edition=edition),
        first=Parsed("bench_synthetic", {"observations": frame}, edition=edition),
        changed=Parsed("bench_synthetic", {"observations": changed}, edition=edition),
        changed_rows=len(picked),
    )


def _apply(engine: Engine, parsed: Parsed, label: str) -> tuple[float, load.LoadReport]:
    """Seconds one `etl.load.apply` of `parsed` takes, and its report (which must be 'applied')."""
    seconds, report = timed(lambda: load.apply(engine, parsed, file_name=f"bench: {label}",
                                               sha256=secrets.token_hex(32)))
    if report.status != "applied":
        raise RuntimeError(f"bench load {label!r} was not applied: {report.status} {report.error}")
    return seconds, report


def upsert_throughput(engine: Engine, backend: str, data: Synthetic) -> tuple[list[Result], list[tuple]]:
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
    results, table = [], []
    for (step, counts), parsed in zip(expected.items(), [data.first, data.first, data.changed], strict=True):
        seconds, report = _apply(engine, parsed, step)
        found = (report.added, report.changed, report.unchanged)
        note = "counts as expected" if found == counts else f"UNEXPECTED counts {found}, expected {counts}"
        first = step.startswith("first")
        results.append(Result(f"upsert {backend}: {step}", rows / seconds, "rows/s",
                              UPSERT_TARGETS[backend] if first else None, note=note))
        table.append((backend, step, f"{seconds:.2f}", format_number(rows / seconds), *map(str, found)))
        say(f"  {backend}: {step}: {seconds:.2f} s ({note})")
    return results, table


def upsert_section(data: Synthetic, scratch: Path, postgres_url: str) -> tuple[list[Result], dict]:
    """The upsert benchmark on a scratch SQLite file and, when reachable, a scratch PostgreSQL schema."""
    results, table = [], []
    sqlite_engine = make_engine(f"sqlite:///{scratch / 'upsert.sqlite'}")
    try:
        more, rows = upsert_throughput(sqlite_engine, "sqlite", data)
        results += more
        table += rows
    finally:
        sqlite_engine.dispose()
    try:
        with scratch_schema(postgres_url) as (engine, schema):
            say(f"  postgresql: scratch schema {schema}")
            more, rows = upsert_throughput(engine, "postgresql", data)
            results += more
            table += rows
    except OperationalError as exc:
        say(f"  postgresql: SKIPPED, cannot connect ({str(exc).splitlines()[0]})")
        results.append(Result("upsert postgresql: first load (all added)", None, "rows/s",
                              UPSERT_TARGETS["postgresql"], note="server not reachable"))
    say(format_table(("backend", "load", "seconds", "rows/s", "added", "changed", "unchanged"), table))
    return results, {"rows": len(data.first.tables["observations"]), "changed_rows": data.changed_rows,
                     "loads": [dict(zip(("backend", "load", "seconds", "rows_per_s", "added", "changed",
                                         "unchanged"), row, strict=True)) for row in table]}


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


# --- 3. Full build --------------------------------------------------------------------------------

def refresh(url: str) -> tuple[float, subprocess.CompletedProcess]:
    """Seconds `python -m etl refresh` takes into the database at `url` (a fresh process)."""
    command = [sys.executable, "-m", "etl", "--database-url", url, "refresh"]
    return timed(lambda: subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False))


def build_result(backend: str, seconds: float, process: subprocess.CompletedProcess) -> Result:
    """The full-build metric; a failed refresh is reported with the end of its output."""
    note = "exit 0" if process.returncode == 0 else (
        f"exit {process.returncode}: " + " | ".join(process.stderr.strip().splitlines()[-3:]))
    say(f"  {backend}: {seconds:.2f} s ({note})")
    measured = seconds if process.returncode == 0 else None
    return Result(f"full build {backend}: python -m etl refresh", measured, "s", BUILD_TARGET_SECONDS,
                  higher_is_better=False, note=note)


def full_build(scratch: Path, postgres_url: str) -> list[Result]:
    """`python -m etl refresh` from data/ into a fresh SQLite file and a fresh PostgreSQL schema."""
    results = [build_result("sqlite", *refresh(f"sqlite:///{scratch / 'build.sqlite'}"))]
    try:
        with scratch_schema(postgres_url) as (_, schema):
            url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
            results.append(build_result("postgresql", *refresh(url.render_as_string(hide_password=False))))
    except OperationalError as exc:
        say(f"  postgresql: SKIPPED, cannot connect ({str(exc).splitlines()[0]})")
        results.append(Result("full build postgresql: python -m etl refresh", None, "s",
                              BUILD_TARGET_SECONDS, higher_is_better=False, note="server not reachable"))
    return results


# --- Report ---------------------------------------------------------------------------------------

def postgres_url() -> str:
    """BENCH_POSTGRES_URL, else TEST_POSTGRES_URL, else the local default server."""
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def main() -> int:
    """Run the three benchmarks, print the summary table and write bench/results/etl.json."""
    pg_url = postgres_url()
    results: list[Result] = []
    details: dict = {"postgres_url": make_url(pg_url).render_as_string(hide_password=True)}
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        scratch = Path(tmp)
        say("== 1. Parse speed: ours vs plain pandas ==")
        more, details["parse"] = parse_speed(shared_data_dir(), scratch)
        results += more
        say(f"\n== 2. Upsert throughput: {SYNTHETIC_ROWS:,} SYNTHETIC observations (scratch databases) ==")
        seconds, data = timed(synthetic_data)
        say(f"  generated in {seconds:.1f} s")
        more, details["upsert"] = upsert_section(data, scratch, pg_url)
        results += more
        del data
        say("\n== 3. Full build from data/: python -m etl refresh (fresh scratch databases) ==")
        results += full_build(scratch, pg_url)
    say("\n== Summary ==")
    say(summary_table(results))
    path = write_results("etl", results, details)
    say(f"\nwritten to {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
