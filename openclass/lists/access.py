"""Who may open, change and share which saved list, and which of its items a viewer sees.

- A list is its **owner's**: only they change it (rename, save, remove, reorder, annotate,
  share, delete).
- It **opens** for its owner and for the members of the classes it is shared with: the class's
  students, its teachers, the administrators of its school, and the parents of its students
  (a list a teacher shares with a class reaches the class's homes, the parents' included).
  The office sees no one's lists by being the office: a list is personal.
- By **link**: anyone signed in who has the link's token, while the link is on
  (``views.shared``); that opens the list read-only, and finding it in the search stays the rule
  above.
- ``lists.share_class``: a teacher shares with the classes they teach, a school admin with the
  classes of their school.
- **Items** are shown through their search source's own rule (``visible(user)``), at display
  time: a viewer never sees an item they may not open, and the count is of what they see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Q, QuerySet

from openclass.accounts import scoping
from openclass.accounts.capabilities import has_role_capability, object_rule
from openclass.accounts.models import Organisation, User
from openclass.core.registry import RegistryError, SearchSource, search_source

from .models import SavedList

Role = User.Role
CLASS = Organisation.Kind.CLASS


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def shareable_classes(user: User) -> QuerySet[Organisation]:
    """The classes ``user`` may share a list with: those they teach (a teacher), those of their
    school (a school admin); none without ``lists.share_class``."""
    if not has_role_capability(user, "lists.share_class"):
        return Organisation.objects.none()
    if user.role == Role.SCHOOL_ADMIN:
        school = scoping.school_of(user)
        if school is None:
            return Organisation.objects.none()
        return school.subtree().filter(kind=CLASS)
    return scoping.taught_classes(user)


@object_rule("lists.share_class")
def can_share_with(user: User, klass: Organisation) -> bool:
    """Whether ``user`` may share a list with the class ``klass``."""
    return shareable_classes(user).filter(pk=klass.pk).exists()


def class_by_id(organisation_id: int) -> QuerySet[Organisation]:
    """The organisation ``organisation_id`` if it is a class (a student's own class)."""
    return Organisation.objects.filter(pk=organisation_id, kind=CLASS)


def _own_class(student: User) -> QuerySet[Organisation]:
    if student.organisation_id is None:
        return Organisation.objects.none()
    return class_by_id(student.organisation_id)


def member_classes(user: User) -> QuerySet[Organisation]:
    """The classes whose shared lists ``user`` may open: a student's own class, a teacher's
    classes, a school admin's school's classes, a parent's children's classes."""
    if not _active(user):
        return Organisation.objects.none()
    if user.role == Role.STUDENT:
        return _own_class(user)
    if user.role == Role.TEACHER:
        return scoping.taught_classes(user)
    if user.role == Role.SCHOOL_ADMIN:
        school = scoping.school_of(user)
        return school.subtree().filter(kind=CLASS) if school else Organisation.objects.none()
    if user.role == Role.PARENT:
        return Organisation.objects.filter(
            pk__in=scoping.children_of(user).values("organisation_id"), kind=CLASS
        )
    return Organisation.objects.none()


def students_own_class(user: User) -> int | None:
    """For a student, the id of the class ``home_classes`` gives them (0 when they have none:
    nothing is shared with them), read by the home page's compiled query; None for anyone
    else, whose classes are a query of their own."""
    if _active(user) and user.role == Role.STUDENT:
        return user.organisation_id or 0
    return None


def home_classes(user: User) -> QuerySet[Organisation]:
    """The classes whose shared lists appear on ``user``'s own home: a student's class and a
    teacher's classes (a parent sees their children's in each child's section)."""
    if not _active(user):
        return Organisation.objects.none()
    if user.role == Role.STUDENT:
        return _own_class(user)
    if user.role == Role.TEACHER:
        return scoping.taught_classes(user)
    return Organisation.objects.none()


def visible_lists(user: User) -> QuerySet[SavedList]:
    """Every list ``user`` may open: their own and those shared with their classes."""
    if not _active(user):
        return SavedList.objects.none()
    shared = SavedList.shared_with.through.objects.filter(
        organisation__in=member_classes(user).values("pk")
    ).values("savedlist_id")
    return SavedList.objects.filter(Q(owner=user) | Q(pk__in=shared))


def own_lists(user: User) -> QuerySet[SavedList]:
    if not _active(user):
        return SavedList.objects.none()
    return SavedList.objects.filter(owner=user)


def is_owner(user: User, saved_list: SavedList) -> bool:
    return _active(user) and saved_list.owner_id == user.pk


def source_or_none(name: str) -> SearchSource | None:
    try:
        return search_source(name)
    except RegistryError:
        return None


def _keys_of(visible: Any) -> set[int]:
    """The keys a source's ``visible`` gave as something other than a queryset: a list of keys
    or of ``{"pk": key}`` rows."""
    return {int(row["pk"]) if isinstance(row, Mapping) else int(row) for row in visible}


def openable_keys(user: User, source: SearchSource, keys: Iterable[int]) -> set[int]:
    """Those of ``keys`` whose objects exist and ``user`` may open, by the source's own rule
    (``visible``: a queryset of keys, as the registry asks, or any iterable of them; ``None`` for
    everyone signed in). A source without a model: those its ``documents`` still yields."""
    wanted = {int(key) for key in keys}
    if not wanted or not _active(user):
        return set()
    visible = source.visible(user)
    if source.model is None:
        existing = {int(document.key) for document in source.documents(sorted(wanted))}
        return existing if visible is None else existing & _keys_of(visible)
    objects = source.model._default_manager.filter(pk__in=wanted)
    if isinstance(visible, QuerySet):
        objects = objects.filter(pk__in=visible)
    elif visible is not None:
        objects = objects.filter(pk__in=_keys_of(visible) & wanted)
    return set(objects.values_list("pk", flat=True))


def can_open(user: User, source_name: str, key: int) -> bool:
    """Whether ``user`` may open the object ``key`` of the search source ``source_name``."""
    source = source_or_none(source_name)
    return source is not None and key in openable_keys(user, source, [key])


def openable_items(user: User, items: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Of (source, key) pairs, those ``user`` may open: one query per source."""
    by_source: dict[str, set[int]] = defaultdict(set)
    for source_name, key in items:
        by_source[source_name].add(key)
    openable: set[tuple[str, int]] = set()
    for source_name, keys in by_source.items():
        source = source_or_none(source_name)
        if source is not None:
            openable.update((source_name, key) for key in openable_keys(user, source, keys))
    return openable
