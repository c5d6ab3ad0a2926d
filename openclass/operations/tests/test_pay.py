"""Step g and h: confirming sessions, pay for a fixture month computed by hand, adjustments after
a month is closed, points, and who may confirm."""

from __future__ import annotations

import datetime
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from openclass.accounts.models import User
from openclass.accounts.tests.fixtures import make_user
from openclass.courses.models import Attendance, Enrolment
from openclass.live.models import LiveRoom
from openclass.operations.models import (
    Application,
    PayLine,
    PayMonth,
    PointEntry,
    PointRule,
    Rate,
    RateTable,
)
from openclass.operations.services import pay, workflow
from openclass.operations.tests.fixtures import Ops


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def opened(ops: Ops) -> Application:
    """An application opened as a live class course of two sessions for 3학년 1반 (two
    students), taught by the fixture's general instructor."""
    application = ops.apply()
    office, school = ops.city.office_admin, ops.city.north.homeroom_a
    workflow.approve_application(office, application)
    workflow.invite_instructor(office, application, ops.city.instructor)
    workflow.accept_invitation(ops.city.instructor, application)
    return workflow.open_course(school, application)


@pytest.fixture
def rates(ops: Ops) -> RateTable:
    table = RateTable.objects.create(
        name="2026 강사료 기준",
        effective_from=datetime.date(2026, 1, 1),
        created_by=ops.city.office_admin,
    )
    common = {"hourly_won": 40_000, "max_minutes": 60, "min_attendance_percent": 60}
    Rate.objects.create(
        table=table, instructor_kind="general", session_kind="live", reduced_percent=80, **common
    )
    Rate.objects.create(
        table=table,
        instructor_kind="general",
        session_kind="in_person",
        reduced_percent=80,
        travel_won=20_000,
        **common,
    )
    PointRule.objects.create(event="attended", points=10)
    PointRule.objects.create(event="completed", points=50)
    return table


def held(session, minutes: int, present: list) -> None:
    """The live class of ``session`` ran ``minutes``; ``present`` attended, the rest absent."""
    start = timezone.make_aware(datetime.datetime.combine(session.day, session.starts_at))
    LiveRoom.objects.create(
        session=session,
        status=LiveRoom.Status.ENDED,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=minutes),
    )
    for enrolment in Enrolment.objects.filter(course=session.course):
        Attendance.objects.create(
            session=session,
            student=enrolment.student,
            status="present" if enrolment.student in present else "absent",
        )


def test_a_month_priced_by_hand(ops: Ops, opened: Application, rates) -> None:
    north = ops.city.north
    first, second = opened.course.sessions.order_by("day")
    second.day = first.day  # one month's statement
    second.save()
    held(first, 45, [north.student_a1])  # 1 of 2 attended: 50 % < 60 %
    held(second, 70, [north.student_a1, north.student_a2])
    school = north.homeroom_a

    one = pay.confirm_session(school, first)
    assert (one.minutes, one.enrolled, one.attended) == (45, 2, 1)
    # 40,000 won/h × 45 min = 30,000, at 80 % for low attendance = 24,000.
    line = PayLine.objects.get(report=one)
    assert (line.amount_won, line.minutes, line.kind) == (24_000, 45, "session")
    assert "45 min × 40,000 won/h" in line.detail and "80%" in line.detail

    two = pay.confirm_session(school, second)
    # 70 minutes ran, 60 are paid: 40,000 won.
    assert PayLine.objects.get(report=two).amount_won == 40_000
    lines, total = pay.get_statement(ops.city.instructor, first.day)
    assert total == 64_000 and len(lines) == 2

    [summary] = pay.list_payroll(first.day)
    assert (summary["won"], summary["sessions"], summary["minutes"]) == (64_000, 2, 105)

    # Every session confirmed: step g is done, the application completes.
    opened.refresh_from_db()
    assert opened.state == Application.State.COMPLETED
    assert opened.events.filter(action="complete").count() == 1
    # Points: 10 per attended session, from the ledger.
    assert pay.balance(north.student_a1) == 20 and pay.balance(north.student_a2) == 10


