"""The home-page panels of assessments: a student's quizzes and assignments still to do; the
essays and submissions waiting for a teacher's grade; for a parent, each child's work due, work
missed and recent grades (linked to the grades page, which keeps the quizzes' reveal rules).

Registered with ``core.registry`` when this module is imported (``AssessmentsConfig.ready``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from openclass.accounts.models import User
from openclass.core.registry import CHILD, panel
from openclass.courses import selectors as courses
from openclass.courses.models import Lesson

from . import selectors
from .models import Attempt, Submission

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
        # What the child's own to-do page lists as missed: one rule for both.
        "missed": selectors.missed_work(child, now, CHILD_LIMIT),
        "graded": _recent_grades(child),
    }
