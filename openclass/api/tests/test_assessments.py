"""Quiz and assignment results and the gradebook (``api.resources.assessments``) as every role,
about the courses of the actor's own class, another class, another school and the office: on
the gradebook's rules, with the scores a quiz does not reveal yet hidden from students and
parents."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from openclass.accounts.capabilities import has_capability
from openclass.assessments.models import Quiz
from openclass.assessments.services import outside, quizzes
from openclass.courses import access
from openclass.privacy.models import AccessRecord
from openclass.web.tests.fixtures import World

from .as_roles import actors, get, items, scoped
from .helpers import personal_token

V1 = "/api/v1"
PATHS = ("quiz-results", "assignment-results", "gradebook")


def _reads_grades(user, course) -> bool:
    return (
        has_capability(user, "gradebook.view", course)
        or has_capability(user, "grades.view_own")
        or has_capability(user, "grades.view_children")
    )


@pytest.mark.django_db
def test_results_and_gradebook_as_every_role(world: World) -> None:
    for role, user, token in actors(world):
        for name, scope in scoped(world):
            course = scope.course
            where = f"{role} × {name}"
            answers = {path: get(token, f"{V1}/courses/{course.pk}/{path}") for path in PATHS}
            statuses = {answer.status_code for answer in answers.values()}
            if user is None:
                assert statuses == {401}, where
                continue
            if not access.can_view_course(user, course):
                assert statuses == {404}, where
                continue
            if not _reads_grades(user, course):
                assert statuses == {403}, where
                continue
            readable = set(
                access.enrolments_visible_to(user, course).values_list("student", flat=True)
            )
            for path in ("quiz-results", "assignment-results"):
                assert answers[path].status_code == 200, f"{where} {path}"
                students = {row["student_id"] for row in items(answers[path])}
                assert students <= readable, f"{where} {path}"
            book = answers["gradebook"]
            if not readable and has_capability(user, "grades.view_own"):
                assert book.status_code == 404, where  # a student not enrolled: no grades
                continue
            assert book.status_code == 200, where
            assert {row["student_id"] for row in book.json()["rows"]} == readable, where
    # Concretely: the own class's student and parent read the student's row only; the
    # teacher of another class in the same school is refused it.
    own = world.scopes["own"]
    for person in (own.student, world.city.north.parent_a1):
        book = get(personal_token(person), f"{V1}/courses/{own.course.pk}/gradebook").json()
        assert [row["student_id"] for row in book["rows"]] == [own.student.pk]
    other = world.scopes["class"].teacher
    assert get(personal_token(other), f"{V1}/courses/{own.course.pk}/gradebook").status_code in (
        403,
        404,
    )


@pytest.mark.django_db
def test_a_score_not_revealed_is_hidden_from_the_student_not_the_teacher(world: World) -> None:
    own = world.scopes["own"]
    quiz = own.attempt.quiz
    quiz.show_results = Quiz.Reveal.AFTER_CLOSE
    quiz.closes_at = None
    quiz.save()
    quizzes.grade_answer(own.answer, own.teacher, score=Decimal(1), feedback="")
    path = f"{V1}/courses/{own.course.pk}/quiz-results"
    (mine,) = items(get(personal_token(own.student), path))
    assert (mine["score"], mine["score_hidden"]) == (None, True)
    (theirs,) = [
        row
        for row in items(get(personal_token(own.teacher), path))
        if row["student_id"] == own.student.pk
    ]
    assert (theirs["score"], theirs["score_hidden"]) == (1.0, False)
    book = get(personal_token(own.student), f"{V1}/courses/{own.course.pk}/gradebook").json()
    (cell,) = [c for c in book["rows"][0]["cells"] if c["lesson_id"] == own.quiz_lesson.pk]
    assert cell["hidden"] and cell["percent"] is None


@pytest.mark.django_db
def test_the_gradebook_lists_the_outside_tools_items_and_their_scores(world: World) -> None:
    own = world.scopes["own"]
    item = outside.create_item(
        own.course, title="시뮬레이션 실험", score_maximum=20, source="실험실 도구", source_key="t"
    )
    outside.record_score(
        item,
        own.student,
        timestamp=timezone.now(),
        activity_progress="Completed",
        grading_progress="FullyGraded",
        score_given=15,
        score_maximum=20,
    )
    for person in (own.teacher, own.student):
        book = get(personal_token(person), f"{V1}/courses/{own.course.pk}/gradebook").json()
        assert book["outside_columns"] == [
            {
                "item_id": item.pk,
                "title": "시뮬레이션 실험",
                "tool": "실험실 도구",
                "score_maximum": 20.0,
                "weight": 1.0,
                "due": None,
            }
        ]
        (row,) = [r for r in book["rows"] if r["student_id"] == own.student.pk]
        assert row["outside_cells"] == [
            {"item_id": item.pk, "state": "graded", "percent": 75.0, "counted": 75.0}
        ]


@pytest.mark.django_db
def test_gradebook_reads_are_logged(world: World) -> None:
    own = world.scopes["own"]
    before = AccessRecord.objects.count()
    assert (
        get(personal_token(own.teacher), f"{V1}/courses/{own.course.pk}/gradebook").status_code
        == 200
    )
    record = AccessRecord.objects.order_by("-seq").first()
    assert AccessRecord.objects.count() == before + 1
    assert record is not None and record.what == AccessRecord.What.GRADEBOOK
    assert record.actor_id == own.teacher.pk and record.course_id == own.course.pk
    parent = world.city.north.parent_a1
    assert get(personal_token(parent), f"{V1}/courses/{own.course.pk}/gradebook").status_code == 200
    record = AccessRecord.objects.order_by("-seq").first()
    assert record is not None and record.what == AccessRecord.What.GRADES
    assert (record.actor_id, record.students) == (parent.pk, str(own.student.pk))
