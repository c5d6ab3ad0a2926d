"""The access-log search (접속기록 조회) for the office and the schools' privacy officers."""

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

from . import access
from .models import AccessRecord, AccessSubject

PAGE_SIZE = 50
#: Students named per entry on the page; the rest are counted ("and 27 more").
NAMES_SHOWN = 5


def _date(value: str) -> datetime.date | None:
    """A YYYY-MM-DD date from the form, or None (anything else, or a year the log cannot hold,
    is "not given")."""
    try:
        day = datetime.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None
    return day if day is not None and 2000 <= day.year < 9999 else None


def _people(query: str) -> Q:
    return Q(name__icontains=query) | Q(username__icontains=query)


@login_required
def access_log(request: AuthenticatedRequest) -> HttpResponse:
    """Entries newest first, filtered by student, actor, dates and what was read."""
    require_capability(request.user, "privacy.view_access_log")
    records = access.visible_records(request.user)
    student = request.GET.get("student", "").strip()[:60]
    actor = request.GET.get("actor", "").strip()[:60]
    what = request.GET.get("what", "")
    since = _date(request.GET.get("since", ""))
    until = _date(request.GET.get("until", ""))
    subjects = access.visible_subjects(request.user)
    if student:
        matching = User.objects.filter(_people(student)).values("pk")
        records = records.filter(pk__in=subjects.filter(student__in=matching).values("record_id"))
    if actor:
        records = records.filter(actor__in=User.objects.filter(_people(actor)).values("pk"))
    if what in AccessRecord.What.values:
        records = records.filter(what=what)
    zone = timezone.get_current_timezone()
    if since:
        records = records.filter(at__gte=datetime.datetime.combine(since, datetime.time(), zone))
    if until:
        end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time(), zone)
        records = records.filter(at__lt=end)
    page = Paginator(records.select_related("actor", "klass").order_by("-seq"), PAGE_SIZE)
    page_obj = page.get_page(request.GET.get("page"))
    entries = list(page_obj)
    named: dict[int, list[AccessSubject]] = {}
    for subject in (
        subjects.filter(record__in=[e.pk for e in entries])
        .select_related("student")
        .order_by("record_id", "student__name")
    ):
        named.setdefault(subject.record_id, []).append(subject)
    rows = [
        {
            "entry": entry,
            "students": named.get(entry.pk, [])[:NAMES_SHOWN],
            "more": max(0, len(named.get(entry.pk, [])) - NAMES_SHOWN),
        }
        for entry in entries
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/access_log.html",
        {
            "page": page_obj,
            "rows": rows,
            "query": query.urlencode(),
            "student": student,
            "actor": actor,
            "what": what,
            "since": since,
            "until": until,
            "whats": AccessRecord.What.choices,
            "school": None if access.is_city_wide(request.user) else request.user.organisation,
        },
    )
