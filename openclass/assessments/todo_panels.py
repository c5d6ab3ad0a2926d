"""The sections assessments adds to the to-do page (``web:todo``, ``core.registry.TO_DO_PAGE``): a
student's work due and work missed, and the essays and submissions waiting for a teacher's grade,
in full (the home page's panels show the first few). Built with ``services.todo``, on the rules of
the quiz and assignment pages.

Registered with ``core.registry`` when this module is imported (``AssessmentsConfig.ready``).
"""

from __future__ import annotations

from typing import Any

from openclass.accounts.models import User
from openclass.core.registry import TO_DO_PAGE, panel
from openclass.courses import selectors as course_selectors

from .services import todo


@panel(
    "assessments.todo_due",
    template="assessments/todo/due.html",
    capability="course.learn",
    place=TO_DO_PAGE,
    order=10,
)
def build_due(student: User) -> dict[str, Any] | None:
    items = todo.student_todo(student, limit=None)
    return {"items": items} if items else None


@panel(
    "assessments.todo_missed",
    template="assessments/todo/missed.html",
    capability="course.learn",
    place=TO_DO_PAGE,
    order=20,
)
def build_missed(student: User) -> dict[str, Any] | None:
    items = todo.missed_work(student)
    if not items:
        return None
    # A lesson's page opens for its student while the course is open (``courses.views``).
    courses = {item.course for item in items}
    return {"items": items, "open_courses": {c.pk for c in courses if course_selectors.is_open(c)}}


@panel(
    "assessments.todo_grading",
    template="assessments/todo/grading.html",
    capability="course.teach",
    unless="city.overview",  # as on the home page: the office oversees, it does not grade
    place=TO_DO_PAGE,
    order=30,
)
def build_grading(teacher: User) -> dict[str, Any] | None:
    rows = todo.to_grade(teacher, limit=None)
    return {"rows": rows} if rows else None
