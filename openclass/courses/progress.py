"""Watch progress (진도율): the union of watched intervals, and the rules that decide whether a
player's heartbeat may be credited.

A heartbeat is ``{"lesson": id, "seq": n, "intervals": [[start, end], …], "position": s,
"speed": 1.0, "duration": d}``: the stretches of the video played since the previous beat, where
the player is now, and the playback speed. The server trusts none of it: a beat is refused (and
logged) when its intervals lie past the end of the video, when it claims more watching than the
wall-clock time since the previous beat allows at the fastest allowed speed, when it repeats or
precedes an earlier beat, when (with no skipping) an interval starts beyond the furthest point
already watched, or when the speed is not allowed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import Lesson, LessonProgress, RejectedHeartbeat

Interval = tuple[float, float]
Reason = RejectedHeartbeat.Reason

# Rounding, player jitter and the beat's own travel time; generous enough for a slow network,
# far too small to fake a lesson.
TOLERANCE_SECONDS = 2.0
# Without a known duration a URL video may report its own once, but not an absurd one.
MAX_DURATION = 6 * 3600.0
MAX_INTERVALS = 50


def union(intervals: Iterable[Sequence[float]]) -> list[Interval]:
    """Sorted, disjoint intervals covering exactly the given ones (touching ones merge)."""
    merged: list[list[float]] = []
    for start, end in sorted((float(a), float(b)) for a, b in intervals if b > a):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def length(intervals: Iterable[Sequence[float]]) -> float:
    return sum(end - start for start, end in union(intervals))


def is_complete(watched: float, duration: float | None, threshold_percent: int) -> bool:
    # A hair of tolerance: 90 % of a 213.5 s video is not exactly representable.
    return bool(duration) and watched * 100 >= threshold_percent * duration - 1e-6


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Beat:
    seq: int
    intervals: list[Interval]
    position: float
    speed: float
    duration: float | None


def parse(payload: object) -> Beat:
    """The beat in ``payload``, or Refused(MALFORMED)."""
    try:
        if not isinstance(payload, dict):
            raise TypeError
        seq = int(payload["seq"])
        raw = payload.get("intervals") or []
        if not isinstance(raw, list) or len(raw) > MAX_INTERVALS:
            raise TypeError
        intervals = [(float(a), float(b)) for a, b in raw]
        position = float(payload.get("position", 0))
        speed = float(payload.get("speed", 1))
        duration = payload.get("duration")
        duration = float(duration) if duration is not None else None
    except (KeyError, TypeError, ValueError) as error:
        raise Refused(Reason.MALFORMED) from error
    numbers = [position, speed, *(x for pair in intervals for x in pair)]
    if seq < 1 or any(x != x or x in (float("inf"), float("-inf")) for x in numbers):
        raise Refused(Reason.MALFORMED)
    if any(start < 0 or end < start for start, end in intervals) or position < 0:
        raise Refused(Reason.MALFORMED)
    return Beat(seq, intervals, position, speed, duration)


@dataclass
class State:
    """What the rules need to know of one student's progress in one lesson."""

    intervals: list[Interval]
    furthest: float
    position: float
    duration: float | None
    last_seq: int
    last_beat_at: datetime.datetime | None
    completed: bool

    @classmethod
    def of(cls, progress: LessonProgress) -> State:
        return cls(
            intervals=union(progress.intervals),
            furthest=progress.furthest,
            position=progress.position,
            duration=progress.duration or _lesson_duration(progress.lesson),
            last_seq=progress.last_seq,
            last_beat_at=progress.last_beat_at or progress.opened_at,
            completed=progress.completed_at is not None,
        )

    @property
    def watched(self) -> float:
        return length(self.intervals)


def _lesson_duration(lesson: Lesson) -> float | None:
    if lesson.video_id and lesson.video.duration:
        return float(lesson.video.duration)
    return lesson.duration


