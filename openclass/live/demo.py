"""Demo live classes for the demo city's class course (1학년 1반 안전한 생활, ``hanbit-t01``):
one held two days ago, with the stays Janus would have reported, marks computed by the course's
rules and confirmed by the teacher, and one today that the teacher can start from the timeline
for the class (``hanbit-0001`` and classmates) to join.

Idempotent: nothing is built twice. Dates follow the day it runs.
"""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from openclass.accounts.models import User
from openclass.core.registry import DemoOptions
from openclass.courses.demo import SAFETY
from openclass.courses.models import Course, Session

from .models import LiveRoom, Participant, Stay
from .services import attendance, rooms

PAST_TITLE = "실시간 수업: 교실 안전 약속"
TODAY_TITLE = "실시간 수업: 안전한 등하굣길 이야기"


def demo_live_exists() -> bool:
    return Session.objects.filter(title=PAST_TITLE, kind=Session.Kind.LIVE).exists()


def _aware(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


@transaction.atomic
def build_demo_live() -> int:
    """Build the demo live classes once; returns how many sessions were created."""
    course = Course.objects.filter(title=SAFETY).first()
    if course is None or demo_live_exists():
        return 0
    teacher = course.owner
    course.delivery = Course.Delivery.BLENDED
    course.save(update_fields=["delivery"])
    today = timezone.localdate()
    past_day = today - datetime.timedelta(days=2)
    past_start, past_end = datetime.time(10, 0), datetime.time(10, 40)
    past = Session.objects.create(
        course=course,
        kind=Session.Kind.LIVE,
        title=PAST_TITLE,
        day=past_day,
        starts_at=past_start,
        ends_at=past_end,
    )
    start = _aware(past_day, past_start)
    end = _aware(past_day, past_end)
    room = rooms.main_room(past)
    room.status = LiveRoom.Status.ENDED
    room.started_at, room.started_by, room.ended_at = start, teacher, end
    room.save()
    minute = datetime.timedelta(minutes=1)
    students = list(User.objects.filter(enrolments__course=course).order_by("username"))
    for index, student in enumerate(students):
        # Most are there throughout; every seventh joins late, every eleventh leaves early, a
        # few never come, and one drops out for a minute (one stay, by the grace period).
        if index % 13 == 4:
            continue
        joined = start + (15 * minute if index % 7 == 2 else minute * (index % 2))
        left = end - (15 * minute if index % 11 == 3 else 0 * minute)
        participant = Participant.objects.create(
            room=room, user=student, role=Participant.Role.STUDENT
        )
        pieces = [(joined, left)]
        if index == 1:
            pieces = [(joined, joined + 12 * minute), (joined + 13 * minute, left)]
        for begin, finish in pieces:
            Stay.objects.create(
                participant=participant,
                room=room,
                feed_id=secrets.randbelow(2**52) + 1,
                joined_at=begin,
                left_at=finish,
            )
    Participant.objects.create(room=room, user=teacher, role=Participant.Role.HOST)
    attendance.write_attendance(room)
    attendance.confirm_attendance(teacher, room)

    now = timezone.localtime()
    begins = now.replace(minute=0, second=0, microsecond=0)
    ends = min(begins + datetime.timedelta(hours=3), begins.replace(hour=23, minute=59))
    Session.objects.create(
        course=course,
        kind=Session.Kind.LIVE,
        title=TODAY_TITLE,
        day=today,
        starts_at=begins.time(),
        ends_at=ends.time(),
    )
    return 2


def build_demo(options: DemoOptions) -> list[str]:
    """The demo live classes for ``manage.py demo_data`` (registered in ``LiveConfig.ready``)."""
    if created := build_demo_live():
        return [f"Created {created} demo live classes (one held, with its attendance; one today)."]
    return []
