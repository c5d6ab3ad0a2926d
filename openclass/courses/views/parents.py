"""What a parent follows of their own children: a child's learning at a glance (their courses,
today, attendance, work and grades, as the areas' ``child`` panels show them) and one of the
child's courses read-only (the child's progress per lesson, the dated sessions with the child's
attendance, links to the grades and attendance pages). Only a parent's own children, and only
courses the child is enrolled in: anything else is a 404."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import AuthenticatedRequest, User
from openclass.core import registry
from openclass.core.registry import CHILD, CHILD_FIGURES
from openclass.privacy.models import AccessRecord
from openclass.privacy.services import record_read

from .. import access, selectors
from ..models import Lesson, LessonProgress, Section
from ..services import progress_resume, reports


def _own_child(request: AuthenticatedRequest, child_id: int) -> User:
    require_capability(request.user, "people.view_children")
    child = access.child_of(request.user, child_id)
    if child is None:
        raise Http404
    return child


@login_required
def child_overview(request: AuthenticatedRequest, child_id: int) -> HttpResponse:
    """A child's learning for their parent: what the home page shows of them, on its own page
    (the child's profile links here)."""
    child = _own_child(request, child_id)
    holds = partial(has_capability, request.user)
    record_read(request, AccessRecord.What.PERSON, [child], child)
    return render(
        request,
        "courses/child_overview.html",
        {
            "child": child,
            "sections": registry.build_panels(CHILD, holds, child),
            "figures": registry.build_panels(CHILD_FIGURES, holds, child),
        },
    )


@login_required
def child_course(request: AuthenticatedRequest, pk: int, child_id: int) -> HttpResponse:
    """One course of a parent's child, read-only: what the child's course page shows of their
    progress, without the child's actions (no lesson opens, nothing is recorded)."""
    child = _own_child(request, child_id)
    course = get_object_or_404(
        access.child_courses(request.user, child).select_related("topic", "organisation"), pk=pk
    )
    sections = list(Section.objects.filter(course=course).prefetch_related("lessons"))
    progress = {
        row.lesson_id: row
        for row in LessonProgress.objects.filter(student=child, lesson__section__course=course)
    }
    assessed = [
        lesson.pk
        for section in sections
        for lesson in section.lessons.all()
        if lesson.kind in Lesson.ASSESSMENT_KINDS
    ]
    for section in sections:
        for lesson in section.lessons.all():
            lesson.my_progress = progress.get(lesson.pk)
    done, required = selectors.course_progress(child, course)
    attended, held = selectors.live_attendance(child, [course.pk]).get(course.pk, (0, 0))
    grid = reports.course_grid(request.user, course)
    row = next((r for r in grid.rows if r.student.pk == child.pk), None)
    record_read(request, AccessRecord.What.STUDENT_ATTENDANCE, [child], course, course=course)
    return render(
        request,
        "courses/child_course.html",
        {
            "child": child,
            "course": course,
            "sections": sections,
            "handed": progress_resume.handed_in(child, assessed),
            "enrolment": course.enrolments.filter(student=child).first(),
            "done": done,
            "required": required,
            "percent": int(done * 100 / required) if required else 0,
            "live_attended": attended,
            "live_held": held,
            "cells": row.cells if row is not None else [],
            "upcoming": course.sessions.filter(day__gt=timezone.localdate())[:5],
        },
    )
