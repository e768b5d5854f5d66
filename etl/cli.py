"""`python -m etl ...`: refresh, load, dry-run, history, roll back and query the database.

Exit codes: 0 everything was loaded (or the command succeeded); 1 an error (a crash, a database
failure: one line, never a traceback; the load is recorded as failed); 2 input refused, nothing
was written (the reasons are listed per cause, then per sheet); 3 applied with --allow-rejections
while some cells or rows were refused (listed above the last line, which says how many).
"""

from __future__ import annotations

import argparse
import csv
import getpass
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from etl import extracts, history, load, pipeline, users, verify
from etl.db import make_engine, migrate
from etl.errors import EtlError, summarise
from etl.lookup import find_indicators, find_regions, loads_query, observations_query
from etl.paths import EXTRACTS_DIR, REFERENCE_DIR, REPO_ROOT
from etl.schema import Load, Region

EXIT_OK, EXIT_ERROR, EXIT_REJECTED, EXIT_PARTIAL = 0, 1, 2, 3
# Causes of rejection listed in full; the rest are counted (the load's report keeps 200).
SHOWN_CAUSES = 30
console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def _bundled_items() -> list[tuple[Path, str]]:
    return [(REFERENCE_DIR, "reference"),
            *[(path, "extract") for path in extracts.bundled_in_load_order(EXTRACTS_DIR)]]


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return path.name


def _already_loaded(engine: Engine, name: str, sha: str) -> bool:
    with engine.connect() as conn:
        last = conn.execute(select(Load.sha256).where(Load.file_name == name, Load.status == "applied")
                            .order_by(Load.id.desc()).limit(1)).scalar()
    return last == sha


def _summary_table(reports: list[load.LoadReport], title: str) -> Table:
    table = Table(title=title)
    for column in ("load", "file", "adapter", "status", "added", "changed", "unchanged", "rejected"):
        table.add_column(column, justify="right" if column in ("added", "changed", "unchanged",
                                                               "rejected", "load") else "left")
    for r in reports:
        # NOTE: every cell is Text, so a file name or cell text with [brackets] is never read as markup.
        table.add_row(*map(Text, (str(r.load_id or "-"), r.file_name, r.adapter, r.status, str(r.added),
                                  str(r.changed), str(r.unchanged), str(len(r.rejections)))))
    return table


def _sheet_table(report: load.LoadReport) -> Table:
    """Per sheet (table): figures accepted, rejected, and the main reasons."""
    table = Table(title=f"{report.file_name}: per sheet")
    for column in ("sheet", "accepted", "rejected", "main reasons"):
        table.add_column(column, justify="right" if column in ("accepted", "rejected") else "left")
    clean = [entry for entry in report.sheets if not entry["rejected"]]
    for entry in report.sheets:
        if entry["rejected"]:
            table.add_row(Text(entry["sheet"] or "-"), Text(str(entry["accepted"])), Text(str(entry["rejected"])),
                          Text("; ".join(entry["reasons"])))
    if clean:
        table.add_row(Text(f"{_count(len(clean), 'other sheet')}"), Text(str(sum(e["accepted"] for e in clean))),
                      Text("0"), Text(""))
    return table


def _print_problems(report: load.LoadReport) -> None:
    """One line per cause of rejection (cells of one cause summarised), then the per-sheet table."""
    causes = summarise(report.rejections)
    for message in causes[:SHOWN_CAUSES]:
        console.print(Text.assemble(("rejected ", "red"), message), highlight=False)
    if len(causes) > SHOWN_CAUSES:
        console.print(Text(f"... and {len(causes) - SHOWN_CAUSES} more causes (see the load's report)"))
    if report.error and (report.status == "failed" or not report.rejections):
        console.print(Text.assemble(("error ", "red"), report.error), highlight=False)
    if report.rejections and (len(report.sheets) > 1 or any(s["accepted"] for s in report.sheets)):
        console.print(_sheet_table(report))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _rejected_in(reports: list[load.LoadReport]) -> str:
    rejections = [r for report in reports for r in report.rejections]
    places = {(r.file, r.sheet) for r in rejections}
    return f"{_count(len(rejections), 'rejection')} in {_count(len(places), 'sheet')}"


