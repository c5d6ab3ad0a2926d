""" "이어서 학습하기" passes over the quizzes and assignments a student handed in (registered by
``assessments.panels`` with ``courses.selectors.register_handed_in``): a quiz attempt submitted or
graded, an assignment submitted; not a quiz only started, not another student's work."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from openclass.assessments.models import Attempt, Submission
from openclass.assessments.selectors import handed_in_lessons
from openclass.assessments.services.quizzes import quiz_for
from openclass.courses import selectors
from openclass.courses.models import Lesson
from openclass.courses.services import courses as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def course_with_work(homework):
    """The class course: video (required), document (required), link (optional), then a quiz
    (5) and the homework assignment (4, from ``homework``), all required."""
    section = homework.lesson.section
    quiz_lesson = Lesson.objects.create(
        section=section, title="5차시 퀴즈", kind=Lesson.Kind.QUIZ, position=5
    )
    quiz = quiz_for(quiz_lesson)
    courses = homework.courses
    student = homework.north.student_a1
    services.open_lesson(student, courses.video)
    services.complete_lesson(student, courses.video)
    services.open_lesson(student, courses.document)
    return homework, quiz, student


def attempt(quiz, student, state) -> Attempt:
    return Attempt.objects.create(
        quiz=quiz, student=student, number=1, state=state, started_at=timezone.now()
    )


def test_an_assignment_submitted_is_passed_over(course_with_work) -> None:
    homework, quiz, student = course_with_work
    assert selectors.resume_target(student).lesson == homework.lesson
    Submission.objects.create(
        assignment=homework.assignment, student=student, submitted_at=timezone.now()
    )
    assert selectors.resume_target(student).lesson == quiz.lesson
    # Another student's submission does not count for them.
    other = homework.north.student_a2
    services.open_lesson(other, homework.courses.video)
    assert handed_in_lessons(other, [homework.lesson.pk]) == set()


def test_a_quiz_handed_in_is_passed_over_but_not_one_only_started(course_with_work) -> None:
    homework, quiz, student = course_with_work
    Submission.objects.create(
        assignment=homework.assignment, student=student, submitted_at=timezone.now()
    )
    started = attempt(quiz, student, Attempt.State.IN_PROGRESS)
    point = selectors.resume_target(student)
    assert point.lesson == quiz.lesson
    started.state = Attempt.State.SUBMITTED  # waiting for the teacher's grade
    started.save()
    point = selectors.resume_target(student)
    assert point is not None and point.all_done


def test_a_graded_quiz_below_the_pass_mark_is_not_the_next_step(course_with_work) -> None:
    homework, quiz, student = course_with_work
    attempt(quiz, student, Attempt.State.GRADED)
    assert handed_in_lessons(student, [quiz.lesson_id]) == {quiz.lesson_id}
    assert selectors.resume_target(student).lesson == homework.lesson


def test_the_course_page_tags_a_quiz_by_its_attempt_not_a_watch_percent(
    client, course_with_work
) -> None:
    homework, quiz, student = course_with_work
    services.open_lesson(student, quiz.lesson)  # opened: a progress row without a percent
    client.force_login(student)
    url = reverse("courses:detail", args=[homework.courses.class_course.pk])
    page = client.get(url).content.decode()
    assert "% 시청" not in page and "% watched" not in page.replace("100 % watched", "")
    assert "미제출" in page or "Not submitted" in page
    attempt(quiz, student, Attempt.State.SUBMITTED)
    page = client.get(url).content.decode()
    assert page.count("미제출") + page.count("Not submitted") == 1  # the assignment only
