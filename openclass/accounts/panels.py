"""The home-page panels of accounts: a student's class, a parent's children, the classes a
teacher teaches or a school admin oversees, a school's figures and the city at a glance.

Registered with ``core.registry`` when this module is imported (``AccountsConfig.ready``); the
home page (``web.home``) draws those its viewer holds the capability of.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db.models import Count, Q, QuerySet

from openclass.core import registry
from openclass.core.db import CompiledObjectQuery, every_column
from openclass.core.registry import CHILD, CHILD_FIGURES, panel

from . import scoping
from .capabilities import has_capability
from .models import Organisation, User, in_natural_order

Role = User.Role
Kind = Organisation.Kind


@dataclass
class ClassSummary:
    klass: Organisation
    students: int
    never_signed_in: int
    is_homeroom: bool = False


def _class_summaries(
    classes: QuerySet[Organisation], homeroom_ids: frozenset[int] = frozenset()
) -> list[ClassSummary]:
    student = Q(members__role=Role.STUDENT, members__is_active=True)
    rows = (
        in_natural_order(classes)
        .select_related("parent")
        .annotate(
            student_count=Count("members", filter=student),
            never=Count("members", filter=student & Q(members__last_login__isnull=True)),
        )
    )
    return [
        ClassSummary(k, k.student_count, k.never, is_homeroom=k.pk in homeroom_ids) for k in rows
    ]


# On every student's home page: compiled (core.db).
_TEACHERS_OF_CLASS = CompiledObjectQuery(
    lambda klass: scoping.teachers_of(klass).order_by("name").distinct(),
    {"": every_column(User)},
)


@panel(
    "accounts.my_class",
    template="accounts/panels/my_class.html",
    capability="course.learn",
    order=70,
)
def build_my_class(student: User) -> dict[str, Any]:
    """The teachers of a student's class."""
    teachers: list[User] = []
    if student.organisation_id is not None:
        teachers = _TEACHERS_OF_CLASS.all(student.organisation_id)
    return {"teachers": teachers}


@panel(
    "accounts.children",
    template="accounts/panels/children.html",
    capability="people.view_children",
    order=100,
)
def build_children(parent: User) -> dict[str, Any]:
    """A parent's children, each with what the areas show of them (the ``child`` and
    ``child_figures`` places: their courses, attendance, points)."""
    holds = partial(has_capability, parent)
    children = list(
        scoping.children_of(parent)
        .select_related("organisation", "organisation__parent__parent")
        .order_by("name")
    )
    return {
        "children": [
            {
                "child": child,
                "sections": registry.build_panels(CHILD, holds, child),
                "figures": registry.build_panels(CHILD_FIGURES, holds, child),
            }
            for child in children
        ]
    }


@panel(
    "accounts.school_figures",
    template="accounts/panels/school_figures.html",
    capability="people.manage_school",
    unless="city.overview",
    order=140,
)
def build_school_figures(admin: User) -> dict[str, Any]:
    """How many students, teachers and parents the school has, and who never signed in."""
    people = scoping.visible_users(admin)
    return {
        "totals": {
            "students": people.filter(role=Role.STUDENT).count(),
            "teachers": people.filter(role=Role.TEACHER).count(),
            "parents": people.filter(role=Role.PARENT).count(),
            "never_signed_in": people.filter(role=Role.STUDENT, last_login__isnull=True).count(),
        }
    }


@panel(
    "accounts.taught_classes",
    template="accounts/panels/classes.html",
    capability="classes.view_taught",
    order=150,
)
def build_taught_classes(teacher: User) -> dict[str, Any]:
    """The classes a teacher teaches, their homeroom marked."""
    homeroom = frozenset(scoping.homeroom_classes(teacher).values_list("pk", flat=True))
    return {"taught": True, "classes": _class_summaries(scoping.taught_classes(teacher), homeroom)}


@panel(
    "accounts.school_classes",
    template="accounts/panels/classes.html",
    capability="people.manage_school",
    unless="city.overview",
    order=150,
)
def build_school_classes(admin: User) -> dict[str, Any]:
    """Every class of the school an admin oversees."""
    classes = scoping.visible_organisations(admin).filter(kind=Kind.CLASS)
    return {"taught": False, "classes": _class_summaries(classes)}


@panel(
    "accounts.city",
    template="accounts/panels/city.html",
    capability="city.overview",
    order=160,
)
def build_city(office_admin: User) -> dict[str, Any]:
    """Every school with its students and how many signed in at least once, and the totals."""
    schools = Organisation.objects.filter(kind=Kind.SCHOOL).select_related("parent")
    students = User.objects.filter(role=Role.STUDENT, is_active=True)
    counts = {
        row["organisation__parent__parent"]: row
        for row in students.values("organisation__parent__parent").annotate(
            total=Count("pk"), signed_in=Count("pk", filter=Q(last_login__isnull=False))
        )
    }
    rows = [
        {
            "school": school,
            "students": counts.get(school.pk, {}).get("total", 0),
            "signed_in": counts.get(school.pk, {}).get("signed_in", 0),
        }
        for school in in_natural_order(schools)
    ]
    return {
        "schools": rows,
        "totals": {
            "schools": len(rows),
            "students": students.count(),
            "teachers": User.objects.filter(role=Role.TEACHER).count(),
            "instructors": User.objects.filter(role=Role.INSTRUCTOR).count(),
        },
    }
