"""People and organisations through the API, answered as the pages answer: each role sees whom
``accounts.scoping`` lets them, never a person or organisation of another school; the roster
write is the import's, all or nothing, once per idempotency key; reads are logged."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from openclass.accounts import scoping
from openclass.accounts.models import User
from openclass.accounts.tests.fixtures import City, person_of
from openclass.api import idempotency
from openclass.api.models import IdempotencyRecord
from openclass.hub.models import AuthEvent
from openclass.privacy.models import AccessRecord

from .helpers import api_get, bearer, make_api_site, oauth_token, personal_token

ROLES = ("student", "parent", "homeroom_teacher", "subject_teacher", "school_admin")


def _ids(token: str, path: str) -> set[int]:
    response = api_get(token, path + ("&" if "?" in path else "?") + "limit=200")
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize("role", ROLES)
def test_people_are_those_the_pages_show_and_no_other_schools(city: City, role: str) -> None:
    user = person_of(city, role)
    token = personal_token(user)
    south = city.south
    if role == "student":
        assert api_get(token, "/api/v1/people").status_code == 403
    else:
        seen = _ids(token, "/api/v1/people")
        assert seen == set(scoping.visible_users(user).values_list("pk", flat=True))
        assert not seen & {south.student_a1.pk, south.admin.pk, south.parent_a1.pk}
    for other in (south.student_a1, south.homeroom_a, south.parent_a1, south.admin):
        assert api_get(token, f"/api/v1/people/{other.pk}").status_code == 404
    own = api_get(token, f"/api/v1/people/{user.pk}")
    assert own.status_code == 200 and own.json()["id"] == user.pk


@pytest.mark.parametrize("role", ROLES)
def test_organisations_are_those_the_pages_show(city: City, role: str) -> None:
    user = person_of(city, role)
    token = personal_token(user)
    seen = _ids(token, "/api/v1/organisations")
    assert seen == set(scoping.visible_organisations(user).values_list("pk", flat=True))
    south = city.south
    for place in (south.school, south.class_a):
        assert api_get(token, f"/api/v1/organisations/{place.pk}").status_code == 404
        assert api_get(token, f"/api/v1/classes/{place.pk}").status_code == 404
    # Filtering by another school's organisation finds nothing to filter by.
    if role != "student":
        assert api_get(token, f"/api/v1/people?organisation={south.school.pk}").status_code == 404


def test_classes_name_their_grade_and_school(city: City) -> None:
    token = personal_token(city.north.homeroom_a)
    (klass,) = api_get(token, "/api/v1/classes").json()["items"]
    assert klass["id"] == city.north.class_a.pk
    assert klass["grade"] == 3 and klass["school_id"] == city.north.school.pk


def test_people_filters(city: City) -> None:
    token = personal_token(city.north.admin)
    in_class = _ids(token, f"/api/v1/people?organisation={city.north.class_a.pk}")
    assert in_class == {city.north.student_a1.pk, city.north.student_a2.pk}
    teachers = _ids(token, "/api/v1/people?role=teacher")
    assert teachers == {city.north.homeroom_a.pk, city.north.subject_teacher.pk}


def test_reads_of_people_are_logged(city: City) -> None:
    site = make_api_site("학적 연동")
    token = oauth_token(city.north.homeroom_a, site=site)
    api_get(token, "/api/v1/people")
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.API_READ)
    assert event.site_id == site.pk and event.user_id == city.north.homeroom_a.pk
    assert event.detail.startswith("GET /api/v1/people")
    student = city.north.student_a1
    api_get(token, f"/api/v1/people/{student.pk}")
    record = AccessRecord.objects.get(what="person")
    assert record.actor_id == city.north.homeroom_a.pk
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.API_READ).count() == 2


# --- roster write ---------------------------------------------------------------------------

ROSTER = {
    "students": [
        {"name": "김새롬", "grade": 3, "class_number": 1, "number": 3, "parent_phone": ""},
        {"name": "이하늘", "grade": 3, "class_number": 2, "number": 2},
    ]
}


def _post(token: str, body: dict, key: str | None = None, path: str = "/api/v1/people"):
    headers = bearer(token) | ({"Idempotency-Key": key} if key else {})
    return Client().post(path, json.dumps(body), "application/json", headers=headers)


def test_a_school_admin_imports_students(city: City) -> None:
    token = personal_token(city.north.admin)
    response = _post(token, ROSTER)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == 2 and body["unchanged"] == 0
    names = [student["name"] for student in body["students"]]
    assert names == ["김새롬", "이하늘"]
    new = User.objects.get(name="김새롬")
    assert new.organisation == city.north.class_a and new.number == 3


def test_the_roster_is_all_or_nothing(city: City) -> None:
    token = personal_token(city.north.admin)
    wrong = {"students": [*ROSTER["students"], {**ROSTER["students"][0], "name": "중복"}]}
    response = _post(token, wrong)
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:openclass:api:roster-invalid"
    assert body["errors"] and all(error["loc"][0] == "students" for error in body["errors"])
    assert not User.objects.filter(name__in=["김새롬", "이하늘"]).exists()


def test_a_student_is_moved_by_put(city: City) -> None:
    token = personal_token(city.north.admin)
    student = city.north.student_a2
    before = User.objects.get(pk=student.pk).updated_at
    body = {"name": student.name, "grade": 3, "class_number": 2, "number": 9}
    response = Client().put(
        f"/api/v1/people/{student.pk}", json.dumps(body), "application/json", headers=bearer(token)
    )
    assert response.status_code == 200, response.content
    moved = User.objects.get(pk=student.pk)
    assert moved.organisation == city.north.class_b and moved.number == 9
    assert moved.updated_at > before


def test_a_put_with_an_old_etag_is_refused(city: City) -> None:
    token = personal_token(city.north.admin)
    student = city.north.student_a2
    etag = api_get(token, f"/api/v1/people/{student.pk}")["ETag"]
    body = {"name": "새 이름", "grade": 3, "class_number": 1, "number": 2}

    def put(name: str):
        return Client().put(
            f"/api/v1/people/{student.pk}",
            json.dumps({**body, "name": name}),
            "application/json",
            headers=bearer(token) | {"If-Match": etag},
        )

    assert put("새 이름").status_code == 200  # the ETag was current
    refused = put("또 다른 이름")  # the same ETag, now old
    assert refused.status_code == 412
    assert refused.json()["type"] == "urn:openclass:api:changed"
    assert User.objects.get(pk=student.pk).name == "새 이름"


@pytest.mark.parametrize("role", ["homeroom_teacher", "parent", "student"])
def test_only_admins_write_the_roster(city: City, role: str) -> None:
    token = personal_token(person_of(city, role))
    assert _post(token, ROSTER).status_code == 403
    assert not User.objects.filter(name="김새롬").exists()


def test_an_admin_cannot_write_another_schools_roster(city: City) -> None:
    token = personal_token(city.north.admin)
    assert _post(token, {**ROSTER, "school": city.south.school.pk}).status_code == 404
    other = city.south.student_a1
    body = {"name": "남의 학생", "grade": 3, "class_number": 1, "number": 1}
    put = Client().put(
        f"/api/v1/people/{other.pk}", json.dumps(body), "application/json", headers=bearer(token)
    )
    assert put.status_code == 404
    assert User.objects.get(pk=other.pk).name == other.name


def test_roster_write_needs_its_scope(city: City) -> None:
    token = personal_token(city.north.admin, ["roster"])
    assert _post(token, ROSTER).status_code == 403


# --- idempotency ----------------------------------------------------------------------------


def test_the_same_key_and_body_is_answered_once(city: City) -> None:
    token = personal_token(city.north.admin)
    first = _post(token, ROSTER, key="import-2026-03-02")
    again = _post(token, ROSTER, key="import-2026-03-02")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert User.objects.filter(name="김새롬").count() == 1
    # Without a key the request is done again (here: nothing new, both now "unchanged").
    assert _post(token, ROSTER).json()["unchanged"] == 2


def test_the_same_key_with_another_body_is_refused(city: City) -> None:
    token = personal_token(city.north.admin)
    assert _post(token, ROSTER, key="k1").status_code == 200
    other = {"students": ROSTER["students"][:1]}
    response = _post(token, other, key="k1")
    assert response.status_code == 422
    assert response.json()["type"] == "urn:openclass:api:idempotency-key-reused"


def test_keys_are_the_callers_own(city: City) -> None:
    first = _post(personal_token(city.north.admin), ROSTER, key="shared")
    second = _post(personal_token(city.north.admin, name="다른 토큰"), ROSTER, key="shared")
    assert "Idempotent-Replayed" not in second
    assert first.json()["created"] == 2 and second.json()["unchanged"] == 2


def test_refusals_are_kept_too_and_records_pruned_after_a_day(city: City) -> None:
    token = personal_token(city.north.admin)
    wrong = {"students": [{**ROSTER["students"][0], "grade": 9}]}
    assert _post(token, wrong, key="bad").status_code == 422
    assert _post(token, wrong, key="bad")["Idempotent-Replayed"] == "true"
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotency.prune() == 1
    assert not IdempotencyRecord.objects.exists()