def _exit_code(reports: list[load.LoadReport]) -> int:
    """The worst outcome of the reports, and a last line that says it."""
    failed = [r for r in reports if r.status == "failed"]
    refused = [r for r in reports if r.status == "rejected"]
    partial = [r for r in reports if r.status in ("applied", "dry_run") and r.rejections]
    if failed:
        console.print(Text(f"failed: {_count(len(failed), 'load')} could not be completed; nothing of "
                           f"{'it' if len(failed) == 1 else 'them'} was written (see above)"))
        return EXIT_ERROR
    if refused:
        console.print(Text(f"nothing was loaded from {_count(len(refused), 'file')}: {_rejected_in(refused)} "
                           "(see above); --allow-rejections applies what is sound"))
        return EXIT_REJECTED
    if partial:
        verb = "would apply" if all(r.status == "dry_run" for r in partial) else "applied"
        console.print(Text(f"{verb} with {_rejected_in(partial)} (see above)"))
        return EXIT_PARTIAL
    return EXIT_OK


def cmd_refresh(engine: Engine, args) -> int:
    migrate(engine)
    items = _bundled_items()
    named = [(path, adapter, _display_name(path)) for path, adapter in items]
    if args.if_stale:
        # Loading one bundled file never changes whether another is loaded unchanged: asked once, up front.
        named = [(path, adapter, name) for path, adapter, name in named
                 if not _already_loaded(engine, name, load.sha256_of(path))]
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                        TimeElapsedColumn(), console=console, transient=True)
    task = progress.add_task("loading bundled data", total=len(items), completed=len(items) - len(named))
    # Before the progress display starts its thread (`with progress`): load_paths may start a process.
    loads = pipeline.load_paths(engine, named, dry_run=args.dry_run,
                                on_start=lambda name: progress.update(task, description=f"loading {escape(name)}"))
    reports = []
    with progress:
        for report in loads:
            reports.append(report)
            _print_problems(report)
            progress.advance(task)
    if reports:
        console.print(_summary_table(reports, "refresh"))
    else:
        console.print("database is up to date with the bundled data")
    return _exit_code(reports)


def _ensure_reference(engine: Engine, dry_run: bool) -> int | None:
    """Load data/reference into a database that has no regions yet; an exit code when that fails.

    NOTE: every figure names a region and an indicator of the reference tables; without them a
    load can only fail on its foreign keys, which tells a user nothing.
    """
    with engine.connect() as conn:
        if conn.execute(select(Region.code).limit(1)).first() is not None:
            return None
    if dry_run:
        console.print(Text("the database holds no reference data (regions, indicators) yet, so a dry run has "
                           "nothing to compare with: run `python -m etl refresh` (or a load without --dry-run) first"))
        return EXIT_ERROR
    report = pipeline.load_path(engine, REFERENCE_DIR, "reference", file_name=_display_name(REFERENCE_DIR))
    _print_problems(report)
    if report.status != "applied":
        console.print(_summary_table([report], "reference"))
        return _exit_code([report])
    console.print(Text(f"the database held no reference data: loaded {_display_name(REFERENCE_DIR)} first "
                       f"(load {report.load_id})"))
    return None


def cmd_load(engine: Engine, args) -> int:
    migrate(engine)
    loads_reference = args.adapter == "reference" or Path(args.path).resolve() == REFERENCE_DIR.resolve()
    if not loads_reference and (code := _ensure_reference(engine, args.dry_run)) is not None:
        return code
    options = pipeline.Options(edition=args.edition, sheets=args.sheet or None,
                               atc_path=Path(args.atc) if args.atc else None)
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(f"loading {escape(args.path)}", total=None)

        def on_table(table: str, done: int, total: int) -> None:
            progress.update(task, total=total, completed=done, description=f"wrote {table}")

        report = pipeline.load_path(engine, Path(args.path), args.adapter, options, dry_run=args.dry_run,
                                    allow_rejections=args.allow_rejections, on_table_done=on_table)
    _print_problems(report)
    console.print(_summary_table([report], "dry run: nothing was written" if args.dry_run else "load"))
    if args.dry_run:
        _print_diff(report)
    return _exit_code([report])


def _print_diff(report: load.LoadReport) -> None:
    for change in report.tables:
        for row in change.changed_sample[:20]:
            console.print(Text.assemble((f"~ {change.table} ", "yellow"), str(row)), highlight=False)
        for row in change.added_sample[:10]:
            console.print(Text.assemble((f"+ {change.table} ", "green"), str(row)), highlight=False)


