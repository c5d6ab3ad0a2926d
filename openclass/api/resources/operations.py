"""Operations: the course applications (개설 신청) the caller may follow, as the applications
pages show them (``operations.access.visible_applications``: the office every one, a school
administrator their school's, anyone those they made or were invited to teach), and pay
statements (강사료): an instructor's or teacher's own ("pay.view_own"); the office's payroll and
anyone's statement ("pay.view_all"), as the pay pages.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import User
from openclass.operations import access
from openclass.operations.models import Application
from openclass.operations.services import pay

from ..framework import (
    ApiError,
    ApiRequest,
    Page,
    get_visible_or_404,
    paginate,
    require_scope,
    since,
)
from .courses import Clock, Id

router = Router(tags=["operations"])


# --- Applications ----------------------------------------------------------------------------


class PreferredSessionOut(Schema):
    day: datetime.date
    starts_at: Clock
    ends_at: Clock

    @staticmethod
    def resolve_starts_at(wish: Any) -> str:
        return f"{wish.starts_at:%H:%M}"

    @staticmethod
    def resolve_ends_at(wish: Any) -> str:
        return f"{wish.ends_at:%H:%M}"


class ApplicationOut(Schema):
    id: int
    call_id: int
    title: str
    state: str
    school_id: int
    audience_id: int
    topic: str
    plan: str
    expected_students: int
    delivery: str
    applicant_id: int
    instructor_id: int | None
    course_id: int | None
    recording: str
    state_changed_at: datetime.datetime
    created_at: datetime.datetime
    updated_at: datetime.datetime
    preferred_sessions: list[PreferredSessionOut]

    @staticmethod
    def resolve_topic(application: Application) -> str:
        return application.topic.code

    @staticmethod
    def resolve_preferred_sessions(application: Application) -> list[Any]:
        return list(application.preferred_sessions.all())


def _applications(request: ApiRequest) -> Any:
    user = request.user
    require_capability(user, "operations.view_applications")
    return access.visible_applications(user).select_related("topic")


@router.get(
    "/applications",
    response=Page[ApplicationOut],
    summary="Course applications the caller may follow",
)
def applications_list(
    request: ApiRequest,
    cursor: str | None = None,
    limit: int = 50,
    updated_since: datetime.datetime | None = None,
    state: str | None = None,
) -> dict[str, Any]:
    require_scope(request, "operations")
    rows = since(_applications(request), updated_since).prefetch_related("preferred_sessions")
    if state:
        if state not in Application.State.values:
            raise ApiError(
                422, _("There is no such state: %(state)s.") % {"state": state}, code="invalid"
            )
        rows = rows.filter(state=state)
    order = ("updated_at", "pk") if updated_since else ("pk",)
    return paginate(request, rows, cursor=cursor, limit=limit, order=order)


@router.get("/applications/{id:pk}", response=ApplicationOut, summary="One course application")
def application_detail(request: ApiRequest, pk: int) -> Application:
    require_scope(request, "operations")
    return get_visible_or_404(_applications(request), pk)


# --- Pay -------------------------------------------------------------------------------------


class PayLineOut(Schema):
    id: int
    kind: str
    session_id: int
    course_id: int
    day: datetime.date
    minutes: int
    amount_won: int
    detail: str
    updated_at: datetime.datetime

    @staticmethod
    def resolve_session_id(line: Any) -> int:
        return int(line.report.session_id)

    @staticmethod
    def resolve_course_id(line: Any) -> int:
        return int(line.report.session.course_id)

    @staticmethod
    def resolve_day(line: Any) -> datetime.date:
        day: datetime.date = line.report.session.day
        return day


class StatementOut(Schema):
    instructor_id: int
    instructor_name: str
    month: str
    total_won: int
    lines: list[PayLineOut]


class PayrollRowOut(Schema):
    instructor_id: int
    instructor_name: str
    sessions: int
    minutes: int
    won: int


def _month(month: str | None) -> datetime.date:
    """``YYYY-MM`` (this month when not given); a 422 problem otherwise."""
    if not month:
        return pay.first_of_month(timezone.localdate())
    try:
        return datetime.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise ApiError(422, _("Give the month as YYYY-MM, e.g. 2026-03."), code="invalid") from None


@router.get("/pay/statement", response=StatementOut, summary="A pay statement of a month")
def pay_statement(
    request: ApiRequest, month: str | None = None, instructor: Id | None = None
) -> dict[str, Any]:
    """The caller's own statement ("pay.view_own"); with ``instructor``, that person's, for the
    office ("pay.view_all")."""
    require_scope(request, "operations")
    user = request.user
    if instructor is None:
        require_capability(user, "pay.view_own")
        person = user
    else:
        require_capability(user, "pay.view_all")
        person = get_visible_or_404(User.objects.all(), instructor)
    first = _month(month)
    lines, total = pay.get_statement(person, first)
    return {
        "instructor_id": person.pk,
        "instructor_name": person.name,
        "month": f"{first:%Y-%m}",
        "total_won": total,
        "lines": lines,
    }


@router.get("/pay/payroll", response=list[PayrollRowOut], summary="The office's payroll of a month")
def pay_payroll(request: ApiRequest, month: str | None = None) -> list[dict[str, Any]]:
    require_scope(request, "operations")
    require_capability(request.user, "pay.view_all")
    return [
        {
            "instructor_id": row["instructor"],
            "instructor_name": row["instructor__name"],
            "sessions": row["sessions"],
            "minutes": row["minutes"] or 0,
            "won": row["won"] or 0,
        }
        for row in pay.list_payroll(_month(month))
    ]
