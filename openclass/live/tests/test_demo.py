"""The demo live classes built by `manage.py demo_data` (the small city)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from openclass.accounts.models import User
from openclass.courses.models import Attendance, Session
from openclass.live import access
from openclass.live.demo import PAST_TITLE, TODAY_TITLE
from openclass.live.models import LiveRoom

pytestmark = pytest.mark.django_db


def test_a_held_class_with_confirmed_marks_and_one_to_hold_today(demo_city):
    past = Session.objects.get(title=PAST_TITLE)
    room = LiveRoom.objects.get(session=past)
    assert room.status == LiveRoom.Status.ENDED and room.attendance_confirmed_at
    marks = set(Attendance.objects.filter(session=past).values_list("status", flat=True))
    assert {Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.ABSENT} <= marks
    today = Session.objects.get(title=TODAY_TITLE)
    assert today.day == timezone.localdate()
    teacher = User.objects.get(username="hanbit-t01")
    assert access.role_for(teacher, today) == "host"
    assert access.role_for(User.objects.get(username="hanbit-0001"), today) == "student"
    assert access.role_for(User.objects.get(username="hanbit-p0001"), today) == "guest"
    call_command("demo_data", "--size", "small", stdout=StringIO())
    assert Session.objects.filter(title=PAST_TITLE).count() == 1