def cmd_loads(engine: Engine, args) -> int:
    with engine.connect() as conn:
        rows = conn.execute(loads_query(args.limit)).all()
    table = Table(title="loads")
    for column in ("id", "file", "adapter", "status", "started", "added", "changed", "unchanged",
                   "rejected", "sha256"):
        table.add_column(column)
    for load_row in rows:
        table.add_row(*map(Text, (str(load_row.id), load_row.file_name, load_row.adapter, load_row.status,
                                  f"{load_row.started_at:%Y-%m-%d %H:%M:%S}", str(load_row.rows_added),
                                  str(load_row.rows_changed), str(load_row.rows_unchanged),
                                  str(load_row.rows_rejected), load_row.sha256[:12])))
    Console().print(table)
    return EXIT_OK


def _source_text(row) -> str:
    parts = [row.source_file, f"sheet {row.source_sheet}" if row.source_sheet else None,
             row.source_cell, f"load {row.load_id}"]
    return ", ".join(p for p in parts if p)


def cmd_observations(engine: Engine, args) -> int:
    with engine.connect() as conn:
        indicators = find_indicators(conn, args.indicator)
        regions = find_regions(conn, args.region)
        if not indicators or not regions:
            what = "indicator" if not indicators else "region"
            console.print(Text(f"no {what} matches {getattr(args, what)!r}"))
            return EXIT_ERROR
        rows = conn.execute(observations_query(indicators, regions, args.year_from, args.year_to)).all()
    header = ["indicator", "region", "period", "value", "unit", "edition", "source"]
    records = [[r.indicator, r.region, r.period, "" if r.value is None else repr(r.value), r.unit or "",
                r.edition, _source_text(r)] for r in rows]
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(records)
    else:
        table = Table(title=f"{len(records)} observations")
        for column in header:
            table.add_column(column, justify="right" if column == "value" else "left")
        for record, row in zip(records, rows, strict=True):
            if row.value is None:
                record[3] = f"missing ({row.status})"
            table.add_row(*map(Text, record))
        Console().print(table)
    return EXIT_OK


def cmd_rollback(engine: Engine, args) -> int:
    # An unknown id or a load that is not applied is refused (EtlError: exit 2) before anything is written.
    restored = history.rollback(engine, args.load_id)
    console.print(Text(f"load {args.load_id} rolled back: {restored or 'nothing to undo'}"))
    return EXIT_OK


def cmd_extract(engine: Engine | None, args) -> int:
    shared = Path(args.shared) if args.shared else None
    written = extracts.build_all(shared, progress=lambda name: console.print(Text(f"extracted {name}")))
    console.print(Text(f"{len(written)} extracts written to {_display_name(EXTRACTS_DIR)}"))
    return EXIT_OK


def cmd_verify(engine: Engine, args) -> int:
    try:
        report = verify.verify_load(engine, args.load_id, Path(args.file) if args.file else None,
                                    force=args.force)
    except (EtlError, SQLAlchemyError, OSError) as exc:
        console.print(f"[red]error[/red] {escape(str(exc).splitlines()[0])}", highlight=False, soft_wrap=True)
        return EXIT_ERROR
    except Exception as exc:
        # A user never sees a traceback: the message names what failed.
        console.print(f"[red]verify failed[/red] {type(exc).__name__}: {escape(str(exc))}", highlight=False,
                      soft_wrap=True)
        return EXIT_ERROR
    for line in verify.iter_lines(report, args.limit or None):
        print(line)
    for note in report.notes:
        console.print(f"note: {note}", highlight=False, markup=False, soft_wrap=True)
    console.print(report.summary(), highlight=False, markup=False, soft_wrap=True)
    return EXIT_REJECTED if report.differences else EXIT_OK


def cmd_user_add(engine: Engine, args) -> int:
    migrate(engine)
    password = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("the same password again: ") != password:
        console.print(Text("the passwords differ; no account was created"))
        return EXIT_REJECTED
    analyst_id = users.add_analyst(engine, args.name, password)
    console.print(Text(f"analyst {args.name} created (id {analyst_id}); sign in at /admin/login"))
    return EXIT_OK


def cmd_migrate(engine: Engine, args) -> int:
    migrate(engine)
    console.print("schema is at the newest revision")
    return EXIT_OK


