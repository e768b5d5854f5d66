"""Uploads and their background work: sniff the type, keep the file, validate it (parse, dry run, verify), apply.

A job runs in a thread of the worker that received the upload, so a long validation blocks no other
request; the page polls its state. One heavy step (validation or apply) runs at a time per worker.
With several workers the page's next request may reach another one: every state change is written
beside the upload (`<ADMIN_UPLOAD_DIR>/jobs/`), the parsed frames once the preview is ready, so any
worker shows the job and can apply it. Two workers applying one preview cannot both succeed: an apply
is refused once the data changed since the preview (etl.history.require_version).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import os
import pickle
import re
import secrets
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select

from etl import history, load, pipeline, settings, verify
from etl.errors import InputError
from etl.paths import DATA_DIR
from etl.schema import Region
from etl.sources.base import Parsed

log = logging.getLogger(__name__)

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# States a job ends in (the page stops polling).
FINAL = {"ready", "invalid", "failed", "applied", "refused", "discarded"}
_ONE_HEAVY_STEP = threading.Semaphore(1)
_JOBS: dict[str, Job] = {}
_LOCK = threading.Lock()
MAX_JOBS = 50
_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
PROGRESS_SAVE_SECONDS = 1.0


class UploadRefused(ValueError):
    """An upload refused before any parsing: too large, or not a workbook or CSV text. The message is a text key."""

    def __init__(self, key: str, **fields: object):
        super().__init__(key)
        self.key = key
        self.fields = fields


def max_upload_bytes() -> int:
    return int(float(settings.get("ADMIN_UPLOAD_MAX_MB")) * 1024 * 1024)


def upload_dir() -> Path:
    folder = settings.get("ADMIN_UPLOAD_DIR")
    return Path(folder) if folder else DATA_DIR / "uploads"


def sniff(content: bytes) -> str:
    """The file's kind from its bytes, never its name: 'xlsx', 'xls' or 'csv'; UploadRefused otherwise."""
    if content.startswith(XLSX_MAGIC):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except zipfile.BadZipFile as exc:
            raise UploadRefused("refused.zip") from exc
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            return "xlsx"
        raise UploadRefused("refused.zip")
    if content.startswith(OLE_MAGIC):
        return "xls"
    head = content[:65536]
    if b"\x00" in head:
        raise UploadRefused("refused.type")
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # The head may end inside a multi-byte character: only an error before its last 3 bytes counts.
        if exc.start < len(head) - 3:
            raise UploadRefused("refused.type") from exc
    if not head.strip():
        raise UploadRefused("refused.empty")
    return "csv"


def clean_name(name: str | None) -> str:
    """The uploaded file's name as the history shows it: no folders, no control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    return base[:200] or "upload"


@dataclass
class Job:
    id: str
    owner: str
    file_name: str
    path: Path
    sha256: str
    kind: str
    adapter: str | None
    created_at: datetime
    state: str = "queued"
    step: str = "queued"
    done: int = 0
    total: int = 0
    parsed: Parsed | None = None
    report: load.LoadReport | None = None
    preview: history.Preview | None = None
    version: str | None = None
    verify_checked: int = 0
    verify_differences: list[str] = field(default_factory=list)
    verify_total: int = 0
    verify_error: str | None = None
    errors: list[dict] = field(default_factory=list)
    message: str | None = None
    load_id: int | None = None
    applied: load.LoadReport | None = None
    revision: int = 0  # bumped at each save: the newest copy (this worker's or the file) wins


def _jobs_dir() -> Path:
    return upload_dir() / "jobs"


def _write_atomically(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    temporary.write_bytes(payload)
    os.replace(temporary, path)


def save(job: Job) -> None:
    """Write the job's state where every worker finds it (its parsed frames are kept separately)."""
    job.revision += 1
    # NOTE: pickle, since the preview and the reports are dataclasses; the files are the app's own, in
    # its upload folder, written and read by its workers only (never anything a user sent).
    _write_atomically(_jobs_dir() / f"{job.id}.pickle", pickle.dumps(dataclasses.replace(job, parsed=None)))


def _save_frames(job: Job) -> None:
    _write_atomically(_jobs_dir() / f"{job.id}.frames.pickle", pickle.dumps(job.parsed))


def _load_frames(job: Job) -> Parsed | None:
    path = _jobs_dir() / f"{job.id}.frames.pickle"
    return pickle.loads(path.read_bytes()) if path.is_file() else None


def _drop_frames(job: Job) -> None:
    (_jobs_dir() / f"{job.id}.frames.pickle").unlink(missing_ok=True)


def _saved(job_id: str) -> Job | None:
    path = _jobs_dir() / f"{job_id}.pickle"
    try:
        return pickle.loads(path.read_bytes()) if path.is_file() else None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        log.warning("job state %s unreadable", path)
        return None


def save_upload(content: bytes, file_name: str | None, owner: str, adapter: str | None) -> Job:
    """Keep an upload (size and type checked) and register its job; UploadRefused says why not."""
    limit = max_upload_bytes()
    if len(content) > limit:
        raise UploadRefused("refused.size", size=len(content), limit=limit)
    if not content:
        raise UploadRefused("refused.empty")
    kind = sniff(content)
    if adapter and adapter not in pipeline.ADAPTERS:
        adapter = None
    sha = hashlib.sha256(content).hexdigest()
    name = f"{Path(clean_name(file_name)).stem[:180] or 'upload'}.{kind}"
    # NOTE: kept under its own name (the figures cite it, `etl verify` finds it by that name) in a folder
    # per checksum; the suffix is the sniffed kind's, since the adapters read .xlsx/.xls/.csv by suffix.
    folder = upload_dir() / sha[:20]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        path.write_bytes(content)
    job = Job(secrets.token_urlsafe(12), owner, name, path, sha, kind, adapter,
              datetime.now(UTC).replace(tzinfo=None))
    with _LOCK:
        if len(_JOBS) >= MAX_JOBS:
            for old in sorted(_JOBS.values(), key=lambda j: j.created_at)[: len(_JOBS) - MAX_JOBS + 1]:
                if old.state in FINAL:
                    del _JOBS[old.id]
        _JOBS[job.id] = job
    save(job)
    return job


