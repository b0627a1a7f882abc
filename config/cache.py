"""The cache backend: Redis that fails open.

Everything the site keeps in the cache (whole anonymous pages, the navigation, Wagtail's
site lookup, allauth's rate-limit counters) can be rebuilt or skipped, so an unreachable
Redis must cost speed, never a page: each operation that cannot reach Redis logs a
warning and answers as a cache miss (reads give the default, writes store nothing).
Sessions live in the database and never depend on this. Nothing that needs a lock or a
counter for correctness may rely on the cache; those live in PostgreSQL.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# One warning per process per interval: a Redis outage is one event, not one per lookup.
WARNING_INTERVAL_SECONDS = 30.0


def redis_cache_settings(url: str, key_prefix: str = "pma") -> dict:
    """CACHES for a Redis at ``url``: the settings and the fault tests share this."""
    return {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": key_prefix,
            # A black-holed Redis must not hold a request for long either.
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }


class ReusedClientRedisCacheClient(RedisCacheClient):
    """One redis-py client per connection pool, made once: Django builds a new client
    (and its table of ~170 response callbacks) for every cache operation, which costs a
    page with ten cache reads about as much Python as the reads themselves."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    _last_warning: float = 0.0

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def _unreachable(self, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now - FailOpenRedisCache._last_warning >= WARNING_INTERVAL_SECONDS:
            FailOpenRedisCache._last_warning = now
            logger.warning("cache unreachable, serving without it (%s: %r)", operation, exc)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("add", exc)
            # Callers use add() as "claim": succeeding lets their work go ahead uncached.
            return True

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            self._unreachable("get", exc)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("set", exc)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            self._unreachable("delete", exc)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            self._unreachable("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exc:
            self._unreachable("has_key", exc)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            self._unreachable("incr", exc)
            raise ValueError(f"Key {key!r} not found (cache unreachable)") from exc

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as exc:
            self._unreachable("set_many", exc)
            return list(data)

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNREACHABLE as exc:
            self._unreachable("delete_many", exc)

    def clear(self):
        try:
            return super().clear()
        except UNREACHABLE as exc:
            self._unreachable("clear", exc)
            return False
