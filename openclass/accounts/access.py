"""The object rules of the accounts capabilities (see ``accounts.capabilities``), built on
``accounts.scoping``, so a page's button and the page it posts to give the same answer:

- ``people.reset_password`` for one person: whoever may manage their account (a school admin
  their school, a homeroom teacher their class's students, the office everyone);
- ``people.import_roster`` for one organisation: whoever manages it (its school's admins, the
  office); a class's first-login sheet is printed under the same capability.
"""

from __future__ import annotations

from . import scoping
from .capabilities import object_rule
from .models import Organisation, User


@object_rule("people.reset_password")
def can_reset_password(user: User, target: User) -> bool:
    return scoping.can_manage_user(user, target)


@object_rule("people.import_roster")
def can_manage_roster_of(user: User, organisation: Organisation) -> bool:
    return scoping.can_manage_organisation(user, organisation)


@object_rule("people.print_sheets")
def can_print_sheets_of(user: User, klass: Organisation) -> bool:
    return scoping.can_print_sheets(user, klass)


@object_rule("organisations.manage")
def can_edit_organisation(user: User, organisation: Organisation) -> bool:
    return scoping.editable_organisations(user).filter(pk=organisation.pk).exists()


@object_rule("staff.manage")
def can_manage_staff_account(user: User, target: User) -> bool:
    return scoping.can_manage_staff(user, target)
