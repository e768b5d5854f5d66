"""The dashboard reads the database only: rendering every page and its first callbacks opens no file under data/."""

from __future__ import annotations

import builtins
import io
from pathlib import Path

import pandas as pd
import pytest

from dashboard.cache import cache
from etl.paths import DATA_DIR
from tests.dashboard.pages.render import PAGES, visit

# NOTE: the boundaries are read by dashboard.geo alone, until they are served as a static URL the browser fetches
# (issue 7 item 5); that one folder is allowed, nothing else under data/.
ALLOWED = (DATA_DIR / "geo",)


def _under(path: object, folder: Path) -> bool:
    try:
        return Path(str(path)).resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """Every path under data/ the process opens while the fixture is active (builtins, io, pandas)."""
    seen: list[str] = []
    real_open, real_read_csv, real_read_json = builtins.open, pd.read_csv, pd.read_json

    def note(path: object) -> None:
        if isinstance(path, (str, Path)) and _under(path, DATA_DIR) and not any(_under(path, a) for a in ALLOWED):
            seen.append(str(path))

    def spy_open(file, *args, **kwargs):
        note(file)
        return real_open(file, *args, **kwargs)

    def spy_read_csv(path, *args, **kwargs):
        note(path)
        return real_read_csv(path, *args, **kwargs)

    def spy_read_json(path, *args, **kwargs):
        note(path)
        return real_read_json(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(pd, "read_csv", spy_read_csv)
    monkeypatch.setattr(pd, "read_json", spy_read_json)
    return seen


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_no_page_opens_a_data_file(atlas_app, opened, lang):
    client = atlas_app.server.test_client()
    with atlas_app.server.app_context():
        cache.clear()  # what an earlier test cached must be read again, here
    for page in PAGES:
        for output, status, _response in visit(client, f"{page}?lang={lang}"):
            assert status < 500, (page, output)
    assert opened == [], f"the dashboard opened data files: {sorted(set(opened))}"


def test_the_spy_sees_a_data_file(opened):
    """The check itself: opening a file under data/ is noticed."""
    reference = next((DATA_DIR / "reference").glob("*.csv"))
    with open(reference, encoding="utf-8") as handle:
        handle.readline()
    pd.read_csv(reference, nrows=1)
    assert set(opened) == {str(reference)} and len(opened) >= 2  # pandas opens through builtins too
