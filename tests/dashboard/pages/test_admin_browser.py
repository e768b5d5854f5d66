"""Browser test of the analysts' refresh in real headless Chromium: sign in, upload a real Rosstat workbook,
read the preview, apply it, see a chart change, roll it back and see the previous figures exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from dash.testing.wait import until

from dashboard.admin.auth import WRITE_ENGINE_KEY
from etl import load, pipeline, users
from etl.db import make_engine, migrate
from etl.sources import reference
from tests.dashboard.browser import xy_traces
from tests.dashboard.conftest import console_errors, has_horizontal_scroll, save_screenshot, wait_for_graph

pytestmark = pytest.mark.browser

PASSWORD = "SYNTHETIC-browser-pass"
OLDER = "corpus/regions_of_russia_2022/rr2022_s10_investment.xlsx"
NEWER = "corpus/regions_of_russia_2024/rr2024_s10_investment.xlsx"
GRAPH = "indicators-chart-graph"


@pytest.fixture
def refresh_app(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The real app over a database holding the reference tables and the 2022 edition's section 10."""
    from dashboard.app import create_app

    monkeypatch.setenv("ADMIN_UPLOAD_DIR", str(tmp_path / "uploads"))
    engine = make_engine(f"sqlite:///{tmp_path}/atlas.sqlite")
    migrate(engine)
    assert load.apply(engine, reference.parse(), file_name="reference", sha256="ref").status == "applied"
    older = shared_data / OLDER
    assert load.apply(engine, pipeline.parse_path(older), file_name=older.name, sha256=load.sha256_of(older),
                      source_path=older).status == "applied"
    users.add_analyst(engine, "anna", PASSWORD)
    app = create_app(engine, {"CACHE_TYPE": "SimpleCache"})
    app.server.extensions[WRITE_ENGINE_KEY] = engine
    yield app, engine
    engine.dispose()


def kaluga_revision(shared_data: Path) -> tuple[str, str, float, float]:
    """An indicator whose Kaluga figure the 2024 edition revised: (code, period, old value, new value)."""
    keys = ["indicator_code", "region_code", "period"]
    old = pipeline.parse_path(shared_data / OLDER).tables["observations"]
    new = pipeline.parse_path(shared_data / NEWER).tables["observations"]
    both = new.merge(old, on=keys, suffixes=("", "_old"))
    both = both[(both.region_code == "RU-KLU") & both.value.notna() & both.value_old.notna()
                & (both.value != both.value_old) & (both.period_kind == "year")]
    row = both.sort_values(keys).iloc[0]
    return row.indicator_code, row.period, float(row.value_old), float(row.value)


def kaluga_line(dash_duo, code: str) -> dict:
    """Kaluga's line on /indicators for `code`: {x: y} as plotted, after a fresh page load."""
    dash_duo.wait_for_page(f"{dash_duo.server_url}/indicators?lang=en&indicator={code}&regions=RU-KLU")
    wait_for_graph(dash_duo, GRAPH)
    until(lambda: any(t["x"] for t in xy_traces(dash_duo, GRAPH)), timeout=20)
    line = next(t for t in xy_traces(dash_duo, GRAPH) if t["x"])
    return {str(x): y for x, y in zip(line["x"], line["y"], strict=True)}


def job_state(dash_duo) -> str | None:
    """The upload's state as the page shows it (None before the first poll)."""
    # Read in one script: the poll re-renders the element, so a found element may go stale before it is read.
    return dash_duo.driver.execute_script(
        "var e = document.getElementById('admin-state'); return e ? e.getAttribute('data-state') : null;")


