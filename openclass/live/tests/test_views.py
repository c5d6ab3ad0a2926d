"""The classroom, attendance and confirmation pages: what each role sees and every refusal."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openclass.courses.models import Attendance, Session
from openclass.live.models import LiveRoom, Stay
from openclass.live.services import attendance, rooms
from openclass.live.services.tickets import issue_ticket

pytestmark = pytest.mark.django_db


def test_the_classroom_opens_for_the_class_and_refuses_others(client, live_class):
    url = reverse("live:classroom", args=[live_class.session.pk])
    client.force_login(live_class.student)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["config"]["role"] == "student"
    assert "classroom-config" in page.content.decode()
    client.force_login(live_class.teacher)
    assert client.get(url).context["is_host"]
    for outsider in (live_class.outsider, live_class.courses.city.south.parent_a1):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
    recorded = Session.objects.create(
        course=live_class.courses.class_course,
        kind=Session.Kind.RECORDED,
        title="recorded",
        lesson=live_class.courses.video,
        day=datetime.date.today(),
    )
    client.force_login(live_class.teacher)
    assert client.get(reverse("live:classroom", args=[recorded.pk])).status_code == 404


def test_a_student_enters_the_classroom_reading_the_class_once(client, live_class):
    url = reverse("live:classroom", args=[live_class.session.pk])
    client.force_login(live_class.student)
    client.get(url)  # the first entry makes the room and the seat
    with CaptureQueriesContext(connection) as read:
        page = client.get(url)
    statements = [q["sql"] for q in read.captured_queries]
    assert page.context["session"] == live_class.session
    assert page.context["course"] == live_class.session.course
    assert page.context["participant"].user == live_class.student
    # The session with its course in one read; the room and the seat once each; no writes.
    assert sum('FROM "courses_session"' in sql for sql in statements) == 1
    assert not any('FROM "courses_course"' in sql for sql in statements)
    assert sum('FROM "live_liveroom"' in sql for sql in statements) == 1
    assert sum('FROM "live_participant"' in sql for sql in statements) == 1
    assert not any(sql.startswith(("INSERT", "UPDATE")) for sql in statements)
    assert rooms.live_session(live_class.session.pk) == live_class.session
    recorded = Session.objects.create(
        course=live_class.session.course, kind=Session.Kind.RECORDED, day=datetime.date.today()
    )
    assert rooms.live_session(recorded.pk) is None


def test_the_classroom_lets_the_browser_reach_janus(client, live_class, settings):
    settings.JANUS_PUBLIC_URLS = ["https://live.example.org/janus", "/janus"]
    client.force_login(live_class.student)
    page = client.get(reverse("live:classroom", args=[live_class.session.pk]))
    connect = next(
        part for part in page["Content-Security-Policy"].split(";") if "connect-src" in part
    )
    assert connect.split() == ["connect-src", "'self'", "https://live.example.org"]


def test_only_hosts_start_end_and_see_attendance(client, live_class, use_janus):
    session = live_class.session
    client.force_login(live_class.student)
    assert client.post(reverse("live:start", args=[session.pk])).status_code == 403
    client.force_login(live_class.teacher)
    client.post(reverse("live:start", args=[session.pk]))
    room = LiveRoom.objects.get(session=session)
    assert room.status == LiveRoom.Status.OPEN
    client.force_login(live_class.student)
    assert client.get(reverse("live:attendance", args=[room.pk])).status_code == 403
    assert client.post(reverse("live:end", args=[room.pk])).status_code == 403
    assert client.post(reverse("live:confirm", args=[room.pk])).status_code == 403
    client.force_login(live_class.teacher)
    page = client.get(reverse("live:attendance", args=[room.pk]))
    assert page.status_code == 200 and len(page.context["marks"]) == 2
    client.post(reverse("live:end", args=[room.pk]))
    room.refresh_from_db()
    assert room.status == LiveRoom.Status.ENDED
    assert Attendance.objects.filter(session=session).count() == 2
    client.post(reverse("live:confirm", args=[room.pk]))
    room.refresh_from_db()
    assert room.attendance_confirmed_by == live_class.teacher


def test_home_shows_the_live_class_to_enrolled_students(client, live_class, use_janus):
    rooms.start_class(live_class.teacher, live_class.session)
    client.force_login(live_class.student)
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("live:classroom", args=[live_class.session.pk]) in home
    client.force_login(live_class.outsider)
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("live:classroom", args=[live_class.session.pk]) not in home


def _room_with_bounds(live_class):
    room = rooms.main_room(live_class.session)
    room.status = LiveRoom.Status.ENDED
    room.save()
    start, end = attendance.class_bounds(room)
    return room, start, end


def _an_hour() -> tuple[datetime.datetime, datetime.datetime]:
    """A class of an hour (the fixture's class runs now, and is cut short at midnight)."""
    start = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))
    return start, start + datetime.timedelta(hours=1)


