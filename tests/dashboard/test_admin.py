"""/admin: sign-in, CSRF, the anonymous guard, uploads (type, size, errors), the preview, apply and rollback
through the app's own routes and callbacks, and the public changelog against /api/v1/loads."""

from __future__ import annotations

import base64
import io
import json
import re
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from dashboard.admin import jobs
from dashboard.admin.auth import WRITE_ENGINE_KEY
from etl import load, pipeline, users
from etl.schema import Indicator, Load, Observation
from tests.fixtures import grp_table, row_counts, write_rr_workbook

PASSWORD = "correct horse battery"  # SYNTHETIC test account
RR2022_S09 = "corpus/regions_of_russia_2022/rr2022_s09_fixed_assets.xlsx"
RR2024_S09 = "corpus/regions_of_russia_2024/rr2024_s09_fixed_assets.xlsx"
ADMIN_PAGES = ("/admin/data", "/admin/history", "/admin", "/admin/anything")


@pytest.fixture
def admin_app(loaded_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The real app over a reference-loaded database (SQLite and PostgreSQL), uploads kept in tmp_path."""
    from dashboard.app import create_app

    monkeypatch.setenv("ADMIN_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("SECRET_KEY", "SYNTHETIC-test-key")
    users.add_analyst(loaded_engine, "anna", PASSWORD)
    app = create_app(loaded_engine, {"CACHE_TYPE": "SimpleCache"})
    # The test database's engine carries its schema in connect_args, so the admin writes through it too.
    app.server.extensions[WRITE_ENGINE_KEY] = loaded_engine
    return app


@pytest.fixture
def client(admin_app):
    return admin_app.server.test_client()


def csrf_of(client, path: str = "/admin/login") -> str:
    """The session's CSRF token, as the page's layout callback renders it (a form field or a Store)."""
    found = [props.get("value") if props.get("name") == "csrf" else props.get("data")
             for props in _all_props(json.loads(call_layout(client, path)))
             if props.get("name") == "csrf" or props.get("id") in ("admin-csrf", "history-csrf")]
    assert found and found[0], path
    return found[0]


def shown_changes(page: str) -> list[tuple[int, str, int, int]]:
    """(load, status, added, changed) of each changelog entry, in the page's order."""
    props = {p["id"]: p for p in _all_props(json.loads(page)) if isinstance(p.get("id"), str)}
    entries = [int(p["data-load"]) for p in _all_props(json.loads(page)) if "data-load" in p]
    return [(i, props[f"change-{i}-status"]["data-status"], int(props[f"change-{i}-counts"]["data-added"]),
             int(props[f"change-{i}-counts"]["data-changed"])) for i in entries]


def _all_props(node):
    """Every component's props in a rendered layout."""
    if isinstance(node, dict):
        if "props" in node and "type" in node:
            yield node["props"]
        for value in node.values():
            yield from _all_props(value)
    elif isinstance(node, list):
        for value in node:
            yield from _all_props(value)


def call_layout(client, path: str) -> str:
    """Render a page's layout through Dash Pages' own callback, as the browser does."""
    deps = json.loads(client.get("/_dash-dependencies").data)
    callback = next(c for c in deps if "_pages_content.children" in c["output"])
    values = {"_pages_location": {"pathname": path, "search": ""}}
    inputs = [{"id": i["id"], "property": i["property"],
               "value": values.get(i["id"], {}).get(i["property"])} for i in callback["inputs"]]
    state = [{"id": s["id"], "property": s["property"],
              "value": values.get(s["id"], {}).get(s["property"])} for s in callback["state"]]
    response = client.post("/_dash-update-component", json={
        "output": callback["output"], "outputs": _outputs(callback["output"]), "inputs": inputs, "state": state,
        "changedPropIds": ["_pages_location.pathname"]})
    assert response.status_code == 200, response.data[:300]
    return response.get_data(as_text=True)


def _outputs(output: str):
    parts = output.strip(".").split("...")
    outs = [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]
    return outs if output.startswith("..") else outs[0]


def callback(client, trigger: str, values: dict, changed: str = "") -> tuple[int, dict | None]:
    """POST the Dash callback that the component `trigger` (a plain id, or a pattern's type) fires, with
    input and state values by id; (status, response by component id)."""
    deps = json.loads(client.get("/_dash-dependencies").data)

    def fired_by(spec: dict) -> bool:
        return any(i["id"] == trigger or (isinstance(i["id"], dict) and i["id"].get("type") == trigger)
                   for i in spec["inputs"])

    spec = next(c for c in deps if fired_by(c))

    def dep(d):
        key = json.dumps(d["id"], sort_keys=True) if isinstance(d["id"], dict) else d["id"]
        value = values.get(f"{key}.{d['property']}", values.get(key))
        return {"id": d["id"], "property": d["property"], "value": value}

    payload = {"output": spec["output"], "outputs": _outputs(spec["output"]),
               "inputs": [dep(i) for i in spec["inputs"]], "state": [dep(s) for s in spec["state"]],
               "changedPropIds": [changed] if changed else []}
    response = client.post("/_dash-update-component", json=payload)
    body = json.loads(response.data)["response"] if response.status_code == 200 and response.data else None
    return response.status_code, body


def sign_in(client, name: str = "anna", password: str = PASSWORD, csrf: str | None = None):
    token = csrf if csrf is not None else csrf_of(client)
    return client.post("/admin/login", data={"name": name, "password": password, "csrf": token,
                                             "next": "/admin/data"})


def signed_in(client) -> bool:
    with client.session_transaction() as session:
        return session.get("analyst") == "anna"


# --- sign-in, CSRF and the guard ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_pages_redirect_to_sign_in(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("path", ["/admin/data", "/admin/history", "/admin/logout", "/admin/rollback/1"])
def test_anonymous_writes_to_admin_are_refused(client, method: str, path: str) -> None:
    assert getattr(client, method)(path).status_code == 401


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("path", ["/api/v1/loads", "/api/v1/observations", "/api/v1/companies"])
def test_the_api_takes_no_writes(client, method: str, path: str) -> None:
    assert getattr(client, method)(path).status_code in (401, 403, 405)


def test_anonymous_state_changing_callbacks_are_refused(client) -> None:
    """Every admin callback that changes state answers 401 to an anonymous caller, whatever token it sends."""
    content = "data:text/csv;base64," + base64.b64encode(b"a,b\n1,2\n").decode()
    assert callback(client, "admin-upload", {"admin-upload": content, "admin-csrf": "x"})[0] == 401
    assert callback(client, "admin-apply", {"admin-apply": 1, "admin-csrf": "x"})[0] == 401
    assert callback(client, "history-confirm-yes", {"history-confirm-yes": 1, "history-target": 1,
                                                          "history-csrf": "x"})[0] == 401
    assert callback(client, "admin-poll", {"admin-poll": 1, "admin-job": "x"})[0] == 401


def test_sign_in_with_the_right_password_and_the_cookie_flags(client) -> None:
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/data"
    assert signed_in(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http to localhost: a Secure cookie would never come back
    assert client.get("/admin/data").status_code == 200


def test_the_cookie_is_secure_beyond_localhost(admin_app) -> None:
    """auto: Secure for any host but plain-http localhost; SESSION_COOKIE_SECURE=1 forces it."""
    server = admin_app.server
    interface = server.session_interface
    for base_url, secure in (("http://127.0.0.1:8050", False), ("http://localhost", False),
                             ("http://atlas.example.org", True), ("https://127.0.0.1", True)):
        with server.test_request_context("/", base_url=base_url):
            assert interface.get_cookie_secure(server) is secure, base_url
    server.config["ATLAS_COOKIE_SECURE"] = "1"
    client = server.test_client()
    assert "Secure" in sign_in(client).headers["Set-Cookie"]


def test_wrong_password_and_unknown_name_are_refused(client) -> None:
    response = sign_in(client, password="wrong password!")
    assert response.status_code == 303 and "error=wrong" in response.headers["Location"]
    assert not signed_in(client)
    assert "error=wrong" in sign_in(client, name="nobody").headers["Location"]
    assert client.get("/admin/data").status_code == 302


def test_sign_in_without_the_csrf_token_is_refused(client) -> None:
    csrf_of(client)
    response = sign_in(client, csrf="forged")
    assert "error=csrf" in response.headers["Location"]
    assert not signed_in(client)


def test_sign_in_is_rate_limited_per_address_and_name(admin_app, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_LOGIN_ATTEMPTS", "3")
    client = admin_app.server.test_client()
    for _ in range(3):
        assert "error=wrong" in sign_in(client, password="guess guess guess").headers["Location"]
    # The right password is refused too while the failures are in the window: guessing stops.
    assert "error=limited" in sign_in(client).headers["Location"]
    assert not signed_in(client)
    other = admin_app.server.test_client()
    response = other.post("/admin/login", environ_base={"REMOTE_ADDR": "10.0.0.9"},
                          data={"name": "anna", "password": PASSWORD, "csrf": csrf_of(other)})
    assert response.headers["Location"] == "/admin/data"


def test_state_changing_callbacks_need_the_csrf_token(client) -> None:
    sign_in(client)
    content = "data:text/csv;base64," + base64.b64encode(b"a,b\n1,2\n").decode()
    assert callback(client, "admin-upload", {"admin-upload": content, "admin-csrf": "forged"})[0] == 403
    assert callback(client, "admin-apply", {"admin-apply": 1, "admin-csrf": None})[0] == 403
    assert callback(client, "history-confirm-yes", {"history-confirm-yes": 1, "history-target": 1,
                                                          "history-csrf": "forged"})[0] == 403
    assert client.post("/admin/logout", data={"csrf": "forged"}).status_code == 403
    assert signed_in(client)
    assert client.post("/admin/logout", data={"csrf": csrf_of(client, "/admin/data")}).status_code == 303
    assert not signed_in(client)


# --- uploads ---------------------------------------------------------------------------------------------

def test_the_type_is_sniffed_from_the_bytes(shared_data: Path, tmp_path: Path) -> None:
    assert jobs.sniff((shared_data / RR2022_S09).read_bytes()) == "xlsx"
    assert jobs.sniff((shared_data / "rosstat/monthly_806_2016-01_average_wage.xls").read_bytes()) == "xls"
    assert jobs.sniff("регион,год\nКалужская область,2020\n".encode()) == "csv"
    with pytest.raises(jobs.UploadRefused, match=r"refused\.type"):
        jobs.sniff(b"\x89PNG\r\n\x1a\n\x00\x00 SYNTHETIC")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")  # SYNTHETIC: a zip that is no workbook
    with pytest.raises(jobs.UploadRefused, match=r"refused\.zip"):
        jobs.sniff(buffer.getvalue())


def _upload(client, content: bytes, filename: str, token: str) -> dict:
    data = "data:application/octet-stream;base64," + base64.b64encode(content).decode()
    status, body = callback(client, "admin-upload", {"admin-upload.contents": data, "admin-upload.filename": filename,
                                                       "admin-csrf": token, "admin-lang": "en"})
    assert status == 200
    return body


def _wait(client, job_id: str, lang: str = "en") -> dict:
    """Poll the job as the page's interval does until it ends (its state is read, not the clock's time)."""
    for _ in range(600):
        status, body = callback(client, "admin-poll", {"admin-job": job_id, "admin-lang": lang})
        assert status == 200
        state = body["admin-status"]["children"]["props"].get("data-state")
        if state in jobs.FINAL:
            return body
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_too_large_and_non_workbook_uploads_are_refused(client, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in(client)
    token = csrf_of(client, "/admin/data")
    monkeypatch.setenv("ADMIN_UPLOAD_MAX_MB", "0.001")
    body = _upload(client, b"a,b\n" + b"1,2\n" * 400, "big.csv", token)
    assert body["admin-job"]["data"] is None
    assert "too large" in json.dumps(body["admin-upload-message"])
    monkeypatch.setenv("ADMIN_UPLOAD_MAX_MB", "100")
    body = _upload(client, b"\x00\x01SYNTHETIC binary", "looks.xlsx", token)
    assert "neither an Excel workbook" in json.dumps(body["admin-upload-message"])


def test_an_upload_with_errors_lists_them_and_applies_nothing(client, loaded_engine: Engine, tmp_path: Path) -> None:
    sign_in(client)
    token = csrf_of(client, "/admin/data")
    path = write_rr_workbook(tmp_path / "atl_2019.xlsx", grp_table([["Калужская область", 1.0, 2.0],
                                                                    ["Атлантида", 1.0, 2.0]]))  # SYNTHETIC
    before = row_counts(loaded_engine)
    job_id = _upload(client, path.read_bytes(), "atl_2019.xlsx", token)["admin-job"]["data"]
    body = _wait(client, job_id)
    assert body["admin-status"]["children"]["props"]["data-state"] == "invalid"
    text = json.dumps(body["admin-preview"], ensure_ascii=False)
    for cell in ('"atl_2019.xlsx"', '"9.1."', '"7"', '"A"', '"unknown region name"', '"Атлантида"'):
        assert cell in text, cell
    assert body["admin-apply"]["disabled"] is True
    assert callback(client, "admin-apply", {"admin-apply": 1, "admin-job": job_id,
                                                     "admin-csrf": token})[1]["admin-apply"]["disabled"] is True
    assert row_counts(loaded_engine) == before


def test_preview_apply_and_changelog_of_a_real_workbook(client, loaded_engine: Engine, shared_data: Path) -> None:
    """The preview's counts are what a dry run computes; Apply writes exactly that; /changes agrees with the API."""
    sign_in(client)
    token = csrf_of(client, "/admin/data")
    path = shared_data / RR2022_S09
    expected = load.apply(loaded_engine, pipeline.parse_path(path), file_name=path.name, sha256="x", dry_run=True)
    job_id = _upload(client, path.read_bytes(), path.name, token)["admin-job"]["data"]
    body = _wait(client, job_id)
    assert body["admin-status"]["children"]["props"]["data-state"] == "ready"
    preview = json.dumps(body["admin-preview"])
    for change in expected.tables:
        shown = re.search(rf'"children": "([\d,]+)", "id": "admin-count-{change.table}-added"', preview)
        assert shown and int(shown[1].replace(",", "")) == change.added
    assert f"All {len(pipeline.parse_path(path).tables['observations']):,} figures re-read" in preview
    assert body["admin-apply"]["disabled"] is False
    assert row_counts(loaded_engine)["observations"] == 0

    callback(client, "admin-apply", {"admin-apply": 1, "admin-job": job_id, "admin-csrf": token})
    body = _wait(client, job_id)
    assert body["admin-status"]["children"]["props"]["data-state"] == "applied"
    with loaded_engine.connect() as conn:
        newest = conn.execute(select(Load.__table__).order_by(Load.id.desc()).limit(1)).one()
        stored = conn.execute(select(func.count()).select_from(Observation)
                              .where(Observation.load_id == newest.id)).scalar()
    assert (newest.status, newest.file_name, newest.rows_added) == ("applied", path.name, expected.added)
    assert stored == next(t.added for t in expected.tables if t.table == "observations")

    api = json.loads(client.get("/api/v1/loads?limit=1000").data)["rows"]
    listed = [(r["id"], r["status"], r["rows_added"], r["rows_changed"]) for r in api
              if r["status"] in ("applied", "rolled_back")]
    page = call_layout(client, "/changes")
    assert shown_changes(page) == listed
    # The entry names every indicator the load stored (Russian: the page's default language).
    props = {p["id"]: p for p in _all_props(json.loads(page)) if isinstance(p.get("id"), str)}
    with loaded_engine.connect() as conn:
        names = conn.execute(select(Indicator.name_ru).where(Indicator.code.in_(
            select(Observation.indicator_code).where(Observation.load_id == newest.id)))).scalars().all()
        regions = conn.execute(select(func.count(Observation.region_code.distinct()))
                               .where(Observation.load_id == newest.id)).scalar()
    assert names and all(name in props[f"change-{newest.id}-indicators"]["children"] for name in names)
    assert props[f"change-{newest.id}-regions"]["children"].count(";") == min(regions, 12) - 1 + (regions > 12)


def test_history_rolls_back_through_its_callback_and_says_why_it_cannot(client, loaded_engine: Engine,
                                                                        tmp_path: Path) -> None:
    sign_in(client)
    token = csrf_of(client, "/admin/history")
    before = row_counts(loaded_engine)
    path = write_rr_workbook(tmp_path / "grp_2019.xlsx", grp_table([["Калужская область", 1.0, 2.0]]))  # SYNTHETIC
    applied = load.apply(loaded_engine, pipeline.parse_path(path), file_name=path.name, sha256="s")
    values = {"history-confirm-yes": 1, "history-target": applied.load_id, "history-csrf": token,
              "history-lang": "en", "history-offset": 0}
    status, body = callback(client, "history-confirm-yes", values)
    assert status == 200
    assert f"Load {applied.load_id} rolled back: observations: 2" in json.dumps(body["history-message"])
    assert row_counts(loaded_engine) == {**before, "superseded_values": before["superseded_values"]}
    # The reference load cannot go while other rows point at its regions: said, not a traceback.
    with loaded_engine.connect() as conn:
        first = conn.execute(select(func.min(Load.id))).scalar()
    load.apply(loaded_engine, pipeline.parse_path(path), file_name=path.name, sha256="s2")
    status, body = callback(client, "history-confirm-yes", {**values, "history-target": first})
    assert status == 200 and "Cannot roll back" in json.dumps(body["history-message"])
    status, body = callback(client, "history-confirm-yes", {**values, "history-target": 999999})
    assert "no load has id 999999" in json.dumps(body["history-message"])


def _cluster_row(client, kind: str, row: dict, token: str) -> tuple[str | None, dict]:
    """Submit the cluster-row form; (job id, response)."""
    names = list(row)
    values = {"cluster-submit": 1, "cluster-kind": kind, "admin-csrf": token, "admin-lang": "en"}
    deps = json.loads(client.get("/_dash-dependencies").data)
    spec = next(c for c in deps if any(i["id"] == "cluster-submit" for i in c["inputs"]))
    state = []
    for s in spec["state"]:
        if s["id"].startswith("{"):  # the pattern-matching fields: one entry per input on the page
            state.append([{"id": {"type": "cluster-field", "name": n}, "property": s["property"], "value": row[n]}
                          for n in names])
        else:
            state.append({"id": s["id"], "property": s["property"], "value": values.get(s["id"])})
    response = client.post("/_dash-update-component", json={
        "output": spec["output"], "outputs": _outputs(spec["output"]),
        "inputs": [{"id": "cluster-submit", "property": "n_clicks", "value": 1}], "state": state,
        "changedPropIds": ["cluster-submit.n_clicks"]})
    assert response.status_code == 200, response.data[:300]
    body = json.loads(response.data)["response"]
    job = next((v for k, v in body.get("admin-job", {}).items() if k.startswith("data")), None)
    return job, body


def test_cluster_rows_from_the_form_get_the_same_preview_apply_and_history(client, loaded_engine: Engine) -> None:
    """SYNTHETIC company and investment rows, typed into the form, previewed, applied, corrected."""
    sign_in(client)
    token = csrf_of(client, "/admin/data")
    url = "https://example.org/synthetic-news"
    company = {"company_key": "synthetic_pharma", "name_ru": "Синтетик Фарма", "name_en": "Synthetic Pharma",
               "city_or_park": "Kaluga", "source_url": url, "quote": "SYNTHETIC quote"}
    _, body = _cluster_row(client, "companies", {**company, "source_url": ""}, token)
    assert "Give the source URL" in json.dumps(body["cluster-message"])

    job_id, _ = _cluster_row(client, "companies", company, token)
    body = _wait(client, job_id)
    assert body["admin-status"]["children"]["props"]["data-state"] == "ready"
    preview = json.dumps(body["admin-preview"], ensure_ascii=False)
    assert '"1", "id": "admin-count-companies-added"' in preview and "Синтетик Фарма" in preview
    callback(client, "admin-apply", {"admin-apply": 1, "admin-job": job_id, "admin-csrf": token})
    assert _wait(client, job_id)["admin-status"]["children"]["props"]["data-state"] == "applied"

    investment = {"company": "Synthetic Pharma", "amount": "1.5", "currency": "bn RUB", "year_or_period": "2024",
                  "status": "made", "scope": "company", "source_url": url, "quote": "SYNTHETIC",
                  "company_key": "synthetic_pharma"}
    job_id, _ = _cluster_row(client, "investments", investment, token)
    body = _wait(client, job_id)
    assert '"1", "id": "admin-count-investments-added"' in json.dumps(body["admin-preview"])
    callback(client, "admin-apply", {"admin-apply": 1, "admin-job": job_id, "admin-csrf": token})
    assert _wait(client, job_id)["admin-status"]["children"]["props"]["data-state"] == "applied"

    # A correction of the company (same key, another English name) is a change, old -> new.
    job_id, _ = _cluster_row(client, "companies", {**company, "name_en": "Synthetic Pharma LLC"}, token)
    body = _wait(client, job_id)
    preview = json.dumps(body["admin-preview"], ensure_ascii=False)
    assert '"1", "id": "admin-count-companies-changed"' in preview
    assert "'old': 'Synthetic Pharma', 'new': 'Synthetic Pharma LLC'" in preview
    with loaded_engine.connect() as conn:
        applied = conn.execute(select(Load.file_name, Load.adapter).where(Load.status == "applied")
                               .order_by(Load.id)).all()
    assert [tuple(r) for r in applied][-2:] == [("admin-form-companies.csv", "cluster_companies"),
                                                ("admin-form-investments.csv", "cluster_investments")]


def test_a_preview_made_in_one_worker_is_shown_and_applied_by_another(client, loaded_engine: Engine,
                                                                      tmp_path: Path) -> None:
    """With several gunicorn workers the page's next request may reach another process: there, the job is read
    from what the first worker saved beside the upload (its in-memory registry is emptied here to stand in for
    the other process), and Apply stores exactly the previewed figures."""
    sign_in(client)
    token = csrf_of(client, "/admin/data")
    path = write_rr_workbook(tmp_path / "grp_2019.xlsx", grp_table([["Калужская область", 11.5, 12.5]]))  # SYNTHETIC
    job_id = _upload(client, path.read_bytes(), "grp_2019.xlsx", token)["admin-job"]["data"]
    body = _wait(client, job_id)
    assert body["admin-status"]["children"]["props"]["data-state"] == "ready"
    jobs._JOBS.clear()  # the other worker has never seen this job

    body = _wait(client, job_id)
    assert body["admin-status"]["children"]["props"]["data-state"] == "ready"
    assert body["admin-apply"]["disabled"] is False
    jobs._JOBS.clear()
    callback(client, "admin-apply", {"admin-apply": 1, "admin-job": job_id, "admin-csrf": token})
    jobs._JOBS.clear()
    body = _wait(client, job_id)
    assert body["admin-status"]["children"]["props"]["data-state"] == "applied"
    with loaded_engine.connect() as conn:
        values = sorted(conn.execute(select(Observation.value).where(Observation.region_code == "RU-KLU")).scalars())
    assert values == [11.5, 12.5]
    assert not list((tmp_path / "uploads" / "jobs").glob("*.frames.pickle"))  # applied: the frames are dropped


def test_a_job_id_is_never_a_path() -> None:
    assert jobs.get("../../etc/passwd", "anyone") is None
    assert jobs.get("a" * 200, "anyone") is None
