"""One application from a to j in a real browser with its four actors: the teacher applies
for 3학년 1반 (b), the office approves (b), the teacher invites the instructor the system
suggests (c), the instructor accepts from the notification, the teacher opens the course with
the class enrolled (d, e), the live class is held (f, seeded as Janus would report it; the
classroom has its own browser test), the teacher confirms it (g) and the instructor's pay and
the students' points follow (h), the student answers the survey (i), the teacher decides the
recordings and closes it (j)."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from openclass.core.tests.browser import DESKTOP, log_in, serious_axe_violations
from openclass.core.tests.live_server import CLASS_NAME, STUDENT, TEACHER, Person

pytestmark = pytest.mark.browser

OFFICE = Person("office-admin", "최장학사")
INSTRUCTOR = Person("instructor01", "정강사")
CALL = "2027학년도 범교과 강좌 개설 신청"
TITLE = "생명존중 교육: 소중한 나"


def seed_operations() -> None:
    """Inside the live server's Django: the office admin, an approved pool instructor, an
    open call and the rate table."""
    from django.utils import timezone

    from openclass.accounts.models import Organisation, User
    from openclass.catalog.models import Topic
    from openclass.operations.models import Call, InstructorProfile, PointRule, Rate, RateTable

    office = Organisation.objects.get(kind=Organisation.Kind.OFFICE)
    admin = User.objects.create_user(
        OFFICE.username,
        password=OFFICE.password,
        name=OFFICE.name,
        role=User.Role.OFFICE_ADMIN,
        organisation=office,
        is_staff=True,
    )
    instructor = User.objects.create_user(
        INSTRUCTOR.username,
        password=INSTRUCTOR.password,
        name=INSTRUCTOR.name,
        role=User.Role.INSTRUCTOR,
    )
    topic = Topic.objects.order_by("position").first()
    today = timezone.localdate()
    call = Call.objects.create(
        title=CALL,
        opens_on=today - datetime.timedelta(days=5),
        closes_on=today + datetime.timedelta(days=30),
        is_published=True,
        created_by=admin,
    )
    call.topics.add(topic)
    profile = InstructorProfile.objects.create(
        user=instructor,
        kind=InstructorProfile.Kind.GENERAL,
        headline="생명존중 전문 강사",
        career="12년",
        status=InstructorProfile.Status.APPROVED,
    )
    profile.topics.add(topic)
    table = RateTable.objects.create(
        name="강사료 기준", effective_from=datetime.date(2026, 1, 1), created_by=admin
    )
    Rate.objects.create(
        table=table, instructor_kind="general", session_kind="live", hourly_won=45_000
    )
    PointRule.objects.create(event="attended", points=10)


def hold_the_class() -> None:
    """Inside the live server's Django: the course's live class ran 40 minutes, the student
    was there (what Janus's events and the teacher's attendance confirmation leave behind)."""
    from django.utils import timezone

    from openclass.courses.models import Attendance, Enrolment
    from openclass.live.models import LiveRoom
    from openclass.operations.models import Application

    course = Application.objects.get(title=TITLE).course
    session = course.sessions.get()
    start = timezone.now() - datetime.timedelta(hours=1)
    LiveRoom.objects.create(
        session=session,
        status=LiveRoom.Status.ENDED,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=40),
    )
    for enrolment in Enrolment.objects.filter(course=course):
        present = enrolment.student.username == STUDENT.username
        Attendance.objects.create(
            session=session,
            student=enrolment.student,
            status="present" if present else "absent",
            minutes=40 if present else 0,
        )


@pytest.fixture(scope="module")
def seeded(server_shell):
    server_shell(f"{__name__}.seed_operations")
    return lambda function: server_shell(f"{__name__}.{function}")


def take_step(page: Page, action: str) -> None:
    page.locator(f"form:has(input[name=action][value={action}]) button[type=submit]").click()
    page.wait_for_load_state()


def test_one_application_from_a_to_j(seeded, open_page) -> None:
    # The teacher's context lets the axe checker in (an inline script the CSP would block);
    # the other three keep the CSP and fail on any violation.
    teacher = open_page(bypass_csp=True, **DESKTOP)
    office = open_page(**DESKTOP)
    instructor = open_page(**DESKTOP)
    student = open_page(**DESKTOP)
    for page, person in (
        (teacher, TEACHER),
        (office, OFFICE),
        (instructor, INSTRUCTOR),
        (student, STUDENT),
    ):
        log_in(page, person)

    # a, b: the teacher sees the call and applies for the class.
    teacher.goto("/operations/applications/new/")
    expect(teacher.locator("main")).to_contain_text(CALL)
    assert serious_axe_violations(teacher) == []
    form = teacher.locator("main form.stacked")
    form.locator("#id_call").select_option(label=CALL)
    form.locator("#id_topic").select_option(index=1)
    klass = form.locator("#id_audience option", has_text=CLASS_NAME.split()[-1])
    form.locator("#id_audience").select_option(klass.get_attribute("value"))
    form.locator("#id_title").fill(TITLE)
    form.locator("#id_plan").fill("학급 학생들과 생명의 소중함을 이야기합니다.")
    form.locator("#id_expected_students").fill("2")
    form.locator("#id_delivery").select_option("live")
    day = datetime.date.today() + datetime.timedelta(days=7)
    form.locator("#id_sessions-0-day").fill(day.isoformat())
    form.locator("#id_sessions-0-starts_at").fill("10:00")
    form.locator("#id_sessions-0-ends_at").fill("10:40")
    form.locator("button[type=submit]").click()
    expect(teacher).to_have_url(re.compile(r"/operations/applications/\d+/$"))
    application_url = teacher.url
    assert serious_axe_violations(teacher) == []

    # b: the office is notified and approves.
    office.goto("/notifications/")
    office.get_by_role("link", name=re.compile(TITLE)).click()
    expect(office).to_have_url(application_url)
    take_step(office, "approve")

    # c: the teacher invites the suggested instructor, who sees why.
    teacher.goto(application_url)
    suggestion = teacher.locator("input[name=instructor]").first
    expect(teacher.locator("main")).to_contain_text(INSTRUCTOR.name)
    suggestion.check()
    take_step(teacher, "invite")

    # The instructor accepts from their notification.
    instructor.goto("/notifications/")
    instructor.get_by_role("link", name=re.compile(TITLE)).click()
    take_step(instructor, "accept")

    # d, e: the teacher opens the course; the class is enrolled with its live session.
    teacher.goto(application_url)
    take_step(teacher, "open")
    course_link = teacher.locator("main dl.facts a[href^='/courses/']")
    expect(course_link).to_have_text(TITLE)
    student.goto("/courses/")
    expect(student.locator("main")).to_contain_text(TITLE)

    # f, g: after the class, the teacher confirms it; every session confirmed completes it.
    seeded("hold_the_class")
    teacher.goto(application_url)
    minutes = teacher.locator("form[action$='/confirm/'] input[name=minutes]")
    expect(minutes).to_have_value("40")
    teacher.locator("form[action$='/confirm/'] button[type=submit]").click()
    teacher.wait_for_load_state()
    expect(teacher.locator("main .badge").first).to_have_class(re.compile("state-completed"))

    # h: the instructor's statement has the session at 45,000 won/h × 40 min.
    instructor.goto(f"/operations/pay/?month={day:%Y-%m}")
    expect(instructor.locator("main table")).to_contain_text("30,000")

    # i: the student answers the survey from the notification; it is anonymous.
    student.goto("/notifications/")
    student.get_by_role("link", name=re.compile(TITLE)).click()
    for name in ("clarity", "instructor", "overall"):
        student.locator(f"label[for={name}-5]").click()
    student.locator("#comment").fill("재미있었어요.")
    student.locator("main form button[type=submit]").click()
    expect(student.locator("main [role=status]").first).to_be_visible()

    # j: the teacher decides the recordings, then closes the application.
    teacher.goto(application_url)
    teacher.locator("label[for=recording-private]").click()
    teacher.locator("form[action$='/recordings/'] button[type=submit]").click()
    teacher.wait_for_load_state()
    take_step(teacher, "close")
    expect(teacher.locator("main .badge").first).to_have_class(re.compile("state-closed"))
    history = teacher.locator("ol.history li")
    expect(history).to_have_count(8)
