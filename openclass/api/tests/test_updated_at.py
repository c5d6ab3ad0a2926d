"""``updated_at`` (``core.stamps.Stamped``) moves on every kind of write the areas make to the
rows the API syncs by ``updated_since``: a save, a ``save(update_fields=…)``, and the
``QuerySet.update()``/``bulk_update()`` writes that name it themselves."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from openclass.accounts.tests.fixtures import City
from openclass.courses.models import Course, Enrolment, Lesson, Section
from openclass.courses.services import courses as course_services
from openclass.courses.tests.fixtures import make_course
from openclass.notifications import services as notifications
from openclass.notifications.models import Notification

LONG_AGO = timezone.now() - datetime.timedelta(days=30)


def _age(model: type, pk: int) -> None:
    model.objects.filter(pk=pk).update(updated_at=LONG_AGO)


def _moved(model: type, pk: int) -> bool:
    return bool(model.objects.get(pk=pk).updated_at > LONG_AGO)


@pytest.mark.django_db
def test_save_with_update_fields_stamps(city: City) -> None:
    course = make_course(city.north.homeroom_a, city.north.class_a, Course.Scope.CLASS, "안전")
    _age(Course, course.pk)
    course.title = "안전 교육"
    course.save(update_fields=["title"])
    assert _moved(Course, course.pk)
    # An empty list still saves nothing, as Django's own.
    _age(Course, course.pk)
    course.save(update_fields=[])
    assert not _moved(Course, course.pk)


@pytest.mark.django_db
def test_queryset_writes_of_the_services_stamp(city: City) -> None:
    student = city.north.student_a1
    teacher = city.north.homeroom_a
    course = make_course(teacher, city.north.class_a, Course.Scope.CLASS, "안전")
    section = Section.objects.create(course=course, title="1단원", position=1)
    first = Lesson.objects.create(section=section, title="자료 1", kind="link", url="https://a.kr")
    second = Lesson.objects.create(section=section, title="자료 2", kind="link", url="https://b.kr")
    course_services.enrol(teacher, course, [student])
    enrolment = Enrolment.objects.get(course=course, student=student)

    # Reordering lessons (bulk_update) stamps them.
    _age(Lesson, first.pk)
    course_services.reorder(section.lessons.all(), [second.pk, first.pk])
    assert _moved(Lesson, first.pk)

    # Completing the course (an update() of the enrolment) stamps it.
    _age(Enrolment, enrolment.pk)
    course_services.open_lesson(student, first)
    course_services.open_lesson(student, second)
    assert Enrolment.objects.get(pk=enrolment.pk).completed_at is not None
    assert _moved(Enrolment, enrolment.pk)

    # Marking notifications read (an update()) stamps them.
    (pk,) = notifications.notify([student], "알림")
    _age(Notification, pk)
    assert notifications.mark_read(student, [pk]) == 1
    assert _moved(Notification, pk)
    (pk,) = notifications.notify([student], "알림", url="/courses/")
    _age(Notification, pk)
    notifications.mark_seen(student, "/courses/")
    assert _moved(Notification, pk)
