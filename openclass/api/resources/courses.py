"""Courses, their lessons and enrolments, and the records kept in them (progress, attendance),
answered as the course pages answer the same person.

- ``GET /courses``: the catalog's courses (``courses.selectors.catalog_listing``: what the
  caller may open; a learner sees a course not yet published only when enrolled in it);
  ``GET /courses/{id}``: one of them, a 404 outside (``courses.access.visible_courses``).
- ``GET /courses/{id}/lessons``: the lessons the course page lists.
- ``GET /courses/{id}/enrolments``: the enrolments whose records the caller reads
  (``courses.access.enrolments_visible_to``: managers every one, a teacher their own
  students, a student their own, a parent their children's); ``GET /enrolments``: a student's
  own enrolments.
- ``GET /courses/{id}/progress``: the lesson progress of those same students.
- ``GET /courses/{id}/attendance``: the attendance grid of the course's records page (staff who
  read its records, "course.read_records"); ``GET /students/{id}/attendance``: one student's
  attendance in every course, for whom the student's record page opens.

Reads of students' records are logged as the pages log them (``audit_read``).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from ninja import Field, Router, Schema

from openclass.accounts.capabilities import require_capability
from openclass.core.params import MAX_ID
from openclass.courses import access, selectors
from openclass.courses.models import Course
from openclass.courses.services import reports
from openclass.privacy.models import AccessRecord

from ..framework import (
    ApiRequest,
    Page,
    audit_read,
    found_or_404,
    get_visible_or_404,
    paginate,
    require_scope,
    since,
)

router = Router(tags=["courses"])

#: A database id in a query or a body (paths use the ``id`` converter): 1 … 2⁶³ − 1.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


#: A time of day (a timetable's, in the site's zone), written ``HH:MM``: JSON Schema's ``time``
#: format wants an offset a timetable does not have.
Clock = Annotated[str, Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$", examples=["09:00"])]


def clock(value: datetime.time | None) -> str | None:
    return f"{value:%H:%M}" if value is not None else None


def visible_course(request: ApiRequest, pk: int) -> Course:
    """The course, when the caller may open it (a 404 problem otherwise, as the pages)."""
    return found_or_404(access.visible_course(request.user, pk))


def _order(updated_since: datetime.datetime | None, field: str = "updated_at") -> tuple[str, ...]:
    """Changed rows in the order they changed when syncing; otherwise by id."""
    return (field, "pk") if updated_since else ("pk",)


# --- Courses ---------------------------------------------------------------------------------


class CourseOut(Schema):
    id: int
    title: str
    summary: str
    topic: str
    scope: str
    organisation_id: int
    organisation: str
    arrangement: str
    delivery: str
    is_published: bool
    self_enrolment: bool
    opens_on: datetime.date | None
    closes_on: datetime.date | None
    completion_threshold: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_topic(course: Course) -> str:
        return course.topic.code

    @staticmethod
    def resolve_organisation(course: Course) -> str:
        return course.organisation.name


@router.get("/courses", response=Page[CourseOut], summary="Courses the caller may open")
def courses_list(
    request: ApiRequest,
    cursor: str | None = None,
    limit: int = 50,
    updated_since: datetime.datetime | None = None,
) -> dict[str, Any]:
    """The catalog's courses for the caller, as the catalog page lists them."""
    require_scope(request, "courses")
    rows = selectors.catalog_listing(request.user).select_related("topic", "organisation")
    rows = since(rows, updated_since)
    return paginate(request, rows, cursor=cursor, limit=limit, order=_order(updated_since))


@router.get("/courses/{id:pk}", response=CourseOut, summary="One course")
def course_detail(request: ApiRequest, pk: int) -> Course:
    require_scope(request, "courses")
    return visible_course(request, pk)


# --- Lessons ---------------------------------------------------------------------------------


class LessonOut(Schema):
    id: int
    section_id: int
    section: str
    section_position: int
    title: str
    kind: str
    position: int
    description: str
    is_required: bool
    duration: float | None
    updated_at: datetime.datetime

    @staticmethod
    def resolve_section(lesson: Any) -> str:
        return str(lesson.section.title)

    @staticmethod
    def resolve_section_position(lesson: Any) -> int:
        return int(lesson.section.position)


@router.get("/courses/{id:pk}/lessons", response=Page[LessonOut], summary="The lessons of a course")
def course_lessons(
    request: ApiRequest,
    pk: int,
    cursor: str | None = None,
    limit: int = 50,
    updated_since: datetime.datetime | None = None,
) -> dict[str, Any]:
    """The lessons the course's page lists (sections and positions give their order)."""
    require_scope(request, "courses")
    course = visible_course(request, pk)
    rows = since(selectors.lessons_of(course), updated_since)
    return paginate(request, rows, cursor=cursor, limit=limit, order=_order(updated_since))


# --- Enrolments ------------------------------------------------------------------------------


