"""Who a teacher's message reaches: the object rule of ``notifications.message_class`` (a class
the teacher teaches, ``accounts.scoping.taught_classes``) and the class's people it goes to."""

from __future__ import annotations

from django.db.models import QuerySet

from openclass.accounts import scoping
from openclass.accounts.capabilities import object_rule
from openclass.accounts.models import Organisation, ParentLink, User


@object_rule("notifications.message_class")
def may_message_class(user: User, klass: Organisation) -> bool:
    return scoping.taught_classes(user).filter(pk=klass.pk).exists()


def message_recipients(klass: Organisation, with_parents: bool) -> QuerySet[User]:
    """The class's active students, and their parents when asked."""
    students = User.objects.filter(organisation=klass, role=User.Role.STUDENT, is_active=True)
    if not with_parents:
        return students
    parents = ParentLink.objects.filter(student__in=students).values("parent_id")
    return User.objects.filter(is_active=True).filter(
        pk__in=[
            *students.values_list("pk", flat=True),
            *parents.values_list("parent_id", flat=True),
        ]
    )
