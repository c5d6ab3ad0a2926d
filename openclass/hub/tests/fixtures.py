"""Fixtures of the login hub's tests: sites registered as the office registers them, and a
relying party's half of authorization code + PKCE. Registered for the suite by the root
conftest.py."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.test import Client

from openclass.hub.models import Site

SECRET = "site-secret-for-tests-only-0123456789"  # a test site's client secret


def make_site(
    name: str = "꿀박사",
    *,
    redirect_uri: str = "https://ggul.example.org/callback",
    trusted: bool = False,
    scopes: str = "openid profile school",
    subject_type: str = Site.Subject.PAIRWISE,
    client_type: str = Site.CLIENT_CONFIDENTIAL,
    **extra: Any,
) -> Site:
    """A site as the office registers it: authorization code, RS256, its secret ``SECRET``
    (stored hashed, as the office's page stores it)."""
    return Site.objects.create(
        name=name,
        redirect_uris=redirect_uri,
        post_logout_redirect_uris=extra.pop("post_logout_redirect_uris", redirect_uri),
        client_type=client_type,
        authorization_grant_type=Site.GRANT_AUTHORIZATION_CODE,
        client_secret=SECRET,
        skip_authorization=trusted,
        allowed_scopes=scopes,
        subject_type=subject_type,
        algorithm=Site.RS256_ALGORITHM,
        **extra,
    )


@pytest.fixture
def site(db) -> Site:
    """An untrusted site (consent screen) asking for openid, profile and school."""
    return make_site()


@pytest.fixture
def trusted_site(db) -> Site:
    return make_site("SSEM 포털", redirect_uri="https://ssem.example.org/callback", trusted=True)


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


@dataclass
class Authorization:
    """What a relying party keeps between its redirect and the code exchange."""

    site: Site
    verifier: str
    state: str
    nonce: str
    scope: str

    def query(self, challenge: str, **extra: str) -> str:
        params = {
            "response_type": "code",
            "client_id": self.site.client_id,
            "redirect_uri": self.site.redirect_uris.split()[0],
            "scope": self.scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        params.update(extra)
        return urlencode({key: value for key, value in params.items() if value is not None})


def authorize_url(
    site: Site, scope: str = "openid profile school", **extra: str
) -> tuple[str, Authorization]:
    """The authorize URL a relying party sends the browser to, and what it keeps."""
    verifier, challenge = pkce_pair()
    auth = Authorization(site, verifier, secrets.token_urlsafe(8), secrets.token_urlsafe(8), scope)
    return f"/o/authorize/?{auth.query(challenge, **extra)}", auth


def code_from(location: str, auth: Authorization) -> str:
    """The code of an authorization response, checking it is for this request."""
    parsed = urlparse(location)
    params = parse_qs(parsed.query)
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == auth.site.redirect_uris.split()[0]
    assert params["state"] == [auth.state], params
    return params["code"][0]


def exchange(client: Client, auth: Authorization, code: str, **extra: str) -> Any:
    """The relying party's token request (client secret in the body)."""
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": auth.site.redirect_uris.split()[0],
        "client_id": auth.site.client_id,
        "client_secret": SECRET,
        "code_verifier": auth.verifier,
    }
    data.update(extra)
    return client.post(
        "/o/token/", {key: value for key, value in data.items() if value is not None}
    )
