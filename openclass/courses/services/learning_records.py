"""Courses' learning events as xAPI statements (F-18), written with ``xapi.services.record`` in
the transaction of the event itself (the callers are atomic), so a statement is never lost nor
invented. ``assessments`` and ``live`` build their statements' context here too (``where``).

What is recorded, and when:

- ``launched`` (the lesson): each time a student opens a lesson's page (``open_lesson``). An
  opening is one launch, as cmi5 counts them: reloading the page is opening it again, and the
  number of launches is what a teacher's dashboard shows as "opened N times". Nothing is kept
  to de-duplicate them (no column, no per-process state that a second server would not share).
- ``progressed`` (the lesson): at most one per minute of watching — when a write of the
  student's progress makes the whole minutes watched (``floor(watched / 60)``) grow, compared
  with what the database held before it (the heartbeats' batched flush and the beacon both). The
  result carries the video profile's ``played-segments`` (the union of watched intervals, as
  the profile writes them: ``"0[.]12.5[,]30[.]60"``, seconds) and ``progress`` (the profile's
  fraction 0–1: the percentage the student's page shows, divided by 100). A rejected beat
  writes nothing, so it records nothing; a beat between minutes costs no query.
- ``completed`` (the lesson): once, when its ``completed_at`` is first set (watching past the
  course's threshold, opening a document or link, a quiz passed, an assignment handed in).
- ``completed`` (the course): once, when the enrolment's ``completed_at`` is first set.
- attendance marks, one statement per mark written (``attendance_marked``): ``attended`` for
  present, late and left early, openclass's own ``absent`` verb for absent and excused (no
  published verb says "was not there"; ``attended`` is never said of someone who was not), the
  status in the attendance-status extension and, for live classes, the minutes present. A mark
  still pending records nothing. A mark that changes (a teacher's correction, a live class's
  marks computed again) voids the statement of the earlier mark and records the new one: the
  earlier statement was wrong, which is what xAPI voiding is for.

Every statement's actor is the learner's opaque account; the context groups the course, their
class and school, with the enrolment's registration. Activity names are titles of lessons,
courses and sessions — never a person's name.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import translation

from openclass.accounts.models import User
from openclass.xapi import services as xapi
from openclass.xapi.models import Statement

from ..models import Attendance, Course, Enrolment, Lesson, Session

Status = Attendance.Status
VERBS = xapi.vocabulary.VERBS
EXTENSION_ATTENDANCE = xapi.vocabulary.EXTENSION_ATTENDANCE
EXTENSION_MINUTES = xapi.vocabulary.EXTENSION_MINUTES
EXTENSION_PROGRESS = xapi.vocabulary.EXTENSION_PROGRESS
EXTENSION_WATCHED = xapi.vocabulary.EXTENSION_WATCHED

#: Marks that say the student was there.
ATTENDED = (Status.PRESENT, Status.LATE, Status.LEFT_EARLY)
#: Marks that say they were not.
NOT_ATTENDED = (Status.ABSENT, Status.EXCUSED)
_MARK_VERBS = (VERBS["attended"].id, VERBS["absent"].id)


def course_activity(course: Course) -> xapi.Activity:
    return xapi.Activity("course", course.pk, course.title)


def lesson_activity(lesson: Lesson) -> xapi.Activity:
    return xapi.Activity("lesson", lesson.pk, lesson.title)


def session_activity(session: Session) -> xapi.Activity:
    """A dated session: a live class is the ``live`` activity its joins and leaves are about."""
    with translation.override("ko"):
        title = str(session.shown_title)
    kind = "live" if session.kind == Session.Kind.LIVE else "session"
    return xapi.Activity(kind, session.pk, title)


def registration_of(student_id: int, course_id: int) -> Any:
    enrolment = (
        Enrolment.objects.filter(course_id=course_id, student_id=student_id)
        .values_list("pk", flat=True)
        .first()
    )
    return xapi.registration_for(enrolment) if enrolment is not None else None


def where(
    student: User,
    course: Course,
    *,
    parent: xapi.Activity | None = None,
    enrolment_id: int | None = None,
) -> xapi.Where:
    """The context of a statement about ``student`` in ``course``: the course as a grouping
    (their class and school ``record`` adds), the enrolment's registration, and ``parent``."""
    registration = (
        xapi.registration_for(enrolment_id)
        if enrolment_id is not None
        else registration_of(student.pk, course.pk)
    )
    return xapi.Where(
        course=course_activity(course),
        registration=registration,
        parent=parent if parent is not None else course_activity(course),
    )


