"""Django's ASGI handler with a fixed set of long-lived threads for the synchronous views, each
request crossing from the event loop to its thread once.

Django's own handler gives every request a thread of its own (a new ``ThreadSensitiveContext``
per request), so every request also opens a database connection of its own and closes it at
the end: a new SQLite connection reads the schema and registers Django's functions, a new
PostgreSQL one forks a server process, and ``CONN_MAX_AGE`` cannot help (a kept connection
would belong to a thread that is gone). Here each request borrows one of ``threads`` threads,
which keep their connections between requests as ``CONN_MAX_AGE`` allows; a request arriving
while all are busy waits for one.

Django's handler also builds its middleware chain in async mode, and every view here is
synchronous: a request went from the event loop to its thread for the ``request_started``
signal, again for the sync middleware, back to the loop at the end of the chain (Django's
async ``_get_response_async`` is the innermost handler), to the thread for the view, and once
more to close the response. Each crossing costs a future, a thread wake-up and a context copy:
together about two thirds of a trivial request's CPU in the server. Here the chain is built in
sync mode and the whole request, from ``request_started`` to ``request_finished``, runs in one
``sync_to_async`` call; only reading the body and sending the response stay on the loop.
Django's handler also listened for the client going away to cancel an async view; a
synchronous view cannot be cancelled, so that listener is left out.

Measured with bench/quiz_submit and a bare ``/healthz`` load: see
docs/decisions/0006-request-threads.md.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix


class PooledThreadsASGIHandler(ASGIHandler):
    def __init__(self, threads: int) -> None:
        if threads < 1:
            raise ValueError("at least one thread is needed")
        BaseHandler.__init__(self)
        # Sync mode: every middleware and view runs in the request's thread, in one go.
        self.load_middleware(is_async=False)
        self.threads = threads
        self._free: asyncio.Queue[ThreadPoolExecutor] | None = None

    def _pool(self) -> asyncio.Queue[ThreadPoolExecutor]:
        # Made on the first request, inside the server's event loop.
        if self._free is None:
            self._free = asyncio.Queue()
            for number in range(self.threads):
                self._free.put_nowait(
                    ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"django-{number}")
                )
        return self._free

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        free = self._pool()
        executor = await free.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            free.put_nowait(executor)

    async def handle(self, scope, receive, send) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            # asgiref's sync_to_async, not a bare executor call: a view calling async_to_sync
            # (the channel layer) is then sent back to this event loop, not to a new one.
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    # A streamed file is closed (and request_finished sent) after its last
                    # chunk, or when sending it failed.
                    await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        """The request, in its thread: the signals, the middleware chain and the view. A
        whole (not streamed) response is closed here too, so ``request_finished`` (which
        closes old database connections) runs in the thread that owns them."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, refusal = self.create_request(scope, body_file)
        response = self.get_response(request) if request is not None else refusal
        if response is None:  # create_request gives a request or a refusal, never neither
            raise RuntimeError("no request and no response")
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response


def get_asgi_application() -> ASGIHandler:
    """Like ``django.core.asgi.get_asgi_application``, with ``settings.HTTP_REQUEST_THREADS``
    request threads (Django's own handler when ``settings.STOCK_FAST_PATHS``)."""
    import django
    from django.conf import settings

    django.setup(set_prefix=False)
    if settings.STOCK_FAST_PATHS:
        return ASGIHandler()
    return PooledThreadsASGIHandler(settings.HTTP_REQUEST_THREADS)
