"""The instructor pool: profiles and their review, a school's own instructors, suggestions with
their reasons, and who may see profiles and documents."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from openclass.accounts.models import User
from openclass.accounts.tests.fixtures import make_user
from openclass.courses.models import Course, Session
from openclass.notifications.models import Notification
from openclass.operations import access
from openclass.operations.models import AvailabilitySlot, InstructorDocument, InstructorProfile
from openclass.operations.services import pool, workflow
from openclass.operations.tests.fixtures import TODAY, Ops

Status = InstructorProfile.Status


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_new_profile_waits_for_the_office_and_changes_send_it_back(ops: Ops) -> None:
    newcomer = make_user("instructor02", User.Role.INSTRUCTOR)
    profile = pool.save_profile(
        newcomer, kind="expert", topics=[ops.topic], headline="진로 강사", career="5년"
    )
    assert profile.status == Status.PENDING
    assert Notification.objects.filter(recipient=ops.city.office_admin).exists()
    pool.review_profile(ops.city.office_admin, profile, approve=True)
    profile.refresh_from_db()
    assert profile.status == Status.APPROVED
    # The headline alone is not reviewed; the fields are.
    pool.save_profile(newcomer, kind="expert", topics=[ops.topic], headline="새 소개", career="5년")
    profile.refresh_from_db()
    assert profile.status == Status.APPROVED
    pool.save_profile(
        newcomer,
        kind="expert",
        topics=[ops.topic, ops.other_topic],
        headline="새 소개",
        career="5년",
    )
    profile.refresh_from_db()
    assert profile.status == Status.PENDING


def test_only_the_office_reviews_and_a_refusal_needs_a_note(ops: Ops) -> None:
    with pytest.raises(PermissionDenied):
        pool.review_profile(ops.city.north.admin, ops.profile, approve=False, note="x")
    with pytest.raises(ValidationError):
        pool.review_profile(ops.city.office_admin, ops.profile, approve=False, note=" ")
    pool.review_profile(
        ops.city.office_admin, ops.profile, approve=False, note="경력 증빙이 없습니다."
    )
    ops.profile.refresh_from_db()
    assert ops.profile.status == Status.REJECTED
    assert Notification.objects.get(recipient=ops.city.instructor).body == "경력 증빙이 없습니다."


def test_students_cannot_join_the_pool(ops: Ops) -> None:
    with pytest.raises(PermissionDenied):
        pool.save_profile(
            ops.city.north.student_a1, kind="general", topics=[ops.topic], headline="x", career=""
        )


def test_a_school_registers_its_own_instructor(ops: Ops) -> None:
    profile, password = pool.register_own_instructor(
        ops.city.north.admin,
        name="김강사",
        email="",
        kind="general",
        topics=[ops.topic],
        headline="",
    )
    assert profile.registered_by_school == ops.city.north.school
    assert profile.status == Status.PENDING and profile.user.role == User.Role.INSTRUCTOR
    assert profile.user.check_password(password) and profile.user.must_change_password
    # The school sees its own instructor waiting; another school does not.
    assert access.visible_profiles(ops.city.north.homeroom_a).filter(pk=profile.pk).exists()
    assert not access.visible_profiles(ops.city.south.admin).filter(pk=profile.pk).exists()
    with pytest.raises(PermissionDenied):
        pool.register_own_instructor(
            ops.city.north.homeroom_a,
            name="x",
            email="",
            kind="general",
            topics=[ops.topic],
            headline="",
        )


def test_suggestions_rank_by_field_availability_and_load_and_say_why(ops: Ops) -> None:
    application = ops.apply()
    wishes = list(application.preferred_sessions.all())
    free = make_user("instructor-free", User.Role.INSTRUCTOR, name="가용 강사")
    free_profile = InstructorProfile.objects.create(
        user=free, kind="general", headline="", career="", status=Status.APPROVED
    )
    free_profile.topics.add(ops.topic)
    for wish in wishes:
        AvailabilitySlot.objects.create(
            profile=free_profile,
            day=wish.day,
            starts_at=datetime.time(9),
            ends_at=datetime.time(12),
        )
    off_field = make_user("instructor-off", User.Role.INSTRUCTOR, name="다른 분야 강사")
    InstructorProfile.objects.create(
        user=off_field, kind="general", headline="", career="", status=Status.APPROVED
    ).topics.add(ops.other_topic)
    # The fixture's instructor matches the field but is busy: four sessions this month.
    busy = Course.objects.create(
        title="바쁜 강좌",
        topic=ops.topic,
        scope=Course.Scope.SCHOOL,
        organisation=ops.city.south.school,
        owner=ops.city.south.admin,
    )
    busy.teachers.add(ops.city.instructor)
    for offset in range(4):
        Session.objects.create(
            course=busy,
            kind=Session.Kind.LIVE,
            title=f"{offset}",
            day=TODAY + datetime.timedelta(days=offset),
            starts_at=datetime.time(9),
            ends_at=datetime.time(10),
        )
    ranked = pool.list_suggestions(application, today=TODAY)
    assert [s.profile.user for s in ranked] == [free, ops.city.instructor, off_field]
    assert [s.score for s in ranked] == [80, 20, 0]
    assert ranked[0].reasons == [
        f"Teaches {ops.topic}",
        "Free for 2 of 2 preferred sessions",
        "No rating yet",
        "0 sessions in the 30 days around today",
    ]
    assert ranked[1].reasons[-1] == "4 sessions in the 30 days around today"


def test_suggestions_leave_out_the_unapproved_and_other_schools_own(ops: Ops) -> None:
    application = ops.apply()
    ops.profile.status = Status.PENDING
    ops.profile.save()
    other = make_user("instructor-south", User.Role.INSTRUCTOR)
    InstructorProfile.objects.create(
        user=other,
        kind="general",
        headline="",
        career="",
        status=Status.APPROVED,
        registered_by_school=ops.city.south.school,
    ).topics.add(ops.topic)
    assert pool.list_suggestions(application, today=TODAY) == []


def test_the_invite_step_shows_suggestions_with_reasons(client, ops: Ops) -> None:
    application = ops.apply()
    workflow.approve_application(ops.city.office_admin, application)
    client.force_login(ops.city.north.homeroom_a)
    page = client.get(
        reverse("operations:application", args=[application.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f'value="{ops.city.instructor.pk}"' in page
    assert "Free for 0 of 2 preferred sessions" in page


def test_documents_are_for_the_office_and_their_owner_only(client, ops: Ops) -> None:
    document = InstructorDocument.objects.create(
        profile=ops.profile,
        title="자격증",
        file=SimpleUploadedFile("cert.pdf", b"%PDF-1.4 test"),
    )
    url = reverse("operations:document", args=[document.pk])
    for person in (ops.city.north.admin, ops.city.north.student_a1):
        client.force_login(person)
        assert client.get(url).status_code == 404
    for person in (ops.city.office_admin, ops.city.instructor):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
    client.force_login(ops.city.north.admin)
    page = client.get(reverse("operations:profile", args=[ops.profile.pk])).content.decode()
    assert url not in page


def test_the_pool_pages_refuse_students_and_parents(client, ops: Ops) -> None:
    for person in (ops.city.north.student_a1, ops.city.north.parent_a1):
        client.force_login(person)
        assert client.get(reverse("operations:pool")).status_code == 403
        assert client.get(reverse("operations:profile", args=[ops.profile.pk])).status_code == 404
        assert client.get(reverse("operations:my_profile")).status_code == 403
        assert client.get(reverse("operations:register_own")).status_code == 403


def test_an_instructor_edits_their_profile_and_times_from_the_page(client, ops: Ops) -> None:
    client.force_login(ops.city.instructor)
    response = client.post(
        reverse("operations:my_profile"),
        {
            "kind": "expert",
            "topics": [str(ops.topic.pk)],
            "headline": "생명존중 전문",
            "career": "12년 경력",
        },
    )
    assert response.status_code == 302
    ops.profile.refresh_from_db()
    assert ops.profile.kind == "expert" and ops.profile.status == Status.PENDING
    day = (TODAY + datetime.timedelta(days=7)).isoformat()
    client.post(
        reverse("operations:my_availability"),
        {
            "slots-TOTAL_FORMS": "2",
            "slots-INITIAL_FORMS": "0",
            "slots-0-day": day,
            "slots-0-starts_at": "09:00",
            "slots-0-ends_at": "12:00",
        },
    )
    assert ops.profile.availability.count() == 1
