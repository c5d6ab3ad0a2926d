"""The home page's course reads answer as the ORM does (they are compiled: ``core.db``)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openclass.courses import selectors
from openclass.courses.models import Attendance, Session
from openclass.courses.services import courses as services

pytestmark = pytest.mark.django_db


def test_todays_sessions_are_those_of_enrolled_published_courses_on_the_day(live_class):
    session, day = live_class.session, live_class.session.day
    later = Session.objects.create(
        course=session.course,
        kind=Session.Kind.LIVE,
        title="둘째 시간",
        day=day,
        starts_at=datetime.time(23, 59),
        ends_at=datetime.time(23, 59),
    )
    with CaptureQueriesContext(connection) as read:
        found = selectors.todays_sessions(live_class.student, day)
        titles = [(each.title, each.course.title, each.lesson) for each in found]
    assert found == [session, later] and len(read.captured_queries) == 1
    assert titles[0] == (session.title, session.course.title, None)
    assert selectors.todays_sessions(live_class.student, day + datetime.timedelta(days=1)) == []
    assert selectors.todays_sessions(live_class.outsider, day) == []
    course = session.course
    course.is_published = False
    course.save()
    assert selectors.todays_sessions(live_class.student, day) == []


def test_course_cards_come_with_course_topic_and_last_lesson_and_count_per_student(enrolled):
    north = enrolled.city.north
    student, classmate = north.student_a1, north.student_a2
    services.open_lesson(student, enrolled.document)
    services.open_lesson(student, enrolled.link)
    with CaptureQueriesContext(connection) as read:
        [row] = selectors.courses_with_progress(student)
        shown = (row["course"].title, row["course"].topic, row["enrolment"].last_lesson)
    assert len(read.captured_queries) == 5  # cards, required, completed, live held, attended
    assert shown == (enrolled.class_course.title, enrolled.class_course.topic, enrolled.link)
    course = enrolled.class_course.pk
    assert selectors.completed_required_lessons(students=[classmate], courses=[course]) == {}
    services.open_lesson(classmate, enrolled.document)
    assert selectors.completed_required_lessons(
        students=[student, classmate], courses=[course]
    ) == {(student.pk, course): 1, (classmate.pk, course): 1}  # the link is not required
    assert selectors.completed_required_lessons(students=[classmate], courses=[course]) == {
        (classmate.pk, course): 1
    }
    assert selectors.completed_required_lessons(students=[classmate], courses=[]) == {}
    assert selectors.required_lesson_counts([course, course + 1000]) == {course: 2}


def test_live_attendance_counts_classes_held_so_far_and_those_attended(live_class):
    session = live_class.session
    course = session.course
    Session.objects.create(
        course=course,
        kind=Session.Kind.LIVE,
        title="다음 주 수업",
        day=session.day + datetime.timedelta(days=7),
        starts_at=datetime.time(9),
        ends_at=datetime.time(10),
    )
    student, classmate = live_class.student, live_class.classmate
    assert selectors.live_attendance(student, [course.pk], session.day) == {course.pk: (0, 1)}
    Attendance.objects.create(session=session, student=student, status=Attendance.Status.LATE)
    Attendance.objects.create(session=session, student=classmate, status=Attendance.Status.ABSENT)
    assert selectors.live_attendance(student, [course.pk], session.day) == {course.pk: (1, 1)}
    assert selectors.live_attendance(classmate, [course.pk], session.day) == {course.pk: (0, 1)}
    week_later = session.day + datetime.timedelta(days=7)
    assert selectors.live_attendance(student, [course.pk], week_later) == {course.pk: (1, 2)}
    yesterday = session.day - datetime.timedelta(days=1)
    assert selectors.live_attendance(student, [course.pk], yesterday) == {}
    assert selectors.live_attendance(student, [], session.day) == {}
