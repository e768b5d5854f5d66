"""Static scripts and styles served precompressed at the strongest level (brotli 11, gzip 9 as fallback).

Flask-Compress (Dash's `compress=True`) compresses every response as it goes out, at a level fast
enough for callback responses (zstd 3 for Chromium): right for JSON made per request, wasteful for
the same megabytes of JavaScript sent to every visitor. The Dash component suites
(`/_dash-component-suites/...`) and the files of assets/ are compressed here instead, once per file
content: brotli quality 11 is 20-25 % smaller than zstd 3 on these bundles (and 4-6 % smaller than
zstd 19). Flask-Compress leaves a response that already has a Content-Encoding alone, so dynamic
responses keep its fast settings.

Brotli 11 is slow (about 1 MB/s), so a file is never compressed at that level while a request waits,
unless it is small: the first request for a large file gets brotli 6 (a few ms) and starts brotli 11
in a low-priority background thread (brotli releases the GIL); later requests get the result.
Results are kept in memory and, when `STATIC_CACHE_DIR` (Flask config; default
artifacts/static-cache) is writable, on disk by content digest, so the other gunicorn workers and
the next start find them ready; a lock file there keeps workers from compressing the same file twice.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gzip
import hashlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from dash import Dash
from flask import Flask, current_app, request

from etl.paths import REPO_ROOT

try:  # what Flask-Compress (a requirement) installs: brotli on CPython, brotlicffi elsewhere
    import brotlicffi as brotli
except ImportError:
    import brotli

CACHE_DIR_KEY = "STATIC_CACHE_DIR"
EXTENSION_KEY = "atlas_precompressed_static"
DEFAULT_CACHE_DIR = REPO_ROOT / "artifacts" / "static-cache"
COMPRESSIBLE = frozenset({
    "application/javascript", "text/javascript", "application/x-javascript", "text/css", "application/json",
    "application/geo+json", "image/svg+xml", "text/plain",
})
MIN_SIZE = 500  # as Flask-Compress: below this the headers cost more than they save
SYNC_LIMIT = 64 * 1024  # brotli 11 on up to this many bytes takes well under 0.1 s: done in the request
BEST = {"br": 11, "gzip": 9}
FAST = {"br": 6, "gzip": 9}  # gzip 9 is fast enough (~0.05 s/MB) to be the first answer too
BACKGROUND_NICE = 10
STALE_LOCK_SECONDS = 600  # a lock file's process normally deletes it when done or exiting, or is found gone
_BACKGROUND = threading.Semaphore(1)  # at most one background brotli 11 per process: one core
_HELD: set[Path] = set()  # lock files this process holds


def compress(data: bytes, encoding: str, level: int) -> bytes:
    if encoding == "br":
        return brotli.compress(data, quality=level)
    if encoding == "gzip":
        return gzip.compress(data, compresslevel=level, mtime=0)
    raise ValueError(f"unsupported encoding {encoding!r}")


def choose_encoding(accept_encodings) -> str | None:
    """br or gzip, whichever the client's Accept-Encoding ranks higher (br on a tie); None for neither."""
    qualities = {name: accept_encodings.quality(name) for name in BEST}
    best = max(qualities, key=lambda name: (qualities[name], name == "br"))
    return best if qualities[best] > 0 else None


class CompressedFiles:
    """Compressed bodies by (content digest, encoding, level): in memory, on disk, made in the background."""

    def __init__(self) -> None:
        self._memory: dict[tuple[str, str, int], bytes] = {}
        self._pending: set[tuple[str, str, int]] = set()
        self._lock = threading.Lock()

    def get(self, data: bytes, encoding: str, cache_dir: Path | None) -> tuple[bytes, str]:
        """The body to send and its strong ETag (digest, encoding and level: a new level is a new tag)."""
        digest = hashlib.sha256(data).hexdigest()[:40]
        key = (digest, encoding, BEST[encoding])
        body = self._memory.get(key) or self._read(cache_dir, key)
        if body is None and (len(data) <= SYNC_LIMIT or FAST[encoding] == BEST[encoding]):
            body = self._store(key, compress(data, encoding, BEST[encoding]), cache_dir)
        if body is not None:
            return body, f"{digest}.{encoding}{BEST[encoding]}"
        self._start(key, data, cache_dir)
        return compress(data, encoding, FAST[encoding]), f"{digest}.{encoding}{FAST[encoding]}"

    def _store(self, key: tuple[str, str, int], body: bytes, cache_dir: Path | None) -> bytes:
        self._memory[key] = body
        if cache_dir is not None:
            temporary = None
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile(dir=cache_dir, prefix=".tmp-", delete=False) as out:
                    temporary = out.name
                    out.write(body)
                os.replace(temporary, cache_dir / _file_name(key))  # atomic: readers never see half a file
            except OSError:  # a read-only or full disk: memory only
                if temporary is not None:
                    Path(temporary).unlink(missing_ok=True)
        return body

    def _read(self, cache_dir: Path | None, key: tuple[str, str, int]) -> bytes | None:
        if cache_dir is None:
            return None
        try:
            body = (cache_dir / _file_name(key)).read_bytes()
        except OSError:
            return None
        self._memory[key] = body
        return body

    def _start(self, key: tuple[str, str, int], data: bytes, cache_dir: Path | None) -> None:
        with self._lock:
            if key in self._pending or not _claim(key, cache_dir):
                return  # under way here, or in another process (its result is read from disk when written)
            self._pending.add(key)

        def work() -> None:
            try:
                _lower_priority()
                with _BACKGROUND:
                    if key not in self._memory:
                        self._store(key, compress(data, key[1], key[2]), cache_dir)
            except SystemExit:
                # A stopping server (dash.testing's threaded runner) ends its threads this way; the
                # compressed copy is simply made again on a later request.
                return
            finally:
                _release(key, cache_dir)
                with self._lock:
                    self._pending.discard(key)

        threading.Thread(target=work, name=f"precompress-{key[0][:8]}.{key[1]}", daemon=True).start()

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until no background compression is running (for tests); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return True
            time.sleep(0.02)
        return False


