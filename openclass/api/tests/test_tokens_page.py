"""The personal-token page: a person makes a token (shown once), sees their tokens and revokes
them; nobody else can revoke or even see them."""

from __future__ import annotations

import re

from django.test import Client

from openclass.accounts.tests.fixtures import City
from openclass.api.models import PersonalAccessToken

from .helpers import api_get


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_token_is_shown_once_and_works(city: City) -> None:
    client = _client(city.north.homeroom_a)
    response = client.post(
        "/api/tokens/", {"name": "성적 내보내기", "scopes": ["profile", "roster"]}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    (token,) = re.findall(r'value="(ocp_[A-Za-z0-9_-]+)"', response.content.decode())
    row = PersonalAccessToken.objects.get(user=city.north.homeroom_a)
    assert row.name == "성적 내보내기" and row.scopes == "profile roster"
    assert api_get(token, "/api/v1/me").json()["id"] == city.north.homeroom_a.pk
    listed = client.get("/api/tokens/").content.decode()
    assert "성적 내보내기" in listed and row.prefix in listed
    assert token not in listed, "the token is never shown again"


def test_a_token_needs_a_name_and_a_scope(city: City) -> None:
    client = _client(city.north.student_a1)
    response = client.post("/api/tokens/", {"name": "", "scopes": []})
    assert response.status_code == 200
    assert not PersonalAccessToken.objects.exists()
    past = client.post(
        "/api/tokens/", {"name": "x", "scopes": ["profile"], "expires_on": "2000-01-01"}
    )
    assert past.status_code == 200 and not PersonalAccessToken.objects.exists()


def test_the_owner_revokes_and_nobody_else_can(city: City) -> None:
    owner = _client(city.north.homeroom_a)
    body = owner.post("/api/tokens/", {"name": "출결 동기화 7반", "scopes": ["profile"]})
    (token,) = re.findall(r'value="(ocp_[A-Za-z0-9_-]+)"', body.content.decode())
    row = PersonalAccessToken.objects.get()
    for other in (city.north.admin, city.office_admin, city.north.student_a1):
        response = _client(other).post(f"/api/tokens/{row.pk}/revoke/")
        assert response.status_code == 404
        assert "출결 동기화 7반" not in _client(other).get("/api/tokens/").content.decode()
    assert api_get(token, "/api/v1/me").status_code == 200
    response = owner.post(f"/api/tokens/{row.pk}/revoke/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert api_get(token, "/api/v1/me").status_code == 401
    assert owner.get(f"/api/tokens/{row.pk}/revoke/").status_code == 405


def test_the_page_wants_a_signed_in_person(city: City) -> None:
    response = Client().get("/api/tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
