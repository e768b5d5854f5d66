"""Load run (`make soak`): simulated readers against gunicorn on PostgreSQL with Redis, an analyst's load midway.

Sets up a fresh PostgreSQL schema (TEST_POSTGRES_URL) with every bundled source (`etl refresh`), then rolls
back the 2024 GRP section ("Регионы России 2024", rr2024_s08_grp) so that the analyst has something to bring.
Serves it with gunicorn (2 workers, `dashboard.app:create_server()`, 127.0.0.1:8171) and the Redis cache
(CACHE_REDIS_URL, a database of its own, emptied before and after). Then locust (headless, tools/locustfile.py)
runs USERS simulated readers for SECONDS: page loads as the browser makes them, filter changes (the Dash
callbacks the page's controls fire), exports (chart CSV and XLSX, the API's CSV) and API calls. At 40% of the
run an analyst signs in at /admin/login, uploads the real workbook rr2024_s08_grp.xlsx (../shared/data) on
/admin/data, waits for its validation and applies it, as the browser does (`--analyst cli` runs `etl load`).

Two checkers among the users ask, over and over, views the load changes: the API's figures of GRP per capita
for Kaluga, its neighbours and Russia, and the indicators page's chart of the same, in 177 variants (first
year x regions; the cache is emptied after the driver's own answers, so the checkers' answers before the
commit are computed afresh). Each answer must be exactly that variant's answer before the load or exactly the
one after (never a mix: "half-applied"), and every question asked once the load is committed plus a cache
tick must get the new one (else "stale").
Memory: VmRSS of each gunicorn worker (/proc/<pid>/status), sampled every second.

Prints a summary table and writes it as JSON (artifacts/loadtest/loadtest.json). Exit status 1 on any
error, stale or half-applied answer, or lost figure.

    .venv/bin/python tools/loadtest.py [--users 50] [--seconds 120] [--analyst web|cli|none] [--json PATH]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PORT = 8171
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The tests use Redis database 15; the load run keeps to 14 and empties only that one.
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
ARTIFACTS = REPO / "artifacts" / "loadtest"
# At most this many seconds past --seconds, to see an analyst's slow load through, before the run is cut.
LATE_LIMIT = 600
# The bundled extract rolled back at setup, and the real workbook it was derived from, which the analyst applies.
TARGET_EXTRACT = "rr2024_s08_grp"
ANALYST_FILE = Path("corpus/regions_of_russia_2024/rr2024_s08_grp.xlsx")  # under ../shared/data

# What the checker asks: GRP per capita (the indicators page's default, and in the analyst's file) for Kaluga,
# the regions it borders and Russia (the page's default regions).
CHECK_INDICATOR = "grp_per_capita"
CHECK_REGIONS = ("RU-KLU", "RU-MOS", "RU-TUL", "RU-ORL", "RU-BRY", "RU-SMO", "RU")
# Variants of the checked views (first year x regions, always up to the newest year, which the load adds), more
# than the checker asks before the commit: the cache is emptied after the driver's own "before" answers, so each
# answer the checker gets before the commit is computed afresh, and one computed across the commit would show.
REGION_SETS = (CHECK_REGIONS, ("RU-KLU",), ("RU-KLU", "RU"), ("RU-KLU", "RU-MOS"), ("RU-KLU", "RU-TUL", "RU-ORL"),
               ("RU-KLU", "RU-BRY", "RU-SMO"), CHECK_REGIONS[:6], ("RU-KLU", "RU-TUL", "RU"))
CHECK_VARIANTS: tuple[tuple[int | None, tuple[str, ...]], ...] = (
    (None, CHECK_REGIONS), *((start, regions) for regions in REGION_SETS for start in range(2000, 2022)))
CHART_OUTPUT = "indicators-chart-graph.figure"
# Request types, the first word of every request's locust name.
KINDS = ("page", "filter", "export", "api", "check")
# An answer that says the database could not be reached (dashboard.components.callback_error) is an error too.
SOFT_ERRORS = ("database-unavailable", "База данных сейчас недоступна", "The database cannot be reached")

MISSING = object()


# --- the checker's judgement (pure: tests/tools/test_loadtest.py) ---------------------------------------------

def flatten(value: Any, path: tuple = ()) -> dict[tuple, Any]:
    """Every leaf of a JSON value by its path (dict keys and list positions)."""
    if isinstance(value, dict):
        out: dict[tuple, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, (*path, key)))
        return out or {path: {}}
    if isinstance(value, list):
        out = {}
        for i, item in enumerate(value):
            out.update(flatten(item, (*path, i)))
        return out or {path: []}
    return {path: value}


def api_mapping(body: Mapping) -> dict[tuple, Any]:
    """An /api/v1/observations answer as {(region, period, edition): row}: rows by their key, not their position,
    so a row added by a load does not shift the others; every other field of the answer kept by its path."""
    out: dict[tuple, Any] = {}
    for row in body.get("rows") or []:
        out[("row", row.get("region_code"), row.get("period"), row.get("edition"))] = json.dumps(row, sort_keys=True)
    for key, value in body.items():
        if key != "rows":
            out.update(flatten(value, ("meta", key)))
    return out


def chart_mapping(body: Mapping) -> dict[tuple, Any]:
    """A Dash callback answer as its leaves (figure points, titles, source line, links)."""
    return flatten(body.get("response", body))


MAPPINGS = {"api": api_mapping, "chart": chart_mapping}


def classify(old: Mapping, new: Mapping, seen: Mapping) -> str:
    """Whether an answer is the one before the load ("old"), the one after ("new"), a mix of the two ("mixed":
    every part is old or new, some old and some new: a half-applied load), or "neither" (a part is in neither)."""
    if seen == old:
        return "old"
    if seen == new:
        return "new"
    old_only = new_only = False
    for key in set(old) | set(new) | set(seen):
        value = seen.get(key, MISSING)
        in_old, in_new = value == old.get(key, MISSING), value == new.get(key, MISSING)
        if not in_old and not in_new:
            return "neither"
        old_only |= in_old and not in_new
        new_only |= in_new and not in_old
    return "mixed" if old_only and new_only else ("old" if old_only else "new")


@dataclass
class CheckTally:
    """The checker's answers of one view: how many were old, new, mixed, neither; old ones asked too late."""

    answers: int = 0
    errors: int = 0
    old: int = 0
    new: int = 0
    mixed: int = 0
    neither: int = 0
    stale: int = 0  # old, though asked once the load was committed plus the cache tick
    old_in_tick: int = 0  # old, asked between the commit and the end of the tick (allowed)
    old_before: int = 0  # old, asked before the commit (the expected answer then)
    new_before: int = 0  # new, asked before the commit was seen (it had committed already: allowed)

    @property
    def bad(self) -> int:
        return self.mixed + self.neither + self.stale


