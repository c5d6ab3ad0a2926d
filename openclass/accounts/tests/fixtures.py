"""Test fixtures shared by every app: a small city (two schools, each with two classes, and their
people). Registered for the whole suite by the repository's conftest.py.

The city is built once per test session (once per xdist worker) and rolled back; what it wrote is
kept as rows. Each test that asks for ``city`` gets those rows put back with the same primary keys
(a few bulk inserts, instead of ~40 saves and 16 password hashes) and its own copy of the objects,
so it still starts from a fresh city and may change it freely. A test that does not ask for the
city sees none. Tests with committed data (``transactional_db``, live servers, sockets whose
database calls run in other threads) get the city committed, as the inserts run in their
connection like any other write; the flush after such a test removes it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

from openclass.accounts.models import Organisation, ParentLink, TeachingAssignment, User

PASSWORD = "correct-horse-42"  # test accounts only
Kind = Organisation.Kind
Role = User.Role


@dataclass
class School:
    school: Organisation
    class_a: Organisation  # 3학년 1반
    class_b: Organisation  # 3학년 2반
    admin: User
    homeroom_a: User  # homeroom teacher of class A
    subject_teacher: User  # teaches class B only
    student_a1: User
    student_a2: User
    student_b1: User
    parent_a1: User  # parent of student_a1 only


@dataclass
class City:
    office: Organisation
    office_admin: User
    instructor: User
    north: School
    south: School


def make_user(username: str, role: str, organisation: Organisation | None = None, **extra) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        name=extra.pop("name", username),
        role=role,
        organisation=organisation,
        **extra,
    )


def make_school(district: Organisation, code: str, name: str) -> School:
    school = Organisation.objects.create(
        kind=Kind.SCHOOL,
        name=name,
        code=code,
        parent=district,
        school_level=Organisation.SchoolLevel.ELEMENTARY,
    )
    grade = Organisation.objects.create(kind=Kind.GRADE, name="3학년", number=3, parent=school)
    class_a = Organisation.objects.create(kind=Kind.CLASS, name="1반", number=1, parent=grade)
    class_b = Organisation.objects.create(kind=Kind.CLASS, name="2반", number=2, parent=grade)
    homeroom_a = make_user(f"{code}-t01", Role.TEACHER, school)
    subject_teacher = make_user(f"{code}-t02", Role.TEACHER, school)
    TeachingAssignment.objects.create(teacher=homeroom_a, klass=class_a, is_homeroom=True)
    TeachingAssignment.objects.create(teacher=subject_teacher, klass=class_b, subject="과학")
    student_a1 = make_user(f"{code}-0001", Role.STUDENT, class_a, number=1)
    student_a2 = make_user(f"{code}-0002", Role.STUDENT, class_a, number=2)
    student_b1 = make_user(f"{code}-0003", Role.STUDENT, class_b, number=1)
    parent_a1 = make_user(f"{code}-p0001", Role.PARENT)
    ParentLink.objects.create(parent=parent_a1, student=student_a1)
    return School(
        school=school,
        class_a=class_a,
        class_b=class_b,
        admin=make_user(f"{code}-admin", Role.SCHOOL_ADMIN, school),
        homeroom_a=homeroom_a,
        subject_teacher=subject_teacher,
        student_a1=student_a1,
        student_a2=student_a2,
        student_b1=student_b1,
        parent_a1=parent_a1,
    )


def make_city() -> City:
    office = Organisation.objects.create(kind=Kind.OFFICE, name="서울특별시교육청")
    district = Organisation.objects.create(
        kind=Kind.DISTRICT, name="서울특별시동부교육지원청", parent=office
    )
    return City(
        office=office,
        office_admin=make_user("office-admin", Role.OFFICE_ADMIN, office, is_staff=True),
        instructor=make_user("instructor01", Role.INSTRUCTOR),
        north=make_school(district, "north", "북초등학교"),
        south=make_school(district, "south", "남초등학교"),
    )


#: The people the "as every role" tests ask as (``nobody`` is not signed in), by what they are
#: to north's class A: its student, her parent, its homeroom teacher, the other class's subject
#: teacher, the school's admin, the office's admin and the outside instructor.
ROLES = (
    "nobody",
    "student",
    "parent",
    "homeroom_teacher",
    "subject_teacher",
    "school_admin",
    "office_admin",
    "instructor",
)


def person_of(city: City, role: str) -> User | None:
    """The city's person for one of ``ROLES`` (None for nobody)."""
    north = city.north
    return {
        "nobody": None,
        "student": north.student_a1,
        "parent": north.parent_a1,
        "homeroom_teacher": north.homeroom_a,
        "subject_teacher": north.subject_teacher,
        "school_admin": north.admin,
        "office_admin": city.office_admin,
        "instructor": city.instructor,
    }[role]


