"""The single-process channel layer: what Channels' in-memory layer does, at a class's scale."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.exceptions import ChannelFull

from openclass.core.layers import LocalChannelLayer


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
        assert members[2] not in layer.channels or layer.channels[members[2]].empty()

    asyncio.run(scenario())


def test_expired_messages_and_memberships_are_still_cleared(monkeypatch):
    async def scenario() -> None:
        layer = LocalChannelLayer(expiry=60, group_expiry=86400)
        channel = await layer.new_channel()
        await layer.group_add("room", channel)
        await layer.send(channel, {"type": "stale"})
        layer.CLEAN_EVERY = 1.0
        clock = {"now": 1000.0}
        monkeypatch.setattr("openclass.core.layers.time.monotonic", lambda: clock["now"])
        an_hour_on = time.time() + 3600
        monkeypatch.setattr("channels.layers.time.time", lambda: an_hour_on)
        layer._cleaned_at = clock["now"]
        layer._clean_expired()  # within the second: not walked yet
        assert channel in layer.channels
        clock["now"] += 1.5
        layer._clean_expired()
        assert channel not in layer.channels and channel not in layer.groups.get("room", {})

    asyncio.run(scenario())


def test_each_member_gets_its_own_message_and_the_sender_keeps_theirs():
    async def scenario() -> None:
        layer = LocalChannelLayer()
        first, second = await layer.new_channel(), await layer.new_channel()
        for channel in (first, second):
            await layer.group_add("room", channel)
        sent = {"type": "relay", "text": "안녕", "user": 7}
        await layer.group_send("room", sent)
        sent["text"] = "changed by the sender after sending"
        mine = await layer.receive(first)
        mine["type"] = "changed by its reader"
        theirs = await layer.receive(second)
        assert theirs == {"type": "relay", "text": "안녕", "user": 7}
        assert mine["text"] == "안녕"

    asyncio.run(scenario())


def test_the_queue_of_a_page_that_has_gone_is_dropped_and_a_waiting_one_kept(monkeypatch):
    """Queues stay between messages (no queue built per message), so the walk drops those of
    pages no longer reading: empty, and nobody waiting on them."""

    async def scenario() -> None:
        layer = LocalChannelLayer()
        clock = {"now": 1000.0}
        monkeypatch.setattr("openclass.core.layers.time.monotonic", lambda: clock["now"])
        gone, waiting, unread = [await layer.new_channel() for _ in range(3)]
        await layer.send(gone, {"type": "read"})
        assert await layer.receive(gone) == {"type": "read"}
        await layer.send(unread, {"type": "not yet read"})
        reader = asyncio.ensure_future(layer.receive(waiting))
        await asyncio.sleep(0)
        clock["now"] += 1.5
        layer._clean_expired()
        assert gone not in layer.channels
        assert waiting in layer.channels and unread in layer.channels
        await layer.send(waiting, {"type": "late"})
        assert await reader == {"type": "late"}
        assert await layer.receive(unread) == {"type": "not yet read"}

    asyncio.run(scenario())
