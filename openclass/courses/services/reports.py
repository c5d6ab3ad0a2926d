"""Attendance reports: a course's grid (students × sessions), one student's record across their
courses, and the grid as an XLSX workbook.

A mark that was never written still has a value: a session whose late window has passed with no
visit is absent, one still open is "not yet". Deriving it here keeps the table honest without a
nightly job that writes absences.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from openclass.accounts.models import Organisation, User
from openclass.core import xlsx

from .. import access
from ..models import Attendance, Course, Enrolment, LessonProgress, Session
from .courses import mark_for

Status = Attendance.Status


@dataclass
class Cell:
    session: Session
    status: str | None  # None: not yet decided
    corrected: bool = False
    until: datetime.date | None = None  # an open recorded session: the last day it counts

    @property
    def label(self) -> str:
        return str(Status(self.status).label) if self.status else _("Not yet")


@dataclass
class Row:
    student: User
    cells: list[Cell]
    totals: dict[str, int] = field(default_factory=dict)
    course: Course | None = None  # in a student's record (``student_record``), the row's course


@dataclass
class Grid:
    course: Course
    sessions: list[Session]
    rows: list[Row]


def _derived(
    course: Course,
    session: Session,
    mark: Attendance | None,
    today: datetime.date,
    done_on: datetime.date | None = None,
) -> Cell:
    """A session's mark: a teacher's correction or a decided mark as written; else the
    course's rule (``mark_for``) on the day the student completed (or, when the course counts
    opening, opened) the session's lesson, ``done_on``. A lesson done before its scheduled day
    (when no mark was written, as the session had not started) is present, not "not yet"."""
    if mark is not None and (mark.corrected or mark.status != Status.PENDING):
        return Cell(session, mark.status, mark.corrected)
    if session.day > today:
        return Cell(session, None)
    if session.kind == Session.Kind.LIVE:
        # Live marks arrive from the live class itself; until then a past class is absent.
        return Cell(session, Status.ABSENT if session.day < today else None)
    status = mark_for(course, session.day, done_on, today)
    until = session.day + datetime.timedelta(days=course.late_days) if status is None else None
    return Cell(session, status, until=until)


def _done_days(
    course: Course, sessions: list[Session], students: list[User]
) -> dict[tuple[int, int], datetime.date]:
    """(lesson, student) → the day the student completed the lesson (or opened it, when the
    course counts opening), for the recorded sessions' lessons."""
    lessons = {s.lesson_id for s in sessions if s.kind == Session.Kind.RECORDED and s.lesson_id}
    if not lessons or not students:
        return {}
    days = {}
    rows = LessonProgress.objects.filter(lesson_id__in=lessons, student__in=students).values_list(
        "lesson_id", "student_id", "completed_at", "opened_at"
    )
    for lesson_id, student_id, completed_at, opened_at in rows:
        done_at = completed_at if course.attendance_needs_completion else opened_at
        if done_at is not None:
            days[(lesson_id, student_id)] = timezone.localdate(done_at)
    return days


def course_grid(
    viewer: User,
    course: Course,
    *,
    klass: Organisation | None = None,
    today: datetime.date | None = None,
) -> Grid:
    """The attendance of the students of ``course`` that ``viewer`` may see, optionally one
    class only, for every session up to today."""
    today = today or timezone.localdate()
    enrolments: QuerySet[Enrolment] = access.enrolments_visible_to(viewer, course)
    if klass is not None:
        enrolments = enrolments.filter(student__organisation=klass)
    students = [
        e.student
        for e in enrolments.select_related("student__organisation__parent__parent").order_by(
            "student__organisation__path", "student__number", "student__name"
        )
    ]
    sessions = list(course.sessions.filter(day__lte=today).select_related("lesson"))
    marks = {
        (m.session_id, m.student_id): m
        for m in Attendance.objects.filter(session__in=sessions, student__in=students)
    }
    done = _done_days(course, sessions, students)
    rows = []
    for student in students:
        cells = [
            _derived(
                course,
                s,
                marks.get((s.pk, student.pk)),
                today,
                done.get((s.lesson_id, student.pk)) if s.lesson_id else None,
            )
            for s in sessions
        ]
        totals = {status: 0 for status in Status.values}
        for cell in cells:
            if cell.status:
                totals[cell.status] += 1
        rows.append(Row(student, cells, totals))
    return Grid(course, sessions, rows)


def student_record(viewer: User, student: User, today: datetime.date | None = None) -> list[Row]:
    """One row per course of ``student`` whose records ``viewer`` may read."""
    rows = []
    for enrolment in Enrolment.objects.filter(student=student).select_related("course"):
        if not access.can_read_records_of(viewer, enrolment.course, student):
            continue
        grid = course_grid(viewer, enrolment.course, today=today)
        row = next((r for r in grid.rows if r.student.pk == student.pk), None)
        if row is not None:
            row.course = enrolment.course
            rows.append(row)
    return rows


def grid_xlsx(grid: Grid) -> bytes:
    """The grid as a workbook a school office can file: one row per student, one column per
    session, the totals at the end."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Attendance")[:31]
    header = [_("Class"), _("No."), _("Name")]
    header += [f"{s.day:%m-%d} {s.shown_title}" for s in grid.sessions]
    totals = [Status.PRESENT, Status.LATE, Status.LEFT_EARLY, Status.ABSENT, Status.EXCUSED]
    header += [str(Status(status).label) for status in totals]
    xlsx.append_row(sheet, [grid.course.title])
    sheet["A1"].font = Font(bold=True, size=14)
    xlsx.append_row(sheet, header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = PatternFill("solid", fgColor="DBEAFE")
    for row in grid.rows:
        student = row.student
        klass = student.organisation.full_name if student.organisation is not None else ""
        values = [klass, student.number, student.name]
        values += [f"{cell.label}*" if cell.corrected else str(cell.label) for cell in row.cells]
        values += [row.totals.get(status, 0) for status in totals]
        xlsx.append_row(sheet, values)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["C"].width = 12
    for index in range(4, 4 + len(grid.sessions)):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    sheet.freeze_panes = "D3"
    if any(cell.corrected for row in grid.rows for cell in row.cells):
        xlsx.append_row(sheet, [])
        xlsx.append_row(sheet, [_("* corrected by a teacher")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
