"""The channel layer of a single server process (the embedded default, no Redis)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from copy import deepcopy

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer


class LocalChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer, made to carry a school's classrooms in one process.

    Channels ships its in-memory layer for tests, and it shows at a class's scale (measured
    with bench/live_classroom, an assembly of a thousand):

    - Before every ``receive`` and ``group_send`` it walks every channel and every group
      membership looking for expired messages, so one message to a room of n costs
      n × (all pages open). Here the walk runs at most once every ``CLEAN_EVERY`` seconds
      (messages expire after a minute, so a second late is nothing).
    - A channel's queue is dropped whenever it runs empty and built again for the next
      message, twice per message delivered (``setdefault`` builds one even when it exists):
      a fifth of the server's time in a busy assembly. Here a queue lives while someone waits
      on it or it holds messages; the walk drops the others (a page that has gone).
    - A group message is deep-copied for each member. Here it is copied once, and each member
      gets its own shallow copy of that. That is only safe while a group message is flat (no
      dict, list or set inside that a consumer could change for the others): ``group_send``
      refuses any other (the platform's group messages carry their payload encoded once, as
      text).
    """

    CLEAN_EVERY = 1.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._cleaned_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at < self.CLEAN_EVERY:
            return
        self._cleaned_at = now
        super()._clean_expired()
        for channel, queue in list(self.channels.items()):
            if queue.empty() and not queue._getters:  # nobody reads it, nothing waits in it
                del self.channels[channel]

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    def _put(self, channel: str, message: dict) -> None:
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, message))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def send(self, channel: str, message: dict) -> None:
        if not isinstance(message, dict):
            raise TypeError("Message is not a dict")
        self.require_valid_channel_name(channel)
        if "__asgi_channel__" in message:
            raise ValueError("A message for a process-local channel names no channel")
        self._put(channel, deepcopy(message))

    async def receive(self, channel: str) -> dict:
        self.require_valid_channel_name(channel)
        self._clean_expired()
        _expires, message = await self._queue(channel).get()
        return message

    async def group_send(self, group: str, message: dict) -> None:
        if not isinstance(message, dict):
            raise TypeError("Message is not a dict")
        self.require_valid_group_name(group)
        nested = [key for key, value in message.items() if isinstance(value, (dict, list, set))]
        if nested:
            raise TypeError(f"A group message must be flat; {nested} hold containers")
        self._clean_expired()
        copied = dict(message)
        for channel in list(self.groups.get(group, ())):
            # A page that stopped reading loses this message, as with Channels' layer.
            with contextlib.suppress(ChannelFull):
                self._put(channel, dict(copied))
