"""Watch progress (진도율, F-08): the rules for heartbeats, as plain functions of plain data.

The player reports, about once a second, the intervals of the video it actually played since its
last report ("beats"). The server keeps per student and lesson the union of everything credited,
the furthest point reached by watching, and the resume position, and it refuses to credit what
could not have happened:

- intervals past the end of the video;
- more new credit than the wall-clock time since the last beat allows at the course's fastest
  allowed speed (with a small tolerance and a short burst, so network jitter is no tampering);
- replayed or out-of-order beats (each beat carries a sequence number that must grow);
- in "no skipping" courses, intervals that start beyond the furthest point already watched;
- a playback speed the course does not allow;
- anything malformed.

Credit is the *growth of the union*, never the length claimed: sending the same interval twice
earns nothing, so a player may safely resend what it is not sure arrived (after a reconnect, or
in the closing beacon). That also makes merging two copies of one student's progress (two
tabs, two server processes) a plain union, in any order.

Nothing here touches the database; ``progress_store`` loads and saves, ``progress_hub`` keeps the
live state of the students watching now, and the WebSocket consumer and the beacon view call
``apply_beat``.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

# Lessons whose player reports the duration (YouTube, URL videos) may not claim more than this.
MAX_DURATION = 6 * 3600.0
# A player's last timeupdate may fall slightly after the duration the server knows (the probed
# container length vs the last frame): so much is clipped, not refused.
DURATION_SLACK = 1.0
# No-skip: an interval may start this far past the furthest point (a seek to the furthest point
# lands on a nearby frame; YouTube seeks to keyframes).
SKIP_TOLERANCE = 2.0
# Credit may exceed wall-clock time × the fastest allowed speed by 10 %, plus a burst of a few
# seconds (a beat delayed on the network arrives together with the next one).
RATE_TOLERANCE = 1.10
CREDIT_BURST = 3.0
# Unused allowance builds up for at most this long: a player that lost its connection may send
# up to ten minutes of queued watching at once, but idling for an hour earns no hour of credit.
CREDIT_WINDOW = 600.0
SPEED_TOLERANCE = 0.01
MAX_SEQ = 2**31 - 1
MAX_INTERVALS_PER_BEAT = 32
MAX_BEAT_BYTES = 4096
# Seconds are kept to the millisecond: enough for a player, and it keeps the JSON small.
PRECISION = 3

Interval = list[float]  # [start, end], start <= end, in seconds of the video


class Reason(models.TextChoices):
    """Why a beat was refused; the same values as ``RejectedHeartbeat.Reason``."""

    PAST_DURATION = "past_duration", _("Interval past the end of the video")
    TOO_FAST = "too_fast", _("More credit than time allows")
    REPLAYED = "replayed", _("Replayed or out-of-order heartbeat")
    SKIPPED_AHEAD = "skipped_ahead", _("Interval beyond the furthest point watched")
    SPEED = "speed", _("Playback speed not allowed")
    MALFORMED = "malformed", _("Malformed heartbeat")


# --- Intervals -------------------------------------------------------------------------------


def union(intervals: Iterable[Sequence[float]]) -> list[Interval]:
    """The sorted, disjoint union of ``intervals`` (touching intervals join; empty ones vanish)."""
    merged: list[Interval] = []
    for start, end in sorted((float(s), float(e)) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return merged


def total(intervals: Iterable[Sequence[float]]) -> float:
    """Length of a union made by ``union`` (disjoint intervals)."""
    return round(sum(end - start for start, end in intervals), PRECISION)


def clip(intervals: Iterable[Sequence[float]], duration: float) -> list[Interval]:
    """``intervals`` cut to [0, duration]."""
    return union((max(0.0, s), min(duration, e)) for s, e in intervals)


def covers(union_: Sequence[Sequence[float]], intervals: Iterable[Sequence[float]]) -> bool:
    """Whether every interval lies inside the union ``union_`` (so it adds nothing)."""
    return all(
        e <= s or any(us <= s and e <= ue for us, ue in union_) for s, e in intervals
    )


# --- Completion ------------------------------------------------------------------------------

# Relative slack for float arithmetic, so that exactly the threshold counts (0.9 × 3 s is
# 2.6999999999999997 s in binary floating point).
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
    """One heartbeat as the player sends it (see ``parse_beat`` for the wire format)."""

    lesson: int
    seq: int
    intervals: tuple[tuple[float, float], ...]
    position: float
    rate: float
    duration: float | None = None  # the player's figure; used only while the server has none

    def as_payload(self) -> dict:
        """The beat as JSON, for the rejection log."""
        return {
            "lesson": self.lesson,
            "seq": self.seq,
            "t": [list(i) for i in self.intervals],
            "pos": self.position,
            "rate": self.rate,
            "dur": self.duration,
        }


class Malformed(ValueError):  # noqa: N818 (a verdict, not an error of ours)
    """The beat cannot be read; ``lesson`` is set when at least the lesson id could be."""

    def __init__(self, detail: str, lesson: int | None = None) -> None:
        super().__init__(detail)
        self.lesson = lesson


def _int(value: object, name: str, lesson: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SEQ:
        raise Malformed(f"{name} must be a positive integer", lesson)
    return value


def _seconds(value: object, name: str, lesson: int | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Malformed(f"{name} must be a number", lesson)
    number = float(value)
    if not math.isfinite(number) or number < 0 or number > 10 * MAX_DURATION:
        raise Malformed(f"{name} out of range", lesson)
    return round(number, PRECISION)


def parse_beat(data: object, lesson: int | None = None) -> Beat:
    """Read a beat from decoded JSON; raises ``Malformed``.

    Wire format (an object; "type": "beat" on the WebSocket)::

        {"lesson": 12,                 # lesson id (the beacon may give it in the URL instead)
         "seq": 41,                    # grows by one each beat, across page loads
         "t": [[61.0, 62.02]],         # intervals played since the previous beat, in seconds
         "pos": 62.02,                 # where the player is now (the resume point)
         "rate": 1.25,                 # the fastest playbackRate used since the previous beat
         "dur": 600.5}                 # optional: the player's duration of the video
    """
    if not isinstance(data, dict):
        raise Malformed("a beat is a JSON object")
    if lesson is None:
        lesson = _int(data.get("lesson"), "lesson")
    seq = _int(data.get("seq"), "seq", lesson)
    raw = data.get("t", [])
    if not isinstance(raw, list) or len(raw) > MAX_INTERVALS_PER_BEAT:
        raise Malformed("t must be a list of at most 32 intervals", lesson)
    intervals = []
    for item in raw:
        if not isinstance(item, list) or len(item) != 2:
            raise Malformed("an interval is [start, end]", lesson)
        start, end = _seconds(item[0], "start", lesson), _seconds(item[1], "end", lesson)
        if end < start:
            raise Malformed("an interval ends before it starts", lesson)
        if end > start:
            intervals.append((start, end))
    position = _seconds(data.get("pos"), "pos", lesson)
    rate = data.get("rate", 1.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 16:
        raise Malformed("rate out of range", lesson)
    duration = data.get("dur")
    if duration is not None:
        duration = _seconds(duration, "dur", lesson) or None
    return Beat(lesson, seq, tuple(intervals), position, float(rate), duration)


# --- Per-student state -----------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """The course's settings that decide what may be credited."""

    no_skip: bool
    speeds: tuple[float, ...]
    threshold: int

    @property
    def max_speed(self) -> float:
        return max(self.speeds, default=1.0)

    def allows(self, rate: float) -> bool:
        return any(abs(rate - speed) <= SPEED_TOLERANCE for speed in self.speeds)


