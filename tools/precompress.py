"""Build step: brotli 11 and gzip 9 copies of every static file the dashboard serves, with a manifest.

    python tools/precompress.py [--out artifacts/static-build]

Run by `make assets` (a prerequisite of `make run`, `make serve` and `make test`); only files whose content
changed are compressed again. dashboard/static.py serves the result and falls back to the plain files
when it is missing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from any directory

from dashboard import static


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/precompress.py", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=static.DEFAULT_BUILD_DIR, help="build folder")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    files = static.build(args.out, log=None if args.quiet else print)
    plain = sum(entry["size"] for entry in files.values())
    brotli = sum(entry["encodings"].get("br", entry)["size"] for entry in files.values())
    print(f"{len(files)} static files, {plain:,} bytes -> {brotli:,} with brotli, in {args.out} "
          f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
