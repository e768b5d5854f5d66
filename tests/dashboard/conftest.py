"""Dashboard fixtures: one database built from the bundled data/ per test session, apps over it,
and helpers for browser tests (headless Chromium through dash.testing's dash_duo)."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.cli import main as etl_main
from etl.db import make_engine

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def bundled_db_url(tmp_path_factory) -> str:
    """A SQLite database built by `python -m etl refresh` from the committed data/ folder."""
    url = f"sqlite:///{tmp_path_factory.mktemp('atlas') / 'atlas.sqlite'}"
    assert etl_main(["--database-url", url, "refresh"]) == 0
    return url


@pytest.fixture
def atlas_app(bundled_db_url):
    """A fresh app over the bundled database (pages and callbacks registered anew)."""
    from dashboard.app import create_app

    return create_app(make_engine(bundled_db_url), {"CACHE_TYPE": "SimpleCache"})


@pytest.fixture
def client(atlas_app):
    return atlas_app.server.test_client()


def save_screenshot(dash_duo, name: str) -> Path:
    """Keep a screenshot of the page as a test artefact (artifacts/screenshots/<name>.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    dash_duo.driver.save_screenshot(str(path))
    return path


def console_errors(dash_duo) -> list:
    """Browser console entries at SEVERE level (dash_duo.get_logs filters to those)."""
    return [entry for entry in (dash_duo.get_logs() or []) if entry.get("level") == "SEVERE"]


def has_horizontal_scroll(dash_duo) -> bool:
    return dash_duo.driver.execute_script(
        "return document.documentElement.scrollWidth > window.innerWidth + 1;")


def wait_for_graph(dash_duo, graph_id: str, timeout: int = 15) -> None:
    """Wait until the graph has drawn at least one trace (or its empty-state annotation)."""
    dash_duo.wait_for_element(f"#{graph_id} .main-svg", timeout=timeout)


def current_query(dash_duo) -> str:
    return dash_duo.driver.execute_script("return window.location.search;")
