"""What other areas read of live classes: the home page's "live now" and today's classes, the
minutes a class really ran (what the operations area pays for), and the recordings a student is
asked to watch or a course still keeps.

The public read API of ``live``: other areas import this module (and ``live.services`` for
commands), never the app's models' tables through their own queries.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from openclass.accounts.models import User
from openclass.core.db import CompiledObjectQuery, every_column
from openclass.courses import access
from openclass.courses import selectors as courses
from openclass.courses.models import Course, Lesson, LessonProgress, Section, Session

from .models import LiveRoom, Recording

# Every student's home page asks, and the ORM took longer to build this join than SQLite
# takes to run it (4 ms against 0.1 ms on the 2026-12-08 machine).
_LIVE_NOW = CompiledObjectQuery(
    lambda student: LiveRoom.objects.filter(
        parent=None,
        status=LiveRoom.Status.OPEN,
        session__course__enrolments__student=student,
        session__course__is_published=True,
    ).order_by("started_at"),
    {
        "": every_column(LiveRoom),
        "session": every_column(Session),
        "session__course": every_column(Course),
    },
)


def live_now_for(student: User) -> list[LiveRoom]:
    """Open rooms of the courses ``student`` is enrolled in (the home page's "live now")."""
    return _LIVE_NOW.all(student.pk)


def live_today_for_host(user: User) -> list[Session]:
    """Today's live sessions of the courses ``user`` runs (the teacher's home), in order."""
    today = timezone.localdate()
    managed = access.manageable_courses(user).filter(Q(owner=user) | Q(teachers=user))
    return list(
        Session.objects.filter(kind=Session.Kind.LIVE, day=today, course__in=managed)
        .select_related("course")
        .order_by("starts_at", "pk")
    )


def delivered_minutes(session: Session) -> int | None:
    """How long a live session's class really ran, in whole minutes, from its start to its end
    (``None`` until it has ended): what the operations area pays for, not the timetable."""
    room = LiveRoom.objects.filter(
        session=session, parent=None, status=LiveRoom.Status.ENDED
    ).first()
    if room is None or not (room.started_at and room.ended_at):
        return None
    return max(0, int((room.ended_at - room.started_at).total_seconds() // 60))


def kept_for(course: Course) -> list[Recording]:
    """The recordings of a course's live classes that still exist."""
    return list(
        Recording.objects.filter(room__session__course=course)
        .exclude(status=Recording.Status.DELETED)
        .select_related("room__session", "video", "lesson")
    )


_TO_WATCH = CompiledObjectQuery(
    lambda student, again: (
        Recording.objects.filter(assigned_to=student, lesson__isnull=False)
        .exclude(
            Exists(
                LessonProgress.objects.filter(
                    lesson=OuterRef("lesson"), student=again, completed_at__isnull=False
                )
            )
        )
        .order_by("pk")
    ),
    {
        "": every_column(Recording),
        "lesson": every_column(Lesson),
        "lesson__section": every_column(Section),
        "lesson__section__course": every_column(Course),
        "room": every_column(LiveRoom),
        "room__session": every_column(Session),
    },
)


def to_watch(student: User) -> list[Recording]:
    """Recordings shared with ``student``'s courses that they were assigned and have not yet
    completed (the home page's "recordings to watch"), in the order they were made. One
    compiled read: every student's home page asks."""
    return _TO_WATCH.all(student.pk, student.pk)


def live_schedule(visible: QuerySet[Course]) -> QuerySet[Session]:
    """The live sessions of ``visible`` (the caller's visible courses), each with its main
    room's ``room_status`` (None before the room is made: not started) and ``changed_at``, the
    later of the session's and its room's last change (what a sync by ``updated_since`` asks:
    a class that starts or ends changes its session's row in the schedule)."""
    main = LiveRoom.objects.filter(session=OuterRef("pk"), parent=None)
    return courses.live_sessions_of(visible).annotate(
        room_status=Subquery(main.values("status")[:1]),
        changed_at=Greatest(
            "updated_at", Coalesce(Subquery(main.values("updated_at")[:1]), "updated_at")
        ),
    )
