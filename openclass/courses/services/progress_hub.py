"""The progress of the students watching now, kept in this server process and written in batches.

One heartbeat a second from a thousand students is a thousand writes a second if each is saved
on arrival; SQLite (and a PostgreSQL that also serves the pages) is better spent otherwise. The
WebSocket consumer checks and credits each beat against the state held here, answers at once,
and a single task per process writes every changed state every ``FLUSH_SECONDS`` in one
transaction. A state is also written when its last connection closes and when its lesson
completes. An acknowledgement says the beat was credited, not that it is stored: every answer
carries ``saved``, the last sequence number known to be in the database, and each write tells
the connections of the states it wrote (``{"type": "saved"}``). The player keeps every beat until
``saved`` reaches it and resends what it still holds after a reconnect, so a crash of this
process (kill -9) loses nothing the page was told is stored (see ``player.js``); resending is
harmless, since credit is the growth of the union of watched intervals.

Every student and lesson has one state per process, shared by all their connections (two tabs
draw on one allowance). Several processes (``OPENCLASS_REDIS_URL``) each keep their own copy;
``progress.save`` merges copies by union, so they cannot undo each other. The process's one
``hub`` is registered in ``core.runtime`` (``runtime.reset()`` empties it between tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connections
from django.utils import timezone

from openclass.accounts.models import User
from openclass.core.runtime import runtime

from .. import selectors
from ..models import Enrolment, Lesson, LessonProgress
from . import progress
from .progress import Beat, Refused, Rules, State

logger = logging.getLogger(__name__)

FLUSH_SECONDS = float(getattr(settings, "PROGRESS_FLUSH_SECONDS", 3.0))

Key = tuple[int, int]  # (student id, lesson id)
#: Told, after a write, that a state is stored up to ``Live.saved_seq`` (a connection's page).
Listener = Callable[["Live"], Awaitable[None]]


@dataclass
class Live:
    """One student's progress in one lesson as this process knows it."""

    progress_id: int
    student_id: int
    lesson_id: int
    rules: Rules
    state: State
    saved_seq: int  # the last sequence number known to be in the database
    connections: int = 0
    listeners: set[Listener] = field(default_factory=set)

    @property
    def dirty(self) -> bool:
        return self.state.last_seq > self.saved_seq


def load(student: User, lesson_id: int) -> tuple[int, Rules, State] | None:
    """(progress id, rules, state) of ``student``'s progress in a video lesson of a course they
    are enrolled in and that is open now; None when they may not report on it."""
    lesson = (
        Lesson.objects.select_related("section__course", "video")
        .filter(pk=lesson_id, kind__in=Lesson.VIDEO_KINDS)
        .first()
    )
    if lesson is None or not student.is_active:
        return None
    course = lesson.section.course
    if not selectors.is_open(course):
        return None
    if not Enrolment.objects.filter(course=course, student=student).exists():
        return None
    row, _created = LessonProgress.objects.select_related("lesson__video").get_or_create(
        student=student, lesson=lesson
    )
    row.lesson = lesson
    return row.pk, Rules.of(course), State.of(row)


def _write(states: dict[int, State], refusals: list[tuple[int, int, str, dict]]) -> None:
    progress.save(states)
    if refusals:
        progress.log_refusals(refusals)


