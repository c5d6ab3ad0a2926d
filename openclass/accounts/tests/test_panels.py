"""The accounts area's home panels: a student's class teachers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openclass.accounts.models import TeachingAssignment
from openclass.accounts.panels import build_my_class

pytestmark = pytest.mark.django_db


def test_a_student_sees_the_teachers_of_their_own_class_once_each_by_name(city) -> None:
    north = city.north
    assert build_my_class(north.student_a1)["teachers"] == [north.homeroom_a]
    # Teaching two subjects in the class: listed once. Another class's teacher: not listed.
    TeachingAssignment.objects.create(teacher=north.subject_teacher, klass=north.class_a)
    TeachingAssignment.objects.create(
        teacher=north.subject_teacher, klass=north.class_a, subject="음악"
    )
    with CaptureQueriesContext(connection) as read:
        teachers = build_my_class(north.student_a1)["teachers"]
        names = [teacher.name for teacher in teachers]
    assert len(read.captured_queries) == 1
    assert names == sorted([north.homeroom_a.name, north.subject_teacher.name])
    assert build_my_class(north.student_b1)["teachers"] == [north.subject_teacher]
    north.student_a1.organisation = None
    assert build_my_class(north.student_a1)["teachers"] == []


def test_a_students_placement_reads_their_class_grade_and_school_in_one_go(city) -> None:
    from openclass.accounts.models import Organisation, User

    pk = city.north.student_a1.pk
    expected = User.objects.select_related("organisation__parent__parent").get(pk=pk)
    student = User.objects.get(pk=pk)  # nothing along its organisation read yet
    with CaptureQueriesContext(connection) as read:
        assert student.placement == expected.placement
        assert student.form_of_address == expected.form_of_address
    assert len(read.captured_queries) == 2  # the class, then its whole path
    assert city.north.school.name in student.placement
    # A path that disagrees with the parents is not trusted: the ORM reads them as before.
    Organisation.objects.filter(pk=city.north.class_a.pk).update(path="/999/")
    student = User.objects.get(pk=pk)
    assert student.placement == expected.placement
