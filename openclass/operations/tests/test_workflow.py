"""The application workflow: every legal step, every illegal one, who may take each, reasons,
history, notifications, and opening the course from the application."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from openclass.courses.models import Course, Enrolment, Session
from openclass.notifications.models import Notification
from openclass.operations.models import Application, ApplicationEvent, InstructorProfile
from openclass.operations.services import workflow
from openclass.operations.tests.fixtures import TODAY, Ops

State = Application.State


def test_applying_records_the_first_step_and_tells_the_office(ops: Ops) -> None:
    application = ops.apply()
    assert application.state == State.SUBMITTED
    assert application.school == ops.city.north.school
    assert [(s.day, s.starts_at) for s in application.preferred_sessions.all()] == [
        (TODAY + datetime.timedelta(days=7), datetime.time(10)),
        (TODAY + datetime.timedelta(days=14), datetime.time(10)),
    ]
    event = application.events.get()
    assert (event.action, event.from_state, event.to_state) == ("submit", "", State.SUBMITTED)
    assert event.actor == ops.city.north.homeroom_a
    assert Notification.objects.filter(recipient=ops.city.office_admin).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"topic": "other"}, "topic"),
        ({"audience": "south"}, "audience"),
        ({"sessions": []}, "sessions"),
        ({"today": TODAY + datetime.timedelta(days=31)}, "call"),
    ],
)
def test_bad_applications_are_refused_with_the_field_and_nothing_written(
    ops: Ops, fields: dict, field: str
) -> None:
    if fields.get("topic") == "other":
        fields["topic"] = ops.other_topic
    if fields.get("audience") == "south":
        fields["audience"] = ops.city.south.class_a
    with pytest.raises(ValidationError) as raised:
        ops.apply(**fields)
    assert field in raised.value.message_dict
    assert not Application.objects.exists() and not Notification.objects.exists()


def test_only_school_staff_apply(ops: Ops) -> None:
    for outsider in (ops.city.north.student_a1, ops.city.instructor, ops.city.north.parent_a1):
        with pytest.raises(PermissionDenied):
            ops.apply(actor=outsider)


def test_the_whole_way_to_an_open_course(ops: Ops) -> None:
    north = ops.city.north
    application = ops.apply()
    office, school, instructor = ops.city.office_admin, north.homeroom_a, ops.city.instructor
    workflow.request_changes(office, application, "차시 시간을 40분으로 맞춰 주세요.")
    workflow.resubmit_application(school, application)
    workflow.approve_application(office, application)
    workflow.invite_instructor(north.admin, application, instructor)
    assert Notification.objects.filter(recipient=instructor).count() == 1
    workflow.decline_invitation(instructor, application, "그 주는 출장입니다.")
    application.refresh_from_db()
    assert application.state == State.APPROVED and application.instructor is None
    workflow.invite_instructor(office, application, instructor)
    workflow.accept_invitation(instructor, application)
    application = workflow.open_course(school, application)

    assert application.state == State.OPENED
    course = application.course
    assert course.organisation == north.class_a and course.scope == Course.Scope.CLASS
    assert course.delivery == Course.Delivery.LIVE and course.is_published
    assert set(course.teachers.all()) == {instructor, school}
    sessions = list(course.sessions.order_by("day"))
    assert [s.kind for s in sessions] == [Session.Kind.LIVE, Session.Kind.LIVE]
    assert sessions[0].day == TODAY + datetime.timedelta(days=7)
    # Numbered, and named in each reader's language (not stored in the opener's).
    assert [(s.title, s.number) for s in sessions] == [("", 1), ("", 2)]
    with translation.override("ko"):
        assert sessions[1].shown_title == "2회차"
    with translation.override("en"):
        assert sessions[1].shown_title == "Session 2"
    assert set(Enrolment.objects.filter(course=course).values_list("student", flat=True)) == {
        north.student_a1.pk,
        north.student_a2.pk,
    }
    steps = list(application.events.values_list("action", "from_state", "to_state"))
    assert steps == [
        ("submit", "", State.SUBMITTED),
        ("request_changes", State.SUBMITTED, State.CHANGES_REQUESTED),
        ("resubmit", State.CHANGES_REQUESTED, State.SUBMITTED),
        ("approve", State.SUBMITTED, State.APPROVED),
        ("invite", State.APPROVED, State.INSTRUCTOR_INVITED),
        ("decline", State.INSTRUCTOR_INVITED, State.APPROVED),
        ("invite", State.APPROVED, State.INSTRUCTOR_INVITED),
        ("accept", State.INSTRUCTOR_INVITED, State.INSTRUCTOR_ACCEPTED),
        ("open", State.INSTRUCTOR_ACCEPTED, State.OPENED),
    ]
    reasons = dict(application.events.values_list("action", "reason"))
    assert reasons["decline"] == "그 주는 출장입니다."


# Every step from every state: legal only where STEPS says so.
ALL_STATES = [value for value, _label in State.choices]


def take(action: str, actor, application: Application, reason: str = "", instructor=None):
    """The command of the step ``action`` of the state table, called as its button does."""
    with_reason = {
        "request_changes": workflow.request_changes,
        "reject": workflow.reject_application,
        "withdraw": workflow.withdraw_application,
        "decline": workflow.decline_invitation,
    }
    plain = {
        "approve": workflow.approve_application,
        "resubmit": workflow.resubmit_application,
        "accept": workflow.accept_invitation,
        "open": workflow.open_course,
        "close": workflow.close_application,
    }
    if action in with_reason:
        return with_reason[action](actor, application, reason)
    if action == "invite":
        return workflow.invite_instructor(actor, application, instructor)
    return plain[action](actor, application)


def test_every_step_of_the_table_has_its_command() -> None:
    assert set(workflow.STEPS) == {
        "approve", "request_changes", "reject", "resubmit", "withdraw",
        "invite", "accept", "decline", "open", "close",
    }  # fmt: skip


@pytest.mark.parametrize("action", sorted(workflow.STEPS))
def test_every_step_is_refused_from_every_other_state(ops: Ops, action: str) -> None:
    step = workflow.STEPS[action]
    application = ops.apply()
    for state in ALL_STATES:
        if state in step.sources:
            continue
        Application.objects.filter(pk=application.pk).update(state=state)
        before = ApplicationEvent.objects.count()
        with pytest.raises(IllegalTransition):
            take(action, ops.city.office_admin, application, "이유", ops.city.instructor)
        application.refresh_from_db()
        assert application.state == state and ApplicationEvent.objects.count() == before


IllegalTransition = workflow.IllegalTransition


@pytest.mark.parametrize(
    ("action", "state", "who"),
    [
        ("approve", State.SUBMITTED, "school"),
        ("approve", State.SUBMITTED, "instructor"),
        ("reject", State.SUBMITTED, "school"),
        ("resubmit", State.CHANGES_REQUESTED, "office"),
        ("resubmit", State.CHANGES_REQUESTED, "other_school"),
        ("withdraw", State.SUBMITTED, "other_teacher"),
        ("invite", State.APPROVED, "instructor"),
        ("accept", State.INSTRUCTOR_INVITED, "office"),
        ("accept", State.INSTRUCTOR_INVITED, "school"),
        ("decline", State.INSTRUCTOR_INVITED, "school"),
        ("open", State.INSTRUCTOR_ACCEPTED, "instructor"),
        ("open", State.INSTRUCTOR_ACCEPTED, "student"),
    ],
)
def test_steps_belong_to_their_actor(ops: Ops, action: str, state: str, who: str) -> None:
    north = ops.city.north
    actors = {
        "office": ops.city.office_admin,
        "school": north.homeroom_a,
        "instructor": ops.city.instructor,
        "other_school": ops.city.south.admin,
        "other_teacher": north.subject_teacher,
        "student": north.student_a1,
    }
    application = ops.apply()
    Application.objects.filter(pk=application.pk).update(
        state=state, instructor=ops.city.instructor
    )
    with pytest.raises(PermissionDenied):
        take(action, actors[who], application, "이유", ops.city.instructor)
    application.refresh_from_db()
    assert application.state == state


@pytest.mark.parametrize("action", ["request_changes", "reject", "withdraw", "decline"])
def test_refusals_need_a_reason(ops: Ops, action: str) -> None:
    step = workflow.STEPS[action]
    actor = {
        "office": ops.city.office_admin,
        "school": ops.city.north.homeroom_a,
        "instructor": ops.city.instructor,
    }[step.by]
    application = ops.apply()
    source = sorted(step.sources)[0]
    Application.objects.filter(pk=application.pk).update(
        state=source, instructor=ops.city.instructor
    )
    with pytest.raises(ValidationError) as raised:
        take(action, actor, application, "   ")
    assert "reason" in raised.value.message_dict
    application.refresh_from_db()
    assert application.state == source


def test_only_approved_instructors_of_the_pool_or_the_school_are_invited(ops: Ops) -> None:
    application = ops.apply()
    workflow.approve_application(ops.city.office_admin, application)
    ops.profile.status = InstructorProfile.Status.PENDING
    ops.profile.save()
    with pytest.raises(ValidationError):
        workflow.invite_instructor(ops.city.office_admin, application, ops.city.instructor)
    ops.profile.status = InstructorProfile.Status.APPROVED
    ops.profile.registered_by_school = ops.city.south.school
    ops.profile.save()
    with pytest.raises(ValidationError):
        workflow.invite_instructor(ops.city.office_admin, application, ops.city.instructor)
    ops.profile.registered_by_school = ops.city.north.school
    ops.profile.save()
    workflow.invite_instructor(ops.city.office_admin, application, ops.city.instructor)
    workflow.accept_invitation(ops.city.instructor, application)
    application = workflow.open_course(ops.city.office_admin, application)
    assert application.course.arrangement == Course.Arrangement.SCHOOL_INSTRUCTOR


def test_available_steps_are_what_the_actor_may_do_now(ops: Ops) -> None:
    application = ops.apply()
    office = {s.action for s in workflow.list_available_steps(ops.city.office_admin, application)}
    school = {
        s.action for s in workflow.list_available_steps(ops.city.north.homeroom_a, application)
    }
    outsider = workflow.list_available_steps(ops.city.south.admin, application)
    assert office == {"approve", "request_changes", "reject"}
    assert school == {"withdraw"}
    assert outsider == []


def test_the_school_may_change_its_application_until_it_is_decided(ops: Ops) -> None:
    application = ops.apply()
    wishes = [
        workflow.SessionWish(
            TODAY + datetime.timedelta(days=3), datetime.time(9), datetime.time(9, 40)
        )
    ]
    fields = {
        "title": "생명존중 교육 (수정)",
        "plan": "계획",
        "expected_students": 20,
        "delivery": "blended",
        "sessions": wishes,
        "today": TODAY,
    }
    workflow.change_application(ops.city.north.admin, application, **fields)
    application.refresh_from_db()
    assert (
        application.title == "생명존중 교육 (수정)" and application.preferred_sessions.count() == 1
    )
    with pytest.raises(PermissionDenied):
        workflow.change_application(ops.city.south.admin, application, **fields)
    workflow.approve_application(ops.city.office_admin, application)
    with pytest.raises(IllegalTransition):
        workflow.change_application(ops.city.north.admin, application, **fields)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_approving_at_once_only_one_wins(ops: Ops) -> None:
    from openclass.accounts.models import User
    from openclass.accounts.tests.fixtures import make_user

    second = make_user("office-admin-2", User.Role.OFFICE_ADMIN, ops.city.office)
    application = ops.apply()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(admin) -> None:
        barrier.wait()
        try:
            workflow.approve_application(admin, application)
            outcomes.append("won")
        except IllegalTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(a,)) for a in (ops.city.office_admin, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "won"]
    assert application.events.filter(action="approve").count() == 1