def judge(records: Iterable[Mapping], bodies: Mapping[str, Any], canon: Mapping[Any, tuple[Mapping, Mapping]],
          committed_at: float | None, tick: float) -> dict[str, CheckTally]:
    """Tally the checker's answers per view. `records`: {check, variant (optional), sent, status, digest} per
    answer; `bodies`: the answer of each digest; `canon`: the (old, new) mapping of each view, by its name or by
    (name, variant); `committed_at`: when the load was seen committed (None: it never was, so every answer must
    be old)."""
    tallies = {(key if isinstance(key, str) else key[0]): CheckTally() for key in canon}
    verdicts: dict[tuple, str] = {}
    for record in records:
        name = record["check"]
        tally = tallies.setdefault(name, CheckTally())
        tally.answers += 1
        if record.get("status") != 200 or record.get("digest") not in bodies:
            tally.errors += 1
            continue
        view = (name, record.get("variant")) if (name, record.get("variant")) in canon else name
        key = (view, record["digest"])
        if key not in verdicts:
            old, new = canon[view]
            verdicts[key] = classify(old, new, MAPPINGS[name](bodies[record["digest"]]))
        verdict = verdicts[key]
        if verdict in ("mixed", "neither"):
            setattr(tally, verdict, getattr(tally, verdict) + 1)
            continue
        if verdict == "new":
            tally.new += 1
            if committed_at is None or record["sent"] < committed_at:
                tally.new_before += 1
                if committed_at is None:  # nothing was committed: a new answer is from nowhere
                    tally.neither += 1
            continue
        tally.old += 1
        if committed_at is None or record["sent"] < committed_at:
            tally.old_before += 1
        elif record["sent"] < committed_at + tick:
            tally.old_in_tick += 1
        else:
            tally.stale += 1
    return tallies


# --- Dash requests as the browser makes them (used by tools/locustfile.py too) --------------------------------

def output_list(output: str) -> list[dict] | dict:
    """The outputs of a callback as the renderer sends them: '..a.b...c.d..' for several, 'a.b' for one."""
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    ids = [part.rsplit(".", 1) for part in parts]
    outputs = [{"id": json.loads(i) if i.startswith("{") else i, "property": p} for i, p in ids]
    return outputs if output.startswith("..") else outputs[0]


def find_callback(deps: list[dict], output_part: str) -> dict:
    """The callback (from /_dash-dependencies) whose output names `output_part`."""
    return next(c for c in deps if output_part in c["output"])


def fired_by(deps: list[dict], trigger: str) -> dict:
    """The server-side callback that the input "id.property" fires (several callbacks may write one output)."""
    return next(c for c in deps if not c.get("clientside_function")
                and any(f"{i['id']}.{i['property']}" == trigger for i in c["inputs"]))


