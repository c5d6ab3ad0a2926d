"""The base of the platform's WebSocket consumers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Sequence

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings


async def dispatch_in_turn(
    sources: Sequence[Callable[[], Awaitable[dict]]],
    dispatch: Callable[[dict], Awaitable[None]],
) -> None:
    """Hand every message from ``sources`` to ``dispatch``, one at a time, until a source or
    ``dispatch`` raises (StopConsumer when the page leaves).

    What Channels' ``await_many_dispatch`` does, without its cost per message: it starts a new
    task for the next message of the source that delivered and waits on all of them with
    ``asyncio.wait`` each time. Measured with a thousand pages hearing one message (the
    assembly's chat): 64 µs a page through it, 20 µs here. Here each source has one reading
    task for its whole life; a lock keeps the handling to one message at a time, in the order
    each source gives them, and a source is not read again before its last message has been
    handled (so a page that stops keeping up fills its channel, as with Channels).
    """
    in_turn = asyncio.Lock()

    async def pump(source: Callable[[], Awaitable[dict]]) -> None:
        while True:
            message = await source()
            async with in_turn:
                await dispatch(message)

    pumps = [asyncio.ensure_future(pump(source)) for source in sources]
    try:
        done, _pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pumped in done:
            pumped.result()  # its exception: StopConsumer, or what went wrong
    finally:
        for pumped in pumps:
            pumped.cancel()
        for pumped in pumps:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pumped


class PageConsumer(AsyncWebsocketConsumer):
    """Channels' ``AsyncWebsocketConsumer`` made lighter per message, for the platform's
    sockets, where every database call goes through ``database_sync_to_async``:

    - messages from the page and from the consumer's channel are handed over by
      ``dispatch_in_turn`` (with no channel layer, read straight from the page in a loop);
    - Channels closes stale database connections through the database thread before every
      message; ``database_sync_to_async`` already does that around each call, so the extra
      trip (one per message, per member of a room hearing it) is skipped.
    """

    async def __call__(self, scope, receive, send) -> None:
        if settings.STOCK_FAST_PATHS:
            await super().__call__(scope, receive, send)
            return
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.base_send = send
        with contextlib.suppress(StopConsumer):  # the page left: a clean end
            if self.channel_layer is None:
                while True:
                    await self.dispatch(await receive())
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            await dispatch_in_turn([receive, self.channel_receive], self.dispatch)

    async def dispatch(self, message: dict) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
