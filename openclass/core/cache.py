"""The Redis cache of the scaled profile, so that a Redis outage is not a platform outage.

The cache holds nothing that cannot be lost: sessions are ``cached_db`` (the database has every
one); the rest is copies worked out from the database (search's vocabulary, collection figures
and small matches), short-lived counters (the API's rate limits, the forwarding schedule) and
the demo site's own sign-ins. While Redis is down or restarting, a read is a miss and a write is
skipped, so pages go on being served from the database (measured in ``web/tests/test_faults.py``:
Redis killed under load, nothing acknowledged lost, no error page). Deletions are not swallowed:
signing out or a password change must not leave a session in a cache that comes back (a network
blip keeps Redis's data), so they fail as before.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from django.core.cache import BaseCache, cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
COMPLAIN_EVERY = 60.0  # seconds between two warnings of one process


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, with reads and writes that survive Redis being away."""

    if TYPE_CHECKING:
        # Django's client, a cached property django-stubs does not declare.
        _cache: RedisCacheClient

    _complained_at = 0.0

    def _unreachable(self, error: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._complained_at >= COMPLAIN_EVERY:
            ResilientRedisCache._complained_at = now
            logger.warning("cache: Redis is unreachable (%s); serving from the database", error)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except UNREACHABLE as error:
            self._unreachable(error)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as error:
            self._unreachable(error)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except UNREACHABLE as error:
            self._unreachable(error)
            return False

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as error:
            self._unreachable(error)

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as error:
            self._unreachable(error)
            return False

    def set_many(self, data: dict[Any, Any], timeout: Any = None, version: int | None = None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as error:
            self._unreachable(error)
            return list(data)

    def touch(self, key: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as error:
            self._unreachable(error)
            return False

    def count(self, key: Any, timeout: int, version: int | None = None) -> int | None:
        """``count`` for Redis: INCR, and EXPIRE for a new key, in one round trip. Django's own
        ``incr`` asks EXISTS first, and a new key needs ``add`` before: three round trips a
        counter, six an API request (two counters), where this is one each."""
        key = self.make_and_validate_key(key, version=version)
        try:
            pipe = self._cache.get_client(key, write=True).pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, timeout, nx=True)
            value, _expiring = pipe.execute()
        except UNREACHABLE as error:
            self._unreachable(error)
            return None
        return int(value)


def count(key: str, timeout: int, store: BaseCache | None = None) -> int | None:
    """Add one to the counter ``key`` in the cache (``store``, else the default) and return its
    value; a new counter lives ``timeout`` seconds from its first count. None when the cache
    cannot count (Redis away, or the key evicted between two steps): a limit counted here is
    then not enforced, rather than a request refused for want of a cache."""
    store = cache if store is None else store
    if isinstance(store, ResilientRedisCache):
        return store.count(key, timeout)
    store.add(key, 0, timeout)
    try:
        return store.incr(key)
    except ValueError:
        return None
