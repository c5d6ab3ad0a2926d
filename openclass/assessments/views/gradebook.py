"""Pages for the gradebook part of assessments (see ``services.gradebook`` for the rules).

Teachers: the table of a course with its weights, overrides and XLSX export ("gradebook.view").
Students and parents: "My grades", one student's own row ("grades.view_own"; a parent chooses
among their children, "grades.view_children"). Who may open which gradebook is
``assessments.access``; which rows it shows is ``courses.access``, on ``accounts.scoping``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from openclass.accounts import scoping
from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import AuthenticatedRequest, Organisation, User
from openclass.core.downloads import xlsx_response
from openclass.core.views import perform
from openclass.courses import access
from openclass.courses.models import Course, Lesson
from openclass.privacy.models import AccessRecord
from openclass.privacy.services import record_read

from ..access import can_edit_weights, can_override
from ..forms.gradebook import OverrideForm, WeightsForm
from ..services import gradebook

HISTORY_SHOWN = 100  # the newest overrides on the page; the export holds them all


def _visible_course(request: AuthenticatedRequest, pk: int) -> Course:
    """The course, if ``request.user`` may see it at all (404 otherwise, see ``core.views``)."""
    return get_object_or_404(
        access.visible_courses(request.user).select_related("organisation"), pk=pk
    )


def _gradebook_course(request: AuthenticatedRequest, pk: int) -> Course:
    course = _visible_course(request, pk)
    require_capability(request.user, "gradebook.view", course)
    return course


def _class_filter(
    request: AuthenticatedRequest, course: Course
) -> tuple[Organisation | None, list]:
    """The class chosen with ``?class=`` among those of the rows the viewer may read."""
    classes = gradebook.classes_of(request.user, course)
    klass = None
    if class_id := request.GET.get("class", ""):
        klass = next((c for c in classes if str(c.pk) == class_id), None)
        if klass is None:
            raise Http404
    return klass, classes


def _log(
    request: AuthenticatedRequest, what: str, table: gradebook.Table, klass: Organisation | None
) -> None:
    """The access log names every student of the rows shown or exported."""
    students = [row.enrolment.student_id for row in table.rows]
    record_read(request, what, students, table.course, course=table.course, klass=klass)


@login_required
def gradebook_table(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The gradebook of a course for its teachers: the rows they may read, optionally one
    class's."""
    course = _gradebook_course(request, pk)
    klass, classes = _class_filter(request, course)
    table = gradebook.table(course, request.user, klass=klass)
    _log(request, AccessRecord.What.GRADEBOOK, table, klass)
    history = table.overrides
    return render(
        request,
        "assessments/gradebook_table.html",
        {
            "course": course,
            "table": table,
            "klass": klass,
            "classes": classes,
            "can_edit_weights": can_edit_weights(request.user, course),
            "history": history[:HISTORY_SHOWN],
            "history_cut": len(history) > HISTORY_SHOWN,
        },
    )