def apply(
    state: State,
    beat: Beat,
    *,
    now: datetime.datetime,
    no_skip: bool,
    allowed_speeds: Sequence[float],
) -> State:
    """The state after crediting ``beat``, or Refused(reason). Pure: writes nothing."""
    if beat.seq <= state.last_seq:
        raise Refused(Reason.REPLAYED)
    if not any(abs(beat.speed - allowed) < 0.01 for allowed in allowed_speeds):
        raise Refused(Reason.SPEED)
    duration = state.duration
    if duration is None:
        if beat.duration is None or not 0 < beat.duration <= MAX_DURATION:
            raise Refused(Reason.MALFORMED)
        duration = beat.duration
    if any(end > duration + TOLERANCE_SECONDS for _start, end in beat.intervals):
        raise Refused(Reason.PAST_DURATION)
    fresh = union(beat.intervals)
    elapsed = (now - state.last_beat_at).total_seconds() if state.last_beat_at else 0.0
    fastest = max(allowed_speeds)
    if length(fresh) > max(elapsed, 0.0) * fastest + TOLERANCE_SECONDS:
        raise Refused(Reason.TOO_FAST)
    furthest = state.furthest
    if no_skip:
        # Each interval must begin where the student has already been; watching extends it.
        for start, end in fresh:
            if start > furthest + TOLERANCE_SECONDS:
                raise Refused(Reason.SKIPPED_AHEAD)
            furthest = max(furthest, end)
    else:
        furthest = max([furthest, *(end for _start, end in fresh)])
    intervals = union([*state.intervals, *((start, min(end, duration)) for start, end in fresh)])
    return State(
        intervals=intervals,
        furthest=min(furthest, duration),
        position=min(beat.position, duration),
        duration=duration,
        last_seq=beat.seq,
        last_beat_at=now,
        completed=state.completed,
    )


def credit(
    progress: LessonProgress, payload: object, now: datetime.datetime | None = None
) -> State:
    """Check ``payload`` against ``progress`` and store the result in one transaction.

    A refused beat is logged as a RejectedHeartbeat and raises Refused; the stored progress does
    not change. Reaching the course's threshold completes the lesson (once).
    """
    now = now or timezone.now()
    course = progress.lesson.section.course
    with transaction.atomic():
        locked = (
            LessonProgress.objects.select_for_update(of=("self",))
            .select_related("lesson__video", "lesson__section__course")
            .get(pk=progress.pk)
        )
        try:
            beat = parse(payload)
            state = apply(
                State.of(locked),
                beat,
                now=now,
                no_skip=course.no_skip,
                allowed_speeds=course.allowed_speeds,
            )
        except Refused as refused:
            # Logged in this transaction, which commits: the progress row itself is untouched.
            RejectedHeartbeat.objects.create(
                student_id=locked.student_id,
                lesson_id=locked.lesson_id,
                reason=refused.reason,
                payload=payload if isinstance(payload, dict) else {"raw": str(payload)[:500]},
            )
            rejected = refused
        else:
            rejected = None
            _store(locked, state, now, course.completion_threshold)
    if rejected is not None:
        raise rejected
    state.completed = locked.completed_at is not None
    return state


def _store(locked: LessonProgress, state: State, now: datetime.datetime, threshold: int) -> None:
    from . import services

    locked.intervals = [list(pair) for pair in state.intervals]
    locked.watched = state.watched
    locked.furthest = state.furthest
    locked.position = state.position
    locked.duration = state.duration
    locked.last_seq = state.last_seq
    locked.last_beat_at = now
    newly_complete = locked.completed_at is None and is_complete(
        state.watched, state.duration, threshold
    )
    if newly_complete:
        locked.completed_at = now
    locked.save()
    if newly_complete:
        services.lesson_completed(locked, now)


def summary(state: State, threshold: int) -> dict:
    """What the player is told after each beat: the server's own figures."""
    percent = int(state.watched * 100 / state.duration) if state.duration else 0
    return {
        "ok": True,
        "seq": state.last_seq,
        "watched": round(state.watched, 1),
        "furthest": round(state.furthest, 1),
        "percent": min(100, percent),
        "threshold": threshold,
        "completed": state.completed,
    }
