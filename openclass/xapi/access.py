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


def reads_only_own(user: Any) -> bool:
    """Whose statements ``user`` reads are only their own (a student), or their own and their
    children's (a parent): a token of theirs may name no other person's agent in a document."""
    return user.role in (User.Role.STUDENT, User.Role.PARENT)


def may_use_agent_of(viewer: Any, target: Any) -> bool:
    """Whether ``viewer`` (a token's person) may read and write documents (state, agent
    profile) about ``target``, one of our people: themselves; staff, the people they may see."""
    if viewer.pk == target.pk:
        return True
    if reads_only_own(viewer):
        return False
    return scoping.can_view_user(viewer, target)


def may_write_about(writer: Any, target: Any | None) -> bool:
    """Whether ``writer`` (a token's person) may store a statement whose actor is ``target``
    (one of our people, or None: an outside agent). A student or a parent writes only about
    themselves; staff about the people they may see, and about outside agents."""
    if target is not None and writer.pk == target.pk:
        return True
    if reads_only_own(writer):
        return False
    return target is None or scoping.can_view_user(writer, target)