def callback_payload(spec: Mapping, values: Mapping[str, Any], changed: Iterable[str] = ()) -> dict:
    """The body of POST /_dash-update-component for `spec`, with input and state values by "id.property" (or by
    id alone); a value not given is None, as for a component that has no such property yet."""

    def dep(d: Mapping) -> dict:
        key = d["id"] if isinstance(d["id"], str) else json.dumps(d["id"], sort_keys=True, separators=(",", ":"))
        value = values.get(f"{key}.{d['property']}", values.get(key))
        return {"id": d["id"], "property": d["property"], "value": value}

    return {"output": spec["output"], "outputs": output_list(spec["output"]),
            "inputs": [dep(i) for i in spec["inputs"]], "state": [dep(s) for s in spec["state"]],
            "changedPropIds": list(changed)}


def pages_payload(deps: list[dict], path: str, search: str = "") -> dict:
    """The Dash Pages router's callback for `path`: what the browser sends when it opens a page."""
    spec = find_callback(deps, "_pages_content.children")
    return callback_payload(spec, {"_pages_location.pathname": path, "_pages_location.search": search},
                            ["_pages_location.pathname"])


def chart_payload(deps: list[dict], variant: int = 0) -> dict:
    """The indicators chart of a checked view: the line of GRP per capita from its first year to the newest, every
    edition merged, in Russian."""
    start, regions = CHECK_VARIANTS[variant]
    spec = find_callback(deps, CHART_OUTPUT)
    values = {"indicators-indicator.value": CHECK_INDICATOR, "indicators-regions.value": list(regions),
              "indicators-years.value": None if start is None else [start, None], "indicators-view.value": "line",
              "indicators-transform.value": "published", "indicators-log.checked": False,
              "indicators-lang.data": "ru"}
    return callback_payload(spec, values)


def api_path(variant: int = 0) -> str:
    """The API's figures of a checked view: GRP per capita of its regions from its first year, every edition."""
    start, regions = CHECK_VARIANTS[variant]
    return (f"/api/v1/observations?indicator={CHECK_INDICATOR}&region={','.join(regions)}&limit=5000"
            + (f"&from={start}" if start is not None else ""))


def all_props(node: Any) -> Iterator[dict]:
    """Every component's props in a rendered layout, each with its component "type" added."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and "type" in node:
            yield {"type": node["type"], **props}
        for value in node.values():
            yield from all_props(value)
    elif isinstance(node, list):
        for value in node:
            yield from all_props(value)


def layout_props(node: Any) -> dict[str, dict]:
    """Every component with a plain id in a rendered layout, as {id: {"type": ..., **props}}."""
    return {props["id"]: props for props in all_props(node) if isinstance(props.get("id"), str)}


def soft_error(text: str) -> str | None:
    """The error an answer with a 200 status carries (a chart's or page's "database unavailable" state)."""
    return next((marker for marker in SOFT_ERRORS if marker in text), None)


def digest(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


# --- the run ---------------------------------------------------------------------------------------------------

@dataclass
class Analyst:
    """What the analyst did and when (time.time() seconds)."""

    how: str = "none"
    file: str = ""
    started: float | None = None
    validated: float | None = None  # the preview was ready (validation done)
    apply_clicked: float | None = None
    committed: float | None = None  # the load was first seen applied in the database
    finished: float | None = None  # the page said "applied"
    load_id: int | None = None
    error: str | None = None
    steps: list[str] = field(default_factory=list)


@dataclass
class Result:
    users: int
    seconds: float
    started_at: str = ""
    commit: str = ""
    load_average: dict[str, list[float]] = field(default_factory=dict)
    requests: int = 0
    failures: int = 0
    soft_errors: int = 0
    requests_per_s: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    by_kind: dict[str, dict] = field(default_factory=dict)
    checks: dict[str, dict] = field(default_factory=dict)
    variants: int = len(CHECK_VARIANTS)
    unchanged_variants: dict[str, int] = field(default_factory=dict)
    stale: int = 0
    half_applied: int = 0
    figures_expected: int = 0
    figures_found: int = 0
    figures_lost: int = 0
    worker_rss_max_mb: dict[str, float] = field(default_factory=dict)
    worker_restarts: int = 0
    server_errors: list[str] = field(default_factory=list)
    failure_samples: list[str] = field(default_factory=list)
    analyst: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return self.failures + len(self.server_errors) + len(self.errors) + self.worker_restarts

    def ok(self) -> bool:
        return not (self.error_count or self.stale or self.half_applied or self.figures_lost)


def log(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", flush=True)


def etl_cli(url: str, *argv: str, timeout: float = 1800) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.run([sys.executable, "-m", "etl", "--database-url", url, *argv], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=timeout)
    return process.returncode, process.stdout + process.stderr


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A fresh schema in the PostgreSQL database of `base_url`, dropped afterwards: the URL that uses it."""
    from sqlalchemy import make_url, text

    from etl.db import make_engine

    schema = f"loadtest_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def prepare(url: str, extracts: list[str] | None) -> None:
    """Every bundled source (or `extracts` only, with the reference tables), without the target extract."""
    started = time.monotonic()
    if extracts is None:
        code, output = etl_cli(url, "refresh")
    else:
        from etl import extracts as bundled
        from etl.paths import EXTRACTS_DIR, REFERENCE_DIR

        code, output = etl_cli(url, "load", str(REFERENCE_DIR))
        for path in bundled.bundled_in_load_order(EXTRACTS_DIR):  # the order refresh uses (foreign keys)
            if code == 0 and path.name in extracts:
                code, output = etl_cli(url, "load", str(path))
    if code != 0:
        raise SystemExit(f"building the database failed:\n{output[-3000:]}")
    log(f"database built in {time.monotonic() - started:.0f} s")
    withdraw(url)


