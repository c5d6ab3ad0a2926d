"""Who may call the API: the login hub's OAuth2 access tokens (looked up through
django-oauth-toolkit, hashed at rest) and personal access tokens; every refusal a 401 problem
with ``WWW-Authenticate: Bearer`` and an ``AuthEvent`` that never holds the token."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken

from openclass.accounts.tests.fixtures import City
from openclass.api.models import PersonalAccessToken
from openclass.hub.models import AuthEvent

from .helpers import api_get, make_api_site, oauth_token, personal_token


def _refused(response, token: str | None = None) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer ")
    body = json.loads(response.content)
    assert body["status"] == 401 and body["instance"] == "/api/v1/me"
    failure = AuthEvent.objects.filter(kind=AuthEvent.Kind.API_AUTH_FAILED).first()
    assert failure is not None, "a refused token is logged"
    assert "GET /api/v1/me" in failure.detail
    if token:
        assert token not in failure.detail
        assert token[:12] not in failure.detail


def test_no_token_is_a_401_problem_and_logged(city: City) -> None:
    _refused(api_get(None, "/api/v1/me"))
    response = api_get(None, "/api/v1/me", Authorization="Basic dXNlcjpwYXNz")
    _refused(response)
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.API_AUTH_FAILED).count() == 2


def test_an_oauth_token_acts_for_its_person_within_its_scopes(city: City) -> None:
    site = make_api_site("꿀박사")
    token = oauth_token(city.north.student_a1, "profile school", site=site)
    response = api_get(token, "/api/v1/me")
    assert response.status_code == 200, response.content
    me = response.json()
    assert me["id"] == city.north.student_a1.pk
    assert me["token_kind"] == "oauth" and me["site"] == "꿀박사"
    assert me["scopes"] == ["profile", "school"]
    # The token is stored hashed: nothing at rest can be replayed.
    assert not AccessToken.objects.filter(token=token).exists()


def test_the_sites_allowed_scopes_narrow_a_token_further(city: City) -> None:
    site = make_api_site(scopes="profile")
    token = oauth_token(city.north.admin, "profile roster", site=site)
    assert api_get(token, "/api/v1/me").json()["scopes"] == ["profile"]
    assert api_get(token, "/api/v1/people").status_code == 403


def test_an_expired_oauth_token_is_refused(city: City) -> None:
    token = oauth_token(city.north.student_a1, expires_in=timedelta(seconds=-1))
    _refused(api_get(token, "/api/v1/me"), token)


def test_a_revoked_oauth_token_is_refused(city: City) -> None:
    token = oauth_token(city.north.student_a1)
    assert api_get(token, "/api/v1/me").status_code == 200
    AccessToken.objects.get(user=city.north.student_a1).revoke()
    _refused(api_get(token, "/api/v1/me"), token)


def test_a_token_of_a_disabled_site_is_refused(city: City) -> None:
    site = make_api_site()
    token = oauth_token(city.north.student_a1, site=site)
    site.is_active = False
    site.save()
    _refused(api_get(token, "/api/v1/me"), token)
    assert AuthEvent.objects.get(kind=AuthEvent.Kind.API_AUTH_FAILED).site_id == site.pk


def test_a_token_of_a_disabled_account_is_refused(city: City) -> None:
    token = oauth_token(city.north.student_a1)
    city.north.student_a1.is_active = False
    city.north.student_a1.save()
    _refused(api_get(token, "/api/v1/me"), token)


def test_a_wrong_scope_is_a_403_problem(city: City) -> None:
    token = oauth_token(city.north.admin, "school")
    response = api_get(token, "/api/v1/me")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert response.json()["type"] == "urn:openclass:api:insufficient-scope"


def test_client_credentials_act_as_the_sites_service_account(city: City) -> None:
    site = make_api_site("학적 연동", service_account=city.north.admin)
    token = oauth_token(None, site=site)
    me = api_get(token, "/api/v1/me").json()
    assert me["id"] == city.north.admin.pk and me["site"] == "학적 연동"
    people = api_get(token, "/api/v1/people?limit=200").json()["items"]
    assert {p["id"] for p in people} >= {city.north.student_a1.pk}
    assert city.south.student_a1.pk not in {p["id"] for p in people}


def test_client_credentials_without_a_service_account_are_refused(city: City) -> None:
    token = oauth_token(None, site=make_api_site())
    _refused(api_get(token, "/api/v1/me"), token)


def test_a_personal_token_acts_for_its_owner(city: City) -> None:
    token = personal_token(city.north.homeroom_a, ["profile"])
    assert token.startswith("ocp_")
    me = api_get(token, "/api/v1/me").json()
    assert me["id"] == city.north.homeroom_a.pk
    assert me["token_kind"] == "personal" and me["scopes"] == ["profile"]
    row = PersonalAccessToken.objects.get(user=city.north.homeroom_a)
    assert row.last_used_at is not None
    assert token not in (row.digest, row.prefix) and row.prefix == token[:10]


def test_a_revoked_personal_token_is_refused(city: City) -> None:
    token = personal_token(city.north.homeroom_a)
    PersonalAccessToken.objects.update(revoked_at=timezone.now())
    _refused(api_get(token, "/api/v1/me"), token)


def test_an_expired_personal_token_is_refused(city: City) -> None:
    token = personal_token(city.north.homeroom_a, expires_at=timezone.now() + timedelta(days=1))
    assert api_get(token, "/api/v1/me").status_code == 200
    PersonalAccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    _refused(api_get(token, "/api/v1/me"), token)


@pytest.mark.parametrize("token", ["ocp_not-a-token", "not-a-token-either"])
def test_an_unknown_token_is_refused(city: City, token: str) -> None:
    _refused(api_get(token, "/api/v1/me"), token)


def test_a_session_is_not_a_token(city: City, client) -> None:
    """A signed-in browser reaches no API operation (no CSRF hole): only a Bearer token does."""
    client.force_login(city.office_admin)
    assert client.get("/api/v1/me").status_code == 401
