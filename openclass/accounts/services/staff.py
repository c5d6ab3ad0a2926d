"""Staff accounts kept by the office and the school admins: create a teacher, edit, deactivate
and turn on again, and the teaching assignments (who teaches which class, and the homeroom).

Which accounts and schools a manager reaches is ``scoping.manageable_staff`` /
``scoping.manageable_schools``; the views check it before calling these. A new account has no
usable password until a first-login password is issued (``credentials``), shown once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .. import scoping
from ..models import Organisation, TeachingAssignment, User
from . import credentials

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")


def next_teacher_username(school: Organisation) -> str:
    """``<school code>-t01``, ``-t02`` …: the next free one (the demo's and the schools' form)."""
    prefix = f"{school.code}-t"
    taken = set(User.objects.filter(username__startswith=prefix).values_list("username", flat=True))
    number = 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    return f"{prefix}{number:02d}"


def _check_username(username: str, user: User | None = None) -> None:
    if not USERNAME_PATTERN.match(username):
        raise ValidationError(
            {
                "username": _(
                    "Use 3 to 40 small Latin letters, digits, dots, hyphens or underscores."
                )
            }
        )
    clash = User.objects.filter(username__iexact=username)
    if user is not None:
        clash = clash.exclude(pk=user.pk)
    if clash.exists():
        raise ValidationError({"username": _("This user name is taken.")})


def create_staff(
    *,
    name: str,
    role: str,
    school: Organisation,
    username: str = "",
    email: str = "",
    phone: str = "",
) -> User:
    if not username:
        if not school.code:
            raise ValidationError(
                {"username": _("The school has no code: type a user name for the account.")}
            )
        username = next_teacher_username(school)
    username = username.strip().lower()
    _check_username(username)
    user = User(
        username=username,
        name=name.strip(),
        role=role,
        organisation=school,
        email=email,
        phone=phone,
        must_change_password=True,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def update_staff(user: User, **fields: object) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    _check_username(user.username, user)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def set_active(user: User, active: bool) -> User:
    """Deactivate (they can no longer sign in; records stay) or turn on again."""
    user.is_active = active
    user.save(update_fields=["is_active", "updated_at"])
    return user


def issue_password(user: User) -> credentials.IssuedCredential:
    (credential,) = credentials.issue_first_login_credentials([user])
    return credential


@dataclass(frozen=True)
class AssignmentRequest:
    klass: Organisation
    subject: str
    is_homeroom: bool


def assign(teacher: User, request: AssignmentRequest) -> TeachingAssignment:
    """A teacher teaches a class a subject, or is its homeroom teacher (one per class)."""
    if not scoping.is_teacher(teacher):
        raise ValidationError(_("Only teachers teach classes."))
    if not request.klass.is_active:
        raise ValidationError({"klass": _("This class is retired.")})
    subject = request.subject.strip()
    if not subject and not request.is_homeroom:
        raise ValidationError({"subject": _("Name the subject, or choose homeroom teacher.")})
    if request.is_homeroom:
        other = (
            TeachingAssignment.objects.filter(klass=request.klass, is_homeroom=True)
            .exclude(teacher=teacher)
            .select_related("teacher")
            .first()
        )
        if other is not None:
            raise ValidationError(
                {
                    "is_homeroom": _(
                        "%(name)s is already the homeroom teacher of this class. Remove that "
                        "assignment first."
                    )
                    % {"name": other.teacher.name}
                }
            )
    try:
        with transaction.atomic():
            return TeachingAssignment.objects.create(
                teacher=teacher,
                klass=request.klass,
                subject=subject,
                is_homeroom=request.is_homeroom,
            )
    except IntegrityError as error:
        raise ValidationError(
            _("This teacher already has this assignment in this class.")
        ) from error


def unassign(assignment: TeachingAssignment) -> User:
    teacher = assignment.teacher
    assignment.delete()
    return teacher
