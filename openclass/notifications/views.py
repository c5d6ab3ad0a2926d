from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from openclass.accounts.models import AuthenticatedRequest

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
    ids = [int(pk) for pk in request.POST.getlist("id") if pk.isdigit()]
    services.mark_read(request.user, ids or None)
    return redirect("notifications:list")
