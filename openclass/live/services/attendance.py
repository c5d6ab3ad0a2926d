"""From stays to attendance marks (F-09): the minutes each student was really in class, as
Janus reported them, judged by the course's rules, written into the course's attendance when
the class ends and confirmed by the host after it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts.models import User
from openclass.courses.models import Attendance, Course
from openclass.courses.services import courses as course_services

from ..access import require_host_of
from ..models import LiveRoom, Stay

Status = Attendance.Status


def class_bounds(room: LiveRoom) -> tuple[datetime.datetime, datetime.datetime]:
    """The stretch attendance is measured over: from the later of the scheduled and the real
    start to the earlier of the scheduled and the real end (a class ended early leaves nobody
    "left early")."""
    session = room.session
    # A live session has both times (``Session.clean``).
    assert session.starts_at is not None and session.ends_at is not None
    start = timezone.make_aware(datetime.datetime.combine(session.day, session.starts_at))
    end = timezone.make_aware(datetime.datetime.combine(session.day, session.ends_at))
    if room.started_at and timezone.localdate(room.started_at) != session.day:
        # Held on another day than planned: the class is what really happened.
        return room.started_at, max(room.ended_at or timezone.now(), room.started_at)
    if room.started_at and room.started_at > start:
        start = room.started_at
    if room.ended_at and room.ended_at < end:
        end = room.ended_at
    return start, max(end, start)


def merge_stays(
    stays: list[tuple[datetime.datetime, datetime.datetime]], grace: datetime.timedelta
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """One stay for each stretch of presence: stays apart by no more than ``grace`` (a dropped
    connection, a reload) are joined, overlapping ones (two tabs) are merged."""
    merged: list[list[datetime.datetime]] = []
    for begin, end in sorted(stays):
        if merged and begin <= merged[-1][1] + grace:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    return [(begin, end) for begin, end in merged]


@dataclass
class LiveMark:
    student: User
    status: str
    minutes: int
    first_joined: datetime.datetime | None
    last_left: datetime.datetime | None
    present_now: bool

    @property
    def label(self) -> str:
        return str(Status(self.status).label)


def mark_from_stays(
    course: Course,
    start: datetime.datetime,
    end: datetime.datetime,
    stays: list[tuple[datetime.datetime, datetime.datetime]],
) -> tuple[str, int]:
    """The course's rule: absent below ``live_min_percent`` of the class, late when first
    there more than ``live_late_minutes`` after the start, left early when last seen more than
    ``live_left_early_minutes`` before the end; otherwise present. Returns (mark, minutes)."""
    grace = datetime.timedelta(seconds=settings.LIVE_RECONNECT_GRACE_SECONDS)
    clipped = [(max(b, start), min(e, end)) for b, e in stays if e > start and b < end]
    merged = merge_stays(clipped, grace)
    seconds = sum((e - b).total_seconds() for b, e in merged)
    length = (end - start).total_seconds()
    minutes = int(seconds // 60)
    if not merged or length <= 0 or seconds * 100 < length * course.live_min_percent:
        return Status.ABSENT, minutes
    if merged[0][0] > start + datetime.timedelta(minutes=course.live_late_minutes):
        return Status.LATE, minutes
    if merged[-1][1] < end - datetime.timedelta(minutes=course.live_left_early_minutes):
        return Status.LEFT_EARLY, minutes
    return Status.PRESENT, minutes


def live_marks(room: LiveRoom, now: datetime.datetime | None = None) -> list[LiveMark]:
    """Every enrolled student's mark as things stand (open stays count up to ``now``)."""
    now = now or timezone.now()
    room = room.main
    start, end = class_bounds(room)
    if room.status == LiveRoom.Status.OPEN:
        end = min(end, max(now, start))
    course = room.session.course
    stays: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {}
    present: set[int] = set()
    for user_id, joined_at, left_at in Stay.objects.filter(
        room__in=[room, *room.breakouts.all()]
    ).values_list("participant__user_id", "joined_at", "left_at"):
        stays.setdefault(user_id, []).append((joined_at, left_at or now))
        if left_at is None:
            present.add(user_id)
    students = User.objects.filter(enrolments__course=course).order_by(
        "organisation__path", "number", "name"
    )
    marks = []
    for student in students:
        mine = stays.get(student.pk, [])
        status, minutes = mark_from_stays(course, start, end, mine)
        marks.append(
            LiveMark(
                student=student,
                status=status,
                minutes=minutes,
                first_joined=min((b for b, _e in mine), default=None),
                last_left=max((e for _b, e in mine), default=None) if mine else None,
                present_now=student.pk in present,
            )
        )
    return marks


def write_attendance(room: LiveRoom) -> None:
    """Store the marks of an ended class in the course's attendance (a teacher's correction
    always wins)."""
    marks = {
        mark.student.pk: (mark.status, mark.minutes, mark.first_joined) for mark in live_marks(room)
    }
    course_services.record_live_attendance(room.session, marks)


@transaction.atomic
def confirm_attendance(actor: User, room: LiveRoom) -> LiveRoom:
    """The host confirms the marks after class (what the operations workflow's step g reads)."""
    room = LiveRoom.objects.select_for_update().get(pk=room.main.pk)
    require_host_of(actor, room.session, _("Only the course's teachers can confirm attendance."))
    if room.status != LiveRoom.Status.ENDED:
        raise ValidationError(_("Attendance is confirmed after the class has ended."))
    if room.attendance_confirmed_at is None:
        write_attendance(room)
        room.attendance_confirmed_at = timezone.now()
        room.attendance_confirmed_by = actor
        room.save(update_fields=["attendance_confirmed_at", "attendance_confirmed_by"])
    return room