@dataclass
class Tracked:
    """What the server knows of one student's progress in one video lesson.

    ``credit`` is the allowance of new watched seconds not yet used, as of ``credit_at`` (epoch
    seconds); it grows with wall-clock time at the fastest allowed speed (a token bucket).
    """

    progress_id: int
    student_id: int
    lesson_id: int
    rules: Rules
    duration: float | None
    intervals: list[Interval] = field(default_factory=list)
    watched: float = 0.0
    furthest: float = 0.0
    position: float = 0.0
    last_seq: int = 0
    last_beat_at: datetime.datetime | None = None
    completed_at: datetime.datetime | None = None
    credit: float = 0.0
    credit_at: float = 0.0
    # Whether the duration came from the player (and must be saved with the progress).
    player_duration: bool = False

    @property
    def percent(self) -> int:
        if self.completed_at and not self.duration:
            return 100
        return percent(self.watched, self.duration)

    def truth(self) -> dict:
        """The server's figures, sent back after each beat: the player enforces no-skip with
        ``furthest`` and shows ``percent`` and completion from here, never from its own count."""
        return {
            "seq": self.last_seq,
            "watched": self.watched,
            "furthest": self.furthest,
            "position": self.position,
            "duration": self.duration,
            "percent": self.percent,
            "completed": self.completed_at is not None,
        }

    def start_credit(self, since: datetime.datetime | None, now: datetime.datetime) -> None:
        """Give the allowance earned since the last beat (or the lesson's opening) until now."""
        elapsed = (now - since).total_seconds() if since else 0.0
        self.credit = self._allowance(elapsed)
        self.credit_at = now.timestamp()

    def _allowance(self, elapsed: float) -> float:
        elapsed = min(max(0.0, elapsed), CREDIT_WINDOW)
        return elapsed * self.rules.max_speed * RATE_TOLERANCE

    def snapshot(self) -> Snapshot:
        return Snapshot(
            progress_id=self.progress_id,
            intervals=[list(i) for i in self.intervals],
            furthest=self.furthest,
            position=self.position,
            duration=self.duration if self.player_duration else None,
            last_seq=self.last_seq,
            last_beat_at=self.last_beat_at,
            completed_at=self.completed_at,
        )


