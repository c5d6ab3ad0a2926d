"""The course-application workflow (F-05 a–j) as a state machine.

``STEPS`` is the state table: each step names the states it may start from, its target and
whose step it is. Each step is one command (``approve_application``, ``invite_instructor``,
``open_course``, …), and every command goes through ``_take``: the step must be legal from the
current state, the actor must be the one the step belongs to (the office, the applying school,
the invited instructor), a reason is required where the step refuses or asks for something, and
the change is one conditional UPDATE on the state read under the row lock, so of two
administrators approving at once exactly one wins and the other is told the application has
moved on. Each change writes an ``ApplicationEvent`` and notifies whoever acts next.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import Organisation, User
from openclass.accounts.scoping import school_of
from openclass.catalog.models import Topic
from openclass.courses.models import Course, Session
from openclass.courses.services import courses
from openclass.notifications.services import notify

from .. import access
from ..models import Application, ApplicationEvent, Call, InstructorProfile, PreferredSession

State = Application.State


class IllegalTransition(ValidationError):
    """The step cannot be taken from the application's state; the message says why."""


@dataclass(frozen=True)
class Step:
    action: str
    label: Promise
    sources: frozenset[str]
    target: str
    by: str  # "office", "school", "office_or_school" or "instructor"
    needs_reason: bool = False


STEPS: dict[str, Step] = {
    step.action: step
    for step in [
        Step(
            "approve",
            gettext_lazy("Approve"),
            frozenset({State.SUBMITTED}),
            State.APPROVED,
            "office",
        ),
        Step(
            "request_changes",
            gettext_lazy("Ask for changes"),
            frozenset({State.SUBMITTED}),
            State.CHANGES_REQUESTED,
            "office",
            needs_reason=True,
        ),
        Step(
            "reject",
            gettext_lazy("Reject"),
            frozenset({State.SUBMITTED, State.CHANGES_REQUESTED}),
            State.REJECTED,
            "office",
            needs_reason=True,
        ),
        Step(
            "resubmit",
            gettext_lazy("Send again"),
            frozenset({State.CHANGES_REQUESTED}),
            State.SUBMITTED,
            "school",
        ),
        Step(
            "withdraw",
            gettext_lazy("Withdraw"),
            frozenset(
                {
                    State.SUBMITTED,
                    State.CHANGES_REQUESTED,
                    State.APPROVED,
                    State.INSTRUCTOR_INVITED,
                    State.INSTRUCTOR_ACCEPTED,
                }
            ),
            State.WITHDRAWN,
            "school",
            needs_reason=True,
        ),
        Step(
            "invite",
            gettext_lazy("Invite the instructor"),
            frozenset({State.APPROVED}),
            State.INSTRUCTOR_INVITED,
            "office_or_school",
        ),
        Step(
            "accept",
            gettext_lazy("Accept"),
            frozenset({State.INSTRUCTOR_INVITED}),
            State.INSTRUCTOR_ACCEPTED,
            "instructor",
        ),
        Step(
            "decline",
            gettext_lazy("Decline"),
            frozenset({State.INSTRUCTOR_INVITED}),
            State.APPROVED,
            "instructor",
            needs_reason=True,
        ),
        Step(
            "open",
            gettext_lazy("Open the course"),
            frozenset({State.INSTRUCTOR_ACCEPTED}),
            State.OPENED,
            "office_or_school",
        ),
        Step(
            "close",
            gettext_lazy("Close the application"),
            frozenset({State.COMPLETED}),
            State.CLOSED,
            "office_or_school",
        ),
    ]
}


def may_take(actor: User, step: Step, application: Application) -> bool:
    """Whether ``actor`` is the one ``step`` belongs to, for this application."""
    office = has_capability(actor, "operations.approve")
    if step.by == "office":
        return office
    if step.by == "school":
        return access.speaks_for_school(actor, application)
    if step.by == "office_or_school":
        return office or access.speaks_for_school(actor, application)
    if step.by == "instructor":
        return actor.is_active and actor.pk == application.instructor_id
    return False


def list_available_steps(actor: User, application: Application) -> list[Step]:
    """The steps ``actor`` may take on the application now (the buttons their page shows)."""
    return [
        step
        for step in STEPS.values()
        if application.state in step.sources and may_take(actor, step, application)
    ]


# --- Step a: calls; step b: applying --------------------------------------------------------


def list_open_calls(today: datetime.date | None = None) -> list[Call]:
    """Published calls taking applications today, with their fields."""
    today = today or timezone.localdate()
    return list(
        Call.objects.filter(is_published=True, opens_on__lte=today, closes_on__gte=today)
        .prefetch_related("topics")
        .order_by("closes_on", "pk")
    )


@dataclass
class SessionWish:
    day: datetime.date
    starts_at: datetime.time
    ends_at: datetime.time


