"""The application pages through the test client: applying, each actor's buttons, and the
refusals (another school's application, a student, a step that is not one's own). A page shows
a form or a link only to whom the capability guarding its target lets use it."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from openclass.notifications.mail import send
from openclass.notifications.models import Notification
from openclass.operations.models import Application, InstructorProfile
from openclass.operations.services import workflow
from openclass.operations.tests.fixtures import TODAY, Ops

State = Application.State


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_teacher_applies_through_the_form(client, ops: Ops) -> None:
    north = ops.city.north
    client.force_login(north.homeroom_a)
    page = client.get(reverse("operations:apply"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and ops.call.title in page.content.decode()
    day = (TODAY + datetime.timedelta(days=5)).isoformat()
    response = client.post(
        reverse("operations:apply"),
        {
            "call": ops.call.pk,
            "topic": ops.topic.pk,
            "audience": north.class_a.pk,
            "title": "생명존중 교육",
            "plan": "계획",
            "expected_students": "25",
            "delivery": "live",
            "sessions-TOTAL_FORMS": "4",
            "sessions-INITIAL_FORMS": "0",
            "sessions-0-day": day,
            "sessions-0-starts_at": "10:00",
            "sessions-0-ends_at": "10:40",
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("operations:application", args=[application.pk])
    assert application.preferred_sessions.count() == 1


def test_a_bad_form_changes_nothing_and_says_why(client, ops: Ops) -> None:
    client.force_login(ops.city.north.homeroom_a)
    response = client.post(
        reverse("operations:apply"),
        {
            "call": ops.call.pk,
            "topic": ops.topic.pk,
            "audience": ops.city.north.class_a.pk,
            "title": "",
            "plan": "계획",
            "expected_students": "0",
            "delivery": "live",
            "sessions-TOTAL_FORMS": "4",
            "sessions-INITIAL_FORMS": "0",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert not Application.objects.exists()
    assert "This field is required." in response.content.decode()


def test_students_and_parents_cannot_apply_or_list(client, ops: Ops) -> None:
    # The pages exist for everyone; their roles do not hold the capability: 403.
    for person in (ops.city.north.student_a1, ops.city.north.parent_a1):
        client.force_login(person)
        assert client.get(reverse("operations:apply")).status_code == 403
        assert client.get(reverse("operations:applications")).status_code == 403


def test_another_school_sees_nothing_of_an_application(client, ops: Ops) -> None:
    application = ops.apply()
    client.force_login(ops.city.south.admin)
    assert client.get(reverse("operations:application", args=[application.pk])).status_code == 404
    response = client.post(
        reverse("operations:step", args=[application.pk]), {"action": "withdraw", "reason": "x"}
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    listing = client.get(reverse("operations:applications")).content.decode()
    assert application.title not in listing


def test_the_office_approves_from_the_page_and_the_school_is_told(client, ops: Ops) -> None:
    application = ops.apply()
    client.force_login(ops.city.office_admin)
    page = client.get(reverse("operations:application", args=[application.pk])).content.decode()
    assert 'value="approve"' in page and 'value="withdraw"' not in page
    response = client.post(reverse("operations:step", args=[application.pk]), {"action": "approve"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.APPROVED
    told = Notification.objects.filter(recipient=ops.city.north.homeroom_a).get()
    assert told.url == reverse("operations:application", args=[application.pk])
    # Opening the page reads the notification.
    client.force_login(ops.city.north.homeroom_a)
    client.get(told.url)
    told.refresh_from_db()
    assert told.read_at is not None


def test_an_illegal_step_from_the_page_is_explained(client, ops: Ops) -> None:
    application = ops.apply()
    client.force_login(ops.city.office_admin)
    response = client.post(
        reverse("operations:step", args=[application.pk]),
        {"action": "open"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    assert "is not possible now" in response.content.decode()


def test_a_step_not_ones_own_is_a_403(client, ops: Ops) -> None:
    # The applicant sees the application (so no 404) but may not approve it.
    application = ops.apply()
    client.force_login(ops.city.north.homeroom_a)
    response = client.post(reverse("operations:step", args=[application.pk]), {"action": "approve"})
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_notifications_are_emailed_once_and_only_to_their_owner(client, ops: Ops) -> None:
    ops.city.office_admin.email = "office@example.kr"
    ops.city.office_admin.save()
    ops.apply()
    notification = Notification.objects.get(recipient=ops.city.office_admin)
    assert send([notification.pk]) == 1 and send([notification.pk]) == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["office@example.kr"]
    assert reverse("notifications:open", args=[notification.pk]) in mail.outbox[0].body
    client.force_login(ops.city.north.homeroom_a)
    listing = client.get(reverse("notifications:list")).content.decode()
    assert notification.subject not in listing
    client.post(reverse("notifications:read"), {"id": str(notification.pk)})
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_office_decides_the_recordings_from_the_page_as_it_may(client, ops: Ops) -> None:
    # The office may decide (and close the application, which needs the decision): the form
    # was shown to the applying school only.
    application = ops.apply()
    office = ops.city.office_admin
    workflow.approve_application(office, application)
    workflow.invite_instructor(office, application, ops.city.instructor)
    workflow.accept_invitation(ops.city.instructor, application)
    application = workflow.open_course(office, application)
    recordings = reverse("operations:recordings", args=[application.pk])
    page = reverse("operations:application", args=[application.pk])
    client.force_login(office)
    assert recordings in client.get(page).content.decode()
    assert client.post(recordings, {"recording": "private"}).status_code == 302
    application.refresh_from_db()
    assert application.recording == Application.Recording.PRIVATE
    # The instructor sees the application, but not the form, and may not decide.
    client.force_login(ops.city.instructor)
    assert recordings not in client.get(page).content.decode()
    assert client.post(recordings, {"recording": "publish"}).status_code == 403


def test_a_teacher_invited_to_teach_sees_the_application_and_accepts(client, ops: Ops) -> None:
    # Teachers keep pool profiles and are invited like instructors: the application they were
    # invited to was hidden from them (404), so they could not accept.
    teacher = ops.city.south.homeroom_a
    profile = InstructorProfile.objects.create(
        user=teacher,
        kind=InstructorProfile.Kind.TEACHER,
        headline="생명존중 수업 10년",
        career="",
        status=InstructorProfile.Status.APPROVED,
        reviewed_by=ops.city.office_admin,
        reviewed_at=timezone.now(),
    )
    profile.topics.add(ops.topic)
    application = ops.apply()
    workflow.approve_application(ops.city.office_admin, application)
    workflow.invite_instructor(ops.city.north.homeroom_a, application, teacher)
    client.force_login(teacher)
    listing = client.get(reverse("operations:applications")).content.decode()
    assert application.title in listing
    page = client.get(reverse("operations:application", args=[application.pk])).content.decode()
    assert 'value="accept"' in page
    client.post(reverse("operations:step", args=[application.pk]), {"action": "accept"})
    application.refresh_from_db()
    assert application.state == State.INSTRUCTOR_ACCEPTED
