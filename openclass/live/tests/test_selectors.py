"""The home page's live reads answer as the ORM does (they are compiled: ``core.db``)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openclass.courses.models import Enrolment
from openclass.live import selectors
from openclass.live.models import LiveRoom

pytestmark = pytest.mark.django_db


def test_live_now_lists_open_rooms_of_enrolled_published_courses_with_their_course(
    live_class, room
):
    breakout = LiveRoom.objects.create(
        session=live_class.session, parent=room, name="모둠 1", status=LiveRoom.Status.OPEN
    )
    assert breakout.parent == room  # a breakout room is not listed: its main room is
    with CaptureQueriesContext(connection) as read:
        found = selectors.live_now_for(live_class.student)
        titles = [(r.session.title, r.session.course.title, r.status) for r in found]
    assert found == [room]
    assert titles == [(live_class.session.title, live_class.courses.class_course.title, "open")]
    assert len(read.captured_queries) == 1  # the session and course came with the room
    assert selectors.live_now_for(live_class.outsider) == []

    course = live_class.courses.class_course
    course.is_published = False
    course.save()
    assert selectors.live_now_for(live_class.student) == []
    course.is_published = True
    course.save()
    Enrolment.objects.filter(student=live_class.classmate).delete()
    assert selectors.live_now_for(live_class.classmate) == []
    room.status = LiveRoom.Status.ENDED
    room.save()
    assert selectors.live_now_for(live_class.student) == []
