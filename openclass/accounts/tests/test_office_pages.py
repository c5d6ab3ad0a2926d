"""The office's own pages (no Django admin): the organisation tree and staff accounts, scoped —
the office the city, a school admin their school's grades, classes and teachers, a teacher
none — each record with its history."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from openclass.accounts.models import Organisation, TeachingAssignment, User, in_natural_order
from openclass.accounts.tests.fixtures import City, make_user
from openclass.courses.tests.fixtures import make_course

Kind = Organisation.Kind


def url(name: str, *args: object) -> str:
    return reverse(f"accounts:{name}", args=args)


def grade_of(city: City) -> Organisation:
    grade = city.north.class_a.parent
    assert grade is not None
    return grade


# --- the organisation tree -------------------------------------------------------------------


def test_a_school_admin_adds_renames_and_moves_a_class_with_its_history(client, city: City) -> None:
    north = city.north
    client.force_login(north.admin)
    grade = grade_of(city)
    response = client.post(url("organisation_add", grade.pk), {"number": "10", "name": ""})
    assert response.status_code == 302
    ten = Organisation.objects.get(parent=grade, number=10)
    assert ten.name == "10반" and ten.kind == Kind.CLASS
    other_grade = Organisation.objects.create(
        kind=Kind.GRADE, name="4학년", number=4, parent=north.school
    )
    response = client.post(
        url("organisation_edit", ten.pk),
        {"name": "새싹반", "number": "3", "parent": other_grade.pk},
    )
    assert response.status_code == 302
    ten.refresh_from_db()
    assert (ten.name, ten.number, ten.parent_id) == ("새싹반", 3, other_grade.pk)
    assert ten.path.startswith(other_grade.path)
    page = client.get(url("organisation", ten.pk)).content.decode()
    # The history names who changed what.
    assert "새싹반" in page and "10반" in page and north.admin.name in page
    assert ten.history.count() == 2


def test_a_school_admin_cannot_touch_another_schools_tree(client, city: City) -> None:
    client.force_login(city.north.admin)
    south = city.south
    for name in ("organisation", "organisation_add", "organisation_edit"):
        assert client.get(url(name, south.class_a.pk)).status_code == 404
    for name in ("organisation_edit", "organisation_retire", "organisation_delete"):
        assert client.post(url(name, south.class_a.pk), {"name": "x"}).status_code == 404
    assert client.post(url("organisation_add", south.school.pk), {"number": 5}).status_code == 404
    south.class_a.refresh_from_db()
    assert south.class_a.name == "1반" and south.class_a.is_active
    # Their own school they see and add grades to, but do not rename or move.
    assert client.get(url("organisation", city.north.school.pk)).status_code == 200
    assert client.post(url("organisation_edit", city.north.school.pk)).status_code == 403
    assert client.post(url("organisation_retire", city.north.school.pk)).status_code == 403
    tree = client.get(url("organisations")).content.decode()
    assert city.north.school.name in tree and city.south.school.name not in tree


@pytest.mark.parametrize("who", ["homeroom_a", "subject_teacher", "student_a1", "parent_a1"])
def test_teachers_students_and_parents_reach_none_of_the_office_pages(
    client, city: City, who: str
) -> None:
    client.force_login(getattr(city.north, who))
    klass = city.north.class_a
    for name, args in (
        ("organisations", ()),
        ("organisation", (klass.pk,)),
        ("organisation_edit", (klass.pk,)),
        ("staff_list", ()),
        ("staff_create", ()),
        ("staff_detail", (city.north.subject_teacher.pk,)),
    ):
        assert client.get(url(name, *args)).status_code == 403, name
    assert client.post(url("organisation_retire", klass.pk)).status_code == 403


def test_a_class_with_members_or_courses_is_never_deleted(client, city: City) -> None:
    client.force_login(city.north.admin)
    klass = city.north.class_a
    response = client.post(url("organisation_delete", klass.pk), follow=True)
    assert Organisation.objects.filter(pk=klass.pk).exists()
    assert "cannot be deleted" in response.content.decode() or "삭제할 수 없" in (
        response.content.decode()
    )
    # Retiring it is refused too while students are active in it.
    client.post(url("organisation_retire", klass.pk))
    klass.refresh_from_db()
    assert klass.is_active
    # An empty class made by mistake goes; one a course names stays.
    grade = grade_of(city)
    typo = Organisation.objects.create(kind=Kind.CLASS, name="9반", number=9, parent=grade)
    assert client.post(url("organisation_delete", typo.pk)).status_code == 302
    assert not Organisation.objects.filter(pk=typo.pk).exists()
    with_course = Organisation.objects.create(kind=Kind.CLASS, name="8반", number=8, parent=grade)
    make_course(city.north.homeroom_a, with_course, "class", "8반 수업")
    client.post(url("organisation_delete", with_course.pk))
    assert Organisation.objects.filter(pk=with_course.pk).exists()
    # Retired (nobody active in it), it stays with its records.
    client.post(url("organisation_retire", with_course.pk))
    with_course.refresh_from_db()
    assert not with_course.is_active
    client.post(url("organisation_retire", with_course.pk), {"action": "restore"})
    with_course.refresh_from_db()
    assert with_course.is_active


def test_the_office_edits_the_whole_city(client, city: City) -> None:
    client.force_login(city.office_admin)
    school = city.south.school
    assert client.get(url("organisations")).status_code == 200
    response = client.post(
        url("organisation_edit", school.pk),
        {
            "name": "남쪽초등학교",
            "code": "south",
            "school_level": "elementary",
            "parent": school.parent_id,
        },
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.name == "남쪽초등학교"


def test_classes_are_listed_in_natural_order(city: City) -> None:
    grade = grade_of(city)
    for number in (10, 3, 11):
        Organisation.objects.create(
            kind=Kind.CLASS, name=f"{number}반", number=number, parent=grade
        )
    Organisation.objects.create(kind=Kind.GRADE, name="1학년", number=1, parent=city.north.school)
    classes = in_natural_order(Organisation.objects.filter(parent=grade))
    assert [k.number for k in classes] == [1, 2, 3, 10, 11]
    grades = in_natural_order(Organisation.objects.filter(parent=city.north.school))
    assert [g.number for g in grades] == [1, 3]


# --- staff accounts --------------------------------------------------------------------------


def test_a_school_admin_creates_a_teacher_assigns_classes_and_deactivates(
    client, city: City
) -> None:
    north = city.north
    client.force_login(north.admin)
    form = client.get(url("staff_create")).content.decode()
    assert f'name="school" value="{north.school.pk}"' in form  # their only school, not asked
    response = client.post(
        url("staff_create"),
        {"name": "박선생", "username": "", "role": "teacher", "school": north.school.pk},
    )
    assert response.status_code == 302
    teacher = User.objects.get(name="박선생")
    assert teacher.role == User.Role.TEACHER and teacher.organisation == north.school
    assert teacher.username == "north-t03" and not teacher.has_usable_password()
    response = client.post(
        url("staff_assign", teacher.pk), {"klass": north.class_b.pk, "subject": "영어"}
    )
    assert response.status_code == 302
    # Class A has its homeroom teacher already: a clear refusal, nothing saved.
    response = client.post(
        url("staff_assign", teacher.pk), {"klass": north.class_a.pk, "is_homeroom": "on"}
    )
    assert response.status_code == 400
    assert not TeachingAssignment.objects.filter(teacher=teacher, klass=north.class_a).exists()
    # Another school's class is not offered.
    response = client.post(
        url("staff_assign", teacher.pk), {"klass": city.south.class_a.pk, "subject": "영어"}
    )
    assert response.status_code == 400
    assignment = TeachingAssignment.objects.get(teacher=teacher)
    page = client.get(url("staff_detail", teacher.pk)).content.decode()
    assert north.class_b.full_name in page
    assert client.post(url("assignment_remove", assignment.pk)).status_code == 302
    assert not TeachingAssignment.objects.filter(pk=assignment.pk).exists()
    page = client.get(url("staff_detail", teacher.pk)).content.decode()
    assert "영어" in page  # the removed assignment is in the history
    # A first-login password through the credential service.
    response = client.post(url("reset_password", teacher.pk))
    assert response.status_code == 200
    teacher.refresh_from_db()
    assert teacher.has_usable_password()
    assert client.post(url("staff_active", teacher.pk), {"active": "0"}).status_code == 302
    teacher.refresh_from_db()
    assert not teacher.is_active
    assert teacher.history.filter(history_user=north.admin).count() >= 2


def test_a_school_admin_cannot_manage_another_schools_teachers(client, city: City) -> None:
    client.force_login(city.north.admin)
    other = city.south.subject_teacher
    assert client.get(url("staff_detail", other.pk)).status_code == 404
    assert client.post(url("staff_edit", other.pk), {"name": "x"}).status_code == 404
    assert client.post(url("staff_active", other.pk), {"active": "0"}).status_code == 404
    assert client.post(url("staff_assign", other.pk)).status_code == 404
    assignment = TeachingAssignment.objects.get(teacher=other)
    assert client.post(url("assignment_remove", assignment.pk)).status_code == 404
    other.refresh_from_db()
    assert other.is_active and other.name != "x"
    # Nor another admin of their own school, nor accounts into another school.
    colleague = make_user("north-admin2", User.Role.SCHOOL_ADMIN, city.north.school)
    assert client.get(url("staff_detail", colleague.pk)).status_code == 404
    response = client.post(
        url("staff_create"), {"name": "김", "role": "teacher", "school": city.south.school.pk}
    )
    assert not User.objects.filter(name="김", organisation=city.south.school).exists()
    assert response.status_code == 200
    page = client.get(url("staff_list")).content.decode()
    assert city.north.subject_teacher.username in page and other.username not in page


def test_students_and_parents_keep_no_account_history(city: City) -> None:
    student = city.north.student_a1
    student.name = "바뀐이름"
    student.save()
    assert not User.history.filter(id=student.pk).exists()
    teacher = city.north.subject_teacher
    teacher.name = "바뀐선생"
    teacher.save()
    assert User.history.filter(id=teacher.pk, name="바뀐선생").exists()


def test_django_admin_is_for_superusers_only(client, city: City) -> None:
    office = city.office_admin
    assert office.is_staff and not office.is_superuser
    client.force_login(office)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    office.is_superuser = True
    office.save()
    assert client.get("/admin/").status_code == 200


# --- imports ---------------------------------------------------------------------------------


def _upload(client, url_name: str, text: str):
    handle = io.BytesIO(text.encode("utf-8-sig"))
    handle.name = "file.csv"
    return client.post(url(url_name), {"file": handle})


def test_staff_import_previews_then_creates_teachers_and_assignments(client, city: City) -> None:
    north = city.north
    client.force_login(north.admin)
    text = (
        "이름,아이디,연락처,담임 학급,교과,수업 학급\r\n"
        "이선생,,010-1111-2222,3-2,영어,3-1\r\n"
        f"{north.subject_teacher.name},{north.subject_teacher.username},,,과학,3학년 1반\r\n"
    )
    preview = _upload(client, "staff_import", text)
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert plan.is_valid, [row.errors for row in plan.rows]
    assert (plan.new_count, plan.update_count) == (1, 1)
    assert not User.objects.filter(name="이선생").exists()  # nothing before confirming
    result = client.post(url("staff_import"), {"file_hash": preview.context["file_hash"]})
    assert result.status_code == 200
    new = User.objects.get(name="이선생")
    assert new.organisation == north.school and new.phone == "010-1111-2222"
    assert TeachingAssignment.objects.get(klass=north.class_b, is_homeroom=True).teacher == new
    assert TeachingAssignment.objects.filter(teacher=new, klass=north.class_a, subject="영어")
    assert TeachingAssignment.objects.filter(
        teacher=north.subject_teacher, klass=north.class_a, subject="과학"
    ).exists()


def test_staff_import_is_all_or_nothing_and_never_makes_a_class(client, city: City) -> None:
    north = city.north
    client.force_login(north.admin)
    text = (
        "이름,아이디,담임 학급\r\n"
        "김선생,,3-2\r\n"
        "박선생,,3-9\r\n"  # no 3학년 9반: an error, not a new class
        f"최선생,{city.south.subject_teacher.username},\r\n"  # another school's teacher
    )
    preview = _upload(client, "staff_import", text)
    plan = preview.context["plan"]
    assert not plan.is_valid and plan.error_count == 2
    errors = " ".join(error for row in plan.rows for error in row.errors)
    assert "9" in errors and city.south.subject_teacher.username in errors
    assert preview.context["file_hash"] == ""
    assert client.post(url("staff_import"), {"file_hash": "x"}).status_code == 409
    assert not User.objects.filter(name__in=["김선생", "박선생"]).exists()
    assert not Organisation.objects.filter(parent=grade_of(city), number=9).exists()


def test_a_roster_with_a_new_class_saves_only_once_the_class_is_confirmed(
    client, city: City
) -> None:
    north = city.north
    client.force_login(north.admin)
    preview = _upload(client, "roster_import", "이름,학년,반,번호\r\n새학생,3,9,1\r\n")
    page = preview.content.decode()
    assert preview.context["plan"].new_classes == ["3학년 9반"]
    assert 'name="create_classes"' in page
    data = {"file_hash": preview.context["file_hash"]}
    refused = client.post(url("roster_import"), data)
    assert refused.status_code == 400
    assert not Organisation.objects.filter(parent=grade_of(city), number=9).exists()
    assert not User.objects.filter(name="새학생").exists()
    saved = client.post(url("roster_import"), {**data, "create_classes": "yes"})
    assert saved.status_code == 200
    assert User.objects.get(name="새학생").organisation.number == 9


@pytest.mark.parametrize("name", ["roster_template", "staff_template"])
def test_each_import_has_a_template_its_reader_reads(client, city: City, name: str) -> None:
    from openclass.accounts.services import roster, staff_import

    client.force_login(city.north.admin)
    response = client.get(url(name))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    columns = roster.STUDENT_COLUMNS if name == "roster_template" else staff_import.STAFF_COLUMNS
    rows = roster.read_roster(response.content, columns).rows
    assert rows[0]["name"] == columns.template_example[0]
    client.force_login(city.north.homeroom_a)
    assert client.get(url(name)).status_code == 403
