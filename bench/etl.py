"""ETL benchmark (`make bench`): parse speed, 1M-row upsert throughput, full build from data/.

A report, not a test: it prints what it measured against each target and writes the same to
bench/results/etl.json; it never fails because something was slow. The upsert runs on SYNTHETIC
observations in a scratch SQLite file and a scratch PostgreSQL schema, never in the real database.
`--only parse` (or upsert, build; repeatable) runs just those sections and writes etl-<sections>.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
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
from etl.sources.cells import open_workbook, read_sheet  # noqa: E402

WORKBOOKS = ("regions_of_russia_2019_s05_health.xlsx", "regions_of_russia_2019_s09_grp.xlsx")
BULLETINS = ("monthly_806_2016-01_average_wage.xls", "monthly_806_2016-01_industrial_production_index.xls")
PARSE_METRIC = "parse .xlsx: plain pandas+openpyxl / ours"
PARSE_TARGET_RATIO = 7.0
PARSE_REPEAT = 5
SYNTHETIC_ROWS = 1_000_000
SYNTHETIC_EDITION = "BENCH-synthetic"
CHANGED_SHARE = 0.01
UPSERT_TARGETS = {"sqlite": 150_000.0, "postgresql": 50_000.0}
BUILD_TARGET_SECONDS = 10.0
BUILD_RUNS = 2
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def say(text: str = "") -> None:
    """Progress and tables go to stdout as they are produced."""
    print(text, flush=True)


# --- 1. Parse speed -----------------------------------------------------------------------------

def plain_pandas(path: Path, engine: str, database: Path) -> int:
    """The plain path: every sheet through pandas.read_excel, then DataFrame.to_sql into SQLite."""
    sheets = pd.read_excel(path, sheet_name=None, engine=engine)
    with closing(sqlite3.connect(database)) as conn:
        for n, frame in enumerate(sheets.values()):
            frame.to_sql(f"sheet_{n}", conn, index=False, if_exists="replace")
        conn.commit()
    return sum(len(frame) for frame in sheets.values())


def calamine_read(path: Path) -> int:
    """The reading part of ours alone: every sheet of the workbook as rows, by python-calamine."""
    workbook = open_workbook(path)
    return sum(len(read_sheet(path, workbook, sheet)) for sheet in workbook.sheet_names)


def time_parse(path: Path, parser: Callable[[Path], Parsed], plain_engine: str | None,
               plain_db: Path) -> dict[str, Any]:
    """Best-of timings for one file: our parser, its calamine read alone, and the plain path."""
    ours, parsed = best_of(lambda: parser(path), PARSE_REPEAT)
    read, _ = best_of(lambda: calamine_read(path), PARSE_REPEAT)
    plain = best_of(lambda: plain_pandas(path, plain_engine, plain_db), PARSE_REPEAT)[0] if plain_engine else None
    return {"observations": len(parsed.tables["observations"]), "ours_s": ours, "ours_calamine_read_s": read,
            "plain_s": plain, "plain_engine": plain_engine, "ratio": plain / ours if plain else None}


def parse_speed(shared: Path, scratch: Path) -> tuple[list[Result], dict]:
    """Our Rosstat parsers against pandas + openpyxl (and xlrd for .xls, when installed)."""
    rosstat = shared / "rosstat"
    if not rosstat.is_dir():
        say(f"parse speed: SKIPPED, {rosstat} is not present (it holds the raw Rosstat workbooks)")
        return [Result(PARSE_METRIC, None, "x", PARSE_TARGET_RATIO, note=f"{rosstat} absent")], {}
    xls_engine = "xlrd" if importlib.util.find_spec("xlrd") else None
    files = [*[(name, rosstat_workbook.parse, "openpyxl") for name in WORKBOOKS],
             *[(name, rosstat_monthly.parse, xls_engine) for name in BULLETINS]]
    details = {}
    for name, parser, plain_engine in files:
        if (rosstat / name).exists():
            details[name] = time_parse(rosstat / name, parser, plain_engine, scratch / "plain_pandas.sqlite")
        else:
            say(f"  {name}: not in {rosstat}; skipped")
    say(format_table(
        ("file", "observations", "ours s", "of which read s", "plain s", "plain engine", "plain/ours"),
        [(name, f"{d['observations']:,}", f"{d['ours_s']:.3f}", f"{d['ours_calamine_read_s']:.3f}",
          f"{d['plain_s']:.3f}" if d["plain_s"] else "-", d["plain_engine"] or "(xlrd not installed)",
          f"{d['ratio']:.1f}x" if d["ratio"] else "-") for name, d in details.items()]))
    say("  ours = rosstat_workbook.parse / rosstat_monthly.parse(path): calamine read, tidy observations;"
        " the indicator registry and region aliases are read on the first call of the process and cached\n"
        "  plain = pandas.read_excel(path, sheet_name=None) + DataFrame.to_sql into scratch SQLite;"
        f" best of {PARSE_REPEAT} each")
    timed_xlsx = [d for d in details.values() if d["plain_engine"] == "openpyxl"]
    if not timed_xlsx:
        return [Result(PARSE_METRIC, None, "x", PARSE_TARGET_RATIO, note="no .xlsx workbook found")], details
    ours = sum(d["ours_s"] for d in timed_xlsx)
    plain = sum(d["plain_s"] for d in timed_xlsx)
    return [Result(PARSE_METRIC, plain / ours, "x", PARSE_TARGET_RATIO,
                   note=f"ours {ours:.3f} s, plain {plain:.3f} s over {len(timed_xlsx)} workbooks")], details


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
                      **dict(zip(("added", "changed", "unchanged"), found, strict=True))})
        say(f"  {backend}: {step}: {seconds:.2f} s ({note})")
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
    say(format_table(("backend", "load", "seconds", "rows/s", "added", "changed", "unchanged"),
                     [(d["backend"], d["load"], f"{d['seconds']:.2f}", format_number(d["rows_per_s"]),
                       f"{d['added']:,}", f"{d['changed']:,}", f"{d['unchanged']:,}") for d in loads]))
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


# --- 3. Full build --------------------------------------------------------------------------------

def refresh(url: str) -> tuple[float, subprocess.CompletedProcess]:
    """Seconds `python -m etl refresh` takes into the database at `url` (a fresh process)."""
    command = [sys.executable, "-m", "etl", "--database-url", url, "refresh"]
    return timed(lambda: subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False))


def build_result(backend: str, runs: list[tuple[float, subprocess.CompletedProcess]]) -> Result:
    """The full-build metric, best of the runs; a failed refresh is reported with the end of its output."""
    failed = [process for _, process in runs if process.returncode != 0]
    if failed:
        note = f"exit {failed[0].returncode}: " + " | ".join(failed[0].stderr.strip().splitlines()[-3:])
        measured = None
    else:
        measured = min(seconds for seconds, _ in runs)
        note = f"best of {len(runs)} fresh builds: " + ", ".join(f"{seconds:.2f}" for seconds, _ in runs) + " s"
    say(f"  {backend}: {note}")
    return Result(f"full build {backend}: python -m etl refresh", measured, "s", BUILD_TARGET_SECONDS,
                  higher_is_better=False, note=note)


def refresh_postgres(postgres_url: str) -> tuple[float, subprocess.CompletedProcess]:
    """`python -m etl refresh` into a fresh scratch schema (search_path passed in the URL)."""
    with scratch_schema(postgres_url) as (_, schema):
        url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return refresh(url.render_as_string(hide_password=False))


def full_build(scratch: Path, postgres_url: str) -> list[Result]:
    """`python -m etl refresh` from data/ into fresh SQLite files and fresh PostgreSQL schemas."""
    runs = [refresh(f"sqlite:///{scratch / f'build_{n}.sqlite'}") for n in range(BUILD_RUNS)]
    results = [build_result("sqlite", runs)]
    try:
        results.append(build_result("postgresql", [refresh_postgres(postgres_url) for _ in range(BUILD_RUNS)]))
    except OperationalError as exc:
        say(f"  postgresql: SKIPPED, cannot connect ({str(exc).splitlines()[0]})")
        results.append(Result("full build postgresql: python -m etl refresh", None, "s",
                              BUILD_TARGET_SECONDS, higher_is_better=False, note="server not reachable"))
    return results


# --- Report ---------------------------------------------------------------------------------------

def postgres_url() -> str:
    """BENCH_POSTGRES_URL, else TEST_POSTGRES_URL, else the local default server."""
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


SECTIONS = ("parse", "upsert", "build")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=SECTIONS, metavar="SECTION",
                        help=f"run only this section ({', '.join(SECTIONS)}); may be repeated."
                             " Default: all. A partial run writes bench/results/etl-<sections>.json"
                             " and leaves etl.json alone.")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks (all three unless --only), print the summary and write bench/results/."""
    args = parse_args(argv)
    sections = [s for s in SECTIONS if s in (args.only or SECTIONS)]
    pg_url = postgres_url()
    results: list[Result] = []
    details: dict = {"postgres_url": make_url(pg_url).render_as_string(hide_password=True),
                     "load_average_at_start": os.getloadavg(), "cpus": os.cpu_count(), "sections": sections}
    say(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start"
        " (other work on the machine slows every number below)\n")
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        scratch = Path(tmp)
        if "parse" in sections:
            say("== 1. Parse speed: ours vs plain pandas ==")
            more, details["parse"] = parse_speed(shared_data_dir(), scratch)
            results += more
        if "upsert" in sections:
            say(f"\n== 2. Upsert throughput: {SYNTHETIC_ROWS:,} SYNTHETIC observations (scratch databases) ==")
            seconds, data = timed(synthetic_data)
            say(f"  generated in {seconds:.1f} s")
            more, details["upsert"] = upsert_section(data, scratch, pg_url)
            results += more
            del data
        if "build" in sections:
            say("\n== 3. Full build from data/: python -m etl refresh (fresh scratch databases) ==")
            results += full_build(scratch, pg_url)
    details["load_average_at_end"] = os.getloadavg()
    say(f"\n== Summary == (load average {os.getloadavg()[0]:.2f} at the end)")
    say(summary_table(results))
    name = "etl" if len(sections) == len(SECTIONS) else "etl-" + "-".join(sections)
    path = write_results(name, results, details)
    say(f"\nwritten to {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
