"""Adds the corpus files' provenance to data/reference/raw_sources.csv, read from the corpus README
and the 806 folder's origin.csv (run once when the corpus changes; the CSV is committed).

    .venv/bin/python tools/corpus_sources.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RAW_SOURCES = REPO / "data" / "reference" / "raw_sources.csv"
LICENCES = {
    "daniel-epiffanov/regional-stats": "no LICENSE (package.json: ISC for code); data: Rosstat",
    "meshhi/alpha_demo_stand": "none stated; data: Rosstat",
    "fastnets/Environmental-monitoring-of-water-resources": "none stated; data: Rosstat",
    "findatalab/rosstat-open-data": "repository MIT; data: Rosstat",
    "epogrebnyak/data-rosstat-806-regional": "none stated; data: Rosstat",
    "mortyc126-debug/Ti": "none stated; data: Bank of Russia (computed from Rosstat CPI)",
}
_ROW = re.compile(r"^\| `(?P<file>[^`]+)` \| (?P<repo>[^ ]+) @ (?P<commit>[0-9a-f]{40}) : `(?P<path>[^`]+)` \| "
                  r"(?P<publication>[^|]+) \|")


def corpus_rows(shared: Path) -> list[dict]:
    """One raw_sources row per corpus file, with producer, publication, origin and licence."""
    readme = (shared / "corpus" / "README.md").read_text(encoding="utf-8")
    rows: list[dict] = []
    folder = None
    for line in readme.splitlines():
        if heading := re.match(r"^## `([^`]+)/`", line):
            folder = heading.group(1)
            continue
        match = _ROW.match(line)
        if not match or folder is None:
            continue
        repo = match["repo"]
        producer = "Bank of Russia" if folder == "cbr_regional_cpi" else "Rosstat"
        rows.append({
            "file": f"corpus/{folder}/{match['file']}",
            "producer": producer,
            "publication": match["publication"].strip(),
            "origin": f"{repo} @{match['commit'][:8]}, {match['path']}",
            "licence": LICENCES.get(repo, "not stated"),
        })
    with (shared / "corpus" / "monthly_806_2016-01" / "origin.csv").open(encoding="utf-8") as handle:
        for entry in csv.DictReader(handle):
            title = Path(entry["original_path"]).stem
            rows.append({
                "file": f"corpus/monthly_806_2016-01/{entry['file']}",
                "producer": "Rosstat",
                "publication": f"Monthly regional monitoring (order 806-р), issue of January 2016: {title}",
                "origin": f"{entry['repository']} @{entry['commit'][:8]}, {entry['original_path']}",
                "licence": LICENCES.get(entry["repository"], "not stated"),
            })
    return rows


def main(shared: Path) -> None:
    with RAW_SOURCES.open(encoding="utf-8", newline="") as handle:
        existing = [row for row in csv.DictReader(handle) if not row["file"].startswith("corpus/")]
    rows = existing + corpus_rows(shared)
    with RAW_SOURCES.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", "producer", "publication", "origin", "licence"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{RAW_SOURCES.relative_to(REPO)}: {len(rows)} rows ({len(rows) - len(existing)} corpus files)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data")
