"""A client of the progress socket that keeps its beats as ``player.js`` does: each one until an
answer's ``saved`` (or a ``saved`` message) reaches it, resending what it still holds, as one
beat, after it reconnects. For the tests that kill servers (issue 15, item 5)."""

from __future__ import annotations

import json
import ssl

from websockets.sync.client import ClientConnection, connect

TIMEOUT = 10


class ProgressPage:
    """One lesson page's progress socket; ``url`` is the site's address (http or https)."""

    def __init__(
        self, url: str, cookie: str, lesson: int, tls: ssl.SSLContext | None = None
    ) -> None:
        self.url, self.cookie, self.lesson, self.tls = url, cookie, lesson, tls
        self.seq = 0
        self.kept: dict[int, list[list[float]]] = {}
        self.socket: ClientConnection | None = None

    def open(self) -> dict:
        """Connect, and resend what is kept; the server's state as it answered the open."""
        connection = connect(
            self.url.replace("http", "ws", 1) + "/ws/progress/",
            origin=self.url,
            additional_headers={"Cookie": self.cookie},
            open_timeout=TIMEOUT,
            **({"ssl": self.tls} if self.tls else {}),
        )
        self.socket = connection.__enter__()  # closed by close(), or dropped with the server
        state = self.ask({"type": "open", "lesson": self.lesson})
        self.seq = max(self.seq, state["seq"])
        if self.kept:
            everything = sorted(i for intervals in self.kept.values() for i in intervals)
            self.kept.clear()
            self.beat(everything)
        return state

    def ask(self, message: dict) -> dict:
        assert self.socket is not None
        self.socket.send(json.dumps(message))
        while True:
            answer = json.loads(self.socket.recv(timeout=TIMEOUT))
            self.forget(answer.get("saved"))
            if answer["type"] != "saved":
                return answer

    def forget(self, saved: int | None) -> None:
        if saved is not None:
            self.kept = {seq: i for seq, i in self.kept.items() if seq > saved}

    def beat(self, intervals: list[list[float]]) -> dict:
        """Send one beat (kept until stored); its answer, which must be an acknowledgement."""
        self.seq += 1
        self.kept[self.seq] = intervals
        answer = self.ask(
            {
                "type": "beat",
                "lesson": self.lesson,
                "seq": self.seq,
                "intervals": intervals,
                "position": intervals[-1][1],
                "speed": 1.0,
            }
        )
        assert answer["type"] == "ack", answer
        return answer

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
            self.socket = None
