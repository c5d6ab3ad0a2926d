"""The home-page panels of saved lists: the lists shared with a student's (or a teacher's)
classes, and, in each child's section of a parent's home, those shared with the child's class.

Registered with ``core.registry`` when this module is imported (``ListsConfig.ready``).
"""

from __future__ import annotations

from typing import Any

from openclass.accounts.models import User
from openclass.core.db import CompiledObjectQuery, every_column
from openclass.core.registry import CHILD, panel

from . import access, selectors
from .models import SavedList

#: Lists shown on a home; the rest are on the lists page.
SHOWN = 5

_SHARED_WITH_OWN_CLASS = CompiledObjectQuery(
    lambda klass, viewer: selectors.shared_with_classes(access.class_by_id(klass)).exclude(
        owner=viewer
    )[:SHOWN],
    {"": every_column(SavedList), "owner": every_column(User)},
)


def _rows(viewer: User, lists: list[Any]) -> list[dict[str, Any]]:
    counts = selectors.visible_counts(viewer, lists)
    return [{"list": saved, "count": counts[saved.pk]} for saved in lists]


@panel(
    "lists.shared",
    template="lists/panels/shared.html",
    capability="lists.keep",
    order=60,
)
def build_shared(user: User) -> dict[str, Any] | None:
    """The lists teachers shared with the user's class (a teacher: with their classes)."""
    own_class = access.students_own_class(user)
    if own_class == 0:
        return None
    if own_class is not None:  # a student: one compiled read (every student's home)
        lists = _SHARED_WITH_OWN_CLASS.all(own_class, user.pk)
    else:
        lists = list(
            selectors.shared_with_classes(access.home_classes(user)).exclude(owner=user)[:SHOWN]
        )
    return {"rows": _rows(user, lists)} if lists else None


@panel(
    "lists.child_shared",
    template="lists/panels/child_shared.html",
    capability="lists.keep",
    place=CHILD,
    order=60,
)
def build_child_shared(child: User) -> dict[str, Any] | None:
    """The lists shared with a child's class (a parent opens them: ``access.member_classes``);
    not counted here, as the count is of what the viewer may open."""
    lists = list(selectors.shared_with_classes(access.home_classes(child))[:SHOWN])
    return {"lists": lists} if lists else None
