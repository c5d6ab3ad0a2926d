"""The OpenID Connect provider with the test client: authorization code + PKCE through the real
login form, the consent screen, the refusals (PKCE, redirect URI, unknown or disabled sites,
students under 14), scopes narrowed, claims by scope, pairwise and public subjects, client
credentials, tokens at userinfo, and the authentication log."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from jwcrypto import jwk, jwt
from oauth2_provider.models import get_access_token_model, get_id_token_model

from openclass.accounts.models import Organisation
from openclass.accounts.tests.fixtures import PASSWORD
from openclass.hub.models import AuthEvent, Site
from openclass.hub.validator import subject
from openclass.hub.views.provider import scope_lines

from .fixtures import SECRET, authorize_url, code_from, exchange, make_site, pkce_pair

pytestmark = pytest.mark.django_db

AccessToken = get_access_token_model()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def older_student(city):
    """A student of 14 or more: their school made a high school."""
    Organisation.objects.filter(pk=city.south.school.pk).update(
        school_level=Organisation.SchoolLevel.HIGH
    )
    return city.south.student_a1


def claims_of(id_token: str, client: Client | None = None) -> dict:
    keyset = jwk.JWKSet.from_json((client or Client()).get("/o/.well-known/jwks.json").content)
    return json.loads(jwt.JWT(jwt=id_token, key=keyset).claims)


def log(kind: str) -> list[AuthEvent]:
    return list(AuthEvent.objects.filter(kind=kind).order_by("pk"))


def assert_log_holds_no_secret(*secrets: str) -> None:
    for event in AuthEvent.objects.all():
        for secret in secrets:
            assert secret not in event.detail, (event.kind, event.detail)


# --- the happy paths ---------------------------------------------------------------------------


def test_trusted_site_through_the_login_form(city, trusted_site) -> None:
    """Not signed in: the login form, which returns to the authorization with its query intact;
    no consent screen; the code becomes tokens; the ID token verifies against the JWKS."""
    student = older_student(city)
    browser = Client()
    url, auth = authorize_url(trusted_site, scope="openid profile school")
    response = browser.get(url)
    assert response.status_code == 302
    login = response["Location"]
    assert login.startswith("/accounts/login/")
    page = browser.get(login)
    assert page.status_code == 200
    response = browser.post(login, {"username": student.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == url, "the login form lost the authorization's query"
    response = browser.get(response["Location"])
    assert response.status_code == 302
    code = code_from(response["Location"], auth)
    assert parse_qs(urlparse(response["Location"]).query)["iss"] == ["http://127.0.0.1:8000"]

    token = exchange(Client(), auth, code)
    assert token.status_code == 200, token.content
    body = token.json()
    assert body["token_type"] == "Bearer" and body["refresh_token"]
    assert set(body["scope"].split()) == {"openid", "profile", "school"}
    claims = claims_of(body["id_token"])
    assert claims["aud"] == trusted_site.client_id
    assert claims["iss"] == "http://127.0.0.1:8000"
    assert claims["nonce"] == auth.nonce
    assert claims["sub"] == subject(student, trusted_site)
    assert claims["name"] == student.name and claims["role"] == "student"
    assert claims["organisation"]["school"]["code"] == city.south.school.code
    assert claims["organisation"]["class"]["number"] == 1

    info = Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert info.status_code == 200
    assert info.json()["sub"] == claims["sub"]
    assert info.json()["preferred_username"] == student.username

    [issued] = log(AuthEvent.Kind.TOKEN_ISSUED)
    assert issued.user_id == student.pk and issued.site_id == trusted_site.pk
    assert "authorization_code" in issued.detail
    assert not log(AuthEvent.Kind.CONSENT_GIVEN)

    refreshed = Client().post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": trusted_site.client_id,
            "client_secret": SECRET,
        },
    )
    assert refreshed.status_code == 200, refreshed.content
    assert refreshed.json()["access_token"] != body["access_token"]
    assert len(log(AuthEvent.Kind.TOKEN_REFRESHED)) == 1
    assert_log_holds_no_secret(
        SECRET, body["access_token"], body["refresh_token"], code, auth.verifier
    )


def test_untrusted_site_asks_consent_in_korean(city, site) -> None:
    teacher = city.north.homeroom_a
    browser = signed_in(teacher)
    url, auth = authorize_url(site, scope="openid profile school")
    page = browser.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert site.name in html
    assert "ggul.example.org" in html
    # One line per scope, in the page's language (Korean by default: the lead's catalogue).
    lines = scope_lines(site, ["openid", "profile", "school"])
    assert len(lines) == 3 and all(escape(line) in html for line in lines)
    assert page.context["scope_lines"] == lines
    assert 'name="allow"' in html

    response = browser.post(
        "/o/authorize/",
        {
            "client_id": site.client_id,
            "redirect_uri": site.redirect_uris,
            "response_type": "code",
            "scope": "openid profile school",
            "state": auth.state,
            "nonce": auth.nonce,
            "code_challenge": page.context["form"].initial["code_challenge"],
            "code_challenge_method": "S256",
            "allow": "on",
        },
    )
    assert response.status_code == 302
    code = code_from(response["Location"], auth)
    assert exchange(Client(), auth, code).status_code == 200
    [consent] = log(AuthEvent.Kind.CONSENT_GIVEN)
    assert consent.user_id == teacher.pk and consent.site_id == site.pk
    assert consent.detail == "openid profile school"


def test_denying_consent_tells_the_site(city, site) -> None:
    browser = signed_in(city.north.homeroom_a)
    url, _auth = authorize_url(site)
    page = browser.get(url)
    form = dict(page.context["form"].initial)
    response = browser.post("/o/authorize/", {k: v for k, v in form.items() if v is not None})
    assert response.status_code == 302
    params = parse_qs(urlparse(response["Location"]).query)
    assert params["error"] == ["access_denied"]
    assert not log(AuthEvent.Kind.CONSENT_GIVEN)


# --- PKCE and redirect URIs --------------------------------------------------------------------


def test_authorization_without_pkce_is_refused(city, trusted_site) -> None:
    browser = signed_in(older_student(city))
    url, _auth = authorize_url(trusted_site, code_challenge=None, code_challenge_method=None)
    response = browser.get(url)
    assert response.status_code == 302
    params = parse_qs(urlparse(response["Location"]).query)
    assert params["error"] == ["invalid_request"]
    assert "code" not in params


def test_plain_pkce_is_refused(city, trusted_site) -> None:
    browser = signed_in(older_student(city))
    verifier, _challenge = pkce_pair()
    url, _auth = authorize_url(trusted_site, code_challenge=verifier, code_challenge_method="plain")
    response = browser.get(url)
    assert response.status_code == 302
    params = parse_qs(urlparse(response["Location"]).query)
    assert params["error"] == ["invalid_request"]
    assert "code" not in params


def test_wrong_or_missing_verifier_is_refused_and_logged(city, trusted_site) -> None:
    browser = signed_in(older_student(city))
    url, auth = authorize_url(trusted_site)
    code = code_from(browser.get(url)["Location"], auth)
    wrong, _ = pkce_pair()
    response = exchange(Client(), auth, code, code_verifier=wrong)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    [refused] = log(AuthEvent.Kind.TOKEN_REFUSED)
    assert "does not match" in refused.detail and refused.site_id == trusted_site.pk

    url, auth = authorize_url(trusted_site)
    code = code_from(browser.get(url)["Location"], auth)
    response = exchange(Client(), auth, code, code_verifier=None)
    assert response.status_code == 400
    assert "verifier missing" in log(AuthEvent.Kind.TOKEN_REFUSED)[-1].detail
    assert not log(AuthEvent.Kind.TOKEN_ISSUED)
    assert_log_holds_no_secret(SECRET, code, wrong, auth.verifier)


def test_a_code_is_used_once(city, trusted_site) -> None:
    browser = signed_in(older_student(city))
    url, auth = authorize_url(trusted_site)
    code = code_from(browser.get(url)["Location"], auth)
    assert exchange(Client(), auth, code).status_code == 200
    again = exchange(Client(), auth, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert "code unknown, used or expired" in log(AuthEvent.Kind.TOKEN_REFUSED)[-1].detail


def test_a_wrong_client_secret_is_refused_and_logged_without_it(city, trusted_site) -> None:
    browser = signed_in(older_student(city))
    url, auth = authorize_url(trusted_site)
    code = code_from(browser.get(url)["Location"], auth)
    response = exchange(Client(), auth, code, client_secret="not-the-secret-42")
    assert response.status_code == 401
    [refused] = log(AuthEvent.Kind.TOKEN_REFUSED)
    assert "wrong client secret" in refused.detail and refused.site_id == trusted_site.pk
    assert_log_holds_no_secret("not-the-secret-42", SECRET, code)


def test_an_unregistered_redirect_uri_is_never_redirected_to(city, trusted_site) -> None:
    browser = signed_in(older_student(city))
    url, _auth = authorize_url(trusted_site, redirect_uri="https://evil.example.net/callback")
    response = browser.get(url)
    assert response.status_code == 400
    assert "evil.example.net" not in response.get("Location", "")
    assert "openclass" in response.content.decode() or response.context["error"]


@pytest.mark.parametrize("which", ["unknown", "disabled"])
def test_an_unknown_or_disabled_site_is_refused(city, trusted_site, which) -> None:
    browser = signed_in(older_student(city))
    if which == "disabled":
        url, auth = authorize_url(trusted_site)
        code = code_from(browser.get(url)["Location"], auth)
        token = exchange(Client(), auth, code).json()["access_token"]
        Site.objects.filter(pk=trusted_site.pk).update(is_active=False)
        # Its tokens stop working, at userinfo and at introspection.
        info = Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert info.status_code == 401
        url, _auth = authorize_url(trusted_site)
    else:
        url, _auth = authorize_url(trusted_site, client_id="no-such-site")
    response = browser.get(url)
    assert response.status_code == 400
    assert "Location" not in response


def test_a_disabled_site_cannot_exchange_its_code(city, trusted_site) -> None:
    browser = signed_in(older_student(city))
    url, auth = authorize_url(trusted_site)
    code = code_from(browser.get(url)["Location"], auth)
    Site.objects.filter(pk=trusted_site.pk).update(is_active=False)
    response = exchange(Client(), auth, code)
    assert response.status_code == 401
    assert "disabled" in log(AuthEvent.Kind.TOKEN_REFUSED)[-1].detail


# --- scopes and claims -------------------------------------------------------------------------


def test_scopes_are_narrowed_to_what_the_site_may_have(city) -> None:
    narrow = make_site("좁은 사이트", trusted=True, scopes="openid profile")
    browser = signed_in(older_student(city))
    url, auth = authorize_url(narrow, scope="openid profile school roster")
    code = code_from(browser.get(url)["Location"], auth)
    body = exchange(Client(), auth, code).json()
    assert body["scope"].split() == ["openid", "profile"]
    claims = claims_of(body["id_token"])
    assert "name" in claims and "organisation" not in claims


def test_without_openid_left_the_authorization_is_refused(city) -> None:
    api_only = make_site("명단 동기화", trusted=True, scopes="roster")
    browser = signed_in(older_student(city))
    url, _auth = authorize_url(api_only, scope="openid roster")
    response = browser.get(url)
    params = parse_qs(urlparse(response["Location"]).query)
    assert params["error"] == ["invalid_scope"]


def test_claims_follow_the_scopes(city, trusted_site) -> None:
    student = older_student(city)
    browser = signed_in(student)
    url, auth = authorize_url(trusted_site, scope="openid")
    code = code_from(browser.get(url)["Location"], auth)
    body = exchange(Client(), auth, code).json()
    claims = claims_of(body["id_token"])
    assert claims["sub"] == subject(student, trusted_site)
    assert not {"name", "preferred_username", "role", "organisation"} & set(claims)
    info = Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert set(info.json()) == {"sub"}
    assert str(student.pk) != claims["sub"]


def test_pairwise_subjects_differ_between_sites_public_ones_do_not(city) -> None:
    student = older_student(city)
    subs = {}
    for name, host, kind in [
        ("가", "a.example.org", Site.Subject.PAIRWISE),
        ("나", "b.example.org", Site.Subject.PAIRWISE),
        ("다", "c.example.org", Site.Subject.PUBLIC),
        ("라", "d.example.org", Site.Subject.PUBLIC),
    ]:
        registered = make_site(
            name, redirect_uri=f"https://{host}/cb", trusted=True, subject_type=kind
        )
        browser = signed_in(student)
        url, auth = authorize_url(registered, scope="openid")
        code = code_from(browser.get(url)["Location"], auth)
        subs[name] = claims_of(exchange(Client(), auth, code).json()["id_token"])["sub"]
    assert subs["가"] != subs["나"]
    assert subs["다"] == subs["라"]
    assert len({subs["가"], subs["나"], subs["다"]}) == 3
    # Stable: the same again.
    again = make_site("마", redirect_uri="https://a.example.org/other", trusted=True)
    assert subject(student, again) == subs["가"]


# --- students under 14 -------------------------------------------------------------------------


def test_a_student_under_14_is_refused_at_an_untrusted_site(city, site) -> None:
    student = city.north.student_a1  # an elementary school's third year
    browser = signed_in(student)
    url, auth = authorize_url(site)
    response = browser.get(url)
    assert response.status_code == 403
    html = response.content.decode()
    assert site.name in html and "14" in html
    assert "Location" not in response
    # Posting the consent form directly is refused the same way.
    response = browser.post(
        "/o/authorize/",
        {
            "client_id": site.client_id,
            "redirect_uri": site.redirect_uris,
            "response_type": "code",
            "scope": "openid",
            "state": auth.state,
            "code_challenge": pkce_pair()[1],
            "code_challenge_method": "S256",
            "allow": "on",
        },
    )
    assert response.status_code == 403
    refused = log(AuthEvent.Kind.SITE_REFUSED)
    assert len(refused) == 2
    assert refused[0].user_id == student.pk and refused[0].site_id == site.pk
    assert not log(AuthEvent.Kind.CONSENT_GIVEN)


def test_a_student_under_14_may_use_a_trusted_site(city, trusted_site) -> None:
    browser = signed_in(city.north.student_a1)
    url, auth = authorize_url(trusted_site)
    response = browser.get(url)
    assert response.status_code == 302
    assert exchange(Client(), auth, code_from(response["Location"], auth)).status_code == 200


def test_a_site_no_longer_trusted_cannot_refresh_an_under_14_token(city, trusted_site) -> None:
    browser = signed_in(city.north.student_a1)
    url, auth = authorize_url(trusted_site)
    body = exchange(Client(), auth, code_from(browser.get(url)["Location"], auth)).json()
    Site.objects.filter(pk=trusted_site.pk).update(skip_authorization=False)
    response = Client().post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": trusted_site.client_id,
            "client_secret": SECRET,
        },
    )
    assert response.status_code == 400
    assert "under 14" in log(AuthEvent.Kind.TOKEN_REFUSED)[-1].detail


# --- client credentials ------------------------------------------------------------------------


def client_credentials(site: Site, scope: str | None = "roster", secret: str = SECRET):
    basic = base64.b64encode(f"{site.client_id}:{secret}".encode()).decode()
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    return Client().post("/o/token/", data, HTTP_AUTHORIZATION=f"Basic {basic}")


def test_client_credentials_act_as_the_service_account(city) -> None:
    account = city.office_admin
    sync = make_site("명단 동기화", scopes="openid roster", service_account=account)
    response = client_credentials(sync, scope="roster openid profile")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == "roster"
    assert "refresh_token" not in body and "id_token" not in body
    token = AccessToken.objects.get(application=sync)
    assert token.user_id == account.pk
    [issued] = log(AuthEvent.Kind.TOKEN_ISSUED)
    assert issued.detail.startswith("client_credentials") and issued.user_id == account.pk
    # Without a scope: the site's scopes, less openid.
    assert client_credentials(sync, scope=None).json()["scope"] == "roster"
    assert_log_holds_no_secret(SECRET, body["access_token"])


def test_client_credentials_without_a_service_account_are_refused(city, site) -> None:
    response = client_credentials(site)
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("unauthorized_client", "invalid_client")
    assert not AccessToken.objects.exists()
    assert "grant type not allowed" in log(AuthEvent.Kind.TOKEN_REFUSED)[-1].detail


def test_client_credentials_with_a_wrong_secret_are_refused(city) -> None:
    sync = make_site("명단 동기화", scopes="roster", service_account=city.office_admin)
    response = client_credentials(sync, secret="guess-123")
    assert response.status_code == 401
    assert "wrong client secret" in log(AuthEvent.Kind.TOKEN_REFUSED)[-1].detail
    assert_log_holds_no_secret("guess-123", SECRET)


# --- tokens at userinfo ------------------------------------------------------------------------


def test_expired_revoked_and_wrong_scope_tokens_at_userinfo(city, trusted_site) -> None:
    student = older_student(city)
    browser = signed_in(student)
    tokens = []
    for _ in range(2):
        url, auth = authorize_url(trusted_site)
        tokens.append(exchange(Client(), auth, code_from(browser.get(url)["Location"], auth)))
    first, second = (token.json() for token in tokens)

    def userinfo(token: str) -> int:
        return Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code

    assert userinfo(first["access_token"]) == 200
    # Expired.
    AccessToken.objects.filter(user=student).update(expires=timezone.now() - timedelta(seconds=1))
    assert userinfo(first["access_token"]) == 401
    AccessToken.objects.filter(user=student).update(expires=timezone.now() + timedelta(hours=1))
    # Revoked.
    revoked = Client().post(
        "/o/revoke_token/",
        {
            "token": second["access_token"],
            "client_id": trusted_site.client_id,
            "client_secret": SECRET,
        },
    )
    assert revoked.status_code == 200
    assert userinfo(second["access_token"]) == 401
    # Without openid (a client credentials token for the API only).
    sync = make_site("동기화", scopes="roster", service_account=city.office_admin)
    api_token = client_credentials(sync).json()["access_token"]
    response = Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert response.status_code in (401, 403), response.status_code
    assert "sub" not in response.content.decode()
    # Unknown.
    assert userinfo("not-a-token") == 401


# --- introspection -----------------------------------------------------------------------------


def introspect(site: Site, token: str, secret: str = SECRET):
    basic = base64.b64encode(f"{site.client_id}:{secret}".encode()).decode()
    return Client().post("/o/introspect/", {"token": token}, HTTP_AUTHORIZATION=f"Basic {basic}")


def test_a_site_introspects_only_its_own_live_tokens(city, trusted_site, site) -> None:
    student = older_student(city)
    browser = signed_in(student)
    url, auth = authorize_url(trusted_site)
    body = exchange(Client(), auth, code_from(browser.get(url)["Location"], auth)).json()
    token = body["access_token"]

    answer = introspect(trusted_site, token)
    assert answer.status_code == 200
    data = answer.json()
    assert data["active"] is True and data["client_id"] == trusted_site.client_id
    assert data["sub"] == subject(student, trusted_site)
    assert student.username not in answer.content.decode()

    # Another site learns nothing about it.
    assert introspect(site, token).json() == {"active": False}
    # A wrong secret is refused.
    assert introspect(trusted_site, token, secret="wrong-1").status_code in (401, 403)
    # Expired.
    AccessToken.objects.filter(user=student).update(expires=timezone.now() - timedelta(seconds=1))
    assert introspect(trusted_site, token).json() == {"active": False}
    AccessToken.objects.filter(user=student).update(expires=timezone.now() + timedelta(hours=1))
    assert introspect(trusted_site, token).json()["active"] is True
    # A disabled site can no longer introspect (nor are its tokens active).
    Site.objects.filter(pk=trusted_site.pk).update(is_active=False)
    assert introspect(trusted_site, token).status_code in (401, 403)
    assert introspect(site, token).json() == {"active": False}


def test_the_consent_screen_names_the_open_api_scopes_too(city) -> None:
    api_site = make_site("학습 앱", scopes="openid profile courses")
    browser = signed_in(city.north.homeroom_a)
    url, _auth = authorize_url(api_site, scope="openid courses")
    page = browser.get(url)
    assert page.status_code == 200
    lines = page.context["scope_lines"]
    assert len(lines) == 2
    assert lines[1] == str(settings.OAUTH2_PROVIDER["SCOPES"]["courses"])
    assert escape(lines[1]) in page.content.decode()


def exchange_captured(city, site: Site) -> tuple[Any, list[str], Any]:
    """An older student's code exchange at ``site``: the answer, the SELECT statements the
    exchange ran, and what the relying party kept (its nonce)."""
    browser = signed_in(older_student(city))
    url, auth = authorize_url(site, scope="openid profile")
    code = code_from(browser.get(url)["Location"], auth)
    with CaptureQueriesContext(connection) as queries:
        response = exchange(Client(), auth, code)
    assert response.status_code == 200, response.content
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    return response, reads, auth


def access_token_of(response) -> Any:
    digest = hashlib.sha256(response.json()["access_token"].encode()).hexdigest()
    return AccessToken.objects.select_related("id_token").get(token_checksum=digest)


def test_a_code_exchange_reads_the_grant_once(city, trusted_site) -> None:
    response, reads, auth = exchange_captured(city, trusted_site)
    grant_reads = [sql for sql in reads if "oauth2_provider_grant" in sql]
    # The scope, to choose the OpenID Connect grant before the client is known; and the row,
    # once, for every other question (django-oauth-toolkit read it seven times, its resource
    # indicators included).
    assert len(grant_reads) == 2, "\n".join(query[:70] for query in grant_reads)
    assert claims_of(response.json()["id_token"])["nonce"] == auth.nonce


def test_the_access_token_names_the_id_token_it_came_with(city, trusted_site) -> None:
    """The new ID token is linked as made, not read back (its signature checked again), and the
    new access token is not read back either (nothing listens to ``app_authorized``)."""
    response, reads, _auth = exchange_captured(city, trusted_site)
    token = access_token_of(response)
    assert token.id_token is not None
    assert str(token.id_token.jti) == claims_of(response.json()["id_token"])["jti"]
    assert get_id_token_model().objects.count() == 1
    assert not [sql for sql in reads if 'FROM "oauth2_provider_idtoken"' in sql]
    assert not [sql for sql in reads if 'FROM "oauth2_provider_accesstoken"' in sql]


@pytest.mark.parametrize("at_token", [False, True])
def test_an_authorizations_resource_indicator_reaches_its_token(
    city, trusted_site, at_token
) -> None:
    """RFC 8707: the resource the authorization named is the token's, whether the code
    exchange repeats it or not (openclass skips the code's second read only when neither
    names one)."""
    resource = "https://api.example.org/"
    browser = signed_in(older_student(city))
    url, auth = authorize_url(trusted_site, scope="openid profile", resource=resource)
    code = code_from(browser.get(url)["Location"], auth)
    response = exchange(Client(), auth, code, **({"resource": resource} if at_token else {}))
    assert response.status_code == 200, response.content
    assert access_token_of(response).resource == [resource]


def test_a_code_without_a_resource_gives_a_token_without_one(city, trusted_site) -> None:
    response, _reads, _auth = exchange_captured(city, trusted_site)
    assert access_token_of(response).resource == []
