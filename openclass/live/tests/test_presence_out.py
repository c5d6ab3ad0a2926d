"""Presence changes to a room go out together when they come close together."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from openclass.live import presence
from openclass.live.broadcast import EVERYONE


class Layer:
    """Records what would be sent to each group."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, str, dict]] = []

    async def group_send(self, group: str, message: dict) -> None:
        sent_at = asyncio.get_running_loop().time()
        self.sent.append((sent_at, group, json.loads(message["text"])))


def batch(layer: Layer, room_id: int) -> presence.PresenceOut:
    """The presence batch of a room's pages (everyone in it) on ``layer``."""
    return presence.presence_outs.get(layer, room_id, EVERYONE)


def change(user: int, online: bool = True) -> dict:
    return {"type": "presence", "person": {"user": user, "name": f"n{user}"}, "online": online}


def test_a_quiet_room_hears_at_once_and_a_burst_comes_in_one_message(monkeypatch):
    monkeypatch.setattr(presence, "PRESENCE_EVERY", 0.05)
    layer = Layer()

    async def scenario() -> None:
        start = asyncio.get_running_loop().time()
        out = batch(layer, 1)
        out.add(change(1))
        await asyncio.sleep(0)  # the first goes at once
        assert [m for _t, _g, m in layer.sent] == [
            {"type": "presence", "changes": [{"person": change(1)["person"], "online": True}]}
        ]
        for user in (2, 3):
            out.add(change(user))
        batch(layer, 1).add(change(2, online=False))
        batch(layer, 2).add(change(9))  # another room: its own
        await asyncio.sleep(0.2)
        by_group = {}
        for at, group, message in layer.sent:
            by_group.setdefault(group, []).append((at - start, message))
        _first, second = by_group["live-1"]
        assert second[0] >= 0.05
        assert second[1] == {
            "type": "presence",
            "changes": [
                {"person": change(2)["person"], "online": False},  # as they are last
                {"person": change(3)["person"], "online": True},
            ],
        }
        assert [m["changes"][0]["person"]["user"] for _t, m in by_group["live-2"]] == [9]
        # Quiet again: nothing is kept, and the next change goes at once.
        assert not presence.presence_outs.is_batching(layer, 1, EVERYONE)
        batch(layer, 1).add(change(4))
        await asyncio.sleep(0)
        assert layer.sent[-1][2]["changes"][0]["person"]["user"] == 4

    # A thread of its own: a browser test's Playwright may hold an event loop in this one.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, scenario()).result()


def test_a_larger_room_hears_less_often_but_at_least_every_so_often(monkeypatch):
    monkeypatch.setattr(presence, "PRESENCE_EVERY", 0.05)
    monkeypatch.setattr(presence, "PRESENCE_CROWD", 10)
    monkeypatch.setattr(presence, "PRESENCE_EVERY_MOST", 0.15)
    layer = Layer()

    async def scenario() -> None:
        every = {}
        flushed_at = {}
        for group, crowd in (("live-20", 20), ("live-1000", 1000), ("live-5", 5)):
            out = batch(layer, int(group.removeprefix("live-")))
            flushed_at[group] = asyncio.get_running_loop().time()
            out.add(change(1), crowd)  # goes at once
            out.add(change(2), crowd)  # waits for the interval
            every[group] = out.every
        assert every == {"live-5": 0.05, "live-20": 0.1, "live-1000": 0.15}
        await asyncio.sleep(0.4)
        sent: dict[str, list[float]] = {}
        for at, group, _message in layer.sent:
            sent.setdefault(group, []).append(at)
        for group, interval in every.items():
            # The first send is a task that runs when the loop gets to it, so the interval is
            # counted from the first flush (in ``add``), not from when the first send ran.
            first, second = sent[group]
            assert first < second
            assert second - flushed_at[group] >= interval

    asyncio.run(scenario())
