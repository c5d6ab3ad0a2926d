"""Test fixtures shared by every app: a small city (two schools, each with two classes, and their
people). Registered for the whole suite by the repository's conftest.py."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from openclass.accounts.models import Organisation, ParentLink, TeachingAssignment, User

PASSWORD = "correct-horse-42"  # noqa: S105 (test accounts only)
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


@pytest.fixture
def city(db) -> City:
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
