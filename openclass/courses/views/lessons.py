"""Studying: a lesson's page (which records progress and attendance for the course's students),
its PDF, and the player's progress beats over HTTP."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.models import AuthenticatedRequest
from openclass.core.csp import update_csp
from openclass.media import services as media
from openclass.privacy.models import Consent
from openclass.privacy.services import has_consent

from .. import access, selectors
from ..forms import youtube_id
from ..models import Lesson, LessonProgress
from ..services import courses as services
from ..services import progress
from .lookup import visible_course_or_404


@login_required
def lesson(request: AuthenticatedRequest, pk: int, lesson_id: int) -> HttpResponse:
    """A lesson page. Opening it as an enrolled student records progress and attendance; a
    manager previews it without recording anything."""
    course = visible_course_or_404(request, pk)
    lesson = get_object_or_404(
        Lesson.objects.select_related("section", "video"), pk=lesson_id, section__course=course
    )
    viewer = access.viewer_of(request.user, course)
    if not viewer.may_open_lessons:
        raise PermissionDenied(_("Enrol in the course to study its lessons."))
    if viewer.is_student and not selectors.is_open(course):
        raise PermissionDenied(_("This course is not open now."))
    my_progress = services.open_lesson(request.user, lesson) if viewer.is_student else None
    if lesson.kind in Lesson.ASSESSMENT_KINDS:
        # Quizzes and assignments have their own pages (``assessments``); opening the lesson has
        # recorded attendance and the resume point like any other.
        return redirect(f"assessments:{lesson.kind}", lesson.pk)
    ordered = selectors.lessons_in_order(course)
    index = next(i for i, item in enumerate(ordered) if item.pk == lesson.pk)
    playback_url = ""
    if lesson.kind == Lesson.Kind.VIDEO and lesson.video is not None:
        if lesson.video.status == "ready":
            playback_url = media.playback_url(lesson.video, request.user)
    elif lesson.kind == Lesson.Kind.VIDEO_URL:
        playback_url = lesson.url
    # A YouTube video plays only for a student with consent on record (outside site: privacy).
    youtube = lesson.kind == Lesson.Kind.YOUTUBE
    needs_consent = (
        youtube and viewer.is_student and not has_consent(request.user, Consent.Purpose.YOUTUBE)
    )
    # An outside tool's lesson (``lti``): its resource link, when its tool is set up.
    tool_link = getattr(lesson, "lti_link", None) if lesson.kind == Lesson.Kind.TOOL else None
    response = render(
        request,
        "courses/lesson.html",
        {
            "course": course,
            "lesson": lesson,
            "progress": my_progress,
            "preview": not viewer.is_student,
            "playback_url": playback_url,
            "youtube_id": youtube_id(lesson.url) if youtube and not needs_consent else None,
            "needs_consent": needs_consent,
            "tool_link": tool_link,
            "previous": ordered[index - 1] if index > 0 else None,
            "next": ordered[index + 1] if index + 1 < len(ordered) else None,
        },
    )
    # Only this page, and only for these lessons, lets in what lives elsewhere.
    if youtube and not needs_consent:
        update_csp(
            response,
            {
                "script-src": ["https://www.youtube.com", "https://s.ytimg.com"],
                "frame-src": ["https://www.youtube-nocookie.com", "https://www.youtube.com"],
            },
        )
    elif lesson.kind == Lesson.Kind.VIDEO_URL:
        update_csp(response, {"media-src": ["https:"], "connect-src": ["https:"]})
    elif tool_link is not None:
        # The launch (ours) goes on to the tool's pages in the frame.
        update_csp(response, {"frame-src": ["'self'", *tool_link.tool.origins()]})
    return response


@login_required
def lesson_document(request: AuthenticatedRequest, pk: int, lesson_id: int) -> FileResponse:
    """A lesson's PDF, only to the course's students and managers, always as a download-safe
    response (never rendered as HTML by the browser)."""
    course = visible_course_or_404(request, pk)
    lesson = get_object_or_404(
        Lesson, pk=lesson_id, section__course=course, kind=Lesson.Kind.DOCUMENT
    )
    if not access.viewer_of(request.user, course).may_open_lessons:
        raise Http404
    if not lesson.document:
        raise Http404
    response = FileResponse(
        lesson.document.open("rb"), content_type="application/pdf", filename=f"{lesson.title}.pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def heartbeat(request: AuthenticatedRequest, pk: int, lesson_id: int) -> JsonResponse:
    """The player's progress beat (form field ``beat``, JSON). Also the target of the page's
    ``navigator.sendBeacon`` when it closes, which is why it reads a form, not a JSON body."""
    progress_row = (
        LessonProgress.objects.select_related("lesson__section__course", "lesson__video")
        .filter(
            student=request.user,
            lesson_id=lesson_id,
            lesson__section__course_id=pk,
            lesson__section__course__enrolments__student=request.user,
        )
        .first()
    )
    if progress_row is None or not selectors.is_open(progress_row.lesson.section.course):
        return JsonResponse({"ok": False, "reason": "not_enrolled"}, status=403)
    try:
        payload = json.loads(request.POST.get("beat", ""))
    except ValueError:
        payload = None
    course = progress_row.lesson.section.course
    try:
        state = progress.credit(progress_row, payload)
    except progress.Refused as refused:
        current = progress.State.of(
            LessonProgress.objects.select_related("lesson__video").get(pk=progress_row.pk)
        )
        return JsonResponse(
            {
                **progress.summary(current, course.completion_threshold),
                "ok": False,
                "reason": refused.reason,
            },
            status=409,
        )
    return JsonResponse(progress.summary(state, course.completion_threshold))
