"""Who may see and act on course applications and instructor profiles: the one place these
rules live (views, the workflow and the exports all ask here)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from openclass.accounts.models import User
from openclass.accounts.scoping import school_of

from .models import Application, InstructorProfile

Role = User.Role


def _active(user: User) -> bool:
    return user.is_authenticated and user.is_active


def is_office(user: User) -> bool:
    """An office administrator: publishes calls, decides applications, approves instructors,
    sets the rate table."""
    return _active(user) and (user.is_superuser or user.role == Role.OFFICE_ADMIN)


def can_apply(user: User) -> bool:
    """School administrators and teachers apply for their own school."""
    return (
        _active(user) and user.role in (Role.SCHOOL_ADMIN, Role.TEACHER) and bool(school_of(user))
    )


def visible_applications(user: User) -> QuerySet[Application]:
    """The office sees every application; a school administrator their school's; a teacher
    those they made; an instructor those they were invited to."""
    if not _active(user):
        return Application.objects.none()
    if is_office(user):
        return Application.objects.all()
    if user.role == Role.SCHOOL_ADMIN:
        school = school_of(user)
        return Application.objects.filter(school=school) if school else Application.objects.none()
    if user.role == Role.TEACHER:
        return Application.objects.filter(applicant=user)
    if user.role == Role.INSTRUCTOR:
        return Application.objects.filter(instructor=user)
    return Application.objects.none()


def speaks_for_school(user: User, application: Application) -> bool:
    """The applicant, or an administrator of the applying school: may change, withdraw, choose
    the instructor, open the course and confirm its sessions."""
    if not _active(user):
        return False
    if user.pk == application.applicant_id:
        return True
    return user.role == Role.SCHOOL_ADMIN and school_of(user) == application.school


def visible_profiles(user: User) -> QuerySet[InstructorProfile]:
    """Approved profiles are open to anyone who may apply and to the office; the office also
    sees those waiting; an instructor always sees their own; a school sees its own instructors
    whatever their status."""
    if not _active(user):
        return InstructorProfile.objects.none()
    if is_office(user):
        return InstructorProfile.objects.all()
    mine = Q(user=user)
    if can_apply(user):
        return InstructorProfile.objects.filter(
            mine
            | Q(status=InstructorProfile.Status.APPROVED)
            | Q(registered_by_school=school_of(user))
        )
    return InstructorProfile.objects.filter(mine)