def withdraw(url: str) -> None:
    """Roll back every applied load of the target (the extract, or the analyst's workbook), newest first."""
    from sqlalchemy import text

    from etl.db import make_engine

    engine = make_engine(url)
    query = text("SELECT id FROM loads WHERE status = 'applied' AND (file_name LIKE :extract OR file_name = :file) "
                 "ORDER BY id DESC")
    with engine.connect() as conn:
        ids = conn.execute(query, {"extract": f"%{TARGET_EXTRACT}", "file": ANALYST_FILE.name}).scalars().all()
    engine.dispose()
    for load_id in ids:
        code, output = etl_cli(url, "rollback", str(load_id))
        if code != 0:
            raise SystemExit(f"rolling back load {load_id} ({TARGET_EXTRACT}) failed:\n{output[-2000:]}")
        log(f"load {load_id} ({TARGET_EXTRACT}) rolled back: the analyst brings it back")


def observation_count(url: str) -> int:
    from sqlalchemy import text

    from etl.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM observations")).scalar()
    finally:
        engine.dispose()


def expected_added(url: str, path: Path) -> int:
    """The observations the analyst's file adds, from a dry run (nothing written)."""
    from etl import pipeline
    from etl.db import make_engine

    engine = make_engine(url)
    try:
        report = pipeline.load_path(engine, path, dry_run=True)
    finally:
        engine.dispose()
    if report.status != "dry_run":
        raise SystemExit(f"the analyst's file does not load: {report.status} {report.error}")
    return next((t.added for t in report.tables if t.table == "observations"), 0)


def add_analyst(url: str, password: str) -> str:
    """A new analyst account (a name of its own, so a reused database takes another); its name."""
    from etl import users
    from etl.db import make_engine

    name = f"loadtest-{uuid.uuid4().hex[:8]}"
    engine = make_engine(url)
    try:
        users.add_analyst(engine, name, password)
    finally:
        engine.dispose()
    return name


