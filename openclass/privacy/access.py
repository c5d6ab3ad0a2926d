"""The object rule of ``privacy.view_access_log`` and whose entries a viewer may search: the
office (its administrators) the whole city's; a school's privacy officer (its administrators)
the entries naming their school's students — and of an entry naming students of several schools
(an office course's export), only their own school's students."""

from __future__ import annotations

from django.db.models import QuerySet

from openclass.accounts import scoping
from openclass.accounts.capabilities import has_role_capability, object_rule
from openclass.accounts.models import User

from .models import AccessRecord, AccessSubject


def is_city_wide(viewer: User) -> bool:
    return viewer.is_superuser or viewer.role == User.Role.OFFICE_ADMIN


@object_rule("privacy.view_access_log")
def can_view_access_log_of(viewer: User, student: User) -> bool:
    """Whether ``viewer`` may read the log entries about ``student``."""
    if is_city_wide(viewer):
        return True
    school = scoping.school_of(viewer)
    return bool(
        school is not None
        and student.organisation is not None
        and student.organisation.path.startswith(school.path)
    )


def visible_records(viewer: User) -> QuerySet[AccessRecord]:
    """The entries ``viewer`` may search (none without the capability)."""
    if not has_role_capability(viewer, "privacy.view_access_log"):
        return AccessRecord.objects.none()
    if is_city_wide(viewer):
        return AccessRecord.objects.all()
    school = scoping.school_of(viewer)
    if school is None:
        return AccessRecord.objects.none()
    return AccessRecord.objects.filter(
        pk__in=AccessSubject.objects.filter(school=school).values("record_id")
    )


def visible_subjects(viewer: User) -> QuerySet[AccessSubject]:
    """The students named in entries whom ``viewer`` may see named."""
    if not has_role_capability(viewer, "privacy.view_access_log"):
        return AccessSubject.objects.none()
    if is_city_wide(viewer):
        return AccessSubject.objects.all()
    return AccessSubject.objects.filter(school=scoping.school_of(viewer))
