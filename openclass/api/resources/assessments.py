"""Quiz and assignment results and the gradebook of a course, read only, on the gradebook's
rules (``assessments.access``, ``services.gradebook``):

- staff who open the course's gradebook ("gradebook.view" for the course: its managers, a
  teacher whose students are enrolled) read the rows of the students whose records they read;
- a student reads their own row ("grades.view_own"), a parent their children's
  ("grades.view_children"), with the quiz scores the quiz does not reveal yet hidden, as "My
  grades" hides them;
- anyone else who may see the course is refused (403), and a course they may not see is a 404.

Every read is logged as the pages log it (gradebook, grades, quiz attempts, submissions).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from ninja import Router, Schema

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User
from openclass.assessments import selectors
from openclass.assessments.services import gradebook, quizzes
from openclass.courses import access
from openclass.courses.models import Course, Enrolment
from openclass.privacy.models import AccessRecord

from ..framework import ApiRequest, Page, audit_read, paginate, require_scope, since
from .courses import visible_course

router = Router(tags=["results"])


def readable_enrolments(user: User, course: Course) -> tuple[QuerySet[Enrolment], bool]:
    """The enrolments of ``course`` whose grades ``user`` reads, and whether as its teacher
    (scores shown as they are) rather than as a student or parent (scores not yet revealed
    hidden). PermissionDenied for anyone else, as the gradebook and "My grades" pages."""
    if has_capability(user, "gradebook.view", course):
        return access.enrolments_visible_to(user, course), True
    if has_capability(user, "grades.view_own") or has_capability(user, "grades.view_children"):
        return access.enrolments_visible_to(user, course), False
    raise PermissionDenied


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _order(updated_since: datetime.datetime | None) -> tuple[str, ...]:
    return ("updated_at", "pk") if updated_since else ("pk",)


# --- Quiz results ----------------------------------------------------------------------------


class AttemptOut(Schema):
    id: int
    lesson_id: int
    student_id: int
    number: int
    state: str
    submitted_at: datetime.datetime | None
    graded_at: datetime.datetime | None
    score: float | None
    max_score: float
    percent: float | None
    score_hidden: bool
    updated_at: datetime.datetime


def _attempt(attempt: Any, as_teacher: bool, now: datetime.datetime) -> dict[str, Any]:
    quiz = attempt.quiz
    hidden = not as_teacher and not quizzes.revealed(quiz, quiz.show_results, now)
    return {
        "id": attempt.pk,
        "lesson_id": quiz.lesson_id,
        "student_id": attempt.student_id,
        "number": attempt.number,
        "state": attempt.state,
        "submitted_at": attempt.submitted_at,
        "graded_at": attempt.graded_at,
        "score": None if hidden else _number(attempt.score),
        "max_score": float(attempt.max_score),
        "percent": None if hidden else _number(attempt.percent),
        "score_hidden": hidden,
        "updated_at": attempt.updated_at,
    }


@router.get(
    "/courses/{id:pk}/quiz-results",
    response=Page[AttemptOut],
    summary="Submitted quiz attempts of the students whose grades the caller reads",
)
def course_quiz_results(
    request: ApiRequest,
    pk: int,
    cursor: str | None = None,
    limit: int = 50,
    updated_since: datetime.datetime | None = None,
) -> dict[str, Any]:
    require_scope(request, "records")
    user = request.user
    course = visible_course(request, pk)
    enrolments, as_teacher = readable_enrolments(user, course)
    rows = since(selectors.attempts_in(course, enrolments), updated_since)
    page = paginate(request, rows, cursor=cursor, limit=limit, order=_order(updated_since))
    now = timezone.now()
    items = page["items"]
    page["items"] = [_attempt(attempt, as_teacher, now) for attempt in items]
    students = {attempt.student_id for attempt in items}
    audit_read(request, AccessRecord.What.QUIZ_ATTEMPTS, students, course, course=course)
    return page


# --- Assignment results ----------------------------------------------------------------------


class SubmissionOut(Schema):
    id: int
    lesson_id: int
    student_id: int
    submitted_at: datetime.datetime
    is_late: bool
    versions: int
    score: float | None
    max_score: float | None
    feedback: str
    graded_at: datetime.datetime | None
    updated_at: datetime.datetime

    @staticmethod
    def resolve_lesson_id(submission: Any) -> int:
        return int(submission.assignment.lesson_id)

    @staticmethod
    def resolve_versions(submission: Any) -> int:
        return int(submission.version_count)

    @staticmethod
    def resolve_max_score(submission: Any) -> float | None:
        return _number(submission.assignment.max_score)


@router.get(
    "/courses/{id:pk}/assignment-results",
    response=Page[SubmissionOut],
    summary="Assignment submissions of the students whose grades the caller reads",
)
def course_assignment_results(
    request: ApiRequest,
    pk: int,
    cursor: str | None = None,
    limit: int = 50,
    updated_since: datetime.datetime | None = None,
) -> dict[str, Any]:
    require_scope(request, "records")
    user = request.user
    course = visible_course(request, pk)
    enrolments, _as_teacher = readable_enrolments(user, course)
    rows = since(selectors.submissions_in(course, enrolments), updated_since)
    page = paginate(request, rows, cursor=cursor, limit=limit, order=_order(updated_since))
    students = {submission.student_id for submission in page["items"]}
    audit_read(request, AccessRecord.What.SUBMISSION, students, course, course=course)
    return page


# --- The gradebook ---------------------------------------------------------------------------


class ColumnOut(Schema):
    lesson_id: int
    kind: str
    title: str
    weight: float
    due: datetime.datetime | None


class CellOut(Schema):
    lesson_id: int
    state: str
    percent: float | None
    counted: float | None
    late: bool
    overridden: bool
    hidden: bool


class OutsideColumnOut(Schema):
    """An item an outside tool grades (an LTI line item): a column after the lessons'."""

    item_id: int
    title: str
    tool: str
    score_maximum: float
    weight: float
    due: datetime.datetime | None


