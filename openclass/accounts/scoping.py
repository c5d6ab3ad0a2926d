"""Who may see and manage whom: the one place that answers it.

Every view, API endpoint and websocket that returns people or organisations narrows its queryset
through these functions instead of writing its own filters, so a rule changes in one place and a
new screen cannot forget one. The rules follow Korean school practice:

- a student sees only themself;
- a parent sees themself and their own children;
- a teacher sees the students (and those students' parents) of the classes they teach;
- a school admin sees and manages everyone in their school and the parents of its students;
- an office admin sees and manages the whole city;
- an instructor sees only themself until courses give them students.

Homeroom teachers (담임) may also manage their own class's students (reset a forgotten password in
the morning without waiting for the school office), as on the national platforms.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Organisation, ParentLink, TeachingAssignment, User

Role = User.Role


def school_of(user: User) -> Organisation | None:
    """The school a student, teacher or school admin belongs to."""
    if user.organisation is None:
        return None
    return user.organisation.ancestor(Organisation.Kind.SCHOOL)


def taught_classes(teacher: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        kind=Organisation.Kind.CLASS, teaching_assignments__teacher=teacher
    ).distinct()


def homeroom_classes(teacher: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        kind=Organisation.Kind.CLASS,
        teaching_assignments__teacher=teacher,
        teaching_assignments__is_homeroom=True,
    )


def alike_if_student(user: User) -> tuple[()] | None:
    """``SearchSource.alike`` for a rule that, for a student, reads only their role,
    organisation and flags, and their own key in the SQL: students of one class share it."""
    return () if user.role == Role.STUDENT else None


def children_of(parent: User) -> QuerySet[User]:
    return User.objects.filter(parent_links__parent=parent, role=Role.STUDENT)


def _under(paths: list[str], field: str = "organisation__path") -> Q:
    """Q for rows whose organisation lies under any of ``paths``; matches nothing when empty."""
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def _students_and_their_parents(student_filter: Q) -> QuerySet[User]:
    students = User.objects.filter(student_filter, role=Role.STUDENT)
    parents = ParentLink.objects.filter(student__in=students).values("parent_id")
    return User.objects.filter(Q(pk__in=students.values("pk")) | Q(pk__in=parents))


def visible_users(viewer: User) -> QuerySet[User]:
    """Everyone whose records ``viewer`` may see."""
    if not viewer.is_authenticated or not viewer.is_active:
        return User.objects.none()
    if viewer.is_superuser or viewer.role == Role.OFFICE_ADMIN:
        return User.objects.all()
    if viewer.role == Role.SCHOOL_ADMIN:
        school = school_of(viewer)
        if school is None:
            return User.objects.filter(pk=viewer.pk)
        in_school = _under([school.path])
        parents = ParentLink.objects.filter(
            student__organisation__path__startswith=school.path
        ).values("parent_id")
        return User.objects.filter(in_school | Q(pk__in=parents) | Q(pk=viewer.pk))
    if viewer.role == Role.TEACHER:
        classes = taught_classes(viewer).values("pk")
        students = _students_and_their_parents(Q(organisation__in=classes))
        return User.objects.filter(Q(pk__in=students.values("pk")) | Q(pk=viewer.pk))
    if viewer.role == Role.PARENT:
        return User.objects.filter(Q(pk=viewer.pk) | Q(pk__in=children_of(viewer).values("pk")))
    return User.objects.filter(pk=viewer.pk)


def manageable_users(manager: User) -> QuerySet[User]:
    """Everyone whose account ``manager`` may change (reset a password, edit details)."""
    if not manager.is_authenticated or not manager.is_active:
        return User.objects.none()
    if manager.is_superuser or manager.role == Role.OFFICE_ADMIN:
        return User.objects.exclude(pk=manager.pk)
    if manager.role == Role.SCHOOL_ADMIN:
        return (
            visible_users(manager)
            .exclude(pk=manager.pk)
            .exclude(role__in=[Role.SCHOOL_ADMIN, Role.OFFICE_ADMIN])
        )
    if manager.role == Role.TEACHER:
        return User.objects.filter(
            role=Role.STUDENT, organisation__in=homeroom_classes(manager).values("pk")
        )
    return User.objects.none()


def visible_organisations(viewer: User) -> QuerySet[Organisation]:
    """Organisations ``viewer`` may browse: their own branch of the tree and what is under it."""
    if not viewer.is_authenticated or not viewer.is_active:
        return Organisation.objects.none()
    if viewer.is_superuser or viewer.role == Role.OFFICE_ADMIN:
        return Organisation.objects.all()
    if viewer.role == Role.SCHOOL_ADMIN:
        school = school_of(viewer)
        return school.subtree() if school else Organisation.objects.none()
    if viewer.role == Role.TEACHER:
        return taught_classes(viewer)
    if viewer.role == Role.STUDENT and viewer.organisation_id is not None:
        return Organisation.objects.filter(pk=viewer.organisation_id)
    if viewer.role == Role.PARENT:
        return Organisation.objects.filter(pk__in=children_of(viewer).values("organisation_id"))
    return Organisation.objects.none()


def manageable_organisations(manager: User) -> QuerySet[Organisation]:
    """Organisations whose members ``manager`` may import, create and change."""
    if not manager.is_authenticated or not manager.is_active:
        return Organisation.objects.none()
    if manager.is_superuser or manager.role == Role.OFFICE_ADMIN:
        return Organisation.objects.all()
    if manager.role == Role.SCHOOL_ADMIN:
        school = school_of(manager)
        return school.subtree() if school else Organisation.objects.none()
    return Organisation.objects.none()


def manageable_schools(manager: User) -> QuerySet[Organisation]:
    return manageable_organisations(manager).filter(kind=Organisation.Kind.SCHOOL)


def can_view_user(viewer: User, target: User) -> bool:
    return visible_users(viewer).filter(pk=target.pk).exists()


def can_manage_user(manager: User, target: User) -> bool:
    return manageable_users(manager).filter(pk=target.pk).exists()


def can_manage_organisation(manager: User, organisation: Organisation) -> bool:
    return manageable_organisations(manager).filter(pk=organisation.pk).exists()


def teachers_of(klass: Organisation) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=TeachingAssignment.objects.filter(klass=klass).values("teacher_id")
    )


def editable_organisations(manager: User) -> QuerySet[Organisation]:
    """Organisations ``manager`` may rename, move, retire and add children to: the office the
    whole tree; a school admin their school's grades and classes (not the school itself, which
    the office names and places)."""
    if not manager.is_authenticated or not manager.is_active:
        return Organisation.objects.none()
    if manager.is_superuser or manager.role == Role.OFFICE_ADMIN:
        return Organisation.objects.all()
    if manager.role == Role.SCHOOL_ADMIN:
        school = school_of(manager)
        if school is None:
            return Organisation.objects.none()
        return school.subtree().exclude(pk=school.pk)
    return Organisation.objects.none()


#: The accounts the office's staff pages create and edit, by who manages them.
STAFF_ROLES_BY_MANAGER: dict[str, tuple[str, ...]] = {
    Role.OFFICE_ADMIN: (Role.TEACHER, Role.SCHOOL_ADMIN),
    Role.SCHOOL_ADMIN: (Role.TEACHER,),
}


def staff_roles_for(manager: User) -> tuple[str, ...]:
    """The roles of the staff accounts ``manager`` may create: the office teachers and school
    admins, a school admin teachers."""
    if not manager.is_authenticated or not manager.is_active:
        return ()
    if manager.is_superuser:
        return STAFF_ROLES_BY_MANAGER[Role.OFFICE_ADMIN]
    return STAFF_ROLES_BY_MANAGER.get(manager.role, ())


def manageable_staff(manager: User) -> QuerySet[User]:
    """The staff accounts ``manager`` may create, edit and deactivate: the office every teacher
    and school admin; a school admin their school's teachers (never another admin)."""
    roles = staff_roles_for(manager)
    if not roles:
        return User.objects.none()
    staff = User.objects.filter(role__in=roles).exclude(pk=manager.pk)
    if manager.is_superuser or manager.role == Role.OFFICE_ADMIN:
        return staff
    schools = manageable_schools(manager)
    return staff.filter(organisation__in=schools)


def can_manage_staff(manager: User, target: User) -> bool:
    return manageable_staff(manager).filter(pk=target.pk).exists()


def can_print_sheets(user: User, klass: Organisation) -> bool:
    """A class's first-login sheets: whoever manages the class (its school's admins, the
    office) and its homeroom teacher."""
    if can_manage_organisation(user, klass):
        return True
    return homeroom_classes(user).filter(pk=klass.pk).exists()


def is_teacher(user: User) -> bool:
    """Whether ``user`` is a school's teacher: who can be given classes to teach."""
    return user.role == Role.TEACHER
