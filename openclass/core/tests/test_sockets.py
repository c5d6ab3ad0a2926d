"""How a consumer is handed its messages: one at a time, in order, until the page leaves."""

from __future__ import annotations

import asyncio

import pytest
from channels.exceptions import StopConsumer

from openclass.core.sockets import dispatch_in_turn


class Source:
    """Messages a test feeds in; counts how often it was read."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.reads = 0

    async def __call__(self) -> dict:
        self.reads += 1
        return await self.queue.get()


def test_messages_are_handled_one_at_a_time_in_each_source_order_until_the_page_leaves():
    async def scenario() -> None:
        page, channel = Source(), Source()
        handled, busy = [], []

        async def dispatch(message: dict) -> None:
            busy.append(message["n"])
            assert len(busy) == 1, f"handled at once: {busy}"
            await asyncio.sleep(0.001)  # a handler that waits (the database, a send)
            handled.append(message["n"])
            busy.remove(message["n"])
            if message["n"] == "leave":
                raise StopConsumer

        running = asyncio.ensure_future(dispatch_in_turn([page, channel], dispatch))
        for n in range(5):
            channel.queue.put_nowait({"n": f"c{n}"})
            page.queue.put_nowait({"n": f"p{n}"})
        while len(handled) < 10:
            await asyncio.sleep(0.001)
        page.queue.put_nowait({"n": "leave"})
        channel.queue.put_nowait({"n": "after"})  # whether it is handled or not, it ends
        with pytest.raises(StopConsumer):
            await running
        assert [n for n in handled if n.startswith("p")] == [f"p{n}" for n in range(5)]
        assert [n for n in handled if n.startswith("c")][:5] == [f"c{n}" for n in range(5)]
        assert "leave" in handled

    asyncio.run(scenario())


def test_a_source_is_not_read_again_before_its_message_is_handled():
    """So a page that stops keeping up fills its own channel, which then drops for it alone."""

    async def scenario() -> None:
        channel, page = Source(), Source()
        release = asyncio.Event()

        async def dispatch(message: dict) -> None:
            await release.wait()

        running = asyncio.ensure_future(dispatch_in_turn([page, channel], dispatch))
        for n in range(3):
            channel.queue.put_nowait({"n": n})
        await asyncio.sleep(0.01)
        assert channel.reads == 1 and channel.queue.qsize() == 2
        release.set()
        await asyncio.sleep(0.01)
        assert channel.queue.qsize() == 0
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    asyncio.run(scenario())


def test_a_failing_handler_ends_the_loop_with_its_error_and_stops_reading():
    async def scenario() -> None:
        page, channel = Source(), Source()

        async def dispatch(message: dict) -> None:
            raise RuntimeError("handler failed")

        running = asyncio.ensure_future(dispatch_in_turn([page, channel], dispatch))
        channel.queue.put_nowait({"n": 1})
        with pytest.raises(RuntimeError, match="handler failed"):
            await running
        page.queue.put_nowait({"n": 2})
        await asyncio.sleep(0.01)
        assert page.queue.qsize() == 1  # nobody reads the page any more

    asyncio.run(scenario())
