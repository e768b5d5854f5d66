"""The query/figure cache, keyed on the data version: in-process by default, Redis when CACHE_REDIS_URL is set.

Every memoized result is stored under its function, its arguments and the data version (the newest
applied load and the count of rollbacks, dashboard.model.loads.data_version). A load or a rollback
changes the version, so every worker's next request misses the old entries and reads the new
figures, however the memoized functions are stacked; the old entries simply age out.
The version is read once per request (one query on the small loads table).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_app_context
from flask_caching import Cache
from flask_caching.backends.base import BaseCache

from etl import settings

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)

# The engine's key in app.extensions (dashboard.queries.engine() reads the same one).
ENGINE_KEY = "atlas_engine"
_VERSION_ATTR = "atlas_data_version"
# The version this app last read (in app.extensions): used while the database cannot be reached,
# so cached figures are still served during an outage.
_LAST_VERSION_KEY = "atlas_last_data_version"
# Results already computed or read in this request (flask.g lives for one request's app context).
_REQUEST_MEMO_ATTR = "atlas_request_memo"


class BoundedCache(BaseCache):
    """An in-process cache of at most `threshold` entries, evicting the least recently used one at a time.

    Unlike a cache that drops a third of itself (or all of itself) when full, a hot entry such as
    the indicator catalogue stays, and no request pays for a mass eviction.
    """

    def __init__(self, threshold: int = 2000, default_timeout: int = 300) -> None:
        super().__init__(default_timeout)
        self._threshold = max(1, threshold)
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def factory(cls, _app: Flask, config: dict, args: list, kwargs: dict) -> BoundedCache:
        """flask-caching's constructor hook (CACHE_TYPE = "dashboard.cache.BoundedCache")."""
        return cls(*args, threshold=int(config.get("CACHE_THRESHOLD") or 2000),
                   default_timeout=kwargs.get("default_timeout", 300))

    def _expiry(self, timeout: int | None) -> float:
        timeout = self._normalize_timeout(timeout)
        return time.monotonic() + timeout if timeout > 0 else float("inf")

    def get(self, key: str) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        with self._lock:
            self._entries[key] = (self._expiry(timeout), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._threshold:
                self._entries.popitem(last=False)
        return True

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        if self.has(key):
            return False
        return self.set(key, value, timeout)

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._entries.pop(key, None) is not None

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def clear(self) -> bool:
        with self._lock:
            self._entries.clear()
        return True

    def __len__(self) -> int:
        return len(self._entries)


def data_version() -> str:
    """The data version for this request: read once per request (once per app context outside one)."""
    if not has_app_context():
        return ""
    version = g.get(_VERSION_ATTR)
    if version is not None:
        return version
    from dashboard.model.loads import data_version as read_version

    extensions = current_app.extensions
    try:
        version = read_version(extensions[ENGINE_KEY])
    except Exception as exc:  # an outage must not hide what is cached; the query reports it on a miss
        version = extensions.get(_LAST_VERSION_KEY)
        if version is None:
            raise
        log.warning("data version unreadable (%s); using %s", type(exc).__name__, version)
    extensions[_LAST_VERSION_KEY] = version
    setattr(g, _VERSION_ATTR, version)
    return version


class VersionedCache(Cache):
    """flask-caching's Cache whose memoize() keys every entry on the data version."""

    def memoize(self, timeout: int | None = None, **_ignored: Any) -> Callable[[F], F]:
        """Cache a function's result per arguments and data version (one cache read on a hit)."""

        def decorator(function: F) -> F:
            name = f"{function.__module__}.{function.__qualname__}"

            @functools.wraps(function)
            def memoized(*args: Any, **kwargs: Any) -> Any:
                if not has_app_context() or current_app.extensions.get("cache", {}).get(self) is None:
                    return function(*args, **kwargs)
                key = memo_key(name, data_version(), args, kwargs)
                # Within one request a lookup is computed once however often it is asked for (a chart asks
                # for an edition's label per point); nothing of this outlives the request.
                this_request = g.setdefault(_REQUEST_MEMO_ATTR, {})
                if key in this_request:
                    return this_request[key]
                backend = self.cache
                try:
                    hit = backend.get(key)
                except Exception:  # a cache outage costs speed, never the answer
                    log.warning("cache read failed for %s", name, exc_info=True)
                    hit = None
                if hit is not None:
                    this_request[key] = hit[0]
                    return hit[0]
                value = this_request[key] = function(*args, **kwargs)
                try:
                    # Wrapped, so a cached None or empty result is told apart from a miss.
                    backend.set(key, (value,), timeout=timeout)
                except Exception:
                    log.warning("cache write failed for %s", name, exc_info=True)
                return value

            memoized.uncached = function  # type: ignore[attr-defined]
            return memoized  # type: ignore[return-value]

        return decorator


def memo_key(name: str, version: str, args: tuple, kwargs: dict) -> str:
    """The cache key of one call: function, data version and a digest of the arguments."""
    digest = hashlib.blake2b(repr((args, sorted(kwargs.items()))).encode(), digest_size=16).hexdigest()
    return f"memo:{name}:v{version}:{digest}"


cache = VersionedCache()


def cache_config() -> dict:
    """flask-caching settings from the environment."""
    timeout = int(settings.get("CACHE_TIMEOUT"))
    redis_url = settings.get("CACHE_REDIS_URL")
    if redis_url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url,
                "CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_KEY_PREFIX": "atlas:"}
    return {"CACHE_TYPE": "dashboard.cache.BoundedCache", "CACHE_DEFAULT_TIMEOUT": timeout,
            "CACHE_THRESHOLD": int(settings.get("CACHE_ENTRIES"))}


def init_cache(server: Flask, config: dict | None = None) -> None:
    cache.init_app(server, config=config or cache_config())
