"""The to-do page (``web:todo``): the sections the areas register for it
(``core.registry.TO_DO_PAGE``) on the small demo city — a student's work due and missed in their
own courses, a teacher's work to grade in the courses they run — each link opening for the
viewer, nobody shown another's work."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from openclass.accounts.demo import DEMO_LOGINS
from openclass.accounts.models import User
from openclass.assessments.models import Assignment, Submission
from openclass.assessments.services import todo
from openclass.courses import access


def main_links(page: str) -> list[str]:
    main = page[page.index('<main id="main"') : page.index("</main>")]
    return [href.replace("&amp;", "&") for href in re.findall(r'<a href="([^"]+)"', main)]


def test_every_role_opens_the_page_and_every_link_on_it(client, demo_city) -> None:
    sections = {}
    for role, username in DEMO_LOGINS:
        user = User.objects.get(username=username)
        client.force_login(user)
        response = client.get(reverse("web:todo"))
        assert response.status_code == 200, role
        sections[username] = [item.name for item in response.context["sections"]]
        for href in main_links(response.content.decode()):
            assert client.get(href, follow=True).status_code == 200, (role, href)
    assert "assessments.todo_due" in sections["hanbit-0175"]
    assert "assessments.todo_grading" in sections["hanbit-t01"]
    # Nothing of a teacher's on a student's or a parent's page, nothing of a student's on a
    # teacher's.
    for username in ("hanbit-0175", "hanbit-0001", "hanbit-p0001"):
        assert not {"assessments.todo_grading", "operations.todo_confirm"} & set(sections[username])
    for username in ("hanbit-t01", "hanbit-t14", "instructor01", "office-admin"):
        assert not {"assessments.todo_due", "assessments.todo_missed"} & set(sections[username])


def test_a_student_sees_only_work_of_their_own_courses(client, demo_city) -> None:
    for username in ("hanbit-0175", "hanbit-0001"):
        student = User.objects.get(username=username)
        mine = set(access.enrolled(student).values_list("pk", flat=True))
        for item in todo.student_todo(student, limit=None) + todo.missed_work(student):
            assert item.course.pk in mine, (username, item.title)


def test_work_closed_without_a_hand_in_is_missed_for_its_students_only(client, demo_city) -> None:
    student = User.objects.get(username="hanbit-0175")
    assignment = Assignment.objects.filter(
        lesson__section__course__enrolments__student=student
    ).first()
    assert assignment is not None, "the demo gives the student an assignment"
    Submission.objects.filter(assignment=assignment, student=student).delete()  # not handed in
    assignment.due_at = timezone.now() - datetime.timedelta(days=2)
    assignment.late_policy = Assignment.LatePolicy.REFUSE
    assignment.save()
    missed = [item.lesson_id for item in todo.missed_work(student)]
    assert assignment.lesson_id in missed
    assert assignment.lesson_id not in [i.lesson_id for i in todo.student_todo(student, None)]
    client.force_login(student)
    assert assignment.lesson.title in client.get(reverse("web:todo")).content.decode()

    # Late work still accepted: due, marked late, not missed.
    assignment.late_policy = Assignment.LatePolicy.ACCEPT
    assignment.accept_until = None
    assignment.save()
    assert assignment.lesson_id not in [i.lesson_id for i in todo.missed_work(student)]
    assert assignment.lesson_id in [i.lesson_id for i in todo.student_todo(student, None)]

    # A student of another class, not enrolled, never sees it.
    other = User.objects.get(username="hanbit-0001")
    assert not access.is_enrolled(other, assignment.lesson.section.course)
    assert assignment.lesson_id not in [i.lesson_id for i in todo.missed_work(other)]


def test_a_parent_sees_what_their_child_missed_by_the_childs_own_rule(client, demo_city) -> None:
    from openclass.accounts.models import ParentLink
    from openclass.assessments.panels import CHILD_LIMIT, build_child_work

    student = User.objects.get(username="hanbit-0175")
    link = ParentLink.objects.filter(student=student).first()
    assert link is not None, "the demo gives the student a parent"
    assignment = Assignment.objects.filter(
        lesson__section__course__enrolments__student=student
    ).first()
    assert assignment is not None
    Submission.objects.filter(assignment=assignment, student=student).delete()
    now = timezone.now()
    # Late work refused: closed at its due date, whatever its last day for late work says.
    assignment.due_at = now - datetime.timedelta(days=2)
    assignment.late_policy = Assignment.LatePolicy.REFUSE
    assignment.accept_until = now + datetime.timedelta(days=5)
    assignment.save()
    missed = build_child_work(student)["missed"]
    assert [item.lesson_id for item in missed] == [
        item.lesson_id for item in todo.missed_work(student, limit=CHILD_LIMIT)
    ]
    [item] = [item for item in missed if item.lesson_id == assignment.lesson_id]
    assert item.deadline == assignment.due_at
    client.force_login(link.parent)
    home = client.get(reverse("web:home")).content.decode()
    assert assignment.lesson.title in home
    # Late work still accepted: not missed on the parent's page either.
    assignment.late_policy = Assignment.LatePolicy.ACCEPT
    assignment.save()
    assert assignment.lesson_id not in [i.lesson_id for i in build_child_work(student)["missed"]]