class Gunicorn:
    """gunicorn with `workers` workers over `env`; its log in `log_path`."""

    def __init__(self, env: dict[str, str], workers: int, log_path: Path, port: int = PORT) -> None:
        self.log_path, self.port = log_path, port
        self.log_file = log_path.open("w")
        command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers),
                   "--bind", f"127.0.0.1:{port}", "--error-logfile", "-", "dashboard.app:create_server()"]
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=self.log_file, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, timeout: float = 120) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}):\n{self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/api/v1/loads?limit=1", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise SystemExit("gunicorn did not answer in time")

    def workers(self) -> list[int]:
        """The worker processes: children of the master."""
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    children.append(int(entry.name))
        return sorted(children)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()


class MemorySampler(threading.Thread):
    """VmRSS of every gunicorn worker each second; the most each reached, and how many workers there were."""

    def __init__(self, server: Gunicorn) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.peak: dict[int, int] = {}  # pid -> kB
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            for pid in self.server.workers():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
                if found:
                    self.peak[pid] = max(self.peak.get(pid, 0), int(found[1]))


class Http:
    """The analyst's browser: one session (its cookie), Dash's callbacks posted as the renderer does."""

    def __init__(self, base: str) -> None:
        import requests

        self.base = base
        self.session = requests.Session()
        self.deps = self.get("/_dash-dependencies").json()

    def get(self, path: str, **kwargs):
        response = self.session.get(self.base + path, timeout=120, **kwargs)
        response.raise_for_status()
        return response

    def post(self, payload: dict) -> dict:
        response = self.session.post(self.base + "/_dash-update-component", json=payload, timeout=300)
        if response.status_code == 204:
            return {}
        response.raise_for_status()
        return response.json().get("response", {})

    def page(self, path: str) -> dict[str, dict]:
        self.get(path)
        return layout_props(self.post(pages_payload(self.deps, path)))

    def call(self, trigger: str, values: dict) -> dict:
        """Fire the callback the input `trigger` ("id.property") fires, with these input and state values."""
        return self.post(callback_payload(fired_by(self.deps, trigger), values, [trigger]))


def admin_state(response: dict) -> str | None:
    status = response.get("admin-status", {}).get("children")
    return (status or {}).get("props", {}).get("data-state") if isinstance(status, dict) else None


def analyst_web(base: str, name: str, password: str, path: Path, on_clicked, result: Analyst) -> None:
    """Sign in, upload `path` on /admin/data, wait for its validation, apply it, wait until it is applied."""
    result.how, result.file, result.started = "web", path.name, time.time()
    http = Http(base)
    layout = http.post(pages_payload(http.deps, "/admin/login")) if http.get("/admin/login") else {}
    csrf = next((p.get("value") for p in all_props(layout) if p.get("name") == "csrf"), None)
    if not csrf:
        raise RuntimeError("the sign-in page has no csrf field")
    response = http.session.post(base + "/admin/login", data={"name": name, "password": password, "csrf": csrf,
                                                                "next": "/admin/data"}, allow_redirects=False,
                                 timeout=60)
    if response.status_code != 303 or not response.headers.get("Location", "").startswith("/admin/data"):
        raise RuntimeError(f"sign-in refused: {response.status_code} {response.headers.get('Location')}")
    result.steps.append("signed in at /admin/login")
    token = http.page("/admin/data")["admin-csrf"]["data"]
    contents = "data:application/octet-stream;base64," + base64.b64encode(path.read_bytes()).decode()
    answer = http.call("admin-upload.contents", {"admin-upload.contents": contents, "admin-upload.filename": path.name,
                                                 "admin-csrf": token, "admin-lang": "en"})
    job = answer.get("admin-job", {}).get("data")
    if not job:
        raise RuntimeError(f"upload refused: {json.dumps(answer.get('admin-upload-message'))[:500]}")
    result.steps.append(f"uploaded {path.name} ({path.stat().st_size:,} bytes) on /admin/data")

    def wait(until: str) -> str:
        """Poll as the page's interval does, until the job reaches `until` or another final state."""
        deadline, tick = time.monotonic() + 900, 0
        while time.monotonic() < deadline:
            tick += 1
            state = admin_state(http.call("admin-poll.n_intervals", {"admin-poll.n_intervals": tick,
                                                                     "admin-job.data": job, "admin-lang": "en"}))
            if state == until or state in {"invalid", "failed", "refused", "discarded"}:
                return state
            time.sleep(0.5)
        raise RuntimeError(f"the job did not become {until} within 900 s")

    state = wait("ready")
    result.validated = time.time()
    if state != "ready":
        raise RuntimeError(f"validation ended {state!r}")
    result.steps.append("validated: preview ready")
    on_clicked()
    result.apply_clicked = time.time()
    http.call("admin-apply.n_clicks", {"admin-apply.n_clicks": 1, "admin-job.data": job, "admin-csrf": token})
    state = wait("applied")
    result.finished = time.time()
    if state != "applied":
        raise RuntimeError(f"apply ended {state!r}")
    result.steps.append("applied")


def analyst_cli(url: str, path: Path, on_clicked, result: Analyst) -> None:
    result.how, result.file, result.started = "cli", path.name, time.time()
    on_clicked()
    result.apply_clicked = result.validated = time.time()
    code, output = etl_cli(url, "load", str(path))
    result.finished = time.time()
    if code != 0:
        raise RuntimeError(f"etl load exited {code}: {output[-500:]}")
    result.steps.append(f"python -m etl load {path.name}")


class CommitWatch(threading.Thread):
    """When the analyst's load is first seen applied in the database (a separate connection, every 50 ms)."""

    def __init__(self, url: str, file_name: str, result: Analyst) -> None:
        super().__init__(daemon=True)
        self.url, self.file_name, self.result = url, file_name, result
        self.stopped = threading.Event()

    def run(self) -> None:
        from sqlalchemy import text

        from etl.db import make_engine

        engine = make_engine(self.url)
        query = text("SELECT max(id) FROM loads WHERE status = 'applied' AND file_name = :name")
        try:
            while not self.stopped.is_set():
                with engine.connect() as conn:
                    load_id = conn.execute(query, {"name": self.file_name}).scalar()
                if load_id is not None:
                    self.result.committed, self.result.load_id = time.time(), load_id
                    return
                time.sleep(0.05)
        finally:
            engine.dispose()


def fetch_checks(base: str, deps: list[dict], variant: int) -> dict[str, tuple[bytes, int]]:
    """One answer of each checked view of `variant`: (body, status)."""
    import requests

    api = requests.get(base + api_path(variant), timeout=120)
    chart = requests.post(base + "/_dash-update-component", json=chart_payload(deps, variant), timeout=120)
    return {"api": (api.content, api.status_code), "chart": (chart.content, chart.status_code)}


def canonical(base: str, label: str, errors: list[str]) -> dict[tuple[str, int], Mapping]:
    """The mapping of each checked view of every variant. The first variant is asked three times (both workers,
    a cache miss and hits): its answers must agree, or the check could not judge."""
    import requests

    deps = requests.get(base + "/_dash-dependencies", timeout=60).json()
    out: dict[tuple[str, int], Mapping] = {}
    for variant in range(len(CHECK_VARIANTS)):
        answers = [fetch_checks(base, deps, variant) for _ in range(3 if variant == 0 else 1)]
        for name in ("api", "chart"):
            bodies = {body for body, status in (a[name] for a in answers) if status == 200}
            statuses = [a[name][1] for a in answers]
            if len(bodies) != 1 or set(statuses) != {200}:
                errors.append(f"{label}: the {name} check of variant {variant} {CHECK_VARIANTS[variant]} answered "
                              f"{statuses}, {len(bodies)} different bodies: it cannot judge")
            body = json.loads(answers[-1][name][0]) if answers[-1][name][1] == 200 else {}
            out[(name, variant)] = MAPPINGS[name](body)
    return out


def run_locust(users: int, seconds: int, spawn_rate: float, out: Path, seed: int, port: int,
               checkers: int) -> subprocess.Popen:
    """locust, headless; it runs until the driver stops it (SIGTERM), or at most `seconds`."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "LOADTEST_OUT": str(out), "LOADTEST_SEED": str(seed),
           "LOADTEST_CHECKERS": str(checkers)}
    command = [str(Path(sys.executable).with_name("locust")), "-f", str(REPO / "tools" / "locustfile.py"),
               "--headless", "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s",
               "--host", f"http://127.0.0.1:{port}", "--csv", str(out / "locust"), "--only-summary",
               "--stop-timeout", "30", "--exit-code-on-error", "0", "--loglevel", "WARNING"]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=(out / "locust.log").open("w"),
                            stderr=subprocess.STDOUT)


def read_checker(out: Path) -> tuple[list[dict], dict[str, Any]]:
    records, bodies = [], {}
    path = out / "checks.jsonl"
    if path.exists():
        for line in path.read_text().splitlines():
            records.append(json.loads(line))
    for body in (out / "bodies").glob("*.json"):
        bodies[body.stem] = json.loads(body.read_text())
    return records, bodies


def server_errors(log_text: str) -> list[str]:
    """Tracebacks, worker timeouts and errors in gunicorn's log (one line each)."""
    lines = log_text.splitlines()
    found = []
    for i, line in enumerate(lines):
        if "Traceback" in line or "WORKER TIMEOUT" in line or "[ERROR]" in line or "[CRITICAL]" in line:
            tail = next((x for x in lines[i + 1:i + 60] if x and not x.startswith((" ", "Traceback"))), "")
            found.append(f"{line.strip()[:200]} {tail.strip()[:300]}".strip())
    return found


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(args: argparse.Namespace) -> Result:
    from etl.paths import shared_data_dir

    result = Result(users=args.users, seconds=args.seconds,
                    started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    commit=args.commit or subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                                         capture_output=True, text=True).stdout.strip())
    result.load_average["start"] = load_average()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    (out / "bodies").mkdir(parents=True)
    analyst_file = shared_data_dir() / ANALYST_FILE
    if args.analyst == "web" and not analyst_file.is_file():
        raise SystemExit(f"{analyst_file} is not present (../shared/data); use --analyst none")
    if args.analyst == "cli" and not analyst_file.is_file():
        raise SystemExit(f"{analyst_file} is not present")
    redis_url = args.redis_url
    import redis

    cache = redis.Redis.from_url(redis_url)
    cache.flushdb()  # our own database number only
    uploads = Path(tempfile.mkdtemp(prefix="loadtest-uploads-"))
    password = secrets.token_urlsafe(18)
    analyst = Analyst()
    with (postgres_schema(args.postgres_url) if not args.database_url else nullcontext(args.database_url)) as url:
        if args.database_url:
            withdraw(url)
        else:
            prepare(url, args.extracts)
        analyst_name = add_analyst(url, password)
        before = observation_count(url)
        added = expected_added(url, analyst_file) if args.analyst != "none" else 0
        env = {**os.environ, "PYTHONPATH": str(REPO), "DATABASE_URL": url, "CACHE_REDIS_URL": redis_url,
               "SECRET_KEY": secrets.token_hex(32), "ADMIN_UPLOAD_DIR": str(uploads), "DASH_DEBUG": "0"}
        server = Gunicorn(env, args.workers, out / "gunicorn.log", args.port)
        sampler = MemorySampler(server)
        locust = None
        watch = CommitWatch(url, analyst_file.name, analyst)
        try:
            server.wait_ready()
            base = f"http://127.0.0.1:{args.port}"
            log(f"gunicorn up (workers {server.workers()}); the views before the load:")
            old = canonical(base, "before the load", result.errors)
            cache.flushdb()  # the checker's answers before the commit are computed afresh, not the driver's
            sampler.start()
            # Bounded: the driver ends the run at --seconds, or later only to see the analyst's load through.
            locust = run_locust(args.users, args.seconds + LATE_LIMIT, args.spawn_rate, out, args.seed, args.port,
                                args.checkers)
            log(f"locust: {args.users} users for {args.seconds} s")
            started = time.monotonic()
            analyst_thread = None
            if args.analyst != "none":
                time.sleep(max(args.seconds * args.analyst_at, 1))
                result.load_average["analyst"] = load_average()

                def analyst_main() -> None:
                    try:
                        if args.analyst == "web":
                            analyst_web(base, analyst_name, password, analyst_file, watch.start, analyst)
                        else:
                            analyst_cli(url, analyst_file, watch.start, analyst)
                    except Exception as exc:  # reported in the summary, never lost
                        analyst.error = f"{type(exc).__name__}: {exc}"

                analyst_thread = threading.Thread(target=analyst_main, daemon=True)
                analyst_thread.start()
                log(f"analyst: {args.analyst} load of {analyst_file.name}")

            def seen_through() -> bool:
                """The analyst is done and the checker has had `--after` seconds past the commit and its tick."""
                if analyst_thread is None:
                    return True
                if analyst_thread.is_alive():
                    return False
                return analyst.committed is None or time.time() >= analyst.committed + args.tick + args.after

            while locust.poll() is None:
                time.sleep(0.5)
                elapsed = time.monotonic() - started
                if elapsed > args.seconds * 0.9 and "late" not in result.load_average:
                    result.load_average["late"] = load_average()
                if elapsed >= args.seconds and seen_through():
                    break
            result.seconds = round(time.monotonic() - started, 1)
            if locust.poll() is None:
                locust.send_signal(signal.SIGTERM)  # locust stops its users and writes its stats
                locust.wait(120)
            if analyst_thread is not None:
                analyst_thread.join(timeout=900)
                if watch.ident is not None:
                    watch.join(timeout=60)
            log(f"locust done; analyst: {analyst.steps} {analyst.error or ''}")
            time.sleep(args.tick)
            new = canonical(base, "after the load", result.errors)
            result.load_average["end"] = load_average()
        finally:
            if locust is not None and locust.poll() is None:
                locust.terminate()
                locust.wait(30)
            watch.stopped.set()
            sampler.stopped.set()
            server.stop()
            cache.flushdb()
            shutil.rmtree(uploads, ignore_errors=True)
        after = observation_count(url)

    # --- the figures -----------------------------------------------------------------------------------------
    result.analyst = asdict(analyst)
    if args.analyst != "none":
        if analyst.error:
            result.errors.append(f"analyst: {analyst.error}")
        if analyst.committed is None:
            result.errors.append("the analyst's load was never seen committed")
        for name in ("api", "chart"):
            same = [v for v in range(len(CHECK_VARIANTS)) if old[(name, v)] == new[(name, v)]]
            result.unchanged_variants[name] = len(same)
            if len(same) == len(CHECK_VARIANTS):
                result.errors.append(f"no answer of the {name} check changed with the load: it judged nothing")
    result.figures_expected = before + added
    result.figures_found = after
    result.figures_lost = max(result.figures_expected - after, 0)
    if after != result.figures_expected:
        result.errors.append(f"observations: {after:,} after the run, expected {before:,} + {added:,}")
    records, bodies = read_checker(out)
    tallies = judge(records, bodies, {key: (old[key], new[key]) for key in old}, analyst.committed, args.tick)
    result.checks = {name: {**asdict(t), "bad": t.bad} for name, t in tallies.items()}
    result.stale = sum(t.stale for t in tallies.values())
    result.half_applied = sum(t.mixed + t.neither for t in tallies.values())
    if args.analyst != "none" and analyst.committed is not None:
        for name, t in tallies.items():
            if not (t.old_before and t.new):
                result.errors.append(f"the {name} check saw {t.old_before} answers before the load and {t.new} "
                                     "after: both are needed to judge")
    summary_path = out / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    if not summary:
        result.errors.append(f"locust wrote no summary (see {out / 'locust.log'})")
    total = summary.get("total", {})
    result.requests, result.failures = total.get("requests", 0), total.get("failures", 0)
    result.soft_errors = total.get("soft_errors", 0)
    result.requests_per_s, result.p50_ms, result.p95_ms = total.get("rps", 0.0), total.get("p50", 0.0), \
        total.get("p95", 0.0)
    result.by_kind = summary.get("kinds", {})
    for kind in KINDS:
        if not result.by_kind.get(kind, {}).get("requests"):
            result.errors.append(f"no {kind} request was made")
    result.failure_samples = summary.get("failure_samples", [])
    result.worker_rss_max_mb = {str(pid): round(kb / 1024, 1) for pid, kb in sorted(sampler.peak.items())}
    result.worker_restarts = max(len(sampler.peak) - args.workers, 0)
    result.server_errors = server_errors((out / "gunicorn.log").read_text())
    return result


