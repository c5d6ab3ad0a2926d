"""Watch progress (진도율, F-08): the heartbeat rules, and how their results are stored.

The player reports, about once a second, the stretches of the video it actually played since its
last report (a "beat"). The server keeps per student and lesson the union of everything
credited, the furthest point reached by watching and the resume position, and refuses to credit
what could not have happened:

- any beat while the server does not know the video's length (``Lesson.known_duration``: media's
  probe, ffprobe of the URL, the teacher's page or the teacher; never the student's player);
- intervals past the end of the video;
- more new credit than the wall-clock time since the previous accepted beat allows at the
  course's fastest allowed speed (10 % tolerance and a few seconds of burst, so network jitter
  is no tampering). Time that earned nothing is banked only up to half a minute: a beat after a
  long pause may claim no more than that pause allows, and the next beats what passed since it
  and that half minute — so honest beats held up together (a server that stalled for a few
  seconds, a network hiccup) arrive in a bunch and are all credited;
- replayed or out-of-order beats (each beat's sequence number must grow, across page loads);
- in "no skipping" courses, intervals that start beyond the furthest point already watched;
- a playback speed the course does not allow;
- anything malformed.

Credit is the *growth of the union*, never the length claimed: a player may resend a stretch it
is not sure arrived (after a reconnect, in the closing beacon) and earns nothing twice. The same
property makes two copies of one student's progress (the WebSocket's batched copy and a beacon,
or two server processes) merge by union in any order (``merge``), so an older copy can never
overwrite a newer one.

The rules are pure functions of plain data (``parse``, ``apply``, ``merge``). The database side is
below them: ``credit`` for one beat at a time (the HTTP beacon), ``save`` for a batch (the
WebSocket's periodic flush), both through ``merge`` under the row lock.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from openclass.core.db import update_by_pk
from openclass.xapi import services as xapi

from ..models import Course, LessonProgress, RejectedHeartbeat
from . import learning_records

Reason = RejectedHeartbeat.Reason
Interval = tuple[float, float]  # (start, end) in seconds of the video, start < end

# No video lesson is longer than this (a length given for a lesson is refused beyond it).
MAX_DURATION = 6 * 3600.0
# A player's last time update may fall a little after the duration the server knows (container
# length vs last frame): so much is clipped, not refused.
DURATION_SLACK = 1.0
# No-skip: an interval may start this far past the furthest point (a seek lands on a nearby
# frame; YouTube seeks to key frames).
SKIP_TOLERANCE = 2.0
# New credit may exceed wall-clock time × the fastest allowed speed by 10 %, plus a burst of a
# few seconds (a beat held up on the network arrives together with the next one).
RATE_TOLERANCE = 1.10
CREDIT_BURST = 3.0
# Allowance a beat did not use is kept up to this much (seconds of video). Beats a stalled
# server answers late are processed within milliseconds of each other: without a bank, every
# one after the burst was refused as too fast and honest watching was lost (bench/storm, 399
# watchers on the scaled profile). It bounds what idling can save up.
CREDIT_BANK = 30.0
# The wall-clock time since the previous accepted beat counts for at most this long: a player
# that lost its connection may send up to ten minutes of queued watching at once, but an hour's
# idling earns no hour of credit. Unused allowance is carried to later beats up to CREDIT_BANK.
CREDIT_WINDOW = 600.0
SPEED_TOLERANCE = 0.01
MAX_SEQ = 2**31 - 1
MAX_INTERVALS = 64
# Seconds are kept to the millisecond: plenty for a player, and it keeps the JSON small.
PRECISION = 3


class Refused(Exception):
    """The beat is not credited, for ``reason`` (a ``RejectedHeartbeat.Reason``)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


# --- Intervals and completion ----------------------------------------------------------------


