"""The tabs of a course's pages (``{% course_tabs %}``, courses/templatetags/course_pages.py) on
the small demo city: every demo role sees a tab exactly when its page opens for them — a subject
teacher is never offered the attendance or gradebook of a course whose records they do not read
(issue 18, item 1), and is offered them where they do."""

from __future__ import annotations

import re

from django.urls import reverse

from openclass.accounts.demo import DEMO_LOGINS
from openclass.accounts.models import User
from openclass.courses import access

#: The pages behind the staff tabs, which answer 403 (or 404) to whom the tab is not shown.
STAFF_TABS = {
    "students": "courses:enrolments",
    "attendance": "courses:attendance",
    "grades": "assessments:gradebook",
    "settings": "courses:edit",
}


def tabs_on(page: str) -> dict[str, str]:
    nav = re.search(r'<nav class="tabs"[^>]*>(.*?)</nav>', page, re.S)
    assert nav, "the course page has no tabs"
    return dict(
        (key, href.replace("&amp;", "&"))
        for href, key in re.findall(r'<a href="([^"]+)" data-tab="([a-z]+)"', nav.group(1))
    )


def test_every_tab_opens_and_every_staff_page_that_opens_has_its_tab(client, demo_city) -> None:
    seen = set()
    for role, username in DEMO_LOGINS:
        user = User.objects.get(username=username)
        client.force_login(user)
        for course in access.visible_courses(user):
            page = client.get(reverse("courses:detail", args=[course.pk]))
            assert page.status_code == 200, (role, course)
            tabs = tabs_on(page.content.decode())
            assert {"lessons", "timeline"} <= set(tabs), (role, course)
            for key, href in tabs.items():
                assert client.get(href).status_code == 200, (role, course.title, key, href)
                seen.add((username, course.pk, key))
            for key, name in STAFF_TABS.items():
                url = reverse(name, args=[course.pk])
                opens = client.get(url).status_code == 200
                assert opens == (tabs.get(key) == url), (role, course.title, key, opens)
    # The walk met the cases that matter: a subject teacher offered the records of a course
    # their students take, a student and a parent their own grades.
    assert any(u == "hanbit-t14" and k == "attendance" for u, _c, k in seen)
    assert any(u == "hanbit-0175" and k == "grades" for u, _c, k in seen)
    assert any(u == "hanbit-p0001" and k == "grades" for u, _c, k in seen)


def test_a_subject_teacher_is_not_offered_records_they_cannot_read(client, demo_city) -> None:
    teacher = User.objects.get(username="hanbit-t14")
    client.force_login(teacher)
    refused = [
        course
        for course in access.visible_courses(teacher)
        if not access.can_read_course_records(teacher, course)
    ]
    assert refused, "the demo gives the subject teacher a course whose records they do not read"
    for course in refused:
        tabs = tabs_on(client.get(reverse("courses:detail", args=[course.pk])).content.decode())
        assert not {"attendance", "grades", "settings"} & set(tabs), course.title
        assert client.get(reverse("courses:attendance", args=[course.pk])).status_code == 403


def test_a_student_sees_their_own_grades_tab_only_where_enrolled(client, demo_city) -> None:
    student = User.objects.get(username="hanbit-0175")
    client.force_login(student)
    for course in access.visible_courses(student):
        tabs = tabs_on(client.get(reverse("courses:detail", args=[course.pk])).content.decode())
        enrolled = access.is_enrolled(student, course)
        assert ("grades" in tabs) == enrolled, course.title
        assert not {"students", "attendance", "settings"} & set(tabs)
