"""A page shows a button only when the capability guarding its target lets the viewer use it:
the first-login sheets of a class, a password reset, the people list itself."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from openclass.accounts.models import ParentLink
from openclass.accounts.tests.fixtures import City


def sheet_url(klass) -> str:
    return reverse("accounts:credential_sheet", args=[klass.pk])


def test_a_homeroom_teacher_prints_their_own_class_sheets(client, city: City) -> None:
    # The sheet buttons were shown to a homeroom teacher and answered 404: they reset their
    # students' passwords one by one anyway, so they print the class's sheets too.
    north = city.north
    client.force_login(north.homeroom_a)
    page = client.get(reverse("accounts:people"), {"class": north.class_a.pk})
    assert page.status_code == 200
    assert sheet_url(north.class_a) in page.content.decode()
    for sheet_type in ("pdf", "xlsx"):
        response = client.get(sheet_url(north.class_a), {"format": sheet_type})
        assert response.status_code == 200
    response = client.post(sheet_url(north.class_a), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_subject_teacher_prints_no_sheets(client, city: City) -> None:
    north = city.north
    client.force_login(north.subject_teacher)
    page = client.get(reverse("accounts:people"), {"class": north.class_b.pk})
    assert page.status_code == 200
    assert sheet_url(north.class_b) not in page.content.decode()
    assert client.get(sheet_url(north.class_b)).status_code == 403
    assert client.post(sheet_url(north.class_b), {"format": "xlsx"}).status_code == 403
    # A class they do not teach is not there at all.
    assert client.get(sheet_url(north.class_a)).status_code == 404
    assert client.get(reverse("accounts:people"), {"class": north.class_a.pk}).status_code == 404


def test_a_subject_teacher_sees_only_the_people_of_the_classes_they_teach(
    client, city: City
) -> None:
    north = city.north
    client.force_login(north.subject_teacher)
    page = client.get(reverse("accounts:people")).content.decode()
    assert north.student_b1.username in page
    for hidden in (north.student_a1, north.student_a2, north.parent_a1, city.south.student_b1):
        assert hidden.username not in page
        assert client.get(reverse("accounts:person", args=[hidden.pk])).status_code == 404


def test_a_school_admin_is_shown_the_sheets_they_print(client, city: City) -> None:
    north = city.north
    client.force_login(north.admin)
    page = client.get(reverse("accounts:people"), {"class": north.class_a.pk})
    assert sheet_url(north.class_a) in page.content.decode()
    assert client.get(sheet_url(north.class_a)).status_code == 200


def test_the_reset_button_is_shown_to_whoever_may_reset(client, city: City) -> None:
    north = city.north
    student = north.student_a1
    reset = reverse("accounts:reset_password", args=[student.pk])
    person = reverse("accounts:person", args=[student.pk])
    client.force_login(north.homeroom_a)
    assert reset in client.get(person).content.decode()
    assert client.post(reset).status_code == 200
    client.force_login(north.parent_a1)
    assert reset not in client.get(person).content.decode()
    assert client.post(reset).status_code == 403


def test_students_have_no_people_list(client, city: City) -> None:
    client.force_login(city.north.student_a1)
    assert client.get(reverse("accounts:people")).status_code == 403
    own = reverse("accounts:person", args=[city.north.student_a1.pk])
    assert client.get(own).status_code == 200


def test_a_parent_sees_their_children_under_that_name(client, city: City) -> None:
    client.force_login(city.north.parent_a1)
    with translation.override("en"):
        page = client.get(reverse("accounts:people"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My children" in page and city.north.student_a1.username in page


def test_a_parents_page_names_only_the_children_the_viewer_may_see(client, city: City) -> None:
    """The parent of a student in class A also has a child in class B: class A's homeroom
    teacher sees the parent's page with the first child only (the second one's link answered
    404, and named a child the teacher may not see)."""
    north = city.north
    ParentLink.objects.create(parent=north.parent_a1, student=north.student_b1)
    client.force_login(north.homeroom_a)
    page = client.get(reverse("accounts:person", args=[north.parent_a1.pk])).content.decode()
    assert reverse("accounts:person", args=[north.student_a1.pk]) in page
    assert north.student_b1.name not in page
    assert client.get(reverse("accounts:person", args=[north.student_b1.pk])).status_code == 404
    client.force_login(north.admin)
    page = client.get(reverse("accounts:person", args=[north.parent_a1.pk])).content.decode()
    assert reverse("accounts:person", args=[north.student_b1.pk]) in page