class OutsideCellOut(Schema):
    item_id: int
    state: str
    percent: float | None
    counted: float | None


class CompletionOut(Schema):
    percent: float | None
    done: int
    required: int


class GradeRowOut(Schema):
    student_id: int
    student_name: str
    cells: list[CellOut]
    outside_cells: list[OutsideCellOut]
    completion: CompletionOut
    total: float | None
    total_overridden: bool
    partial_total: bool


class GradebookOut(Schema):
    course_id: int
    completion_weight: float
    columns: list[ColumnOut]
    outside_columns: list[OutsideColumnOut]
    rows: list[GradeRowOut]


def _grade_row(row: gradebook.Row) -> dict[str, Any]:
    return {
        "student_id": row.student.pk,
        "student_name": row.student.name,
        "cells": [
            {
                "lesson_id": cell.item_column.lesson.pk,
                "state": cell.state,
                "percent": _number(cell.percent),
                "counted": _number(cell.counted),
                "late": cell.late,
                "overridden": cell.is_overridden and not cell.hidden,
                "hidden": cell.hidden,
            }
            for cell in row.cells
        ],
        "outside_cells": [
            {
                "item_id": cell.outside_column.item.pk,
                "state": cell.state,
                "percent": _number(cell.percent),
                "counted": _number(cell.counted),
            }
            for cell in row.outside_cells
        ],
        "completion": {
            "percent": _number(row.completion.percent),
            "done": row.completion.done,
            "required": row.completion.required,
        },
        "total": _number(row.total),
        "total_overridden": row.total_override is not None,
        "partial_total": row.partial_total,
    }


@router.get(
    "/courses/{id:pk}/gradebook",
    response=GradebookOut,
    summary="The gradebook of a course, the rows the caller reads",
)
def course_gradebook(request: ApiRequest, pk: int) -> dict[str, Any]:
    """Teachers: the gradebook page's table. A student: their own row; a parent: their
    children's rows ("My grades": scores not yet revealed are hidden); a student not enrolled in
    the course has none (404)."""
    require_scope(request, "records")
    user = request.user
    course = visible_course(request, pk)
    _enrolments, as_teacher = readable_enrolments(user, course)
    table = gradebook.table(course, user)
    if not as_teacher:
        if not table.rows and has_capability(user, "grades.view_own"):
            raise Http404  # not enrolled: no grades to show
        gradebook.hide_unrevealed(table)
    audit_read(
        request,
        AccessRecord.What.GRADEBOOK if as_teacher else AccessRecord.What.GRADES,
        [row.enrolment.student_id for row in table.rows],
        course,
        course=course,
    )
    return {
        "course_id": course.pk,
        "completion_weight": float(table.completion_weight),
        "columns": [
            {
                "lesson_id": column.lesson.pk,
                "kind": column.lesson.kind,
                "title": column.title,
                "weight": float(column.weight),
                "due": column.due,
            }
            for column in table.columns
        ],
        "outside_columns": [
            {
                "item_id": column.item.pk,
                "title": column.title,
                "tool": column.item.source,
                "score_maximum": float(column.item.score_maximum),
                "weight": float(column.weight),
                "due": column.due,
            }
            for column in table.outside
        ],
        "rows": [_grade_row(row) for row in table.rows],
    }
