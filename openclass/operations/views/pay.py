"""Pages of steps g and h: confirming sessions, statements and the payroll."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.models import User
from openclass.core.downloads import xlsx_response
from openclass.courses.models import Session

from . import access, exports, pay
from .models import PayMonth, SessionReport


def _month(request: HttpRequest) -> datetime.date:
    try:
        return datetime.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        return pay.first_of_month(timezone.localdate())


def _session_of(request: HttpRequest, pk: int, session_id: int) -> Session:
    application = get_object_or_404(access.visible_applications(request.user), pk=pk)
    return get_object_or_404(Session, pk=session_id, course=application.course_id)


def _minutes(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(_("Give the minutes taught, from 0 to 1,440."))
    return int(raw)


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int, session_id: int) -> HttpResponse:
    session = _session_of(request, pk, session_id)
    try:
        pay.confirm(
            request.user,
            session,
            minutes=_minutes(request.POST.get("minutes", "")),
            in_person=request.POST.get("in_person") == "on",
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The session is confirmed."))
    return redirect("operations:application", pk)


@login_required
@require_POST
def change(request: HttpRequest, pk: int, session_id: int) -> HttpResponse:
    session = _session_of(request, pk, session_id)
    report = get_object_or_404(SessionReport, session=session)
    try:
        minutes = _minutes(request.POST.get("minutes", ""))
        pay.change(
            request.user,
            report,
            minutes=report.minutes if minutes is None else minutes,
            in_person=request.POST.get("in_person") == "on",
            reason=request.POST.get("reason", ""),
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The change is saved; the pay is adjusted."))
    return redirect("operations:application", pk)


@login_required
def pay_home(request: HttpRequest) -> HttpResponse:
    """The office's payroll of a month; an instructor's own statement."""
    month = _month(request)
    if access.is_office(request.user):
        closed = PayMonth.objects.filter(month=month, closed_at__isnull=False).first()
        if request.GET.get("format") == "xlsx":
            return xlsx_response(exports.payroll_xlsx(month), f"payroll-{month:%Y-%m}.xlsx")
        return render(
            request,
            "operations/payroll.html",
            {"month": month, "rows": pay.payroll(month), "closed": closed},
        )
    if request.user.role in (User.Role.INSTRUCTOR, User.Role.TEACHER):
        return _statement(request, request.user, month)
    raise Http404


@login_required
def instructor_statement(request: HttpRequest, user_id: int) -> HttpResponse:
    if not access.is_office(request.user):
        raise Http404
    return _statement(request, get_object_or_404(User, pk=user_id), _month(request))


def _statement(request: HttpRequest, instructor: User, month: datetime.date) -> HttpResponse:
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            exports.statement_xlsx(instructor, month),
            f"statement-{instructor.username}-{month:%Y-%m}.xlsx",
        )
    lines, total = pay.statement(instructor, month)
    return render(
        request,
        "operations/statement.html",
        {"instructor": instructor, "month": month, "lines": lines, "total": total},
    )


@login_required
@require_POST
def close_month(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    try:
        pay.close_month(request.user, month)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("The month is closed for payroll."))
    return redirect(f"{reverse('operations:pay')}?month={month:%Y-%m}")
