"""Launching a tool: a lesson's launch (to the tool's login initiation), the OIDC authorization
endpoint the tool sends the person back to (answered with a self-submitting form that posts the
id_token to the tool), and the platform's key set.

The launch and the authorization answer are shown inside the lesson page's iframe, so both may
be framed by openclass's own pages (``frame-ancestors 'self'``); the answer's form may post to the
tool's registered redirect URI only (``form-action``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from openclass.accounts.models import AuthenticatedRequest
from openclass.core.csp import update_csp
from openclass.core.views import error_text
from openclass.courses import access as course_access
from openclass.courses.models import Lesson
from openclass.hub import services as hub

from .. import services

FRAMED_BY_OURS = {"frame-ancestors": ["'self'"]}


def _framed(response: HttpResponse) -> HttpResponse:
    """Let openclass's own pages frame this response (the lesson page's iframe): django-csp's
    per-response replacement, read off the response as its ``csp_replace`` decorator sets it."""
    setattr(response, "_csp_replace", FRAMED_BY_OURS)  # noqa: B010
    return response


def _refusal(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "lti/refused.html", {"message": message}, status=status)


@login_required
@xframe_options_sameorigin
def launch(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    """Open a tool lesson: a fresh launch, sent on to the tool's login initiation."""
    lesson = get_object_or_404(
        Lesson.objects.select_related("section__course").filter(
            section__course__in=course_access.visible_courses(request.user)
        ),
        pk=lesson_id,
        kind=Lesson.Kind.TOOL,
    )
    try:
        started = services.start_launch(request.user, lesson)
    except ValidationError as error:
        return _framed(_refusal(request, error_text(error), 400))
    except PermissionDenied as error:
        message = str(error) or _("You may not open this lesson.")
        return _framed(_refusal(request, message, 403))
    response = HttpResponseRedirect(services.login_initiation_url(started))
    add_never_cache_headers(response)
    return _framed(response)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@xframe_options_sameorigin
def auth(request: HttpRequest) -> HttpResponse:
    """The OIDC authorization endpoint of LTI 1.3's launch: the tool's request, by GET or POST."""
    params = request.POST if request.method == "POST" else request.GET
    try:
        answer = services.authorize(
            request.user, {key: str(params.get(key) or "") for key in params}
        )
    except services.LaunchRefused as error:
        return _framed(_refusal(request, error_text(error), error.status))
    response = render(
        request,
        "lti/form_post.html",
        {"action": answer.redirect_uri, "id_token": answer.id_token, "state": answer.state},
    )
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True)
    response["Referrer-Policy"] = "no-referrer"
    update_csp(response, {"form-action": [services.origin_of(answer.redirect_uri)]})
    return _framed(response)


def jwks(request: HttpRequest) -> JsonResponse:
    """The platform's public keys (the login hub's): tools verify our id_tokens with them."""
    response = JsonResponse(hub.published_key_set())
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response
