"""The scaled profile's cache when Redis is away (``core.cache``): reads miss, writes are
skipped, deletions fail — against a real redis-server, stopped and started again."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import ConnectionError as RedisConnectionError

from openclass.core import redis_process
from openclass.core.cache import ResilientRedisCache, count
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


def test_a_counter_counts_in_one_round_trip_and_keeps_its_first_expiry(tmp_path: Path) -> None:
    port = free_port()
    server = redis_process.start_redis(tmp_path, port)
    cache = ResilientRedisCache(f"redis://127.0.0.1:{port}/0", {})
    try:
        assert [count("requests", 90, cache) for _ in range(3)] == [1, 2, 3]
        client = cache._cache.get_client(cache.make_and_validate_key("requests"))
        assert 0 < client.ttl(cache.make_and_validate_key("requests")) <= 90
        count("requests", 3600, cache)  # a later count does not move the expiry
        assert client.ttl(cache.make_and_validate_key("requests")) <= 90
        assert cache.get("requests") == 4  # the ordinary API reads it
        commands = []
        pool = cache._cache.get_client("x", write=True).connection_pool
        original = pool.get_connection

        def counting(*args, **kwargs):
            commands.append(args)
            return original(*args, **kwargs)

        pool.get_connection = counting
        count("requests", 90, cache)
        assert len(commands) == 1  # one connection taken: one round trip
        pool.get_connection = original

        stop_process(server)
        assert count("requests", 90, cache) is None  # away: not counted, no error
    finally:
        stop_process(server)


def test_a_counter_in_the_local_cache() -> None:
    local = LocMemCache("counters", {})
    assert [count("requests", 90, local) for _ in range(3)] == [1, 2, 3]
    assert local.get("requests") == 3
