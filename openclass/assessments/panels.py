"""The home-page panels of assessments: a student's quizzes and assignments still to do; the
essays and submissions waiting for a teacher's grade.

Registered with ``core.registry`` when this module is imported (``AssessmentsConfig.ready``).
"""

from __future__ import annotations

from typing import Any

from openclass.accounts.models import User
from openclass.core.registry import panel

from . import selectors


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
