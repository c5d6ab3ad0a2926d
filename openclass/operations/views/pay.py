"""Pages of steps g and h: confirming sessions, statements and the payroll."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import AuthenticatedRequest, User
from openclass.core.downloads import xlsx_response
from openclass.core.views import perform
from openclass.courses.models import Session

from .. import access
from ..forms import SessionReportForm
from ..models import PayMonth, SessionReport
from ..services import exports, pay


def _month(request: HttpRequest, instructor: User | None = None) -> datetime.date:
    """The month asked for; without one, the newest month with confirmed sessions (of
    ``instructor`` when given), or this month when there is none yet."""
    try:
        return datetime.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        return pay.latest_paid_month(instructor) or pay.first_of_month(timezone.localdate())


def _session_of(request: AuthenticatedRequest, pk: int, session_id: int) -> Session:
    application = get_object_or_404(access.visible_applications(request.user), pk=pk)
    return get_object_or_404(Session, pk=session_id, course=application.course_id)


def _flash_errors(request: HttpRequest, form: BaseForm) -> None:
    for problems in form.errors.values():
        for problem in problems:
            messages.error(request, str(problem))  # (an ErrorList gives its messages)


@login_required
@require_POST
def confirm(request: AuthenticatedRequest, pk: int, session_id: int) -> HttpResponse:
    session = _session_of(request, pk, session_id)
    form = SessionReportForm(request.POST)
    if not form.is_valid():
        _flash_errors(request, form)
    elif perform(
        request,
        pay.confirm_session,
        request.user,
        session,
        minutes=form.cleaned_data["minutes"],
        in_person=form.cleaned_data["in_person"],
    ):
        messages.success(request, _("The session is confirmed."))
    return redirect("operations:application", pk)


@login_required
@require_POST
def change(request: AuthenticatedRequest, pk: int, session_id: int) -> HttpResponse:
    session = _session_of(request, pk, session_id)
    report = get_object_or_404(SessionReport, session=session)
    form = SessionReportForm(request.POST)
    if not form.is_valid():
        _flash_errors(request, form)
    elif perform(
        request,
        pay.change_session_report,
        request.user,
        report,
        minutes=report.minutes
        if form.cleaned_data["minutes"] is None
        else form.cleaned_data["minutes"],
        in_person=form.cleaned_data["in_person"],
        reason=form.cleaned_data["reason"],
    ):
        messages.success(request, _("The change is saved; the pay is adjusted."))
    return redirect("operations:application", pk)


@login_required
def pay_home(request: AuthenticatedRequest) -> HttpResponse:
    """The office's payroll of a month; an instructor's own statement."""
    if has_capability(request.user, "pay.view_all"):
        month = _month(request)
        closed = PayMonth.objects.filter(month=month, closed_at__isnull=False).first()
        if request.GET.get("format") == "xlsx":
            return xlsx_response(exports.payroll_xlsx(month), f"payroll-{month:%Y-%m}.xlsx")
        return render(
            request,
            "operations/payroll.html",
            {"month": month, "rows": pay.list_payroll(month), "closed": closed},
        )
    require_capability(request.user, "pay.view_own")
    return _statement(request, request.user, _month(request, request.user))


@login_required
def instructor_statement(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    require_capability(request.user, "pay.view_all")
    instructor = get_object_or_404(User, pk=user_id)
    return _statement(request, instructor, _month(request, instructor))


def _statement(request: HttpRequest, instructor: User, month: datetime.date) -> HttpResponse:
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            exports.statement_xlsx(instructor, month),
            f"statement-{instructor.username}-{month:%Y-%m}.xlsx",
        )
    lines, total = pay.get_statement(instructor, month)
    return render(
        request,
        "operations/statement.html",
        {"instructor": instructor, "month": month, "lines": lines, "total": total},
    )


@login_required
@require_POST
def close_month(request: AuthenticatedRequest) -> HttpResponse:
    month = _month(request)
    if perform(request, pay.close_month, request.user, month):
        messages.success(request, _("The month is closed for payroll."))
    return redirect(f"{reverse('operations:pay')}?month={month:%Y-%m}")