def test_a_correction_after_the_month_is_closed_is_an_adjustment(
    ops: Ops, opened: Application, rates
) -> None:
    north = ops.city.north
    first = opened.course.sessions.order_by("day").first()
    held(first, 45, [north.student_a1])
    report = pay.confirm_session(north.homeroom_a, first)
    pay.close_month(ops.city.office_admin, first.day)

    with pytest.raises(ValidationError):
        pay.change_session_report(north.homeroom_a, report, minutes=45, in_person=True, reason="  ")
    pay.change_session_report(
        north.homeroom_a, report, minutes=45, in_person=True, reason="학교에 와서 수업했습니다."
    )
    original = PayLine.objects.get(report=report, kind="session")
    assert original.amount_won == 24_000  # the closed month is untouched
    adjustment = PayLine.objects.get(report=report, kind="adjustment")
    # In person: 24,000 + 20,000 travel = 44,000, so +20,000 in the next open month.
    assert adjustment.amount_won == 20_000
    assert adjustment.month.month == pay._next_month(pay.first_of_month(first.day))
    assert "학교에 와서 수업했습니다." in adjustment.detail
    change = report.changes.get()
    assert change.before == {"minutes": 45, "in_person": False}
    assert change.after == {"minutes": 45, "in_person": True}


def test_the_monthly_cap_limits_the_month(ops: Ops, opened: Application, rates) -> None:
    Rate.objects.filter(session_kind="live").update(monthly_cap_won=50_000)
    north = ops.city.north
    first, second = opened.course.sessions.order_by("day")
    # Both sessions in one month for this test.
    second.day = first.day
    second.save()
    held(first, 45, [north.student_a1])
    held(second, 60, [north.student_a1, north.student_a2])
    pay.confirm_session(north.homeroom_a, first)
    report = pay.confirm_session(north.homeroom_a, second)
    line = PayLine.objects.get(report=report)
    assert line.amount_won == 26_000 and "monthly cap" in line.detail


def test_confirming_needs_a_finished_session_the_right_person_and_happens_once(
    ops: Ops, opened: Application, rates
) -> None:
    north = ops.city.north
    first = opened.course.sessions.order_by("day").first()
    with pytest.raises(ValidationError):
        pay.confirm_session(north.homeroom_a, first)  # not held yet
    held(first, 40, [north.student_a1])
    for outsider in (ops.city.south.admin, north.student_a1, ops.city.instructor):
        with pytest.raises(PermissionDenied):
            pay.confirm_session(outsider, first)
    pay.confirm_session(ops.city.office_admin, first)
    with pytest.raises(ValidationError):
        pay.confirm_session(north.homeroom_a, first)
    assert PayLine.objects.filter(report__session=first).count() == 1
    assert PointEntry.objects.filter(source=f"session:{first.pk}").count() == 1


def test_no_rate_no_confirmation(ops: Ops, opened: Application) -> None:
    first = opened.course.sessions.order_by("day").first()
    held(first, 40, [])
    with pytest.raises(ValidationError):
        pay.confirm_session(ops.city.north.homeroom_a, first)
    assert not PayLine.objects.exists()
    assert not PayMonth.objects.filter(lines__isnull=False).exists()


def test_only_the_office_closes_a_month(ops: Ops) -> None:
    with pytest.raises(PermissionDenied):
        pay.close_month(ops.city.north.admin, datetime.date(2026, 11, 1))


def test_the_school_confirms_from_the_application_page(client, ops: Ops, opened, rates) -> None:
    north = ops.city.north
    first = opened.course.sessions.order_by("day").first()
    held(first, 40, [north.student_a1])
    client.force_login(north.homeroom_a)
    url = reverse("operations:application", args=[opened.pk])
    page = client.get(url).content.decode()
    assert reverse("operations:confirm_session", args=[opened.pk, first.pk]) in page
    client.post(
        reverse("operations:confirm_session", args=[opened.pk, first.pk]), {"minutes": "40"}
    )
    assert first.report.minutes == 40
    # Another school can neither see nor confirm.
    client.force_login(ops.city.south.admin)
    response = client.post(reverse("operations:change_session", args=[opened.pk, first.pk]), {})
    assert response.status_code == 404