@pytest.mark.parametrize(
    ("join_after", "leave_before", "expected"),
    [
        (0, 0, Attendance.Status.PRESENT),
        (9, 0, Attendance.Status.PRESENT),
        (12, 0, Attendance.Status.LATE),
        (0, 12, Attendance.Status.LEFT_EARLY),
        (15, 15, Attendance.Status.LATE),  # late wins over left early
        (0, 35, Attendance.Status.ABSENT),  # under half the class
    ],
)
def test_minutes_become_marks(live_class, join_after, leave_before, expected):
    course = live_class.courses.class_course
    start, end = _an_hour()
    stays = [
        (
            start + datetime.timedelta(minutes=join_after),
            end - datetime.timedelta(minutes=leave_before),
        )
    ]
    status, minutes = attendance.mark_from_stays(course, start, end, stays)
    assert status == expected
    assert minutes == 60 - join_after - leave_before


def test_a_short_drop_is_one_stay_and_a_long_one_is_not(live_class, settings):
    settings.LIVE_RECONNECT_GRACE_SECONDS = 90
    course = live_class.courses.class_course
    start, end = _an_hour()
    minute = datetime.timedelta(minutes=1)
    short_drop = [(start, start + 30 * minute), (start + 31 * minute, end)]
    assert attendance.mark_from_stays(course, start, end, short_drop) == (
        Attendance.Status.PRESENT,
        60,
    )
    long_drop = [(start, start + 20 * minute), (start + 50 * minute, end)]
    status, minutes = attendance.mark_from_stays(course, start, end, long_drop)
    assert (status, minutes) == (Attendance.Status.PRESENT, 30)
    two_tabs = [(start, end), (start + 5 * minute, start + 10 * minute)]
    assert attendance.mark_from_stays(course, start, end, two_tabs)[1] == 60


def test_a_teachers_correction_survives_the_written_marks(live_class):
    room, start, end = _room_with_bounds(live_class)
    participant = rooms.participant_for(live_class.student, room)
    Stay.objects.create(participant=participant, room=room, feed_id=1, joined_at=start, left_at=end)
    from openclass.courses.services import courses as course_services

    course_services.correct_attendance(
        live_class.teacher, live_class.session, live_class.classmate, "excused", "병결"
    )
    attendance.write_attendance(room)
    marks = dict(
        Attendance.objects.filter(session=live_class.session).values_list("student", "status")
    )
    assert marks[live_class.student.pk] == Attendance.Status.PRESENT
    assert marks[live_class.classmate.pk] == Attendance.Status.EXCUSED


def test_a_class_opens_at_its_time_and_is_on_the_teachers_home(client, live_class, use_janus):
    (opened,) = rooms.open_due_rooms()  # the test class started five minutes ago
    room = LiveRoom.objects.get(session=live_class.session)
    assert opened == room and opened.status == room.status == LiveRoom.Status.OPEN
    assert room.janus_room
    assert rooms.open_due_rooms() == []
    assert issue_ticket(live_class.student, room).room == room.janus_room
    client.force_login(live_class.teacher)
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("live:classroom", args=[live_class.session.pk]) in home
    client.force_login(live_class.courses.city.north.subject_teacher)
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("live:classroom", args=[live_class.session.pk]) not in home
