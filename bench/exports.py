"""Export benchmark (`make bench`): the XLSX of a 100,000-row chart view, beside plain openpyxl writing the same.

A report, not a test: it prints target / measured / MET or NOT MET and writes bench/results/exports.json; it never
fails because something was slow. The view is SYNTHETIC (made-up figures shaped like an indicators view's rows: one
indicator over regions, periods and editions, with its source cells, labelled so); no database is opened.

Measured, in one run, sides interleaved: the atlas's export (dashboard.exports.workbook: the export table, a data
sheet with typed numbers and guarded text, its rows rendered to sheet XML by dashboard.model.export inside an
xlsxwriter workbook, and the About sheet) and plain openpyxl appending
the same rows to a workbook and saving it. Each figure is the median of --runs runs (3) with min and max and the
load average at each run. Both files are read back (openpyxl, read-only) and every cell counted: a fast file that
lost cells would not count.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# NOTE: `python bench/exports.py` puts bench/ first on sys.path, where this very file would shadow a module named
# `exports`; the repository root is searched instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO_ROOT / "bench"]
sys.path.insert(0, str(REPO_ROOT))

import openpyxl  # noqa: E402

from bench.common import Spread, git_commit, load_averages, spread, summary_table, timed, write_results  # noqa: E402
from dashboard.exports import ChartView, workbook  # noqa: E402

ROWS = 100_000
TARGET_SECONDS = 4.0
COLUMNS = ["indicator_code", "indicator_name", "region_code", "region", "period", "period_kind", "value", "unit",
           "status", "edition", "edition_title", "source_file", "source_sheet", "source_cell", "load_id", "transform"]


def synthetic_view(rows: int, seed: int = 7) -> dict:
    """SYNTHETIC: a chart store (components.chart_result's shape) of `rows` made-up figures of one indicator."""
    rng = random.Random(seed)
    regions = [(f"RU-S{n:02d}", f"SYNTHETIC область {n}") for n in range(90)]
    editions = [("RR-2019", "SYNTHETIC Регионы России 2019"), ("RR-2024", "SYNTHETIC Регионы России 2024")]
    out = []
    for i in range(rows):
        code, name = regions[i % len(regions)]
        edition, title = editions[(i // len(regions)) % 2]
        year = 1990 + (i // (len(regions) * 2)) % 34
        month = 1 + (i // (len(regions) * 2 * 34)) % 12
        missing = i % 97 == 0
        out.append(["bench_synthetic", "SYNTHETIC показатель", code, name, f"{year}-{month:02d}", "month",
                    None if missing else round(rng.uniform(-500, 500_000), 1), "млн руб",
                    "not_available" if missing else "", edition, title, "SYNTHETIC.xlsx", "1.1",
                    f"{'BCDEFGHIJK'[i % 10]}{10 + i % 90}", 1 + i % 5, "published"])
    return {"filename": "bench_view.csv", "columns": COLUMNS, "rows": out, "unit": "млн руб",
            "sources": [["SYNTHETIC source", "https://example.org/synthetic"]], "lang": "ru"}


def atlas_xlsx(data: dict) -> bytes:
    view = ChartView(card="bench", title="SYNTHETIC view", unit="млн руб", source="SYNTHETIC source",
                     url="http://127.0.0.1:8050/indicators?indicator=bench_synthetic")
    return workbook([(view, data)], None, "ru", view.url)


def openpyxl_xlsx(data: dict) -> bytes:
    """The plain way: an openpyxl workbook, one append per row, saved."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(data["columns"])
    for row in data["rows"]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cells_written(content: bytes, sheet_index: int = 0) -> tuple[int, int]:
    """Rows and non-empty cells of a workbook's first sheet, read back with openpyxl."""
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheet = book.worksheets[sheet_index]
    rows = cells = 0
    for row in sheet.iter_rows(values_only=True):
        rows += 1
        cells += sum(1 for value in row if value is not None and value != "")
    book.close()
    return rows, cells


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    data = synthetic_view(args.rows)
    expected_cells = len(COLUMNS) + sum(1 for row in data["rows"] for v in row if v is not None and v != "")
    print(f"view: {args.rows:,} rows x {len(COLUMNS)} columns, {expected_cells:,} non-empty cells (with header)")
    ours: list[float] = []
    plain: list[float] = []
    loads: list = []
    last: dict[str, bytes] = {}
    for run in range(args.runs):
        loads.append(load_averages())
        seconds, last["atlas"] = timed(lambda: atlas_xlsx(data))
        ours.append(seconds)
        seconds, last["openpyxl"] = timed(lambda: openpyxl_xlsx(data))
        plain.append(seconds)
        print(f"run {run + 1}: atlas (xlsxwriter) {ours[-1]:.2f} s, plain openpyxl {plain[-1]:.2f} s, "
              f"load {loads[-1]}")

    checks = {}
    for side, content in last.items():
        rows, cells = cells_written(content)
        # The atlas's data sheet adds no cell: the view's columns already carry unit and period kind.
        checks[side] = {"rows": rows, "cells": cells, "expected_cells": expected_cells,
                        "complete": rows == args.rows + 1 and cells == expected_cells, "bytes": len(content)}
        print(f"read back {side}: {rows:,} rows, {cells:,} cells of {expected_cells:,} "
              f"({'every cell written' if checks[side]['complete'] else 'CELLS MISSING'}), {len(content):,} bytes")

    results = [
        Spread.of(f"XLSX of a {args.rows:,}-row view, atlas (xlsxwriter)", ours, "s", TARGET_SECONDS,
                  higher_is_better=False, loads=loads,
                  note="every cell written" if checks["atlas"]["complete"] else "cells missing"),
        Spread.of("XLSX of the same rows, plain openpyxl", plain, "s", None, higher_is_better=False, loads=loads,
                  note="every cell written" if checks["openpyxl"]["complete"] else "cells missing"),
    ]
    speedup = [p / o for p, o in zip(plain, ours, strict=True) if o]
    results.append(Spread.of("speed-up over plain openpyxl", speedup, "x", None, loads=loads))
    print()
    print(summary_table(results))
    for r in results:
        print(f"  {r.metric}: median {r.measured:.2f} {r.unit} (min {r.low:.2f}, max {r.high:.2f})")
    path = write_results("exports", results, {"rows": args.rows, "columns": COLUMNS, "runs": args.runs,
                                              "atlas": spread(ours), "openpyxl": spread(plain),
                                              "read_back": checks, "commit": git_commit()})
    print(f"\nwritten {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
