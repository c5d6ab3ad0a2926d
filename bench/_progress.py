"""Watch-progress pieces the benchmarks share (bench/heartbeats, bench/storm): a student's
player sending one beat a second over the progress WebSocket, and the check of what was stored."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from websockets.asyncio.client import connect

from bench import Server

TIMEOUT = 30.0


@dataclass
class Watcher:
    student: int
    session: str
    sent: int = 0
    acked: int = 0
    saved: int = 0  # the last beat the server said is in the database
    error: str = ""
    latencies: list[float] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)


def _ws_url(server: Server) -> str:
    return f"{server.ws_url}/ws/progress/"


async def watch(
    server: Server, lesson: int, watcher: Watcher, connect_at: float, begin: float, end: float
) -> None:
    """Connect at ``connect_at``, announce the lesson, then from ``begin`` until ``end`` send one
    beat a second (the second just played), each awaited: the round trip to its answer is timed.
    The server's "saved" news (its batched writes) may arrive between the answers."""
    await asyncio.sleep(max(0.0, connect_at - time.perf_counter()))
    try:
        async with connect(
            _ws_url(server),
            additional_headers={"Cookie": f"{server.session_cookie}={watcher.session}"},
            ssl=server.tls(),
            origin=server.base_url,
            ping_interval=None,
            open_timeout=TIMEOUT,
            close_timeout=TIMEOUT,
        ) as socket:

            async def answer() -> dict:
                while True:
                    message = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
                    watcher.saved = max(watcher.saved, message.get("saved") or 0)
                    if message.get("type") != "saved":
                        return message

            await socket.send(json.dumps({"type": "open", "lesson": lesson}))
            state = await answer()
            if state.get("type") != "state":
                watcher.error = f"open answered {state.get('type')}"
                return
            seq = state["seq"]
            next_at = begin
            while next_at < end:
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                seq += 1
                beat = {
                    "type": "beat",
                    "lesson": lesson,
                    "seq": seq,
                    "intervals": [[seq - 1, seq]],
                    "position": seq,
                    "speed": 1.0,
                }
                sent = time.perf_counter()
                await socket.send(json.dumps(beat))
                watcher.sent = seq
                reply = await answer()
                if reply.get("type") != "ack" or reply.get("beat") != seq:
                    watcher.error = f"beat answered {reply.get('type')} {reply.get('reason', '')}"
                    return
                watcher.latencies.append(time.perf_counter() - sent)
                watcher.sent_at.append(sent)
                watcher.acked = seq
                next_at += 1.0
    except TimeoutError:
        watcher.error = watcher.error or "timeout"
    except OSError as exc:
        watcher.error = watcher.error or type(exc).__name__
    except Exception as exc:  # a closed connection, a refused handshake: counted, not fatal
        watcher.error = watcher.error or type(exc).__name__


def stored_as_sent(watchers: list[Watcher], stored: dict[int, tuple]) -> int:
    """How many watchers' stored progress (``stored``: student → (last seq, seconds watched,
    intervals)) holds exactly every beat they had acknowledged: nothing lost, nothing extra."""
    good = 0
    for watcher in watchers:
        seq, watched, intervals = stored.get(watcher.student, (0, 0.0, []))
        acked = watcher.acked
        want = [[0.0, float(acked)]] if acked else []
        if seq == acked and abs(watched - acked) < 1e-6 and intervals == want:
            good += 1
    return good
