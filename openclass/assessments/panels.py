"""The home-page panels of assessments: a student's quizzes and assignments still to do; the
essays and submissions waiting for a teacher's grade; for a parent, each child's work due, work
missed and recent grades (linked to the grades page, which keeps the quizzes' reveal rules).

Registered with ``core.registry`` when this module is imported (``AssessmentsConfig.ready``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from openclass.accounts.models import User
from openclass.core.registry import CHILD, panel
from openclass.courses import selectors as courses
from openclass.courses.models import Lesson

from . import selectors
from .models import Assignment, Attempt, Quiz, Submission

# "이어서 학습" (courses) passes over the quizzes and assignments a student has handed in.
courses.register_handed_in("assessments", selectors.handed_in_lessons)


@panel(
    "assessments.todo",
    template="assessments/panels/todo.html",
    capability="course.learn",
    order=60,
)
def build_todo(student: User) -> dict[str, Any] | None:
    items = selectors.student_todo(student)
    return {"items": items} if items else None


@panel(
    "assessments.to_grade",
    template="assessments/panels/to_grade.html",
    capability="course.teach",
    unless="city.overview",
    order=130,
)
def build_to_grade(teacher: User) -> dict[str, Any] | None:
    rows = selectors.to_grade(teacher)
    return {"rows": rows} if rows else None


# --- A parent's view of each child ------------------------------------------------------------

CHILD_LIMIT = 5


@dataclass(frozen=True)
class ChildItem:
    """A piece of a child's work: its lesson, "quiz" or "assignment", and when it closed or was
    graded."""

    lesson: Lesson
    kind: str
    when: datetime.datetime


def _missed(child: User, now: datetime.datetime) -> list[ChildItem]:
    """Work the child can no longer hand in and did not: assignments past their last day for
    late work (or due, when late work is refused) without a submission, quizzes closed without a
    handed-in attempt, in the courses the child is enrolled in; the latest first."""
    enrolled = Q(lesson__section__course__enrolments__student=child)
    closed = Q(late_policy=Assignment.LatePolicy.REFUSE, due_at__lt=now) | Q(accept_until__lt=now)
    assignments = (
        Assignment.objects.filter(enrolled, closed, lesson__section__course__is_published=True)
        .exclude(submissions__student=child)
        .select_related("lesson__section__course")
    )
    handed_in = Attempt.objects.filter(
        student=child, state__in=[Attempt.State.SUBMITTED, Attempt.State.GRADED]
    ).values("quiz")
    quizzes = (
        Quiz.objects.filter(enrolled, closes_at__lt=now, lesson__section__course__is_published=True)
        .exclude(pk__in=handed_in)
        .select_related("lesson__section__course")
    )
    rows = [
        ChildItem(assignment.lesson, "assignment", when)
        for assignment in assignments
        if (when := assignment.accept_until or assignment.due_at) is not None
    ]
    rows += [ChildItem(q.lesson, "quiz", q.closes_at) for q in quizzes if q.closes_at is not None]
    rows.sort(key=lambda row: row.when, reverse=True)
    return rows[:CHILD_LIMIT]


def _recent_grades(child: User) -> list[ChildItem]:
    """The child's latest graded work (when, not the score: the grades page shows the score as
    the quiz's reveal rules allow)."""
    attempts = (
        Attempt.objects.filter(student=child, state=Attempt.State.GRADED, graded_at__isnull=False)
        .select_related("quiz__lesson__section__course")
        .order_by("-graded_at")[:CHILD_LIMIT]
    )
    submissions = (
        Submission.objects.filter(student=child, graded_at__isnull=False)
        .select_related("assignment__lesson__section__course")
        .order_by("-graded_at")[:CHILD_LIMIT]
    )
    rows = [
        ChildItem(a.quiz.lesson, "quiz", a.graded_at) for a in attempts if a.graded_at is not None
    ]
    rows += [
        ChildItem(sub.assignment.lesson, "assignment", sub.graded_at)
        for sub in submissions
        if sub.graded_at is not None
    ]
    rows.sort(key=lambda row: row.when, reverse=True)
    return rows[:CHILD_LIMIT]


@panel(
    "assessments.child_work",
    template="assessments/panels/child_work.html",
    capability="people.view_children",
    place=CHILD,
    order=20,
)
def build_child_work(child: User) -> dict[str, Any]:
    """A child's work due, work missed and latest grades, for their parent."""
    now = timezone.now()
    return {
        "child": child,
        "due": selectors.student_todo(child, now)[:CHILD_LIMIT],
        "missed": _missed(child, now),
        "graded": _recent_grades(child),
    }
