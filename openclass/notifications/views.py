from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from openclass.accounts.models import AuthenticatedRequest
from openclass.core.params import parse_ids

from . import services


@login_required
def notifications(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "notifications/list.html",
        {"rows": services.list_own(request.user)[:100]},
    )


@login_required
@require_POST
def mark_read(request: AuthenticatedRequest) -> HttpResponse:
    ids = parse_ids(request.POST.getlist("id"))
    if ids is None:
        return HttpResponseBadRequest()
    services.mark_read(request.user, ids or None)
    return redirect("notifications:list")
