"""The timeline of a course (F-13) and its attendance (F-09): the grid, one student's record,
corrections with their history, and the XLSX export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import AuthenticatedRequest, Organisation, User, in_natural_order
from openclass.core.downloads import xlsx_response
from openclass.core.views import perform
from openclass.privacy.models import AccessRecord
from openclass.privacy.services import record_read

from .. import access
from ..forms import CorrectionForm, SessionForm
from ..models import Attendance, AttendanceCorrection, Session
from ..services import courses as services
from ..services import reports
from .lookup import managed_course_or_404, visible_course_or_404


@login_required
def timeline(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The dated sessions of a course, recorded and live, with the student's own marks."""
    course = visible_course_or_404(request, pk)
    can_manage = access.can_manage_course(request.user, course)
    form = None
    if can_manage:
        form = SessionForm(request.POST or None, course=course)
        if request.method == "POST" and form.is_valid():
            added = perform(
                request, services.add_session, request.user, form.save(commit=False), form=form
            )
            if added:
                messages.success(
                    request,
                    _(
                        "The session is added to the timeline: its students see it there, and "
                        "it counts for attendance from its day."
                    ),
                )
                return redirect("courses:timeline", pk=course.pk)
    sessions = list(course.sessions.select_related("lesson", "course"))
    viewer = access.viewer_of(request.user, course)
    mine = {}
    if viewer.is_student:
        grid = reports.course_grid(request.user, course)
        if grid.rows:
            mine = {cell.session.pk: cell for cell in grid.rows[0].cells}
    for session in sessions:
        session.my_mark = mine.get(session.pk)
        # A link only where its page lets the viewer in (the rule that guards it).
        session.may_open = (
            has_capability(request.user, "live.join", session)
            if session.kind == Session.Kind.LIVE
            else viewer.may_open_lessons
        )
    return render(
        request,
        "courses/timeline.html",
        {
            "course": course,
            "sessions": sessions,
            "form": form,
            "can_manage": can_manage,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def session_delete(request: AuthenticatedRequest, pk: int, session_id: int) -> HttpResponse:
    course = managed_course_or_404(request, pk)
    session = get_object_or_404(course.sessions, pk=session_id)
    if perform(request, services.delete_session, request.user, session):
        messages.success(request, _("The session is removed from the timeline."))
    return redirect("courses:timeline", pk=course.pk)


def _grid_for(
    request: AuthenticatedRequest, pk: int
) -> tuple[reports.Grid, Organisation | None, list]:
    course = visible_course_or_404(request, pk)
    require_capability(request.user, "course.read_records", course)
    enrolments = access.enrolments_visible_to(request.user, course)
    classes = list(
        in_natural_order(
            Organisation.objects.filter(
                kind=Organisation.Kind.CLASS, pk__in=enrolments.values("student__organisation")
            ).select_related("parent")
        )
    )
    klass = None
    if class_id := request.GET.get("class", ""):
        klass = next((c for c in classes if str(c.pk) == class_id), None)
        if klass is None:
            raise Http404
    return reports.course_grid(request.user, course, klass=klass), klass, classes


def _log(
    request: AuthenticatedRequest, what: str, grid: reports.Grid, klass: Organisation | None
) -> None:
    """The access log names every student of the grid shown or exported."""
    students = [row.student for row in grid.rows]
    record_read(request, what, students, grid.course, course=grid.course, klass=klass)


@login_required
def attendance(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A course's attendance grid for its teachers, filterable by class."""
    grid, klass, classes = _grid_for(request, pk)
    _log(request, AccessRecord.What.ATTENDANCE, grid, klass)
    return render(
        request,
        "courses/attendance.html",
        {
            "course": grid.course,
            "grid": grid,
            "klass": klass,
            "classes": classes,
            "can_correct": True,
            "record_readable": access.readable_attendance_records(
                request.user, [row.student for row in grid.rows]
            ),
        },
    )


@login_required
def attendance_xlsx(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    grid, klass, _classes = _grid_for(request, pk)
    _log(request, AccessRecord.What.ATTENDANCE_XLSX, grid, klass)
    suffix = f"-{klass.pk}" if klass else ""
    return xlsx_response(reports.grid_xlsx(grid), f"attendance-{grid.course.pk}{suffix}.xlsx")


@login_required
def correct(
    request: AuthenticatedRequest, pk: int, session_id: int, student_id: int
) -> HttpResponse:
    """Change one mark, with the reason; shows the history of the mark."""
    course = visible_course_or_404(request, pk)
    session = get_object_or_404(course.sessions, pk=session_id)
    student = get_object_or_404(
        User.objects.filter(
            pk__in=access.enrolments_visible_to(request.user, course).values("student")
        ),
        pk=student_id,
    )
    require_capability(request.user, "attendance.confirm")
    mark = Attendance.objects.filter(session=session, student=student).first()
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        corrected = perform(
            request,
            services.correct_attendance,
            request.user,
            session,
            student,
            form.cleaned_data["status"],
            form.cleaned_data["reason"],
            form=form,
        )
        if corrected:
            messages.success(
                request,
                _("The attendance is corrected. The reason is kept in the mark's history."),
            )
            return redirect("courses:attendance", pk=course.pk)
    history = AttendanceCorrection.objects.filter(attendance=mark).select_related("corrected_by")
    grid = reports.course_grid(request.user, course)
    row = next((r for r in grid.rows if r.student.pk == student.pk), None)
    cell = next((c for c in row.cells if c.session.pk == session.pk), None) if row else None
    return render(
        request,
        "courses/attendance_correct.html",
        {
            "course": course,
            "session": session,
            "student": student,
            "cell": cell,
            "history": history if mark else [],
            "statuses": [s for s in Attendance.Status.choices if s[0] != "pending"],
            "form": form,
            "reason": request.POST.get("reason", ""),
            "status": request.POST.get("status", ""),
        },
    )


@login_required
def student_attendance(request: AuthenticatedRequest, student_id: int) -> HttpResponse:
    """One student's attendance in every course, for the student, their parents and their
    teachers."""
    student = get_object_or_404(access.attendance_record_students(request.user), pk=student_id)
    rows = reports.student_record(request.user, student)
    record_read(request, AccessRecord.What.STUDENT_ATTENDANCE, [student], student)
    return render(request, "courses/student_attendance.html", {"student": student, "rows": rows})