def _check_request(
    actor: User,
    call: Call,
    audience: Organisation,
    topic: Topic,
    sessions: Sequence[SessionWish],
    today: datetime.date,
) -> Organisation:
    """What is wrong with an application's request, per field; returns the applying school."""
    errors: dict[str, str] = {}
    school = school_of(actor)
    if not (call.is_published and call.opens_on <= today <= call.closes_on):
        errors["call"] = _("This call is not taking applications now.")
    if not call.topics.filter(pk=topic.pk).exists():
        errors["topic"] = _("This field is not open in the call.")
    if school is None or not audience.path.startswith(school.path):
        errors["audience"] = _("Choose your own school, one of its grades or one of its classes.")
    elif audience.kind not in (
        Organisation.Kind.SCHOOL,
        Organisation.Kind.GRADE,
        Organisation.Kind.CLASS,
    ):
        errors["audience"] = _("Choose a school, a grade or a class.")
    if not sessions:
        errors["sessions"] = _("Give at least one preferred date.")
    elif any(wish.day < today for wish in sessions):
        errors["sessions"] = _("Preferred dates cannot be in the past.")
    elif any(wish.ends_at <= wish.starts_at for wish in sessions):
        errors["sessions"] = _("Each session must end after it starts.")
    if errors or school is None:  # (no school: "audience" is among the errors)
        raise ValidationError(errors)
    return school


@transaction.atomic
def submit_application(
    actor: User,
    call: Call,
    *,
    audience: Organisation,
    topic: Topic,
    title: str,
    plan: str,
    expected_students: int,
    delivery: str,
    sessions: Sequence[SessionWish],
    today: datetime.date | None = None,
) -> Application:
    """Step b: a school administrator or teacher applies to open a course for their school, a
    grade or a class. The office is notified."""
    if not access.can_apply(actor):
        raise PermissionDenied(_("Only school administrators and teachers can apply."))
    today = today or timezone.localdate()
    school = _check_request(actor, call, audience, topic, sessions, today)
    application = Application(
        call=call,
        applicant=actor,
        school=school,
        audience=audience,
        topic=topic,
        title=title.strip(),
        plan=plan.strip(),
        expected_students=expected_students,
        delivery=delivery,
    )
    application.full_clean()
    application.save()
    _set_sessions(application, sessions)
    _record(application, "submit", "", State.SUBMITTED, actor, "")
    _notify_for(application, State.SUBMITTED, actor)
    return application


def _set_sessions(application: Application, sessions: Iterable[SessionWish]) -> None:
    application.preferred_sessions.all().delete()
    PreferredSession.objects.bulk_create(
        PreferredSession(
            application=application, day=wish.day, starts_at=wish.starts_at, ends_at=wish.ends_at
        )
        for wish in sorted(sessions, key=lambda wish: (wish.day, wish.starts_at))
    )


