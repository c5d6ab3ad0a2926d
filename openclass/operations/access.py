"""Who may see and act on course applications, instructor profiles and their documents: the one
place these rules live (views, the workflow, pay, the survey and the exports all ask here).

The operations capabilities are named in ``accounts.capabilities`` (``"operations.approve"`` is
the office: it publishes calls, decides applications, approves instructors); the rules below
decide them for one application and are registered as its object rules, so a page asks
``has_capability(user, "operations.confirm_sessions", application)`` and a service refuses
with the same answer.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from openclass.accounts.capabilities import has_capability, object_rule, roles_with
from openclass.accounts.models import User
from openclass.accounts.scoping import school_of

from .models import Application, InstructorDocument, InstructorProfile

Role = User.Role


def _active(user: User) -> bool:
    return user.is_authenticated and user.is_active


def _approves(user: User) -> bool:
    """The office: holds ``operations.approve``, so sees every application, profile and
    document."""
    return has_capability(user, "operations.approve")


def approvers() -> QuerySet[User]:
    """The active accounts whose role decides applications and approves instructors: whom a new
    application or a profile to review is sent to."""
    return User.objects.filter(role__in=roles_with("operations.approve"), is_active=True)


def can_apply(user: User) -> bool:
    """School administrators and teachers apply, for their own school (so they need one)."""
    return has_capability(user, "operations.apply") and school_of(user) is not None


def visible_applications(user: User) -> QuerySet[Application]:
    """The office sees every application; a school administrator their school's; anyone those
    they made and those they were invited to teach (an instructor, or a teacher who teaches
    for other schools through the pool)."""
    if not has_capability(user, "operations.view_applications"):
        return Application.objects.none()
    if _approves(user):
        return Application.objects.all()
    mine = Q(applicant=user) | Q(instructor=user)
    if user.role == Role.SCHOOL_ADMIN:
        school = school_of(user)
        if school is not None:
            mine |= Q(school=school)
    return Application.objects.filter(mine)


@object_rule("operations.view_applications")
def can_view_application(user: User, application: Application) -> bool:
    return visible_applications(user).filter(pk=application.pk).exists()


def speaks_for_school(user: User, application: Application) -> bool:
    """The applicant, or an administrator of the applying school: may change, withdraw, choose
    the instructor, open the course and confirm its sessions."""
    if not _active(user):
        return False
    if user.pk == application.applicant_id:
        return True
    return user.role == Role.SCHOOL_ADMIN and school_of(user) == application.school


@object_rule("operations.confirm_sessions")
@object_rule("operations.decide_recordings")
def runs_the_course(user: User, application: Application) -> bool:
    """The applying school, and the office above it: confirm the sessions held and decide what
    happens to the recordings."""
    return _approves(user) or speaks_for_school(user, application)


@object_rule("operations.view_survey_results")
def reads_the_survey(user: User, application: Application) -> bool:
    """The office, the applying school and the instructor read the survey's results."""
    return (
        _approves(user)
        or speaks_for_school(user, application)
        or (_active(user) and user.pk == application.instructor_id)
    )


def visible_profiles(user: User) -> QuerySet[InstructorProfile]:
    """Approved profiles are open to anyone who may apply and to the office; the office also
    sees those waiting; an instructor always sees their own; a school sees its own instructors
    whatever their status."""
    if not _active(user):
        return InstructorProfile.objects.none()
    if _approves(user):
        return InstructorProfile.objects.all()
    mine = Q(user=user)
    if can_apply(user):
        return InstructorProfile.objects.filter(
            mine
            | Q(status=InstructorProfile.Status.APPROVED)
            | Q(registered_by_school=school_of(user))
        )
    return InstructorProfile.objects.filter(mine)


def visible_documents(user: User) -> QuerySet[InstructorDocument]:
    """An instructor's documents (certificates, career papers) are for the office, which
    reviews them, and for the instructor themself."""
    if not _active(user):
        return InstructorDocument.objects.none()
    if _approves(user):
        return InstructorDocument.objects.all()
    return InstructorDocument.objects.filter(profile__user=user)
