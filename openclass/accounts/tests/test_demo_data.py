"""The demo city: its shape, its logins, that it is deterministic and idempotent, and that the
scoping rules hold on it as they do on the hand-made test city."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from openclass.accounts import scoping
from openclass.accounts.demo import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    OFFICE_CODE,
    build_demo_city,
    plan_city,
)
from openclass.accounts.models import Organisation, ParentLink, TeachingAssignment, User

Kind = Organisation.Kind
Role = User.Role


def demo_data(*args: str) -> str:
    out = StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "assignments": TeachingAssignment.objects.count(),
        "links": ParentLink.objects.count(),
    }


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def login(username: str) -> User:
    return User.objects.get(username=username)


def demo_login(role_prefix: str) -> User:
    return login(next(username for role, username in DEMO_LOGINS if role.startswith(role_prefix)))


def test_small_city_has_the_expected_tree(demo_city) -> None:
    office = Organisation.objects.get(code=OFFICE_CODE)
    assert office.kind == Kind.OFFICE and office.name == "서울특별시교육청"
    (school,) = Organisation.objects.filter(kind=Kind.SCHOOL)
    assert (school.code, school.name) == ("hanbit", "한빛초등학교")
    assert school.school_level == Organisation.SchoolLevel.ELEMENTARY
    assert school.path.startswith(office.path) and school.ancestor(Kind.OFFICE) == office
    grades = school.children.order_by("number")
    assert [g.name for g in grades] == ["1학년", "5학년"]
    classes = Organisation.objects.filter(kind=Kind.CLASS).order_by("path")
    assert [c.full_name for c in classes] == [
        "한빛초등학교 1학년 1반",
        "한빛초등학교 1학년 2반",
        "한빛초등학교 5학년 1반",
        "한빛초등학교 5학년 2반",
    ]
    for klass in classes:
        assert klass.path == f"{klass.parent.path}{klass.pk}/"
        students = klass.members.filter(role=Role.STUDENT).order_by("number")
        assert list(students.values_list("number", flat=True)) == list(range(1, 11))
        assert all(s.username.startswith("hanbit-") and s.name for s in students)
        assert klass.teaching_assignments.filter(is_homeroom=True).count() == 1


def test_small_city_has_every_role(demo_city) -> None:
    roles = {role: User.objects.filter(role=role).count() for role in Role.values}
    assert roles[Role.STUDENT] == 40
    assert roles[Role.INSTRUCTOR] == 10
    assert roles[Role.OFFICE_ADMIN] == roles[Role.SCHOOL_ADMIN] == 1
    assert roles[Role.TEACHER] >= 4 and roles[Role.PARENT] >= 20
    # Every student has a parent; some parents have two children.
    assert not User.objects.filter(role=Role.STUDENT, parent_links__isnull=True).exists()
    assert User.objects.get(username="hanbit-p0001").child_links.count() == 2
    assert not User.objects.filter(must_change_password=True).exists()
    office_admin = login("office-admin")
    # The office works in its own pages: nobody in the demo city needs Django admin.
    assert not office_admin.is_staff and not office_admin.is_superuser
    assert not User.objects.filter(is_staff=True).exists()
    assert set(User.objects.filter(role=Role.INSTRUCTOR).values_list("organisation__kind")) == {
        (Kind.OFFICE,)
    }


def test_demo_logins_exist_and_sign_in(demo_city) -> None:
    request = RequestFactory().post("/")
    assert len({role for role, _ in DEMO_LOGINS}) == len(DEMO_LOGINS)
    for _role, username in DEMO_LOGINS:
        user = authenticate(request, username=username, password=DEMO_PASSWORD)
        assert user is not None and user.username == username
    assert authenticate(request, username="hanbit-0001", password="wrong") is None
    assert demo_login("student, grade 5").organisation.full_name == "한빛초등학교 5학년 1반"
    assert demo_login("student, grade 1").organisation.full_name == "한빛초등학교 1학년 1반"
    assert demo_login("homeroom teacher").teaching_assignments.get().is_homeroom
    assert demo_login("subject teacher").teaching_assignments.exclude(subject="").exists()
    assert demo_login("parent").child_links.count() == 2


def test_every_demo_login_reaches_their_home_page(demo_city, client) -> None:
    for role, username in DEMO_LOGINS:
        response = client.post(
            reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, role
        home = client.get(response["Location"])
        assert home.status_code == 200, role
        assert login(username).name in home.content.decode(), role
        client.post(reverse("accounts:logout"))


def test_second_run_changes_nothing(demo_city) -> None:
    before = counts()
    names = dict(User.objects.values_list("username", "name"))
    output = demo_data("--size", "small")
    assert "nothing changed" in output
    assert counts() == before
    assert dict(User.objects.values_list("username", "name")) == names
    assert "nothing to do" in demo_data("--once")
    assert counts() == before


def test_same_seed_same_names_and_another_seed_other_names() -> None:
    def people(seed: int) -> dict[str, str]:
        return {u.username: u.name for u in plan_city("full", seed).users}

    assert people(7) == people(7)
    first, other = people(7), people(8)
    assert first != other
    # Only names and families depend on the seed: students, staff and the demo logins stay put.
    assert {u for u in first if "-p" not in u} == {u for u in other if "-p" not in u}
    assert {username for _, username in DEMO_LOGINS} <= other.keys()


def test_small_city_is_part_of_the_full_city() -> None:
    full = {u.username: (u.name, u.role, u.organisation, u.number) for u in plan_city().users}
    for user in plan_city("small").users:
        assert full[user.username] == (user.name, user.role, user.organisation, user.number)


def test_scoping_holds_on_the_demo_city(demo_city) -> None:
    teacher = demo_login("homeroom teacher")
    klass = teacher.teaching_assignments.get().klass
    students = User.objects.filter(role=Role.STUDENT, organisation=klass)
    parents = User.objects.filter(child_links__student__in=students)
    assert ids(scoping.visible_users(teacher)) == ids(students) | ids(parents) | {teacher.pk}
    assert ids(scoping.manageable_users(teacher)) == ids(students)

    subject_teacher = demo_login("subject teacher")
    taught = Organisation.objects.filter(teaching_assignments__teacher=subject_teacher)
    assert set(taught.values_list("parent__number", flat=True)) == {5}
    visible = scoping.visible_users(subject_teacher)
    assert not visible.filter(role=Role.STUDENT).exclude(organisation__in=taught).exists()
    assert not scoping.manageable_users(subject_teacher).exists()

    parent = demo_login("parent")
    children = {demo_login("student, grade 1").pk, demo_login("student, grade 5").pk}
    assert ids(scoping.visible_users(parent)) == children | {parent.pk}

    student = demo_login("student, grade 5")
    assert ids(scoping.visible_users(student)) == {student.pk}

    school_admin = demo_login("school admin")
    everyone_but_city_staff = User.objects.exclude(role__in=[Role.OFFICE_ADMIN, Role.INSTRUCTOR])
    assert ids(scoping.visible_users(school_admin)) == ids(everyone_but_city_staff)
    assert ids(scoping.visible_users(demo_login("office admin"))) == ids(User.objects.all())
    instructor = demo_login("instructor")
    assert ids(scoping.visible_users(instructor)) == {instructor.pk}


def test_small_city_grows_into_the_full_city(demo_city) -> None:
    before = dict(User.objects.values_list("username", "pk"))
    report = build_demo_city("full")
    assert report.created_users == len(report.plan.users) - len(before)
    after = dict(User.objects.values_list("username", "pk"))
    assert all(after[username] == pk for username, pk in before.items())


@pytest.mark.django_db
def test_full_city_is_built_once() -> None:
    # The demo videos (ffmpeg makes and transcodes three) cost two minutes and are not what this
    # test is about; the transcode pipeline has tests of its own (media).
    demo_data("--without-videos")
    assert Organisation.objects.filter(kind=Kind.DISTRICT).count() == 2
    schools = Organisation.objects.filter(kind=Kind.SCHOOL)
    assert set(schools.values_list("school_level", flat=True)) == {"elementary", "middle", "high"}
    assert schools.count() == 6
    for school in schools:
        grades = set(school.children.values_list("number", flat=True))
        expected = 6 if school.school_level == "elementary" else 3
        assert grades == set(range(1, expected + 1))
        assert User.objects.filter(username=f"{school.code}-admin", role=Role.SCHOOL_ADMIN).exists()
    students = User.objects.filter(role=Role.STUDENT)
    assert 1400 <= students.count() <= 1600
    classes = Organisation.objects.filter(kind=Kind.CLASS)
    assert TeachingAssignment.objects.filter(is_homeroom=True).count() == classes.count()
    # Subject teachers teach several classes each.
    subject_teachers = User.objects.filter(teaching_assignments__is_homeroom=False).distinct()
    assert subject_teachers.count() >= 40
    assert all(t.teaching_assignments.count() >= 2 for t in subject_teachers)
    assert User.objects.filter(role=Role.INSTRUCTOR).count() == 10
    parents = User.objects.filter(role=Role.PARENT)
    assert 0.9 * students.count() <= parents.count() < students.count()
    # Siblings share their surname.
    families: dict[int, set[str]] = {}
    for parent_id, name in ParentLink.objects.values_list("parent_id", "student__name"):
        families.setdefault(parent_id, set()).add(name[:-2])
    assert all(len(surnames) == 1 for surnames in families.values())
    assert sum(1 for pid in families if ParentLink.objects.filter(parent_id=pid).count() > 1) > 20
    before = counts()
    assert "nothing changed" in demo_data("--without-videos")
    assert counts() == before
