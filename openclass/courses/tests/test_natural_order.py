"""Classes are listed as schools write them (issue 18, item 8): 2반 before 10반, whatever order
the rows were made in — on a course's attendance filter and its gradebook."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openclass.accounts.models import Organisation
from openclass.accounts.tests.fixtures import make_user
from openclass.assessments.services.gradebook import classes_of
from openclass.courses.services import courses as course_services


@pytest.mark.django_db
def test_a_course_lists_its_classes_in_natural_order(client, courses) -> None:
    north = courses.city.north
    grade = north.class_a.parent
    # 1반 and 2반 exist; 10반 is made before 9반.
    ten = Organisation.objects.create(
        kind=Organisation.Kind.CLASS, name="10반", number=10, parent=grade
    )
    nine = Organisation.objects.create(
        kind=Organisation.Kind.CLASS, name="9반", number=9, parent=grade
    )
    students = [
        make_user("north-9901", "student", ten, number=1),
        make_user("north-9902", "student", nine, number=1),
        north.student_b1,
        north.student_a1,
    ]
    course = courses.school_course
    course_services.enrol(north.admin, course, students)
    expected = [north.class_a, north.class_b, nine, ten]
    assert classes_of(north.admin, course) == expected
    client.force_login(north.admin)
    page = client.get(reverse("courses:attendance", args=[course.pk]))
    assert page.status_code == 200
    shown = [klass.pk for klass in page.context["classes"]]
    assert shown == [klass.pk for klass in expected]
