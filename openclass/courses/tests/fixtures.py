"""Fixtures for course tests: a class course, a school course and an office course in the small
test city (``openclass.accounts.tests.fixtures``), each with a video, a PDF and a link lesson."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from openclass.accounts.tests.fixtures import City
from openclass.catalog.models import Topic
from openclass.courses.models import Course, Lesson, Section


@dataclass
class Courses:
    city: City
    class_course: Course  # north 3학년 1반, by its homeroom teacher
    school_course: Course  # north school, by its school admin
    office_course: Course  # the office, by the office admin, taught by the instructor
    video: Lesson  # class_course, required, 100 s URL video
    document: Lesson  # class_course, required
    link: Lesson  # class_course, optional


def make_course(owner, organisation, scope: str, title: str, **extra) -> Course:
    course = Course.objects.create(
        title=title,
        topic=Topic.objects.order_by("position").first(),
        scope=scope,
        organisation=organisation,
        owner=owner,
        is_published=extra.pop("is_published", True),
        **extra,
    )
    course.teachers.add(owner)
    return course


@pytest.fixture
def courses(city: City) -> Courses:
    north = city.north
    class_course = make_course(north.homeroom_a, north.class_a, Course.Scope.CLASS, "3-1 안전 교육")
    section = Section.objects.create(course=class_course, title="1단원", position=1)
    video = Lesson.objects.create(
        section=section,
        title="1차시 영상",
        kind=Lesson.Kind.VIDEO_URL,
        url="https://media.example.org/lesson1.mp4",
        duration=100,
        position=1,
    )
    document = Lesson.objects.create(
        section=section,
        title="2차시 자료",
        kind=Lesson.Kind.DOCUMENT,
        document="documents/test.pdf",
        position=2,
    )
    link = Lesson.objects.create(
        section=section,
        title="3차시 참고",
        kind=Lesson.Kind.LINK,
        url="https://example.org/",
        is_required=False,
        position=3,
    )
    school_course = make_course(north.admin, north.school, Course.Scope.SCHOOL, "북초 진로 교육")
    office_course = make_course(
        city.office_admin,
        city.office,
        Course.Scope.OFFICE,
        "서울 독도 교육",
        arrangement=Course.Arrangement.OFFICE_INSTRUCTOR,
        opens_on=datetime.date(2026, 3, 2),
    )
    office_course.teachers.add(city.instructor)
    return Courses(city, class_course, school_course, office_course, video, document, link)


@pytest.fixture
def enrolled(courses: Courses) -> Courses:
    """The class course with the first two students of its class enrolled."""
    from openclass.courses.services import courses as services

    north = courses.city.north
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1, north.student_a2])
    return courses
