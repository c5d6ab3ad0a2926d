"""Authoring a course: its sections and lessons in order, moving, editing, adding and deleting
them. Only the course's managers reach these pages (others get a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.models import AuthenticatedRequest
from openclass.core.csp import update_csp
from openclass.core.views import perform

from ..forms import LessonForm, SectionForm
from ..models import Lesson, Section
from ..services import courses as services
from .lookup import managed_course_or_404


@login_required
def content(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The authoring screen: sections and lessons in order, with move, edit and add."""
    course = managed_course_or_404(request, pk)
    form = SectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        added = perform(
            request,
            services.add_section,
            request.user,
            course,
            form.cleaned_data["title"],
            form=form,
        )
        if added:
            messages.success(
                request,
                _("The section is added. Add its lessons with “Add a lesson” under it."),
            )
            return redirect("courses:content", pk=course.pk)
    sections = course.sections.prefetch_related("lessons__video")
    return render(
        request,
        "courses/content.html",
        {"course": course, "sections": sections, "section_form": form},
    )


@login_required
@require_POST
def move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Move a section or a lesson one place up or down (buttons, so it works by keyboard)."""
    course = managed_course_or_404(request, pk)
    what, item_id = request.POST.get("what"), request.POST.get("id", "")
    items: QuerySet[Section] | QuerySet[Lesson]
    if what == "section":
        items = course.sections.all()
    else:
        section = get_object_or_404(course.sections, pk=request.POST.get("section") or 0)
        items = section.lessons.all()
    if not perform(request, services.move_in_order, items, item_id, request.POST.get("direction")):
        return redirect("courses:content", pk=course.pk)
    return redirect(f"{reverse('courses:content', args=[course.pk])}#{what}-{item_id}")


@login_required
def section_edit(request: AuthenticatedRequest, pk: int, section_id: int) -> HttpResponse:
    course = managed_course_or_404(request, pk)
    section = get_object_or_404(course.sections, pk=section_id)
    if request.method == "POST" and request.POST.get("delete") == "1":
        if perform(request, services.delete_section, request.user, section):
            messages.success(
                request, _("The section is deleted. The other sections keep their order.")
            )
        return redirect("courses:content", pk=course.pk)
    form = SectionForm(request.POST or None, instance=section)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("courses:content", pk=course.pk)
    return render(
        request, "courses/section_form.html", {"course": course, "section": section, "form": form}
    )


@login_required
def lesson_form(
    request: AuthenticatedRequest, pk: int, section_id: int, lesson_id: int | None = None
) -> HttpResponse:
    course = managed_course_or_404(request, pk)
    section = get_object_or_404(course.sections, pk=section_id)
    lesson = get_object_or_404(section.lessons, pk=lesson_id) if lesson_id else None
    if lesson and request.method == "POST" and request.POST.get("delete") == "1":
        if not perform(request, services.delete_lesson, request.user, lesson):
            return redirect(
                "courses:lesson_edit", pk=course.pk, section_id=section.pk, lesson_id=lesson.pk
            )
        messages.success(request, _("The lesson is deleted from the course."))
        return redirect("courses:content", pk=course.pk)
    form = LessonForm(
        request.POST or None, request.FILES or None, instance=lesson, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        saved = perform(
            request,
            services.save_lesson,
            request.user,
            section,
            form.save(commit=False),
            form=form,
        )
        if saved:
            if not course.is_published:
                messages.success(
                    request,
                    _(
                        "The lesson is saved. The course is not published yet: publish it on "
                        "the course page when its lessons are ready."
                    ),
                )
            else:
                messages.success(request, _("The lesson is saved. Its students see it now."))
            if saved.value.kind in Lesson.REMOTE_VIDEO_KINDS:
                fresh = Lesson.objects.select_related("video").get(pk=saved.value.pk)
                if fresh.known_duration is None:
                    messages.warning(request, _length_unknown_message(fresh))
            if lesson is None and saved.value.kind in Lesson.ASSESSMENT_KINDS:
                # A new quiz or assignment is set up next, on its own page (``assessments``).
                return redirect(f"assessments:{saved.value.kind}", saved.value.pk)
            if saved.value.kind == Lesson.Kind.TOOL and not hasattr(saved.value, "lti_link"):
                # A tool lesson's tool is chosen next, on its own page (``lti``).
                return redirect("lti:lesson_tool", saved.value.pk)
            return redirect(
                f"{reverse('courses:content', args=[course.pk])}#lesson-{saved.value.pk}"
            )
    length_unknown = ""
    if lesson and lesson.kind in Lesson.REMOTE_VIDEO_KINDS and lesson.known_duration is None:
        length_unknown = _length_unknown_message(lesson)
    response = render(
        request,
        "courses/lesson_form.html",
        {
            "course": course,
            "section": section,
            "lesson": lesson,
            "form": form,
            "length_unknown": length_unknown,
        },
    )
    # The page reads a YouTube video's length from YouTube's player (lesson-form.js).
    update_csp(
        response,
        {
            "script-src": ["https://www.youtube.com", "https://s.ytimg.com"],
            "frame-src": ["https://www.youtube-nocookie.com", "https://www.youtube.com"],
        },
    )
    return response


def _length_unknown_message(lesson: Lesson) -> str:
    """What the teacher is told while a YouTube or URL video lesson has no known length (F-08):
    students' watching cannot complete it."""
    if lesson.kind == Lesson.Kind.VIDEO_URL:
        return _(
            "The server is measuring the video's length. Until it is known, watching cannot "
            "complete this lesson; if it stays unknown, enter the length on the lesson form."
        )
    return _(
        "The video's length is not known, so watching cannot complete this lesson. Enter its "
        "length on the lesson form."
    )
