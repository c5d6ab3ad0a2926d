"""The privacy pages: the access-log search (접속기록 조회) for the office and the schools'
privacy officers; "download my data"; a student's leaving school and the schedule of leavers."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts import scoping
from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import AuthenticatedRequest, User
from openclass.core.params import parse_id
from openclass.core.views import perform

from . import access, archive, services
from .consents import PURPOSES
from .forms import LeavingForm
from .models import AccessRecord, AccessSubject, Consent, Departure
from .services import cancel_leaving, record_leaving, record_read

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
    return render(
        request,
        "privacy/access_log.html",
        {
            "page": page_obj,
            "rows": rows,
            "student": student,
            "actor": actor,
            "what": what,
            "since": since,
            "until": until,
            "whats": AccessRecord.What.choices,
            "school": None if access.is_city_wide(request.user) else request.user.organisation,
        },
    )


# --- Download my data (내 정보 내려받기) ----------------------------------------------------


@login_required
def my_data(request: AuthenticatedRequest) -> HttpResponse:
    """What the archive holds, the button for one's own, and a parent's children: a button for
    each child under 14, a word on why not for the others."""
    require_capability(request.user, "privacy.export_own")
    children = []
    if has_capability(request.user, "privacy.export_child"):
        for child in scoping.children_of(request.user).select_related(
            "organisation__parent__parent"
        ):
            children.append(
                {
                    "child": child,
                    "allowed": has_capability(request.user, "privacy.export_child", child),
                }
            )
    return render(request, "privacy/my_data.html", {"children": children})


@login_required
@require_POST
def data_export(request: AuthenticatedRequest) -> FileResponse:
    """The archive of the signed-in person, or (``student``) of their child under 14: a child
    not theirs is a 404, one of 14 or over a 403. Logged in the access log."""
    require_capability(request.user, "privacy.export_own")
    person: User = request.user
    if "student" in request.POST:
        if not has_capability(request.user, "privacy.export_child"):
            raise PermissionDenied
        person = get_object_or_404(
            scoping.children_of(request.user).select_related("organisation__parent__parent"),
            pk=parse_id(request.POST["student"]) or 0,
        )
        require_capability(request.user, "privacy.export_child", person)
    record_read(request, AccessRecord.What.DATA_EXPORT, [person], person, own_too=True)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response = FileResponse(
        archive.spooled(person),
        as_attachment=True,
        filename=f"openclass-{person.username}-{stamp}.zip",
        content_type="application/zip",
    )
    return response


# --- Leaving school ---------------------------------------------------------------------------


@login_required
def leaving(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Record that a student left school (from their person page)."""
    student = get_object_or_404(scoping.visible_users(request.user), pk=pk)
    require_capability(request.user, "privacy.record_leaving", student)
    departure = Departure.objects.filter(person=student).first()
    form = LeavingForm(request.POST or None)
    if (
        departure is None
        and request.method == "POST"
        and form.is_valid()
        and perform(
            request, record_leaving, request.user, student, form.cleaned_data["left_on"], form=form
        )
    ):
        messages.success(request, _("The leaving is recorded and the account is deactivated."))
        return redirect("privacy:leavers")
    return render(
        request,
        "privacy/leaving.html",
        {
            "student": student,
            "departure": departure,
            "form": form,
            "retention_days": services.leaver_retention_days(),
        },
    )


@login_required
def leavers(request: AuthenticatedRequest) -> HttpResponse:
    """The schedule: who left when, and when their account is (or was) pseudonymised."""
    require_capability(request.user, "privacy.record_leaving")
    departures = access.visible_departures(request.user).select_related("person", "school")
    state = request.GET.get("state", "")
    if state == "waiting":
        departures = departures.filter(pseudonymised_at__isnull=True)
    elif state == "done":
        departures = departures.filter(pseudonymised_at__isnull=False)
    page = Paginator(departures.order_by("pseudonymise_on", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "privacy/leavers.html",
        {"page": page, "state": state, "today": timezone.localdate()},
    )


@login_required
@require_POST
def leaving_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    departure = get_object_or_404(
        access.visible_departures(request.user).select_related("person"), pk=pk
    )
    if perform(request, cancel_leaving, request.user, departure):
        messages.success(request, _("The leaving is cancelled and the account is active again."))
    return redirect("privacy:leavers")


# --- Consents (동의 관리) ----------------------------------------------------------------------


@login_required
def consents(request: AuthenticatedRequest) -> HttpResponse:
    """Each consent of the student (or of each child), its text and where it stands, with the
    buttons for whoever decides it."""
    require_capability(request.user, "privacy.consent")
    people = []
    for student in access.consent_subjects(request.user):
        standing = {
            c.purpose: c for c in Consent.objects.filter(person=student, withdrawn_at__isnull=True)
        }
        people.append(
            {
                "student": student,
                "decides": has_capability(request.user, "privacy.consent", student),
                "under_fourteen": access.under_fourteen(student),
                "purposes": [
                    {
                        "purpose": purpose,
                        "consent": standing.get(code),
                        "current": code in standing and standing[code].version == purpose.version,
                    }
                    for code, purpose in PURPOSES.items()
                ],
            }
        )
    return render(request, "privacy/consents.html", {"people": people})


@login_required
@require_POST
def consent_decide(request: AuthenticatedRequest) -> HttpResponse:
    """Give or withdraw one consent (``student``, ``purpose``, ``action``: give or withdraw)."""
    require_capability(request.user, "privacy.consent")
    wanted = parse_id(request.POST.get("student", ""))
    student = next((s for s in access.consent_subjects(request.user) if s.pk == wanted), None)
    if student is None:
        raise Http404
    purpose = request.POST.get("purpose", "")
    action = request.POST.get("action", "")
    if action == "give":
        if perform(request, services.give_consent, request.user, student, purpose):
            messages.success(request, _("The consent is recorded."))
    elif action == "withdraw":
        if perform(request, services.withdraw_consent, request.user, student, purpose):
            messages.success(request, _("The consent is withdrawn."))
    else:
        raise Http404
    return redirect("privacy:consents")
