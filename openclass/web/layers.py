"""The channel layer of a single server process (the embedded default, no Redis)."""

from __future__ import annotations

import contextlib
import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer


class LocalChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer, made to carry a school's classrooms in one process.

    Channels ships its in-memory layer for tests, and it shows at a class's scale: before every
    ``receive`` and ``group_send`` it walks every channel and every group membership looking
    for expired ones, so each message delivered costs time in proportion to all the pages
    open, and one message to a room of n costs n × (all pages). Measured with an assembly of a
    thousand filling up (bench/live_classroom), that walk was most of the server's time. Here
    the walk runs at most once every ``CLEAN_EVERY`` seconds — messages expire after a minute,
    so a second late is nothing — and a group send puts the message in each member's queue
    directly instead of starting a task per member.
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

    async def group_send(self, group: str, message: dict) -> None:
        if not isinstance(message, dict):
            raise TypeError("Message is not a dict")
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            # A page that stopped reading loses this message, as with Channels' layer.
            with contextlib.suppress(ChannelFull):
                await self.send(channel, message)
