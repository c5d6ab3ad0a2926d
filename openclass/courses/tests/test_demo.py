"""The demo courses built by `manage.py demo_data` (the small city: without videos)."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from openclass.accounts.models import User
from openclass.core.registry import search_source
from openclass.courses import access, selectors
from openclass.courses.demo import CAREER, CAREER_DESIGN, CAREER_PARENTS, DOKDO, SAFETY
from openclass.courses.models import Course, Lesson, Session


def test_demo_courses_give_every_role_something_to_see(demo_city) -> None:
    # The operations demo opens more courses through applications (tested there).
    applied = set(Course.objects.filter(application__isnull=False).values_list("title", flat=True))
    own = set(Course.objects.values_list("title", flat=True)) - applied
    assert own == {DOKDO, SAFETY, CAREER, CAREER_DESIGN, CAREER_PARENTS}
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


def test_demo_courses_are_built_once(demo_city) -> None:
    before = Course.objects.count()
    out = StringIO()
    call_command("demo_data", "--size", "small", stdout=out)
    assert Course.objects.count() == before
    assert "career courses" not in out.getvalue()


def test_a_demo_city_built_before_gets_the_career_courses(demo_city) -> None:
    Course.objects.filter(title__in=[CAREER_DESIGN, CAREER_PARENTS]).delete()
    out = StringIO()
    call_command("demo_data", "--size", "small", stdout=out)
    assert "Created 2 career courses of the office." in out.getvalue()
    assert Course.objects.filter(title__in=[CAREER_DESIGN, CAREER_PARENTS]).count() == 2


def visible_documents(name: str, username: str) -> list:
    """The documents of source ``name`` the demo login ``username`` may open."""
    source = search_source(name)
    visible = {row["pk"] for row in source.visible(User.objects.get(username=username))}
    return [document for document in source.documents(None) if document.key in visible]


def test_what_search_finds_in_the_demo_courses(demo_city) -> None:
    # "독도를" finds 독도 바로 알기 and its lessons: the demo student opens them all.
    dokdo = Course.objects.get(title=DOKDO)
    [course] = [d for d in visible_documents("courses.course", "hanbit-0175") if d.key == dokdo.pk]
    assert course.area == "독도 교육" and "독도" in course.body
    lessons = set(Lesson.objects.filter(section__course=dokdo).values_list("pk", flat=True))
    found = {
        document.key: document
        for document in visible_documents("courses.lesson", "hanbit-0175")
        if document.key in lessons
    }
    assert set(found) == lessons and len(lessons) >= 2
    assert all(DOKDO in document.tags for document in found.values())

    # "진로" finds career courses for students and for parents, and their lessons.
    def career(username: str) -> set[str]:
        return {
            document.title
            for document in visible_documents("courses.course", username)
            if "진로" in " ".join([document.title, document.area, *document.tags])
        }

    assert {CAREER, CAREER_DESIGN} <= career("hanbit-0175")
    assert CAREER_PARENTS in career("hanbit-p0001")
    by_title = {d.title: d for d in visible_documents("courses.course", "hanbit-p0001")}
    assert by_title[CAREER_PARENTS].audience == "parent"
    assert by_title[CAREER_DESIGN].audience == "student"
    assert by_title[CAREER_DESIGN].tags == ("진로교육", "진로탐색", "학생")
    # A teacher weighing the office's career course opens its lessons.
    assert any(
        CAREER_DESIGN in document.tags
        for document in visible_documents("courses.lesson", "hanbit-t14")
    )
