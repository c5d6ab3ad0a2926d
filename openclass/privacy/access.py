"""The object rules of the privacy capabilities.

``privacy.export_child``: a parent downloads the data of their own child under 14 (by school
grade: ``under_fourteen``).

``privacy.view_access_log``, and whose entries a viewer may search: the
office (its administrators) the whole city's; a school's privacy officer (its administrators)
the entries naming their school's students — and of an entry naming students of several schools
(an office course's export), only their own school's students."""

from __future__ import annotations

from django.db.models import QuerySet

from openclass.accounts import scoping
from openclass.accounts.capabilities import has_role_capability, object_rule
from openclass.accounts.models import Organisation, User

from .models import AccessRecord, AccessSubject, Departure


def under_fourteen(student: User) -> bool:
    """Whether a student is under 14 (만 14세 미만, 개인정보 보호법 §22-2) by their school grade:
    accounts hold no birth date. Korean school years group children by calendar year of birth
    and begin in March, so an elementary student turns at most 12 during the school year and a
    middle-school first-year 13 (under 14 the whole year, but for those born in January or
    February in the last two months before the next school year). From the middle school's
    second year on some are 14 and some not: no (the school hands their data over on request)."""
    klass = student.organisation
    if student.role != User.Role.STUDENT or klass is None or klass.kind != Organisation.Kind.CLASS:
        return False
    nodes = klass.path_nodes()  # root first, the class last
    if len(nodes) < 3:
        return False
    school, grade = nodes[-3], nodes[-2]
    level = school.school_level
    return level == Organisation.SchoolLevel.ELEMENTARY or (
        level == Organisation.SchoolLevel.MIDDLE and grade.number == 1
    )


@object_rule("privacy.export_child")
def can_export_child(parent: User, child: User) -> bool:
    """A parent may download the data of their own child under 14."""
    return scoping.children_of(parent).filter(pk=child.pk).exists() and under_fourteen(child)


@object_rule("privacy.consent")
def decides_consent_for(user: User, student: User) -> bool:
    """Who gives or withdraws a student's consents: their parent while they are under 14
    (법정대리인 동의, 개인정보 보호법 §22-2), the student themself from 14."""
    if student.role != User.Role.STUDENT:
        return False
    if under_fourteen(student):
        return scoping.children_of(user).filter(pk=student.pk).exists()
    return user.pk == student.pk


def consent_subjects(user: User) -> list[User]:
    """The students whose consents ``user`` sees: themself (a student), their children (a
    parent); whether they decide them is ``privacy.consent``'s rule."""
    if user.role == User.Role.STUDENT:
        return [user]
    return list(
        scoping.children_of(user)
        .select_related("organisation__parent__parent")
        .order_by("name", "pk")
    )


@object_rule("privacy.record_leaving")
def can_record_leaving(admin: User, student: User) -> bool:
    """A student whose account the admin manages (their school's; the office: any)."""
    return student.role == User.Role.STUDENT and scoping.can_manage_user(admin, student)


def visible_departures(viewer: User) -> QuerySet[Departure]:
    """The leavers on ``viewer``'s schedule: the city's for the office, their school's for a
    school admin."""
    if not has_role_capability(viewer, "privacy.record_leaving"):
        return Departure.objects.none()
    if is_city_wide(viewer):
        return Departure.objects.all()
    school = scoping.school_of(viewer)
    return Departure.objects.filter(school=school) if school else Departure.objects.none()


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
