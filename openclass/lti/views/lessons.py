"""A tool lesson's settings: which registered tool it launches, how (in the page or a new
window) and with which custom parameters. A new lesson of kind "outside tool" comes here after
the lesson form (as a quiz goes to its own page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from openclass.accounts.models import AuthenticatedRequest
from openclass.core.views import perform
from openclass.courses import access as course_access
from openclass.courses.models import Lesson

from .. import services
from ..forms import LessonToolForm
from ..models import ResourceLink


@login_required
def lesson_tool(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    lesson = get_object_or_404(
        Lesson.objects.select_related("section__course").filter(
            section__course__in=course_access.manageable_courses(request.user)
        ),
        pk=lesson_id,
        kind=Lesson.Kind.TOOL,
    )
    course = lesson.section.course
    link = ResourceLink.objects.select_related("tool").filter(lesson=lesson).first()
    initial = {}
    if link is not None:
        initial = {
            "tool": link.tool,
            "presentation": link.presentation,
            "custom": "\n".join(f"{key}={value}" for key, value in link.custom.items()),
        }
    form = LessonToolForm(
        request.POST or None,
        initial=initial,
        user=request.user,
        keeping=link.tool if link is not None else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            custom = services.parse_custom(form.cleaned_data["custom"])
        except ValidationError as error:
            form.add_error("custom", error.messages)
        else:
            details = services.LinkDetails(
                tool=form.cleaned_data["tool"],
                presentation=form.cleaned_data["presentation"],
                custom=custom,
            )
            if perform(request, services.link_lesson, request.user, lesson, details, form=form):
                messages.success(request, _("The lesson launches the tool now."))
                return redirect(
                    f"{reverse('courses:content', args=[course.pk])}#lesson-{lesson.pk}"
                )
    return render(
        request,
        "lti/lesson_tool.html",
        {"lesson": lesson, "course": course, "form": form, "link": link},
    )
