"""Discovery: at the site's root (the issuer) and under /o/, saying what openclass does."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/.well-known/openid-configuration", "/o/.well-known/openid-configuration"]
)
def test_discovery(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    root = settings.SITE_URL.rstrip("/")
    assert data["issuer"] == root
    assert data["authorization_endpoint"] == f"{root}/o/authorize/"
    assert data["token_endpoint"] == f"{root}/o/token/"
    assert data["userinfo_endpoint"] == f"{root}/o/userinfo/"
    assert data["jwks_uri"] == f"{root}/o/.well-known/jwks.json"
    assert data["end_session_endpoint"] == f"{root}/o/logout/"
    assert data["revocation_endpoint"] == f"{root}/o/revoke_token/"
    assert data["introspection_endpoint"] == f"{root}/o/introspect/"
    assert data["id_token_signing_alg_values_supported"] == ["RS256"]
    assert sorted(data["subject_types_supported"]) == ["pairwise", "public"]
    assert data["backchannel_logout_supported"] is True
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert data["response_types_supported"] == ["code"]
    assert {"openid", "profile", "school", "roster"} <= set(data["scopes_supported"])
    assert {"sub", "name", "preferred_username", "role", "organisation"} <= set(
        data["claims_supported"]
    )
    assert "client_credentials" in data["grant_types_supported"]
    assert "password" not in data["grant_types_supported"]
    assert "implicit" not in data["grant_types_supported"]
