"""A parent's home is something to act on: each child's today (live classes with their times),
course cards that open the child's course read-only, attendance linked to its page; a child's
learning on its own page; and the parent's own courses (학부모 대상), which they join and study
like a student while students cannot join them. Refusals: another parent's child, a course the
child does not take, a student or teacher on the parent's pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openclass.catalog.models import AudienceTag
from openclass.courses import access
from openclass.courses.models import (
    Attendance,
    Course,
    Lesson,
    LessonProgress,
    Section,
    Session,
)
from openclass.courses.services import courses as services
from openclass.courses.tests.fixtures import Courses, make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(courses: Courses) -> Courses:
    north = courses.city.north
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1, north.student_a2])
    return courses


def parent_course(courses: Courses, *codes: str) -> Course:
    city = courses.city
    course = make_course(city.office_admin, city.office, Course.Scope.OFFICE, "자녀와 진로 대화")
    course.audience.set(AudienceTag.objects.filter(code__in=codes or ("parent",)))
    section = Section.objects.create(course=course, title="1단원")
    Lesson.objects.create(
        section=section, title="1차시 안내서", kind=Lesson.Kind.LINK, url="https://example.org/"
    )
    return course


def test_the_parents_home_shows_each_childs_today_courses_and_attendance(
    client, family: Courses
) -> None:
    north = family.city.north
    course = family.class_course
    now = timezone.localtime()
    Session.objects.create(
        course=course,
        kind=Session.Kind.LIVE,
        title="실시간 안전 수업",
        day=now.date(),
        starts_at=datetime.time(10, 30),
        ends_at=datetime.time(11, 10),
    )
    client.force_login(north.parent_a1)
    page = client.get(reverse("web:home")).content.decode()
    assert "실시간 안전 수업" in page and "10:30" in page and "11:10" in page
    child_course = reverse("courses:child_course", args=[course.pk, north.student_a1.pk])
    assert f'href="{child_course}"' in page
    assert f'href="{reverse("courses:student_attendance", args=[north.student_a1.pk])}"' in page
    # Only their own child: nothing of the classmate.
    assert reverse("courses:child", args=[north.student_a2.pk]) not in page


def test_a_live_only_course_shows_live_classes_attended_not_zero_lessons(
    client, family: Courses
) -> None:
    north = family.city.north
    live = make_course(north.homeroom_a, north.class_a, Course.Scope.CLASS, "실시간 토론")
    services.enrol(north.homeroom_a, live, [north.student_a1])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    held = [
        Session.objects.create(
            course=live,
            kind=Session.Kind.LIVE,
            title=f"{n}회 토론",
            day=yesterday,
            starts_at=datetime.time(9 + n),
            ends_at=datetime.time(10 + n),
        )
        for n in (1, 2)
    ]
    Attendance.objects.create(
        session=held[0], student=north.student_a1, status=Attendance.Status.PRESENT
    )
    client.force_login(north.parent_a1)
    page = client.get(reverse("web:home")).content.decode()
    assert "0차시 중 0차시" not in page and "0 of 0 lessons" not in page
    assert "실시간 수업 2회 중 1회 참여" in page or "1 of 2 live classes attended" in page


def test_a_parent_opens_their_childs_course_read_only(client, family: Courses) -> None:
    north = family.city.north
    child = north.student_a1
    services.open_lesson(child, family.video)
    services.open_lesson(child, family.document)
    client.force_login(north.parent_a1)
    url = reverse("courses:child_course", args=[family.class_course.pk, child.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert family.video.title in page and family.document.title in page
    assert "1 of 2" in page or "2개 중 1개" in page
    # Read-only: no lesson link, no enrolment form, nothing recorded for the parent.
    assert reverse("courses:lesson", args=[family.class_course.pk, family.video.pk]) not in page
    assert "csrfmiddlewaretoken" not in page.split("<main", 1)[1]
    assert not LessonProgress.objects.filter(student=north.parent_a1).exists()
    grades = reverse("assessments:course_grades", args=[family.class_course.pk])
    assert f"{grades}?student={child.pk}" in page
    assert client.get(f"{grades}?student={child.pk}").status_code == 200
    assert client.get(reverse("courses:child", args=[child.pk])).status_code == 200


def test_a_parent_is_refused_another_child_and_a_course_their_child_does_not_take(
    client, family: Courses
) -> None:
    north, south = family.city.north, family.city.south
    client.force_login(north.parent_a1)
    classmate = north.student_a2  # enrolled in the same course, not their child
    assert (
        client.get(
            reverse("courses:child_course", args=[family.class_course.pk, classmate.pk])
        ).status_code
        == 404
    )
    assert client.get(reverse("courses:child", args=[classmate.pk])).status_code == 404
    assert client.get(reverse("courses:child", args=[south.student_a1.pk])).status_code == 404
    # Their own child, but a course the child is not enrolled in.
    assert (
        client.get(
            reverse("courses:child_course", args=[family.school_course.pk, north.student_a1.pk])
        ).status_code
        == 404
    )
    # Other parents, students and teachers: not theirs to open.
    client.force_login(south.parent_a1)
    assert (
        client.get(
            reverse("courses:child_course", args=[family.class_course.pk, north.student_a1.pk])
        ).status_code
        == 404
    )
    for someone in (north.student_a1, north.homeroom_a):
        client.force_login(someone)
        assert client.get(reverse("courses:child", args=[north.student_a1.pk])).status_code == 403


def test_a_parent_joins_a_course_for_parents_and_studies_it(client, family: Courses) -> None:
    north = family.city.north
    course = parent_course(family)
    parent = north.parent_a1
    client.force_login(parent)
    home = client.get(reverse("web:home")).content.decode()
    join = reverse("courses:enrol_self", args=[course.pk])
    assert f'action="{join}"' in home
    assert client.post(join).status_code == 302
    assert access.is_enrolled(parent, course)
    lesson = Lesson.objects.get(section__course=course)
    response = client.get(reverse("courses:lesson", args=[course.pk, lesson.pk]))
    assert response.status_code == 200
    row = LessonProgress.objects.get(student=parent, lesson=lesson)
    assert row.completed_at is not None  # a link completes on opening: progress is recorded
    home = client.get(reverse("web:home")).content.decode()
    assert f'action="{join}"' not in home and course.title in home


def test_a_student_cannot_join_a_course_for_parents_only(client, family: Courses) -> None:
    north = family.city.north
    course = parent_course(family)
    course.self_enrolment = True
    course.save()
    client.force_login(north.student_a1)
    assert client.post(reverse("courses:enrol_self", args=[course.pk])).status_code == 403
    assert not access.is_enrolled(north.student_a1, course)
    # Meant for students too, it is theirs to join.
    both = parent_course(family, "parent", "student")
    both.self_enrolment = True
    both.save()
    assert access.can_enrol_self(north.student_a1, both)


def test_a_parent_cannot_join_a_course_not_meant_for_parents(client, family: Courses) -> None:
    north = family.city.north
    course = family.office_course  # published, visible to the parent, no parent audience
    course.self_enrolment = True
    course.save()
    assert access.can_view_course(north.parent_a1, course)
    client.force_login(north.parent_a1)
    assert client.post(reverse("courses:enrol_self", args=[course.pk])).status_code == 403
    unpublished = parent_course(family)
    unpublished.is_published = False
    unpublished.save()
    assert not access.can_enrol_self(north.parent_a1, unpublished)


def test_the_childs_profile_links_their_learning(client, family: Courses) -> None:
    north = family.city.north
    child = north.student_a1
    client.force_login(north.parent_a1)
    page = client.get(reverse("accounts:person", args=[child.pk])).content.decode()
    learning = reverse("courses:child", args=[child.pk])
    assert f'href="{learning}"' in page
    overview = client.get(learning).content.decode()
    # The child's courses, opening read-only, and their attendance page.
    assert reverse("courses:child_course", args=[family.class_course.pk, child.pk]) in overview
    assert reverse("courses:student_attendance", args=[child.pk]) in overview
    # A teacher sees the child's profile without the parent's link.
    client.force_login(north.homeroom_a)
    page = client.get(reverse("accounts:person", args=[child.pk])).content.decode()
    assert learning not in page
