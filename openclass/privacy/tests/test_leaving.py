"""Leaving school (issue 15, item 3, step 3): the account is deactivated when the school records
it, pseudonymised after the retention by the nightly task; the schedule for the office and the
school; who may do it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openclass.accounts.models import ParentLink, User
from openclass.accounts.tests.fixtures import PASSWORD, City
from openclass.courses.models import Enrolment
from openclass.privacy import services
from openclass.privacy.models import AccessRecord, Departure


def _leave(client, admin: User, student: User, left_on: datetime.date | None = None):
    client.force_login(admin)
    day = (left_on or timezone.localdate()).isoformat()
    return client.post(reverse("privacy:leaving", args=[student.pk]), {"left_on": day})


def test_a_school_admin_records_a_leaving_and_the_account_stops(client, city: City, settings):
    settings.LEAVER_RETENTION_DAYS = 365
    north = city.north
    left_on = timezone.localdate() - datetime.timedelta(days=3)
    before = timezone.now()
    response = _leave(client, north.admin, north.student_a1, left_on)
    assert response.status_code == 302
    departure = Departure.objects.get(person=north.student_a1)
    assert departure.school_id == north.school.pk
    assert departure.pseudonymise_on == left_on + datetime.timedelta(days=365)
    north.student_a1.refresh_from_db()
    assert not north.student_a1.is_active
    # the Open API's updated_since sync sees the account stop
    assert north.student_a1.updated_at >= before
    client.logout()
    client.post(
        reverse("accounts:login"),
        {"username": north.student_a1.username, "password": PASSWORD},
    )
    assert "_auth_user_id" not in client.session
    # the person page says so, and the schedule lists them for the school and the office
    client.force_login(north.admin)
    page = client.get(reverse("accounts:person", args=[north.student_a1.pk])).content.decode()
    assert reverse("privacy:leaving", args=[north.student_a1.pk]) in page
    for admin, listed in (
        (north.admin, True),
        (city.office_admin, True),
        (city.south.admin, False),
    ):
        client.force_login(admin)
        rows = list(client.get(reverse("privacy:leavers")).context["page"])
        assert (departure in rows) is listed


def test_who_may_record_a_leaving(client, city: City) -> None:
    north = city.north
    assert _leave(client, city.south.admin, north.student_a1).status_code == 404  # not theirs
    assert _leave(client, north.homeroom_a, north.student_a1).status_code == 403  # no capability
    assert _leave(client, north.parent_a1, north.student_a1).status_code == 403
    assert _leave(client, north.student_a2, north.student_a1).status_code == 404
    assert _leave(client, north.admin, north.homeroom_a).status_code == 403  # not a student
    client.force_login(north.homeroom_a)
    assert client.get(reverse("privacy:leavers")).status_code == 403
    assert not Departure.objects.exists()
    north.student_a1.refresh_from_db()
    assert north.student_a1.is_active


def test_a_day_in_the_future_is_refused_and_a_leaving_is_recorded_once(client, city) -> None:
    north = city.north
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = _leave(client, north.admin, north.student_a1, tomorrow)
    assert response.status_code == 200 and response.context["form"].errors
    assert not Departure.objects.exists()
    assert _leave(client, north.admin, north.student_a1).status_code == 302
    assert _leave(client, north.admin, north.student_a1).status_code == 200
    assert Departure.objects.count() == 1


def test_after_the_retention_the_account_is_pseudonymised_and_records_stay(
    client, courses, settings, huey_immediate
) -> None:
    from openclass.privacy.tasks import access_log_nightly_task

    settings.LEAVER_RETENTION_DAYS = 30
    north = courses.city.north
    student = north.student_a1
    old_name = student.name
    Enrolment.objects.create(course=courses.class_course, student=student)
    services.record_read(north.homeroom_a, AccessRecord.What.ATTENDANCE, [student])
    student.email, student.phone = "a1@example.org", "010-1234-5678"
    student.save()
    long_ago = timezone.localdate() - datetime.timedelta(days=31)
    assert _leave(client, north.admin, student, long_ago).status_code == 302
    _leave(client, north.admin, north.student_a2)  # left today: not yet
    access_log_nightly_task.call_local()
    student.refresh_from_db()
    assert (student.username, student.name, student.email, student.phone, student.number) == (
        f"left-{student.pk}",
        "",
        "",
        "",
        None,
    )
    assert not student.has_usable_password() and not student.is_active
    assert (student.role, student.organisation_id) == (User.Role.STUDENT, north.class_a.pk)
    assert not ParentLink.objects.filter(student=student).exists()
    assert Enrolment.objects.filter(student=student).exists()
    assert services.verify_chain().ok
    assert Departure.objects.get(person=student).pseudonymised_at is not None
    other = User.objects.get(pk=north.student_a2.pk)
    assert other.username == north.student_a2.username
    # the schedule shows the pseudonym, never the old name
    client.force_login(courses.city.office_admin)
    page = client.get(reverse("privacy:leavers"), {"state": "done"}).content.decode()
    assert f"left-{student.pk}" in page and old_name not in page


def test_a_leaving_can_be_cancelled_until_pseudonymised(client, city: City, settings) -> None:
    north = city.north
    _leave(client, north.admin, north.student_a1)
    departure = Departure.objects.get()
    client.force_login(city.south.admin)
    assert client.post(reverse("privacy:leaving_cancel", args=[departure.pk])).status_code == 404
    client.force_login(north.admin)
    assert client.post(reverse("privacy:leaving_cancel", args=[departure.pk])).status_code == 302
    north.student_a1.refresh_from_db()
    assert north.student_a1.is_active and not Departure.objects.exists()
    _leave(client, north.admin, north.student_a1)
    departure = Departure.objects.get()
    services.pseudonymise(departure)
    response = client.post(reverse("privacy:leaving_cancel", args=[departure.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("state", ["", "waiting", "done", "²"])
def test_the_schedule_filters(client, city: City, state: str) -> None:
    client.force_login(city.office_admin)
    assert client.get(reverse("privacy:leavers"), {"state": state, "page": "x"}).status_code == 200
