"""Helpers shared by the benchmarks: timing, a plain-text results table, JSON results in bench/results/.

A benchmark here is a report: it measures, compares with a target and says MET or NOT MET; it never
fails because something was slow.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
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
