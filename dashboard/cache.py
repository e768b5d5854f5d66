"""The query/figure cache: in-process by default, Redis when CACHE_REDIS_URL is set."""

from __future__ import annotations

from flask import Flask
from flask_caching import Cache

from etl import settings

cache = Cache()


def cache_config() -> dict:
    """flask-caching settings from the environment."""
    timeout = int(settings.get("CACHE_TIMEOUT"))
    redis_url = settings.get("CACHE_REDIS_URL")
    if redis_url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url,
                "CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_KEY_PREFIX": "atlas:"}
    return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_THRESHOLD": 2000}


def init_cache(server: Flask, config: dict | None = None) -> None:
    cache.init_app(server, config=config or cache_config())
