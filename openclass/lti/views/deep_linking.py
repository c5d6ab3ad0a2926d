"""Deep Linking 2.0: a teacher picks content inside a tool for a section of their course
(외부 도구에서 콘텐츠 가져오기), and the tool sends them back with the items, which become lessons.

The return is a cross-site POST from the tool: it is identified by its launch and the tool's
signed JWT, not by the session cookie (which a browser does not send on a cross-site POST)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.core.csp import update_csp
from openclass.core.views import error_text, perform
from openclass.courses import access as course_access
from openclass.courses.models import Section

from .. import services
from ..access import usable_tools
from ..forms import DeepLinkForm
from ..models import LaunchRequest


@login_required
def deep_link_start(request: AuthenticatedRequest, section_id: int) -> HttpResponse:
    require_capability(request.user, "lti.register")
    section = get_object_or_404(
        Section.objects.select_related("course").filter(
            course__in=course_access.manageable_courses(request.user)
        ),
        pk=section_id,
    )
    form = DeepLinkForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        started = perform(
            request, services.start_deep_linking, request.user, section, form.cleaned_data["tool"]
        )
        if started:
            return HttpResponseRedirect(services.login_initiation_url(started.value))
    response = render(
        request,
        "lti/deep_link_start.html",
        {"section": section, "course": section.course, "form": form},
    )
    # The form's POST is answered with a redirect to the chosen tool's login: Chromium applies
    # form-action to it, so the tools offered here are let in.
    origins = sorted({services.origin_of(tool.login_url) for tool in usable_tools(request.user)})
    if origins:
        update_csp(response, {"form-action": origins})
    return response


@csrf_exempt
@require_POST
def deep_link_return(request: HttpRequest, launch_id: int) -> HttpResponse:
    token = request.POST.get("JWT", "")
    launch = get_object_or_404(LaunchRequest, pk=launch_id, kind=LaunchRequest.Kind.DEEP_LINKING)
    try:
        made = services.receive_deep_links(launch_id, token, request.user)
    except ValidationError as error:
        return render(
            request,
            "lti/deep_link_refused.html",
            {"message": error_text(error), "course_id": launch.course_id},
            status=400,
        )
    if made:
        messages.success(
            request,
            ngettext(
                "%(count)d lesson came from the tool.",
                "%(count)d lessons came from the tool.",
                len(made),
            )
            % {"count": len(made)},
        )
    else:
        messages.warning(request, _("The tool sent back no content."))
    return HttpResponseRedirect(reverse("courses:content", args=[launch.course_id]))
