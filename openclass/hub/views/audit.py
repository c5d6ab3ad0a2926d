"""The office's search of the authentication log (hub.AuthEvent): tokens issued, refused and
revoked, failed sign-ins, API reads of people and records. What the log holds names things (a
site, a token's name, a user name typed) and never holds a password, token or secret."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest, User

from ..forms import AuthLogFilter
from ..models import AuthEvent, Site

PAGE_SIZE = 50
#: Dates the log can hold: outside them a date is "not given".
FIRST_YEAR, LAST_DAY = 2000, datetime.date(9999, 12, 30)


def _day(value: datetime.date | None) -> datetime.date | None:
    return value if value is not None and value.year >= FIRST_YEAR and value <= LAST_DAY else None


@login_required
def auth_log(request: AuthenticatedRequest) -> HttpResponse:
    """Events newest first, filtered by kind, person (their account, or the user name typed at
    a failed sign-in), site, dates and address."""
    require_capability(request.user, "hub.view_auth_log")
    form = AuthLogFilter(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    events = AuthEvent.objects.all()
    if kind := data.get("kind"):
        events = events.filter(kind=kind)
    if person := (data.get("person") or "").strip():
        people = User.objects.filter(Q(name__icontains=person) | Q(username__icontains=person))
        events = events.filter(
            Q(user__in=people.values("pk"))
            | Q(kind=AuthEvent.Kind.LOGIN_FAILED, detail__icontains=person)
        )
    if site := data.get("site"):
        events = events.filter(site_id=site)
    zone = timezone.get_current_timezone()
    if since := _day(data.get("since")):
        events = events.filter(at__gte=datetime.datetime.combine(since, datetime.time(), zone))
    if until := _day(data.get("until")):
        end = until + datetime.timedelta(days=1)
        events = events.filter(at__lt=datetime.datetime.combine(end, datetime.time(), zone))
    if address := data.get("address"):
        events = events.filter(address=address)
    page = Paginator(events.order_by("-at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page)
    users = User.objects.in_bulk({e.user_id for e in entries if e.user_id})
    sites = Site.objects.only("pk", "name").in_bulk({e.site_id for e in entries if e.site_id})
    rows = [
        {"event": e, "user": users.get(e.user_id or 0), "site": sites.get(e.site_id or 0)}
        for e in entries
    ]
    return render(request, "hub/audit.html", {"form": form, "page": page, "rows": rows})
