"""Helpers shared by the benchmarks: timing, a plain-text results table, JSON results in bench/results/.

A benchmark here is a report: it measures, compares with a target and says MET or NOT MET; it never
fails because something was slow.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Result:
    """One measured metric and the target it is held to (no target: reported only)."""

    metric: str
    measured: float | None
    unit: str
    target: float | None = None
    higher_is_better: bool = True
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How far past the target (> 1) or short of it (< 1) the measurement is."""
        if self.measured is None or not self.target:
            return None
        if self.higher_is_better:
            return self.measured / self.target
        return self.target / self.measured if self.measured else None

    @property
    def verdict(self) -> str:
        if self.measured is None:
            return "SKIPPED"
        if self.target is None:
            return "-"
        return "MET" if (self.ratio or 0) >= 1 else "NOT MET"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "verdict": self.verdict}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call of `fn` takes, and what it returned."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """The fastest of `repeat` calls of `fn` in seconds, and what the last call returned."""
    best, value = float("inf"), None
    for _ in range(repeat):
        seconds, value = timed(fn)
        best = min(best, seconds)
    return best, value


def format_number(value: float | None, digits: int = 3) -> str:
    """A number for a table: thousands separated when large, `digits` significant figures else."""
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table with aligned columns (numbers right-aligned)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(_looks_numeric(row[i]) for row in cells[1:]) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w)
                         for c, w, num in zip(row, widths, numeric, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *[line(row) for row in cells[1:]]])


def _looks_numeric(text: str) -> bool:
    return text in ("-", "") or text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()


def summary_table(results: Sequence[Result]) -> str:
    """The closing table of a benchmark: metric, measured, target, ratio, verdict."""
    rows = [
        (r.metric,
         f"{format_number(r.measured)} {r.unit}" if r.measured is not None else "-",
         (("≥ " if r.higher_is_better else "≤ ") + f"{format_number(r.target)} {r.unit}")
         if r.target is not None else "-",
         f"{r.ratio:.2f}x" if r.ratio is not None else "-",
         r.verdict)
        for r in results
    ]
    return format_table(("metric", "measured", "target", "ratio", "verdict"), rows)


def write_results(name: str, results: Sequence[Result], details: dict[str, Any] | None = None) -> Path:
    """Write `results` (and any details) to bench/results/<name>.json; returns the path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {
        "benchmark": name,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "summary": [r.as_dict() for r in results],
        "details": details or {},
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def spread(samples: Sequence[float]) -> dict[str, float]:
    """Median, min and max of repeated measurements (the figure reported, and how far runs strayed)."""
    ordered = sorted(samples)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return {"median": median, "min": ordered[0], "max": ordered[-1], "runs": len(ordered)}


def load_average() -> float:
    """The 1-minute load average: other work on a shared machine slows every figure beside it."""
    return round(os.getloadavg()[0], 2)


# --- several runs of one figure (added for bench/dashboard.py) ------------------------------------


def load_averages() -> tuple[float, float, float] | None:
    """os.getloadavg() rounded, recorded beside each figure: the machine is shared, so say how busy it was."""
    try:
        one, five, fifteen = os.getloadavg()
        return round(one, 2), round(five, 2), round(fifteen, 2)
    except OSError:
        return None


def git_commit(repo: Path | None = None) -> str | None:
    """The commit the working tree is at (with '+dirty' when tracked files differ), or None outside git."""
    root = repo or RESULTS_DIR.parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


@dataclass
class Spread(Result):
    """A Result measured in several runs: `measured` is their median, `low` and `high` the extremes.

    `loads` holds os.getloadavg() taken at each run, so a slow figure can be read against how busy the
    shared machine was.
    """

    low: float | None = None
    high: float | None = None
    runs: list[float | None] = field(default_factory=list)
    loads: list[Any] = field(default_factory=list)

    @classmethod
    def of(cls, metric: str, runs: Sequence[float | None], unit: str, target: float | None = None,
           higher_is_better: bool = True, note: str = "", loads: Sequence[Any] = ()) -> Spread:
        """The median of `runs` (None runs left out) with their min and max."""
        values = [v for v in runs if v is not None]
        return cls(metric, statistics.median(values) if values else None, unit, target, higher_is_better, note,
                   low=min(values, default=None), high=max(values, default=None), runs=list(runs),
                   loads=list(loads))


class AtMost(Spread):
    """A Spread whose target is an upper bound that may be zero (0 errors): MET when measured ≤ target."""

    @property
    def ratio(self) -> float | None:
        if self.measured is None or self.target is None:
            return None
        if self.target == 0:
            return None
        return self.target / self.measured if self.measured else float("inf")

    @property
    def verdict(self) -> str:
        if self.measured is None:
            return "SKIPPED"
        if self.target is None:
            return "-"
        return "MET" if self.measured <= self.target else "NOT MET"


def spread_table(results: Sequence[Result]) -> str:
    """The closing table of a several-run benchmark: target, median (min–max), load average, verdict."""
    rows = []
    for r in results:
        low, high = getattr(r, "low", None), getattr(r, "high", None)
        loads = [entry[0] for entry in getattr(r, "loads", []) if entry]
        rows.append((
            r.metric,
            (("≥ " if r.higher_is_better else "≤ ") + f"{format_number(r.target)} {r.unit}")
            if r.target is not None else "-",
            f"{format_number(r.measured)} {r.unit}" if r.measured is not None else "-",
            f"{format_number(low)}–{format_number(high)}" if low is not None and high is not None else "-",
            "/".join(f"{x:.1f}" for x in loads) or "-",
            r.verdict,
        ))
    return format_table(("metric", "target", "measured (median)", "min–max", "load 1m", "verdict"), rows)
