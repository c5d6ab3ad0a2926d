"""The ASGI handler's request threads: a few long-lived threads, each keeping its database
connection between requests, and requests beyond their number waiting instead of failing."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_finished
from django.db import connection

from openclass.core.asgi import PooledThreadsASGIHandler


def scope(path: str) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


async def get(handler: PooledThreadsASGIHandler, path: str) -> int:
    communicator = ApplicationCommunicator(handler, scope(path))
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=10)
    await communicator.receive_output(timeout=10)  # the body
    await communicator.wait(timeout=10)
    return start["status"]


@pytest.fixture
def seen():
    """(thread name, database connection) at the end of each request."""
    seen: list[tuple[str, int]] = []

    def record(**kwargs) -> None:
        seen.append((threading.current_thread().name, id(connection.connection)))

    request_finished.connect(record)
    yield seen
    request_finished.disconnect(record)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_requests_share_a_few_threads_and_their_connections(seen, settings) -> None:
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    handler = PooledThreadsASGIHandler(threads=2)

    async def run() -> list[int]:
        return [await get(handler, "/healthz") for _ in range(6)]

    assert asyncio.run(run()) == [200] * 6
    threads = {name for name, _connection in seen}
    assert len(seen) == 6 and len(threads) <= 2
    assert all(name.startswith("django-") for name in threads)
    # One connection per thread, kept from request to request.
    assert len({conn for _name, conn in seen}) == len(threads)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_requests_beyond_the_threads_wait_their_turn(seen) -> None:
    handler = PooledThreadsASGIHandler(threads=1)

    async def run() -> list[int]:
        return await asyncio.gather(*(get(handler, "/healthz") for _ in range(5)))

    assert asyncio.run(run()) == [200] * 5
    assert {name for name, _connection in seen} == {"django-0_0"}


def test_at_least_one_thread() -> None:
    with pytest.raises(ValueError):
        PooledThreadsASGIHandler(threads=0)
