"""The whole development corpus (../shared/data/corpus): every file read right or refused with its reason.

Every file read is checked by `etl verify`'s reader (etl.verify.verify_frame: openpyxl/xlrd and its
own rules, independent of the parser), which must find 0 differences. The Kaluga values pinned here
are the ones the corpus README quotes with their cells (an account of the files written independently
of the parser); the refusals expected are listed with the reason each must give. The counts are
written to artifacts/corpus_report.json.

NOTE: each file is parsed and verified once per test run, by whichever xdist worker asks first; its
summary (not its frames: the corpus holds 3.4 million figures) is shared through a JSON file in the
run's temporary folder, so the per-file tests, the pins and the counts never parse a file twice.
"""

from __future__ import annotations

import json
import os
import re
import time
import traceback
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine

from etl.errors import InputError
from etl.paths import REPO_ROOT, shared_data_dir
from etl.pipeline import detect_adapter, load_path, parse_path
from etl.verify import verify_frame, verify_load

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


@cache
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


KINDS = {"year", "quarter", "half_year", "month", "ytd", "point"}
_WAIT_SECONDS = 900  # for another worker's summary of one file (the largest takes ~15 s)


def _summarise(path: Path) -> dict:
    """What the tests need of one corpus file: its outcome, counts, verify's differences, pinned cells."""
    summary: dict = {"file": str(path.relative_to(corpus_dir())), "adapter": detect_adapter(path)}
    try:
        parsed = parse_path(path)
    except InputError as error:
        return summary | {"status": "refused", "reason": str(error)}
    observations = parsed.tables["observations"]
    differences = verify_frame(path, observations)
    pins = {f"{sheet}!{cell}" for name, sheet, cell, _ in readme_pins() if name == path.name}
    where = observations["source_sheet"].astype(str) + "!" + observations["source_cell"].astype(str)
    pinned = observations[where.isin(pins)]
    return summary | {
        "status": "read",
        "observations": len(observations),
        "kaluga": bool((observations["region_code"] == KALUGA).any()),
        "cells_named": bool(observations["source_cell"].notna().all() and observations["source_header"].notna().all()),
        "kinds": sorted(set(observations["period_kind"].dropna())),
        "refused_cells": len(parsed.rejections),
        "reasons": dict(Counter(_reason_kind(r.reason) for r in parsed.rejections)),
        "verify": dict(Counter(d.category for d in differences)),
        "verify_examples": [str(d) for d in differences[:5]],
        "pins": {f"{sheet}!{cell}": [[region, value] for region, value in
                                     zip(group["region_code"], group["value"], strict=True)]
                 for (sheet, cell), group in pinned.groupby(["source_sheet", "source_cell"])},
    }


