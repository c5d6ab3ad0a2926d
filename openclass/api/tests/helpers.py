"""Callers for the API's tests: a site and its OAuth2 access token made as the token endpoint
makes them (hashed at rest), and personal tokens made by the token page's service."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, set_token_value

from openclass.accounts.models import User
from openclass.api import services
from openclass.api.scopes import API_SCOPES
from openclass.hub.models import Site

EVERY_SCOPE = " ".join(API_SCOPES)


def make_api_site(
    name: str = "연동 사이트", *, scopes: str = EVERY_SCOPE, service_account: User | None = None
) -> Site:
    return Site.objects.create(
        name=name,
        redirect_uris="https://sync.example.org/callback",
        client_type=Site.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Site.GRANT_CLIENT_CREDENTIALS
        if service_account
        else Site.GRANT_AUTHORIZATION_CODE,
        client_secret="api-test-secret-0123456789",
        allowed_scopes=f"openid {scopes}",
        service_account=service_account,
    )


def oauth_token(
    user: User | None,
    scopes: str = EVERY_SCOPE,
    *,
    site: Site | None = None,
    expires_in: timedelta = timedelta(hours=1),
) -> str:
    """A raw OAuth2 access token of ``site`` for ``user`` (None: client credentials)."""
    site = site or make_api_site()
    raw = secrets.token_urlsafe(30)
    token = AccessToken(
        user=user, application=site, scope=scopes, expires=timezone.now() + expires_in
    )
    set_token_value(token, raw)
    token.save()
    return raw


def personal_token(
    user: User, scopes: Iterable[str] = API_SCOPES, expires_at: Any = None, name: str = "스크립트"
) -> str:
    return services.create_token(user, name, scopes, expires_at)[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_get(token: str | None, path: str, **headers: str) -> Any:
    given = {**(bearer(token) if token else {}), **headers}
    return Client().get(path, headers=given)
