"""What every operation gets: problems (RFC 9457) for every refusal, ETags and 304, keyset
pagination that neither repeats nor skips while rows change, and the rate limits."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from openclass.accounts.models import Organisation, User
from openclass.accounts.tests.fixtures import City, make_user

from .helpers import api_get, make_api_site, oauth_token, personal_token

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert set(body) >= PROBLEM_KEYS and body["status"] == status
    return body


# --- problems -------------------------------------------------------------------------------


def test_every_refusal_is_a_problem(city: City) -> None:
    admin = personal_token(city.north.admin)
    student = personal_token(city.north.student_a1)
    # 404: a path the API does not have, and a record outside the person's scope.
    _problem(api_get(admin, "/api/v1/no-such-thing"), 404)
    body = _problem(api_get(admin, f"/api/v1/people/{city.south.student_a1.pk}"), 404)
    assert body["instance"] == f"/api/v1/people/{city.south.student_a1.pk}"
    # 403 from the capabilities (PermissionDenied): a student has no people list.
    _problem(api_get(student, "/api/v1/people"), 403)
    # 422 from ninja's own validation of a query parameter, with the field named.
    body = _problem(api_get(admin, "/api/v1/people?limit=many"), 422)
    assert body["errors"][0]["loc"][-1] == "limit"
    # 400: a cursor this API did not give.
    _problem(api_get(admin, "/api/v1/people?cursor=forged"), 400)


def test_the_problem_speaks_the_asked_language(city: City) -> None:
    token = personal_token(city.north.student_a1)
    korean = api_get(token, "/api/v1/people")
    english = api_get(token, "/api/v1/people", **{"Accept-Language": "en"})
    assert korean["Content-Language"] == "ko"
    assert english["Content-Language"] == "en"
    assert english.json()["title"] == "Not allowed"


def test_a_server_error_is_a_problem_too(city: City, monkeypatch) -> None:
    from openclass.accounts import scoping

    def broken(user: User) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(scoping, "visible_organisations", broken)
    body = _problem(api_get(personal_token(city.north.admin), "/api/v1/organisations"), 500)
    assert "boom" not in body["detail"]


# --- ETags ----------------------------------------------------------------------------------


def test_etag_and_304(city: City) -> None:
    token = personal_token(city.north.admin)
    first = api_get(token, "/api/v1/organisations")
    etag = first["ETag"]
    assert etag.startswith('W/"')
    again = api_get(token, "/api/v1/organisations", **{"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    city.north.class_a.name = "새 1반"
    city.north.class_a.save()
    changed = api_get(token, "/api/v1/organisations", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


# --- pagination -----------------------------------------------------------------------------


def _walk(token: str, path: str, between=None) -> list[int]:
    seen: list[int] = []
    url = path
    pages = 0
    while True:
        body = api_get(token, url).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        if between is not None:
            between(pages)
        if not body["next_cursor"]:
            return seen
        joiner = "&" if "?" in path else "?"
        url = f"{path}{joiner}cursor={body['next_cursor']}"


def test_pages_neither_repeat_nor_skip_while_rows_come_and_go(city: City) -> None:
    token = personal_token(city.north.admin)
    school = city.north.school
    extra = [make_user(f"north-x{i:02}", User.Role.TEACHER, school) for i in range(12)]
    before = {item["id"] for item in api_get(token, "/api/v1/people?limit=200").json()["items"]}
    removed = extra[-1]
    removed_pk = removed.pk
    added: list[User] = []

    def meanwhile(page: int) -> None:
        if page == 1:
            added.append(make_user("north-late", User.Role.TEACHER, school))
            removed.delete()

    seen = _walk(token, "/api/v1/people?limit=4", meanwhile)
    assert len(seen) == len(set(seen)), "no row twice"
    assert before - {removed_pk} <= set(seen), "no row that stayed is skipped"
    assert removed_pk not in seen
    assert added[0].pk in seen  # a row added after the current page comes later


def test_updated_since_pages_bring_every_change(city: City) -> None:
    token = personal_token(city.north.admin)
    start = timezone.now()
    for user in User.objects.filter(organisation__path__startswith=city.north.school.path):
        user.save()  # everyone changed since ``start``
    path = f"/api/v1/people?limit=3&updated_since={start.isoformat().replace('+', '%2B')}"
    changed_meanwhile = city.north.student_a2

    def meanwhile(page: int) -> None:
        if page == 1:
            changed_meanwhile.name = "바뀐 이름"
            changed_meanwhile.save()

    seen = _walk(token, path, meanwhile)
    expected = set(
        User.objects.filter(organisation__path__startswith=city.north.school.path).values_list(
            "pk", flat=True
        )
    )
    assert expected <= set(seen)
    # Only a row changed during the walk may come twice (its newer state, later).
    assert {pk for pk in seen if seen.count(pk) > 1} <= {changed_meanwhile.pk}
    soon = (timezone.now() + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = api_get(token, f"/api/v1/people?updated_since={soon}")
    assert later.json()["items"] == []


def test_updated_since_takes_any_offset_rfc_3339_allows(city: City) -> None:
    # PostgreSQL stores offsets up to ±15:59 only; the moment is compared in UTC.
    token = personal_token(city.north.admin)
    for offset in ("%2B18:37", "-23:59", "Z"):
        response = api_get(token, f"/api/v1/people?updated_since=2000-01-01T00:00:00{offset}")
        assert response.status_code == 200 and response.json()["items"]


def test_a_write_to_a_path_the_api_lacks_is_a_404_problem(city: City) -> None:
    # No CSRF page: the API takes no cookies, and a cookie-less PUT is not refused as forged.
    token = personal_token(city.north.admin)
    for method in ("put", "post", "delete"):
        response = getattr(Client(), method)(
            "/api/v1/people/not-a-number", headers={"Authorization": f"Bearer {token}"}
        )
        _problem(response, 404)


def test_a_cursor_belongs_to_its_list_and_limit_is_capped(city: City) -> None:
    token = personal_token(city.office_admin)
    for number in range(3):
        Organisation.objects.create(
            kind=Organisation.Kind.CLASS, name=f"{number + 3}반", parent=city.north.class_a.parent
        )
    body = api_get(token, "/api/v1/organisations?limit=2").json()
    assert len(body["items"]) == 2 and body["next_cursor"]
    other = api_get(token, f"/api/v1/people?cursor={body['next_cursor']}")
    _problem(other, 400)
    tampered = body["next_cursor"][:-3] + ("AAA" if body["next_cursor"][-3:] != "AAA" else "BBB")
    _problem(api_get(token, f"/api/v1/organisations?cursor={tampered}"), 400)
    assert len(api_get(token, "/api/v1/people?limit=100000").json()["items"]) <= 200


# --- rate limits ----------------------------------------------------------------------------


@override_settings(API_RATE_PER_MINUTE=3)
def test_a_token_over_its_rate_waits(city: City) -> None:
    cache.clear()
    token = personal_token(city.north.admin)
    for _ in range(3):
        assert api_get(token, "/api/v1/me").status_code == 200
    body = _problem(api_get(token, "/api/v1/me"), 429)
    response = api_get(token, "/api/v1/me")
    assert 1 <= int(response["Retry-After"]) <= 61
    assert body["type"] == "urn:openclass:api:rate-limited"
    # Another token of the same person counts on its own.
    assert api_get(personal_token(city.north.admin, name="둘째"), "/api/v1/me").status_code == 200


@override_settings(API_RATE_PER_MINUTE=100, API_CLIENT_RATE_PER_MINUTE=4)
def test_a_site_over_its_rate_waits_whatever_the_token(city: City) -> None:
    cache.clear()
    site = make_api_site()
    tokens = [oauth_token(person, site=site) for person in (city.north.admin, city.south.admin)]
    answers = [api_get(tokens[i % 2], "/api/v1/me").status_code for i in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    other_site = oauth_token(city.north.admin, site=make_api_site("다른 사이트"))
    assert api_get(other_site, "/api/v1/me").status_code == 200


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()
