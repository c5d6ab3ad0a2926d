"""What other areas read of live classes: the home page's "live now" and today's classes, the
minutes a class really ran (what the operations area pays for), and the recordings a student is
asked to watch or a course still keeps.

The public read API of ``live``: other areas import this module (and ``live.services`` for
commands), never the app's models' tables through their own queries.
"""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from openclass.accounts.models import User
from openclass.courses import access
from openclass.courses import selectors as courses
from openclass.courses.models import Course, Session

from .models import LiveRoom, Recording


def live_now_for(student: User) -> list[LiveRoom]:
    """Open rooms of the courses ``student`` is enrolled in (the home page's "live now")."""
    return list(
        LiveRoom.objects.filter(
            parent=None,
            status=LiveRoom.Status.OPEN,
            session__course__enrolments__student=student,
            session__course__is_published=True,
        )
        .select_related("session__course")
        .order_by("started_at")
    )


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


def to_watch(student: User) -> list[Recording]:
    """Recordings shared with ``student``'s courses that they were assigned and have not yet
    completed (the home page's "recordings to watch")."""
    recordings = Recording.objects.filter(assigned_to=student, lesson__isnull=False).select_related(
        "lesson__section__course", "room__session"
    )
    return [
        recording
        for recording in recordings
        if recording.lesson is not None  # as filtered above
        and not recording.lesson.progress.filter(
            student=student, completed_at__isnull=False
        ).exists()
    ]


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
