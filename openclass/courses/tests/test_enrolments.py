"""The enrolments page: the home's "미학습 N" opens exactly those N students; refusals."""

from __future__ import annotations

import re

from django.urls import reverse

from openclass.courses.models import LessonProgress
from openclass.courses.services import courses as services
from openclass.courses.tests.fixtures import Courses


def _names(page: str) -> list[str]:
    table = page.split('id="enrolled"')[1]
    return re.findall(r'<tr><th scope="row">([^<]+)</th>', table)


def test_the_homes_not_started_link_opens_exactly_those_students(client, courses: Courses):
    north = courses.city.north
    course = courses.class_course
    services.enrol(north.homeroom_a, course, [north.student_a1, north.student_a2])
    LessonProgress.objects.create(student=north.student_a1, lesson=courses.document)
    client.force_login(north.homeroom_a)
    home = client.get(reverse("web:home")).content.decode()
    link = reverse("courses:enrolments", args=[course.pk]) + "?show=not_started#enrolled"
    assert f'href="{link}">1</a>' in home
    page = client.get(link.split("#")[0]).content.decode()
    assert _names(page) == [north.student_a2.name]
    everyone = client.get(reverse("courses:enrolments", args=[course.pk])).content.decode()
    assert sorted(_names(everyone)) == sorted([north.student_a1.name, north.student_a2.name])


def test_enrolling_says_what_comes_next(client, courses: Courses):
    north = courses.city.north
    course = courses.class_course
    course.is_published = False
    course.save()
    client.force_login(north.homeroom_a)
    response = client.post(
        reverse("courses:enrolments", args=[course.pk]),
        {"organisation": north.class_a.pk},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = response.content.decode()
    assert "students see it once you publish it" in page


def test_the_filter_is_refused_to_those_who_may_not_enrol(client, courses: Courses):
    north = courses.city.north
    url = reverse("courses:enrolments", args=[courses.class_course.pk]) + "?show=not_started"
    client.force_login(north.student_a1)
    assert client.get(url).status_code in (403, 404)
    client.force_login(courses.city.south.homeroom_a)
    assert client.get(url).status_code == 404
