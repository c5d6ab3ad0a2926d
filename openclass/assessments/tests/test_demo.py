"""The demo quizzes and assignments built by `manage.py demo_data` (the small city)."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from openclass.accounts.models import User
from openclass.assessments.demo import DEMO_STUDENT, DOKDO_ESSAY, DOKDO_QUIZ
from openclass.assessments.models import Attempt, Quiz, Submission
from openclass.assessments.services import gradebook, grading
from openclass.courses.models import Course


def test_demo_work_is_graded_by_the_real_rules(demo_city) -> None:
    quiz = Quiz.objects.get(lesson__title=DOKDO_QUIZ)
    attempts = Attempt.objects.filter(quiz=quiz).prefetch_related("answers__question")
    assert attempts.filter(state=Attempt.State.GRADED).exists()
    assert attempts.filter(state=Attempt.State.SUBMITTED).exists()  # essays still to grade
    for attempt in attempts.filter(state=Attempt.State.GRADED):
        points = {item["question"]: item["points"] for item in attempt.layout}
        objective = sum(
            grading.grade(answer.question, answer.response, points[answer.question_id])
            for answer in attempt.answers.all()
            if answer.question.is_auto_graded
        )
        essays = sum(a.score for a in attempt.answers.all() if not a.question.is_auto_graded)
        assert attempt.score == objective + essays
    student = User.objects.get(username=DEMO_STUDENT)
    assert not Attempt.objects.filter(student=student).exists()  # the quiz is theirs to take
    essay = Submission.objects.get(assignment__lesson__title=DOKDO_ESSAY, student=student)
    assert essay.score is not None and essay.rubric_scores.exists()
    assert Submission.objects.filter(assignment__lesson__title=DOKDO_ESSAY, is_published=True)


def test_the_gradebook_shows_the_demo_work(demo_city) -> None:
    course = Course.objects.get(sections__lessons__title=DOKDO_QUIZ)
    teacher = User.objects.get(username="office-admin")
    table = gradebook.table(course, teacher)
    assert [c.lesson.title for c in table.columns][-2:] == [DOKDO_QUIZ, DOKDO_ESSAY]
    assert len(table.rows) == course.enrolments.count()
    assert any(row.computed_total is not None for row in table.rows)
    student = User.objects.get(username=DEMO_STUDENT)
    [own] = gradebook.table(course, student).rows
    assert own.enrolment.student == student


def test_demo_assessments_are_built_once(demo_city) -> None:
    before = (Attempt.objects.count(), Submission.objects.count())
    call_command("demo_data", "--size", "small", stdout=StringIO())
    assert (Attempt.objects.count(), Submission.objects.count()) == before
