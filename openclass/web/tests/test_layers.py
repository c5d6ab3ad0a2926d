"""The single-process channel layer: what Channels' in-memory layer does, at a class's scale."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.exceptions import ChannelFull

from openclass.web.layers import LocalChannelLayer


def test_a_group_send_reaches_every_member_once_and_a_full_channel_only_loses_its_own():
    async def scenario() -> None:
        layer = LocalChannelLayer(capacity=1)
        members = [await layer.new_channel() for _ in range(3)]
        for channel in members:
            await layer.group_add("room", channel)
        await layer.send(members[0], {"type": "earlier"})  # its one place is taken
        await layer.group_send("room", {"type": "hello"})
        assert await layer.receive(members[0]) == {"type": "earlier"}
        for channel in members[1:]:
            assert await layer.receive(channel) == {"type": "hello"}
        await layer.send(members[1], {"type": "a"})
        with pytest.raises(ChannelFull):
            await layer.send(members[1], {"type": "b"})
        await layer.group_discard("room", members[2])
        await layer.group_send("room", {"type": "again"})
        assert members[2] not in layer.channels

    asyncio.run(scenario())


def test_expired_messages_and_memberships_are_still_cleared(monkeypatch):
    async def scenario() -> None:
        layer = LocalChannelLayer(expiry=60, group_expiry=86400)
        channel = await layer.new_channel()
        await layer.group_add("room", channel)
        await layer.send(channel, {"type": "stale"})
        layer.CLEAN_EVERY = 1.0
        clock = {"now": 1000.0}
        monkeypatch.setattr("openclass.web.layers.time.monotonic", lambda: clock["now"])
        an_hour_on = time.time() + 3600
        monkeypatch.setattr("channels.layers.time.time", lambda: an_hour_on)
        layer._cleaned_at = clock["now"]
        layer._clean_expired()  # within the second: not walked yet
        assert channel in layer.channels
        clock["now"] += 1.5
        layer._clean_expired()
        assert channel not in layer.channels and channel not in layer.groups.get("room", {})

    asyncio.run(scenario())