@login_required
def gradebook_xlsx(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    course = _gradebook_course(request, pk)
    klass, _classes = _class_filter(request, course)
    table = gradebook.table(course, request.user, klass=klass)
    _log(request, AccessRecord.What.GRADEBOOK_XLSX, table, klass)
    suffix = f"-{klass.pk}" if klass else ""
    return xlsx_response(gradebook.table_xlsx(table), f"gradebook-{course.pk}{suffix}.xlsx")


@login_required
def gradebook_weights(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Every weight of the course in one form, saved in one transaction."""
    course = _gradebook_course(request, pk)
    if not can_edit_weights(request.user, course):
        raise PermissionDenied
    columns, _required = gradebook.columns_of(course)
    settings = getattr(course, "gradebook_settings", None)
    form = WeightsForm(
        request.POST or None,
        columns=columns,
        completion_weight=settings.completion_weight if settings else 0,
        outside=gradebook.outside_columns_of(course),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(
            request,
            gradebook.set_weights,
            request.user,
            course,
            form.weights(),
            form.cleaned_data["completion_weight"],
            form.outside_weights(),
            form=form,
        )
    ):
        messages.success(request, _("The weights are saved."))
        return redirect("assessments:gradebook", pk=course.pk)
    return render(request, "assessments/gradebook_weights.html", {"course": course, "form": form})


@login_required
def gradebook_override(
    request: AuthenticatedRequest, pk: int, student_id: int, lesson_id: int | None = None
) -> HttpResponse:
    """Override one cell (or the total without ``lesson_id``), or lift the override; shows the
    cell's history."""
    course = _gradebook_course(request, pk)
    student = get_object_or_404(
        User.objects.filter(
            pk__in=access.enrolments_visible_to(request.user, course).values("student")
        ),
        pk=student_id,
    )
    if not can_override(request.user, course, student):
        raise PermissionDenied
    lesson = None
    if lesson_id is not None:
        lesson = get_object_or_404(
            Lesson.objects.select_related("section"),
            pk=lesson_id,
            section__course=course,
            kind__in=Lesson.ASSESSMENT_KINDS,
        )
    table = gradebook.table(course, request.user, student=student)
    row = table.rows[0]
    cell = None
    if lesson is not None:
        cell = next((c for c in row.cells if c.item_column.lesson.pk == lesson.pk), None)
        if cell is None:
            raise Http404
    current = cell.override if cell is not None else row.total_override
    form = OverrideForm(request.POST or None, has_override=current is not None)
    if request.method == "POST" and form.is_valid():
        percent = form.cleaned_data["percent"]
        reason = form.cleaned_data["reason"]
        if perform(
            request,
            gradebook.set_override,
            request.user,
            course,
            student,
            lesson,
            percent,
            reason,
            form=form,
        ):
            if percent is None:
                messages.success(request, _("The override is lifted."))
            else:
                messages.success(request, _("The grade is overridden."))
            return redirect("assessments:gradebook", pk=course.pk)
    return render(
        request,
        "assessments/gradebook_override.html",
        {
            "course": course,
            "student": student,
            "lesson": lesson,
            "cell": cell,
            "row": row,
            "current": current,
            "form": form,
            "history": gradebook.override_history(course, student, lesson),
        },
    )


# --- Students and parents ---------------------------------------------------------------------


def _own_students(request: AuthenticatedRequest) -> QuerySet[User]:
    """Whose grades a student or parent may ask for: themself, or their children."""
    if has_capability(request.user, "grades.view_own"):
        return User.objects.filter(pk=request.user.pk)
    if has_capability(request.user, "grades.view_children"):
        return scoping.children_of(request.user).order_by("name", "pk")
    raise PermissionDenied


def _chosen(request: AuthenticatedRequest, candidates: list[User]) -> User | None:
    """The student named by ``?student=`` among ``candidates`` (404 otherwise), or the first."""
    wanted = request.GET.get("student", "")
    if not wanted:
        return candidates[0] if candidates else None
    chosen = next((c for c in candidates if str(c.pk) == wanted), None)
    if chosen is None:
        raise Http404
    return chosen


@login_required
def course_grades(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """ "My grades" in one course: a student's own row; a parent's child's row (the parent
    chooses among their children enrolled in the course). Teachers go to the gradebook."""
    course = _visible_course(request, pk)
    if has_capability(request.user, "gradebook.view", course):
        return redirect("assessments:gradebook", pk=course.pk)
    candidates = list(_own_students(request).filter(enrolments__course=course))
    student = _chosen(request, candidates)
    if student is None:
        if has_capability(request.user, "grades.view_own"):
            raise Http404  # not enrolled: no grades to show
        table = row = None  # a parent none of whose children is enrolled
    else:
        table, row = gradebook.student_row(course, request.user, student)
        record_read(request, AccessRecord.What.GRADES, [student], course, course=course)
    return render(
        request,
        "assessments/grades_course.html",
        {
            "course": course,
            "student": student,
            "candidates": candidates,
            "table": table,
            "row": row,
        },
    )


@login_required
def my_grades(request: AuthenticatedRequest) -> HttpResponse:
    """A student's grades in every course; a parent chooses a child and sees theirs."""
    candidates = list(_own_students(request))
    student = _chosen(request, candidates)
    reports = []
    if student is not None:
        for course in gradebook.enrolled_courses(request.user, student):
            table, row = gradebook.student_row(course, request.user, student)
            reports.append({"course": course, "table": table, "row": row})
        record_read(request, AccessRecord.What.GRADES, [student])
    return render(
        request,
        "assessments/grades_overview.html",
        {"student": student, "candidates": candidates, "reports": reports},
    )


urlpatterns = [
    path("gradebook/<id:pk>/", gradebook_table, name="gradebook"),
    path("gradebook/<id:pk>/gradebook.xlsx", gradebook_xlsx, name="gradebook_xlsx"),
    path("gradebook/<id:pk>/weights/", gradebook_weights, name="gradebook_weights"),
    path(
        "gradebook/<id:pk>/override/<id:student_id>/total/",
        gradebook_override,
        name="gradebook_override_total",
    ),
    path(
        "gradebook/<id:pk>/override/<id:student_id>/<id:lesson_id>/",
        gradebook_override,
        name="gradebook_override",
    ),
    path("grades/", my_grades, name="my_grades"),
    path("grades/<id:pk>/", course_grades, name="course_grades"),
]