def test_sign_in_upload_preview_apply_see_the_chart_change_and_roll_back(dash_duo, refresh_app,
                                                                         shared_data: Path) -> None:
    app, engine = refresh_app
    code, period, old_value, new_value = kaluga_revision(shared_data)
    newer = shared_data / NEWER
    expected = load.apply(engine, pipeline.parse_path(newer), file_name=newer.name, sha256="x", dry_run=True)
    added = {t.table: t.added for t in expected.tables}

    dash_duo.start_server(app)
    dash_duo.driver.set_window_size(1440, 1000)
    before = kaluga_line(dash_duo, code)
    year = period[:4]
    assert any(x.startswith(year) for x in before)

    # An anonymous visit is sent to the sign-in page; signing in returns to the data page.
    dash_duo.wait_for_page(f"{dash_duo.server_url}/admin/data?lang=en")
    until(lambda: "/admin/login" in dash_duo.driver.current_url, timeout=10)
    dash_duo.wait_for_element("#login-name").send_keys("anna")
    dash_duo.find_element("#login-password").send_keys(PASSWORD)
    save_screenshot(dash_duo, "admin-login-1440")
    dash_duo.driver.set_window_size(375, 900)
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, "admin-login-375")
    dash_duo.driver.set_window_size(1440, 1000)
    dash_duo.find_element("#login-submit").click()
    until(lambda: "/admin/data" in dash_duo.driver.current_url, timeout=10)
    dash_duo.wait_for_text_to_equal("#admin-who", "Analyst: anna", timeout=10)

    dash_duo.find_element("#admin-upload input[type=file]").send_keys(str(newer))
    until(lambda: job_state(dash_duo) in ("ready", "invalid", "failed"), timeout=120)
    assert job_state(dash_duo) == "ready", dash_duo.find_element("#admin-state").text
    shown = dash_duo.find_element("#admin-count-observations-added").text
    assert int(shown.replace(",", "")) == added["observations"]
    assert dash_duo.find_element("#admin-revisions-title").text.startswith("Revisions between editions: ")
    assert "no differences" in dash_duo.find_element("#admin-verify").text
    save_screenshot(dash_duo, "admin-data-preview-1440")
    dash_duo.driver.set_window_size(375, 900)
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, "admin-data-preview-375")
    dash_duo.driver.set_window_size(1440, 1000)

    dash_duo.find_element("#admin-apply").click()
    until(lambda: job_state(dash_duo) in ("applied", "refused", "failed"), timeout=120)
    assert job_state(dash_duo) == "applied", dash_duo.find_element("#admin-state").text
    load_id = int(dash_duo.find_element("#admin-state").text.split("load ")[1].split(".")[0])

    after = kaluga_line(dash_duo, code)
    assert after != before
    assert after[next(x for x in after if x.startswith(year))] == pytest.approx(new_value)
    assert before[next(x for x in before if x.startswith(year))] == pytest.approx(old_value)

    dash_duo.wait_for_page(f"{dash_duo.server_url}/admin/history?lang=en")
    dash_duo.wait_for_element(f"#history-status-{load_id}")
    save_screenshot(dash_duo, "admin-history-1440")
    dash_duo.driver.find_element("xpath", f"//tr[.//span[@id='history-status-{load_id}']]//button").click()
    dash_duo.wait_for_element("#history-confirm-yes").click()
    until(lambda: "rolled back" in dash_duo.find_element("#history-result").text, timeout=60)
    until(lambda: dash_duo.find_element(f"#history-status-{load_id}").text.startswith("rolled back"), timeout=10)
    dash_duo.driver.set_window_size(375, 900)
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, "admin-history-375")
    dash_duo.driver.set_window_size(1440, 1000)

    assert kaluga_line(dash_duo, code) == before

    dash_duo.wait_for_page(f"{dash_duo.server_url}/changes?lang=en")
    dash_duo.wait_for_element(f"#change-{load_id}")
    assert dash_duo.find_element(f"#change-{load_id}-status").text == "rolled back"
    save_screenshot(dash_duo, "changes-1440")
    dash_duo.driver.set_window_size(375, 900)
    assert not has_horizontal_scroll(dash_duo)
    save_screenshot(dash_duo, "changes-375")
    assert console_errors(dash_duo) == []
