"""The ASGI handler's request threads: a few long-lived threads, each keeping its database
connection between requests, and requests beyond their number waiting instead of failing; and
each request crossing from the event loop to its thread once."""

from __future__ import annotations

import asyncio
import io
import threading
from collections import Counter

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync, async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_finished, request_started
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import include, path

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
    return (await fetch(handler, path))[0]


async def fetch(handler: PooledThreadsASGIHandler, path: str) -> tuple[int, bytes]:
    """(status, body), the body gathered from every chunk."""
    communicator = ApplicationCommunicator(handler, scope(path))
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(timeout=10)
    body = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(timeout=10)
    return start["status"], body


# Views of this module's own URLs (``pytest.mark.urls(__name__)``).
LOOPS: list[asyncio.AbstractEventLoop] = []


async def _running_loop() -> None:
    LOOPS.append(asyncio.get_running_loop())


def reaches_the_loop(request: HttpRequest) -> HttpResponse:
    """As a view telling the channel layer something does."""
    async_to_sync(_running_loop)()
    return HttpResponse("told")


def streamed_file(request: HttpRequest) -> FileResponse:
    return FileResponse(io.BytesIO(b"x" * 200_000), content_type="application/octet-stream")


urlpatterns = [
    path("loop/", reaches_the_loop),
    path("file/", streamed_file),
    path("", include("openclass.urls")),  # the names the middleware reverses
]


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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_request_crosses_to_its_thread_once(monkeypatch) -> None:
    """From ``request_started`` to ``request_finished``, the signals, the middleware and the
    view run in one call on the request's thread: no crossing back to the loop in the middle
    (Django's async chain did, four times a request)."""
    crossings: Counter[str] = Counter()
    to_thread, to_loop = SyncToAsync.__call__, AsyncToSync.__call__

    async def counted_to_thread(self, *args, **kwargs):
        crossings["to the thread"] += 1
        return await to_thread(self, *args, **kwargs)

    def counted_to_loop(self, *args, **kwargs):
        crossings["back to the loop"] += 1
        return to_loop(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted_to_thread)
    monkeypatch.setattr(AsyncToSync, "__call__", counted_to_loop)
    threads: list[str] = []

    def record(**kwargs) -> None:
        threads.append(threading.current_thread().name)

    request_started.connect(record)
    request_finished.connect(record)
    try:
        assert asyncio.run(get(PooledThreadsASGIHandler(threads=2), "/healthz")) == 200
    finally:
        request_started.disconnect(record)
        request_finished.disconnect(record)
    assert crossings == {"to the thread": 1}
    assert len(threads) == 2 and len(set(threads)) == 1 and threads[0].startswith("django-")


@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_view_calling_async_code_is_sent_back_to_the_servers_loop() -> None:
    """The in-memory channel layer's queues belong to the server's loop: a view's
    ``async_to_sync`` must run there, not in a loop of its own."""
    LOOPS.clear()
    handler = PooledThreadsASGIHandler(threads=1)

    async def run() -> tuple[tuple[int, bytes], asyncio.AbstractEventLoop]:
        return await fetch(handler, "/loop/"), asyncio.get_running_loop()

    (status, body), server_loop = asyncio.run(run())
    assert (status, body) == (200, b"told")
    assert LOOPS[:] == [server_loop]


@pytest.mark.urls(__name__)
# Django's own: under ASGI it reads a file's chunks in one go (as its stock handler does).
@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_streamed_file_is_sent_whole_then_closed_on_its_thread(seen) -> None:
    status, body = asyncio.run(fetch(PooledThreadsASGIHandler(threads=1), "/file/"))
    assert (status, len(body)) == (200, 200_000)
    # request_finished (sent by closing the response) ran once, on the request's thread.
    assert [name for name, _connection in seen] == ["django-0_0"]


@pytest.mark.urls(__name__)
@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_streamed_file_is_closed_when_sending_it_fails(seen) -> None:
    handler = PooledThreadsASGIHandler(threads=1)

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.body":
            raise OSError("the client is gone")

    with pytest.raises(OSError):
        asyncio.run(handler(scope("/file/"), receive, send))
    assert [name for name, _connection in seen] == ["django-0_0"]
