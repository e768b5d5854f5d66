"""Where bundled data lives; paths only, nothing is read here."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
EXTRACTS_DIR = DATA_DIR / "extracts"


def shared_data_dir() -> Path:
    """The raw source files (../shared/data beside the checkout, or ATLAS_SHARED_DATA)."""
    return Path(os.environ.get("ATLAS_SHARED_DATA") or REPO_ROOT.parent / "shared" / "data")


def shared_seed_dir() -> Path:
    """The seed interview folder that sits beside ../shared/data."""
    return shared_data_dir().parent / "seed"