class EnrolmentOut(Schema):
    id: int
    course_id: int
    student_id: int
    student_name: str
    enrolled_at: datetime.datetime
    completed_at: datetime.datetime | None
    last_activity_at: datetime.datetime | None
    updated_at: datetime.datetime

    @staticmethod
    def resolve_student_name(enrolment: Any) -> str:
        return str(enrolment.student.name)


@router.get(
    "/courses/{id:pk}/enrolments",
    response=Page[EnrolmentOut],
    summary="The enrolments of a course whose records the caller reads",
)
def course_enrolments(
    request: ApiRequest,
    pk: int,
    cursor: str | None = None,
    limit: int = 50,
    updated_since: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Managers: every enrolment; a teacher: their own students'; a student: their own; a
    parent: their children's (``courses.access.enrolments_visible_to``)."""
    require_scope(request, "courses")
    course = visible_course(request, pk)
    rows = access.enrolments_visible_to(request.user, course).select_related("student")
    page = paginate(
        request, since(rows, updated_since), cursor=cursor, limit=limit, order=_order(updated_since)
    )
    audit_read(request)
    return page


@router.get("/enrolments", response=Page[EnrolmentOut], summary="The caller's own enrolments")
def my_enrolments(
    request: ApiRequest,
    cursor: str | None = None,
    limit: int = 50,
    updated_since: datetime.datetime | None = None,
) -> dict[str, Any]:
    """A student's courses ("course.learn"); others have none of their own."""
    require_scope(request, "courses")
    user = request.user
    require_capability(user, "course.learn")
    rows = since(selectors.enrolments_of_student(user).select_related("student"), updated_since)
    return paginate(request, rows, cursor=cursor, limit=limit, order=_order(updated_since))


# --- Progress --------------------------------------------------------------------------------


class ProgressOut(Schema):
    id: int
    student_id: int
    lesson_id: int
    percent: int
    watched: float
    duration: float | None
    position: float
    opened_at: datetime.datetime
    completed_at: datetime.datetime | None
    updated_at: datetime.datetime


@router.get(
    "/courses/{id:pk}/progress",
    response=Page[ProgressOut],
    summary="Lesson progress of the students whose records the caller reads",
)
def course_progress(
    request: ApiRequest,
    pk: int,
    cursor: str | None = None,
    limit: int = 50,
    updated_since: datetime.datetime | None = None,
) -> dict[str, Any]:
    """One row per student and lesson opened: a student's own, a parent's children's, a
    teacher's students' in the course (``enrolments_visible_to``). Scope ``courses``, as
    docs/api.md lists it (the student's own progress syncs with their courses)."""
    require_scope(request, "courses")
    user = request.user
    course = visible_course(request, pk)
    rows = selectors.progress_in(course, access.enrolments_visible_to(user, course))
    page = paginate(
        request, since(rows, updated_since), cursor=cursor, limit=limit, order=_order(updated_since)
    )
    # Completion is the gradebook's column: logged as a read of the course's grades.
    students = {row.student_id for row in page["items"]}
    audit_read(request, AccessRecord.What.GRADES, students, course, course=course)
    return page


# --- Attendance ------------------------------------------------------------------------------


class MarkOut(Schema):
    session_id: int
    day: datetime.date
    status: str | None
    corrected: bool


class AttendanceRowOut(Schema):
    student_id: int
    student_name: str
    course_id: int
    marks: list[MarkOut]
    totals: dict[str, int]


def _row(row: reports.Row, course: Course) -> dict[str, Any]:
    return {
        "student_id": row.student.pk,
        "student_name": row.student.name,
        "course_id": course.pk,
        "marks": [
            {
                "session_id": cell.session.pk,
                "day": cell.session.day,
                "status": cell.status,
                "corrected": cell.corrected,
            }
            for cell in row.cells
        ],
        "totals": row.totals,
    }


@router.get(
    "/courses/{id:pk}/attendance",
    response=list[AttendanceRowOut],
    summary="The attendance grid of a course",
)
def course_attendance(request: ApiRequest, pk: int) -> list[dict[str, Any]]:
    """The course's attendance page: its students the caller reads, every session up to today
    (a mark never written is derived: absent once its window has passed; null: not yet)."""
    require_scope(request, "records")
    user = request.user
    course = visible_course(request, pk)
    require_capability(user, "course.read_records", course)
    grid = reports.course_grid(user, course)
    students = [row.student for row in grid.rows]
    audit_read(request, AccessRecord.What.ATTENDANCE, students, course, course=course)
    return [_row(row, course) for row in grid.rows]


@router.get(
    "/students/{id:pk}/attendance",
    response=list[AttendanceRowOut],
    summary="One student's attendance in every course",
)
def student_attendance(request: ApiRequest, pk: int) -> list[dict[str, Any]]:
    """The student's record page: for the student, their parents and their teachers (a 404
    for anyone else); one row per course whose records the caller reads."""
    require_scope(request, "records")
    user = request.user
    student = get_visible_or_404(access.attendance_record_students(user), pk)
    rows = reports.student_record(user, student)
    audit_read(request, AccessRecord.What.STUDENT_ATTENDANCE, [student], student)
    return [_row(row, row.course) for row in rows if row.course is not None]
