"""What other areas read of assessments: a student's work still to do and a teacher's work still
to grade (the home page's panels), and the quiz attempts and assignment submissions of a course
(the Open API's results). The public read API of ``assessments``; the lists themselves are built
in ``services.todo``, on the same rules as the quiz and assignment pages."""

from __future__ import annotations

from django.db.models import QuerySet

from openclass.accounts.models import User
from openclass.courses.models import Course, Enrolment

from .models import Attempt, Submission
from .services.todo import Todo, ToGrade, missed_work, student_todo, to_grade

__all__ = [
    "ToGrade",
    "Todo",
    "attempts_in",
    "handed_in_lessons",
    "missed_work",
    "student_todo",
    "submissions_in",
    "to_grade",
]


def attempts_in(course: Course, enrolments: QuerySet[Enrolment]) -> QuerySet[Attempt]:
    """The submitted and graded quiz attempts in ``course`` of the students of ``enrolments``
    (the caller narrows them first: ``courses.access.enrolments_visible_to``)."""
    return Attempt.objects.filter(
        quiz__lesson__section__course=course,
        student__in=enrolments.values("student"),
        state__in=[Attempt.State.SUBMITTED, Attempt.State.GRADED],
    ).select_related("quiz__lesson")


def submissions_in(course: Course, enrolments: QuerySet[Enrolment]) -> QuerySet[Submission]:
    """The assignment submissions in ``course`` of the students of ``enrolments`` (narrowed by
    the caller, as ``attempts_in``)."""
    return Submission.objects.filter(
        assignment__lesson__section__course=course, student__in=enrolments.values("student")
    ).select_related("assignment__lesson")


def handed_in_lessons(student: User, lesson_ids: list[int]) -> set[int]:
    """Which of ``lesson_ids`` (quiz and assignment lessons) ``student`` has handed in: a quiz
    attempt submitted or graded, an assignment submitted. What "이어서 학습" passes over
    (``courses.selectors.register_handed_in``): the next step is the teacher's."""
    quizzes = Attempt.objects.filter(
        student=student,
        quiz__lesson_id__in=lesson_ids,
        state__in=[Attempt.State.SUBMITTED, Attempt.State.GRADED],
    ).values_list("quiz__lesson_id", flat=True)
    assignments = Submission.objects.filter(
        student=student, assignment__lesson_id__in=lesson_ids
    ).values_list("assignment__lesson_id", flat=True)
    return set(quizzes) | set(assignments)
