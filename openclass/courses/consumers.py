"""The progress channel: the lesson player's heartbeats over one WebSocket (``/ws/progress/``).

Authenticated by the session cookie (``AuthMiddlewareStack``); anonymous connections are closed
with 4401. Messages are JSON objects with a ``type``:

- ``{"type": "open", "lesson": 12}``: the page starts reporting on a lesson. Answered with
  ``{"type": "state", "lesson": 12, ...figures}`` (see ``progress.summary``), from which the
  player takes its next sequence number, the furthest point and the percentage.
- ``{"type": "beat", "lesson": 12, "seq": …, "intervals": …, …}`` (see ``progress.Beat``):
  answered with ``{"type": "ack", "lesson": 12, "beat": <its seq>, ...figures}`` or, when
  refused, ``{"type": "refused", "lesson": 12, "beat": <its seq>, "reason": "too_fast", …}``.

Every answer's figures include ``saved``: the last sequence number stored in the database. An
acknowledged beat is credited but may not be stored yet (states are written every few
seconds); after each write the page is sent ``{"type": "saved", "lesson": 12, "saved": …}``.
The player keeps each beat until ``saved`` reaches it (``player.js``).

Whether the student may report on a lesson (enrolled, course open, a video lesson) is checked
once per lesson per connection; a lesson they may not report on gets ``{"type": "denied"}`` and
the connection is closed with 4403. Beats are credited against the process's live state
(``progress_hub``) and written in batches, never one write per beat.
"""

from __future__ import annotations

import contextlib
import json

from openclass.core.sockets import PageConsumer

from .services import progress
from .services.progress import Reason, Refused
from .services.progress_hub import Live, hub

MAX_MESSAGE_CHARS = 4096
# A connection that keeps sending refused beats is cut off (and its refusals are logged).
MAX_REFUSALS = 30

CLOSE_UNAUTHENTICATED = 4401
CLOSE_DENIED = 4403
CLOSE_ABUSE = 4429


class ProgressConsumer(PageConsumer):
    # Nothing is ever sent to this consumer from elsewhere: no channel layer, so no inbox to
    # create and poll per connection.
    channel_layer_alias = "progress-needs-no-channel-layer"

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.lives: dict[int, Live] = {}
        self.refusals = 0
        self.closing = False
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        await self.accept()

    async def disconnect(self, code: int) -> None:
        lives, self.lives = list(self.lives.values()), {}
        for live in lives:
            await hub.leave(live, self._saved)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing:
            return  # what the client sent before it saw our close
        if text_data is None or len(text_data) > MAX_MESSAGE_CHARS:
            await self._malformed()
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self._malformed()
            return
        kind = message.get("type") if isinstance(message, dict) else None
        lesson = message.get("lesson") if kind else None
        if kind not in ("beat", "open") or isinstance(lesson, bool) or not isinstance(lesson, int):
            await self._malformed()
            return
        live = self.lives.get(lesson) or await self._join(lesson)
        if live is None:
            return
        if kind == "open":
            await self._reply("state", live)
            return
        try:
            beat = progress.parse(message)
        except Refused as refused:
            hub.refuse(live.student_id, lesson, refused.reason, message)
            await self._refused(live, refused.reason, message.get("seq"))
            return
        reason = hub.beat(live, beat)
        if reason:
            await self._refused(live, reason, beat.seq)
        else:
            await self._reply("ack", live, beat=beat.seq)

    async def _join(self, lesson: int) -> Live | None:
        live = await hub.join(self.user, lesson, self._saved)
        if live is None:
            await self.send(text_data=json.dumps({"type": "denied", "lesson": lesson}))
            self.closing = True
            await self.close(code=CLOSE_DENIED)
            return None
        self.lives[lesson] = live
        return live

    async def _reply(self, kind: str, live: Live, **extra: object) -> None:
        figures = progress.summary(live.state)
        figures.update(type=kind, lesson=live.lesson_id, saved=live.saved_seq, **extra)
        await self.send(text_data=json.dumps(figures))

    async def _saved(self, live: Live) -> None:
        """The hub wrote ``live``: the page may forget the beats up to ``saved``."""
        if self.closing:
            return
        message = {"type": "saved", "lesson": live.lesson_id, "saved": live.saved_seq}
        with contextlib.suppress(Exception):  # the socket closed meanwhile
            await self.send(text_data=json.dumps(message))

    async def _refused(self, live: Live, reason: str, seq: object) -> None:
        await self._reply("refused", live, ok=False, reason=reason, beat=seq)
        await self._count_refusal()

    async def _malformed(self) -> None:
        await self.send(text_data=json.dumps({"type": "error", "reason": Reason.MALFORMED}))
        await self._count_refusal()

    async def _count_refusal(self) -> None:
        self.refusals += 1
        if self.refusals >= MAX_REFUSALS:
            self.closing = True
            await self.close(code=CLOSE_ABUSE)
