"""The demo courses built by `manage.py demo_data` (the small city: without videos)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from openclass.accounts.models import User
from openclass.courses import access, selectors
from openclass.courses.demo import CAREER, DOKDO, SAFETY
from openclass.courses.models import Course, Session


@pytest.fixture
def demo(db) -> None:
    call_command("demo_data", "--size", "small", stdout=StringIO())


def test_demo_courses_give_every_role_something_to_see(demo) -> None:
    # The operations demo opens more courses through applications (tested there).
    applied = set(Course.objects.filter(application__isnull=False).values_list("title", flat=True))
    own = set(Course.objects.values_list("title", flat=True)) - applied
    assert own == {DOKDO, SAFETY, CAREER}
    student = User.objects.get(username="hanbit-0175")
    # Without videos (small city) the Dokdo course is a handout and a link, which the demo
    # student has opened: it is complete, so nothing is left to resume.
    [dokdo] = selectors.courses_with_progress(student)
    assert dokdo["course"].title == DOKDO and dokdo["enrolment"].last_lesson is not None
    young = User.objects.get(username="hanbit-0001")
    titles = [row["course"].title for row in selectors.courses_with_progress(young)]
    assert [title for title in titles if title not in applied] == [SAFETY]
    career = Course.objects.get(title=CAREER)
    assert access.can_enrol_self(student, career)
    teacher = User.objects.get(username="hanbit-t01")
    taught = [row["course"].title for row in selectors.teaching_overview(teacher)]
    assert [title for title in taught if title not in applied] == [SAFETY]
    assert Session.objects.filter(course__title=SAFETY).exists()


def test_demo_courses_are_built_once(demo) -> None:
    before = Course.objects.count()
    call_command("demo_data", "--size", "small", stdout=StringIO())
    assert Course.objects.count() == before