@dataclass(frozen=True)
class Snapshot:
    """A copy of a ``Tracked`` to save, taken on the event loop and written from a thread."""

    progress_id: int
    intervals: list[Interval]
    furthest: float
    position: float
    duration: float | None
    last_seq: int
    last_beat_at: datetime.datetime | None
    completed_at: datetime.datetime | None


@dataclass(frozen=True)
class Verdict:
    """The outcome of one beat. A refused beat changes nothing; ``log`` says whether it belongs
    in the rejection log (a resent beat that adds nothing is a harmless duplicate, not
    tampering)."""

    accepted: bool
    reason: str = ""
    completed_now: bool = False
    log: bool = False

    @classmethod
    def refuse(cls, reason: str, log: bool = True) -> Verdict:
        return cls(accepted=False, reason=reason, log=log)


ACCEPTED = Verdict(accepted=True)


def apply_beat(state: Tracked, beat: Beat, now: datetime.datetime) -> Verdict:
    """Check ``beat`` against ``state`` and, when it is credible, credit it.

    The checks run from the cheapest to the one that spends the allowance, and a refused beat
    leaves ``state`` as it was (except that a refused sequence number stays used).
    """
    if beat.seq <= state.last_seq:
        harmless = covers(state.intervals, beat.intervals)
        return Verdict.refuse(Reason.REPLAYED, log=not harmless)
    duration = state.duration
    if duration is None:
        if beat.duration is None or beat.duration > MAX_DURATION:
            state.last_seq = beat.seq
            return Verdict.refuse(Reason.MALFORMED)
        duration = beat.duration
    if not state.rules.allows(beat.rate):
        state.last_seq = beat.seq
        return Verdict.refuse(Reason.SPEED)
    limit = duration + DURATION_SLACK
    if beat.position > limit or any(end > limit for _start, end in beat.intervals):
        state.last_seq = beat.seq
        return Verdict.refuse(Reason.PAST_DURATION)
    new = clip(beat.intervals, duration)
    furthest = state.furthest
    if state.rules.no_skip:
        for start, end in new:
            if start > furthest + SKIP_TOLERANCE:
                state.last_seq = beat.seq
                return Verdict.refuse(Reason.SKIPPED_AHEAD)
            furthest = max(furthest, end)
    merged = union([*state.intervals, *new]) if new else state.intervals
    watched = total(merged)
    gained = watched - state.watched
    clock = now.timestamp()
    credit = min(
        state.credit + state._allowance(clock - state.credit_at),
        state._allowance(CREDIT_WINDOW),
    )
    if gained > credit + CREDIT_BURST:
        state.last_seq = beat.seq
        return Verdict.refuse(Reason.TOO_FAST)
    # Credible: credit it.
    state.credit = max(-CREDIT_BURST, credit - gained)
    state.credit_at = clock
    if state.duration is None:
        state.duration = duration
        state.player_duration = True
    state.intervals = merged
    state.watched = watched
    if new:
        state.furthest = max(state.furthest, new[-1][1], furthest)
    position = min(beat.position, duration)
    if state.rules.no_skip:
        position = min(position, state.furthest)
    state.position = position
    state.last_seq = beat.seq
    state.last_beat_at = now
    if state.completed_at is None and is_complete(watched, duration, state.rules.threshold):
        state.completed_at = now
        return Verdict(accepted=True, completed_now=True)
    return ACCEPTED


def merge(stored: Snapshot, live: Snapshot) -> Snapshot:
    """Two copies of one progress (the database's and a process's): the union of what each
    credited, the furthest of both, and the position of whichever heard the later beat. Order
    does not matter, so an older copy can never overwrite a newer one."""
    newer = live if live.last_seq >= stored.last_seq else stored
    candidates = [t for t in (stored.last_beat_at, live.last_beat_at) if t is not None]
    completions = [t for t in (stored.completed_at, live.completed_at) if t is not None]
    return Snapshot(
        progress_id=stored.progress_id,
        intervals=union([*stored.intervals, *live.intervals]),
        furthest=max(stored.furthest, live.furthest),
        position=newer.position,
        duration=stored.duration or live.duration,
        last_seq=newer.last_seq,
        last_beat_at=max(candidates) if candidates else None,
        completed_at=min(completions) if completions else None,
    )
