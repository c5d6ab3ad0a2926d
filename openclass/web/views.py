from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.core import registry
from openclass.core.registry import TO_DO_PAGE

from .apps import FRESH_LOGIN
from .home import build_home, find_landing


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """The viewer's home: the panels their capabilities show (``web.home``). A student who chose
    it goes straight to the lesson in progress, once, right after login; coming back to the home
    page later shows it as usual."""
    fresh_login = request.session.pop(FRESH_LOGIN, False)
    if fresh_login and (landing := find_landing(request.user)):
        return redirect(landing)
    return render(request, "web/home.html", {"home": build_home(request.user)})


@login_required
def todo(request: AuthenticatedRequest) -> HttpResponse:
    """What waits for the viewer across their courses: the sections the areas register for the
    to-do page (``core.registry.TO_DO_PAGE``) that the viewer's capabilities show, each built
    with the rules of the pages it links to."""
    holds = partial(has_capability, request.user)
    return render(
        request,
        "web/todo.html",
        {"sections": registry.build_panels(TO_DO_PAGE, holds, request.user)},
    )


@login_required
@require_POST
def resume_preference(request: AuthenticatedRequest) -> HttpResponse:
    request.user.resume_at_login = request.POST.get("resume_at_login") == "1"
    request.user.save(update_fields=["resume_at_login"])
    return redirect("web:home")


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> HttpResponse:
    return render(request, "web/manifest.webmanifest", content_type="application/manifest+json")


@require_GET
@cache_control(max_age=0, no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    response = render(request, "web/sw.js", content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "web/offline.html")


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers and the run script."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
