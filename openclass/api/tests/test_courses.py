"""The courses resources (``api.resources.courses``) as every role, about the courses of the
actor's own class, another class, another school and the office: each answer is the one the
course pages give (``courses.access``), and no answer names a student the caller may not
see."""

from __future__ import annotations

import datetime
from urllib.parse import quote

import pytest
from django.utils import timezone

from openclass.accounts.capabilities import has_capability
from openclass.courses import access, selectors
from openclass.courses.models import Lesson
from openclass.privacy.models import AccessRecord
from openclass.web.tests.fixtures import World

from .as_roles import actors, get, ids, items, scoped
from .helpers import personal_token

V1 = "/api/v1"


@pytest.mark.django_db
def test_courses_lessons_and_enrolments_as_every_role(world: World) -> None:
    for role, user, token in actors(world):
        listed = get(token, f"{V1}/courses")
        if user is None:
            assert listed.status_code == 401
            continue
        assert listed.status_code == 200, role
        assert ids(listed) == set(selectors.catalog_courses(user).values_list("pk", flat=True))
        for name, scope in scoped(world):
            course = scope.course
            where = f"{role} × {name}"
            detail = get(token, f"{V1}/courses/{course.pk}")
            lessons = get(token, f"{V1}/courses/{course.pk}/lessons")
            enrolments = get(token, f"{V1}/courses/{course.pk}/enrolments")
            if not access.can_view_course(user, course):
                assert (detail.status_code, lessons.status_code) == (404, 404), where
                assert enrolments.status_code == 404, where
                assert course.pk not in ids(listed), where
                continue
            assert detail.status_code == 200 and detail.json()["id"] == course.pk, where
            assert ids(lessons) == set(
                Lesson.objects.filter(section__course=course).values_list("pk", flat=True)
            ), where
            rows = items(enrolments)
            students = {row["student_id"] for row in rows}
            assert students == set(
                access.enrolments_visible_to(user, course).values_list("student", flat=True)
            ), where
            assert all(row["course_id"] == course.pk for row in rows), where
    # The rule means something: the student sees their class's course and the office course,
    # not another class's nor another school's.
    student = world.scopes["own"].student
    listed = ids(get(personal_token(student), f"{V1}/courses"))
    assert {world.scopes["own"].course.pk, world.scopes["city"].course.pk} <= listed
    assert not {world.scopes["class"].course.pk, world.scopes["school"].course.pk} & listed


@pytest.mark.django_db
def test_own_enrolments_are_a_students(world: World) -> None:
    for role, user, token in actors(world):
        answer = get(token, f"{V1}/enrolments")
        if user is None:
            assert answer.status_code == 401
        elif has_capability(user, "course.learn"):
            assert answer.status_code == 200
            assert {row["student_id"] for row in items(answer)} == {user.pk}
            assert {row["course_id"] for row in items(answer)} == set(
                user.enrolments.values_list("course", flat=True)
            )
        else:
            assert answer.status_code == 403, role


@pytest.mark.django_db
def test_progress_and_attendance_as_every_role(world: World) -> None:
    for role, user, token in actors(world):
        for name, scope in scoped(world):
            course = scope.course
            where = f"{role} × {name}"
            progress = get(token, f"{V1}/courses/{course.pk}/progress")
            grid = get(token, f"{V1}/courses/{course.pk}/attendance")
            record = get(token, f"{V1}/students/{scope.student.pk}/attendance")
            if user is None:
                assert {progress.status_code, grid.status_code, record.status_code} == {401}
                continue
            readable = set(
                access.enrolments_visible_to(user, course).values_list("student", flat=True)
            )
            if not access.can_view_course(user, course):
                assert (progress.status_code, grid.status_code) == (404, 404), where
            else:
                assert progress.status_code == 200, where
                assert {row["student_id"] for row in items(progress)} <= readable, where
                if has_capability(user, "course.read_records", course):
                    assert grid.status_code == 200, where
                    assert {row["student_id"] for row in items(grid)} == readable, where
                else:
                    assert grid.status_code == 403, where
            if access.attendance_record_students(user).filter(pk=scope.student.pk).exists():
                assert record.status_code == 200, where
                assert {row["student_id"] for row in items(record)} == {scope.student.pk}
            else:
                assert record.status_code == 404, where
    # Concretely: the student reads their own progress only, their homeroom teacher the class's.
    own = world.scopes["own"]
    mine = get(personal_token(own.student), f"{V1}/courses/{own.course.pk}/progress")
    assert {row["student_id"] for row in items(mine)} == {own.student.pk}
    assert (
        get(personal_token(own.student), f"{V1}/courses/{own.course.pk}/attendance").status_code
        == 403
    )


@pytest.mark.django_db
def test_reads_of_records_are_logged_as_the_pages_log_them(world: World) -> None:
    own = world.scopes["own"]
    teacher = own.teacher
    token = personal_token(teacher)
    before = AccessRecord.objects.count()
    assert get(token, f"{V1}/courses/{own.course.pk}/attendance").status_code == 200
    record = AccessRecord.objects.order_by("-seq").first()
    assert AccessRecord.objects.count() == before + 1
    assert record is not None and record.actor_id == teacher.pk
    assert record.what == AccessRecord.What.ATTENDANCE and record.course_id == own.course.pk
    enrolled = set(own.course.enrolments.values_list("student", flat=True))
    assert {int(pk) for pk in record.students.split(",")} == enrolled
    # A student reading their own record is not logged (as on the page).
    before = AccessRecord.objects.count()
    answer = get(personal_token(own.student), f"{V1}/students/{own.student.pk}/attendance")
    assert answer.status_code == 200
    assert AccessRecord.objects.count() == before


@pytest.mark.django_db
def test_records_need_the_records_scope_and_sync_by_updated_since(world: World) -> None:
    own = world.scopes["own"]
    narrow = personal_token(own.teacher, ["courses"])
    refused = get(narrow, f"{V1}/courses/{own.course.pk}/attendance")
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")
    assert get(narrow, f"{V1}/courses/{own.course.pk}/lessons").status_code == 200

    long_ago = timezone.now() - datetime.timedelta(days=10)
    Lesson.objects.filter(section__course=own.course).update(updated_at=long_ago)
    own.document.title = "자료 (고침)"
    own.document.save(update_fields=["title"])
    since = quote((long_ago + datetime.timedelta(days=1)).isoformat())
    changed = get(narrow, f"{V1}/courses/{own.course.pk}/lessons?updated_since={since}")
    assert changed.status_code == 200
    assert ids(changed) == {own.document.pk}