@pytest.fixture(scope="session")
def summaries_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A folder all xdist workers of this run share (the parent of each worker's own temp folder)."""
    base = tmp_path_factory.getbasetemp()
    folder = (base if worker_id == "master" else base.parent) / "corpus_summaries"
    folder.mkdir(exist_ok=True)
    return folder


def summary_of(path: Path, folder: Path) -> dict:
    """The file's summary: made here, or by the worker that took it first (waited for)."""
    target = folder / (re.sub(r"[^\w.-]", "_", str(path.relative_to(corpus_dir()))) + ".json")
    try:
        os.close(os.open(target.with_suffix(".lock"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        deadline = time.monotonic() + _WAIT_SECONDS
        while not target.exists():
            if time.monotonic() > deadline:
                pytest.fail(f"{path.name}: no summary from the worker reading it after {_WAIT_SECONDS} s")
            time.sleep(0.2)
        return json.loads(target.read_text(encoding="utf-8"))
    try:
        summary = _summarise(path)
    except Exception:  # another worker waits for this file: it must learn of the failure
        summary = {"file": path.name, "status": "crashed", "reason": traceback.format_exc()}
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    partial.replace(target)
    return summary


def _id(path: Path) -> str:
    return path.name


@pytest.fixture(scope="module")
def corpus() -> list[Path]:
    files = corpus_files()
    if not files:
        pytest.skip(f"{corpus_dir()} is not present")
    return files


@pytest.mark.parametrize("path", corpus_files(), ids=_id)
def test_every_corpus_file_is_read_or_refused_with_its_reason(path: Path, summaries_dir: Path) -> None:
    result = summary_of(path, summaries_dir)
    assert result["status"] != "crashed", result["reason"]
    if result["status"] == "refused":
        expected = EXPECTED_REFUSALS.get(path.name)
        assert expected, f"{path.name} refused: {result['reason']}"
        assert expected in result["reason"]
        assert "Traceback" not in result["reason"]
        return
    assert path.name not in EXPECTED_REFUSALS, f"{path.name} should have been refused"
    assert result["observations"] > 0
    assert result["kaluga"], f"{path.name}: no Kaluga figure read"
    # Every figure names the cell and the header cells it was read from, and its period's kind.
    assert result["cells_named"]
    assert set(result["kinds"]) <= KINDS


@pytest.mark.parametrize("path", corpus_files(), ids=_id)
def test_every_corpus_file_read_verifies_with_0_differences(path: Path, summaries_dir: Path) -> None:
    """`etl verify`'s independent reader confirms every figure's value, status and period from its cells."""
    result = summary_of(path, summaries_dir)
    assert result["status"] != "crashed", result["reason"]
    if result["status"] == "refused":
        pytest.skip(f"{path.name} is refused")
    examples = "\n".join(result["verify_examples"])
    assert result["verify"] == {}, f"{path.name}: {result['verify']}\n{examples}"


@pytest.mark.parametrize("name,sheet,cell,quoted", readme_pins(), ids=lambda v: str(v))
def test_kaluga_values_quoted_by_the_corpus_readme(name: str, sheet: str, cell: str, quoted: str,
                                                   summaries_dir: Path) -> None:
    value = float(quoted)
    path = next((p for p in corpus_files() if p.name == name), None)
    if path is None:
        pytest.skip(f"{name} is not present")
    result = summary_of(path, summaries_dir)
    assert result["status"] == "read", result.get("reason")
    found = result["pins"].get(f"{sheet}!{cell}", [])
    assert len(found) == 1, f"{name}: {sheet}!{cell} read {len(found)} times"
    region, stored = found[0]
    assert region == KALUGA
    # The README quotes values to at most six decimals, as a spreadsheet shows them.
    decimals = len(quoted.split(".")[1]) if "." in quoted else 0
    assert round(stored, decimals) == pytest.approx(value, abs=10 ** -(decimals + 3))


# Files whose periods come from outside the header rows: the unit line's "на конец года" and
# "на 31 декабря" (fixed assets), the title's year (form 12-Ф), a spreadsheet error refused (K82).
THROUGH_THE_DATABASE = ["rr2024_s09_fixed_assets.xlsx", "org_cash_use_form12f_2024.xlsx",
                        "rr2022_s03_living_standards.xlsx"]


@pytest.mark.parametrize("name", THROUGH_THE_DATABASE)
def test_corpus_files_loaded_into_a_database_verify_with_0_differences(loaded_engine: Engine, name: str) -> None:
    """The round trip through a database (both backends): what `etl verify LOAD_ID` checks after a load."""
    path = next((p for p in corpus_files() if p.name == name), None)
    if path is None:
        pytest.skip(f"{name} is not present")
    report = load_path(loaded_engine, path, allow_rejections=True)
    assert report.status == "applied", report.error
    verified = verify_load(loaded_engine, report.load_id)
    assert verified.observations > 1000
    assert verified.by_category == {}, "\n".join(map(str, verified.differences[:5]))


def test_corpus_counts(corpus: list[Path], summaries_dir: Path) -> None:
    """Files loaded and refused, observations read and verified, cells refused (by reason), for the report."""
    report: dict = {"files": len(corpus), "read": 0, "refused": {}, "observations": 0,
                    "verified_observations": 0, "verify_differences": 0, "verify_differences_by_category": Counter(),
                    "refused_cells": 0, "refused_cells_by_reason": Counter(), "by_file": {}}
    for path in corpus:
        result = summary_of(path, summaries_dir)
        key = str(path.relative_to(corpus_dir()))
        if result["status"] != "read":
            report["refused"][key] = result["reason"]
            continue
        report["read"] += 1
        report["observations"] += result["observations"]
        report["verified_observations"] += result["observations"]
        report["verify_differences"] += sum(result["verify"].values())
        report["verify_differences_by_category"].update(result["verify"])
        report["refused_cells"] += result["refused_cells"]
        report["refused_cells_by_reason"].update(result["reasons"])
        report["by_file"][key] = {"adapter": result["adapter"], "observations": result["observations"],
                                  "verify_differences": result["verify"], "refused_cells": result["refused_cells"],
                                  "reasons": result["reasons"]}
    report["refused_cells_by_reason"] = dict(report["refused_cells_by_reason"].most_common())
    report["verify_differences_by_category"] = dict(report["verify_differences_by_category"])
    target = REPO_ROOT / "artifacts" / "corpus_report.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    assert report["read"] + len(report["refused"]) == len(corpus)
    assert set(report["refused"]) == {k for k in report["refused"] if Path(k).name in EXPECTED_REFUSALS}
    assert report["verify_differences"] == 0, report["verify_differences_by_category"]
    # The 2024 edition alone holds about 930,000 numeric cells.
    assert report["observations"] > 1_500_000


def _reason_kind(reason: str) -> str:
    """A rejection's reason without the specifics (cell texts, counts), for grouping."""
    return re.sub(r"\s*\(.*|:.*|\d+", "", reason).strip()
