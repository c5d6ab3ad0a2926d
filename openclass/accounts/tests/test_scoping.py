"""Who may see and manage whom, checked through the scoping module and through the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openclass.accounts import scoping
from openclass.accounts.tests.fixtures import City


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_student_sees_only_themself(city: City) -> None:
    student = city.north.student_a1
    assert ids(scoping.visible_users(student)) == {student.pk}
    assert not scoping.can_view_user(student, city.north.student_a2)
    assert not scoping.manageable_users(student).exists()
    assert ids(scoping.visible_organisations(student)) == {city.north.class_a.pk}


def test_parent_sees_only_own_children(city: City) -> None:
    parent = city.north.parent_a1
    assert ids(scoping.visible_users(parent)) == {parent.pk, city.north.student_a1.pk}
    assert not scoping.can_view_user(parent, city.north.student_a2)
    assert not scoping.can_view_user(parent, city.south.student_a1)
    assert not scoping.manageable_users(parent).exists()


def test_teacher_sees_only_students_of_their_classes(city: City) -> None:
    north = city.north
    visible = ids(scoping.visible_users(north.homeroom_a))
    assert visible == {
        north.homeroom_a.pk,
        north.student_a1.pk,
        north.student_a2.pk,
        north.parent_a1.pk,
    }
    assert north.student_b1.pk not in visible
    assert city.south.student_a1.pk not in visible
    assert ids(scoping.visible_users(north.subject_teacher)) == {
        north.subject_teacher.pk,
        north.student_b1.pk,
    }


def test_only_homeroom_teacher_manages_their_students(city: City) -> None:
    north = city.north
    assert ids(scoping.manageable_users(north.homeroom_a)) == {
        north.student_a1.pk,
        north.student_a2.pk,
    }
    assert not scoping.manageable_users(north.subject_teacher).exists()
    assert not scoping.can_manage_user(north.homeroom_a, north.parent_a1)


def test_school_admin_sees_only_their_school(city: City) -> None:
    north, south = city.north, city.south
    visible = ids(scoping.visible_users(north.admin))
    for person in (north.student_a1, north.student_b1, north.homeroom_a, north.parent_a1):
        assert person.pk in visible
    for person in (south.student_a1, south.admin, south.parent_a1, city.office_admin):
        assert person.pk not in visible
    assert not scoping.can_manage_user(north.admin, south.student_a1)
    assert not scoping.can_manage_user(north.admin, city.office_admin)
    assert scoping.can_manage_user(north.admin, north.homeroom_a)
    assert scoping.can_manage_organisation(north.admin, north.class_b)
    assert not scoping.can_manage_organisation(north.admin, south.class_a)
    assert not scoping.can_manage_organisation(north.admin, city.office)


def test_office_admin_sees_the_city(city: City) -> None:
    assert scoping.can_view_user(city.office_admin, city.south.student_b1)
    assert scoping.can_manage_organisation(city.office_admin, city.south.school)


def test_instructor_sees_only_themself(city: City) -> None:
    assert ids(scoping.visible_users(city.instructor)) == {city.instructor.pk}
    assert not scoping.visible_organisations(city.instructor).exists()


def test_inactive_user_sees_nothing(city: City) -> None:
    admin = city.north.admin
    admin.is_active = False
    admin.save()
    assert not scoping.visible_users(admin).exists()
    assert not scoping.manageable_organisations(admin).exists()


# --- The same rules through the pages ------------------------------------------------------


def test_person_page_refuses_other_students(client, city: City) -> None:
    client.force_login(city.north.student_a1)
    other = reverse("accounts:person", args=[city.north.student_a2.pk])
    assert client.get(other).status_code == 404
    own = reverse("accounts:person", args=[city.north.student_a1.pk])
    assert client.get(own).status_code == 200


def test_people_page_lists_only_visible_people(client, city: City) -> None:
    client.force_login(city.north.homeroom_a)
    page = client.get(reverse("accounts:people")).content.decode()
    assert city.north.student_a1.username in page
    assert city.north.student_b1.username not in page
    assert city.south.student_a1.username not in page


def test_people_page_refuses_a_class_not_taught(client, city: City) -> None:
    client.force_login(city.north.homeroom_a)
    url = reverse("accounts:people")
    assert client.get(url, {"class": city.north.class_b.pk}).status_code == 404
    assert client.get(url, {"class": city.north.class_a.pk}).status_code == 200


def test_parent_page_shows_own_child_only(client, city: City) -> None:
    client.force_login(city.north.parent_a1)
    child = reverse("accounts:person", args=[city.north.student_a1.pk])
    assert client.get(child).status_code == 200
    stranger = reverse("accounts:person", args=[city.north.student_a2.pk])
    assert client.get(stranger).status_code == 404


def test_school_admin_cannot_open_other_school(client, city: City) -> None:
    client.force_login(city.north.admin)
    other = reverse("accounts:person", args=[city.south.student_a1.pk])
    assert client.get(other).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    # Someone who cannot see the student: 404; their parent sees them but does not manage: 403.
    [("student_a2", 404), ("subject_teacher", 404), ("parent_a1", 403)],
)
def test_reset_password_refused_without_management_right(
    client, city: City, who: str, status: int
) -> None:
    client.force_login(getattr(city.north, who))
    target = city.north.student_a1
    old_hash = target.password
    response = client.post(reverse("accounts:reset_password", args=[target.pk]))
    assert response.status_code == status
    target.refresh_from_db()
    assert target.password == old_hash
    assert not target.must_change_password


def test_school_admin_resets_a_password(client, city: City) -> None:
    client.force_login(city.north.admin)
    target = city.north.student_a1
    response = client.post(reverse("accounts:reset_password", args=[target.pk]))
    assert response.status_code == 200
    issued = response.context["credential"]
    target.refresh_from_db()
    assert target.must_change_password
    assert target.check_password(issued.password)
    assert issued.password in response.content.decode()


def test_reset_password_needs_post(client, city: City) -> None:
    client.force_login(city.north.admin)
    url = reverse("accounts:reset_password", args=[city.north.student_a1.pk])
    assert client.get(url).status_code == 405


def test_anonymous_is_sent_to_login(client, city: City) -> None:
    response = client.get(reverse("accounts:people"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
