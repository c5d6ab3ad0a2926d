"""The shared test city (``fixtures.city``): built once per session, put back for each test as if
built afresh, committed for tests whose database calls run on other connections."""

from __future__ import annotations

import threading

import pytest

from openclass.accounts.models import Organisation, ParentLink, TeachingAssignment, User
from openclass.accounts.tests.fixtures import PASSWORD, City, make_user


def test_the_city_is_whole_and_its_objects_match_its_rows(city: City) -> None:
    assert User.objects.count() == 16
    assert Organisation.objects.count() == 10
    assert TeachingAssignment.objects.count() == 4 and ParentLink.objects.count() == 2
    for organisation in Organisation.objects.select_related("parent"):
        parent_path = organisation.parent.path if organisation.parent else "/"
        assert organisation.path == f"{parent_path}{organisation.pk}/"
    student = User.objects.get(pk=city.north.student_a1.pk)
    assert student.username == city.north.student_a1.username
    assert student.organisation_id == city.north.class_a.pk
    assert student.check_password(PASSWORD)
    # Related objects are shared within the test's copy, as after a build.
    assert city.north.student_a1.organisation is city.north.class_a


def test_rows_made_after_the_city_get_new_keys(city: City) -> None:
    """The city's rows come back with explicit keys; PostgreSQL's sequences are moved past them."""
    newcomer = make_user("north-0100", User.Role.STUDENT, city.north.class_b, number=2)
    assert newcomer.pk not in set(User.objects.exclude(pk=newcomer.pk).values_list("pk", flat=True))
    grade = Organisation.objects.create(
        kind=Organisation.Kind.GRADE, name="4학년", number=4, parent=city.south.school
    )
    assert grade.path == f"{city.south.school.path}{grade.pk}/"


def test_each_test_gets_its_own_copy(city: City) -> None:
    city.north.student_a1.name = "바뀐 이름"
    city.north.student_a1.save()
    assert city.north.student_a1.name == "바뀐 이름"


def test_a_change_in_another_test_is_gone(city: City) -> None:
    assert city.north.student_a1.name != "바뀐 이름"
    assert not User.objects.filter(name="바뀐 이름").exists()


@pytest.mark.django_db
def test_a_test_without_the_city_sees_no_city() -> None:
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_city_is_committed_for_other_connections(city: City) -> None:
    """Sockets and live servers read through other threads' connections."""
    seen: list[int] = []

    def read() -> None:
        from django.db import connections

        try:
            seen.append(User.objects.filter(username=city.office_admin.username).count())
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert seen == [1]