class Hub:
    """The live states of this process and the task that writes them."""

    def __init__(self, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.flush_seconds = flush_seconds  # between periodic writes (tests shorten it)
        self.live: dict[Key, Live] = {}
        self.refusals: list[tuple[int, int, str, dict]] = []
        self._flusher: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()  # referenced until done (asyncio keeps none)
        # Database work runs on a thread of its own, not the one that serves Django's
        # synchronous views, so a flush never holds up a page (and keeps one connection).
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="progress-db")
        self._load = database_sync_to_async(load, thread_sensitive=False, executor=self._executor)
        self._write = database_sync_to_async(
            _write, thread_sensitive=False, executor=self._executor
        )

    async def join(
        self, student: User, lesson_id: int, listener: Listener | None = None
    ) -> Live | None:
        """The live state for a connection of ``student`` reporting on ``lesson_id`` (loaded on
        first use), or None when they may not report on that lesson. ``listener`` is told each
        time the state is written."""
        key = (student.pk, lesson_id)
        live = self.live.get(key)
        if live is None:
            loaded = await self._load(student, lesson_id)
            if loaded is None:
                return None
            live = self.live.get(key)  # another connection may have loaded it meanwhile
            if live is None:
                progress_id, rules, state = loaded
                live = Live(progress_id, student.pk, lesson_id, rules, state, state.last_seq)
                self.live[key] = live
        live.connections += 1
        if listener is not None:
            live.listeners.add(listener)
        self._ensure_flusher()
        return live

    def beat(self, live: Live, beat: Beat, now: datetime.datetime | None = None) -> str:
        """Credit ``beat``; returns "" when accepted, else the reason it was refused (logged
        with the next write)."""
        now = now or timezone.now()
        try:
            after = progress.apply(live.state, beat, now=now, rules=live.rules)
        except Refused as refused:
            self.refuse(live.student_id, live.lesson_id, refused.reason, beat.as_payload())
            return refused.reason
        completed_now = after.completed and not live.state.completed
        live.state = after
        if completed_now:
            # Attendance and course completion follow at once, not at the next flush.
            task = asyncio.get_running_loop().create_task(self.flush([live]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return ""

    def refuse(self, student_id: int, lesson_id: int, reason: str, payload: dict) -> None:
        self.refusals.append((student_id, lesson_id, reason, payload))

    async def leave(self, live: Live, listener: Listener | None = None) -> None:
        """A connection is done with ``live``: write it, and forget it when nobody else uses it."""
        live.connections -= 1
        if listener is not None:
            live.listeners.discard(listener)
        await self.flush([live])
        key = (live.student_id, live.lesson_id)
        if live.connections <= 0 and not live.dirty and self.live.get(key) is live:
            del self.live[key]

    async def flush(self, lives: list[Live] | None = None) -> int:
        """Write the changed states (all, or those of ``lives``) and the refusals in one
        transaction; returns how many states were written. On failure everything stays
        pending for the next flush."""
        chosen = [live for live in (self.live.values() if lives is None else lives) if live.dirty]
        refusals, self.refusals = self.refusals, []
        if not chosen and not refusals:
            return 0
        states = {live.progress_id: live.state for live in chosen}
        try:
            await self._write(states, refusals)
        except Exception:
            logger.exception("progress: writing %d states failed; kept for later", len(chosen))
            self.refusals[:0] = refusals
            return 0
        for live in chosen:
            live.saved_seq = max(live.saved_seq, states[live.progress_id].last_seq)
            for listener in list(live.listeners):
                self._spawn(listener(live))
        return len(chosen)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _ensure_flusher(self) -> None:
        loop = asyncio.get_running_loop()
        task = self._flusher
        if task is None or task.done() or task.get_loop() is not loop:
            self._flusher = loop.create_task(self._flush_periodically())

    async def _flush_periodically(self) -> None:
        """Write every ``flush_seconds`` while anyone is watching; ends when nobody is."""
        while self.live or self.refusals:
            await asyncio.sleep(self.flush_seconds)
            with contextlib.suppress(Exception):
                await self.flush()
            for key, live in list(self.live.items()):
                if live.connections <= 0 and not live.dirty:
                    del self.live[key]

    def reset(self) -> None:
        """Forget everything and close the database thread's connection (``runtime.reset()``)."""
        self.live.clear()
        self.refusals.clear()
        self._flusher = None
        self.flush_seconds = FLUSH_SECONDS
        self._executor.submit(connections.close_all).result()


hub = runtime.register("courses.progress_hub", Hub())
