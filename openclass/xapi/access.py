"""Whose statements and documents a reader may see.

A student (or their token) reads the statements about themselves; a parent, their children's; a
teacher, those about the classes they teach or the courses they manage; a school's administrator,
their school's; the office, all. ``courses`` sits above this app: it tells which courses a user
manages through ``register_course_scope`` from its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q

from openclass.accounts import scoping
from openclass.accounts.models import User

_course_scopes: list[Callable[[Any], Iterable[int]]] = []


def register_course_scope(scope: Callable[[Any], Iterable[int]]) -> None:
    """Add a rule naming the courses whose statements ``user`` may read (as their manager)."""
    if scope not in _course_scopes:
        _course_scopes.append(scope)


def managed_course_ids(user: Any) -> set[int]:
    ids: set[int] = set()
    for scope in _course_scopes:
        ids.update(scope(user))
    return ids


def readable_statements(user: Any) -> Q:
    """The statements ``user`` may read, as a filter on ``Statement``."""
    role = user.role
    if role == User.Role.OFFICE_ADMIN:
        return Q()
    mine = Q(user=user)
    if role == User.Role.STUDENT:
        return mine
    if role == User.Role.PARENT:
        return mine | Q(user__in=scoping.children_of(user))
    if role == User.Role.SCHOOL_ADMIN:
        school = scoping.school_of(user)
        return mine | Q(school=school) if school is not None else mine
    # Teachers and instructors: their classes and the courses they manage.
    rule = mine | Q(course_id__in=managed_course_ids(user))
    if role == User.Role.TEACHER:
        rule |= Q(klass__in=scoping.taught_classes(user))
    return rule