def _file_name(key: tuple[str, str, int]) -> str:
    digest, encoding, level = key
    return f"{digest}.{encoding}{level}"


def _claim(key: tuple[str, str, int], cache_dir: Path | None) -> bool:
    """Whether this process should compress `key`: False while another live process holds its lock file
    (gunicorn workers start together and would otherwise all compress the same files)."""
    if cache_dir is None:
        return True
    lock = cache_dir / f"{_file_name(key)}.lock"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        if not _stale(lock):
            return False
        lock.unlink(missing_ok=True)  # its process is gone: take over (another taker may win the race)
        return _claim(key, cache_dir)
    except OSError:  # no usable cache directory: compress for this process's memory
        return True
    with os.fdopen(descriptor, "w") as out:
        out.write(str(os.getpid()))
    _HELD.add(lock)
    return True


def _stale(lock: Path) -> bool:
    """A lock whose process has exited (or that is older than STALE_LOCK_SECONDS, or unreadable)."""
    try:
        if time.time() - lock.stat().st_mtime > STALE_LOCK_SECONDS:
            return True
        pid = int(lock.read_text() or 0)
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False  # being written: give it time
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        return False
    return False


def _release(key: tuple[str, str, int], cache_dir: Path | None) -> None:
    if cache_dir is not None:
        lock = cache_dir / f"{_file_name(key)}.lock"
        _HELD.discard(lock)
        lock.unlink(missing_ok=True)


@atexit.register
def _release_all() -> None:
    """A worker that exits mid-compression (its daemon thread dies with it) frees its files for others."""
    for lock in list(_HELD):
        with contextlib.suppress(OSError):
            lock.unlink(missing_ok=True)


def _lower_priority() -> None:
    """Nice the calling thread (on Linux niceness is per thread), so requests come before compression."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)


def _cache_dir(app: Flask) -> Path | None:
    value = app.config.get(CACHE_DIR_KEY, DEFAULT_CACHE_DIR)
    return Path(value) if value else None


def precompressed_view(view: Callable, files: CompressedFiles) -> Callable:
    """`view` (a static-file view) with its 200 responses compressed by `files` when the client accepts it."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        response = current_app.make_response(view(*args, **kwargs))
        encoding = choose_encoding(request.accept_encodings)
        if (encoding is None or response.status_code != 200 or response.mimetype not in COMPRESSIBLE
                or "Content-Encoding" in response.headers):
            return response
        response.direct_passthrough = False  # send_file's file wrapper: read it
        data = response.get_data()
        if len(data) < MIN_SIZE:
            return response
        body, tag = files.get(data, encoding, _cache_dir(current_app))
        if not tag.endswith(f".{encoding}{BEST[encoding]}"):
            # The interim brotli 6: not for a year's cache (Dash's max-age on fingerprinted URLs);
            # revalidated, it is replaced by brotli 11 once that is ready.
            response.cache_control.no_cache = True
            response.cache_control.max_age = None
        response.set_data(body)
        response.headers["Content-Encoding"] = encoding
        vary = response.headers.get("Vary")
        if not vary:
            response.headers["Vary"] = "Accept-Encoding"
        elif "accept-encoding" not in vary.lower():
            response.headers["Vary"] = f"{vary}, Accept-Encoding"
        response.set_etag(tag)
        return response.make_conditional(request)

    return wrapper


def static_endpoints(app: Dash) -> list[str]:
    """The endpoints serving component suites and assets/ files."""
    prefix = app.config.routes_pathname_prefix
    assets = prefix + app.config.assets_url_path.lstrip("/") + "/"
    return sorted({rule.endpoint for rule in app.server.url_map.iter_rules()
                   if rule.rule.startswith((prefix + "_dash-component-suites/", assets))})


def precompress_static(app: Dash) -> CompressedFiles:
    """Serve `app`'s component suites and assets/ files precompressed (see the module docstring)."""
    files = CompressedFiles()
    endpoints = static_endpoints(app)
    if len(endpoints) < 2:
        raise RuntimeError(f"expected the component-suites and assets endpoints, found {endpoints}")
    for endpoint in endpoints:
        app.server.view_functions[endpoint] = precompressed_view(app.server.view_functions[endpoint], files)
    app.server.extensions[EXTENSION_KEY] = files
    return files
