"""Outside sign-in's rules in this process: which account a claim names, a provider that cannot
be reached or does not describe itself, and the password login that must never wander off to
the provider. The whole flow against a real provider is ``test_outside_live.py``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory

from openclass.accounts.models import User
from openclass.core.server import free_port
from openclass.hub import outside
from openclass.hub.models import AuthEvent

PASSWORD = "outside-rules-pass-1"


@pytest.fixture
def configured(settings: Any) -> Iterator[Any]:
    """Outside sign-in on, its provider at an address where nothing listens."""
    settings.OUTSIDE_OIDC_ENABLED = True
    settings.OUTSIDE_OIDC_ISSUER = f"http://127.0.0.1:{free_port()}"
    settings.OIDC_RP_CLIENT_ID = "openclass"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OUTSIDE_OIDC_NAME = "교육청 통합로그인"
    settings.OIDC_TIMEOUT = 2
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, outside.BACKEND]
    outside.discovery.reset()
    yield settings
    outside.discovery.reset()


def _user(username: str, email: str = "", **extra: Any) -> User:
    return User.objects.create_user(
        username, email=email, password=PASSWORD, name=username, role=User.Role.TEACHER, **extra
    )


@pytest.mark.django_db
def test_off_by_default_every_address_is_a_404(client: Client) -> None:
    assert not settings.OUTSIDE_OIDC_ENABLED
    for path in ("/login/outside/", "/login/outside/callback/", "/login/outside/failed/"):
        assert client.get(path).status_code == 404
    assert b"/login/outside/" not in client.get("/accounts/login/").content


@pytest.mark.django_db
def test_a_claim_names_one_active_account_by_the_configured_field(configured: Any) -> None:
    kim = _user("kim-01", "Kim@School.example")
    _user("gone-01", "gone@school.example", is_active=False)
    _user("twin-a", "twin@school.example")
    _user("twin-b", "twin@school.example")

    configured.OUTSIDE_OIDC_MATCH_FIELD = "username"
    assert list(outside.match("kim-01")) == [kim]
    assert list(outside.match("KIM-01")) == []  # user names are exact
    assert list(outside.match("kim@school.example")) == []
    assert list(outside.match("gone-01")) == []  # a deactivated account signs nobody in

    configured.OUTSIDE_OIDC_MATCH_FIELD = "email"
    assert list(outside.match("kim@school.example")) == [kim]  # e-mails: case aside
    assert list(outside.match("kim-01")) == []
    assert list(outside.match("gone@school.example")) == []
    assert outside.match("twin@school.example").count() == 2

    backend = outside.OutsideBackend()
    configured.OUTSIDE_OIDC_MATCH_CLAIM = "email"
    assert list(backend.filter_users_by_claims({"email": "kim@school.example"})) == [kim]
    assert list(backend.filter_users_by_claims({"preferred_username": "kim-01"})) == []
    assert list(backend.filter_users_by_claims({"email": ["kim@school.example"]})) == []
    assert list(backend.filter_users_by_claims({"email": "  "})) == []


@pytest.mark.django_db
def test_it_never_creates_an_account(configured: Any) -> None:
    backend = outside.OutsideBackend()
    with pytest.raises(Exception, match="never creates"):
        backend.create_user({"sub": "x", "preferred_username": "new-person"})
    assert not User.objects.filter(username="new-person").exists()


@pytest.mark.django_db
def test_a_provider_that_cannot_be_reached_gets_a_page_not_an_error(
    configured: Any, client: Client
) -> None:
    answer = client.get("/login/outside/", follow=True)
    assert answer.redirect_chain[-1][0] == "/login/outside/failed/"
    assert answer.status_code == 200
    assert "교육청 통합로그인" in answer.content.decode()
    assert b'href="/accounts/login/"' in answer.content
    event = AuthEvent.objects.get()
    assert (event.kind, event.detail) == (
        AuthEvent.Kind.LOGIN_FAILED,
        "outside sign-in: unavailable discovery",
    )


class _Provider(BaseHTTPRequestHandler):
    document: dict[str, Any] = {}

    def do_GET(self) -> None:
        body = json.dumps(self.document).encode()
        self.send_response(200 if self.path == "/.well-known/openid-configuration" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def discovery_server() -> Iterator[tuple[str, type[_Provider]]]:
    """An HTTP server answering discovery with whatever ``handler.document`` is."""
    handler = type("Handler", (_Provider,), {"document": {}})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.django_db
def test_discovery_must_name_the_issuer_asked_for(
    configured: Any, discovery_server: tuple[str, type[_Provider]]
) -> None:
    url, handler = discovery_server
    configured.OUTSIDE_OIDC_ISSUER = url
    endpoints = {
        "authorization_endpoint": f"{url}/authorize",
        "token_endpoint": f"{url}/token",
        "userinfo_endpoint": f"{url}/userinfo",
        "jwks_uri": f"{url}/jwks",
    }
    handler.document = {"issuer": "https://evil.example", **endpoints}
    with pytest.raises(outside.Unavailable, match="another issuer"):
        outside.setting("OIDC_OP_TOKEN_ENDPOINT")

    handler.document = {"issuer": url, **endpoints}
    assert outside.setting("OIDC_OP_TOKEN_ENDPOINT") == f"{url}/token"
    # An endpoint set explicitly wins over discovery.
    configured.OIDC_OP_JWKS_ENDPOINT = "https://keys.example/jwks"
    assert outside.setting("OIDC_OP_JWKS_ENDPOINT") == "https://keys.example/jwks"
    # Read once, then kept: the provider's later answers are not asked for each login.
    handler.document = {"issuer": url}
    assert outside.setting("OIDC_OP_USER_ENDPOINT") == f"{url}/userinfo"


@pytest.mark.django_db
def test_a_password_login_never_calls_the_provider(
    configured: Any, client: Client, rf: RequestFactory
) -> None:
    _user("kim-01")
    # The backend answers only the callback's call (a nonce, no password): a code and state in
    # a password form's address must not start a code exchange.
    request = rf.post("/accounts/login/?code=stolen&state=x")
    request.session = SessionStore()
    backend = outside.OutsideBackend()
    assert backend.authenticate(request, username="kim-01", password="wrong") is None
    assert outside.failure_of(request) is None, "it went to the provider"
    assert backend.authenticate(request, nonce="n", code_verifier="v") is None
    assert outside.failure_of(request) == outside.Failure(outside.Failure.UNAVAILABLE, "discovery")
    # Through the form, a wrong password asks every backend, this one last: the form again.
    answer = client.post(
        "/accounts/login/?code=stolen&state=x", {"username": "kim-01", "password": "wrong"}
    )
    assert answer.status_code == 200
    answer = client.post(
        "/accounts/login/?code=stolen&state=x", {"username": "kim-01", "password": PASSWORD}
    )
    assert answer.status_code == 302
    assert client.get("/").status_code == 200
    # The wrong password is logged as one (hub.signals), and nothing about the provider.
    assert not AuthEvent.objects.filter(detail__startswith="outside").exists()
    # The login page offers the provider, with where the person was going.
    client.logout()
    page = client.get("/accounts/login/?next=/notifications/").content.decode()
    assert 'href="/login/outside/?next=/notifications/"' in page
    assert "교육청 통합로그인" in page