def table(result: Result) -> str:
    kinds = result.by_kind
    lines = ["| request type | requests | failures | requests/s | p50 ms | p95 ms | max ms |",
             "|---|---|---|---|---|---|---|"]
    for kind in (*KINDS, "total"):
        k = kinds.get(kind) if kind != "total" else {"requests": result.requests, "failures": result.failures,
                                                    "rps": result.requests_per_s, "p50": result.p50_ms,
                                                    "p95": result.p95_ms, "max": kinds.get("total", {}).get("max", 0)}
        if k:
            lines.append(f"| {kind} | {k['requests']:,} | {k['failures']} | {k['rps']:.1f} | {k['p50']:.0f} | "
                         f"{k['p95']:.0f} | {k.get('max', 0):.0f} |")
    return "\n".join(lines)


def report(result: Result) -> str:
    analyst = result.analyst
    lines = [table(result), ""]
    lines.append(f"checked views: {result.variants} variants each of the API's and the chart's; unchanged by the "
                 f"load: {result.unchanged_variants}")
    for name, check in result.checks.items():
        lines.append(f"check {name}: {check['answers']} answers: {check['old_before']} old before the commit, "
                     f"{check['old_in_tick']} old within the tick, {check['new']} new; stale {check['stale']}, "
                     f"mixed {check['mixed']}, neither {check['neither']}, errors {check['errors']}")
    if analyst.get("how") != "none":
        t0 = analyst.get("started") or 0
        rel = {k: round(analyst[k] - t0, 1) for k in ("validated", "apply_clicked", "committed", "finished")
               if analyst.get(k)}
        lines.append(f"analyst ({analyst['how']}): {analyst['file']}: seconds after start {rel}; "
                     f"load {analyst.get('load_id')}; {analyst.get('error') or 'ok'}")
    lines.append(f"figures: {result.figures_found:,} after the run, expected {result.figures_expected:,}; "
                 f"lost {result.figures_lost}")
    lines.append(f"worker RSS max (MB): {result.worker_rss_max_mb}; worker restarts {result.worker_restarts}")
    lines.append(f"load average: {result.load_average}")
    for error in result.errors + result.server_errors:
        lines.append(f"error: {error}")
    for sample in result.failure_samples[:10]:
        lines.append(f"failure: {sample}")
    lines.append(f"stale {result.stale}, half-applied {result.half_applied}, errors {result.error_count} "
                 f"({result.failures} failed requests, {result.soft_errors} of them error states)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--spawn-rate", type=float, default=10.0, help="users started per second")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--analyst", choices=("web", "cli", "none"), default="web",
                        help="how the analyst's load is applied: the /admin/data page, `etl load`, or not at all")
    parser.add_argument("--port", type=int, default=PORT, help="gunicorn's port on 127.0.0.1")
    parser.add_argument("--checkers", type=int, default=2, help="how many of the users are checkers")
    parser.add_argument("--commit", default=None,
                        help="the commit the code is from, when it does not run from a git checkout")
    parser.add_argument("--analyst-at", type=float, default=0.4, help="when the analyst starts, as a share of the run")
    parser.add_argument("--after", type=float, default=5.0,
                        help="seconds of checks the run keeps past the commit and its tick, however short it is")
    parser.add_argument("--tick", type=float, default=1.0,
                        help="seconds after the commit within which an old answer is still allowed")
    parser.add_argument("--extracts", nargs="*", default=None,
                        help="load only the reference tables and these extracts (default: every bundled source)")
    parser.add_argument("--postgres-url", default=os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES)
    parser.add_argument("--database-url", default=None,
                        help="use this database as it is instead of a fresh schema (for development: the target's "
                             "loads are rolled back first, and the analyst's stays applied)")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", default=str(ARTIFACTS), help="folder of the run's logs and locust's files")
    parser.add_argument("--json", default=None, help="where the summary JSON goes (default: OUT/loadtest.json)")
    args = parser.parse_args(argv)
    args.seed = args.seed if args.seed is not None else secrets.randbelow(10**6)
    # A stop (timeout, kill) unwinds like an error, so gunicorn, locust and the schema are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    log(f"seed {args.seed}")
    result = run(args)
    print()
    print(report(result), flush=True)
    payload = {**asdict(result), "ok": result.ok(), "error_count": result.error_count,
               "seed": args.seed,
               "command": " ".join(["tools/loadtest.py", *(argv if argv is not None else sys.argv[1:])])}
    path = Path(args.json or Path(args.out) / "loadtest.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
    log(f"summary written to {path}")
    return 0 if result.ok() else 1


if __name__ == "__main__":
    raise SystemExit(main())