def test_statements_and_payroll_for_their_readers_only(client, ops: Ops, opened, rates) -> None:
    north = ops.city.north
    first = opened.course.sessions.order_by("day").first()
    held(first, 60, [north.student_a1, north.student_a2])
    pay.confirm_session(north.homeroom_a, first)
    month = f"{first.day:%Y-%m}"
    client.force_login(ops.city.instructor)
    own = client.get(reverse("operations:pay"), {"month": month, "format": "xlsx"})
    assert own.status_code == 200 and own["Content-Type"].startswith("application/vnd.openxml")
    book = load_workbook(BytesIO(own.content))
    assert [row[5] for row in book.active.iter_rows(values_only=True)][-1] == 40_000
    other = make_user("instructor-other", User.Role.INSTRUCTOR)
    client.force_login(other)
    assert "40,000" not in client.get(reverse("operations:pay"), {"month": month}).content.decode()
    statement = reverse("operations:statement", args=[ops.city.instructor.pk])
    assert client.get(statement).status_code == 403
    for person in (north.admin, north.student_a1):
        client.force_login(person)
        assert client.get(reverse("operations:pay")).status_code == 403
    client.force_login(ops.city.office_admin)
    payroll = client.get(reverse("operations:pay"), {"month": month, "format": "xlsx"})
    rows = list(load_workbook(BytesIO(payroll.content)).active.iter_rows(values_only=True))
    assert rows[2][0] == ops.city.instructor.name and rows[2][4] == 40_000
    assert client.get(statement, {"month": month}).status_code == 200


def test_students_and_parents_see_the_points_on_their_home(client, ops: Ops, opened, rates):
    north = ops.city.north
    first = opened.course.sessions.order_by("day").first()
    held(first, 40, [north.student_a1])
    pay.confirm_session(north.homeroom_a, first)
    client.force_login(north.student_a1)
    assert "10 points" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(north.parent_a1)
    assert "10 points" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(north.student_a2)
    assert "0 points" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_pay_workbooks_keep_formula_like_names_as_text(ops: Ops, opened, rates) -> None:
    """An instructor named ``=HYPERLINK(…)`` or a course titled ``@…`` became a formula in the
    statement and the payroll: text is written as text, amounts stay numbers."""
    from openclass.operations.services import exports

    north = ops.city.north
    instructor = ops.city.instructor
    instructor.name = '=HYPERLINK("http://evil.example","강사")'
    instructor.save(update_fields=["name"])
    opened.course.title = "@SUM(1)"
    opened.course.save(update_fields=["title"])
    first = opened.course.sessions.order_by("day").first()
    first.title = "+1+1"
    first.save(update_fields=["title"])
    held(first, 60, [north.student_a1])
    pay.confirm_session(north.homeroom_a, first)
    month = first.day.replace(day=1)
    statement = load_workbook(BytesIO(exports.statement_xlsx(instructor, month))).active
    payroll = load_workbook(BytesIO(exports.payroll_xlsx(month))).active
    line = statement[3]
    assert [(c.value, c.data_type, c.quotePrefix) for c in line[1:3]] == [
        ("@SUM(1)", "s", True),
        ("+1+1", "s", True),
    ]
    amount = line[5].value
    assert line[5].data_type == "n" and isinstance(amount, int) and amount > 0
    assert statement["A1"].data_type == "s" and statement["A1"].value.startswith("=HYPERLINK")
    row = payroll[3]
    assert (row[0].value, row[0].data_type, row[0].quotePrefix) == (instructor.name, "s", True)
    assert (row[4].value, row[4].data_type) == (amount, "n")