@transaction.atomic
def change_application(
    actor: User,
    application: Application,
    *,
    title: str,
    plan: str,
    expected_students: int,
    delivery: str,
    sessions: Sequence[SessionWish],
    today: datetime.date | None = None,
) -> Application:
    """The school edits its application while the office has not decided (or has asked for
    changes); the edit is kept in the history."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not access.speaks_for_school(actor, locked):
        raise PermissionDenied(_("Only the applying school can change its application."))
    if locked.state not in (State.SUBMITTED, State.CHANGES_REQUESTED):
        raise IllegalTransition(_("The application can no longer be changed."))
    today = today or timezone.localdate()
    if not sessions:
        raise ValidationError({"sessions": _("Give at least one preferred date.")})
    if any(wish.day < today or wish.ends_at <= wish.starts_at for wish in sessions):
        raise ValidationError(
            {"sessions": _("Preferred dates must be ahead and end after they start.")}
        )
    locked.title, locked.plan = title.strip(), plan.strip()
    locked.expected_students, locked.delivery = expected_students, delivery
    locked.full_clean()
    locked.save(update_fields=["title", "plan", "expected_students", "delivery"])
    _set_sessions(locked, sessions)
    _record(locked, "change", locked.state, locked.state, actor, "")
    return locked


# --- Steps b–e: deciding, choosing the instructor, opening ---------------------------------


def approve_application(
    actor: User, application: Application, *, now: datetime.datetime | None = None
) -> Application:
    """Step c: the office approves; the school is asked to choose the instructor."""
    return _take(STEPS["approve"], actor, application, now=now)


def request_changes(
    actor: User, application: Application, reason: str, *, now: datetime.datetime | None = None
) -> Application:
    """The office sends the application back to the school, saying what to change."""
    return _take(STEPS["request_changes"], actor, application, reason, now=now)


def reject_application(
    actor: User, application: Application, reason: str, *, now: datetime.datetime | None = None
) -> Application:
    """The office refuses the application, saying why."""
    return _take(STEPS["reject"], actor, application, reason, now=now)


def resubmit_application(
    actor: User, application: Application, *, now: datetime.datetime | None = None
) -> Application:
    """The school sends its changed application to the office again."""
    return _take(STEPS["resubmit"], actor, application, now=now)


def withdraw_application(
    actor: User, application: Application, reason: str, *, now: datetime.datetime | None = None
) -> Application:
    """The school withdraws its application before the course opens, saying why."""
    return _take(STEPS["withdraw"], actor, application, reason, now=now)


def invite_instructor(
    actor: User,
    application: Application,
    instructor: User | None,
    *,
    now: datetime.datetime | None = None,
) -> Application:
    """The office or the school invites an instructor: an approved pool profile, or an approved
    instructor the applying school registered itself."""
    return _take(STEPS["invite"], actor, application, now=now, instructor=instructor)


def accept_invitation(
    actor: User, application: Application, *, now: datetime.datetime | None = None
) -> Application:
    """The invited instructor accepts to teach the course."""
    return _take(STEPS["accept"], actor, application, now=now)


def decline_invitation(
    actor: User, application: Application, reason: str, *, now: datetime.datetime | None = None
) -> Application:
    """The invited instructor declines, saying why; the school chooses again."""
    return _take(STEPS["decline"], actor, application, reason, now=now)


def open_course(
    actor: User, application: Application, *, now: datetime.datetime | None = None
) -> Application:
    """Steps d and e: the course is created from the application (see ``_create_course``)."""
    return _take(STEPS["open"], actor, application, now=now)


def close_application(
    actor: User, application: Application, *, now: datetime.datetime | None = None
) -> Application:
    """The last step, once the course is completed and its recordings are decided."""
    return _take(STEPS["close"], actor, application, now=now)


def _take(
    step: Step,
    actor: User,
    application: Application,
    reason: str = "",
    *,
    instructor: User | None = None,
    now: datetime.datetime | None = None,
) -> Application:
    """Take ``step`` for ``actor``. Illegal steps, wrong actors and missing reasons are refused
    and change nothing."""
    now = now or timezone.now()
    reason = reason.strip()
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("school", "audience", "topic", "applicant")
            .get(pk=application.pk)
        )
        if locked.state not in step.sources:
            raise IllegalTransition(
                _("The application is “%(state)s”: “%(step)s” is not possible now.")
                % {"state": locked.get_state_display(), "step": step.label}
            )
        if not may_take(actor, step, locked):
            raise PermissionDenied(_("You cannot take this step on this application."))
        if step.needs_reason and not reason:
            raise ValidationError({"reason": _("Say why: the applicant will read it.")})
        fields: dict = {}
        if step.action == "invite":
            fields["instructor"] = _invitable(actor, locked, instructor)
        elif step.action == "decline":
            fields["instructor"] = None
        elif step.action == "open":
            fields["course"] = _create_course(actor, locked)
        elif step.action == "close" and locked.recording == Application.Recording.UNDECIDED:
            raise ValidationError(
                {"recording": _("Decide what happens to the recordings before closing.")}
            )
        moved = Application.objects.filter(pk=locked.pk, state=locked.state).update(
            state=step.target, state_changed_at=now, updated_at=now, **fields
        )
        if not moved:  # pragma: no cover - the lock makes this unreachable; kept as the rule
            raise IllegalTransition(_("Someone else changed the application just now."))
        from_state = locked.state
        locked.refresh_from_db()
        _record(locked, step.action, from_state, step.target, actor, reason)
        _notify_for(locked, step.target, actor, reason=reason, declined_by=step.action == "decline")
    return locked


def _invitable(actor: User, application: Application, instructor: User | None) -> User:
    """The instructor to invite: an approved pool profile with the application's field, or an
    approved instructor the applying school registered itself."""
    if instructor is None:
        raise ValidationError({"instructor": _("Choose an instructor.")})
    profile = InstructorProfile.objects.filter(
        user=instructor, status=InstructorProfile.Status.APPROVED, user__is_active=True
    ).first()
    if profile is None:
        raise ValidationError({"instructor": _("This instructor is not approved in the pool.")})
    if profile.registered_by_school_id not in (None, application.school_id):
        raise ValidationError({"instructor": _("This instructor belongs to another school.")})
    return instructor


def _create_course(actor: User, application: Application) -> Course:
    """Steps d and e: the course and its timeline from the application, with the students of
    the school, grade or class it is for enrolled. The instructor and the applicant teach it."""
    instructor = application.instructor
    assert instructor is not None  # "open" follows the instructor's "accept"
    profile = InstructorProfile.objects.filter(user=instructor).first()
    own = profile is not None and profile.registered_by_school_id == application.school_id
    scopes: dict[str, str] = {
        Organisation.Kind.SCHOOL: Course.Scope.SCHOOL,
        Organisation.Kind.GRADE: Course.Scope.GRADE,
        Organisation.Kind.CLASS: Course.Scope.CLASS,
    }
    scope = scopes[application.audience.kind]
    wishes = list(application.preferred_sessions.all())
    course = Course.objects.create(
        title=application.title,
        summary=application.plan,
        topic=application.topic,
        scope=scope,
        organisation=application.audience,
        arrangement=(
            Course.Arrangement.SCHOOL_INSTRUCTOR if own else Course.Arrangement.OFFICE_INSTRUCTOR
        ),
        delivery=application.delivery,
        owner=application.applicant,
        is_published=True,
        opens_on=wishes[0].day if wishes else None,
        closes_on=wishes[-1].day if wishes else None,
    )
    course.teachers.add(*{instructor, application.applicant})
    if application.delivery in (Course.Delivery.LIVE, Course.Delivery.BLENDED):
        Session.objects.bulk_create(
            Session(
                course=course,
                kind=Session.Kind.LIVE,
                number=number,
                day=wish.day,
                starts_at=wish.starts_at,
                ends_at=wish.ends_at,
            )
            for number, wish in enumerate(wishes, start=1)
        )
    courses.enrol_audience(course, application.audience, by=actor)
    return course


def complete_application(application: Application, actor: User) -> bool:
    """Step g is done: every session of the course is confirmed (``pay.confirm_session`` calls
    this with the one who confirmed the last). Returns whether this call moved it."""
    now = timezone.now()
    moved = Application.objects.filter(pk=application.pk, state=State.OPENED).update(
        state=State.COMPLETED, state_changed_at=now, updated_at=now
    )
    if moved:
        application.state = State.COMPLETED
        _record(application, "complete", State.OPENED, State.COMPLETED, actor, "")
        _notify_for(application, State.COMPLETED, actor)
        students = User.objects.filter(enrolments__course=application.course_id)
        notify(
            students,
            gettext_noop("How was the course? %(title)s"),
            gettext_noop(
                "Your answer is anonymous: nobody sees who gave it. The instructor reads the "
                "averages and the comments."
            ),
            reverse("operations:survey", args=[application.pk]),
            params={"title": application.title},
        )
    return bool(moved)


# --- History and notifications --------------------------------------------------------------


def _record(
    application: Application, action: str, from_state: str, to_state: str, actor, reason: str
) -> None:
    ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        reason=reason,
    )


def office_admins() -> list[User]:
    return list(access.approvers())


def school_side(application: Application) -> list[User]:
    """The applicant and the applying school's administrators."""
    admins = User.objects.filter(
        role=User.Role.SCHOOL_ADMIN, is_active=True, organisation=application.school
    )
    return [application.applicant, *admins]