T = TypeVar("T")


@dataclass(frozen=True)
class Rows:
    """The rows a build added, table by table, to be put back later with the same primary keys.

    Every table is compared before and after the build, so rows a signal or a save() override
    adds are kept too; keys must stay the same because rows name each other by them (foreign
    keys, and ``Organisation.path``, which spells out its ancestors' keys). Only additions can
    be put back: a build that changes or deletes a row that was there (one a migration made) is
    refused.
    """

    tables: tuple[tuple[type[models.Model], tuple[dict[str, Any], ...]], ...]

    @classmethod
    def added_by(cls, build: Callable[[], T]) -> tuple[T, Rows]:
        candidates = [
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy and not model._meta.swapped
        ]
        before = {model: _rows_by_key(model) for model in candidates}
        built = build()
        tables = []
        touched = []
        for model in candidates:
            after = _rows_by_key(model)
            rows = tuple(row for key, row in after.items() if key not in before[model])
            if rows:
                tables.append((model, rows))
            touched += [
                f"{model._meta.label} {key}"
                for key, row in before[model].items()
                if after.get(key) != row
            ]
        if touched:
            raise RuntimeError(f"the build changed or deleted rows it found: {touched[:10]}")
        return built, cls(tuple(tables))

    def restore(self, using: str = DEFAULT_DB_ALIAS) -> None:
        """Insert the rows again (one statement a table). Foreign keys are checked at commit on
        SQLite and PostgreSQL, so the order of the tables does not matter."""
        connection = connections[using]
        with transaction.atomic(using=using):
            for model, rows in self.tables:
                model._base_manager.using(using).bulk_create([model(**row) for row in rows])
            # PostgreSQL's sequences do not follow explicit keys: move them past the rows, so the
            # test's own inserts do not collide (SQLite's AUTOINCREMENT follows by itself).
            statements = connection.ops.sequence_reset_sql(
                no_style(), [model for model, _ in self.tables]
            )
            if statements:
                with connection.cursor() as cursor:
                    for statement in statements:
                        cursor.execute(statement)


def _rows_by_key(model: type[models.Model]) -> dict[Any, dict[str, Any]]:
    fields = [field.attname for field in model._meta.concrete_fields]
    pk = model._meta.pk.attname
    return {row[pk]: row for row in model._base_manager.order_by("pk").values(*fields)}


@pytest.fixture(scope="session")
def city_rows(django_db_setup, django_db_blocker, suite_settings) -> tuple[City, Rows]:
    """The city built once for the session, in a transaction that is rolled back: its objects
    and the rows it wrote. Built with the suite's fast password hasher, as the tests sign in."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = Rows.added_by(make_city)
        transaction.set_rollback(True)
    return built


@pytest.fixture
def city(db, city_rows: tuple[City, Rows]) -> City:
    """A fresh city for this test: the session's rows inserted again, and a copy of its objects
    of the test's own (related objects stay shared within the copy, as after a build)."""
    built, rows = city_rows
    rows.restore()
    return copy.deepcopy(built)