def _year(text: str) -> int:
    """A year argument: four digits; anything else is refused by argparse (exit 2) with this message."""
    if not text.strip().isdigit() or not 1000 <= int(text) <= 9999:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a year (1000-9999)")
    return int(text)


def _load_id(text: str) -> int:
    """A load id argument: a positive whole number that fits the database's integer column."""
    if not text.strip().isdigit() or not 0 < int(text) < 2**63:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a load id (see `python -m etl loads`)")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="overrides DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True)

    refresh = sub.add_parser("refresh", help="load every bundled source in data/")
    refresh.add_argument("--if-stale", action="store_true", help="skip sources already loaded unchanged")
    refresh.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    refresh.set_defaults(func=cmd_refresh)

    load_cmd = sub.add_parser("load", help="load one file (adapter detected unless named)")
    load_cmd.add_argument("path")
    load_cmd.add_argument("--adapter", choices=sorted(pipeline.ADAPTERS))
    load_cmd.add_argument("--edition", help="edition label, e.g. RR-2020 (default: read from the workbook; "
                                            "the file name is the last resort)")
    load_cmd.add_argument("--sheet", action="append", help="only this sheet (repeatable)")
    load_cmd.add_argument("--atc", help="WHO ATC codes CSV for product files")
    load_cmd.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    load_cmd.add_argument("--allow-rejections", action="store_true",
                          help="apply what is sound even when some cells or rows are rejected; the exit code "
                               "is then 3 and the last line says how many were rejected")
    load_cmd.set_defaults(func=cmd_load)

    loads_cmd = sub.add_parser("loads", help="load history")
    loads_cmd.add_argument("--limit", type=int, default=50)
    loads_cmd.set_defaults(func=cmd_loads)

    obs = sub.add_parser("observations", help="query observations")
    obs.add_argument("--indicator", help="code or name, RU or EN, case-insensitive substring")
    obs.add_argument("--region", help="code or name, RU or EN, case-insensitive substring")
    obs.add_argument("--from", dest="year_from", type=_year, help="first year (1000-9999)")
    obs.add_argument("--to", dest="year_to", type=_year, help="last year (1000-9999)")
    obs.add_argument("--format", choices=("csv", "table"), default="table")
    obs.set_defaults(func=cmd_observations)

    rollback = sub.add_parser("rollback", help="undo one load exactly")
    rollback.add_argument("load_id", type=_load_id)
    rollback.set_defaults(func=cmd_rollback)

    extract = sub.add_parser("extract", help="rebuild data/extracts from ../shared/data (make data)")
    extract.add_argument("--shared", help="folder of raw files (default ../shared/data)")
    extract.set_defaults(func=cmd_extract, needs_db=False)

    verify_cmd = sub.add_parser(
        "verify", help="re-read a load's observations from the raw file (exit 2 when any differ)",
        description="Re-read every observation a load stored, and its header cells, from the raw file with "
                    "a reader independent of the parser; list every value or period that differs (stdout).")
    verify_cmd.add_argument("load_id", type=int)
    verify_cmd.add_argument("--file", help="the raw file (default: where the load read it, else a search by "
                                           "name in ../shared/data)")
    verify_cmd.add_argument("--force", action="store_true", help="compare even when the file's SHA-256 differs")
    verify_cmd.add_argument("--limit", type=int, default=200, help="differences listed (0: all; default 200)")
    verify_cmd.set_defaults(func=cmd_verify)

    sub.add_parser("migrate", help="apply schema migrations").set_defaults(func=cmd_migrate)

    user = sub.add_parser("user", help="analyst accounts for /admin").add_subparsers(dest="user_command",
                                                                                      required=True)
    user_add = user.add_parser("add", help="create an analyst account (the password is asked twice)")
    user_add.add_argument("name")
    user_add.set_defaults(func=cmd_user_add)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    engine = None
    try:
        engine = make_engine(args.database_url) if getattr(args, "needs_db", True) else None
        return args.func(engine, args)
    except EtlError as exc:
        console.print(Text.assemble(("error ", "red"), str(exc)), highlight=False)
        return EXIT_REJECTED
    except BaseException as exc:  # NOTE: a user never sees a traceback; loads record theirs in their report
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        message = (str(exc).strip().splitlines() or [""])[0]
        console.print(Text.assemble(("error ", "red"), f"{type(exc).__name__}: {message}"), highlight=False)
        return EXIT_ERROR
    finally:
        if engine is not None:
            engine.dispose()