def _notify_for(
    application: Application,
    state: str,
    actor: User,
    reason: str = "",
    declined_by: bool = False,
) -> None:
    """Tell whoever the new state waits for (never the actor themself)."""
    url = reverse("operations:application", args=[application.pk])
    title = application.title
    people: Sequence[User | None]  # an application's instructor is None until one is invited
    if state == State.SUBMITTED:
        people = office_admins()
        subject = gettext_noop("New course application: %(title)s")
    elif state == State.CHANGES_REQUESTED:
        people = school_side(application)
        subject = gettext_noop("Changes requested: %(title)s")
    elif state == State.REJECTED:
        people = school_side(application)
        subject = gettext_noop("Application rejected: %(title)s")
    elif state == State.APPROVED and declined_by:
        people = school_side(application) + office_admins()
        subject = gettext_noop("The instructor declined: %(title)s")
    elif state == State.APPROVED:
        people = school_side(application)
        subject = gettext_noop("Application approved: choose the instructor for %(title)s")
    elif state == State.INSTRUCTOR_INVITED:
        people = [application.instructor]
        subject = gettext_noop("You are invited to teach: %(title)s")
    elif state == State.INSTRUCTOR_ACCEPTED:
        people = school_side(application) + office_admins()
        subject = gettext_noop("The instructor accepted: %(title)s")
    elif state == State.OPENED:
        people = [*school_side(application), application.instructor]
        subject = gettext_noop("The course is open: %(title)s")
    elif state == State.COMPLETED:
        people = school_side(application) + office_admins()
        subject = gettext_noop("Every session is confirmed: %(title)s")
    elif state == State.WITHDRAWN:
        people = office_admins() + ([application.instructor] if application.instructor else [])
        subject = gettext_noop("Application withdrawn: %(title)s")
    else:
        return
    notify(
        [p for p in people if p is not None and p.pk != actor.pk],
        subject,
        url=url,
        params={"title": title},
        note=reason,
    )
