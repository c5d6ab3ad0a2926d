"""Who studies a course: enrolling a school, grade or class at once, one student at a time, or
oneself into a course open to self-enrolment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.models import AuthenticatedRequest, Organisation, in_natural_order

from .. import access
from ..forms import EnrolOrganisationForm
from ..models import Course, LessonProgress
from ..services import courses as services
from .lookup import visible_course_or_404


@login_required
def enrolments(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Who is enrolled (the part the user may see), and enrolling a school, grade or class at
    once or one student at a time."""
    course = visible_course_or_404(request, pk)
    if not access.can_enrol_into(request.user, course):
        raise PermissionDenied
    candidates = access.enrollable_students(request.user, course)
    organisations = in_natural_order(
        Organisation.objects.filter(
            Q(pk__in=candidates.values("organisation"))
            | Q(pk__in=candidates.values("organisation__parent"))
        ).select_related("parent")
    )
    form = EnrolOrganisationForm(request.POST or None, organisations=organisations)
    if request.method == "POST":
        # The commands check again who may enrol whom: a refusal there is a 403.
        if "student" in request.POST:
            student = get_object_or_404(candidates, pk=request.POST["student"])
            if request.POST.get("remove") == "1":
                services.unenrol(request.user, course, student)
                messages.success(
                    request, _("%(name)s is no longer enrolled.") % {"name": student.name}
                )
            else:
                services.enrol(request.user, course, [student])
                messages.success(request, _("%(name)s is enrolled.") % {"name": student.name})
            _next_step(request, course)
            return redirect("courses:enrolments", pk=course.pk)
        if form.is_valid():
            result = services.enrol_organisation(
                request.user, course, form.cleaned_data["organisation"]
            )
            messages.success(
                request,
                _("%(added)d students enrolled; %(already)d were already enrolled.")
                % {"added": result.added, "already": result.already},
            )
            _next_step(request, course)
            return redirect("courses:enrolments", pk=course.pk)
    enrolled = (
        access.enrolments_visible_to(request.user, course)
        .select_related("student__organisation__parent__parent")
        .order_by("student__organisation__path", "student__number")
    )
    enrolled_ids = set(enrolled.values_list("student_id", flat=True))
    # ?show=not_started: exactly the students the home page counts as not started (no lesson
    # of the course opened yet; ``selectors.teaching_overview``).
    not_started = request.GET.get("show") == "not_started"
    if not_started:
        enrolled = enrolled.exclude(
            student__in=LessonProgress.objects.filter(lesson__section__course=course).values(
                "student"
            )
        )
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        found = list(
            candidates.filter(Q(name__icontains=query) | Q(username__icontains=query))
            .select_related("organisation__parent__parent")
            .order_by("organisation__path", "number")[:30]
        )
    return render(
        request,
        "courses/enrolments.html",
        {
            "course": course,
            "form": form,
            "enrolled": enrolled,
            "enrolled_ids": enrolled_ids,
            "found": found,
            "query": query,
            "not_started": not_started,
        },
    )


def _next_step(request: AuthenticatedRequest, course: Course) -> None:
    """After a change of who is enrolled: what the students see next."""
    if not course.is_published:
        messages.info(
            request,
            _(
                "The course is not published yet: its students see it once you publish it "
                "on the course page."
            ),
        )


@login_required
@require_POST
def enrol_self(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    course = visible_course_or_404(request, pk)
    services.enrol_self(request.user, course)
    messages.success(request, _("You are enrolled. Start with the first lesson."))
    return redirect("courses:detail", pk=course.pk)
