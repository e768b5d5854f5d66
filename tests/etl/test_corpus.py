"""The whole development corpus (../shared/data/corpus): every file read right or refused with its reason.

The Kaluga values pinned here are the ones the corpus README quotes with their cells (an account
of the files written independently of the parser); the refusals expected are listed with the reason
each must give. The counts are written to artifacts/corpus_report.json.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from etl.errors import InputError
from etl.paths import REPO_ROOT, shared_data_dir
from etl.pipeline import detect_adapter, parse_path
from etl.sources.base import Parsed

KALUGA = "RU-KLU"
WORKBOOK_SUFFIXES = {".xls", ".xlsx", ".xlsm"}
# Files of the corpus that hold no regional table, and what their refusal must say.
EXPECTED_REFUSALS = {
    "rr2022_s00_contents.xlsx": "no table",
    "rr2022_s00_responsible_units.xlsx": "no table",
    "rr2024_s00_contents.xlsx": "no table",
    "rr2024_s00_responsible_units.xlsx": "no table",
}
_PIN = re.compile(r"`(?P<sheet>[^`]+)`!(?P<cell>[A-Z]{1,3}\d+) = (?P<value>-?[\d.]+)")


def corpus_dir() -> Path:
    return shared_data_dir() / "corpus"


def corpus_files() -> list[Path]:
    folder = corpus_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in WORKBOOK_SUFFIXES)


def readme_pins() -> list[tuple[str, str, str, str]]:
    """(file, sheet, cell, value as written) for every Kaluga cell the corpus README quotes."""
    readme = corpus_dir() / "README.md"
    if not readme.is_file():
        return []
    pins = []
    for line in readme.read_text(encoding="utf-8").splitlines():
        file_match = re.match(r"^\| `([^`]+\.xlsx?)` \|", line)
        if not file_match:
            continue
        cells = line.split(" | ")
        kaluga_column = next((c for c in cells if _PIN.search(c)), "")
        for pin in _PIN.finditer(kaluga_column):
            pins.append((file_match.group(1), pin["sheet"], pin["cell"], pin["value"]))
    return pins


@cache
def parsed_file(path: Path) -> Parsed | InputError:
    try:
        return parse_path(path)
    except InputError as error:
        return error


def _id(path: Path) -> str:
    return path.name


@pytest.fixture(scope="module")
def corpus() -> list[Path]:
    files = corpus_files()
    if not files:
        pytest.skip(f"{corpus_dir()} is not present")
    return files


@pytest.mark.parametrize("path", corpus_files(), ids=_id)
def test_every_corpus_file_is_read_or_refused_with_its_reason(path: Path) -> None:
    result = parsed_file(path)
    if isinstance(result, InputError):
        expected = EXPECTED_REFUSALS.get(path.name)
        assert expected, f"{path.name} refused: {result}"
        assert expected in str(result)
        assert "Traceback" not in str(result)
        return
    assert path.name not in EXPECTED_REFUSALS, f"{path.name} should have been refused"
    observations = result.tables["observations"]
    assert len(observations) > 0
    assert KALUGA in set(observations["region_code"]), f"{path.name}: no Kaluga figure read"
    # Every figure names the cell and the header cells it was read from, and its period's kind.
    assert observations["source_cell"].notna().all()
    assert observations["source_header"].notna().all()
    assert observations["period_kind"].isin(["year", "quarter", "half_year", "month", "ytd", "point"]).all()


@pytest.mark.parametrize("name,sheet,cell,quoted", readme_pins(), ids=lambda v: str(v))
def test_kaluga_values_quoted_by_the_corpus_readme(name: str, sheet: str, cell: str, quoted: str) -> None:
    value = float(quoted)
    path = next((p for p in corpus_files() if p.name == name), None)
    if path is None:
        pytest.skip(f"{name} is not present")
    result = parsed_file(path)
    assert not isinstance(result, InputError), str(result)
    observations = result.tables["observations"]
    found = observations[(observations["source_sheet"] == sheet) & (observations["source_cell"] == cell)]
    assert len(found) == 1, f"{name}: {sheet}!{cell} read {len(found)} times"
    row = found.iloc[0]
    assert row["region_code"] == KALUGA
    # The README quotes values to at most six decimals, as a spreadsheet shows them.
    decimals = len(quoted.split(".")[1]) if "." in quoted else 0
    assert round(row["value"], decimals) == pytest.approx(value, abs=10 ** -(decimals + 3))


def test_corpus_counts(corpus: list[Path]) -> None:
    """Files loaded and refused, observations read and cells refused (by reason), for the report."""
    report: dict = {"files": len(corpus), "read": 0, "refused": {}, "observations": 0,
                    "refused_cells": 0, "refused_cells_by_reason": Counter(), "by_file": {}}
    for path in corpus:
        result = parsed_file(path)
        key = str(path.relative_to(corpus_dir()))
        if isinstance(result, InputError):
            report["refused"][key] = result.rejection.reason
            continue
        report["read"] += 1
        observations = len(result.tables["observations"])
        report["observations"] += observations
        report["refused_cells"] += len(result.rejections)
        reasons = Counter(_reason_kind(r.reason) for r in result.rejections)
        report["refused_cells_by_reason"].update(reasons)
        report["by_file"][key] = {"adapter": detect_adapter(path), "observations": observations,
                                  "refused_cells": len(result.rejections), "reasons": dict(reasons)}
    report["refused_cells_by_reason"] = dict(report["refused_cells_by_reason"].most_common())
    target = REPO_ROOT / "artifacts" / "corpus_report.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    assert report["read"] + len(report["refused"]) == len(corpus)
    assert set(report["refused"]) == {k for k in report["refused"] if Path(k).name in EXPECTED_REFUSALS}
    # The 2024 edition alone holds about 930,000 numeric cells.
    assert report["observations"] > 1_500_000


def _reason_kind(reason: str) -> str:
    """A rejection's reason without the specifics (cell texts, counts), for grouping."""
    return re.sub(r"\s*\(.*|:.*|\d+", "", reason).strip()
