"""Step g (the school confirms each session) and step h (instructor pay and students' points).

Pay comes only from confirmed sessions (``SessionReport``): how long the class really ran, not
the timetable. Amounts are integer won, computed with integer arithmetic (a rate per hour times
minutes, divided by 60 rounding down), so a statement adds up to the won. A month closed for
payroll never changes: a later correction of a report becomes an adjustment line, in the first
month still open.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User
from openclass.core.db import CompiledQuery
from openclass.courses import selectors as courses
from openclass.courses.models import Session
from openclass.live import selectors as live

from ..models import (
    Application,
    InstructorProfile,
    PayLine,
    PayMonth,
    PointEntry,
    PointRule,
    Rate,
    SessionReport,
    SessionReportChange,
)


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def open_month_for(day: datetime.date) -> PayMonth:
    """The pay month a line for ``day`` goes into: that month, or the first one after it that is
    not closed yet."""
    month = first_of_month(day)
    while True:
        row, _created = PayMonth.objects.get_or_create(month=month)
        if row.closed_at is None:
            return row
        month = _next_month(month)


# --- Step g: confirming sessions ------------------------------------------------------------


def _application_of(session: Session) -> Application:
    application = Application.objects.filter(course=session.course_id).first()
    if application is None:
        raise ValidationError(_("This course was not opened through an application."))
    return application


def measured_minutes(session: Session, today: datetime.date | None = None) -> int | None:
    """How long the session ran as the platform saw it: a live class from its start to its end,
    a recorded lesson its video's length; ``None`` when it has not happened yet."""
    today = today or timezone.localdate()
    if session.kind == Session.Kind.LIVE:
        return live.delivered_minutes(session)
    if session.day > today:
        return None
    duration = session.lesson.duration if session.lesson else None
    return -(-int(duration) // 60) if duration else 0


@dataclass
class SessionHeld:
    """A session of a course opened through an application, as its page lists it: confirmed
    (``report``) or not, with the minutes the platform measured while it is not."""

    session: Session
    report: SessionReport | None
    measured: int | None


def list_sessions_held(application: Application) -> list[SessionHeld]:
    """The sessions of the application's course in order, for confirming them (step g)."""
    if application.course is None:
        return []
    rows = []
    for session in application.course.sessions.select_related("report", "lesson"):
        report = getattr(session, "report", None)
        rows.append(SessionHeld(session, report, None if report else measured_minutes(session)))
    return rows


def attendance_counts(session: Session) -> tuple[int, int]:
    """(students enrolled, students who attended) of the session now."""
    return courses.enrolled_count(session.course_id), len(courses.attended_student_ids(session))


def confirm_session(
    actor: User,
    session: Session,
    *,
    minutes: int | None = None,
    in_person: bool = False,
    now: datetime.datetime | None = None,
) -> SessionReport:
    """The school (or the office) confirms a session that has taken place: the minutes taught
    (the measured figure unless they give another), in person or not, and the attendance as it
    stands. That locks the record, prices the session for the instructor and awards the
    students their points; once every session is confirmed the application is completed."""
    now = now or timezone.now()
    application = _application_of(session)
    if not has_capability(actor, "operations.confirm_sessions", application):
        raise PermissionDenied(_("Only the school or the office confirms sessions."))
    measured = measured_minutes(session, timezone.localdate(now))
    if measured is None:
        raise ValidationError(_("The session has not taken place yet."))
    minutes = measured if minutes is None else minutes
    if not 0 <= minutes <= 24 * 60:
        raise ValidationError({"minutes": _("Give the minutes taught, from 0 to 1,440.")})
    enrolled, attended = attendance_counts(session)
    try:
        with transaction.atomic():
            report = SessionReport.objects.create(
                session=session,
                minutes=minutes,
                in_person=in_person,
                enrolled=enrolled,
                attended=attended,
                confirmed_by=actor,
                confirmed_at=now,
            )
            _price(report, application, PayLine.Kind.SESSION, now)
            _award_attendance(session)
            _complete_when_all_confirmed(application, actor)
    except IntegrityError:
        raise ValidationError(_("This session is confirmed already.")) from None
    return report


def change_session_report(
    actor: User,
    report: SessionReport,
    *,
    minutes: int,
    in_person: bool,
    reason: str,
    now: datetime.datetime | None = None,
) -> SessionReport:
    """Correct a confirmed session, with a reason kept in its history. The pay already computed
    stays as it was; the difference is a new adjustment line."""
    now = now or timezone.now()
    application = _application_of(report.session)
    if not has_capability(actor, "operations.confirm_sessions", application):
        raise PermissionDenied(_("Only the school or the office confirms sessions."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the confirmed session changes.")})
    if not 0 <= minutes <= 24 * 60:
        raise ValidationError({"minutes": _("Give the minutes taught, from 0 to 1,440.")})
    with transaction.atomic():
        locked = SessionReport.objects.select_for_update().get(pk=report.pk)
        before = {"minutes": locked.minutes, "in_person": locked.in_person}
        locked.minutes, locked.in_person = minutes, in_person
        locked.save(update_fields=["minutes", "in_person"])
        SessionReportChange.objects.create(
            report=locked,
            before=before,
            after={"minutes": minutes, "in_person": in_person},
            reason=reason,
            changed_by=actor,
        )
        _price(locked, application, PayLine.Kind.ADJUSTMENT, now, reason=reason)
    return locked


# --- Step h: pay ----------------------------------------------------------------------------


def rate_for(instructor_kind: str, session_kind: str, day: datetime.date) -> Rate | None:
    """The rate in force on ``day``: from the newest table that had started by then."""
    return (
        Rate.objects.filter(
            table__effective_from__lte=day,
            instructor_kind=instructor_kind,
            session_kind=session_kind,
        )
        .order_by("-table__effective_from")
        .first()
    )


@dataclass
class Price:
    minutes: int
    amount_won: int
    detail: str


def price(report: SessionReport, instructor_kind: str, earlier_in_month_won: int = 0) -> Price:
    """What one confirmed session pays under the rate table, and how (the line's detail):
    the minutes up to the rate's cap, the hourly rate, the reduced rate when attendance was
    below the office's minimum, the travel allowance in person, the monthly cap."""
    session = report.session
    if report.in_person:
        session_kind = Rate.SessionKind.IN_PERSON
    elif session.kind == Session.Kind.LIVE:
        session_kind = Rate.SessionKind.LIVE
    else:
        session_kind = Rate.SessionKind.RECORDED
    rate = rate_for(instructor_kind, session_kind, session.day)
    if rate is None:
        raise ValidationError(
            _("The office has not set a rate for %(kind)s: %(session)s.")
            % {
                "kind": InstructorProfile.Kind(instructor_kind).label,
                "session": Rate.SessionKind(session_kind).label,
            }
        )
    minutes = min(report.minutes, rate.max_minutes)
    amount = rate.hourly_won * minutes // 60
    parts = [
        _("%(minutes)d min × %(rate)s won/h") % {"minutes": minutes, "rate": f"{rate.hourly_won:,}"}
    ]
    if report.minutes > rate.max_minutes:
        parts.append(_("paid up to %(max)d min") % {"max": rate.max_minutes})
    if report.attendance_percent < rate.min_attendance_percent:
        amount = amount * rate.reduced_percent // 100
        parts.append(
            _("attendance %(percent)d%% below %(minimum)d%%: %(reduced)d%% of the rate")
            % {
                "percent": report.attendance_percent,
                "minimum": rate.min_attendance_percent,
                "reduced": rate.reduced_percent,
            }
        )
    if session_kind == Rate.SessionKind.IN_PERSON and rate.travel_won:
        amount += rate.travel_won
        parts.append(_("travel %(won)s won") % {"won": f"{rate.travel_won:,}"})
    if rate.monthly_cap_won is not None:
        room = max(0, rate.monthly_cap_won - earlier_in_month_won)
        if amount > room:
            amount = room
            parts.append(
                _("monthly cap %(won)s won reached") % {"won": f"{rate.monthly_cap_won:,}"}
            )
    return Price(minutes, amount, " · ".join(parts))


def _price(
    report: SessionReport,
    application: Application,
    kind: str,
    now: datetime.datetime,
    reason: str = "",
) -> PayLine | None:
    """Write the line that brings the instructor's pay for ``report`` to what it is worth now:
    the whole amount the first time, the difference (an adjustment) after a change."""
    instructor = application.instructor
    assert instructor is not None  # sessions are held, and paid, once an instructor accepted
    profile = InstructorProfile.objects.get(user=instructor)
    month = open_month_for(report.session.day)
    paid_before = PayLine.objects.filter(report=report).aggregate(
        won=Sum("amount_won"), minutes=Sum("minutes")
    )
    others_in_month = (
        PayLine.objects.filter(instructor=instructor, month=month)
        .exclude(report=report)
        .aggregate(won=Sum("amount_won"))["won"]
        or 0
    )
    worth = price(report, profile.kind, earlier_in_month_won=others_in_month)
    difference = worth.amount_won - (paid_before["won"] or 0)
    if kind == PayLine.Kind.ADJUSTMENT and difference == 0:
        return None
    detail = worth.detail if kind == PayLine.Kind.SESSION else f"{reason} ({worth.detail})"
    return PayLine.objects.create(
        instructor=instructor,
        month=month,
        report=report,
        kind=kind,
        minutes=worth.minutes - (paid_before["minutes"] or 0),
        amount_won=difference,
        detail=detail[:300],
    )


def close_month(
    actor: User, month: datetime.date, now: datetime.datetime | None = None
) -> PayMonth:
    """The office closes a month for payroll: its lines are final from then on."""
    if not has_capability(actor, "pay.close_month"):
        raise PermissionDenied(_("Only the office closes a pay month."))
    if not PayLine.objects.filter(month__month=first_of_month(month)).exists():
        raise ValidationError(
            _("There is nothing to close in %(month)s: no session of that month is confirmed.")
            % {"month": f"{month:%Y-%m}"}
        )
    with transaction.atomic():
        row, _created = PayMonth.objects.select_for_update().get_or_create(
            month=first_of_month(month)
        )
        if row.closed_at is None:
            row.closed_at, row.closed_by = now or timezone.now(), actor
            row.save(update_fields=["closed_at", "closed_by"])
    return row


def latest_paid_month(instructor: User | None = None) -> datetime.date | None:
    """The newest month with confirmed sessions (pay lines): the one the pay page opens on
    (for an instructor, the newest with lines of theirs). None when there is none yet."""
    lines = PayLine.objects.all()
    if instructor is not None:
        lines = lines.filter(instructor=instructor)
    return lines.aggregate(newest=Max("month__month"))["newest"]


def get_statement(instructor: User, month: datetime.date) -> tuple[list[PayLine], int]:
    """An instructor's lines of a month and their total (won)."""
    lines = list(
        PayLine.objects.filter(instructor=instructor, month__month=first_of_month(month))
        .select_related("report__session__course")
        .order_by("report__session__day", "pk")
    )
    return lines, sum(line.amount_won for line in lines)


def list_payroll(month: datetime.date) -> list[dict]:
    """The office's summary of a month: per instructor, sessions, minutes and total won."""
    rows = (
        PayLine.objects.filter(month__month=first_of_month(month))
        .values("instructor", "instructor__name", "instructor__instructor_profile__kind")
        .annotate(
            sessions=Count("report", distinct=True, filter=Q(kind=PayLine.Kind.SESSION)),
            minutes=Sum("minutes"),
            won=Sum("amount_won"),
        )
        .order_by("instructor__name", "instructor")
    )
    return list(rows)


# --- Points ---------------------------------------------------------------------------------


def _award(event: str, source: str, student_ids: list[int]) -> int:
    rule = PointRule.objects.filter(event=event).first()
    if rule is None or not student_ids:
        return 0
    created = PointEntry.objects.bulk_create(
        [
            PointEntry(student_id=pk, event=event, source=source, points=rule.points)
            for pk in student_ids
        ],
        ignore_conflicts=True,
    )
    return len(created)


def _award_attendance(session: Session) -> None:
    ids = courses.attended_student_ids(session)
    _award(PointRule.Event.ATTENDED, f"session:{session.pk}", ids)


def balance(student: User) -> int:
    """A student's points: the sum of their ledger."""
    rows = _BALANCE.rows(student.pk)
    return (rows[0][0] if rows else 0) or 0


# On every student's home page: compiled (core.db).
_BALANCE = CompiledQuery(
    lambda student: (
        PointEntry.objects.filter(student=student)
        .values("student")
        .annotate(total=Sum("points"))
        .values_list("total")
        .order_by()
    )
)


def _complete_when_all_confirmed(application: Application, actor: User) -> None:
    """The last confirmed session completes the application (step g done) and awards the
    course-completion points to the students who completed it."""
    course = application.course
    if application.state != Application.State.OPENED or course is None:
        return
    if Session.objects.filter(course=course, report__isnull=True).exists():
        return
    from . import workflow

    workflow.complete_application(application, actor)
    completed = courses.completed_student_ids(course.pk)
    _award(PointRule.Event.COMPLETED, f"course:{course.pk}", completed)
