"""The scaled profile's cache when Redis is away (``core.cache``): reads miss, writes are
skipped, deletions fail — against a real redis-server, stopped and started again."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from openclass.core import redis_process
from openclass.core.cache import ResilientRedisCache
from openclass.core.server import free_port, stop_process


def test_reads_and_writes_go_on_while_redis_is_away(tmp_path: Path) -> None:
    port = free_port()
    server = redis_process.start_redis(tmp_path, port)
    cache = ResilientRedisCache(f"redis://127.0.0.1:{port}/0", {})
    try:
        cache.set("session", "data")
        assert cache.get("session") == "data"
        stop_process(server)

        assert cache.get("session", "missed") == "missed"
        cache.set("session", "new")  # skipped, no error
        assert cache.get_many(["session"]) == {}
        assert cache.add("other", 1) is False
        with pytest.raises(RedisConnectionError):
            cache.delete("session")  # signing out must not seem to work

        server = redis_process.start_redis(tmp_path, port)
        cache.set("session", "again")
        assert cache.get("session") == "again"
    finally:
        stop_process(server)
