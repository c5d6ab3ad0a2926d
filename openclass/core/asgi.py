"""Django's ASGI handler with a fixed set of long-lived threads for the synchronous views.

Django's own handler gives every request a thread of its own (a new ``ThreadSensitiveContext``
per request), so every request also opens a database connection of its own and closes it at
the end: a new SQLite connection reads the schema and registers Django's functions, a new
PostgreSQL one forks a server process, and ``CONN_MAX_AGE`` cannot help (a kept connection
would belong to a thread that is gone). Here each request borrows one of ``threads`` threads,
which keep their connections between requests as ``CONN_MAX_AGE`` allows; a request arriving
while all are busy waits for one.

Measured with bench/quiz_submit (one uvicorn worker, SQLite): see
docs/decisions/0006-request-threads.md.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler


class PooledThreadsASGIHandler(ASGIHandler):
    def __init__(self, threads: int) -> None:
        super().__init__()
        if threads < 1:
            raise ValueError("at least one thread is needed")
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


def get_asgi_application() -> ASGIHandler:
    """Like ``django.core.asgi.get_asgi_application``, with ``settings.HTTP_REQUEST_THREADS``
    request threads (Django's own handler when ``settings.STOCK_FAST_PATHS``)."""
    import django
    from django.conf import settings

    django.setup(set_prefix=False)
    if settings.STOCK_FAST_PATHS:
        return ASGIHandler()
    return PooledThreadsASGIHandler(settings.HTTP_REQUEST_THREADS)