def iso_duration(seconds: float) -> str:
    """An ISO 8601 duration of whole hundredths of a second (xAPI keeps 0.01 s)."""
    hundredths = max(0, round(seconds * 100))
    hours, rest = divmod(hundredths, 360_000)
    minutes, rest = divmod(rest, 6_000)
    secs = rest / 100
    text = f"{secs:.2f}".rstrip("0").rstrip(".")
    return f"PT{hours}H{minutes}M{text}S"


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def played_segments(intervals: Sequence[Sequence[float]]) -> str:
    """The video profile's played-segments: ``start[.]end`` per interval, joined by ``[,]``."""
    return "[,]".join(f"{_number(start)}[.]{_number(end)}" for start, end in intervals)


def minutes_watched(watched: float) -> int:
    return math.floor(watched / 60)


# --- Lessons -----------------------------------------------------------------------------------


def launched(student: User, lesson: Lesson, enrolment: Enrolment, now: datetime.datetime) -> None:
    course = lesson.section.course
    xapi.record(
        student,
        "launched",
        lesson_activity(lesson),
        where=where(student, course, enrolment_id=enrolment.pk),
        timestamp=now,
    )


def progressed(
    student: User,
    lesson: Lesson,
    intervals: Sequence[Sequence[float]],
    percent: int,
    now: datetime.datetime,
) -> None:
    progressed_many([Watched(student, lesson, intervals, percent)], now)


@dataclass(frozen=True)
class Watched:
    """A student's progress in a video lesson that has just grown by a whole minute."""

    student: User
    lesson: Lesson
    intervals: Sequence[Sequence[float]]
    percent: int


def progressed_many(watched: Sequence[Watched], now: datetime.datetime) -> None:
    """The ``progressed`` statements of a flush of many watchers, stored as one batch: their
    registrations in one query, the statements in the store's constant few."""
    if not watched:
        return
    pairs = {(one.student.pk, one.lesson.section.course_id) for one in watched}
    enrolments = {
        (student, course): pk
        for student, course, pk in Enrolment.objects.filter(
            student_id__in={student for student, _ in pairs},
            course_id__in={course for _, course in pairs},
        ).values_list("student_id", "course_id", "pk")
        if (student, course) in pairs
    }
    items = []
    for one in watched:
        course = one.lesson.section.course
        enrolment = enrolments.get((one.student.pk, course.pk))
        event = xapi.Event(
            "progressed",
            lesson_activity(one.lesson),
            where(one.student, course, enrolment_id=enrolment),
            {
                "extensions": {
                    EXTENSION_WATCHED: played_segments(one.intervals),
                    EXTENSION_PROGRESS: round(one.percent / 100, 2),
                }
            },
        )
        items.append((one.student, event))
    xapi.record_each(items, timestamp=now)


def lesson_completed(
    student: User, lesson: Lesson, percent: int, now: datetime.datetime | None
) -> None:
    result: dict[str, Any] = {"completion": True}
    if lesson.is_video:
        result["extensions"] = {EXTENSION_PROGRESS: round(percent / 100, 2)}
    xapi.record(
        student,
        "completed",
        lesson_activity(lesson),
        where=where(student, lesson.section.course),
        result=result,
        timestamp=now,
    )


def course_completed(student: User, course: Course, now: datetime.datetime) -> None:
    context = where(student, course)
    xapi.record(
        student,
        "completed",
        course_activity(course),
        where=xapi.Where(course=context.course, registration=context.registration),
        result={"completion": True},
        timestamp=now,
    )


# --- Attendance --------------------------------------------------------------------------------


def _mark_statement(student_id: int, session: Session) -> Statement | None:
    """The statement of the mark ``student_id`` has now for ``session``, if one was recorded."""
    return (
        Statement.objects.filter(
            user_id=student_id,
            object_activity=session_activity(session).id,
            verb__in=_MARK_VERBS,
            voided=False,
            client__isnull=True,
        )
        .order_by("-number")
        .first()
    )


def attendance_marked(
    student: User,
    session: Session,
    status: str,
    *,
    minutes: int | None = None,
    replaces: bool = False,
    now: datetime.datetime | None = None,
) -> None:
    """Record ``student``'s mark for ``session`` (nothing for a mark still pending). When
    ``replaces``, the statement of the mark it replaces is voided first."""
    if replaces:
        earlier = _mark_statement(student.pk, session)
        if earlier is not None:
            xapi.void(earlier, timestamp=now)
    if status not in ATTENDED and status not in NOT_ATTENDED:
        return
    extensions: dict[str, Any] = {EXTENSION_ATTENDANCE: status}
    if minutes is not None:
        extensions[EXTENSION_MINUTES] = minutes
    xapi.record(
        student,
        "attended" if status in ATTENDED else "absent",
        session_activity(session),
        where=where(student, session.course),
        result={"extensions": extensions},
        timestamp=now,
    )