def get(job_id: object, owner: str) -> Job | None:
    """The job if it exists and belongs to this analyst: this worker's copy, or the saved one if newer."""
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        return None
    with _LOCK:
        job = _JOBS.get(job_id)
    saved = _saved(job_id)
    if saved is not None and (job is None or saved.revision > job.revision):
        job = saved
        with _LOCK:
            _JOBS[job_id] = saved
    return job if job is not None and job.owner == owner else None


def _rejection_rows(rejections: list) -> list[dict]:
    return [{"file": r.file, "sheet": r.sheet, "row": r.row, "column": r.column, "reason": r.reason,
             "found": None if r.found is None else str(r.found)[:200]} for r in rejections[:1000]]


def start(target, *args) -> None:
    threading.Thread(target=target, args=args, daemon=True, name="atlas-admin-job").start()


def validate(job: Job, engine: Engine) -> None:
    """Parse, dry-run and verify the upload; the job ends 'ready', 'invalid' (errors listed) or 'failed'."""
    with _ONE_HEAVY_STEP:
        try:
            _validate(job, engine)
            if job.state == "ready":
                _save_frames(job)
        except Exception as exc:  # NOTE: the analyst sees one line; the log keeps the traceback
            log.exception("validation of %s failed", job.file_name)
            job.state, job.message = "failed", f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
        finally:
            save(job)


def _validate(job: Job, engine: Engine) -> None:
    job.state, job.step = "running", "reading"
    save(job)
    with engine.connect() as conn:
        if conn.execute(select(Region.code).limit(1)).first() is None:
            job.state, job.message = "failed", "no_reference"
            return
    try:
        adapter = job.adapter or pipeline.detect_adapter(job.path)
        job.adapter = adapter
        job.parsed = pipeline.parse_path(job.path, adapter, pipeline.Options())
    except InputError as exc:
        job.errors = _rejection_rows([exc.rejection])
        job.state = "invalid"
        return
    job.step = "checking"
    save(job)
    last_saved = [time.monotonic()]

    def progress(_table: str, done: int, total: int) -> None:
        job.done, job.total = done, total
        if time.monotonic() - last_saved[0] >= PROGRESS_SAVE_SECONDS:
            save(job)
            last_saved[0] = time.monotonic()

    def note_version(conn, _report) -> None:
        history.lock_for_apply(conn)
        job.version = history.data_version_of(conn)

    preview = history.Preview()
    report = load.apply(engine, job.parsed, file_name=job.file_name, sha256=job.sha256, dry_run=True,
                        source_path=job.path, on_begin=note_version, before_end=history.preview_hook(preview),
                        on_table_done=progress)
    job.report = report
    if report.status == "rejected" or report.rejections:
        job.errors = _rejection_rows(report.rejections)
        job.state = "invalid"
        return
    if report.status != "dry_run":
        job.state, job.message = "failed", report.error
        return
    job.preview = preview
    job.step = "verifying"
    save(job)
    observations = job.parsed.tables.get("observations")
    if observations is not None and not observations.empty and "source_cell" in observations.columns:
        try:
            differences = verify.verify_frame(job.path, observations)
            job.verify_checked = len(observations)
            job.verify_total = len(differences)
            job.verify_differences = [str(d) for d in differences[:200]]
            if len(differences) > 200:
                job.verify_differences.append(f"... {len(differences) - 200} more")
        except Exception as exc:
            job.verify_error = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
    job.state, job.step = "ready", "ready"


def apply(job: Job, engine: Engine) -> None:
    """Apply a ready preview in one transaction, refused when the data changed since the preview."""
    with _ONE_HEAVY_STEP:
        try:
            if job.parsed is None:
                job.parsed = _load_frames(job)  # previewed in another worker
            if job.parsed is None:
                job.state, job.message = "failed", "preview_gone"
                save(job)
                return
            report = load.apply(engine, job.parsed, file_name=job.file_name, sha256=job.sha256,
                                source_path=job.path, on_begin=history.require_version(job.version),
                                before_end=history.record_hook(job.owner, expected=job.report))
        except Exception as exc:
            log.exception("apply of %s failed", job.file_name)
            job.state, job.message = "failed", f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
            save(job)
            return
        job.applied = report
        if report.status == "applied":
            job.state, job.load_id = "applied", report.load_id
        else:
            job.state, job.message = "refused", report.error
        job.parsed = None  # the frames are in the database now (or refused): free the memory
        _drop_frames(job)
        save(job)


def begin_apply(job: Job, engine: Engine) -> bool:
    """Start applying a job that is ready; False when it is not."""
    with _LOCK:
        if job.state != "ready":
            return False
        job.state, job.step = "applying", "applying"
    save(job)
    start(apply, job, engine)
    return True


def discard(job: Job) -> None:
    with _LOCK:
        if job.state not in ("ready", "invalid", "failed", "refused"):
            return
        job.state, job.parsed = "discarded", None
    _drop_frames(job)
    save(job)