def union(intervals: Iterable[Sequence[float]]) -> list[Interval]:
    """The sorted, disjoint union of ``intervals``; touching ones join, empty ones vanish."""
    merged: list[list[float]] = []
    for start, end in sorted((float(s), float(e)) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def length(intervals: Iterable[Sequence[float]]) -> float:
    """Total length of a union made by ``union`` (its intervals are disjoint)."""
    return sum(end - start for start, end in intervals)


def clip(intervals: Iterable[Sequence[float]], duration: float) -> list[Interval]:
    """The union of ``intervals`` cut to [0, duration]."""
    return union((max(0.0, s), min(duration, e)) for s, e in intervals)


# Relative slack for binary floating point, so that exactly the threshold counts (90 % of 3 s is
# 2.6999999999999997 s).
_EPSILON = 1e-9


def percent(watched: float, duration: float | None) -> int:
    """Whole percent of ``duration`` watched, rounded down, at most 100."""
    if not duration or duration <= 0:
        return 0
    return max(0, min(100, math.floor(watched * 100 / duration * (1 + _EPSILON))))


def is_complete(watched: float, duration: float | None, threshold: int) -> bool:
    """A video lesson completes when the watched time reaches ``threshold`` % of its duration,
    exactly at the threshold included."""
    if not duration or duration <= 0:
        return False
    return watched * 100 * (1 + _EPSILON) >= threshold * duration


# --- Beats -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Beat:
    """One heartbeat. On the wire (JSON; ``"type": "beat"`` added on the WebSocket)::

    {"lesson": 12,               # lesson id (the beacon's URL names the lesson instead)
     "seq": 41,                  # one more than the previous beat's, across page loads
     "intervals": [[61.0, 62.02]],  # stretches played since the previous beat, seconds
     "position": 62.02,          # where the player is now: the resume point
     "speed": 1.25,              # the fastest playbackRate used since the previous beat
     "duration": 600.5}          # optional, ignored: the server knows the length
    """

    seq: int
    intervals: tuple[Interval, ...]
    position: float
    speed: float = 1.0
    duration: float | None = None
    lesson: int | None = None

    def as_payload(self) -> dict:
        """The beat as JSON, for the rejection log."""
        return {
            "lesson": self.lesson,
            "seq": self.seq,
            "intervals": [list(i) for i in self.intervals],
            "position": self.position,
            "speed": self.speed,
            "duration": self.duration,
        }


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SEQ:
        raise Refused(Reason.MALFORMED, f"{name} must be a positive integer")
    return value


def _seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(Reason.MALFORMED, f"{name} must be a number")
    number = float(value)
    if not math.isfinite(number) or not 0 <= number <= 10 * MAX_DURATION:
        raise Refused(Reason.MALFORMED, f"{name} out of range")
    return round(number, PRECISION)


def parse(payload: object, *, lesson_required: bool = False) -> Beat:
    """Read a beat from decoded JSON (see ``Beat``); raises ``Refused(MALFORMED)``."""
    if not isinstance(payload, dict):
        raise Refused(Reason.MALFORMED, "a beat is a JSON object")
    lesson = payload.get("lesson")
    if lesson is not None or lesson_required:
        lesson = _positive_int(lesson, "lesson")
    seq = _positive_int(payload.get("seq"), "seq")
    raw = payload.get("intervals", [])
    if not isinstance(raw, list) or len(raw) > MAX_INTERVALS:
        raise Refused(Reason.MALFORMED, f"intervals: a list of at most {MAX_INTERVALS}")
    intervals = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise Refused(Reason.MALFORMED, "an interval is [start, end]")
        start, end = _seconds(item[0], "start"), _seconds(item[1], "end")
        if end < start:
            raise Refused(Reason.MALFORMED, "an interval ends before it starts")
        if end > start:
            intervals.append((start, end))
    position = _seconds(payload.get("position"), "position")
    speed = payload.get("speed", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0 < speed <= 16:
        raise Refused(Reason.MALFORMED, "speed out of range")
    duration = payload.get("duration")
    if duration is not None:
        duration = _seconds(duration, "duration") or None
    return Beat(seq, tuple(intervals), position, float(speed), duration, lesson)


# --- State and the rules on one beat ---------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """The course settings that decide what is credited."""

    no_skip: bool = True
    speeds: tuple[float, ...] = (1.0,)
    threshold: int = 90

    @classmethod
    def of(cls, course: Course) -> Rules:
        speeds = tuple(float(s) for s in course.allowed_speeds or [1.0])
        return cls(course.no_skip, speeds, course.completion_threshold)

    @property
    def fastest(self) -> float:
        return max(self.speeds, default=1.0)

    def allows(self, speed: float) -> bool:
        return any(abs(speed - allowed) <= SPEED_TOLERANCE for allowed in self.speeds)

    def allowance(self, seconds: float) -> float:
        """Seconds of video that ``seconds`` of wall-clock time can credit at most."""
        return min(max(0.0, seconds), CREDIT_WINDOW) * self.fastest * RATE_TOLERANCE


@dataclass(frozen=True)
class State:
    """What the server knows of one student's progress in one video lesson.

    ``credit`` is the allowance left as of ``credit_at``. Each beat may gain the wall-clock time
    since the previous accepted beat at the fastest allowed speed, plus what is left; allowance a
    beat did not use is kept up to ``CREDIT_BANK``, so idle time is saved up only that far. When
    ``credit_at`` is None (state fresh from the database) the burst (``CREDIT_BURST``) is left,
    not the bank: reconnecting earns nothing.
    """

    intervals: list[Interval] = dataclasses.field(default_factory=list)
    furthest: float = 0.0
    position: float = 0.0
    duration: float | None = None
    last_seq: int = 0
    last_beat_at: datetime.datetime | None = None
    completed_at: datetime.datetime | None = None
    watched: float = -1.0  # -1: work it out from the intervals
    credit: float = 0.0
    credit_at: datetime.datetime | None = None

    def __post_init__(self) -> None:
        if self.watched < 0:
            object.__setattr__(self, "watched", length(self.intervals))

    @classmethod
    def of(cls, row: LessonProgress) -> State:
        """The state of a stored progress row, with the length the server knows of the video
        (a length some player once reported is not trusted)."""
        known = row.lesson.known_duration
        return cls(
            intervals=[(float(s), float(e)) for s, e in row.intervals or []],
            furthest=row.furthest,
            position=row.position,
            duration=known,
            last_seq=row.last_seq,
            last_beat_at=row.last_beat_at or row.opened_at,
            completed_at=row.completed_at,
            watched=row.watched,
        )

    @property
    def completed(self) -> bool:
        return self.completed_at is not None

    @property
    def percent(self) -> int:
        if self.completed and not self.duration:
            return 100
        return percent(self.watched, self.duration)


def summary(state: State, threshold: int | None = None) -> dict:
    """The server's figures, sent back after each beat: the player enforces no-skip with
    ``furthest`` and shows the percentage and completion from here, never from its own count.
    (``threshold`` is accepted for callers that pass it; completion is already in ``state``.)"""
    return {
        "ok": True,
        "seq": state.last_seq,
        "watched": state.watched,
        "furthest": state.furthest,
        "position": state.position,
        "duration": state.duration,
        "percent": state.percent,
        "completed": state.completed,
    }


def apply(state: State, beat: Beat, *, now: datetime.datetime, rules: Rules) -> State:
    """The state after crediting ``beat``, or ``Refused`` with the reason.

    Checks run from the cheapest to the one that spends the allowance; a refused beat changes
    nothing (the caller keeps ``state``).
    """
    if beat.seq <= state.last_seq:
        raise Refused(Reason.REPLAYED)
    duration = state.duration
    if duration is None:
        # F-08: a player's own figure would let two seconds of "watching" complete the lesson.
        raise Refused(Reason.UNKNOWN_DURATION, "the video's length is not known yet")
    if not rules.allows(beat.speed):
        raise Refused(Reason.SPEED)
    limit = duration + DURATION_SLACK
    if beat.position > limit or any(end > limit for _start, end in beat.intervals):
        raise Refused(Reason.PAST_DURATION)
    new = clip(beat.intervals, duration)
    furthest = state.furthest
    for start, end in new:
        if rules.no_skip and start > furthest + SKIP_TOLERANCE:
            raise Refused(Reason.SKIPPED_AHEAD)
        furthest = max(furthest, end)
    merged = union([*state.intervals, *new]) if new else state.intervals
    watched = length(merged)
    gained = watched - state.watched
    allowance = rules.allowance(_seconds_between(state.last_beat_at, now))
    burst = CREDIT_BURST if state.credit_at is None else min(state.credit, CREDIT_BANK)
    if gained > allowance + burst:
        raise Refused(Reason.TOO_FAST)
    # What the elapsed time did not cover is drawn from the bank, and allowance left unused goes
    # into it, up to CREDIT_BANK; the rest is dropped.
    burst = min(CREDIT_BANK, burst + allowance - gained)
    position = min(beat.position, duration)
    if rules.no_skip:
        position = min(position, furthest)
    completed_at = state.completed_at
    if completed_at is None and is_complete(watched, duration, rules.threshold):
        completed_at = now
    return dataclasses.replace(
        state,
        intervals=merged,
        watched=watched,
        furthest=furthest,
        position=position,
        duration=duration,
        last_seq=beat.seq,
        last_beat_at=now,
        completed_at=completed_at,
        credit=burst,
        credit_at=now,
    )


def _seconds_between(since: datetime.datetime | None, now: datetime.datetime) -> float:
    return (now - since).total_seconds() if since else 0.0


def merge(stored: State, live: State) -> State:
    """Two copies of one progress: the union of what each credited, the furthest of both, and
    the position and sequence number of whichever heard the later beat. The order of the
    arguments changes nothing but the allowance, which is ``live``'s."""
    newer = live if live.last_seq >= stored.last_seq else stored
    beats = [t for t in (stored.last_beat_at, live.last_beat_at) if t is not None]
    completions = [t for t in (stored.completed_at, live.completed_at) if t is not None]
    return dataclasses.replace(
        live,
        intervals=union([*stored.intervals, *live.intervals]),
        watched=-1.0,
        furthest=max(stored.furthest, live.furthest),
        position=newer.position,
        duration=live.duration or stored.duration,
        last_seq=newer.last_seq,
        last_beat_at=max(beats) if beats else None,
        completed_at=min(completions) if completions else None,
    )


# --- Storing ---------------------------------------------------------------------------------

SAVED_FIELDS = [
    "intervals",
    "watched",
    "furthest",
    "position",
    "duration",
    "last_seq",
    "last_beat_at",
    "completed_at",
]


def _write(row: LessonProgress, state: State) -> None:
    row.intervals = [[s, e] for s, e in state.intervals]
    row.watched = state.watched
    row.furthest = state.furthest
    row.position = state.position
    row.duration = state.duration
    row.last_seq = state.last_seq
    row.last_beat_at = state.last_beat_at
    row.completed_at = state.completed_at


def save(states: dict[int, State], now: datetime.datetime | None = None) -> list[int]:
    """Write many progress states (by progress id) in one transaction, each merged with what
    the database holds under the row lock, so a beacon that came in meanwhile is kept. Calls
    ``services.lesson_completed`` once for each lesson that completes here; returns those ids.

    This is the WebSocket's periodic flush (a thousand rows every few seconds), so it reads
    plain values and writes with one prepared UPDATE run for every row: the ORM's model
    instances and ``bulk_update`` took 0.8 s of CPU for 1,000 rows, holding the interpreter
    lock against the event loop that answers the heartbeats; this takes a few milliseconds.
    """
    if not states:
        return []
    now = now or timezone.now()
    completed: list[int] = []
    progressed: list[int] = []  # a whole minute more watched: one statement each (F-18)
    with transaction.atomic():
        # Locked in the order of their ids, so two writers of overlapping rows (the same watcher
        # reconnected to another worker) wait for each other instead of deadlocking.
        rows = LessonProgress.objects.filter(pk__in=list(states)).order_by("pk")
        if connection.features.has_select_for_update:
            rows = rows.select_for_update()
        params = []
        for pk, *stored in rows.values_list("pk", *SAVED_FIELDS):
            intervals, watched, furthest, position, duration, last_seq, beat_at, done_at = stored
            merged = merge(
                State(
                    intervals=[(s, e) for s, e in intervals or []],
                    watched=watched,
                    furthest=furthest,
                    position=position,
                    duration=duration,
                    last_seq=last_seq,
                    last_beat_at=beat_at,
                    completed_at=done_at,
                ),
                states[pk],
            )
            if done_at is None and merged.completed_at is not None:
                completed.append(pk)
            if learning_records.minutes_watched(merged.watched) > learning_records.minutes_watched(
                watched
            ):
                progressed.append(pk)
            params.append(
                (
                    pk,
                    [[s, e] for s, e in merged.intervals],
                    merged.watched,
                    merged.furthest,
                    merged.position,
                    merged.duration,
                    merged.last_seq,
                    merged.last_beat_at,
                    merged.completed_at,
                )
            )
        update_by_pk(LessonProgress, SAVED_FIELDS, params)
        with xapi.together():  # the minutes watched, the lessons and courses completed
            _record(progressed, completed, now)
    return completed


def _record(progressed: list[int], completed: list[int], now: datetime.datetime) -> None:
    """The learning records of a flush: a statement per whole minute more watched, and the
    completions (``services.lesson_completed``: attendance, the course) of ``completed``, in
    the order of the progress ids (PostgreSQL returns just-updated rows in no set order)."""
    from . import courses as services

    if progressed:
        learning_records.progressed_many(
            [
                learning_records.Watched(row.student, row.lesson, row.intervals, row.percent)
                for row in LessonProgress.objects.filter(pk__in=progressed)
                .select_related("student__organisation", "lesson__section__course")
                .order_by("pk")
            ],
            now,
        )
    for row in (
        LessonProgress.objects.filter(pk__in=completed)
        .select_related("student", "lesson__section__course")
        .order_by("pk")
    ):
        services.lesson_completed(row, now)


def log_refusals(refusals: Iterable[tuple[int, int, str, dict]]) -> None:
    """Keep refused beats (student id, lesson id, reason, payload) for teachers and audits."""
    RejectedHeartbeat.objects.bulk_create(
        [
            RejectedHeartbeat(student_id=student, lesson_id=lesson, reason=reason, payload=payload)
            for student, lesson, reason, payload in refusals
        ]
    )


def credit(row: LessonProgress, payload: object, now: datetime.datetime | None = None) -> State:
    """Credit one beat to a stored progress (the HTTP beacon). A refused beat is logged and
    raises ``Refused``; an accepted one is written under the row lock, so a beacon and a
    WebSocket flush (which merges, see ``save``) can come in either order. ``row`` carries its
    student, lesson, course and video (``select_related``)."""
    from . import courses as services

    now = now or timezone.now()
    rules = Rules.of(row.lesson.section.course)
    refused = None
    with transaction.atomic():
        locked = (
            LessonProgress.objects.select_for_update(of=("self",))
            .select_related("lesson__video")
            .get(pk=row.pk)
        )
        try:
            beat = parse(payload)
            if beat.lesson is not None and beat.lesson != row.lesson_id:
                raise Refused(Reason.MALFORMED, "the beat is about another lesson")
            after = apply(State.of(locked), beat, now=now, rules=rules)
        except Refused as error:
            refused = error
        else:
            was_complete = locked.completed_at is not None
            minutes_before = learning_records.minutes_watched(locked.watched)
            _write(locked, after)
            locked.save(update_fields=SAVED_FIELDS)
            _write(row, after)
            if learning_records.minutes_watched(after.watched) > minutes_before:
                learning_records.progressed(
                    row.student, row.lesson, row.intervals, row.percent, now
                )
            if not was_complete and after.completed:
                services.lesson_completed(row, now)
    if refused is not None:
        raw = payload if isinstance(payload, dict) else {"raw": str(payload)[:500]}
        log_refusals([(row.student_id, row.lesson_id, refused.reason, raw)])
        raise refused
    return after
